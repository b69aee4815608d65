"""Agreement of three or more coders: Fleiss' κ, Krippendorff's α, Gwet's AC1 and Brennan–Prediger for
many raters, mean pairwise percent agreement and pairwise Cohen's κ, with missing ratings.

A rating is a coder's category for a unit (a segment): for one code, yes (1)
or no (0); for an exclusive group of codes, which of its codes (0 … q − 1).
A coder who has not done a transcript has no rating on its segments: missing,
not "no". Everything works from the counts ``n[u, k]``, how many coders gave
unit ``u`` category ``k`` (Gwet 2014, *Handbook of Inter-Rater Reliability*,
ch. 2 and 5; Krippendorff 2011, "Computing Krippendorff's Alpha-Reliability"):

- p_a = mean over units rated at least twice of Σ_k n_uk(n_uk − 1) / (m_u(m_u − 1)),
  m_u the unit's number of ratings;
- π_k = mean over rated units of n_uk / m_u;
- Fleiss' κ = (p_a − Σ π_k²) / (1 − Σ π_k²);
- Gwet's AC1 = (p_a − p_e) / (1 − p_e), p_e = Σ π_k(1 − π_k) / (q − 1);
- Brennan–Prediger = (p_a − 1/q) / (1 − 1/q);
- Krippendorff's α (nominal) = 1 − (n − 1)(n − Σ_k o_kk) / (n² − Σ_k n_k²), from the
  coincidences o_kk = Σ_u n_uk(n_uk − 1)/(m_u − 1) and n_k = Σ_u n_uk over pairable units.

Every figure is a sum over units of per-unit terms, so a bootstrap resample is
one matrix product of its draw counts with the terms, for all codes at once.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np

from qualcode.core import agreement

STATISTICS = ("percent_agreement", "fleiss_kappa", "krippendorff_alpha", "gwet_ac1", "brennan_prediger")
"""The statistics of a many-coder report, under their JSON names, in report order."""


def counts_of(ratings: Any, q: int) -> np.ndarray:
    """(units × q) counts from (coders × units) ratings, each a category 0 … q − 1 or −1 for missing."""
    ratings = np.asarray(ratings, dtype=np.int64)
    return np.stack([(ratings == k).sum(axis=0) for k in range(q)], axis=-1).astype(np.float64)


def terms(counts: np.ndarray) -> dict[str, np.ndarray]:
    """The per-unit terms every statistic sums: counts (... × units × q) → each (... × units [× q])."""
    counts = np.asarray(counts, dtype=np.float64)
    m = counts.sum(axis=-1)
    return _terms(counts, m, m)


def _terms(counts: np.ndarray, m: np.ndarray, m_terms: np.ndarray) -> dict[str, np.ndarray]:
    """`terms` given each unit's number of ratings ``m`` (broadcast against the counts) and the shape the
    unit-only terms (pairable, rated) are kept in, ``m_terms``."""
    pairable = m >= 2
    with np.errstate(invalid="ignore", divide="ignore"):
        inv_pair = np.where(pairable, 1 / (m * (m - 1)), 0)
        inv_m = np.where(m >= 1, 1 / m, 0)
        inv_m1 = np.where(pairable, 1 / (m - 1), 0)
    same = counts * (counts - 1)
    return {
        "pa": same.sum(axis=-1) * inv_pair,
        "pairable": (m_terms >= 2).astype(counts.dtype),
        "share": counts * inv_m[..., None],
        "rated": (m_terms >= 1).astype(counts.dtype),
        "o_same": same * inv_m1[..., None],
        "n_k": counts * pairable[..., None],
    }


def from_sums(sums: dict[str, np.ndarray], q: int) -> dict[str, np.ndarray]:
    """The statistics from the terms summed over units (any leading shape); NaN where undefined."""
    with np.errstate(invalid="ignore", divide="ignore"):
        pa = sums["pa"] / sums["pairable"]
        pi = sums["share"] / sums["rated"][..., None]
        fleiss_pe = (pi**2).sum(axis=-1)
        ac1_pe = (pi * (1 - pi)).sum(axis=-1) / (q - 1)
        bp_pe = 1.0 / q
        n_k = sums["n_k"]
        n = n_k.sum(axis=-1)
        same = sums["o_same"].sum(axis=-1)
        expected = n**2 - (n_k**2).sum(axis=-1)
        out = {
            "p_a": pa,
            "fleiss_kappa": _chance_corrected(pa, fleiss_pe),
            "gwet_ac1": _chance_corrected(pa, ac1_pe),
            "brennan_prediger": (pa - bp_pe) / (1 - bp_pe),
            "krippendorff_alpha": np.where(
                expected > 0, 1 - (n - 1) * (n - same) / np.where(expected > 0, expected, 1), np.nan
            ),
        }
    return out


def _chance_corrected(pa: np.ndarray, pe: np.ndarray) -> np.ndarray:
    """(p_a − p_e)/(1 − p_e); NaN when chance agreement is 1 (every rating the same category)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(np.isclose(pe, 1.0), np.nan, (pa - pe) / np.where(np.isclose(pe, 1.0), 1.0, 1 - pe))


def statistics(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Fleiss' κ, Gwet's AC1, Brennan–Prediger, Krippendorff's α and p_a of counts (... × units × q)."""
    q = counts.shape[-1]
    per_unit = terms(counts)
    return from_sums(
        {name: value.sum(axis=-2 if value.ndim == counts.ndim else -1) for name, value in per_unit.items()}, q
    )


@dataclass
class Measures:
    """What the statistics of some items (codes) are computed from, unit by unit.

    ``terms`` are those of `terms` (items × units [× q]), made when first used; ``both`` (pairs ×
    units) marks the units each pair of coders both rated, ``agree`` (pairs ×
    units × items) where they agree; ``tables`` (pairs × items × 4) are each
    pair's 2×2 tables for Cohen's κ. ``folded`` is how many items were pooled
    into each item (a pooled row's units are its segments, each counting once
    per code).
    """

    both: np.ndarray
    agree: np.ndarray
    tables: np.ndarray
    q: int
    folded: int = 1
    sums: dict[str, np.ndarray] | None = None
    """The terms summed over the units in float64, per item, when computed exactly (the per-unit terms
    are float32, for the bootstrap's matrix products)."""
    build: Callable[[], dict[str, np.ndarray]] | None = None
    """Makes the per-unit terms when first asked for (only the bootstrap needs them)."""
    _terms: dict[str, np.ndarray] | None = field(default=None, repr=False)

    @property
    def terms(self) -> dict[str, np.ndarray]:
        if self._terms is None:
            assert self.build is not None
            self._terms = self.build()
        return self._terms

    def pooled(self) -> Measures:
        """One item: every (unit, item) decision of these items, the units still the resampled ones."""
        items = self.agree.shape[2]

        def fold(terms: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
            # a unit-only term kept once (1 × units) counts once per item
            return {k: v.sum(axis=0, keepdims=True) if v.shape[0] == items else v * items for k, v in terms.items()}

        return Measures(
            self.both,
            self.agree.sum(axis=2, keepdims=True),
            self.tables.sum(axis=1, keepdims=True),
            self.q,
            self.folded * items,
            None if self.sums is None else fold(self.sums),
            lambda: fold(self.terms),
        )

    def statistics(self) -> dict[str, np.ndarray]:
        """Every statistic of each item: (items,) arrays."""
        sums = self.sums or {k: v.sum(axis=1, dtype=np.float64) for k, v in self.terms.items()}
        out = from_sums(sums, self.q)
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = self.agree.sum(axis=1) / (self.both.sum(axis=1)[:, None] * self.folded)
        out["percent_agreement"] = _mean_over_pairs(shares)
        return out

    def pairwise_kappas(self) -> np.ndarray:
        """Cohen's κ of each pair for each item: (pairs × items)."""
        pairs, items, _ = self.tables.shape
        kappa = agreement.statistics(self.tables.reshape(-1, 4))["cohen_kappa"]
        return kappa.reshape(pairs, items)


def measures(matrices: list[np.ndarray], present: np.ndarray) -> Measures:
    """The measures of binary codes from each coder's (units × codes) boolean matrix and the (coders ×
    units) mask of which units each coder rated."""
    # float32: counts of a few coders are exact, and the arrays are codes × segments large
    yes = np.zeros(matrices[0].shape[::-1], dtype=np.float32)
    for matrix, rated in zip(matrices, present, strict=True):
        yes += (matrix & rated[:, None]).T
    m = present.sum(axis=0).astype(np.float32)

    def build() -> dict[str, np.ndarray]:
        # the unit-only terms once, as (1 × units), for all codes
        return _terms(np.stack([m[None, :] - yes, yes], axis=-1), m[None, :], m[None, :])

    both, agree, tables = [], [], []
    for i, j in combinations(range(len(matrices)), 2):
        rated = present[i] & present[j]
        both.append(rated.astype(np.float64))
        agree.append((matrices[i] == matrices[j]) & rated[:, None])
        tables.append(agreement.tables(matrices[i][rated], matrices[j][rated]))
    return Measures(
        np.stack(both), np.stack(agree), np.stack(tables).astype(np.int64), 2, 1, _binary_sums(yes, m), build
    )


def _binary_sums(yes: np.ndarray, m: np.ndarray) -> dict[str, np.ndarray]:
    """The terms of yes/no ratings summed over the units exactly (float64), from the number of yes ratings
    (items × units) and of ratings (units) per unit.

    With y yes and n = m − y no ratings of a unit: y(y − 1) + n(n − 1) = 2y² − 2my + m² − m and
    n(n − 1) = m² − m − 2my + y² + y, so every sum is a product of y or y² with a vector of the units:
    two matrix products instead of arrays of every term.
    """
    y = yes.astype(np.float64)
    m = m.astype(np.float64)
    pairable = (m >= 2).astype(np.float64)
    rated = (m >= 1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        ip = np.where(m >= 2, 1 / (m * (m - 1)), 0.0)
        im = np.where(m >= 1, 1 / m, 0.0)
        im1 = np.where(m >= 2, 1 / (m - 1), 0.0)
    by_y = y @ np.stack([m * ip, m * im1, im1, im, pairable], axis=1)
    by_y2 = (y * y) @ np.stack([ip, im1], axis=1)
    y_mip, y_mim1, y_im1, y_im, y_pair = by_y.T
    y2_ip, y2_im1 = by_y2.T
    base = m * m - m
    yes_same = y2_im1 - y_im1
    no_same = base @ im1 - 2 * y_mim1 + y2_im1 + y_im1
    return {
        "pa": 2 * y2_ip - 2 * y_mip + base @ ip,
        "pairable": np.array([pairable.sum()]),
        "share": np.stack([rated.sum() - y_im, y_im], axis=-1),
        "rated": np.array([rated.sum()]),
        "o_same": np.stack([no_same, yes_same], axis=-1),
        "n_k": np.stack([(m * pairable).sum() - y_pair, y_pair], axis=-1),
    }


def _mean_over_pairs(shares: np.ndarray) -> np.ndarray:
    """The mean over pairs (axis 0), leaving out pairs that rated no unit in common."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmean(shares, axis=0)


def bootstrap(measure: Measures, resamples: int, seed: int, *, chunk: int | None = None) -> dict[str, np.ndarray]:
    """Every statistic in ``resamples`` bootstrap resamples of the units: (resamples × items) each.

    A resample's sums are its draw counts (how often each unit was drawn)
    times the per-unit terms: one matrix product per chunk of resamples.
    """
    t = measure.terms
    items, units = t["pa"].shape
    q = measure.q
    pairs = measure.both.shape[0]
    blocks = {
        "pa": t["pa"].T,
        "pairable": t["pairable"].T,
        "share": t["share"].transpose(1, 0, 2).reshape(units, -1),
        "rated": t["rated"].T,
        "o_same": t["o_same"].transpose(1, 0, 2).reshape(units, -1),
        "n_k": t["n_k"].transpose(1, 0, 2).reshape(units, -1),
        "both": measure.both.T,
        "agree": measure.agree.transpose(1, 0, 2).reshape(units, -1),
    }
    names = list(blocks)
    widths = [blocks[n].shape[1] for n in names]
    # one float32 block, filled in place (the terms are float32 already; the agreements booleans)
    flat = np.empty((units, sum(widths)), dtype=np.float32)
    at = 0
    for n, width in zip(names, widths, strict=True):
        flat[:, at : at + width] = blocks[n]
        at += width
    rng = np.random.default_rng(seed)
    out = {name: np.empty((resamples, items)) for name in STATISTICS}
    if chunk is None:
        # large products run far faster than many small ones; the weights of a chunk stay near 200 MB
        chunk = max(10, min(500, 50_000_000 // max(units, 1)))
    for start in range(0, resamples, chunk):
        stop = min(start + chunk, resamples)
        k = stop - start
        draws = rng.integers(0, units, size=(k, units))
        weights = np.stack([np.bincount(row, minlength=units) for row in draws]).astype(np.float32)
        parts = dict(
            zip(names, np.split((weights @ flat).astype(np.float64), np.cumsum(widths)[:-1], axis=1), strict=True)
        )
        sums = {
            "pa": parts["pa"],
            "pairable": parts["pairable"],
            "share": parts["share"].reshape(k, items, q),
            "rated": parts["rated"],
            "o_same": parts["o_same"].reshape(k, items, q),
            "n_k": parts["n_k"].reshape(k, items, q),
        }
        stats = from_sums(sums, q)
        for name in STATISTICS[1:]:
            out[name][start:stop] = stats[name]
        with np.errstate(invalid="ignore", divide="ignore"):
            shares = parts["agree"].reshape(k, pairs, items) / (parts["both"][:, :, None] * measure.folded)
        out["percent_agreement"][start:stop] = _mean_over_pairs(shares.transpose(1, 0, 2))
    return out


def nominal(ratings: Any, q: int) -> dict[str, Any]:
    """One nominal variable (an exclusive group's codes as its categories) rated by two or more coders:
    (coders × units) ratings, each a category 0 … q − 1 or −1 for missing.

    Besides the statistics of `statistics`: Conger's κ (Cohen's κ for many
    raters: chance from each coder's own category shares), Fleiss' κ of each
    category (Fleiss 1971, with a unit's own number of ratings), and mean
    pairwise percent agreement.
    """
    ratings = np.asarray(ratings, dtype=np.int64)
    counts = counts_of(ratings, q)
    out: dict[str, Any] = {k: float(v) for k, v in statistics(counts).items()}
    rated = ratings >= 0
    shares = (
        np.stack([(ratings == k).sum(axis=1) for k in range(q)], axis=1) / np.maximum(rated.sum(axis=1), 1)[:, None]
    )
    coders = ratings.shape[0]
    chance = float(np.sum(shares.mean(axis=0) ** 2 - shares.var(axis=0, ddof=1) / coders))
    out["conger_kappa"] = float("nan") if math.isclose(chance, 1.0) else (out["p_a"] - chance) / (1 - chance)
    m = counts.sum(axis=1)
    pairable = m >= 2
    pi = (counts[m >= 1] / m[m >= 1, None]).mean(axis=0) if (m >= 1).any() else np.full(q, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        disagree = (
            counts[pairable] * (m[pairable, None] - counts[pairable]) / (m[pairable, None] * (m[pairable, None] - 1))
        ).sum(axis=0)
        out["category_kappa"] = (1 - disagree / (pairable.sum() * pi * (1 - pi))).tolist()
    pairs = []
    for i, j in combinations(range(coders), 2):
        both = rated[i] & rated[j]
        if both.any():
            pairs.append(float(np.mean(ratings[i][both] == ratings[j][both])))
    out["percent_agreement"] = float(np.mean(pairs)) if pairs else float("nan")
    return out
