"""Tokens, lemmas, sentences and names of each transcript, computed once and kept in the project.

Two caches in the project file are made from them, each by the commands that
read it, keyed by the text's SHA-256 and the pipeline's name: the search index
(`search_documents`: search, keyword suggestions, pseudonym candidates) and the
text index of each text (`index_of`: word frequencies, a trained pipeline's
entities). The rule-based pipeline's tokens come from `ChunkTokenizer`, which
tokenizes each distinct span of text once per build.

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
from typing import Any

from qualcode.core.model import Transcript
from qualcode.core.store import Store
from qualcode.core.store.search_index import SearchIndex
from qualcode.core.tokenizing import ChunkTokenizer, StringTable

MAGIC = b"QTI2"
"""The first bytes of a stored text index (packed arrays); an entry without them is built again."""


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

    @classmethod
    def from_bytes(cls, data: bytes) -> TextIndex | None:
        """The index `Tokens.to_bytes` stored, or None for an entry of another format."""
        import numpy as np

        if not data.startswith(MAGIC):
            return None
        sizes = np.frombuffer(data, dtype="<i8", count=6, offset=len(MAGIC)).tolist()
        at = len(MAGIC) + 48
        forms, lemmas, entities = json.loads(zlib.decompress(data[at : at + sizes[0]]))
        at += sizes[0]
        arrays = []
        for n in sizes[1:]:
            arrays.append(np.frombuffer(data, dtype="<i4", count=n, offset=at))
            at += 4 * n
        form_of, lemma_of, starts, ends, sentences = arrays
        return cls(
            starts.tolist(),
            ends.tolist(),
            [forms[i] for i in form_of.tolist()],
            [lemmas[i] for i in lemma_of.tolist()],
            sentences.tolist(),
            [tuple(e) for e in entities],
        )


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

    Strings are kept once per distinct value (``forms``, ``lemmas``, ``words``,
    tables a build may share between its texts) and each token points at its
    own, so the work per token stays in numpy.
    """

    starts: Any
    ends: Any
    segment: Any
    """The ordinal of each token's segment."""
    forms: StringTable
    form_of: Any
    lemmas: StringTable
    lemma_of: Any
    words: StringTable
    """The tokens as written."""
    word_of: Any
    sentences: list[int]
    entities: list[tuple[int, int, str]]

    def index(self) -> TextIndex:
        forms, lemmas = self.forms.values, self.lemmas.values
        return TextIndex(
            self.starts.tolist(),
            self.ends.tolist(),
            [forms[i] for i in self.form_of.tolist()],
            [lemmas[i] for i in self.lemma_of.tolist()],
            self.sentences,
            self.entities,
        )

    def to_bytes(self) -> bytes:
        """The stored form of the text index: the text's own distinct strings as compressed JSON, arrays packed."""
        import numpy as np

        forms, form_of = _compact(self.form_of, len(self.forms))
        lemmas, lemma_of = _compact(self.lemma_of, len(self.lemmas))
        strings = [
            [self.forms.values[i] for i in forms.tolist()],
            [self.lemmas.values[i] for i in lemmas.tolist()],
            self.entities,
        ]
        head = zlib.compress(json.dumps(strings, ensure_ascii=False, separators=(",", ":")).encode(), 1)
        arrays = [form_of, lemma_of, self.starts, self.ends, np.asarray(self.sentences, dtype=np.int64)]
        sizes = np.array([len(head), *(len(a) for a in arrays)], dtype="<i8")
        return b"".join([MAGIC, sizes.tobytes(), head, *(np.asarray(a).astype("<i4").tobytes() for a in arrays)])


def _compact(numbers: Any, size: int) -> tuple[Any, Any]:
    """The distinct values among ``numbers`` (all below ``size``), ascending, and each number's place among them."""
    import numpy as np

    present = np.zeros(size + 1, dtype=bool)
    present[numbers] = True
    return np.flatnonzero(present), (np.cumsum(present) - 1)[numbers]


def chunked(nlp: Any) -> bool:
    """Whether the pipeline's tokens come from spaCy's rule-based tokenizer alone (see `ChunkTokenizer`).

    Languages whose tokenizer segments text without spaces (Chinese, Japanese,
    Thai …) have their own tokenizer class and run whole.
    """
    from spacy.tokenizer import Tokenizer

    return nlp.pipe_names == ["sentencizer"] and type(nlp.tokenizer) is Tokenizer


class Vocabulary:
    """What one build of the rule-based pipeline learns once for all its texts: spans, forms and their lemmas."""

    def __init__(self, nlp: Any, lang: str) -> None:
        self.nlp = nlp
        self.chunker = ChunkTokenizer(nlp.tokenizer)
        self.lemmas = StringTable()
        self.table = lemma_table(lang)
        self.punct_chars = frozenset(nlp.get_pipe("sentencizer").punct_chars)

    def lemma_of_forms(self) -> Any:
        """The lemma (its number in `lemmas`) of every form the chunker has seen, by the form's number."""
        import numpy as np

        table, lemmas = self.table, self.lemmas
        return self.chunker.forms.derived("lemma", lambda f: lemmas.add(table.get(f, f)), np.int64)


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


def _rule_based_tokens(text: str, segments: list[tuple[int, int]], vocabulary: Vocabulary) -> Tokens:
    """Tokens of the rule-based pipeline: its tokenizer once per distinct span, sentences as its sentencizer."""
    import numpy as np

    from qualcode.core.nlp import CHUNK, split_long

    chunker = vocabulary.chunker
    limit = min(CHUNK, vocabulary.nlp.max_length)
    pieces: list[tuple[int, int]] = []
    ordinal_of: list[int] = []
    # Texts longer than CHUNK are cut as the pipeline would cut them, each piece a Doc.
    for ordinal, (start, end) in enumerate(segments, 1):
        if end - start <= limit:
            pieces.append((start, end))
            ordinal_of.append(ordinal)
            continue
        for offset, piece in split_long(text[start:end], limit):
            pieces.append((start + offset, start + offset + len(piece)))
            ordinal_of.append(ordinal)
    found = chunker.tokens(text, pieces)
    firsts = np.ones(len(found.piece), dtype=bool)
    firsts[1:] = found.piece[1:] != found.piece[:-1]
    punct_chars = vocabulary.punct_chars
    punct = chunker.written.derived("sentence_end", lambda w: w in punct_chars, bool)[found.written]
    sentence_start = _sentence_starts(punct, found.is_punct, firsts)
    words = ~found.is_space
    starts = found.starts[words]
    ordinals = np.array(ordinal_of, dtype=np.int64)
    form_of = found.lower[words]
    return Tokens(
        starts,
        starts + found.lengths[words],
        ordinals[found.piece[words]] if len(ordinals) else np.zeros(0, dtype=np.int64),
        chunker.forms,
        form_of,
        vocabulary.lemmas,
        vocabulary.lemma_of_forms()[form_of],
        chunker.written,
        found.written[words],
        found.starts[sentence_start].tolist(),
        [],
    )


def _pipeline_tokens(nlp: Any, text: str, segments: list[tuple[int, int]], lang: str, model: str) -> Tokens:
    """Tokens of a trained pipeline, run whole over each segment (in pieces past `CHUNK`)."""
    import numpy as np
    from spacy.attrs import IDX, IS_SPACE, LEMMA, LENGTH, LOWER, ORTH, SENT_START

    from qualcode.core.nlp import pipe_pieces

    trained_lemmas = nlp.has_pipe("lemmatizer")
    table = {} if trained_lemmas else lemma_table(lang)
    texts = [text[s:e] for s, e in segments]
    attrs = [IDX, LENGTH, ORTH, LOWER, IS_SPACE, SENT_START, LEMMA]
    arrays, offsets, ordinals, lengths = [], [], [], []
    entities: list[tuple[int, int, str]] = []
    for ordinal, ((segment_start, _end), docs) in enumerate(
        zip(segments, pipe_pieces(nlp, texts, batch_size=256), strict=True), 1
    ):
        for piece_start, doc in docs:
            if not len(doc):
                continue
            offset = segment_start + piece_start
            arrays.append(doc.to_array(attrs))
            offsets.append(offset)
            ordinals.append(ordinal)
            lengths.append(len(doc))
            entities.extend((offset + e.start_char, offset + e.end_char, e.label_) for e in doc.ents)
    if not arrays:
        empty = np.zeros(0, dtype=np.int64)
        nothing = StringTable()
        return Tokens(empty, empty, empty, nothing, empty, nothing, empty, nothing, empty, [], entities)
    every = np.concatenate(arrays)
    starts = every[:, 0].astype(np.int64) + np.repeat(np.array(offsets, dtype=np.int64), lengths)
    firsts = np.zeros(len(every), dtype=bool)
    firsts[np.cumsum([0, *lengths[:-1]])] = True
    # A Doc's first token always starts a sentence (doc.sents), whatever the flag says.
    sentences = starts[(every[:, 5] == 1) | firsts].tolist()
    segment = np.repeat(np.array(ordinals, dtype=np.int64), lengths)
    words = every[:, 4] == 0
    every, starts, segment = every[words], starts[words], segment[words]
    strings = nlp.vocab.strings
    hashes, word_of = np.unique(every[:, 2], return_inverse=True)
    written = StringTable(strings[int(h)] for h in hashes.tolist())
    hashes, form_of = np.unique(every[:, 3], return_inverse=True)
    forms = [strings[int(h)] for h in hashes.tolist()]
    if trained_lemmas:
        # A trained lemmatizer's lemma depends on the context: one per token.
        token_lemmas = [
            strings[int(h)].lower() or table.get(forms[f], forms[f])
            for h, f in zip(every[:, 6].tolist(), form_of.tolist(), strict=True)
        ]
        distinct, lemma_of = np.unique(np.array(token_lemmas, dtype=object), return_inverse=True)
        lemmas = StringTable(distinct.tolist())
    else:
        lemmas = StringTable()
        lemma_of = np.array([lemmas.add(table.get(f, f)) for f in forms], dtype=np.int64)[form_of]
    ends = starts + every[:, 1].astype(np.int64)
    return Tokens(
        starts, ends, segment, StringTable(forms), form_of, lemmas, lemma_of, written, word_of, sentences, entities
    )


def tokens(
    text: str,
    segments: list[tuple[int, int]],
    lang: str,
    model: str | None,
    vocabulary: Vocabulary | None = None,
) -> Tokens:
    """Tokenise each segment of a text and collect tokens, lemmas, sentences and entities as arrays.

    ``vocabulary`` carries what the rule-based pipeline learnt from one text to
    the next of a build (made here when not given).
    """
    from qualcode.core.nlp import pipeline

    nlp = pipeline(lang, model)
    if chunked(nlp):
        return _rule_based_tokens(text, segments, vocabulary or Vocabulary(nlp, lang))
    return _pipeline_tokens(nlp, text, segments, lang, model or "")


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
    found = tokens(transcript.text, segments, lang, model)
    store.text_index.put(transcript.sha256, name, found.to_bytes())
    return found.index()


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


TEXTS_READ = 100
"""Transcript texts read from the project in one query while the index is built."""

BATCH_POSTINGS = 2_000_000
"""Postings gathered before they are written as one block (memory stays bounded)."""


class _Terms:
    """The term dictionary during a build: ids of known strings, new ones numbered and kept to be written."""

    def __init__(self, known: dict[str, int]) -> None:
        self.known = known
        self.new: list[tuple[int, str]] = []
        self.next_id = max(known.values(), default=0) + 1

    def id(self, term: str) -> int:
        number = self.known.get(term)
        if number is None:
            number = self.known[term] = self.next_id
            self.new.append((self.next_id, term))
            self.next_id += 1
        return number

    def of(self, strings: StringTable) -> Any:
        """The term id of every string of a table, by the string's number."""
        import numpy as np

        return strings.derived("term", self.id, np.int64)


class _Batch:
    """What a build gathers before it writes: its documents' postings (one block) and their own rows.

    The postings go out as one row per (term, kind) for the whole block; the
    rows of each document (tokens, offsets, terms, capitalised words) in one
    statement per table.
    """

    def __init__(self) -> None:
        self.first: int | None = None
        """The block's first document, which names it."""
        self.parts: list[tuple[Any, Any, Any]] = []
        self.size = 0
        self.tokens: list[tuple[Any, ...]] = []
        self.document_terms: list[tuple[int, bytes]] = []
        self.capitals: list[tuple[int, str, int, int, int]] = []
        self.offsets: list[tuple[int, int, bytes, bytes]] = []
        self.documents: list[tuple[int, str, str, int]] = []

    def write(self, index: SearchIndex, terms: _Terms) -> None:
        """Write the new terms and everything gathered."""
        index.add_terms(terms.new)
        terms.new.clear()
        index.add_documents(self.documents)
        index.add_rows(self.rows(), self.tokens, self.document_terms, self.capitals, self.offsets)

    def add(self, document: int, term: Any, kind: Any, position: Any) -> None:
        import numpy as np

        self.parts.append(((term * 3 + kind), (np.int64(document) << 32) | position, term))
        self.size += len(term)

    def rows(self) -> list[tuple[int, int, int, bytes]]:
        """(term, kind, block, packed keys), in key order; the keys of a row ascending."""
        import numpy as np

        from qualcode.core.store.search_index import KEY

        if not self.parts:
            return []
        group = np.concatenate([p[0] for p in self.parts])
        keys = np.concatenate([p[1] for p in self.parts])
        # Sorted by (term, kind), then by where each posting was added: documents in order, positions
        # ascending within each. One sort of distinct 64-bit values, not a stable sort of pairs.
        bits = max(len(group).bit_length(), 1)
        order = np.sort((group << bits) | np.arange(len(group), dtype=np.int64)) & ((1 << bits) - 1)
        group, packed = group[order], keys[order].astype(KEY, copy=False).tobytes()
        firsts = np.flatnonzero(np.concatenate([[True], group[1:] != group[:-1]]))
        lasts = np.append(firsts[1:], len(group))
        block = int(self.first or 0)
        return [
            (g // 3, g % 3, block, packed[a * 8 : b * 8])
            for g, a, b in zip(group[firsts].tolist(), firsts.tolist(), lasts.tolist(), strict=True)
        ]


def search_documents(store: Store) -> list[Indexed]:
    """Every transcript with its document in the search index; the missing ones are built and stored first.

    Documents of texts no transcript holds any more are dropped (with their
    cached `TextIndex`, which the commands that read it write: `index_of`).
    """
    from qualcode.core.nlp import pipeline

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
            terms = _Terms(index.all_terms())
            batch = _Batch()
            vocabularies: dict[str, Vocabulary | None] = {}
            segments_of = store.transcripts.segment_spans([tid for tid, _lang in missing.values()])
            document = index.next_document()
            todo = list(missing.items())
            for at in range(0, len(todo), TEXTS_READ):
                part = todo[at : at + TEXTS_READ]
                texts = index.texts([tid for _key, (tid, _lang) in part])
                for (sha256, name), (tid, lang) in part:
                    if lang not in vocabularies:
                        nlp = pipeline(lang, model)
                        vocabularies[lang] = Vocabulary(nlp, lang) if chunked(nlp) else None
                    found = tokens(texts[tid], segments_of.get(tid, []), lang, model, vocabularies[lang])
                    if batch.first is None:
                        batch.first = document
                    batch.documents.append((document, sha256, name, batch.first))
                    documents[name][sha256] = document
                    _index_document(found, document, terms, batch)
                    document += 1
                    if batch.size >= BATCH_POSTINGS:
                        batch.write(index, terms)
                        batch = _Batch()
            batch.write(index, terms)
    out = []
    for tid, name, participant, sha256, lang in rows:
        out.append(Indexed(tid, name, participant, documents[names[lang or store.settings.lang]][sha256]))
    return out


def _index_document(found: Tokens, document: int, terms: _Terms, batch: _Batch) -> None:
    """A document's own rows (tokens, offsets, terms, capitalised words) and its postings, into the batch."""
    import numpy as np

    from qualcode.core.store.search_index import BLOCK_BITS, DOCUMENT_BLOCKS, pack

    all_forms = terms.of(found.forms)
    form_terms = all_forms[found.form_of]
    lemma_terms = terms.of(found.lemmas)[found.lemma_of]
    kept = ~found.forms.derived("joiner", JOINERS.__contains__, bool)[found.form_of]
    form_terms, lemma_terms = form_terms[kept], lemma_terms[kept]
    positions = np.arange(len(form_terms), dtype=np.int64)
    same = form_terms == lemma_terms
    other = ~same
    batch.add(
        document,
        np.concatenate([form_terms[same], form_terms[other], lemma_terms[other]]),
        np.concatenate(
            [np.full(int(same.sum()), 2), np.zeros(int(other.sum()), np.int64), np.ones(int(other.sum()), np.int64)]
        ),
        np.concatenate([positions[same], positions[other], positions[other]]),
    )

    sentences = np.array(found.sentences, dtype=np.int64)
    segment = found.segment[kept]
    segment_firsts = np.flatnonzero(np.concatenate([[True], segment[1:] != segment[:-1]])) if len(segment) else segment
    lower_first = found.words.derived("lower_first", lambda w: w[:1].islower(), np.uint8)[found.word_of][kept]
    batch.tokens.append(
        (
            document,
            pack(sentences),
            pack(segment_firsts),
            pack(segment[segment_firsts]),
            lower_first.tobytes(),
        )
    )
    batch.document_terms.append((document, pack(_compact(np.concatenate([form_terms, lemma_terms]), terms.next_id)[0])))
    size = 1 << BLOCK_BITS
    starts, ends = pack(found.starts[kept]), pack(found.ends[kept])
    step = size * 4
    batch.offsets.extend(
        (document * DOCUMENT_BLOCKS + b, document, starts[b * step : (b + 1) * step], ends[b * step : (b + 1) * step])
        for b in range((len(starts) + step - 1) // step)
    )

    # Pseudonym candidates: capitalised words of letters that do not start a sentence.
    capital = found.words.derived("capital", lambda w: w[:1].isupper() and w.isalpha() and len(w) >= 2, bool)
    candidates = np.flatnonzero(capital[found.word_of])
    at = found.starts[candidates]
    starts_sentence = np.isin(at, sentences, assume_unique=True) if len(sentences) else np.zeros(len(at), dtype=bool)
    mask = candidates[~starts_sentence]
    word_of, form_of, first_at = found.word_of[mask], found.form_of[mask], found.starts[mask]
    distinct, first_index, counts = np.unique(word_of, return_index=True, return_counts=True)
    batch.capitals.extend(
        (document, found.words.values[w], int(all_forms[f]), n, at)
        for w, f, n, at in zip(
            distinct.tolist(),
            form_of[first_index].tolist(),
            counts.tolist(),
            first_at[first_index].tolist(),
            strict=True,
        )
    )
