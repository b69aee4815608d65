"""Search across all transcripts by word, phrase or lemma, with keyword-in-context results."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from qualcode.core.codebook import codebook_of
from qualcode.core.errors import BadInput
from qualcode.core.store import Store
from qualcode.core.store.search_index import ANY_KIND, FORM_KINDS
from qualcode.core.textindex import JOINERS, Indexed, lemma_table, search_documents

CONTEXT = 60
"""Characters of context shown on each side of a hit, within its sentence."""

__all__ = ["EXTENTS", "JOINERS", "SearchHit", "code_hits", "query_terms", "search"]


@dataclass(frozen=True)
class SearchHit:
    """A hit: where it is, and the hit in its sentence (left context, the hit, right context).

    ``sentence_start`` and ``sentence_end`` are where the hit's sentence lies
    (within its segment), as offsets into the transcript's text.
    """

    transcript: str
    participant: str | None
    segment_id: int
    ordinal: int
    start: int
    end: int
    left: str
    match: str
    right: str
    sentence_start: int = -1
    sentence_end: int = -1

    def as_dict(self) -> dict[str, Any]:
        return {
            "transcript": self.transcript,
            "participant": self.participant,
            "segment": self.ordinal,
            "start": self.start,
            "end": self.end,
            "left": self.left,
            "match": self.match,
            "right": self.right,
        }


def query_terms(store: Store, query: str, *, lemma: bool) -> list[set[str]]:
    """The query as the index spells it: per word, the forms a token may have to match.

    By word: the lower-case form. By lemma: the lower-case form and its lemma,
    matched against each token's form and lemma, because the lookup tables are
    not consistent ("meetings" → "meeting", but "meeting" → "meet").
    """
    from qualcode.core.nlp import pipeline

    nlp = pipeline(store.settings.lang, store.settings.spacy_model)
    words = [t.lower_ for t in nlp.make_doc(query) if not t.is_space and t.lower_ not in JOINERS]
    if not words:
        raise BadInput("the search is empty; give a word or phrase", where="query")
    if lemma:
        table = lemma_table(store.settings.lang)
        return [{w, table.get(w, w)} for w in words]
    return [{w} for w in words]


def search(
    store: Store, query: str, *, lemma: bool = False, transcript: str | None = None, limit: int | None = None
) -> list[SearchHit]:
    """Case-insensitive hits of a word or phrase (or of its lemmas, so 'meetings' finds 'meeting').

    Read from the project's search index (built for the transcripts that lack
    it), so a search costs its hits, not the corpus.
    """
    terms = query_terms(store, query, lemma=lemma)
    # Checked before the indexes are built (and stored), so a refused search leaves the project as it was.
    if transcript is not None and not any(t.name == transcript for t in store.transcripts.summaries()):
        raise BadInput("no such transcript in the project", where=transcript)
    indexed = search_documents(store)
    if transcript is not None:
        indexed = [t for t in indexed if t.name == transcript]
    rows = phrase_rows(store, terms, ANY_KIND if lemma else FORM_KINDS, indexed)
    return hits_of(store, rows, indexed, limit)


def phrase_rows(
    store: Store, words: list[set[str]], kinds: tuple[int, ...], indexed: list[Indexed]
) -> list[tuple[int, ...]]:
    """Index rows of consecutive tokens matching ``words`` (each a set of terms), in the given transcripts.

    The rarest word is looked up first and the others at their places next to
    it, so a phrase with a common word costs the rare word's hits.
    """
    import numpy as np

    keys = phrase_keys(store, words, kinds, indexed)
    return store.search_index.resolve(keys, np.full(len(keys), len(words), dtype=np.int64))


def phrase_keys(store: Store, words: list[set[str]], kinds: tuple[int, ...], indexed: list[Indexed]) -> Any:
    """Where ``words`` occur as consecutive tokens: sorted keys (document << 32 | first position)."""
    import numpy as np

    index = store.search_index
    known = index.term_ids({w for word in words for w in word})
    ids = [[known[w] for w in sorted(word) if w in known] for word in words]
    if not indexed or not all(ids):
        return np.zeros(0, dtype=np.int64)
    documents = sorted({t.document for t in indexed})
    counts = [index.count_at_most(word, kinds, RARE) for word in ids]
    anchor = counts.index(min(counts))
    # A few transcripts (--transcript) are looked up by document; otherwise rows of documents
    # no transcript here uses (another pipeline's) are passed over when the hits are shown.
    return index.phrase_keys(ids, kinds, anchor, documents if len(documents) <= FEW else None)


FEW = 20
"""Transcripts up to which a search names their documents in its query."""

RARE = 1 << 62
"""Postings counted at most when choosing which word of a phrase to look up first (the count is cheap now)."""


WHOLE_TEXT_HITS = 3
"""Hits in one transcript from which its whole text is read rather than each hit's window."""


def hits_of(store: Store, rows: list[tuple[int, ...]], indexed: list[Indexed], limit: int | None) -> list[SearchHit]:
    """The hits shown for index rows: in transcript order, each in its sentence within its segment."""
    index = store.search_index
    by_document: dict[int, list[tuple[int, ...]]] = {}
    for row in rows:
        by_document.setdefault(row[0], []).append(row)
    # The texts and segments of every transcript with hits, in a few queries.
    shown = [t for t in indexed if t.document in by_document]
    if limit is not None:
        # Enough transcripts, in order, for the first ``limit`` hits.
        kept, count = [], 0
        for t in shown:
            if count >= limit:
                break
            kept.append(t)
            count += len(by_document[t.document])
        shown = kept
    ordered = [(t, row) for t in shown for row in by_document[t.document]]
    if limit is not None:
        ordered = ordered[:limit]
    segments = index.segments_at_many((t.id, row[6]) for t, row in ordered)
    # Each hit's window of text (the hit and its context, within its sentence and segment).
    windows: list[tuple[int, int, int]] = []
    for t, (_document, _position, start, end, sentence_start, sentence_end, ordinal) in ordered:
        _segment_id, segment_start, segment_end, _speaker = segments[(t.id, ordinal)]
        first = max(sentence_start if sentence_start >= 0 else segment_start, segment_start)
        last = min(sentence_end if sentence_end >= 0 else segment_end, segment_end)
        windows.append((t.id, max(first, start - CONTEXT), max(min(last, end + CONTEXT), end)))
    # A transcript with many hits is read whole; the others only for their windows.
    counts = Counter(w[0] for w in windows)
    whole = index.texts([tid for tid, n in counts.items() if n >= WHOLE_TEXT_HITS])
    cut = iter(index.windows([w for w in windows if w[0] not in whole]))
    texts = [whole[tid][a:b] if tid in whole else next(cut) for tid, a, b in windows]
    hits: list[SearchHit] = []
    for (t, row), (_tid, first, _last), window in zip(ordered, windows, texts, strict=True):
        start, end, ordinal = row[2], row[3], row[6]
        _segment_id, segment_start, segment_end, _speaker = segments[(t.id, ordinal)]
        sentence = (
            max(row[4] if row[4] >= 0 else segment_start, segment_start),
            min(row[5] if row[5] >= 0 else segment_end, segment_end),
        )
        hits.append(
            SearchHit(
                t.name,
                t.participant,
                segments[(t.id, ordinal)][0],
                ordinal,
                start,
                end,
                " ".join(window[: start - first].split()),
                window[start - first : end - first],
                " ".join(window[end - first :].split()),
                *sentence,
            )
        )
    return hits


EXTENTS = ("segment", "sentence", "hit")
"""What search-to-code codes of each hit: its segment, its sentence, or the hit's words alone."""


def code_hits(store: Store, hits: list[SearchHit], coder: str, code_reference: str, extent: str = "segment") -> int:
    """Apply a code to every hit's segment, sentence or words (``extent``), in one transaction;
    returns how many codings are new.

    A sentence or hit that is its whole segment is coded as the segment; any
    other as a span of exactly those characters (the sentence without the
    spaces around it).
    """
    if extent not in EXTENTS:
        raise BadInput(f"unknown extent '{extent}'; choose from {', '.join(EXTENTS)}", where="--extent")
    book = codebook_of(store)
    code = book.find(code_reference)
    if code is None:
        raise BadInput("no such code in the codebook", where=code_reference)
    if not coder.strip():
        raise BadInput("a coder needs a name", where="--coder")
    coder = coder.strip()
    if extent == "segment":
        rows = sorted({(h.segment_id, code.id) for h in hits})
        with store.transaction():
            added = store.codings.add_many(rows, coder)
            store.audit.log(coder, "search.code", code.id, segments=len(rows), added=added)
        return added
    bounds = store.transcripts.bounds_of({h.segment_id for h in hits})
    texts: dict[str, str] = {}
    passages: set[tuple[int, int, int, int]] = set()
    for h in hits:
        transcript_id, segment_start, segment_end = bounds[h.segment_id]
        start, end = (h.start, h.end) if extent == "hit" else (h.sentence_start, h.sentence_end)
        if extent == "sentence":
            if h.transcript not in texts:
                found = store.transcripts.get(h.transcript)
                texts[h.transcript] = found.text if found else ""
            text = texts[h.transcript]
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
        passages.add(
            (h.segment_id, transcript_id, start, end)
            if (start, end) != (segment_start, segment_end)
            else (h.segment_id, -1, 0, 0)
        )
    added = 0
    with store.transaction():
        for segment_id, transcript_id, start, end in sorted(passages):
            if transcript_id < 0:
                added += store.codings.add(segment_id, code.id, coder)
            else:
                added += store.codings.add_span(transcript_id, start, end, code.id, coder) is not None
        store.audit.log(coder, "search.code", code.id, extent=extent, passages=len(passages), added=added)
    return added
