"""The agreement report of three or more coders: per code, per theme, per transcript, pooled.

Each coder's codings are read into a boolean (segments × codes) matrix as for
two coders; a coder who has not done a transcript is missing on its segments
(see `agreement_report.compared_units` with ``least=2``). The statistics are
those of `qualcode.core.agreement_many`, with seeded bootstrap intervals and
the matrix of pairwise Cohen's κ.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from itertools import combinations
from typing import TYPE_CHECKING, Any

import numpy as np

from qualcode.core import agreement, agreement_many
from qualcode.core.agreement_groups import GroupRow, group_rows
from qualcode.core.agreement_report import (
    LEVELS,
    ItemTable,
    Units,
    _compared_codes,
    _displays,
    _matrix,
    _number,
    _parents,
    automated,
    automation_notes,
    compared_units,
    no_codings,
    unit_namer,
)
from qualcode.core.codebook import codebook_from_codes
from qualcode.core.errors import BadInput
from qualcode.core.export.display import Column, DisplayTable, Note
from qualcode.core.store import Store

if TYPE_CHECKING:
    from qualcode.core.publication import Publication

LABELS = (
    ("percent_agreement", "% agree", 1, 100.0, "mean pairwise percent agreement"),
    ("fleiss_kappa", "Fleiss κ", 2, 1.0, "Fleiss' kappa"),
    ("krippendorff_alpha", "α", 2, 1.0, "Krippendorff's alpha (nominal, missing ratings allowed)"),
    ("gwet_ac1", "AC1", 2, 1.0, "Gwet's AC1"),
    ("brennan_prediger", "BP", 2, 1.0, "Brennan–Prediger"),
)
"""Per statistic: JSON name, column label, decimals, scale, what it is."""


@dataclass
class ManyRow:
    """One line of the report: an item and its statistics over the coders."""

    label: str
    values: dict[str, float]
    pairwise: dict[str, float]
    """Cohen's κ of each pair of coders, by "A|B"."""
    ci: dict[str, tuple[float, float]] = field(default_factory=dict)
    display: str = ""

    def as_dict(self, key: str, threshold: float) -> dict[str, Any]:
        out: dict[str, Any] = {key: self.label}
        out.update({name: _number(self.values[name]) for name in agreement_many.STATISTICS})
        out["pairwise_cohen_kappa"] = {pair: _number(k) for pair, k in self.pairwise.items()}
        if self.ci:
            out["ci"] = {name: [_number(lo), _number(hi)] for name, (lo, hi) in self.ci.items()}
        out["below_threshold"] = self.below(threshold)
        return out

    def below(self, threshold: float) -> bool:
        kappa = self.values["fleiss_kappa"]
        return not math.isnan(kappa) and kappa < threshold


@dataclass
class ManyReport(ItemTable):
    """Agreement of three or more coders, ready to print as a table, CSV or JSON."""

    coders: tuple[str, ...]
    segments: int
    threshold: float
    resamples: int
    codes: list[ManyRow]
    pooled: ManyRow
    units: Units
    themes: list[ManyRow] | None = None
    transcripts: list[ManyRow] | None = None
    parents: list[tuple[int, str, str]] = field(default_factory=list)
    groups: list[GroupRow] = field(default_factory=list)
    from_suggestions: dict[str, tuple[int, int]] | None = None
    """Per coder, (codings from accepted keyword suggestions, all codings)."""
    from_learned: dict[str, tuple[int, int]] | None = None
    """Per coder, (codings from accepted learned suggestions, all codings)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "coders": list(self.coders),
            "segments": self.segments,
            "threshold": self.threshold,
            "bootstrap_resamples": self.resamples,
            "units": self.units.as_dict(),
            "codes": [r.as_dict("code", self.threshold) for r in self.codes],
        }
        if self.themes is not None:
            out["themes"] = [r.as_dict("theme", self.threshold) for r in self.themes]
        if self.transcripts is not None:
            out["transcripts"] = [r.as_dict("transcript", self.threshold) for r in self.transcripts]
        out["pooled"] = self.pooled.as_dict("code", self.threshold)
        del out["pooled"]["code"]
        if self.groups:
            out["exclusive_groups"] = [g.as_dict() for g in self.groups]
        if self.from_suggestions is not None:
            out["codings_from_suggestions"] = {c: n for c, (n, _total) in self.from_suggestions.items()}
        if self.from_learned is not None:
            out["codings_from_learned_suggestions"] = {c: n for c, (n, _total) in self.from_learned.items()}
        return out

    def to_json(self, *, publish: Publication | None = None) -> str:
        data = self.to_dict()
        return json.dumps(publish.value(data) if publish else data, ensure_ascii=False, indent=2)

    def display_table(self) -> DisplayTable:
        """The statistics per item (codes under their parents, themes, transcripts, pooled), and under the
        table the pooled pairwise Cohen's κ of each pair of coders."""

        def record_of(level: str, row: ManyRow, i: int, marks: dict[tuple[int, str], str]) -> dict[str, Any]:
            record: dict[str, Any] = {name: row.values[name] for name in agreement_many.STATISTICS}
            if self.resamples:
                for name in agreement_many.STATISTICS:
                    record[f"{name}_ci_low"], record[f"{name}_ci_high"] = row.ci.get(name, (math.nan, math.nan))
            record["below_threshold"] = row.below(self.threshold)
            return record

        rows = self.item_rows(record_of)
        columns = [Column("name", "Code")]
        for key, label, digits, scale, _meaning in LABELS:
            columns.append(Column(key, label, digits, scale))
            if self.resamples and key == "fleiss_kappa":
                columns.append(Column(f"{key}_ci_low", f"{label} 95% CI", digits, scale, f"{key}_ci_high"))
        n = len(self.units.transcripts)
        caption = (
            f"Agreement of {len(self.coders)} coders ({', '.join(self.coders)}) on {self.segments} segments "
            f"of {n} transcript{'s' if n != 1 else ''}"
        )
        if self.resamples:
            caption += f"; 95% bootstrap intervals from {self.resamples} resamples"
        notes = [Note(", ".join(f"{label} {meaning}" for _k, label, _d, _s, meaning in LABELS) + ".")]
        notes.append(Note(self.units.sentence()))
        if self.resamples:
            notes.append(Note("Intervals: percentile bootstrap over segments."))
        notes.append(Note(f"Fleiss' kappa below {self.threshold:g}.", "*"))
        pairs = "; ".join(
            f"{pair.replace('|', '–')} {'—' if math.isnan(k) else f'{k:.2f}'}"
            for pair, k in self.pooled.pairwise.items()
        )
        notes.append(Note(f"Pairwise Cohen's kappa, pooled over the codes: {pairs}."))
        notes += automation_notes(self.from_suggestions, self.from_learned)
        notes += [Note(g.sentence()) for g in self.groups]
        return self.table_of(rows, self.frame_of(rows), columns, caption, notes)


def report_many(
    store: Store,
    coders: list[str],
    *,
    by: tuple[str, ...] = ("code",),
    bootstrap: int = 0,
    seed: int = 1,
    threshold: float = 0.6,
    include_interviewer: bool = False,
    transcripts: list[str] | None = None,
    where: list[tuple[str, str]] | None = None,
) -> ManyReport:
    """Compare three or more coders on the segments of the transcripts at least two of them have done."""
    unknown_levels = [b for b in by if b not in LEVELS]
    if unknown_levels:
        raise BadInput(f"unknown level '{unknown_levels[0]}'; choose from {', '.join(LEVELS)}", where="--by")
    if len(set(coders)) != len(coders):
        raise BadInput("name each coder once", where=", ".join(coders))
    store.codings.check_known(*coders)
    for coder in coders:
        if store.codings.count(coder) == 0:
            raise no_codings(store, coder)
    if bootstrap < 0:
        raise BadInput("the number of bootstrap resamples cannot be negative", where="--bootstrap")
    book = codebook_from_codes(store.codebook.codes())
    all_ids = store.transcripts.segment_index()[0]
    if not all_ids:
        raise BadInput("the project has no segments; import transcripts first", where=str(store.path))
    units, segment_ids, transcript_of, present = compared_units(
        store,
        tuple(coders),
        include_interviewer=include_interviewer,
        transcripts=transcripts,
        where=where,
        least=2,
    )
    lonely = [c for c, rated in zip(coders, present, strict=True) if not rated.any()]
    if lonely:
        raise BadInput("has done no transcript in common with the other coders", where=lonely[0])
    position = np.full(max(all_ids) + 1, -1, dtype=np.int64)
    position[np.asarray(segment_ids)] = np.arange(len(segment_ids))
    used = [store.codings.segments_by_code(c) for c in coders]
    codes = _compared_codes(book, set().union(*used))
    matrices = [_matrix(u, codes, position, len(segment_ids)) for u in used]
    names = [f"{a}|{b}" for a, b in combinations(coders, 2)]

    def rows_of(measure: agreement_many.Measures, labels: list[str], displays: list[str] | None) -> list[ManyRow]:
        """One row per item of the measures, with intervals when asked for."""
        stats = measure.statistics()
        kappas = measure.pairwise_kappas()
        out = []
        for k, label in enumerate(labels):
            values = {name: float(stats[name][k]) for name in agreement_many.STATISTICS}
            pairwise = {pair: float(kappas[p, k]) for p, pair in enumerate(names)}
            out.append(ManyRow(label, values, pairwise, display=displays[k] if displays else ""))
        if bootstrap:
            spread = agreement.percentile_intervals(agreement_many.bootstrap(measure, bootstrap, seed))
            for k, row in enumerate(out):
                row.ci = {name: (float(spread[name][k, 0]), float(spread[name][k, 1])) for name in spread}
        return out

    measure = agreement_many.measures(matrices, present)
    code_rows = rows_of(measure, [book.path(c) for c in codes], _displays(book, codes))
    pooled = rows_of(measure.pooled(), ["all codes"], None)[0]
    theme_rows = None
    if "theme" in by:
        themes = [c.id for c, _depth in book.walk() if book.children(c.id)]
        column = {code_id: j for j, code_id in enumerate(codes)}
        theme_mats = []
        for m in matrices:
            tm = np.zeros((m.shape[0], len(themes)), dtype=bool)
            for t, theme in enumerate(themes):
                members = [column[c] for c in (theme, *(d.id for d in book.descendants(theme))) if c in column]
                if members:
                    tm[:, t] = m[:, members].any(axis=1)
            theme_mats.append(tm)
        theme_measure = agreement_many.measures(theme_mats, present)
        theme_rows = rows_of(theme_measure, [book.path(t) for t in themes], _displays(book, themes))
    transcript_rows = None
    if "transcript" in by:
        transcript_rows = []
        of = np.asarray(transcript_of)
        for summary in store.transcripts.summaries():
            mask = of == summary.id
            if mask.any():
                part = agreement_many.measures([m[mask] for m in matrices], present[:, mask])
                transcript_rows.append(rows_of(part.pooled(), [summary.name], None)[0])
    return ManyReport(
        coders=tuple(coders),
        segments=len(segment_ids),
        threshold=threshold,
        resamples=bootstrap,
        codes=code_rows,
        pooled=pooled,
        units=units,
        themes=theme_rows,
        transcripts=transcript_rows,
        parents=_parents(book, codes),
        groups=group_rows(book, codes, matrices, present, tuple(coders), unit_namer(store, segment_ids)),
        from_suggestions=automated(store, coders, "suggestion"),
        from_learned=automated(store, coders, "learned"),
    )
