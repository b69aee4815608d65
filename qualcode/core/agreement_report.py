"""The agreement report of two coders on a project: per code, per theme, per transcript, pooled.

Reads each coder's codings column-wise into boolean (segments × codes)
matrices and hands them to the array functions of `qualcode.core.agreement`.
Either coder may be the consensus, to compare a coder with the lead's
resolved codings (training a new coder against a gold standard).
"""

from __future__ import annotations

import io
import json
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from qualcode.core import agreement
from qualcode.core.codebook import Codebook, codebook_from_codes
from qualcode.core.errors import BadInput
from qualcode.core.export.display import Column, DisplayTable, Note, to_csv, to_text
from qualcode.core.store import Store

if TYPE_CHECKING:
    from qualcode.core.publication import Publication

LEVELS = ("code", "theme", "transcript")

SECTION_TITLES = {"theme": "Themes", "transcript": "Transcripts", "pooled": "Pooled"}
"""The headings of the sections after the codes."""

HEADLINE = "cohen_kappa"
"""The statistic the threshold applies to and whose interval the reader's table shows."""


@dataclass
class Row:
    """One line of the report: a 2×2 table and its statistics."""

    label: str
    counts: tuple[int, int, int, int]
    values: dict[str, float]
    ci: dict[str, tuple[float, float]] = field(default_factory=dict)
    reason: str | None = None
    display: str = ""
    """How the table shows the item: a code's name indented by its depth; the label when empty."""

    def as_dict(self, threshold: float, key: str) -> dict[str, Any]:
        out: dict[str, Any] = {key: self.label}
        out.update(zip(agreement.COUNTS, self.counts, strict=True))
        out.update({name: _number(self.values[name]) for name in agreement.STATISTICS})
        if self.reason:
            out["undefined"] = self.reason
        if self.ci:
            out["ci"] = {name: [_number(lo), _number(hi)] for name, (lo, hi) in self.ci.items()}
        out["below_threshold"] = self.below(threshold)
        return out

    def below(self, threshold: float) -> bool:
        kappa = self.values["cohen_kappa"]
        return not math.isnan(kappa) and kappa < threshold


@dataclass
class Report:
    """Agreement of two coders, ready to print as a table, CSV or JSON."""

    coders: tuple[str, str]
    segments: int
    threshold: float
    resamples: int
    codes: list[Row]
    pooled: Row
    themes: list[Row] | None = None
    transcripts: list[Row] | None = None
    from_suggestions: dict[str, tuple[int, int]] | None = None
    """Per coder, (codings from accepted keyword suggestions, all codings): automation made visible."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "coders": list(self.coders),
            "segments": self.segments,
            "threshold": self.threshold,
            "bootstrap_resamples": self.resamples,
            "codes": [r.as_dict(self.threshold, "code") for r in self.codes],
        }
        if self.themes is not None:
            out["themes"] = [r.as_dict(self.threshold, "theme") for r in self.themes]
        if self.transcripts is not None:
            out["transcripts"] = [r.as_dict(self.threshold, "transcript") for r in self.transcripts]
        out["pooled"] = self.pooled.as_dict(self.threshold, "code")
        del out["pooled"]["code"]
        if self.from_suggestions is not None:
            out["codings_from_suggestions"] = {c: n for c, (n, _total) in self.from_suggestions.items()}
        return out

    def to_json(self, *, publish: Publication | None = None) -> str:
        """The JSON of DESIGN.md; with ``publish``, every string in it passes the publication boundary."""
        data = self.to_dict()
        return json.dumps(publish.value(data) if publish else data, ensure_ascii=False, indent=2)

    def sections(self) -> list[tuple[str, list[Row]]]:
        """(level, rows) for each level reported, the pooled row last."""
        parts: list[tuple[str, list[Row]]] = [("code", self.codes)]
        if self.themes is not None:
            parts.append(("theme", self.themes))
        if self.transcripts is not None:
            parts.append(("transcript", self.transcripts))
        parts.append(("pooled", [self.pooled]))
        return parts

    def display_table(self) -> DisplayTable:
        """The report as one table for every format: sections of codes, themes, transcripts and the pooled row.

        Data files get the counts, the statistics and their intervals under
        their JSON names; a reader sees the labels of `agreement.STATISTIC_LABELS`,
        the interval of κ, "—" with a footnote letter for an undefined value and
        a "*" on every item whose κ is below the threshold.
        """
        import pandas as pd

        records: list[dict[str, Any]] = []
        levels: list[int] = []
        headings: list[tuple[int, str]] = []
        marks: dict[tuple[int, str], str] = {}
        reasons: dict[str, str] = {}
        for level, rows in self.sections():
            if level != "code":
                headings.append((len(records), SECTION_TITLES[level]))
            for row in rows:
                i = len(records)
                record: dict[str, Any] = {"level": level, "item": row.label, "name": (row.display or row.label).strip()}
                record.update(zip(agreement.COUNTS, row.counts, strict=True))
                record.update({name: row.values[name] for name in agreement.STATISTICS})
                if self.resamples:
                    for name in agreement.STATISTICS:
                        record[f"{name}_ci_low"], record[f"{name}_ci_high"] = row.ci.get(name, (math.nan, math.nan))
                record["below_threshold"] = row.below(self.threshold)
                record["undefined"] = row.reason or ""
                records.append(record)
                levels.append(_depth(row.display) if level in ("code", "theme") else 1)
                if row.below(self.threshold):
                    marks[(i, "name")] = "*"
                if row.reason:
                    mark = reasons.setdefault(row.reason, "abcdefghijklmnopqrstuvwxyz"[len(reasons) % 26])
                    marks.update({(i, name): mark for name in agreement.STATISTICS if math.isnan(row.values[name])})

        columns = [Column("name", "Code")]
        columns += [Column(c.key, c.label, c.digits, c.scale) for c in agreement.COUNT_LABELS]
        for s in agreement.STATISTIC_LABELS:
            columns.append(Column(s.key, s.label, s.digits, s.scale))
            if self.resamples and s.key == HEADLINE:
                columns.append(Column(f"{s.key}_ci_low", f"{s.label} 95% CI", s.digits, s.scale, f"{s.key}_ci_high"))

        a, b = self.coders
        caption = f"Agreement of {a} (A) and {b} (B) on {self.segments} segments"
        if self.resamples:
            caption += f"; 95% bootstrap intervals from {self.resamples} resamples"
        legend = ", ".join(f"{s.label} {s.meaning}" for s in agreement.STATISTIC_LABELS if s.meaning)
        notes = [Note(legend + ".")]
        if self.resamples:
            notes.append(Note("Intervals: percentile bootstrap over segments."))
        headline = next(s for s in agreement.STATISTIC_LABELS if s.key == HEADLINE)
        notes.append(Note(f"{headline.meaning} below {self.threshold:g}.", "*"))
        for coder, (n, total) in (self.from_suggestions or {}).items():
            if n:
                notes.append(Note(f"{coder}: {n} of {total} codings came from accepted keyword suggestions."))
        notes += [Note(f"undefined: {reason}.", mark) for reason, mark in reasons.items()]

        frame = pd.DataFrame.from_records(records)
        return DisplayTable(
            frame,
            tuple(columns),
            caption=caption,
            notes=tuple(notes),
            levels=tuple(levels),
            headings=tuple(headings),
            marks=marks,
            data_columns=tuple(k for k in frame.columns if k != "name"),
            data_digits=6,
        )

    def to_csv(self, *, formulas_as_text: bool = True, publish: Publication | None = None) -> str:
        """The report's data as CSV, one row per item with its level; see `display.to_csv` for formulas_as_text.

        With ``publish``, every string in it passes the publication boundary.
        """
        buffer = io.StringIO()
        table = self.display_table()
        to_csv(table.published(publish.text) if publish else table, buffer, formulas_as_text=formulas_as_text)
        return buffer.getvalue()

    def to_table(self) -> str:
        """Aligned plain text: counts, the statistics, κ's interval, flags and footnotes."""
        return to_text(self.display_table())


def report(
    store: Store,
    coder_a: str,
    coder_b: str,
    *,
    by: tuple[str, ...] = ("code",),
    bootstrap: int = 0,
    seed: int = 1,
    threshold: float = 0.6,
) -> Report:
    """Compare two coders on every segment of the project."""
    unknown_levels = [b for b in by if b not in LEVELS]
    if unknown_levels:
        raise BadInput(f"unknown level '{unknown_levels[0]}'; choose from {', '.join(LEVELS)}", where="--by")
    if coder_a == coder_b:
        raise BadInput("compare two different coders", where=coder_a)
    known = store.codings.coders()
    for coder in (coder_a, coder_b):
        if coder not in known:
            listed = ", ".join(known) if known else "none yet"
            raise BadInput(f"no such coder in this project (coders: {listed})", where=coder)
        if store.codings.count(coder) == 0:
            raise BadInput("has no codings in this project yet", where=coder)
    if bootstrap < 0:
        raise BadInput("the number of bootstrap resamples cannot be negative", where="--bootstrap")

    book = codebook_from_codes(store.codebook.codes())
    segment_ids, transcript_of = store.transcripts.segment_index()
    if not segment_ids:
        raise BadInput("the project has no segments; import transcripts first", where=str(store.path))
    position = np.full(max(segment_ids) + 1, -1, dtype=np.int64)
    position[np.asarray(segment_ids)] = np.arange(len(segment_ids))

    used_a = store.codings.segments_by_code(coder_a)
    used_b = store.codings.segments_by_code(coder_b)
    codes = _compared_codes(book, set(used_a) | set(used_b))
    a = _matrix(used_a, codes, position, len(segment_ids))
    b = _matrix(used_b, codes, position, len(segment_ids))

    code_rows = _rows([book.path(c) for c in codes], agreement.tables(a, b), _displays(book, codes))
    cells = agreement.cells_of(a, b) if bootstrap else None
    if cells is not None:
        _add_intervals(code_rows, cells, np.ones(a.shape, dtype=np.float32), bootstrap, seed)

    pooled_counts = agreement.tables(a, b).sum(axis=0)
    pooled = _rows(["all codes"], pooled_counts[None, :])[0]
    if cells is not None:
        _add_intervals(
            [pooled], cells.sum(axis=1)[:, None, :], np.full((a.shape[0], 1), len(codes), np.float32), bootstrap, seed
        )

    theme_rows = None
    if "theme" in by:
        themes = [c.id for c, _depth in book.walk() if book.children(c.id)]
        column = {code_id: j for j, code_id in enumerate(codes)}
        ta = np.zeros((a.shape[0], len(themes)), dtype=bool)
        tb = np.zeros_like(ta)
        for t, theme in enumerate(themes):
            members = [column[c] for c in (theme, *(d.id for d in book.descendants(theme))) if c in column]
            if members:
                ta[:, t] = a[:, members].any(axis=1)
                tb[:, t] = b[:, members].any(axis=1)
        theme_rows = _rows([book.path(t) for t in themes], agreement.tables(ta, tb), _displays(book, themes))
        if bootstrap:
            _add_intervals(theme_rows, agreement.cells_of(ta, tb), np.ones(ta.shape, np.float32), bootstrap, seed)

    transcript_rows = None
    if "transcript" in by:
        transcript_rows = _transcript_rows(store, a, b, np.asarray(transcript_of), len(codes), bootstrap, seed)

    return Report(
        coders=(coder_a, coder_b),
        segments=len(segment_ids),
        threshold=threshold,
        resamples=bootstrap,
        codes=code_rows,
        pooled=pooled,
        themes=theme_rows,
        transcripts=transcript_rows,
        from_suggestions={
            c: (store.codings.origin_counts(c).get("suggestion", 0), store.codings.count(c)) for c in (coder_a, coder_b)
        },
    )


def _compared_codes(book: Codebook, used: set[str]) -> list[str]:
    """The codes compared: every code without children, and any other code a coder applied itself."""
    return [c.id for c, _depth in book.walk() if not book.children(c.id) or c.id in used]


def _matrix(used: dict[str, str], codes: list[str], position: np.ndarray, segments: int) -> np.ndarray:
    matrix = np.zeros((segments, len(codes)), dtype=bool)
    for j, code_id in enumerate(codes):
        joined = used.get(code_id)
        if joined:
            ids = np.array(joined.split(","), dtype=np.int64)
            matrix[position[ids], j] = True
    return matrix


def _displays(book: Codebook, code_ids: list[str]) -> list[str]:
    names = []
    for code_id in code_ids:
        code = book.get(code_id)
        names.append("  " * book.depth(code_id) + (code.name if code else code_id))
    return names


def _rows(labels: list[str], counts: np.ndarray, displays: list[str] | None = None) -> list[Row]:
    stats = agreement.statistics(counts)
    rows = []
    for i, label in enumerate(labels):
        table = tuple(int(x) for x in counts[i])
        rows.append(
            Row(
                label,
                table,  # type: ignore[arg-type]
                {name: float(stats[name][i]) for name in agreement.STATISTICS},
                reason=agreement.undefined_reason(table),
                display=displays[i] if displays else "",
            )
        )
    return rows


def _add_intervals(rows: list[Row], cells: np.ndarray, decisions: np.ndarray, resamples: int, seed: int) -> None:
    intervals = agreement.confidence_intervals(agreement.bootstrap(cells, decisions, resamples, seed))
    for i, row in enumerate(rows):
        row.ci = {name: (float(intervals[name][i, 0]), float(intervals[name][i, 1])) for name in agreement.STATISTICS}


def _transcript_rows(
    store: Store, a: np.ndarray, b: np.ndarray, transcript_of: np.ndarray, n_codes: int, resamples: int, seed: int
) -> list[Row]:
    """Each transcript's decisions over all compared codes, in one 2×2 table per transcript."""
    rows = []
    for summary in store.transcripts.summaries():
        mask = transcript_of == summary.id
        if not mask.any():
            continue
        ta, tb = a[mask], b[mask]
        counts = agreement.tables(ta, tb).sum(axis=0)
        row = _rows([summary.name], counts[None, :])[0]
        if resamples:
            cells = agreement.cells_of(ta, tb).sum(axis=1)[:, None, :]
            _add_intervals([row], cells, np.full((ta.shape[0], 1), n_codes, np.float32), resamples, seed)
        rows.append(row)
    return rows


def _number(value: float) -> float | None:
    return None if math.isnan(value) else round(value, 12)


def _depth(display: str) -> int:
    """The level of an item whose display name is indented two spaces per level."""
    return (len(display) - len(display.lstrip(" "))) // 2
