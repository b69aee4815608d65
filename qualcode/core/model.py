"""The things a thematic analysis is made of, as frozen dataclasses.

These are plain values handed between the store, the importers, the analysis and
the user interfaces; the store is the only place that knows how they are kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

CONSENSUS = "consensus"
"""The name of the coder-like set the lead writes when resolving disagreements."""

UNITS = ("turn", "sentence", "paragraph")
"""The ways a transcript can be cut into segments, the units of coding."""


@dataclass(frozen=True)
class Participant:
    """An informant, e.g. ``P3``, with typed attributes (numbers stay numbers)."""

    id: str
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Transcript:
    """One interview: its normalised text and where it came from."""

    id: int
    name: str
    text: str
    sha256: str
    source: str
    lang: str
    unit: str
    participant: str | None = None
    imported_at: str = ""


@dataclass(frozen=True)
class Segment:
    """A unit of coding: characters ``[start, end)`` of its transcript's text."""

    id: int
    transcript_id: int
    ordinal: int
    start: int
    end: int
    speaker: str | None = None
    media_start_ms: int | None = None
    media_end_ms: int | None = None

    def text_in(self, transcript_text: str) -> str:
        return transcript_text[self.start : self.end]


@dataclass(frozen=True)
class Code:
    """A node of the codebook tree: a theme, a subtheme or a code."""

    id: str
    name: str
    parent_id: str | None = None
    description: str = ""
    inclusion: str = ""
    exclusion: str = ""
    example: str = ""
    colour: str = ""
    key: str = ""
    keywords: tuple[str, ...] = ()
    position: int = 0


@dataclass(frozen=True)
class Coding:
    """A coder's decision that a segment carries a code."""

    segment_id: int
    code_id: str
    coder: str
    created_at: str = ""
    origin: str = "manual"
    starred: bool = False


@dataclass(frozen=True)
class ImportReport:
    """What importing one file did, for the command line to print."""

    file: str
    transcript: str
    participant: str | None
    segments: int
    words: int
    speakers: tuple[str, ...]
    status: str  # "imported", "unchanged", "replaced"
    notes: tuple[str, ...] = ()
