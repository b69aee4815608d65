"""Retrieval: every passage coded with a code (and the codes under it), across transcripts.

What MAXQDA calls retrieved segments and NVivo opens as a node: each passage
with its participant, transcript, segment and coder, in reading order. A
whole-segment coding is its segment; a span coding is its exact passage. A
coder's view holds only that coder's codings (blinding); the lead's view, with
no coder named, holds every coder's, so two coders' passages of one segment
stand side by side. Participants can be chosen by their attributes.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Mapping
from typing import Any, NamedTuple

from qualcode.core.codebook import codebook_of
from qualcode.core.errors import BadInput
from qualcode.core.store import Store


class Passage(NamedTuple):
    """One coded passage, where it stands and who coded it (a tuple: a code may have tens of thousands)."""

    participant: str
    transcript: str
    transcript_id: int
    segment: int
    """The ordinal of the segment the passage starts in."""
    coder: str
    code_id: str
    code: str
    """The code's path, Theme/Subtheme/Code."""
    start: int
    end: int
    text: str
    starred: bool
    segment_id: int | None
    """The segment, for a whole-segment coding; None for a span coding."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "participant": self.participant,
            "transcript": self.transcript,
            "segment": self.segment,
            "coder": self.coder,
            "code": self.code,
            "start": self.start,
            "end": self.end,
            "whole_segment": self.segment_id is not None,
            "starred": self.starred,
            "text": self.text,
        }


def retrieve(
    store: Store,
    code: str,
    *,
    coder: str | None = None,
    where: Mapping[str, str] | None = None,
    below: bool = True,
) -> list[Passage]:
    """The passages of a code (by path, unique name or id) and, with ``below``, of every code under it.

    ``coder`` limits them to one coder's codings; ``where`` to participants
    whose attributes have these values. An unknown code, coder or attribute is
    a `BadInput` naming it.
    """
    book = codebook_of(store)
    found = book.find(code)
    if found is None:
        raise BadInput("no such code in the codebook (give its path, unique name or id)", where=code)
    if coder is not None:
        store.codings.check_known(coder)
    ids = [found.id, *(d.id for d in book.descendants(found.id))] if below else [found.id]
    transcripts = {t.id: t for t in store.transcripts.summaries()}
    chosen = _participants(store, where or {})
    rows = store.codings.of_codes(ids, coder)
    wanted = sorted({r[0] for r in rows if chosen is None or (transcripts[r[0]].participant or "") in chosen})
    # one query for the texts and one for the segments of all the transcripts the passages stand in
    texts = store.search_index.texts(wanted)
    # segments are numbered 1, 2, … in reading order, so a segment's number is its place in the list plus one
    starts = {tid: [start for start, _end in spans] for tid, spans in store.transcripts.segment_spans(wanted).items()}
    paths = {i: book.path(i) for i in ids}
    out = []
    for tid, start, end, code_id, who, starred, segment_id in rows:
        if tid not in texts:
            continue
        bounds = starts.get(tid, [])
        t = transcripts[tid]
        out.append(
            Passage(
                t.participant or "",
                t.name,
                tid,
                max(bisect.bisect_right(bounds, start), 1) if bounds else 0,
                who,
                code_id,
                paths[code_id],
                start,
                end,
                texts[tid][start:end],
                bool(starred),
                segment_id,
            )
        )
    return out


def _participants(store: Store, where: Mapping[str, str]) -> set[str] | None:
    """The participants whose attributes match ``where``; None when nothing is asked."""
    if not where:
        return None
    people = store.participants.all()
    known = {k for p in people for k in p.attributes}
    for key in where:
        if key not in known:
            raise BadInput(
                f"no participant attribute '{key}' (attributes: {', '.join(sorted(known)) or 'none'})", where="--where"
            )
    return {p.id for p in people if all(str(p.attributes.get(k, "")) == v for k, v in where.items())}


def by_coder(passages: list[Passage]) -> dict[str, int]:
    """How many passages each coder has, for a summary line."""
    counts: dict[str, int] = defaultdict(int)
    for p in passages:
        counts[p.coder] += 1
    return dict(counts)
