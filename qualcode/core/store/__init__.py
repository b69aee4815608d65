"""The project file: one SQLite database per study, one repository per aggregate. All SQL lives here.

``Store`` opens the file and holds the repositories, which share its one
connection and its transaction scope: ``with store.transaction():`` groups
changes to several of them into one all-or-nothing write.
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.core.errors import BadInput
from qualcode.core.store.codebook import Codebook
from qualcode.core.store.codings import Codings
from qualcode.core.store.database import BUSY_TIMEOUT_S, SCHEMA_VERSION, Database, now
from qualcode.core.store.decisions import Decisions
from qualcode.core.store.handouts import Handouts
from qualcode.core.store.memos import Journal, Memos
from qualcode.core.store.postgres import is_server_url
from qualcode.core.store.pseudonyms import Pseudonyms
from qualcode.core.store.search_index import SearchIndex
from qualcode.core.store.settings import Audit, Settings
from qualcode.core.store.textindex import TextIndex
from qualcode.core.store.transcripts import Participants, Transcripts

if TYPE_CHECKING:
    from qualcode.core.store.postgres import CodebookWatch, ServerDatabase

__all__ = ["SCHEMA_VERSION", "Store", "check_codings", "now"]

DAMAGED = "the file was changed outside qualcode (with foreign keys off); restore it from a backup"


class Store:
    """A qualcode project file and its repositories."""

    def __init__(self, path: str | Path, *, create: bool = False, timeout: float = BUSY_TIMEOUT_S) -> None:
        self.database: Database | ServerDatabase
        if is_server_url(path):
            from qualcode.core.store.postgres import ServerDatabase

            self.database = ServerDatabase(str(path), create=create, timeout=timeout)
        else:
            self.database = Database(path, create=create, timeout=timeout)
        if create:
            self.database.create_schema({"study_id": str(uuid.uuid4()), "created_at": now()})
        else:
            self.database.upgrade()
            if isinstance(self.database, Database):
                # A server keeps its foreign keys always; a file only when every tool that wrote it asked.
                try:
                    check_codings(self.database)
                except BaseException:
                    self.database.close()
                    raise
        self.settings = Settings(self.database)
        self.audit = Audit(self.database)
        self.participants = Participants(self.database)
        self.transcripts = Transcripts(self.database, self.participants)
        self.codebook = Codebook(self.database)
        self.codings = Codings(self.database)
        self.memos = Memos(self.database, self.codings)
        self.journal = Journal(self.database)
        self.decisions = Decisions(self.database)
        self.pseudonyms = Pseudonyms(self.database)
        self.text_index = TextIndex(self.database)
        self.search_index = SearchIndex(self.database)
        self.handouts = Handouts(self.database, self.settings)

    @property
    def path(self) -> Path:
        """The project file, or for a server study its URL (a `ServerURL`, which has ``name`` and ``stem``)."""
        return self.database.path  # type: ignore[return-value]

    @property
    def on_server(self) -> bool:
        return self.database.engine == "postgresql"

    def watch_codebook(self) -> CodebookWatch | None:
        """For a server study, a watch that hears anyone's committed codebook edit (LISTEN/NOTIFY); None for a
        file, which only this machine's sessions write and which the workbench reads again when it returns."""
        return self.database.watch_codebook() if self.on_server else None  # type: ignore[union-attr]

    @property
    def study_id(self) -> str:
        return self.settings.study_id

    def schema_version(self) -> int:
        return self.database.schema_version()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group changes to any repositories: all of them are written, or none."""
        with self.database.transaction():
            yield

    def keep_only_coder(self, coder: str) -> None:
        """Remove every other coder's work (codings, memos, spans, done marks, decisions, journal entries):
        what a hand-out holds."""
        db = self.database
        with db.transaction():
            others = "SELECT id FROM coders WHERE name <> ?"
            db.execute(f"DELETE FROM codings WHERE coder_id IN ({others})", (coder,))
            db.execute(f"DELETE FROM memos WHERE coder_id IN ({others})", (coder,))
            db.execute(f"DELETE FROM selections WHERE coder_id IN ({others})", (coder,))
            db.execute(f"DELETE FROM spans WHERE coder_id IN ({others})", (coder,))
            db.execute(f"DELETE FROM rejected_suggestions WHERE coder_id IN ({others})", (coder,))
            db.execute(f"DELETE FROM transcripts_done WHERE coder_id IN ({others})", (coder,))
            db.execute("DELETE FROM decisions")
            db.execute("DELETE FROM journal WHERE author <> ?", (coder,))
            db.execute("DELETE FROM coders WHERE name <> ?", (coder,))

    def copy_to(self, target: str | Path) -> None:
        """Write a consistent copy of the whole project to a new file (for a server study: what this role
        may read, as of one moment)."""
        if self.on_server:
            from qualcode.core.store.transfer import snapshot

            snapshot(self.database, Path(target))  # type: ignore[arg-type]
            return
        copy = sqlite3.connect(target)
        try:
            self.database.db.backup(copy)  # type: ignore[union-attr]
        finally:
            copy.close()

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the file, so the file alone is the whole project (before a copy)."""
        if not self.on_server:
            self.database.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        self.database.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def check_codings(database: Database) -> None:
    """Refuse a project whose codings lie on a segment, code or coder that does not exist.

    SQLite keeps foreign keys only when each connection asks for them, so a tool
    that edited the file without doing so can leave such codings behind; they
    would be silently left out of agreement and analysis. ``PRAGMA
    foreign_key_check`` reads every coding (about 270 ms for a million of them),
    so this reads only indexes: the codings' lowest and highest segment id
    against the segments' id range, the gaps in that range (segments are
    numbered in runs, one per transcript, so gaps are few), and the distinct
    code and coder ids, one index seek each (a codebook has at most 5,000 codes).
    Measured on a million codings over 50,000 segments and 100 codes: 1 ms, and
    23 ms when every thousandth segment is gone (50 gaps to look into).
    """
    db = database.db
    # One MIN or MAX per query: SQLite answers those from an index end, but scans for two together.
    first = db.execute("SELECT MIN(segment_id) FROM codings").fetchone()[0]
    if first is None:
        return
    last = db.execute("SELECT MAX(segment_id) FROM codings").fetchone()[0]
    low = db.execute("SELECT MIN(id) FROM segments").fetchone()[0]
    high = db.execute("SELECT MAX(id) FROM segments").fetchone()[0]
    count = db.execute("SELECT COUNT(*) FROM segments").fetchone()[0]
    missing = None
    if count == 0 or first < low:
        missing = first
    elif last > high:
        missing = last
    elif high - low + 1 != count:
        # Walked in Python: faster here than a LEAD() window over the same rows.
        previous = db.execute("SELECT MAX(id) FROM segments WHERE id <= ?", (first,)).fetchone()[0]
        for (segment_id,) in db.execute("SELECT id FROM segments WHERE id > ? ORDER BY id", (first,)):
            if segment_id > previous + 1:
                hit = db.execute(
                    "SELECT MIN(segment_id) FROM codings WHERE segment_id > ? AND segment_id < ?",
                    (previous, segment_id),
                ).fetchone()[0]
                if hit is not None:
                    missing = hit
                    break
            if segment_id >= last:
                break
            previous = segment_id
    if missing is not None:
        raise BadInput(f"holds codings on segment {missing}, which does not exist; {DAMAGED}", where=str(database.path))
    for column, table, what in (("code_id", "codes", "code"), ("coder_id", "coders", "coder")):
        known = {row[0] for row in db.execute(f"SELECT id FROM {table}")}  # noqa: S608 - fixed names
        value = db.execute(f"SELECT MIN({column}) FROM codings").fetchone()[0]
        while value is not None:
            if value not in known:
                raise BadInput(
                    f"holds codings of {what} {value}, which does not exist; {DAMAGED}", where=str(database.path)
                )
            value = db.execute(f"SELECT MIN({column}) FROM codings WHERE {column} > ?", (value,)).fetchone()[0]
