"""`qualcode code` and `qualcode demo`: what they refuse, and the demo project they build."""

from __future__ import annotations

import sqlite3

import pytest

from qualcode.core.demo import build_demo
from tests.core.test_cli import content, run


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--coder", "consensus"], "the consensus is written in the resolution screen"),
        (["--coder", "  "], "a coder needs a name"),
    ],
)
def test_code_refuses_bad_coders(demo, args, message):
    before = content(demo)
    result = run("code", str(demo), *args)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert content(demo) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--coders", "alice", "nobody", "--lead", "carol"], "qualcode: nobody: no such coder in this project"),
        (["--coders", "alice", "consensus", "--lead", "carol"], "the consensus is what resolution writes"),
        (["--coders", "alice", "bob", "--lead", " "], "qualcode: --lead: the lead needs a name"),
    ],
)
def test_resolve_refuses_bad_coders(demo, args, message):
    with sqlite3.connect(demo) as db:
        db.execute("INSERT INTO coders (name, is_consensus) VALUES ('alice', 0), ('bob', 0), ('consensus', 1)")
    db.close()
    before = content(demo)
    result = run("resolve", str(demo), *args)
    assert result.returncode == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert content(demo) == before


def test_code_refuses_a_file_that_is_not_a_project(tmp_path):
    fake = tmp_path / "notes.qc"
    fake.write_text("just text\n", encoding="utf-8")
    result = run("code", str(fake), "--coder", "alice")
    assert result.returncode == 2
    assert result.stderr.strip() == f"qualcode: {fake}: is not a qualcode project file"
    assert fake.read_text(encoding="utf-8") == "just text\n"


def test_demo_is_built_once_and_rebuilt_on_request(tmp_path):
    path = build_demo(tmp_path)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM transcripts").fetchone()[0] == 7
        with_attributes = "SELECT COUNT(*) FROM participants WHERE attributes LIKE '%years_experience%'"
        assert db.execute(with_attributes).fetchone()[0] == 7
        assert db.execute("SELECT COUNT(*) FROM codes").fetchone()[0] > 30
        db.execute("INSERT INTO coders (name, is_consensus) VALUES ('kept', 0)")
    assert build_demo(tmp_path) == path
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM coders WHERE name = 'kept'").fetchone()[0] == 1
    build_demo(tmp_path, fresh=True)
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM coders WHERE name = 'kept'").fetchone()[0] == 0
    assert not [p.name for p in tmp_path.iterdir() if ".building" in p.name], "no half-built project is left"
