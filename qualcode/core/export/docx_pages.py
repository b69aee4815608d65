"""Where a long grouped table's pages break, so each page can name the group it continues.

Word lays out pages only when it shows the document, and a table has no field
for "the group this page continues". So the report decides the page breaks
itself: it estimates each row's height from its text, the column widths and
the font (word-wrapped with an average character width a little wider than
Calibri's, so the estimate errs towards taller rows), fills each page to a
safety margin short of its height, and starts a new table on a new page with
the header repeated and the group's label followed by "(continued)". A page
may end a little early; a page never holds more than its estimate, so the
label on top of a page is the group that really continues there.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

CHAR_EM = 0.5
"""Average advance of a character, in ems (Calibri's lower-case text averages about 0.45)."""
LINE_EM = 1.22 * 1.15
"""A line's height in ems: Calibri's line (1.22 em) at Word's default multiple of 1.15."""
ROW_EXTRA_PT = 2.5
"""A row's paragraph spacing (1 pt before and after) and rule, in points."""
CELL_MARGIN_PT = 7.0
"""The left and right cell margins together (70 twips each), in points."""
SAFETY = 0.9
"""The share of a page's height the estimate may fill."""


def wrapped_lines(text: str, width_pt: float, font_pt: float) -> int:
    """How many lines ``text`` takes in a cell ``width_pt`` wide, word-wrapped, each "\\n" a new line."""
    per_line = max(1, int((width_pt - CELL_MARGIN_PT) / (CHAR_EM * font_pt)))
    if len(text) <= per_line and "\n" not in text:
        return 1
    lines = 0
    for paragraph in text.split("\n"):
        used = 0
        lines += 1
        for length in map(len, paragraph.split(" ")):
            if used and used + 1 + length > per_line:
                lines += 1
                used = 0
            if length > per_line:  # a word longer than the line breaks where it must
                lines += math.ceil(length / per_line) - 1
                used = length % per_line
            else:
                used += (1 if used else 0) + length
    return lines


def row_height(cells: Sequence[str], widths_pt: Sequence[float], font_pt: float) -> float:
    """A row's height in points: its tallest cell."""
    lines = max(wrapped_lines(text, width, font_pt) for text, width in zip(cells, widths_pt, strict=True))
    return lines * LINE_EM * font_pt + ROW_EXTRA_PT


def page_starts(heights: Sequence[float], header: float, first_page: float, page: float) -> list[int]:
    """The index of the first row on each page: the first page has ``first_page`` points below the caption,
    the others ``page``; every page repeats the header row. A row taller than a page gets a page of its own."""
    starts = [0]
    room = first_page * SAFETY - header
    used = 0.0
    for i, height in enumerate(heights):
        if used and used + height > room:
            starts.append(i)
            room = page * SAFETY - header
            used = 0.0
        used += height
    return starts
