"""One display model per table: a DataFrame with what a reader needs to see it.

A table is built once as a `DisplayTable`: the numbers as numbers (NaN where a
value is undefined), the columns a reader sees with their labels and decimals,
a caption, notes, and per row its level and weight and per cell its footnote
mark. The renderers here (plain text, CSV, an XLSX sheet) and in `docx` only
turn that one object into their format, so a table reads the same everywhere
and a new column is added in one place.

Text never carries control characters out of a `DisplayTable`: they are
removed when the table is made (`printable`), so no writer can be crashed or
driven by them.
"""

from __future__ import annotations

import copy
import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import IO, TYPE_CHECKING, Any

from qualcode.core.publication import without_control

if TYPE_CHECKING:
    import pandas as pd

MISSING = "—"
"""How a reader sees an undefined number."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""How a text cell starts that a spreadsheet would run as a formula (OWASP's list)."""

printable = without_control
"""Text with control characters removed, so a writer can neither crash nor be driven."""


@dataclass(frozen=True)
class Part:
    """Text from another frame column, written in a cell after the column's own (a quote's attribution)."""

    key: str
    """The frame column it comes from."""
    form: str = "{}"
    """How it is written, "{}" standing for its text: "({})" for a count after a word."""


@dataclass(frozen=True)
class Column:
    """A column as a reader sees it, taken from a column of the frame."""

    key: str
    """The frame column it shows."""
    label: str
    """The header a reader sees, e.g. "κ" or "% agree"."""
    digits: int | None = None
    """Decimals of a numeric column; None for text."""
    scale: float = 1.0
    """Multiplies the value before it is shown (100 for a share shown as a percentage)."""
    upper: str | None = None
    """For an interval: the frame column of its upper end (``key`` is the lower end), shown as "[lo, hi]"."""
    align: str = ""
    """"left" or "right"; empty sets numbers right and text left."""
    form: str = "{}"
    """How its text is written, "{}" standing for it: "“{}”" for a quotation, "Include: {}" for a criterion."""
    parts: tuple[Part, ...] = ()
    """Further frame columns written in the same cell after its own text, each when it has text."""
    sep: str = " "
    """What stands between the cell's own text and its parts: " ▸ " for theme ▸ subtheme, "\n" for a new line."""
    empty: str = ""
    """What a reader sees in a cell without text: "—" where a blank would look like a mistake."""
    repeat: bool = True
    """False leaves a cell blank that reads as the one above it, so a theme is named once for its group."""
    quote: bool = False
    """Set as a quotation (Word's table quote style, italic), as a quote table's quotes are."""
    width: float = 0.0
    """Its share of a Word table's width, relative to the other columns; 0 lets the longest text decide."""

    @property
    def numeric(self) -> bool:
        return self.digits is not None

    @property
    def right(self) -> bool:
        """Whether the column is set flush right, as numbers (and short marks like "2/3") are."""
        return self.align == "right" or (self.numeric and self.align != "left")

    def show(self, record: Mapping[str, Any], mark: str = "") -> str:
        """The cell's text for a reader: a number to its digits, "—" when undefined, then any footnote mark."""
        return self._write(*(record[key] for key in self.keys)) + mark

    def texts(self, frame: pd.DataFrame) -> list[str]:
        """The column's text in every row of the frame, as `show` writes it, without marks."""
        # Column by column, not record by record: a quote table has ten thousand rows.
        return [self._write(*values) for values in zip(*(frame[key].tolist() for key in self.keys), strict=True)]

    @property
    def keys(self) -> tuple[str, ...]:
        """Every frame column the cell is written from: its own, an interval's upper end, its parts."""
        return (self.key, *((self.upper,) if self.upper else ()), *(p.key for p in self.parts))

    def _write(self, value: Any, *more: Any) -> str:
        """The cell's text from the values of `keys`, in their order."""
        if self.upper is not None:
            low, high = _float(value), _float(more[0])
            if math.isnan(low) or math.isnan(high):
                return MISSING
            return f"[{_fixed(low * self.scale, self.digits)}, {_fixed(high * self.scale, self.digits)}]"
        if self.digits is None:
            text = "" if _missing(value) else str(value)
            if self.quote:
                text = inner_quotes(text)
        else:
            number = _float(value)
            if math.isnan(number):
                return MISSING
            text = _fixed(number * self.scale, self.digits)
        if self.parts or self.form != "{}":
            pieces = [self.form.format(text)] if text else []
            for part, other in zip(self.parts, more, strict=True):
                if not _missing(other) and (shown := str(other)):
                    pieces.append(part.form.format(shown))
            text = self.sep.join(pieces)
        return text or self.empty


_CURLY = str.maketrans({"“": "‘", "”": "’"})
_STRAIGHT_OPENING = re.compile(r'(?:^|(?<=[\s(\[{—–/-]))"')


def inner_quotes(text: str) -> str:
    """Double quotation marks inside a quotation as single ones, as a quote set in double marks needs
    ("the “contact person”" → "the ‘contact person’"; straight ones too, opening after a space or bracket)."""
    text = text.translate(_CURLY)
    if '"' in text:
        text = _STRAIGHT_OPENING.sub("‘", text).replace('"', "’")
    return text


@dataclass(frozen=True)
class Note:
    """A table note: general when it has no mark, else the footnote of the cells carrying its mark."""

    text: str
    mark: str = ""


@dataclass(frozen=True)
class Line:
    """One line of a table as a reader sees it: a section heading, or a row of cells."""

    cells: tuple[str, ...]
    """Every column's text; the first is the row's label, without its indent (spaces in the data) or flag."""
    level: int = 0
    """How deep the label is indented (a code under its theme)."""
    bold: bool = False
    heading: bool = False
    """A section heading ("Themes", "Pooled") spanning the table, not a row of data."""
    flag: str = ""
    """The mark on the row's label (e.g. "*" for κ below the threshold)."""


@dataclass(frozen=True, eq=False)
class DisplayTable:
    """A table built once, rendered as text, CSV, XLSX or Word.

    ``frame`` holds the data, one row per item; ``columns`` say which of its
    columns a reader sees, in order, and how. Data files (CSV, XLSX) hold the
    frame's ``data_columns`` under their keys, numbers unrounded but for
    ``data_digits``.
    """

    frame: pd.DataFrame
    columns: tuple[Column, ...]
    caption: str = ""
    notes: tuple[Note, ...] = ()
    levels: tuple[int, ...] = ()
    """Per row of the frame, the indent of its label; all 0 when empty."""
    bold: tuple[bool, ...] = ()
    """Per row of the frame, whether it is set in bold (a theme in the matrix); none when empty."""
    headings: tuple[tuple[int, str], ...] = ()
    """Section headings, each (frame row it stands before, text)."""
    groups: tuple[bool, ...] = ()
    """Per row of the frame, whether it only names a group of the rows below it (a theme nobody applied
    itself, above its codes): shown as its label alone, in bold; data files hold it with empty values."""
    marks: Mapping[tuple[int, str], str] = field(default_factory=dict)
    """Footnote marks by (frame row, frame column), e.g. "a" on an undefined κ, "*" on a label."""
    data_columns: tuple[str, ...] = ()
    """The frame columns a data file holds, in order; every column when empty."""
    data_digits: int | None = None
    """Decimals of floats in a CSV; None writes them in full."""
    merge: str = ""
    """When set, consecutive rows whose first cell reads the same are one line, their other cells joined with it
    (", " makes a transcript's top words one list)."""
    no_rows: str = ""
    """What a reader sees, after "—", when the frame has no rows; nothing when empty."""
    landscape: bool | None = None
    """Whether Word sets the table on a landscape page; None leaves it to the number of columns."""

    def __post_init__(self) -> None:
        # The one place text enters every export: what cannot be shown is removed here, once.
        self._retext(printable)

    def _retext(self, text: Callable[[str], str]) -> None:
        object.__setattr__(self, "frame", _retext_frame(self.frame, text))
        object.__setattr__(self, "caption", text(self.caption))
        object.__setattr__(self, "notes", tuple(replace(n, text=text(n.text)) for n in self.notes))
        object.__setattr__(self, "headings", tuple((i, text(t)) for i, t in self.headings))
        object.__setattr__(self, "columns", tuple(_retext_column(c, text) for c in self.columns))
        object.__setattr__(self, "marks", {(i, text(key)): mark for (i, key), mark in self.marks.items()})
        object.__setattr__(self, "data_columns", tuple(text(key) for key in self.data_columns))
        object.__setattr__(self, "no_rows", text(self.no_rows))

    def published(self, text: Callable[[str], str]) -> DisplayTable:
        """The same table with every string in it (cells, keys, labels, caption, notes) passed through ``text``.

        How the publication boundary reaches a table: ``text`` is
        `Publication.text`, so no confirmed name survives in any cell, column
        name or caption of any format.
        """
        # A shallow copy, not `replace`: the cleaning of __post_init__ need not run again, as
        # ``text`` removes control characters itself.
        published = copy.copy(self)
        published._retext(text)
        return published

    @classmethod
    def plain(cls, frame: pd.DataFrame, *, caption: str = "", notes: tuple[Note, ...] = ()) -> DisplayTable:
        """A table whose reader columns are the frame's own, integers shown as integers."""
        import pandas as pd

        columns = tuple(
            Column(str(key), str(key), 0 if pd.api.types.is_integer_dtype(frame[key]) else None)
            for key in frame.columns
        )
        return cls(frame, columns, caption=caption, notes=notes)

    def data(self) -> pd.DataFrame:
        """The frame as a data file holds it: the data columns under their keys."""
        frame = self.frame[list(self.data_columns)] if self.data_columns else self.frame
        return frame.reset_index(drop=True)

    def lines(self) -> Iterator[Line]:
        """The table as a reader sees it, section headings in place.

        A line is a row of the frame, or with ``merge`` a run of rows whose
        labels read the same; a cell of a column that does not ``repeat`` is
        blank when it reads as the one above, until a section heading.
        """
        headings: dict[int, list[str]] = {}
        for position, text in self.headings:
            headings.setdefault(position, []).append(text)
        blank = ("",) * (len(self.columns) - 1)
        rows = len(self.frame)
        first = self.columns[0]
        # Column by column, not record by record: a quote table has ten thousand rows.
        # An empty frame may have no columns at all (a codebook without codes).
        texts = [c.texts(self.frame) if rows else [] for c in self.columns]
        labels = [label.strip() for label in texts[0]]
        for (i, key), mark in self.marks.items():
            for j, column in enumerate(self.columns[1:], 1):
                if column.key == key:
                    texts[j][i] += mark
        starts = [i for i in range(rows) if not self.merge or i == 0 or i in headings or labels[i] != labels[i - 1]]
        once = [j for j, column in enumerate(self.columns) if not column.repeat]
        above: dict[int, str] = {}
        ends = [*starts[1:], rows] if starts else []
        for start, end in zip(starts, ends, strict=True):
            for text in headings.get(start, ()):
                above.clear()  # a new section names its groups again
                yield Line((text, *blank), bold=True, heading=True)
            if self.groups and self.groups[start]:
                yield Line((labels[start], *blank), level=self.levels[start] if self.levels else 0, bold=True)
                continue
            if end == start + 1:
                cells = [labels[start], *(column[start] for column in texts[1:])]
            else:
                cells = [labels[start], *(self.merge.join(t for t in column[start:end] if t) for column in texts[1:])]
            for j in once:
                shown = cells[j]
                if above.get(j) == shown:
                    cells[j] = ""
                above[j] = shown
            yield Line(
                tuple(cells),
                level=self.levels[start] if self.levels else 0,
                bold=bool(self.bold and self.bold[start]),
                flag=self.marks.get((start, first.key), "") if self.marks else "",
            )
        if not rows and self.no_rows:
            yield Line((MISSING, self.no_rows, *blank[1:])[: len(self.columns)])
        for text in headings.get(rows, ()):
            yield Line((text, *blank), bold=True, heading=True)

    def note_lines(self) -> list[str]:
        """Each note as a line: "* Cohen's kappa below 0.6.", "a undefined: …"."""
        return [f"{n.mark} {n.text}" if n.mark else n.text for n in self.notes]


# -- renderers ------------------------------------------------------------------------


def to_text(table: DisplayTable) -> str:
    """Aligned plain text for a terminal: the caption, the table, then its notes one per line.

    A label's mark stands in a two-character margin before it, so flagged rows
    are seen at a glance and the labels stay aligned; a section heading starts
    at the margin.
    """
    lines = list(table.lines())
    rows = [tuple(c.label for c in table.columns)]
    for line in lines:
        stub = line.cells[0] if line.heading else line.flag.ljust(2) + "  " * line.level + line.cells[0]
        rows.append(tuple(cell.replace("\n", " ") for cell in (stub, *line.cells[1:])))
    widths = [max(len(r[i]) for r in rows) for i in range(len(table.columns))]
    right = [c.right for c in table.columns]

    def aligned(row: tuple[str, ...]) -> str:
        cells = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(row, widths, right, strict=True)]
        return "  ".join(cells).rstrip()

    out = [table.caption, "", aligned(rows[0])]
    for line, row in zip(lines, rows[1:], strict=True):
        out += ["", row[0]] if line.heading else [aligned(row)]
    notes = table.note_lines()
    if notes:
        out += ["", *notes]
    return "\n".join(out)


def neutralise(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula, prefixed with ' (OWASP); anything else as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def to_csv(table: DisplayTable, target: str | IO[str], *, formulas_as_text: bool = True) -> None:
    """Write the table's data as CSV; text cells that would run as formulas are neutralised unless told not to."""
    frame = table.data()
    if formulas_as_text:
        frame = frame.copy()
        for key in frame.columns:
            if _is_text(frame[key]):
                frame[key] = frame[key].map(neutralise)
    float_format = None if table.data_digits is None else f"%.{table.data_digits}f"
    frame.to_csv(target, index=False, encoding="utf-8", lineterminator="\n", float_format=float_format)


def _is_text(column: pd.Series) -> bool:
    """Whether a column holds text: object (pandas 2's default for strings) or the string dtype (pandas 3's)."""
    import pandas as pd

    return column.dtype == object or isinstance(column.dtype, pd.StringDtype)


def _retext_frame(frame: pd.DataFrame, text: Callable[[str], str]) -> pd.DataFrame:
    """The frame with ``text`` applied to its text cells and column names (a copy when any may change)."""
    texts = [key for key in frame.columns if _is_text(frame[key])]
    renamed = {key: text(key) for key in frame.columns if isinstance(key, str) and text(key) != key}
    if not texts and not renamed:
        return frame
    frame = frame.copy()
    for key in texts:
        frame[key] = frame[key].map(lambda v: text(v) if isinstance(v, str) else v)
    if renamed:
        frame = frame.rename(columns=renamed)
    frame.attrs = dict(frame.attrs)
    return frame


def _retext_column(column: Column, text: Callable[[str], str]) -> Column:
    """The column with its keys named as in the retexted frame, and its texts (label, forms, blank) retexted too."""
    upper = None if column.upper is None else text(column.upper)
    parts = tuple(replace(p, key=text(p.key), form=text(p.form)) for p in column.parts)
    return replace(
        column,
        key=text(column.key),
        label=text(column.label),
        upper=upper,
        parts=parts,
        form=text(column.form),
        empty=text(column.empty),
    )


def _fixed(number: float, digits: int | None) -> str:
    """A number to ``digits`` decimals, never a negative zero ("-0.00" reads as a sign nobody meant)."""
    text = f"{number:.{digits}f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def _missing(value: Any) -> bool:
    # pandas' NA (an empty cell of a nullable integer column) is missing too
    return value is None or (isinstance(value, float) and math.isnan(value)) or type(value).__name__ == "NAType"


def _float(value: Any) -> float:
    return math.nan if _missing(value) else float(value)


XLSX_MAX_WIDTH = 60
"""The widest a spreadsheet column is set, in characters; longer text wraps."""


def add_sheet(book: Any, name: str, table: DisplayTable) -> None:
    """Add the table's data to an openpyxl workbook as a sheet: a bold header row, then one row per item.

    Text is always a string cell, never a formula, whatever it starts with;
    numbers stay numbers (a negative one too) and undefined values are empty.
    Columns are as wide as their content (up to 60 characters, then wrapped),
    the header row stays in view (and a tree's label column too), and a tree's
    levels are indents of the label cell and outline levels of its rows.
    """
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    sheet = book.create_sheet(title=name[:31])
    frame = table.data()
    bold = Font(bold=True)
    for j, key in enumerate(frame.columns, 1):
        _put(sheet.cell(row=1, column=j), str(key)).font = bold
    # a tree's level is the cell's indent, not spaces in its text (a filter or a lookup would trip on them)
    tree = len(table.levels) == len(frame) and len(frame.columns) and frame.columns[0] == table.columns[0].key
    levels = list(table.levels) if tree else []
    indents = {level: Alignment(indent=level) for level in set(levels)}
    longest = [len(str(key)) for key in frame.columns]
    for i, values in enumerate(frame.itertuples(index=False, name=None), 2):
        for j, value in enumerate(values, 1):
            if j == 1 and levels and isinstance(value, str):
                value = value.strip()
            cell = _put(sheet.cell(row=i, column=j), value)
            if j == 1 and levels and levels[i - 2]:
                cell.alignment = indents[levels[i - 2]]
                # and an outline level, so a theme's rows fold up under it as a spreadsheet groups them
                sheet.row_dimensions[i].outline_level = min(levels[i - 2], 7)
            if value is not None:
                longest[j - 1] = max(longest[j - 1], max((len(x) for x in str(value).split("\n")), default=0))
    wrap = Alignment(wrap_text=True, vertical="top")
    for j, length in enumerate(longest, 1):
        # widths from the content, in characters; a long text column (quotes) wraps at 60
        sheet.column_dimensions[get_column_letter(j)].width = min(length + 2, XLSX_MAX_WIDTH)
        if length + 2 > XLSX_MAX_WIDTH:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                cell.alignment = wrap
    sheet.freeze_panes = "B2" if levels else "A2"
    if levels:
        sheet.sheet_properties.outlinePr.summaryBelow = False  # a theme's row stands above its codes


def _put(cell: Any, value: Any) -> Any:
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalars to Python's, which openpyxl writes as numbers
    if _missing(value):
        cell.value = None
    elif isinstance(value, str):
        cell.value = value
        # openpyxl takes a string starting with "=" for a formula; the cell type says it is text.
        cell.data_type = "s"
    elif isinstance(value, bool | int | float):
        cell.value = value
    else:
        cell.value = str(value)
        cell.data_type = "s"
    return cell
