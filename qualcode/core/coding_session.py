"""One coder at work on one transcript: toggling codes, memos, stars, undo and redo.

The workbench is a face on this class; everything it does to the project goes
through here, so it works the same from Python and is tested without a screen.
Every change is written to the project file in its own transaction the moment
it is made: killing the program loses at most the change in flight.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qualcode.core.codebook import Codebook, codebook_from_codes
from qualcode.core.errors import BadInput
from qualcode.core.model import Segment, Transcript
from qualcode.core.store import Store


@dataclass(frozen=True)
class Edit:
    """One undoable change: codes put on or taken off segments, a memo, or a star."""

    kind: str  # "code" | "memo" | "star"
    segment_ids: tuple[int, ...]
    code_id: str = ""
    added: bool = True
    before: str = ""
    after: str = ""

    def describe(self, codebook: Codebook) -> str:
        """A short sentence for the status line."""
        n = len(self.segment_ids)
        where = f"{n} segments" if n > 1 else "the segment"
        if self.kind == "code":
            code = codebook.get(self.code_id)
            name = code.name if code else self.code_id
            return f"{name} {'applied to' if self.added else 'taken off'} {where}"
        if self.kind == "memo":
            return "memo saved" if self.after else "memo removed"
        return "quote starred" if self.after else "star removed"


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
        self.codes: list[set[str]] = [set() for _ in self.segments]
        """Per segment position, the code ids this coder applied."""
        for segment_id, code_id in store.codings.pairs(coder, found.id):
            self.codes[self.index_of[segment_id]].add(code_id)
        self.memos: dict[int, str] = {
            sid: text for sid, text in store.memos.of_coder(coder).items() if sid in self.index_of
        }
        self.starred: set[tuple[int, str]] = store.codings.starred(coder, found.id)
        self._undo: list[Edit] = []
        self._redo: list[Edit] = []

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
        if self.codebook.get(code_id) is None:
            raise BadInput("no such code in the codebook", where=code_id)
        positions = sorted(set(indices))
        if not positions:
            raise BadInput("no segment chosen")
        remove = all(code_id in self.codes[i] for i in positions)
        changed = [i for i in positions if (code_id in self.codes[i]) == remove]
        edit = Edit("code", tuple(self.segments[i].id for i in changed), code_id, added=not remove)
        self._apply(edit)
        self._undo.append(edit)
        self._redo.clear()
        return edit

    def set_memo(self, index: int, text: str) -> Edit:
        segment_id = self.segments[index].id
        edit = Edit("memo", (segment_id,), before=self.memos.get(segment_id, ""), after=text.strip())
        self._apply(edit)
        self._undo.append(edit)
        self._redo.clear()
        return edit

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
        if not self._undo:
            return None
        edit = self._undo.pop()
        self._apply(_inverse(edit))
        self._redo.append(edit)
        return edit

    def redo(self) -> Edit | None:
        if not self._redo:
            return None
        edit = self._redo.pop()
        self._apply(edit)
        self._undo.append(edit)
        return edit

    def refresh_codebook(self) -> None:
        """Read the codebook and this coder's codings again after the codebook was edited."""
        self.codebook = codebook_from_codes(self.store.codebook.codes())
        self.codes = [set() for _ in self.segments]
        for segment_id, code_id in self.store.codings.pairs(self.coder, self.transcript.id):
            self.codes[self.index_of[segment_id]].add(code_id)

    def _apply(self, edit: Edit) -> None:
        """Write the edit to the project file first, then to the in-memory view of it."""
        if edit.kind == "code":
            rows = [(sid, edit.code_id) for sid in edit.segment_ids]
            if edit.added:
                self.store.codings.add_many(rows, self.coder)
            else:
                self.store.codings.remove_many(rows, self.coder)
            for sid in edit.segment_ids:
                codes = self.codes[self.index_of[sid]]
                (codes.add if edit.added else codes.discard)(edit.code_id)
                if not edit.added:
                    self.starred.discard((sid, edit.code_id))
        elif edit.kind == "memo":
            sid = edit.segment_ids[0]
            self.store.memos.set_on_segment(sid, self.coder, edit.after)
            if edit.after:
                self.memos[sid] = edit.after
            else:
                self.memos.pop(sid, None)
        else:
            sid = edit.segment_ids[0]
            star = bool(edit.after)
            codes = self.codes[self.index_of[sid]]
            with self.store.transaction():
                for code_id in codes:
                    self.store.codings.set_starred(sid, code_id, self.coder, star)
            for code_id in codes:
                (self.starred.add if star else self.starred.discard)((sid, code_id))


def _inverse(edit: Edit) -> Edit:
    if edit.kind == "code":
        return Edit("code", edit.segment_ids, edit.code_id, added=not edit.added)
    return Edit(edit.kind, edit.segment_ids, edit.code_id, before=edit.after, after=edit.before)
