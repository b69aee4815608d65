"""The coding session under the workbench: toggles, ranges, memos, stars, undo and redo on a real file."""

from __future__ import annotations

import sqlite3
import time

import pytest

from qualcode.core.coding_session import CodingSession
from qualcode.core.errors import BadInput, ProjectBusy
from qualcode.core.store import Store
from tests.conftest import raw_rows

BOTH_ENGINES = True
"""The tests that take ``project`` run on a project file and on a study on the test PostgreSQL server."""


def _names(path, coder: str) -> set[tuple[int, str]]:
    """(ordinal, code name) pairs the file holds, read through a separate connection."""
    return set(
        raw_rows(
            path,
            "SELECT s.ordinal, d.name FROM codings c JOIN coders k ON k.id = c.coder_id "
            "JOIN segments s ON s.id = c.segment_id JOIN codes d ON d.id = c.code_id WHERE k.name = ?",
            (coder,),
        )
    )


@pytest.fixture
def session(project):
    store = project.store
    transcript = store.transcripts.all()[0]
    return CodingSession(store, "alice", transcript.id)


def _code(session, name):
    return session.codebook.find(name).id


def test_toggle_writes_at_once_and_toggles_back(session, project):
    workload = _code(session, "Workload")
    edit = session.toggle([1], workload)
    assert edit.added and _names(project.path, "alice") == {(2, "Workload")}
    session.toggle([1], workload)
    assert _names(project.path, "alice") == set()


def test_range_toggle_adds_where_missing_and_removes_only_when_all_have_it(session, project):
    workload = _code(session, "Workload")
    session.toggle([1], workload)
    edit = session.toggle([0, 1, 2], workload)
    assert edit.added and len(edit.segment_ids) == 2
    assert _names(project.path, "alice") == {(1, "Workload"), (2, "Workload"), (3, "Workload")}
    session.undo()
    assert _names(project.path, "alice") == {(2, "Workload")}
    session.redo()
    session.toggle([0, 1, 2], workload)
    assert _names(project.path, "alice") == set()


def test_undo_and_redo_cover_codes_memos_and_stars(session, project):
    barriers = _code(session, "Barriers")
    session.toggle([3], barriers)
    session.set_memo(3, "  no time for it  ")
    session.toggle_star(3)
    segment_id = session.segments[3].id
    assert project.store.memos.on_segment(segment_id, "alice") == "no time for it"
    assert project.store.codings.starred("alice", session.transcript.id) == {(segment_id, barriers)}
    session.undo()
    assert project.store.codings.starred("alice", session.transcript.id) == set()
    session.undo()
    assert project.store.memos.on_segment(segment_id, "alice") == ""
    session.undo()
    assert _names(project.path, "alice") == set()
    assert session.undo() is None
    session.redo()
    session.redo()
    assert _names(project.path, "alice") == {(4, "Barriers")}
    assert project.store.memos.on_segment(segment_id, "alice") == "no time for it"
    session.toggle([0], barriers)
    assert session.redo() is None, "a new change clears what could be redone"


def test_coders_are_blind_to_each_other(project):
    store = project.store
    tid = store.transcripts.all()[0].id
    alice = CodingSession(store, "alice", tid)
    alice.toggle([0], _code(alice, "Feedback"))
    bob = CodingSession(store, "bob", tid)
    assert all(not codes for codes in bob.codes)
    assert bob.next_uncoded(len(bob.segments) - 1) == 0


def test_search_next_uncoded_and_filter(session):
    hits = session.search("one  more\nmeeting")
    assert [(h.index, session.text(h.index)[h.start : h.end]) for h in hits] == [(3, "one more meeting")]
    assert session.search("WORKLOAD")[0].index == 2
    assert session.search("   ") == []
    workload = _code(session, "Workload")
    time_pressure = _code(session, "Time pressure")
    session.toggle([3], time_pressure)
    session.toggle([5], workload)
    assert session.with_code(workload) == [3, 5], "a code's filter includes the codes under it"
    assert session.next_uncoded(2) == 4
    assert session.next_uncoded(5) == 0, "the search wraps round to the start"


def test_refusals(session, project):
    with pytest.raises(BadInput, match="no such code"):
        session.toggle([0], "not-a-code")
    with pytest.raises(BadInput, match="code the segment"):
        session.toggle_star(0)
    with pytest.raises(BadInput, match="no such transcript"):
        CodingSession(project.store, "alice", "missing")
    assert _names(project.path, "alice") == set()


def test_two_writers_on_one_file(project):
    """Two workbenches (two connections) code the same file in turns without locking each other out."""
    tid = project.store.transcripts.all()[0].id
    other = Store(project.path)
    try:
        a = CodingSession(project.store, "alice", tid)
        b = CodingSession(other, "bob", tid)
        for i in range(5):
            a.toggle([i], _code(a, "Workload"))
            b.toggle([i], _code(b, "Barriers"))
        assert len(_names(project.path, "alice")) == 5
        assert len(_names(project.path, "bob")) == 5
    finally:
        other.close()


@pytest.fixture
def holder(project):
    """A second connection that can hold the project's write lock, as a long merge does."""
    db = sqlite3.connect(project.path, isolation_level=None)
    yield db
    if db.in_transaction:
        db.execute("ROLLBACK")
    db.close()


@pytest.fixture
def quick(project):
    """The session's own store with the workbench's short busy timeout."""
    store = Store(project.path, timeout=0.05)
    yield CodingSession(store, "alice", store.transcripts.all()[0].id)
    store.close()


def _starred_and_memos(path) -> tuple[set[tuple[int, str]], dict[int, str]]:
    with sqlite3.connect(path) as db:
        starred = set(
            db.execute(
                "SELECT s.ordinal, d.name FROM codings c JOIN segments s ON s.id = c.segment_id "
                "JOIN codes d ON d.id = c.code_id WHERE c.starred = 1"
            ).fetchall()
        )
        memos = dict(db.execute("SELECT s.ordinal, m.text FROM memos m JOIN segments s ON s.id = m.segment_id"))
    return starred, memos


@pytest.mark.file_only
def test_a_busy_file_keeps_changes_pending_in_order_through_undo_and_redo(quick, holder, project):
    workload, barriers = _code(quick, "Workload"), _code(quick, "Barriers")
    holder.execute("BEGIN IMMEDIATE")
    quick.toggle([1], workload)
    assert quick.pending_count == 1 and quick.unsaved == {quick.segments[1].id}
    assert workload in quick.codes[1], "the coder sees the change at once"
    quick.toggle([3], barriers)
    quick.undo()
    quick.redo()
    quick.undo()  # on, off, on, off: written in another order, Barriers would stay on
    quick.set_memo(1, "too much")
    quick.toggle_star(1)
    assert [(e.kind, e.added) for e in quick.pending] == [
        ("code", True),
        ("code", True),
        ("code", False),
        ("code", True),
        ("code", False),
        ("memo", True),
        ("star", True),
    ]
    assert quick.retry_pending() == [] and quick.pending_count == 7
    assert _names(project.path, "alice") == set(), "nothing reaches the file while it is locked"
    assert quick.codes[3] == set() and quick.memos[quick.segments[1].id] == "too much"

    holder.execute("COMMIT")
    written = quick.retry_pending()
    assert len(written) == 7 and quick.pending_count == 0 and quick.unsaved == frozenset()
    assert _names(project.path, "alice") == {(2, "Workload")}
    assert _starred_and_memos(project.path) == ({(2, "Workload")}, {2: "too much"})
    assert quick.retry_pending() == [], "a change is written once"

    quick.undo()  # the star, now written at once
    assert quick.pending_count == 0
    assert _starred_and_memos(project.path) == (set(), {2: "too much"})


@pytest.mark.file_only
def test_changes_made_after_a_busy_one_wait_behind_it(quick, holder, project):
    workload = _code(quick, "Workload")
    holder.execute("BEGIN IMMEDIATE")
    quick.toggle([0], workload)
    holder.execute("COMMIT")
    # The file is free again, but the earlier change goes first: written first,
    # the undo would take off nothing and the pending change would then put it on.
    quick.undo()
    quick.toggle([1], workload)
    assert quick.pending_count == 3, "a change never overtakes one still waiting"
    assert _names(project.path, "alice") == set()
    assert len(quick.retry_pending()) == 3
    assert _names(project.path, "alice") == {(2, "Workload")}


@pytest.mark.file_only
def test_pending_codes_stay_in_view_when_the_codebook_is_read_again(quick, holder, project):
    workload = _code(quick, "Workload")
    holder.execute("BEGIN IMMEDIATE")
    quick.toggle([2], workload)
    quick.refresh_codebook()
    assert workload in quick.codes[2] and quick.pending_count == 1
    holder.execute("ROLLBACK")
    quick.retry_pending()
    assert _names(project.path, "alice") == {(3, "Workload")}


@pytest.mark.file_only
def test_retrying_does_not_wait_for_the_busy_file(quick, holder):
    quick.store.database.timeout = 5.0
    quick.store.database.execute("PRAGMA busy_timeout = 5000")
    holder.execute("BEGIN IMMEDIATE")
    quick.store.database.timeout = 0.05
    quick.store.database.execute("PRAGMA busy_timeout = 50")
    quick.toggle([0], _code(quick, "Workload"))
    quick.store.database.timeout = 5.0
    quick.store.database.execute("PRAGMA busy_timeout = 5000")
    started = time.monotonic()
    assert quick.retry_pending() == []
    assert time.monotonic() - started < 1.0, "a retry must not block for the usual wait"
    holder.execute("ROLLBACK")
    assert len(quick.retry_pending()) == 1


@pytest.mark.file_only
def test_a_busy_file_is_named_with_the_wait(project, holder):
    store = Store(project.path, timeout=0.05)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(ProjectBusy, match=r"study\.qc: the project is busy.*waiting 0\.05 s"):
            store.codings.coder_id("carol", create=True)
    finally:
        store.close()
