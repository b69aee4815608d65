"""A list of many one-line rows drawn line by line: only the rows on the screen are ever made and rendered.

Textual's DataTable measures and lays out every row it holds; a code with
tens of thousands of passages would take a second to open and tens of
milliseconds a key. This list holds the items and a function that writes an
item as its line, writes a line only when it comes on the screen, and draws
the visible ones through the line API, as the transcript view does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.segment import Segment
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip


class PassageList(ScrollView, can_focus=True):
    """One-line rows with a cursor; Enter selects the row under it."""

    COMPONENT_CLASSES = {"passage-list--cursor", "passage-list--starred"}
    DEFAULT_CSS = """
    PassageList > .passage-list--cursor { background: $accent; color: $text; text-style: bold; }
    PassageList > .passage-list--starred { color: $warning; }
    """
    BINDINGS = [
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("home,g", "jump(0)", "First", show=False),
        Binding("end,G", "jump(-1)", "Last", show=False),
        Binding("enter", "select", "Open", show=False),
    ]

    class Selected(Message):
        """Enter on a row."""

        def __init__(self, passage_list: PassageList, index: int) -> None:
            super().__init__()
            self.passage_list = passage_list
            self.index = index

        @property
        def control(self) -> PassageList:
            return self.passage_list

    cursor: reactive[int] = reactive(0, always_update=True)

    WIDTH = 240
    """How wide the list scrolls, in cells: a line is cut there."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.items: Sequence[Any] = []
        self.line_of: Callable[[Any], str] = str
        self._lines: dict[int, str] = {}
        self.marked: set[int] = set()
        """Rows shown in the starred style."""

    @property
    def rows(self) -> list[str]:
        """Every row's line (made now for those not yet shown): for tests and small lists."""
        return [self.line(i) for i in range(len(self.items))]

    def line(self, index: int) -> str:
        text = self._lines.get(index)
        if text is None:
            text = self._lines[index] = self.line_of(self.items[index])
        return text

    def set_items(self, items: Sequence[Any], line_of: Callable[[Any], str], marked: set[int] | None = None) -> None:
        self.items = items
        self.line_of = line_of
        self._lines = {}
        self.marked = marked or set()
        self.virtual_size = Size(self.WIDTH, len(items))
        self.cursor = 0
        self.scroll_to(0, 0, animate=False)
        self.refresh()

    def set_item(self, index: int, item: Any, marked: bool) -> None:
        if isinstance(self.items, list):
            self.items[index] = item
        self._lines.pop(index, None)
        (self.marked.add if marked else self.marked.discard)(index)
        self.refresh_line(index)

    def refresh_line(self, index: int) -> None:
        y = index - int(self.scroll_offset.y)
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def render_line(self, y: int) -> Strip:
        index = int(self.scroll_offset.y) + y
        width = self.size.width
        if index >= len(self.items):
            return Strip.blank(width)
        if index == self.cursor:
            style = self.get_component_rich_style("passage-list--cursor")
        elif index in self.marked:
            style = self.get_component_rich_style("passage-list--starred")
        else:
            style = self.rich_style
        x = int(self.scroll_offset.x)
        text = self.line(index)[x : x + width]
        return Strip([Segment(text.ljust(width), style)], width)

    def watch_cursor(self, old: int, new: int) -> None:
        self.refresh_line(old)
        self.refresh_line(new)

    def _go(self, index: int) -> None:
        if not self.items:
            return
        index = max(0, min(index, len(self.items) - 1))
        self.cursor = index
        top = int(self.scroll_offset.y)
        height = max(self.size.height, 1)
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False)

    def action_move(self, step: int) -> None:
        self._go(self.cursor + step)

    def action_page(self, step: int) -> None:
        self._go(self.cursor + step * max(self.size.height - 1, 1))

    def action_jump(self, where: int) -> None:
        self._go(0 if where == 0 else len(self.items) - 1)

    def action_select(self) -> None:
        if self.items:
            self.post_message(self.Selected(self, self.cursor))
