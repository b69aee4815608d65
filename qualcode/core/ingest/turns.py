"""Speaker turns: who speaks where in a transcript's text."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DEFAULT_SPEAKER_PATTERN = r"^[ \t]*(?P<speaker>[^\W_][\w.'’\-]*(?: [^\W_][\w.'’\-]*){0,2})[ \t]*:(?:[ \t]+|$)"
"""A line that starts a turn: up to three capitalised words (or ``P3``, ``I``) and a colon."""


@dataclass(frozen=True)
class Cue:
    """Where a subtitle cue's text lies in the transcript, and when it is spoken."""

    start: int
    end: int
    media_start_ms: int
    media_end_ms: int


@dataclass
class Turn:
    """A speaker's turn: the paragraphs ``[(start, end)]`` of the text it spans (no prefix)."""

    speaker: str | None
    paragraphs: list[tuple[int, int]] = field(default_factory=list)
    cues: list[Cue] = field(default_factory=list)

    @property
    def start(self) -> int:
        return self.paragraphs[0][0]

    @property
    def end(self) -> int:
        return self.paragraphs[-1][1]


@dataclass
class RawTranscript:
    """A file's text, normalised, with the turns found in it."""

    text: str
    turns: list[Turn]
    encoding: str = "utf-8"
    notes: list[str] = field(default_factory=list)

    @property
    def speakers(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for turn in self.turns:
            if turn.speaker:
                seen.setdefault(turn.speaker)
        return tuple(seen)

    @property
    def words(self) -> int:
        return len(self.text.split())


def compile_speaker_pattern(pattern: str | None) -> re.Pattern[str]:
    from qualcode.core.errors import BadInput

    try:
        compiled = re.compile(pattern or DEFAULT_SPEAKER_PATTERN)
    except re.error as e:
        raise BadInput(f"is not a valid regular expression ({e})", where="--speaker-pattern") from None
    if "speaker" not in compiled.groupindex:
        raise BadInput("needs a group named 'speaker', as in (?P<speaker>...)", where="--speaker-pattern")
    return compiled


def _is_speaker(label: str) -> bool:
    # "Then she said:" is speech, "Mary Jones:" and "Teacher 2:" are speakers.
    words = label.split()
    return 0 < len(label) <= 40 and all(w[0].isupper() or w[0].isdigit() for w in words) and not label[0].isdigit()


def split_turns(text: str, pattern: re.Pattern[str]) -> list[Turn]:
    """Find the turns of a plain transcript: a speaker prefix starts a turn, other lines continue it."""
    turns: list[Turn] = []
    offset = 0
    for line in text.split("\n"):
        line_start = offset
        offset += len(line) + 1
        m = pattern.match(line)
        if m and _is_speaker(m.group("speaker")):
            content_start = line_start + m.end()
            turns.append(Turn(m.group("speaker").strip()))
        else:
            content_start = line_start
            if not line.strip():
                continue
            if not turns:
                turns.append(Turn(None))
        span = _strip_span(text, content_start, line_start + len(line))
        if span is not None:
            turns[-1].paragraphs.append(span)
    return [t for t in turns if t.paragraphs]


def _strip_span(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def join_turns(pieces: list[tuple[str | None, list[tuple[str, int, int]]]]) -> tuple[str, list[Turn]]:
    """Lay out turns given as ``(speaker, [(cue text, media start, media end)])`` as lines of text.

    Each turn becomes one line ``Speaker: cue cue cue``; the cue offsets are kept
    so that segments carry media times.
    """
    parts: list[str] = []
    turns: list[Turn] = []
    offset = 0
    for speaker, cues in pieces:
        prefix = f"{speaker}: " if speaker else ""
        turn = Turn(speaker)
        pos = offset + len(prefix)
        texts = []
        for cue_text, ms_start, ms_end in cues:
            if texts:
                pos += 1
            turn.cues.append(Cue(pos, pos + len(cue_text), ms_start, ms_end))
            texts.append(cue_text)
            pos += len(cue_text)
        line = prefix + " ".join(texts)
        turn.paragraphs.append((offset + len(prefix), offset + len(line)))
        turns.append(turn)
        parts.append(line)
        offset += len(line) + 1
    return "\n".join(parts) + "\n", turns
