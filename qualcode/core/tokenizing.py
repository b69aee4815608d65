"""spaCy's rule-based tokenization of whole transcripts, computed once per distinct span of text.

spaCy's tokenizer splits a text at whitespace first and then tokenizes each
whitespace-delimited span on its own: prefixes, suffixes, infixes and special
cases work inside the span. A span's tokens therefore depend on the span's own
text, and a transcript of a million words has only a few tens of thousands of
distinct spans. This module tokenizes each distinct span once (many of them in
one call) and lays the tokens of every occurrence out with numpy, several
times faster than the tokenizer over the whole text.

The one place where spaCy looks past a span is its special-case matcher, which
runs over the whole Doc and, next to emoticons, can re-split a span by what
follows it (spaCy makes `:` `)` of `"':)` when ` )` follows, `:)` otherwise).
Here every span is tokenized as spaCy tokenizes it alone. Tests check both:
token for token the same as spaCy on each span of generated text, and the same
as spaCy over whole texts of interview prose (the samples, English and
Norwegian).

It serves the rule-based pipeline, whose tokens come from the tokenizer
alone; a trained pipeline runs whole, as spaCy runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from typing import Any

JOIN_BATCH = 20_000
"""Distinct spans tokenized in one call, joined by line feeds.

A line feed between two spans is a token of its own, so no run of tokens that
a special case could match reaches from one span into the next.
"""


SPLIT_AFTER_LETTERS = frozenset(",;:!?.")
"""Marks the tokenizer splits off two or more letters in every language checked (not "'": Norwegian,
Danish, Swedish and Finnish keep "Anders'" whole; not "." after one letter: Norwegian keeps "A."; "." only
after a lower-case letter or two capitals: "aA." is one token)."""


@lru_cache(maxsize=1)
def _space_table() -> Any:
    """A lookup table: is code point ``c`` whitespace as `str.isspace` says (the test spaCy uses)."""
    import numpy as np

    # Every whitespace character lies below U+3001 (a test checks the whole range).
    return np.array([chr(c).isspace() for c in range(0x3001)] + [False], dtype=bool)


class StringTable:
    """Distinct strings, numbered in the order they come; values derived from each are kept in step.

    A build asks once per distinct string what it needs of it (its term id, whether
    it is capitalised …) through `derived`, and per token only indexes arrays.
    """

    def __init__(self, values: Iterable[str] = ()) -> None:
        self.values: list[str] = []
        self.number: dict[str, int] = {}
        self._derived: dict[str, tuple[int, Any]] = {}
        """Per name: how many strings it has been computed for, and the values (with room to grow)."""
        for value in values:
            self.add(value)

    def __len__(self) -> int:
        return len(self.values)

    def add(self, value: str) -> int:
        number = self.number.get(value)
        if number is None:
            number = self.number[value] = len(self.values)
            self.values.append(value)
        return number

    def derived(self, name: str, compute: Callable[[str], Any], dtype: Any) -> Any:
        """``compute(value)`` for every string as an array, computed only for strings added since the last call."""
        import numpy as np

        done, values = self._derived.get(name, (0, np.zeros(1024, dtype=dtype)))
        if done < len(self.values):
            values = _room(values, len(self.values))
            more = self.values[done:]
            values[done : len(self.values)] = np.fromiter(map(compute, more), dtype=dtype, count=len(more))
            self._derived[name] = (len(self.values), values)
        return values[: len(self.values)]


@dataclass
class TokenArrays:
    """Non-space and space tokens of some texts, in text order, as parallel arrays."""

    starts: Any
    """Character offset of each token in the transcript."""
    lengths: Any
    written: Any
    """Each token's text, as its number in `ChunkTokenizer.written`."""
    lower: Any
    """Its lower-case form, as its number in `ChunkTokenizer.forms`."""
    is_space: Any
    is_punct: Any
    piece: Any
    """Which of the pieces given (a Doc's worth of text) the token belongs to."""


class _Spans:
    """The tokens of each distinct span: its first row and row count in flat token columns.

    The columns grow by doubling, so learning a few new spans per text costs
    their own rows, not a copy of everything learnt before.
    """

    def __init__(self) -> None:
        import numpy as np

        self.number: dict[str, int] = {}
        self.first = np.zeros(1024, dtype=np.int64)
        self.count = np.zeros(1024, dtype=np.int64)
        self.columns = np.zeros((4096, 6), dtype=np.int64)
        """Per token row: start within the span, length, written, lower, is space, is punct."""
        self.rows = 0

    def add(self, spans: list[str], owner: Any, columns: Any) -> None:
        """Record the tokens of some new spans (``owner``: which span each row is of, rows in span order)."""
        import numpy as np

        counts = np.bincount(owner, minlength=len(spans))
        at = len(self.number)
        self.first = _room(self.first, at + len(spans))
        self.count = _room(self.count, at + len(spans))
        self.first[at : at + len(spans)] = self.rows + np.cumsum(counts) - counts
        self.count[at : at + len(spans)] = counts
        self.columns = _room(self.columns, self.rows + len(columns))
        self.columns[self.rows : self.rows + len(columns)] = columns
        self.rows += len(columns)
        for s in spans:
            self.number[s] = len(self.number)


def _room(array: Any, size: int) -> Any:
    """``array``, or a copy of it twice as long or more, with room for ``size`` rows."""
    import numpy as np

    if size <= len(array):
        return array
    bigger = np.zeros((max(size, 2 * len(array)), *array.shape[1:]), dtype=array.dtype)
    bigger[: len(array)] = array
    return bigger


class ChunkTokenizer:
    """A spaCy tokenizer applied span by distinct span; keeps what it learnt across the texts of one build."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.written = StringTable()
        """Every token text seen, numbered."""
        self.forms = StringTable()
        """Every lower-case form seen, numbered."""
        self._number: dict[int, tuple[int, int]] = {}
        """spaCy's hash of a token text → (its number in `written`, its lower-case form's in `forms`)."""
        self.words = _Spans()
        self.spaces = _Spans()
        self._plain_lower = _plain_lower(tokenizer.vocab)
        self._rules = frozenset(tokenizer.rules or ())
        """The tokenizer's special cases, which a span of letters may be too ("cannot", "gonna")."""

    def _columns(self, text: str) -> Any:
        """The tokenizer's tokens of ``text`` as rows (start, length, written, lower, is space, is punct)."""
        import numpy as np
        from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH, LOWER, ORTH

        doc = self.tokenizer(text)
        array = doc.to_array([IDX, LENGTH, IS_SPACE, IS_PUNCT]).astype(np.int64)
        hashes = doc.to_array([ORTH, LOWER]).astype(np.uint64).reshape(-1, 2)
        number, strings = self._number, self.tokenizer.vocab.strings
        distinct, first = np.unique(hashes[:, 0], return_index=True)
        for h, lower in zip(distinct.tolist(), hashes[first, 1].tolist(), strict=True):
            if h not in number:
                number[h] = (self.written.add(strings[h]), self.forms.add(strings[lower]))
        ids = np.array([number[h] for h in hashes[:, 0].tolist()], dtype=np.int64).reshape(-1, 2)
        return np.column_stack([array[:, 0], array[:, 1], ids[:, 0], ids[:, 1], array[:, 2], array[:, 3]])

    def _learn_words(self, spans: list[str]) -> None:
        """Tokenize new whitespace-free spans, many per call: each span's tokens lie within its own text.

        Two shapes of span are laid out without asking spaCy, whose affix search
        costs more than anything else a build does, once per distinct span: a
        run of letters that is no special case is one token (the prefix, suffix
        and infix rules match punctuation, digits and symbols, never letters),
        and two or more such letters followed by one of `SPLIT_AFTER_LETTERS`
        are the letters and that mark. Tests check both on words of the lemma
        tables and on generated text against spaCy itself.
        """
        import numpy as np

        rules = self._rules
        simple: dict[str, list[tuple[int, int, int, int, int, int]]] = {}
        for span in spans:
            if span in rules:
                continue
            if span.isalpha():
                simple[span] = [self._row(span, 0)]
            elif (
                len(span) > 2
                and span[-1] in SPLIT_AFTER_LETTERS
                and span[:-1].isalpha()
                and span[:-1] not in rules
                # spaCy splits "." off a lower-case letter or two capitals ("Oslo.", "OSLO."), and keeps it on
                # one capital after a small letter ("aA." is one token); anything else asks spaCy
                and (span[-1] != "." or span[-2].islower() or (span[-2].isupper() and span[-3].isupper()))
            ):
                simple[span] = [self._row(span[:-1], 0), self._row(span[-1], len(span) - 1)]
        if simple:
            owner = np.repeat(np.arange(len(simple), dtype=np.int64), [len(r) for r in simple.values()])
            columns = np.array([row for rows in simple.values() for row in rows], dtype=np.int64)
            self.words.add(list(simple), owner, columns)
            spans = [s for s in spans if s not in simple]
        for at in range(0, len(spans), JOIN_BATCH):
            batch = spans[at : at + JOIN_BATCH]
            lengths = np.fromiter((len(s) for s in batch), dtype=np.int64, count=len(batch))
            starts = np.cumsum(lengths + 1) - (lengths + 1)
            columns = self._columns("\n".join(batch))
            owner = np.searchsorted(starts, columns[:, 0], "right") - 1
            # the line feeds between the spans are tokens of their own: left out
            own = columns[:, 0] < starts[owner] + lengths[owner]
            columns, owner = columns[own], owner[own]
            columns[:, 0] -= starts[owner]
            self.words.add(batch, owner, columns)

    def _row(self, token: str, start: int) -> tuple[int, int, int, int, int, int]:
        """A token's row (start, length, written, lower, is space, is punct).

        Letters are not punctuation, and their lower-case form is `str.lower`'s
        when the language keeps spaCy's own getter; otherwise the lexeme says.
        """
        if self._plain_lower and token.isalpha():
            return (start, len(token), self.written.add(token), self.forms.add(token.lower()), 0, 0)
        lexeme = self.tokenizer.vocab[token]
        return (start, len(token), self.written.add(token), self.forms.add(lexeme.lower_), 0, int(lexeme.is_punct))

    def _learn_space(self, span: str) -> None:
        """Tokenize a whitespace span on its own (spaCy makes one or more space tokens of it)."""
        import numpy as np

        columns = self._columns(span)
        self.spaces.add([span], np.zeros(len(columns), dtype=np.int64), columns)

    def tokens(self, text: str, pieces: list[tuple[int, int]]) -> TokenArrays:
        """The tokens of ``text[start:end]`` for each piece, as the tokenizer makes them of each piece alone."""
        import numpy as np

        n = len(text)
        kept = [i for i, (s, e) in enumerate(pieces) if e > s]
        if not kept:
            empty = np.zeros(0, dtype=np.int64)
            return TokenArrays(empty, empty, empty, empty, empty.astype(bool), empty.astype(bool), empty)
        piece_starts = np.array([pieces[i][0] for i in kept], dtype=np.int64)
        piece_ends = np.array([pieces[i][1] for i in kept], dtype=np.int64)
        codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
        table = _space_table()
        space = table[np.minimum(codes, len(table) - 1)]
        # Runs of whitespace or of other characters, cut at the pieces' edges too; those inside a piece.
        changes = np.flatnonzero(space[1:] != space[:-1]) + 1
        cuts = np.sort(np.concatenate([[0], changes, piece_starts, piece_ends, [n]]))
        cuts = cuts[np.concatenate([[True], cuts[1:] != cuts[:-1]])]
        run_start, run_end = cuts[:-1], cuts[1:]
        owner = np.searchsorted(piece_starts, run_start, "right") - 1
        inside = (owner >= 0) & (run_start < piece_ends[np.maximum(owner, 0)])
        run_start, run_end, owner = run_start[inside], run_end[inside], owner[inside]
        blank = space[run_start]

        # Words: every run of non-space characters is a span.
        words = ~blank
        w_start, w_owner = run_start[words], owner[words]
        spans = _words(text, [pieces[i] for i in kept], w_start, run_end[words])
        number = self.words.number
        w_ids = np.fromiter(map(number.get, spans, repeat(-1)), dtype=np.int64, count=len(spans))
        unknown = np.flatnonzero(w_ids < 0)
        if len(unknown):
            # sorted, so the same texts number their strings the same way in every run
            self._learn_words(sorted({spans[i] for i in unknown.tolist()}))
            w_ids[unknown] = [number[spans[i]] for i in unknown.tolist()]

        # Whitespace: a run after a word loses one leading ' ' (spaCy's trailing space), the rest is a span.
        s_start, s_end, s_owner = run_start[blank], run_end[blank], owner[blank]
        s_start = s_start + ((s_start != piece_starts[s_owner]) & (codes[s_start] == 32))
        left = s_end > s_start
        s_start, s_end, s_owner = s_start[left], s_end[left], s_owner[left]
        blanks = [text[a:b] for a, b in zip(s_start.tolist(), s_end.tolist(), strict=True)]
        for s in dict.fromkeys(blanks):
            if s not in self.spaces.number:
                self._learn_space(s)
        s_ids = np.fromiter(map(self.spaces.number.__getitem__, blanks), dtype=np.int64, count=len(blanks))

        starts, columns, piece = _expand(self.words, w_ids, w_start, w_owner)
        if len(s_ids):
            more = _expand(self.spaces, s_ids, s_start, s_owner)
            order = np.argsort(np.concatenate([starts, more[0]]), kind="stable")
            starts = np.concatenate([starts, more[0]])[order]
            columns = np.concatenate([columns, more[1]])[order]
            piece = np.concatenate([piece, more[2]])[order]
        return TokenArrays(
            starts,
            columns[:, 1],
            columns[:, 2],
            columns[:, 3],
            columns[:, 4] == 1,
            columns[:, 5] == 1,
            np.array(kept, dtype=np.int64)[piece],
        )


def _plain_lower(vocab: Any) -> bool:
    """Whether the vocabulary's lower-case forms are spaCy's default, `str.lower`."""
    from spacy.attrs import LOWER
    from spacy.lang.lex_attrs import lower

    return vocab.lex_attr_getters.get(LOWER) is lower


def _expand(spans: _Spans, ids: Any, span_starts: Any, owners: Any) -> tuple[Any, Any, Any]:
    """The tokens of each occurrence of a span: (absolute start, columns, owning piece) per token."""
    import numpy as np

    first, count, columns = spans.first, spans.count, spans.columns
    counts = count[ids]
    # Row of each token: its span's first row plus its place among the span's tokens.
    offsets = np.cumsum(counts) - counts
    rows = np.repeat(first[ids] - offsets, counts) + np.arange(int(counts.sum()), dtype=np.int64)
    picked = columns[rows]
    return np.repeat(span_starts, counts) + picked[:, 0], picked, np.repeat(owners, counts)


def _words(text: str, pieces: list[tuple[int, int]], starts: Any, ends: Any) -> list[str]:
    """The text of each run of non-space characters, in text order.

    When the pieces are in order and do not overlap, these are the words
    `str.split` makes of each piece (it splits where `str.isspace` says, as
    the runs are cut), which it makes at C speed; otherwise each run is cut
    out on its own.
    """
    ordered = all(pieces[i][1] <= pieces[i + 1][0] for i in range(len(pieces) - 1))
    if ordered:
        # one call: a line feed between the pieces keeps their words apart
        words = "\n".join([text[a:b] for a, b in pieces]).split()
        if len(words) == len(starts):
            return words
    return [text[a:b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]
