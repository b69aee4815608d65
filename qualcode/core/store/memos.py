"""Memos: a coder's notes on segments, on exact passages and on codes (one per place and coder), and the
project's journal of dated entries."""

from __future__ import annotations

from typing import NamedTuple

from qualcode.core.store.codings import Codings
from qualcode.core.store.database import Database, now


class MemoRow(NamedTuple):
    """A memo with where it stands: on a segment, on a passage, or on a code."""

    coder: str
    kind: str
    """"segment", "passage" or "code"."""
    text: str
    updated_at: str
    segment_id: int | None = None
    transcript_id: int | None = None
    start: int | None = None
    end: int | None = None
    code_id: str | None = None


class JournalEntry(NamedTuple):
    id: int
    author: str
    at: str
    text: str


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

    # -- on codes ----------------------------------------------------------------------------

    def on_code(self, code_id: str, coder: str) -> str:
        row = self.db.execute(
            "SELECT m.text FROM memos m JOIN coders k ON k.id = m.coder_id WHERE m.code_id = ? AND k.name = ? "
            "AND m.segment_id IS NULL AND m.start_offset IS NULL",
            (code_id, coder),
        ).fetchone()
        return "" if row is None else str(row[0])

    def set_on_code(self, code_id: str, coder: str, text: str) -> None:
        """Write (or with empty text, remove) a coder's memo on a code."""
        with self.db.transaction():
            coder_id = self._codings.coder_id(coder, create=True)
            if text.strip():
                self.db.execute(
                    "INSERT INTO memos (coder_id, code_id, text, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (coder_id, code_id) WHERE code_id IS NOT NULL AND segment_id IS NULL "
                    "AND start_offset IS NULL DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
                    (coder_id, code_id, text, now()),
                )
            else:
                self.db.execute(
                    "DELETE FROM memos WHERE coder_id = ? AND code_id = ? AND segment_id IS NULL "
                    "AND start_offset IS NULL",
                    (coder_id, code_id),
                )

    def codes_of(self, coder: str) -> dict[str, str]:
        """A coder's memos on codes, by code id."""
        return dict(
            self.db.execute(
                "SELECT m.code_id, m.text FROM memos m JOIN coders k ON k.id = m.coder_id WHERE k.name = ? "
                "AND m.code_id IS NOT NULL AND m.segment_id IS NULL AND m.start_offset IS NULL",
                (coder,),
            ).fetchall()
        )

    def every(self, coder: str | None = None) -> list[MemoRow]:
        """Every memo (of one coder, or of all), with where it stands: what the memo manager lists."""
        sql = (
            "SELECT k.name, m.text, m.updated_at, m.segment_id, m.transcript_id, m.start_offset, m.end_offset, "
            "m.code_id FROM memos m JOIN coders k ON k.id = m.coder_id"
        )
        params: tuple[str, ...] = ()
        if coder is not None:
            sql += " WHERE k.name = ?"
            params = (coder,)
        out = []
        for name, text, at, segment_id, transcript_id, start, end, code_id in self.db.execute(
            sql + " ORDER BY m.id", params
        ):
            kind = "segment" if segment_id is not None else "passage" if start is not None else "code"
            out.append(MemoRow(name, kind, text, at, segment_id, transcript_id, start, end, code_id))
        return out


class Journal:
    """The project's journal: dated entries by their authors, appended to and kept in order."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def add(self, author: str, text: str, at: str | None = None) -> JournalEntry:
        with self.db.transaction():
            stamp = at or now()
            (entry_id,) = self.db.execute(
                "INSERT INTO journal (author, at, text) VALUES (?, ?, ?) RETURNING id", (author, stamp, text)
            ).fetchall()[0]
        return JournalEntry(int(entry_id), author, stamp, text)

    def entries(self, author: str | None = None) -> list[JournalEntry]:
        sql = "SELECT id, author, at, text FROM journal"
        params: tuple[str, ...] = ()
        if author is not None:
            sql += " WHERE author = ?"
            params = (author,)
        return [JournalEntry(*row) for row in self.db.execute(sql + " ORDER BY at, id", params)]
