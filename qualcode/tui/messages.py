"""Messages that travel across the app: screens ask the app for things, workers report back."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


@dataclass
class OpenTranscript(Message):
    """A screen asks the workbench to open a transcript in the coding view, optionally at a segment."""

    transcript: int | str
    """The transcript's id or name."""
    ordinal: int | None = None
    """The segment (1-based) to put the cursor on, or None for the first."""


@dataclass
class WorkDone(Message):
    """A worker finished; ``result`` is what it made, ``error`` a message for the user when it was refused."""

    kind: str
    result: Any
    error: str = ""
