"""A table of rows that j and k move through, as the coding view and the lists do."""

from __future__ import annotations

from typing import Any

from textual.binding import Binding
from textual.widgets import DataTable


class RowTable(DataTable[Any]):
    # the rows scroll inside the table, so the screen's title and status line stay in view
    DEFAULT_CSS = "RowTable { height: 1fr; }"
    BINDINGS = [
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]
