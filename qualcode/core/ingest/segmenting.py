"""Cutting transcripts into segments: speaker turns, paragraphs or sentences."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from qualcode.core.errors import BadInput
from qualcode.core.ingest.turns import RawTranscript, Turn
from qualcode.core.model import UNITS

SegmentRow = tuple[int, int, str | None, int | None, int | None]
"""``(start, end, speaker, media start ms, media end ms)`` as the store takes it."""


def segment_many(
    raws: Sequence[RawTranscript], unit: str, *, lang: str = "en", model: str | None = None
) -> list[list[SegmentRow]]:
    """Segment several transcripts at once (sentence splitting runs as one batch)."""
    if unit not in UNITS:
        raise BadInput(f"unknown unit '{unit}'; choose one of {', '.join(UNITS)}", where="--unit")
    if unit == "turn":
        return [[_row(t, t.start, t.end) for t in raw.turns] for raw in raws]
    if unit == "paragraph":
        return [[_row(t, s, e) for t in raw.turns for s, e in t.paragraphs] for raw in raws]
    return _sentences(raws, lang, model)


def _sentences(raws: Sequence[RawTranscript], lang: str, model: str | None) -> list[list[SegmentRow]]:
    from qualcode.core.nlp import pipe_pieces, pipeline

    nlp = pipeline(lang, model)
    # One Doc per paragraph of a turn: spaCy is about 3.5 times faster on many
    # short Docs than on one long Doc per transcript, and sentences never cross
    # a paragraph break anyway.
    jobs = [(i, t, s, e) for i, raw in enumerate(raws) for t in raw.turns for s, e in t.paragraphs]
    texts = (raws[i].text[s:e] for i, _, s, e in jobs)
    out: list[list[SegmentRow]] = [[] for _ in raws]
    disabled = [name for name in nlp.pipe_names if name not in ("sentencizer", "senter", "parser", "tok2vec")]
    with nlp.select_pipes(disable=disabled):
        for (i, turn, start, _), docs in zip(jobs, pipe_pieces(nlp, texts, batch_size=256), strict=True):
            for offset, doc in docs:
                for sent in doc.sents:
                    text = sent.text
                    stripped = text.strip()
                    if not stripped:
                        continue
                    lead = len(text) - len(text.lstrip())
                    s = start + offset + sent.start_char + lead
                    out[i].append(_row(turn, s, s + len(stripped)))
    return out


def _row(turn: Turn, start: int, end: int) -> SegmentRow:
    if not turn.cues:
        return (start, end, turn.speaker, None, None)
    # media times of the cues the segment touches
    starts = [c.start for c in turn.cues]
    first = max(0, bisect_right(starts, start) - 1)
    last = max(first, bisect_right(starts, end - 1) - 1)
    return (start, end, turn.speaker, turn.cues[first].media_start_ms, turn.cues[last].media_end_ms)
