"""Exports of hostile text: nothing a spreadsheet would run, no control character, no crash.

The project holds formula-like text and terminal escapes in a transcript, a
memo, code names and every codebook field; each file written from it is read
back the way a reader's tool would read it.
"""

from __future__ import annotations

import csv
import re
import sqlite3
import zipfile
from dataclasses import replace

import docx
import openpyxl
import pandas as pd
import pytest

from qualcode.core.export.display import FORMULA_STARTS, DisplayTable, add_sheet
from qualcode.core.project import Project
from tests.core.test_cli import run

LINK = '=HYPERLINK("http://x","y")'
ESCAPE = "\x01\x1b[31m"
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
TRANSCRIPT = f"""\
Interviewer: Tell me about the programme.
P1: {LINK}
Interviewer: And the meetings?
P1: +1+1 and XXXXXX were said
Interviewer: What else?
P1: -2+3
"""
WRITTEN = (LINK, "+1+1", "-2+3", "@SUM(A1)", "\t=1", "=SUM(1)")
"""Text of the project that starts as a formula would, as it must come back."""


@pytest.fixture
def hostile(tmp_path, codebook_file):
    source = tmp_path / "P1_interview.txt"
    source.write_text(TRANSCRIPT, encoding="utf-8")
    project = Project.create(tmp_path / "hostile.qc", lang="en", codebook=codebook_file)
    project.import_files([source], unit="turn")
    store = project.store
    codes = {c.name: c for c in store.codebook.codes()}
    store.codebook.update(replace(codes["Feedback"], name="@SUM(A1)", description=f"Theme {ESCAPE}"))
    store.codebook.update(replace(codes["Success factors"], name=LINK))
    store.codebook.update(
        replace(
            codes["Workload"],
            description=f"+1+1{ESCAPE}",
            inclusion="-2+3",
            example="\t=1",
            exclusion=f"{ESCAPE[0]}=SUM(1)",
        )
    )
    ids = store.transcripts.segment_ids()  # I, P1, I, P1, I, P1
    picks = [(ids[1], codes["Workload"].id), (ids[3], codes["Success factors"].id), (ids[5], codes["Barriers"].id)]
    store.codings.add_many(picks, "consensus")
    store.codings.add_many(picks[:2], "alice")
    store.codings.add_many(picks[1:], "bob")
    store.memos.set_on_segment(ids[1], "consensus", f"=1+1 {ESCAPE} memo")
    project.close()
    # Import removes control characters, but a project written by an older qualcode may hold them.
    db = sqlite3.connect(tmp_path / "hostile.qc")
    with db:
        db.execute("UPDATE transcripts SET text = replace(text, 'XXXXXX', ?)", (ESCAPE,))
    db.close()
    return tmp_path / "hostile.qc"


def _export(project, fmt, out, *extra):
    result = run(
        "export",
        fmt,
        str(project),
        "-o",
        str(out),
        "--tables",
        "theme,matrix,quotes,codebook,agreement,frequencies",
        "--agreement",
        "alice",
        "bob",
        "--bootstrap",
        "20",
        *extra,
    )
    assert result.returncode == 0, result.stderr
    return out


def test_word_report_holds_the_text_without_control_characters(hostile, tmp_path):
    path = _export(hostile, "docx", tmp_path / "report.docx")
    document = docx.Document(str(path))
    texts = [p.text for p in document.paragraphs]
    texts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    joined = "\n".join(texts)
    assert not CONTROL.search(joined)
    for text in (LINK, "+1+1", "-2+3", "@SUM(A1)", "=SUM(1)", "[31m were said"):
        assert text in joined, text


def test_xlsx_cells_are_strings_never_formulas(hostile, tmp_path):
    path = _export(hostile, "xlsx", tmp_path / "tables.xlsx")
    book = openpyxl.load_workbook(path, data_only=False)
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
    values = [c.value for c in cells if isinstance(c.value, str)]
    assert not [v for v in values if CONTROL.search(v)]
    risky = [c for c in cells if isinstance(c.value, str) and c.value.startswith(FORMULA_STARTS)]
    assert risky and all(c.data_type == "s" for c in risky)
    for text in WRITTEN:
        assert any(v.startswith(text) for v in values), text
    with zipfile.ZipFile(path) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in archive.read(n) or b"<f " in archive.read(n) for n in sheets)


def _cells(folder):
    out = []
    for path in sorted(folder.glob("*.csv")):
        raw = path.read_text(encoding="utf-8")
        assert not CONTROL.search(raw.replace("\r\n", "\n")), path.name
        with path.open(encoding="utf-8", newline="") as handle:
            out += [cell for row in csv.reader(handle) for cell in row]
    return out


def _number(cell):
    try:
        float(cell)
    except ValueError:
        return False
    return True


def test_csv_text_is_neutralised_and_numbers_stay_numbers(hostile, tmp_path):
    cells = _cells(_export(hostile, "csv", tmp_path / "out"))
    risky = [c for c in cells if c.startswith(FORMULA_STARTS)]
    assert risky and all(_number(c) for c in risky), [c for c in risky if not _number(c)]
    assert any(c.startswith("-") for c in risky), "a negative number is written as it is"
    for text in WRITTEN:
        assert any(c.startswith("'" + text) for c in cells), text


def test_raw_csv_writes_text_as_it_is(hostile, tmp_path):
    cells = _cells(_export(hostile, "csv", tmp_path / "raw", "--raw-csv"))
    assert not [c for c in cells if c.startswith("'")]
    for text in WRITTEN:
        assert any(c.startswith(text) for c in cells), text


def test_agree_csv_neutralises_code_names(hostile):
    result = run("agree", str(hostile), "--coders", "alice", "bob", "--by", "code,theme", "--format", "csv")
    assert result.returncode == 0, result.stderr
    items = [row["item"] for row in csv.DictReader(result.stdout.splitlines())]
    assert "'@SUM(A1)" in items and not [i for i in items if i.startswith(FORMULA_STARTS)]


def test_a_negative_number_in_xlsx_is_a_number(tmp_path):
    frame = pd.DataFrame({"count": [-2, 3], "kappa": [-0.25, float("nan")], "text": ["-2+3", "x"]})
    book = openpyxl.Workbook()
    book.remove(book.active)
    add_sheet(book, "numbers", DisplayTable.plain(frame))
    book.save(tmp_path / "n.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "n.xlsx", data_only=False)["numbers"]
    count, kappa, text = sheet[2]
    assert (count.value, count.data_type) == (-2, "n")
    assert (kappa.value, kappa.data_type) == (-0.25, "n")
    assert (text.value, text.data_type) == ("-2+3", "s")
    assert sheet["B3"].value is None, "an undefined value is an empty cell"
