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
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from qualcode.core import agreement, span_agreement
from qualcode.core.agreement_groups import GroupRow, group_rows
from qualcode.core.codebook import Codebook, codebook_from_codes
from qualcode.core.errors import BadInput
from qualcode.core.export.display import Column, DisplayTable, Note, to_csv, to_text
from qualcode.core.span_agreement import Matching
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
    characters: tuple[int, int, int, int] | None = None
    """The 2×2 table of the segments' characters (see `span_agreement`)."""
    spans: Matching | None = None
    """Span matching of the coders' codings."""

    def as_dict(self, threshold: float, key: str, coders: tuple[str, str] = ("a", "b")) -> dict[str, Any]:
        out: dict[str, Any] = {key: self.label}
        out.update(zip(agreement.COUNTS, self.counts, strict=True))
        out.update({name: _number(self.values[name]) for name in agreement.STATISTICS})
        if self.reason:
            out["undefined"] = self.reason
        if self.ci:
            out["ci"] = {name: [_number(lo), _number(hi)] for name, (lo, hi) in self.ci.items()}
        out["below_threshold"] = self.below(threshold)
        if self.characters is not None:
            stats = agreement.statistics(np.array([self.characters]))
            out["characters"] = dict(zip(agreement.COUNTS, self.characters, strict=True)) | {
                name: _number(float(stats[name][0])) for name in agreement.STATISTICS
            }
        if self.spans is not None:
            out["spans"] = self.spans.as_dict(coders)
        return out

    def below(self, threshold: float) -> bool:
        kappa = self.values["cohen_kappa"]
        return not math.isnan(kappa) and kappa < threshold


@dataclass
class Units:
    """What the report compared, and what it left out and why."""

    transcripts: list[str]
    """The transcripts compared: every compared coder has done them."""
    segments: int
    """The segments compared, in those transcripts."""
    interviewer_turns: int = 0
    """Segments of the compared transcripts left out as the interviewer's turns."""
    not_done: list[str] = field(default_factory=list)
    """Transcripts left out because a compared coder has not done them."""
    not_selected: list[str] = field(default_factory=list)
    """Transcripts left out by ``--transcripts`` or ``--where``."""
    done_by: str = "both coders"
    """Who has done the compared transcripts, as the note says it."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "transcripts": len(self.transcripts),
            "segments": self.segments,
            "left_out": {
                "interviewer_turns": self.interviewer_turns,
                "transcripts_not_done": self.not_done,
                "transcripts_not_selected": self.not_selected,
            },
        }

    def sentence(self) -> str:
        """The units as a note under the table."""
        text = (
            f"Units: {self.segments:,} segments of {len(self.transcripts)} "
            f"transcript{'s' if len(self.transcripts) != 1 else ''} {self.done_by} have done"
        )
        left = []
        if self.interviewer_turns:
            left.append(f"{self.interviewer_turns:,} interviewer turns")
        if self.not_done:
            by = "both" if self.done_by == "both coders" else "two coders"
            left.append(f"transcripts not done by {by} ({', '.join(self.not_done)})")
        if self.not_selected:
            left.append(f"transcripts not selected ({', '.join(self.not_selected)})")
        return text + (f"; left out: {'; '.join(left)}." if left else ".")


@dataclass
class ItemRows:
    """A report's rows laid out for its table: records, their indents, which name only a group of the codes
    below, the section headings and the footnote marks."""

    records: list[dict[str, Any]] = field(default_factory=list)
    levels: list[int] = field(default_factory=list)
    groups: list[bool] = field(default_factory=list)
    headings: list[tuple[int, str]] = field(default_factory=list)
    marks: dict[tuple[int, str], str] = field(default_factory=dict)


class ItemTable:
    """What the agreement reports (two coders, and many) share: their sections in reading order, the rows laid
    out with every code under the themes and subthemes no coder applied, the one table every format renders,
    and that table as CSV and as text. A report has ``codes``, ``themes``, ``transcripts``, ``pooled``,
    ``parents``, ``threshold`` and `display_table`."""

    def sections(self) -> list[tuple[str, list[Any]]]:
        """(level, rows) for each level reported, the pooled row last."""
        r: Any = self
        parts: list[tuple[str, list[Any]]] = [("code", r.codes)]
        if r.themes is not None:
            parts.append(("theme", r.themes))
        if r.transcripts is not None:
            parts.append(("transcript", r.transcripts))
        parts.append(("pooled", [r.pooled]))
        return parts

    def item_rows(self, record_of: Any) -> ItemRows:
        """Every row as a record (``record_of(level, row, index, marks)`` writes its values, in the order data
        files hold them, and may mark its cells),
        a group row before a code for each parent no coder applied, a heading before each section after the
        codes, and "*" on the name of an item below the threshold."""
        r: Any = self
        out = ItemRows()
        parents: dict[int, list[tuple[str, str]]] = {}
        for at, path, display in r.parents:
            parents.setdefault(at, []).append((path, display))
        for level, rows in self.sections():
            if level != "code":
                out.headings.append((len(out.records), SECTION_TITLES[level]))
            for index, row in enumerate(rows):
                for path, display in parents.get(index, []) if level == "code" else []:
                    out.records.append(
                        {"level": level, "item": path, "name": display.strip(), "below_threshold": False}
                    )
                    out.levels.append(_depth(display))
                    out.groups.append(True)
                i = len(out.records)
                record = {"level": level, "item": row.label, "name": (row.display or row.label).strip()}
                record.update(record_of(level, row, i, out.marks))
                if row.below(r.threshold):
                    out.marks[(i, "name")] = "*"
                out.records.append(record)
                out.levels.append(_depth(row.display) if level in ("code", "theme") else 1)
                out.groups.append(False)
        return out

    def table_of(
        self, rows: ItemRows, frame: Any, columns: list[Column], caption: str, notes: list[Note]
    ) -> DisplayTable:
        """The report's `DisplayTable` from its laid-out rows and their frame."""
        return DisplayTable(
            frame,
            tuple(columns),
            caption=caption,
            notes=tuple(notes),
            levels=tuple(rows.levels),
            groups=tuple(rows.groups),
            headings=tuple(rows.headings),
            marks=rows.marks,
            data_columns=tuple(k for k in frame.columns if k != "name"),
            data_digits=6,
        )

    def frame_of(self, rows: ItemRows) -> Any:
        """The records as a DataFrame, columns in the order of the first item (not a group row)."""
        import pandas as pd

        order = list(next(r for r, group in zip(rows.records, rows.groups, strict=True) if not group))
        return pd.DataFrame.from_records(rows.records, columns=order)

    def to_csv(self, *, formulas_as_text: bool = True, publish: Publication | None = None) -> str:
        """The report's data as CSV, one row per item with its level; see `display.to_csv` for formulas_as_text.

        With ``publish``, every string in it passes the publication boundary.
        """
        buffer = io.StringIO()
        table = self._table()
        to_csv(table.published(publish.text) if publish else table, buffer, formulas_as_text=formulas_as_text)
        return buffer.getvalue()

    def to_table(self) -> str:
        """Aligned plain text: the statistics, intervals, flags and footnotes."""
        return to_text(self._table())

    def _table(self) -> DisplayTable:
        r: Any = self  # each report builds its own (see its display_table)
        return r.display_table()  # type: ignore[no-any-return]


@dataclass
class Report(ItemTable):
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
    from_learned: dict[str, tuple[int, int]] | None = None
    """Per coder, (codings from accepted learned suggestions, all codings), counted apart from the keywords'."""
    units: Units | None = None
    parents: list[tuple[int, str, str]] = field(default_factory=list)
    """Themes and subthemes no coder applied themselves, each (index in ``codes`` it stands before, path,
    display): the tables show them as group rows, so every code stands under its parents."""
    groups: list[GroupRow] = field(default_factory=list)
    """The exclusive groups of the codebook, each one nominal variable (see `agreement_groups`)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "coders": list(self.coders),
            "segments": self.segments,
            "threshold": self.threshold,
            "bootstrap_resamples": self.resamples,
            "codes": [r.as_dict(self.threshold, "code", self.coders) for r in self.codes],
        }
        if self.units is not None:
            out["units"] = self.units.as_dict()
        if self.themes is not None:
            out["themes"] = [r.as_dict(self.threshold, "theme", self.coders) for r in self.themes]
        if self.transcripts is not None:
            out["transcripts"] = [r.as_dict(self.threshold, "transcript", self.coders) for r in self.transcripts]
        out["pooled"] = self.pooled.as_dict(self.threshold, "code", self.coders)
        del out["pooled"]["code"]
        if self.from_suggestions is not None:
            out["codings_from_suggestions"] = {c: n for c, (n, _total) in self.from_suggestions.items()}
        if self.from_learned is not None:
            out["codings_from_learned_suggestions"] = {c: n for c, (n, _total) in self.from_learned.items()}
        if self.groups:
            out["exclusive_groups"] = [g.as_dict() for g in self.groups]
        return out

    def to_json(self, *, publish: Publication | None = None) -> str:
        """The JSON of DESIGN.md; with ``publish``, every string in it passes the publication boundary."""
        data = self.to_dict()
        return json.dumps(publish.value(data) if publish else data, ensure_ascii=False, indent=2)

    def _span_notes(self) -> list[Note]:
        """The pooled character-level and span-matching figures, as sentences under the table."""
        notes = []
        characters, spans = self.pooled.characters, self.pooled.spans
        if characters is not None and sum(characters):
            stats = agreement.statistics(np.array([characters]))
            kappa, share = float(stats["cohen_kappa"][0]), float(stats["percent_agreement"][0])
            kappa_text = "undefined" if math.isnan(kappa) else f"{kappa:.2f}"
            notes.append(
                Note(
                    f"Characters (each character of the segments a unit): κ {kappa_text}, "
                    f"agreement {share:.1%} over {sum(characters):,} characters."
                )
            )
        if spans is not None and spans.spans_a + spans.spans_b:
            a, b = self.coders
            notes.append(
                Note(
                    f"Span matching (overlap of at least {spans.overlap:.0%} of the longer span): "
                    f"{spans.percent_agreement:.1%} of codings matched ({a} {spans.matched_a} of {spans.spans_a}, "
                    f"{b} {spans.matched_b} of {spans.spans_b})."
                )
            )
        return notes

    def display_table(self) -> DisplayTable:
        """The report as one table for every format: sections of codes, themes, transcripts and the pooled row.

        Data files get the counts, the statistics and their intervals under
        their JSON names; a reader sees the labels of `agreement.STATISTIC_LABELS`,
        the interval of κ, "—" with a footnote letter for an undefined value and
        a "*" on every item whose κ is below the threshold.
        """
        reasons: dict[str, str] = {}

        def record_of(level: str, row: Row, i: int, marks: dict[tuple[int, str], str]) -> dict[str, Any]:
            record: dict[str, Any] = dict(zip(agreement.COUNTS, row.counts, strict=True))
            record.update({name: row.values[name] for name in agreement.STATISTICS})
            if self.resamples:
                for name in agreement.STATISTICS:
                    record[f"{name}_ci_low"], record[f"{name}_ci_high"] = row.ci.get(name, (math.nan, math.nan))
            record["below_threshold"] = row.below(self.threshold)
            record["undefined"] = row.reason or ""
            if row.reason:
                mark = reasons.setdefault(row.reason, "abcdefghijklmnopqrstuvwxyz"[len(reasons) % 26])
                marks.update({(i, name): mark for name in agreement.STATISTICS if math.isnan(row.values[name])})
            return record

        rows = self.item_rows(record_of)

        columns = [Column("name", "Code")]
        columns += [Column(c.key, c.label, c.digits, c.scale) for c in agreement.COUNT_LABELS]
        for s in agreement.STATISTIC_LABELS:
            columns.append(Column(s.key, s.label, s.digits, s.scale))
            if self.resamples and s.key == HEADLINE:
                columns.append(Column(f"{s.key}_ci_low", f"{s.label} 95% CI", s.digits, s.scale, f"{s.key}_ci_high"))

        a, b = self.coders
        caption = f"Agreement of {a} (A) and {b} (B) on {self.segments} segments"
        if self.units is not None:
            n = len(self.units.transcripts)
            caption += f" of {n} transcript{'s' if n != 1 else ''}"
        if self.resamples:
            caption += f"; 95% bootstrap intervals from {self.resamples} resamples"
        legend = ", ".join(f"{s.label} {s.meaning}" for s in agreement.STATISTIC_LABELS if s.meaning)
        notes = [Note(legend + ".")]
        if self.units is not None:
            notes.append(Note(self.units.sentence()))
        if self.resamples:
            notes.append(Note("Intervals: percentile bootstrap over segments."))
        headline = next(s for s in agreement.STATISTIC_LABELS if s.key == HEADLINE)
        notes.append(Note(f"{headline.meaning} below {self.threshold:g}.", "*"))
        notes += automation_notes(self.from_suggestions, self.from_learned)
        notes += self._span_notes()
        notes += [Note(g.sentence()) for g in self.groups]
        notes += [Note(f"undefined: {reason}.", mark) for reason, mark in reasons.items()]

        frame = self.frame_of(rows)
        for key in agreement.COUNTS:
            # whole numbers, empty on a group row
            frame[key] = frame[key].astype("Int64")
        frame["undefined"] = frame["undefined"].fillna("")
        return self.table_of(rows, frame, columns, caption, notes)


def automated(store: Store, coders: Sequence[str], origin: str) -> dict[str, tuple[int, int]]:
    """Per coder, (codings of this origin, all codings): "suggestion" for keywords, "learned" for the model."""
    return {c: (store.codings.origin_counts(c).get(origin, 0), store.codings.count(c)) for c in coders}


def automation_notes(
    from_suggestions: dict[str, tuple[int, int]] | None, from_learned: dict[str, tuple[int, int]] | None
) -> list[Note]:
    """What share of each coder's codings the machine proposed, keyword and learned counted apart."""
    notes = []
    for coder, (n, total) in (from_suggestions or {}).items():
        if n:
            notes.append(Note(f"{coder}: {n} of {total} codings came from accepted keyword suggestions."))
    for coder, (n, total) in (from_learned or {}).items():
        if n:
            notes.append(
                Note(f"{coder}: {n} of {total} codings came from accepted suggestions learned from their codings.")
            )
    return notes


def no_codings(store: Store, coder: str) -> BadInput:
    """A coder with no codings to compare; on a server study, perhaps only none that this role may read."""
    hidden = (
        "; on a blinded server study only the lead reads every coder's codings (connect as the lead)"
        if store.on_server
        else ""
    )
    return BadInput(f"has no codings in this project yet{hidden}", where=coder)


def report(
    store: Store,
    coder_a: str,
    coder_b: str,
    *,
    by: tuple[str, ...] = ("code",),
    bootstrap: int = 0,
    seed: int = 1,
    threshold: float = 0.6,
    overlap: float = span_agreement.OVERLAP,
    include_interviewer: bool = False,
    transcripts: list[str] | None = None,
    where: list[tuple[str, str]] | None = None,
) -> Report:
    """Compare two coders on the segments both have done, and on the characters and spans they coded.

    A transcript is compared when each coder has marked it done, or, for a
    coder who marks nothing done, holds at least one of their codings.
    Interviewer turns are left out unless ``include_interviewer``;
    ``transcripts`` (names) and ``where`` (participant attribute, value)
    restrict the transcripts further.
    """
    if not 0 < overlap <= 1:
        raise BadInput("the overlap is a share of the longer span, above 0 and at most 1", where="--overlap")
    unknown_levels = [b for b in by if b not in LEVELS]
    if unknown_levels:
        raise BadInput(f"unknown level '{unknown_levels[0]}'; choose from {', '.join(LEVELS)}", where="--by")
    if coder_a == coder_b:
        raise BadInput("compare two different coders", where=coder_a)
    store.codings.check_known(coder_a, coder_b)
    for coder in (coder_a, coder_b):
        if store.codings.count(coder) == 0:
            raise no_codings(store, coder)
    if bootstrap < 0:
        raise BadInput("the number of bootstrap resamples cannot be negative", where="--bootstrap")

    book = codebook_from_codes(store.codebook.codes())
    if not store.transcripts.segment_index()[0]:
        raise BadInput("the project has no segments; import transcripts first", where=str(store.path))
    units, segment_ids, transcript_of, _present = compared_units(
        store, (coder_a, coder_b), include_interviewer=include_interviewer, transcripts=transcripts, where=where
    )
    position = np.full(max(store.transcripts.segment_index()[0]) + 1, -1, dtype=np.int64)
    position[np.asarray(segment_ids)] = np.arange(len(segment_ids))

    used_a = store.codings.segments_by_code(coder_a)
    used_b = store.codings.segments_by_code(coder_b)
    codes = _compared_codes(book, set(used_a) | set(used_b))
    a = _matrix(used_a, codes, position, len(segment_ids))
    b = _matrix(used_b, codes, position, len(segment_ids))

    code_rows = _rows([book.path(c) for c in codes], agreement.tables(a, b), _displays(book, codes))
    parents = _parents(book, codes)
    groups = group_rows(
        book, codes, [a, b], np.ones((2, a.shape[0]), dtype=bool), (coder_a, coder_b), unit_namer(store, segment_ids)
    )
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
    kept = set(segment_ids)
    _add_span_views(store, coder_a, coder_b, codes, code_rows, pooled, transcript_rows, overlap, kept)

    return Report(
        coders=(coder_a, coder_b),
        segments=len(segment_ids),
        threshold=threshold,
        resamples=bootstrap,
        codes=code_rows,
        pooled=pooled,
        themes=theme_rows,
        transcripts=transcript_rows,
        from_suggestions=automated(store, (coder_a, coder_b), "suggestion"),
        from_learned=automated(store, (coder_a, coder_b), "learned"),
        units=units,
        parents=parents,
        groups=groups,
    )


def unit_namer(store: Store, segment_ids: list[int]) -> Any:
    """A function naming a unit (a row of the matrices) as "P1_interview segment 4", for messages."""

    def name(row: int) -> str:
        segment = segment_ids[row]
        names = {t.id: t.name for t in store.transcripts.summaries()}
        found = next(s for s in store.transcripts.all_segments() if s.id == segment)
        return f"{names[found.transcript_id]} segment {found.ordinal}"

    return name


def _parents(book: Codebook, codes: list[str]) -> list[tuple[int, str, str]]:
    """The themes and subthemes above the compared codes that are not compared themselves, each placed
    before the first compared code under it (see `Report.parents`)."""
    compared = set(codes)
    position = {code_id: i for i, code_id in enumerate(codes)}
    out = []
    for code, _depth in book.walk():
        if code.id in compared:
            continue
        below = [position[d.id] for d in book.descendants(code.id) if d.id in position]
        if below:
            out.append((min(below), book.path(code.id), _displays(book, [code.id])[0]))
    return out


def compared_units(
    store: Store,
    coders: tuple[str, ...],
    *,
    include_interviewer: bool = False,
    transcripts: list[str] | None = None,
    where: list[tuple[str, str]] | None = None,
    least: int | None = None,
) -> tuple[Units, list[int], list[int], np.ndarray]:
    """The units of a comparison: (what was compared and left out, the segment ids, their transcript ids,
    which coder rated which of them: (coders × segments) booleans).

    A transcript is compared when every coder has done it, or with ``least``
    when at least that many have: a coder who has not done it is missing there.
    """
    from qualcode.core.store.settings import is_interviewer

    summaries = store.transcripts.summaries()
    names = {t.name for t in summaries}
    for name in transcripts or []:
        if name not in names:
            raise BadInput("no such transcript in this project", where=name)
    attributes = {p.id: p.attributes for p in store.participants.all()}
    for key, _value in where or []:
        if not any(key in attrs for attrs in attributes.values()):
            known = sorted({k for attrs in attributes.values() for k in attrs})
            raise BadInput(
                f"no participant has the attribute '{key}' (attributes: {', '.join(known) or 'none'})", where="--where"
            )

    def selected(t: Any) -> bool:
        if transcripts and t.name not in transcripts:
            return False
        attrs = attributes.get(t.participant or "", {})
        return all(str(attrs.get(key, "")) == value for key, value in where or [])

    done_by = []
    for coder in coders:
        marked = store.codings.done(coder)
        done_by.append(marked if marked else store.codings.transcripts_coded(coder))
    chosen = [t for t in summaries if selected(t)]
    needed = len(coders) if least is None else least
    compared = [t for t in chosen if sum(t.id in done for done in done_by) >= needed]
    if not compared:
        who = "every compared coder has" if least is None else f"at least {least} of the coders have"
        raise BadInput(
            f"no transcript that {who} done (marked done, or coded when they mark none done)"
            + (" among those selected" if transcripts or where else ""),
            where=", ".join(coders),
        )
    ids = {t.id for t in compared}
    interviewers = store.settings.interviewers
    segment_ids, transcript_of = [], []
    left_out = 0
    for segment in store.transcripts.all_segments():
        if segment.transcript_id not in ids:
            continue
        if not include_interviewer and is_interviewer(segment.speaker, interviewers):
            left_out += 1
            continue
        segment_ids.append(segment.id)
        transcript_of.append(segment.transcript_id)
    if not segment_ids:
        raise BadInput(
            "every segment of the compared transcripts is an interviewer's turn; use --include-interviewer",
            where=", ".join(coders),
        )
    units = Units(
        [t.name for t in compared],
        len(segment_ids),
        left_out,
        [t.name for t in chosen if t.id not in ids],
        [t.name for t in summaries if not selected(t)],
        "both coders" if least is None and len(coders) == 2 else f"at least {needed} coders",
    )
    of = np.asarray(transcript_of, dtype=np.int64)
    present = np.stack([np.isin(of, np.asarray(sorted(done), dtype=np.int64)) for done in done_by])
    return units, segment_ids, transcript_of, present


def _add_span_views(
    store: Store,
    coder_a: str,
    coder_b: str,
    codes: list[str],
    code_rows: list[Row],
    pooled: Row,
    transcript_rows: list[Row] | None,
    overlap: float,
    kept: set[int],
) -> None:
    """Character-level tables and span matching per code, per transcript and pooled (see `span_agreement`),
    over the compared segments (``kept``): a passage outside all of them is not compared."""
    lengths = store.transcripts.text_lengths()
    ids = [tid for tid, _n in lengths]
    bases = np.concatenate([[0], np.cumsum([n + 1 for _tid, n in lengths])[:-1]]).astype(np.int64)
    base_of = dict(zip(ids, bases.tolist(), strict=True))
    bounds = [(t, s, e) for sid, t, s, e in store.transcripts.all_segment_rows() if sid in kept]
    units = span_agreement.union([base_of[t] + s for t, s, _e in bounds], [base_of[t] + e for t, _s, e in bounds])

    def by_code(coder: str) -> dict[str, tuple[Any, Any]]:
        rows = store.codings.passages(coder)
        if not rows or not len(units[0]):
            return {}
        codes = [row[0] for row in rows]
        numbers = np.array([row[1:] for row in rows], dtype=np.int64)
        offset = np.array([base_of[t] for t in numbers[:, 0].tolist()], dtype=np.int64)
        starts, ends = offset + numbers[:, 1], offset + numbers[:, 2]
        # only passages that reach into a compared segment
        at = np.searchsorted(units[1], starts, "right")
        inside = (at < len(units[0])) & (units[0][np.minimum(at, max(len(units[0]) - 1, 0))] < ends)
        codes = [c for c, keep in zip(codes, inside.tolist(), strict=True) if keep]
        starts, ends = starts[inside], ends[inside]
        if not codes:
            return {}
        distinct = sorted(set(codes))
        number = {c: i for i, c in enumerate(distinct)}
        code_of = np.array([number[c] for c in codes], dtype=np.int64)
        order = np.argsort(code_of, kind="stable")
        bounds = np.searchsorted(code_of[order], np.arange(len(distinct) + 1))
        return {
            c: (starts[order[bounds[i] : bounds[i + 1]]], ends[order[bounds[i] : bounds[i + 1]]])
            for i, c in enumerate(distinct)
        }

    passages_a, passages_b = by_code(coder_a), by_code(coder_b)
    empty: tuple[Any, Any] = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    per_transcript = np.zeros((len(ids), 4), dtype=np.int64)
    # per transcript: A's codings, A's matched, B's codings, B's matched
    matching_counts = np.zeros((len(ids), 4), dtype=np.int64)
    total_matching = span_agreement.Matching(0, 0, 0, 0, overlap)
    for code_id, row in zip(codes, code_rows, strict=True):
        pa, pb = passages_a.get(code_id, empty), passages_b.get(code_id, empty)
        tables = span_agreement.character_tables(pa, pb, units, bases)
        per_transcript += tables
        row.characters = tuple(int(x) for x in tables.sum(axis=0))  # type: ignore[assignment]
        hit_a, hit_b = span_agreement.matched(pa, pb, overlap)
        row.spans = span_agreement.Matching(len(hit_a), int(hit_a.sum()), len(hit_b), int(hit_b.sum()), overlap)
        total_matching = total_matching + row.spans
        part_a = np.searchsorted(bases, np.asarray(pa[0], dtype=np.int64), "right") - 1
        part_b = np.searchsorted(bases, np.asarray(pb[0], dtype=np.int64), "right") - 1
        n = len(ids)
        matching_counts[:, 0] += np.bincount(part_a, minlength=n)
        matching_counts[:, 1] += np.bincount(part_a, weights=hit_a, minlength=n).astype(np.int64)
        matching_counts[:, 2] += np.bincount(part_b, minlength=n)
        matching_counts[:, 3] += np.bincount(part_b, weights=hit_b, minlength=n).astype(np.int64)
    pooled.characters = tuple(int(x) for x in per_transcript.sum(axis=0))  # type: ignore[assignment]
    pooled.spans = total_matching
    if transcript_rows is not None:
        position = {tid: i for i, tid in enumerate(ids)}
        id_of = {t.name: t.id for t in store.transcripts.summaries()}
        for row in transcript_rows:
            i = position[id_of[row.label]]
            row.characters = tuple(int(x) for x in per_transcript[i])  # type: ignore[assignment]
            row.spans = span_agreement.Matching(*(int(x) for x in matching_counts[i]), overlap)


def _compared_codes(book: Codebook, used: set[str]) -> list[str]:
    """The codes compared: every code without children, and any other code a coder applied itself."""
    return [c.id for c, _depth in book.walk() if not book.children(c.id) or c.id in used]


def _matrix(used: dict[str, str], codes: list[str], position: np.ndarray, segments: int) -> np.ndarray:
    matrix = np.zeros((segments, len(codes)), dtype=bool)
    for j, code_id in enumerate(codes):
        joined = used.get(code_id)
        if joined:
            ids = np.array(joined.split(","), dtype=np.int64)
            rows = position[ids]
            matrix[rows[rows >= 0], j] = True
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
    # + 0.0 turns a negative zero into zero
    return None if math.isnan(value) else round(value, 12) + 0.0


def _depth(display: str) -> int:
    """The level of an item whose display name is indented two spaces per level."""
    return (len(display) - len(display.lstrip(" "))) // 2
