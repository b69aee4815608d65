"""Retrieval in the workbench: R lists a coder's own passages of a code, Enter opens one, * stars it; and the
codebook editor counts only the coder's own codings."""

from __future__ import annotations

import sqlite3

from qualcode.core.store import Store
from qualcode.tui.app import make_app
from qualcode.tui.screens.codebook_editor import CodebookEditor
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.screens.retrieval import RetrievalScreen

SIZE = (140, 40)


def _code(store: Store, name: str) -> str:
    return next(c.id for c in store.codebook.codes() if c.name == name)


def _coded(demo):
    """alice codes Workload on three segments of P1 and a passage of P2; bob codes it on two others."""
    with Store(demo) as store:
        workload = _code(store, "Workload")
        ids = store.transcripts.segment_ids()
        store.codings.add_many([(ids[2], workload), (ids[5], workload), (ids[9], workload)], "alice")
        store.codings.add_many([(ids[3], workload), (ids[4], workload)], "bob")
        second = store.transcripts.all()[1]
        segment = store.transcripts.segments(second.id)[3]
        store.codings.add_span(second.id, segment.start, segment.start + 20, workload, "alice")
    return workload


async def test_r_lists_the_coders_own_passages_and_opens_one_in_context(demo):
    workload = _coded(demo)
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        await pilot.press(*"Workload", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RetrievalScreen)
        assert [p.coder for p in screen.passages] == ["alice"] * 4, "bob's passages stay hidden"
        assert len(screen.table.rows) == 4
        assert "4 passages of alice" in str(screen.query_one("#status").render())
        await pilot.press("j", "asterisk")
        await pilot.pause()
        with sqlite3.connect(demo) as db:
            starred = db.execute(
                "SELECT s.ordinal FROM codings c JOIN segments s ON s.id = c.segment_id "
                "JOIN coders k ON k.id = c.coder_id WHERE k.name = 'alice' AND c.starred = 1 AND c.code_id = ?",
                (workload,),
            ).fetchall()
        assert starred == [(6,)], "the second passage (P1, segment 6) is starred for the quote table"
        assert screen.table.rows[1].startswith("*") and 1 in screen.table.marked
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        coding = app.screen
        assert isinstance(coding, CodingScreen)
        assert coding.session.transcript.name == "P1_interview"
        assert coding.session.segments[coding.view.position].ordinal == 6, "the cursor on that segment"


async def test_the_participant_filter_narrows_the_passages(demo):
    _coded(demo)
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("R", *"Workload", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RetrievalScreen)
        await pilot.press("f", *"school_level=primary", "enter")
        await pilot.pause()
        # P1 is at a primary school, P2 (alice's passage there) at a lower secondary one
        assert [p.participant for p in screen.passages] == ["P1", "P1", "P1"]
        assert len(screen.table.rows) == 3
        await pilot.press("f", *"nonsense=1", "enter")
        await pilot.pause()
        assert "no participant attribute 'nonsense'" in str(screen.query_one("#status").render())
        await pilot.press("f", *"role", "enter")
        await pilot.pause()
        assert "'role' is not ATTRIBUTE=VALUE" in str(screen.query_one("#status").render())
        await pilot.press("f", "escape")
        await pilot.pause()
        field = screen.query_one("#retrieval-filter")
        assert app.screen is screen and not field.display and screen.table.has_focus, "Esc closes the filter only"


async def test_the_codebook_editor_counts_only_the_coders_own_codings(demo):
    _coded(demo)
    app = make_app(demo, "bob")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("E")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, CodebookEditor)
        assert "2 codings of yours" in str(editor.query_one("#status").render()), "bob's two, not alice's four"


async def test_the_memo_manager_lists_the_coders_own_notes_and_opens_one(demo):
    from qualcode.tui.screens.memos import MemosScreen

    with Store(demo) as store:
        ids = store.transcripts.segment_ids()
        store.memos.set_on_segment(ids[4], "alice", "alice wonders about the meetings")
        store.memos.set_on_segment(ids[6], "bob", "bob's own thought")
        store.memos.set_on_code(_code(store, "Workload"), "alice", "hours, not feelings")
        store.journal.add("alice", "codebook settled")
        store.journal.add("carol", "the lead's note")
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("M")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, MemosScreen)
        lines = screen.listing.rows
        assert len(lines) == 3 and not any("bob" in line or "lead" in line for line in lines), "only alice's notes"
        assert lines[0].startswith("code Workload") and "codebook settled" in lines[-1]
        await pilot.press("slash", *"meetings", "enter")
        await pilot.pause()
        assert len(screen.listing.rows) == 1
        await pilot.press("enter")
        await pilot.pause()
        await pilot.pause()
        coding = app.screen
        assert isinstance(coding, CodingScreen)
        assert coding.session.segments[coding.view.position].ordinal == 5
        await pilot.press("M", "a")
        await pilot.pause()
        await pilot.press(*"split Workload next week", "enter")
        await pilot.pause()
    with Store(demo) as store:
        assert [e.text for e in store.journal.entries("alice")] == ["codebook settled", "split Workload next week"]


async def test_the_overview_counts_the_coders_own_codings_shaded(demo):
    from qualcode.tui.screens.overview import OverviewScreen

    _coded(demo)
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("O")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, OverviewScreen)
        table = screen.table
        rows = {str(table.get_row_at(i)[0]).strip(): table.get_row_at(i) for i in range(table.row_count)}
        workload = rows["Workload"]
        assert str(workload[1]).strip() == "3" and str(workload[2]).strip() == "1", "alice's 3 in P1, 1 in P2"
        assert str(workload[-1]) == "4", "bob's codings are not counted"
        assert workload[1].style.bgcolor is not None, "a count is shaded"
        assert str(rows["Barriers"][1]).strip() == "·", "nothing coded shows a dot"
        await pilot.press("c")
        await pilot.pause()
        assert table.columns and [str(c.label) for c in table.columns.values()] == [
            "Code",
            "with code",
            "Shared segments",
        ]


async def test_the_log_screen_shows_the_coders_own_work_and_shared_changes_only(demo):
    from qualcode.core.project import Project
    from qualcode.tui.screens.log import LogScreen

    with Project.open(demo) as project:
        project.rename_code("Workload", "Work load", actor="carol")
        project.mark_done("bob", ["P1_interview"])
        project.mark_done("alice", ["P2_interview"])
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("L")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, LogScreen)
        lines = screen.listing.rows
        assert "alice" in lines[0] and "marked transcripts done P2_interview" in lines[0], "newest first"
        assert any("carol" in line and "edited a code" in line for line in lines), "codebook changes are shared"
        assert not any("bob" in line for line in lines), "another coder's work is not shown"
        await pilot.press("slash", *"edited", "enter")
        await pilot.pause()
        assert len(screen.listing.rows) == 1


async def test_m_in_the_codebook_tree_writes_a_memo_on_the_code(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        coding = app.screen
        assert isinstance(coding, CodingScreen)
        await pilot.press("tab")
        await pilot.pause()
        tree = coding.panel.code_tree
        target = next(i for i in range(tree.last_line + 1) if "Workload" in str(tree.get_node_at_line(i).label))
        tree.cursor_line = target
        await pilot.pause()
        await pilot.press("m")
        await pilot.pause()
        await pilot.press(*"hours, not feelings", "ctrl+s")
        await pilot.pause()
        assert "Your memo: hours, not feelings" in str(coding.panel.query_one("#definition").render())
    with Store(demo) as store:
        assert store.memos.codes_of("alice") == {_code(store, "Workload"): "hours, not feelings"}
