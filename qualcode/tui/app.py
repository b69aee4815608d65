"""The workbench and the resolution applications, and the factories the CLI and the tests share."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import App
from textual.binding import Binding

from qualcode.core.coding_session import CodingSession
from qualcode.core.formats import DEFAULT_TABLES
from qualcode.core.project import Project
from qualcode.core.resolution import Resolution
from qualcode.tui.commands import WorkbenchCommands
from qualcode.tui.messages import OpenTranscript
from qualcode.tui.screens.codebook_editor import CodebookEditor
from qualcode.tui.screens.coding import CodingScreen
from qualcode.tui.screens.dialogs import CodeFinder, Confirm
from qualcode.tui.screens.export import ExportDialog
from qualcode.tui.screens.frequencies import FrequenciesScreen
from qualcode.tui.screens.help import HelpScreen, bindings_of
from qualcode.tui.screens.log import LogScreen
from qualcode.tui.screens.memos import MemosScreen
from qualcode.tui.screens.overview import OverviewScreen
from qualcode.tui.screens.pseudonyms import PseudonymsScreen
from qualcode.tui.screens.resolve import ResolveScreen
from qualcode.tui.screens.retrieval import RetrievalScreen
from qualcode.tui.screens.search import SearchScreen
from qualcode.tui.screens.transcripts import TranscriptsScreen

DARK, LIGHT = "textual-dark", "textual-light"

WORKBENCH_BUSY_TIMEOUT_S = 0.2
"""How long a key's write waits for a busy project file before the change is kept and retried.

Short, so a key pressed during another command's long write (a merge) never
freezes the screen; the command line waits `QUALCODE_BUSY_TIMEOUT` (10 s) instead.
"""


class QualcodeApp(App[None]):
    """What every qualcode screen shares: styles, the command palette, help, the theme, the project."""

    CSS_PATH = "styles/app.tcss"
    TITLE = "qualcode"
    COMMANDS = App.COMMANDS | {WorkbenchCommands}
    BINDINGS = [
        Binding("f1,question_mark", "help", "Help", id="app.help"),
        Binding("ctrl+t", "toggle_theme", "Light/dark", id="app.toggle_theme"),
    ]

    def __init__(self, project: Project) -> None:
        super().__init__()
        self.project = project
        """The study; every change is committed to it the moment it is made."""
        self.unsaved_sessions: set[CodingSession] = set()
        """Coding sessions holding changes the busy project file has not taken yet."""
        self.theme = DARK

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            return
        session = getattr(self.screen, "session", None)
        book = session.codebook if session is not None else None
        self.push_screen(HelpScreen(bindings_of(self.screen), book))

    def action_toggle_theme(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    async def action_quit(self) -> None:
        """Quit; with changes still waiting for a busy project file, ask first.

        Asking rather than waiting: a merge may hold the file for minutes, and
        a screen that silently refuses to close looks hung. "No" (the default,
        also Escape) keeps the workbench open and the retries going; "yes" is
        a deliberate choice to drop those changes.
        """
        for session in list(self.unsaved_sessions):
            session.retry_pending()
            if not session.pending_count:
                self.unsaved_sessions.discard(session)
        waiting = sum(session.pending_count for session in self.unsaved_sessions)
        if not waiting:
            self.exit()
            return
        if isinstance(self.screen, Confirm):
            return  # already asking

        def answered(quit_anyway: bool | None) -> None:
            if quit_anyway:
                self.exit()

        # One line: the dialog's title does not wrap. Staying (n) keeps the retries going.
        changes = f"{waiting} changes" if waiting > 1 else "1 change"
        self.push_screen(
            Confirm(f"{changes} not saved: the project is busy. Quit and lose {'them' if waiting > 1 else 'it'}?"),
            answered,
        )

    def on_unmount(self) -> None:
        self.project.close()


class Workbench(QualcodeApp):
    """A coder's workbench on one project."""

    BINDINGS = [
        # The tools reached from every screen stay out of the footer, which keeps each screen's own keys in view
        # (at 80 columns it holds a handful) and costs every screen a widget per key; F1 and Ctrl+P list them.
        Binding("E", "edit_codebook", "Codebook editor", show=False, id="app.edit_codebook"),
        Binding("X", "export", "Export", show=False, id="app.export"),
        Binding("S", "search_all", "Search all", show=False, id="app.search_all"),
        Binding("P", "pseudonyms", "Pseudonyms", show=False, id="app.pseudonyms"),
        Binding("W", "frequencies", "Word frequencies", show=False, id="app.frequencies"),
        Binding("R", "retrieve", "Retrieve a code", show=False, id="app.retrieve"),
        Binding("M", "memos", "Memos and journal", show=False, id="app.memos"),
        Binding("O", "overview", "Overview", show=False, id="app.overview"),
        Binding("L", "log", "Audit log", show=False, id="app.log"),
    ]

    def __init__(self, project: Project, coder: str) -> None:
        super().__init__(project)
        self.coder = coder
        """Whose codings this workbench shows and writes; nobody else's are visible."""

    def on_mount(self) -> None:
        self.push_screen(TranscriptsScreen(self.project, self.coder))

    @on(OpenTranscript)
    def open_transcript(self, event: OpenTranscript) -> None:
        """Open a transcript in the coding view, with the cursor on a segment when one is named."""
        transcript = self.project.transcript(event.transcript)
        if transcript is None:
            return
        while (
            isinstance(self.screen, CodingScreen | SearchScreen | RetrievalScreen | MemosScreen)
            and len(self.screen_stack) > 2
        ):
            self.pop_screen()
        screen = CodingScreen(self.project.coding_session(self.coder, transcript))
        self.push_screen(screen)
        if event.ordinal is not None:
            self.call_after_refresh(screen.go_to_ordinal, event.ordinal)

    def action_edit_codebook(self) -> None:
        if isinstance(self.screen, CodebookEditor):
            return
        below = self.screen

        def closed(changed: bool | None) -> None:
            if changed and isinstance(below, CodingScreen):
                below.codebook_edited()

        self.push_screen(CodebookEditor(self.project, self.coder), closed)

    def action_search_all(self) -> None:
        if not isinstance(self.screen, SearchScreen):
            self.push_screen(SearchScreen(self.project.path, self.coder, self.project.codebook()))

    def action_retrieve(self) -> None:
        """Every passage of a code: the one highlighted in the codebook tree, else one to pick."""
        if isinstance(self.screen, RetrievalScreen):
            return
        book = self.project.codebook()
        highlighted = None
        if isinstance(self.screen, CodingScreen) and self.screen.panel.code_tree.has_focus:
            node = self.screen.panel.code_tree.cursor_node
            highlighted = node.data if node is not None else None

        def chosen(code_id: str | None) -> None:
            if code_id:
                self.push_screen(RetrievalScreen(self.project, self.coder, book, code_id))

        if highlighted:
            chosen(highlighted)
        else:
            self.push_screen(CodeFinder(book, "Retrieve the passages of which code?"), chosen)

    def action_log(self) -> None:
        if not isinstance(self.screen, LogScreen):
            self.push_screen(LogScreen(self.project, self.coder))

    def action_overview(self) -> None:
        if not isinstance(self.screen, OverviewScreen):
            self.push_screen(OverviewScreen(self.project, self.coder))

    def action_memos(self) -> None:
        if not isinstance(self.screen, MemosScreen):
            self.push_screen(MemosScreen(self.project, self.coder))

    def action_pseudonyms(self) -> None:
        if not isinstance(self.screen, PseudonymsScreen):
            self.push_screen(PseudonymsScreen(self.project, self.coder))

    def action_frequencies(self) -> None:
        if not isinstance(self.screen, FrequenciesScreen):
            self.push_screen(FrequenciesScreen(self.project.path))

    def action_export(self) -> None:
        if not isinstance(self.screen, ExportDialog):
            # a coder's hand-out holds no consensus: the dialog then starts with the coder's own tables
            coder = "consensus" if self.project.code_usage("consensus") else self.coder
            # the full report (agreement included) once the consensus exists; before that a coder's own tables,
            # so the dialog never leads a coder to another coder's work
            tables = self.project.export_tables("docx") if coder == "consensus" else DEFAULT_TABLES
            self.push_screen(ExportDialog(self.project.path, coder, tables))


class Resolver(QualcodeApp):
    """The lead's resolution of two coders' disagreements."""

    def __init__(self, project: Project, resolution: Resolution) -> None:
        super().__init__(project)
        self.resolution = resolution
        """The two coders' work and the decisions."""

    BINDINGS = [Binding("R", "retrieve", "Retrieve a code", id="resolver.retrieve")]

    def on_mount(self) -> None:
        self.push_screen(ResolveScreen(self.project, self.resolution))

    def action_retrieve(self) -> None:
        """Every coder's passages of a code, side by side: the lead's retrieval."""
        if isinstance(self.screen, RetrievalScreen):
            return
        book = self.project.codebook()

        def chosen(code_id: str | None) -> None:
            if code_id:
                self.push_screen(RetrievalScreen(self.project, None, book, code_id))

        self.push_screen(CodeFinder(book, "Retrieve the passages of which code?"), chosen)


def make_app(path: str | Path, coder: str) -> Workbench:
    """The workbench on a project file for a coder; refuses a bad file or an empty coder name.

    Opening (a schema upgrade, a new coder's name) waits for a busy file as any
    command does; the workbench then writes with a short wait, so a key never
    freezes the screen and a busy file never ends the session.
    """
    with Project.open(path) as first:
        name = first.add_coder(coder)
    return Workbench(Project.open(path, busy_timeout=WORKBENCH_BUSY_TIMEOUT_S), name)


def make_resolve_app(path: str | Path, coder_a: str, coder_b: str, lead: str) -> Resolver:
    """The resolution screen for a lead on two coders' work; refuses unknown coders."""
    project = Project.open(path)
    try:
        resolution = project.resolution(coder_a, coder_b, lead)
    except BaseException:
        project.close()
        raise
    return Resolver(project, resolution)
