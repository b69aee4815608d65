"""Keyword suggestions for one transcript, to accept or reject one by one (never applied unasked)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import ModalScreen
from textual.widgets import DataTable

from qualcode.core.errors import QualcodeError
from qualcode.core.project import Project
from qualcode.tui.messages import WorkDone
from qualcode.tui.widgets.status_line import StatusLine
from qualcode.tui.workers import ReportsWorkerErrors


def excerpt(text: str, matched: str, width: int = 70) -> str:
    """One line of the segment around the first matched word, so the coder sees why it was suggested."""
    flat = " ".join(text.split())
    first = matched.split(",")[0].strip()
    at = flat.casefold().find(first.casefold()) if first else -1
    if at < 0 or len(flat) <= width:
        return flat[:width] + ("…" if len(flat) > width else "")
    start = max(0, min(at - width // 3, len(flat) - width))
    return ("…" if start else "") + flat[start : start + width] + ("…" if start + width < len(flat) else "")


class SuggestionsScreen(ReportsWorkerErrors, ModalScreen[int]):
    """The codes the codebook's keywords propose for one transcript; accept or reject each."""

    BINDINGS = [
        Binding("y", "accept", "Accept", id="suggestions.accept"),
        Binding("n", "reject", "Reject", id="suggestions.reject"),
        Binding("Y", "accept_all", "Accept all", id="suggestions.accept_all"),
        Binding("escape,q", "close", "Done", id="suggestions.close"),
    ]

    def __init__(self, path: Path, coder: str, transcript: str) -> None:
        super().__init__()
        self.path = path
        """The project file."""
        self.coder = coder
        self.transcript = transcript
        self.items: list[Any] = []
        self.texts: dict[int, str] = {}
        """Each suggested segment's text, by segment id: the reason to accept is in it."""
        self.accepted = 0

    def compose(self) -> ComposeResult:
        with Horizontal(classes="dialog suggestions-dialog"):
            yield DataTable(id="suggestions", cursor_type="row", zebra_stripes=True)
        yield StatusLine(id="suggestions-status")

    def on_mount(self) -> None:
        self.query_one("#suggestions", DataTable).add_columns("Seg", "Code", "Matched", "In the segment")
        self.query_one("#suggestions-status", StatusLine).update("finding suggestions …")
        self._find()

    @work(thread=True, exclusive=True, exit_on_error=False, group="suggest")
    def _find(self) -> None:

        try:
            with Project.open(self.path) as project:
                found = project.suggestions(self.coder, transcript=self.transcript)
                transcript = project.transcript(self.transcript)
                if transcript is not None:
                    wanted = {s.segment_id for s in found}
                    self.texts = {
                        g.id: transcript.text[g.start : g.end]
                        for g in project.segments(transcript.id)
                        if g.id in wanted
                    }
        except QualcodeError as e:
            self.post_message(WorkDone("suggest", [], str(e)))
            return
        self.post_message(WorkDone("suggest", found))

    @on(WorkDone)
    def found(self, event: WorkDone) -> None:
        if event.error:
            self.query_one("#suggestions-status", StatusLine).update(f"[red]{event.error}[/red]")
            return
        self.items = list(event.result)
        self._fill()

    def _fill(self) -> None:
        table = self.query_one("#suggestions", DataTable)
        table.clear()
        for s in self.items:
            table.add_row(str(s.ordinal), s.code, s.matched, Text(excerpt(self.texts.get(s.segment_id, ""), s.matched)))
        table.focus()
        self.query_one("#suggestions-status", StatusLine).update(
            f"{len(self.items)} suggestions · y accept · n reject · Y accept all · Esc done "
            f"(accepted codings are marked as suggestions)"
        )

    def _current(self) -> Any | None:
        table = self.query_one("#suggestions", DataTable)
        return self.items[table.cursor_row] if self.items else None

    def _decide(self, chosen: list[Any], accept_them: bool) -> None:

        with Project.open(self.path) as project:
            if accept_them:
                self.accepted += project.accept_suggestions(self.coder, chosen)
            else:
                project.reject_suggestions(self.coder, chosen)
        keys = {(s.segment_id, s.code_id) for s in chosen}
        self.items = [s for s in self.items if (s.segment_id, s.code_id) not in keys]
        self._fill()

    def action_accept(self) -> None:
        current = self._current()
        if current is not None:
            self._decide([current], True)

    def action_reject(self) -> None:
        current = self._current()
        if current is not None:
            self._decide([current], False)

    def action_accept_all(self) -> None:
        if self.items:
            self._decide(list(self.items), True)

    def work_failed(self, group: str, error: str) -> None:
        self.query_one("#suggestions-status", StatusLine).update("[red]finding suggestions failed[/red]")

    def action_close(self) -> None:
        self.dismiss(self.accepted)
