"""Exact passages: checking a span's offsets against its text before it is coded."""

from __future__ import annotations

import unicodedata

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
