"""Search across all transcripts by word, phrase or lemma, with keyword-in-context results."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any

from qualcode.core.codebook import codebook_of
from qualcode.core.errors import BadInput
from qualcode.core.store import Store
from qualcode.core.textindex import all_indexes, lemma_table

CONTEXT = 60
"""Characters of context shown on each side of a hit, within its sentence."""

JOINERS = {"-", "–", "—", "/"}
"""Tokens passed over when matching, so "step ladder" finds "step-ladder" and the other way round."""


@dataclass(frozen=True)
class SearchHit:
    """A hit: where it is, and the hit in its sentence (left context, the hit, right context)."""

    transcript: str
    participant: str | None
    segment_id: int
    ordinal: int
    start: int
    end: int
    left: str
    match: str
    right: str

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
    """Case-insensitive hits of a word or phrase (or of its lemmas, so 'meetings' finds 'meeting')."""
    terms = query_terms(store, query, lemma=lemma)
    # Checked before the indexes are built (and stored), so a refused search leaves the project as it was.
    if transcript is not None and not any(t.name == transcript for t in store.transcripts.summaries()):
        raise BadInput("no such transcript in the project", where=transcript)
    indexes = all_indexes(store)
    hits: list[SearchHit] = []
    n = len(terms)
    for tid, (t, index) in indexes.items():
        if transcript is not None and t.name != transcript:
            continue
        kept = [k for k, w in enumerate(index.lower) if w not in JOINERS]
        lowers = [index.lower[k] for k in kept]
        lemmas = [index.lemma[k] for k in kept] if lemma else lowers

        first = terms[0]
        candidates = [i for i, (w, m) in enumerate(zip(lowers, lemmas, strict=True)) if w in first or m in first]
        if not candidates:
            continue
        segments = store.transcripts.segments(tid)
        seg_starts = [s.start for s in segments]
        for i in candidates:
            if i + n > len(lowers) or not all(
                lowers[i + j] in terms[j] or lemmas[i + j] in terms[j] for j in range(1, n)
            ):
                continue
            start, end = index.starts[kept[i]], index.ends[kept[i + n - 1]]
            segment = segments[max(bisect_right(seg_starts, start) - 1, 0)]
            s_at = bisect_right(index.sentences, start) - 1
            sentence_start = max(index.sentences[s_at] if s_at >= 0 else segment.start, segment.start)
            following = bisect_left(index.sentences, end)
            sentence_end = min(
                index.sentences[following] if following < len(index.sentences) else segment.end, segment.end
            )
            left = t.text[max(sentence_start, start - CONTEXT) : start]
            right = t.text[end : min(sentence_end, end + CONTEXT)]
            hits.append(
                SearchHit(
                    t.name,
                    t.participant,
                    segment.id,
                    segment.ordinal,
                    start,
                    end,
                    " ".join(left.split()),
                    t.text[start:end],
                    " ".join(right.split()),
                )
            )
            if limit is not None and len(hits) >= limit:
                return hits
    return hits


def code_hits(store: Store, hits: list[SearchHit], coder: str, code_reference: str) -> int:
    """Apply a code to the segment of every hit, in one transaction; returns how many codings are new."""
    book = codebook_of(store)
    code = book.find(code_reference)
    if code is None:
        raise BadInput("no such code in the codebook", where=code_reference)
    if not coder.strip():
        raise BadInput("a coder needs a name", where="--coder")
    rows = sorted({(h.segment_id, code.id) for h in hits})
    with store.transaction():
        added = store.codings.add_many(rows, coder.strip())
        store.audit.log(coder.strip(), "search.code", code.id, segments=len(rows), added=added)
    return added
