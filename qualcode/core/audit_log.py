"""The audit log as a reader sees it: who changed what and when, filtered by time and by who did it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from qualcode.core.errors import BadInput
from qualcode.core.model import AuditEntry
from qualcode.core.store import Store

WHAT = {
    "init": "created the project",
    "import": "imported a transcript",
    "import.qdpx": "imported a REFI-QDA project",
    "participants": "attached participant attributes",
    "settings.interviewers": "set the interviewers' names",
    "code.add": "added a code",
    "code.edit": "edited a code",
    "code.move": "moved a code",
    "code.merge": "merged a code into another",
    "code.delete": "deleted a code",
    "codebook.load": "loaded a codebook",
    "handout": "handed out a copy",
    "merge": "merged a coder's file",
    "pseudonym.set": "set a pseudonym",
    "pseudonym.remove": "removed a pseudonym",
    "pseudonym.suggest": "added pseudonym candidates",
    "resolve.agreed": "took both coders' agreed codings into the consensus",
    "resolve.decide": "decided a disagreement",
    "resolve.memo": "wrote a memo on a decision",
    "resolve.star": "starred a quote of the consensus",
    "search.code": "coded search hits",
    "suggest.accept": "accepted keyword suggestions",
    "code.by_speaker": "coded a speaker's turns",
    "transcripts.done": "marked transcripts done",
    "transcripts.undone": "marked transcripts not done",
}
"""What each action is, in words, for the log's readers; an action not listed is shown by its name."""


HIDDEN = {"sha256"}
"""Details kept in the log for checking, too long to read in a line."""


SHARED = ("init", "import", "participants", "settings.", "code.", "codebook.", "pseudonym.")
"""Actions about the project itself, which every coder may see; the rest is a person's own work."""


def visible_to(entry: AuditEntry, coder: str) -> bool:
    """Whether a coder's screens may show an entry: their own, and changes to the project every coder works
    on (the codebook, the transcripts, the pseudonyms); never another coder's work (blinding)."""
    return entry.actor == coder or entry.action.startswith(SHARED)


def since_time(text: str) -> str:
    """``--since`` as an ISO time the log's times compare with: a date (that day's start, UTC) or a time."""
    value = text.strip()
    try:
        if len(value) == 10:
            return dt.date.fromisoformat(value).isoformat()
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadInput("is not a date (2026-03-01) or a time (2026-03-01T14:00)", where=text) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC).isoformat(timespec="seconds")


def entries(store: Store, *, since: str | None = None, actor: str | None = None) -> list[AuditEntry]:
    """The log from ``since`` on (a date or a time), of ``actor`` when named, oldest first."""
    start = since_time(since) if since else None
    out = []
    for entry in store.audit.entries():
        if start is not None and entry.at < start:
            continue
        if actor is not None and entry.actor != actor:
            continue
        out.append(entry)
    return out


def describe(entry: AuditEntry) -> str:
    """One line: what was done, to what, and the details that say how much."""
    what = WHAT.get(entry.action, entry.action)
    detail = ", ".join(
        f"{k} {_short(v)}" for k, v in sorted(entry.detail.items()) if v not in ("", None, [], {}) and k not in HIDDEN
    )
    item = f" {entry.item}" if entry.item else ""
    return f"{what}{item}" + (f" ({detail})" if detail else "")


def as_dict(entry: AuditEntry) -> dict[str, Any]:
    return {"at": entry.at, "actor": entry.actor, "action": entry.action, "item": entry.item, "detail": entry.detail}


def _short(value: Any) -> str:
    text = str(value) if not isinstance(value, (list, tuple)) else ", ".join(map(str, value))
    return text if len(text) <= 60 else text[:57] + "…"
