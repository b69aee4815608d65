"""The export dialog: choose format, tables and coder; the export runs in a worker with a progress bar.

Every format of the registry is offered, the same ones the command line has.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, RadioSet, SelectionList

from qualcode.core.formats import DEFAULT_TABLES, FORMATS, TABLES, ExportOptions, Format
from qualcode.core.project import Project
from qualcode.tui.widgets.toggles import Choice, TickList
from qualcode.tui.workers import ReportsWorkerErrors

FORMAT_NAMES = tuple(FORMATS)
TABLE_LABELS = {
    "theme": "Themes and subthemes",
    "matrix": "Theme × participant matrix",
    "quotes": "Quotes",
    "codebook": "Codebook",
    "agreement": "Agreement of two coders",
    "frequencies": "Word frequencies",
    "memos": "Memos and journal (appendix)",
    "network": "Code network (Word only)",
    "map": "Thematic map (Word only)",
    "kappa": "Agreement chart (Word only)",
}


class ExportDialog(ReportsWorkerErrors, ModalScreen[list[str] | None]):
    """Export the analysis tables of a project; dismissed with the paths written."""

    BINDINGS = [
        Binding("ctrl+s", "export", "Export", id="export.start"),
        Binding("escape", "cancel", "Cancel", id="export.cancel"),
    ]

    @dataclass
    class Progress(Message):
        """How far the export is: tables done of all, and the one being written."""

        done: int
        total: int
        item: str

    @dataclass
    class Finished(Message):
        """The export is written (paths), or failed (error)."""

        paths: list[str]
        error: str = ""

    def __init__(self, project: Path, coder: str = "consensus", tables: tuple[str, ...] = DEFAULT_TABLES) -> None:
        super().__init__()
        self.project = project
        """The project file exported."""
        self.coder = coder
        """Whose codings by default."""
        self.tables = tables
        """The tables ticked at first: the full report once two coders have codings, as the command's default."""
        self.running = False

    def compose(self) -> ComposeResult:
        stem = self.project.with_suffix("")
        with Vertical(classes="dialog export-dialog"):
            yield Label("Export", classes="dialog-title")
            # the fields scroll inside the dialog, so every one (and the buttons) is reached on a small screen
            with VerticalScroll(classes="export-body"):
                with Horizontal(classes="export-row"):
                    with RadioSet(id="export-format"):
                        for i, fmt in enumerate(FORMATS.values()):
                            yield Choice(fmt.name, value=i == 0, id=f"format-{fmt.name}")
                    yield TickList(*[(TABLE_LABELS[t], t, t in self.tables) for t in TABLES], id="export-tables")
                yield Label(_about(FORMATS[FORMAT_NAMES[0]]), id="export-about")
                yield Label("Coder (consensus, or a coder's name)", classes="field-label")
                yield Input(self.coder, id="export-coder")
                yield Label("Write to", classes="field-label")
                yield Input(f"{stem}-report.docx", id="export-path")
                yield ProgressBar(total=1, show_eta=False, id="export-progress")
                with Horizontal(classes="dialog-buttons"):
                    yield Button("Export (Ctrl+S)", id="export-go", variant="primary")
                    yield Button("Cancel (Esc)", id="export-cancel")

    @on(RadioSet.Changed)
    def format_changed(self, event: RadioSet.Changed) -> None:
        chosen = FORMATS[FORMAT_NAMES[event.index]]
        path_input = self.query_one("#export-path", Input)
        stem = str(Path(path_input.value).with_suffix("")).removesuffix("-tables")
        path_input.value = stem + "-tables" if chosen.target == "folder" else stem + chosen.suffix
        self.query_one("#export-tables", SelectionList).disabled = chosen.whole_project
        self.query_one("#export-about", Label).update(_about(chosen))

    @on(Button.Pressed, "#export-go")
    def go_pressed(self) -> None:
        self.action_export()

    @on(Button.Pressed, "#export-cancel")
    def cancel_pressed(self) -> None:
        self.action_cancel()

    def action_export(self) -> None:
        if self.running:
            return
        fmt = FORMATS[FORMAT_NAMES[self.query_one("#export-format", RadioSet).pressed_index]]
        chosen = list(self.query_one("#export-tables", SelectionList).selected)
        tables = [t for t in chosen if t in fmt.tables]
        if fmt.tables and not tables:
            self.notify(f"choose at least one table {fmt.name} can hold: {', '.join(fmt.tables)}", severity="warning")
            return
        self.running = True
        self.query_one("#export-progress", ProgressBar).update(total=len(tables), progress=0)
        self._export(
            fmt.name,
            tuple(t for t in TABLES if t in tables),
            self.query_one("#export-coder", Input).value.strip() or "consensus",
            self.query_one("#export-path", Input).value.strip(),
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def _export(self, fmt: str, tables: tuple[str, ...], coder: str, target: str) -> None:
        from qualcode.core.errors import QualcodeError

        def progress(done: int, total: int, item: str) -> None:
            self.post_message(self.Progress(done, total, item))

        try:
            # A worker thread opens its own connection: SQLite connections belong to their thread.
            with Project.open(self.project) as project:
                paths = project.export(fmt, target, ExportOptions(tables=tables, coder=coder), progress=progress)
        except QualcodeError as e:
            self.post_message(self.Finished([], str(e)))
            return
        self.post_message(self.Finished([str(p) for p in paths]))

    @on(Progress)
    def show_progress(self, event: Progress) -> None:
        self.query_one("#export-progress", ProgressBar).update(total=event.total, progress=event.done)

    @on(Finished)
    def finished(self, event: Finished) -> None:
        self.running = False
        if event.error:
            self.notify(event.error, severity="error", timeout=8)
            return
        self.app.notify("wrote " + ", ".join(event.paths))
        self.dismiss(event.paths)

    def work_failed(self, group: str, error: str) -> None:
        self.running = False
        self.query_one("#export-progress", ProgressBar).update(total=1, progress=0)

    def action_cancel(self) -> None:
        if not self.running:
            self.dismiss(None)


def _about(fmt: Format) -> str:
    """What a format is and what of the project it holds, in a line under the choices."""
    holds = "the tables ticked"
    if fmt.whole_project:
        holds = "the codebook" if fmt.reads == "codebook" else "the whole project"
    return f"{fmt.label} ({fmt.suffix}): {holds}"
