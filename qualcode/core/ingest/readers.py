"""One reader per file format; each returns a `RawTranscript`."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from qualcode.core.errors import BadInput
from qualcode.core.exchange.safe_archive import DOCUMENT_MAX_MEMBERS, DOCUMENT_MAX_TOTAL, SafeZip, parse_xml
from qualcode.core.ingest.decoding import clip, decode, normalise, read_bytes
from qualcode.core.ingest.turns import RawTranscript, join_turns, split_turns

Reader = Callable[[Path, re.Pattern[str]], RawTranscript]

SKIPPED_SUFFIXES = {
    ".csv": "a participants table: attach it with 'qualcode participants'",
    ".yaml": "a codebook: load it with 'qualcode codebook load'",
    ".yml": "a codebook: load it with 'qualcode codebook load'",
}
"""Files that sit beside transcripts and are passed over, with a note, when a whole folder is named."""


def read_transcript(path: Path, speaker_pattern: re.Pattern[str]) -> RawTranscript:
    """Read one transcript file of any supported format.

    Whatever the file holds, the result is a `RawTranscript` or a `BadInput`
    naming the file (and the line, where there is one).  The text is
    normalised (see `decoding.normalise`): control characters other than tab
    and line feed are removed here, at import.
    """
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        known = ", ".join(sorted(READERS))
        raise BadInput(f"unknown kind of file '{path.suffix}'; qualcode reads {known}", where=str(path))
    if not path.is_file():
        raise BadInput("no such file", where=str(path))
    raw = reader(path, speaker_pattern)
    if not raw.text.strip():
        raise BadInput("holds no text; nothing to import", where=str(path))
    return raw


def read_plain(path: Path, pattern: re.Pattern[str]) -> RawTranscript:
    """Plain text or Markdown: lines, with speaker prefixes starting turns."""
    data = read_bytes(path, str(path))
    if not data.strip():
        raise BadInput("is empty; nothing to import", where=str(path))
    text, encoding = decode(data, str(path))
    text = normalise(text)
    raw = RawTranscript(text, split_turns(text, pattern), encoding)
    if encoding == "cp1252":
        raw.notes.append("not UTF-8: read as Windows-1252")
    return raw


def _open_document(path: Path, kind: str, main_part: str) -> SafeZip:
    """The zip of a word-processor file, checked before any XML in it is parsed.

    The declared sizes and compression ratios are checked first, so a zip bomb
    is refused in milliseconds; then every member is unpacked once to check
    its CRC (bounded by those sizes), and XML parts that declare a DOCTYPE or
    entities are refused, since python-docx would parse them itself.
    """
    where = str(path)
    archive = SafeZip(path, kind=kind, max_total=DOCUMENT_MAX_TOTAL, max_members=DOCUMENT_MAX_MEMBERS)
    try:
        if archive.find(main_part) is None:
            raise BadInput(
                f"is a damaged {kind} (it has no {main_part}); save it again from the word processor", where=where
            )
        try:
            archive.test()
        except BadInput as e:
            raise BadInput(
                f"is a damaged {kind} ({e.args[0].removeprefix(where + ': ')}); save it again from the word processor",
                where=where,
            ) from None
        for name in archive.names():
            if name.lower().endswith((".xml", ".rels")):
                _refuse_dtd(archive.read(name), f"{where}: {name}")
    except BadInput:
        archive.close()
        raise
    return archive


_DTD_MARKS = tuple(
    mark.encode(encoding) for mark in ("<!DOCTYPE", "<!ENTITY") for encoding in ("utf-8", "utf-16-le", "utf-16-be")
)


def _refuse_dtd(data: bytes, where: str) -> None:
    # Office XML never has a DTD and text content escapes '<', so any such
    # mark is an entity-expansion attempt.
    if any(mark in data for mark in _DTD_MARKS):
        raise BadInput("declares a DOCTYPE or entities; refusing it (entity expansion)", where=where)


def read_docx(path: Path, pattern: re.Pattern[str]) -> RawTranscript:
    """Paragraphs in order; a table of speaker | text rows becomes one turn per row."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    _open_document(path, ".docx", "word/document.xml").close()
    lines: list[str] = []
    try:
        document = docx.Document(str(path))
        for block in document.iter_inner_content():
            if isinstance(block, Paragraph):
                style = (block.style.name if block.style is not None else "") or ""
                if style.startswith(("Heading", "Title")):
                    continue
                lines.append(block.text)
            elif isinstance(block, Table):
                lines.extend(_table_lines(block))
    except Exception as e:  # python-docx raises many kinds on broken packages
        raise BadInput(f"could not be read as a .docx ({type(e).__name__}); save it again", where=str(path)) from None
    text = normalise("\n".join(lines) + "\n")
    return RawTranscript(text, split_turns(text, pattern), "docx")


_HEADER_WORDS = {"speaker", "name", "person", "who", "taler", "navn", "text", "utterance", "tekst"}


def _table_lines(table: object) -> list[str]:
    lines = []
    for i, row in enumerate(table.rows):  # type: ignore[attr-defined]
        cells = [c.text.strip() for c in row.cells]
        # merged cells repeat; keep distinct neighbours
        cells = [c for j, c in enumerate(cells) if j == 0 or c != cells[j - 1]]
        if i == 0 and cells and cells[0].lower() in _HEADER_WORDS:
            continue
        if len(cells) >= 2 and cells[0] and len(cells[0]) <= 40:
            lines.append(f"{cells[0]}: {' '.join(cells[1:])}")
        else:
            lines.append(" ".join(cells))
    return lines


def read_odt(path: Path, pattern: re.Pattern[str]) -> RawTranscript:
    """OpenDocument text: its paragraphs and headings' text, headings left out."""
    with _open_document(path, ".odt", "content.xml") as archive:
        content = archive.read("content.xml")
    root = parse_xml(content, f"{path}: content.xml")
    ns = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    lines = []
    for p in root.iter(f"{{{ns}}}p"):
        lines.append(_odt_text(p, ns))
    text = normalise("\n".join(lines) + "\n")
    return RawTranscript(text, split_turns(text, pattern), "odt")


MAX_ODT_SPACES = 1000
"""Most spaces one ``<text:s text:c="…"/>`` stands for; word processors write a handful."""


def _odt_spaces(count: str | None) -> int:
    """The spaces a ``text:c`` count stands for: 1 when it is not a plain number, at most `MAX_ODT_SPACES`."""
    if count is None or not re.fullmatch(r"[0-9]{1,9}", count.strip()):
        return 1
    return max(1, min(int(count), MAX_ODT_SPACES))


def _odt_text(element: object, ns: str) -> str:
    out = [element.text or ""]  # type: ignore[attr-defined]
    for child in element:  # type: ignore[attr-defined]
        tag = child.tag
        if tag == f"{{{ns}}}s":
            out.append(" " * _odt_spaces(child.get(f"{{{ns}}}c")))
        elif tag == f"{{{ns}}}tab":
            out.append("\t")
        elif tag == f"{{{ns}}}line-break":
            out.append(" ")
        elif isinstance(tag, str):
            out.append(_odt_text(child, ns))
        out.append(child.tail or "")
    return "".join(out)


# Hours take up to 9 digits here so that a longer run fails the match rather
# than reaching int(); _ms then refuses hours past MAX_MEDIA_HOURS.
_TIMING = re.compile(
    r"^\s*(?:(\d{1,9}):)?(\d{1,2}):(\d{2})[.,](\d{3})\s*-->\s*(?:(\d{1,9}):)?(\d{1,2}):(\d{2})[.,](\d{3})"
)
_VOICE = re.compile(r"<v(?:\.[^ >]*)?\s+([^>]+)>")
_TAG = re.compile(r"<[^>]*>|\{\\[^}]*\}")
MAX_MEDIA_HOURS = 9999
"""Latest cue time accepted, in hours: far past any recording, well inside a 64-bit count of milliseconds."""


def _ms(h: str | None, m: str, s: str, ms: str) -> int:
    return ((int(h or 0) * 60 + int(m)) * 60 + int(s)) * 1000 + int(ms)


def read_subtitles(path: Path, pattern: re.Pattern[str]) -> RawTranscript:
    """WebVTT and SubRip: cues with times; a speaker from a ``<v Name>`` tag or a ``Name:`` prefix."""
    data = read_bytes(path, str(path))
    if not data.strip():
        raise BadInput("is empty; nothing to import", where=str(path))
    text, encoding = decode(data, str(path))
    lines = normalise(text).split("\n")
    is_vtt = path.suffix.lower() == ".vtt"
    if is_vtt and not lines[0].startswith("WEBVTT"):
        raise BadInput("line 1: a WebVTT file must start with WEBVTT", where=str(path))
    pieces: list[tuple[str | None, list[tuple[str, int, int]]]] = []
    speaker: str | None = None
    i = 1 if is_vtt else 0
    cues = 0
    while i < len(lines):
        line = lines[i]
        if not line.strip():
            i += 1
            continue
        block_start = i
        block = []
        while i < len(lines) and lines[i].strip():
            block.append(lines[i])
            i += 1
        if is_vtt and block[0].startswith(("NOTE", "STYLE", "REGION")):
            continue
        timing_at = next((k for k, b in enumerate(block[:2]) if "-->" in b), None)
        if timing_at is None:
            raise BadInput(
                f"line {block_start + 1}: expected a cue timing such as 00:00:01.000 --> 00:00:04.000",
                where=str(path),
            )
        timing_line = block_start + timing_at + 1
        m = _TIMING.match(block[timing_at])
        if m is None:
            raise BadInput(
                f"line {timing_line}: cannot read the cue timing '{clip(block[timing_at].strip())}'; "
                "write it as 00:00:01.000 --> 00:00:04.000",
                where=str(path),
            )
        if any(h is not None and int(h) > MAX_MEDIA_HOURS for h in (m.group(1), m.group(5))):
            raise BadInput(
                f"line {timing_line}: a cue time past {MAX_MEDIA_HOURS} hours; correct the timing",
                where=str(path),
            )
        start_ms, end_ms = _ms(*m.groups()[:4]), _ms(*m.groups()[4:])
        cue_text = " ".join(b.strip() for b in block[timing_at + 1 :])
        voice = _VOICE.search(cue_text)
        if voice:
            speaker = voice.group(1).strip()
        cue_text = " ".join(_TAG.sub("", cue_text).split())
        prefix = pattern.match(cue_text)
        if not voice and prefix:
            speaker = prefix.group("speaker").strip()
            cue_text = cue_text[prefix.end() :].strip()
        if not cue_text:
            continue
        cues += 1
        if pieces and pieces[-1][0] == speaker:
            pieces[-1][1].append((cue_text, start_ms, end_ms))
        else:
            pieces.append((speaker, [(cue_text, start_ms, end_ms)]))
    if not cues:
        raise BadInput("holds no cues with text; nothing to import", where=str(path))
    joined, turns = join_turns(pieces)
    raw = RawTranscript(joined, turns, encoding)
    if encoding == "cp1252":
        raw.notes.append("not UTF-8: read as Windows-1252")
    return raw


READERS: dict[str, Reader] = {
    ".txt": read_plain,
    ".text": read_plain,
    ".md": read_plain,
    ".docx": read_docx,
    ".odt": read_odt,
    ".vtt": read_subtitles,
    ".srt": read_subtitles,
}
SUPPORTED_SUFFIXES = tuple(READERS)
