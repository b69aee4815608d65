"""The copies of a project handed out to coders, and the lead's key that binds each to its coder."""

from __future__ import annotations

import secrets

from qualcode.core.store.database import Database, now
from qualcode.core.store.settings import Settings

_KEY = "handout_key"


class Handouts:
    """Hand-outs recorded in the lead's project; the key never leaves it."""

    def __init__(self, db: Database, settings: Settings) -> None:
        self.db = db
        self._settings = settings

    def key(self) -> bytes:
        """The lead's secret for binding hand-outs, made the first time one is handed out."""
        value = self._settings.get(_KEY)
        if not value:
            value = secrets.token_hex(32)
            self._settings.set(_KEY, value)
        return bytes.fromhex(str(value))

    def add(self, handout_id: str, coder: str) -> None:
        with self.db.transaction():
            self.db.execute("INSERT INTO handouts (id, coder, created_at) VALUES (?, ?, ?)", (handout_id, coder, now()))

    def coder_of(self, handout_id: str) -> str | None:
        """The coder a hand-out was made for, or None when this project never handed it out."""
        row = self.db.execute("SELECT coder FROM handouts WHERE id = ?", (handout_id,)).fetchone()
        return None if row is None else str(row[0])

    def forget_all(self) -> None:
        """Remove the key and the record of hand-outs: what a coder's copy must not carry."""
        with self.db.transaction():
            self.db.execute("DELETE FROM handouts")
            self.db.execute("DELETE FROM settings WHERE key = ?", (_KEY,))
