"""The informant table: participants and their typed attributes, from CSV."""

from __future__ import annotations

import csv
import math
import re
from pathlib import Path
from typing import Any

from qualcode.core.errors import BadInput
from qualcode.core.ingest.decoding import decode, normalise, numbered_csv_rows, read_bytes
from qualcode.core.model import Participant

ID_COLUMNS = ("id", "participant", "participant_id")
# Strict ASCII forms: int() and float() also take '٣', '1_000', 'inf' and 'nan'.
_INT = re.compile(r"[+-]?[0-9]{1,18}")
_FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)(?:[eE][+-]?[0-9]{1,3})?")


def read_participants(path: Path, known: set[str]) -> list[Participant]:
    """Read a participants CSV whose ids must name participants of imported transcripts.

    Columns whose every value is a whole number become ints, decimals floats,
    the rest text; an empty cell is missing (None).
    """
    where = str(path)
    if not path.is_file():
        raise BadInput("no such file", where=where)
    text = normalise(decode(read_bytes(path, where), where)[0])
    if not text.strip():
        raise BadInput("is empty; a participants table needs a header row with an 'id' column", where=where)
    try:
        # The first 4 KiB of the header are plenty to tell the delimiter, and the
        # sniffer's regular expressions are slow on very long lines.
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0][:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel  # type: ignore[assignment]
    numbered = numbered_csv_rows(text, where, dialect)
    rows = [row for _line, row in numbered]
    if not rows:
        raise BadInput("is empty; a participants table needs a header row with an 'id' column", where=where)
    header = [h.strip() for h in rows[0]]
    id_col = next((i for i, h in enumerate(header) if h.lower() in ID_COLUMNS), None)
    if id_col is None:
        raise BadInput(f"line 1: missing column 'id' (found {', '.join(header)})", where=where)
    if len(header) < 2:
        raise BadInput("line 1: no attribute columns besides the id", where=where)
    seen: dict[str, int] = {}
    records: list[tuple[str, list[str]]] = []
    for line_no, row in numbered[1:]:
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise BadInput(f"line {line_no}: {len(row)} fields where the header has {len(header)}", where=where)
        pid = row[id_col].strip()
        if not pid:
            raise BadInput(f"line {line_no}: the id is empty", where=where)
        if pid in seen:
            raise BadInput(f"line {line_no}: participant {pid} is listed already on line {seen[pid]}", where=where)
        if known and pid not in known:
            raise BadInput(
                f"line {line_no}: participant {pid} has no transcript in the project; "
                f"known participants are {', '.join(sorted(known))}",
                where=where,
            )
        if not known:
            raise BadInput(
                "the project has no transcripts with participants yet; import the transcripts first",
                where=where,
            )
        seen[pid] = line_no
        records.append((pid, row))
    columns = [i for i in range(len(header)) if i != id_col]
    types = {i: _column_type([r[i] for _, r in records]) for i in columns}
    return [Participant(pid, {header[i]: _convert(row[i], types[i]) for i in columns}) for pid, row in records]


def _column_type(values: list[str]) -> type:
    """int when every value is a whole number that fits 64 bits, float when every one is a finite decimal, else str."""
    present = [v.strip() for v in values if v.strip()]
    if not present:
        return str
    if all(_INT.fullmatch(v) for v in present):
        return int
    if all(_FLOAT.fullmatch(v) and math.isfinite(float(v.replace(",", "."))) for v in present):
        return float
    return str


def _convert(value: str, kind: type) -> Any:
    value = value.strip()
    if not value:
        return None
    if kind is float:
        return float(value.replace(",", "."))
    return kind(value)
