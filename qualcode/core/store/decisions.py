"""The lead's decisions on disagreements, kept as history (the newest per segment counts)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from qualcode.core.errors import BadInput
from qualcode.core.model import Decision, Extent
from qualcode.core.store.database import Database, now, read_json


def _extents(value: Any, where: str) -> dict[str, Extent]:
    """A decision's passages as kept: {code id: [[start, end], …]}; anything else is named as damaged."""
    try:
        return {str(c): tuple((int(a), int(b)) for a, b in passages) for c, passages in dict(value).items()}
    except (TypeError, ValueError):
        raise BadInput("holds damaged passages (not {code: [[start, end], …]})", where=where) from None


class Decisions:
    """Every decision the lead made, with who, when, what and why."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(
        self,
        segment_id: int,
        lead: str,
        coder_a: str,
        coder_b: str,
        choice: str,
        codes: list[str],
        note: str,
        spans: Mapping[str, Extent] | None = None,
        at: str | None = None,
    ) -> str:
        """Record a decision on a segment (``spans``: the passages of codes not on the whole segment);
        returns its time."""
        at = at or now()
        passages = {code: [list(p) for p in extent] for code, extent in sorted((spans or {}).items())}
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO decisions (segment_id, lead, coder_a, coder_b, choice, codes, note, decided_at, spans) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (segment_id, lead, coder_a, coder_b, choice, json.dumps(codes), note, at, json.dumps(passages)),
            )
        return at

    def every(self) -> list[tuple[str, str, Decision]]:
        """Every decision with the two coders it decided between, oldest first: (coder A, coder B, decision)."""
        pairs = self.db.execute("SELECT DISTINCT coder_a, coder_b FROM decisions").fetchall()
        out = [(a, b, d) for a, b in pairs for d in self.between(a, b)]
        return sorted(out, key=lambda item: (item[2].decided_at, item[2].segment_id))

    def between(self, coder_a: str, coder_b: str) -> list[Decision]:
        """Every decision on the disagreements of two coders, oldest first."""
        rows = self.db.execute(
            "SELECT id, segment_id, lead, choice, codes, note, decided_at, spans FROM decisions "
            "WHERE coder_a = ? AND coder_b = ? ORDER BY id",
            (coder_a, coder_b),
        ).fetchall()
        out = []
        for i, s, lead, choice, codes, note, at, spans in rows:
            where = f"{self.db.path}: decision {i}"
            extents = _extents(read_json(spans, where), where)
            out.append(Decision(s, lead, choice, list(read_json(codes, where)), note, at, extents))
        return out

    def clear(self) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM decisions")
