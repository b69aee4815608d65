"""The transcript as segments, drawn line by line so that long transcripts stay quick.

Only the lines on screen are ever rendered (`render_line`); each segment's
wrapping is worked out once per width and kept, so moving the cursor or
toggling a code redraws a screenful and nothing more.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import dataclass
from functools import lru_cache

from rich.cells import cell_len
from rich.color import Color
from rich.segment import Segment as RichSegment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from qualcode.core.coding_session import CodingSession, Hit
from qualcode.core.spans import words_between

GUTTER = 3
"""Columns left of the text: a bar marking the cursor or the selection, and a space."""

_WORD = re.compile(r"\S+\s*|\s+")

HEADER = -1
BLANK = -2


def wrap_offsets(text: str, width: int) -> list[tuple[int, int]]:
    """Break ``text`` into lines of at most ``width`` cells, as ``(start, end)`` offsets.

    Breaks at spaces; a word longer than a line is cut. Offsets, not strings,
    so search hits inside a segment can be marked on whichever line they fall.
    """
    width = max(width, 8)
    lines: list[tuple[int, int]] = []
    pos = 0
    for paragraph in text.split("\n"):
        start = pos
        end_of_paragraph = pos + len(paragraph)
        if cell_len(paragraph) <= width:
            lines.append((start, end_of_paragraph))
            pos = end_of_paragraph + 1
            continue
        line_start, used = start, 0
        for m in _WORD.finditer(paragraph):
            word_start, word = start + m.start(), m.group()
            cells = len(word) if word.isascii() else cell_len(word)
            visible = cells - (len(word) - len(word.rstrip()))
            if used and used + visible > width:
                lines.append((line_start, word_start))
                line_start, used = word_start, 0
            while visible > width:  # a word longer than a whole line
                lines.append((line_start, line_start + width))
                line_start += width
                word_start += width
                cells -= width
                visible -= width
            used += cells
        lines.append((line_start, end_of_paragraph))
        pos = end_of_paragraph + 1
    return lines


@lru_cache(maxsize=256)
def chip_style(colour: str) -> Style:
    """A code's chip: its colour as background, black or white text for contrast."""
    try:
        bg = Color.parse(colour or "#6c7a89")
    except Exception:
        bg = Color.parse("#6c7a89")
    r, g, b = bg.get_truecolor()
    light = (0.299 * r + 0.587 * g + 0.114 * b) > 150
    return Style(bgcolor=bg, color="black" if light else "white")


@lru_cache(maxsize=256)
def passage_style(colour: str) -> Style:
    """A coded passage inside the text: underlined, in its code's colour."""
    return Style(color=chip_style(colour).bgcolor, underline=True)


@dataclass
class _Layout:
    """Which segment and which part of it each line of the view shows."""

    rows: list[int]
    """Session positions of the segments shown, in order (all, or those passing a filter)."""
    line_row: array
    line_part: array
    first_line: array
    wraps: list[list[tuple[int, int]]]


class TranscriptView(ScrollView, can_focus=True):
    """A coder's transcript: speaker, codes and text of every segment, with a cursor."""

    ALLOW_SELECT = False
    """A drag over the text chooses a passage with the word cursor (`on_mouse_down`); Textual's own text
    selection would draw a second, different selection over it and take double clicks."""

    # Priority bindings run in the order keys arrive, before anything else sees them,
    # so a quick "j j 3" codes the segment the cursor reached and not an earlier one.
    BINDINGS = [
        Binding("j,down", "move(1)", "Next segment", show=False, priority=True, id="transcript.next"),
        Binding("k,up", "move(-1)", "Previous segment", show=False, priority=True, id="transcript.previous"),
        Binding("J,shift+down", "extend(1)", "Select down", show=False, priority=True, id="transcript.select_down"),
        Binding("K,shift+up", "extend(-1)", "Select up", show=False, priority=True, id="transcript.select_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, priority=True, id="transcript.page_down"),
        Binding("pageup", "page(-1)", "Page up", show=False, priority=True, id="transcript.page_up"),
        Binding("home", "first", "First segment", show=False, priority=True, id="transcript.first"),
        Binding("end", "last", "Last segment", show=False, priority=True, id="transcript.last"),
        Binding("V", "word_mode", "Word cursor", show=False, priority=True, id="transcript.word_mode"),
        Binding("right", "word(1)", "Next word", show=False, priority=True, id="transcript.next_word"),
        Binding("left", "word(-1)", "Previous word", show=False, priority=True, id="transcript.previous_word"),
        Binding(
            "shift+right",
            "word(1, True)",
            "Select a word more",
            show=False,
            priority=True,
            id="transcript.select_next_word",
        ),
        Binding(
            "shift+left",
            "word(-1, True)",
            "Select a word less",
            show=False,
            priority=True,
            id="transcript.select_previous_word",
        ),
    ]

    COMPONENT_CLASSES = {
        "transcript-view--cursor",
        "transcript-view--selected",
        "transcript-view--ordinal",
        "transcript-view--speaker",
        "transcript-view--hit",
        "transcript-view--note",
        "transcript-view--unsaved",
        "transcript-view--word",
    }

    DEFAULT_CSS = """
    TranscriptView {
        background: $surface;
        scrollbar-gutter: stable;
    }
    TranscriptView > .transcript-view--cursor { background: $primary 25%; color: $primary; }
    TranscriptView > .transcript-view--selected { background: $accent 20%; color: $accent; }
    TranscriptView > .transcript-view--ordinal { color: $text-muted; }
    TranscriptView > .transcript-view--speaker { color: $secondary; text-style: bold; }
    TranscriptView > .transcript-view--hit { background: $warning 60%; color: $text; }
    TranscriptView > .transcript-view--note { color: $warning; }
    TranscriptView > .transcript-view--unsaved { background: $warning; color: $text; text-style: bold; }
    TranscriptView > .transcript-view--word { text-style: reverse; }
    """

    @dataclass
    class CursorMoved(Message):
        """The cursor is on another segment (a session position)."""

        position: int

    def __init__(self, session: CodingSession, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.session = session
        """The coder's work on this transcript; the view reads it and never writes to it."""
        self.cursor = 0
        """Index into the shown rows of the segment under the cursor."""
        self.selection_start: int | None = None
        """Where a range selection started (an index into the shown rows), or None."""
        self.hits: list[Hit] = []
        """Search hits to mark."""
        self._hits_by_position: dict[int, list[Hit]] = {}
        self._filter: list[int] | None = None
        self._layout: _Layout | None = None
        self._wrap_cache: dict[tuple[int, int], list[tuple[int, int]]] = {}
        self.word_mode = False
        """Whether the word cursor is on: arrows move it, code keys code the exact passage chosen."""
        self.word = 0
        """The word under the word cursor, as its index in `words`."""
        self.word_anchor: int | None = None
        """Where a passage selection started (a word index), or None."""
        self._words: tuple[list[int], list[int]] | None = None
        self._drag_from: int | None = None
        """While the mouse button is held on the text: the word it went down on (a word index), else None."""

    # -- the word cursor -------------------------------------------------------

    @property
    def words(self) -> tuple[list[int], list[int]]:
        """Starts and ends (offsets into the transcript) of every word of the segments, in order."""
        if self._words is None:
            starts: list[int] = []
            ends: list[int] = []
            text = self.session.transcript.text
            for segment in self.session.segments:
                for start, end in words_between(text, segment.start, segment.end):
                    starts.append(start)
                    ends.append(end)
            self._words = (starts, ends)
        return self._words

    def passage(self) -> tuple[int, int] | None:
        """The passage the word cursor chooses: the selected words, or the word under it."""
        starts, ends = self.words
        if not starts:
            return None
        lo, hi = sorted((self.word_anchor if self.word_anchor is not None else self.word, self.word))
        return starts[lo], ends[hi]

    def action_word_mode(self) -> None:
        """Put the word cursor on the first word of the segment under the cursor."""
        from bisect import bisect_left

        starts, _ends = self.words
        if not starts:
            return
        self.word_mode = True
        self.word_anchor = None
        self.selection_start = None
        segment = self.session.segments[self.position]
        self.word = min(bisect_left(starts, segment.start), len(starts) - 1)
        self._follow_word()

    def leave_word_mode(self) -> bool:
        """Take the word cursor away (a selection first); False when it was not on."""
        if not self.word_mode:
            return False
        if self.word_anchor is not None:
            self.word_anchor = None
        else:
            self.word_mode = False
        self.refresh()
        return True

    def action_word(self, delta: int, extend: bool = False) -> None:
        if not self.word_mode:
            return
        self._move_word(self.word + delta, extend)

    def _move_word(self, word: int, extend: bool) -> None:
        starts, _ends = self.words
        if extend and self.word_anchor is None:
            self.word_anchor = self.word
        elif not extend:
            self.word_anchor = None
        self.word = max(0, min(word, len(starts) - 1))
        self._follow_word()

    def _line_move(self, delta: int, extend: bool) -> None:
        """The word cursor a line of the wrapped text up or down, near the same column."""
        from bisect import bisect_right

        layout = self._ensure_layout()
        starts, ends = self.words
        at = starts[self.word]
        line = self._line_of(at)
        step = 1 if delta > 0 else -1
        target = line + step
        while 0 <= target < len(layout.line_part) and layout.line_part[target] < 0:
            target += step
        if not 0 <= target < len(layout.line_part):
            return
        position = layout.rows[layout.line_row[target]]
        segment = self.session.segments[position]
        line_start, line_end = layout.wraps[layout.line_row[target]][layout.line_part[target]]
        column = at - self._line_start(line)
        want = segment.start + min(line_start + column, max(line_end - 1, line_start))
        word = max(bisect_right(starts, want) - 1, 0)
        if starts[word] < segment.start + line_start:
            word = min(word + 1, len(starts) - 1)
        self._move_word(word, extend)

    def _line_of(self, offset: int) -> int:
        """The view line showing the character at ``offset`` (of the shown segments)."""
        layout = self._ensure_layout()
        position = self.session.overlapping(offset, offset + 1)[0]
        row = _index(layout.rows, position)
        if row is None:
            return 0
        inside = offset - self.session.segments[position].start
        parts = layout.wraps[row]
        part = next((i for i, (a, b) in enumerate(parts) if a <= inside < max(b, a + 1)), len(parts) - 1)
        return layout.first_line[row] + 1 + part

    def _line_start(self, line: int) -> int:
        layout = self._ensure_layout()
        segment = self.session.segments[layout.rows[layout.line_row[line]]]
        return segment.start + layout.wraps[layout.line_row[line]][layout.line_part[line]][0]

    def _follow_word(self) -> None:
        """Keep the segment cursor on the word cursor's segment and its line on screen."""
        starts, _ends = self.words
        position = self.session.overlapping(starts[self.word], starts[self.word] + 1)[0]
        row = _index(self.rows, position)
        if row is None:
            self.set_filter(None)
            row = _index(self.rows, position) or 0
        if row != self.cursor:
            self.cursor = row
            self.post_message(self.CursorMoved(self.position))
        line = self._line_of(starts[self.word])
        self.scroll_to_region(Region(0, line, 1, 1), animate=False, immediate=True, force=True)
        self.refresh()

    # -- the mouse -------------------------------------------------------------
    #
    # A drag chooses a passage as the word cursor does, so a code key then codes
    # exactly the words dragged over: the press puts the word cursor on a word,
    # the drag moves it with the anchor left at that first word, and the release
    # leaves the selection in place. The press's word is kept aside and becomes
    # the anchor only once the mouse is on another word, so a plain click (or a
    # drag that comes back to where it began) is one word and no selection, just
    # like the word cursor after `V` and the arrows.

    def on_mouse_down(self, event: events.MouseDown) -> None:
        if event.button != 1:
            return
        at = event.get_content_offset(self)
        if at is None:
            return
        word = self._word_at(at.x, at.y)
        if word is None:
            return
        event.stop()
        if event.shift and self.word_mode:
            # Shift and a click: the passage runs from the word cursor (or its anchor) to here.
            self._drag_from = self.word if self.word_anchor is None else self.word_anchor
        else:
            self._drag_from = word
        self.word_mode = True
        self.selection_start = None
        self._drag_to(word)
        self.capture_mouse()

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if self._drag_from is None:
            return
        event.stop()
        at = event.get_content_offset_capture(self)
        word = self._word_at(at.x, at.y, clamp=True)
        if word is not None and word != self.word:
            self._drag_to(word)

    def on_mouse_up(self, event: events.MouseUp) -> None:
        if self._drag_from is None:
            return
        event.stop()
        self._drag_from = None
        self.release_mouse()

    def on_mouse_release(self, _event: events.MouseRelease) -> None:
        """The capture went (a dialog opened, say) before the button came up: the drag ends there."""
        self._drag_from = None

    def _drag_to(self, word: int) -> None:
        """The word cursor on ``word``, with the press's word as the anchor unless it is that word."""
        assert self._drag_from is not None
        self.word_anchor = None if word == self._drag_from else self._drag_from
        self.word = word
        self._follow_word()

    def _word_at(self, x: int, y: int, *, clamp: bool = False) -> int | None:
        """The word drawn at (``x``, ``y``) of the content area, or the nearest word of that line's segment.

        A point in the gutter, past a line's end or on the space between two
        words takes the nearest word of the line (see `_point_at` for the
        lines without text).
        """
        point = self._point_at(x, y, clamp=clamp)
        return None if point is None else self._nearest_word(*point)

    def _point_at(self, x: int, y: int, *, clamp: bool = False) -> tuple[int, int] | None:
        """The segment (a session position) and transcript offset drawn at (``x``, ``y``) of the content area.

        The line is the scroll offset plus ``y``, as `render_line` counts it;
        the column is ``x`` less the gutter, in cells of the wrapped line's own
        characters (`_column_to_offset`). There is no horizontal scrolling: the
        view is as wide as its lines. The header line (ordinal, speaker, chips)
        gives the segment's start and the blank line after it its end, the
        text each of them sits next to. Below the last line there is nothing,
        unless ``clamp``: a drag held outside the view (the mouse is captured)
        goes on to the first or last line, and to lines just out of sight,
        which the word cursor then scrolls into view.
        """
        layout = self._ensure_layout()
        if not layout.line_row:
            return None
        line = self.scroll_offset.y + y
        if clamp:
            line = max(0, min(line, len(layout.line_row) - 1))
        elif not 0 <= line < len(layout.line_row):
            return None
        row, part = layout.line_row[line], layout.line_part[line]
        position = layout.rows[row]
        segment = self.session.segments[position]
        if part == HEADER:
            return position, segment.start
        if part == BLANK:
            return position, segment.end
        line_start, line_end = layout.wraps[row][part]
        inside = _column_to_offset(self.session.text(position), line_start, line_end, x - GUTTER)
        return position, segment.start + inside

    def _nearest_word(self, position: int, offset: int) -> int | None:
        """The word (an index into `words`) of segment ``position`` holding ``offset``, or the one nearest it.

        Kept to the segment so that a point on a line is never taken for a word
        of the segment before or after it (the line's segment is what is seen
        there); a point on a space goes to the closer of the words either side,
        the earlier on a tie. None for a segment without words.
        """
        from bisect import bisect_left, bisect_right

        starts, ends = self.words
        segment = self.session.segments[position]
        first = bisect_left(starts, segment.start)
        last = bisect_left(starts, segment.end) - 1
        if first > last:
            return None
        word = max(bisect_right(starts, offset) - 1, first)
        word = min(word, last)
        if offset < ends[word] or word == last or starts[word] > offset:
            return word
        after = word + 1
        return after if starts[after] - offset < offset + 1 - ends[word] else word

    # -- what is shown -------------------------------------------------------

    @property
    def rows(self) -> list[int]:
        return self._ensure_layout().rows

    @property
    def position(self) -> int:
        """The session position of the segment under the cursor."""
        rows = self.rows
        return rows[self.cursor] if rows else 0

    def chosen_positions(self) -> list[int]:
        """The segments a code key applies to: the selected range, or the cursor's segment."""
        rows = self.rows
        if not rows:
            return []
        if self.selection_start is None:
            return [rows[self.cursor]]
        lo, hi = sorted((self.selection_start, self.cursor))
        return rows[lo : hi + 1]

    def set_filter(self, positions: list[int] | None) -> None:
        """Show only these segments (None shows all), keeping the cursor near where it was."""
        current = self.position if self._layout and self._layout.rows else 0
        self._filter = positions
        self.selection_start = None
        self._layout = None
        rows = self.rows
        self.cursor = next((i for i, p in enumerate(rows) if p >= current), max(len(rows) - 1, 0))
        self._after_move()

    def set_hits(self, hits: list[Hit]) -> None:
        self.hits = hits
        self._hits_by_position = {}
        for hit in hits:
            self._hits_by_position.setdefault(hit.index, []).append(hit)
        self.refresh()

    def segment_changed(self, positions: list[int] | None = None) -> None:
        """Codes, memo or star of segments changed: redraw their header lines."""
        if positions is None or self._layout is None:
            self.refresh()
            return
        layout = self._layout
        shown = {p: i for i, p in enumerate(layout.rows)} if len(positions) > 8 else None
        for p in positions:
            row = shown.get(p) if shown is not None else _index(layout.rows, p)
            if row is not None:
                self.refresh_line(layout.first_line[row])

    # -- moving --------------------------------------------------------------

    def action_move(self, delta: int) -> None:
        if self.word_mode:
            self._line_move(delta, extend=False)
        else:
            self.move_by(delta)

    def action_extend(self, delta: int) -> None:
        if self.word_mode:
            self._line_move(delta, extend=True)
        else:
            self.move_by(delta, extend=True)

    def action_page(self, direction: int) -> None:
        self.page(direction)

    def action_first(self) -> None:
        self.move_to(0)

    def action_last(self) -> None:
        self.move_to(len(self.rows) - 1)

    def move_to(self, row: int, *, extend: bool = False) -> None:
        rows = self.rows
        if not rows:
            return
        if extend and self.selection_start is None:
            self.selection_start = self.cursor
        elif not extend:
            self.selection_start = None
        self.cursor = max(0, min(row, len(rows) - 1))
        self._after_move()

    def move_to_position(self, position: int) -> None:
        row = _index(self.rows, position)
        if row is None:
            self.set_filter(None)
            row = _index(self.rows, position) or 0
        self.move_to(row)

    def move_by(self, delta: int, *, extend: bool = False) -> None:
        self.move_to(self.cursor + delta, extend=extend)

    def page(self, direction: int) -> None:
        """Move about a screenful of lines up or down."""
        layout = self._ensure_layout()
        if not layout.rows:
            return
        target_line = layout.first_line[self.cursor] + direction * max(self.size.height - 2, 1)
        target_line = max(0, min(target_line, len(layout.line_row) - 1))
        self.move_to(layout.line_row[target_line])

    def _after_move(self) -> None:
        layout = self._ensure_layout()
        self.refresh()
        if not layout.rows:
            return
        first = layout.first_line[self.cursor]
        last = (
            layout.first_line[self.cursor + 1] - 1 if self.cursor + 1 < len(layout.rows) else len(layout.line_row) - 1
        )
        # Show the whole segment when it fits, its top when it does not.
        height = min(last - first + 1, max(self.size.height, 1))
        self.scroll_to_region(Region(0, first, 1, height), animate=False, immediate=True, force=True)
        self.post_message(self.CursorMoved(self.position))

    # -- layout --------------------------------------------------------------

    @property
    def text_width(self) -> int:
        return max(self.scrollable_content_region.width - GUTTER, 20)

    def _ensure_layout(self) -> _Layout:
        if self._layout is not None:
            return self._layout
        width = self.text_width
        session = self.session
        rows = list(range(len(session.segments))) if self._filter is None else list(self._filter)
        line_row, line_part, first_line = array("i"), array("i"), array("i")
        wraps: list[list[tuple[int, int]]] = []
        cache = self._wrap_cache
        text = session.transcript.text
        for row, position in enumerate(rows):
            key = (position, width)
            wrapped = cache.get(key)
            if wrapped is None:
                segment = session.segments[position]
                wrapped = wrap_offsets(text[segment.start : segment.end], width)
                cache[key] = wrapped
            wraps.append(wrapped)
            first_line.append(len(line_row))
            count = len(wrapped) + 2
            line_row.extend([row] * count)
            line_part.append(HEADER)
            line_part.extend(range(len(wrapped)))
            line_part.append(BLANK)
        self._layout = _Layout(rows, line_row, line_part, first_line, wraps)
        self.virtual_size = Size(width + GUTTER, len(line_row))
        return self._layout

    def on_resize(self) -> None:
        if self._layout is not None and self.virtual_size.width != self.text_width + GUTTER:
            self._layout = None
            self._wrap_cache.clear()
            self._ensure_layout()
            self._after_move()

    # -- drawing -------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        layout = self._ensure_layout()
        line = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if line >= len(layout.line_row):
            return Strip.blank(width, base)
        row = layout.line_row[line]
        part = layout.line_part[line]
        position = layout.rows[row]
        in_selection = self.selection_start is not None and min(self.selection_start, self.cursor) <= row <= max(
            self.selection_start, self.cursor
        )
        if row == self.cursor:
            marker = self.get_component_rich_style("transcript-view--cursor")
            bar = "▌"
        elif in_selection:
            marker = self.get_component_rich_style("transcript-view--selected")
            bar = "▌"
        else:
            marker, bar = base, " "
        segments = [RichSegment(bar, marker), RichSegment(" " * (GUTTER - 1), base)]
        if part == HEADER:
            segments += self._header(position, width - GUTTER, base)
        elif part >= 0:
            segments += self._text_line(position, layout.wraps[row][part], base)
        return Strip(segments).adjust_cell_length(width, base)

    def _header(self, position: int, width: int, base: Style) -> list[RichSegment]:
        session = self.session
        segment = session.segments[position]
        out = [RichSegment(f"{segment.ordinal:>4} ", self.get_component_rich_style("transcript-view--ordinal") + base)]
        used = 5
        if segment.speaker:
            speaker = segment.speaker
            out.append(RichSegment(speaker, base + self.get_component_rich_style("transcript-view--speaker")))
            used += cell_len(speaker)
        if segment.id in session.unsaved:
            # A change the busy project file has not taken yet: unlike the chips, not saved.
            flag = " ⧗ not saved "
            out.append(RichSegment(" ", base))
            out.append(RichSegment(flag, base + self.get_component_rich_style("transcript-view--unsaved")))
            used += 1 + cell_len(flag)
        notes = ""
        if segment.id in session.memos:
            notes += " ✎ memo"
        if session.passage_memos and session.passage_memos_overlapping(segment.start, segment.end):
            notes += " ✎ memo on a passage"
        if any((segment.id, c) in session.starred for c in session.codes[position]):
            notes += " ★"
        if notes:
            out.append(RichSegment(notes, base + self.get_component_rich_style("transcript-view--note")))
            used += cell_len(notes)
        codes = [c for c in session.codebook.codes if c.id in session.codes[position]]
        for i, code in enumerate(codes):
            chip = f" {code.name} "
            later = len(codes) - i - 1
            room = width - used - 1 - (cell_len(f" +{later}") if later else 0)
            if cell_len(chip) > room:
                if room < 8:
                    out.append(RichSegment(f" +{len(codes) - i}", base))
                    break
                # a name cut short still says which code it is; only what cannot show at all becomes "+n"
                chip = f" {code.name[: room - 3].rstrip()}… "
            out.append(RichSegment(" ", base))
            out.append(RichSegment(chip, chip_style(code.colour)))
            used += 1 + cell_len(chip)
        return out

    def _text_line(self, position: int, span: tuple[int, int], base: Style) -> list[RichSegment]:
        """One wrapped line of a segment's text: coded passages in their code's colour (underlined, bold where
        two overlap), search hits marked, and the word cursor or its selection reversed."""
        session = self.session
        text = session.text(position)
        start, end = span
        offset = session.segments[position].start
        marks: list[tuple[int, int, Style]] = []
        for a, b, code_id in session.spans_overlapping(offset + start, offset + end):
            code = session.codebook.get(code_id)
            marks.append((a - offset, b - offset, passage_style(code.colour if code else "")))
        for hit in self._hits_by_position.get(position, ()):
            marks.append((hit.start, hit.end, self.get_component_rich_style("transcript-view--hit")))
        if self.word_mode:
            chosen = self.passage()
            if chosen:
                marks.append(
                    (chosen[0] - offset, chosen[1] - offset, self.get_component_rich_style("transcript-view--word"))
                )
        marks = [(max(a, start), min(b, end), style) for a, b, style in marks if a < end and b > start]
        if not marks:
            return [RichSegment(text[start:end], base)]
        cuts = sorted({start, end, *(a for a, _b, _s in marks), *(b for _a, b, _s in marks)})
        out: list[RichSegment] = []
        for a, b in zip(cuts, cuts[1:], strict=False):
            covering = [style for lo, hi, style in marks if lo <= a and b <= hi]
            style = base
            coded = sum(1 for s in covering if s.underline)
            for extra in covering:
                style += extra
            if coded > 1:
                style += Style(bold=True)
            out.append(RichSegment(text[a:b], style))
        return out

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.refresh()


def _index(rows: list[int], position: int) -> int | None:
    """Where ``position`` is in the sorted ``rows``, by bisection."""
    from bisect import bisect_left

    i = bisect_left(rows, position)
    return i if i < len(rows) and rows[i] == position else None


def _column_to_offset(text: str, start: int, end: int, column: int) -> int:
    """The offset in ``text`` of the character drawn at ``column`` of the line ``text[start:end]``.

    A line is drawn as its characters one after another (`_text_line`), so the
    column is found by adding up their cells: a wide character (CJK, most
    emoji) takes two columns, both of which give it, and a combining mark
    takes none, so its column gives the letter it sits on. Columns left of the
    line give its first character, columns past its end its last.
    """
    if end <= start or column <= 0:
        return start
    line = text[start:end]
    if line.isascii():
        return start + min(column, len(line) - 1)
    used = 0
    for i, character in enumerate(line):
        used += cell_len(character)
        if used > column:
            return start + i
    return end - 1
