"""The memo manager: every memo (on segments, passages and codes) with where it stands, searchable and
filtered by code, transcript and author, and the project's journal."""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

from qualcode.core.codebook import codebook_of
from qualcode.core.errors import BadInput
from qualcode.core.store import Store


@dataclass(frozen=True)
class MemoView:
    """A memo as the manager lists it."""

    author: str
    kind: str
    """"segment", "passage" or "code"."""
    text: str
    updated_at: str
    transcript: str = ""
    segment: int = 0
    """The ordinal of the segment a memo on a segment or passage stands in; 0 for a code's memo."""
    code: str = ""
    """The code's path, for a memo on a code; the codes the author gave the place, for the others."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "author": self.author,
            "kind": self.kind,
            "transcript": self.transcript,
            "segment": self.segment,
            "code": self.code,
            "updated_at": self.updated_at,
            "text": self.text,
        }


def memos(
    store: Store,
    *,
    author: str | None = None,
    code: str | None = None,
    transcript: str | None = None,
    containing: str | None = None,
) -> list[MemoView]:
    """Every memo, or those of ``author``, on (or on passages coded with) ``code`` and the codes under it, in
    ``transcript``, or whose text contains ``containing`` (any case); in reading order, codes' memos first."""
    book = codebook_of(store)
    wanted: set[str] | None = None
    if code is not None:
        found = book.find(code)
        if found is None:
            raise BadInput("no such code in the codebook (give its path, unique name or id)", where=code)
        wanted = {found.id, *(d.id for d in book.descendants(found.id))}
    if author is not None:
        store.codings.check_known(author)
    summaries = {t.id: t for t in store.transcripts.summaries()}
    if transcript is not None and transcript not in {t.name for t in summaries.values()}:
        raise BadInput("no such transcript in this project", where=transcript)
    bounds: dict[int, tuple[list[int], list[int]]] = {}
    segment_place: dict[int, tuple[int, int]] = {}  # segment id → (transcript id, ordinal)
    for segment_id, tid, ordinal, _start in _segments(store):
        segment_place[segment_id] = (tid, ordinal)
    located: dict[str, dict[tuple[int, int], set[str]]] = {}
    out = []
    needle = containing.casefold() if containing else None
    for row in store.memos.every(author):
        if needle and needle not in row.text.casefold():
            continue
        if row.kind == "code":
            if wanted is not None and row.code_id not in wanted:
                continue
            if transcript is not None:
                continue
            path = book.path(row.code_id) if row.code_id and book.get(row.code_id) else ""
            out.append(MemoView(row.coder, "code", row.text, row.updated_at, code=path))
            continue
        if row.kind == "segment":
            tid, ordinal = segment_place.get(row.segment_id or -1, (-1, 0))
        else:
            tid = row.transcript_id if row.transcript_id is not None else -1
            if tid not in bounds:
                segments = store.transcripts.segments(tid)
                bounds[tid] = ([s.start for s in segments], [s.ordinal for s in segments])
            starts, ordinals = bounds[tid]
            ordinal = ordinals[max(bisect.bisect_right(starts, row.start or 0) - 1, 0)] if ordinals else 0
        if tid not in summaries or (transcript is not None and summaries[tid].name != transcript):
            continue
        # the codes the author gave the place the memo is on
        coded = located.setdefault(row.coder, _coded_places(store, row.coder))
        codes = coded.get((tid, ordinal), set())
        if wanted is not None and not codes & wanted:
            continue
        names = ", ".join(sorted(book.path(c) for c in codes if book.get(c)))
        out.append(MemoView(row.coder, row.kind, row.text, row.updated_at, summaries[tid].name, ordinal, names))
    out.sort(key=lambda m: (m.kind != "code", m.code if m.kind == "code" else "", m.transcript, m.segment, m.author))
    return out


def _segments(store: Store) -> list[tuple[int, int, int, int]]:
    return [(s.id, s.transcript_id, s.ordinal, s.start) for s in store.transcripts.all_segments()]


def _coded_places(store: Store, coder: str) -> dict[tuple[int, int], set[str]]:
    """Per (transcript id, segment ordinal), the codes a coder gave it (whole or in part)."""
    out: dict[tuple[int, int], set[str]] = {}
    for row in store.codings.located(coder):
        out.setdefault((row.transcript_id, row.ordinal), set()).add(row.code_id)
    return out
