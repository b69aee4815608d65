"""Transcripts, their segments and the participants they belong to."""

from __future__ import annotations

import json
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence

from qualcode.core.model import Participant, Segment, SegmentKey, Transcript, TranscriptSummary, natural_key
from qualcode.core.store.database import Database, now, read_json

SegmentSpec = tuple[int, int, str | None, int | None, int | None]
"""A segment to insert: (start, end, speaker, media start ms, media end ms)."""

_TRANSCRIPT_COLUMNS = "id, name, text, sha256, source, lang, unit, participant, imported_at"
_SEGMENT_COLUMNS = "id, transcript_id, ordinal, start_offset, end_offset, speaker, media_start_ms, media_end_ms"


class Participants:
    """Informants and their typed attributes."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def all(self) -> list[Participant]:
        rows = self.db.execute("SELECT id, attributes FROM participants ORDER BY id").fetchall()
        people = []
        for pid, attrs in rows:
            value = read_json(attrs, f"{self.db.path}: participant {pid}")
            if not isinstance(value, dict):
                value = {}
            people.append(Participant(pid, value))
        return sorted(people, key=lambda p: natural_key(p.id))

    def upsert(self, participant: Participant) -> None:
        self.db.execute(
            "INSERT INTO participants (id, attributes) VALUES (?, ?) "
            "ON CONFLICT (id) DO UPDATE SET attributes = excluded.attributes",
            (participant.id, json.dumps(participant.attributes, ensure_ascii=False)),
        )

    def ensure(self, pid: str) -> None:
        self.db.execute(
            "INSERT INTO participants (id, attributes) VALUES (?, '{}') ON CONFLICT (id) DO NOTHING",
            (pid,),
        )


class Transcripts:
    """Transcripts and the segments they are cut into."""

    def __init__(self, db: Database, participants: Participants) -> None:
        self.db = db
        self._participants = participants

    def all(self) -> list[Transcript]:
        rows = self.db.execute(f"SELECT {_TRANSCRIPT_COLUMNS} FROM transcripts ORDER BY id").fetchall()
        return [Transcript(*row) for row in rows]

    def summaries(self) -> list[TranscriptSummary]:
        """Name, participant, segment count and word count of every transcript, without texts."""
        rows = self.db.execute(
            "SELECT t.id, t.name, t.participant, t.unit, t.lang, "
            "(SELECT COUNT(*) FROM segments s WHERE s.transcript_id = t.id), t.words "
            "FROM transcripts t ORDER BY t.id"
        ).fetchall()
        return [TranscriptSummary(*row) for row in rows]

    def get(self, name_or_id: str | int) -> Transcript | None:
        column = "id" if isinstance(name_or_id, int) else "name"
        row = self.db.execute(
            f"SELECT {_TRANSCRIPT_COLUMNS} FROM transcripts WHERE {column} = ?", (name_or_id,)
        ).fetchone()
        return None if row is None else Transcript(*row)

    def add(
        self,
        *,
        name: str,
        text: str,
        sha256: str,
        source: str,
        lang: str,
        unit: str,
        participant: str | None,
        segments: Sequence[SegmentSpec],
    ) -> int:
        """Insert a transcript and its segments; returns its id."""
        with self.db.transaction():
            if participant:
                self._participants.ensure(participant)
            (tid,) = self.db.execute(
                "INSERT INTO transcripts (name, participant, text, sha256, source, lang, unit, words, "
                "imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (name, participant, text, sha256, source, lang, unit, len(text.split()), now()),
            ).fetchall()[0]
            self.db.executemany(
                "INSERT INTO segments (transcript_id, ordinal, start_offset, end_offset, speaker, "
                "media_start_ms, media_end_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                ((tid, i, s, e, sp, ms, me) for i, (s, e, sp, ms, me) in enumerate(segments, 1)),
            )
        return tid

    def delete(self, transcript_id: int) -> None:
        with self.db.transaction():
            self.db.execute("DELETE FROM transcripts WHERE id = ?", (transcript_id,))

    def rename(self, transcript_id: int, name: str) -> None:
        with self.db.transaction():
            self.db.execute("UPDATE transcripts SET name = ? WHERE id = ?", (name, transcript_id))

    def set_participant(self, transcript_id: int, participant: str | None) -> None:
        with self.db.transaction():
            if participant:
                self._participants.ensure(participant)
            self.db.execute("UPDATE transcripts SET participant = ? WHERE id = ?", (participant, transcript_id))

    def carry_segment_work(
        self, mapping: dict[int, int], old_transcript_id: int, new_transcript_id: int
    ) -> tuple[int, int]:
        """Copy codings and memos from old segments to new ones, and span codings and memos on passages
        whose text is unchanged; returns codings (kept, dropped)."""
        with self.db.transaction():
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
            moved = self._passage_mover(mapping, old_transcript_id, new_transcript_id)
            spans = self.db.execute(
                "SELECT code_id, coder_id, start_offset, end_offset, created_at, origin, starred, guid FROM spans "
                "WHERE transcript_id = ?",
                (old_transcript_id,),
            ).fetchall()
            carried = [(code, coder, moved(a, b), *rest) for code, coder, a, b, *rest in spans]
            self.db.executemany(
                "INSERT INTO spans (transcript_id, code_id, coder_id, start_offset, end_offset, created_at, origin, "
                "starred, guid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(new_transcript_id, code, coder, *at, *rest) for code, coder, at, *rest in carried if at],
            )
            passage_memos = self.db.execute(
                "SELECT coder_id, start_offset, end_offset, text, updated_at FROM memos "
                "WHERE transcript_id = ? AND start_offset IS NOT NULL",
                (old_transcript_id,),
            ).fetchall()
            self.db.executemany(
                "INSERT INTO memos (coder_id, transcript_id, start_offset, end_offset, text, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (coder, new_transcript_id, *at, text, when)
                    for coder, a, b, text, when in passage_memos
                    if (at := moved(a, b))
                ],
            )
        kept = sum(1 for seg, *_ in codings if seg in mapping) + sum(1 for c in carried if c[2])
        return kept, len(codings) + len(spans) - kept

    def _passage_mover(
        self, mapping: dict[int, int], old_transcript_id: int, new_transcript_id: int
    ) -> Callable[[int, int], tuple[int, int] | None]:
        """Where a passage of the old text stands in the new one: each end moves with the segment it lies
        in (kept segments only), and the passage's text must be the same; None when it is not kept."""
        old = self.get(old_transcript_id)
        new = self.get(new_transcript_id)
        old_segments = self.segments(old_transcript_id)
        new_start = {s.id: s.start for s in self.segments(new_transcript_id)}
        starts = [s.start for s in old_segments]

        def moved(start: int, end: int) -> tuple[int, int] | None:
            if old is None or new is None or not old_segments:
                return None
            first = old_segments[max(bisect_right(starts, start) - 1, 0)]
            last = old_segments[max(bisect_left(starts, end) - 1, 0)]
            if first.id not in mapping or last.id not in mapping:
                return None
            a = start + new_start[mapping[first.id]] - first.start
            b = end + new_start[mapping[last.id]] - last.start
            return (a, b) if b > a and new.text[a:b] == old.text[start:end] else None

        return moved

    # -- segments ----------------------------------------------------------------

    def segments(self, transcript_id: int) -> list[Segment]:
        rows = self.db.execute(
            f"SELECT {_SEGMENT_COLUMNS} FROM segments WHERE transcript_id = ? ORDER BY ordinal",
            (transcript_id,),
        ).fetchall()
        return [Segment(*row) for row in rows]

    def text_lengths(self) -> list[tuple[int, int]]:
        """(id, length of its text in characters) of every transcript, by id."""
        return self.db.execute("SELECT id, length(text) FROM transcripts ORDER BY id").fetchall()

    def all_segment_rows(self) -> list[tuple[int, int, int, int]]:
        """(id, transcript id, start, end) of every segment, in reading order."""
        return self.db.execute(
            "SELECT id, transcript_id, start_offset, end_offset FROM segments ORDER BY transcript_id, start_offset"
        ).fetchall()

    def all_segment_bounds(self) -> list[tuple[int, int, int]]:
        """(transcript id, start, end) of every segment, in reading order."""
        return self.db.execute(
            "SELECT transcript_id, start_offset, end_offset FROM segments ORDER BY transcript_id, start_offset"
        ).fetchall()

    def bounds_of(self, segment_ids: Iterable[int]) -> dict[int, tuple[int, int, int]]:
        """(transcript id, start, end) of some segments, by segment id."""
        wanted = sorted(set(segment_ids))
        out: dict[int, tuple[int, int, int]] = {}
        for at in range(0, len(wanted), 500):
            chunk = wanted[at : at + 500]
            for sid, tid, start, end in self.db.execute(
                "SELECT id, transcript_id, start_offset, end_offset FROM segments "
                f"WHERE id IN ({', '.join('?' * len(chunk))})",
                chunk,
            ):
                out[sid] = (tid, start, end)
        return out

    def segment_spans(self, transcript_ids: list[int]) -> dict[int, list[tuple[int, int]]]:
        """(start, end) of each segment in ordinal order, by transcript, for some transcripts."""
        out: dict[int, list[tuple[int, int]]] = {}
        wanted = sorted(set(transcript_ids))
        for at in range(0, len(wanted), 500):
            chunk = wanted[at : at + 500]
            rows = self.db.execute(
                "SELECT transcript_id, start_offset, end_offset FROM segments "
                f"WHERE transcript_id IN ({', '.join('?' * len(chunk))}) ORDER BY transcript_id, ordinal",
                chunk,
            )
            for tid, start, end in rows.fetchall():
                out.setdefault(tid, []).append((start, end))
        return out

    def all_segments(self) -> list[Segment]:
        rows = self.db.execute(f"SELECT {_SEGMENT_COLUMNS} FROM segments ORDER BY transcript_id, ordinal").fetchall()
        return [Segment(*row) for row in rows]

    def segment_id(self, transcript_id: int, ordinal: int) -> int | None:
        row = self.db.execute(
            "SELECT id FROM segments WHERE transcript_id = ? AND ordinal = ?", (transcript_id, ordinal)
        ).fetchone()
        return None if row is None else int(row[0])

    def segment_ids(self) -> list[int]:
        """Every segment id, in transcript then reading order."""
        return [r[0] for r in self.db.execute("SELECT id FROM segments ORDER BY transcript_id, ordinal")]

    def segment_index(self) -> tuple[list[int], list[int]]:
        """Every segment's id and transcript id, in reading order (transcript, then ordinal)."""
        rows = self.db.execute("SELECT id, transcript_id FROM segments ORDER BY transcript_id, ordinal").fetchall()
        if not rows:
            return [], []
        ids, transcripts = zip(*rows, strict=True)
        return list(ids), list(transcripts)

    def segment_keys(self) -> list[SegmentKey]:
        """Every segment as its transcript's hash and its place: how segments are matched across files."""
        rows = self.db.execute(
            "SELECT t.sha256, s.ordinal, s.id, s.start_offset, s.end_offset FROM segments s "
            "JOIN transcripts t ON t.id = s.transcript_id"
        ).fetchall()
        return [SegmentKey(*row) for row in rows]
