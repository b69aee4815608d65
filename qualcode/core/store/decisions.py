"""The lead's decisions on disagreements, kept as history (the newest per segment counts)."""

from __future__ import annotations

import json

from qualcode.core.model import Decision
from qualcode.core.store.database import Database, now, read_json


class Decisions:
    """Every decision the lead made, with who, when, what and why."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(
        self, segment_id: int, lead: str, coder_a: str, coder_b: str, choice: str, codes: list[str], note: str
    ) -> str:
        """Record a decision on a segment; returns its time."""
        at = now()
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO decisions (segment_id, lead, coder_a, coder_b, choice, codes, note, decided_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (segment_id, lead, coder_a, coder_b, choice, json.dumps(codes), note, at),
            )
        return at

    def between(self, coder_a: str, coder_b: str) -> list[Decision]:
        """Every decision on the disagreements of two coders, oldest first."""
        rows = self.db.execute(
            "SELECT id, segment_id, lead, choice, codes, note, decided_at FROM decisions "
            "WHERE coder_a = ? AND coder_b = ? ORDER BY id",
            (coder_a, coder_b),
        ).fetchall()
        return [
            Decision(s, lead, choice, list(read_json(codes, f"{self.db.path}: decision {i}")), note, at)
            for i, s, lead, choice, codes, note, at in rows
        ]

    def clear(self) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM decisions")
