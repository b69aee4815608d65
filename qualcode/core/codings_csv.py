"""A coder's codings as CSV: ``transcript,segment,code[,memo][,start,end]``.

``segment`` is the 1-based ordinal within the transcript; ``code`` is the code's
path with ``/`` between levels, or its unique name. ``start,end`` (optional) mark
an exact passage: offsets from the segment's start in code points, end
exclusive; the start lies in the segment (or in the text after it, before the
next segment; for the first segment also in the text before it, as a negative
offset), the end may run on into the segments after it. Empty, or
absent, means the whole segment. A memo goes on the row's segment, or with
``start,end`` on that passage.
"""

from __future__ import annotations

import csv
import re
from bisect import bisect_right
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.core.codebook import Codebook
from qualcode.core.errors import BadInput
from qualcode.core.files import atomic_file
from qualcode.core.ingest.decoding import clip, decode, normalise, numbered_csv_rows, read_bytes
from qualcode.core.model import Segment
from qualcode.core.spans import span_problem

if TYPE_CHECKING:
    from qualcode.core.store import Store

HEADER = ["transcript", "segment", "code", "memo"]
SPAN_COLUMNS = ["start", "end"]
MAX_SEGMENT_DIGITS = 9
"""A segment number has at most 9 digits: no transcript has a billion segments, and SQLite's integers stay safe."""
_ORDINAL = re.compile(rf"[0-9]{{1,{MAX_SEGMENT_DIGITS}}}")
_OFFSET = re.compile(rf"-?[0-9]{{1,{MAX_SEGMENT_DIGITS}}}")


@dataclass(frozen=True)
class CodingRow:
    """One row of a codings CSV, checked for form but not yet against a project."""

    line: int
    transcript: str
    segment: int
    code: str
    memo: str
    span: tuple[int, int] | None = None
    """Offsets from the segment's start, or None for the whole segment."""


def read_codings_csv(path: Path) -> list[CodingRow]:
    """The rows of a codings CSV; a malformed file or row is a `BadInput` naming the line.

    Blank rows are skipped.  Segment numbers are ASCII digits only (``str.isdigit``
    would take '²'), at most `MAX_SEGMENT_DIGITS` of them.
    """
    where = str(path)
    if not path.is_file():
        raise BadInput("no such file", where=where)
    text = normalise(decode(read_bytes(path, where), where)[0])
    if not text.strip():
        raise BadInput("is empty; expected a header 'transcript,segment,code[,memo]'", where=where)
    numbered = numbered_csv_rows(text, where)
    rows = [row for _line, row in numbered]
    header = [h.strip().lower() for h in rows[0]] if rows else []
    missing = [h for h in HEADER[:3] if h not in header]
    if missing:
        raise BadInput(f"line 1: missing column '{missing[0]}'; expected transcript,segment,code[,memo]", where=where)
    col = {h: header.index(h) for h in [*HEADER, *SPAN_COLUMNS] if h in header}
    if ("start" in col) != ("end" in col):
        raise BadInput("line 1: give both columns start and end, or neither", where=where)
    out: list[CodingRow] = []
    for line_no, row in numbered[1:]:
        if not any(c.strip() for c in row):
            continue
        if len(row) < len(header):
            raise BadInput(f"line {line_no}: {len(row)} fields where the header has {len(header)}", where=where)
        ordinal_text = row[col["segment"]].strip()
        if not _ORDINAL.fullmatch(ordinal_text):
            raise BadInput(
                f"line {line_no}: segment must be a number of at most {MAX_SEGMENT_DIGITS} digits "
                f"(1, 2, 3 … within the transcript), not '{clip(ordinal_text)}'",
                where=where,
            )
        memo = row[col["memo"]].strip() if "memo" in col else ""
        span = _span(row, col, line_no, where)
        out.append(
            CodingRow(line_no, row[col["transcript"]].strip(), int(ordinal_text), row[col["code"]].strip(), memo, span)
        )
    return out


def _span(row: list[str], col: dict[str, int], line_no: int, where: str) -> tuple[int, int] | None:
    """A row's ``start,end``: both numbers, or both empty (the whole segment)."""
    values = [row[col[c]].strip() if c in col else "" for c in SPAN_COLUMNS]
    if not any(values):
        return None
    if not all(_OFFSET.fullmatch(v) for v in values):
        raise BadInput(
            f"line {line_no}: start and end must both be whole numbers of at most {MAX_SEGMENT_DIGITS} digits "
            f"(offsets from the segment's start), not '{clip(values[0])}', '{clip(values[1])}'",
            where=where,
        )
    return int(values[0]), int(values[1])


def import_codings(store: Store, book: Codebook, path: Path, coder: str, *, replace: bool = False) -> int:
    """Add the codings in a CSV to a coder's work (all rows, or none when one is bad).

    A row's memo goes on its segment, or with ``start,end`` on that passage.
    A passage may start in the text after its segment and before the next
    (a speaker's label that another tool coded along).
    """
    where = str(path)
    rows = read_codings_csv(path)
    transcripts = {t.name: t for t in store.transcripts.all()}
    codings: list[tuple[int, str]] = []
    spans: list[tuple[int, int, int, str]] = []
    memos: dict[int, str] = {}
    passage_memos: dict[tuple[int, int, int], str] = {}
    segments: dict[int, list[Segment]] = {}
    for row in rows:
        line_no, name = row.line, row.transcript
        if name not in transcripts:
            raise BadInput(f"line {line_no}: unknown transcript '{clip(name)}'", where=where)
        transcript = transcripts[name]
        if transcript.id not in segments:
            segments[transcript.id] = store.transcripts.segments(transcript.id)
        in_order = segments[transcript.id]
        at = next((i for i, s in enumerate(in_order) if s.ordinal == row.segment), None)
        if at is None:
            raise BadInput(f"line {line_no}: transcript '{name}' has no segment {row.segment}", where=where)
        segment = in_order[at]
        passage = None
        if row.span is not None:
            start, end = segment.start + row.span[0], segment.start + row.span[1]
            # the segment and the text up to the next one (where a label stands), and for the first
            # segment the text before it too (its speaker's label)
            reach = in_order[at + 1].start if at + 1 < len(in_order) else len(transcript.text)
            lowest = 0 if at == 0 else segment.start
            if not lowest <= start < max(reach, segment.end):
                raise BadInput(
                    f"line {line_no}: start {row.span[0]} is outside segment {row.segment} "
                    f"({lowest - segment.start}–{max(reach, segment.end) - segment.start - 1})",
                    where=where,
                )
            problem = span_problem(transcript.text, start, end)
            if problem:
                raise BadInput(
                    f"line {line_no}: {problem.replace('the span', 'the span (in the transcript)')}", where=where
                )
            passage = (start, end) if (start, end) != (segment.start, segment.end) else None
        reference = row.code
        if reference:
            code = book.find(reference)
            if code is None:
                raise BadInput(f"line {line_no}: unknown code '{clip(reference)}'", where=where)
            if passage is None:
                codings.append((segment.id, code.id))
            else:
                spans.append((transcript.id, *passage, code.id))
        if row.memo:
            if passage is None:
                memos[segment.id] = row.memo
            else:
                passage_memos[(transcript.id, *passage)] = row.memo
    with store.transaction():
        if replace:
            store.codings.clear(coder)
        added = store.codings.add_many(codings, coder, origin="import")
        added += sum(
            store.codings.add_span(tid, start, end, code_id, coder, origin="import") is not None
            for tid, start, end, code_id in spans
        )
        for segment_id, memo in memos.items():
            store.memos.set_on_segment(segment_id, coder, memo)
        for (tid, start, end), memo in passage_memos.items():
            store.memos.set_on_passage(tid, start, end, coder, memo)
        store.audit.log(
            coder,
            "codings.import",
            path.name,
            rows=len(codings) + len(spans),
            added=added,
            memos=len(memos) + len(passage_memos),
        )
    return added


def export_codings(store: Store, book: Codebook, path: Path, coder: str) -> int:
    """Write a coder's codings and memos as CSV; returns the number of rows."""
    if coder not in store.codings.coders():
        known = ", ".join(store.codings.coders()) or "none"
        raise BadInput(f"no coder named '{coder}' in this project; coders: {known}", where="--coder")
    names = {t.id: t.name for t in store.transcripts.all()}
    segments = {s.id: s for s in store.transcripts.all_segments()}
    memos = store.memos.of_coder(coder)
    passage_memos = store.memos.passages_of(coder)
    rows: list[list[str]] = []
    coded: set[int] = set()
    for segment_id, code_id in store.codings.whole_segment_pairs(coder):
        seg = segments[segment_id]
        coded.add(segment_id)
        rows.append([names[seg.transcript_id], str(seg.ordinal), book.path(code_id), memos.get(segment_id, ""), "", ""])
    by_transcript: dict[int, list[Segment]] = {}
    for seg in segments.values():
        by_transcript.setdefault(seg.transcript_id, []).append(seg)
    starts = {tid: [s.start for s in segs] for tid, segs in by_transcript.items()}

    def passage_row(transcript_id: int, start: int, end: int, code: str, memo: str) -> list[str]:
        # the segment the passage starts in (or after, before the next), its offsets from that segment's start
        seg = by_transcript[transcript_id][max(bisect_right(starts[transcript_id], start) - 1, 0)]
        return [names[transcript_id], str(seg.ordinal), code, memo, str(start - seg.start), str(end - seg.start)]

    memo_written: set[tuple[int, int, int]] = set()
    for span in store.codings.spans(coder):
        key = (span.transcript_id, span.start, span.end)
        memo = "" if key in memo_written else passage_memos.get(key, "")
        memo_written.add(key)
        rows.append(passage_row(*key, book.path(span.code_id), memo))
    for key, memo in passage_memos.items():
        if key not in memo_written:
            rows.append(passage_row(*key, "", memo))
    for segment_id, memo in memos.items():
        if segment_id not in coded:
            seg = segments[segment_id]
            rows.append([names[seg.transcript_id], str(seg.ordinal), "", memo, "", ""])
    order = {sid: i for i, sid in enumerate(segments)}
    by_key = {(names[s.transcript_id], str(s.ordinal)): order[s.id] for s in segments.values()}
    rows.sort(key=lambda r: (by_key[(r[0], r[1])], r[4] != "", int(r[4] or 0), r[2]))
    header = [*HEADER, *SPAN_COLUMNS] if any(r[4] for r in rows) else HEADER
    rows = [r[: len(header)] for r in rows]
    # Written under a temporary name and renamed when whole: a killed export leaves the earlier file intact.
    try:
        with atomic_file(path) as temporary, temporary.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)
    except OSError as e:
        raise BadInput(f"cannot be written ({e.strerror})", where=str(path)) from None
    return len(rows)
