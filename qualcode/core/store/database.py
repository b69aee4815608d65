"""The connection to a project file: opening, the schema and its migrations, and the transaction scope.

Every repository of a `Store` shares one `Database`, so changes to several
aggregates join one transaction. The SQL is kept portable (no SQLite-only
functions in queries) so that a second engine can stand under the same
repositories.

A connection belongs to the thread that opened it: a worker thread opens its
own `Store` on the same path.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

from qualcode.core.errors import BadInput, ProjectBusy

SCHEMA_VERSION = 10
APPLICATION_ID = 0x51434F44  # "QCOD": marks a SQLite file as a qualcode project


def _busy_timeout_from_env(default: float = 10.0) -> float:
    """Seconds from ``QUALCODE_BUSY_TIMEOUT``; an unset, unreadable or negative value keeps the default."""
    try:
        value = float(os.environ.get("QUALCODE_BUSY_TIMEOUT", ""))
    except ValueError:
        return default
    return value if math.isfinite(value) and value >= 0 else default


BUSY_TIMEOUT_S = _busy_timeout_from_env()
"""How long a command waits for another process's write to finish before it gives up.

10 s, or ``QUALCODE_BUSY_TIMEOUT`` seconds when that is set (read once, when qualcode starts).
"""

SPANS = """
CREATE TABLE spans (
    id            INTEGER PRIMARY KEY,
    transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
    code_id       TEXT NOT NULL REFERENCES codes(id),
    coder_id      INTEGER NOT NULL REFERENCES coders(id),
    start_offset  INTEGER NOT NULL,   -- code points into the transcript's text
    end_offset    INTEGER NOT NULL,   -- exclusive
    created_at    TEXT NOT NULL,
    origin        TEXT NOT NULL DEFAULT 'manual',
    starred       INTEGER NOT NULL DEFAULT 0,
    guid          TEXT,               -- the REFI-QDA selection it came from, if any
    CHECK (end_offset > start_offset),
    UNIQUE (transcript_id, coder_id, code_id, start_offset, end_offset)
);
CREATE INDEX spans_by_code ON spans (code_id);
"""
"""The span codings table, as schema.sql makes it (the migration to schema 7 makes the same)."""

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
    2: """
    CREATE TABLE handouts (
        id         TEXT PRIMARY KEY,
        coder      TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    ALTER TABLE pseudonyms ADD COLUMN prefix INTEGER NOT NULL DEFAULT 0;
    """,
    3: """
    -- The search index (see core/store/search_index.py): a document is one transcript text (by SHA-256)
    -- as one pipeline tokenised it; positions count its tokens without hyphens and slashes.
    -- Covering indexes: which texts are indexed is read without passing over the transcripts' texts.
    CREATE INDEX transcripts_by_sha256 ON transcripts (sha256);
    CREATE INDEX transcripts_for_search ON transcripts (id, name, participant, sha256, lang);
    CREATE TABLE search_documents (
        id       INTEGER PRIMARY KEY,
        sha256   TEXT NOT NULL,
        pipeline TEXT NOT NULL,
        UNIQUE (sha256, pipeline)
    );
    CREATE TABLE search_terms (
        id   INTEGER PRIMARY KEY,
        term TEXT NOT NULL UNIQUE         -- a lower-case form or a lemma
    );
    CREATE TABLE search_postings (
        term_id     INTEGER NOT NULL,
        kind        INTEGER NOT NULL,     -- 0 form, 1 lemma, 2 form that is also the lemma
        document_id INTEGER NOT NULL,
        position    INTEGER NOT NULL,
        PRIMARY KEY (term_id, kind, document_id, position)
    ) WITHOUT ROWID;
    CREATE TABLE search_tokens (
        document_id    INTEGER NOT NULL,
        position       INTEGER NOT NULL,
        start_offset   INTEGER NOT NULL,
        end_offset     INTEGER NOT NULL,
        sentence_start INTEGER NOT NULL,  -- where its sentence starts, -1 before the first
        sentence_end   INTEGER NOT NULL,  -- where the next sentence starts, -1 after the last
        segment        INTEGER NOT NULL,  -- the ordinal of its segment
        flags          INTEGER NOT NULL,  -- 1: written with a lower-case first letter
        PRIMARY KEY (document_id, position)
    ) WITHOUT ROWID;
    CREATE TABLE search_document_terms (
        document_id INTEGER NOT NULL,
        term_id     INTEGER NOT NULL,
        PRIMARY KEY (document_id, term_id)
    ) WITHOUT ROWID;
    -- Capitalised words that do not start a sentence, counted per document: pseudonym candidates.
    CREATE TABLE search_capitals (
        document_id INTEGER NOT NULL,
        word        TEXT NOT NULL,
        term_id     INTEGER NOT NULL,
        n           INTEGER NOT NULL,
        first_start INTEGER NOT NULL,     -- where it is first written
        PRIMARY KEY (document_id, word)
    ) WITHOUT ROWID;
    """,
    4: """
    -- The search index packed: postings one row per (term, kind, document), tokens one row per document.
    -- The row-per-token tables of schema 4 are dropped; the index is built again on first use.
    DROP TABLE search_postings;
    DROP TABLE search_tokens;
    DROP TABLE search_document_terms;
    DROP TABLE search_capitals;
    DROP TABLE IF EXISTS search_offsets;
    DELETE FROM search_documents;
    DELETE FROM search_terms;
    CREATE TABLE search_postings (
        term_id     INTEGER NOT NULL,
        kind        INTEGER NOT NULL,     -- 0 form, 1 lemma, 2 form that is also the lemma
        document_id INTEGER NOT NULL,
        positions   BLOB NOT NULL,        -- its token positions in the document: little-endian int32, ascending
        PRIMARY KEY (term_id, kind, document_id)
    ) WITHOUT ROWID;
    -- One row per document of packed arrays (little-endian int32 unless said).
    CREATE TABLE search_tokens (
        document_id      INTEGER PRIMARY KEY,
        sentences        BLOB NOT NULL,   -- character offsets where sentences start, ascending
        segment_firsts   BLOB NOT NULL,   -- the first position of each segment with tokens
        segment_ordinals BLOB NOT NULL,   -- and that segment's ordinal
        flags            BLOB NOT NULL    -- one byte per token by position, 1: written with a lower-case first letter
    );
    -- Where each token starts and ends, in blocks of 256 positions, so a hit reads its own block only.
    CREATE TABLE search_offsets (
        block_key   INTEGER PRIMARY KEY,  -- document_id * 2^20 + position / 256
        document_id INTEGER NOT NULL,
        starts      BLOB NOT NULL,
        ends        BLOB NOT NULL
    );
    -- The terms of a document (packed int32 ids), so dropping it deletes its postings by key.
    CREATE TABLE search_document_terms (
        document_id INTEGER PRIMARY KEY,
        terms       BLOB NOT NULL
    );
    -- Capitalised words that do not start a sentence, counted per document: pseudonym candidates.
    CREATE TABLE search_capitals (
        document_id INTEGER NOT NULL,
        word        TEXT NOT NULL,
        term_id     INTEGER NOT NULL,
        n           INTEGER NOT NULL,
        first_start INTEGER NOT NULL,     -- where it is first written
        PRIMARY KEY (document_id, word)
    ) WITHOUT ROWID;
    """,
    5: """
    -- Postings of the documents indexed together (a block) in one row per (term, kind); the text
    -- index as a BLOB of packed arrays. Both are built again on first use.
    DROP TABLE search_postings;
    DROP TABLE text_index;
    DELETE FROM search_tokens;
    DELETE FROM search_offsets;
    DELETE FROM search_document_terms;
    DELETE FROM search_capitals;
    DELETE FROM search_documents;
    DELETE FROM search_terms;
    ALTER TABLE search_documents ADD COLUMN block INTEGER NOT NULL DEFAULT 0;
    CREATE TABLE search_postings (
        term_id INTEGER NOT NULL,
        kind    INTEGER NOT NULL,         -- 0 form, 1 lemma, 2 form that is also the lemma
        block   INTEGER NOT NULL,         -- the first document of the block
        keys    BLOB NOT NULL,            -- (document << 32 | position) as little-endian int64, ascending
        PRIMARY KEY (term_id, kind, block)
    ) WITHOUT ROWID;
    CREATE TABLE text_index (
        sha256   TEXT NOT NULL,
        pipeline TEXT NOT NULL,
        data     BLOB NOT NULL,
        PRIMARY KEY (sha256, pipeline)
    );
    """,
    6: """
    -- Codings of exact passages. The spans a REFI-QDA import kept beside its segment codings
    -- become span codings; a span equal to a segment stays the segment's coding, and the segment
    -- codings the import derived from a span are counted from the span now (the same segments).
    """
    + SPANS
    + """
    INSERT INTO spans (transcript_id, code_id, coder_id, start_offset, end_offset, created_at, origin, guid)
        SELECT transcript_id, code_id, coder_id, start_offset, end_offset, created_at, 'import', id
        FROM selections WHERE code_id IS NOT NULL AND coder_id IS NOT NULL AND end_offset > start_offset
        ON CONFLICT DO NOTHING;
    DELETE FROM selections WHERE code_id IS NOT NULL AND coder_id IS NOT NULL;
    DELETE FROM codings WHERE origin = 'import' AND EXISTS (
        SELECT 1 FROM spans p JOIN segments g ON g.id = codings.segment_id
        WHERE p.transcript_id = g.transcript_id AND p.coder_id = codings.coder_id AND p.code_id = codings.code_id
        AND g.start_offset < p.end_offset AND g.end_offset > p.start_offset
        AND ((p.start_offset >= g.start_offset AND p.end_offset <= g.end_offset)
             OR 2 * (MIN(g.end_offset, p.end_offset) - MAX(g.start_offset, p.start_offset))
                >= g.end_offset - g.start_offset))
    AND NOT EXISTS (
        SELECT 1 FROM spans p JOIN segments g ON g.id = codings.segment_id
        WHERE p.transcript_id = g.transcript_id AND p.coder_id = codings.coder_id AND p.code_id = codings.code_id
        AND p.start_offset = g.start_offset AND p.end_offset = g.end_offset);
    DELETE FROM spans WHERE EXISTS (
        SELECT 1 FROM segments g WHERE g.transcript_id = spans.transcript_id
        AND g.start_offset = spans.start_offset AND g.end_offset = spans.end_offset);
    """,
    7: """
    -- A decision keeps the exact passages it put into the consensus, where they are not whole segments.
    ALTER TABLE decisions ADD COLUMN spans TEXT NOT NULL DEFAULT '{}';
    -- Memos on exact passages: a transcript and the passage's offsets.
    ALTER TABLE memos ADD COLUMN start_offset INTEGER;
    ALTER TABLE memos ADD COLUMN end_offset INTEGER;
    CREATE UNIQUE INDEX memos_one_per_passage ON memos (coder_id, transcript_id, start_offset, end_offset)
        WHERE start_offset IS NOT NULL;
    -- Exclusive groups: a code whose children exclude each other on a segment.
    ALTER TABLE codes ADD COLUMN exclusive INTEGER NOT NULL DEFAULT 0;
    -- A coder keeps the REFI-QDA User GUID it came with.
    ALTER TABLE coders ADD COLUMN guid TEXT;
    -- Folders of codes (REFI-QDA's isCodable="false") are kept as such.
    ALTER TABLE codes ADD COLUMN codable INTEGER NOT NULL DEFAULT 1;
    -- Transcripts a coder marked done, for the agreement report's units.
    CREATE TABLE transcripts_done (
        transcript_id INTEGER NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE,
        coder_id      INTEGER NOT NULL REFERENCES coders(id),
        done_at       TEXT NOT NULL,
        PRIMARY KEY (transcript_id, coder_id)
    );
    """,
    8: """
    -- A coder's memo on a code, beside its definition: one per code and coder.
    CREATE UNIQUE INDEX memos_one_per_code ON memos (coder_id, code_id)
        WHERE code_id IS NOT NULL AND segment_id IS NULL AND start_offset IS NULL;
    -- The project's journal: dated entries by their authors.
    CREATE TABLE journal (
        id     INTEGER PRIMARY KEY,
        author TEXT NOT NULL,
        at     TEXT NOT NULL,
        text   TEXT NOT NULL
    );
    CREATE INDEX journal_by_time ON journal (at);
    """,
    9: """
    -- Each code counts its edits: an edit made on an older version than the stored one is refused.
    ALTER TABLE codes ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
    """,
}


def now() -> str:
    """The current time as an ISO 8601 string in UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def _schema_sql() -> str:
    return resources.files("qualcode.core.store").joinpath("schema.sql").read_text(encoding="utf-8")


class TransactionScope:
    """The transaction scope both engines share: nested calls join the outermost, which commits or rolls back.

    An engine gives ``_begin``, ``_commit`` and ``_abandon`` (roll back what is open, if the connection
    still can) and keeps ``_depth`` (an engine whose connection is lost sets it to 0).
    """

    _depth: int

    def _begin(self) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def _abandon(self) -> None:
        raise NotImplementedError

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group changes: all of them are written, or none (nested calls join the outer one)."""
        if self._depth == 0:
            self._begin()
        self._depth += 1
        try:
            yield
        except BaseException:
            self._depth = max(0, self._depth - 1)
            if self._depth == 0:
                self._abandon()
            raise
        self._depth -= 1
        if self._depth == 0:
            try:
                self._commit()
            except BaseException:
                self._abandon()
                raise


class Database(TransactionScope):
    """One open project file: the connection and the transaction every repository joins."""

    engine = "sqlite"

    def __init__(self, path: str | Path, *, create: bool = False, timeout: float = BUSY_TIMEOUT_S) -> None:
        self.path = Path(path)
        if create:
            if self.path.exists() or self.path.is_symlink():
                raise BadInput("already exists; choose another name or delete it first", where=str(path))
            if not self.path.parent.is_dir():
                raise BadInput("the folder does not exist", where=str(path))
        else:
            check_is_project(self.path)
        self.timeout = timeout
        """Seconds a write waits for another process's write to finish before `ProjectBusy`."""
        self.db = sqlite3.connect(self.path, isolation_level=None, timeout=timeout)
        self.db.execute("PRAGMA foreign_keys = ON")
        self._depth = 0

    @contextmanager
    def _busy_is_project_busy(self) -> Iterator[None]:
        """Turn SQLite's "database is locked" into `ProjectBusy`, which names the file and the wait."""
        try:
            yield
        except sqlite3.OperationalError as e:
            # The primary code: extended ones (SQLITE_BUSY_SNAPSHOT …) are busy as well.
            if e.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise ProjectBusy(str(self.path), waited=self.timeout) from e
            raise

    @contextmanager
    def waiting_at_most(self, seconds: float) -> Iterator[None]:
        """For the writes inside, wait at most ``seconds`` for a busy file; the usual wait comes back after.

        The workbench retries its pending changes with no wait at all, so a
        retry during a long merge costs the screen nothing.
        """
        usual = self.timeout
        self.db.execute(f"PRAGMA busy_timeout = {int(seconds * 1000)}")
        self.timeout = seconds
        try:
            yield
        finally:
            self.db.execute(f"PRAGMA busy_timeout = {int(usual * 1000)}")
            self.timeout = usual

    def create_schema(self, settings: dict[str, Any]) -> None:
        """Lay out a new project's tables and first settings, or leave no file behind."""
        try:
            with self.transaction():
                for statement in split_sql(_schema_sql()):
                    self.db.execute(statement)
                self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                for key, value in settings.items():
                    self.db.execute(
                        "INSERT INTO settings (key, value) VALUES (?, ?)", (key, json.dumps(value, ensure_ascii=False))
                    )
        except BaseException:
            self.db.close()
            self.path.unlink(missing_ok=True)
            raise
        self._journal()

    def upgrade(self) -> None:
        """Bring an older project file to this schema; refuse a newer or a damaged one."""
        version = self.schema_version()
        if version > SCHEMA_VERSION:
            self.db.close()
            raise BadInput(
                f"was written by a newer qualcode (schema {version}, this one knows {SCHEMA_VERSION}); "
                "upgrade qualcode to open it",
                where=str(self.path),
            )
        if version < 1:
            self.db.close()
            raise BadInput(
                f"has schema version {version}, which no qualcode wrote; the file is damaged — "
                "restore it from a backup",
                where=str(self.path),
            )
        if version < SCHEMA_VERSION:
            with self.transaction():
                for v in range(version, SCHEMA_VERSION):
                    for statement in split_sql(MIGRATIONS[v]):
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        self._journal()

    def _journal(self) -> None:
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = NORMAL")

    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    def close(self) -> None:
        self.db.close()

    def _begin(self) -> None:
        # The write lock is taken here, at the start, so a busy file is found
        # before anything is changed and the whole transaction can be tried again.
        with self._busy_is_project_busy():
            self.db.execute("BEGIN IMMEDIATE")

    def _commit(self) -> None:
        with self._busy_is_project_busy():
            self.db.execute("COMMIT")

    def _abandon(self) -> None:
        if self.db.in_transaction:
            self.db.execute("ROLLBACK")

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        with self._busy_is_project_busy():
            return self.db.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        with self._busy_is_project_busy():
            return self.db.executemany(sql, rows)

    @staticmethod
    def joined_ids(column: str) -> str:
        """An aggregate joining a column's integers with commas (the dialect's one spelling of it)."""
        return f"group_concat({column})"


def read_json(text: str, where: str) -> Any:
    """JSON kept in a column; a damaged value is named, never a traceback."""
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        raise BadInput(
            "holds damaged data (not valid JSON); restore the project from a backup or correct that row",
            where=where,
        ) from None


def split_sql(script: str) -> list[str]:
    """Split a schema script into statements (it holds no semicolons inside strings)."""
    lines = [line.split("--", 1)[0] for line in script.splitlines()]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def check_is_project(path: Path) -> None:
    """Refuse, with a clear message, anything that is not a qualcode project file."""
    if not path.exists():
        raise BadInput("no such project file; create it with 'qualcode init'", where=str(path))
    if path.is_dir():
        raise BadInput("is a folder, not a project file", where=str(path))
    try:
        with path.open("rb") as f:
            header = f.read(100)
    except OSError as e:
        raise BadInput(f"cannot be read ({e.strerror})", where=str(path)) from None
    if not header.startswith(b"SQLite format 3\x00") or len(header) < 100:
        raise BadInput("is not a qualcode project file", where=str(path))
    if int.from_bytes(header[68:72], "big") != APPLICATION_ID:
        raise BadInput("is an SQLite database but not a qualcode project", where=str(path))
