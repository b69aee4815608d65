"""The inverted index search, suggestions and pseudonym candidates read: terms, packed postings and tokens.

Portable tables (see schema.sql): a term dictionary (text → id); postings, one
row per (term, kind) and block of documents, holding where the term occurs as
a packed array of keys (document << 32 | token position, little-endian int64
in a BLOB), in a clustered primary key so a term's rows are one range of the
index; one row per document of packed arrays (sentence starts, segment
boundaries, lower-case flags); and the tokens' character offsets in blocks of
256 positions (`search_offsets`), so a hit reads only its own block. A
document is one transcript text (its SHA-256) as one pipeline tokenised it, so
a transcript whose text is replaced gets a new document and the old one is
never read; `drop_stale` removes documents no transcript has any more.

A block is the documents one build indexed together (named by its first
document): a term has one postings row per block rather than per document, so
a build writes about as many rows as its texts have distinct words, and a
search reads a few long rows.

Kinds: 0 a token's lower-case form whose lemma differs, 1 its lemma, 2 the form
that is also its lemma (one row instead of two). A word matches kinds 0 and 2,
a lemma kinds 1 and 2, and a search by form or lemma all three.

Queries decode the arrays with numpy: a word reads its term's rows and the
token arrays of the documents it occurs in only; a phrase reads its rarest
word first and intersects positions.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from qualcode.core.store.database import Database

FORM_KINDS = (0, 2)
LEMMA_KINDS = (1, 2)
ANY_KIND = (0, 1, 2)

LOWER_FIRST = 1
"""Token flag: the word is written with a lower-case first letter."""

INT = "<i4"
"""How positions, offsets and term ids are packed: little-endian 32-bit integers."""

ITEMSIZE = 4

KEY = "<i8"
"""How postings are packed: keys (document << 32 | position) as little-endian 64-bit integers."""

KEY_SIZE = 8

BLOCK_BITS = 8
"""Token offsets are stored in blocks of 2 ** BLOCK_BITS positions (`search_offsets`)."""
DOCUMENT_BLOCKS = 1 << 20
"""A block's key: document id * DOCUMENT_BLOCKS + block."""

LOW = (1 << 32) - 1
"""The position part of a key (document << 32 | position)."""


def pack(values: Any) -> bytes:
    """An integer array as the bytes stored in a BLOB column."""
    import numpy as np

    return np.asarray(values).astype(INT, copy=False).tobytes()


def unpack(data: bytes | None) -> Any:
    """The integer array of a BLOB column (int64, so arithmetic on it does not overflow)."""
    import numpy as np

    if not data:
        return np.zeros(0, dtype=np.int64)
    return np.frombuffer(data, dtype=INT).astype(np.int64)


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def _chunks(values: list[int], size: int = 500) -> list[list[int]]:
    """Values in groups small enough for one statement's parameters on any engine."""
    return [values[i : i + size] for i in range(0, len(values), size)]


FEW_DOCUMENTS = 200
"""Documents up to which the other words of a phrase are read for those documents only."""


class SearchIndex:
    """Documents, terms, packed postings and token arrays of the search index."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- documents ---------------------------------------------------------------

    def documents(self, pipeline: str) -> dict[str, int]:
        """Document id by transcript text SHA-256, for the documents ``pipeline`` made."""
        rows = self.db.execute("SELECT sha256, id FROM search_documents WHERE pipeline = ?", (pipeline,))
        return dict(rows.fetchall())

    def drop_stale(self) -> int:
        """Remove the documents (and cached token indexes) of texts no transcript holds any more.

        Postings are found through the document's terms (``search_document_terms``),
        so removing a document costs its own rows, not a scan of the index.
        """
        stale = [
            row[0]
            for row in self.db.execute(
                "SELECT id FROM search_documents WHERE sha256 NOT IN (SELECT sha256 FROM transcripts)"
            ).fetchall()
        ]
        orphan_cache = self.db.execute(
            "SELECT COUNT(*) FROM text_index WHERE sha256 NOT IN (SELECT sha256 FROM transcripts)"
        ).fetchone()[0]
        if not stale and not orphan_cache:
            return 0
        with self.db.transaction():
            for doc in stale:
                self._drop_postings(doc)
                self.db.execute("DELETE FROM search_document_terms WHERE document_id = ?", (doc,))
                self.db.execute("DELETE FROM search_tokens WHERE document_id = ?", (doc,))
                self.db.execute(
                    "DELETE FROM search_offsets WHERE block_key >= ? AND block_key < ?",
                    (doc * DOCUMENT_BLOCKS, (doc + 1) * DOCUMENT_BLOCKS),
                )
                self.db.execute("DELETE FROM search_capitals WHERE document_id = ?", (doc,))
                self.db.execute("DELETE FROM search_documents WHERE id = ?", (doc,))
            self.db.execute("DELETE FROM text_index WHERE sha256 NOT IN (SELECT sha256 FROM transcripts)")
        return len(stale)

    def _drop_postings(self, doc: int) -> None:
        """Take a document's keys out of its block's rows (a row left empty is deleted)."""
        import numpy as np

        block = self.db.execute("SELECT block FROM search_documents WHERE id = ?", (doc,)).fetchone()[0]
        row = self.db.execute("SELECT terms FROM search_document_terms WHERE document_id = ?", (doc,)).fetchone()
        terms = unpack(row[0]).tolist() if row else []
        updates, deletes = [], []
        for chunk in _chunks(terms):
            rows = self.db.execute(
                f"SELECT term_id, kind, keys FROM search_postings WHERE term_id IN ({_marks(len(chunk))}) "
                "AND kind IN (0, 1, 2) AND block = ?",
                [*chunk, block],
            ).fetchall()
            for term, kind, data in rows:
                keys = np.frombuffer(data, dtype=KEY)
                left = keys[(keys >> 32) != doc]
                if len(left) == len(keys):
                    continue
                if len(left):
                    updates.append((left.tobytes(), term, kind, block))
                else:
                    deletes.append((term, kind, block))
        self.db.executemany("UPDATE search_postings SET keys = ? WHERE term_id = ? AND kind = ? AND block = ?", updates)
        self.db.executemany("DELETE FROM search_postings WHERE term_id = ? AND kind = ? AND block = ?", deletes)

    def next_document(self) -> int:
        """The id the next document added gets."""
        return int(self.db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM search_documents").fetchone()[0])

    def add_documents(self, rows: Iterable[tuple[int, str, str, int]]) -> None:
        """New documents (id, text SHA-256, pipeline, block); their rows follow with `add_rows`."""
        self.db.executemany("INSERT INTO search_documents (id, sha256, pipeline, block) VALUES (?, ?, ?, ?)", rows)

    # -- terms -----------------------------------------------------------------

    def all_terms(self) -> dict[str, int]:
        """The whole term dictionary (text → id), for a build to extend."""
        return dict(self.db.execute("SELECT term, id FROM search_terms").fetchall())

    def add_terms(self, rows: Iterable[tuple[int, str]]) -> None:
        self.db.executemany("INSERT INTO search_terms (id, term) VALUES (?, ?)", rows)

    def term_ids(self, terms: Iterable[str]) -> dict[str, int]:
        """Ids of the terms the index knows, among ``terms``."""
        wanted = sorted(set(terms))
        if not wanted:
            return {}
        rows = self.db.execute(f"SELECT term, id FROM search_terms WHERE term IN ({_marks(len(wanted))})", wanted)
        return dict(rows.fetchall())

    # -- rows of a build ---------------------------------------------------------

    def add_rows(
        self,
        postings: Iterable[tuple[int, int, int, bytes]],
        tokens: Iterable[tuple[int, bytes, bytes, bytes, bytes]],
        document_terms: Iterable[tuple[int, bytes]],
        capitals: Iterable[tuple[int, str, int, int, int]],
        offsets: Iterable[tuple[int, int, bytes, bytes]] = (),
    ) -> None:
        """Insert a build's rows: postings (term, kind, block, packed keys), best sorted in that order.

        Tokens: (document, sentence starts, first position of each segment, its
        ordinal, flags), each packed; document terms: (document, packed term
        ids); offsets: (block key, document, packed starts, packed ends).
        """
        self.db.executemany("INSERT INTO search_postings (term_id, kind, block, keys) VALUES (?, ?, ?, ?)", postings)
        self.db.executemany(
            "INSERT INTO search_tokens (document_id, sentences, segment_firsts, segment_ordinals, flags) "
            "VALUES (?, ?, ?, ?, ?)",
            tokens,
        )
        self.db.executemany(
            "INSERT INTO search_offsets (block_key, document_id, starts, ends) VALUES (?, ?, ?, ?)", offsets
        )
        self.db.executemany("INSERT INTO search_document_terms (document_id, terms) VALUES (?, ?)", document_terms)
        self.db.executemany(
            "INSERT INTO search_capitals (document_id, word, term_id, n, first_start) VALUES (?, ?, ?, ?, ?)",
            capitals,
        )

    # -- reading -----------------------------------------------------------------

    def count_at_most(self, terms: Sequence[int], kinds: Sequence[int], cap: int) -> int:
        """How many postings the terms have, counted up to ``cap`` (to pick the rarest word of a phrase).

        Read from the lengths of the packed arrays, not their contents.
        """
        if not terms:
            return 0
        row = self.db.execute(
            f"SELECT SUM(length(keys)) FROM search_postings WHERE term_id IN ({_marks(len(terms))}) "
            f"AND kind IN ({_marks(len(kinds))})",
            [*terms, *kinds],
        ).fetchone()
        return min(int(row[0] or 0) // KEY_SIZE, cap)

    def keys(self, terms: Sequence[int], kinds: Sequence[int], documents: Sequence[int] | None = None) -> Any:
        """Where the terms occur, as sorted distinct keys (document << 32 | position), in ``documents`` if given."""
        import numpy as np

        rows = self.db.execute(
            f"SELECT keys FROM search_postings WHERE term_id IN ({_marks(len(terms))}) "
            f"AND kind IN ({_marks(len(kinds))})",
            [*terms, *kinds],
        ).fetchall()
        if not rows:
            return np.zeros(0, dtype=np.int64)
        keys = np.frombuffer(b"".join(row[0] for row in rows), dtype=KEY).astype(np.int64)
        if documents is not None:
            keys = keys[np.isin(keys >> 32, np.asarray(list(documents), dtype=np.int64))]
        return np.unique(keys)

    def phrase_keys(
        self,
        words: Sequence[Sequence[int]],
        kinds: Sequence[int],
        anchor: int,
        documents: Sequence[int] | None = None,
    ) -> Any:
        """Where consecutive words (each a set of term ids) occur: keys (document << 32 | first position), sorted.

        The postings of word ``anchor`` (best the rarest) are read first; every
        other word is read (for the anchor's documents when they are few) and
        its positions intersected at their place relative to it.
        """
        import numpy as np

        keys = self.keys(words[anchor], kinds, documents)
        keys = keys[(keys & LOW) >= anchor]
        firsts = keys - anchor
        for k, terms in enumerate(words):
            if k == anchor or not len(firsts):
                continue
            found = np.unique(firsts >> 32)
            other = self.keys(terms, kinds, found.tolist() if len(found) <= FEW_DOCUMENTS else documents)
            firsts = firsts[np.isin(firsts + k, other, assume_unique=True)]
        return firsts

    def resolve(self, firsts: Any, lengths: Any) -> list[tuple[int, int, int, int, int, int, int]]:
        """Rows of hits given by keys (document << 32 | first position) and their lengths in tokens.

        (document, first position, start, end, sentence start, sentence end,
        segment ordinal): start, sentence start and segment of the first token,
        end and sentence end of the last. The token arrays of the documents with
        hits are read once and joined, so the work is a few numpy passes.
        """
        import numpy as np

        if not len(firsts):
            return []
        docs = firsts >> 32
        position = firsts & LOW
        last = position + np.asarray(lengths, dtype=np.int64) - 1
        wanted, rank = np.unique(docs, return_inverse=True)
        rows: dict[int, tuple[bytes, ...]] = {}
        for chunk in _chunks(wanted.tolist()):
            found = self.db.execute(
                "SELECT document_id, sentences, segment_firsts, segment_ordinals FROM search_tokens "
                f"WHERE document_id IN ({_marks(len(chunk))})",
                chunk,
            )
            rows.update((row[0], row[1:]) for row in found.fetchall())
        ordered = [rows[doc] for doc in wanted.tolist()]

        def joined(column: int) -> tuple[Any, Any, Any]:
            """A column of every document as one array, with where each document's part starts and its length."""
            blobs = [row[column] for row in ordered]
            counts = np.array([len(b) // ITEMSIZE for b in blobs], dtype=np.int64)
            base = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
            return np.frombuffer(b"".join(blobs), dtype=INT).astype(np.int64), base, counts

        # The offsets of the first and last tokens, from the blocks they are in.
        first_blocks = docs * DOCUMENT_BLOCKS + (position >> BLOCK_BITS)
        last_blocks = docs * DOCUMENT_BLOCKS + (last >> BLOCK_BITS)
        blocks = np.unique(np.concatenate([first_blocks, last_blocks]))
        fetched: list[tuple[int, bytes, bytes]] = []
        for chunk in _chunks(blocks.tolist()):
            fetched += self.db.execute(
                f"SELECT block_key, starts, ends FROM search_offsets WHERE block_key IN ({_marks(len(chunk))})", chunk
            ).fetchall()
        fetched.sort()
        keys = np.array([row[0] for row in fetched], dtype=np.int64)
        b_base = np.concatenate([[0], np.cumsum([len(row[1]) // ITEMSIZE for row in fetched])[:-1]]).astype(np.int64)
        starts = np.frombuffer(b"".join(row[1] for row in fetched), dtype=INT)
        ends = np.frombuffer(b"".join(row[2] for row in fetched), dtype=INT)
        mask = (1 << BLOCK_BITS) - 1
        start = starts[b_base[np.searchsorted(keys, first_blocks)] + (position & mask)].astype(np.int64)
        end = ends[b_base[np.searchsorted(keys, last_blocks)] + (last & mask)].astype(np.int64)
        sentences, s_base, s_count = joined(0)
        s_keys = (np.repeat(np.arange(len(ordered), dtype=np.int64), s_count) << 32) | sentences
        at = np.searchsorted(s_keys, (rank << 32) | start, "right") - 1
        inside = at >= s_base[rank]
        sentence_start = np.where(
            inside, sentences[np.clip(at, 0, max(len(sentences) - 1, 0))] if len(sentences) else -1, -1
        )
        following = np.searchsorted(s_keys, (rank << 32) | end, "left")
        inside = following < s_base[rank] + s_count[rank]
        sentence_end = np.where(
            inside, sentences[np.clip(following, 0, max(len(sentences) - 1, 0))] if len(sentences) else -1, -1
        )
        segment_firsts, g_base, g_count = joined(1)
        ordinals = np.frombuffer(b"".join(row[2] for row in ordered), dtype=INT).astype(np.int64)
        g_keys = (np.repeat(np.arange(len(ordered), dtype=np.int64), g_count) << 32) | segment_firsts
        ordinal = ordinals[np.searchsorted(g_keys, (rank << 32) | position, "right") - 1]
        return list(
            zip(
                docs.tolist(),
                position.tolist(),
                start.tolist(),
                end.tolist(),
                sentence_start.tolist(),
                sentence_end.tolist(),
                ordinal.tolist(),
                strict=True,
            )
        )

    def phrase_hits(
        self,
        words: Sequence[Sequence[int]],
        kinds: Sequence[int],
        anchor: int,
        documents: Sequence[int] | None = None,
    ) -> list[tuple[int, int, int, int, int, int, int]]:
        """Hits of consecutive words (each a set of term ids), as rows of the first and last token.

        Returns (document, first position, start, end, sentence start, sentence
        end, segment ordinal) in document and position order (see `phrase_keys`
        and `resolve`).
        """
        import numpy as np

        firsts = self.phrase_keys(words, kinds, anchor, documents)
        return self.resolve(firsts, np.full(len(firsts), len(words), dtype=np.int64))

    def capitals(self, document: int) -> list[tuple[str, int, int, int]]:
        """(word, term id of its lower-case form, times, first start) of capitalised words not starting a sentence."""
        return self.db.execute(
            "SELECT word, term_id, n, first_start FROM search_capitals WHERE document_id = ? ORDER BY first_start",
            (document,),
        ).fetchall()

    def written_in_lower_case(self, term: int) -> set[int]:
        """Documents where the term's form is somewhere written with a lower-case first letter."""
        return self.written_in_lower_case_many([term]).get(term, set())

    def written_in_lower_case_many(self, terms: Sequence[int]) -> dict[int, set[int]]:
        """For each of some terms, the documents where its form is written with a lower-case first letter.

        The terms' postings are read in one pass, and the flags of the documents they occur in once.
        """
        import numpy as np

        rows: list[tuple[int, bytes]] = []
        for chunk in _chunks(sorted(set(terms))):
            rows += self.db.execute(
                f"SELECT term_id, keys FROM search_postings WHERE term_id IN ({_marks(len(chunk))}) AND kind IN (0, 2)",
                chunk,
            ).fetchall()
        decoded = [(term, np.frombuffer(data, dtype=KEY).astype(np.int64)) for term, data in rows]
        documents = sorted({int(d) for _term, keys in decoded for d in np.unique(keys >> 32).tolist()})
        flags: dict[int, Any] = {}
        for chunk in _chunks(documents):
            found = self.db.execute(
                f"SELECT document_id, flags FROM search_tokens WHERE document_id IN ({_marks(len(chunk))})", chunk
            )
            flags.update((doc, np.frombuffer(data, dtype=np.uint8)) for doc, data in found.fetchall())
        known = np.array(sorted(flags), dtype=np.int64)
        lengths = np.array([len(flags[d]) for d in known.tolist()], dtype=np.int64)
        base = np.cumsum(lengths) - lengths
        every = np.concatenate([flags[d] for d in known.tolist()]) if len(known) else np.zeros(0, dtype=np.uint8)
        out: dict[int, set[int]] = {}
        for term, keys in decoded:
            docs = keys >> 32
            at = np.minimum(np.searchsorted(known, docs), max(len(known) - 1, 0))
            found = (known[at] == docs) if len(known) else np.zeros(len(docs), dtype=bool)
            lower = np.zeros(len(docs), dtype=bool)
            lower[found] = every[base[at[found]] + (keys[found] & LOW)] == LOWER_FIRST
            if lower.any():
                out[term] = set(np.unique(docs[lower]).tolist())
        return out

    # -- what a hit is shown with ----------------------------------------------------

    def segment_at(self, transcript_id: int, ordinal: int) -> tuple[int, int, int, str | None]:
        """(id, start, end, speaker) of a transcript's segment."""
        return self.db.execute(
            "SELECT id, start_offset, end_offset, speaker FROM segments WHERE transcript_id = ? AND ordinal = ?",
            (transcript_id, ordinal),
        ).fetchone()

    def segments_of(self, transcript_id: int) -> dict[int, tuple[int, int, int, str | None]]:
        """(id, start, end, speaker) of each of a transcript's segments, by ordinal."""
        rows = self.db.execute(
            "SELECT ordinal, id, start_offset, end_offset, speaker FROM segments WHERE transcript_id = ?",
            (transcript_id,),
        )
        return {row[0]: row[1:] for row in rows.fetchall()}

    def segments_at_many(
        self, wanted: Iterable[tuple[int, int]]
    ) -> dict[tuple[int, int], tuple[int, int, int, str | None]]:
        """(id, start, end, speaker) by (transcript, ordinal), for exactly the segments asked for."""
        out: dict[tuple[int, int], tuple[int, int, int, str | None]] = {}
        pairs = sorted(set(wanted))
        for at in range(0, len(pairs), 2000):
            chunk = pairs[at : at + 2000]
            rows = self.db.execute(
                f"WITH w (tid, ordinal) AS (VALUES {', '.join('(?, ?)' for _ in chunk)}) "
                "SELECT s.transcript_id, s.ordinal, s.id, s.start_offset, s.end_offset, s.speaker "
                "FROM w JOIN segments s ON s.transcript_id = w.tid AND s.ordinal = w.ordinal",
                [v for pair in chunk for v in pair],
            )
            out.update({(row[0], row[1]): row[2:] for row in rows.fetchall()})
        return out

    def windows(self, spans: Sequence[tuple[int, int, int]]) -> list[str]:
        """The text of each (transcript id, start, end), in order, cut out by the database (``substr``
        counts characters, as offsets do), so showing hits reads their windows, not whole texts."""
        out: list[str] = []
        for at in range(0, len(spans), 1000):
            chunk = spans[at : at + 1000]
            values = ", ".join("(?, ?, ?, ?)" for _ in chunk)
            params = [v for i, (tid, start, end) in enumerate(chunk) for v in (i, tid, start + 1, end - start)]
            rows = self.db.execute(
                f"WITH w (i, tid, a, n) AS (VALUES {values}) "
                "SELECT w.i, substr(t.text, w.a, w.n) FROM w JOIN transcripts t ON t.id = w.tid ORDER BY w.i",
                params,
            ).fetchall()
            out.extend(text for _i, text in rows)
        return out

    def texts(self, transcript_ids: Sequence[int]) -> dict[int, str]:
        """The texts of some transcripts, by id."""
        out: dict[int, str] = {}
        for chunk in _chunks(sorted(set(transcript_ids))):
            rows = self.db.execute(f"SELECT id, text FROM transcripts WHERE id IN ({_marks(len(chunk))})", chunk)
            out.update(rows.fetchall())
        return out

    def transcripts(self) -> list[tuple[int, str, str | None, str, str]]:
        """(id, name, participant, sha256, lang) of every transcript, without its text."""
        return self.db.execute("SELECT id, name, participant, sha256, lang FROM transcripts ORDER BY id").fetchall()

    def speakers(self) -> list[str]:
        """Every speaker label of the project's segments, once."""
        rows = self.db.execute("SELECT DISTINCT speaker FROM segments WHERE speaker IS NOT NULL")
        return [row[0] for row in rows.fetchall()]

    def text(self, transcript_id: int) -> str:
        return self.db.execute("SELECT text FROM transcripts WHERE id = ?", (transcript_id,)).fetchone()[0]
