"""Every reader, fed hostile input, returns or raises BadInput: never another exception, never slowly."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.core.codebook import parse_codebook
from qualcode.core.codings_csv import read_codings_csv
from qualcode.core.errors import BadInput
from qualcode.core.exchange.refi_read import read_qdc, read_qdpx
from qualcode.core.formats import load_codebook_file
from qualcode.core.ingest import read_transcript
from qualcode.core.ingest.turns import compile_speaker_pattern
from qualcode.core.participants import read_participants

PATTERN = compile_speaker_pattern(None)
LIMIT = 10.0
"""Seconds any one reader call may take; generous for a loaded CI machine, far below the attack's minutes."""
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

hostile_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(list("\x00\x01\x1b\x7f\x85\u2028\u202e\ufeff\ufffd\r\n\t:,;\"'<>&²٣")),
    ),
    max_size=400,
)
hostile_bytes = st.binary(max_size=600)


def _survives(call: Callable[[], object], where: str | Path) -> None:
    """Run a reader: it returns, or raises a BadInput naming ``where``, within `LIMIT` seconds."""
    started = time.perf_counter()
    try:
        call()
    except BadInput as e:
        assert str(e).startswith(str(where))
    assert time.perf_counter() - started < LIMIT


def _write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


@FAST
@given(data=st.one_of(hostile_bytes, hostile_text.map(lambda t: t.encode("utf-8", "surrogatepass"))))
def test_plain_and_subtitle_readers(tmp_path: Path, data: bytes) -> None:
    for name, prefix in (("t.txt", b""), ("t.md", b""), ("t.vtt", b"WEBVTT\n\n"), ("t.srt", b"")):
        path = _write(tmp_path, name, prefix + data)
        _survives(lambda path=path: read_transcript(path, PATTERN), path)


cue_time = st.tuples(st.text("0123456789", min_size=1, max_size=30), st.integers(0, 99), st.integers(0, 99))


@FAST
@given(times=st.lists(st.tuples(cue_time, cue_time, hostile_text), min_size=1, max_size=5))
def test_subtitles_with_odd_timings(tmp_path: Path, times: list) -> None:
    cues = [
        f"{i}\n{h}:{m:02}:{s:02},000 --> {h2}:{m2:02}:{s2:02},500\n{text}\n"
        for i, ((h, m, s), (h2, m2, s2), text) in enumerate(times, 1)
    ]
    path = _write(tmp_path, "t.srt", "\n".join(cues).encode("utf-8", "surrogatepass"))
    _survives(lambda: read_transcript(path, PATTERN), path)


def _valid_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("P1: hello there")
    document.add_paragraph("Interviewer: and then?")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _valid_odt() -> bytes:
    ns = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr(
            "content.xml",
            f'<?xml version="1.0"?><r xmlns:text="{ns}"><text:p>P1: a<text:s text:c="3"/>b</text:p></r>',
        )
    return out.getvalue()


def _valid_qdpx() -> bytes:
    guid = "11111111-1111-1111-1111-{:012d}"
    qde = (
        '<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="p" origin="x">'
        f'<CodeBook><Codes><Code guid="{guid.format(1)}" name="A::B" isCodable="true"/></Codes></CodeBook>'
        f'<Sources><TextSource guid="{guid.format(2)}" name="s" plainTextPath="internal://{guid.format(2)}.txt">'
        f'<PlainTextSelection guid="{guid.format(3)}" startPosition="0" endPosition="5">'
        f'<Coding guid="{guid.format(4)}"><CodeRef targetGUID="{guid.format(1)}"/></Coding>'
        "</PlainTextSelection></TextSource></Sources></Project>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", qde)
        zf.writestr(f"sources/{guid.format(2)}.txt", "P1: hello\r\nthere\x01\n")
    return out.getvalue()


ARCHIVES = {"t.docx": _valid_docx(), "t.odt": _valid_odt(), "t.qdpx": _valid_qdpx()}


def _read_archive(path: Path) -> object:
    return read_qdpx(path) if path.suffix == ".qdpx" else read_transcript(path, PATTERN)


def test_valid_archives_are_read(tmp_path: Path) -> None:
    for name, data in ARCHIVES.items():
        assert _read_archive(_write(tmp_path, name, data))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    name=st.sampled_from(sorted(ARCHIVES)),
    cut=st.floats(0.0, 1.0),
    flips=st.lists(st.tuples(st.floats(0.0, 1.0), st.integers(0, 255)), max_size=8),
)
def test_truncated_and_garbled_archives(tmp_path: Path, name: str, cut: float, flips: list) -> None:
    data = bytearray(ARCHIVES[name])
    for where, value in flips:
        data[int(where * (len(data) - 1))] = value
    if cut < 0.3:
        data = data[: int(cut / 0.3 * len(data))]
    path = _write(tmp_path, name, bytes(data))
    _survives(lambda: _read_archive(path), path)


@FAST
@given(data=hostile_bytes)
def test_random_bytes_as_archives(tmp_path: Path, data: bytes) -> None:
    for name in ARCHIVES:
        path = _write(tmp_path, name, b"PK\x03\x04" + data)
        _survives(lambda path=path: _read_archive(path), path)


yaml_scalar = st.one_of(hostile_text, st.integers(), st.none(), st.booleans())
yaml_value = st.recursive(
    yaml_scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(["name", "children", "parent", "id", "key", "keywords", "x"]), inner, max_size=4
        ),
    ),
    max_leaves=30,
)


@FAST
@given(value=yaml_value, as_json=st.booleans())
def test_codebook_structures(value: object, as_json: bool) -> None:
    import json

    import yaml

    text = json.dumps({"codes": value}) if as_json else yaml.safe_dump({"codes": value}, allow_unicode=True)
    _survives(lambda: parse_codebook(text, "fuzz.yaml"), "fuzz.yaml")


@FAST
@given(text=hostile_text, depth=st.integers(0, 3000), opener=st.sampled_from(["[", "{a: ", "- "]))
def test_codebook_text_and_nesting(text: str, depth: int, opener: str) -> None:
    _survives(lambda: parse_codebook(text, "fuzz.yaml"), "fuzz.yaml")
    nested = "codes: " + opener * depth + "x"
    _survives(lambda: parse_codebook(nested, "deep.yaml"), "deep.yaml")


@FAST
@given(data=hostile_bytes, suffix=st.sampled_from([".yaml", ".json", ".qdc"]))
def test_codebook_files_of_random_bytes(tmp_path: Path, data: bytes, suffix: str) -> None:
    path = _write(tmp_path, f"book{suffix}", data)
    _survives(lambda: load_codebook_file(path), path)


@FAST
@given(
    names=st.lists(hostile_text, max_size=5),
    depth=st.integers(0, 400),
    separators=st.integers(0, 3000),
)
def test_qdc_structures(tmp_path: Path, names: list[str], depth: int, separators: int) -> None:
    from xml.sax.saxutils import quoteattr

    guid = "22222222-2222-2222-2222-{:012d}"
    codes = "".join(f'<Code guid="{guid.format(i)}" name={quoteattr(n)}/>' for i, n in enumerate(names))
    nested = "".join(f'<Code guid="{guid.format(100 + i)}" name="n{i}">' for i in range(depth)) + "</Code>" * depth
    path_name = "::".join(f"l{i}" for i in range(separators))
    xml = (
        '<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        f'{codes}{nested}<Code guid="{guid.format(99)}" name="{path_name}"/></Codes></CodeBook>'
    )
    path = _write(tmp_path, "book.qdc", xml.encode("utf-8", "surrogatepass"))
    _survives(lambda: read_qdc(path), path)


csv_cell = st.one_of(hostile_text, st.sampled_from(["P1", "P2", "²", "1" * 23, "nan", "1e999", '"', "1_000"]))


@FAST
@given(
    rows=st.lists(st.lists(csv_cell, min_size=1, max_size=5), max_size=6),
    header=st.sampled_from(["id,years,role", "transcript,segment,code,memo", "", "id"]),
    raw=hostile_bytes,
)
def test_csv_tables(tmp_path: Path, rows: list[list[str]], header: str, raw: bytes) -> None:
    body = header + "\n" + "\n".join(",".join(r) for r in rows)
    for data in (body.encode("utf-8", "surrogatepass"), raw, b"\xef\xbb\xbf" + raw):
        people = _write(tmp_path, "people.csv", data)
        _survives(lambda people=people: read_participants(people, {"P1", "P2"}), people)
        codings = _write(tmp_path, "codings.csv", data)
        _survives(lambda codings=codings: read_codings_csv(codings), codings)
