"""What every command shares: printing, opening the project, and a progress bar."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from qualcode.core.errors import BadInput

if TYPE_CHECKING:
    from qualcode.core.project import Project

_CONTROL = {c: None for c in [*range(0, 9), *range(11, 32), 127, *range(0x80, 0xA0)]}
"""Control characters (tab and newline kept): a transcript must not drive the user's terminal."""


def safe(text: str) -> str:
    """Text from a project made harmless for a terminal: escape and control sequences removed."""
    return text.translate(_CONTROL)


def out(text: str = "") -> None:
    print(safe(text), file=sys.stdout)


def err(text: str) -> None:
    """One line on stderr: line breaks in names (a file called ``a\\nb``) are shown escaped, not obeyed."""
    print(safe(text).replace("\r", "\\r").replace("\n", "\\n"), file=sys.stderr)


def count(value: int, flag: str, *, maximum: int) -> int:
    """A count the user asked for (``--limit``, ``--top`` …): from 1 to ``maximum``, else a one-line refusal.

    Zero or a negative number would quietly mean "nothing" or "all but the last
    few" (a slice); a count past ``maximum`` asks for more than any table can show.
    """
    if not 1 <= value <= maximum:
        raise BadInput(f"must be a whole number from 1 to {maximum:,}", where=flag)
    return value


def coder_name(value: str, flag: str = "--coder") -> str:
    """A coder's name as kept: trimmed, not empty, without control characters (it is shown in tables and logs)."""
    name = value.strip()
    if not name or not name.isprintable():
        raise BadInput("a coder's name must be printable text, e.g. --coder alice", where=flag)
    return name


def open_project(path: str) -> Project:
    from qualcode.core.project import Project

    return Project.open(path)


class progress_bar:
    """A progress bar on stderr for long jobs, silent when not a terminal."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar: Any = None

    def __enter__(self) -> Callable[[int, int, str], None] | None:
        if self.total < 5 or not sys.stderr.isatty():
            return None
        from rich.progress import Progress

        self.bar = Progress(transient=True, console=None)
        self.bar.start()
        task = self.bar.add_task("importing", total=self.total)

        def update(done: int, total: int, item: str) -> None:
            self.bar.update(task, completed=done, total=total, description=item)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()
