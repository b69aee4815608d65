"""Bytes to text: the encodings interview files come in, and normalisation."""

from __future__ import annotations

import codecs
import unicodedata

from qualcode.core.errors import BadInput


def normalise(text: str) -> str:
    """NFC, ``\\n`` line ends, no byte-order mark: the form every transcript is stored in."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    return unicodedata.normalize("NFC", text)


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
