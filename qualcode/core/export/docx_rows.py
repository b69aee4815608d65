"""Big Word tables, fast: build one styled row, then copy its XML for every row of data.

python-docx's `table.add_row()` re-reads the table's grid for every row and
`table.cell(r, c)` walks the whole table each time (quadratic); a report with
ten thousand quotes would take minutes. A table here is made with python-docx
(header and one template row, styled), and the rows are deep copies of the
template's `<w:tr>` element with their texts set, appended in one pass.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

from docx.oxml.ns import qn
from docx.table import Table


def fill_rows(table: Table, rows: Sequence[Sequence[str]], *, template_index: int = -1) -> None:
    """Replace the table's template row with one row per item of ``rows``.

    The template row (the last row by default) must have one paragraph with
    one run per cell; its formatting (paragraph style, run font, borders,
    shading) is carried to every row. A newline in a value becomes a line
    break in the cell.
    """
    tbl = table._tbl
    template = tbl.tr_lst[template_index]
    tbl.remove(template)
    width = len(template.tc_lst)
    for values in rows:
        if len(values) != width:
            raise ValueError(f"a row has {len(values)} values for {width} columns")
        tr = copy.deepcopy(template)
        for tc, value in zip(tr.tc_lst, values, strict=True):
            _set_text(tc, str(value))
        tbl.append(tr)


def _set_text(tc: object, value: str) -> None:
    run = tc.find(f".//{qn('w:r')}")  # type: ignore[attr-defined]
    for t in run.findall(qn("w:t")):
        run.remove(t)
    for br in run.findall(qn("w:br")):
        run.remove(br)
    for i, line in enumerate(value.split("\n")):
        if i:
            run.append(run.makeelement(qn("w:br"), {}))
        t = run.makeelement(qn("w:t"), {})
        t.text = line
        t.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        run.append(t)
