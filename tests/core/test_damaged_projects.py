"""Project files damaged outside qualcode (edited with foreign keys off) are refused with one line, never lost from.

Each test edits a real project file with SQLite directly, ``PRAGMA
foreign_keys=OFF``, as another tool could, then runs a command on it.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.core.codebook import codebook_from_codes
from qualcode.core.errors import BadInput
from qualcode.core.model import Code
from qualcode.core.store import Store
from tests.core.test_cli import content as dump


@pytest.fixture
def study(tmp_path: Path, codebook_file: Path, transcript_file: Path) -> Path:
    path = tmp_path / "study.qc"
    codings = tmp_path / "codings.csv"
    codings.write_text("transcript,segment,code\nP1_interview,2,Workload\nP1_interview,4,Time pressure\n")
    for argv in (
        ["init", str(path), "--codebook", str(codebook_file)],
        ["import", str(path), str(transcript_file)],
        ["codings", "import", str(path), str(codings), "--coder", "alice"],
        ["codings", "import", str(path), str(codings), "--coder", "bob"],
    ):
        assert main(argv) == 0, argv
    return path


def edit(path: Path, *statements: str) -> list[str]:
    """Change the file as a foreign tool would, foreign keys off; returns its content afterwards."""
    db = sqlite3.connect(path)
    try:
        db.execute("PRAGMA foreign_keys = OFF")
        for statement in statements:
            db.execute(statement)
        db.commit()
        return list(db.iterdump())
    finally:
        db.close()


def one_line_refusal(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err


COMMANDS = [
    ["agree", "{study}", "--coders", "alice", "bob", "--bootstrap", "0"],
    ["codebook", "show", "{study}"],
    ["codings", "export", "{study}", "{out}", "--coder", "alice"],
    ["export", "xlsx", "{study}", "-o", "{out}.xlsx", "--coder", "alice"],
]


@pytest.mark.parametrize("argv", COMMANDS, ids=lambda a: " ".join(a[:2]))
def test_a_cycle_of_parents_is_named(
    study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    # Workload's parent becomes Time pressure, its own child: both would drop out of the tree.
    content = edit(
        study,
        "UPDATE codes SET parent_id = (SELECT id FROM codes WHERE name = 'Time pressure') WHERE name = 'Workload'",
    )
    out = tmp_path / "out.csv"
    err = one_line_refusal(capsys, [a.format(study=study, out=out) for a in argv])
    assert "'Workload'" in err and "'Time pressure'" in err and "cycle" in err
    assert dump(study) == content
    assert not list(tmp_path.glob("out*"))


def test_a_code_under_a_missing_parent_is_named(study: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edit(study, "DELETE FROM codes WHERE name = 'Feedback'")
    err = one_line_refusal(capsys, ["codebook", "show", str(study)])
    assert "'Barriers'" in err and "does not exist" in err


@pytest.mark.parametrize(
    ("damage", "named"),
    [
        ("DELETE FROM segments WHERE ordinal = 2", "segment"),
        ("DELETE FROM segments WHERE ordinal = (SELECT MAX(ordinal) FROM segments)", None),
        ("DELETE FROM segments", "segment"),
        ("DELETE FROM codes WHERE name = 'Time pressure'", "code"),
        ("DELETE FROM coders WHERE name = 'bob'", "coder"),
    ],
)
def test_codings_on_what_does_not_exist_are_refused_at_open(
    study: Path, capsys: pytest.CaptureFixture[str], damage: str, named: str | None
) -> None:
    content = edit(study, damage)
    if named is None:
        # The last segment held no codings: the file is still whole, and opens.
        assert main(["agree", str(study), "--coders", "alice", "bob", "--bootstrap", "0"]) == 0
        return
    err = one_line_refusal(capsys, ["agree", str(study), "--coders", "alice", "bob", "--bootstrap", "0"])
    assert f"holds codings on {named}" in err or f"holds codings of {named}" in err
    assert "restore it from a backup" in err
    assert dump(study) == content


def test_codings_in_a_gap_between_segments_are_found(study: Path) -> None:
    """A missing segment in the middle (ids on both sides exist) is found, as are the ends."""
    db = sqlite3.connect(study)
    ids = [row[0] for row in db.execute("SELECT DISTINCT segment_id FROM codings ORDER BY segment_id")]
    low, high = db.execute("SELECT MIN(id), MAX(id) FROM segments").fetchone()
    db.close()
    assert low < ids[0] and ids[-1] < high  # both coded segments lie strictly inside the range
    edit(study, f"DELETE FROM segments WHERE id = {ids[-1]}")
    with pytest.raises(BadInput, match=f"holds codings on segment {ids[-1]}"):
        Store(study)
    # The refusal closed its connection: the file can be opened and mended by another tool at once.
    edit(study, f"DELETE FROM codings WHERE segment_id = {ids[-1]}")
    Store(study).close()


def test_a_whole_project_with_gaps_in_its_segments_opens(study: Path, tmp_path: Path, transcript_file: Path) -> None:
    """Gaps left by a transcript deleted the proper way (its codings with it) are no damage."""
    other = tmp_path / "P2_interview.txt"
    other.write_text("Interviewer: Hello?\nP2: Hello.\n", encoding="utf-8")
    assert main(["import", str(study), str(other)]) == 0
    db = sqlite3.connect(study)
    db.execute("PRAGMA foreign_keys = ON")
    db.execute("DELETE FROM transcripts WHERE name = 'P1_interview'")
    db.commit()
    db.close()
    Store(study).close()


def test_codebook_from_codes_names_the_cycle_and_keeps_tree_order() -> None:
    a, b, c = (Code(f"id-{n}", n, position=i) for i, n in enumerate("ABC"))
    tree = [Code("t", "Theme"), Code("u", "Under", parent_id="t"), Code("v", "Second")]
    book = codebook_from_codes([tree[2], tree[1], tree[0]])
    assert [code.name for code in book] == ["Second", "Theme", "Under"]
    cycle = [Code(a.id, "A", parent_id=c.id), Code(b.id, "B", parent_id=a.id), Code(c.id, "C", parent_id=b.id)]
    below = Code("d", "Below the cycle", parent_id=b.id)
    with pytest.raises(BadInput) as caught:
        codebook_from_codes([*tree, below, *cycle])
    message = str(caught.value)
    assert all(f"'{n}'" in message for n in "ABC") and "Below the cycle" not in message
