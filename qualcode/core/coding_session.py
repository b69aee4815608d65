"""One coder at work on one transcript: toggling codes, memos, stars, undo and redo.

The workbench is a face on this class; everything it does to the project goes
through here, so it works the same from Python and is tested without a screen.
Every change is written to the project file in its own transaction the moment
it is made: killing the program loses at most the change in flight.

When another process holds the file's write lock (a long merge), a change
cannot be written at once. It is then kept, in order, in a queue of pending
changes: the coder sees it, marked as not saved, and `retry_pending` writes the
queue when the file is free. Later changes, undo and redo join the queue
behind it, so the file ends as the coder's view whatever the order of retries.
The store should be opened with a short busy timeout (a fraction of a second)
so that trying never blocks for long.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.core.codebook import Codebook, codebook_from_codes
from qualcode.core.errors import BadInput, ProjectBusy
from qualcode.core.model import Segment, Transcript, span_counts_for
from qualcode.core.spans import check_span
from qualcode.core.store import Store
from qualcode.core.store.postgres import ServerUnreachable

if TYPE_CHECKING:
    from qualcode.core.store.postgres import CodebookWatch


@dataclass(frozen=True)
class Edit:
    """One undoable change: codes put on or taken off segments, a memo, or a star."""

    kind: str  # "code" | "span" | "memo" | "passage_memo" | "star"
    segment_ids: tuple[int, ...]
    """The segments it touches (for a span: every segment it overlaps)."""
    code_id: str = ""
    added: bool = True
    before: str = ""
    after: str = ""
    span: tuple[int, int] = (0, 0)
    """A span or passage memo edit's passage: offsets into the transcript's text, end exclusive."""
    replaced: tuple[tuple[int, str], ...] = ()
    """(segment id, code id) codings the edit takes off as it adds its code (and puts back as it takes the
    code off): the code's siblings in an exclusive group."""

    def describe(self, codebook: Codebook) -> str:
        """A short sentence for the status line."""
        n = len(self.segment_ids)
        where = f"{n} segments" if n > 1 else "the segment"
        if self.kind in ("code", "span"):
            code = codebook.get(self.code_id)
            name = code.name if code else self.code_id
            if self.kind == "span":
                where = f"the passage ({self.span[1] - self.span[0]} characters)"
            text = f"{name} {'applied to' if self.added else 'taken off'} {where}"
            if self.replaced and self.added:
                others = sorted({codebook.get(c).name if codebook.get(c) else c for _s, c in self.replaced})
                text += f", in place of {', '.join(others)} (an exclusive group)"
            return text
        if self.kind in ("memo", "passage_memo"):
            on = "on the passage " if self.kind == "passage_memo" else ""
            return f"memo {on}saved" if self.after else f"memo {on}removed"
        return "quote starred" if self.after else "star removed"


@dataclass(frozen=True)
class _Write:
    """An edit as it is written to the file.

    A star's codes are taken when the star is pressed, so a star still waiting
    to be written stars exactly the codes the coder saw starred.
    """

    edit: Edit
    star_codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Hit:
    """A search hit: the segment's position in the transcript and the span inside its text."""

    index: int
    start: int
    end: int


class CodingSession:
    """A coder's codings, memos and stars on one transcript, with undo and redo."""

    def __init__(self, store: Store, coder: str, transcript: Transcript | int | str) -> None:
        if not coder.strip():
            raise BadInput("a coder needs a name; give --coder NAME")
        found = transcript if isinstance(transcript, Transcript) else store.transcripts.get(transcript)
        if found is None:
            raise BadInput("no such transcript in the project", where=str(transcript))
        self.store = store
        self.coder = coder
        self.transcript: Transcript = found
        self.codebook = codebook_from_codes(store.codebook.codes())
        self.segments: list[Segment] = store.transcripts.segments(found.id)
        self.index_of: dict[int, int] = {s.id: i for i, s in enumerate(self.segments)}
        self.whole: list[set[str]] = [set() for _ in self.segments]
        """Per segment position, the code ids this coder applied to the whole segment."""
        self.spans: set[tuple[int, int, str]] = set()
        """This coder's span codings in the transcript: (start, end, code id)."""
        self._by_start: tuple[list[int], list[tuple[int, int, str]], int] | None = None
        self.codes: list[set[str]] = [set() for _ in self.segments]
        """Per segment position, the code ids it carries: its own, and those of spans that count for it."""
        self._load_codings()
        self.memos: dict[int, str] = {
            sid: text for sid, text in store.memos.of_coder(coder).items() if sid in self.index_of
        }
        self.passage_memos: dict[tuple[int, int], str] = {
            (start, end): text for (_t, start, end), text in store.memos.passages_of(coder, found.id).items()
        }
        """This coder's memos on passages of the transcript, by (start, end)."""
        self.starred: set[tuple[int, str]] = store.codings.starred(coder, found.id)
        self._undo: list[Edit] = []
        self._redo: list[Edit] = []
        self._pending: deque[_Write] = deque()
        self.held_by: ProjectBusy | None = None
        """Why the pending changes wait: the last refusal (a busy file, or a server out of reach)."""
        self.unsaved: frozenset[int] = frozenset()
        """Ids of the segments with a change not yet written to the file."""

    def _load_codings(self) -> None:
        self.whole = [set() for _ in self.segments]
        for segment_id, code_id in self.store.codings.whole_segment_pairs(self.coder, self.transcript.id):
            if segment_id in self.index_of:
                self.whole[self.index_of[segment_id]].add(code_id)
        self.spans = {(p.start, p.end, p.code_id) for p in self.store.codings.spans(self.coder, self.transcript.id)}
        self._by_start = None
        self.codes = [set(codes) for codes in self.whole]
        self._recount(range(len(self.segments)))

    def _recount(self, positions: Iterable[int]) -> None:
        """The codes of some segments again, from their whole-segment codes and the spans that count for them."""
        self._by_start = None
        for i in positions:
            segment = self.segments[i]
            self.codes[i] = self.whole[i] | {
                code
                for start, end, code in self.spans_overlapping(segment.start, segment.end)
                if span_counts_for(segment.start, segment.end, start, end)
            }

    def spans_overlapping(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """This coder's spans that share a character with ``[start, end)``, by start.

        Read from the spans sorted by start (made again after a change), so a
        screenful of lines costs the spans on it, not all of the transcript's.
        """
        if self._by_start is None:
            ordered = sorted(self.spans)
            self._by_start = ([p[0] for p in ordered], ordered, max((p[1] - p[0] for p in ordered), default=0))
        starts, ordered, longest = self._by_start
        lo = bisect_left(starts, start - longest)
        hi = bisect_left(starts, end)
        return [p for p in ordered[lo:hi] if p[1] > start]

    def overlapping(self, start: int, end: int) -> list[int]:
        """Positions of the segments a passage overlaps (at least its first when it is empty)."""
        starts = [s.start for s in self.segments]
        first = max(bisect_right(starts, start) - 1, 0)
        out = [first]
        for i in range(first + 1, len(self.segments)):
            if self.segments[i].start >= end:
                break
            out.append(i)
        return out

    def spans_at(self, offset: int) -> list[tuple[int, int, str]]:
        """This coder's spans that hold the character at ``offset``, shortest first."""
        return sorted(self.spans_overlapping(offset, offset + 1), key=lambda p: (p[1] - p[0], p))

    # -- reading -------------------------------------------------------------

    @property
    def path(self) -> Path:
        """The project file this session writes to (a worker opens its own connection on it)."""
        return self.store.path

    def text(self, index: int) -> str:
        segment = self.segments[index]
        return self.transcript.text[segment.start : segment.end]

    def coded_count(self) -> int:
        return sum(1 for codes in self.codes if codes)

    def next_uncoded(self, after: int) -> int | None:
        """The next segment after ``after`` that carries none of this coder's codes, wrapping round."""
        n = len(self.segments)
        for step in range(1, n + 1):
            i = (after + step) % n
            if not self.codes[i]:
                return i
        return None

    def with_code(self, code_id: str) -> list[int]:
        """Positions of the segments carrying ``code_id`` or any code under it."""
        wanted = {code_id, *(c.id for c in self.codebook.descendants(code_id))}
        return [i for i, codes in enumerate(self.codes) if codes & wanted]

    def search(self, query: str) -> list[Hit]:
        """Case-insensitive hits of a word or phrase, in reading order.

        Runs of white space in the query match any white space, so a phrase
        broken over a line still counts.
        """
        words = query.split()
        if not words:
            return []
        pattern = re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)
        text = self.transcript.text
        hits = []
        for i, segment in enumerate(self.segments):
            for m in pattern.finditer(text, segment.start, segment.end):
                hits.append(Hit(i, m.start() - segment.start, m.end() - segment.start))
        return hits

    # -- changing ------------------------------------------------------------

    def toggle(self, indices: Iterable[int], code_id: str) -> Edit:
        """Put a code on the segments, or take it off when every one of them has it."""
        self._check_codable(code_id)
        positions = sorted(set(indices))
        if not positions:
            raise BadInput("no segment chosen")
        remove = all(code_id in self.whole[i] for i in positions)
        changed = [i for i in positions if (code_id in self.whole[i]) == remove]
        rivals = set() if remove else self._rivals(code_id)
        replaced = tuple((self.segments[i].id, c) for i in changed for c in sorted(self.whole[i] & rivals))
        edit = Edit("code", tuple(self.segments[i].id for i in changed), code_id, added=not remove, replaced=replaced)
        self._apply(edit)
        self._undo.append(edit)
        self._redo.clear()
        return edit

    def _check_codable(self, code_id: str) -> None:
        code = self.codebook.get(code_id)
        if code is None:
            raise BadInput("no such code in the codebook", where=code_id)
        if not code.codable:
            raise BadInput("is a folder of codes, not a code to apply; choose a code under it", where=code.name)

    def _rivals(self, code_id: str) -> set[str]:
        """The codes a code excludes: in each exclusive group above it, the codes under the group's other
        children (and those children)."""
        book = self.codebook
        out: set[str] = set()
        child = book.get(code_id)
        while child is not None and child.parent_id is not None:
            group = book.get(child.parent_id)
            if group is not None and group.exclusive:
                for other in book.children(group.id):
                    if other.id != child.id:
                        out |= {other.id, *(d.id for d in book.descendants(other.id))}
            child = group
        return out

    def toggle_span(self, start: int, end: int, code_id: str) -> Edit:
        """Code the exact passage ``[start, end)`` (offsets into the transcript), or take that coding off.

        A passage that is exactly one segment is that segment's coding.
        """
        self._check_codable(code_id)
        check_span(self.transcript.text, start, end, where=self.transcript.name)
        touched = self.overlapping(start, end)
        exact = [i for i in touched if (self.segments[i].start, self.segments[i].end) == (start, end)]
        if exact:
            return self.toggle(exact, code_id)
        added = (start, end, code_id) not in self.spans
        edit = Edit("span", tuple(self.segments[i].id for i in touched), code_id, added=added, span=(start, end))
        self._apply(edit)
        self._undo.append(edit)
        self._redo.clear()
        return edit

    def code_memo(self, code_id: str) -> str:
        """The coder's memo on a code, beside its definition."""
        return self.store.memos.on_code(code_id, self.coder)

    def set_code_memo(self, code_id: str, text: str) -> None:
        """Write (or with empty text, remove) the coder's memo on a code; saved at once."""
        self.store.memos.set_on_code(code_id, self.coder, text.strip())

    def set_memo(self, index: int, text: str) -> Edit:
        segment_id = self.segments[index].id
        edit = Edit("memo", (segment_id,), before=self.memos.get(segment_id, ""), after=text.strip())
        self._apply(edit)
        self._undo.append(edit)
        self._redo.clear()
        return edit

    def set_passage_memo(self, start: int, end: int, text: str) -> Edit:
        """Write (or with empty text, remove) the memo on a passage: offsets into the transcript's text."""
        check_span(self.transcript.text, start, end, where=self.transcript.name)
        touched = tuple(self.segments[i].id for i in self.overlapping(start, end))
        if not touched:
            raise BadInput(f"the passage {start}–{end} lies between segments; choose words of a segment")
        edit = Edit(
            "passage_memo",
            touched,
            before=self.passage_memos.get((start, end), ""),
            after=text.strip(),
            span=(start, end),
        )
        self._apply(edit)
        self._undo.append(edit)
        self._redo.clear()
        return edit

    def passage_memos_overlapping(self, start: int, end: int) -> list[tuple[int, int]]:
        """The passages with a memo that overlap ``[start, end)``, in order."""
        return sorted(p for p in self.passage_memos if p[0] < end and p[1] > start)

    @property
    def done(self) -> bool:
        """Whether this coder marked the transcript done (it then enters the agreement report)."""
        return self.transcript.id in self.store.codings.done(self.coder)

    def set_done(self, done: bool) -> None:
        """Mark the transcript done for this coder, or take the mark off (written at once)."""
        with self.store.transaction():
            self.store.codings.mark_done([self.transcript.id], self.coder, done)
            self.store.audit.log(self.coder, "transcripts.done" if done else "transcripts.undone", self.transcript.name)

    def toggle_star(self, index: int) -> Edit:
        """Mark the segment's codings as a quote the lead wants in the report, or unmark them."""
        segment_id = self.segments[index].id
        codes = self.codes[index]
        if not codes:
            raise BadInput("code the segment before starring it as a quote")
        starred = any((segment_id, c) in self.starred for c in codes)
        edit = Edit("star", (segment_id,), before="1" if starred else "", after="" if starred else "1")
        self._apply(edit)
        self._undo.append(edit)
        self._redo.clear()
        return edit

    def undo(self) -> Edit | None:
        """Take back the last change; while it is still pending, its inverse joins the queue behind it."""
        if not self._undo:
            return None
        edit = self._undo[-1]
        self._apply(_inverse(edit))
        self._redo.append(self._undo.pop())
        return edit

    def redo(self) -> Edit | None:
        if not self._redo:
            return None
        edit = self._redo[-1]
        self._apply(edit)
        self._undo.append(self._redo.pop())
        return edit

    # -- changes not yet written -------------------------------------------------

    @property
    def pending_count(self) -> int:
        """How many changes the coder made that are not yet in the project file."""
        return len(self._pending)

    @property
    def pending(self) -> list[Edit]:
        """The changes not yet written, oldest first."""
        return [w.edit for w in self._pending]

    def retry_pending(self) -> list[Edit]:
        """Write the pending changes in the order they were made, as many as the file lets through.

        Tries without waiting: called again and again while the file is busy
        (the workbench does so twice a second), it must cost nothing then.
        Returns the changes written. Stops at the first one the file is still
        too busy for (it stays first in the queue); any other error is raised
        with that change still queued, never dropped.
        """
        written: list[Edit] = []
        if not self._pending:
            return written
        try:
            with self.store.database.waiting_at_most(0):
                while self._pending:
                    self._write(self._pending[0])
                    written.append(self._pending.popleft().edit)
        except ProjectBusy as e:
            # Still busy: what was not written stays first in the queue for the next try.
            self.held_by = e
            return written
        finally:
            if written:
                self._note_unsaved()
        return written

    @property
    def connection_lost(self) -> bool:
        """Are the pending changes waiting for a server that does not answer (rather than a busy file)?"""
        return bool(self._pending) and isinstance(self.held_by, ServerUnreachable)

    def watch_codebook(self) -> CodebookWatch | None:
        """On a server study, a watch that hears anyone's committed codebook edit; None for a project file."""
        return self.store.watch_codebook()

    def refresh_codebook(self) -> None:
        """Read the codebook and this coder's codings again after the codebook was edited."""
        self.codebook = codebook_from_codes(self.store.codebook.codes())
        self._load_codings()
        # The file lacks what is still pending; the coder's view keeps it.
        for write in self._pending:
            self._show(write)

    def _apply(self, edit: Edit) -> None:
        """Write the edit to the project file, then show it; queue it when the file is busy.

        With nothing pending, a failure other than a busy file leaves both the
        file and the view as they were. With changes pending, the edit only
        joins the queue behind them (`retry_pending` writes it), so the file
        sees every change in the order it was made and a key pressed while the
        file is busy does not wait for it again.
        """
        star_codes = tuple(sorted(self.codes[self.index_of[edit.segment_ids[0]]])) if edit.kind == "star" else ()
        write = _Write(edit, star_codes)
        if self._pending:
            self._queue(write)
        else:
            try:
                self._write(write)
            except ProjectBusy as e:
                self.held_by = e
                self._queue(write)
        self._show(write)

    def _queue(self, write: _Write) -> None:
        self._pending.append(write)
        self._note_unsaved()

    def _note_unsaved(self) -> None:
        self.unsaved = frozenset(sid for w in self._pending for sid in w.edit.segment_ids)

    def _write(self, write: _Write) -> None:
        """Write one change to the project file in one transaction (`ProjectBusy` when the file is busy)."""
        edit = write.edit
        with self.store.transaction():
            if edit.kind == "code":
                rows = [(sid, edit.code_id) for sid in edit.segment_ids]
                if edit.added:
                    self.store.codings.remove_many(edit.replaced, self.coder)
                    self.store.codings.add_many(rows, self.coder)
                else:
                    self.store.codings.remove_many(rows, self.coder)
                    self.store.codings.add_many(edit.replaced, self.coder)
            elif edit.kind == "span":
                start, end = edit.span
                if edit.added:
                    self.store.codings.add_span(self.transcript.id, start, end, edit.code_id, self.coder)
                else:
                    self.store.codings.remove_span(self.transcript.id, start, end, edit.code_id, self.coder)
            elif edit.kind == "memo":
                self.store.memos.set_on_segment(edit.segment_ids[0], self.coder, edit.after)
            elif edit.kind == "passage_memo":
                self.store.memos.set_on_passage(self.transcript.id, *edit.span, self.coder, edit.after)
            else:
                index = self.index_of[edit.segment_ids[0]]
                segment = self.segments[index]
                for code_id in write.star_codes:
                    if code_id in self.whole[index]:
                        self.store.codings.set_starred(segment.id, code_id, self.coder, bool(edit.after))
                    # and the spans of the code that count for the segment
                    for start, end, code in self.spans:
                        if code == code_id and span_counts_for(segment.start, segment.end, start, end):
                            self.store.codings.set_span_starred(
                                self.transcript.id, start, end, code_id, self.coder, bool(edit.after)
                            )

    def _show(self, write: _Write) -> None:
        """Bring the in-memory view (what the coder sees) up to the change."""
        edit = write.edit
        if edit.kind == "code":
            for sid, code_id in edit.replaced:
                whole = self.whole[self.index_of[sid]]
                (whole.discard if edit.added else whole.add)(code_id)
            for sid in edit.segment_ids:
                whole = self.whole[self.index_of[sid]]
                (whole.add if edit.added else whole.discard)(edit.code_id)
            self._recount(self.index_of[sid] for sid in edit.segment_ids)
            if not edit.added:
                for sid in edit.segment_ids:
                    if edit.code_id not in self.codes[self.index_of[sid]]:
                        self.starred.discard((sid, edit.code_id))
        elif edit.kind == "span":
            (self.spans.add if edit.added else self.spans.discard)((*edit.span, edit.code_id))
            self._by_start = None
            self._recount(self.index_of[sid] for sid in edit.segment_ids)
        elif edit.kind == "memo":
            sid = edit.segment_ids[0]
            if edit.after:
                self.memos[sid] = edit.after
            else:
                self.memos.pop(sid, None)
        elif edit.kind == "passage_memo":
            if edit.after:
                self.passage_memos[edit.span] = edit.after
            else:
                self.passage_memos.pop(edit.span, None)
        else:
            sid = edit.segment_ids[0]
            for code_id in write.star_codes:
                (self.starred.add if edit.after else self.starred.discard)((sid, code_id))


def _inverse(edit: Edit) -> Edit:
    if edit.kind in ("code", "span"):
        return Edit(
            edit.kind, edit.segment_ids, edit.code_id, added=not edit.added, span=edit.span, replaced=edit.replaced
        )
    return Edit(edit.kind, edit.segment_ids, edit.code_id, before=edit.after, after=edit.before, span=edit.span)
