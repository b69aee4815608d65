"""Pseudonymisation: names and places replaced in everything that leaves the project.

The project keeps the original text, so segment offsets stay valid; the
replacement happens on the way out, in every export and quote, through one
`Pseudonymiser`. Matching is whole-word and case-sensitive ("Emil" but not
"Emily"), longest name first, so "Nordby skole" wins over "Nordby".
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from qualcode.core.store import Store


class Pseudonymiser:
    """Replace each confirmed original by its replacement in a text."""

    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = sorted(((o, r) for o, r in pairs if o.strip()), key=lambda p: (-len(p[0]), p[0]))
        """(original, replacement), longest original first."""
        self._replacement = dict(self.pairs)
        self._pattern = (
            re.compile(r"(?<!\w)(?:" + "|".join(re.escape(o) for o, _ in self.pairs) + r")(?!\w)")
            if self.pairs
            else None
        )

    @classmethod
    def from_store(cls, store: Store) -> Pseudonymiser:
        """The project's confirmed pseudonyms (suggestions not yet confirmed are left alone)."""
        return cls([(o, r) for o, r, confirmed in store.pseudonyms() if confirmed])

    def __bool__(self) -> bool:
        return bool(self.pairs)

    def apply(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(lambda m: self._replacement[m.group(0)], text)

    def apply_with_offsets(self, text: str) -> tuple[str, list[int]]:
        """The replaced text and, for every offset 0..len(text) of the original, its offset in the new text.

        An offset inside a replaced name maps to the start of its replacement,
        so spans that began or ended at the name still cover it.
        """
        if self._pattern is None:
            return text, list(range(len(text) + 1))
        pieces: list[str] = []
        offsets: list[int] = []
        position = 0
        new_length = 0
        for m in self._pattern.finditer(text):
            before = text[position : m.start()]
            offsets.extend(range(new_length, new_length + len(before)))
            new_length += len(before)
            pieces.append(before)
            replacement = self._replacement[m.group(0)]
            offsets.extend([new_length] * (m.end() - m.start()))
            new_length += len(replacement)
            pieces.append(replacement)
            position = m.end()
        rest = text[position:]
        offsets.extend(range(new_length, new_length + len(rest) + 1))
        pieces.append(rest)
        return "".join(pieces), offsets

    def count(self, text: str) -> Counter[str]:
        """How often each original occurs in ``text``."""
        if self._pattern is None:
            return Counter()
        return Counter(m.group(0) for m in self._pattern.finditer(text))


@dataclass(frozen=True)
class Candidate:
    """A name or place that may need hiding, how often it occurs, and why it was found."""

    text: str
    count: int
    source: str  # "entity:PERSON" from a trained pipeline, or "rule"


def suggest(project: Any, *, limit: int = 50) -> list[Candidate]:
    """Names and places to confirm: a trained pipeline's entities when it has any, otherwise rules.

    The rule: a capitalised word that does not start a sentence, is not a word
    of the codebook or a speaker label, is not a common word of the language
    (not in its lemma table or stop words) and is never written in lower case. Words already in
    the pseudonym list are left out; the most frequent come first.
    """
    from qualcode.core.textindex import all_indexes, lemma_table

    store = project.store
    known = {o for o, _r, _c in store.pseudonyms()}
    common = lemma_table(project.lang)
    stop = _stop_words(project.lang)
    codebook_words = {
        w.casefold() for c in store.codes() for w in re.findall(r"\w+", f"{c.name} {' '.join(c.keywords)}")
    }
    speakers = {s.speaker.casefold() for s in store.all_segments() if s.speaker}
    entity_counts: Counter[tuple[str, str]] = Counter()
    rule_counts: Counter[str] = Counter()
    indexes = all_indexes(project)
    # A word also written in lower case somewhere ("Yes", "Okay") is an ordinary word.
    lower_seen = {
        lower
        for transcript, index in indexes.values()
        for start, lower in zip(index.starts, index.lower, strict=True)
        if transcript.text[start : start + 1].islower()
    }
    for _tid, (transcript, index) in indexes.items():
        text = transcript.text
        for start, end, label in index.entities:
            if label in ("PERSON", "PER", "GPE", "LOC", "ORG", "FAC"):
                entity_counts[(text[start:end], label)] += 1
        sentence_starts = set(index.sentences)
        for start, end, lower in zip(index.starts, index.ends, index.lower, strict=True):
            word = text[start:end]
            if not word[:1].isupper() or not word.isalpha() or start in sentence_starts:
                continue
            if lower in common or lower in stop or lower in codebook_words or lower in speakers or lower in lower_seen:
                continue
            if re.fullmatch(r"P\d+", word) or len(word) < 2:
                continue
            rule_counts[word] += 1
    out: list[Candidate] = []
    if entity_counts:
        for (name, label), n in entity_counts.most_common():
            if name not in known:
                out.append(Candidate(name, n, f"entity:{label}"))
    else:
        out = [Candidate(w, n, "rule") for w, n in rule_counts.most_common() if w not in known]
    return out[:limit]


def _stop_words(lang: str) -> set[str]:
    from importlib import import_module

    try:
        return set(import_module(f"spacy.lang.{lang}.stop_words").STOP_WORDS)
    except (ImportError, AttributeError):
        return set()


def report(project: Any) -> list[tuple[str, int, str, int]]:
    """Where confirmed pseudonyms replace text: (transcript, segment, original, times)."""
    store = project.store
    pseudonymiser = Pseudonymiser.from_store(store)
    rows = []
    for transcript in store.transcripts():
        for segment in store.segments(transcript.id):
            for original, n in sorted(pseudonymiser.count(transcript.text[segment.start : segment.end]).items()):
                rows.append((transcript.name, segment.ordinal, original, n))
    return rows
