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
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

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
        return zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 1)

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


JOINERS = frozenset({"-", "–", "—", "/"})
"""Tokens passed over when matching, so "step ladder" finds "step-ladder" and the other way round."""


@dataclass
class Tokens:
    """One transcript's non-space tokens as arrays: what the cached `TextIndex` and the search index are made of.

    Strings are kept once per distinct value (``forms``, ``lemmas``, ``words``)
    and each token points at its own, so the work per token stays in numpy.
    """

    starts: Any
    ends: Any
    segment: Any
    """The ordinal of each token's segment."""
    forms: list[str]
    form_of: Any
    lemmas: list[str]
    lemma_of: Any
    words: list[str]
    """The tokens as written."""
    word_of: Any
    sentences: list[int]
    entities: list[tuple[int, int, str]]

    def index(self) -> TextIndex:
        forms, lemmas = self.forms, self.lemmas
        return TextIndex(
            self.starts.tolist(),
            self.ends.tolist(),
            [forms[i] for i in self.form_of.tolist()],
            [lemmas[i] for i in self.lemma_of.tolist()],
            self.sentences,
            self.entities,
        )


def _docs(nlp: Any, texts: list[str], rule_based: bool) -> Iterator[list[tuple[int, Any]]]:
    """For each text its Docs with their offsets, as `pipe_pieces` gives them.

    The rule-based pipeline runs only its tokenizer, called directly; its
    sentences are found from the tokens' arrays (`_sentence_starts`). A trained
    pipeline runs whole.
    """
    from qualcode.core.nlp import CHUNK, pipe_pieces, split_long

    if not rule_based:
        yield from pipe_pieces(nlp, texts, batch_size=256)
        return
    tokenizer = nlp.tokenizer
    limit = min(CHUNK, nlp.max_length)
    for text in texts:
        yield [(offset, tokenizer(piece)) for offset, piece in split_long(text, limit)]


def _sentence_starts(punct: Any, is_punct: Any, firsts: Any) -> Any:
    """Which tokens start a sentence, as spaCy's sentencizer decides, for many Docs' tokens at once.

    The sentencizer starts a Doc's first token, and then the first token that is
    neither punctuation nor a sentence-final character after such a character
    (``punct``). Those candidates are the tokens that are neither: one starts a
    sentence exactly when a sentence-final character lies between it and the
    candidate before it (or the Doc's start). Its Python loop over Token objects
    cost more than the tokenizer itself; this is a few numpy passes.
    """
    import numpy as np

    starts = firsts.copy()
    candidates = np.flatnonzero((~punct & ~is_punct) | firsts)
    if not len(candidates):
        return starts
    seen = np.concatenate([[0], np.cumsum(punct)])
    between = seen[candidates[1:]] - seen[candidates[:-1]]
    starts[candidates[1:][between > 0]] = True
    return starts


def tokens(text: str, segments: list[tuple[int, int]], lang: str, model: str | None) -> Tokens:
    """Tokenise each segment of a text and collect tokens, lemmas, sentences and entities as arrays."""
    import numpy as np
    from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LEMMA, LENGTH, LOWER, ORTH, SENT_START

    from qualcode.core.nlp import pipeline

    nlp = pipeline(lang, model)
    trained_lemmas = bool(model) and nlp.has_pipe("lemmatizer")
    table = {} if trained_lemmas else lemma_table(lang)
    rule_based = nlp.pipe_names == ["sentencizer"]
    attrs = [IDX, LENGTH, ORTH, LOWER, IS_SPACE, SENT_START, LEMMA, IS_PUNCT]
    arrays, offsets, ordinals, lengths = [], [], [], []
    entities: list[tuple[int, int, str]] = []
    texts = [text[s:e] for s, e in segments]
    pieces = _docs(nlp, texts, rule_based)
    for ordinal, ((segment_start, _end), docs) in enumerate(zip(segments, pieces, strict=True), 1):
        for piece_start, doc in docs:
            if not len(doc):
                continue
            offset = segment_start + piece_start
            array = doc.to_array(attrs)
            # A Doc's first token always starts a sentence (doc.sents), whatever the flag says.
            array[0, 5] = 1
            arrays.append(array)
            offsets.append(offset)
            ordinals.append(ordinal)
            lengths.append(len(doc))
            entities.extend((offset + e.start_char, offset + e.end_char, e.label_) for e in doc.ents)
    if not arrays:
        empty = np.zeros(0, dtype=np.int64)
        return Tokens(empty, empty, empty, [], empty, [], empty, [], empty, [], entities)
    every = np.concatenate(arrays)
    starts = every[:, 0].astype(np.int64) + np.repeat(np.array(offsets, dtype=np.int64), lengths)
    if rule_based:
        firsts = np.zeros(len(every), dtype=bool)
        firsts[np.cumsum([0, *lengths[:-1]])] = True
        punct_chars = nlp.get_pipe("sentencizer").punct_chars
        punct_hashes = np.array([nlp.vocab.strings.add(c) for c in punct_chars], dtype=np.uint64)
        sentence_start = _sentence_starts(np.isin(every[:, 2], punct_hashes), every[:, 7] == 1, firsts)
    else:
        sentence_start = every[:, 5] == 1
    sentences = starts[sentence_start].tolist()
    words = every[:, 4] == 0
    every, starts = every[words], starts[words]
    ends = starts + every[:, 1].astype(np.int64)
    segment = np.repeat(np.array(ordinals, dtype=np.int64), lengths)[words]
    strings = nlp.vocab.strings
    hashes, word_of = np.unique(every[:, 2], return_inverse=True)
    written = [strings[int(h)] for h in hashes.tolist()]
    hashes, form_of = np.unique(every[:, 3], return_inverse=True)
    forms = [strings[int(h)] for h in hashes.tolist()]
    if trained_lemmas:
        # A trained lemmatizer's lemma depends on the context: one per token.
        token_lemmas = [
            strings[int(h)].lower() or table.get(forms[f], forms[f])
            for h, f in zip(every[:, 6].tolist(), form_of.tolist(), strict=True)
        ]
        lemmas, lemma_of = np.unique(np.array(token_lemmas, dtype=object), return_inverse=True)
        lemmas = list(lemmas)
    else:
        lemma_set = {f: table.get(f, f) for f in forms}
        lemmas = sorted(set(lemma_set.values()))
        number = {lemma: i for i, lemma in enumerate(lemmas)}
        lemma_of = np.array([number[lemma_set[f]] for f in forms], dtype=np.int64)[form_of]
    return Tokens(starts, ends, segment, forms, form_of, lemmas, lemma_of, written, word_of, sentences, entities)


def build(text: str, segments: list[tuple[int, int]], lang: str, model: str | None) -> TextIndex:
    """Run the pipeline over each segment of a text and collect tokens, lemmas, sentences, entities."""
    return tokens(text, segments, lang, model).index()


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


@dataclass(frozen=True)
class Indexed:
    """A transcript as the search index knows it: its document there and what its hits are shown with."""

    id: int
    name: str
    participant: str | None
    document: int


BATCH_POSTINGS = 2_000_000
"""Postings gathered before they are written: sorted in key order, then inserted (memory stays bounded)."""


def search_documents(store: Store) -> list[Indexed]:
    """Every transcript with its document in the search index; the missing ones are built and stored first.

    Documents of texts no transcript holds any more are dropped. The cached
    `TextIndex` of a text is written alongside when it is missing, from the
    same tokenisation.
    """
    import numpy as np

    index = store.search_index
    index.drop_stale()
    model = store.settings.spacy_model
    names: dict[str, str] = {}
    documents: dict[str, dict[str, int]] = {}
    rows = index.transcripts()
    missing: dict[tuple[str, str], tuple[int, str]] = {}
    for tid, _name, _participant, sha256, lang in rows:
        lang = lang or store.settings.lang
        if lang not in names:
            names[lang] = pipeline_name(lang, model)
            documents[names[lang]] = index.documents(names[lang])
        if sha256 not in documents[names[lang]]:
            missing.setdefault((sha256, names[lang]), (tid, lang))
    if missing:
        with store.transaction():
            terms = index.all_terms()
            new_terms: list[tuple[int, str]] = []
            next_id = max(terms.values(), default=0) + 1

            def ids(strings: list[str]) -> Any:
                nonlocal next_id
                out = []
                for s in strings:
                    term = terms.get(s)
                    if term is None:
                        term = terms[s] = next_id
                        new_terms.append((next_id, s))
                        next_id += 1
                    out.append(term)
                return np.array(out, dtype=np.int64)

            batch: list[tuple[Any, ...]] = []
            pending = 0
            for (sha256, name), (tid, lang) in missing.items():
                text = index.text(tid)
                segments = [(s.start, s.end) for s in store.transcripts.segments(tid)]
                found = tokens(text, segments, lang, model)
                if store.text_index.get(sha256, name) is None:
                    store.text_index.put(sha256, name, found.index().to_bytes())
                document = index.add_document(sha256, name)
                documents[name][sha256] = document
                postings, token_row, terms_row, (capitals, offsets) = _rows(found, document, ids)
                batch.append(postings)
                index.add_rows((), [token_row], [terms_row], capitals, offsets)
                pending += len(postings[4]) // 4
                if pending >= BATCH_POSTINGS:
                    index.add_terms(new_terms)
                    new_terms.clear()
                    _write(index, batch)
                    batch, pending = [], 0
            index.add_terms(new_terms)
            _write(index, batch)
    out = []
    for tid, name, participant, sha256, lang in rows:
        out.append(Indexed(tid, name, participant, documents[names[lang or store.settings.lang]][sha256]))
    return out


def _rows(
    found: Tokens, document: int, ids: Any
) -> tuple[tuple[Any, ...], tuple[Any, ...], tuple[int, bytes], tuple[list[Any], list[Any]]]:
    """A document's postings (term, kind, document and the slice of its packed positions, as arrays), its
    token row, its terms and its capitalised words."""
    import numpy as np

    from qualcode.core.store.search_index import BLOCK_BITS, DOCUMENT_BLOCKS, pack

    all_forms = ids(found.forms)
    form_terms = all_forms[found.form_of]
    lemma_terms = ids(found.lemmas)[found.lemma_of]
    kept = ~np.array([f in JOINERS for f in found.forms], dtype=bool)[found.form_of]
    form_terms, lemma_terms = form_terms[kept], lemma_terms[kept]
    positions = np.arange(len(form_terms), dtype=np.int64)
    same = form_terms == lemma_terms
    other = ~same
    term = np.concatenate([form_terms[same], form_terms[other], lemma_terms[other]])
    kind = np.concatenate(
        [np.full(int(same.sum()), 2), np.zeros(int(other.sum()), np.int64), np.ones(int(other.sum()), np.int64)]
    )
    position = np.concatenate([positions[same], positions[other], positions[other]])
    # One row per (term, kind): its positions, ascending, as one slice of a packed array.
    order = np.lexsort((position, kind, term))
    term, kind, position = term[order], kind[order], position[order]
    if len(term):
        first = np.flatnonzero(np.concatenate([[True], (term[1:] != term[:-1]) | (kind[1:] != kind[:-1])]))
    else:
        first = np.zeros(0, dtype=np.int64)
    last = np.append(first[1:], len(term))
    packed = pack(position)
    postings = (term[first], kind[first], first, last, packed)

    sentences = np.array(found.sentences, dtype=np.int64)
    segment = found.segment[kept]
    if len(segment):
        segment_firsts = np.flatnonzero(np.concatenate([[True], segment[1:] != segment[:-1]]))
    else:
        segment_firsts = np.zeros(0, dtype=np.int64)
    lower_first = np.array([w[:1].islower() for w in found.words], dtype=np.uint8)[found.word_of][kept]
    token_row = (
        document,
        pack(sentences),
        pack(segment_firsts),
        pack(segment[segment_firsts]),
        lower_first.astype(np.uint8).tobytes(),
    )
    terms_row = (document, pack(np.unique(np.concatenate([form_terms, lemma_terms]))))
    size = 1 << BLOCK_BITS
    starts, ends = pack(found.starts[kept]), pack(found.ends[kept])
    step = size * 4
    offsets = [
        (document * DOCUMENT_BLOCKS + b, document, starts[b * step : (b + 1) * step], ends[b * step : (b + 1) * step])
        for b in range((len(starts) + step - 1) // step)
    ]

    # Pseudonym candidates: capitalised words of letters that do not start a sentence.
    capital = np.array([w[:1].isupper() and w.isalpha() and len(w) >= 2 for w in found.words], dtype=bool)
    mask = capital[found.word_of] & ~np.isin(found.starts, sentences)
    counts: dict[int, list[int]] = {}
    for w, f, start in zip(
        found.word_of[mask].tolist(), found.form_of[mask].tolist(), found.starts[mask].tolist(), strict=True
    ):
        if w in counts:
            counts[w][1] += 1
        else:
            counts[w] = [f, 1, start]
    capitals = [(document, found.words[w], int(all_forms[f]), n, first) for w, (f, n, first) in counts.items()]
    return (*postings, document), token_row, terms_row, (capitals, offsets)


def _write(index: Any, batch: list[tuple[Any, ...]]) -> None:
    """Insert gathered postings rows in key order (term, kind, document)."""
    import numpy as np

    if not batch:
        return
    term = np.concatenate([p[0] for p in batch])
    kind = np.concatenate([p[1] for p in batch])
    document = np.concatenate([np.full(len(p[0]), p[5], dtype=np.int64) for p in batch])
    part = np.concatenate([np.full(len(p[0]), i, dtype=np.int64) for i, p in enumerate(batch)])
    first = np.concatenate([p[2] for p in batch]) * 4
    last = np.concatenate([p[3] for p in batch]) * 4
    order = np.lexsort((document, kind, term))
    packed = [p[4] for p in batch]
    rows = zip(
        term[order].tolist(),
        kind[order].tolist(),
        document[order].tolist(),
        (
            packed[i][a:b]
            for i, a, b in zip(part[order].tolist(), first[order].tolist(), last[order].tolist(), strict=True)
        ),
        strict=True,
    )
    index.add_rows(rows, (), (), ())
