"""Agreement on exact passages: characters (against scikit-learn on the expanded characters) and span matching."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import cohen_kappa_score

from qualcode.core import agreement
from qualcode.core.span_agreement import character_tables, intersect, matching, union

BOTH_ENGINES = True
"""The tests that take ``project`` run on a project file and on a study on the test PostgreSQL server."""

INTERVALS = st.lists(st.tuples(st.integers(0, 60), st.integers(0, 25)), max_size=12).map(
    lambda pairs: ([s for s, _n in pairs], [s + n for s, n in pairs])
)


def expanded(starts, ends, size: int = 100) -> np.ndarray:
    covered = np.zeros(size, dtype=bool)
    for s, e in zip(starts, ends, strict=True):
        covered[s:e] = True
    return covered


@settings(max_examples=200, deadline=None)
@given(a=INTERVALS, b=INTERVALS)
def test_union_and_intersection_are_those_of_the_characters(a, b):
    ua, ub = union(*a), union(*b)
    assert np.array_equal(expanded(*ua), expanded(*a))
    assert (ua[0][1:] > ua[1][:-1]).all(), "disjoint, sorted, not touching"
    assert np.array_equal(expanded(*intersect(ua, ub)), expanded(*a) & expanded(*b))


def test_character_kappa_is_scikit_learns_on_the_expanded_characters():
    rng = np.random.default_rng(7)
    checked = 0
    for _ in range(60):
        # two transcripts laid end to end; segments with gaps between them (speaker labels)
        bases = np.array([0, 500])
        starts, ends = [], []
        for base in bases:
            at = base + int(rng.integers(0, 10))
            while at < base + 480:
                length = int(rng.integers(5, 60))
                starts.append(at)
                ends.append(min(at + length, base + 490))
                at += length + int(rng.integers(1, 8))
        units = union(starts, ends)

        def codings():
            n = int(rng.integers(0, 15))
            s = rng.integers(0, 990, n)
            return s.tolist(), (s + rng.integers(1, 80, n)).tolist()

        a, b = codings(), codings()
        tables = character_tables(a, b, units, bases)
        inside = expanded(*units, 1100)
        va, vb = expanded(*a, 1100)[inside], expanded(*b, 1100)[inside]
        both, only_a, only_b, neither = tables.sum(axis=0)
        assert (both, only_a, only_b, neither) == (
            (va & vb).sum(),
            (va & ~vb).sum(),
            (~va & vb).sum(),
            (~va & ~vb).sum(),
        )
        kappa = float(agreement.statistics(tables.sum(axis=0)[None, :])["cohen_kappa"][0])
        if va.any() or vb.any():
            if len(set(va)) > 1 or len(set(vb)) > 1:
                assert kappa == pytest.approx(cohen_kappa_score(va, vb), abs=1e-9)
                checked += 1
        # per transcript: the first's characters are those below 500
        first = inside[:500]
        fa, fb = expanded(*a, 1100)[:500][first], expanded(*b, 1100)[:500][first]
        assert tables[0][0] == (fa & fb).sum()
    assert checked > 40


@pytest.mark.parametrize(
    ("a", "b", "overlap", "matched"),
    [
        (([10], [30]), ([10], [30]), 0.9, (1, 1)),  # the same span
        (([10], [30]), ([11], [30]), 0.9, (1, 1)),  # 19 of 20 characters shared
        (([10], [30]), ([13], [30]), 0.9, (0, 0)),  # 17 of 20
        (([10], [30]), ([13], [30]), 0.8, (1, 1)),  # at a lower threshold
        (([10], [30]), ([30], [50]), 0.1, (0, 0)),  # touching is not overlapping
        (([0], [40]), ([0, 20], [20, 40]), 0.9, (0, 0)),  # one long span against its two halves
        (([0, 100], [40, 120]), ([100], [120]), 0.9, (1, 1)),  # one of A's two matched
        (([], []), ([5], [9]), 0.9, (0, 0)),
    ],
)
def test_span_matching_on_hand_built_cases(a, b, overlap, matched):
    found = matching(a, b, overlap)
    assert (found.matched_a, found.matched_b) == matched
    assert (found.spans_a, found.spans_b) == (len(a[0]), len(b[0]))


def test_span_matching_counts_each_coding_once_however_many_it_matches():
    found = matching(([0, 0], [10, 10]), ([0], [10]))
    assert (found.spans_a, found.matched_a, found.spans_b, found.matched_b) == (2, 2, 1, 1)
    assert found.percent_agreement == 1.0


def test_agree_reports_characters_and_spans_per_code_and_pooled(project):
    book = project.codebook()
    workload = book.find("Workload").id
    transcript = project.transcript(project.transcripts()[0].id)
    segments = project.segments(transcript.id)
    fourth = next(s for s in segments if s.ordinal == 4)
    for coder, words in (("alice", "no time for it"), ("bob", "there was no time for it")):
        start = transcript.text.index(words, fourth.start)
        project.coding_session(coder, transcript.id).toggle_span(start, start + len(words), workload)
    data = json.loads(project.agreement("alice", "bob", overlap=0.5).to_json())
    row = next(r for r in data["codes"] if r["code"].endswith("/Workload"))
    # the units are P1's turns (the interviewer's are left out)
    characters = sum(s.end - s.start for s in segments if s.speaker != "Interviewer")
    assert row["characters"]["both"] == len("no time for it")
    assert row["characters"]["only_b"] == len("there was ")
    assert row["characters"]["only_a"] == 0
    assert row["characters"]["neither"] == characters - len("there was no time for it")
    assert row["spans"]["alice"] == {"spans": 1, "matched": 1, "unmatched": 0}
    assert row["spans"]["percent_agreement"] == 1.0, "14 of 24 characters is more than half"
    strict = json.loads(project.agreement("alice", "bob").to_json())
    pooled = strict["pooled"]
    assert pooled["spans"]["bob"] == {"spans": 1, "matched": 0, "unmatched": 1}
    assert pooled["characters"]["both"] == len("no time for it")
    assert "Span matching (overlap of at least 90% of the longer span): 0.0% of codings matched" in (
        project.agreement("alice", "bob").to_table()
    )
