"""`qualcode agree` on a real project: the JSON contract, the table, CSV, undefined values and refusals."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from qualcode.core.agreement_report import report
from qualcode.core.model import Participant
from qualcode.core.store import Store
from tests.core.test_cli import content, run

PICKS = {
    "alice": [(0, "Workload"), (1, "Workload"), (3, "Time pressure"), (4, "Barriers"), (5, "Success factors")],
    "bob": [(1, "Workload"), (3, "Time pressure"), (4, "Lack of resources"), (5, "Success factors"), (2, "Workload")],
}


@pytest.fixture
def coded(project):
    store = project.store
    ids = store.transcripts.segment_ids()
    codes = {c.name: c.id for c in store.codebook.codes()}
    for coder, picks in PICKS.items():
        store.codings.add_many([(ids[i], codes[name]) for i, name in picks], coder)
    project.close()
    return project.path


def test_json_follows_the_contract(coded):
    result = run(
        "agree", str(coded), "--coders", "alice", "bob", "--format", "json", "--bootstrap", "0", "--include-interviewer"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["coders"] == ["alice", "bob"] and data["segments"] == 6
    rows = {r["code"]: r for r in data["codes"]}
    workload = rows["School role and involvement/Workload"]
    assert (workload["both"], workload["only_a"], workload["only_b"], workload["neither"]) == (1, 1, 1, 3)
    a = np.array([1, 1, 0, 0, 0, 0])
    b = np.array([0, 1, 1, 0, 0, 0])
    assert workload["cohen_kappa"] == pytest.approx(cohen_kappa_score(a, b), abs=1e-9)
    for key in ("percent_agreement", "cohen_kappa", "krippendorff_alpha", "gwet_ac1", "brennan_prediger"):
        assert key in workload and key in data["pooled"]
    # Entrance and recruitment: nobody used it, so kappa and alpha are null with the reason.
    unused = rows["School role and involvement/Entrance and recruitment"]
    assert unused["cohen_kappa"] is None and unused["krippendorff_alpha"] is None
    assert unused["undefined"] == "neither coder used this code"
    assert unused["percent_agreement"] == 1.0
    pooled = data["pooled"]
    assert sum(pooled[k] for k in ("both", "only_a", "only_b", "neither")) == 6 * len(data["codes"])
    assert pooled["both"] == sum(r["both"] for r in data["codes"])


def test_levels_and_intervals(coded):
    result = run(
        "agree",
        str(coded),
        "--coders",
        "alice",
        "bob",
        "--by",
        "code,theme",
        "--by",
        "transcript",
        "--format",
        "json",
        "--bootstrap",
        "200",
        "--seed",
        "5",
        "--include-interviewer",
    )
    data = json.loads(result.stdout)
    themes = {r["theme"]: r for r in data["themes"]}
    barriers = themes["Feedback/Barriers"]
    # alice: Barriers on segment 5; bob: Lack of resources (under Barriers) on segment 5: the theme agrees.
    assert (barriers["both"], barriers["only_a"], barriers["only_b"]) == (1, 0, 0)
    assert [r["transcript"] for r in data["transcripts"]] == ["P1_interview"]
    lo, hi = data["pooled"]["ci"]["percent_agreement"]
    assert lo <= data["pooled"]["percent_agreement"] <= hi
    again = run(
        "agree",
        str(coded),
        "--coders",
        "alice",
        "bob",
        "--by",
        "code,theme",
        "--by",
        "transcript",
        "--format",
        "json",
        "--bootstrap",
        "200",
        "--seed",
        "5",
        "--include-interviewer",
    )
    assert again.stdout == result.stdout, "the bootstrap is seeded"


def test_table_flags_low_kappa_and_explains_undefined_values(coded):
    result = run(
        "agree",
        str(coded),
        "--coders",
        "alice",
        "bob",
        "--bootstrap",
        "100",
        "--threshold",
        "0.9",
        "--include-interviewer",
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(
        "Agreement of alice (A) and bob (B) on 6 segments of 1 transcript; 95% bootstrap intervals"
    )
    workload = next(line for line in lines if line.strip().startswith("* ") and "Workload" in line)
    assert "0.25" in workload
    unused = next(line for line in lines if "Entrance and recruitment" in line)
    assert "—a" in unused and not unused.startswith("*")
    assert "a undefined: neither coder used this code." in lines
    assert "* Cohen's kappa below 0.9." in lines


def test_csv_has_a_row_per_item(coded):
    result = run("agree", str(coded), "--coders", "alice", "bob", "--format", "csv", "--bootstrap", "0")
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[-1]["level"] == "pooled"
    unused = next(r for r in rows if r["item"].endswith("Entrance and recruitment"))
    assert unused["cohen_kappa"] == "" and unused["undefined"] == "neither coder used this code"


def test_a_coder_against_the_consensus(coded):
    with Store(coded) as store:
        store.codings.put_rows("consensus", [(s, c, "", "resolution", 0) for s, c, *_ in store.codings.rows("alice")])
        result = report(store, "alice", "consensus")
    assert result.pooled.values["cohen_kappa"] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--coders", "alice", "carol"], "qualcode: carol: no such coder in this project (coders: alice, bob)"),
        (["--coders", "alice", "alice"], "qualcode: alice: compare two different coders"),
        (["--coders", "alice", "bob", "--by", "speaker"], "qualcode: --by: unknown level 'speaker'"),
        (["--coders", "alice", "bob", "--bootstrap", "-5"], "qualcode: --bootstrap: the number of bootstrap"),
    ],
)
def test_refusals(coded, args, message):
    before = content(coded)
    result = run("agree", str(coded), *args)
    assert result.returncode == 2
    assert result.stderr.startswith(message) and len(result.stderr.strip().splitlines()) == 1
    assert content(coded) == before


def test_a_coder_without_codings(coded):
    with Store(coded) as store:
        store.codings.coder_id("dora", create=True)
    result = run("agree", str(coded), "--coders", "alice", "dora")
    assert result.returncode == 2
    assert result.stderr.strip() == "qualcode: dora: has no codings in this project yet"


def test_the_report_says_how_many_codings_came_from_suggestions(coded):
    with Store(coded) as store:
        ids = store.transcripts.segment_ids()
        barriers = next(c.id for c in store.codebook.codes() if c.name == "Barriers")
        store.codings.add_many([(ids[0], barriers), (ids[2], barriers)], "alice", origin="suggestion")
        store.codings.add_many([(ids[4], barriers)], "bob", origin="learned")
    table = run("agree", str(coded), "--coders", "alice", "bob", "--bootstrap", "0")
    assert "alice: 2 of 7 codings came from accepted keyword suggestions." in table.stdout
    assert (
        "bob: 1 of" in table.stdout
        and "codings came from accepted suggestions learned from their codings" in table.stdout
    )
    data = json.loads(
        run("agree", str(coded), "--coders", "alice", "bob", "--format", "json", "--bootstrap", "0").stdout
    )
    assert data["codings_from_suggestions"] == {"alice": 2, "bob": 0}, "keyword and learned counted apart"
    assert data["codings_from_learned_suggestions"] == {"alice": 0, "bob": 1}


# -- the units: done transcripts, interviewer turns, selections ------------------------------------


@pytest.fixture
def two_transcripts(project, tmp_path):
    """P1 coded by both coders; P2 coded by alice only (bob never opened it)."""
    from tests.conftest import TRANSCRIPT

    second = tmp_path / "P2_interview.txt"
    second.write_text(TRANSCRIPT.replace("P1:", "P2:"), encoding="utf-8")
    project.import_files([second], unit="turn")
    store = project.store
    codes = {c.name: c.id for c in store.codebook.codes()}
    p1, p2 = (store.transcripts.get(n) for n in ("P1_interview", "P2_interview"))
    first = {s.ordinal: s.id for s in store.transcripts.segments(p1.id)}
    other = {s.ordinal: s.id for s in store.transcripts.segments(p2.id)}
    store.codings.add_many([(first[2], codes["Workload"]), (first[4], codes["Time pressure"])], "alice")
    store.codings.add_many([(first[2], codes["Workload"]), (first[6], codes["Time pressure"])], "bob")
    store.codings.add_many([(other[2], codes["Workload"])], "alice")
    store.participants.upsert(Participant("P1", {"role": "teacher"}))
    store.participants.upsert(Participant("P2", {"role": "parent"}))
    project.close()
    return project.path


def _units(path, *args):
    result = run("agree", str(path), "--coders", "alice", "bob", "--format", "json", "--bootstrap", "0", *args)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_by_default_only_transcripts_both_coded_and_no_interviewer_turns(two_transcripts):
    data = _units(two_transcripts)
    assert data["units"] == {
        "transcripts": 1,
        "segments": 3,
        "left_out": {
            "interviewer_turns": 3,
            "transcripts_not_done": ["P2_interview"],
            "transcripts_not_selected": [],
        },
    }
    assert data["segments"] == 3
    workload = next(r for r in data["codes"] if r["code"].endswith("/Workload"))
    assert (workload["both"], workload["only_a"], workload["only_b"], workload["neither"]) == (1, 0, 0, 2)
    table = run("agree", str(two_transcripts), "--coders", "alice", "bob", "--bootstrap", "0").stdout
    assert table.splitlines()[0] == "Agreement of alice (A) and bob (B) on 3 segments of 1 transcript"
    assert (
        "Units: 3 segments of 1 transcript both coders have done; left out: 3 interviewer turns; "
        "transcripts not done by both (P2_interview)." in table
    )
    assert _units(two_transcripts, "--include-interviewer")["units"]["segments"] == 6


def test_done_marks_decide_which_transcripts_are_compared(two_transcripts):
    result = run("done", str(two_transcripts), "--coder", "bob", "P1_interview", "P2_interview")
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.split() == ["P1_interview", "P2_interview"], "the transcripts bob has done"
    # bob marked P2 done without coding it: alice (who marks nothing) coded it, so it is compared
    data = _units(two_transcripts)
    assert data["units"]["transcripts"] == 2 and data["units"]["left_out"]["transcripts_not_done"] == []
    workload = next(r for r in data["codes"] if r["code"].endswith("/Workload"))
    assert workload["only_a"] == 1, "alice's coding in P2 is now a disagreement"
    run("done", str(two_transcripts), "--coder", "alice", "P1_interview")
    assert _units(two_transcripts)["units"]["transcripts"] == 1, "alice has done P1 only"
    run("done", str(two_transcripts), "--coder", "alice", "--undo", "P1_interview")
    assert _units(two_transcripts)["units"]["transcripts"] == 2


def test_transcripts_and_where_restrict_the_units(two_transcripts):
    run("done", str(two_transcripts), "--coder", "bob", "P1_interview", "P2_interview")
    only = _units(two_transcripts, "--transcripts", "P2_interview")
    assert only["units"]["left_out"]["transcripts_not_selected"] == ["P1_interview"]
    parents = _units(two_transcripts, "--where", "role=parent")
    assert parents["units"]["transcripts"] == 1 and parents["units"]["segments"] == 3
    assert parents["units"]["left_out"]["transcripts_not_selected"] == ["P1_interview"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--transcripts", "P9"], "qualcode: P9: no such transcript in this project"),
        (["--where", "grade=7"], "qualcode: --where: no participant has the attribute 'grade' (attributes: role)"),
        (["--where", "role"], "qualcode: role: give a participant attribute and its value as ATTR=VALUE"),
        (["--transcripts", "P2_interview"], "qualcode: alice, bob: no transcript that every compared coder has done"),
    ],
)
def test_bad_units_are_refused(two_transcripts, args, message):
    before = content(two_transcripts)
    result = run("agree", str(two_transcripts), "--coders", "alice", "bob", *args)
    assert result.returncode == 2 and result.stderr.startswith(message), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert content(two_transcripts) == before


def test_done_refusals_change_nothing(two_transcripts):
    before = content(two_transcripts)
    result = run("done", str(two_transcripts), "--coder", "bob", "P9")
    assert result.returncode == 2 and result.stderr.strip() == "qualcode: P9: no such transcript in this project"
    assert run("done", str(two_transcripts), "--coder", "consensus", "P1_interview").returncode == 2
    assert content(two_transcripts) == before


def test_interviewer_names_are_the_project_s_setting(two_transcripts):
    with Store(two_transcripts) as store:
        store.settings.set("interviewer_speakers", ["Nobody"])
    assert _units(two_transcripts)["units"]["left_out"]["interviewer_turns"] == 0


@pytest.mark.parametrize(
    ("speaker", "taken"),
    [
        ("Interviewer", True),
        ("interviewer 2", True),
        ("Forsker (Kari)", True),
        ("INTERVJUER", True),
        ("I", True),
        ("Ida", False),
        ("Interviewee", False),
        ("P1", False),
        ("", False),
        (None, False),
    ],
)
def test_which_speakers_are_the_interviewer(speaker, taken):
    from qualcode.core.store.settings import INTERVIEWERS, is_interviewer

    assert is_interviewer(speaker, frozenset(n.casefold() for n in INTERVIEWERS)) is taken
