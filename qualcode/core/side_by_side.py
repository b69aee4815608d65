"""Two coders' codes side by side on each segment of a transcript: the lead's read-only view after the
merge, to see where and how they differ before resolving."""

from __future__ import annotations

from dataclasses import dataclass

from qualcode.core.codebook import codebook_of
from qualcode.core.errors import BadInput
from qualcode.core.store import Store


@dataclass(frozen=True)
class SegmentCodes:
    ordinal: int
    speaker: str | None
    text: str
    codes_a: tuple[str, ...]
    """Coder A's codes on the segment (whole or on a passage of it), by name, in codebook order."""
    codes_b: tuple[str, ...]

    @property
    def same(self) -> bool:
        return self.codes_a == self.codes_b


def side_by_side(store: Store, coder_a: str, coder_b: str, transcript: str) -> list[SegmentCodes]:
    """Every segment of the transcript with both coders' codes; an unknown coder or transcript is refused."""
    store.codings.check_known(coder_a, coder_b)
    if coder_a == coder_b:
        raise BadInput("compare two different coders", where=coder_a)
    found = store.transcripts.get(transcript)
    if found is None:
        raise BadInput("no such transcript in this project", where=transcript)
    book = codebook_of(store)
    order = {c.id: i for i, (c, _d) in enumerate(book.walk())}
    codes: dict[str, dict[int, set[str]]] = {coder_a: {}, coder_b: {}}
    for coder in (coder_a, coder_b):
        for row in store.codings.located(coder):
            if row.transcript_id == found.id:
                codes[coder].setdefault(row.segment_id, set()).add(row.code_id)

    def names(coder: str, segment_id: int) -> tuple[str, ...]:
        ids = sorted(codes[coder].get(segment_id, set()), key=lambda c: order.get(c, len(order)))
        return tuple(book.get(c).name if book.get(c) else c for c in ids)  # type: ignore[union-attr]

    return [
        SegmentCodes(s.ordinal, s.speaker, found.text[s.start : s.end], names(coder_a, s.id), names(coder_b, s.id))
        for s in store.transcripts.segments(found.id)
    ]
