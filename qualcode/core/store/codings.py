"""Coders and their codings: the segments each coder marked with each code, and spans kept from other tools."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from qualcode.core.model import CONSENSUS, CodingRow, LocatedCoding, Selection
from qualcode.core.store.database import Database, now

_CODER = "(SELECT id FROM coders WHERE name = ?)"


class Codings:
    """Every coder's codings, each coder's apart from the others'."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- coders ------------------------------------------------------------------

    def coders(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM coders ORDER BY id")]

    def coder_id(self, name: str, *, create: bool = False) -> int | None:
        row = self.db.execute("SELECT id FROM coders WHERE name = ?", (name,)).fetchone()
        if row is not None:
            return int(row[0])
        if not create:
            return None
        with self.db.transaction():
            cur = self.db.execute(
                "INSERT INTO coders (name, is_consensus) VALUES (?, ?)", (name, int(name == CONSENSUS))
            )
        return int(cur.lastrowid or 0)

    # -- one coding at a time -------------------------------------------------------

    def add(self, segment_id: int, code_id: str, coder: str, *, origin: str = "manual", at: str | None = None) -> bool:
        """Apply a code to a segment for a coder; False when it was already there."""
        with self.db.transaction():
            coder_id = self.coder_id(coder, create=True)
            cur = self.db.execute(
                "INSERT INTO codings (segment_id, code_id, coder_id, created_at, origin) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (segment_id, code_id, coder_id) DO NOTHING",
                (segment_id, code_id, coder_id, at or now(), origin),
            )
        return cur.rowcount == 1

    def remove(self, segment_id: int, code_id: str, coder: str) -> bool:
        coder_id = self.coder_id(coder)
        if coder_id is None:
            return False
        with self.db.transaction():
            cur = self.db.execute(
                "DELETE FROM codings WHERE segment_id = ? AND code_id = ? AND coder_id = ?",
                (segment_id, code_id, coder_id),
            )
        return cur.rowcount == 1

    def set_starred(self, segment_id: int, code_id: str, coder: str, starred: bool) -> None:
        with self.db.transaction():
            self.db.execute(
                f"UPDATE codings SET starred = ? WHERE segment_id = ? AND code_id = ? AND coder_id = {_CODER}",
                (int(starred), segment_id, code_id, coder),
            )

    def set_segment_codes(self, segment_id: int, coder: str, code_ids: Iterable[str], origin: str) -> None:
        """Make a coder's codes on one segment exactly these."""
        with self.db.transaction():
            coder_id = self.coder_id(coder, create=True)
            self.db.execute("DELETE FROM codings WHERE segment_id = ? AND coder_id = ?", (segment_id, coder_id))
            at = now()
            self.db.executemany(
                "INSERT INTO codings (segment_id, code_id, coder_id, created_at, origin) VALUES (?, ?, ?, ?, ?)",
                ((segment_id, c, coder_id, at, origin) for c in sorted(set(code_ids))),
            )

    # -- many at once -----------------------------------------------------------------

    def add_many(self, rows: Iterable[tuple[int, str]], coder: str, *, origin: str = "manual") -> int:
        """Apply many ``(segment_id, code_id)`` pairs for a coder in one go; returns how many were new."""
        with self.db.transaction():
            coder_id = self.coder_id(coder, create=True)
            at = now()
            before = self.db.total_changes
            self.db.executemany(
                "INSERT INTO codings (segment_id, code_id, coder_id, created_at, origin) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (segment_id, code_id, coder_id) DO NOTHING",
                ((s, c, coder_id, at, origin) for s, c in rows),
            )
            return self.db.total_changes - before

    def remove_many(self, rows: Iterable[tuple[int, str]], coder: str) -> int:
        """Take many ``(segment_id, code_id)`` pairs off a coder; returns how many were there."""
        coder_id = self.coder_id(coder)
        if coder_id is None:
            return 0
        with self.db.transaction():
            before = self.db.total_changes
            self.db.executemany(
                "DELETE FROM codings WHERE segment_id = ? AND code_id = ? AND coder_id = ?",
                ((s, c, coder_id) for s, c in rows),
            )
            return self.db.total_changes - before

    def clear(self, coder: str) -> int:
        coder_id = self.coder_id(coder)
        if coder_id is None:
            return 0
        with self.db.transaction():
            return self.db.execute("DELETE FROM codings WHERE coder_id = ?", (coder_id,)).rowcount

    def rows(self, coder: str) -> list[CodingRow]:
        """A coder's codings in full, as a hand-out carries them."""
        rows = self.db.execute(
            f"SELECT segment_id, code_id, created_at, origin, starred FROM codings WHERE coder_id = {_CODER}",
            (coder,),
        ).fetchall()
        return [CodingRow(*r) for r in rows]

    def put_rows(self, coder: str, rows: Iterable[CodingRow]) -> None:
        """Write full coding rows for a coder, keeping their times and origins."""
        with self.db.transaction():
            coder_id = self.coder_id(coder, create=True)
            self.db.executemany(
                "INSERT INTO codings (segment_id, code_id, coder_id, created_at, origin, starred) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (segment_id, code_id, coder_id) DO NOTHING",
                ((s, c, coder_id, at, origin, starred) for s, c, at, origin, starred in rows),
            )

    # -- reading ----------------------------------------------------------------------

    def pairs(self, coder: str, transcript_id: int | None = None) -> list[tuple[int, str]]:
        """A coder's ``(segment_id, code_id)`` pairs, in reading order."""
        sql = (
            "SELECT c.segment_id, c.code_id FROM codings c JOIN coders k ON k.id = c.coder_id "
            "JOIN segments s ON s.id = c.segment_id WHERE k.name = ?"
        )
        params: tuple[Any, ...] = (coder,)
        if transcript_id is not None:
            sql += " AND s.transcript_id = ?"
            params += (transcript_id,)
        sql += " ORDER BY s.transcript_id, s.ordinal, c.code_id"
        return [(int(s), str(c)) for s, c in self.db.execute(sql, params)]

    def located(self, coder: str) -> list[LocatedCoding]:
        """A coder's codings with where their segments stand, in reading order."""
        rows = self.db.execute(
            "SELECT s.id, s.transcript_id, s.ordinal, s.speaker, s.start_offset, s.end_offset, c.code_id, c.starred "
            f"FROM codings c JOIN segments s ON s.id = c.segment_id WHERE c.coder_id = {_CODER} "
            "ORDER BY s.transcript_id, s.ordinal, c.code_id",
            (coder,),
        ).fetchall()
        return [LocatedCoding(*r) for r in rows]

    def starred(self, coder: str, transcript_id: int) -> set[tuple[int, str]]:
        """The ``(segment_id, code_id)`` pairs a coder starred as quotes in one transcript."""
        return {
            (int(s), str(c))
            for s, c in self.db.execute(
                "SELECT c.segment_id, c.code_id FROM codings c JOIN coders k ON k.id = c.coder_id "
                "JOIN segments s ON s.id = c.segment_id "
                "WHERE k.name = ? AND s.transcript_id = ? AND c.starred = 1",
                (coder, transcript_id),
            )
        }

    def segments_by_code(self, coder: str) -> dict[str, str]:
        """Per code id, the coder's segment ids as one comma-separated string.

        One short string per code instead of a row per coding: a million
        codings arrive in a few dozen rows and parse straight into arrays.
        """
        return dict(
            self.db.execute(
                f"SELECT code_id, group_concat(segment_id) FROM codings WHERE coder_id = {_CODER} GROUP BY code_id",
                (coder,),
            ).fetchall()
        )

    def count(self, coder: str) -> int:
        return int(self.db.execute(f"SELECT COUNT(*) FROM codings WHERE coder_id = {_CODER}", (coder,)).fetchone()[0])

    def coded_segment_counts(self, coder: str) -> dict[int, int]:
        """Per transcript id, how many of its segments this coder has coded."""
        return dict(
            self.db.execute(
                "SELECT s.transcript_id, COUNT(DISTINCT c.segment_id) FROM codings c "
                "JOIN coders k ON k.id = c.coder_id JOIN segments s ON s.id = c.segment_id "
                "WHERE k.name = ? GROUP BY s.transcript_id",
                (coder,),
            ).fetchall()
        )

    def origin_counts(self, coder: str) -> dict[str, int]:
        """How many of a coder's codings came from each origin (manual, suggestion, import …)."""
        return dict(
            self.db.execute(
                f"SELECT origin, COUNT(*) FROM codings WHERE coder_id = {_CODER} GROUP BY origin", (coder,)
            ).fetchall()
        )

    # -- suggestions turned down ------------------------------------------------------------

    def reject_suggestion(self, segment_id: int, code_id: str, coder: str) -> None:
        with self.db.transaction():
            coder_id = self.coder_id(coder, create=True)
            self.db.execute(
                "INSERT INTO rejected_suggestions (segment_id, code_id, coder_id) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (segment_id, code_id, coder_id),
            )

    def rejected_suggestions(self, coder: str) -> set[tuple[int, str]]:
        return {
            (int(s), str(c))
            for s, c in self.db.execute(
                f"SELECT segment_id, code_id FROM rejected_suggestions WHERE coder_id = {_CODER}", (coder,)
            )
        }

    # -- exact spans from other tools ----------------------------------------------------------

    def add_selection(
        self, guid: str, transcript_id: int, code_id: str | None, coder: str, start: int, end: int, description: str
    ) -> None:
        """Keep an exact span coded in another tool (REFI-QDA), beside its mapping onto segments."""
        with self.db.transaction():
            coder_id = self.coder_id(coder, create=True)
            self.db.execute(
                "INSERT INTO selections (id, transcript_id, code_id, coder_id, start_offset, end_offset, created_at, "
                "description) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                (guid, transcript_id, code_id, coder_id, start, end, now(), description),
            )

    def selections(self) -> list[Selection]:
        """Every kept span, by transcript and position."""
        rows = self.db.execute(
            "SELECT s.id, s.transcript_id, s.code_id, k.name, s.start_offset, s.end_offset, s.description "
            "FROM selections s LEFT JOIN coders k ON k.id = s.coder_id ORDER BY s.transcript_id, s.start_offset"
        ).fetchall()
        return [Selection(*r) for r in rows]
