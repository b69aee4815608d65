"""Importing transcripts into a project: names, participants, re-imports, atomicity."""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest

from qualcode.core.errors import BadInput
from qualcode.core.project import Project
from tests.conftest import TRANSCRIPT


def test_import_stores_normalised_text_hash_and_segments(project) -> None:
    (t,) = project.store.transcripts.all()
    assert t.name == "P1_interview"
    assert t.participant == "P1"
    assert t.sha256 == hashlib.sha256(TRANSCRIPT.encode()).hexdigest()
    segments = project.store.transcripts.segments(t.id)
    assert [s.ordinal for s in segments] == list(range(1, 7))
    assert t.text[segments[0].start : segments[0].end] == "How did you first hear about the programme?"
    assert segments[3].speaker == "P1"
    assert project.transcripts()[0].words == len(TRANSCRIPT.split())


def test_reimporting_the_same_text_is_a_no_op(project, transcript_file: Path) -> None:
    (report,), _ = project.import_files([transcript_file])
    assert report.status == "unchanged"
    assert len(project.store.transcripts.all()) == 1


def test_changed_text_is_refused_unless_replace_which_keeps_codings(project, transcript_file: Path) -> None:
    book = project.codebook()
    segs = project.store.transcripts.all_segments()
    project.store.codings.add(segs[1].id, book.find("Entrance and recruitment").id, "alice")
    project.store.codings.add(segs[3].id, book.find("Workload").id, "alice")
    project.store.memos.set_on_segment(segs[1].id, "alice", "curious staff")
    transcript_file.write_text(TRANSCRIPT.replace("no time for it", "no time at all"), encoding="utf-8")
    with pytest.raises(BadInput, match="use --replace"):
        project.import_files([transcript_file])
    (report,), _ = project.import_files([transcript_file], replace=True)
    assert report.status == "replaced"
    assert "kept 1 codings on unchanged segments, dropped 1" in report.notes[0]
    (t,) = project.store.transcripts.all()
    assert "no time at all" in t.text
    codings = project.store.codings.pairs("alice")
    assert len(codings) == 1
    (memo_segment,) = project.store.memos.of_coder("alice")
    assert codings[0][0] == memo_segment
    assert project.store.memos.of_coder("alice")[memo_segment] == "curious staff"
    assert t.text.startswith("Interviewer:")


def test_one_bad_file_leaves_the_project_unchanged(project, tmp_path: Path) -> None:
    good = tmp_path / "P2_interview.txt"
    good.write_text("Interviewer: Hi?\nP2: Hello.\n", encoding="utf-8")
    bad = tmp_path / "P3_interview.docx"
    bad.write_text("not a docx")
    with pytest.raises(BadInput, match="P3_interview.docx"):
        project.import_files([good, bad])
    assert [t.name for t in project.store.transcripts.all()] == ["P1_interview"]


def test_participant_from_name_speaker_or_option(tmp_path: Path) -> None:
    a = tmp_path / "teacher_p12.txt"
    a.write_text("Interviewer: Hi?\nAnne: Hello.\n")
    b = tmp_path / "second.txt"
    b.write_text("Interviewer: Hi?\nP4: Hello.\n")
    c = tmp_path / "third.txt"
    c.write_text("Interviewer: Hi?\nAnne: Hello.\n")
    with Project.create(tmp_path / "s.qc") as p:
        p.import_files([a, b, c])
        p.import_files([tmp_path / "third.txt"], participant="P7", replace=True)
        got = {t.name: t.participant for t in p.store.transcripts.all()}
    assert got == {"teacher_p12": "P12", "second": "P4", "third": None}


def test_folders_and_side_files_are_passed_over_with_a_note(project, tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    csv_path = tmp_path / "participants.csv"
    csv_path.write_text("id,role\nP1,x\n")
    p2 = tmp_path / "P2.txt"
    p2.write_text("P2: Hello.\n")
    reports, skipped = project.import_files([tmp_path / "sub", csv_path, p2])
    assert [r.transcript for r in reports] == ["P2"]
    assert any("a participants table" in s for s in skipped)
    assert any("a folder" in s for s in skipped)


def test_two_files_with_one_name_are_refused(project, tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for d in "ab":
        (tmp_path / d / "same.txt").write_text(f"P1: {d}\n")
    with pytest.raises(BadInput, match="has the same name 'same'"):
        project.import_files([tmp_path / "a" / "same.txt", tmp_path / "b" / "same.txt"])


def test_unknown_language_is_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="spaCy has no language 'xx-klingon'"):
        Project.create(tmp_path / "s.qc", lang="xx-klingon")
    assert not (tmp_path / "s.qc").exists()


def test_bad_codebook_at_init_leaves_no_project(tmp_path: Path) -> None:
    book = tmp_path / "bad.yaml"
    book.write_text("codes:\n  - name: A\n    key: a\n  - name: B\n    key: a\n")
    with pytest.raises(BadInput, match="bad.yaml: line 4"):
        Project.create(tmp_path / "s.qc", codebook=book)
    assert not (tmp_path / "s.qc").exists()


def test_sentence_import_of_the_samples(tmp_path: Path) -> None:
    from tests.conftest import REPO

    samples = sorted(p for p in (REPO / "transcripts_sample").iterdir() if p.is_file())
    with Project.create(tmp_path / "s.qc", codebook=REPO / "codebooks" / "back2school.yaml") as p:
        reports, skipped = p.import_files(samples, unit="sentence")
        p.attach_participants(REPO / "transcripts_sample" / "participants.csv")
        by_name = {r.transcript: r for r in reports}
        assert {r.participant for r in reports} == {f"P{i}" for i in range(1, 8)}
        for r in reports:
            assert 1500 <= r.words <= 3200, r
            assert r.segments > 50
            assert len(r.speakers) == 2
        assert any("Windows-1252" in n for n in by_name["P7_interview"].notes)
        p3 = p.store.transcripts.get("P3_interview")
        assert all(s.media_start_ms is not None for s in p.store.transcripts.segments(p3.id))
        people = {x.id: x.attributes for x in p.participants()}
        assert people["P3"]["years_experience"] == 21
        assert any("participants" in s for s in skipped)


def test_replacing_a_transcript_beside_one_named_like_its_old_copy(project, tmp_path):
    """'X (replaced)' is a name a user's file can have; replacing X must not clash with it."""

    twin = tmp_path / "P1_interview (replaced).txt"
    twin.write_text(TRANSCRIPT, encoding="utf-8")
    project.import_files([twin])
    changed = tmp_path / "P1_interview.txt"
    changed.write_text(TRANSCRIPT + "\nP1: One more thing.\n", encoding="utf-8")
    reports, _ = project.import_files([changed], replace=True)
    assert reports[0].status == "replaced"
    assert sorted(t.name for t in project.transcripts()) == ["P1_interview", "P1_interview (replaced)"]


def test_a_clash_inside_the_project_file_is_named_not_called_damage(project, tmp_path):
    from tests.core.test_cli import content, run

    path = project.path
    project.close()
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TRIGGER one_import BEFORE INSERT ON transcripts "
        "BEGIN SELECT RAISE(ABORT, 'UNIQUE constraint failed: transcripts.name'); END"
    )
    db.commit()
    db.close()
    before = content(path)
    other = tmp_path / "P2_interview.txt"
    other.write_text("P2: Hello.\n", encoding="utf-8")
    result = run("import", str(path), str(other))
    assert result.returncode == 2
    assert "clashes with what the project holds already" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert content(path) == before
