"""Bytes to text: the encodings interview files come in, and normalisation.

Every text read from outside (transcripts, participants and codings tables)
passes through `normalise`, which also removes control characters, so nothing
stored in a project holds them and no export meets them later.
"""

from __future__ import annotations

import codecs
import csv
import io
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qualcode.core.errors import BadInput

MAX_TEXT_FILE = 100 * 1024**2
"""Largest transcript, table or codebook file read (100 MiB).

A ten-hour interview is about 1 MB of text; far larger files are mistakes or
attacks, and reading them would take memory several times their size.
"""
MAX_CSV_FIELD = 1024**2
"""Longest cell read from a CSV table (1 MiB): a long memo fits, a runaway quote does not."""

# C0 (except tab and line feed; CR is turned into LF before this runs), DEL and C1.
_CONTROLS = dict.fromkeys([*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)])


def read_bytes(path: Path, where: str, limit: int = MAX_TEXT_FILE) -> bytes:
    """A file's bytes, refusing what is missing, unreadable or larger than ``limit``."""
    try:
        size = path.stat().st_size
        if size > limit:
            raise BadInput(
                f"is {size / 1024**2:.0f} MiB, more than the {limit // 1024**2} MiB qualcode reads; "
                "split it into smaller files",
                where=where,
            )
        return path.read_bytes()
    except OSError as e:
        raise BadInput(f"cannot be read ({e.strerror or e})", where=where) from None


def strip_controls(text: str) -> str:
    """Remove C0 and C1 control characters other than tab and line feed.

    They are invisible in the workbench, break XML exports (Word, REFI-QDA)
    and terminals, and carry no meaning in an interview.
    """
    return text.translate(_CONTROLS)


def normalise(text: str) -> str:
    """NFC, ``\\n`` line ends, no byte-order mark, no control characters but tab and line feed.

    This is the form every transcript is stored in.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return unicodedata.normalize("NFC", strip_controls(text))


def decode(data: bytes, where: str) -> tuple[str, str]:
    """Decode a text file; returns the text and the encoding used.

    UTF-8 (with or without BOM) and UTF-16 with BOM are read as such; anything
    else that is not binary is read as Windows-1252, and the caller reports it.
    """
    if data.startswith(codecs.BOM_UTF8):
        return _strict(data[3:], "utf-8", where), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _strict(data, "utf-16", where), "utf-16"
    if b"\x00" in data:
        raise BadInput("looks like a binary file, not a transcript (it holds NUL bytes)", where=where)
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="replace")
    if sum(ch in "\ufffd" or (ord(ch) < 32 and ch not in "\t\n\r\f") for ch in text) > len(text) // 100:
        raise BadInput("is neither UTF-8 nor Windows-1252 text; save it as UTF-8 and import again", where=where)
    return text, "cp1252"


def _strict(data: bytes, encoding: str, where: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise BadInput(
            f"is not valid {encoding.upper()} at byte {e.start}; save it as UTF-8 and import again",
            where=where,
        ) from None


@contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    # The csv module's limit is process-wide; set it only while reading our table.
    previous = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def csv_rows(text: str, where: str, dialect: type[csv.Dialect] | csv.Dialect = csv.excel) -> list[list[str]]:
    """All rows of a CSV text; a broken row (a runaway quote, a huge cell) names its line."""
    return [row for _line, row in numbered_csv_rows(text, where, dialect)]


def numbered_csv_rows(
    text: str, where: str, dialect: type[csv.Dialect] | csv.Dialect = csv.excel
) -> list[tuple[int, list[str]]]:
    """Every row of a CSV text with the line of the file it starts on (a quoted cell may hold line breaks,
    so a row's number and its line differ); a broken row names its line."""
    reader = csv.reader(io.StringIO(text), dialect)
    rows: list[tuple[int, list[str]]] = []
    with _field_limit(MAX_CSV_FIELD):
        try:
            last = 0
            for row in reader:
                rows.append((last + 1, row))
                last = reader.line_num
        except csv.Error as e:
            hint = (
                f"a cell is longer than {MAX_CSV_FIELD // 1024} KiB (is a quote left open?)"
                if "field larger" in str(e)
                else f"cannot read the row ({e})"
            )
            raise BadInput(f"line {reader.line_num}: {hint}; correct the table and try again", where=where) from None
    return rows


def clip(text: str, limit: int = 60) -> str:
    """Text short enough to quote in a one-line message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
