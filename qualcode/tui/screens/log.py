"""The audit log in the workbench: what changed, who changed it and when, newest first.

A coder sees their own work and the changes to the project every coder shares (codebook, transcripts,
pseudonyms), never another coder's work. `/` filters by words.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer

from qualcode.core.project import Project
from qualcode.tui.widgets.filter_field import FilterField
from qualcode.tui.widgets.passage_list import PassageList
from qualcode.tui.widgets.status_line import StatusLine


class LogScreen(Screen[None]):
    BINDINGS = [
        Binding("slash", "filter", "Filter", id="log.filter"),
        Binding("escape,q", "close", "Back", id="log.close"),
    ]

    def __init__(self, project: Project, coder: str) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.lines: list[str] = []
        self.needle = ""

    def compose(self) -> ComposeResult:
        yield StatusLine(id="title-bar")
        yield FilterField(placeholder="words in the entries; Enter filters, empty for all", id="log-filter")
        yield PassageList(id="log-list")
        yield StatusLine(id="status")
        yield Footer()

    @property
    def listing(self) -> PassageList:
        return self.query_one("#log-list", PassageList)

    def on_mount(self) -> None:
        self.query_one("#title-bar", StatusLine).update(f"[b]Audit log[/b] · what {self.coder} may see, newest first")
        entries: list[Any] = self.project.log(seen_by=self.coder)
        self.lines = [self.project.log_line(e) for e in reversed(entries)]
        self._show()
        self.listing.focus()

    def _show(self) -> None:
        shown = [line for line in self.lines if self.needle.casefold() in line.casefold()]
        self.listing.set_items(shown, str)
        filtered = f" matching '{self.needle}'" if self.needle else ""
        self.query_one("#status", StatusLine).update(f"{len(shown)} of {len(self.lines)} entries{filtered} · / filters")

    def action_filter(self) -> None:
        self.query_one("#log-filter", FilterField).open()

    @on(FilterField.Applied, "#log-filter")
    def filtered(self, event: FilterField.Applied) -> None:
        self.needle = event.value.strip()
        self._show()

    def action_close(self) -> None:
        self.dismiss()
