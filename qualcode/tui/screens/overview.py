"""Overviews of a coder's own work: the code × participant matrix and the codes that share segments,
counts shaded so the heavy cells stand out. Only the coder's own codings are counted (blinding)."""

from __future__ import annotations

from typing import Any

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from qualcode.core.project import Project
from qualcode.tui.widgets.row_table import RowTable
from qualcode.tui.widgets.status_line import StatusLine

SHADES = ("#1e2a36", "#24425e", "#2b5f86", "#357fae", "#4aa0d0", "#7cc2e8")
"""From few to many: a cell's background by its share of the largest count."""


def shaded(value: int, most: int) -> Text:
    """A count right-aligned on a background that darkens with it (an empty cell for zero)."""
    if not value:
        return Text("·", style="dim", justify="right")
    step = min(len(SHADES) - 1, round(value / max(most, 1) * (len(SHADES) - 1)))
    return Text(f" {value} ", style=Style(bgcolor=SHADES[step], color="white", bold=step >= 4), justify="right")


class OverviewScreen(Screen[None]):
    """The matrix (codes × participants, with totals) or the co-occurrence of codes; c switches."""

    BINDINGS = [
        Binding("c", "switch", "Matrix / co-occurrence", id="overview.switch"),
        Binding("escape,q", "close", "Back", id="overview.close"),
    ]

    def __init__(self, project: Project, coder: str) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        self.showing = "matrix"
        self.matrix: Any = None
        self.pairs: list[tuple[str, str, int]] = []

    def compose(self) -> ComposeResult:
        yield StatusLine(id="title-bar")
        yield RowTable(id="overview-table", cursor_type="row")
        yield StatusLine(id="status")
        yield Footer()

    @property
    def table(self) -> DataTable[Any]:
        return self.query_one("#overview-table", DataTable)

    def on_mount(self) -> None:
        self.matrix, self.pairs = self.project.overview(self.coder)
        self._fill()
        self.table.focus()

    def _fill(self) -> None:
        table = self.table
        table.clear(columns=True)
        title = self.query_one("#title-bar", StatusLine)
        if self.showing == "matrix":
            frame = self.matrix
            people = [c for c in frame.columns if c not in ("Code", "Level")]
            title.update(f"[b]Codes by participant[/b] · coded segments of {self.coder}")
            table.add_columns("Theme / subtheme / code", *people, "Total")
            counts = [[int(r[p]) for p in people] for _i, r in frame.iterrows()]
            most = max((v for row in counts for v in row), default=0)
            totals = [sum(row) for row in counts]
            for (_i, record), row, total in zip(frame.iterrows(), counts, totals, strict=True):
                label = Text(str(record["Code"]), style="bold" if int(record["Level"]) == 0 else "")
                table.add_row(label, *(shaded(v, most) for v in row), Text(str(total), justify="right"))
            self.query_one("#status", StatusLine).update(
                f"{len(frame)} codes × {len(people)} participants · your codings only · c shows the co-occurrence"
            )
        else:
            title.update(f"[b]Codes that share segments[/b] · codings of {self.coder}")
            table.add_columns("Code", "with code", "Shared segments")
            most = max((n for _a, _b, n in self.pairs), default=0)
            for a, b, n in self.pairs:
                table.add_row(Text(a), Text(b), shaded(n, most))
            self.query_one("#status", StatusLine).update(
                f"{len(self.pairs)} pairs of codes on the same segments, most first · c shows the matrix"
            )

    def action_switch(self) -> None:
        self.showing = "pairs" if self.showing == "matrix" else "matrix"
        self._fill()

    def action_close(self) -> None:
        self.dismiss()
