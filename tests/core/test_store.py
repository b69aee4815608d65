"""The project file: creation, refusal of foreign files, transactions, migrations."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from qualcode.core.errors import BadInput
from qualcode.core.model import Code
from qualcode.core.store import Store
from qualcode.core.store import database as store_module

BOTH_ENGINES = True
"""The tests that take ``project`` run on a project file and on a study on the test PostgreSQL server."""


def test_new_project_has_schema_version_wal_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "s.qc"
    with Store(path, create=True) as store:
        assert store.schema_version() == store_module.SCHEMA_VERSION
        assert store.database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert store.database.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert len(store.study_id) == 36


def test_create_refuses_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "s.qc"
    path.write_text("mine")
    with pytest.raises(BadInput, match="already exists"):
        Store(path, create=True)
    assert path.read_text() == "mine"


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"hello, not a database", "not a qualcode project"), (b"", "not a qualcode project")],
)
def test_open_refuses_files_that_are_not_projects(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.qc"
    path.write_bytes(content)
    with pytest.raises(BadInput, match=message):
        Store(path)


def test_open_refuses_a_foreign_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE t (x)")
    db.commit()
    db.close()
    with pytest.raises(BadInput, match="SQLite database but not a qualcode project"):
        Store(path)


def test_open_refuses_a_newer_schema(tmp_path: Path) -> None:
    path = tmp_path / "s.qc"
    Store(path, create=True).close()
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {store_module.SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(BadInput, match="newer qualcode"):
        Store(path)


def test_migrations_run_forward(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "s.qc"
    Store(path, create=True).close()
    monkeypatch.setattr(store_module, "SCHEMA_VERSION", store_module.SCHEMA_VERSION + 1)
    monkeypatch.setitem(store_module.MIGRATIONS, store_module.SCHEMA_VERSION - 1, "CREATE TABLE extra (x INTEGER);")
    with Store(path) as store:
        assert store.schema_version() == store_module.SCHEMA_VERSION
        store.database.execute("INSERT INTO extra VALUES (1)")


def test_a_failed_transaction_leaves_nothing(tmp_path: Path) -> None:
    with Store(tmp_path / "s.qc", create=True) as store:
        with pytest.raises(RuntimeError):
            with store.transaction():
                store.codebook.insert(Code(id="a", name="A"))
                raise RuntimeError("boom")
        assert store.codebook.codes() == []


def test_codings_are_a_set_per_segment_and_coder(project) -> None:
    store = project.store
    tid = store.transcripts.all()[0].id
    seg = store.transcripts.segments(tid)[1]
    code = project.codebook().find("Workload")
    assert store.codings.add(seg.id, code.id, "alice") is True
    assert store.codings.add(seg.id, code.id, "alice") is False
    assert store.codings.add(seg.id, code.id, "bob") is True
    assert store.codings.pairs("alice") == [(seg.id, code.id)]
    assert store.codings.remove(seg.id, code.id, "alice") is True
    assert store.codings.pairs("alice") == []
    assert store.codings.pairs("bob") == [(seg.id, code.id)]


def test_segment_memos_are_per_coder_and_removable(project) -> None:
    store = project.store
    seg = store.transcripts.all_segments()[0]
    store.memos.set_on_segment(seg.id, "alice", "first")
    store.memos.set_on_segment(seg.id, "alice", "second")
    store.memos.set_on_segment(seg.id, "bob", "bob's")
    assert store.memos.on_segment(seg.id, "alice") == "second"
    assert store.memos.of_coder("bob") == {seg.id: "bob's"}
    store.memos.set_on_segment(seg.id, "alice", "  ")
    assert store.memos.on_segment(seg.id, "alice") == ""


def test_changes_are_committed_without_closing(project) -> None:
    """Every call commits: another connection sees it at once (what a crash would leave)."""
    store = project.store
    seg = store.transcripts.all_segments()[0]
    code = project.codebook().find("Workload")
    store.codings.add(seg.id, code.id, "alice")
    with Store(store.path) as other:
        assert other.codings.pairs("alice") == [(seg.id, code.id)]
