"""The things a thematic analysis is made of, as frozen dataclasses.

These are plain values handed between the store, the importers, the analysis and
the user interfaces; the store is the only place that knows how they are kept.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

CONSENSUS = "consensus"
"""The name of the coder-like set the lead writes when resolving disagreements."""

Progress = Callable[[int, int, str], None]
"""Called as ``progress(done, total, item)`` while a long job runs."""

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
    exclusive: bool = False
    """A group whose children exclude each other: a segment gets at most one of them."""
    codable: bool = True
    """False for a folder of codes (REFI-QDA's isCodable="false"): it groups codes but is not applied."""
    version: int = 1
    """How many times it was saved: an edit made on an older version than the stored one is refused."""


@dataclass(frozen=True)
class CodeGroup:
    """A named set of codes across the tree (ATLAS.ti's code groups, MAXQDA's code sets, REFI-QDA's Sets):
    a view on the codebook, not a branch of it, so a code may be in several groups."""

    id: str
    name: str
    description: str = ""
    codes: tuple[str, ...] = ()
    """The member codes' ids, in the group's order."""


class CodingRow(NamedTuple):
    """A coder's coding in full, as a hand-out carries it from one project file to another."""

    segment_id: int
    code_id: str
    created_at: str
    origin: str
    starred: int


class LocatedCoding(NamedTuple):
    """A coding with where its segment stands, in reading order.

    ``coded_start`` and ``coded_end`` are the part of the segment the coding
    covers: the whole segment, or where a span coding lies in it.
    """

    segment_id: int
    transcript_id: int
    ordinal: int
    speaker: str | None
    start: int
    end: int
    code_id: str
    starred: int
    coded_start: int = -1
    coded_end: int = -1


class Span(NamedTuple):
    """A coder's coding of an exact passage: offsets in code points into the transcript's text, end exclusive."""

    id: int
    transcript_id: int
    code_id: str
    coder: str
    start: int
    end: int
    starred: int
    origin: str


class SpanRow(NamedTuple):
    """A span coding in full, as a hand-out carries it."""

    transcript_id: int
    code_id: str
    start: int
    end: int
    created_at: str
    origin: str
    starred: int
    guid: str | None


Extent = tuple[tuple[int, int], ...]
"""Where a code lies on a segment: its passages as sorted (start, end) offsets into the transcript."""


def span_counts_for(segment_start: int, segment_end: int, start: int, end: int) -> bool:
    """Whether a span counts for a segment: it covers at least half of the segment's characters, or lies
    wholly inside it (the segment-level view of span codings, for agreement, matrices and resolution)."""
    if end <= segment_start or start >= segment_end or segment_end <= segment_start:
        return False
    if start >= segment_start and end <= segment_end:
        return True
    return 2 * (min(end, segment_end) - max(start, segment_start)) >= segment_end - segment_start


class TranscriptSummary(NamedTuple):
    """A transcript without its text: what lists and overviews show."""

    id: int
    name: str
    participant: str | None
    unit: str
    lang: str
    segments: int
    words: int


class SegmentKey(NamedTuple):
    """How a segment is recognised in another copy of the project: its text's hash and its place."""

    sha256: str
    ordinal: int
    segment_id: int
    start: int
    end: int


class Selection(NamedTuple):
    """An exact span coded in another tool (REFI-QDA), kept as it came."""

    id: str
    transcript_id: int
    code_id: str | None
    coder: str | None
    start: int
    end: int
    description: str


class Decision(NamedTuple):
    """One of the lead's decisions on a disagreement; the newest per segment counts."""

    segment_id: int
    lead: str
    choice: str
    codes: list[str]
    note: str
    decided_at: str
    spans: dict[str, Extent] = {}  # noqa: RUF012 (a NamedTuple default, never changed)


class Pseudonym(NamedTuple):
    """A name or place to hide in everything that leaves the team, and what stands in its place.

    ``prefix`` marks an entry that also hides words it begins (``Nordby`` in
    ``Nordbyskolen``), for languages that write compounds as one word.
    """

    original: str
    replacement: str
    confirmed: bool
    prefix: bool = False


class AuditEntry(NamedTuple):
    """Who changed what, when, and the details."""

    at: str
    actor: str
    action: str
    item: str
    detail: dict[str, Any]


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


def natural_key(text: str) -> tuple[Any, ...]:
    """A sort key that puts P2 before P10."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


@dataclass(frozen=True)
class ExportOptions:
    """What to export and how the matrix and quote tables are shaped."""

    tables: tuple[str, ...] = ("theme", "matrix", "quotes", "codebook")
    coder: str = CONSENSUS
    level: str = "code"
    cells: str = "count"
    group_by: str | None = None
    where: tuple[tuple[str, str], ...] = ()
    include_interviewer: bool = False
    max_words: int | None = None
    per_participant: str | None = None
    agreement_coders: tuple[str, str] | None = None
    bootstrap: int = 1000
    csv_formulas_as_text: bool = True
    """Prefix CSV text cells a spreadsheet would run as formulas (=, +, -, @, tab, CR) with ' (OWASP)."""
    paper: str | None = None
    """The Word report's paper, "a4" or "letter"; None: the template's, or A4 without one."""
    template: str | None = None
    """A Word document whose styles, page setup, headers and footers the report takes."""
    strict: bool = False
    """Refuse to export the consensus while the lead has disagreements to decide."""
    provisional: tuple[str, ...] = ()
    """Sentences set under every table: why its numbers may still change (undecided disagreements)."""
