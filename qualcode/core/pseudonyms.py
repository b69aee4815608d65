"""Pseudonymisation: names and places replaced in everything that leaves the project.

The project keeps the original text, so segment offsets stay valid; the
replacement happens on the way out, in every export and quote, through one
`Pseudonymiser`.

Its matching is built to let no recognisable spelling of a name through:

* case-insensitive by default, by full Unicode case folding ("MARIT" and
  "marit" for "Marit", "STRAUSS" for "Strauß");
* entries and texts compared in NFC, so a name typed in decomposed Unicode is
  found all the same;
* a name counts as a word when non-letters flank it: digits, ``_`` and
  punctuation are boundaries ("Marit_Hansen", "(Marit)", "Marit's", "Marit2"
  all hide Marit), letters and combining marks are not ("Maritime", and
  "Emily" for "Emil", are left alone);
* between the words of a multi-word entry any run of white space (line breaks
  included), underscores or hyphens matches ("Marit\\nHansen", "Marit_Hansen"
  for "Marit Hansen");
* an entry marked ``prefix`` also hides the words it begins, and hides them
  whole: "Nordbyskolen" becomes the replacement alone, not the replacement
  followed by "skolen", because the rest of a compound can point to the place
  as surely as the name;
* where several entries match at the same place the longest wins, so
  "Nordby skole" wins over "Nordby".
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from qualcode.core.model import Pseudonym

if TYPE_CHECKING:
    from qualcode.core.store import Store

_SEPARATORS = r"[\s_\-\u2010\u2011]"
"""What may stand between the words of an entry: white space, underscores, hyphens."""

_SEPARATOR_RUN = re.compile(_SEPARATORS + "+")


@cache
def _letter() -> str:
    """A pattern for one character that continues a word: a letter or a combining mark.

    Python's ``\\w`` will not do: it counts ``_`` and digits as word characters,
    so "Marit_Hansen" and "Marit2" would hide nothing, and "²" too, while it
    leaves out combining marks, which belong to the letter before them. The
    Basic Multilingual Plane is listed from the Unicode database; beyond it
    ``[^\\W\\d_]`` stands in, because the regex engine looks up a class of
    characters past U+FFFF range by range, which made matching three times
    slower.
    """
    ranges: list[list[int]] = []
    for code in range(0x10000):
        if unicodedata.category(chr(code))[0] in "LM":
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    bmp = "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in ranges)
    return rf"(?:[{bmp}]|(?=[^\x00-\uffff])[^\W\d_])"


@cache
def _expanding() -> re.Pattern[str]:
    """The characters whose case folding is longer than one character ("ß" → "ss", "ﬁ" → "fi")."""
    return re.compile("[" + "".join(re.escape(chr(c)) for c in range(0x110000) if len(chr(c).casefold()) > 1) + "]")


class _Folded:
    """A text as it is matched (case-folded unless matching is case-sensitive), and the way back to its offsets.

    Folding goes character by character and never makes one shorter, so the
    folded offsets drift from the text's only after a character that folds to
    several ("ß" → "ss"). Those are rare, and only they are recorded.
    """

    def __init__(self, text: str, *, fold: bool) -> None:
        self.text = text.casefold() if fold else text
        """The text to match the patterns in."""
        self._at: list[int] = []
        """Where each expanding character's folding starts in the folded text."""
        self._original: list[int] = []
        """Where each expanding character stands in the text."""
        self._width: list[int] = []
        """How many characters each expanding character folds to."""
        if len(self.text) != len(text):
            drift = 0
            for m in _expanding().finditer(text):
                width = len(m.group(0).casefold())
                self._original.append(m.start())
                self._at.append(m.start() + drift)
                self._width.append(width)
                drift += width - 1

    def start(self, position: int) -> int:
        """The text offset of the character a folded offset falls in: where a match starts."""
        k = bisect_right(self._at, position) - 1
        if k < 0:
            return position
        if position < self._at[k] + self._width[k]:
            return self._original[k]
        return self._original[k] + 1 + position - self._at[k] - self._width[k]

    def end(self, position: int) -> int:
        """The text offset just after the character a folded end offset closes: where a match ends."""
        k = bisect_right(self._at, position - 1) - 1
        if k < 0:
            return position
        if position <= self._at[k] + self._width[k]:
            return self._original[k] + 1
        return self._original[k] + 1 + position - self._at[k] - self._width[k]


class Pseudonymiser:
    """Replace every name of a pseudonym list by its replacement, in whatever spelling the text has it.

    Give it the entries to hide, as `Pseudonym` rows or as (original,
    replacement) pairs, with ``prefix`` naming the originals of pairs that also
    hide the words they begin. It hides every entry it is given;
    `from_entries` and `from_store` pass it the confirmed ones only. The
    entries become one compiled regular expression, a trie of their folded
    spellings (two when some entries are prefixes), so the time a text takes
    hardly grows with the length of the list.
    """

    def __init__(
        self,
        entries: Iterable[Pseudonym | tuple[str, str]],
        *,
        case_sensitive: bool = False,
        prefix: Iterable[str] = (),
    ) -> None:
        prefixed = {unicodedata.normalize("NFC", o) for o in prefix}
        kept: dict[str, Pseudonym] = {}
        for entry in entries:
            original = unicodedata.normalize("NFC", entry[0])
            is_prefix = (isinstance(entry, Pseudonym) and entry.prefix) or original in prefixed
            if _SEPARATOR_RUN.sub("", original) and original not in kept:
                kept[original] = Pseudonym(original, unicodedata.normalize("NFC", entry[1]), True, is_prefix)
        self.case_sensitive = case_sensitive
        """Whether "MARIT" is left alone for "Marit" (off by default: every case is hidden)."""
        self.entries: list[Pseudonym] = sorted(kept.values(), key=lambda p: (-len(p.original), p.original))
        """The entries hidden, in NFC, longest original first."""
        self.pairs = [(p.original, p.replacement) for p in self.entries]
        """(original, replacement), longest original first."""
        self._scanners = [
            scanner for scanner in (self._scanner(prefix=False), self._scanner(prefix=True)) if scanner is not None
        ]
        """(pattern, the entry index of each of its groups) for whole-word entries, then prefix entries."""

    @classmethod
    def from_entries(cls, entries: Iterable[Pseudonym], *, case_sensitive: bool = False) -> Pseudonymiser:
        """A pseudonymiser for the confirmed entries of a list: suggestions not yet confirmed are left alone."""
        return cls([e for e in entries if e.confirmed], case_sensitive=case_sensitive)

    @classmethod
    def from_store(cls, store: Store) -> Pseudonymiser:
        """The project's confirmed pseudonyms."""
        return cls.from_entries(store.pseudonyms.all())

    def __bool__(self) -> bool:
        return bool(self.entries)

    # -- the patterns ---------------------------------------------------------------

    def _spellings(self, original: str) -> set[str]:
        """The forms of an entry the pattern looks for: folded, words joined by one space, in NFC and NFD.

        NFD as well because `apply_with_offsets` matches the text as given, and a
        decomposed name in it stays decomposed when folded.
        """
        folded = original if self.case_sensitive else original.casefold()
        key = " ".join(w for w in _SEPARATOR_RUN.split(folded) if w)
        return {key, unicodedata.normalize("NFC", key), unicodedata.normalize("NFD", key)}

    def _scanner(self, *, prefix: bool) -> tuple[re.Pattern[str], list[int]] | None:
        """One regular expression for the whole-word entries or for the prefix entries, and its groups' entries.

        The entries' spellings form a trie whose every path ends in an empty
        capturing group, so a match's ``lastindex`` says which entry it is. At
        every node the longer continuations come before an entry ending there,
        and the word boundary after the trie, when it fails, sends the engine
        back to a shorter one: the longest entry that is a word wins. Prefix
        entries get a pattern of their own so that the rest of the word is
        consumed once, after the trie, rather than once per entry: the letter
        class is large, and a copy per entry made compiling slow.
        """
        trie: dict[str, Any] = {}
        for index, entry in enumerate(self.entries):
            if entry.prefix != prefix:
                continue
            for spelling in self._spellings(entry.original):
                node = trie
                for char in spelling:
                    node = node.setdefault(char, {})
                # Two entries of one spelling ("Marit", "MARIT"): the first, longest then alphabetical, hides it.
                node.setdefault("", index)
        if not trie:
            return None
        groups: list[int] = []
        letter = _letter()
        letter_or_digit = rf"(?:{letter}|\d)"
        # Which neighbour ends a word depends on the character at the entry's
        # edge: a letter must not touch a letter, a digit neither a letter nor a
        # digit ("P3" is not in "P31"); punctuation there asks for nothing.
        by_edge: dict[str, list[str]] = {f"(?<!{letter})": [], f"(?<!{letter_or_digit})": [], "": []}
        for char, child in trie.items():
            edge = (
                f"(?<!{letter})"
                if re.fullmatch(letter, char)
                else f"(?<!{letter_or_digit})"
                if char.isdecimal()
                else ""
            )
            by_edge[edge].append(re.escape(char) + _node(child, groups))
        # The check before a name stands first, so that the engine (which cannot
        # skip ahead here) fails at once inside words.
        start = "|".join(f"{edge}(?:{'|'.join(branches)})" for edge, branches in by_edge.items() if branches)
        rest_of_word = f"{letter}*+" if prefix else ""
        end = f"(?:(?<={letter})(?!{letter})|(?<=\\d)(?!{letter_or_digit})|(?<!{letter_or_digit}))"
        return re.compile(f"(?:{start}){rest_of_word}{end}"), groups

    # -- matching -------------------------------------------------------------------

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where names stand in ``text`` (as given, NFC expected): (start, end) of each, left to right."""
        return [(start, end) for start, end, _entry in self._matches(text)]

    def _matches(self, text: str) -> Iterator[tuple[int, int, Pseudonym]]:
        """(start, end, entry) of each name in the text as given, left to right, not overlapping.

        Where a whole-word and a prefix entry both match, the match that starts
        first wins, then the longer, then the whole-word entry ("Nordbyskolen"
        as an entry of its own before the prefix "Nordby").
        """
        if not self._scanners:
            return
        folded = _Folded(text, fold=not self.case_sensitive)
        found = [pattern.search(folded.text) for pattern, _groups in self._scanners]
        searched_to = 0  # in the folded text
        replaced_to = 0  # in the text
        while True:
            for i, (pattern, _groups) in enumerate(self._scanners):
                m = found[i]
                if m is not None and m.start() < searched_to:
                    found[i] = pattern.search(folded.text, searched_to)
            candidates = [(m.start(), -m.end(), i) for i, m in enumerate(found) if m is not None]
            if not candidates:
                return
            *_, i = min(candidates)
            m = found[i]
            assert m is not None and m.lastindex is not None
            start, end = max(replaced_to, folded.start(m.start())), folded.end(m.end())
            searched_to = m.end()
            if end > start:
                replaced_to = end
                yield start, end, self.entries[self._scanners[i][1][m.lastindex - 1]]

    def apply(self, text: str) -> str:
        """The text with every name replaced; the text is brought to NFC first."""
        text = unicodedata.normalize("NFC", text)
        pieces: list[str] = []
        position = 0
        for start, end, entry in self._matches(text):
            pieces += (text[position:start], entry.replacement)
            position = end
        pieces.append(text[position:])
        return "".join(pieces)

    def apply_with_offsets(self, text: str) -> tuple[str, list[int]]:
        """The replaced text and, for every offset 0..len(text) of the given text, its offset in the new one.

        The text is matched as given, not normalised, so that every offset
        means what the caller thinks: give it NFC text, as transcripts are
        stored (a name wholly in NFD is still found; one mixing the two forms is
        not). An offset inside a replaced name maps to the start of its
        replacement, so spans that began or ended at the name still cover it.
        """
        pieces: list[str] = []
        offsets: list[int] = []
        position = 0
        new_length = 0
        for start, end, entry in self._matches(text):
            offsets.extend(range(new_length, new_length + start - position))
            new_length += start - position
            pieces.append(text[position:start])
            offsets.extend([new_length] * (end - start))
            new_length += len(entry.replacement)
            pieces.append(entry.replacement)
            position = end
        offsets.extend(range(new_length, new_length + len(text) - position + 1))
        pieces.append(text[position:])
        return "".join(pieces), offsets

    def count(self, text: str) -> Counter[str]:
        """How often each entry occurs in the text (brought to NFC first), by the entry's own spelling."""
        return Counter(entry.original for _s, _e, entry in self._matches(unicodedata.normalize("NFC", text)))


def _node(node: dict[str, Any], groups: list[int]) -> str:
    """The pattern for what may follow a node of the trie: longer entries first, then the one ending here.

    A space in a spelling stands for the gap between two words of an entry.
    Each entry's end is an empty group; its entry index goes into ``groups``.
    """
    tails = [
        (_SEPARATORS + "++" if char == " " else re.escape(char)) + _node(child, groups)
        for char, child in node.items()
        if char
    ]
    if "" in node:
        groups.append(node[""])
        tails.append("()")
    return tails[0] if len(tails) == 1 else "(?:" + "|".join(tails) + ")"


@dataclass(frozen=True)
class Candidate:
    """A name or place that may need hiding, how often it occurs, and why it was found."""

    text: str
    count: int
    source: str  # "entity:PERSON" from a trained pipeline, or "rule"


def suggest(store: Store, *, limit: int = 50) -> list[Candidate]:
    """Names and places to confirm: a trained pipeline's entities when it has any, otherwise rules.

    The rule: a capitalised word that does not start a sentence, is not a word
    of the codebook or a speaker label, is not a common word of the language
    (not in its lemma table or stop words) and is never written in lower case. Words already in
    the pseudonym list are left out; the most frequent come first.
    """
    from qualcode.core.textindex import all_indexes, lemma_table, search_documents

    known = {p.original for p in store.pseudonyms.all()}
    out: list[Candidate] = []
    # Only a trained pipeline finds names; the rule-based one leaves the entities empty.
    if store.settings.spacy_model:
        entity_counts: Counter[tuple[str, str]] = Counter()
        for transcript, index in all_indexes(store).values():
            for start, end, label in index.entities:
                if label in ("PERSON", "PER", "GPE", "LOC", "ORG", "FAC"):
                    entity_counts[(transcript.text[start:end], label)] += 1
        for (name, label), n in entity_counts.most_common():
            if name not in known:
                out.append(Candidate(name, n, f"entity:{label}"))
        if entity_counts:
            return out[:limit]
    common = lemma_table(store.settings.lang)
    stop = _stop_words(store.settings.lang)
    codebook_words = {
        w.casefold() for c in store.codebook.codes() for w in re.findall(r"\w+", f"{c.name} {' '.join(c.keywords)}")
    }
    speakers = {s.casefold() for s in store.search_index.speakers()}
    # From the search index: capitalised words that do not start a sentence, counted per
    # transcript text when the index is built; counted here in reading order, so ties keep
    # the order in which the words first appear.
    index = store.search_index
    indexed = search_documents(store)
    rule_counts: Counter[str] = Counter()
    term_of: dict[str, int] = {}
    capitals: dict[int, list[tuple[str, int, int, int]]] = {}
    for t in indexed:
        if t.document not in capitals:
            capitals[t.document] = index.capitals(t.document)
        for word, term, n, _first in capitals[t.document]:
            lower = word.lower()
            if lower in common or lower in stop or lower in codebook_words or lower in speakers:
                continue
            if re.fullmatch(r"P\d+", word):
                continue
            rule_counts[word] += n
            term_of[word] = term
    documents = {t.document for t in indexed}
    # A word also written in lower case somewhere ("Yes", "Okay") is an ordinary word.
    # Read for the words that could be listed, in one pass over their postings.
    wanted = [word for word, _n in rule_counts.most_common() if word not in known]
    written = index.written_in_lower_case_many([term_of[word] for word in wanted])
    for word in wanted:
        n = rule_counts[word]
        if not written.get(term_of[word], set()) & documents:
            out.append(Candidate(word, n, "rule"))
            if len(out) >= limit:
                break
    return out[:limit]


def _stop_words(lang: str) -> set[str]:
    from importlib import import_module

    try:
        return set(import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS)
    except (ImportError, AttributeError):
        return set()


def report(store: Store) -> list[tuple[str, int, str, int]]:
    """Where confirmed pseudonyms replace text: (transcript, segment, original, times)."""
    pseudonymiser = Pseudonymiser.from_store(store)
    rows = []
    for transcript in store.transcripts.all():
        for segment in store.transcripts.segments(transcript.id):
            for original, n in sorted(pseudonymiser.count(transcript.text[segment.start : segment.end]).items()):
                rows.append((transcript.name, segment.ordinal, original, n))
    return rows
