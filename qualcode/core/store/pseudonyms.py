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
        rows = self.db.execute("SELECT original, replacement, confirmed FROM pseudonyms").fetchall()
        return sorted((Pseudonym(o, r, bool(c)) for o, r, c in rows), key=lambda p: (-len(p.original), p.original))

    def set(self, original: str, replacement: str, *, confirmed: bool) -> None:
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO pseudonyms (original, replacement, confirmed, added_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (original) DO UPDATE SET replacement = excluded.replacement, "
                "confirmed = excluded.confirmed",
                (original, replacement, int(confirmed), now()),
            )

    def delete(self, original: str) -> bool:
        with self.db.transaction():
            return self.db.execute("DELETE FROM pseudonyms WHERE original = ?", (original,)).rowcount == 1
