"""The one display model: a table built once reads the same as text, CSV, XLSX and Word."""

from __future__ import annotations

import dataclasses
import io
import math

import docx
import numpy as np
import openpyxl
import pandas as pd
import pytest

from qualcode.core import agreement
from qualcode.core.agreement_report import report
from qualcode.core.export.display import Column, DisplayTable, Note, to_csv, to_text
from qualcode.core.export.table_views import codebook_table, frequency_table, quote_table, theme_table
from qualcode.core.export.tables import Exporter, ExportOptions

PICKS = {
    "alice": [(0, "Workload"), (1, "Workload"), (3, "Time pressure"), (4, "Barriers")],
    "bob": [(1, "Workload"), (3, "Time pressure"), (4, "Lack of resources"), (2, "Workload")],
}


@pytest.fixture
def coded(project):
    store = project.store
    ids = store.transcripts.segment_ids()
    codes = {c.name: c.id for c in store.codebook.codes()}
    for coder, picks in (*PICKS.items(), ("consensus", PICKS["alice"])):
        store.codings.add_many([(ids[i], codes[name]) for i, name in picks], coder)
    return project


def test_a_cell_shows_its_digits_scale_interval_and_mark():
    frame = pd.DataFrame({"name": ["x", "y"], "share": [0.6667, math.nan], "lo": [-0.25, math.nan], "hi": [1.0, 0.5]})
    table = DisplayTable(
        frame,
        (Column("name", "Item"), Column("share", "%", 1, 100), Column("lo", "CI", 2, upper="hi")),
        caption="A table",
        notes=(Note("general."), Note("undefined.", "a")),
        levels=(0, 2),
        headings=((1, "Second part"),),
        marks={(1, "share"): "a", (0, "name"): "*"},
    )
    lines = list(table.lines())
    assert [line.cells for line in lines] == [
        ("x", "66.7", "[-0.25, 1.00]"),
        ("Second part", "", ""),
        ("y", "—a", "—"),
    ]
    assert lines[0].flag == "*" and lines[1].heading and lines[1].bold and lines[2].level == 2
    text = to_text(table).splitlines()
    assert text[0] == "A table"
    assert text[2].split() == ["Item", "%", "CI"]
    assert text[3].startswith("* x") and text[6].startswith("      y"), "the flag in the margin, the indent after it"
    assert text[-2:] == ["general.", "a undefined."]


def test_text_is_stripped_of_control_characters_when_the_table_is_made():
    frame = pd.DataFrame({"Na\x07me": ["a\x01b\x1b[31m", "ok\ttab\nline"], "n": [1, -2]})
    table = DisplayTable.plain(frame, caption="cap\x9btion", notes=(Note("no\x00te"),))
    assert list(table.frame.columns) == ["Name", "n"]
    assert list(table.frame["Name"]) == ["ab[31m", "ok\ttab\nline"]
    assert table.caption == "caption" and table.notes[0].text == "note"
    assert [c.digits for c in table.columns] == [None, 0], "integers are numbers for a reader too"


def test_csv_neutralises_formulas_in_text_but_not_numbers():
    frame = pd.DataFrame({"text": ["=1+1", "+1", "-x", "@A1", "\t=1", "plain"], "n": [-1, 2, 3, 4, 5, 6]})
    table = DisplayTable.plain(frame)
    safe, raw = io.StringIO(), io.StringIO()
    to_csv(table, safe)
    to_csv(table, raw, formulas_as_text=False)
    assert pd.read_csv(io.StringIO(safe.getvalue()))["text"].tolist() == [
        "'=1+1",
        "'+1",
        "'-x",
        "'@A1",
        "'\t=1",
        "plain",
    ]
    assert pd.read_csv(io.StringIO(raw.getvalue()))["text"].tolist() == frame["text"].tolist()
    assert pd.read_csv(io.StringIO(safe.getvalue()))["n"].tolist() == [-1, 2, 3, 4, 5, 6]


def test_the_agreement_labels_come_from_where_the_statistics_are_defined(coded):
    table = report(coded.store, "alice", "bob", bootstrap=20).display_table()
    labels = [c.label for c in table.columns]
    expected = ["Code", *(c.label for c in agreement.COUNT_LABELS)]
    for s in agreement.STATISTIC_LABELS:
        expected.append(s.label)
        if s.key == "cohen_kappa":
            expected.append("κ 95% CI")
    assert labels == expected
    assert list(table.data().columns[:11]) == ["level", "item", *agreement.COUNTS, *agreement.STATISTICS]
    legend = table.notes[0].text
    assert all(f"{s.label} {s.meaning}" in legend for s in agreement.STATISTIC_LABELS if s.meaning)


def test_text_csv_xlsx_and_word_render_the_same_agreement_table(coded, tmp_path):
    # the picks code interviewer turns too: they are units here
    options = ExportOptions(
        tables=("agreement",), agreement_coders=("alice", "bob"), bootstrap=30, include_interviewer=True
    )
    exporter = Exporter(coded.store, options)
    table = exporter.tables()["agreement"]
    lines = [line for line in table.lines() if not line.heading and any(line.cells[1:])]
    groups = [line.cells[0] for line in table.lines() if not line.heading and not any(line.cells[1:])]
    assert groups == ["School role and involvement", "Feedback"], "themes nobody applied head their codes"

    exporter.write_docx(tmp_path / "r.docx")
    word = docx.Document(str(tmp_path / "r.docx")).tables[0]
    assert [c.text for c in word.rows[0].cells] == [c.label for c in table.columns]
    body = [[c.text for c in row.cells] for row in word.rows[1:]]
    data_rows = [row for row in body if any(row[1:])]
    assert [row[1:] for row in data_rows] == [list(line.cells[1:]) for line in lines]
    assert [row[0] for row in data_rows] == [line.cells[0] + line.flag for line in lines]
    assert [row[0] for row in body if not any(row[1:])] == [*groups, "Themes", "Transcripts", "Pooled"]

    text = coded.agreement(
        "alice", "bob", by=("code", "theme", "transcript"), bootstrap=30, include_interviewer=True
    ).to_table()
    every = list(table.lines())
    shown = text.splitlines()[3 : 3 + len(every) + len(table.headings)]
    rows = [t for t in shown if t and t not in ("Themes", "Transcripts", "Pooled") and t.strip() not in groups]
    assert len(rows) == len(lines)
    for line, row in zip(lines, rows, strict=True):
        numbers = " ".join(line.cells[1:]).split()
        assert row.split()[-len(numbers) :] == numbers and line.cells[0] in row
        assert row.startswith("* ") == (line.flag == "*")

    exporter.write_csv(tmp_path / "agreement.csv")
    csv_frame = pd.read_csv(tmp_path / "agreement.csv", keep_default_na=False)
    exporter.write_xlsx(tmp_path / "t.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["agreement"]
    header = [c.value for c in sheet[1]]
    assert header == list(csv_frame.columns) == list(table.data().columns)
    kappa = header.index("cohen_kappa")
    xlsx_kappa = [row[kappa].value for row in sheet.iter_rows(min_row=2)]
    data = table.data()["cohen_kappa"].tolist()
    assert [None if math.isnan(v) else pytest.approx(v) for v in data] == xlsx_kappa
    csv_kappa = [float(v) if v != "" else None for v in csv_frame["cohen_kappa"]]
    assert csv_kappa == [None if math.isnan(v) else pytest.approx(v, abs=1e-6) for v in data]
    low = header.index("cohen_kappa_ci_low")
    negatives = [
        row[low] for row in sheet.iter_rows(min_row=2) if isinstance(row[low].value, float) and row[low].value < 0
    ]
    assert negatives and all(c.data_type == "n" for c in negatives), "a negative interval end stays a number"


def test_project_tables_are_the_data_of_the_display_tables(coded):
    frames = coded.tables(ExportOptions(tables=("theme", "agreement"), agreement_coders=("alice", "bob"), bootstrap=0))
    assert frames["agreement"]["cohen_kappa"].dtype == np.float64, "numbers as numbers, NaN for undefined"
    assert frames["agreement"]["cohen_kappa"].isna().any()
    assert "name" not in frames["agreement"].columns
    assert list(frames["theme"].columns) == ["Theme", "Subtheme", "Segments", "Participants"]


def test_the_matrix_is_one_table_for_data_files_and_readers(coded):
    from qualcode.core.analysis import Analysis

    table = Exporter(coded.store, ExportOptions(tables=("matrix",))).tables()["matrix"]
    pd.testing.assert_frame_equal(table.data(), Analysis(coded.store).matrix())
    lines = list(table.lines())
    assert [line.bold for line in lines] == [level == 0 for level in table.frame["Level"]]
    workload = next(line for line in lines if line.cells[0] == "Workload")
    assert workload.level == 1 and workload.cells[1:] == ("3",), "the indent is the level, not spaces in the label"
    assert to_text(table).splitlines()[0] == "Themes, subthemes and codes by participant (number of coded segments)"


# -- the analysis tables: one builder each, every format renders it --------------------------------

THEMES = pd.DataFrame(
    {
        "Theme": ["Role", "Role", "Impact"],
        "Subtheme": ["Entry", "Workload", ""],
        "Segments": [28, 75, 4],
        "Participants": [7, 8, 2],
    }
)
QUOTES = pd.DataFrame(
    {
        "Theme": ["Role", "Role", "Role", "Impact"],
        "Subtheme": ["Entry", "Entry", "Workload", ""],
        "Participant": ["P1", "P2", "P1", "P5"],
        "Quote": ["It was autumn.", "A leaflet.", "One more meeting.", "=SUM(A1)"],
        "Attribution": ["(P1)", "(P2)", "(P1)", "(P5)"],
        "Transcript": ["P1_interview", "P2_interview", "P1_interview", "P5_interview"],
        "Segment": [3, 8, 11, 2],
        "Starred": [False, True, False, False],
    }
)
CODEBOOK = pd.DataFrame(
    {
        "Code": ["Role", "Role/Entry"],
        "Name": ["Role", "Entry"],
        "Level": [0, 1],
        "Key": ["r", "r.e"],
        "Definition": ["The school's part.", ""],
        "Include": ["Tasks.", ""],
        "Exclude": ["Effects.", "Waiting."],
        "Example": ["", "The nurse had heard."],
        "Segments": [0, 18],
        "Participants": [0, 7],
    }
)
WORDS = pd.DataFrame(
    {
        "group": ["P1_interview", "P1_interview", "P2_interview"],
        "rank": [1, 2, 1],
        "lemma": ["school", "week", "plan"],
        "count": [5, 3, 2],
        "share": [0.1, 0.06, 0.2],
    }
)


def test_the_theme_table_names_each_theme_once_and_explains_its_counts():
    table = theme_table(THEMES)
    assert table.caption == "Main themes and subthemes"
    assert [c.label for c in table.columns] == ["Main theme", "Subtheme", "Segments", "Participants"]
    assert table.note_lines() == [
        "Segments: coded segments under the subtheme; participants: informants with any of them."
    ]
    assert to_text(table).splitlines() == [
        "Main themes and subthemes",
        "",
        "Main theme  Subtheme  Segments  Participants",
        "  Role      Entry           28             7",
        "            Workload        75             8",
        "  Impact    —                4             2",
        "",
        "Segments: coded segments under the subtheme; participants: informants with any of them.",
    ]
    bare = theme_table(THEMES[["Theme", "Subtheme"]])
    assert [c.label for c in bare.columns] == ["Main theme", "Subtheme"] and not bare.notes, "no counts, no note"


def test_the_quote_table_quotes_attributes_and_groups_by_theme_and_subtheme():
    table = quote_table(QUOTES)
    assert table.caption == "Illustrative quotes by theme and subtheme"
    assert table.note_lines()[0].startswith("A quote is a run of consecutive segments of one speaker")
    assert [c.label for c in table.columns] == ["Theme ▸ subtheme", "Quote"]
    assert [c.quote for c in table.columns] == [False, True], "the quotes are set as quotations"
    assert to_text(table).splitlines()[2:-2] == [
        "Theme ▸ subtheme   Quote",
        "  Role ▸ Entry     “It was autumn.” (P1)",
        "                   “A leaflet.” (P2)",
        "  Role ▸ Workload  “One more meeting.” (P1)",
        "  Impact           “=SUM(A1)” (P5)",
    ]
    empty = list(quote_table(QUOTES.iloc[:0]).lines())
    assert [line.cells for line in empty] == [("—", "No quotes: every coded segment is an interviewer's turn.")]


NOTE = (
    "Used: coded segments / participants; a theme's or subtheme's count is of distinct segments coded with it or "
    "any code under it."
)


def test_the_codebook_indents_codes_joins_criteria_and_use_and_goes_landscape():
    table = codebook_table(CODEBOOK)
    assert table.caption == "Codebook: definitions, criteria, examples and use"
    assert [c.label for c in table.columns] == ["Code", "Definition", "Criteria", "Example", "Used"]
    assert table.note_lines() == [NOTE] and table.landscape
    role, entry = table.lines()
    assert role.bold and not entry.bold, "theme rows are bold"
    assert role.cells == ("Role", "The school's part.", "Include: Tasks.\nExclude: Effects.", "—", "0 / 0")
    assert entry.level == 1 and entry.cells == ("Entry", "—", "Exclude: Waiting.", "The nurse had heard.", "18 / 7")
    # A terminal row is one line: the criteria's line break becomes a space.
    assert to_text(table).splitlines()[2:] == [
        "Code       Definition          Criteria                           Example                 Used",
        "  Role     The school's part.  Include: Tasks. Exclude: Effects.  —                      0 / 0",
        "    Entry  —                   Exclude: Waiting.                  The nurse had heard.  18 / 7",
        "",
        NOTE,
    ]
    assert list(codebook_table(pd.DataFrame()).lines()) == [], "a codebook without codes is a header alone"


def test_the_frequency_table_puts_a_transcripts_words_on_one_line():
    table = frequency_table(WORDS)
    assert table.caption.startswith("Most frequent words per transcript")
    assert "names confirmed as pseudonyms are not counted" in table.note_lines()[0]
    assert [c.label for c in table.columns] == ["Transcript", "Words (count)"]
    assert to_text(table).splitlines()[2:-2] == [
        "Transcript      Words (count)",
        "  P1_interview  school (5), week (3)",
        "  P2_interview  plan (2)",
    ]
    assert [line.cells for line in frequency_table(WORDS.iloc[:0]).lines()] == [("—", "—")]


def test_joined_cells_leave_the_data_files_their_separate_columns():
    for table, frame in ((quote_table(QUOTES), QUOTES), (codebook_table(CODEBOOK), CODEBOOK)):
        pd.testing.assert_frame_equal(table.data(), frame)
        out = io.StringIO()
        to_csv(table, out)
        assert list(pd.read_csv(io.StringIO(out.getvalue())).columns) == list(frame.columns)


def test_publication_reaches_the_joined_columns_and_their_forms():
    table = quote_table(QUOTES).published(lambda text: text.replace("P1", "Px"))
    assert [line.cells[1] for line in table.lines()][0] == "“It was autumn.” (Px)"
    assert table.columns[1].parts[0].key == "Attribution"


def test_a_column_added_to_a_builder_shows_in_word_xlsx_and_csv_alike(coded, tmp_path, monkeypatch):
    from qualcode.core.export import tables

    def with_share(frame: pd.DataFrame) -> DisplayTable:
        table = theme_table(frame.assign(Share=frame["Segments"] / frame["Segments"].sum()))
        return dataclasses.replace(table, columns=(*table.columns, Column("Share", "% of segments", 1, 100)))

    monkeypatch.setattr(tables, "theme_table", with_share)
    exporter = Exporter(coded.store, ExportOptions(tables=("theme",)))
    shown = [line.cells[-1] for line in exporter.tables()["theme"].lines()]
    exporter.write_docx(tmp_path / "r.docx")
    exporter.write_xlsx(tmp_path / "t.xlsx")
    exporter.write_csv(tmp_path / "theme.csv")

    word = docx.Document(str(tmp_path / "r.docx")).tables[0]
    assert word.rows[0].cells[-1].text == "% of segments"
    assert [row.cells[-1].text for row in word.rows[1:]] == shown and any(s != "0.0" for s in shown)
    sheet = openpyxl.load_workbook(tmp_path / "t.xlsx")["theme"]
    csv_frame = pd.read_csv(tmp_path / "theme.csv")
    assert [c.value for c in sheet[1]][-1] == csv_frame.columns[-1] == "Share"
    xlsx_share = [row[-1].value for row in sheet.iter_rows(min_row=2)]
    assert [f"{v * 100:.1f}" for v in xlsx_share] == [f"{v * 100:.1f}" for v in csv_frame["Share"]] == shown


def test_no_negative_zero_in_any_cell_or_interval():
    frame = pd.DataFrame({"name": ["x"], "kappa": [-0.0004], "lo": [-0.0], "hi": [-0.003]})
    table = DisplayTable(frame, (Column("name", "Item"), Column("kappa", "κ", 2), Column("lo", "CI", 2, upper="hi")))
    [line] = table.lines()
    assert line.cells == ("x", "0.00", "[0.00, 0.00]")
    assert "-0" not in to_text(table)


def test_a_group_row_names_its_codes_and_holds_no_numbers(tmp_path):
    frame = pd.DataFrame({"name": ["Theme", "  Code"], "n": pd.array([None, 3], dtype="Int64")})
    table = DisplayTable(frame, (Column("name", "Item"), Column("n", "N", 0)), levels=(0, 1), groups=(True, False))
    lines = list(table.lines())
    assert [(line.cells, line.bold, line.level) for line in lines] == [
        (("Theme", ""), True, 0),
        (("Code", "3"), False, 1),
    ]
    buffer = io.StringIO()
    to_csv(table, buffer)
    assert buffer.getvalue().splitlines() == ["name,n", "Theme,", "  Code,3"]
