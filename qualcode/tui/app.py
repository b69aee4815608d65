"""The coding workbench application and `make_app`, the factory the CLI and the tests share."""

from __future__ import annotations

from pathlib import Path

from textual.app import App
from textual.binding import Binding

from qualcode.core.coding_session import CodingSession
from qualcode.core.errors import BadInput
from qualcode.core.store import Store
from qualcode.tui.commands import WorkbenchCommands
from qualcode.tui.screens.codebook_editor import CodebookEditor
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.screens.help import HelpScreen, bindings_of
from qualcode.tui.screens.transcripts import TranscriptsScreen

DARK, LIGHT = "textual-dark", "textual-light"


class Workbench(App[None]):
    """A coder's workbench on one project file."""

    CSS_PATH = "styles/app.tcss"
    TITLE = "qualcode"
    COMMANDS = App.COMMANDS | {WorkbenchCommands}
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", id="app.help"),
        Binding("E", "edit_codebook", "Codebook editor", id="app.edit_codebook"),
        Binding("ctrl+t", "toggle_theme", "Light/dark", id="app.toggle_theme"),
    ]

    def __init__(self, store: Store, coder: str) -> None:
        super().__init__()
        self.store = store
        """The project file; every change is committed to it the moment it is made."""
        self.coder = coder
        """Whose codings this workbench shows and writes; nobody else's are visible."""
        self.theme = DARK

    def on_mount(self) -> None:
        self.push_screen(TranscriptsScreen(self.store, self.coder))

    def open_transcript(self, transcript_id: int) -> None:
        """Open a transcript in the coding view."""
        self.push_screen(CodingScreen(CodingSession(self.store, self.coder, transcript_id)))

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        session = getattr(self.screen, "session", None)
        book = session.codebook if session is not None else None
        self.push_screen(HelpScreen(bindings_of(self.screen), book))

    def action_edit_codebook(self) -> None:
        if isinstance(self.screen, CodebookEditor):
            return
        below = self.screen

        def closed(changed: bool | None) -> None:
            if changed and isinstance(below, CodingScreen):
                below.codebook_edited()

        self.push_screen(CodebookEditor(self.store, self.coder), closed)

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    def on_unmount(self) -> None:
        self.store.close()


def make_app(path: str | Path, coder: str) -> Workbench:
    """The workbench on a project file for a coder; refuses a bad file or an empty coder name."""
    if not coder or not coder.strip():
        raise BadInput("a coder needs a name; give --coder NAME")
    store = Store(path)
    store.coder_id(coder.strip(), create=True)
    return Workbench(store, coder.strip())
