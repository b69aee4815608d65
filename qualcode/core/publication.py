"""The publication boundary: everything written for readers outside the team passes through here.

One `Publication` per export holds the project's confirmed pseudonyms and
applies them to every string that leaves: texts, quotes, memos, names of
codes, of the codebook, of transcripts, participant attributes (names and
values), word-frequency lemmas, column labels. It also removes control
characters, which no reader outside wants and which break XML and Office
files. Internal exchange (hand-outs, the codings CSV, codebook YAML) does not
pass through it and keeps the real text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qualcode.core.pseudonyms import Pseudonymiser

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.core.store import Store

_CONTROL = dict.fromkeys([*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F, *range(0x80, 0xA0)])
"""C0 (but tab and line feed), DEL and C1: nothing a reader sees, invalid in XML 1.0, refused by Word and Excel."""


def without_control(text: str) -> str:
    """Text with control characters removed (tab and line feed kept)."""
    return text.translate(_CONTROL)


class Publication:
    """Pseudonyms applied, control characters removed: what may be shown outside the team."""

    def __init__(self, hide: Pseudonymiser) -> None:
        self.hide = hide
        """The confirmed pseudonyms of the project."""

    @classmethod
    def of(cls, store: Store) -> Publication:
        return cls(Pseudonymiser.from_store(store))

    def text(self, value: str) -> str:
        """One string, ready to publish."""
        # Cleaned after replacing, so a replacement cannot bring a control character in either.
        return without_control(self.hide.apply(value)) if self.hide else without_control(value)

    def value(self, value: Any) -> Any:
        """Any JSON-like value, every string in it (keys included) published; numbers untouched."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.value(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return type(value)(self.value(v) for v in value)
        return value

    def frame(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A table with every text cell, column label and index label published; numbers stay numbers."""
        import pandas as pd

        def cell(v: Any) -> Any:
            return self.text(v) if isinstance(v, str) else v

        out = frame.copy()
        out.columns = pd.Index([self.value(c) for c in out.columns])
        if out.index.dtype.kind == "O":
            out.index = pd.Index([cell(i) for i in out.index], name=out.index.name)
        for i in range(out.shape[1]):
            column = out.iloc[:, i]
            if column.dtype.kind == "O" or isinstance(column.dtype, pd.StringDtype):
                out.iloc[:, i] = column.map(cell)
        return out
