"""Project settings (language, unit, study id, codebook name …) and the audit log."""

from __future__ import annotations

import json
from typing import Any

from qualcode.core.model import AuditEntry
from qualcode.core.store.database import Database, now, read_json

INTERVIEWERS = ("Interviewer", "Intervjuer", "I", "Int", "Q", "Moderator", "Researcher", "Forsker", "Facilitator")
"""The speaker names taken as the interviewer's unless a project sets its own (English and Norwegian)."""


def is_interviewer(speaker: str | None, names: frozenset[str]) -> bool:
    """Whether a speaker label is the interviewer's: one of ``names`` (case-folded), or one of them of
    more than one letter followed by something else than a letter ("Interviewer 2", "Forsker (Kari)")."""
    if not speaker:
        return False
    label = speaker.strip().casefold()
    if label in names:
        return True
    return any(len(n) > 1 and label.startswith(n) and not label[len(n)].isalpha() for n in names)


class Settings:
    """Key–value settings, each value kept as JSON."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, key: str, default: Any = None) -> Any:
        row = self.db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return default if row is None else read_json(row[0], f"{self.db.path}: setting '{key}'")

    def set(self, key: str, value: Any) -> None:
        with self.db.transaction():
            self.db.execute(
                "INSERT INTO settings (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, json.dumps(value, ensure_ascii=False)),
            )

    @property
    def study_id(self) -> str:
        return str(self.get("study_id"))

    @property
    def lang(self) -> str:
        """The language of the transcripts (a spaCy language code)."""
        return str(self.get("lang", "en"))

    @property
    def interviewers(self) -> frozenset[str]:
        """The speaker names taken as the interviewer's, case-folded: left out of agreement, quotes,
        suggestions and word frequencies unless asked for."""
        names = self.get("interviewer_speakers")
        if not isinstance(names, list):
            names = list(INTERVIEWERS)
        return frozenset(str(n).strip().casefold() for n in names if str(n).strip())

    @property
    def spacy_model(self) -> str | None:
        """A trained spaCy pipeline named in the settings, used when installed."""
        value = self.get("spacy_model")
        return str(value) if value else None


class Audit:
    """Who changed what, when and why: appended to, never rewritten."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def log(self, actor: str, action: str, item: str, **detail: Any) -> None:
        self.db.execute(
            "INSERT INTO audit_log (at, actor, action, item, detail) VALUES (?, ?, ?, ?, ?)",
            (now(), actor, action, item, json.dumps(detail, ensure_ascii=False, sort_keys=True)),
        )

    def entries(self) -> list[AuditEntry]:
        rows = self.db.execute("SELECT id, at, actor, action, item, detail FROM audit_log ORDER BY id").fetchall()
        return [
            AuditEntry(at, actor, action, item, read_json(d, f"{self.db.path}: audit entry {i}"))
            for i, at, actor, action, item, d in rows
        ]
