"""Agreement of three or more coders: published worked examples, reference packages on random cases with
missing ratings, and the report on a real project."""

from __future__ import annotations

import json
import math
from itertools import combinations

import krippendorff
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import fleiss_kappa

from qualcode.core import agreement, agreement_many
from qualcode.core.store import Store
from tests.core.test_cli import content, run

# Fleiss (1971), Table 1: 30 patients, 6 psychiatrists each, 5 diagnoses (depression, personality disorder,
# schizophrenia, neurosis, other); each row counts the psychiatrists who gave each diagnosis.
FLEISS_1971 = np.array(
    [
        [0, 0, 0, 6, 0], [0, 3, 0, 0, 3], [0, 1, 4, 0, 1], [0, 0, 0, 0, 6], [0, 3, 0, 3, 0],
        [2, 0, 4, 0, 0], [0, 0, 4, 0, 2], [2, 0, 3, 1, 0], [2, 0, 0, 4, 0], [0, 0, 0, 0, 6],
        [1, 0, 0, 5, 0], [1, 1, 0, 4, 0], [0, 3, 3, 0, 0], [1, 0, 0, 5, 0], [0, 2, 0, 3, 1],
        [0, 0, 5, 0, 1], [3, 0, 0, 1, 2], [5, 1, 0, 0, 0], [0, 2, 0, 4, 0], [1, 0, 2, 0, 3],
        [0, 0, 0, 0, 6], [0, 1, 0, 5, 0], [0, 2, 0, 1, 3], [2, 0, 0, 4, 0], [1, 0, 0, 4, 1],
        [0, 5, 0, 1, 0], [4, 0, 0, 0, 2], [0, 2, 0, 4, 0], [1, 0, 5, 0, 0], [0, 0, 0, 0, 6],
    ],
    dtype=float,
)  # fmt: skip


def test_fleiss_1971_overall_and_category_kappas():
    stats = agreement_many.statistics(FLEISS_1971)
    assert round(float(stats["fleiss_kappa"]), 3) == 0.430
    assert float(stats["p_a"]) == pytest.approx(0.5556, abs=1e-4)
    # the category-specific values of Fleiss (1971), Table 2, from the ratings (which of the six raters
    # gave which diagnosis does not matter to Fleiss' statistics)
    ratings = np.array([[k for k, n in enumerate(row.astype(int)) for _ in range(n)] for row in FLEISS_1971]).T
    found = agreement_many.nominal(ratings, 5)
    assert np.round(found["category_kappa"], 3).tolist() == [0.245, 0.245, 0.520, 0.471, 0.566]
    assert found["fleiss_kappa"] == pytest.approx(float(stats["fleiss_kappa"]), abs=1e-12)
    assert float(stats["fleiss_kappa"]) == pytest.approx(fleiss_kappa(FLEISS_1971), abs=1e-12)


def test_krippendorff_four_observers_with_missing_data_from_counts():
    # Krippendorff (2011), section C: 4 observers, 12 units, nominal, missing values: alpha = 0.743.
    data = np.array(
        [
            [1, 2, 3, 3, 2, 1, 4, 1, 2, -1, -1, -1],
            [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, -1, 3],
            [-1, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, -1],
            [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, -1],
        ]
    )
    counts = agreement_many.counts_of(np.where(data > 0, data - 1, -1), 5)
    assert round(float(agreement_many.statistics(counts)["krippendorff_alpha"]), 3) == 0.743


def _naive(ratings: np.ndarray, q: int) -> dict[str, float]:
    """Gwet's AC1, Brennan–Prediger and Fleiss' κ written out unit by unit from the raw ratings (Gwet 2014,
    eq. 2.9, 4.6 and 5.1 with missing ratings), as an independent check of the vectorised sums."""
    units = ratings.shape[1]
    pa_terms, shares = [], np.zeros(q)
    rated_units = 0
    for u in range(units):
        given = [r for r in ratings[:, u] if r >= 0]
        m = len(given)
        if m:
            rated_units += 1
            for k in range(q):
                shares[k] += given.count(k) / m
        if m >= 2:
            pa_terms.append(sum(given.count(k) * (given.count(k) - 1) for k in range(q)) / (m * (m - 1)))
    pa = sum(pa_terms) / len(pa_terms)
    pi = shares / rated_units
    pe_ac1 = sum(p * (1 - p) for p in pi) / (q - 1)
    pe_fleiss = sum(p * p for p in pi)
    return {
        "gwet_ac1": (pa - pe_ac1) / (1 - pe_ac1),
        "brennan_prediger": (pa - 1 / q) / (1 - 1 / q),
        "fleiss_kappa": (pa - pe_fleiss) / (1 - pe_fleiss) if pe_fleiss < 1 else math.nan,
    }


ratings_strategy = st.integers(3, 6).flatmap(
    lambda coders: st.integers(5, 40).flatmap(
        lambda units: st.tuples(
            st.just(coders),
            st.lists(st.integers(-1, 2), min_size=coders * units, max_size=coders * units),
            st.just(units),
            st.integers(2, 3),
        )
    )
)


@given(case=ratings_strategy)
@settings(max_examples=80, deadline=None)
def test_many_raters_against_krippendorff_statsmodels_and_the_formulas(case):
    coders, flat, units, q = case
    ratings = np.array(flat).reshape(coders, units) % (q + 1) - 1  # -1 missing, else 0 … q − 1
    # every unit rated at least twice, as the report's units are
    for u in range(units):
        if (ratings[:, u] >= 0).sum() < 2:
            ratings[:2, u] = np.maximum(ratings[:2, u], 0)
    counts = agreement_many.counts_of(ratings, q)
    stats = {k: float(v) for k, v in agreement_many.statistics(counts).items()}
    values = np.where(ratings >= 0, ratings, np.nan).astype(float)
    if len(np.unique(values[~np.isnan(values)])) > 1:
        expected = krippendorff.alpha(reliability_data=values, level_of_measurement="nominal")
        assert stats["krippendorff_alpha"] == pytest.approx(expected, abs=1e-9)
    naive = _naive(ratings, q)
    for name in ("gwet_ac1", "brennan_prediger", "fleiss_kappa"):
        if math.isnan(naive[name]):
            assert math.isnan(stats[name])
        else:
            assert stats[name] == pytest.approx(naive[name], abs=1e-9), name
    complete = (ratings >= 0).all(axis=0)
    if complete.all() and not math.isnan(stats["fleiss_kappa"]):
        assert stats["fleiss_kappa"] == pytest.approx(fleiss_kappa(counts), abs=1e-9)


@given(
    st.integers(3, 5).flatmap(
        lambda coders: st.lists(st.lists(st.booleans(), min_size=coders, max_size=coders), min_size=6, max_size=40).map(
            lambda rows: np.array(rows).T
        )
    ),
    st.integers(0, 2**32 - 1),
)
@settings(max_examples=60, deadline=None)
def test_binary_codes_pairwise_kappa_and_mean_pairwise_agreement(matrix, seed):
    coders, units = matrix.shape
    present = np.random.default_rng(seed).random((coders, units)) > 0.2
    present[:2] = True  # every unit rated at least twice
    matrices = [matrix[c][:, None] for c in range(coders)]
    measure = agreement_many.measures(matrices, present)
    stats = measure.statistics()
    kappas = measure.pairwise_kappas()
    shares = []
    for p, (i, j) in enumerate(combinations(range(coders), 2)):
        both = present[i] & present[j]
        shares.append(np.mean(matrix[i][both] == matrix[j][both]))
        a, b = matrix[i][both], matrix[j][both]
        if len(set(a)) > 1 or len(set(b)) > 1:
            expected = cohen_kappa_score(a, b)
            if not math.isnan(expected) and not math.isnan(kappas[p, 0]):
                assert kappas[p, 0] == pytest.approx(expected, abs=1e-9)
    assert stats["percent_agreement"][0] == pytest.approx(np.mean(shares), abs=1e-12)
    ratings = np.where(present, matrix.astype(int), -1)
    direct = agreement_many.statistics(agreement_many.counts_of(ratings, 2))
    for name in ("fleiss_kappa", "krippendorff_alpha", "gwet_ac1"):
        assert np.allclose(stats[name], direct[name], equal_nan=True)


def test_the_bootstrap_is_seeded_and_its_intervals_hold_the_estimate():
    rng = np.random.default_rng(3)
    truth = rng.random((200, 4)) > 0.6
    matrices = [truth ^ (rng.random(truth.shape) > 0.9) for _ in range(4)]
    present = rng.random((4, 200)) > 0.1
    present[:2] = True
    measure = agreement_many.measures(matrices, present)
    first = agreement_many.bootstrap(measure, 300, 7)
    again = agreement_many.bootstrap(measure, 300, 7)
    assert all(np.array_equal(first[k], again[k], equal_nan=True) for k in first)
    spread = agreement.percentile_intervals(first)
    stats = measure.statistics()
    for name in agreement_many.STATISTICS:
        lo, hi = spread[name][:, 0], spread[name][:, 1]
        assert np.all((lo <= stats[name] + 1e-9) & (stats[name] <= hi + 1e-9)), name
    pooled = agreement_many.bootstrap(measure.pooled(), 50, 7)
    assert pooled["fleiss_kappa"].shape == (50, 1)


# -- the report on a project --------------------------------------------------------------------


@pytest.fixture
def three(project):
    """alice, bob and carol on P1's turns; carol leaves one code off."""
    store = project.store
    codes = {c.name: c.id for c in store.codebook.codes()}
    turns = {s.ordinal: s.id for s in store.transcripts.segments(store.transcripts.all()[0].id)}
    picks = {
        "alice": [(2, "Workload"), (4, "Time pressure"), (6, "Success factors")],
        "bob": [(2, "Workload"), (4, "Time pressure"), (6, "Lack of resources")],
        "carol": [(2, "Workload"), (6, "Success factors")],
    }
    for coder, rows in picks.items():
        store.codings.add_many([(turns[o], codes[name]) for o, name in rows], coder)
    project.close()
    return project.path


def test_three_coders_on_the_command_line(three):
    result = run("agree", str(three), "--coders", "alice", "bob", "carol", "--format", "json", "--bootstrap", "100")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["coders"] == ["alice", "bob", "carol"] and data["segments"] == 3
    workload = next(r for r in data["codes"] if r["code"].endswith("/Workload"))
    assert workload["percent_agreement"] == 1.0 and workload["pairwise_cohen_kappa"] == {
        "alice|bob": 1.0,
        "alice|carol": 1.0,
        "bob|carol": 1.0,
    }
    time = next(r for r in data["codes"] if r["code"].endswith("/Time pressure"))
    # alice and bob on turn 4, carol not: 1 of 3 units disagreed in the pairs with carol
    assert time["percent_agreement"] == pytest.approx((1 + 2 / 3 + 2 / 3) / 3)
    for key in ("fleiss_kappa", "krippendorff_alpha", "gwet_ac1", "brennan_prediger"):
        assert key in time and key in data["pooled"]
    assert "ci" in data["pooled"]
    table = run("agree", str(three), "--coders", "alice", "bob", "carol", "--bootstrap", "0").stdout
    assert table.startswith("Agreement of 3 coders (alice, bob, carol) on 3 segments of 1 transcript")
    assert "Pairwise Cohen's kappa, pooled over the codes: alice–bob" in table


def test_three_coders_report_keyword_and_learned_codings_apart(three):
    from qualcode.core.store import Store

    with Store(three) as store:
        store.codings.add_many(
            [(store.transcripts.segment_ids()[0], store.codebook.codes()[0].id)], "bob", origin="learned"
        )
    table = run("agree", str(three), "--coders", "alice", "bob", "carol", "--bootstrap", "0").stdout
    assert "bob: 1 of 4 codings came from accepted suggestions learned from their codings." in table
    data = json.loads(
        run("agree", str(three), "--coders", "alice", "bob", "carol", "--format", "json", "--bootstrap", "0").stdout
    )
    assert data["codings_from_learned_suggestions"] == {"alice": 0, "bob": 1, "carol": 0}
    assert data["codings_from_suggestions"] == {"alice": 0, "bob": 0, "carol": 0}


@pytest.mark.parametrize(
    ("coders", "message"),
    [
        (["alice"], "qualcode: --coders: name at least two coders to compare"),
        (["alice", "bob", "alice"], "qualcode: alice, bob, alice: name each coder once"),
        (["alice", "bob", "zoe"], "qualcode: zoe: no such coder in this project"),
    ],
)
def test_bad_coder_lists_are_refused(three, coders, message):
    before = content(three)
    result = run("agree", str(three), "--coders", *coders)
    assert result.returncode == 2 and result.stderr.startswith(message), result.stderr
    assert content(three) == before


def test_a_coder_with_no_transcript_in_common_is_refused(three, tmp_path):
    from tests.conftest import TRANSCRIPT

    other = tmp_path / "P2_interview.txt"
    other.write_text(TRANSCRIPT.replace("P1:", "P2:"), encoding="utf-8")
    assert run("import", str(three), str(other)).returncode == 0
    with Store(three) as store:
        p2 = store.transcripts.get("P2_interview").id
        first = next(s.id for s in store.transcripts.segments(p2) if s.speaker == "P2")
        store.codings.add(first, next(c.id for c in store.codebook.codes() if c.name == "Workload"), "dora")
    result = run("agree", str(three), "--coders", "alice", "bob", "dora")
    assert result.returncode == 2
    assert result.stderr.strip() == "qualcode: dora: has done no transcript in common with the other coders"
