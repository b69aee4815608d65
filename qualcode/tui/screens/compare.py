"""The lead's read-only view of one transcript after the merge: both coders' codes beside each segment,
the segments they coded differently marked ≠, to see where and how they differ before resolving."""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from qualcode.core.project import Project
from qualcode.tui.widgets.row_table import RowTable
from qualcode.tui.widgets.status_line import StatusLine


class CompareScreen(Screen[None]):
    BINDINGS = [
        Binding("d", "differences", "Only differences", id="compare.differences"),
        Binding("escape,q,v", "close", "Back", id="compare.close"),
    ]

    def __init__(self, project: Project, coder_a: str, coder_b: str, transcript: str, ordinal: int = 1) -> None:
        super().__init__()
        self.project = project
        self.coders = (coder_a, coder_b)
        self.transcript = transcript
        self.ordinal = ordinal
        """The segment the cursor starts on: the disagreement the lead was looking at."""
        self.rows: list[Any] = []
        self.only_differences = False

    def compose(self) -> ComposeResult:
        yield StatusLine(id="title-bar")
        yield RowTable(id="compare-table", cursor_type="row", zebra_stripes=True)
        yield StatusLine(id="status")
        yield Footer()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#compare-table", DataTable)

    def on_mount(self) -> None:
        a, b = self.coders
        self.query_one("#title-bar", StatusLine).update(
            f"[b]{self.transcript}[/b] · the codes of {a} (A) and {b} (B), read-only"
        )
        self.rows = self.project.side_by_side(a, b, self.transcript)
        self.table.add_columns("Seg", "", f"A: {a}", f"B: {b}", "Segment")
        self._fill()
        self.table.focus()

    def _fill(self) -> None:
        table = self.table
        table.clear()
        shown = [r for r in self.rows if not (self.only_differences and r.same)]
        for r in shown:
            mark = Text(" " if r.same else "≠", style="" if r.same else "bold yellow")
            text = " ".join(r.text.split())
            table.add_row(
                str(r.ordinal),
                mark,
                Text(", ".join(r.codes_a) or "—"),
                Text(", ".join(r.codes_b) or "—"),
                Text(text[:90] + ("…" if len(text) > 90 else "")),
            )
        at = next((i for i, r in enumerate(shown) if r.ordinal >= self.ordinal), 0)
        if shown:
            table.move_cursor(row=at)
        differ = sum(1 for r in self.rows if not r.same)
        self.query_one("#status", StatusLine).update(
            f"{differ} of {len(self.rows)} segments coded differently · d shows only those · Esc back to resolving"
        )

    def action_differences(self) -> None:
        self.only_differences = not self.only_differences
        self._fill()

    def action_close(self) -> None:
        self.dismiss()
