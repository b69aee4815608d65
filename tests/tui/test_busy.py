"""The workbench while another process holds the project's write lock (a long merge): keys keep working."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from qualcode.tui.app import make_app
from qualcode.tui.screens.coding import BUSY_MESSAGE, CodingScreen
from qualcode.tui.screens.dialogs import Confirm
from qualcode.tui.screens.transcripts import TranscriptsScreen

SIZE = (140, 40)


@pytest.fixture
def holder(demo: Path):
    """A second connection that takes the write lock the way a merge's transaction does."""
    db = sqlite3.connect(demo, isolation_level=None)
    yield db
    if db.in_transaction:
        db.execute("ROLLBACK")
    db.close()


def ordered_codings(path: Path, coder: str) -> list[tuple[int, str]]:
    """(ordinal, code name) of a coder's codings in the order they were written."""
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT s.ordinal, d.name FROM codings c JOIN coders k ON k.id = c.coder_id "
            "JOIN segments s ON s.id = c.segment_id JOIN codes d ON d.id = c.code_id "
            "WHERE k.name = ? ORDER BY c.rowid",
            (coder,),
        ).fetchall()


def status_text(app) -> str:
    return str(app.screen.query_one("#status").render())


def header_text(screen: CodingScreen, line: int) -> str:
    return "".join(segment.text for segment in screen.view.render_line(line))


async def wait_until_saved(pilot, screen: CodingScreen, seconds: float = 5.0) -> None:
    """Let the retry timer run until the session has nothing pending (or the time is up)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while screen.session.pending_count and loop.time() < deadline:
        await pilot.pause(0.1)
    await pilot.pause()


async def test_keys_pressed_while_the_file_is_locked_are_kept_and_saved_in_order(demo, holder):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CodingScreen)

        holder.execute("BEGIN IMMEDIATE")
        # Workload on 1, Time pressure on 2, Lack of resources on 3 and its undo, Feedback on 4.
        await pilot.press("w", "j", "t", "j", "l", "u", "j", "3")
        await pilot.pause()
        assert app.is_running and app.screen is screen
        status = status_text(app)
        assert "5 changes not saved yet" in status and BUSY_MESSAGE in status
        assert screen.query_one("#status").has_class("-busy")
        assert "⧗ not saved" in header_text(screen, 0), "segment 1's header marks its change as not saved"
        assert ordered_codings(demo, "alice") == [], "nothing reaches the file while it is locked"
        assert screen.session.codes[0], "the coder sees the code applied"

        await pilot.pause(1.2)  # a few retries against the lock change nothing
        assert ordered_codings(demo, "alice") == [] and screen.session.pending_count == 5

        holder.execute("COMMIT")
        await wait_until_saved(pilot, screen)
        assert ordered_codings(demo, "alice") == [
            (1, "Workload"),
            (2, "Time pressure"),
            (4, "Feedback"),
        ]
        status = status_text(app)
        assert "saved: the project is free again (5 changes written)" in status and BUSY_MESSAGE not in status
        assert not screen.query_one("#status").has_class("-busy")
        assert "not saved" not in header_text(screen, 0)

        await pilot.press("j", "w")  # the file is free: written at once, as before
        await pilot.pause()
        assert ordered_codings(demo, "alice")[-1] == (5, "Workload")
        assert status_text(app).endswith("Workload applied to the segment · saved")


async def test_quitting_with_changes_waiting_asks_and_the_retries_go_on(demo, holder):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        holder.execute("BEGIN IMMEDIATE")
        await pilot.press("w", "q")  # back to the list with the change still waiting
        await pilot.pause()
        assert isinstance(app.screen, TranscriptsScreen)
        await pilot.press("q")
        await pilot.pause()
        assert isinstance(app.screen, Confirm) and "1 change not saved: the project is busy" in app.screen.question
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, TranscriptsScreen)

        holder.execute("COMMIT")
        await pilot.pause(1.2)  # the retry timer outlives the coding screen
        assert ordered_codings(demo, "alice") == [(1, "Workload")]
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running, "nothing waiting: quitting does not ask"


async def test_quitting_anyway_leaves_the_file_as_it_was(demo, holder):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        holder.execute("BEGIN IMMEDIATE")
        await pilot.press("w", "ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await pilot.pause()
        assert not app.is_running
    holder.execute("COMMIT")
    assert ordered_codings(demo, "alice") == []
