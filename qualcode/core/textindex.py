"""Tokens, lemmas, sentences and names of each transcript, computed once and kept in the project.

spaCy runs over every segment once per transcript text and pipeline; the
result is stored (compressed) keyed by the text's SHA-256 and the pipeline's
name, so search, suggestions, word frequencies and pseudonym suggestions read
it back in a fraction of the time.

Lemmas come from a trained pipeline when the project names one that is
installed; otherwise from the lookup tables of spacy-lookups-data, looked up
by the lower-case form (the tables are case-sensitive, and a dictionary
look-up is faster than spaCy's lookup lemmatizer component).
"""

from __future__ import annotations

import gzip
import json
import zlib
from dataclasses import dataclass
from functools import lru_cache

from qualcode.core.model import Transcript
from qualcode.core.store import Store

FORMAT = 1


@dataclass
class TextIndex:
    """One transcript's tokens as parallel lists, with sentence starts and named entities."""

    starts: list[int]
    ends: list[int]
    lower: list[str]
    lemma: list[str]
    sentences: list[int]
    """Character offsets where sentences start."""
    entities: list[tuple[int, int, str]]
    """(start, end, label) of names a trained pipeline found; empty with the rule-based one."""

    def to_bytes(self) -> bytes:
        data = [FORMAT, self.starts, self.ends, self.lower, self.lemma, self.sentences, self.entities]
        return zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 3)

    @classmethod
    def from_bytes(cls, data: bytes) -> TextIndex | None:
        values = json.loads(zlib.decompress(data))
        if values[0] != FORMAT:
            return None
        return cls(values[1], values[2], values[3], values[4], values[5], [tuple(e) for e in values[6]])


@lru_cache(maxsize=4)
def lemma_table(lang: str) -> dict[str, str]:
    """A lower-case form → lower-case lemma table for ``lang`` ({} when spacy-lookups-data has none)."""
    from importlib import resources

    try:
        raw = resources.files("spacy_lookups_data").joinpath("data", f"{lang}_lemma_lookup.json.gz").read_bytes()
    except (FileNotFoundError, ModuleNotFoundError):
        return {}
    table: dict[str, str] = {}
    for form, lemma in json.loads(gzip.decompress(raw)).items():
        table.setdefault(form.lower(), lemma.lower())
    return table


def pipeline_name(lang: str, model: str | None) -> str:
    """The name the cache is keyed by: the trained pipeline used, or the rule-based one."""
    from qualcode.core.nlp import pipeline

    nlp = pipeline(lang, model)
    if model and nlp.meta.get("name"):
        return f"{nlp.meta.get('lang')}_{nlp.meta['name']}-{nlp.meta.get('version', '')}"
    return f"blank-{lang}+lookup"


def build(text: str, segments: list[tuple[int, int]], lang: str, model: str | None) -> TextIndex:
    """Run the pipeline over each segment of a text and collect tokens, lemmas, sentences, entities."""
    from qualcode.core.nlp import pipe_pieces, pipeline

    nlp = pipeline(lang, model)
    trained_lemmas = bool(model) and nlp.has_pipe("lemmatizer")
    table = {} if trained_lemmas else lemma_table(lang)
    starts: list[int] = []
    ends: list[int] = []
    lower: list[str] = []
    lemma: list[str] = []
    sentences: list[int] = []
    entities: list[tuple[int, int, str]] = []
    texts = (text[s:e] for s, e in segments)
    # A segment longer than nlp.CHUNK comes back as several Docs (see there why).
    for (segment_start, _end), docs in zip(segments, pipe_pieces(nlp, texts, batch_size=256), strict=True):
        for piece_start, doc in docs:
            offset = segment_start + piece_start
            for sent in doc.sents:
                sentences.append(offset + sent.start_char)
            for token in doc:
                if token.is_space:
                    continue
                form = token.lower_
                starts.append(offset + token.idx)
                ends.append(offset + token.idx + len(token.text))
                lower.append(form)
                lemma.append(token.lemma_.lower() if trained_lemmas and token.lemma_ else table.get(form, form))
            entities.extend((offset + e.start_char, offset + e.end_char, e.label_) for e in doc.ents)
    return TextIndex(starts, ends, lower, lemma, sentences, entities)


def index_of(store: Store, transcript: Transcript, lang: str, model: str | None) -> TextIndex:
    """The transcript's index from the project's cache, built and stored when missing."""
    name = pipeline_name(lang, model)
    cached = store.text_index.get(transcript.sha256, name)
    if cached is not None:
        found = TextIndex.from_bytes(cached)
        if found is not None:
            return found
    segments = [(s.start, s.end) for s in store.transcripts.segments(transcript.id)]
    index = build(transcript.text, segments, lang, model)
    store.text_index.put(transcript.sha256, name, index.to_bytes())
    return index


def all_indexes(store: Store) -> dict[int, tuple[Transcript, TextIndex]]:
    """Every transcript with its index, by transcript id."""
    out = {}
    for transcript in store.transcripts.all():
        out[transcript.id] = (
            transcript,
            index_of(store, transcript, transcript.lang or store.settings.lang, store.settings.spacy_model),
        )
    return out
