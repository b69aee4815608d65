"""Exact passages: checking a span's offsets against its text before it is coded, and its words."""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right

from qualcode.core.errors import BadInput


def span_problem(text: str, start: int, end: int) -> str | None:
    """Why ``[start, end)`` cannot be coded in ``text`` (code points, end exclusive), or None when it can.

    An offset may not fall between a character and the combining marks that
    follow it (an accent typed as its own code point), so a span never cuts a
    letter in two; qualcode refuses such an offset rather than moving it.
    """
    if start < 0 or end > len(text):
        return f"the span {start}–{end} lies outside the text (0–{len(text)})"
    if end <= start:
        return f"the span {start}–{end} is empty; its end must come after its start"
    for name, at in (("start", start), ("end", end)):
        if 0 < at < len(text) and unicodedata.combining(text[at]):
            return f"its {name} ({at}) falls inside a combined character; give the offset of the character's start"
    return None


def check_span(text: str, start: int, end: int, where: str) -> None:
    """Refuse a span that cannot be coded in ``text``, with the reason (see `span_problem`)."""
    problem = span_problem(text, start, end)
    if problem:
        raise BadInput(problem, where=where)


def words_between(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Each word (a run of non-space characters) of ``text[start:end]``, as offsets into ``text``."""
    return [(start + m.start(), start + m.end()) for m in re.finditer(r"\S+", text[start:end])]


class ExtentEdit:
    """The lead moving a passage's start and end word by word, over the words of a stretch of text.

    The start never passes the end: moving one onto the other's word keeps
    a passage of that one word.
    """

    def __init__(self, text: str, stretch: tuple[int, int], passage: tuple[int, int]) -> None:
        self.words = words_between(text, *stretch)
        if not self.words:
            raise BadInput("there is no word to code in this stretch of text", where=f"{stretch[0]}–{stretch[1]}")
        starts = [s for s, _e in self.words]
        ends = [e for _s, e in self.words]
        self.first = max(bisect_right(starts, passage[0]) - 1, 0)
        """The index of the passage's first word."""
        self.last = max(min(bisect_left(ends, passage[1]), len(self.words) - 1), self.first)
        """The index of its last word."""

    @property
    def passage(self) -> tuple[int, int]:
        return self.words[self.first][0], self.words[self.last][1]

    def move_start(self, delta: int) -> None:
        self.first = max(0, min(self.first + delta, self.last))

    def move_end(self, delta: int) -> None:
        self.last = min(len(self.words) - 1, max(self.last + delta, self.first))
