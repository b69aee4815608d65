"""The command palette: every action of the screen in front, and every code by name."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider

from qualcode.tui.screens.help import declared_bindings, key_label


class WorkbenchCommands(Provider):
    """Offer the bindings of the current screen (with their keys) and, when coding, each code."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        screen = self.screen
        app = self.app
        commands: list[tuple[str, str, Callable[[], object]]] = []
        for node in [app, screen, *(screen.focused.ancestors_with_self if screen.focused else [])]:
            for binding in declared_bindings(node):
                description = binding.description
                if not description:
                    continue
                action = binding.action
                target = node
                # "F1 / ?", as the help screen writes keys, not Textual's "f1,question_mark"
                commands.append((description, f"key {key_label(binding.key)}", partial(_run_action, target, action)))
        toggle = getattr(screen, "toggle", None)
        book = getattr(getattr(screen, "session", None), "codebook", None)
        if toggle is not None and book is not None:
            for code, _depth in book.walk():
                path = book.path(code.id).replace("/", " ▸ ")
                key = f" · key {code.key}" if code.key else ""
                commands.append((f"Toggle code: {path}", f"on the segment or selection{key}", partial(toggle, code.id)))
        seen: set[str] = set()
        unique = []
        for title, help_text, callback in commands:
            if title not in seen:
                seen.add(title)
                unique.append((title, help_text, callback))
        return unique

    async def discover(self) -> Hits:
        for title, help_text, callback in self._commands():
            yield DiscoveryHit(title, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for title, help_text, callback in self._commands():
            score = matcher.match(title)
            if score > 0:
                yield Hit(score, matcher.highlight(title), callback, help=help_text)


def _run_action(node: object, action: str) -> None:
    """Run a binding's action string (e.g. "move(1)") on the node that declares it."""
    app = getattr(node, "app", node)
    app.call_later(app.run_action, action, node)
