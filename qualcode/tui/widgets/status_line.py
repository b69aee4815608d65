"""A one-line bar whose text changes often: redrawn in place, never re-laid out."""

from __future__ import annotations

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget


class StatusLine(Widget):
    """One line of text (Rich markup allowed); changing it repaints only this line.

    A `Static` re-lays out the screen on every update, which a status bar that
    changes on every key press cannot afford. The ``-busy`` class tints it while
    changes wait for a busy project file.
    """

    DEFAULT_CSS = """
    StatusLine { height: 1; }
    StatusLine.-busy { background: $warning 30%; }
    """

    text: reactive[str] = reactive("", layout=False)
    """The markup shown."""

    def render(self) -> Text:
        text = Text.from_markup(self.text, overflow="ellipsis")
        text.no_wrap = True
        return text

    def update(self, text: str) -> None:
        self.text = text
