"""A coder's codings as CSV: ``transcript,segment,code[,memo]``.

``segment`` is the 1-based ordinal within the transcript; ``code`` is the code's
path with ``/`` between levels, or its unique name.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from qualcode.core.codebook import Codebook
from qualcode.core.errors import BadInput
from qualcode.core.ingest.decoding import decode, normalise
from qualcode.core.store import Store

HEADER = ["transcript", "segment", "code", "memo"]


def import_codings(store: Store, book: Codebook, path: Path, coder: str, *, replace: bool = False) -> int:
    """Add the codings in a CSV to a coder's work (all rows, or none when one is bad)."""
    where = str(path)
    if not path.is_file():
        raise BadInput("no such file", where=where)
    data = path.read_bytes()
    if not data.strip():
        raise BadInput("is empty; expected a header 'transcript,segment,code[,memo]'", where=where)
    text, _ = decode(data, where)
    rows = list(csv.reader(io.StringIO(normalise(text))))
    header = [h.strip().lower() for h in rows[0]]
    missing = [h for h in HEADER[:3] if h not in header]
    if missing:
        raise BadInput(f"line 1: missing column '{missing[0]}'; expected transcript,segment,code[,memo]", where=where)
    col = {h: header.index(h) for h in HEADER if h in header}
    transcripts = {t.name: t.id for t in store.transcripts.all()}
    codings: list[tuple[int, str]] = []
    memos: dict[int, str] = {}
    for line_no, row in enumerate(rows[1:], start=2):
        if not any(c.strip() for c in row):
            continue
        if len(row) < len(header):
            raise BadInput(f"line {line_no}: {len(row)} fields where the header has {len(header)}", where=where)
        name = row[col["transcript"]].strip()
        if name not in transcripts:
            raise BadInput(f"line {line_no}: unknown transcript '{name}'", where=where)
        ordinal_text = row[col["segment"]].strip()
        if not ordinal_text.isdigit():
            raise BadInput(f"line {line_no}: segment must be a number, not '{ordinal_text}'", where=where)
        segment_id = store.transcripts.segment_id(transcripts[name], int(ordinal_text))
        if segment_id is None:
            raise BadInput(f"line {line_no}: transcript '{name}' has no segment {ordinal_text}", where=where)
        reference = row[col["code"]].strip()
        if reference:
            code = book.find(reference)
            if code is None:
                raise BadInput(f"line {line_no}: unknown code '{reference}'", where=where)
            codings.append((segment_id, code.id))
        if "memo" in col and row[col["memo"]].strip():
            memos[segment_id] = row[col["memo"]].strip()
    with store.transaction():
        if replace:
            store.codings.clear(coder)
        added = store.codings.add_many(codings, coder, origin="import")
        for segment_id, memo in memos.items():
            store.memos.set_on_segment(segment_id, coder, memo)
        store.audit.log(coder, "codings.import", path.name, rows=len(codings), added=added, memos=len(memos))
    return added


def export_codings(store: Store, book: Codebook, path: Path, coder: str) -> int:
    """Write a coder's codings (and segment memos) as CSV; returns the number of rows."""
    if coder not in store.codings.coders():
        known = ", ".join(store.codings.coders()) or "none"
        raise BadInput(f"no coder named '{coder}' in this project; coders: {known}", where="--coder")
    names = {t.id: t.name for t in store.transcripts.all()}
    segments = {s.id: s for s in store.transcripts.all_segments()}
    memos = store.memos.of_coder(coder)
    rows: list[list[str]] = []
    coded: set[int] = set()
    for segment_id, code_id in store.codings.pairs(coder):
        seg = segments[segment_id]
        coded.add(segment_id)
        rows.append([names[seg.transcript_id], str(seg.ordinal), book.path(code_id), memos.get(segment_id, "")])
    for segment_id, memo in memos.items():
        if segment_id not in coded:
            seg = segments[segment_id]
            rows.append([names[seg.transcript_id], str(seg.ordinal), "", memo])
    order = {sid: i for i, sid in enumerate(segments)}
    by_key = {(names[s.transcript_id], str(s.ordinal)): order[s.id] for s in segments.values()}
    rows.sort(key=lambda r: (by_key[(r[0], r[1])], r[2]))
    try:
        with path.open("w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(HEADER)
            writer.writerows(rows)
    except OSError as e:
        raise BadInput(f"cannot be written ({e.strerror})", where=str(path)) from None
    return len(rows)
