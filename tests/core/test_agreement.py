"""Agreement statistics against published worked examples and the reference packages.

Gwet's AC1 and Brennan–Prediger were once also compared with the irrCAC package;
irrCAC pins numpy < 2 and pandas < 3, so they are now checked against published
figures (with the 2×2 table and the hand computation beside each) and, on the
random cases, against the general q-category formulas computed from raw ratings.
"""

from __future__ import annotations

import math

import krippendorff
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import cohens_kappa

from qualcode.core import agreement


def _stats(both: int, only_a: int, only_b: int, neither: int) -> dict[str, float]:
    values = agreement.statistics(np.array([[both, only_a, only_b, neither]]))
    return {name: float(v[0]) for name, v in values.items()}


def _matrices(both: int, only_a: int, only_b: int, neither: int) -> tuple[np.ndarray, np.ndarray]:
    a = np.array([1] * both + [1] * only_a + [0] * only_b + [0] * neither, dtype=bool)
    b = np.array([1] * both + [0] * only_a + [1] * only_b + [0] * neither, dtype=bool)
    return a[:, None], b[:, None]


# -- published worked examples ---------------------------------------------------


def test_cohen_kappa_textbook_example():
    # 50 proposals read by two editors: 20 both yes, 5 only A, 10 only B, 15 both no
    # (the worked example of the Wikipedia article on Cohen's kappa): p_o 0.7, p_e 0.5, kappa 0.4.
    stats = _stats(20, 5, 10, 15)
    assert stats["percent_agreement"] == pytest.approx(0.7)
    assert stats["cohen_kappa"] == pytest.approx(0.4)
    assert stats["brennan_prediger"] == pytest.approx(0.4)


def test_krippendorff_binary_two_coders_example():
    # Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section A:
    # two observers, binary data, ten units, alpha = 0.095.
    coder_a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    coder_b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    counts = agreement.tables(np.array(coder_a, bool)[:, None], np.array(coder_b, bool)[:, None])
    assert counts.tolist() == [[1, 1, 3, 5]]
    alpha = agreement.statistics(counts)["krippendorff_alpha"][0]
    assert round(alpha, 3) == 0.095
    assert agreement.krippendorff_alpha_nominal([coder_a, coder_b]) == pytest.approx(alpha, abs=1e-12)


def test_krippendorff_four_observers_with_missing_data():
    # Krippendorff (2011), section C: 4 observers, 12 units, nominal, missing values: alpha = 0.743.
    nan = math.nan
    data = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, nan, nan, nan],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, nan, 3],
        [nan, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, nan],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, nan],
    ]
    alpha = agreement.krippendorff_alpha_nominal(data)
    assert round(alpha, 3) == 0.743
    reference = krippendorff.alpha(reliability_data=np.array(data), level_of_measurement="nominal")
    assert alpha == pytest.approx(reference, abs=1e-9)


def test_gwet_ac1_and_the_prevalence_paradox():
    # The prevalence paradox of Feinstein and Cicchetti (1990): 118 both yes, 5 only A,
    # 2 only B, none both no. Agreement is 94.4% yet kappa is slightly negative, while
    # Gwet's AC1 (Gwet 2008) stays high: 0.9408.
    #
    #                  B yes   B no
    #   A yes           118      5
    #   A no              2      0        n = 125
    #
    # By hand: p_o = 118/125 = 0.944; yes rates 123/125 = 0.984 and 120/125 = 0.96
    #   kappa: p_e = 0.984·0.96 + 0.016·0.04 = 0.94528, (0.944 − 0.94528)/(1 − 0.94528) = −4/171 = −0.02339
    #   AC1:   π = (0.984 + 0.96)/2 = 0.972, p_e = 2·0.972·0.028 = 0.054432,
    #          (0.944 − 0.054432)/(1 − 0.054432) = 27799/29549 = 0.94078 → 0.9408
    stats = _stats(118, 5, 2, 0)
    assert stats["percent_agreement"] == pytest.approx(0.944)
    assert stats["cohen_kappa"] == pytest.approx(-0.0234, abs=5e-5)
    assert stats["gwet_ac1"] == pytest.approx(0.9408, abs=5e-5)
    assert stats["cohen_kappa"] < 0 < 0.9 < stats["gwet_ac1"]
    # Brennan–Prediger by hand (not a published figure): (p_o − ½) / ½ = (0.944 − 0.5) / 0.5 = 0.888.
    assert stats["brennan_prediger"] == pytest.approx(0.888)


def test_wongpakaran_schizoid_pair():
    # Wongpakaran, Wongpakaran, Wedding & Gwet (2013), "A comparison of Cohen's Kappa and
    # Gwet's AC1 when calculating inter-rater reliability coefficients: a study conducted with
    # personality disorder samples", BMC Med Res Methodol 13:61, the 2×2 example of one rater
    # pair on schizoid PD, 19 patients. Published: kappa .565, AC1 .752 (the abstract's lowest AC1).
    #
    #                  rater 2 yes   rater 2 no
    #   rater 1 yes         3             1
    #   rater 1 no          2            13
    #
    # By hand: p_o = 16/19 = 0.842105
    #   kappa: yes rates 4/19 and 5/19, p_e = (4·5 + 15·14)/19² = 230/361 = 0.637119,
    #          (16/19 − 230/361) / (1 − 230/361) = (304 − 230)/131 = 74/131 = 0.564885 → .565 (matches)
    #   AC1:   π = (4/19 + 5/19)/2 = 9/38, p_e = 2·(9/38)·(29/38) = 522/1444 = 0.361496,
    #          (1216/1444 − 522/1444) / (922/1444) = 694/922 = 0.752711 → the paper prints .752,
    #          i.e. truncated, not rounded (rounding gives .753); asserted as such below.
    #   BP:    (16/19 − 1/2) / (1/2) = 13/19 = 0.684211 (by hand; not printed in the paper)
    # The cell counts are as transcribed from the paper's table by a second-hand source; the
    # kappa reproducing .565 exactly is what confirms the orientation and the counts.
    stats = _stats(3, 1, 2, 13)
    assert stats["percent_agreement"] == pytest.approx(16 / 19)
    assert round(stats["cohen_kappa"], 3) == 0.565
    assert stats["cohen_kappa"] == pytest.approx(74 / 131, abs=1e-12)
    assert math.floor(stats["gwet_ac1"] * 1000) / 1000 == 0.752
    assert stats["gwet_ac1"] == pytest.approx(694 / 922, abs=1e-12)
    assert stats["brennan_prediger"] == pytest.approx(13 / 19, abs=1e-12)


# -- undefined values --------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "reason"),
    [
        ((0, 0, 0, 40), "neither coder used this code"),
        ((40, 0, 0, 0), "both coders applied it to every segment"),
        ((0, 0, 0, 0), "no segments were compared"),
    ],
)
def test_constant_codes_leave_kappa_and_alpha_undefined(counts, reason):
    stats = _stats(*counts)
    assert math.isnan(stats["cohen_kappa"]) and math.isnan(stats["krippendorff_alpha"])
    assert agreement.undefined_reason(counts) == reason
    if sum(counts):
        assert stats["percent_agreement"] == 1.0
        assert stats["brennan_prediger"] == 1.0
        assert stats["gwet_ac1"] == 1.0


def test_opposite_constant_coders_are_defined():
    # A applies the code everywhere, B nowhere: kappa is 0 (not undefined), alpha is negative.
    stats = _stats(0, 10, 0, 0)
    assert stats["cohen_kappa"] == 0.0
    assert agreement.undefined_reason((0, 10, 0, 0)) is None
    assert stats["krippendorff_alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=[[1] * 10, [0] * 10], level_of_measurement="nominal"), abs=1e-12
    )


# -- against the reference packages on random cases ---------------------------------


def _gwet_ac1_raw(x: np.ndarray, y: np.ndarray, categories=(0, 1)) -> float:
    """Gwet (2008), eq. for two raters and q categories, from the raw ratings.

    p_e = 1/(q − 1) · Σ_k π_k (1 − π_k), π_k the mean of the two raters' shares of category k;
    written independently of qualcode's 2×2 algebra (which uses 2π(1 − π) for q = 2).
    """
    ratings = pd.DataFrame({"a": x, "b": y})
    p_o = float((ratings["a"] == ratings["b"]).mean())
    q = len(categories)
    pi = [((ratings["a"] == k).mean() + (ratings["b"] == k).mean()) / 2 for k in categories]
    p_e = sum(p * (1 - p) for p in pi) / (q - 1)
    return (p_o - p_e) / (1 - p_e)


def _brennan_prediger_raw(x: np.ndarray, y: np.ndarray, q: int = 2) -> float:
    """Brennan & Prediger (1981): (p_o − 1/q) / (1 − 1/q), from the raw ratings."""
    p_o = float(np.mean(np.asarray(x) == np.asarray(y)))
    return (p_o - 1 / q) / (1 - 1 / q)


@pytest.mark.parametrize("seed", range(12))
def test_random_cases_match_reference_packages(seed):
    rng = np.random.default_rng(seed)
    segments = int(rng.integers(5, 400))
    codes = 6
    prevalence = rng.uniform(0.02, 0.9, size=codes)
    a = rng.random((segments, codes)) < prevalence
    flips = rng.random((segments, codes)) < rng.uniform(0, 0.5)
    b = a ^ flips
    counts = agreement.tables(a, b)
    stats = agreement.statistics(counts)
    for j in range(codes):
        x, y = a[:, j].astype(int), b[:, j].astype(int)
        reason = agreement.undefined_reason(counts[j])
        assert stats["percent_agreement"][j] == pytest.approx(np.mean(x == y), abs=1e-12)
        assert stats["gwet_ac1"][j] == pytest.approx(_gwet_ac1_raw(x, y), abs=1e-9)
        assert stats["brennan_prediger"][j] == pytest.approx(_brennan_prediger_raw(x, y), abs=1e-9)
        if reason is not None:
            assert math.isnan(stats["cohen_kappa"][j])
            continue
        assert stats["cohen_kappa"][j] == pytest.approx(cohen_kappa_score(x, y), abs=1e-9)
        table = np.array([[counts[j][3], counts[j][2]], [counts[j][1], counts[j][0]]])
        assert stats["cohen_kappa"][j] == pytest.approx(cohens_kappa(table).kappa, abs=1e-9)
        reference = krippendorff.alpha(reliability_data=np.vstack([x, y]), level_of_measurement="nominal")
        assert stats["krippendorff_alpha"][j] == pytest.approx(reference, abs=1e-9)
        assert stats["krippendorff_alpha"][j] == pytest.approx(
            agreement.krippendorff_alpha_nominal(np.vstack([x, y])), abs=1e-9
        )


@pytest.mark.parametrize("seed", range(5))
def test_general_alpha_matches_krippendorff_package_with_missing_values(seed):
    rng = np.random.default_rng(100 + seed)
    data = rng.integers(1, 5, size=(int(rng.integers(2, 6)), int(rng.integers(5, 60)))).astype(float)
    data[rng.random(data.shape) < 0.2] = np.nan
    reference = krippendorff.alpha(reliability_data=data, level_of_measurement="nominal")
    assert agreement.krippendorff_alpha_nominal(data) == pytest.approx(reference, abs=1e-9)


# -- bootstrap -------------------------------------------------------------------


def _bootstrap_case():
    rng = np.random.default_rng(7)
    a = rng.random((300, 4)) < 0.3
    b = a ^ (rng.random((300, 4)) < 0.15)
    return a, b


def test_bootstrap_is_reproducible_and_brackets_the_estimate():
    a, b = _bootstrap_case()
    cells = agreement.cells_of(a, b)
    ones = np.ones(a.shape, np.float32)
    first = agreement.bootstrap(cells, ones, 400, seed=3)
    again = agreement.bootstrap(cells, ones, 400, seed=3)
    other = agreement.bootstrap(cells, ones, 400, seed=4)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)
    assert np.all(first.sum(axis=2) == 300), "every resample holds as many segments as the data"
    intervals = agreement.confidence_intervals(first)
    estimate = agreement.statistics(agreement.tables(a, b))
    for name in agreement.STATISTICS:
        lo, hi = intervals[name][:, 0], intervals[name][:, 1]
        assert np.all(lo <= estimate[name]) and np.all(estimate[name] <= hi)
        assert np.all(hi - lo < 0.5)


def test_bootstrap_resample_equals_counting_the_drawn_segments():
    a, b = _bootstrap_case()
    cells = agreement.cells_of(a, b)
    resampled = agreement.bootstrap(cells, np.ones(a.shape, np.float32), 1, seed=11)
    drawn = np.random.default_rng(11).integers(0, a.shape[0], size=(1, a.shape[0]))[0]
    assert np.array_equal(resampled[0], agreement.tables(a[drawn], b[drawn]))


def test_undefined_bootstrap_intervals_stay_undefined():
    a = np.zeros((50, 1), bool)
    b = np.zeros((50, 1), bool)
    intervals = agreement.confidence_intervals(
        agreement.bootstrap(agreement.cells_of(a, b), np.ones((50, 1), np.float32), 100, seed=1)
    )
    assert np.isnan(intervals["cohen_kappa"]).all()
    assert intervals["percent_agreement"].tolist() == [[1.0, 1.0]]
