"""The codebook's codes, and what keeps codings consistent when codes are merged or deleted."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from qualcode.core.model import Code
from qualcode.core.store.database import Database, read_json

_CODE_COLUMNS = (
    "id, name, parent_id, description, inclusion, exclusion, example, colour, shortcut, keywords, position, exclusive, "
    "codable, version"
)


class Codebook:
    """The codes of the project's codebook, a tree through ``parent_id``."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def _code(self, row: Sequence[Any]) -> Code:
        cid, name, parent, desc, inc, exc, ex, colour, key, keywords, pos, exclusive, codable, version = row
        words = read_json(keywords, f"{self.db.path}: keywords of code '{name}'")
        if not isinstance(words, list):
            words = []
        return Code(
            cid,
            name,
            parent,
            desc,
            inc,
            exc,
            ex,
            colour,
            key or "",
            tuple(str(w) for w in words),
            pos,
            bool(exclusive),
            bool(codable),
            int(version),
        )

    def codes(self) -> list[Code]:
        rows = self.db.execute(f"SELECT {_CODE_COLUMNS} FROM codes ORDER BY position, name").fetchall()
        return [self._code(r) for r in rows]

    def get(self, code_id: str) -> Code | None:
        row = self.db.execute(f"SELECT {_CODE_COLUMNS} FROM codes WHERE id = ?", (code_id,)).fetchone()
        return None if row is None else self._code(row)

    def insert(self, code: Code) -> None:
        self.db.execute(
            f"INSERT INTO codes ({_CODE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            _values(code),
        )

    def insert_all(self, codes: Iterable[Code]) -> None:
        """Put a whole codebook in place of an empty one (parents before children)."""
        for code in codes:
            self.insert(code)

    def update(self, code: Code) -> bool:
        """Save a code edited from ``code.version``; False (nothing written) when the stored one is newer."""
        values = _values(code)
        cur = self.db.execute(
            "UPDATE codes SET name = ?, parent_id = ?, description = ?, inclusion = ?, exclusion = ?, "
            "example = ?, colour = ?, shortcut = ?, keywords = ?, position = ?, exclusive = ?, codable = ?, "
            "version = version + 1 WHERE id = ? AND version = ?",
            (*values[1:-1], values[0], code.version),
        )
        return cur.rowcount == 1

    def clear_shortcut_keys(self) -> None:
        self.db.execute("UPDATE codes SET shortcut = NULL")

    def delete(self, code_id: str) -> None:
        self.db.execute("DELETE FROM codes WHERE id = ?", (code_id,))

    def usage(self, coder: str | None = None) -> dict[str, int]:
        """How many codings each code has, over all coders or of one (what a coder may see of them)."""
        where = " WHERE coder_id = (SELECT id FROM coders WHERE name = ?)" if coder is not None else ""
        params: tuple[str, ...] = (coder,) if coder is not None else ()
        out = dict(self.db.execute(f"SELECT code_id, COUNT(*) FROM codings{where} GROUP BY code_id", params).fetchall())
        for code_id, n in self.db.execute(
            f"SELECT code_id, COUNT(*) FROM spans{where} GROUP BY code_id", params
        ).fetchall():
            out[code_id] = out.get(code_id, 0) + n
        return out

    def move_codings(self, from_code: str, to_code: str) -> int:
        """Give every coding, memo and span of one code to another, keeping one coding per segment and coder."""
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
        spans = self.db.execute(
            "INSERT INTO spans (transcript_id, code_id, coder_id, start_offset, end_offset, created_at, origin, "
            "starred, guid) SELECT transcript_id, ?, coder_id, start_offset, end_offset, created_at, origin, starred, "
            "guid FROM spans WHERE code_id = ? ON CONFLICT DO NOTHING",
            (to_code, from_code),
        ).rowcount
        self.db.execute("DELETE FROM spans WHERE code_id = ?", (from_code,))
        return moved + spans

    def delete_codings_of(self, code_id: str) -> int:
        """Remove a code's codings, memos and spans; returns how many codings went."""
        cur = self.db.execute("DELETE FROM codings WHERE code_id = ?", (code_id,))
        self.db.execute("DELETE FROM memos WHERE code_id = ?", (code_id,))
        self.db.execute("DELETE FROM selections WHERE code_id = ?", (code_id,))
        spans = self.db.execute("DELETE FROM spans WHERE code_id = ?", (code_id,)).rowcount
        return cur.rowcount + spans


def _values(code: Code) -> tuple[Any, ...]:
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
        int(code.exclusive),
        int(code.codable),
        code.version,
    )
