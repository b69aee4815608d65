"""The project file: one SQLite database per study. All SQL lives here.

Every public method that changes something runs inside a transaction; callers
group several changes with ``with store.transaction():``.  The SQL is kept
portable (no SQLite-only functions in queries) so that the same layer can later
speak to a shared PostgreSQL server.

A connection belongs to the thread that opened it: a worker thread opens its own
``Store`` on the same path.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from qualcode.core.errors import BadInput
from qualcode.core.model import CONSENSUS, Code, Participant, Segment, Transcript

SCHEMA_VERSION = 2
APPLICATION_ID = 0x51434F44  # "QCOD": marks a SQLite file as a qualcode project

# Forward migrations: MIGRATIONS[v] takes a project from version v to v + 1.
MIGRATIONS: dict[int, str] = {
    1: """
    CREATE TABLE text_index (
        sha256   TEXT NOT NULL,
        pipeline TEXT NOT NULL,
        data     TEXT NOT NULL,
        PRIMARY KEY (sha256, pipeline)
    );
    CREATE TABLE rejected_suggestions (
        segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
        code_id    TEXT NOT NULL REFERENCES codes(id) ON DELETE CASCADE,
        coder_id   INTEGER NOT NULL REFERENCES coders(id),
        PRIMARY KEY (segment_id, code_id, coder_id)
    );
    """,
}


def now() -> str:
    """The current time as an ISO 8601 string in UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _schema_sql() -> str:
    return resources.files("qualcode.core").joinpath("schema.sql").read_text(encoding="utf-8")


class Store:
    """A qualcode project file."""

    def __init__(self, path: str | Path, *, create: bool = False) -> None:
        self.path = Path(path)
        if create:
            if self.path.exists():
                raise BadInput("already exists; choose another name or delete it first", where=str(path))
            if not self.path.parent.is_dir():
                raise BadInput("the folder does not exist", where=str(path))
        else:
            _check_is_project(self.path)
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=10.0)
        self.db.execute("PRAGMA foreign_keys = ON")
        self._depth = 0
        if create:
            try:
                self._create()
            except BaseException:
                self.db.close()
                self.path.unlink(missing_ok=True)
                raise
        else:
            self._open_existing()
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")

    # -- lifecycle -------------------------------------------------------

    def _create(self) -> None:
        with self.transaction():
            for statement in _split_sql(_schema_sql()):
                self.db.execute(statement)
            self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            self.set_setting("study_id", str(uuid.uuid4()))
            self.set_setting("created_at", now())

    def _open_existing(self) -> None:
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            self.db.close()
            raise BadInput(
                f"was written by a newer qualcode (schema {version}, this one knows {SCHEMA_VERSION}); "
                "upgrade qualcode to open it",
                where=str(self.path),
            )
        if version < SCHEMA_VERSION:
            with self.transaction():
                for v in range(version, SCHEMA_VERSION):
                    for statement in _split_sql(MIGRATIONS[v]):
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group changes: all of them are written, or none (nested calls join the outer one)."""
        if self._depth == 0:
            self.db.execute("BEGIN IMMEDIATE")
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth -= 1
            if self._depth == 0:
                self.db.execute("ROLLBACK")
            raise
        else:
            self._depth -= 1
            if self._depth == 0:
                self.db.execute("COMMIT")

    # -- settings --------------------------------------------------------

    def setting(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def set_setting(self, key: str, value: Any) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value, ensure_ascii=False)),
            )

    @property
    def study_id(self) -> str:
        return str(self.setting("study_id"))

    # -- audit log -------------------------------------------------------

    def log(self, actor: str, action: str, item: str, **detail: Any) -> None:
        """Record who changed what, when and why."""
        self.db.execute(
            "INSERT INTO audit_log (at, actor, action, item, detail) VALUES (?, ?, ?, ?, ?)",
            (now(), actor, action, item, json.dumps(detail, ensure_ascii=False, sort_keys=True)),
        )

    def audit_log(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT at, actor, action, item, detail FROM audit_log ORDER BY id").fetchall()
        return [
            {"at": at, "actor": actor, "action": action, "item": item, "detail": json.loads(d)}
            for at, actor, action, item, d in rows
        ]

    # -- participants ----------------------------------------------------

    def participants(self) -> list[Participant]:
        rows = self.db.execute("SELECT id, attributes FROM participants ORDER BY id").fetchall()
        return sorted(
            (Participant(pid, json.loads(attrs)) for pid, attrs in rows),
            key=lambda p: _natural_key(p.id),
        )

    def upsert_participant(self, participant: Participant) -> None:
        self.db.execute(
            "INSERT INTO participants (id, attributes) VALUES (?, ?) "
            "ON CONFLICT (id) DO UPDATE SET attributes = excluded.attributes",
            (participant.id, json.dumps(participant.attributes, ensure_ascii=False)),
        )

    def ensure_participant(self, pid: str) -> None:
        self.db.execute(
            "INSERT INTO participants (id, attributes) VALUES (?, '{}') ON CONFLICT (id) DO NOTHING",
            (pid,),
        )

    # -- transcripts and segments ---------------------------------------

    _TRANSCRIPT_COLUMNS = "id, name, text, sha256, source, lang, unit, participant, imported_at"

    def transcripts(self) -> list[Transcript]:
        rows = self.db.execute(f"SELECT {self._TRANSCRIPT_COLUMNS} FROM transcripts ORDER BY id").fetchall()
        return [Transcript(*row) for row in rows]

    def transcript_summaries(self) -> list[dict[str, Any]]:
        """Name, participant, segment count and word count of every transcript, without texts."""
        rows = self.db.execute(
            "SELECT t.id, t.name, t.participant, t.unit, t.lang, "
            "(SELECT COUNT(*) FROM segments s WHERE s.transcript_id = t.id), t.words "
            "FROM transcripts t ORDER BY t.id"
        ).fetchall()
        return [
            {"id": i, "name": n, "participant": p, "unit": u, "lang": lang, "segments": s, "words": w}
            for i, n, p, u, lang, s, w in rows
        ]

    def transcript(self, name_or_id: str | int) -> Transcript | None:
        column = "id" if isinstance(name_or_id, int) else "name"
        row = self.db.execute(
            f"SELECT {self._TRANSCRIPT_COLUMNS} FROM transcripts WHERE {column} = ?", (name_or_id,)
        ).fetchone()
        return None if row is None else Transcript(*row)

    def add_transcript(
        self,
        *,
        name: str,
        text: str,
        sha256: str,
        source: str,
        lang: str,
        unit: str,
        participant: str | None,
        segments: Sequence[tuple[int, int, str | None, int | None, int | None]],
    ) -> int:
        """Insert a transcript and its segments ``(start, end, speaker, media_start, media_end)``."""
        with self.transaction():
            if participant:
                self.ensure_participant(participant)
            cur = self.db.execute(
                "INSERT INTO transcripts (name, participant, text, sha256, source, lang, unit, words, "
                "imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (name, participant, text, sha256, source, lang, unit, len(text.split()), now()),
            )
            tid = int(cur.lastrowid or 0)
            self.db.executemany(
                "INSERT INTO segments (transcript_id, ordinal, start_offset, end_offset, speaker, "
                "media_start_ms, media_end_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                ((tid, i, s, e, sp, ms, me) for i, (s, e, sp, ms, me) in enumerate(segments, 1)),
            )
        return tid

    def delete_transcript(self, transcript_id: int) -> None:
        with self.transaction():
            self.db.execute("DELETE FROM transcripts WHERE id = ?", (transcript_id,))

    def rename_transcript(self, transcript_id: int, name: str) -> None:
        with self.transaction():
            self.db.execute("UPDATE transcripts SET name = ? WHERE id = ?", (name, transcript_id))

    def carry_segment_work(self, mapping: dict[int, int], old_transcript_id: int) -> tuple[int, int]:
        """Copy codings and memos from old segments to new ones; returns codings (kept, dropped)."""
        with self.transaction():
            codings = self.db.execute(
                "SELECT c.segment_id, c.code_id, c.coder_id, c.created_at, c.origin, c.starred "
                "FROM codings c JOIN segments s ON s.id = c.segment_id WHERE s.transcript_id = ?",
                (old_transcript_id,),
            ).fetchall()
            self.db.executemany(
                "INSERT INTO codings (segment_id, code_id, coder_id, created_at, origin, starred) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (segment_id, code_id, coder_id) DO NOTHING",
                [(mapping[seg], *rest) for seg, *rest in codings if seg in mapping],
            )
            memos = self.db.execute(
                "SELECT m.segment_id, m.coder_id, m.text, m.updated_at FROM memos m "
                "JOIN segments s ON s.id = m.segment_id WHERE s.transcript_id = ?",
                (old_transcript_id,),
            ).fetchall()
            self.db.executemany(
                "INSERT INTO memos (segment_id, coder_id, text, updated_at) VALUES (?, ?, ?, ?)",
                [(mapping[seg], *rest) for seg, *rest in memos if seg in mapping],
            )
        kept = sum(1 for seg, *_ in codings if seg in mapping)
        return kept, len(codings) - kept

    def set_transcript_participant(self, transcript_id: int, participant: str | None) -> None:
        with self.transaction():
            if participant:
                self.ensure_participant(participant)
            self.db.execute("UPDATE transcripts SET participant = ? WHERE id = ?", (participant, transcript_id))

    _SEGMENT_COLUMNS = "id, transcript_id, ordinal, start_offset, end_offset, speaker, media_start_ms, media_end_ms"

    def segments(self, transcript_id: int) -> list[Segment]:
        rows = self.db.execute(
            f"SELECT {self._SEGMENT_COLUMNS} FROM segments WHERE transcript_id = ? ORDER BY ordinal",
            (transcript_id,),
        ).fetchall()
        return [Segment(*row) for row in rows]

    def all_segments(self) -> list[Segment]:
        rows = self.db.execute(
            f"SELECT {self._SEGMENT_COLUMNS} FROM segments ORDER BY transcript_id, ordinal"
        ).fetchall()
        return [Segment(*row) for row in rows]

    def segment_id(self, transcript_id: int, ordinal: int) -> int | None:
        row = self.db.execute(
            "SELECT id FROM segments WHERE transcript_id = ? AND ordinal = ?", (transcript_id, ordinal)
        ).fetchone()
        return None if row is None else int(row[0])

    def segment_ids(self) -> list[int]:
        """Every segment id, in transcript then reading order."""
        return [r[0] for r in self.db.execute("SELECT id FROM segments ORDER BY transcript_id, ordinal")]

    # -- codebook --------------------------------------------------------

    _CODE_COLUMNS = (
        "id, name, parent_id, description, inclusion, exclusion, example, colour, shortcut, keywords, position"
    )

    @staticmethod
    def _code(row: Sequence[Any]) -> Code:
        cid, name, parent, desc, inc, exc, ex, colour, key, keywords, pos = row
        return Code(cid, name, parent, desc, inc, exc, ex, colour, key or "", tuple(json.loads(keywords)), pos)

    def codes(self) -> list[Code]:
        rows = self.db.execute(f"SELECT {self._CODE_COLUMNS} FROM codes ORDER BY position, name").fetchall()
        return [self._code(r) for r in rows]

    def code(self, code_id: str) -> Code | None:
        row = self.db.execute(f"SELECT {self._CODE_COLUMNS} FROM codes WHERE id = ?", (code_id,)).fetchone()
        return None if row is None else self._code(row)

    def insert_code(self, code: Code) -> None:
        self.db.execute(
            f"INSERT INTO codes ({self._CODE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            self._code_values(code),
        )

    def update_code(self, code: Code) -> None:
        values = self._code_values(code)
        self.db.execute(
            "UPDATE codes SET name = ?, parent_id = ?, description = ?, inclusion = ?, exclusion = ?, "
            "example = ?, colour = ?, shortcut = ?, keywords = ?, position = ? WHERE id = ?",
            (*values[1:], values[0]),
        )

    @staticmethod
    def _code_values(code: Code) -> tuple[Any, ...]:
        return (
            code.id,
            code.name,
            code.parent_id,
            code.description,
            code.inclusion,
            code.exclusion,
            code.example,
            code.colour,
            code.key or None,
            json.dumps(list(code.keywords), ensure_ascii=False),
            code.position,
        )

    def clear_shortcut_keys(self) -> None:
        self.db.execute("UPDATE codes SET shortcut = NULL")

    def delete_code(self, code_id: str) -> None:
        self.db.execute("DELETE FROM codes WHERE id = ?", (code_id,))

    def replace_codebook(self, codes: Iterable[Code]) -> None:
        """Put a whole codebook in place of an empty one (parents before children)."""
        for code in codes:
            self.insert_code(code)

    def code_usage(self) -> dict[str, int]:
        """How many codings each code has, over all coders."""
        return dict(self.db.execute("SELECT code_id, COUNT(*) FROM codings GROUP BY code_id").fetchall())

    def move_codings(self, from_code: str, to_code: str) -> int:
        """Give every coding of one code to another, keeping one coding per segment and coder."""
        cur = self.db.execute(
            "INSERT INTO codings (segment_id, code_id, coder_id, created_at, origin, starred) "
            "SELECT segment_id, ?, coder_id, created_at, origin, starred FROM codings WHERE code_id = ? "
            "ON CONFLICT (segment_id, code_id, coder_id) DO NOTHING",
            (to_code, from_code),
        )
        moved = cur.rowcount
        self.db.execute("DELETE FROM codings WHERE code_id = ?", (from_code,))
        self.db.execute("UPDATE memos SET code_id = ? WHERE code_id = ?", (to_code, from_code))
        self.db.execute("UPDATE selections SET code_id = ? WHERE code_id = ?", (to_code, from_code))
        return moved

    def delete_codings_of_code(self, code_id: str) -> int:
        cur = self.db.execute("DELETE FROM codings WHERE code_id = ?", (code_id,))
        self.db.execute("DELETE FROM memos WHERE code_id = ?", (code_id,))
        self.db.execute("DELETE FROM selections WHERE code_id = ?", (code_id,))
        return cur.rowcount

    # -- coders ------------------------------------------------------------

    def coders(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM coders ORDER BY id")]

    def coder_id(self, name: str, *, create: bool = False) -> int | None:
        row = self.db.execute("SELECT id FROM coders WHERE name = ?", (name,)).fetchone()
        if row is not None:
            return int(row[0])
        if not create:
            return None
        with self.transaction():
            cur = self.db.execute(
                "INSERT INTO coders (name, is_consensus) VALUES (?, ?)", (name, int(name == CONSENSUS))
            )
        return int(cur.lastrowid or 0)

    # -- codings -------------------------------------------------------------

    def add_coding(
        self, segment_id: int, code_id: str, coder: str, *, origin: str = "manual", at: str | None = None
    ) -> bool:
        """Apply a code to a segment for a coder; False when it was already there."""
        with self.transaction():
            coder_id = self.coder_id(coder, create=True)
            cur = self.db.execute(
                "INSERT INTO codings (segment_id, code_id, coder_id, created_at, origin) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (segment_id, code_id, coder_id) DO NOTHING",
                (segment_id, code_id, coder_id, at or now(), origin),
            )
        return cur.rowcount == 1

    def add_codings(self, rows: Iterable[tuple[int, str]], coder: str, *, origin: str = "manual") -> int:
        """Apply many ``(segment_id, code_id)`` pairs for a coder in one go; returns how many were new."""
        with self.transaction():
            coder_id = self.coder_id(coder, create=True)
            at = now()
            before = self.db.total_changes
            self.db.executemany(
                "INSERT INTO codings (segment_id, code_id, coder_id, created_at, origin) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (segment_id, code_id, coder_id) DO NOTHING",
                ((s, c, coder_id, at, origin) for s, c in rows),
            )
            return self.db.total_changes - before

    def remove_coding(self, segment_id: int, code_id: str, coder: str) -> bool:
        coder_id = self.coder_id(coder)
        if coder_id is None:
            return False
        with self.transaction():
            cur = self.db.execute(
                "DELETE FROM codings WHERE segment_id = ? AND code_id = ? AND coder_id = ?",
                (segment_id, code_id, coder_id),
            )
        return cur.rowcount == 1

    def remove_codings(self, rows: Iterable[tuple[int, str]], coder: str) -> int:
        """Take many ``(segment_id, code_id)`` pairs off a coder; returns how many were there."""
        coder_id = self.coder_id(coder)
        if coder_id is None:
            return 0
        with self.transaction():
            before = self.db.total_changes
            self.db.executemany(
                "DELETE FROM codings WHERE segment_id = ? AND code_id = ? AND coder_id = ?",
                ((s, c, coder_id) for s, c in rows),
            )
            return self.db.total_changes - before

    def starred_codings(self, coder: str, transcript_id: int) -> set[tuple[int, str]]:
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

    def clear_codings(self, coder: str) -> int:
        coder_id = self.coder_id(coder)
        if coder_id is None:
            return 0
        with self.transaction():
            return self.db.execute("DELETE FROM codings WHERE coder_id = ?", (coder_id,)).rowcount

    def codings(self, coder: str, transcript_id: int | None = None) -> list[tuple[int, str]]:
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

    def coding_columns(self, coder: str) -> tuple[list[int], list[str]]:
        """A coder's codings as two parallel columns (segment ids, code ids), for array work."""
        rows = self.db.execute(
            "SELECT c.segment_id, c.code_id FROM codings c JOIN coders k ON k.id = c.coder_id WHERE k.name = ?",
            (coder,),
        ).fetchall()
        if not rows:
            return [], []
        segs, codes = zip(*rows, strict=True)
        return list(segs), list(codes)

    def segment_index(self) -> tuple[list[int], list[int]]:
        """Every segment's id and transcript id, in reading order (transcript, then ordinal)."""
        rows = self.db.execute("SELECT id, transcript_id FROM segments ORDER BY transcript_id, ordinal").fetchall()
        if not rows:
            return [], []
        ids, transcripts = zip(*rows, strict=True)
        return list(ids), list(transcripts)

    def coded_segments_by_code(self, coder: str) -> dict[str, str]:
        """Per code id, the coder's segment ids as one comma-separated string.

        One short string per code instead of a row per coding: a million
        codings arrive in a few dozen rows and parse straight into arrays.
        """
        return dict(
            self.db.execute(
                "SELECT code_id, group_concat(segment_id) FROM codings "
                "WHERE coder_id = (SELECT id FROM coders WHERE name = ?) GROUP BY code_id",
                (coder,),
            ).fetchall()
        )

    def coding_count(self, coder: str) -> int:
        return int(
            self.db.execute(
                "SELECT COUNT(*) FROM codings WHERE coder_id = (SELECT id FROM coders WHERE name = ?)", (coder,)
            ).fetchone()[0]
        )

    def segment_keys(self) -> list[tuple[str, int, int, int, int]]:
        """Every segment as (transcript SHA-256, ordinal, id, start, end): how segments are matched across files."""
        return self.db.execute(
            "SELECT t.sha256, s.ordinal, s.id, s.start_offset, s.end_offset FROM segments s "
            "JOIN transcripts t ON t.id = s.transcript_id"
        ).fetchall()

    def coding_rows(self, coder: str) -> list[tuple[int, str, str, str, int]]:
        """A coder's codings in full: (segment id, code id, created at, origin, starred)."""
        return self.db.execute(
            "SELECT c.segment_id, c.code_id, c.created_at, c.origin, c.starred FROM codings c "
            "WHERE c.coder_id = (SELECT id FROM coders WHERE name = ?)",
            (coder,),
        ).fetchall()

    def put_coding_rows(self, coder: str, rows: Iterable[tuple[int, str, str, str, int]]) -> None:
        """Write full coding rows (as `coding_rows` gives them) for a coder, keeping their times and origins."""
        with self.transaction():
            coder_id = self.coder_id(coder, create=True)
            self.db.executemany(
                "INSERT INTO codings (segment_id, code_id, coder_id, created_at, origin, starred) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (segment_id, code_id, coder_id) DO NOTHING",
                ((s, c, coder_id, at, origin, starred) for s, c, at, origin, starred in rows),
            )

    def clear_segment_memos(self, coder: str) -> int:
        with self.transaction():
            return self.db.execute(
                "DELETE FROM memos WHERE segment_id IS NOT NULL AND coder_id = (SELECT id FROM coders WHERE name = ?)",
                (coder,),
            ).rowcount

    def keep_only_coder(self, coder: str) -> None:
        """Remove every other coder's work (codings, memos, spans, decisions): what a hand-out holds."""
        with self.transaction():
            others = "SELECT id FROM coders WHERE name <> ?"
            self.db.execute(f"DELETE FROM codings WHERE coder_id IN ({others})", (coder,))
            self.db.execute(f"DELETE FROM memos WHERE coder_id IN ({others})", (coder,))
            self.db.execute(f"DELETE FROM selections WHERE coder_id IN ({others})", (coder,))
            self.db.execute("DELETE FROM decisions")
            self.db.execute("DELETE FROM coders WHERE name <> ?", (coder,))

    def copy_to(self, target: str | Path) -> None:
        """Write a consistent copy of the whole project file (SQLite's online backup)."""
        copy = sqlite3.connect(target)
        try:
            self.db.backup(copy)
        finally:
            copy.close()

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

    def set_starred(self, segment_id: int, code_id: str, coder: str, starred: bool) -> None:
        with self.transaction():
            self.db.execute(
                "UPDATE codings SET starred = ? WHERE segment_id = ? AND code_id = ? AND coder_id = "
                "(SELECT id FROM coders WHERE name = ?)",
                (int(starred), segment_id, code_id, coder),
            )

    def coded_segments(self, coder: str) -> list[tuple[int, int, int, str | None, int, int, str, int]]:
        """A coder's codings with where they are, in reading order:
        (segment id, transcript id, ordinal, speaker, start, end, code id, starred)."""
        return self.db.execute(
            "SELECT s.id, s.transcript_id, s.ordinal, s.speaker, s.start_offset, s.end_offset, c.code_id, c.starred "
            "FROM codings c JOIN segments s ON s.id = c.segment_id "
            "WHERE c.coder_id = (SELECT id FROM coders WHERE name = ?) "
            "ORDER BY s.transcript_id, s.ordinal, c.code_id",
            (coder,),
        ).fetchall()

    def add_selection(
        self, guid: str, transcript_id: int, code_id: str | None, coder: str, start: int, end: int, description: str
    ) -> None:
        """Keep an exact span coded in another tool (REFI-QDA), beside its mapping onto segments."""
        with self.transaction():
            coder_id = self.coder_id(coder, create=True)
            self.db.execute(
                "INSERT INTO selections (id, transcript_id, code_id, coder_id, start_offset, end_offset, created_at, "
                "description) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING",
                (guid, transcript_id, code_id, coder_id, start, end, now(), description),
            )

    def selections(self) -> list[tuple[str, int, str | None, str, int, int, str]]:
        """Every kept span: (id, transcript id, code id, coder, start, end, description)."""
        return self.db.execute(
            "SELECT s.id, s.transcript_id, s.code_id, k.name, s.start_offset, s.end_offset, s.description "
            "FROM selections s LEFT JOIN coders k ON k.id = s.coder_id ORDER BY s.transcript_id, s.start_offset"
        ).fetchall()

    # -- processed text and suggestions ---------------------------------------

    def text_index(self, sha256: str, pipeline: str) -> bytes | None:
        row = self.db.execute(
            "SELECT data FROM text_index WHERE sha256 = ? AND pipeline = ?", (sha256, pipeline)
        ).fetchone()
        return None if row is None else base64.b64decode(row[0])

    def put_text_index(self, sha256: str, pipeline: str, data: bytes) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT INTO text_index (sha256, pipeline, data) VALUES (?, ?, ?) "
                "ON CONFLICT (sha256, pipeline) DO UPDATE SET data = excluded.data",
                (sha256, pipeline, base64.b64encode(data).decode("ascii")),
            )

    def reject_suggestion(self, segment_id: int, code_id: str, coder: str) -> None:
        with self.transaction():
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
                "SELECT segment_id, code_id FROM rejected_suggestions "
                "WHERE coder_id = (SELECT id FROM coders WHERE name = ?)",
                (coder,),
            )
        }

    def origin_counts(self, coder: str) -> dict[str, int]:
        """How many of a coder's codings came from each origin (manual, suggestion, import …)."""
        return dict(
            self.db.execute(
                "SELECT origin, COUNT(*) FROM codings WHERE coder_id = (SELECT id FROM coders WHERE name = ?) "
                "GROUP BY origin",
                (coder,),
            ).fetchall()
        )

    # -- pseudonyms ------------------------------------------------------------

    def pseudonyms(self) -> list[tuple[str, str, bool]]:
        """(original, replacement, confirmed) of every name or place to hide, longest first."""
        rows = self.db.execute("SELECT original, replacement, confirmed FROM pseudonyms").fetchall()
        return sorted(((o, r, bool(c)) for o, r, c in rows), key=lambda t: (-len(t[0]), t[0]))

    def set_pseudonym(self, original: str, replacement: str, *, confirmed: bool) -> None:
        with self.transaction():
            self.db.execute(
                "INSERT INTO pseudonyms (original, replacement, confirmed, added_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (original) DO UPDATE SET replacement = excluded.replacement, "
                "confirmed = excluded.confirmed",
                (original, replacement, int(confirmed), now()),
            )

    def delete_pseudonym(self, original: str) -> bool:
        with self.transaction():
            return self.db.execute("DELETE FROM pseudonyms WHERE original = ?", (original,)).rowcount == 1

    # -- the lead's decisions ------------------------------------------------

    def add_decision(
        self, segment_id: int, lead: str, coder_a: str, coder_b: str, choice: str, codes: list[str], note: str
    ) -> str:
        """Record a decision on a segment (kept as history; the newest one counts); returns its time."""
        at = now()
        with self.transaction():
            self.db.execute(
                "INSERT INTO decisions (segment_id, lead, coder_a, coder_b, choice, codes, note, decided_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (segment_id, lead, coder_a, coder_b, choice, json.dumps(codes), note, at),
            )
        return at

    def decisions(self, coder_a: str, coder_b: str) -> list[tuple[int, str, str, list[str], str, str]]:
        """Every decision on the disagreements of two coders, oldest first:
        (segment id, lead, choice, code ids, note, decided at)."""
        rows = self.db.execute(
            "SELECT segment_id, lead, choice, codes, note, decided_at FROM decisions "
            "WHERE coder_a = ? AND coder_b = ? ORDER BY id",
            (coder_a, coder_b),
        ).fetchall()
        return [(s, lead, choice, json.loads(codes), note, at) for s, lead, choice, codes, note, at in rows]

    def set_segment_codes(self, segment_id: int, coder: str, code_ids: Iterable[str], origin: str) -> None:
        """Make a coder's codes on one segment exactly these."""
        with self.transaction():
            coder_id = self.coder_id(coder, create=True)
            self.db.execute("DELETE FROM codings WHERE segment_id = ? AND coder_id = ?", (segment_id, coder_id))
            at = now()
            self.db.executemany(
                "INSERT INTO codings (segment_id, code_id, coder_id, created_at, origin) VALUES (?, ?, ?, ?, ?)",
                ((segment_id, c, coder_id, at, origin) for c in sorted(set(code_ids))),
            )

    # -- memos ---------------------------------------------------------------

    def segment_memo(self, segment_id: int, coder: str) -> str:
        row = self.db.execute(
            "SELECT m.text FROM memos m JOIN coders k ON k.id = m.coder_id WHERE m.segment_id = ? AND k.name = ?",
            (segment_id, coder),
        ).fetchone()
        return "" if row is None else str(row[0])

    def set_segment_memo(self, segment_id: int, coder: str, text: str) -> None:
        """Write (or with empty text, remove) a coder's memo on a segment."""
        with self.transaction():
            coder_id = self.coder_id(coder, create=True)
            if text.strip():
                self.db.execute(
                    "INSERT INTO memos (coder_id, segment_id, text, updated_at) VALUES (?, ?, ?, ?) "
                    "ON CONFLICT (coder_id, segment_id) WHERE segment_id IS NOT NULL "
                    "DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at",
                    (coder_id, segment_id, text, now()),
                )
            else:
                self.db.execute("DELETE FROM memos WHERE coder_id = ? AND segment_id = ?", (coder_id, segment_id))

    def segment_memos(self, coder: str) -> dict[int, str]:
        return dict(
            self.db.execute(
                "SELECT m.segment_id, m.text FROM memos m JOIN coders k ON k.id = m.coder_id "
                "WHERE k.name = ? AND m.segment_id IS NOT NULL",
                (coder,),
            ).fetchall()
        )


def _natural_key(text: str) -> tuple[Any, ...]:
    """Sort P2 before P10."""
    import re

    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text))


def _split_sql(script: str) -> list[str]:
    """Split a schema script into statements (it holds no semicolons inside strings)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _check_is_project(path: Path) -> None:
    """Refuse, with a clear message, anything that is not a qualcode project file."""
    if not path.exists():
        raise BadInput("no such project file; create it with 'qualcode init'", where=str(path))
    if path.is_dir():
        raise BadInput("is a folder, not a project file", where=str(path))
    with path.open("rb") as f:
        header = f.read(100)
    if not header.startswith(b"SQLite format 3\x00") or len(header) < 100:
        raise BadInput("is not a qualcode project file", where=str(path))
    if int.from_bytes(header[68:72], "big") != APPLICATION_ID:
        raise BadInput("is an SQLite database but not a qualcode project", where=str(path))
