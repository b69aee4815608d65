"""The lead's resolution of two coders' disagreements into the consensus.

Where the coders gave a segment the same codes, those codes go into the
consensus by themselves (`auto_agree`); every other segment is a disagreement
in the queue, which the lead decides: A's codes, B's codes, both, neither, or
an edited set, with a note. Each decision is kept (who, when, what, why), so a
segment can be decided again and its history read back. The consensus is
what the exports use.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from qualcode.core.errors import BadInput
from qualcode.core.model import CONSENSUS
from qualcode.core.store import Store

CHOICES = ("a", "b", "both", "neither", "edit")


@dataclass(frozen=True)
class Decision:
    """One decision of the lead on a segment."""

    lead: str
    choice: str  # a | b | both | neither | edit | agreed
    codes: tuple[str, ...]
    note: str
    decided_at: str


@dataclass(frozen=True)
class Disagreement:
    """A segment the two coders coded differently, with what each did and what the lead decided."""

    segment_id: int
    transcript: str
    ordinal: int
    speaker: str | None
    codes_a: frozenset[str]
    codes_b: frozenset[str]
    history: tuple[Decision, ...] = ()

    @property
    def decision(self) -> Decision | None:
        """The decision that counts: the newest."""
        return self.history[-1] if self.history else None


class Resolution:
    """Two coders' work on a project, compared segment by segment for the lead."""

    def __init__(self, store: Store, coder_a: str, coder_b: str, lead: str) -> None:
        known = store.codings.coders()
        for coder in (coder_a, coder_b):
            if coder not in known:
                raise BadInput(f"no such coder in this project (coders: {', '.join(known) or 'none yet'})", where=coder)
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

    def _codes(self, coder: str) -> dict[int, frozenset[str]]:
        sets: dict[int, set[str]] = defaultdict(set)
        for segment_id, code_id in self.store.codings.pairs(coder):
            sets[segment_id].add(code_id)
        return {s: frozenset(c) for s, c in sets.items()}

    def reload(self) -> None:
        """Read both coders' codings and the decisions again."""
        a, b = self._codes(self.coder_a), self._codes(self.coder_b)
        history: dict[int, list[Decision]] = defaultdict(list)
        for segment_id, lead, choice, codes, note, at in self.store.decisions.between(self.coder_a, self.coder_b):
            history[segment_id].append(Decision(lead, choice, tuple(codes), note, at))
        self._agreed = {s: codes for s, codes in a.items() if b.get(s) == codes}
        names = {t.id: t.name for t in self.store.transcripts.summaries()}
        queue = []
        for segment in self.store.transcripts.all_segments():
            codes_a = a.get(segment.id, frozenset())
            codes_b = b.get(segment.id, frozenset())
            if codes_a != codes_b:
                queue.append(
                    Disagreement(
                        segment.id,
                        names[segment.transcript_id],
                        segment.ordinal,
                        segment.speaker,
                        codes_a,
                        codes_b,
                        tuple(history.get(segment.id, ())),
                    )
                )
        self.queue = queue

    def auto_agree(self) -> int:
        """Put the codes both coders gave a segment into the consensus; returns how many segments were added.

        A segment the lead has already decided, or whose consensus already
        holds those codes, is left alone, so this can run every time the
        resolution opens.
        """
        decided = {s for s, *_ in self.store.decisions.between(self.coder_a, self.coder_b)}
        consensus = self._codes(CONSENSUS)
        added = 0
        with self.store.transaction():
            for segment_id, codes in self._agreed.items():
                if segment_id in decided or consensus.get(segment_id) == codes:
                    continue
                self.store.codings.set_segment_codes(segment_id, CONSENSUS, codes, origin="merge")
                self.store.decisions.add(segment_id, self.lead, self.coder_a, self.coder_b, "agreed", sorted(codes), "")
                added += 1
            if added:
                self.store.audit.log(self.lead, "resolve.agreed", f"{self.coder_a}+{self.coder_b}", segments=added)
        return added

    def decide(self, index: int, choice: str, *, codes: list[str] | None = None, note: str = "") -> Disagreement:
        """Decide the disagreement at ``index`` of the queue, writing the consensus for its segment."""
        if choice not in CHOICES:
            raise BadInput(f"unknown choice '{choice}'; choose from {', '.join(CHOICES)}")
        item = self.queue[index]
        if choice == "a":
            chosen = set(item.codes_a)
        elif choice == "b":
            chosen = set(item.codes_b)
        elif choice == "both":
            chosen = set(item.codes_a | item.codes_b)
        elif choice == "neither":
            chosen = set()
        else:
            if codes is None:
                raise BadInput("an edited decision needs its codes")
            known = {c.id for c in self.store.codebook.codes()}
            unknown = [c for c in codes if c not in known]
            if unknown:
                raise BadInput("no such code in the codebook", where=unknown[0])
            chosen = set(codes)
        with self.store.transaction():
            self.store.codings.set_segment_codes(item.segment_id, CONSENSUS, chosen, origin="resolution")
            at = self.store.decisions.add(
                item.segment_id, self.lead, self.coder_a, self.coder_b, choice, sorted(chosen), note.strip()
            )
            self.store.audit.log(
                self.lead, "resolve.decide", str(item.segment_id), choice=choice, codes=sorted(chosen), note=note
            )
        decision = Decision(self.lead, choice, tuple(sorted(chosen)), note.strip(), at)
        updated = Disagreement(
            item.segment_id,
            item.transcript,
            item.ordinal,
            item.speaker,
            item.codes_a,
            item.codes_b,
            (*item.history, decision),
        )
        self.queue[index] = updated
        return updated

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
