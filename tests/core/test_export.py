"""Analysis tables and their exports, read back from the written files and checked against the codings."""

from __future__ import annotations

import re
import zipfile

import docx
import pandas as pd
import pytest

from qualcode.core.analysis import Analysis
from qualcode.core.errors import BadInput
from qualcode.core.export.tables import Exporter, ExportOptions
from qualcode.core.project import Project
from tests.conftest import REPO
from tests.core.test_cli import content, run

BOTH_ENGINES = True
"""The tests that take ``project`` run on a project file and on a study on the test PostgreSQL server."""

SAMPLES = REPO / "transcripts_sample"


def _expected_counts(store, coder="consensus"):
    """(participant, code id) → segments, straight from the store."""
    participant = {t.id: t.participant or t.name for t in store.transcripts.all()}
    seg_transcript = {s.id: s.transcript_id for s in store.transcripts.all_segments()}
    out: dict[tuple[str, str], int] = {}
    for sid, code_id in store.codings.pairs(coder):
        key = (participant[seg_transcript[sid]], code_id)
        out[key] = out.get(key, 0) + 1
    return out


# -- the tables ------------------------------------------------------------------


def test_matrix_counts_match_the_codings(study):
    store = study.store
    analysis = Analysis(store)
    frame = analysis.matrix(level="code", cells="count")
    expected = _expected_counts(store)
    book = analysis.book
    for record in frame.to_dict("records"):
        name = record["Code"].strip()
        code = next(c for c in book.codes if c.name == name)
        if book.children(code.id):
            continue  # leaves only: a theme row counts segments with any code under it
        for pid in [c for c in frame.columns if c.startswith("P")]:
            assert record[pid] == expected.get((pid, code.id), 0), (name, pid)
    assert list(frame.columns[2:]) == ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"]


def test_theme_rows_count_segments_with_any_code_under_them(study):
    analysis = Analysis(study.store)
    themes = analysis.matrix(level="theme")
    feedback = themes[themes["Code"] == "Feedback"].iloc[0]
    book = analysis.book
    under = analysis.members(book.find("Feedback").id)
    participant = {t.id: t.participant for t in study.store.transcripts.all()}
    segs = {s.id: s.transcript_id for s in study.store.transcripts.all_segments()}
    p2 = {sid for sid, c in study.store.codings.pairs("consensus") if c in under and participant[segs[sid]] == "P2"}
    assert feedback["P2"] == len(p2) > 0
    assert len(themes) == 3


def test_matrix_presence_grouped_and_filtered(study):
    analysis = Analysis(study.store)
    roles = analysis.matrix(level="subtheme", cells="presence", group_by="role")
    attributes = {p.id: p.attributes for p in study.store.participants.all()}
    groups = {str(a.get("role", "—")) for a in attributes.values()}
    assert set(roles.columns[2:]) == groups and "—" in groups, "P8 has no attributes"
    groups = list(roles.columns[2:])
    cell = roles.iloc[0][groups[0]]
    assert re.fullmatch(r"\d+/\d+|", cell)
    only = analysis.matrix(cells="presence", where={"role": attributes["P1"]["role"]})
    assert "P1" in only.columns and set(only.iloc[0].values) <= {"✓", "", only.iloc[0]["Code"], 0}
    with pytest.raises(BadInput, match="no participant attribute 'shoe_size'"):
        analysis.matrix(group_by="shoe_size")
    with pytest.raises(BadInput, match="no participant has role=astronaut"):
        analysis.matrix(where={"role": "astronaut"})


def test_quotes_join_runs_leave_out_the_interviewer_and_are_attributed(project):
    store = project.store
    ids = store.transcripts.segment_ids()  # turns: I, P1, I, P1, I, P1
    code = {c.name: c.id for c in store.codebook.codes()}
    store.codings.add_many(
        [
            (ids[0], code["Workload"]),
            (ids[1], code["Workload"]),
            (ids[3], code["Time pressure"]),
            (ids[5], code["Barriers"]),
        ],
        "consensus",
    )
    quotes = Analysis(store).quotes()
    workload = quotes[quotes["Subtheme"] == "Workload"]
    assert list(workload["Participant"]) == ["P1", "P1"]
    assert workload.iloc[0]["Quote"].startswith("The psychologist came to a staff meeting.")
    assert workload.iloc[1]["Quote"].startswith("It was one more meeting every week.")
    assert "Interviewer" not in " ".join(quotes["Quote"])
    assert set(quotes["Attribution"]) == {"(P1)"}
    with_interviewer = Analysis(store).quotes(include_interviewer=True)
    assert len(with_interviewer) == len(quotes) + 1
    cut = Analysis(store).quotes(max_words=5)
    assert cut.iloc[0]["Quote"] == "The psychologist came to a …"


def test_consecutive_segments_of_one_speaker_make_one_quote(project, tmp_path, codebook_file):
    path = tmp_path / "P4_talk.txt"
    path.write_text("P4: First sentence here. Second one follows.\nP4: A new turn.\n", encoding="utf-8")
    p = Project.create(tmp_path / "s.qc", codebook=codebook_file)
    p.import_files([path], unit="sentence")
    ids = p.store.transcripts.segment_ids()
    workload = next(c.id for c in p.store.codebook.codes() if c.name == "Workload")
    p.store.codings.add_many([(i, workload) for i in ids], "consensus")
    quotes = Analysis(p.store).quotes()
    assert list(quotes["Quote"]) == ["First sentence here. Second one follows. A new turn."]
    p.close()


def test_one_quote_per_participant(study):
    analysis = Analysis(study.store)
    every = analysis.quotes()
    longest = analysis.quotes(per_participant="longest")
    first = analysis.quotes(per_participant="first")
    for frame in (longest, first):
        assert not frame.duplicated(["Theme", "Subtheme", "Participant"]).any()
    key = ["Theme", "Subtheme", "Participant"]
    for _k, group in every.groupby(key):
        top = group["Quote"].map(lambda q: len(q.split())).max()
        row = longest.set_index(key).loc[_k]
        assert len(row["Quote"].split()) == top
    assert len(analysis.quotes(per_participant="starred")) == 0
    sid = study.store.codings.located("consensus")[0]
    study.store.codings.set_starred(sid[0], sid[6], "consensus", True)
    starred = Analysis(study.store).quotes(per_participant="starred")
    assert len(starred) >= 1 and starred["Starred"].all()


def test_pseudonyms_are_applied_to_quotes(study):
    study.store.pseudonyms.set("Emil", "[student]", confirmed=True)
    study.store.pseudonyms.set("Nordby", "[school]", confirmed=False)
    quotes = " ".join(Analysis(study.store).quotes()["Quote"])
    assert "[student]" in quotes and not re.search(r"\bEmil\b", quotes)
    assert "Nordby" in quotes, "unconfirmed suggestions are not applied"


# -- Word ------------------------------------------------------------------------


def _export(study, tmp_path, **options):
    out = tmp_path / "report.docx"
    Exporter(study.store, ExportOptions(**options)).write_docx(out)
    return docx.Document(str(out)), out


def test_word_report_structure(study, tmp_path):
    document, path = _export(
        study,
        tmp_path,
        tables=("theme", "matrix", "quotes", "codebook", "agreement", "network"),
        agreement_coders=("alice", "bob"),
        bootstrap=50,
        max_words=40,
    )
    # The number sits in a SEQ field, which python-docx's paragraph.text does not read.
    w_t = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"
    captions = ["".join(t.text or "" for t in p._p.iter(w_t)) for p in document.paragraphs if p.style.name == "Caption"]
    assert [c.split(".")[0] for c in captions] == ["Table 1", "Table 2", "Table 3", "Table 4", "Table 5", "Figure 1"]
    assert captions[0] == "Table 1. Main themes and subthemes"
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings == [
        "Themes and subthemes",
        "Themes by participant",
        "Quotes",
        "Codebook",
        "Agreement between coders",
        "Co-occurrence of codes",
    ]
    xml = zipfile.ZipFile(path).read("word/document.xml").decode()
    assert xml.count("SEQ Table") == 5 and xml.count("SEQ Figure") == 1
    assert xml.count("<w:tblHeader") == len(document.tables), "every table repeats its header row"
    assert any(s.orientation == 1 for s in document.sections), "the codebook and agreement tables are landscape"
    assert len(zipfile.ZipFile(path).namelist()) > 0 and any(
        n.startswith("word/media/") for n in zipfile.ZipFile(path).namelist()
    )
    # the quotes run over pages, each page a table of its own (see test_report)
    theme, matrix, *quote_pages, codebook, agreement = document.tables
    assert len(quote_pages) > 1
    assert [c.text for c in theme.rows[0].cells] == ["Main theme", "Subtheme", "Segments", "Participants"]
    assert theme.rows[1].cells[0].text == "School role and involvement"
    assert theme.rows[2].cells[0].text == "", "the theme is named once, on its first subtheme"
    expected = Analysis(study.store).theme_table()
    assert [int(r.cells[2].text) for r in theme.rows[1:]] == list(expected["Segments"])
    header = [c.text for c in matrix.rows[0].cells]
    assert header == ["Theme / subtheme / code", "P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"]
    counts = _expected_counts(study.store)
    step = next(c.id for c in study.store.codebook.codes() if c.name == "Step-ladder")
    row = next(r for r in matrix.rows if r.cells[0].text == "Step-ladder")
    assert [int(c.text) for c in row.cells[1:]] == [counts.get((f"P{i}", step), 0) for i in range(1, 9)]
    quote_texts = [r.cells[1].text for page in quote_pages for r in page.rows[1:]]
    assert all(re.search(r"” \(P\d\)$", q) for q in quote_texts)
    assert quote_pages[0].rows[1].cells[1].paragraphs[0].style.name == "Table Quote"
    assert codebook.rows[1].cells[0].text == "School role and involvement"
    assert agreement.rows[0].cells[6].text == "κ"


def test_word_keeps_norwegian_letters_and_curly_quotes(study, tmp_path):
    document, _ = _export(study, tmp_path, tables=("quotes",))
    text = " ".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert re.search(r"[æøå]", text), "the Bokmål interview's quotes keep æ ø å"
    assert "(P8)" in text and "“" in text


def test_wide_matrix_goes_landscape(study, tmp_path):
    document, _ = _export(study, tmp_path, tables=("theme", "matrix"))
    assert [s.orientation for s in document.sections] == [0, 1], "8 participants + the code column is wide"
    document, _ = _export(study, tmp_path, tables=("matrix",), group_by="role")
    assert all(s.orientation == 0 for s in document.sections)


# -- CSV and XLSX -------------------------------------------------------------------------


def test_xlsx_sheets_hold_the_same_tables(study, tmp_path):
    out = tmp_path / "tables.xlsx"
    Exporter(study.store, ExportOptions(tables=("theme", "matrix", "quotes"))).write_xlsx(out)
    sheets = pd.read_excel(out, sheet_name=None)
    assert list(sheets) == ["theme", "matrix", "quotes"]
    analysis = Analysis(study.store)
    pd.testing.assert_frame_equal(sheets["theme"], analysis.theme_table(), check_dtype=False)
    assert list(sheets["quotes"]["Attribution"]) == list(analysis.quotes()["Attribution"])


def test_csv_folder_and_single_file(study, tmp_path):
    result = run("export", "csv", str(study.path), "--tables", "theme,codebook", "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["codebook.csv", "theme.csv"]
    single = run("export", "csv", str(study.path), "--tables", "quotes", "-o", str(tmp_path / "q.csv"))
    assert single.returncode == 0
    frame = pd.read_csv(tmp_path / "q.csv")
    assert frame["Attribution"].str.fullmatch(r"\(P\d\)").all()


def test_graphml_of_cooccurrence(study, tmp_path):
    import networkx as nx

    result = run("export", "graphml", str(study.path), "-o", str(tmp_path / "codes.graphml"))
    assert result.returncode == 0, result.stderr
    graph = nx.read_graphml(tmp_path / "codes.graphml")
    expected = Analysis(study.store).cooccurrence()
    assert graph.number_of_edges() == expected.number_of_edges() > 0
    a, b, data = next(iter(expected.edges(data=True)))
    assert graph.edges[a, b]["weight"] == data["weight"]


# -- bad input -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--coder", "zoe"], "qualcode: zoe: no such coder in this project"),
        (["--tables", "theme,pie"], "qualcode: --tables: unknown table 'pie'"),
        (["--tables", "agreement"], "qualcode: --agreement: name the two coders"),
        (["--where", "role"], "qualcode: --where: 'role' is not ATTRIBUTE=VALUE"),
    ],
)
def test_export_refusals_leave_nothing(study, tmp_path, args, message):
    study.store.codings.add(study.store.transcripts.segment_ids()[0], study.store.codebook.codes()[0].id, "dora")
    out = tmp_path / "report.docx"
    before = content(study.path)
    result = run("export", "docx", str(study.path), "-o", str(out), *args)
    assert result.returncode == 2
    assert result.stderr.startswith(message) and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists() and list(tmp_path.glob(".report.docx*")) == []
    assert content(study.path) == before


def test_export_without_consensus_codings(project, tmp_path):
    project.store.codings.coder_id("consensus", create=True)
    result = run("export", "docx", str(project.path), "-o", str(tmp_path / "r.docx"))
    assert result.returncode == 2
    assert "consensus: has no codings in this project; resolve the coders' disagreements first" in result.stderr


def test_export_to_a_folder_that_does_not_exist(study, tmp_path):
    target = tmp_path / "missing" / "report.docx"
    result = run("export", "docx", str(study.path), "-o", str(target))
    assert result.returncode == 2
    assert result.stderr.strip() == f"qualcode: {target}: the folder does not exist; create it or write elsewhere"


def test_exports_get_the_usual_file_permissions(study, tmp_path):
    import os
    import stat

    out = tmp_path / "report.docx"
    Exporter(study.store, ExportOptions(tables=("theme",))).write_docx(out)
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~mask


def test_word_frequencies_table_in_word_and_xlsx(study, tmp_path):
    document, _ = _export(study, tmp_path, tables=("frequencies",))
    [table] = document.tables
    assert [c.text for c in table.rows[0].cells] == ["Participant", "Words (count)"]
    rows = [r.cells[0].text for r in table.rows[1:]]
    assert rows == ["P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8"], "rows by informant, in natural order"
    assert re.match(r"\w+ \(\d+\)", table.rows[1].cells[1].text)
    out = tmp_path / "f.xlsx"
    Exporter(study.store, ExportOptions(tables=("frequencies",))).write_xlsx(out)
    sheet = pd.read_excel(out, sheet_name="frequencies")
    assert list(sheet.columns) == ["group", "rank", "lemma", "count", "share"]
