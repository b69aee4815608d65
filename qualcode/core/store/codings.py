"""Coders and their codings: whole segments and exact spans each coder marked with each code.

A coding of a whole segment is a row of ``codings``; a coding of any other
passage a row of ``spans``. Everything that works segment by segment
(agreement, matrices, the workbench's chips, resolution) sees a span on each
segment it counts for (`span_counts_for`), read here beside the segment rows.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from typing import Any

from qualcode.core.errors import BadInput
from qualcode.core.model import (
    CONSENSUS,
    CodingRow,
    Extent,
    LocatedCoding,
    Selection,
    Span,
    SpanRow,
    span_counts_for,
)
from qualcode.core.store.database import Database, now

_CODER = "(SELECT id FROM coders WHERE name = ?)"


class Codings:
    """Every coder's codings, each coder's apart from the others'."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- coders ------------------------------------------------------------------

    def coders(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT name FROM coders ORDER BY id")]

    def check_known(self, *names: str) -> None:
        """Refuse a coder the project does not have, naming the ones it has."""
        known = self.coders()
        for name in names:
            if name not in known:
                listed = ", ".join(known) or "none yet"
                raise BadInput(f"no such coder in this project (coders: {listed})", where=name)

    def coder_guids(self) -> dict[str, str]:
        """The GUIDs coders came with from another tool's REFI-QDA project, by name."""
        return {n: g for n, g in self.db.execute("SELECT name, guid FROM coders WHERE guid IS NOT NULL")}

    def set_coder_guid(self, name: str, guid: str) -> None:
        with self.db.transaction():
            self.coder_id(name, create=True)
            self.db.execute("UPDATE coders SET guid = ? WHERE name = ?", (guid, name))

    def coder_id(self, name: str, *, create: bool = False) -> int | None:
        row = self.db.execute("SELECT id FROM coders WHERE name = ?", (name,)).fetchone()
        if row is not None:
            return int(row[0])
        if not create:
            return None
        with self.db.transaction():
            (new_id,) = self.db.execute(
                "INSERT INTO coders (name, is_consensus) VALUES (?, ?) RETURNING id", (name, int(name == CONSENSUS))
            ).fetchall()[0]
        return int(new_id)

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
            cur = self.db.executemany(
                "INSERT INTO codings (segment_id, code_id, coder_id, created_at, origin) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (segment_id, code_id, coder_id) DO NOTHING",
                ((s, c, coder_id, at, origin) for s, c in rows),
            )
            return max(cur.rowcount, 0)

    def remove_many(self, rows: Iterable[tuple[int, str]], coder: str) -> int:
        """Take many ``(segment_id, code_id)`` pairs off a coder; returns how many were there."""
        coder_id = self.coder_id(coder)
        if coder_id is None:
            return 0
        with self.db.transaction():
            cur = self.db.executemany(
                "DELETE FROM codings WHERE segment_id = ? AND code_id = ? AND coder_id = ?",
                ((s, c, coder_id) for s, c in rows),
            )
            return max(cur.rowcount, 0)

    def clear(self, coder: str) -> int:
        coder_id = self.coder_id(coder)
        if coder_id is None:
            return 0
        with self.db.transaction():
            spans = self.db.execute("DELETE FROM spans WHERE coder_id = ?", (coder_id,)).rowcount
            return self.db.execute("DELETE FROM codings WHERE coder_id = ?", (coder_id,)).rowcount + spans

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
        """A coder's ``(segment_id, code_id)`` pairs, in reading order: whole segments and the segments
        their spans count for."""
        sql = (
            "SELECT c.segment_id, c.code_id, s.transcript_id, s.ordinal FROM codings c "
            "JOIN coders k ON k.id = c.coder_id JOIN segments s ON s.id = c.segment_id WHERE k.name = ?"
        )
        params: tuple[Any, ...] = (coder,)
        if transcript_id is not None:
            sql += " AND s.transcript_id = ?"
            params += (transcript_id,)
        rows = {(int(seg), str(code)): (t, o) for seg, code, t, o in self.db.execute(sql, params)}
        for found in self._span_segments(coder, transcript_id):
            rows.setdefault((found.segment_id, found.code_id), (found.transcript_id, found.ordinal))
        return sorted(rows, key=lambda pair: (*rows[pair], pair[1]))

    def whole_segment_pairs(self, coder: str, transcript_id: int | None = None) -> list[tuple[int, str]]:
        """A coder's codings of whole segments alone (no spans), ``(segment_id, code_id)`` in reading order."""
        sql = (
            "SELECT c.segment_id, c.code_id FROM codings c JOIN coders k ON k.id = c.coder_id "
            "JOIN segments s ON s.id = c.segment_id WHERE k.name = ?"
        )
        params: tuple[Any, ...] = (coder,)
        if transcript_id is not None:
            sql += " AND s.transcript_id = ?"
            params += (transcript_id,)
        rows = self.db.execute(sql + " ORDER BY s.transcript_id, s.ordinal, c.code_id", params)
        return [(int(seg), str(code)) for seg, code in rows]

    def located(self, coder: str) -> list[LocatedCoding]:
        """A coder's codings with where their segments stand, in reading order.

        A span appears on each segment it counts for, with the part of the
        segment it covers; a whole-segment coding of the same code wins.
        """
        rows = self.db.execute(
            "SELECT s.id, s.transcript_id, s.ordinal, s.speaker, s.start_offset, s.end_offset, c.code_id, c.starred, "
            "s.start_offset, s.end_offset "
            f"FROM codings c JOIN segments s ON s.id = c.segment_id WHERE c.coder_id = {_CODER}",
            (coder,),
        ).fetchall()
        out = {(r[0], r[6]): LocatedCoding(*r) for r in rows}
        for found in self._span_segments(coder):
            key = (found.segment_id, found.code_id)
            known = out.get(key)
            # two codings of one code on a segment: the part from the first to the last, starred if either is
            out[key] = (
                found
                if known is None
                else known._replace(
                    coded_start=min(known.coded_start, found.coded_start),
                    coded_end=max(known.coded_end, found.coded_end),
                    starred=max(known.starred, found.starred),
                )
            )
        return sorted(out.values(), key=lambda r: (r.transcript_id, r.ordinal, r.code_id))

    def starred(self, coder: str, transcript_id: int) -> set[tuple[int, str]]:
        """The ``(segment_id, code_id)`` pairs a coder starred as quotes in one transcript."""
        whole = {
            (int(s), str(c))
            for s, c in self.db.execute(
                "SELECT c.segment_id, c.code_id FROM codings c JOIN coders k ON k.id = c.coder_id "
                "JOIN segments s ON s.id = c.segment_id "
                "WHERE k.name = ? AND s.transcript_id = ? AND c.starred = 1",
                (coder, transcript_id),
            )
        }
        return whole | {(f.segment_id, f.code_id) for f in self._span_segments(coder, transcript_id) if f.starred}

    def segments_by_code(self, coder: str) -> dict[str, str]:
        """Per code id, the coder's segment ids as one comma-separated string (spans: the segments they count for).

        One short string per code instead of a row per coding: a million
        codings arrive in a few dozen rows and parse straight into arrays.
        """
        out = dict(
            self.db.execute(
                f"SELECT code_id, {self.db.joined_ids('segment_id')} FROM codings WHERE coder_id = {_CODER} "
                "GROUP BY code_id",
                (coder,),
            ).fetchall()
        )
        for code_id, ids in self._span_segment_ids(coder).items():
            joined = ",".join(map(str, ids.tolist()))
            out[code_id] = f"{out[code_id]},{joined}" if out.get(code_id) else joined
        return out

    def _span_segment_ids(self, coder: str) -> dict[str, Any]:
        """Per code, the ids of the segments the coder's spans count for (as arrays, in bulk: `span_counts_for`
        applied to every span and segment it overlaps at once)."""
        import numpy as np

        spans = self.db.execute(
            f"SELECT code_id, transcript_id, start_offset, end_offset FROM spans WHERE coder_id = {_CODER}", (coder,)
        ).fetchall()
        if not spans:
            return {}
        segments = np.array(
            self.db.execute(
                "SELECT transcript_id, start_offset, end_offset, id FROM segments ORDER BY transcript_id, start_offset"
            ).fetchall(),
            dtype=np.int64,
        ).reshape(-1, 4)
        if not len(segments):
            return {}
        # transcripts laid end to end, so one sorted array of segment bounds serves all of them
        shift = np.int64(1 << 32)
        seg_start = segments[:, 0] * shift + segments[:, 1]
        seg_end = segments[:, 0] * shift + segments[:, 2]
        codes = [row[0] for row in spans]
        numbers = np.array([row[1:] for row in spans], dtype=np.int64)
        start = numbers[:, 0] * shift + numbers[:, 1]
        end = numbers[:, 0] * shift + numbers[:, 2]
        first = np.searchsorted(seg_end, start, "right")
        last = np.searchsorted(seg_start, end, "left")
        counts = np.maximum(last - first, 0)
        span = np.repeat(np.arange(len(spans)), counts)
        seg = np.repeat(first, counts) + (np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts))
        s0, s1, p0, p1 = seg_start[seg], seg_end[seg], start[span], end[span]
        inside = (p0 >= s0) & (p1 <= s1)
        half = 2 * (np.minimum(p1, s1) - np.maximum(p0, s0)) >= s1 - s0
        keep = (s1 > s0) & (inside | half)
        span, seg = span[keep], segments[seg[keep], 3]
        distinct = sorted(set(codes))
        number = {c: i for i, c in enumerate(distinct)}
        code_of = np.array([number[c] for c in codes], dtype=np.int64)[span]
        return {c: seg[code_of == i] for i, c in enumerate(distinct) if (code_of == i).any()}

    def count(self, coder: str) -> int:
        """A coder's codings: whole segments and spans."""
        return int(
            self.db.execute(
                f"SELECT (SELECT COUNT(*) FROM codings WHERE coder_id = {_CODER}) "
                f"+ (SELECT COUNT(*) FROM spans WHERE coder_id = {_CODER})",
                (coder, coder),
            ).fetchone()[0]
        )

    def coded_segment_counts(self, coder: str) -> dict[int, int]:
        """Per transcript id, how many of its segments this coder has coded (by a whole coding or a span)."""
        coded: dict[int, set[int]] = {}
        for tid, seg in self.db.execute(
            "SELECT DISTINCT s.transcript_id, c.segment_id FROM codings c "
            "JOIN coders k ON k.id = c.coder_id JOIN segments s ON s.id = c.segment_id WHERE k.name = ?",
            (coder,),
        ):
            coded.setdefault(tid, set()).add(seg)
        for found in self._span_segments(coder):
            coded.setdefault(found.transcript_id, set()).add(found.segment_id)
        return {tid: len(segs) for tid, segs in coded.items()}

    def origin_counts(self, coder: str) -> dict[str, int]:
        """How many of a coder's codings came from each origin (manual, suggestion, import …)."""
        out: dict[str, int] = {}
        for table in ("codings", "spans"):
            for origin, n in self.db.execute(
                f"SELECT origin, COUNT(*) FROM {table} WHERE coder_id = {_CODER} GROUP BY origin", (coder,)
            ).fetchall():
                out[origin] = out.get(origin, 0) + n
        return out

    def passages(self, coder: str) -> list[tuple[str, int, int, int]]:
        """Every passage a coder coded, as (code id, transcript id, start, end): each whole segment and each span."""
        return self.db.execute(
            "SELECT c.code_id, s.transcript_id, s.start_offset, s.end_offset FROM codings c "
            f"JOIN segments s ON s.id = c.segment_id WHERE c.coder_id = {_CODER} "
            "UNION ALL SELECT code_id, transcript_id, start_offset, end_offset FROM spans "
            f"WHERE coder_id = {_CODER}",
            (coder, coder),
        ).fetchall()

    # -- spans -------------------------------------------------------------------------------

    def add_span(
        self,
        transcript_id: int,
        start: int,
        end: int,
        code_id: str,
        coder: str,
        *,
        origin: str = "manual",
        at: str | None = None,
        guid: str | None = None,
    ) -> int | None:
        """Code an exact passage for a coder; the new span's id, or None when the coder had it already."""
        with self.db.transaction():
            coder_id = self.coder_id(coder, create=True)
            rows = self.db.execute(
                "INSERT INTO spans (transcript_id, code_id, coder_id, start_offset, end_offset, created_at, origin, "
                "guid) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id",
                (transcript_id, code_id, coder_id, start, end, at or now(), origin, guid),
            ).fetchall()
        return int(rows[0][0]) if rows else None

    def remove_span(self, transcript_id: int, start: int, end: int, code_id: str, coder: str) -> bool:
        coder_id = self.coder_id(coder)
        if coder_id is None:
            return False
        with self.db.transaction():
            cur = self.db.execute(
                "DELETE FROM spans WHERE transcript_id = ? AND start_offset = ? AND end_offset = ? AND code_id = ? "
                "AND coder_id = ?",
                (transcript_id, start, end, code_id, coder_id),
            )
        return cur.rowcount == 1

    def set_span_starred(self, transcript_id: int, start: int, end: int, code_id: str, coder: str, on: bool) -> None:
        with self.db.transaction():
            self.db.execute(
                "UPDATE spans SET starred = ? WHERE transcript_id = ? AND start_offset = ? AND end_offset = ? "
                f"AND code_id = ? AND coder_id = {_CODER}",
                (int(on), transcript_id, start, end, code_id, coder),
            )

    def spans(self, coder: str | None = None, transcript_id: int | None = None) -> list[Span]:
        """Span codings (of one coder, of one transcript), by transcript and position."""
        sql = (
            "SELECT p.id, p.transcript_id, p.code_id, k.name, p.start_offset, p.end_offset, p.starred, p.origin "
            "FROM spans p JOIN coders k ON k.id = p.coder_id WHERE 1 = 1"
        )
        params: list[Any] = []
        if coder is not None:
            sql += " AND k.name = ?"
            params.append(coder)
        if transcript_id is not None:
            sql += " AND p.transcript_id = ?"
            params.append(transcript_id)
        sql += " ORDER BY p.transcript_id, p.start_offset, p.end_offset, p.code_id, k.name"
        return [Span(*r) for r in self.db.execute(sql, params).fetchall()]

    def span_rows(self, coder: str) -> list[SpanRow]:
        """A coder's span codings in full, as a hand-out carries them."""
        rows = self.db.execute(
            "SELECT transcript_id, code_id, start_offset, end_offset, created_at, origin, starred, guid "
            f"FROM spans WHERE coder_id = {_CODER} ORDER BY transcript_id, start_offset, end_offset, code_id",
            (coder,),
        ).fetchall()
        return [SpanRow(*r) for r in rows]

    def of_codes(self, code_ids: Iterable[str], coder: str | None = None) -> list[tuple[Any, ...]]:
        """Every coding with one of these codes (of one coder, or of all), whole segments and spans alike:
        ``(transcript_id, start, end, code_id, coder, starred, segment_id or None)``, in reading order."""
        ids = list(code_ids)
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        who = " AND k.name = ?" if coder is not None else ""
        params: tuple[Any, ...] = (*ids, *((coder,) if coder is not None else ()))
        whole = self.db.execute(
            "SELECT s.transcript_id, s.start_offset, s.end_offset, c.code_id, k.name, c.starred, s.id "
            f"FROM codings c JOIN segments s ON s.id = c.segment_id JOIN coders k ON k.id = c.coder_id "
            f"WHERE c.code_id IN ({marks}){who}",
            params,
        ).fetchall()
        spans = self.db.execute(
            "SELECT p.transcript_id, p.start_offset, p.end_offset, p.code_id, k.name, p.starred, NULL "
            f"FROM spans p JOIN coders k ON k.id = p.coder_id WHERE p.code_id IN ({marks}){who}",
            params,
        ).fetchall()
        return sorted([*whole, *spans], key=lambda r: (r[0], r[1], r[2], r[4], r[3]))

    def put_span_rows(self, coder: str, rows: Iterable[SpanRow]) -> None:
        """Write full span rows for a coder, keeping their times and origins."""
        with self.db.transaction():
            coder_id = self.coder_id(coder, create=True)
            self.db.executemany(
                "INSERT INTO spans (transcript_id, code_id, coder_id, start_offset, end_offset, created_at, origin, "
                "starred, guid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    (r.transcript_id, r.code_id, coder_id, r.start, r.end, r.created_at, r.origin, r.starred, r.guid)
                    for r in rows
                ),
            )

    def _spans_with_segments(
        self, coder: str | None = None, transcript_id: int | None = None
    ) -> Iterator[tuple[Span, tuple[int, int, int, int, str | None]]]:
        """Each (span, segment it counts for), the segment as (start, end, id, ordinal, speaker)."""
        spans = self.spans(coder, transcript_id)
        if not spans:
            return
        wanted = sorted({p.transcript_id for p in spans})
        segments: dict[int, list[tuple[int, int, int, int, str | None]]] = {}
        for at in range(0, len(wanted), 500):
            chunk = wanted[at : at + 500]
            for row in self.db.execute(
                "SELECT transcript_id, start_offset, end_offset, id, ordinal, speaker FROM segments "
                f"WHERE transcript_id IN ({', '.join('?' * len(chunk))}) ORDER BY transcript_id, start_offset",
                chunk,
            ):
                segments.setdefault(row[0], []).append(row[1:])
        ends = {tid: [r[1] for r in rows] for tid, rows in segments.items()}
        for p in spans:
            rows = segments.get(p.transcript_id, [])
            at = bisect_left(ends.get(p.transcript_id, []), p.start + 1)
            while at < len(rows) and rows[at][0] < p.end:
                if span_counts_for(rows[at][0], rows[at][1], p.start, p.end):
                    yield p, rows[at]
                at += 1

    def _span_segments(self, coder: str | None = None, transcript_id: int | None = None) -> list[LocatedCoding]:
        """Each (span, segment it counts for), as the segment's coding with the part the span covers."""
        return [
            LocatedCoding(
                seg_id,
                p.transcript_id,
                ordinal,
                speaker,
                start,
                end,
                p.code_id,
                p.starred,
                max(start, p.start),
                min(end, p.end),
            )
            for p, (start, end, seg_id, ordinal, speaker) in self._spans_with_segments(coder, transcript_id)
        ]

    # -- extents, for resolution --------------------------------------------------------------

    def extents(self, coder: str) -> dict[tuple[int, str], Extent]:
        """Where a coder's codes lie on each segment they count for: ``(segment_id, code_id)`` to the
        passages, as (start, end) offsets into the transcript, sorted.

        A whole-segment coding is the segment's own bounds (and wins over spans
        of the same code); a span keeps its full extent, also where it runs on
        into other segments, so two coders' passages compare as they made them.
        """
        out: dict[tuple[int, str], Extent] = {}
        for seg_id, code_id, start, end in self.db.execute(
            "SELECT c.segment_id, c.code_id, s.start_offset, s.end_offset FROM codings c "
            f"JOIN segments s ON s.id = c.segment_id WHERE c.coder_id = {_CODER}",
            (coder,),
        ):
            out[(seg_id, code_id)] = ((start, end),)
        found: dict[tuple[int, str], list[tuple[int, int]]] = {}
        for p, row in self._spans_with_segments(coder):
            key = (row[2], p.code_id)
            if key not in out:
                found.setdefault(key, []).append((p.start, p.end))
        out.update((key, tuple(sorted(passages))) for key, passages in found.items())
        return out

    def set_segment_extents(self, segment_id: int, coder: str, extents: dict[str, Extent], origin: str) -> None:
        """Make a coder's codings on one segment exactly these: each code on its passages.

        What the coder had on the segment goes first: its whole-segment
        codings, and each span that counts for it. A span that also counts for
        other segments keeps its parts outside this segment, so a decision on
        one segment never changes another's. A passage equal to the segment is
        written as the segment's coding, any other as a span.
        """
        row = self.db.execute(
            "SELECT transcript_id, start_offset, end_offset FROM segments WHERE id = ?", (segment_id,)
        ).fetchone()
        if row is None:
            raise KeyError(segment_id)
        transcript_id, seg_start, seg_end = row
        with self.db.transaction():
            coder_id = self.coder_id(coder, create=True)
            self.db.execute("DELETE FROM codings WHERE segment_id = ? AND coder_id = ?", (segment_id, coder_id))
            at = now()
            for span_id, code_id, start, end in self.db.execute(
                "SELECT id, code_id, start_offset, end_offset FROM spans "
                "WHERE coder_id = ? AND transcript_id = ? AND start_offset < ? AND end_offset > ?",
                (coder_id, transcript_id, seg_end, seg_start),
            ).fetchall():
                if not span_counts_for(seg_start, seg_end, start, end):
                    continue
                self.db.execute("DELETE FROM spans WHERE id = ?", (span_id,))
                others = [
                    (a, b)
                    for a, b in self.db.execute(
                        "SELECT start_offset, end_offset FROM segments WHERE transcript_id = ? AND id != ? "
                        "AND start_offset < ? AND end_offset > ?",
                        (transcript_id, segment_id, end, start),
                    )
                    if span_counts_for(a, b, start, end)
                ]
                for part in ((start, min(end, seg_start)), (max(start, seg_end), end)):
                    if part[1] > part[0] and any(a < part[1] and b > part[0] for a, b in others):
                        self.db.execute(
                            "INSERT INTO spans (transcript_id, code_id, coder_id, start_offset, end_offset, "
                            "created_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                            (transcript_id, code_id, coder_id, *part, at, origin),
                        )
            for code_id in sorted(extents):
                for start, end in extents[code_id]:
                    if (start, end) == (seg_start, seg_end):
                        self.db.execute(
                            "INSERT INTO codings (segment_id, code_id, coder_id, created_at, origin) "
                            "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                            (segment_id, code_id, coder_id, at, origin),
                        )
                    else:
                        self.db.execute(
                            "INSERT INTO spans (transcript_id, code_id, coder_id, start_offset, end_offset, "
                            "created_at, origin) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                            (transcript_id, code_id, coder_id, start, end, at, origin),
                        )

    # -- transcripts done ------------------------------------------------------------------

    def mark_done(self, transcript_ids: Iterable[int], coder: str, done: bool = True) -> int:
        """Mark transcripts done (or not done) for a coder; returns how many marks changed."""
        with self.db.transaction():
            coder_id = self.coder_id(coder, create=True)
            changed = 0
            for tid in sorted(set(transcript_ids)):
                if done:
                    cur = self.db.execute(
                        "INSERT INTO transcripts_done (transcript_id, coder_id, done_at) VALUES (?, ?, ?) "
                        "ON CONFLICT DO NOTHING",
                        (tid, coder_id, now()),
                    )
                else:
                    cur = self.db.execute(
                        "DELETE FROM transcripts_done WHERE transcript_id = ? AND coder_id = ?", (tid, coder_id)
                    )
                changed += cur.rowcount
        return changed

    def done(self, coder: str) -> set[int]:
        """The transcripts a coder marked done."""
        return {
            r[0]
            for r in self.db.execute(f"SELECT transcript_id FROM transcripts_done WHERE coder_id = {_CODER}", (coder,))
        }

    def transcripts_coded(self, coder: str) -> set[int]:
        """The transcripts holding at least one of a coder's codings (whole segments or passages)."""
        return {
            r[0]
            for r in self.db.execute(
                "SELECT s.transcript_id FROM codings c JOIN segments s ON s.id = c.segment_id "
                f"WHERE c.coder_id = {_CODER} UNION SELECT transcript_id FROM spans WHERE coder_id = {_CODER}",
                (coder, coder),
            )
        }

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
