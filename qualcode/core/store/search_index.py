"""The inverted index search, suggestions and pseudonym candidates read: terms, postings and tokens.

Portable tables of integers (see schema.sql): a term dictionary (text → id),
postings (term, kind, document, position) in a clustered primary key so a
term's hits are one range of the index, and the tokens of each document
(offsets, sentence bounds, segment) by position. A document is one transcript
text (its SHA-256) as one pipeline tokenised it, so a transcript whose text is
replaced gets a new document and the old one is never read; `drop_stale`
removes documents no transcript has any more.

Kinds: 0 a token's lower-case form whose lemma differs, 1 its lemma, 2 the form
that is also its lemma (one row instead of two). A word matches kinds 0 and 2,
a lemma kinds 1 and 2, and a search by form or lemma all three.
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


def _marks(n: int) -> str:
    return ", ".join("?" * n)


def _chunks(values: list[int], size: int = 500) -> list[list[int]]:
    """Values in groups small enough for one statement's parameters on any engine."""
    return [values[i : i + size] for i in range(0, len(values), size)]


class SearchIndex:
    """Documents, terms, postings and tokens of the search index."""

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
                terms = self.db.execute(
                    "SELECT term_id FROM search_document_terms WHERE document_id = ?", (doc,)
                ).fetchall()
                self.db.executemany(
                    "DELETE FROM search_postings WHERE term_id = ? AND kind IN (0, 1, 2) AND document_id = ?",
                    [(term, doc) for (term,) in terms],
                )
                self.db.execute("DELETE FROM search_document_terms WHERE document_id = ?", (doc,))
                self.db.execute("DELETE FROM search_tokens WHERE document_id = ?", (doc,))
                self.db.execute("DELETE FROM search_capitals WHERE document_id = ?", (doc,))
                self.db.execute("DELETE FROM search_documents WHERE id = ?", (doc,))
            self.db.execute("DELETE FROM text_index WHERE sha256 NOT IN (SELECT sha256 FROM transcripts)")
        return len(stale)

    def add_document(self, sha256: str, pipeline: str) -> int:
        """A new, empty document for a text and pipeline; its rows follow with `add_rows`."""
        cur = self.db.execute(
            "INSERT INTO search_documents (sha256, pipeline) VALUES (?, ?)",
            (sha256, pipeline),
        )
        return int(cur.lastrowid or 0)

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
        postings: Iterable[tuple[int, int, int, int]],
        tokens: Iterable[tuple[int, ...]],
        document_terms: Iterable[tuple[int, int]],
        capitals: Iterable[tuple[int, str, int, int, int]],
    ) -> None:
        """Insert a build's rows: postings (term, kind, document, position), best sorted in that order."""
        self.db.executemany(
            "INSERT INTO search_postings (term_id, kind, document_id, position) VALUES (?, ?, ?, ?)", postings
        )
        self.db.executemany(
            "INSERT INTO search_tokens (document_id, position, start_offset, end_offset, sentence_start, "
            "sentence_end, segment, flags) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            tokens,
        )
        self.db.executemany("INSERT INTO search_document_terms (document_id, term_id) VALUES (?, ?)", document_terms)
        self.db.executemany(
            "INSERT INTO search_capitals (document_id, word, term_id, n, first_start) VALUES (?, ?, ?, ?, ?)",
            capitals,
        )

    # -- reading -----------------------------------------------------------------

    def count_at_most(self, terms: Sequence[int], kinds: Sequence[int], cap: int) -> int:
        """How many postings the terms have, counted up to ``cap`` (to pick the rarest word of a phrase)."""
        if not terms:
            return 0
        row = self.db.execute(
            f"SELECT COUNT(*) FROM (SELECT 1 FROM search_postings WHERE term_id IN ({_marks(len(terms))}) "
            f"AND kind IN ({_marks(len(kinds))}) LIMIT ?) AS capped",
            [*terms, *kinds, cap],
        ).fetchone()
        return int(row[0])

    def phrase_hits(
        self,
        words: Sequence[Sequence[int]],
        kinds: Sequence[int],
        anchor: int,
        documents: Sequence[int] | None = None,
    ) -> list[tuple[int, int, int, int, int, int, int]]:
        """Hits of consecutive words (each a set of term ids), as rows of the first and last token.

        The postings of word ``anchor`` (best the rarest) are read as a range of
        the index; every other word is checked at its position relative to it
        by a seek. Returns (document, first position, start, end, sentence
        start, sentence end, segment ordinal) in document and position order:
        start, sentence start and segment of the first token, end and sentence
        end of the last.
        """
        n = len(words)
        kind_marks = _marks(len(kinds))
        params: list[Any] = [anchor, n - 1 - anchor]
        where = [f"a.term_id IN ({_marks(len(words[anchor]))}) AND a.kind IN ({kind_marks})"]
        params += [*words[anchor], *kinds]
        if documents is not None:
            where.append(f"a.document_id IN ({_marks(len(documents))})")
            params += documents
        for k, terms in enumerate(words):
            if k == anchor:
                continue
            where.append(
                f"EXISTS (SELECT 1 FROM search_postings b WHERE b.term_id IN ({_marks(len(terms))}) "
                f"AND b.kind IN ({kind_marks}) AND b.document_id = a.document_id AND b.position = a.position + ?)"
            )
            params += [*terms, *kinds, k - anchor]
        sql = (
            "SELECT DISTINCT a.document_id, f.position, f.start_offset, l.end_offset, f.sentence_start, "
            "l.sentence_end, f.segment FROM search_postings a "
            "JOIN search_tokens f ON f.document_id = a.document_id AND f.position = a.position - ? "
            "JOIN search_tokens l ON l.document_id = a.document_id AND l.position = a.position + ? "
            f"WHERE {' AND '.join(where)} ORDER BY a.document_id, f.position"
        )
        return [tuple(row) for row in self.db.execute(sql, params).fetchall()]

    def capitals(self, document: int) -> list[tuple[str, int, int, int]]:
        """(word, term id of its lower-case form, times, first start) of capitalised words not starting a sentence."""
        return self.db.execute(
            "SELECT word, term_id, n, first_start FROM search_capitals WHERE document_id = ? ORDER BY first_start",
            (document,),
        ).fetchall()

    def written_in_lower_case(self, term: int) -> set[int]:
        """Documents where the term's form is somewhere written with a lower-case first letter."""
        rows = self.db.execute(
            "SELECT DISTINCT p.document_id FROM search_postings p JOIN search_tokens t "
            "ON t.document_id = p.document_id AND t.position = p.position "
            "WHERE p.term_id = ? AND p.kind IN (0, 2) AND t.flags = ?",
            (term, LOWER_FIRST),
        )
        return {row[0] for row in rows.fetchall()}

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
        self, transcript_ids: Sequence[int], ordinals: Sequence[int]
    ) -> dict[tuple[int, int], tuple[int, int, int, str | None]]:
        """(id, start, end, speaker) by (transcript, ordinal), for segments of those transcripts with those ordinals."""
        out: dict[tuple[int, int], tuple[int, int, int, str | None]] = {}
        wanted = sorted(set(ordinals))
        for chunk in _chunks(sorted(set(transcript_ids))):
            rows = self.db.execute(
                "SELECT transcript_id, ordinal, id, start_offset, end_offset, speaker FROM segments "
                f"WHERE transcript_id IN ({_marks(len(chunk))}) AND ordinal IN ({_marks(len(wanted))})",
                [*chunk, *wanted],
            )
            out.update({(row[0], row[1]): row[2:] for row in rows.fetchall()})
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
