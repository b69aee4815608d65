"""Suggestions for one transcript, to accept or reject one by one (never applied unasked): from the codebook's
keywords, or (``l``) learned from the coder's own codings, with their measured precision."""

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
        Binding("l", "learned", "Keywords/learned", id="suggestions.learned"),
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
        self.learned = False
        """Whether the suggestions shown are learned from the coder's codings rather than from keywords."""
        self.summary = ""
        """What the learned model measured, for the status line."""

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
                if self.learned:
                    found = self._learned(project)
                else:
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

    def _learned(self, project: Project) -> list[Any]:
        """The learned suggestions for this transcript; the figures they rest on go to the status line."""
        result = project.learned_suggestions(self.coder)
        reached = [f for f in result.figures if f.threshold is not None]
        self.summary = (
            f"learned from your codings in {result.transcripts_trained} transcripts: "
            f"{len(reached)} of {len(result.figures)} codes reach precision {result.precision_target:g} "
            "on held-out transcripts"
            + (f", {len(result.skipped)} skipped (under 10 examples)" if result.skipped else "")
        )
        return [s for s in result.suggestions if s.transcript == self.transcript]

    def action_learned(self) -> None:
        self.learned = not self.learned
        self.items = []
        self._fill()
        self.query_one("#suggestions-status", StatusLine).update(
            "learning from your codings …" if self.learned else "finding suggestions …"
        )
        self._find()

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
            why = f"{s.score:.2f}: {', '.join(s.words)}" if self.learned else s.matched
            table.add_row(str(s.ordinal), s.code, why, Text(excerpt(self.texts.get(s.segment_id, ""), why)))
        table.focus()
        if self.learned:
            self.query_one("#suggestions-status", StatusLine).update(
                f"{len(self.items)} learned suggestions ({self.summary}) · y accept · n reject · Y accept all · "
                "l keyword suggestions · Esc done"
            )
            return
        self.query_one("#suggestions-status", StatusLine).update(
            f"{len(self.items)} suggestions · y accept · n reject · Y accept all · l learned from your codings · "
            "Esc done (accepted codings are marked as suggestions)"
        )

    def _current(self) -> Any | None:
        table = self.query_one("#suggestions", DataTable)
        return self.items[table.cursor_row] if self.items else None

    def _decide(self, chosen: list[Any], accept_them: bool) -> None:

        with Project.open(self.path) as project:
            if self.learned and accept_them:
                self.accepted += project.accept_learned(self.coder, chosen)
            elif self.learned:
                project.reject_learned(self.coder, chosen)
            elif accept_them:
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
