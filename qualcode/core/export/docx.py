"""The Word report: theme table, theme × participant matrix, quotes, codebook, agreement, network.

Every table is a `DisplayTable` (built in `table_views` or the agreement
report) set by the one `add_table`, so Word shows the columns, caption and
notes the text, CSV and XLSX renderings show.

python-docx makes the document, its headings, captions and styles; the rows
of big tables are written by `docx_rows.fill_rows`. Tables are set the way
journals set them: a rule above and below, a thin rule under the header row,
no vertical lines, the header repeated on every page, wide tables on landscape
pages, numbered captions ("Table 1.") that Word can renumber (SEQ fields).
"""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx import Document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.shape import CT_Inline
from docx.shared import Cm, Inches, Mm, Pt
from docx.table import Table

from qualcode.core.export.display import DisplayTable, printable
from qualcode.core.export.docx_pages import page_starts, row_height
from qualcode.core.export.docx_rows import fill_rows

if TYPE_CHECKING:
    from docx.document import Document as DocumentType

BODY_PT = 9
WIDE = 8
"""Tables with more columns than this go on a landscape page."""
PAPERS = {"a4": (Mm(210), Mm(297)), "letter": (Inches(8.5), Inches(11))}
"""Paper sizes, portrait (width, height)."""
MARGIN = Cm(2.5)
EMU_PER_PT = 12700
ABOVE_TABLE_PT = 80.0
"""About what a section's heading and a table's caption take above its first row, in points."""
ABOVE_FIGURE_PT = 160.0
"""What a figure's heading above it and its caption of up to four lines below take, in points, at most."""
TITLE_PT = 110.0
"""About what the report's title and subtitle take on the first page, in points."""
KEEP_ROWS = 5
"""A table starts on the next page unless its caption, header and this many rows (fewer when they are tall)
fit where it would start."""


class WordReport:
    """A report document being written, with running table and figure numbers.

    Without a template the document is python-docx's default with qualcode's
    styles, on A4 (or ``paper``) with 2.5 cm margins. With a template (a .docx
    of the journal or department) its styles, page setup, headers and footers
    are kept and its body text is left out; a style the report needs and the
    template lacks is added as qualcode's, and ``paper`` changes only the size.
    """

    def __init__(self, title: str, subtitle: str, *, paper: str | None = None, template: str | None = None) -> None:
        self.doc: DocumentType = open_template(template) if template else Document()
        self.tables = 0
        self.figures = 0
        self._page_break: Any = None
        self._landscape = False
        """Whether the last section is landscape (kept here: python-docx finds sections by XPath)."""
        self._forms: dict[tuple[Any, ...], Any] = {}
        """The empty form (header and row templates) of each kind of table made, to copy for the next."""
        self._shape_id = max((int(v) for v in self.doc.element.xpath("//@id") if v.isdigit()), default=0)
        """The last drawing id used. python-docx finds the next by an XPath over the whole document for each
        picture, which libxml2 gives up on ("unknown error") once a report's tables hold millions of nodes."""
        self._styles(keep=template is not None)
        if paper is not None or template is None:
            self._paper(paper or "a4", margins=template is None)
        # The title and captions name the codebook, coders and attributes: text from outside the tables.
        self.doc.add_paragraph(printable(title), style="Title")
        self.doc.add_paragraph(printable(subtitle), style="Subtitle")

    def _paper(self, paper: str, *, margins: bool) -> None:
        width, height = PAPERS[paper]
        for section in self.doc.sections:
            landscape = section.orientation == WD_ORIENT.LANDSCAPE
            section.page_width, section.page_height = (height, width) if landscape else (width, height)
            if margins:
                section.left_margin = section.right_margin = MARGIN
                section.top_margin = section.bottom_margin = MARGIN

    def _styles(self, *, keep: bool) -> None:
        """qualcode's styles; with ``keep``, only those the template lacks (its own are left as they are)."""
        styles = self.doc.styles
        names = {s.name for s in styles}
        for name, kind in (
            ("Title", WD_STYLE_TYPE.PARAGRAPH),
            ("Subtitle", WD_STYLE_TYPE.PARAGRAPH),
            ("Caption", WD_STYLE_TYPE.PARAGRAPH),
            ("Quote", WD_STYLE_TYPE.PARAGRAPH),
            *((f"Heading {i}", WD_STYLE_TYPE.PARAGRAPH) for i in (1, 2, 3)),
        ):
            if name not in names:
                added = styles.add_style(name, kind)
                added.base_style = styles["Normal"]
                if name.startswith("Heading") or name == "Title":
                    added.font.bold = True
                    added.font.size = Pt({"Title": 20, "Heading 1": 14}.get(name, 12))
                if name == "Quote":
                    added.font.italic = True
        if keep:
            for name in ("Table Text", "Table Quote", "Table Note"):
                if name not in names:
                    self._table_style(name)
            if "Caption" not in names:
                self._caption_style()
            return
        normal = styles["Normal"]
        normal.font.name = "Calibri"
        normal.font.size = Pt(11)
        self._caption_style()
        for name in ("Table Text", "Table Quote", "Table Note"):
            self._table_style(name)

    def _caption_style(self) -> None:
        caption = self.doc.styles["Caption"]
        caption.font.size = Pt(10)
        caption.font.italic = False
        caption.font.bold = False
        caption.font.color.rgb = None
        caption.paragraph_format.space_before = Pt(12)
        caption.paragraph_format.space_after = Pt(4)
        caption.paragraph_format.keep_with_next = True

    def _table_style(self, name: str) -> None:
        styles = self.doc.styles
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Quote"] if name == "Table Quote" else styles["Normal"]
        style.font.size = Pt(BODY_PT)
        if name == "Table Note":
            style.paragraph_format.space_after = Pt(12)
            return
        style.paragraph_format.space_before = Pt(1)
        style.paragraph_format.space_after = Pt(1)
        if name == "Table Quote":
            style.paragraph_format.left_indent = Cm(0)
            style.paragraph_format.right_indent = Cm(0)

    # -- building blocks ---------------------------------------------------------

    def heading(self, text: str, level: int = 1, *, new_page: bool = False) -> None:
        paragraph = self.doc.add_heading(text, level=level)
        if new_page:
            paragraph.paragraph_format.page_break_before = True

    def caption(self, kind: str, text: str) -> None:
        """'Table 3. text', with the number as a SEQ field Word updates when tables move."""
        number = self.tables + 1 if kind == "Table" else self.figures + 1
        if kind == "Table":
            self.tables = number
        else:
            self.figures = number
        paragraph = self.doc.add_paragraph(style="Caption")
        label = paragraph.add_run(f"{kind} ")
        label.bold = True
        field_ = OxmlElement("w:fldSimple")
        field_.set(qn("w:instr"), f" SEQ {kind} \\* ARABIC ")
        run = OxmlElement("w:r")
        rpr = OxmlElement("w:rPr")
        rpr.append(OxmlElement("w:b"))
        run.append(rpr)
        t = OxmlElement("w:t")
        t.text = str(number)
        run.append(t)
        field_.append(run)
        paragraph._p.append(field_)
        dot = paragraph.add_run(". ")
        dot.bold = True
        paragraph.add_run(printable(text))

    def note(self, text: str) -> None:
        """A table note; a leading "Note." is set in italics, as journals do."""
        paragraph = self.doc.add_paragraph(style="Table Note")
        if text.startswith("Note. "):
            paragraph.add_run("Note.").italic = True
            text = text[len("Note.") :]
        paragraph.add_run(text)

    def landscape(self, on: bool) -> bool:
        """Start a new section in landscape (or back in portrait) when the orientation changes; whether it did
        (the next paragraph then stands at the top of a page)."""
        current = self.doc.sections[-1]
        wanted = WD_ORIENT.LANDSCAPE if on else WD_ORIENT.PORTRAIT
        if current.orientation == wanted:
            return False
        section = self.doc.add_section(WD_SECTION.NEW_PAGE)
        section.orientation = wanted
        section.page_width, section.page_height = current.page_height, current.page_width
        self._landscape = on
        return True

    def page_break(self) -> None:
        """What follows starts on a new page: an empty paragraph of 1 pt that breaks the page before it (which
        also keeps two tables from joining into one)."""
        import copy

        if self._page_break is None:
            paragraph = self.doc.add_paragraph(style="Table Text")
            paragraph.paragraph_format.page_break_before = True
            paragraph.paragraph_format.space_before = paragraph.paragraph_format.space_after = Pt(0)
            paragraph.add_run().font.size = Pt(1)
            self._page_break = copy.deepcopy(paragraph._p)
        else:
            # a copy of the first: a long quote table breaks a thousand pages, and python-docx's own
            # add_paragraph looks the style up by name and the body's last section up by XPath each time
            self._append(copy.deepcopy(self._page_break))

    def _append(self, element: Any) -> None:
        """Put a paragraph or table at the end of the body, before its final section properties."""
        body = self.doc.element.body
        last = body[-1] if len(body) else None
        if last is not None and last.tag == qn("w:sectPr"):
            last.addprevious(element)
        else:
            body.append(element)

    @property
    def body_height_pt(self) -> float:
        section = self.doc.sections[-1]
        return float(section.page_height - section.top_margin - section.bottom_margin) / EMU_PER_PT

    @property
    def table_font_pt(self) -> float:
        size = self.doc.styles["Table Text"].font.size
        return size.pt if size is not None else float(BODY_PT)

    @property
    def text_width(self) -> int:
        section = self.doc.sections[-1]
        return int(section.page_width - section.left_margin - section.right_margin)

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        weights: Sequence[float],
        numeric: Sequence[bool] | None = None,
        quote_column: int | None = None,
        bold_rows: Sequence[bool] | None = None,
        levels: Sequence[int] | None = None,
        keep: int = KEEP_ROWS,
    ) -> Table:
        """A journal-style table: header row repeated on each page, rules above, below and under the header.

        A table made like one before (the pages of a long quote table) is a copy of that one's empty form,
        which is much faster than making it again with python-docx.
        """
        import copy

        columns = len(header)
        numeric = list(numeric or [False] * columns)
        shape = (tuple(header), tuple(weights), tuple(numeric), quote_column, self._landscape)
        if shape in self._forms:
            tbl = copy.deepcopy(self._forms[shape])
            self._append(tbl)
            table = Table(tbl, self.doc._body)
            bold = list(bold_rows or [False] * len(rows))
            depth = list(levels or [0] * len(rows))
            _fill_by_kind(table, rows, list(zip(bold, depth, strict=True)))
            _keep_first_rows(table, keep)
            return table
        table = self.doc.add_table(rows=3, cols=columns)
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        total = sum(weights)
        widths = [int(self.text_width * w / total) for w in weights]
        for i, width in enumerate(widths):
            table.columns[i].width = width
        head, plain, strong = table.rows
        # Style ids looked up once: python-docx resolves a style by name with a scan of every style,
        # which a 200-column matrix would do six hundred times.
        style_id = {name: self.doc.styles[name].style_id for name in ("Table Text", "Table Quote")}
        for row in table.rows:
            for i, cell in enumerate(row.cells):
                cell.width = widths[i]
        for i, text in enumerate(header):
            paragraph = head.cells[i].paragraphs[0]
            paragraph._p.style = style_id["Table Text"]
            run = paragraph.add_run(text)
            run.bold = True
            if numeric[i]:
                paragraph.alignment = 2
        for template, bold in ((plain, False), (strong, True)):
            for i, cell in enumerate(template.cells):
                paragraph = cell.paragraphs[0]
                style = "Table Quote" if i == quote_column and not bold else "Table Text"
                paragraph._p.style = style_id[style]
                run = paragraph.add_run("")
                run.bold = bold or None
                if numeric[i]:
                    paragraph.alignment = 2
        _repeat_header(head)
        # no row is split across a page: a cut quote or a matrix row on two pages reads as two rows
        _cant_split(plain)
        _cant_split(strong)
        _rules(table, head)
        self._forms[shape] = copy.deepcopy(table._tbl)
        bold = list(bold_rows or [False] * len(rows))
        depth = list(levels or [0] * len(rows))
        _fill_by_kind(table, rows, list(zip(bold, depth, strict=True)))
        _keep_first_rows(table, keep)
        return table

    def picture(self, png: bytes) -> None:
        """A picture as wide as the text block, or less so that it and its caption fit on one page."""
        # a PNG's size stands in its IHDR chunk, right after the 8-byte signature and the chunk's header
        width_px, height_px = struct.unpack(">II", png[16:24])
        width = self.text_width
        room = (self.body_height_pt - ABOVE_FIGURE_PT) * EMU_PER_PT
        if width * height_px / width_px > room:
            width = int(room * width_px / height_px)
        paragraph = self.doc.add_paragraph()
        run = paragraph.add_run()
        r_id, image = run.part.get_or_add_image(io.BytesIO(png))
        cx, cy = image.scaled_dimensions(width, None)
        self._shape_id += 1
        run._r.add_drawing(CT_Inline.new_pic_inline(self._shape_id, r_id, image.filename, cx, cy))
        paragraph.paragraph_format.keep_with_next = True  # the caption below it stays with it

    def save(self, path: str) -> None:
        self.doc.save(path)


def _fill_by_kind(table: Table, rows: Sequence[Sequence[str]], kinds: Sequence[tuple[bool, int]]) -> None:
    """Write rows from the plain (second) or bold (third) template row, the first cell indented by level.

    Indenting the paragraph rather than prefixing spaces keeps a wrapped code
    name aligned under its first word.
    """
    import copy

    tbl = table._tbl
    plain, strong = tbl.tr_lst[1], tbl.tr_lst[2]
    tbl.remove(plain)
    tbl.remove(strong)
    templates: dict[tuple[bool, int], Any] = {}
    start = 0
    while start < len(rows):
        end = start
        while end < len(rows) and kinds[end] == kinds[start]:
            end += 1
        kind = kinds[start]
        if kind not in templates:
            template = copy.deepcopy(strong if kind[0] else plain)
            if kind[1]:
                _indent(template.tc_lst[0], kind[1])
            templates[kind] = template
        tbl.append(copy.deepcopy(templates[kind]))
        fill_rows(table, rows[start:end])
        start = end


def _indent(tc: Any, level: int) -> None:
    p_pr = tc.find(qn("w:p")).get_or_add_pPr()
    ind = OxmlElement("w:ind")
    ind.set(qn("w:left"), str(220 * level))
    p_pr.append(ind)


def _cant_split(row: Any) -> None:
    row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))


def _keep_first_rows(table: Table, rows: int) -> None:
    """Keep the header and the first rows on one page with the caption above them (which keeps with the
    next paragraph): a table that would start with fewer rows at the foot of a page starts on the next."""
    for tr in table._tbl.tr_lst[: rows + 1][:-1]:
        for p in tr.iter(qn("w:p")):
            p.get_or_add_pPr().get_or_add_keepNext()  # in its place among the paragraph's properties


def _repeat_header(row: Any) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    tr_pr.append(header)
    cant_split = OxmlElement("w:cantSplit")
    tr_pr.append(cant_split)


def _border(tag: str, size: int) -> Any:
    element = OxmlElement(f"w:{tag}")
    if size:
        element.set(qn("w:val"), "single")
        element.set(qn("w:sz"), str(size))
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "000000")
    else:
        element.set(qn("w:val"), "nil")
    return element


def _rules(table: Table, head: Any) -> None:
    """Booktabs: a heavier rule at top and bottom, a light one under the header, nothing else."""
    tbl_pr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for tag, size in (("top", 12), ("left", 0), ("bottom", 12), ("right", 0), ("insideH", 0), ("insideV", 0)):
        borders.append(_border(tag, size))
    tbl_pr.append(borders)
    margins = OxmlElement("w:tblCellMar")
    for side, width in (("left", 70), ("right", 70)):
        element = OxmlElement(f"w:{side}")
        element.set(qn("w:w"), str(width))
        element.set(qn("w:type"), "dxa")
        margins.append(element)
    tbl_pr.append(margins)
    for cell in head.cells:
        tc_pr = cell._tc.get_or_add_tcPr()
        cell_borders = OxmlElement("w:tcBorders")
        cell_borders.append(_border("bottom", 6))
        tc_pr.append(cell_borders)


def open_template(path: str) -> DocumentType:
    """A Word template's document with its body text left out (its last section's page setup, headers and
    footers stay); anything that is not a readable .docx is a `BadInput` naming the file."""
    import zipfile

    from qualcode.core.errors import BadInput

    where = str(path)
    if where.lower().endswith((".dotx", ".dotm", ".docm")):
        raise BadInput(
            "is a Word template or macro file; save it as a .docx (File ▸ Save as) and name that", where=where
        )
    if not Path(where).is_file():
        raise BadInput("no such template file", where=where)
    if not zipfile.is_zipfile(where):
        raise BadInput("is not a Word .docx document (not a zip archive); save the template as .docx", where=where)
    try:
        doc = Document(where)
    except (zipfile.BadZipFile, KeyError, ValueError) as e:
        raise BadInput(f"is not a Word .docx document ({str(e) or type(e).__name__})", where=where) from None
    except Exception as e:  # lxml's XMLSyntaxError and python-docx's own errors on a damaged part
        raise BadInput(
            f"cannot be read as a Word document ({str(e).splitlines()[0] if str(e) else type(e).__name__})", where=where
        ) from None
    body = doc.element.body
    for element in list(body):
        if element.tag != qn("w:sectPr"):
            body.remove(element)
    return doc


# -- the sections of the report ------------------------------------------------------

HEADINGS = {
    "theme": "Themes and subthemes",
    "matrix": "Themes by participant",
    "quotes": "Quotes",
    "codebook": "Codebook",
    "agreement": "Agreement between coders",
    "frequencies": "Word frequencies",
    "memos": "Appendix: memos and journal",
}
"""The heading of each table's section in the report, by table name."""


def add_section(report: WordReport, heading: str, table: DisplayTable) -> None:
    """A section of the report: its heading, then the table, on a landscape page when the table asks or is wide."""
    top_of_page = report.landscape(table.landscape if table.landscape is not None else len(table.columns) > WIDE)
    add_table(report, table, heading=heading, top_of_page=top_of_page)


def add_table(report: WordReport, table: DisplayTable, *, heading: str = "", top_of_page: bool = False) -> None:
    """A `DisplayTable` as a captioned journal table, under ``heading``: sections in bold, labels indented,
    notes below.

    A label's mark follows it ("Workload*"), as a cell's follows its value
    ("—a"); a quotation column is set in the table quote style. Column widths
    are the columns' own when every column has one, else they follow the
    longest text in each column.

    A table whose first column names groups once (theme ▸ subtheme) and that
    runs over several pages starts on a page of its own, and each further page
    is a table of its own beginning with its group's label and "(continued)"
    (see `docx_pages`).
    """
    lines = list(table.lines())
    rows = [[line.cells[0] + line.flag, *line.cells[1:]] for line in lines]
    header = [c.label for c in table.columns]
    widths = [c.width for c in table.columns]
    weights = widths if all(widths) else _weights(header, rows)
    keep = _rows_to_keep(report, rows[:KEEP_ROWS], weights)
    starts = [0]
    grouped = bool(table.columns) and not table.columns[0].repeat
    if grouped and len(rows) > KEEP_ROWS:
        first_table = report.tables == 0 and report.figures == 0
        body = report.body_height_pt
        first_page = body - ABOVE_TABLE_PT - (TITLE_PT if first_table else 0.0)
        starts = _page_starts(report, header, rows, weights, first_page, body)
        if len(starts) > 1 and not top_of_page and not first_table:
            top_of_page = True
            report.heading(heading, new_page=True)
            heading = ""
    if heading:
        report.heading(heading)
    report.caption("Table", table.caption)
    label = ""
    labels = []
    for row in rows:
        label = row[0] or label
        labels.append(label)
    for page, (start, end) in enumerate(zip(starts, [*starts[1:], len(rows)], strict=True)):
        chunk = [list(r) for r in rows[start:end]]
        if page:
            report.page_break()
            if chunk and not chunk[0][0] and labels[start]:
                chunk[0][0] = f"{labels[start]} (continued)"
        report.table(
            header,
            chunk,
            weights=weights,
            numeric=[c.right for c in table.columns],
            quote_column=next((i for i, c in enumerate(table.columns) if c.quote), None),
            bold_rows=[line.bold for line in lines[start:end]],
            levels=[line.level for line in lines[start:end]],
            keep=keep if not page else 0,  # a further page starts at the top of a page anyway
        )
    if table.notes:
        general = [n.text for n in table.notes if not n.mark]
        # A note is set as a sentence in Word, whatever its case in a terminal.
        specific = [f"{n.mark} {n.text[:1].upper()}{n.text[1:]}" for n in table.notes if n.mark]
        report.note(" ".join(["Note.", *general, *specific]))


def _rows_to_keep(report: WordReport, first: Sequence[Sequence[str]], weights: Sequence[float]) -> int:
    """How many of a table's first rows to keep with its caption: up to `KEEP_ROWS`, as many as take a third of
    a page at most (five rows of a framework matrix's quotes would not fit on any page), at least one."""
    total = sum(weights)
    widths = [report.text_width * w / total / EMU_PER_PT for w in weights]
    room = report.body_height_pt / 3
    used, keep = 0.0, 0
    for row in first:
        used += row_height(row, widths, report.table_font_pt)
        if keep and used > room:
            break
        keep += 1
    return max(keep, 1)


def _page_starts(
    report: WordReport,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    weights: Sequence[float],
    first_page: float,
    page: float,
) -> list[int]:
    total = sum(weights)
    widths = [report.text_width * w / total / EMU_PER_PT for w in weights]
    font = report.table_font_pt
    heights = [row_height(r, widths, font) for r in rows]
    return page_starts(heights, row_height(header, widths, font), first_page, page)


def _weights(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[float]:
    """Relative column widths from the longest text in each column, in characters.

    A header counts a tenth wider (it is bold) and at most 12 characters, a
    cell at most 40, so a long header or name wraps; the cell's margins add
    about two and a half characters.
    """
    return [max(min(len(h), 12) * 1.1, *(min(len(r[i]), 40) for r in rows)) + 2.5 for i, h in enumerate(header)]


def add_figure(report: WordReport, heading: str, png: bytes, caption: str) -> None:
    """A section with one figure, as large as the page's text block allows, its caption below it."""
    top_of_page = report.landscape(False)
    # a figure takes most of a page: it starts one, so its heading is never left at the foot of another
    report.heading(heading, new_page=not top_of_page and (report.tables or report.figures) > 0)
    report.picture(png)
    report.caption("Figure", caption)


def add_network(report: WordReport, png: bytes, codes: int, links: int) -> None:
    add_figure(
        report,
        "Co-occurrence of codes",
        png,
        f"Codes that share segments ({codes} codes, {links} links; codes grouped and coloured by main theme, "
        "dot size = coded segments, line width = shared segments)",
    )


def add_map(report: WordReport, png: bytes) -> None:
    add_figure(
        report,
        "Thematic map",
        png,
        "Thematic map: main themes, their subthemes and codes, each with its use (coded segments / "
        "participants; a theme's and a subtheme's segments are the distinct segments under it)",
    )


def add_kappa(report: WordReport, png: bytes, codes: int, threshold: float) -> None:
    add_figure(
        report,
        "Agreement by code",
        png,
        f"Cohen's κ of each of {codes} codes with its 95% bootstrap interval; the dashed line is the threshold "
        f"({threshold:g}), codes below it in red",
    )


def default_subtitle(coder: str, transcripts: int) -> str:
    return f"Codings of {coder} · {transcripts} transcripts · {date.today().isoformat()}"
