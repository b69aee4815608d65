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

from qualcode.core.store.codebook import Codebook
from qualcode.core.store.codings import Codings
from qualcode.core.store.database import BUSY_TIMEOUT_S, SCHEMA_VERSION, Database, now
from qualcode.core.store.decisions import Decisions
from qualcode.core.store.handouts import Handouts
from qualcode.core.store.memos import Memos
from qualcode.core.store.pseudonyms import Pseudonyms
from qualcode.core.store.settings import Audit, Settings
from qualcode.core.store.textindex import TextIndex
from qualcode.core.store.transcripts import Participants, Transcripts

__all__ = ["SCHEMA_VERSION", "Store", "now"]


class Store:
    """A qualcode project file and its repositories."""

    def __init__(self, path: str | Path, *, create: bool = False, timeout: float = BUSY_TIMEOUT_S) -> None:
        self.database = Database(path, create=create, timeout=timeout)
        if create:
            self.database.create_schema({"study_id": str(uuid.uuid4()), "created_at": now()})
        else:
            self.database.upgrade()
        self.settings = Settings(self.database)
        self.audit = Audit(self.database)
        self.participants = Participants(self.database)
        self.transcripts = Transcripts(self.database, self.participants)
        self.codebook = Codebook(self.database)
        self.codings = Codings(self.database)
        self.memos = Memos(self.database, self.codings)
        self.decisions = Decisions(self.database)
        self.pseudonyms = Pseudonyms(self.database)
        self.text_index = TextIndex(self.database)
        self.handouts = Handouts(self.database, self.settings)

    @property
    def path(self) -> Path:
        return self.database.path

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
        """Remove every other coder's work (codings, memos, spans, decisions): what a hand-out holds."""
        db = self.database
        with db.transaction():
            others = "SELECT id FROM coders WHERE name <> ?"
            db.execute(f"DELETE FROM codings WHERE coder_id IN ({others})", (coder,))
            db.execute(f"DELETE FROM memos WHERE coder_id IN ({others})", (coder,))
            db.execute(f"DELETE FROM selections WHERE coder_id IN ({others})", (coder,))
            db.execute(f"DELETE FROM rejected_suggestions WHERE coder_id IN ({others})", (coder,))
            db.execute("DELETE FROM decisions")
            db.execute("DELETE FROM coders WHERE name <> ?", (coder,))

    def copy_to(self, target: str | Path) -> None:
        """Write a consistent copy of the whole project file (SQLite's online backup)."""
        copy = sqlite3.connect(target)
        try:
            self.database.db.backup(copy)
        finally:
            copy.close()

    def checkpoint(self) -> None:
        """Fold the write-ahead log into the file, so the file alone is the whole project (before a copy)."""
        self.database.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        self.database.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
