"""The resolution screen driven by keys, checked against the consensus and decisions in the file."""

from __future__ import annotations

import sqlite3

import pytest

from qualcode.core.store import Store
from qualcode.tui.app import make_resolve_app
from qualcode.tui.screens.resolve import AgreementTable, CodeChecklist, ResolveScreen
from tests.tui.conftest import codings

SIZE = (150, 45)


def _decisions(path):
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT s.ordinal, d.choice, d.note, d.lead FROM decisions d JOIN segments s ON s.id = d.segment_id "
            "WHERE d.choice <> 'agreed' ORDER BY d.id"
        ).fetchall()


async def test_deciding_by_keys_writes_the_consensus(coded_demo):
    app = make_resolve_app(coded_demo, "alice", "bob", "carol")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, ResolveScreen)
        queue = screen.resolution.queue
        assert [d.ordinal for d in queue] == [3, 6, 9, 12]
        await pilot.press("a")  # segment 3: alice's code
        await pilot.press("n")
        await pilot.pause()
        await pilot.press(*"both fit", "enter")
        await pilot.press("o")  # segment 6: both, with the note
        await pilot.press("x")  # segment 9: neither
        await pilot.press("e")  # segment 12: edit
        await pilot.pause()
        assert isinstance(app.screen, CodeChecklist)
        await pilot.press("ctrl+s")  # keep the preselected union
        await pilot.pause()
        assert screen.resolution.progress() == (4, 4)
        assert "decided 4 of 4" in str(screen.query_one("#status").render())
    decisions = _decisions(coded_demo)
    assert [(o, c) for o, c, _n, _l in decisions] == [(3, "a"), (6, "both"), (9, "neither"), (12, "edit")]
    assert decisions[1][2] == "both fit" and decisions[0][3] == "carol"
    consensus = codings(coded_demo, "consensus")
    alice, bob = codings(coded_demo, "alice"), codings(coded_demo, "bob")
    agreed = alice & bob
    assert agreed <= consensus, "agreements went into the consensus by themselves"
    assert {c for c in consensus if c[1] == 3} == {c for c in alice if c[1] == 3}
    assert {c for c in consensus if c[1] == 6} == {c for c in alice | bob if c[1] == 6}
    assert not {c for c in consensus if c[1] == 9}
    assert {c for c in consensus if c[1] == 12} == {c for c in alice | bob if c[1] == 12}


async def test_agreement_table_opens_from_a_worker(coded_demo):
    app = make_resolve_app(coded_demo, "alice", "bob", "carol")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("g")
        for _ in range(100):
            await pilot.pause(0.1)
            if isinstance(app.screen, AgreementTable):
                break
        assert isinstance(app.screen, AgreementTable)
        # both coded P1 only: its turns but the interviewer's are the units
        assert "Agreement of alice (A) and bob (B) on 19 segments of 1 transcript" in app.screen.text
        assert "left out: 19 interviewer turns; transcripts not done by both (P2_interview" in app.screen.text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ResolveScreen)


def test_resolve_snapshot(coded_demo, snap_compare):
    assert snap_compare(make_resolve_app(coded_demo, "alice", "bob", "carol"), press=["a"], terminal_size=(130, 40))


@pytest.fixture
def span_demo(demo):
    """The demo project where alice and bob put Workload on different passages of one turn of P1."""
    with Store(demo) as store:
        transcript = store.transcripts.all()[0]
        segment = max(store.transcripts.segments(transcript.id), key=lambda s: s.end - s.start)
        words = [m for m in transcript.text[segment.start : segment.end].split(" ") if m]
        workload = next(c.id for c in store.codebook.codes() if c.name == "Workload")
        text = transcript.text
        start = text.index(words[2], segment.start)
        short_end = text.index(words[6], start) + len(words[6])
        long_end = text.index(words[10], start) + len(words[10])
        store.codings.add_span(transcript.id, start, short_end, workload, "alice")
        store.codings.add_span(transcript.id, start, long_end, workload, "bob")
    return demo, (start, short_end, long_end), workload


def _consensus_spans(path):
    with sqlite3.connect(path) as db:
        return db.execute(
            "SELECT p.code_id, p.start_offset, p.end_offset FROM spans p JOIN coders k ON k.id = p.coder_id "
            "WHERE k.name = 'consensus'"
        ).fetchall()


async def test_a_span_difference_is_shown_and_its_passage_edited_word_by_word(span_demo):
    path, (start, short_end, long_end), workload = span_demo
    app = make_resolve_app(path, "alice", "bob", "carol")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        [item] = screen.resolution.queue
        assert item.span_differences == {workload}
        context = str(screen.query_one("#context").render())
        assert "Same code, other passage: Workload" in context
        assert "≈" in str(screen.query_one("#side-a").render())
        await pilot.press("i")  # the characters both coded: alice's shorter passage
        await pilot.pause()
        assert _consensus_spans(path) == [(workload, start, short_end)]
        await pilot.press("s")
        await pilot.pause()
        editor = app.screen
        assert editor.edit.passage == (start, short_end), "the editor starts from the decided passage"
        await pilot.press("right", "shift+right", "shift+right", "enter")
        await pilot.pause()
        assert isinstance(app.screen, ResolveScreen)
    [(code, new_start, new_end)] = _consensus_spans(path)
    assert code == workload and start < new_start < new_end and new_end > short_end
    assert [c for _o, c, _n, _l in _decisions(path)] == ["intersection", "edit"]


def test_resolve_span_difference_snapshot(span_demo, snap_compare):
    path, _offsets, _code = span_demo
    assert snap_compare(make_resolve_app(path, "alice", "bob", "carol"), terminal_size=(130, 40))


async def test_the_resolve_screen_shows_memos_and_the_lead_stars_and_writes_on_the_consensus(coded_demo):
    with Store(coded_demo) as store:
        first = store.transcripts.all()[0].id
        third = next(s.id for s in store.transcripts.segments(first) if s.ordinal == 3)
        store.memos.set_on_segment(third, "alice", "alice's reason")
    app = make_resolve_app(coded_demo, "alice", "bob", "carol")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.resolution.queue[0].segment_id == third
        assert "alice's reason" in str(screen.query_one("#side-a").render())
        await pilot.press("a")  # segment 3: alice's codes and her memo go into the consensus
        await pilot.press("k")  # back to it
        await pilot.press("asterisk")
        await pilot.press("m")
        await pilot.pause()
        await pilot.press("ctrl+e", *" (checked)", "ctrl+s")
        await pilot.pause()
        assert "Consensus memo" in str(screen.query_one("#history").render())
    with Store(coded_demo) as store:
        assert store.memos.on_segment(third, "consensus") == "alice: alice's reason (checked)"
        assert {s for s, _c in store.codings.starred("consensus", first)} == {third}


async def test_the_lead_sees_both_coders_codes_side_by_side(coded_demo):
    from qualcode.tui.screens.compare import CompareScreen

    app = make_resolve_app(coded_demo, "alice", "bob", "carol")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("j", "v")  # the second disagreement (segment 6), side by side
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        table = screen.table
        assert str(table.get_row_at(table.cursor_row)[0]) == "6", "the cursor on the disagreement looked at"
        marked = [str(table.get_row_at(i)[0]) for i in range(table.row_count) if str(table.get_row_at(i)[1]) == "≠"]
        assert marked == ["3", "6", "9", "12"]
        await pilot.press("d")
        await pilot.pause()
        assert table.row_count == 4, "only the differences"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ResolveScreen)
        assert app.screen.resolution.progress() == (0, 4), "looking decides nothing"


async def test_the_leads_retrieval_shows_every_coders_passages(coded_demo):
    from qualcode.tui.screens.retrieval import RetrievalScreen

    app = make_resolve_app(coded_demo, "alice", "bob", "carol")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("R")
        await pilot.pause()
        await pilot.press(*"Workload", "enter")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, RetrievalScreen) and screen.coder is None
        coders = {p.coder for p in screen.passages}
        assert {"alice", "bob"} <= coders <= {"alice", "bob", "consensus"}, "the lead sees both coders' passages"
        assert all(p.coder in line for p, line in zip(screen.passages, screen.table.rows, strict=True))
        status = str(screen.query_one("#status").render())
        assert "passages of every coder (alice" in status and "bob" in status
        await pilot.press("asterisk")
        await pilot.pause()
        assert not any(p.starred for p in screen.passages), "the lead does not star a coder's passages"
