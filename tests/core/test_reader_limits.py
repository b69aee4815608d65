"""One hostile file per finding of the attack run: each is refused with a BadInput naming it, quickly."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import pytest

from qualcode.core.codebook import parse_codebook
from qualcode.core.codings_csv import read_codings_csv
from qualcode.core.errors import BadInput
from qualcode.core.exchange.refi_read import read_qdc, read_qdpx
from qualcode.core.formats import load_codebook_file
from qualcode.core.ingest import read_transcript, segment_many
from qualcode.core.ingest.turns import compile_speaker_pattern
from qualcode.core.nlp import pipeline, split_long
from qualcode.core.participants import read_participants

PATTERN = compile_speaker_pattern(None)
ODT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


def _odt(path: Path, body: str) -> Path:
    content = (
        f'<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:'
        f'office:1.0" xmlns:text="{ODT_NS}"><office:body><office:text>{body}</office:text></office:body>'
        "</office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", content)
    return path


def test_one_long_line_splits_into_sentences_as_uncut(tmp_path: Path) -> None:
    path = tmp_path / "long.txt"
    path.write_text("P1: " + "This is one sentence. And here is another one! " * 30_000 + "\n")
    raw = read_transcript(path, PATTERN)
    [rows] = segment_many([raw], "sentence")
    assert len(rows) == 60_000
    nlp = pipeline("en")
    uncut = raw.text[raw.turns[0].start : raw.turns[0].end]
    assert len(uncut) > nlp.max_length
    pieces = split_long(uncut)
    assert "".join(p for _, p in pieces) == uncut and all(p.endswith(" ") for _, p in pieces[:-1])
    assert {raw.text[s:e] for s, e, *_ in rows} == {"This is one sentence.", "And here is another one!"}


@pytest.mark.parametrize("count", ["abc", "999999999", "-3", "²"])
def test_odt_space_counts_are_capped(tmp_path: Path, count: str) -> None:
    path = _odt(tmp_path / "P1.odt", f'<text:p>P1: a<text:s text:c="{count}"/>b</text:p>')
    raw = read_transcript(path, PATTERN)
    gap = raw.text.split("a", 1)[1].split("b", 1)[0]
    assert 1 <= len(gap) <= 1000


@pytest.mark.parametrize("hours", ["1" * 23, "9" * 5000])
def test_subtitle_hours_out_of_range_name_the_line(tmp_path: Path, hours: str) -> None:
    path = tmp_path / "talk.srt"
    path.write_text(f"1\n00:00:01,000 --> 00:00:02,000\nhello\n\n2\n{hours}:00:01,000 --> 00:00:02,000\nthere\n")
    with pytest.raises(BadInput, match=r"talk.srt: line 6: "):
        read_transcript(path, PATTERN)


def _timed(call: object, limit: float = 5.0) -> None:
    started = time.perf_counter()
    with pytest.raises(BadInput) as caught:
        call()  # type: ignore[operator]
    assert time.perf_counter() - started < limit
    return caught.value  # type: ignore[return-value]


def test_codebook_nested_1500_deep_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.yaml"
    path.write_text(
        "codes:\n" + "".join("  " * i + f"- name: c{i}\n" + "  " * i + "  children:\n" for i in range(1500))
    )
    error = _timed(lambda: load_codebook_file(path))
    assert "deep.yaml: line" in str(error) and "levels deep" in str(error)


def test_codebook_alias_bomb_is_refused_quickly() -> None:
    text = "codes:\n  - &l0\n    name: leaf\n"
    for i in range(1, 9):
        wrappers = ", ".join(f"{{name: w{k}, children: [*l{i - 1}]}}" for k in range(10))
        text += f"  - &l{i}\n    name: n{i}\n    children: [{wrappers}]\n"
    assert len(text) < 5000
    error = _timed(lambda: parse_codebook(text, "bomb.yaml"))
    assert str(error).startswith("bomb.yaml: line") and "more than 5000 codes" in str(error)


def test_codebook_parent_chain_1000_deep_is_refused() -> None:
    text = "codes:\n  - name: c0\n" + "".join(f"  - name: c{i}\n    parent: c{i - 1}\n" for i in range(1, 1000))
    error = _timed(lambda: parse_codebook(text, "chain.yaml"))
    assert "chain.yaml: line" in str(error) and "more than 50 levels" in str(error)


def test_qdc_path_2000_levels_deep_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "deep.qdc"
    name = "::".join(f"l{i}" for i in range(2000))
    path.write_text(
        '<?xml version="1.0"?><CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
        f'<Code guid="{"1" * 8}-1111-1111-1111-{"1" * 12}" name="{name}" isCodable="true"/></Codes></CodeBook>'
    )
    error = _timed(lambda: read_qdc(path))
    assert "deep.qdc" in str(error) and "levels deep" in str(error)


def test_qdpx_with_a_damaged_member_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "broken.qdpx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("project.qde", '<?xml version="1.0"?><Project xmlns="urn:QDA-XML:project:1.0" name="x"/>' * 50)
    data = bytearray(path.read_bytes())
    data[60:70] = b"\xff" * 10  # inside the deflate stream of the only member
    path.write_bytes(bytes(data))
    with pytest.raises(BadInput, match=r"broken.qdpx: .*damaged"):
        read_qdpx(path)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xef\xbb\xbf", "is empty"),
        (b"", "is empty"),
        (b"id,role\nP1," + b"x" * (1024**2 + 10) + b"\n", "line 2: a cell is longer than"),
        (b'id,role\nP1,"unterminated\n', None),
        (b"\xff\xfe\x00", "is not valid UTF-16"),
    ],
)
def test_participants_csv_hostile(tmp_path: Path, content: bytes, message: str | None) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(content)
    try:
        read_participants(path, {"P1"})
    except BadInput as e:
        assert str(e).startswith(f"{path}: ")
        assert message is None or message in str(e)
    else:
        assert message is None


def test_participants_numbers_are_strict(tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("id,years,code,score\nP1,²,12345678901234567890123,nan\nP2,3,4,1.5\n")
    people = {p.id: p.attributes for p in read_participants(path, {"P1", "P2"})}
    # past 64 bits a whole number is a float, never an int SQLite cannot store
    assert people["P1"] == {"years": "²", "code": 1.2345678901234568e22, "score": "nan"}
    assert people["P2"] == {"years": "3", "code": 4.0, "score": "1.5"}


@pytest.mark.parametrize("segment", ["²", "1" * 23, "-1", "1.5"])
def test_codings_csv_segment_numbers_are_strict(tmp_path: Path, segment: str) -> None:
    path = tmp_path / "codings.csv"
    path.write_text(f"transcript,segment,code\nP1,{segment},Workload\n")
    with pytest.raises(BadInput, match=r"codings.csv: line 2: segment must be a number"):
        read_codings_csv(path)


@pytest.mark.parametrize("content", [b"\xef\xbb\xbf", b"   \n", b"transcript,segment,code\nP1," + b"9" * 200_000])
def test_codings_csv_empty_or_huge(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "codings.csv"
    path.write_bytes(content)
    with pytest.raises(BadInput, match=r"codings.csv: "):
        read_codings_csv(path)


def _bomb(path: Path, main: str) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr(main, b"<a>" + b" " * (300 * 1024**2) + b"</a>")
    return path


@pytest.fixture(scope="module")
def bomb_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("bombs")


@pytest.mark.parametrize(("name", "main"), [("bomb.docx", "word/document.xml"), ("bomb.odt", "content.xml")])
def test_document_bombs_are_refused_before_parsing(bomb_dir: Path, name: str, main: str) -> None:
    path = _bomb(bomb_dir / name, main)
    error = _timed(lambda: read_transcript(path, PATTERN), limit=1.0)
    assert str(error).startswith(f"{path}: ") and "zip bomb" in str(error)


def test_docx_with_entities_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "laughs.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaa">]><a>&a;</a>')
    with pytest.raises(BadInput, match=r"laughs.docx: word/document.xml: declares a DOCTYPE"):
        read_transcript(path, PATTERN)


def test_control_characters_are_removed_at_import(tmp_path: Path) -> None:
    path = tmp_path / "P1.txt"
    path.write_bytes("P1: bell\x01 and \x1b[31mescape\x7f \u0085next\tTab\r\nP2: ok\x0c\n".encode())
    raw = read_transcript(path, PATTERN)
    assert raw.text == "P1: bell and [31mescape next\tTab\nP2: ok\n"
    odt = _odt(tmp_path / "P2.odt", "<text:p>P2: a\x1fb</text:p>".replace("\x1f", "&#x85;"))
    assert read_transcript(odt, PATTERN).text == "P2: ab\n"
