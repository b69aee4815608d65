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


class ProjectBusy(QualcodeError):
    """The project file is being written by another process and stayed so for as long as we waited.

    Nothing was written: the caller may try again (the workbench keeps the
    change and does), and the command line stops with exit status 2.
    """

    exit_status = 2

    def __init__(self, path: str, *, waited: float | None = None) -> None:
        self.path = path
        self.waited = waited
        wait = (
            f"gave up after waiting {waited:g} s"
            if waited is not None
            else "gave up after waiting the busy timeout (QUALCODE_BUSY_TIMEOUT, 10 s unless set)"
        )
        super().__init__(
            f"{path}: the project is busy: another qualcode command (a merge, an import …) is writing to it; "
            f"{wait}; try again when it has finished"
        )
