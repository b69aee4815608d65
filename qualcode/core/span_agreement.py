"""Agreement on exact passages: character by character (as NVivo compares), and span by span (as MAXQDA).

Pure functions on interval arrays. Offsets are made global (a transcript's
offsets plus where its text starts in all texts laid end to end), so one
sorted array holds every transcript and an interval never crosses from one
into the next. Nothing is expanded per character: lengths come from sorted
boundaries, so a million words cost what their intervals cost.

Character level: each character of the segments is a unit, coded or not by
each coder with the code (a whole-segment coding codes all of its segment's
characters, a span those it covers); the 2×2 table of characters gives the
same statistics as segments do.

Span matching: each coding of a coder (a span, or a whole segment) is matched
when the other coder has a coding of the same code overlapping it by at least
``overlap`` of the longer one's characters; percent agreement is the share of
both coders' codings that are matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

OVERLAP = 0.9
"""The share of the longer span two spans must share to match (MAXQDA's default is 90%)."""


def union(starts: Any, ends: Any) -> tuple[Any, Any]:
    """The union of intervals ``[start, end)``, as sorted disjoint intervals."""
    starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    keep = ends > starts
    starts, ends = starts[keep], ends[keep]
    if not len(starts):
        return starts, ends
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    reach = np.maximum.accumulate(ends)
    # a new interval begins where the next start lies past everything reached so far
    begins = np.concatenate([[True], starts[1:] > reach[:-1]])
    first = np.flatnonzero(begins)
    last = np.append(first[1:], len(starts)) - 1
    return starts[first], reach[last]


def intersect(a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[Any, Any]:
    """The intersection of two sets of sorted disjoint intervals, as sorted disjoint intervals."""
    (sa, ea), (sb, eb) = a, b
    if not len(sa) or not len(sb):
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty
    points = np.concatenate([sa, ea, sb, eb])
    steps = np.concatenate([np.ones(len(sa)), -np.ones(len(ea)), np.ones(len(sb)), -np.ones(len(eb))]).astype(np.int64)
    # ends before starts at the same point, so touching intervals do not overlap
    order = np.lexsort((steps, points))
    points, level = points[order], np.cumsum(steps[order])
    inside = np.flatnonzero((level[:-1] == 2) & (points[1:] > points[:-1]))
    return points[inside], points[inside + 1]


def lengths_by(starts: Any, ends: Any, bases: Any) -> Any:
    """Total length of disjoint intervals per part, the parts starting at ``bases`` (sorted)."""
    part = np.searchsorted(bases, starts, "right") - 1
    return np.bincount(part, weights=ends - starts, minlength=len(bases)).astype(np.int64)


def character_tables(a: tuple[Any, Any], b: tuple[Any, Any], units: tuple[Any, Any], bases: Any) -> Any:
    """Per part (transcript), the 2×2 table (both, only A, only B, neither) of the units' characters.

    ``a`` and ``b`` are one code's codings of each coder (any intervals),
    ``units`` the segments' characters as sorted disjoint intervals.
    """
    ua, ub = intersect(union(*a), units), intersect(union(*b), units)
    size_a, size_b = lengths_by(*ua, bases), lengths_by(*ub, bases)
    both = lengths_by(*intersect(ua, ub), bases)
    total = lengths_by(*units, bases)
    return np.stack([both, size_a - both, size_b - both, total - size_a - size_b + both], axis=1)


@dataclass(frozen=True)
class Matching:
    """Span matching of one code (or pooled): each coder's codings, how many are matched."""

    spans_a: int
    matched_a: int
    spans_b: int
    matched_b: int
    overlap: float

    @property
    def percent_agreement(self) -> float:
        total = self.spans_a + self.spans_b
        return (self.matched_a + self.matched_b) / total if total else float("nan")

    def __add__(self, other: Matching) -> Matching:
        return Matching(
            self.spans_a + other.spans_a,
            self.matched_a + other.matched_a,
            self.spans_b + other.spans_b,
            self.matched_b + other.matched_b,
            self.overlap,
        )

    def as_dict(self, names: tuple[str, str]) -> dict[str, Any]:
        agreement = self.percent_agreement
        return {
            "overlap": self.overlap,
            names[0]: {"spans": self.spans_a, "matched": self.matched_a, "unmatched": self.spans_a - self.matched_a},
            names[1]: {"spans": self.spans_b, "matched": self.matched_b, "unmatched": self.spans_b - self.matched_b},
            "percent_agreement": None if agreement != agreement else round(agreement, 12),
        }


def matched(a: tuple[Any, Any], b: tuple[Any, Any], overlap: float = OVERLAP) -> tuple[Any, Any]:
    """Which of A's and of B's intervals are matched: overlapping one of the other's by at least
    ``overlap`` of the longer interval's length."""
    (sa, ea), (sb, eb) = (tuple(np.asarray(x, dtype=np.int64) for x in pair) for pair in (a, b))
    hit_a, hit_b = np.zeros(len(sa), dtype=bool), np.zeros(len(sb), dtype=bool)
    if not len(sa) or not len(sb):
        return hit_a, hit_b
    order = np.argsort(sb, kind="stable")
    sb, eb = sb[order], eb[order]
    longest = int((eb - sb).max())
    # B's candidates for each A: those starting before A ends and not so early they must end before A starts
    lo = np.searchsorted(sb, sa - longest, "left")
    hi = np.searchsorted(sb, ea, "left")
    counts = np.maximum(hi - lo, 0)
    if not counts.sum():
        return hit_a, hit_b
    which_a = np.repeat(np.arange(len(sa)), counts)
    which_b = np.repeat(lo, counts) + (np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts))
    shared = np.minimum(ea[which_a], eb[which_b]) - np.maximum(sa[which_a], sb[which_b])
    longer = np.maximum(ea[which_a] - sa[which_a], eb[which_b] - sb[which_b])
    good = (shared > 0) & (shared >= overlap * longer)
    hit_a[which_a[good]] = True
    found_b = np.zeros(len(sb), dtype=bool)
    found_b[which_b[good]] = True
    hit_b[order] = found_b
    return hit_a, hit_b


def matching(a: tuple[Any, Any], b: tuple[Any, Any], overlap: float = OVERLAP) -> Matching:
    hit_a, hit_b = matched(a, b, overlap)
    return Matching(len(hit_a), int(hit_a.sum()), len(hit_b), int(hit_b.sum()), overlap)
