"""Reading transcripts of every format and cutting them into segments."""

from __future__ import annotations

import codecs
import zipfile
from pathlib import Path

import docx
import pytest

from qualcode.core.errors import BadInput
from qualcode.core.ingest import read_transcript, segment_many
from qualcode.core.ingest.turns import compile_speaker_pattern, split_turns

PATTERN = compile_speaker_pattern(None)


def read(path: Path):
    return read_transcript(path, PATTERN)


def test_turns_from_speaker_prefixes_with_continuation_lines(transcript_file: Path) -> None:
    raw = read(transcript_file)
    assert [t.speaker for t in raw.turns] == ["Interviewer", "P1", "Interviewer", "P1", "Interviewer", "P1"]
    fourth = raw.turns[3]
    assert len(fourth.paragraphs) == 2
    assert raw.text[fourth.start : fourth.end].endswith("skip lunch on Tuesdays.")
    assert raw.text[fourth.start : fourth.start + 9] == "It was on"


def test_speech_that_looks_like_a_prefix_is_not_a_speaker() -> None:
    text = "Mary Jones: Hello.\nThen she said: go home.\nTeacher 2: Yes.\nso basically: no\n"
    turns = split_turns(text, PATTERN)
    assert [t.speaker for t in turns] == ["Mary Jones", "Teacher 2"]
    assert "Then she said: go home." in text[turns[0].start : turns[0].end]


def test_custom_speaker_pattern() -> None:
    pattern = compile_speaker_pattern(r"^\[(?P<speaker>[A-Z]+)\]\s*")
    turns = split_turns("[INT] Question?\n[RESP] Answer.\n", pattern)
    assert [t.speaker for t in turns] == ["INT", "RESP"]


@pytest.mark.parametrize("bad", [r"(unclosed", r"^(?P<who>\w+):"])
def test_bad_speaker_patterns_are_refused(bad: str) -> None:
    with pytest.raises(BadInput, match="--speaker-pattern"):
        compile_speaker_pattern(bad)


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [
        ("utf-8", b""),
        ("utf-8", codecs.BOM_UTF8),
        ("utf-16-le", codecs.BOM_UTF16_LE),
        ("utf-16-be", codecs.BOM_UTF16_BE),
    ],
)
def test_encodings_decode_to_the_same_nfc_text(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    text = "Interviewer: Hvordan gikk det på skolen?\r\nP8: Det gikk bra – «veldig» bra, sa Åsmund.\r\n"
    path = tmp_path / "P8.txt"
    path.write_bytes(prefix + text.encode(encoding))
    raw = read(path)
    assert raw.text == text.replace("\r\n", "\n")
    assert "\ufeff" not in raw.text and "\r" not in raw.text


def test_decomposed_letters_are_normalised_to_nfc(tmp_path: Path) -> None:
    path = tmp_path / "a.txt"
    path.write_text("P1: Sk\u006f\u0308le\n", encoding="utf-8")
    assert read(path).text == "P1: Sk\u00f6le\n"


def test_cp1252_fallback_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "P7.txt"
    path.write_bytes("P7: It\u2019s \u201cfine\u201d \u2013 really.\r\n".encode("cp1252"))
    raw = read(path)
    assert raw.text == "P7: It\u2019s \u201cfine\u201d \u2013 really.\n"
    assert raw.notes == ["not UTF-8: read as Windows-1252"]


def test_binary_and_empty_files_are_refused(tmp_path: Path) -> None:
    binary = tmp_path / "photo.txt"
    binary.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(BadInput, match=r"photo.txt: looks like a binary file"):
        read(binary)
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"  \n\n")
    with pytest.raises(BadInput, match=r"empty.txt: is empty"):
        read(empty)


def test_unknown_extension_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.pages"
    path.write_text("P1: hi")
    with pytest.raises(BadInput, match=r"unknown kind of file '.pages'"):
        read(path)


def _write_docx(path: Path, paragraphs: list[str], table: list[list[str]] | None = None) -> None:
    document = docx.Document()
    document.add_heading("Interview", level=1)
    for p in paragraphs:
        document.add_paragraph(p)
    if table:
        t = document.add_table(rows=0, cols=len(table[0]))
        for row in table:
            cells = t.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = value
    document.save(str(path))


def test_docx_paragraphs_and_heading_left_out(tmp_path: Path) -> None:
    path = tmp_path / "P2.docx"
    _write_docx(path, ["Interviewer: What happened?", "P2: We met the psychologist\u2019s team."])
    raw = read(path)
    assert raw.text == "Interviewer: What happened?\nP2: We met the psychologist\u2019s team.\n"
    assert raw.speakers == ("Interviewer", "P2")


def test_docx_table_of_speaker_and_text(tmp_path: Path) -> None:
    path = tmp_path / "P5.docx"
    _write_docx(path, [], [["Speaker", "Text"], ["Interviewer", "How was it?"], ["P5", "Good, æ ø å."]])
    raw = read(path)
    assert raw.text == "Interviewer: How was it?\nP5: Good, æ ø å.\n"
    assert [t.speaker for t in raw.turns] == ["Interviewer", "P5"]


def test_docx_that_is_not_a_zip_or_is_cut_short(tmp_path: Path) -> None:
    fake = tmp_path / "fake.docx"
    fake.write_text("I am plain text")
    with pytest.raises(BadInput, match=r"fake.docx: is not a valid .docx file"):
        read(fake)
    good = tmp_path / "good.docx"
    _write_docx(good, ["P1: hello"])
    cut = tmp_path / "cut.docx"
    cut.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(BadInput, match=r"cut.docx: is not a valid .docx file"):
        read(cut)


def test_zip_without_a_document_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "odd.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("hello.txt", "hi")
    with pytest.raises(BadInput, match=r"odd.docx: is a damaged .docx"):
        read(path)


VTT = """WEBVTT

NOTE a comment

00:00:01.000 --> 00:00:04.000
<v Interviewer>How did it start?

1
00:00:04.500 --> 00:00:09.000
<v P3>It started in the autumn. We had a meeting.

00:00:09.000 --> 00:00:12.250
<v P3><i>Then</i> the plan began.

00:00:12.500 --> 00:00:14.000
<v Interviewer>Thanks.
"""


def test_vtt_cues_become_turns_with_media_times(tmp_path: Path) -> None:
    path = tmp_path / "P3.vtt"
    path.write_text(VTT, encoding="utf-8")
    raw = read(path)
    assert raw.text.split("\n")[1] == "P3: It started in the autumn. We had a meeting. Then the plan began."
    turns = segment_many([raw], "turn")[0]
    assert [(s[2], s[3], s[4]) for s in turns] == [
        ("Interviewer", 1000, 4000),
        ("P3", 4500, 12250),
        ("Interviewer", 12500, 14000),
    ]
    sentences = segment_many([raw], "sentence")[0]
    texts = [raw.text[s:e] for s, e, *_ in sentences]
    assert texts[1:4] == ["It started in the autumn.", "We had a meeting.", "Then the plan began."]
    assert sentences[2][3:] == (4500, 9000)
    assert sentences[3][3:] == (9000, 12250)


def test_srt_with_prefixes_and_continuation(tmp_path: Path) -> None:
    path = tmp_path / "P6.srt"
    path.write_text(
        "1\n00:00:01,000 --> 00:00:03,000\nInterviewer: Hello?\n\n"
        "2\n00:00:03,500 --> 00:00:06,000\nP6: Hi. I teach\ngrade ten.\n\n"
        "3\n00:00:06,000 --> 00:00:08,000\nAnd I like it.\n",
        encoding="utf-8",
    )
    raw = read(path)
    assert raw.text == "Interviewer: Hello?\nP6: Hi. I teach grade ten. And I like it.\n"
    assert segment_many([raw], "turn")[0][1][3:] == (3500, 8000)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.vtt", "00:00:01.000 --> 00:00:02.000\nhi\n", "line 1: a WebVTT file must start with WEBVTT"),
        ("b.srt", "1\nhello there\n", "line 1: expected a cue timing"),
        ("c.srt", "1\n00:00:xx,000 --> 00:00:02,000\nhi\n", "line 2: cannot read the cue timing"),
    ],
)
def test_broken_subtitles_name_the_line(tmp_path: Path, name: str, content: str, message: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(BadInput, match=message):
        read(path)


def test_odt_paragraphs(tmp_path: Path) -> None:
    path = tmp_path / "P9.odt"
    content = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
        "<text:p>Interviewer: Hei?</text:p><text:p>P9: Det gikk<text:s/>bra, <text:span>takk</text:span>.</text:p>"
        "</office:text></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr("content.xml", content)
    raw = read(path)
    assert raw.text == "Interviewer: Hei?\nP9: Det gikk bra, takk.\n"


def test_units_paragraph_and_sentence_keep_speakers(transcript_file: Path) -> None:
    raw = read(transcript_file)
    paragraphs = segment_many([raw], "paragraph")[0]
    assert len(paragraphs) == 7
    assert raw.text[paragraphs[4][0] : paragraphs[4][1]] == "I had to skip lunch on Tuesdays."
    assert paragraphs[4][2] == "P1"
    sentences = segment_many([raw], "sentence")[0]
    texts = [raw.text[s:e] for s, e, *_ in sentences]
    assert "She explained the step-ladder plan." in texts
    assert all(t == t.strip() and t for t in texts)
    assert {s[2] for s in sentences} == {"Interviewer", "P1"}


def test_norwegian_sentences_with_blank_nb(tmp_path: Path) -> None:
    path = tmp_path / "P8.txt"
    path.write_text("P8: Åsmund kom tilbake. Det var fint! Vi var glade.\n", encoding="utf-8")
    raw = read(path)
    sentences = segment_many([raw], "sentence", lang="nb")[0]
    assert [raw.text[s:e] for s, e, *_ in sentences] == ["Åsmund kom tilbake.", "Det var fint!", "Vi var glade."]


def test_unknown_unit_is_refused(transcript_file: Path) -> None:
    with pytest.raises(BadInput, match="unknown unit 'word'"):
        segment_many([read(transcript_file)], "word")
