"""The resolution screen driven by keys, checked against the consensus and decisions in the file."""

from __future__ import annotations

import random
import sqlite3

import pytest

from qualcode.core.store import Store
from qualcode.tui.app import make_resolve_app
from qualcode.tui.screens.resolve import AgreementTable, CodeChecklist, ResolveScreen
from tests.tui.conftest import codings

SIZE = (150, 45)


@pytest.fixture
def coded_demo(demo):
    """The demo project with two coders who agree on some segments of P1 and not on others."""
    with Store(demo) as store:
        segments = [s for s in store.transcripts.all_segments() if s.transcript_id == store.transcripts.all()[0].id]
        code = {c.name: c.id for c in store.codebook.codes()}
        rng = random.Random(3)
        for s in segments[:12]:
            pick = rng.choice(["Workload", "Time pressure", "Step-ladder", "Referral route"])
            store.codings.add(s.id, code[pick], "alice")
            other = pick if s.ordinal % 3 else rng.choice(["Barriers", "Success factors"])
            store.codings.add(s.id, code[other], "bob")
    return demo


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
        assert "Agreement of alice (A) and bob (B) on 270 segments" in app.screen.text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ResolveScreen)


def test_resolve_snapshot(coded_demo, snap_compare):
    assert snap_compare(make_resolve_app(coded_demo, "alice", "bob", "carol"), press=["a"], terminal_size=(130, 40))
