"""Moving a whole study between a project file and a server: every table, row for row, ids kept.

A push copies with PostgreSQL's COPY, so a study of a million words moves in
seconds; a pull writes a new project file in one SQLite transaction. Both
sides have the same schema version (each side is brought up to date first),
so the columns are read off the file's tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.core.store.database import Database

if TYPE_CHECKING:
    from qualcode.core.store.postgres import ServerDatabase

INDEX_TABLES = (
    "text_index",
    "search_documents",
    "search_terms",
    "search_postings",
    "search_tokens",
    "search_offsets",
    "search_document_terms",
    "search_capitals",
)
"""The text and search indexes: caches of the transcripts' tokens, which any reader may build."""

TABLES = (
    "settings",
    "participants",
    "transcripts",
    "segments",
    "codes",
    "coders",
    "transcripts_done",
    "codings",
    "memos",
    "journal",
    "spans",
    "selections",
    "decisions",
    "pseudonyms",
    "handouts",
    "audit_log",
    "rejected_suggestions",
    *INDEX_TABLES,
)
"""Every table of a study, parents before the tables that point at them."""

_BATCH = 5000


def columns(file: Database, table: str) -> list[str]:
    return [row[1] for row in file.execute(f"PRAGMA table_info({table})")]


def _numbered(file: Database, table: str) -> bool:
    """Does the table number its rows (an INTEGER PRIMARY KEY id, an identity on the server)?"""
    return any(
        name == "id" and kind.upper() == "INTEGER" and pk
        for _cid, name, kind, _notnull, _default, pk in file.execute(f"PRAGMA table_info({table})")
    )


def file_to_server(file: Database, server: ServerDatabase) -> dict[str, int]:
    """Copy every row of the file into the server's (empty) tables, inside the caller's transaction.

    Returns the rows copied per table. Identity counters are moved past the
    copied ids, so rows added on the server later get new ones.
    """
    counts: dict[str, int] = {}
    cur = server.conn.cursor()
    for table in TABLES:
        names = columns(file, table)
        listed = ", ".join(names)
        n = 0
        with cur.copy(f"COPY {table} ({listed}) FROM STDIN") as copy:
            for row in file.execute(f"SELECT {listed} FROM {table}"):
                copy.write_row(row)
                n += 1
        counts[table] = n
        if _numbered(file, table):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
            )
    return counts


def server_to_file(server: ServerDatabase, file: Database) -> dict[str, int]:
    """Copy every row the server lets this role read into a new file's tables, inside a transaction of each."""
    counts: dict[str, int] = {}
    file.execute("DELETE FROM settings")
    for table in TABLES:
        names = columns(file, table)
        listed = ", ".join(names)
        marks = ", ".join("?" * len(names))
        n = 0
        # A server-side cursor (the caller's transaction holds it): rows arrive in batches, not all at once.
        with server.conn.cursor(name=f"pull_{table}") as cur:
            cur.execute(f"SELECT {listed} FROM {table}")
            while rows := cur.fetchmany(_BATCH):
                file.executemany(f"INSERT INTO {table} ({listed}) VALUES ({marks})", rows)
                n += len(rows)
        counts[table] = n
    return counts


def clear_server(server: ServerDatabase) -> None:
    """Empty every table of the server's study (a push with --replace), inside the caller's transaction."""
    server.conn.execute(f"TRUNCATE {', '.join(TABLES)} RESTART IDENTITY")


def snapshot(server: ServerDatabase, target: Path) -> dict[str, int]:
    """A new project file at ``target`` holding what the server lets this role read, as of one moment."""
    from qualcode.core.store.database import now

    file = Database(target, create=True)
    try:
        file.create_schema({"study_id": "", "created_at": now()})
        with server.transaction():
            # One snapshot of the whole study: every table is read as of the same commit.
            server.conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            with file.transaction():
                counts = server_to_file(server, file)
        file.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        file.close()
    return counts
