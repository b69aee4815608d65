"""The lead's resolution of two coders' disagreements into the consensus.

Where the coders gave a segment the same codes on the same passages, those
codings go into the consensus by themselves (`auto_agree`); every other
segment is a disagreement in the queue, which the lead decides: A's codes, B's
codes, both (for a code both gave, the union of their passages), the
intersection (the codes both gave, on the characters both coded), neither, or
an edited set with passages of the lead's own, with a note. A disagreement may
be a span difference alone: the same code, coded on different extents. Each
decision is kept (who, when, what, on which passages, why), so a segment can
be decided again and its history read back. The consensus is what the exports
use.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from qualcode.core.errors import BadInput
from qualcode.core.model import CONSENSUS, Extent, span_counts_for
from qualcode.core.spans import span_problem
from qualcode.core.store import Store

CHOICES = ("a", "b", "both", "intersection", "neither", "edit")


def merged(passages: Iterable[tuple[int, int]]) -> Extent:
    """The union of passages, as sorted passages that neither overlap nor touch."""
    out: list[tuple[int, int]] = []
    for start, end in sorted(passages):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return tuple(out)


def common(a: Extent, b: Extent) -> Extent:
    """The characters both sets of passages cover, as sorted passages."""
    a, b = merged(a), merged(b)
    out = []
    for sa, ea in a:
        for sb, eb in b:
            start, end = max(sa, sb), min(ea, eb)
            if end > start:
                out.append((start, end))
    return merged(out)


@dataclass(frozen=True)
class Decision:
    """One decision of the lead on a segment."""

    lead: str
    choice: str  # a | b | both | intersection | neither | edit | agreed
    codes: tuple[str, ...]
    note: str
    decided_at: str
    spans: Mapping[str, Extent] = field(default_factory=dict)
    """The passages of codes the consensus got on part of the segment (or beyond it); others: the whole."""


@dataclass(frozen=True)
class Disagreement:
    """A segment the two coders coded differently, with what each did and what the lead decided.

    ``extents_a`` and ``extents_b`` say where each coder's codes lie: the
    segment's own bounds for a whole-segment coding, else the passages (in
    full, also where they run on past the segment).
    """

    segment_id: int
    transcript: str
    ordinal: int
    speaker: str | None
    codes_a: frozenset[str]
    codes_b: frozenset[str]
    history: tuple[Decision, ...] = ()
    start: int = 0
    end: int = 0
    extents_a: Mapping[str, Extent] = field(default_factory=dict)
    extents_b: Mapping[str, Extent] = field(default_factory=dict)
    memo_a: str = ""
    """A's memo on the segment."""
    memo_b: str = ""
    starred_a: frozenset[str] = frozenset()
    """The codes A starred as a quote on the segment."""
    starred_b: frozenset[str] = frozenset()

    @property
    def decision(self) -> Decision | None:
        """The decision that counts: the newest."""
        return self.history[-1] if self.history else None

    @property
    def span_differences(self) -> frozenset[str]:
        """The codes both coders gave the segment, on different passages."""
        both = self.codes_a & self.codes_b
        return frozenset(c for c in both if self.extents_a.get(c) != self.extents_b.get(c))

    def extent(self, side: str, code_id: str) -> Extent:
        """Where one coder (``"a"`` or ``"b"``) put a code; the whole segment when not told otherwise."""
        extents = self.extents_a if side == "a" else self.extents_b
        return extents.get(code_id, ((self.start, self.end),))

    def is_whole(self, extent: Extent) -> bool:
        return extent == ((self.start, self.end),)


class Resolution:
    """Two coders' work on a project, compared segment by segment for the lead."""

    def __init__(self, store: Store, coder_a: str, coder_b: str, lead: str) -> None:
        store.codings.check_known(coder_a, coder_b)
        if coder_a == coder_b:
            raise BadInput("resolve between two different coders", where=coder_a)
        if CONSENSUS in (coder_a, coder_b):
            raise BadInput("the consensus is what resolution writes; name two coders", where="--coders")
        if not lead.strip():
            raise BadInput("the lead needs a name", where="--lead")
        self.store = store
        self.coder_a = coder_a
        self.coder_b = coder_b
        self.lead = lead.strip()
        self.queue: list[Disagreement] = []
        """Every disagreement, in reading order."""
        self.reload()

    def _extents(self, coder: str) -> dict[int, dict[str, Extent]]:
        """Per segment, where a coder's codes lie on it."""
        out: dict[int, dict[str, Extent]] = defaultdict(dict)
        for (segment_id, code_id), extent in self.store.codings.extents(coder).items():
            out[segment_id][code_id] = extent
        return out

    def _stars(self, coder: str) -> dict[int, set[str]]:
        """Per segment, the codes a coder starred on it as a quote (whole-segment codings and spans)."""
        out: dict[int, set[str]] = defaultdict(set)
        for row in self.store.codings.located(coder):
            if row.starred:
                out[row.segment_id].add(row.code_id)
        return out

    def reload(self) -> None:
        """Read both coders' codings, memos and stars, and the decisions again."""
        a, b = self._extents(self.coder_a), self._extents(self.coder_b)
        self._memo = {c: self.store.memos.of_coder(c) for c in (self.coder_a, self.coder_b)}
        self._star = {c: self._stars(c) for c in (self.coder_a, self.coder_b)}
        history: dict[int, list[Decision]] = defaultdict(list)
        for d in self.store.decisions.between(self.coder_a, self.coder_b):
            history[d.segment_id].append(Decision(d.lead, d.choice, tuple(d.codes), d.note, d.decided_at, d.spans))
        self._agreed = {s: extents for s, extents in a.items() if b.get(s) == extents}
        names = {t.id: t.name for t in self.store.transcripts.summaries()}
        queue = []
        self._bounds: dict[int, tuple[int, int]] = {}
        for segment in self.store.transcripts.all_segments():
            self._bounds[segment.id] = (segment.start, segment.end)
            extents_a = a.get(segment.id, {})
            extents_b = b.get(segment.id, {})
            if extents_a != extents_b:
                whole = ((segment.start, segment.end),)
                queue.append(
                    Disagreement(
                        segment.id,
                        names[segment.transcript_id],
                        segment.ordinal,
                        segment.speaker,
                        frozenset(extents_a),
                        frozenset(extents_b),
                        tuple(history.get(segment.id, ())),
                        segment.start,
                        segment.end,
                        {c: e for c, e in extents_a.items() if e != whole},
                        {c: e for c, e in extents_b.items() if e != whole},
                        self._memo[self.coder_a].get(segment.id, ""),
                        self._memo[self.coder_b].get(segment.id, ""),
                        frozenset(self._star[self.coder_a].get(segment.id, ())),
                        frozenset(self._star[self.coder_b].get(segment.id, ())),
                    )
                )
        self.queue = queue

    def auto_agree(self) -> int:
        """Put what both coders gave a segment (the same codes on the same passages) into the consensus;
        returns how many segments were added.

        A segment the lead has already decided, or whose consensus already
        holds those codings, is left alone, so this can run every time the
        resolution opens.
        """
        decided = {d.segment_id for d in self.store.decisions.between(self.coder_a, self.coder_b)}
        consensus = self._extents(CONSENSUS)
        added = 0
        with self.store.transaction():
            for segment_id, extents in self._agreed.items():
                if segment_id in decided or consensus.get(segment_id) == extents:
                    continue
                stars = self._star[self.coder_a].get(segment_id, set()) | self._star[self.coder_b].get(
                    segment_id, set()
                )
                memos = [(c, self._memo[c].get(segment_id, "")) for c in (self.coder_a, self.coder_b)]
                self._write_consensus(segment_id, extents, stars, memos, origin="merge")
                whole = (self._bounds[segment_id],)
                spans = {c: e for c, e in extents.items() if e != whole}
                self.store.decisions.add(
                    segment_id, self.lead, self.coder_a, self.coder_b, "agreed", sorted(extents), "", spans
                )
                added += 1
            if added:
                self.store.audit.log(self.lead, "resolve.agreed", f"{self.coder_a}+{self.coder_b}", segments=added)
        return added

    def chosen(
        self,
        item: Disagreement,
        choice: str,
        codes: list[str] | None = None,
        spans: Mapping[str, Extent] | None = None,
    ) -> dict[str, Extent]:
        """What a choice puts into the consensus for a disagreement: each code on its passages."""
        if choice not in CHOICES:
            raise BadInput(f"unknown choice '{choice}'; choose from {', '.join(CHOICES)}")
        a, b = item.codes_a, item.codes_b
        if choice == "a":
            out = {c: item.extent("a", c) for c in a}
        elif choice == "b":
            out = {c: item.extent("b", c) for c in b}
        elif choice == "both":
            out = {
                c: merged((item.extent("a", c) if c in a else ()) + (item.extent("b", c) if c in b else ()))
                for c in a | b
            }
        elif choice == "intersection":
            out = {c: common(item.extent("a", c), item.extent("b", c)) for c in a & b}
        elif choice == "neither":
            out = {}
        else:
            if codes is None:
                raise BadInput("an edited decision needs its codes")
            known = {c.id for c in self.store.codebook.codes()}
            unknown = [c for c in [*codes, *(spans or {})] if c not in known]
            if unknown:
                raise BadInput("no such code in the codebook", where=unknown[0])
            out = {}
            for c in codes:
                if spans and c in spans:
                    out[c] = self._checked(item, c, spans[c])
                elif c in a or c in b:
                    out[c] = merged((item.extent("a", c) if c in a else ()) + (item.extent("b", c) if c in b else ()))
                else:
                    out[c] = ((item.start, item.end),)
        return {c: e for c, e in out.items() if e}

    def _checked(self, item: Disagreement, code_id: str, extent: Extent) -> Extent:
        """The lead's own passages for a code, refused unless each can be coded and counts for the segment."""
        passages = merged((int(s), int(e)) for s, e in extent)
        if not passages:
            raise BadInput("an edited passage needs a start and an end", where=code_id)
        transcript = self.store.transcripts.get(item.transcript)
        text = transcript.text if transcript else ""
        for start, end in passages:
            problem = span_problem(text, start, end)
            if problem is None and not span_counts_for(item.start, item.end, start, end):
                problem = (
                    f"the passage {start}–{end} does not count for segment {item.ordinal} "
                    f"({item.start}–{item.end}): it must lie inside it or cover at least half of it"
                )
            if problem:
                raise BadInput(problem, where=f"{item.transcript} segment {item.ordinal}")
        return passages

    def decide(
        self,
        index: int,
        choice: str,
        *,
        codes: list[str] | None = None,
        spans: Mapping[str, Extent] | None = None,
        note: str = "",
    ) -> Disagreement:
        """Decide the disagreement at ``index`` of the queue, writing the consensus for its segment.

        ``codes`` (and for any of them ``spans``, passages as (start, end)
        offsets into the transcript) are the lead's own choice, for ``edit``.
        """
        item = self.queue[index]
        extents = self.chosen(item, choice, codes, spans)
        passages = {c: e for c, e in extents.items() if not item.is_whole(e)}
        chosen = sorted(extents)
        sides = {"a": ("a",), "b": ("b",), "neither": ()}.get(choice, ("a", "b"))
        stars: set[str] = set(self._consensus_stars(item.segment_id))
        memos = []
        for side in sides:
            coder, memo, starred = (
                (self.coder_a, item.memo_a, item.starred_a)
                if side == "a"
                else (self.coder_b, item.memo_b, item.starred_b)
            )
            stars |= starred
            memos.append((coder, memo))
        with self.store.transaction():
            self._write_consensus(item.segment_id, extents, stars, memos, origin="resolution")
            at = self.store.decisions.add(
                item.segment_id, self.lead, self.coder_a, self.coder_b, choice, chosen, note.strip(), passages
            )
            self.store.audit.log(
                self.lead,
                "resolve.decide",
                str(item.segment_id),
                choice=choice,
                codes=chosen,
                spans={c: [list(p) for p in e] for c, e in passages.items()},
                note=note,
            )
        decision = Decision(self.lead, choice, tuple(chosen), note.strip(), at, passages)
        updated = replace(item, history=(*item.history, decision))
        self.queue[index] = updated
        return updated

    def _consensus_stars(self, segment_id: int) -> set[str]:
        """The codes starred on the segment in the consensus now (the lead's own stars among them)."""
        bounds = self.store.transcripts.bounds_of([segment_id]).get(segment_id)
        if bounds is None:
            return set()
        transcript_id = bounds[0]
        return {c for s, c in self.store.codings.starred(CONSENSUS, transcript_id) if s == segment_id}

    def _write_consensus(
        self,
        segment_id: int,
        extents: Mapping[str, Extent],
        stars: set[str],
        memos: list[tuple[str, str]],
        *,
        origin: str,
    ) -> None:
        """The consensus of one segment: the codes on their passages, the coders' stars on the codes kept,
        and each coder's memo (with its author) added to the consensus memo, which loses nothing."""
        self.store.codings.set_segment_extents(segment_id, CONSENSUS, dict(extents), origin=origin)
        transcript_id, start, end = self.store.transcripts.bounds_of([segment_id])[segment_id]
        for code_id in sorted(stars & set(extents)):
            for a, b in extents[code_id]:
                if (a, b) == (start, end):
                    self.store.codings.set_starred(segment_id, code_id, CONSENSUS, True)
                else:
                    self.store.codings.set_span_starred(transcript_id, a, b, code_id, CONSENSUS, True)
        current = self.store.memos.on_segment(segment_id, CONSENSUS)
        added = [f"{coder}: {memo.strip()}" for coder, memo in memos if memo.strip()]
        joined = "\n\n".join([current.strip(), *(m for m in added if m not in current)]).strip()
        if joined != current:
            self.store.memos.set_on_segment(segment_id, CONSENSUS, joined)

    def set_consensus_memo(self, index: int, text: str) -> None:
        """The lead's memo on the consensus of a disagreement's segment (empty removes it)."""
        item = self.queue[index]
        with self.store.transaction():
            self.store.memos.set_on_segment(item.segment_id, CONSENSUS, text.strip())
            self.store.audit.log(self.lead, "resolve.memo", str(item.segment_id))

    def consensus_memo(self, index: int) -> str:
        return self.store.memos.on_segment(self.queue[index].segment_id, CONSENSUS)

    def toggle_consensus_star(self, index: int) -> bool:
        """Star the consensus codings of a decided segment as a quote, or take the star off; True when starred."""
        item = self.queue[index]
        transcript_id, start, end = self.store.transcripts.bounds_of([item.segment_id])[item.segment_id]
        extents = self.store.codings.extents(CONSENSUS)
        codes = {c: e for (s, c), e in extents.items() if s == item.segment_id}
        if not codes:
            raise BadInput("the consensus has no codes on this segment yet; decide it first")
        on = not self._consensus_stars(item.segment_id)
        with self.store.transaction():
            for code_id, extent in codes.items():
                for a, b in extent:
                    if (a, b) == (start, end):
                        self.store.codings.set_starred(item.segment_id, code_id, CONSENSUS, on)
                    else:
                        self.store.codings.set_span_starred(transcript_id, a, b, code_id, CONSENSUS, on)
            self.store.audit.log(self.lead, "resolve.star", str(item.segment_id), starred=on)
        return on

    def progress(self) -> tuple[int, int]:
        """(decided, total) disagreements."""
        return sum(1 for d in self.queue if d.decision is not None), len(self.queue)

    def next_undecided(self, after: int) -> int | None:
        n = len(self.queue)
        for step in range(1, n + 1):
            i = (after + step) % n
            if self.queue[i].decision is None:
                return i
        return None
