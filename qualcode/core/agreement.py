"""Agreement between two coders: pure functions from yes/no decisions to statistics.

Per code, every segment is a yes/no decision by each coder, so two coders give
a 2×2 table: both applied the code, only A, only B, neither. All five
statistics follow from those four counts, which lets us compute them for every
code at once with array arithmetic instead of calling a library per code.

With p_o the observed share of agreement and n the number of segments:

- percent agreement: p_o
- Cohen's κ: (p_o − p_e) / (1 − p_e), p_e from each coder's own rate of "yes"
- Krippendorff's α (nominal): 1 − (2n − 1)·(only A + only B) / (n_yes · n_no),
  where n_yes and n_no count the 2n values pooled over both coders; this is the
  exact small-sample form, so it matches `krippendorff.alpha` to rounding
- Gwet's AC1: (p_o − p_e) / (1 − p_e), p_e = 2π(1 − π), π the mean rate of "yes"
- Brennan–Prediger κ: (p_o − ½) / ½, chance fixed at one in two categories

A statistic whose formula is 0/0 is undefined (NaN here, null in JSON), with a
reason from `undefined_reason`; it is never reported as 0.
"""

from __future__ import annotations

import warnings
from typing import Any, NamedTuple

import numpy as np


class Label(NamedTuple):
    """How a reader sees one number of the report: its column label, what it stands for, its decimals."""

    key: str
    """The name in JSON, CSV and the dict `statistics` returns."""
    label: str
    """The column header of the tables for a reader."""
    meaning: str = ""
    """What the label stands for, in the table note; empty when the label says it."""
    digits: int = 2
    scale: float = 1.0
    """Multiplies the value for a reader (100 shows a share as a percentage)."""


STATISTIC_LABELS = (
    Label("percent_agreement", "% agree", digits=1, scale=100),
    Label("cohen_kappa", "κ", "Cohen's kappa"),
    Label("krippendorff_alpha", "α", "Krippendorff's alpha (nominal)"),
    Label("gwet_ac1", "AC1", "Gwet's AC1"),
    Label("brennan_prediger", "BP", "Brennan–Prediger"),
)
"""The statistics computed for every table, in report order, with their labels: a new one is a line here."""

STATISTICS = tuple(s.key for s in STATISTIC_LABELS)

COUNT_LABELS = (
    Label("both", "Both", digits=0),
    Label("only_a", "A only", digits=0),
    Label("only_b", "B only", digits=0),
    Label("neither", "Neither", digits=0),
)
"""The cells of the 2×2 table, in report order, with their labels."""

COUNTS = tuple(c.key for c in COUNT_LABELS)


def tables(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The 2×2 counts of each column of two boolean (segments × codes) matrices, shape (codes, 4)."""
    a = np.asarray(a, dtype=bool)
    b = np.asarray(b, dtype=bool)
    if a.shape != b.shape:
        raise ValueError(f"the coders' matrices differ in shape: {a.shape} and {b.shape}")
    n = a.shape[0]
    both = np.count_nonzero(a & b, axis=0)
    yes_a = np.count_nonzero(a, axis=0)
    yes_b = np.count_nonzero(b, axis=0)
    only_a = yes_a - both
    only_b = yes_b - both
    neither = n - both - only_a - only_b
    return np.stack([both, only_a, only_b, neither], axis=-1).astype(np.int64)


def statistics(counts: np.ndarray) -> dict[str, np.ndarray]:
    """All five statistics from 2×2 counts of shape (..., 4) (both, only A, only B, neither).

    Works on any leading shape, e.g. (codes, 4) or (resamples, codes, 4); an
    undefined value is NaN.
    """
    t = np.asarray(counts, dtype=np.float64)
    both, only_a, only_b, neither = t[..., 0], t[..., 1], t[..., 2], t[..., 3]
    n = both + only_a + only_b + neither
    with np.errstate(divide="ignore", invalid="ignore"):
        p_o = (both + neither) / n
        yes_a = (both + only_a) / n
        yes_b = (both + only_b) / n
        p_e_cohen = yes_a * yes_b + (1 - yes_a) * (1 - yes_b)
        cohen = _ratio(p_o - p_e_cohen, 1 - p_e_cohen)
        n_yes = 2 * both + only_a + only_b
        n_no = 2 * neither + only_a + only_b
        alpha = 1 - _ratio((2 * n - 1) * (only_a + only_b), n_yes * n_no)
        pi = (yes_a + yes_b) / 2
        p_e_gwet = 2 * pi * (1 - pi)
        gwet = _ratio(p_o - p_e_gwet, 1 - p_e_gwet)
        bp = (p_o - 0.5) / 0.5
    return {
        "percent_agreement": p_o,
        "cohen_kappa": cohen,
        "krippendorff_alpha": alpha,
        "gwet_ac1": gwet,
        "brennan_prediger": bp,
    }


def _ratio(top: np.ndarray, bottom: np.ndarray) -> np.ndarray:
    """top / bottom, NaN where the bottom is zero (the 0/0 cases of the formulas)."""
    bottom = np.asarray(bottom, dtype=np.float64)
    safe = np.where(np.abs(bottom) < 1e-15, np.nan, bottom)
    return np.asarray(top, dtype=np.float64) / safe


def undefined_reason(counts: tuple[int, int, int, int] | np.ndarray) -> str | None:
    """Why κ and α cannot be computed for a 2×2 table, or None when they can.

    Percent agreement, AC1 and Brennan–Prediger are defined whenever a single
    segment was compared; κ and α need some variation in what the coders did.
    """
    both, only_a, only_b, neither = (int(x) for x in counts)
    if both + only_a + only_b + neither == 0:
        return "no segments were compared"
    if both + only_a + only_b == 0:
        return "neither coder used this code"
    if only_a + only_b + neither == 0:
        return "both coders applied it to every segment"
    return None


def krippendorff_alpha_nominal(values: Any) -> float:
    """Krippendorff's α for nominal data, any number of coders, missing values allowed.

    ``values`` is a (coders × units) array; NaN (or None) marks a missing value.
    Units with fewer than two values are not pairable and are left out, as in
    Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability".
    Returns NaN when there is no variation at all (expected disagreement 0).
    """
    data = np.array(values, dtype=np.float64)
    if data.ndim != 2:
        raise ValueError("values must be a (coders × units) table")
    present = ~np.isnan(data)
    categories = np.unique(data[present])
    # n_uc: how many coders gave unit u the value c
    per_unit = np.stack([np.sum(data == c, axis=0) for c in categories], axis=1).astype(np.float64)
    m_u = per_unit.sum(axis=1)
    pairable = m_u >= 2
    per_unit, m_u = per_unit[pairable], m_u[pairable]
    if per_unit.size == 0:
        return float("nan")
    weight = 1.0 / (m_u - 1)
    coincidence = np.einsum("u,uc,uk->ck", weight, per_unit, per_unit) - np.diag(weight @ per_unit)
    n_c = coincidence.sum(axis=1)
    n = n_c.sum()
    observed = coincidence.sum() - np.trace(coincidence)
    expected = (n_c.sum() ** 2 - np.sum(n_c**2)) / (n - 1)
    if expected == 0:
        return float("nan")
    return float(1 - observed / expected)


def bootstrap(cells: np.ndarray, decisions: np.ndarray, resamples: int, seed: int, *, chunk: int = 100) -> np.ndarray:
    """2×2 counts of every table in ``resamples`` bootstrap resamples of the segments.

    ``cells`` is (segments × tables × 3): how many of the segment's decisions in
    each table fall in "both", "only A" and "only B" (0 or 1 for a single code;
    more for a pooled table); ``decisions`` (segments × tables) how many
    decisions the segment adds to each table. A resample draws the segments
    with replacement; its counts are the weights (how often each segment was
    drawn) times those columns: one matrix product for all tables at once.
    Returns (resamples × tables × 4), reproducible for a given seed.
    """
    segments, k, _ = cells.shape
    flat = np.concatenate([cells.reshape(segments, k * 3), decisions.reshape(segments, k)], axis=1)
    flat = flat.astype(np.float32)
    rng = np.random.default_rng(seed)
    out = np.empty((resamples, k, 4), dtype=np.float64)
    for start in range(0, resamples, chunk):
        stop = min(start + chunk, resamples)
        draws = rng.integers(0, segments, size=(stop - start, segments))
        weights = np.stack([np.bincount(row, minlength=segments) for row in draws]).astype(np.float32)
        product = (weights @ flat).astype(np.float64)
        three = product[:, : k * 3].reshape(stop - start, k, 3)
        out[start:stop, :, :3] = three
        out[start:stop, :, 3] = product[:, k * 3 :] - three.sum(axis=2)
    return out


def cells_of(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per segment and code, the one-hot (both, only A, only B) of two boolean matrices: (segments × codes × 3)."""
    a = np.asarray(a, dtype=bool)
    b = np.asarray(b, dtype=bool)
    return np.stack([a & b, a & ~b, ~a & b], axis=-1).astype(np.float32)


def confidence_intervals(resampled: np.ndarray, level: float = 0.95) -> dict[str, np.ndarray]:
    """Percentile intervals of each statistic over bootstrap tables (resamples × k × 4) → (k × 2) each.

    Resamples in which a statistic is undefined are left out; when most are
    undefined the interval is NaN too.
    """
    return percentile_intervals(statistics(resampled), level)


def percentile_intervals(resampled: dict[str, np.ndarray], level: float = 0.95) -> dict[str, np.ndarray]:
    """Percentile intervals (items × 2) of each statistic over its resamples (resamples × items); NaN where
    the statistic is undefined in most of them."""
    tail = (1 - level) / 2 * 100
    out = {}
    for name, values in resampled.items():
        defined = np.sum(~np.isnan(values), axis=0)
        # nanpercentile warns on all-NaN columns; those are reported as undefined instead.
        with np.errstate(invalid="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            lo = np.nanpercentile(values, tail, axis=0)
            hi = np.nanpercentile(values, 100 - tail, axis=0)
        usable = defined >= 0.5 * values.shape[0]
        out[name] = np.stack([np.where(usable, lo, np.nan), np.where(usable, hi, np.nan)], axis=-1)
    return out
