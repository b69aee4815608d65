"""Suggestions learned from a coder's own codings: measured on held-out transcripts before anything is
offered, reproducible, blind to other coders, and every bad input one line with exit status 2."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qualcode.core.errors import BadInput
from qualcode.core.learned import _folds, _threshold
from tests.core.test_cli import run
from tests.learned_study import build


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("generated")
    project, truth = build(folder)
    project.close()
    return folder / "generated.qc", truth


@pytest.fixture
def study(generated, tmp_path):
    import shutil

    from qualcode.core.project import Project

    path, truth = generated
    shutil.copy(path, tmp_path / "generated.qc")
    with Project.open(tmp_path / "generated.qc") as project:
        yield project, truth


def test_precision_is_measured_on_held_out_transcripts_and_holds_on_the_rest(study):
    project, truth = study
    found = project.learned_suggestions("alice", precision=0.8)
    assert found.transcripts_trained == 4 and found.units == 4 * 40
    assert len(found.figures) == 6 and not found.skipped
    for f in found.figures:
        assert f.examples >= 10
        assert f.precision is not None and f.precision >= 0.8
        assert 0 < f.recall <= 1
    coded = project.store.codings.transcripts_coded("alice")
    assert {s.transcript for s in found.suggestions}.isdisjoint(
        {t.name for t in project.transcripts() if t.id in coded}
    )
    right = sum(s.code_id in truth[s.segment_id] for s in found.suggestions)
    assert right / len(found.suggestions) >= 0.8, "the measured precision holds on the transcripts not coded"
    scores = [s.score for s in found.suggestions]
    assert scores == sorted(scores, reverse=True), "ranked by confidence"
    names = {c.id: c.name for c in project.codebook().codes}
    from tests.learned_study import VOCABULARY

    words = [w for s in found.suggestions[:20] for w in s.words]
    vocabulary = {w for code in VOCABULARY.values() for w in code}
    assert sum(any(w.startswith(v[:5]) for v in vocabulary) for w in words) > len(words) / 2, (
        "the words that weighed most are the codes' own"
    )
    assert all(names[s.code_id] == s.code for s in found.suggestions)


def test_same_codings_and_seed_give_the_same_figures_and_suggestions(study):
    project, _truth = study
    first = project.learned_suggestions("alice", seed=3)
    again = project.learned_suggestions("alice", seed=3)
    assert first.figures == again.figures and first.suggestions == again.suggestions


def test_another_coder_s_codings_change_nothing(study):
    project, _truth = study
    before = project.learned_suggestions("alice")
    rng = random.Random(1)
    segments = project.store.transcripts.segment_ids()
    codes = [c.id for c in project.codebook().codes]
    project.store.codings.add_many([(rng.choice(segments), rng.choice(codes)) for _ in range(300)], "bob")
    after = project.learned_suggestions("alice")
    assert after.figures == before.figures and after.suggestions == before.suggestions, "blinding holds"


def test_accepted_ones_are_learned_codings_and_rejected_ones_are_not_offered_again(study):
    project, _truth = study
    found = project.learned_suggestions("alice")
    take, turn_down = found.suggestions[:3], found.suggestions[3:6]
    assert project.accept_learned("alice", take) == 3
    assert project.origin_counts("alice").get("learned") == 3
    project.reject_learned("alice", turn_down)
    again = project.learned_suggestions("alice")
    offered = {(s.segment_id, s.code_id) for s in again.suggestions}
    assert not offered & {(s.segment_id, s.code_id) for s in turn_down}
    assert again.transcripts_trained > found.transcripts_trained, "accepted codings make their transcript coded"


def test_folds_hold_out_whole_transcripts():
    groups = np.repeat(np.arange(7), 13)
    for fit, test in _folds(groups, seed=2):
        assert set(groups[fit].tolist()).isdisjoint(groups[test].tolist())
    tested = np.concatenate([test for _fit, test in _folds(groups, seed=2)])
    assert sorted(tested.tolist()) == list(range(len(groups))), "every unit is held out once"


def test_the_threshold_is_the_deepest_cut_reaching_the_precision_and_never_splits_a_tie():
    scores = np.array([0.9, 0.8, 0.7, 0.7, 0.5, 0.2])
    labels = np.array([1, 1, 0, 1, 1, 0])
    assert _threshold(scores, labels, 0.8) == (0.5, 0.8, 1.0)
    assert _threshold(scores, labels, 1.0) == (0.8, 1.0, 0.5)
    assert _threshold(np.array([0.5, 0.5]), np.array([1, 0]), 0.9) == (None, None, None)


def test_a_code_with_few_examples_is_named_and_skipped(study):
    project, _truth = study
    money = project.codebook().find("Money").id
    mine = [pair for pair in project.store.codings.pairs("alice") if pair[1] == money]
    project.store.codings.remove_many(mine[1:], "alice")
    found = project.learned_suggestions("alice")
    assert ("Money", 1) in found.skipped
    assert money not in {f.code_id for f in found.figures} | {s.code_id for s in found.suggestions}


def test_the_text_index_is_built_when_missing(study):
    project, _truth = study
    project.store.database.execute("DELETE FROM text_index")
    found = project.learned_suggestions("alice")
    assert found.suggestions
    assert project.store.database.execute("SELECT COUNT(*) FROM text_index").fetchone()[0] == len(project.transcripts())


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--coder", "carol"], "no such coder"),
        (["--coder", "alice", "--precision", "0"], "above 0 and at most 1"),
        (["--coder", "alice", "--precision", "1.5"], "above 0 and at most 1"),
        (["--coder", "alice", "--precision", "nan"], "above 0 and at most 1"),
        (["--coder", "alice", "--seed", "-1"], "the seed must be a whole number"),
    ],
)
def test_bad_input_is_one_line_with_exit_2(generated, args, message):
    path, _truth = generated
    done = run("suggest", str(path), "--learned", *args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_a_coder_with_no_codings_or_too_few_is_told_so(study):
    project, _truth = study
    project.store.codings.add_many([project.store.codings.pairs("alice")[0]], "bob")
    with pytest.raises(BadInput, match="no code has 10 or more"):
        project.learned_suggestions("bob")
    project.store.codings.clear("bob")
    project.store.codings.coder_id("dana", create=True)
    with pytest.raises(BadInput, match="no codings to learn from"):
        project.learned_suggestions("dana")


def test_the_command_prints_the_figures_before_the_suggestions(generated):
    path, _truth = generated
    done = run("suggest", str(path), "--coder", "alice", "--learned", "--limit", "5")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("learned from alice's codings in 4 transcripts")
    table = next(i for i, line in enumerate(lines) if line.startswith("code "))
    first_suggestion = next(i for i, line in enumerate(lines) if " #" in line)
    assert table < first_suggestion
    assert "learned suggestions for alice (the first 5 shown)" in lines[-1]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    precision=st.one_of(
        st.floats(allow_nan=True, allow_infinity=True).map(repr), st.sampled_from(["0.5", "1", "-0.1", "x", ""])
    ),
    seed=st.integers(min_value=-5, max_value=2**31),
)
def test_any_precision_and_seed_keep_the_promise(generated, tmp_path, precision, seed):
    """exit 0 or 2, one line on failure, never a traceback, and the project unchanged but for the text index."""
    import contextlib
    import io
    import shutil

    from qualcode.cli import main
    from tests.core.test_cli import content

    path, _truth = generated
    copy = tmp_path / f"copy-{abs(hash((precision, seed)))}.qc"
    shutil.copy(path, copy)
    before = [line for line in content(copy) if "text_index" not in line]
    stderr = io.StringIO()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(stderr):
        try:
            status = main(
                ["suggest", str(copy), "--coder", "alice", "--learned", "--precision", precision, "--seed", str(seed)]
            )
        except SystemExit as e:  # argparse's refusal of what is no number
            status = int(e.code or 0)
    assert status in (0, 2), stderr.getvalue()
    assert "Traceback" not in stderr.getvalue()
    if status == 2:
        assert len(stderr.getvalue().strip().splitlines()) >= 1
    assert [line for line in content(copy) if "text_index" not in line] == before, "suggesting applies nothing"


def test_a_coder_who_codes_passages_is_learned_from_by_sentence(tmp_path):
    project, truth = build(tmp_path / "passages", passages=True)
    with project:
        found = project.learned_suggestions("alice")
        assert found.by_sentence
        assert 4 * 40 * 1.5 < found.units <= 4 * 40 * 2, "about two sentences a turn in the four coded transcripts"
        assert all(f.threshold is not None for f in found.figures)
        texts = {t.id: t.text for t in project.store.transcripts.all()}
        first = found.suggestions[0]
        assert first.sentence
        passage = texts[first.transcript_id][first.start : first.end]
        assert passage.endswith(".") and passage.count(". ") == 0, "a sentence, not the whole turn"
        right = sum(s.code_id in truth[s.segment_id] for s in found.suggestions)
        assert right / len(found.suggestions) >= 0.8
        assert project.accept_learned("alice", found.suggestions[:2]) == 2
        kept = [p for p in project.store.codings.spans("alice") if p.origin == "learned"]
        assert {(p.start, p.end) for p in kept} == {(s.start, s.end) for s in found.suggestions[:2]}


def test_the_lead_trains_on_the_consensus(study):
    project, _truth = study
    project.store.codings.add_many(project.store.codings.pairs("alice"), "consensus")
    found = project.learned_suggestions("consensus")
    assert found.coder == "consensus" and len(found.figures) == 6 and found.suggestions
