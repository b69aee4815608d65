"""Hand-out and merge on real project files: what is carried, what is refused, and that refusals change nothing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from qualcode.core.errors import BadInput
from qualcode.core.merge import merge
from qualcode.core.project import Project
from qualcode.core.store import Store
from tests.core.test_cli import content, run


def _code(store: Store, name: str) -> str:
    return next(c.id for c in store.codebook.codes() if c.name == name)


@pytest.fixture
def study(project, tmp_path):
    """The lead's project (with a consensus coding of its own) and two coders' files with codings and memos."""
    lead = project.store
    segs = lead.transcripts.segment_ids()
    lead.codings.add(segs[0], _code(lead, "Feedback"), "consensus")
    files = {}
    for coder, picks in (
        ("alice", [(1, "Workload"), (3, "Barriers")]),
        ("bob", [(1, "Workload"), (5, "Success factors")]),
    ):
        path = project.handout(coder, tmp_path / f"{coder}.qc")
        with Store(path) as store:
            ids = store.transcripts.segment_ids()
            store.codings.add_many([(ids[i], _code(store, name)) for i, name in picks], coder)
            store.memos.set_on_segment(ids[1], coder, f"{coder} thinks this is about time")
        files[coder] = path
    return project, files


def _pairs(store: Store, coder: str) -> set[tuple[int, str]]:
    names = {c.id: c.name for c in store.codebook.codes()}
    ordinal = {s.id: s.ordinal for s in store.transcripts.all_segments()}
    return {(ordinal[s], names[c]) for s, c in store.codings.pairs(coder)}


def test_handout_carries_transcripts_and_codebook_but_no_one_elses_work(study):
    project, files = study
    with Store(files["alice"]) as store:
        assert store.codings.coders() == ["alice"]
        assert store.study_id == project.store.study_id
        assert [t.sha256 for t in store.transcripts.all()] == [t.sha256 for t in project.store.transcripts.all()]
        assert len(store.codebook.codes()) == len(project.store.codebook.codes())
        assert store.settings.get("handout_coder") == "alice"


def test_handout_refuses_an_existing_file_and_the_consensus(study, tmp_path):
    project, files = study
    before = files["alice"].read_bytes()
    with pytest.raises(BadInput, match="already exists"):
        project.handout("alice", files["alice"])
    assert files["alice"].read_bytes() == before
    with pytest.raises(BadInput, match="consensus"):
        project.handout("consensus", tmp_path / "c.qc")
    assert not (tmp_path / "c.qc").exists()


def test_merge_brings_codings_and_memos_and_twice_changes_nothing(study):
    project, files = study
    results = merge(project.store, [files["alice"], files["bob"]])
    assert [(r.coder, r.added, r.memos) for r in results] == [("alice", 2, 1), ("bob", 2, 1)]
    assert _pairs(project.store, "alice") == {(2, "Workload"), (4, "Barriers")}
    assert _pairs(project.store, "bob") == {(2, "Workload"), (6, "Success factors")}
    assert _pairs(project.store, "consensus") == {(1, "Feedback")}
    assert project.store.memos.of_coder("bob") == {
        project.store.transcripts.segment_ids()[1]: "bob thinks this is about time"
    }
    before = content(project.path)
    again = merge(project.store, [files["alice"], files["bob"]])
    assert all(r.unchanged for r in again)
    assert content(project.path) == before


def test_a_newer_coder_file_replaces_only_with_replace(study):
    project, files = study
    merge(project.store, [files["alice"]])
    with Store(files["alice"]) as store:
        ids = store.transcripts.segment_ids()
        store.codings.remove(ids[3], _code(store, "Barriers"), "alice")
        store.codings.add(ids[4], _code(store, "Time pressure"), "alice")
    before = content(project.path)
    with pytest.raises(BadInput, match=r"already has different codings .*P1_interview \+1/-1.*--replace"):
        merge(project.store, [files["alice"]])
    assert content(project.path) == before
    [result] = merge(project.store, [files["alice"]], replace=True)
    assert (result.added, result.removed) == (1, 1)
    assert _pairs(project.store, "alice") == {(2, "Workload"), (5, "Time pressure")}


def test_a_coder_who_only_added_work_needs_no_replace(study):
    project, files = study
    merge(project.store, [files["alice"]])
    with Store(files["alice"]) as store:
        store.codings.add(store.transcripts.segment_ids()[0], _code(store, "Workload"), "alice")
    [result] = merge(project.store, [files["alice"]])
    assert (result.added, result.removed) == (1, 0)


def _spoil(path: Path, sql: str) -> None:
    db = sqlite3.connect(path)
    try:
        db.executescript(sql)
    finally:
        db.close()


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (
            "UPDATE transcripts SET text = text || ' (edited)', sha256 = 'changed'",
            "transcript 'P1_interview': its text differs",
        ),
        ("UPDATE segments SET end_offset = end_offset - 1 WHERE ordinal = 2", "its segments differ"),
        (
            "INSERT INTO codes (id, name, position) VALUES ('11111111-2222-3333-4444-555555555555', 'Invented', 99);"
            "INSERT INTO codings (segment_id, code_id, coder_id, created_at, origin) "
            "SELECT MIN(id), '11111111-2222-3333-4444-555555555555', (SELECT id FROM coders WHERE name = 'alice'), '', 'manual' FROM segments",
            "code 'Invented' (11111111-2222-3333-4444-555555555555) is not in the lead's codebook",
        ),
        ("UPDATE settings SET value = '\"another-study\"' WHERE key = 'study_id'", "belongs to another study"),
        ("PRAGMA user_version = 99", "was written by a newer qualcode"),
    ],
)
def test_mismatched_coder_files_are_refused_and_change_nothing(study, spoil, message):
    project, files = study
    _spoil(files["alice"], spoil)
    before = content(project.path)
    result = run("merge", str(project.path), str(files["bob"]), str(files["alice"]))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr
    assert str(files["alice"]) in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert content(project.path) == before, "bob's file, merged first, was rolled back too"


def test_merging_a_file_that_is_not_a_project(study, tmp_path):
    project, _files = study
    junk = tmp_path / "notes.qc"
    junk.write_bytes(b"not a database at all\n" * 10)
    before = content(project.path)
    result = run("merge", str(project.path), str(junk))
    assert result.returncode == 2
    assert result.stderr.strip() == f"qualcode: {junk}: is not a qualcode project file"
    assert content(project.path) == before


def test_merging_a_project_of_another_study_with_the_same_transcripts(study, tmp_path, codebook_file, transcript_file):
    project, _files = study
    other = Project.create(tmp_path / "other.qc", codebook=codebook_file)
    other.import_files([transcript_file])
    other.store.codings.add(other.store.transcripts.segment_ids()[0], _code(other.store, "Workload"), "alice")
    other.close()
    before = content(project.path)
    result = run("merge", str(project.path), str(tmp_path / "other.qc"))
    assert result.returncode == 2 and "belongs to another study" in result.stderr
    assert content(project.path) == before


def test_merge_command_reports_per_transcript(study):
    project, files = study
    project.close()
    result = run("merge", str(project.path), str(files["alice"]), str(files["bob"]))
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:2] == ["alice.qc: alice: 2 codings added, 1 memos", "  P1_interview: +2 -0"]
    again = run("merge", str(project.path), str(files["alice"]))
    assert again.stdout.strip() == "alice.qc: alice: unchanged (already merged)"


def test_a_handout_carries_its_binding_but_not_the_leads_key(study):
    project, files = study
    with Store(files["alice"]) as store:
        binding = store.settings.get("handout")
        assert binding["coder"] == "alice" and binding["study_id"] == project.store.study_id
        assert store.settings.get("handout_key") is None
        assert store.database.execute("SELECT COUNT(*) FROM handouts").fetchone()[0] == 0
    assert project.store.handouts.coder_of(binding["id"]) == "alice"


def _forge(path, sql: str) -> None:
    db = sqlite3.connect(path)
    db.executescript(sql)
    db.commit()
    db.close()


def test_a_handout_edited_to_carry_other_coders_work_is_refused(study):
    project, files = study
    project.close()
    assert run("merge", str(project.path), str(files["bob"])).returncode == 0
    before = content(project.path)
    # Add codings for bob and for the consensus to alice's file, as an attacker with sqlite3 would.
    _forge(
        files["alice"],
        "INSERT INTO coders (name, is_consensus) VALUES ('consensus', 1);"
        "INSERT INTO codings (segment_id, code_id, coder_id, created_at, origin) "
        "SELECT s.id, (SELECT id FROM codes LIMIT 1), k.id, 'x', 'manual' FROM segments s, coders k "
        "WHERE k.name = 'consensus';"
        "INSERT INTO coders (name, is_consensus) VALUES ('bob', 0);"
        "INSERT INTO codings (segment_id, code_id, coder_id, created_at, origin) "
        "SELECT s.id, (SELECT id FROM codes LIMIT 1), k.id, 'x', 'manual' FROM segments s, coders k "
        "WHERE k.name = 'bob';",
    )
    for extra in ([], ["--replace"]):
        result = run("merge", str(project.path), str(files["alice"]), *extra)
        assert result.returncode == 2
        assert "holds work of consensus, bob besides alice" in result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
        assert content(project.path) == before


def test_a_binding_changed_to_another_coder_does_not_verify(study):
    project, files = study
    project.close()
    before = content(project.path)
    with Store(files["alice"]) as store:
        binding = store.settings.get("handout")
    forged = json.dumps({**binding, "coder": "bob"}).replace("'", "''")
    _forge(
        files["alice"],
        f"UPDATE settings SET value = '{forged}' WHERE key = 'handout';"
        "UPDATE coders SET name = 'bob' WHERE name = 'alice';",
    )
    result = run("merge", str(project.path), str(files["alice"]), "--replace")
    assert result.returncode == 2 and "binding does not verify" in result.stderr
    assert content(project.path) == before


def test_a_copy_of_the_project_that_was_not_handed_out_is_refused(study, tmp_path):
    project, _files = study
    copy = tmp_path / "copy.qc"
    project.store.copy_to(copy)
    project.close()
    _forge(
        copy,
        "INSERT INTO coders (name) VALUES ('mallory');"
        "INSERT INTO codings (segment_id, code_id, coder_id, created_at) "
        "SELECT s.id, (SELECT id FROM codes LIMIT 1), (SELECT id FROM coders WHERE name = 'mallory'), 'x' "
        "FROM segments s;",
    )
    before = content(project.path)
    result = run("merge", str(project.path), str(copy))
    assert result.returncode == 2 and "carries no binding" in result.stderr
    assert content(project.path) == before


def test_quote_stars_travel_with_the_merge(study):
    project, files = study
    merge(project.store, [files["alice"]])
    with Store(files["alice"]) as store:
        segment, code = store.codings.pairs("alice")[0]
        store.codings.set_starred(segment, code, "alice", True)
    [result] = merge(project.store, [files["alice"]])
    assert result.stars == 1 and "1 quote stars changed" in result.describe()
    assert any(row.starred for row in project.store.codings.rows("alice"))


def test_done_marks_travel_with_the_merge(study):
    project, files = study
    with Store(files["alice"]) as store:
        store.codings.mark_done([store.transcripts.all()[0].id], "alice")
    merge(project.store, [files["alice"]])
    assert project.done("alice") == ["P1_interview"]
    assert project.done("bob") == []
    with Store(files["alice"]) as store:
        store.codings.mark_done([store.transcripts.all()[0].id], "alice", False)
    merge(project.store, [files["alice"]])
    assert project.done("alice") == [], "the coder took the mark off in her copy"


def test_the_interviewer_names_are_set_shown_and_reset(study, tmp_path):
    project, _files = study
    assert "Intervjuer" in project.interviewers()
    project.set_interviewers(["Kari", " Forsker "])
    assert project.interviewers() == ["Kari", "Forsker"]
    assert project.store.settings.interviewers == frozenset({"kari", "forsker"})
    with pytest.raises(BadInput, match="cannot be empty"):
        project.set_interviewers(["ok", "  "])
    assert project.interviewers() == ["Kari", "Forsker"], "a refused list changes nothing"
    project.set_interviewers([])
    assert "Interviewer" in project.interviewers()
