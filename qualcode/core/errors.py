"""Error types that the command line turns into one-line messages.

`BadInput` (exit status 2) is for anything the user can fix: a file, a line, an
item. Each message names that thing and says what to do.  Other `QualcodeError`s
exit with status 1.
"""

from __future__ import annotations


class QualcodeError(Exception):
    """A failure qualcode reports as one line, without a traceback."""

    exit_status = 1


class BadInput(QualcodeError):
    """Input the user can correct: a file, a line in it, a named item."""

    exit_status = 2

    def __init__(self, message: str, *, where: str | None = None) -> None:
        self.where = where
        super().__init__(f"{where}: {message}" if where else message)
