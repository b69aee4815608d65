"""Search every transcript from the workbench; open a hit, or code every hit's segment.

The search runs in a worker with its own connection, because the first search builds the token index.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Checkbox, DataTable, Footer, Input

from qualcode.core.codebook import Codebook
from qualcode.core.errors import QualcodeError
from qualcode.core.project import Project
from qualcode.tui.messages import OpenTranscript, WorkDone
from qualcode.tui.screens.dialogs import CodeFinder
from qualcode.tui.widgets.status_line import StatusLine
from qualcode.tui.widgets.toggles import Tick
from qualcode.tui.workers import ReportsWorkerErrors

EXTENT_NAMES = {"segment": "segments", "sentence": "sentences", "hit": "words"}
"""What Ctrl+O can code of each hit (`Project.code_hits`' extents), in the order Ctrl+E goes through them."""
EXTENTS = tuple(EXTENT_NAMES)


class SearchScreen(ReportsWorkerErrors, Screen[None]):
    """Search every transcript; open a hit, or code every hit's segment in one go."""

    BINDINGS = [
        Binding("enter", "open_hit", "Open", id="search.open"),
        Binding("ctrl+o", "code_all", "Code all hits", id="search.code_all"),
        Binding("ctrl+e", "extent", "Code what", id="search.extent"),
        Binding("escape", "close", "Back", id="search.close"),
    ]

    def __init__(self, path: Path, coder: str, book: Codebook) -> None:
        super().__init__()
        self.path = path
        """The project file searched."""
        self.coder = coder
        """Who codes the hits."""
        self.book = book
        self.hits: list[Any] = []
        self.extent = "segment"
        """What Ctrl+O codes of each hit: its segment, its sentence, or the hit's words."""

    def compose(self) -> ComposeResult:
        yield StatusLine(id="title-bar")
        with Horizontal(id="search-bar"):
            yield Input(placeholder="a word or phrase, Enter to search", id="search-query")
            yield Tick("lemmas", id="search-lemma")
        yield DataTable(id="search-results", cursor_type="row", zebra_stripes=True)
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#title-bar", StatusLine).update("[b]Search all transcripts[/b]")
        self.query_one("#search-results", DataTable).add_columns("Who", "Transcript", "Seg", "Hit in context")
        self.query_one("#search-query", Input).focus()

    @on(Input.Submitted, "#search-query")
    def run_search(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#status", StatusLine).update("searching …")
        self._search(event.value, self.query_one("#search-lemma", Checkbox).value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def _search(self, query: str, lemma: bool) -> None:

        try:
            with Project.open(self.path) as project:
                hits = project.search(query, lemma=lemma)
        except QualcodeError as e:
            self.post_message(WorkDone("search", [], str(e)))
            return
        self.post_message(WorkDone("search", hits))

    @on(WorkDone)
    def done(self, event: WorkDone) -> None:
        status = self.query_one("#status", StatusLine)
        if event.error:
            status.update(f"[red]{event.error}[/red]")
            return
        if event.kind == "code":
            status.update(f"coded {event.result} new {EXTENT_NAMES[self.extent]} for {self.coder}")
            return
        self.hits = event.result
        table = self.query_one("#search-results", DataTable)
        table.clear()
        for i, h in enumerate(self.hits):
            context = f"{h.left[-45:]} «{h.match}» {h.right[:45]}"
            table.add_row(h.participant or "—", h.transcript, str(h.ordinal), context, key=str(i))
        self._show_status()
        if self.hits:
            table.focus()

    def _show_status(self) -> None:
        self.query_one("#status", StatusLine).update(
            f"{len(self.hits)} hits · Enter opens one · Ctrl+O codes every hit's {EXTENT_NAMES[self.extent][:-1]} "
            "· Ctrl+E codes the segment, the sentence or the words"
        )

    def action_extent(self) -> None:
        """Cycle what Ctrl+O codes of each hit: segment, sentence, the hit's words."""
        self.extent = EXTENTS[(EXTENTS.index(self.extent) + 1) % len(EXTENTS)]
        self._show_status()

    @on(DataTable.RowSelected, "#search-results")
    def hit_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_hit()

    def action_open_hit(self) -> None:
        table = self.query_one("#search-results", DataTable)
        if not self.hits:
            return
        hit = self.hits[table.cursor_row]
        self.post_message(OpenTranscript(hit.transcript, hit.ordinal))

    def action_code_all(self) -> None:
        if not self.hits:
            self.notify("search first", severity="warning")
            return

        def chosen(code_id: str | None) -> None:
            if code_id:
                self._code_all(code_id, list(self.hits))

        title = f"Code the {EXTENT_NAMES[self.extent]} of all {len(self.hits)} hits with"
        self.app.push_screen(CodeFinder(self.book, title), chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def _code_all(self, code_id: str, hits: list[Any]) -> None:

        with Project.open(self.path) as project:
            added = project.code_hits(hits, self.coder, code_id, extent=self.extent)
        self.post_message(WorkDone("code", added))

    def work_failed(self, group: str, error: str) -> None:
        self.query_one("#status", StatusLine).update("[red]the search failed; see the message[/red]")

    def action_close(self) -> None:
        self.dismiss()
