"""The text tools in the workbench: search all transcripts, suggestions, pseudonyms, word frequencies."""

from __future__ import annotations

import sqlite3

from qualcode.core.model import Pseudonym
from qualcode.core.store import Store
from qualcode.tui.app import make_app
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.screens.frequencies import FrequenciesScreen
from qualcode.tui.screens.pseudonyms import PseudonymsScreen
from qualcode.tui.screens.search import SearchScreen
from qualcode.tui.screens.suggestions import SuggestionsScreen
from tests.tui.conftest import codings

SIZE = (140, 40)


async def _wait(pilot, condition, tries: int = 150) -> None:
    for _ in range(tries):
        await pilot.pause(0.05)
        if condition():
            return
    raise AssertionError("the screen never got there")


async def test_search_all_transcripts_open_a_hit_and_code_every_hit(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await pilot.press(*"step ladder", "enter")
        await _wait(pilot, lambda: bool(screen.hits))
        transcripts = {h.transcript for h in screen.hits}
        assert len(transcripts) >= 3
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press(*"step-ladder", "enter")
        await _wait(pilot, lambda: "coded" in str(screen.query_one("#status").render()))
        first = screen.hits[0]
        await pilot.press("enter")
        await _wait(pilot, lambda: isinstance(app.screen, CodingScreen))
        coding = app.screen
        await pilot.pause()
        assert coding.session.transcript.name == first.transcript
        assert coding.session.segments[coding.view.position].ordinal == first.ordinal
    coded = {(t, o) for t, o, c in codings(demo, "alice") if c == "Step-ladder"}
    assert coded == {(h.transcript, h.ordinal) for h in screen.hits}


async def test_search_codes_every_hit_s_sentence_after_ctrl_e(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("S")
        await pilot.pause()
        screen = app.screen
        await pilot.press(*"step ladder", "enter")
        await _wait(pilot, lambda: bool(screen.hits))
        await pilot.press("ctrl+e")
        assert "codes every hit's sentence" in str(screen.query_one("#status").render())
        await pilot.press("ctrl+o")
        await pilot.pause()
        await pilot.press(*"step-ladder", "enter")
        await _wait(pilot, lambda: "coded" in str(screen.query_one("#status").render()))
        assert "new sentences for alice" in str(screen.query_one("#status").render())
        hits = list(screen.hits)
    with Store(demo) as store:
        spans = store.codings.spans("alice")
        whole = {segment for segment, _code in store.codings.whole_segment_pairs("alice")}
        texts = {t.id: t.text for t in store.transcripts.all()}
    assert spans, "the sentences became passages"
    for h in hits:
        assert h.segment_id in whole or any(p.start <= h.start and h.end <= p.end for p in spans), h
    for p in spans:
        passage = texts[p.transcript_id][p.start : p.end]
        assert passage == passage.strip() and "step" in passage.lower()


async def test_suggestions_accepted_are_marked_as_such(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("A")
        screen = app.screen
        assert isinstance(screen, SuggestionsScreen)
        await _wait(pilot, lambda: bool(screen.items))
        total = len(screen.items)
        table = screen.query_one("#suggestions")
        for row in range(min(total, 5)):
            seg, _code, matched, shown = (str(c) for c in table.get_row_at(row))
            first = matched.split(",")[0].strip().casefold()
            assert first.split()[0] in shown.casefold(), "the segment's words around what matched are shown"
        await pilot.press("y", "n")
        await pilot.pause()
        assert len(screen.items) == total - 2
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen)
        assert app.screen.session.coded_count() == 1
    with sqlite3.connect(demo) as db:
        assert db.execute("SELECT origin, COUNT(*) FROM codings GROUP BY origin").fetchall() == [("suggestion", 1)]
        assert db.execute("SELECT COUNT(*) FROM rejected_suggestions").fetchone()[0] == 1


async def test_pseudonyms_screen(demo):
    app = make_app(demo, "carol")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("P")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, PseudonymsScreen)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"Janne = [student]", "enter")
        await pilot.pause()
        assert screen.rows == [Pseudonym("Janne", "[student]", True)]
        table = screen.query_one("#pseudonym-table")
        assert str(table.get_row_at(0)[1]) == "[student]", "the replacement shows as written, not as markup"
        await pilot.press("s")
        await _wait(pilot, lambda: len(screen.rows) > 5)
        assert Pseudonym("Emil", "[name]", False) in screen.rows
        # candidates first, the most frequent first, as the command line lists them
        candidates = [r.original for r in screen.rows if not r.confirmed]
        counts = screen.counts
        assert [counts[c] for c in candidates] == sorted((counts[c] for c in candidates), reverse=True)
        assert screen.rows[-1].original == "Janne", "the confirmed name comes after the candidates"
        # r on the second candidate keeps the cursor there; c then confirms that same name
        await pilot.press("down", "r")
        await pilot.pause()
        await pilot.press(*["backspace"] * 10, *"[pupil]", "enter")
        await pilot.pause()
        second = candidates[1]
        assert screen.rows[table.cursor_row].original == second
        await pilot.press("c")
        await pilot.pause()
        assert Pseudonym(second, "[pupil]", True) in screen.rows
        assert [r.original for r in screen.rows if r.confirmed] == sorted(["Janne", second], key=str.casefold)
    with sqlite3.connect(demo) as db:
        assert db.execute("SELECT replacement, confirmed FROM pseudonyms WHERE original = 'Janne'").fetchone() == (
            "[student]",
            1,
        )


async def test_word_frequencies(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("W")
        screen = app.screen
        assert isinstance(screen, FrequenciesScreen)
        area = screen.query_one("#frequencies-text")
        await _wait(pilot, lambda: "P1_interview:" in area.text)
        assert "school" in area.text


async def test_a_failing_worker_shows_its_error_and_clears_the_screen(demo, monkeypatch):
    from qualcode.core.project import Project
    from qualcode.tui.screens.dialogs import ErrorDialog

    def broken(self, **options):
        raise RuntimeError("the token index is unreadable")

    monkeypatch.setattr(Project, "frequencies", broken)
    app = make_app(demo, "carol")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("W")
        await _wait(pilot, lambda: isinstance(app.screen, ErrorDialog))
        dialog = app.screen
        assert "the token index is unreadable" in dialog.text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, FrequenciesScreen)
        text = app.screen.query_one("#frequencies-text").text
        assert "counting words …" not in text and "the token index is unreadable" in text


async def test_a_pseudonym_can_hide_compounds_too(demo):
    app = make_app(demo, "carol")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("P")
        await pilot.pause()
        screen = app.screen
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"Nordby = [school]", "enter")
        await pilot.pause()
        await pilot.press("x")
        await pilot.pause()
        assert screen.rows == [Pseudonym("Nordby", "[school]", True, True)]
        assert "also Nordby…" in str(screen.query_one("#pseudonym-table").get_row_at(0))
    with sqlite3.connect(demo) as db:
        assert db.execute("SELECT prefix FROM pseudonyms WHERE original = 'Nordby'").fetchone() == (1,)


async def test_a_busy_file_refuses_a_pseudonym_without_ending_the_app(demo):
    app = make_app(demo, "carol")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("P")
        await pilot.pause()
        screen = app.screen
        holder = sqlite3.connect(demo, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press("a")
            await pilot.pause()
            await pilot.press(*"Janne = [student]", "enter")
            await pilot.pause()
            assert app.is_running and app.screen is screen and screen.rows == []
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"Janne = [student]", "enter")
        await pilot.pause()
        assert screen.rows == [Pseudonym("Janne", "[student]", True)]


async def test_learned_suggestions_show_their_measured_precision_and_are_stored_as_learned(tmp_path):
    from tests.learned_study import build

    project, _truth = build(tmp_path / "generated")
    path = project.path
    project.close()
    app = make_app(path, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "j", "j", "j", "enter")  # P5, which alice has not coded
        await pilot.pause()
        assert app.screen.session.transcript.name == "P5_interview"
        await pilot.press("A")
        screen = app.screen
        assert isinstance(screen, SuggestionsScreen)
        await pilot.press("l")
        await _wait(pilot, lambda: bool(screen.items))
        status = str(screen.query_one("#suggestions-status").render())
        assert "learned from your codings in 4 transcripts: 6 of 6 codes reach precision 0.8" in status
        scores = [s.score for s in screen.items]
        assert scores == sorted(scores, reverse=True) and {s.transcript for s in screen.items} == {"P5_interview"}
        await pilot.press("y", "n")
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM codings WHERE origin = 'learned'").fetchone()[0] == 1
        assert db.execute("SELECT COUNT(*) FROM rejected_suggestions").fetchone()[0] == 1
