"""The Word report as an author sends it: paper and template, tables that hold together, the full report."""

from __future__ import annotations

import shutil
import subprocess
import textwrap
import zipfile

import docx
import pandas as pd
import pytest
from docx.shared import Inches, Pt, RGBColor

from qualcode.core.export.docx_pages import page_starts, wrapped_lines
from qualcode.core.export.table_views import quote_table
from tests.core.test_cli import run
from tests.core.test_export import _export


def _template(path):
    """A department's template: Letter, wide left margin, a running header, its own Heading 1, body text."""
    d = docx.Document()
    s = d.sections[0]
    s.page_width, s.page_height = Inches(8.5), Inches(11)
    s.left_margin = Inches(1.5)
    s.header.paragraphs[0].text = "Journal of School Psychology — manuscript"
    heading = d.styles["Heading 1"]
    heading.font.color.rgb = RGBColor(0x80, 0, 0)
    heading.font.size = Pt(13)
    d.add_paragraph("Remove this placeholder text.")
    d.save(str(path))
    return path


def test_a4_by_default_and_letter_on_request(study, tmp_path):
    document, _ = _export(study, tmp_path, tables=("theme", "matrix"))
    for section in document.sections:
        portrait = section.orientation == 0
        width, height = (
            (section.page_width, section.page_height) if portrait else (section.page_height, section.page_width)
        )
        assert (round(width.mm), round(height.mm)) == (210, 297)
        assert round(section.left_margin.cm, 1) == 2.5
    document, _ = _export(study, tmp_path, tables=("theme",), paper="letter")
    assert (round(document.sections[0].page_width.inches, 1), round(document.sections[0].page_height.inches)) == (
        8.5,
        11,
    )


def test_the_template_gives_styles_page_and_header(study, tmp_path):
    template = _template(tmp_path / "journal.docx")
    document, path = _export(study, tmp_path, tables=("theme", "codebook"), template=str(template))
    first = document.sections[0]
    assert round(first.page_width.inches, 1) == 8.5, "the template's paper"
    assert round(first.left_margin.inches, 1) == 1.5, "the template's margins"
    assert all(s.header.paragraphs[0].text.startswith("Journal of School Psychology") for s in document.sections)
    assert document.styles["Heading 1"].font.color.rgb == RGBColor(0x80, 0, 0), "the template's own heading style"
    assert document.styles["Table Text"].font.size == Pt(9), "a style the template lacks is qualcode's"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Remove this placeholder" not in text and "Themes and subthemes" in text
    # --paper changes the size and keeps the rest of the template
    document, _ = _export(study, tmp_path, tables=("theme",), template=str(template), paper="a4")
    assert round(document.sections[0].page_width.mm) == 210 and round(document.sections[0].left_margin.inches, 1) == 1.5


def _broken_document(path):
    """A real .docx whose document.xml is cut short."""
    docx.Document().save(str(path))
    with zipfile.ZipFile(path) as z:
        members = {n: z.read(n) for n in z.namelist()}
    members["word/document.xml"] = members["word/document.xml"][:200]
    with zipfile.ZipFile(path, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.write_text("not a document"), "is not a Word .docx document (not a zip archive)"),
        (lambda p: zipfile.ZipFile(p, "w").writestr("x.txt", "x"), "is not a Word .docx document"),
        (_broken_document, "cannot be read as a Word document"),
        (lambda p: None, "no such template file"),
    ],
)
def test_a_bad_template_is_refused_and_nothing_is_written(study, tmp_path, make, message):
    template = tmp_path / "journal.docx"
    make(template)
    out = tmp_path / "report.docx"
    result = run("export", "docx", str(study.path), "-o", str(out), "--coder", "alice", "--template", str(template))
    assert result.returncode == 2 and message in result.stderr and str(template) in result.stderr
    assert not out.exists()


def test_a_dotx_template_is_refused_with_what_to_do(study, tmp_path):
    template = _template(tmp_path / "journal.dotx")
    result = run("export", "docx", str(study.path), "-o", str(tmp_path / "r.docx"), "--template", str(template))
    assert result.returncode == 2 and "save it as a .docx" in result.stderr


def test_the_template_is_never_written_over(study, tmp_path):
    template = _template(tmp_path / "journal.docx")
    before = template.read_bytes()
    result = run(
        "export", "docx", str(study.path), "-o", str(template), "--coder", "alice", "--template", str(template)
    )
    assert result.returncode == 2 and "is what this command reads" in result.stderr
    assert template.read_bytes() == before


# -- tables that hold together ------------------------------------------------------------


def test_quotation_marks_inside_a_quote_become_single():
    frame = pd.DataFrame(
        {
            "Theme": ["Role", "Role"],
            "Subtheme": ["Entry", "Entry"],
            "Quote": ["She was the “contact person.”", 'He said "no" and "maybe"'],
            "Attribution": ["(P1)", "(P2)"],
        }
    )
    quotes = [line.cells[1] for line in quote_table(frame).lines()]
    assert quotes == ["“She was the ‘contact person.’” (P1)", "“He said ‘no’ and ‘maybe’” (P2)"]
    assert frame["Quote"][0] == "She was the “contact person.”", "the data keep the text as coded"


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def test_rows_never_split_and_a_table_keeps_its_first_rows_with_its_caption(study, tmp_path):
    document, _ = _export(study, tmp_path, tables=("theme", "quotes", "codebook"), max_words=40)
    body = list(document.element.body)
    captioned = 0
    for i, element in enumerate(body):
        if element.tag != f"{W}tbl":
            continue
        rows = element.tr_lst
        assert all(tr.find(f"{W}trPr/{W}cantSplit") is not None for tr in rows), "no row splits across pages"
        kept = [all(p.find(f"{W}pPr/{W}keepNext") is not None for p in tr.iter(f"{W}p")) for tr in rows]
        n = sum(kept)
        style = body[i - 1].find(f"{W}pPr/{W}pStyle")
        if style is not None and style.get(f"{W}val") == "Caption":
            captioned += 1
            assert 1 <= n <= 5 and kept[:n] == [True] * n, "header and first rows keep together, then rows flow"
        else:
            assert n == 0, "a further page of a table starts at the top of a page: nothing to keep"
    assert captioned == 3
    captions = [p for p in document.paragraphs if p.style.name == "Caption"]
    assert all(p.style.paragraph_format.keep_with_next for p in captions)


def test_theme_rows_are_bold_and_count_the_segments_under_them(study, tmp_path):
    document, _ = _export(study, tmp_path, tables=("codebook",))
    [table] = document.tables
    store = study.store
    book = study.codebook()
    theme = book.roots()[0]
    under = {theme.id, *(d.id for d in book.descendants(theme.id))}
    segments = {s for s, c in store.codings.pairs("consensus") if c in under}
    row = next(r for r in table.rows if r.cells[0].text == theme.name)
    assert row.cells[-1].text.split(" / ")[0] == str(len(segments)) and len(segments) > 0
    assert all(run.bold for run in row.cells[0].paragraphs[0].runs if run.text)
    code_row = next(r for r in table.rows if r.cells[0].text == "Step-ladder")
    assert not any(run.bold for run in code_row.cells[0].paragraphs[0].runs)


def test_wrapping_and_page_starts_estimate_on_the_safe_side():
    # 9 pt in a 100 pt cell: (100 - 7) / 4.5 = 20 characters a line
    assert wrapped_lines("one two three four five six", 100, 9) == 2
    assert wrapped_lines("a\nb\n", 100, 9) == 3, "each line break is a line, an empty last one too"
    assert wrapped_lines("x" * 45, 100, 9) == 3, "a word longer than the line breaks where it must"
    # pages of 100 pt (90 usable), header 10 pt: rows of 30 pt, two to a page; a too tall row on its own page
    assert page_starts([30, 30, 30, 30, 30], 10, 100, 100) == [0, 2, 4]
    assert page_starts([30, 200, 30], 10, 100, 100) == [0, 1, 2]
    assert page_starts([30] * 3, 10, 60, 100) == [0, 1], "the first page has less room below the caption"


def _quote_pages(document):
    """The tables of the quote section: those whose header reads 'Theme ▸ subtheme'."""
    return [t for t in document.tables if t.rows[0].cells[0].text == "Theme ▸ subtheme"]


def test_a_long_quote_table_names_its_group_on_every_page(study, tmp_path):
    document, path = _export(study, tmp_path, tables=("theme", "quotes"))
    pages = _quote_pages(document)
    assert len(pages) > 3
    labels = []
    for page in pages:
        first = page.rows[1].cells[0].text
        assert first, "every page of the quote table starts with its group's label"
        labels.append(first)
    assert any(label.endswith(" (continued)") for label in labels[1:])
    # a continued label is the group the previous page ended in
    for before, label in zip(pages, labels[1:], strict=False):
        if label.endswith(" (continued)"):
            last = next(r.cells[0].text for r in reversed(before.rows[1:]) if r.cells[0].text)
            assert label == last.removesuffix(" (continued)") + " (continued)"
    # the quote section starts on a page of its own; between its tables, a page break
    heading = next(p for p in document.paragraphs if p.text == "Quotes")
    assert heading.paragraph_format.page_break_before
    breaks = [p for p in document.paragraphs if p.paragraph_format.page_break_before]
    assert len(breaks) == len(pages), "the heading's, and one before each further page"


needs_libreoffice = pytest.mark.skipif(
    shutil.which("libreoffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice and poppler are not installed (apt-get install libreoffice-writer-nogui poppler-utils; "
    ".ci/run installs them)",
)


def _printed_pages(path, folder) -> list[str]:
    """The .docx laid out by LibreOffice: each printed page's text."""
    subprocess.run(
        ["libreoffice", "--headless", "--convert-to", "pdf", "--outdir", str(folder), str(path)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(folder / "report.pdf"), "-"], check=True, capture_output=True, text=True
    ).stdout
    return [page for page in text.split("\f") if page.strip()]


@needs_libreoffice
def test_laid_out_by_libreoffice_each_quote_page_fits_its_page(study, tmp_path):
    document, path = _export(study, tmp_path, tables=("quotes",))
    pages = _quote_pages(document)
    printed = _printed_pages(path, tmp_path)
    assert len(printed) == len(pages), "no estimated page overflows onto another"
    for page in printed[1:]:
        assert page.strip().startswith("Theme ▸ subtheme"), "each page starts with the repeated header"


def test_word_frequencies_by_informant_leave_confirmed_names_out(study, tmp_path):
    before, _ = _export(study, tmp_path, tables=("frequencies",))
    words = " ".join(c.text for r in before.tables[0].rows for c in r.cells).casefold()
    names = [n for n in ("janne", "henrik", "emil") if n in words]
    assert names, "the sample's names are frequent enough to be listed before they are confirmed"
    for name in names:
        study.store.pseudonyms.set(name.title(), "[student]", confirmed=True)
    after, _ = _export(study, tmp_path, tables=("frequencies",))
    words = " ".join(c.text for r in after.tables[0].rows for c in r.cells).casefold()
    assert not [n for n in names if n in words]
    assert [r.cells[0].text for r in after.tables[0].rows[1:3]] == ["P1", "P2"]


# -- the full report in one command -------------------------------------------------------


def _headings(path):
    return [p.text for p in docx.Document(str(path)).paragraphs if p.style.name == "Heading 1"]


FULL = [
    "Themes and subthemes",
    "Themes by participant",
    "Quotes",
    "Codebook",
    "Agreement between coders",
    "Word frequencies",
    "Co-occurrence of codes",
    "Thematic map",
    "Agreement by code",
]


def test_the_full_report_is_the_default_once_two_coders_have_codings(study, tmp_path):
    out = tmp_path / "report.docx"
    result = run("export", "docx", str(study.path), "-o", str(out), "--bootstrap", "20")
    assert result.returncode == 0, result.stderr
    assert _headings(out) == FULL
    result = run("export", "docx", str(study.path), "-o", str(out), "--tables", "all", "--bootstrap", "20")
    assert result.returncode == 0 and _headings(out) == FULL
    # xlsx: every flat table
    xlsx = tmp_path / "t.xlsx"
    assert (
        run("export", "xlsx", str(study.path), "-o", str(xlsx), "--tables", "all", "--bootstrap", "20").returncode == 0
    )
    assert list(pd.read_excel(xlsx, sheet_name=None)) == [
        "theme",
        "matrix",
        "quotes",
        "codebook",
        "agreement",
        "frequencies",
    ]


def test_all_leaves_the_agreement_out_of_a_one_coder_project(project, tmp_path):
    ids = project.store.transcripts.segment_ids()
    code = project.store.codebook.codes()[-1].id
    project.store.codings.add_many([(i, code) for i in ids[:3]], "alice")
    out = tmp_path / "r.docx"
    result = run("export", "docx", str(project.path), "-o", str(out), "--coder", "alice", "--tables", "all")
    assert result.returncode == 0, result.stderr
    assert "Agreement between coders" not in _headings(out) and "Quotes" in _headings(out)
    result = run("export", "docx", str(project.path), "-o", str(out), "--coder", "alice")
    assert _headings(out) == ["Themes and subthemes", "Themes by participant", "Quotes", "Codebook"]


def test_undecided_disagreements_are_said_when_the_consensus_is_exported(study, tmp_path):
    resolution = study.resolution("alice", "bob", "carol")
    total = len(resolution.queue)
    for i in range(3):
        resolution.decide(i, "a")
    out = tmp_path / "r.docx"
    result = run("export", "docx", str(study.path), "-o", str(out), "--tables", "theme")
    assert result.returncode == 0 and out.exists(), "a warning, not a refusal"
    assert result.stderr.strip() == (
        f"warning: {total - 3} of {total} disagreements between alice and bob are not yet decided, so the "
        "consensus lacks them (qualcode resolve study.qc --coders alice bob --lead NAME)"
    )
    notes = [p.text for p in docx.Document(str(out)).paragraphs if p.style.name == "Table Note"]
    assert notes and notes[-1].endswith(
        f"Provisional: {total - 3} of {total} disagreements between alice and bob are not yet decided."
    ), "and a note under the tables says so"
    quiet = run("export", "docx", str(study.path), "-o", str(out), "--tables", "theme", "--coder", "alice")
    assert quiet.returncode == 0 and quiet.stderr == "", "a coder's own tables need no resolution"
    assert not any("Provisional" in p.text for p in docx.Document(str(out)).paragraphs)
    out.unlink()
    strict = run("export", "docx", str(study.path), "-o", str(out), "--tables", "theme", "--strict")
    assert strict.returncode == 2 and not out.exists()
    assert strict.stderr.strip() == (
        f"qualcode: --strict: {total - 3} of {total} disagreements between alice and bob are not yet decided; "
        "decide them first, or leave out --strict"
    )
    xlsx = tmp_path / "t.xlsx"
    assert run("export", "xlsx", str(study.path), "-o", str(xlsx), "--tables", "theme", "--strict").returncode == 2
    assert not xlsx.exists()


def test_spreadsheets_have_widths_a_frozen_header_and_levels_as_indents(study, tmp_path):
    from openpyxl import load_workbook

    out = tmp_path / "t.xlsx"
    result = run("export", "xlsx", str(study.path), "-o", str(out), "--tables", "matrix,quotes")
    assert result.returncode == 0, result.stderr
    book = load_workbook(out)
    matrix, quotes = book["matrix"], book["quotes"]
    assert matrix.freeze_panes == "B2" and quotes.freeze_panes == "A2"
    labels = [(c.value, c.alignment.indent) for (c,) in matrix.iter_rows(min_row=2, max_col=1)]
    assert all(not v.startswith(" ") for v, _ in labels), "no leading spaces"
    assert ("Step-ladder", 2.0) in labels and labels[0][1] == 0, "a code two levels under its theme"
    outline = [matrix.row_dimensions[r].outline_level for r in range(2, len(labels) + 2)]
    assert outline == [int(indent) for _v, indent in labels], "rows grouped by level"
    assert matrix.sheet_properties.outlinePr.summaryBelow is False
    width = {c: quotes.column_dimensions[c].width for c in "ABCD"}
    header = [c.value for c in quotes[1]]
    quote_column = "ABCDEFGH"[header.index("Quote")]
    assert quotes.column_dimensions[quote_column].width == 60 and quotes[f"{quote_column}2"].alignment.wrap_text
    assert all(w and w < 60 for c, w in width.items() if c != quote_column)


# -- figures ----------------------------------------------------------------------------------


def test_a_code_three_levels_down_is_coloured_by_its_main_theme(study):
    from qualcode.core.analysis import Analysis

    analysis = Analysis(study.store)
    book = study.codebook()
    deep = next(c for c, depth in book.walk() if depth == 2)
    theme = book.theme_of(deep.id)
    assert analysis.theme_and_subtheme(deep.id) == (theme.name, book.get(deep.parent_id).name)
    graph = analysis.cooccurrence()
    for node, data in graph.nodes(data=True):
        assert data["theme"] == book.theme_of(node).name


def _extents(figure, texts):
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    return [t.get_window_extent(renderer) for t in texts]


def _overlapping(boxes):
    """Pairs of axis-aligned boxes that overlap."""
    return [
        (i, j)
        for i, a in enumerate(boxes)
        for j, b in enumerate(boxes[i + 1 :], i + 1)
        if a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1
    ]


def _corners(figure, text):
    """The four corners, on the screen, of a text as drawn (rotated with it), from its unrotated size."""
    import math

    renderer = figure.canvas.get_renderer()
    angle = text.get_rotation()
    text.set_rotation(0)
    flat = text.get_window_extent(renderer)
    text.set_rotation(angle)
    x, y = text.get_transform().transform(text.get_position())
    w, h = flat.width, flat.height
    left = -w if text.get_horizontalalignment() == "right" else 0.0
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    return [
        (x + dx * c - dy * s, y + dx * s + dy * c)
        for dx, dy in ((left, -h / 2), (left + w, -h / 2), (left + w, h / 2), (left, h / 2))
    ]


def _rotated_overlaps(figure, texts):
    """Pairs of rotated labels whose rectangles intersect (separating axis test)."""
    figure.canvas.draw()
    shapes = [_corners(figure, t) for t in texts]

    def separated(a, b):
        for shape in (a, b):
            for k in range(4):
                (x1, y1), (x2, y2) = shape[k], shape[(k + 1) % 4]
                nx_, ny_ = y2 - y1, x1 - x2
                pa = [nx_ * x + ny_ * y for x, y in a]
                pb = [nx_ * x + ny_ * y for x, y in b]
                if max(pa) <= min(pb) or max(pb) <= min(pa):
                    return True
        return False

    return [
        (i, j) for i in range(len(shapes)) for j in range(i + 1, len(shapes)) if not separated(shapes[i], shapes[j])
    ]


def test_the_network_labels_never_overlap_and_colours_follow_the_main_theme(study):
    from qualcode.core.analysis import Analysis
    from qualcode.core.export.figures import network_figure, theme_colours

    graph = Analysis(study.store).cooccurrence()
    themes = [t.name for t in study.codebook().roots()]
    figure = network_figure(graph, themes)
    axes = figure.axes[0]
    labels = [t for t in axes.texts]
    assert sorted(t.get_text() for t in labels) == sorted(d["label"] for _n, d in graph.nodes(data=True))
    assert not _rotated_overlaps(figure, labels)
    colours = theme_colours(themes)
    by_label = {d["label"]: d["theme"] for _n, d in graph.nodes(data=True)}
    dots = axes.collections
    assert len(dots) == graph.number_of_nodes()
    for dot, text in zip(dots, labels, strict=True):
        assert tuple(dot.get_facecolor()[0][:3]) == tuple(colours[by_label[text.get_text()]][:3])
    legend = figure.legends[0].get_window_extent(figure.canvas.get_renderer())
    assert legend.y1 <= min(b.y0 for b in _extents(figure, labels)), "the legend stands below every label"


def test_many_codes_on_the_circle_still_do_not_overlap():
    import networkx as nx

    from qualcode.core.export.figures import network_figure

    graph = nx.Graph()
    for i in range(120):
        graph.add_node(f"c{i}", label=f"A fairly long code name {i}", segments=1 + i % 7, theme=f"T{i % 4}")
    for i in range(0, 120, 3):
        graph.add_edge(f"c{i}", f"c{(i * 7) % 120}", weight=1 + i % 5)
    figure = network_figure(graph, ["T0", "T1", "T2", "T3"])
    assert not _rotated_overlaps(figure, list(figure.axes[0].texts))


def test_the_thematic_map_shows_every_code_once_with_its_use_and_nothing_overlaps(study):
    from qualcode.core.analysis import Analysis
    from qualcode.core.export.figures import thematic_map

    book = study.codebook()
    frame = Analysis(study.store).codebook_table()
    use = {
        book.find(p).id: (int(s), int(n))
        for p, s, n in zip(frame["Code"], frame["Segments"], frame["Participants"], strict=True)
    }
    figure = thematic_map(book, use)
    texts = figure.axes[0].texts
    assert len(texts) == len(book)
    expected = {"\n".join(textwrap.wrap(c.name, 30)) + "\n{} / {}".format(*use[c.id]) for c in book.codes}
    assert {t.get_text() for t in texts} == expected
    renderer = (figure.canvas.draw(), figure.canvas.get_renderer())[1]
    boxes = [t.get_bbox_patch().get_window_extent(renderer) for t in texts]
    assert not _overlapping(boxes)


def test_the_agreement_chart_marks_each_code_under_its_theme_and_the_threshold():
    from qualcode.core.export.figures import BELOW, agreement_figure

    nan = float("nan")
    rows = [
        ("Role/Entry/Referral", 0.8, 0.6, 0.95),
        ("Role/Entry/Selection", 0.4, 0.1, 0.7),
        ("Role/Workload/Time", nan, nan, nan),
        ("Impact/Attendance/Step-ladder", 1.0, 1.0, 1.0),
    ]
    figure = agreement_figure(rows, 0.6)
    axes = figure.axes[0]
    ticks = [t.get_text() for t in axes.get_yticklabels()]
    assert ticks == [
        "Role",
        "Entry",
        "Referral",
        "Selection",
        "Workload",
        "Time (undefined)",
        "Impact",
        "Attendance",
        "Step-ladder",
    ]
    weights = [t.get_fontweight() for t in axes.get_yticklabels()]
    assert weights[0] == "bold" and weights[6] == "bold" and weights[2] == "normal"
    points = [line for line in axes.lines if line.get_marker() == "o"]
    assert [p.get_xdata()[0] for p in points] == [0.8, 0.4, 1.0], "the undefined κ has no point"
    assert [p.get_color() for p in points][1] == BELOW
    threshold = [line for line in axes.lines if line.get_linestyle() == "--"]
    assert threshold and threshold[0].get_xdata()[0] == 0.6
    assert axes.get_xlim()[1] > 1.0, "a κ of 1 is drawn whole"


def test_the_report_prints_its_figures_at_300_dpi(study, tmp_path):
    import struct

    document, path = _export(
        study, tmp_path, tables=("network", "map", "kappa"), agreement_coders=("alice", "bob"), bootstrap=20
    )
    w_t = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"
    captions = ["".join(t.text or "" for t in p._p.iter(w_t)) for p in document.paragraphs if p.style.name == "Caption"]
    assert [c.split(".")[0] for c in captions] == ["Figure 1", "Figure 2", "Figure 3"]
    with zipfile.ZipFile(path) as z:
        images = [z.read(n) for n in z.namelist() if n.startswith("word/media/")]
    shapes = document.inline_shapes
    assert len(images) == len(shapes) == 3
    for shape in shapes:
        blob = shape._inline.graphic.graphicData.pic.blipFill.blip.embed
        data = document.part.related_parts[blob].blob
        width_px = struct.unpack(">II", data[16:24])[0]
        assert width_px / shape.width.inches >= 295, "at least 300 dpi as printed"
        assert (
            shape.width
            <= document.sections[-1].page_width - document.sections[-1].left_margin - document.sections[-1].right_margin
        )
    result = run("export", "xlsx", str(study.path), "-o", str(tmp_path / "t.xlsx"), "--tables", "map")
    assert result.returncode == 2 and "the map is a figure of the Word report: use 'export docx'" in result.stderr


def test_a_table_of_tall_rows_keeps_fewer_with_its_caption_so_it_can_start(study, tmp_path):
    document, path = _export(study, tmp_path, tables=("matrix",), cells="quote", level="subtheme")
    [table] = document.tables
    rows = table._tbl.tr_lst
    kept = [all(p.find(f"{W}pPr/{W}keepNext") is not None for p in tr.iter(f"{W}p")) for tr in rows]
    assert 1 <= sum(kept) < 5 and kept[: sum(kept)] == [True] * sum(kept)
    assert document.sections[-1].orientation == 1, "a framework matrix goes on a landscape page"


@needs_libreoffice
def test_laid_out_by_libreoffice_a_table_of_tall_rows_starts_under_its_caption(study, tmp_path):
    _document, path = _export(study, tmp_path, tables=("matrix",), cells="quote", level="subtheme")
    page = next(p for p in _printed_pages(path, tmp_path) if "Table 1." in p)
    assert "P1" in page, "the table starts on the page of its caption"


def test_no_confirmed_name_anywhere_in_the_full_report(study, tmp_path):
    for name in ("Janne", "Henrik", "Emil"):
        study.store.pseudonyms.set(name, "[student]", confirmed=True)
    out = tmp_path / "report.docx"
    result = run("export", "docx", str(study.path), "-o", str(out), "--tables", "all", "--bootstrap", "20")
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(out) as z:
        xml = " ".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")).casefold()
    assert "[student]" in xml
    assert not [n for n in ("janne", "henrik", "emil") if n in xml]
