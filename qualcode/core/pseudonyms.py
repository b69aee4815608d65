"""Pseudonymisation: names and places replaced in everything that leaves the project.

The project keeps the original text, so segment offsets stay valid; the
replacement happens on the way out, in every export and quote, through one
`Pseudonymiser`. Matching is whole-word and case-sensitive ("Emil" but not
"Emily"), longest name first, so "Nordby skole" wins over "Nordby".
"""

from __future__ import annotations

import re
from collections import Counter

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

    def count(self, text: str) -> Counter[str]:
        """How often each original occurs in ``text``."""
        if self._pattern is None:
            return Counter()
        return Counter(m.group(0) for m in self._pattern.finditer(text))
