"""Snapshots of the workbench's main screens: the transcript list, the coding view, the editor, the help."""

from __future__ import annotations

import pytest

from qualcode.tui.app import make_app

SIZE = (120, 36)


def test_transcript_list(demo, snap_compare):
    assert snap_compare(make_app(demo, "alice"), terminal_size=SIZE)


def test_coding_view(demo, snap_compare):
    # Code a few segments, select a range, and search, so chips, the selection and hits all show.
    keys = ["enter", "1", "j", "w", "t", "j", "o", "J", "slash", *"emil", "enter", "_"]
    assert snap_compare(make_app(demo, "alice"), press=keys, terminal_size=SIZE)


def test_codebook_editor(demo, snap_compare):
    assert snap_compare(make_app(demo, "alice"), press=["E", "down", "down"], terminal_size=SIZE)


def test_help_screen(demo, snap_compare):
    assert snap_compare(make_app(demo, "alice"), press=["enter", "f1"], terminal_size=SIZE)


def test_coding_view_with_coded_passages_and_the_word_cursor(demo, snap_compare):
    # Two overlapping passages of two codes in turn 2, then a selection running on into turn 3.
    keys = ["enter", "j", "V", "right", "shift+right", "shift+right", "w", "right", "shift+right", "shift+right",
            "shift+right", "t", "down", "shift+down", "shift+down"]  # fmt: skip
    assert snap_compare(make_app(demo, "alice"), press=keys, terminal_size=SIZE)


def test_retrieval_screen(demo, snap_compare):
    # alice codes Workload (w) on three turns, then retrieves it from the codebook tree (R) and stars one
    keys = ["enter", "j", "w", "j", "j", "w", "j", "w", "tab", "R", *"Workload", "enter", "j", "asterisk"]
    assert snap_compare(make_app(demo, "alice"), press=keys, terminal_size=SIZE)


def test_retrieval_screen_at_80_by_24(demo, snap_compare):
    keys = ["enter", "j", "w", "j", "w", "R", *"Workload", "enter"]
    assert snap_compare(make_app(demo, "alice"), press=keys, terminal_size=(80, 24))


SCREENS = {
    "transcripts": [],
    "coding": ["enter", "1", "j", "w"],
    "editor": ["E", "down"],
    "export": ["X"],
    "search": ["S", *"school", "enter"],
    "help": ["f1"],
    "pseudonyms": ["P"],
    "memos": ["M"],
    "overview": ["O"],
}
"""The main screens, reached by keys from the start."""


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])
@pytest.mark.parametrize("screen", list(SCREENS))
def test_main_screens_at_small_and_large_sizes(demo, snap_compare, screen, size):
    keys = [*SCREENS[screen], "_"]  # "_" lets a worker (the search) finish before the picture is taken

    async def keys_then_a_fixed_path(pilot) -> None:
        await pilot.press(*keys)
        # the export's file name starts from the project's temporary folder: the same name every run
        for field in pilot.app.screen.query("#export-path"):
            field.value = "study-report.docx"
            field.cursor_position = 0
        await pilot.pause()

    assert snap_compare(make_app(demo, "alice"), terminal_size=size, run_before=keys_then_a_fixed_path)


@pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])
@pytest.mark.parametrize("keys", [[], ["j", "v"]], ids=["resolve", "side-by-side"])
def test_the_resolution_screens_at_small_and_large_sizes(coded_demo, snap_compare, keys, size):
    from qualcode.tui.app import make_resolve_app

    assert snap_compare(make_resolve_app(coded_demo, "alice", "bob", "carol"), press=[*keys, "_"], terminal_size=size)
