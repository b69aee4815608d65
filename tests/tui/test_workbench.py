"""The workbench driven by key presses, checked against what the project file holds afterwards."""

from __future__ import annotations

import io
import sqlite3
import subprocess
import sys
import textwrap

from rich.console import Console
from textual.widgets import TextArea

from qualcode.core.store import Store
from qualcode.tui.app import make_app
from qualcode.tui.screens.codebook_editor import CodebookEditor
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.screens.help import HelpScreen
from qualcode.tui.screens.transcripts import TranscriptsScreen
from tests.conftest import REPO
from tests.tui.conftest import codings, memos

SIZE = (140, 40)


async def _open_first(pilot) -> CodingScreen:
    await pilot.press("enter")
    await pilot.pause()
    screen = pilot.app.screen
    assert isinstance(screen, CodingScreen)
    return screen


async def test_transcript_list_shows_progress(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, TranscriptsScreen)
        assert screen.table.row_count == 7
        await _open_first(pilot)
        await pilot.press("2", "j", "2", "q")
        await pilot.pause()
        assert isinstance(app.screen, TranscriptsScreen)
        row = app.screen.table.get_row_at(0)
        assert row[0] == "P1_interview" and row[1] == "P1" and row[4].strip() == "2"
        assert row[5].endswith("5%")


async def test_code_keys_follow_the_cursor_in_typing_order(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await _open_first(pilot)
        await pilot.press("j", "j", "3", "w", "down", "t", "k", "l")
        await pilot.pause()
        assert "Lack of resources applied" in str(app.screen.query_one("#status").render())
    assert codings(demo, "alice") == {
        ("P1_interview", 3, "Feedback"),
        ("P1_interview", 3, "Workload"),
        ("P1_interview", 4, "Time pressure"),
        ("P1_interview", 3, "Lack of resources"),
    }


async def test_range_selection_undo_and_redo(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await _open_first(pilot)
        await pilot.press("J", "shift+down", "o")
        await pilot.pause()
        assert codings(demo, "alice") == {("P1_interview", n, "Common understanding") for n in (1, 2, 3)}
        await pilot.press("u")
        await pilot.pause()
        assert codings(demo, "alice") == set()
        await pilot.press("U")
        await pilot.pause()
        assert len(codings(demo, "alice")) == 3
        await pilot.press("K", "K", "o")  # everything chosen has it: the code comes off all three
        await pilot.pause()
        assert codings(demo, "alice") == set()


async def test_memo_star_and_next_uncoded(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_first(pilot)
        await pilot.press("1", "space")
        await pilot.pause()
        assert screen.view.position == 1, "space jumps to the next segment without codes"
        await pilot.press("m")
        await pilot.pause()
        await pilot.press(*"Long service, knows the pupils")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.press("asterisk")  # nothing coded here yet: refused with a notice
        await pilot.press("w", "asterisk")
        await pilot.pause()
    assert memos(demo, "alice") == {2: "Long service, knows the pupils"}
    with sqlite3.connect(demo) as db:
        starred = db.execute("SELECT COUNT(*) FROM codings WHERE starred = 1").fetchone()[0]
    assert starred == 1


async def test_search_jumps_between_hits(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_first(pilot)
        await pilot.press("slash")
        await pilot.pause()
        await pilot.press(*"emil", "enter")
        await pilot.pause()
        hits = screen.session.search("emil")
        assert len(hits) >= 2
        assert screen.view.position == hits[0].index
        await pilot.press("n")
        await pilot.pause()
        assert screen.view.position == hits[1].index
        await pilot.press("N")
        await pilot.pause()
        assert screen.view.position == hits[0].index
        assert "hit 1 of" in str(screen.query_one("#status").render())


async def test_filter_to_a_code_and_pick_code_by_name(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_first(pilot)
        await pilot.press("j", "enter")
        await pilot.pause()
        await pilot.press(*"refer", "enter")  # the fuzzy finder picks Referral route
        await pilot.press("j", "j", "j", "r")
        await pilot.pause()
        assert codings(demo, "alice") == {("P1_interview", 2, "Referral route"), ("P1_interview", 5, "Referral route")}
        await pilot.press("F")
        await pilot.pause()
        await pilot.press(*"entrance", "enter")  # the theme above Referral route
        await pilot.pause()
        assert [screen.session.segments[p].ordinal for p in screen.view.rows] == [2, 5]
        await pilot.press("escape")
        await pilot.pause()
        assert len(screen.view.rows) == len(screen.session.segments)


async def test_other_coders_work_is_invisible(demo):
    app = make_app(demo, "bob")
    async with app.run_test(size=SIZE) as pilot:
        await _open_first(pilot)
        await pilot.press("w")
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_first(pilot)
        assert all(not codes for codes in screen.session.codes)
        assert "Workload" not in "".join(str(screen.view.render_line(y).text) for y in range(5))
        await pilot.press("w")
    assert codings(demo, "bob") == {("P1_interview", 1, "Workload")}
    assert codings(demo, "alice") == {("P1_interview", 1, "Workload")}


async def test_codebook_editor_adds_renames_and_deletes(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_first(pilot)
        await pilot.press("E")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, CodebookEditor)
        await pilot.press("A")
        await pilot.pause()
        await pilot.press(*"Pandemic", "enter")
        await pilot.pause()
        assert editor.book.find("Pandemic") is not None
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"Remote teaching", "enter")
        await pilot.pause()
        code = editor.book.find("Remote teaching")
        assert editor.book.path(code.id) == "Pandemic/Remote teaching"
        await pilot.press("r")
        await pilot.pause()
        await pilot.press(*["backspace"] * 20, *"Home schooling", "enter")
        await pilot.pause()
        assert editor.book.get(code.id).name == "Home schooling"
        await pilot.press("D", "y")
        await pilot.pause()
        assert editor.book.get(code.id) is None
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        assert screen.session.codebook.find("Pandemic") is not None
    with sqlite3.connect(demo) as db:
        actions = [r[0] for r in db.execute("SELECT action FROM audit_log WHERE actor = 'alice' ORDER BY id")]
    assert actions == ["code.add", "code.add", "code.edit", "code.delete"]


async def test_help_theme_and_palette(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await _open_first(pilot)
        await pilot.press("f1")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(app.screen.help_text())
        text = console.export_text()
        assert "Next uncoded" in text and "Step-ladder" in text
        await pilot.press("escape", "ctrl+t")
        await pilot.pause()
        assert app.theme == "textual-light"
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Toggle code: Step-ladder")
        await pilot.pause(0.5)
        await pilot.press("enter")
        await pilot.pause(0.3)
    assert codings(demo, "alice") == {("P1_interview", 1, "Step-ladder")}


def test_a_killed_workbench_loses_nothing_already_saved(demo, tmp_path):
    """Kill the process between two key presses: every change shown as saved is in the file."""
    script = tmp_path / "crash.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import asyncio, os, sys
            sys.path.insert(0, {str(REPO)!r})
            from qualcode.tui.app import make_app

            async def main():
                app = make_app({str(demo)!r}, "alice")
                async with app.run_test(size=(120, 40)) as pilot:
                    await pilot.press("enter", "w", "j", "t", "j", "m")
                    await pilot.pause()
                    await pilot.press(*"half a thought", "ctrl+s")
                    await pilot.pause()
                    os._exit(9)

            asyncio.run(main())
            """
        )
    )
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 9, result.stderr
    assert codings(demo, "alice") == {("P1_interview", 1, "Workload"), ("P1_interview", 2, "Time pressure")}
    assert memos(demo, "alice") == {3: "half a thought"}


async def test_export_dialog_writes_a_report_in_a_worker(demo, tmp_path):
    import docx

    from qualcode.core.store import Store
    from qualcode.tui.screens.export import ExportDialog

    with Store(demo) as store:
        ids = store.transcripts.segment_ids()
        code = {c.name: c.id for c in store.codebook.codes()}
        store.codings.add_many([(ids[1], code["Workload"]), (ids[3], code["Step-ladder"])], "consensus")
    target = tmp_path / "out.docx"
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("X")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#export-path").value = str(target)
        await pilot.press("ctrl+s")
        for _ in range(100):
            await pilot.pause(0.1)
            if not isinstance(app.screen, ExportDialog):
                break
        assert not isinstance(app.screen, ExportDialog)
    document = docx.Document(str(target))
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"][:2] == [
        "Themes and subthemes",
        "Themes by participant",
    ]
    assert "(P1)" in " ".join(c.text for c in document.tables[2].columns[1].cells)


async def test_two_workbenches_on_one_file(demo, tmp_path):
    """Alice codes in this process while Bob's workbench, in another process, codes the same file."""
    script = tmp_path / "bob.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import asyncio, sys
            sys.path.insert(0, {str(REPO)!r})
            from qualcode.tui.app import make_app

            async def main():
                app = make_app({str(demo)!r}, "bob")
                async with app.run_test(size=(120, 40)) as pilot:
                    await pilot.press("enter", "t", "j", "l", "j", "w")
                    await pilot.pause()

            asyncio.run(main())
            """
        )
    )
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await _open_first(pilot)
        await pilot.press("w")
        await pilot.pause()
        bob = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
        assert bob.returncode == 0, bob.stderr
        await pilot.press("j", "o")
        await pilot.pause()
        screen = app.screen
        assert all(
            "Time pressure" not in [screen.session.codebook.get(c).name for c in codes]
            for codes in screen.session.codes
        ), "alice never sees bob's codings"
    assert codings(demo, "alice") == {("P1_interview", 1, "Workload"), ("P1_interview", 2, "Common understanding")}
    assert codings(demo, "bob") == {
        ("P1_interview", 1, "Time pressure"),
        ("P1_interview", 2, "Lack of resources"),
        ("P1_interview", 3, "Workload"),
    }


async def test_export_dialog_offers_every_registered_format(demo, tmp_path):
    import zipfile

    from qualcode.core.formats import FORMATS
    from qualcode.tui.screens.export import ExportDialog

    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("X")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        assert [str(b.label) for b in dialog.query("RadioButton")] == list(FORMATS)
        dialog.query_one("#format-qdpx").value = True
        await pilot.pause()
        assert dialog.query_one("#export-tables").disabled
        assert "REFI-QDA project" in str(dialog.query_one("#export-about").render())
        path = dialog.query_one("#export-path").value
        assert path.endswith(".qdpx")
        await pilot.press("ctrl+s")
        for _ in range(100):
            await pilot.pause(0.1)
            if not isinstance(app.screen, ExportDialog):
                break
        assert not isinstance(app.screen, ExportDialog)
    with zipfile.ZipFile(path) as archive:
        assert "project.qde" in archive.namelist()


def _spans(path, coder: str) -> list[tuple[str, str, str]]:
    """A coder's span codings: (transcript, code, the coded text)."""
    with sqlite3.connect(path) as db:
        rows = db.execute(
            "SELECT t.name, c.name, substr(t.text, p.start_offset + 1, p.end_offset - p.start_offset) FROM spans p "
            "JOIN transcripts t ON t.id = p.transcript_id JOIN codes c ON c.id = p.code_id "
            "JOIN coders k ON k.id = p.coder_id WHERE k.name = ? ORDER BY p.start_offset",
            (coder,),
        ).fetchall()
    return [tuple(r) for r in rows]


async def test_the_word_cursor_codes_exactly_the_words_chosen_and_takes_them_off_again(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_first(pilot)
        # segment 2 is P1's first turn: "Yes, of course. I have been a teacher ..."
        await pilot.press("j", "V", "right", "right", "shift+right", "shift+right", "w")
        await pilot.pause()
        assert _spans(demo, "alice") == [("P1_interview", "Workload", "course. I have")]
        assert "Workload applied to the passage (14 characters)" in str(screen.query_one("#status").render())
        view = screen.view
        assert view.word_mode and view.word_anchor is None
        # a passage inside a segment counts for it: the chip line names the code
        assert "Workload" in {c.name for c in screen.session.codebook.codes if c.id in screen.session.codes[1]}
        # with the word cursor inside the coded passage, the code's key takes it off
        await pilot.press("w")
        await pilot.pause()
        assert _spans(demo, "alice") == []
        await pilot.press("u")
        await pilot.pause()
        assert _spans(demo, "alice") == [("P1_interview", "Workload", "course. I have")]
        # a selection running on into the next segment, by lines
        await pilot.press("shift+down", "shift+down", "shift+down", "shift+down", "t")
        await pilot.pause()
        spans = _spans(demo, "alice")
        assert len(spans) == 2 and spans[1][1] == "Time pressure" and len(spans[1][2]) > 100
        await pilot.press("escape")
        assert not view.word_mode
        await pilot.press("j", "w")  # without the word cursor a code key codes whole segments again
        await pilot.pause()
    assert ("P1_interview", 3, "Workload") in codings(demo, "alice")


async def test_with_the_word_cursor_a_memo_goes_on_the_passage(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_first(pilot)
        await pilot.press("j", "V", "right", "right", "shift+right", "shift+right", "m")
        await pilot.pause()
        await pilot.press(*"the years matter", "ctrl+s")
        await pilot.pause()
        assert "memo on the passage saved" in str(screen.query_one("#status").render())
        # on a coded passage without a selection, m edits the memo of that passage
        await pilot.press("left", "left", "shift+right", "shift+right", "w", "m")
        await pilot.pause()
        assert app.screen.query_one(TextArea).text == "the years matter", "the passage's memo opens"
        await pilot.press("ctrl+e", *" most", "ctrl+s")
        await pilot.pause()
        await pilot.press("escape", "m")  # without the word cursor: the segment's own memo
        await pilot.pause()
        await pilot.press(*"on the turn", "ctrl+s")
        await pilot.pause()
    with Store(demo) as store:
        text = store.transcripts.all()[0].text
        passages = {text[a:b]: m for (_t, a, b), m in store.memos.passages_of("alice").items()}
    assert passages == {"course. I have": "the years matter most"}
    assert memos(demo, "alice") == {2: "on the turn"}


async def test_marking_a_transcript_done_in_the_workbench_and_the_list(demo):
    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open_first(pilot)
        await pilot.press("D")
        await pilot.pause()
        assert "done ✓" in str(screen.query_one("#status").render())
        await pilot.press("q")
        await pilot.pause()
        table = app.screen.query_one("#transcript-table")
        assert table.get_row_at(0)[-1] == "✓" and table.get_row_at(1)[-1] == ""
        await pilot.press("down", "D")
        await pilot.pause()
        assert table.get_row_at(1)[-1] == "✓"
        await pilot.press("D")  # again: the mark comes off
        await pilot.pause()
    with Store(demo) as store:
        first = store.transcripts.summaries()[0].id
        assert store.codings.done("alice") == {first}


async def test_small_defects_a_new_user_met(demo):
    """j/k in the transcript list, the hit count gone after Esc, key names in the palette, and the export
    dialog's coder in a file without a consensus."""
    from qualcode.tui.commands import WorkbenchCommands
    from qualcode.tui.screens.export import ExportDialog

    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, TranscriptsScreen)
        await pilot.press("j", "j", "k")
        await pilot.pause()
        assert screen.table.cursor_row == 1
        await pilot.press("k", "enter")
        await pilot.pause()
        coding = app.screen
        assert isinstance(coding, CodingScreen)
        await pilot.press("slash", *"school", "enter", "n")
        await pilot.pause()
        assert "hit 2 of" in str(coding.query_one("#status").render())
        await pilot.press("escape")
        await pilot.pause()
        status = str(coding.query_one("#status").render())
        assert "hit 2 of" not in status and "search cleared" in status
        helps = [help_text for _t, help_text, _c in WorkbenchCommands(app.screen, None)._commands()]
        assert "key F1 / ?" in helps and not any("question_mark" in h for h in helps)
        await pilot.press("X")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        assert dialog.query_one("#export-coder").value == "alice", "no consensus in this file: the coder's own"
        # on and off differ in the glyph, not only in colour
        tables = dialog.query_one("#export-tables")
        lines = [tables.render_line(y).text for y in range(3)]
        assert lines[0].lstrip().startswith("▐✓▌") and "Themes and subthemes" in lines[0]
        formats = [str(b._button) for b in dialog.query("RadioButton")]
        assert formats[0] == "▐●▌" and set(formats[1:]) == {"▐ ▌"}
        tables.deselect("theme")
        assert tables.render_line(0).text.lstrip().startswith("▐ ▌")


async def test_the_code_form_checks_in_place_and_keeps_what_was_typed(demo):
    from qualcode.tui.screens.dialogs import CodeForm

    app = make_app(demo, "alice")
    async with app.run_test(size=SIZE) as pilot:
        await _open_first(pilot)
        await pilot.press("E")
        await pilot.pause()
        editor = app.screen
        assert isinstance(editor, CodebookEditor)
        await pilot.press("down", "e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, CodeForm)
        name = form.query_one("#field-name")
        assert name.has_focus and name.cursor_position == len(name.value), "the name has focus, nothing selected"
        before = name.value
        await pilot.press(*" etc")
        assert name.value == before + " etc", "typing adds to the name"
        await pilot.press("tab", "tab")
        form.query_one("#field-colour").value = "a sunny yellow"
        await pilot.press("tab")
        await pilot.pause()
        assert "is not a colour; write it as #RRGGBB" in str(form.query_one("#form-error").render())
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form, "a refused save keeps the dialog open"
        assert form.query_one("#field-name").value == before + " etc", "and what was typed"
        form.query_one("#field-colour").value = "#ffcc00"
        form.query_one("#field-key").value = "w"  # Workload's key
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form and "is taken by Workload" in str(form.query_one("#form-error").render())
        form.query_one("#field-key").value = ""
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is editor
        code = editor.book.find(before + " etc")
        assert code is not None and code.colour == "#ffcc00"


async def test_the_export_dialog_ticks_the_full_report_once_the_consensus_exists(demo):
    from qualcode.core.store import Store
    from qualcode.tui.screens.export import ExportDialog

    with Store(demo) as store:
        ids = store.transcripts.segment_ids()
        code = store.codebook.codes()[3].id
        store.codings.add_many([(ids[1], code)], "alice")
        store.codings.add_many([(ids[2], code)], "bob")

    async def ticked() -> list[str]:
        app = make_app(demo, "alice")
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("X")
            await pilot.pause()
            dialog = app.screen
            assert isinstance(dialog, ExportDialog)
            return list(dialog.query_one("#export-tables").selected)

    assert "agreement" not in await ticked(), "before the consensus a coder's own tables: blinding holds"
    with Store(demo) as store:
        store.codings.add_many([(store.transcripts.segment_ids()[1], code)], "consensus")
    chosen = await ticked()
    assert "agreement" in chosen and "kappa" in chosen and "memos" not in chosen
