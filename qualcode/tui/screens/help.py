"""The help screen: every key of the screen below it, and the codebook's shortcut keys."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

from qualcode.core.codebook import Codebook

KEY_NAMES = {
    "asterisk": "*",
    "slash": "/",
    "question_mark": "?",
    "space": "Space",
    "enter": "Enter",
    "escape": "Esc",
    "tab": "Tab",
    "pagedown": "PgDn",
    "pageup": "PgUp",
    "home": "Home",
    "end": "End",
    "down": "↓",
    "up": "↑",
    "shift+down": "Shift+↓",
    "shift+up": "Shift+↑",
    "f1": "F1",
}


def key_label(keys: str) -> str:
    """'j,down' → 'j / ↓'."""
    return " / ".join(KEY_NAMES.get(k, k.replace("ctrl+", "Ctrl+")) for k in keys.split(","))


def declared_bindings(node: object) -> list[Binding]:
    """The bindings qualcode declares on a node's class and its qualcode base classes."""
    out: list[Binding] = []
    for cls in type(node).__mro__:
        if cls.__module__.startswith("qualcode"):
            out.extend(b for b in cls.__dict__.get("BINDINGS", []) if isinstance(b, Binding))
    return out


def bindings_of(screen: Screen[object]) -> list[tuple[str, str]]:
    """(keys, description) of every binding active on a screen, the focused widget's included."""
    seen: dict[str, tuple[str, str]] = {}
    nodes = [screen.app, screen, *reversed(list(screen.focused.ancestors_with_self) if screen.focused else [])]
    for node in nodes:
        for binding in declared_bindings(node):
            if binding.description and binding.action not in seen:
                seen[binding.action] = (key_label(binding.key), binding.description)
    return list(seen.values())


def _grid() -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold", no_wrap=True, min_width=12)
    grid.add_column()
    return grid


class HelpScreen(ModalScreen[None]):
    """Keys of the screen below, and the code shortcut keys when a codebook is at hand."""

    BINDINGS = [Binding("escape,q,f1,question_mark", "close", "Close help", id="help.close")]

    def __init__(self, keys: list[tuple[str, str]], book: Codebook | None) -> None:
        super().__init__()
        self.keys = keys
        """(keys, what they do) of the screen the help was opened on."""
        self.book = book

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help-dialog"):
            yield Static(self.help_text(), id="help-text")

    def help_text(self) -> Group:
        """The keys and code shortcuts, as one renderable."""
        keys = _grid()
        for key, description in self.keys:
            keys.add_row(key, description)
        keys.add_row("Ctrl+P", "Command palette: every action and every code by name")
        parts: list[RenderableType] = [Text("Keys", style="bold underline"), keys]
        if self.book is not None and len(self.book):
            codes = _grid()
            for code, depth in self.book.walk():
                if code.key:
                    codes.add_row(code.key, "  " * depth + code.name)
            parts += [
                Text("\nCode shortcut keys (toggle the code on the segment or the selection)", style="bold underline"),
                codes,
            ]
        parts.append(Text("\nEvery change is saved to the project file the moment it is made.", style="dim"))
        parts.append(Text("Esc, q or F1 closes this help.", style="dim"))
        return Group(*parts)

    def action_close(self) -> None:
        self.dismiss(None)
