"""Processed text kept per transcript text and spaCy pipeline, so spaCy does not run twice."""

from __future__ import annotations

import base64

from qualcode.core.store.database import Database


class TextIndex:
    """Token indexes by (text SHA-256, pipeline)."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, sha256: str, pipeline: str) -> bytes | None:
        row = self.db.execute(
            "SELECT data FROM text_index WHERE sha256 = ? AND pipeline = ?", (sha256, pipeline)
        ).fetchone()
        return None if row is None else base64.b64decode(row[0])

    def put(self, sha256: str, pipeline: str, data: bytes) -> None:
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO text_index (sha256, pipeline, data) VALUES (?, ?, ?) "
                "ON CONFLICT (sha256, pipeline) DO UPDATE SET data = excluded.data",
                (sha256, pipeline, base64.b64encode(data).decode("ascii")),
            )
