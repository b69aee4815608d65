"""Word frequencies (lemmas, stop words out) per transcript, counted in a worker."""

from __future__ import annotations

from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import TextArea

from qualcode.core.project import Project
from qualcode.tui.messages import WorkDone
from qualcode.tui.workers import ReportsWorkerErrors


class FrequenciesScreen(ReportsWorkerErrors, ModalScreen[None]):
    """Word frequencies (lemmas, stop words out) per transcript, as text."""

    BINDINGS = [Binding("escape,q", "close", "Close", id="frequencies.close")]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        """The project file."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="dialog agreement-dialog"):
            yield TextArea("counting words …", read_only=True, soft_wrap=True, id="frequencies-text")

    def on_mount(self) -> None:
        self._count()

    @work(thread=True, exclusive=True, exit_on_error=False, group="frequencies")
    def _count(self) -> None:

        with Project.open(self.path) as project:
            frame = project.frequencies(by="transcript", top=15)
        lines = ["Most frequent words per transcript (lemmas, stop words and interviewer turns left out)", ""]
        for group, rows in frame.groupby("group", sort=False):
            lines.append(f"{group}: " + ", ".join(f"{r.lemma} {r.count}" for r in rows.itertuples()))
        self.post_message(WorkDone("frequencies", "\n".join(lines)))

    @on(WorkDone)
    def counted(self, event: WorkDone) -> None:
        self.query_one("#frequencies-text", TextArea).load_text(event.result)

    def work_failed(self, group: str, error: str) -> None:
        self.query_one("#frequencies-text", TextArea).load_text(f"Counting words failed: {error}")

    def action_close(self) -> None:
        self.dismiss()
