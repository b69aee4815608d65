"""Memos: a coder's notes on segments and on exact passages (one per segment or passage and coder)."""

from __future__ import annotations

from qualcode.core.store.codings import Codings
from qualcode.core.store.database import Database, now


class Memos:
    """Each coder's memos on segments and on passages."""

    def __init__(self, db: Database, codings: Codings) -> None:
        self.db = db
        self._codings = codings

    def on_segment(self, segment_id: int, coder: str) -> str:
        row = self.db.execute(
            "SELECT m.text FROM memos m JOIN coders k ON k.id = m.coder_id WHERE m.segment_id = ? AND k.name = ?",
            (segment_id, coder),
        ).fetchone()
        return "" if row is None else str(row[0])

    def set_on_segment(self, segment_id: int, coder: str, text: str) -> None:
        """Write (or with empty text, remove) a coder's memo on a segment."""
        with self.db.transaction():
            coder_id = self._codings.coder_id(coder, create=True)
            if text.strip():
                self.db.execute(
                    "INSERT INTO memos (coder_id, segment_id, text, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (coder_id, segment_id) WHERE segment_id IS NOT NULL "
                    "DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
                    (coder_id, segment_id, text, now()),
                )
            else:
                self.db.execute("DELETE FROM memos WHERE coder_id = ? AND segment_id = ?", (coder_id, segment_id))

    def of_coder(self, coder: str) -> dict[int, str]:
        """A coder's memos on segments, by segment id."""
        return dict(
            self.db.execute(
                "SELECT m.segment_id, m.text FROM memos m JOIN coders k ON k.id = m.coder_id "
                "WHERE k.name = ? AND m.segment_id IS NOT NULL",
                (coder,),
            ).fetchall()
        )

    def clear_segment_memos(self, coder: str) -> int:
        with self.db.transaction():
            return self.db.execute(
                "DELETE FROM memos WHERE segment_id IS NOT NULL AND coder_id = (SELECT id FROM coders WHERE name = ?)",
                (coder,),
            ).rowcount

    # -- on passages ---------------------------------------------------------------------

    def set_on_passage(self, transcript_id: int, start: int, end: int, coder: str, text: str) -> None:
        """Write (or with empty text, remove) a coder's memo on a passage: offsets into the transcript."""
        with self.db.transaction():
            coder_id = self._codings.coder_id(coder, create=True)
            if text.strip():
                self.db.execute(
                    "INSERT INTO memos (coder_id, transcript_id, start_offset, end_offset, text, updated_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (coder_id, transcript_id, start_offset, end_offset) WHERE start_offset IS NOT NULL "
                    "DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
                    (coder_id, transcript_id, start, end, text, now()),
                )
            else:
                self.db.execute(
                    "DELETE FROM memos WHERE coder_id = ? AND transcript_id = ? AND start_offset = ? "
                    "AND end_offset = ?",
                    (coder_id, transcript_id, start, end),
                )

    def passages_of(self, coder: str, transcript_id: int | None = None) -> dict[tuple[int, int, int], str]:
        """A coder's memos on passages, by (transcript id, start, end)."""
        sql = (
            "SELECT m.transcript_id, m.start_offset, m.end_offset, m.text FROM memos m "
            "JOIN coders k ON k.id = m.coder_id WHERE k.name = ? AND m.start_offset IS NOT NULL"
        )
        params: tuple[int | str, ...] = (coder,)
        if transcript_id is not None:
            sql += " AND m.transcript_id = ?"
            params += (transcript_id,)
        return {(t, a, b): text for t, a, b, text in self.db.execute(sql, params)}
