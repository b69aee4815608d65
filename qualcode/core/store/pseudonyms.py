"""Names and places to hide in everything that leaves the team."""

from __future__ import annotations

from qualcode.core.model import Pseudonym
from qualcode.core.store.database import Database, now


class Pseudonyms:
    """The pseudonym list: originals, replacements, and whether each is confirmed."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def all(self) -> list[Pseudonym]:
        """Every entry, longest original first."""
        rows = self.db.execute("SELECT original, replacement, confirmed, prefix FROM pseudonyms").fetchall()
        return sorted(
            (Pseudonym(o, r, bool(c), bool(p)) for o, r, c, p in rows), key=lambda e: (-len(e.original), e.original)
        )

    def set(self, original: str, replacement: str, *, confirmed: bool, prefix: bool = False) -> None:
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO pseudonyms (original, replacement, confirmed, added_at, prefix) VALUES (?, ?, ?, ?, ?) "
                "ON CONFLICT (original) DO UPDATE SET replacement = excluded.replacement, "
                "confirmed = excluded.confirmed, prefix = excluded.prefix",
                (original, replacement, int(confirmed), now(), int(prefix)),
            )

    def delete(self, original: str) -> bool:
        with self.db.transaction():
            return self.db.execute("DELETE FROM pseudonyms WHERE original = ?", (original,)).rowcount == 1
