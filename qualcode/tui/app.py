"""The workbench and the resolution applications, and the factories the CLI and the tests share."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding

from qualcode.core.codebook import codebook_from_codes
from qualcode.core.coding_session import CodingSession
from qualcode.core.errors import BadInput
from qualcode.core.resolution import Resolution
from qualcode.core.store import Store
from qualcode.tui.commands import WorkbenchCommands
from qualcode.tui.screens.codebook_editor import CodebookEditor
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.screens.export import ExportDialog
from qualcode.tui.screens.help import HelpScreen, bindings_of
from qualcode.tui.screens.resolve import ResolveScreen
from qualcode.tui.screens.text_tools import FrequenciesScreen, PseudonymsScreen, SearchScreen
from qualcode.tui.screens.transcripts import TranscriptsScreen

DARK, LIGHT = "textual-dark", "textual-light"


class QualcodeApp(App[None]):
    """What every qualcode screen shares: styles, the command palette, help, the theme, the store."""

    CSS_PATH = "styles/app.tcss"
    TITLE = "qualcode"
    COMMANDS = App.COMMANDS | {WorkbenchCommands}
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+t", "toggle_theme", "Light/dark", id="app.toggle_theme"),
    ]

    def __init__(self, store: Store) -> None:
        super().__init__()
        self.store = store
        """The project file; every change is committed to it the moment it is made."""
        self.theme = DARK

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        session = getattr(self.screen, "session", None)
        book = session.codebook if session is not None else None
        self.push_screen(HelpScreen(bindings_of(self.screen), book))

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    def on_unmount(self) -> None:
        self.store.close()


class Workbench(QualcodeApp):
    """A coder's workbench on one project file."""

    BINDINGS = [
        Binding("E", "edit_codebook", "Codebook editor", id="app.edit_codebook"),
        Binding("X", "export", "Export", id="app.export"),
        Binding("S", "search_all", "Search all", id="app.search_all"),
        Binding("P", "pseudonyms", "Pseudonyms", id="app.pseudonyms"),
        Binding("W", "frequencies", "Word frequencies", id="app.frequencies"),
    ]

    def __init__(self, store: Store, coder: str) -> None:
        super().__init__(store)
        self.coder = coder
        """Whose codings this workbench shows and writes; nobody else's are visible."""

    def on_mount(self) -> None:
        self.push_screen(TranscriptsScreen(self.store, self.coder))

    def open_transcript(self, transcript_id: int) -> None:
        """Open a transcript in the coding view."""
        self.push_screen(CodingScreen(CodingSession(self.store, self.coder, transcript_id)))

    def action_edit_codebook(self) -> None:
        if isinstance(self.screen, CodebookEditor):
            return
        below = self.screen

        def closed(changed: bool | None) -> None:
            if changed and isinstance(below, CodingScreen):
                below.codebook_edited()

        self.push_screen(CodebookEditor(self.store, self.coder), closed)

    def open_transcript_at(self, name: str, ordinal: int) -> None:
        """Open a transcript in the coding view with the cursor on a segment (from a search hit)."""
        transcript = self.store.transcripts.get(name)
        if transcript is None:
            return
        while isinstance(self.screen, CodingScreen | SearchScreen) and len(self.screen_stack) > 2:
            self.pop_screen()
        screen = CodingScreen(CodingSession(self.store, self.coder, transcript.id))
        self.push_screen(screen)
        self.call_after_refresh(screen.go_to_ordinal, ordinal)

    def action_search_all(self) -> None:
        if not isinstance(self.screen, SearchScreen):
            self.push_screen(
                SearchScreen(self.store.path, self.coder, codebook_from_codes(self.store.codebook.codes()))
            )

    def action_pseudonyms(self) -> None:
        if not isinstance(self.screen, PseudonymsScreen):
            self.push_screen(PseudonymsScreen(self.store.path, self.coder))

    def action_frequencies(self) -> None:
        if not isinstance(self.screen, FrequenciesScreen):
            self.push_screen(FrequenciesScreen(self.store.path))

    def action_export(self) -> None:
        if not isinstance(self.screen, ExportDialog):
            self.push_screen(ExportDialog(self.store.path))


class Resolver(QualcodeApp):
    """The lead's resolution of two coders' disagreements."""

    def __init__(self, store: Store, resolution: Resolution) -> None:
        super().__init__(store)
        self.resolution = resolution
        """The two coders' work and the decisions."""

    def on_mount(self) -> None:
        self.push_screen(ResolveScreen(self.resolution))


def make_app(path: str | Path, coder: str) -> Workbench:
    """The workbench on a project file for a coder; refuses a bad file or an empty coder name."""
    if not coder or not coder.strip():
        raise BadInput("a coder needs a name; give --coder NAME")
    store = Store(path)
    store.codings.coder_id(coder.strip(), create=True)
    return Workbench(store, coder.strip())


def make_resolve_app(path: str | Path, coder_a: str, coder_b: str, lead: str) -> Resolver:
    """The resolution screen for a lead on two coders' work; refuses unknown coders."""
    store = Store(path)
    try:
        resolution = Resolution(store, coder_a, coder_b, lead)
    except BaseException:
        store.close()
        raise
    return Resolver(store, resolution)
