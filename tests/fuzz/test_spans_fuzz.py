"""Codings of exact passages, imported from generated CSVs, land exactly or are refused naming their line.

The promise (README "Codings as CSV", "Codings of exact passages", "Errors"): a
codings CSV's ``start,end`` are offsets from the segment's start in code
points, end exclusive; the start lies in the segment or in the text after it
before the next segment (for the first segment also in the text before it, as
a negative offset), the end may run on into the segments after it; a bad row (unknown transcript, segment or code, a start
outside its segment, an empty span, an end past the text, an offset between a
letter and its combining accent) names its line and nothing is imported.

Each example writes a generated codings CSV (valid offsets, offsets outside
the segment, empty and reversed spans, negative, non-integer, blank and huge
numbers, offsets between a letter and its combining mark, extra, missing and
reordered columns, short and long rows, unknown transcripts, segments and
codes) and imports it with the real command line (``qualcode.cli.main``,
in-process) into a fresh copy of a small project: the conftest transcript and
one holding combining marks and characters outside the BMP, with alice's and
bob's codings of segments and passages. Either the import exits 0 and every
coder's codings read back (``Store.codings.spans``, ``whole_segment_pairs``)
are what they were plus every row's passage and code, or it exits 2 with one
line on stderr naming the file and a bad row's line and the project's SQL
dump unchanged. A second property: ``codings export`` then ``codings import``
into a fresh copy gives the same codings (and the same export).
"""

from __future__ import annotations

import contextlib
import csv
import io
import re
import shutil
import tempfile
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SMALL_CODEBOOK, TRANSCRIPT
from tests.core.test_cli import content as dump

ACCENTS = (
    "Interviewer: Was the plan q\u0301uite clear?\n"
    "P2: Zoe\u0308 said x\u0323\u0301 marks the spot \U0001f600, then \u014b\u0308 and q\u0301\n"
    "Interviewer: And the \U0001d518\U0001d52b\U0001d526 letters?\n"
    "P2: Fine, n\u0303o more.\n"
)
"""A transcript with letters and the accents typed after them (q́ and x̣́ have no precomposed form, so
they stay two and three code points in NFC; Zoë and ño do compose), one segment ending in such a mark,
and characters outside the BMP (offsets count code points, not UTF-16 units)."""

SPANS_CSV = """\
transcript,segment,code,memo,start,end
P1_interview,1,Success factors,,0,43
P1_interview,2,Workload,,42,77
P1_interview,4,Time pressure,,36,71
P1_interview,4,Feedback/Barriers/Lack of resources,,72,143
P1_interview,6,Lack of resources,,55,96
P2_accents,2,Workload,,9,18
P2_accents,2,Success factors,,23,29
P2_accents,2,Time pressure,,43,45
"""
"""Alice's passages, valid: a span that is exactly segment 1 (so a segment coding), spans inside a
segment, one running on into segment 6, and spans over combined characters and an emoji."""

SPANS_PASSAGES = [
    "How did you first hear about the programme?",
    "She explained the step-ladder plan.",
    "Honestly, there was no time for it.",
    "I had to skip lunch on Tuesdays.\nInterviewer: What worked well?\nP1: The",
    "We lacked money for an assistant, though.",
    "x\u0323\u0301 marks",
    "spot \U0001f600",
    "q\u0301",
]
"""What each row of `SPANS_CSV` codes (the builder checks that they land so)."""

BOB_SPANS_CSV = """\
transcript,segment,code,start,end
P1_interview,2,Workload,,
P1_interview,4,Time pressure,36,58
P1_interview,6,Feedback/Barriers/Lack of resources,55,96
P2_accents,2,Workload,0,18
"""
"""Bob's: one segment, a passage overlapping alice's, one the same as hers, and one over combined characters."""

ALICE_CSV = "transcript,segment,code,memo\nP1_interview,2,Workload,a memo\nP1_interview,4,Time pressure,\n"

CODES = {
    "Workload": "School role and involvement/Workload",
    "School role and involvement/Workload": "School role and involvement/Workload",
    " Time pressure ": "School role and involvement/Workload/Time pressure",
    "School role and involvement/Workload/Time pressure": "School role and involvement/Workload/Time pressure",
    "Lack of resources": "Feedback/Barriers/Lack of resources",
    "Feedback/Barriers/Lack of resources": "Feedback/Barriers/Lack of resources",
    "Success factors": "Feedback/Success factors",
    "Feedback": "Feedback",
    "": "",
    "Nope": None,
    "Feedback/Workload": None,
    "Workload/Time pressure": None,
    "School role and involvement/": None,
    "'; DROP TABLE codes; --": None,
}
"""Code cells, and the path each is (None: no such code; "": no code, a memo row)."""

UNKNOWN_TRANSCRIPTS = ["P1", "p1_interview", "P1_interview.txt", "P3", "", "P2 accents"]
NOT_NUMBERS = ["", " ", "-1", "-0", "+3", "1.5", "1e3", "0x10", "\u0663", "\uff11", "1 2", "abc", "NaN", "9" * 10]
"""Cells no offset or segment number may be: signs, decimals, non-ASCII digits, more than 9 digits, words."""
MEMOS = ["", "", "a memo", "comma, inside", 'a "quoted" memo', "=1+1", "\u00fcn\u00ef", "x" * 80]
EXTRA = ["note", "extra", "Coder"]
DIGITS = re.compile(r"[0-9]{1,9}")
OFFSET = re.compile(r"-?[0-9]{1,9}")
"""An offset as the table may write it: negative before the first segment."""
COLUMNS = ("transcript", "segment", "code", "memo", "start", "end")
EXAMPLES_PER_FAULT, ROUND_TRIPS = 25, 60
"""Examples per kind of fault (14 kinds: about 10 s in all) and round trips (about 3 s)."""


# -- the project -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Part:
    """A segment: its id, ordinal and characters ``[start, end)`` of its transcript."""

    id: int
    ordinal: int
    start: int
    end: int


@dataclass(frozen=True)
class Text:
    """A transcript: its name, stored text, segments and the offsets that fall inside a combined character."""

    id: int
    name: str
    text: str
    parts: tuple[Part, ...]
    inside: frozenset[int] = field(default_factory=frozenset)

    def part(self, ordinal: int) -> Part | None:
        return next((p for p in self.parts if p.ordinal == ordinal), None)

    def reach(self, part: Part) -> int:
        """Where the text after ``part`` ends: the next segment's start, or the end of the text."""
        later = [p.start for p in self.parts if p.start >= part.end]
        return min(later, default=len(self.text))


@dataclass(frozen=True)
class Layout:
    texts: dict[str, Text]
    code_ids: dict[str, str]
    """Code path -> id."""
    paths: dict[str, str]
    """Code id -> path."""

    def by_id(self, transcript_id: int) -> Text:
        return next(t for t in self.texts.values() if t.id == transcript_id)


def _layout(path: Path) -> Layout:
    from qualcode.core.project import Project

    with Project.open(path) as p:
        book = p.codebook()
        paths = {c.id: book.path(c.id) for c in book.codes}
        store = p.store
        texts = {}
        for t in store.transcripts.all():
            parts = tuple(Part(s.id, s.ordinal, s.start, s.end) for s in store.transcripts.segments(t.id))
            inside = frozenset(i for i in range(1, len(t.text)) if unicodedata.combining(t.text[i]))
            texts[t.name] = Text(t.id, t.name, t.text, parts, inside)
    return Layout(texts, {v: k for k, v in paths.items()}, paths)


Coded = tuple[frozenset[tuple[str, int, int, str, str]], frozenset[tuple[str, int, str]]]
"""A coder's codings as read back: passages (transcript, start, end, text, code path) and
whole segments (transcript, ordinal, code path)."""


def read_back(path: Path, layout: Layout) -> dict[str, Coded]:
    """Every coder's codings in the project, by the store's own reading."""
    from qualcode.core.store import Store

    with Store(path) as store:
        ordinals = {p.id: (t.name, p.ordinal) for t in layout.texts.values() for p in t.parts}
        found: dict[str, Coded] = {}
        for coder in store.codings.coders():
            spans = frozenset(
                (
                    layout.by_id(s.transcript_id).name,
                    s.start,
                    s.end,
                    layout.by_id(s.transcript_id).text[s.start : s.end],
                    layout.paths[s.code_id],
                )
                for s in store.codings.spans(coder)
            )
            whole = frozenset(
                (*ordinals[seg], layout.paths[code]) for seg, code in store.codings.whole_segment_pairs(coder)
            )
            if spans or whole:
                found[coder] = (spans, whole)
    return found


def run(argv: list[str]) -> tuple[int | str, str, str]:
    """The command line in-process: its status (or what escaped it), stdout and stderr."""
    from qualcode.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            status: int | str = main(argv)
        except BaseException as e:  # noqa: BLE001 - any escape is the finding
            status = f"{type(e).__name__}: {e}"
    return status, out.getvalue(), err.getvalue()


def build_project(folder: Path) -> Path:
    """The small project every example copies: two transcripts, alice's and bob's segments and passages."""
    folder.mkdir(parents=True)
    inputs = folder.parent / "inputs"
    inputs.mkdir()
    files = {
        "small.yaml": SMALL_CODEBOOK,
        "P1_interview.txt": TRANSCRIPT,
        "P2_accents.txt": ACCENTS,
        "alice.csv": ALICE_CSV,
        "spans.csv": SPANS_CSV,
        "bob.csv": BOB_SPANS_CSV,
    }
    for name, text in files.items():
        (inputs / name).write_text(text, encoding="utf-8")
    study = str(folder / "study.qc")
    for argv in (
        ["init", study, "--codebook", str(inputs / "small.yaml")],
        ["import", study, str(inputs / "P1_interview.txt"), str(inputs / "P2_accents.txt")],
        ["codings", "import", study, str(inputs / "alice.csv"), "--coder", "alice"],
        ["codings", "import", study, str(inputs / "spans.csv"), "--coder", "alice"],
        ["codings", "import", study, str(inputs / "bob.csv"), "--coder", "bob"],
    ):
        status, _out, err = run(argv)
        assert status == 0, (argv, err)
    shutil.rmtree(inputs)
    assert sorted(p.name for p in folder.iterdir()) == ["study.qc"]
    return folder / "study.qc"


@dataclass(frozen=True)
class Base:
    study: Path
    layout: Layout
    dump: list[str]
    coded: dict[str, Coded]


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Base:
    study = build_project(tmp_path_factory.mktemp("spans") / "base")
    layout = _layout(study)
    coded = read_back(study, layout)
    p1 = layout.texts["P1_interview"]
    passages = {s[3] for s in coded["alice"][0]} | {p1.text[p1.parts[0].start : p1.parts[0].end]}
    assert passages == set(SPANS_PASSAGES), passages
    assert ("P1_interview", 1, "Feedback/Success factors") in coded["alice"][1]  # the span that is a segment
    return Base(study, layout, dump(study), coded)


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("span-examples")


def fresh(base: Base, scratch: Path) -> Path:
    """A copy of the project in a folder of its own."""
    folder = Path(tempfile.mkdtemp(dir=scratch))
    shutil.copy2(base.study, folder / "study.qc")
    return folder


# -- what an import must do ----------------------------------------------------------------------------


@dataclass
class Expected:
    """The lines that must make the import fail, and the codings each row adds."""

    bad: set[int] = field(default_factory=set)
    spans: set[tuple[str, int, int, str, str]] = field(default_factory=set)
    whole: set[tuple[str, int, str]] = field(default_factory=set)


def expect(header: list[str], rows: list[list[str]], layout: Layout) -> Expected:
    """What importing this table must do: a model written from the README, not from the reader."""
    out = Expected()
    names = [h.strip().lower() for h in header]
    if any(c not in names for c in COLUMNS[:3]) or ("start" in names) != ("end" in names):
        out.bad.add(1)
        return out
    col = {c: names.index(c) for c in COLUMNS if c in names}
    for line, row in enumerate(rows, start=2):
        if not any(c.strip() for c in row):
            continue  # a blank row is skipped
        if len(row) < len(header):
            out.bad.add(line)
            continue
        ordinal = row[col["segment"]].strip()
        offsets = [row[col[c]].strip() if c in col else "" for c in ("start", "end")]
        text = layout.texts.get(row[col["transcript"]].strip())
        part = text.part(int(ordinal)) if text and DIGITS.fullmatch(ordinal) else None
        if part is None or any(offsets) and not all(OFFSET.fullmatch(v) for v in offsets):
            out.bad.add(line)
            continue
        assert text is not None
        passage = None
        verdict = "good"
        if any(offsets):
            start, end = part.start + int(offsets[0]), part.start + int(offsets[1])
            floor = 0 if part is text.parts[0] else part.start  # the first segment's label may start it
            if (
                not floor <= start < text.reach(part)
                or end <= start
                or end > len(text.text)
                or start in text.inside
                or end in text.inside
            ):
                verdict = "bad"
            if (start, end) != (part.start, part.end):
                passage = (start, end)
        path = {cell.strip(): path for cell, path in CODES.items()}[row[col["code"]].strip()]
        if path is None:
            verdict = "bad"
        if verdict == "bad":
            out.bad.add(line)
            continue
        if not path:
            continue  # no code: a memo's row
        if passage is None:
            out.whole.add((text.name, part.ordinal, path))
        else:
            out.spans.add((text.name, *passage, text.text[passage[0] : passage[1]], path))
    return out


# -- generated tables --------------------------------------------------------------------------------------

FAULTS = [
    "none",
    "header",
    "row shape",
    "transcript",
    "segment",
    "code",
    "start in a combined character",
    "end in a combined character",
    "start outside its segment",
    "empty or reversed span",
    "end past the text",
    "offsets not numbers",
    "offsets near the edges",
    "several",
]
"""What the one hostile row of a table has wrong (or the header; or nothing; or several rows).

The test runs each kind apart, so every kind is tried however the draws fall; "offsets near the edges"
and "row shape" may give a good row too (the model judges each row, not the kind)."""
SPAN_FAULTS = {f for f in FAULTS if "offsets" in f or "span" in f or "start" in f or "end" in f}


@st.composite
def headers(draw: st.DrawFn, fault: str) -> list[str]:
    """The documented columns (memo, start and end optional; start and end kept for a passage's fault),
    sometimes reordered, with extra columns, spelled in other cases; for "header", missing a column
    it needs, or one of start and end."""
    columns = ["transcript", "segment", "code"]
    if draw(st.booleans()):
        columns.append("memo")
    if fault in (*SPAN_FAULTS, "several", "header") or draw(st.integers(0, 3)) > 0:
        columns += ["start", "end"]
    if fault == "header":
        columns.remove(draw(st.sampled_from(["start", "end", "transcript", "segment", "code"])))
    columns += draw(st.lists(st.sampled_from(EXTRA), unique=True, max_size=2))
    if draw(st.integers(0, 3)) == 0:
        columns = draw(st.permutations(columns))
    return [draw(st.sampled_from([c] * 4 + [c.upper(), f" {c.title()} "])) for c in columns]


def number(value: int) -> st.SearchStrategy[str]:
    """An offset or ordinal as a cell: as it is, padded with spaces or zeros."""
    text = str(value)
    return st.sampled_from([text] * 5 + [f" {text} ", f"00{text}"])


@st.composite
def offset(draw: st.DrawFn, text: Text, part: Part) -> str:
    """An offset from the segment's start, near where the edges are: the segment's ends, the next
    segment, the end of the text, the combined characters; or anywhere, huge, negative, not a number."""
    edges = [0, 1, part.end - part.start - 1, part.end - part.start, part.end - part.start + 1]
    edges += [text.reach(part) - part.start - 1, text.reach(part) - part.start, len(text.text) - part.start]
    edges += [len(text.text) - part.start + 1, 999_999_999]
    edges += [at - part.start + d for at in text.inside for d in (-1, 0, 1)]
    kind = draw(st.integers(0, 9))
    if kind == 0:
        return draw(st.sampled_from(NOT_NUMBERS))
    if kind < 4:
        return draw(number(draw(st.integers(-3, len(text.text) - part.start + 3))))
    value = draw(st.sampled_from(edges))
    return draw(number(value)) if value >= 0 else str(value)


def _starts(text: Text, lo: int, hi: int) -> list[int]:
    return [i for i in range(lo, hi) if i not in text.inside]


@st.composite
def good_span(draw: st.DrawFn, text: Text, part: Part) -> tuple[int, int] | None:
    """A passage every reading takes: none, the whole segment, or one starting in it (and ending anywhere
    after, off the combined characters); now and then one starting after the segment, before the next."""
    kind = draw(st.sampled_from(["inside", "none", "inside", "whole", "inside", "after", "inside"]))
    if kind == "none":
        return None
    if kind == "whole":
        return part.start, part.end
    starts = _starts(text, part.end, text.reach(part)) if kind == "after" else []
    start = draw(st.sampled_from(starts or _starts(text, part.start, part.end)))
    ends = _starts(text, start + 1, min(len(text.text), start + 120) + 1)
    return start, draw(st.sampled_from(ends or [len(text.text)]))


@st.composite
def bad_span(draw: st.DrawFn, fault: str, text: Text, part: Part, good: tuple[int, int]) -> dict[str, str]:
    """The passage of a row with ``fault``, as start and end cells (offsets from the segment's start)."""
    start, end = good
    rest = len(text.text) - part.start
    if fault == "start in a combined character":
        mark = draw(st.sampled_from(sorted(i for i in text.inside if part.start <= i < part.end)))
        ends = _starts(text, mark + 1, len(text.text) + 1)
        return {"start": str(mark - part.start), "end": str(draw(st.sampled_from(ends)) - part.start)}
    if fault == "end in a combined character":
        mark = draw(st.sampled_from(sorted(i for i in text.inside if i > part.start)))
        starts = _starts(text, part.start, min(mark, part.end))
        return {"start": str(draw(st.sampled_from(starts)) - part.start), "end": str(mark - part.start)}
    if fault == "start outside its segment":
        reach = text.reach(part) - part.start
        beyond = draw(st.sampled_from([reach, reach + 1, rest]) | st.integers(reach, rest + 5))
        return {"start": draw(number(beyond)), "end": draw(number(beyond + draw(st.integers(1, 20))))}
    if fault == "empty or reversed span":
        return {
            "start": str(start - part.start),
            "end": draw(number(max(start - part.start - draw(st.integers(0, 3)), 0))),
        }
    if fault == "end past the text":
        return {
            "start": str(start - part.start),
            "end": draw(number(draw(st.sampled_from([rest + 1, rest + 2, 999_999_999])))),
        }
    if fault == "offsets not numbers":
        odd = {"start": draw(st.sampled_from(NOT_NUMBERS)), "end": draw(offset(text, part))}
        return {"start": odd["end"], "end": odd["start"]} if draw(st.booleans()) else odd
    near = draw(offset(text, part))
    if DIGITS.fullmatch(near.strip()) and draw(st.booleans()):
        return {"start": near, "end": str(int(near) + draw(st.integers(-2, 60)))}
    return {"start": near, "end": draw(offset(text, part))}


@st.composite
def row(draw: st.DrawFn, layout: Layout, header: list[str], fault: str = "none") -> list[str]:
    """One row for ``header``: a transcript, a segment, a code, a memo and a passage (or none),
    all good, or with ``fault``."""
    marked = "combined" in fault
    text = layout.texts["P2_accents" if marked else draw(st.sampled_from(["P1_interview", "P2_accents"]))]
    parts = [p for p in text.parts if not marked or any(p.start <= i < p.end for i in text.inside)]
    part = draw(st.sampled_from(parts))
    span = draw(good_span(text, part))
    values = {
        "transcript": draw(st.sampled_from([text.name] * 5 + [f" {text.name} "])),
        "segment": draw(number(part.ordinal)),
        "code": draw(st.sampled_from([c for c, path in CODES.items() if path])),
        "memo": draw(st.sampled_from(MEMOS)),
        "start": "" if span is None else draw(number(span[0] - part.start)),
        "end": "" if span is None else draw(number(span[1] - part.start)),
    }
    if fault == "transcript":
        values["transcript"] = draw(st.sampled_from(UNKNOWN_TRANSCRIPTS))
    elif fault == "segment":
        ordinal = draw(st.sampled_from([0, len(text.parts) + 1, 999_999_999]))
        values["segment"] = draw(number(ordinal) | st.sampled_from(NOT_NUMBERS))
    elif fault == "code":
        values["code"] = draw(st.sampled_from([c for c, path in CODES.items() if path is None]))
    elif fault in SPAN_FAULTS:
        values |= draw(bad_span(fault, text, part, span if span and span[0] < part.end else (part.start, part.end)))
    if fault != "code" and draw(st.integers(0, 7)) == 0:
        values["code"] = ""  # a memo's row: its passage is checked all the same
    cells = [values.get(h.strip().lower(), draw(st.sampled_from(["", "junk", "7"]))) for h in header]
    if fault == "row shape":
        shape = draw(st.sampled_from(["one short", "short", "long", "blank"]))
        if shape == "one short":
            return cells[:-1]
        if shape == "short":
            return cells[: draw(st.integers(0, len(cells) - 1))]
        if shape == "long":
            return cells + draw(st.lists(st.sampled_from(["", "x", "12"]), min_size=1, max_size=2))
        return [draw(st.sampled_from(["", " "])) for _ in cells]
    return cells


@st.composite
def tables(draw: st.DrawFn, layout: Layout, fault: str) -> tuple[list[str], list[list[str]]]:
    """A header and good rows, with one row that has ``fault`` among them: a single fault, so the
    line named must be its line ("several": two or three such rows, of any kinds)."""
    header = draw(headers(fault))
    rows = draw(st.lists(row(layout, header), max_size=6))
    if fault == "several":
        faults = draw(st.lists(st.sampled_from(FAULTS[2:-1]), min_size=2, max_size=3))
    else:
        faults = [] if fault in ("none", "header") else [fault]
    for each in faults:
        rows.insert(draw(st.integers(0, len(rows))), draw(row(layout, header, each)))
    return header, rows


def write_csv(path: Path, header: list[str], rows: list[list[str]], ending: str = "\r\n", encoding: str = "utf-8"):
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator=ending)
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def _lines(stderr: str) -> list[str]:
    return stderr.replace("\r", "\n").rstrip("\n").split("\n") if stderr.strip("\r\n") else []


# -- the tests --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fault", FAULTS)
def test_a_codings_csv_lands_exactly_or_is_refused_naming_its_line(base: Base, scratch: Path, fault: str) -> None:
    @settings(
        max_examples=EXAMPLES_PER_FAULT,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(
        table=tables(base.layout, fault),
        coder=st.sampled_from(["alice", "alice", "bob", "carol"]),
        replace=st.booleans(),
        ending=st.sampled_from(["\r\n", "\n"]),
        encoding=st.sampled_from(["utf-8", "utf-8", "utf-8-sig", "utf-16"]),
    )
    def check(table: tuple[list[str], list[list[str]]], coder: str, replace: bool, ending: str, encoding: str) -> None:
        header, rows = table
        folder = fresh(base, scratch)
        try:
            study, table_file = folder / "study.qc", folder / "spans.csv"
            write_csv(table_file, header, rows, ending, encoding)
            want = expect(header, rows, base.layout)
            argv = ["codings", "import", str(study), str(table_file), "--coder", coder]
            status, out, err = run(argv + (["--replace"] if replace else []))
            assert "Traceback" not in out + err
            lines = _lines(err)
            if status == 2:
                assert len(lines) == 1, f"exit 2 with {len(lines)} lines on stderr: {err!r}"
                assert str(table_file) in lines[0], f"the file is not named: {lines[0]!r}"
                named = re.search(r": line (\d+): ", lines[0])
                assert named, f"no line is named: {lines[0]!r}"
                assert int(named[1]) in want.bad, (
                    f"line {named[1]} named, but the bad lines are {sorted(want.bad)}: {lines[0]!r}"
                )
                assert dump(study) == base.dump, "the project changed although the import failed"
                return
            assert status == 0, f"exit status {status!r}: {err!r}"
            assert not want.bad, f"exit 0, but lines {sorted(want.bad)} are bad"
            assert not lines, f"exit 0 with stderr {err!r}"
            expected = dict(base.coded)
            kept = (frozenset(), frozenset()) if replace else expected.get(coder, (frozenset(), frozenset()))
            expected[coder] = (kept[0] | want.spans, kept[1] | want.whole)
            expected = {k: v for k, v in expected.items() if v[0] or v[1]}
            got = read_back(study, base.layout)
            for who in sorted(set(expected) | set(got)):
                empty = (frozenset(), frozenset())
                (want_spans, want_whole), (got_spans, got_whole) = expected.get(who, empty), got.get(who, empty)
                assert got_spans == want_spans, (
                    f"{who}'s passages: missing {sorted(want_spans - got_spans)}, not asked {sorted(got_spans - want_spans)}"
                )
                assert got_whole == want_whole, (
                    f"{who}'s segments: missing {sorted(want_whole - got_whole)}, not asked {sorted(got_whole - want_whole)}"
                )
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    check()


@st.composite
def valid_row(draw: st.DrawFn, layout: Layout) -> list[str]:
    """A good row: a segment, its whole, or a passage starting in it (or after it, before the next)."""
    text = layout.texts[draw(st.sampled_from(sorted(layout.texts)))]
    part = draw(st.sampled_from(text.parts))
    code = draw(st.sampled_from(sorted(c for c, p in CODES.items() if p)))
    span = draw(good_span(text, part))
    offsets = ["", ""] if span is None else [str(span[0] - part.start), str(span[1] - part.start)]
    return [text.name, str(part.ordinal), code, *offsets]


def test_export_then_import_gives_the_same_codings(base: Base, scratch: Path) -> None:
    """A coder's codings (alice's passages and segments and new ones, or a new coder's), exported and
    imported into a fresh copy with --replace, read back the same, and export the same table again."""

    @settings(
        max_examples=ROUND_TRIPS,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(rows=st.lists(valid_row(base.layout), min_size=1, max_size=8), coder=st.sampled_from(["alice", "carol"]))
    def check(rows: list[list[str]], coder: str) -> None:
        first, second = fresh(base, scratch), fresh(base, scratch)

        def qualcode(*argv: Path | str) -> None:
            status, _out, err = run([str(a) for a in argv])
            assert status == 0, f"{argv}: {err!r}"

        try:
            header = ["transcript", "segment", "code", "start", "end"]
            write_csv(first / "in.csv", header, rows)
            want = expect(header, rows, base.layout)
            status, _out, err = run(
                ["codings", "import", str(first / "study.qc"), str(first / "in.csv"), "--coder", coder]
            )
            assert status == 0, err
            spans, whole = base.coded.get(coder, (frozenset(), frozenset()))
            coded = read_back(first / "study.qc", base.layout)[coder]
            assert coded == (spans | want.spans, whole | want.whole)
            qualcode("codings", "export", first / "study.qc", first / "out.csv", "--coder", coder)
            qualcode("codings", "import", second / "study.qc", first / "out.csv", "--coder", coder, "--replace")
            assert read_back(second / "study.qc", base.layout)[coder] == coded
            qualcode("codings", "export", second / "study.qc", second / "out.csv", "--coder", coder)
            assert (second / "out.csv").read_bytes() == (first / "out.csv").read_bytes()
        finally:
            shutil.rmtree(first, ignore_errors=True)
            shutil.rmtree(second, ignore_errors=True)

    check()


def test_the_model_agrees_with_the_readme_examples(base: Base) -> None:
    """The oracle itself, on rows the README speaks of: each verdict as documented."""
    header = ["transcript", "segment", "code", "start", "end"]

    def verdict(cells: list[str]) -> str:
        got = expect(header, [cells], base.layout)
        return "bad" if got.bad else "good"

    assert verdict(["P1_interview", "2", "Workload", "42", "77"]) == "good"
    assert verdict(["P1_interview", "2", "Workload", "94", "96"]) == "good"  # starts in "P1: " after segment 2
    assert verdict(["P1_interview", "1", "Workload", "-13", "7"]) == "good"  # in the first label, before segment 1
    assert verdict(["P1_interview", "2", "Workload", "5", "5"]) == "bad"  # empty
    assert verdict(["P1_interview", "2", "Workload", "-1", "5"]) == "bad"
    assert verdict(["P1_interview", "2", "Workload", "3", "999999999"]) == "bad"  # past the text
    assert verdict(["P2_accents", "2", "Workload", "10", "18"]) == "bad"  # starts between x and its accents
    assert verdict(["P2_accents", "2", "Workload", "0", "44"]) == "bad"  # ends between q and its accent
    assert verdict(["P2_accents", "2", "Nope", "0", "45"]) == "bad"
    assert expect(["transcript", "segment", "code", "start"], [], base.layout).bad == {1}


def test_the_line_named_is_the_files_line_after_a_cell_with_a_line_break(base: Base, scratch: Path) -> None:
    folder = fresh(base, scratch)
    table = folder / "spans.csv"
    table.write_text(
        'transcript,segment,code,memo,start,end\nP1_interview,2,Workload,"two\nlines",,\n'
        "P1_interview,2,Workload,,5,3\n",
        encoding="utf-8",
    )
    status, _out, err = run(["codings", "import", str(folder / "study.qc"), str(table), "--coder", "alice"])
    assert status == 2
    assert ": line 4: " in err, err


def test_a_passage_before_the_first_segment_exports_as_a_table_that_imports(base: Base, scratch: Path) -> None:
    from qualcode.core.project import Project

    folder = fresh(base, scratch)
    with Project.open(folder / "study.qc") as p:
        assert p.code_span("carol", "P1_interview", 0, 20, "Workload")  # "Interviewer: How did"
    status, _out, err = run(
        ["codings", "export", str(folder / "study.qc"), str(folder / "out.csv"), "--coder", "carol"]
    )
    assert status == 0, err
    shutil.copy2(base.study, folder / "second.qc")
    status, _out, err = run(
        ["codings", "import", str(folder / "second.qc"), str(folder / "out.csv"), "--coder", "carol"]
    )
    assert status == 0, f"{(folder / 'out.csv').read_text()!r}: {err}"
