"""Processed text kept per transcript text and spaCy pipeline, so spaCy does not run twice."""

from __future__ import annotations

from collections.abc import Iterable

from qualcode.core.store.database import Database


class TextIndex:
    """Token indexes by (text SHA-256, pipeline), as the bytes `core.textindex` packs."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, sha256: str, pipeline: str) -> bytes | None:
        row = self.db.execute(
            "SELECT data FROM text_index WHERE sha256 = ? AND pipeline = ?", (sha256, pipeline)
        ).fetchone()
        return None if row is None else bytes(row[0])

    def have(self, sha256s: Iterable[str]) -> set[tuple[str, str]]:
        """(text SHA-256, pipeline) of the entries stored for some texts."""
        wanted = sorted(set(sha256s))
        out: set[tuple[str, str]] = set()
        for at in range(0, len(wanted), 500):
            chunk = wanted[at : at + 500]
            rows = self.db.execute(
                f"SELECT sha256, pipeline FROM text_index WHERE sha256 IN ({', '.join('?' * len(chunk))})", chunk
            )
            out.update(rows.fetchall())
        return out

    def put(self, sha256: str, pipeline: str, data: bytes) -> None:
        self.put_many([(sha256, pipeline, data)])

    def put_many(self, rows: Iterable[tuple[str, str, bytes]]) -> None:
        """Store (text SHA-256, pipeline, data) entries, replacing those stored before."""
        with self.db.transaction():
            self.db.executemany(
                "INSERT INTO text_index (sha256, pipeline, data) VALUES (?, ?, ?) "
                "ON CONFLICT (sha256, pipeline) DO UPDATE SET data = excluded.data",
                rows,
            )
