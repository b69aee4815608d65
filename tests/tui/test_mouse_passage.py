"""Choosing a passage with the mouse: a drag over the text is the word cursor's selection, a click its word.

Where a word is on screen is read from what the view draws (`render_line`),
not from the view's own mapping, so the tests check the mapping against the
drawing: a wrong indent, scroll offset or width of a wide character would
send the mouse to another word than the one seen there.
"""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

from rich.cells import cell_len

from qualcode.core.demo import sample_data
from qualcode.core.project import Project
from qualcode.core.store import Store
from qualcode.tui.app import make_app
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.widgets.transcript_view import TranscriptView, _column_to_offset

SIZE = (140, 40)


async def _open_first(pilot) -> CodingScreen:
    await pilot.press("enter")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, CodingScreen)
    return screen


def _spans(path: Path, coder: str) -> list[tuple[str, str, str]]:
    """A coder's span codings: (transcript, code, the coded text)."""
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT t.name, c.name, substr(t.text, p.start_offset + 1, p.end_offset - p.start_offset) FROM spans p "
            "JOIN transcripts t ON t.id = p.transcript_id JOIN codes c ON c.id = p.code_id "
            "JOIN coders k ON k.id = p.coder_id WHERE k.name = ? ORDER BY p.start_offset",
            (coder,),
        ).fetchall()
    return [tuple(r) for r in rows]


def _first_text(path: Path) -> str:
    with Store(path) as store:
        return store.transcripts.all()[0].text


def _drawn(view: TranscriptView) -> list[str]:
    return [view.render_line(y).text for y in range(view.size.height)]


def _at(view: TranscriptView, word: str, nth: int = 0, cell: int = 0) -> tuple[int, int]:
    """Where ``word`` (the ``nth`` time it is drawn as a whole word) is on screen: (column, line) in the view.

    ``cell`` is how many columns into the word, so a test can point at the second half of a wide character.
    """
    found = 0
    for y, line in enumerate(_drawn(view)):
        for m in re.finditer(rf"(?<!\S){re.escape(word)}(?!\S)", line):
            if found == nth:
                return cell_len(line[: m.start()]) + cell, y
            found += 1
    raise AssertionError(f"{word!r} is not on screen")


def _passage(view: TranscriptView) -> str:
    chosen = view.passage()
    assert chosen is not None
    return view.session.transcript.text[chosen[0] : chosen[1]]


async def _drag(pilot, view: TranscriptView, *points: tuple[int, int]) -> None:
    """Press at the first point, move the mouse through the others, let go at the last."""
    first, *between, last = points
    await pilot.mouse_down(view, offset=first)
    for point in between:
        await pilot.hover(view, offset=point)
    await pilot.mouse_up(view, offset=last)
    await pilot.pause()


async def test_a_drag_over_words_codes_exactly_those_words(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_first(pilot)
        view = screen.view
        assert not view.word_mode
        start, end = _at(view, "course."), _at(view, "have", cell=2)
        await pilot.mouse_down(view, offset=start)
        assert view.word_mode and view.word_anchor is None and _passage(view) == "course."
        await pilot.hover(view, offset=_at(view, "I", nth=0))
        assert _passage(view) == "course. I"
        await pilot.mouse_up(view, offset=end)
        await pilot.pause()
        assert _passage(view) == "course. I have"
        assert view.app.mouse_captured is None, "letting go gives the mouse back"
        # once the button is up, moving the mouse leaves the selection as it is
        await pilot.hover(view, offset=_at(view, "teacher"))
        assert _passage(view) == "course. I have"
        assert view.position == 1, "the segment cursor is on the passage's turn"
        await pilot.press("w")
        await pilot.pause()
        assert "Workload applied to the passage (14 characters)" in str(screen.query_one("#status").render())
    assert _spans(demo, "alice") == [("P1_interview", "Workload", "course. I have")]


async def test_a_drag_backwards_chooses_the_same_passage(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        view = (await _open_first(pilot)).view
        await _drag(pilot, view, _at(view, "teacher"), _at(view, "been"), _at(view, "I", nth=0))
        assert _passage(view) == "I have been a teacher"
        await pilot.press("w")
        await pilot.pause()
    assert _spans(demo, "alice") == [("P1_interview", "Workload", "I have been a teacher")]


async def test_a_plain_click_chooses_the_word_clicked_and_no_selection(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        view = (await _open_first(pilot)).view
        await pilot.mouse_down(view, offset=_at(view, "teacher"), button=3)
        assert not view.word_mode, "only the left button chooses words"
        await pilot.click(view, offset=_at(view, "teacher", cell=6))
        await pilot.pause()
        assert view.word_mode and view.word_anchor is None and _passage(view) == "teacher"
        await pilot.press("w")
        await pilot.pause()
        assert _spans(demo, "alice") == [("P1_interview", "Workload", "teacher")]
        # a click inside the coded word with no selection is the word cursor on it: the key takes the code off
        await pilot.click(view, offset=_at(view, "teacher", cell=2))
        await pilot.press("w")
        await pilot.pause()
    assert _spans(demo, "alice") == []


async def test_a_drag_across_two_segments_codes_the_passage_between_them(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        view = (await _open_first(pilot)).view
        start = _at(view, "Nordby")
        end = _at(view, "contact", nth=1)  # "How did you first come into contact with Back2School?"
        ten = _at(view, "Ten,")
        # through a line of text, the blank line after the turn and the next turn's header line
        await _drag(pilot, view, start, ten, (ten[0], ten[1] + 2), (40, end[1] - 1), end)
        await pilot.press("t")
        await pilot.pause()
        assert view.position == 2, "the segment cursor follows the word the mouse let go on"
    text = _first_text(demo)
    a = text.index("Nordby school")
    b = text.index("contact with Back2School") + len("contact")
    assert _spans(demo, "alice") == [("P1_interview", "Time pressure", text[a:b])]
    assert text[a:b].startswith("Nordby school.") and text[a:b].endswith("first come into contact")


async def test_clicks_beside_the_words_take_the_nearest_word_of_that_line(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        view = (await _open_first(pilot)).view
        question = _at(view, "How")[1]
        for point, word in [
            ((0, _at(view, "Nordby")[1]), "Nordby"),  # the gutter: the line's first word
            ((80, question), "Back2School?"),  # past the end of the line: its last word
            ((30, question - 1), "How"),  # the turn's header line (ordinal, speaker): its first word
            ((30, question + 1), "Back2School?"),  # the blank line after the turn: its last word
            ((6, 0), "Thank"),  # on the ordinal of the first turn
        ]:
            await pilot.click(view, offset=point)
            await pilot.pause()
            assert _passage(view) == word, point
        # on the space between two words: the nearer one
        x, y = _at(view, "Yes,")
        await pilot.click(view, offset=(x + 4, y))  # just after "Yes,"
        assert _passage(view) == "Yes,"


async def test_every_column_of_a_drawn_word_gives_that_word(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        view = (await _open_first(pilot)).view
        assert _check_every_column(view) > 1000
        await pilot.press("pagedown", "pagedown")  # scrolled: the lines are counted from the scroll offset
        await pilot.pause()
        assert view.scroll_offset.y > 0
        assert _check_every_column(view) > 1000


def _check_every_column(view: TranscriptView) -> int:
    """Every column of every word drawn on a text line maps to that word; returns how many columns were tried."""
    starts, ends = view.words
    text = view.session.transcript.text
    layout = view._ensure_layout()
    checked = 0
    for y, line in enumerate(_drawn(view)):
        at = view.scroll_offset.y + y
        if at >= len(layout.line_part) or layout.line_part[at] < 0:
            continue
        for m in re.finditer(r"\S+", line[3:]):  # past the cursor's bar and the space after it
            column = cell_len(line[: 3 + m.start()])
            for x in range(column, column + cell_len(m.group())):
                found = view._word_at(x, y)
                assert found is not None and text[starts[found] : ends[found]] == m.group(), (x, y, m.group())
                # and the very character drawn there (a combining mark is drawn with the letter before it)
                drawn = next(i for i in range(3, len(line) + 1) if cell_len(line[:i]) > x) - 1
                point = view._point_at(x, y)
                assert point is not None and text[point[1]] == line[drawn], (x, y, m.group())
                checked += 1
    return checked


async def test_a_drag_held_below_the_view_scrolls_on_and_takes_the_lines_below(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        view = (await _open_first(pilot)).view
        assert view.size.height == 37 and _at(view, "Honestly,")[1] == 29, "turn 6 ends on the last rows of the view"
        await pilot.mouse_down(view, offset=_at(view, "Honestly,"))
        # one row under the view (on the footer; the mouse is the view's while the button is down):
        # the line there is turn 7's header, so the passage runs on to turn 7's first word, scrolled into sight
        await pilot.hover(view, offset=(20, view.size.height))
        await pilot.pause()
        assert view.app.mouse_captured is view
        assert view.scroll_offset.y > 0
        chosen = _passage(view)
        assert chosen.startswith("Honestly, not very much.")
        assert chosen.endswith("but I was not prepared for it.\nInterviewer: Can")
        await pilot.mouse_up(view, offset=_at(view, "expect,"))  # where the scrolled view now draws it
        await pilot.pause()
        assert view.app.mouse_captured is None
        assert _passage(view).endswith("What did you expect,")


async def test_shift_and_a_click_runs_the_passage_on_from_the_word_cursor(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        view = (await _open_first(pilot)).view
        await pilot.click(view, offset=_at(view, "about", nth=1))  # "for about twelve years"
        await pilot.click(view, offset=_at(view, "years", nth=0), shift=True)
        await pilot.pause()
        assert _passage(view) == "about twelve years"
        await pilot.click(view, offset=_at(view, "now,"), shift=True)  # the anchor stays where it was
        assert _passage(view) == "about twelve years now,"
        await pilot.press("escape")
        assert view.word_mode and view.word_anchor is None, "escape takes the selection away first, as with keys"


async def test_wide_and_combined_characters_are_found_where_they_are_drawn(tmp_path):
    source = tmp_path / "W1_interview.txt"
    source.write_text(
        "Interviewer: 東京 では 何が ありましたか？ Tell me.\n"
        "P1: 日本語 の 授業 は café and naq\u0301ve 🙂 smiles, then 学校 again.\n",
        encoding="utf-8",
    )
    path = tmp_path / "wide.qc"
    project = Project.create(path, lang="en", codebook=sample_data() / "codebooks" / "back2school.yaml")
    try:
        project.import_files([source])
    finally:
        project.close()
    app = make_app(path, "alice")
    async with app.run_test(size=SIZE) as pilot:
        view = (await _open_first(pilot)).view
        assert _check_every_column(view) > 40
        await pilot.click(view, offset=_at(view, "授業", cell=3))  # the right half of 業
        assert _passage(view) == "授業"
        await _drag(pilot, view, _at(view, "の", cell=1), _at(view, "naq\u0301ve", cell=4))
        assert _passage(view) == "の 授業 は café and naq\u0301ve"
        await pilot.press("w")
        await pilot.pause()
        await _drag(pilot, view, _at(view, "学校", cell=1), _at(view, "🙂", cell=1))
        assert _passage(view) == "🙂 smiles, then 学校"
    assert _spans(path, "alice") == [("W1_interview", "Workload", "の 授業 は café and naq\u0301ve")]


def test_a_column_is_found_by_adding_up_the_cells_of_the_characters_before_it():
    line = "a東b\u0301c"  # 東 takes two columns, the accent on b none
    assert [_column_to_offset(line, 0, len(line), x) for x in range(-1, 7)] == [0, 0, 1, 1, 2, 4, 4, 4]
    assert _column_to_offset("plain text", 6, 10, 2) == 8
    assert _column_to_offset("plain text", 6, 10, 99) == 9, "past the end: the line's last character"
    assert _column_to_offset("", 0, 0, 3) == 0
