"""Every command, fed hostile arguments and files, keeps the command line's promise.

The promise (README "Errors", "Files written"): exit status 0 or 2; never a
traceback; on failure one line on stderr; on failure the project's content
(its SQL dump) unchanged; no file written or changed except the command's named
output target; within a bounded time.

A small real project (codebook, two transcripts, one with combining accents
and characters outside the BMP, three coders' codings, alice's and bob's
codings of exact passages, a pseudonym, a coder's hand-out, its REFI-QDA
exports) is built once per module, so every command meets span codings;
each example runs in a fresh copy of it, in-process through
``qualcode.cli.main`` with the working folder set to the copy, so every path
an example names stays inside it. ``bench/fuzz_commands.py`` runs the same
strategies with many more examples and counts the outcomes per command.

The terminal commands (``code``, ``resolve``, ``demo``) are left out: they open
the workbench, which tests/tui covers.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import hashlib
import io
import os
import resource
import shutil
import sqlite3
import stat
import tempfile
import time
import traceback
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import SMALL_CODEBOOK, TRANSCRIPT
from tests.core.test_cli import content as dump
from tests.fuzz.test_spans_fuzz import ACCENTS, BOB_SPANS_CSV, SPANS_CSV

LIMIT_S = 30.0
"""Seconds one command may take on this small project; the slowest real case (a Word report) needs about one."""
MEMORY_GROWTH_KIB = 1024 * 1024
"""Growth of the process's peak memory one command may cause: 1 GiB means something is unbounded."""
NOTES = ("skipped ", "coded ", "qualcode: ", "warning: ")
"""How the lines a successful command may write on stderr begin (notes on passed-over files, search coding,
and the export's warning that the consensus lacks undecided disagreements)."""


# -- hostile values ------------------------------------------------------------------------------------

odd_text = st.text(
    alphabet=st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
    max_size=12,
)
"""Any NUL-free text (no lone surrogates: they cannot be passed on a command line)."""

NAMES = [
    "alice",
    "bob",
    "consensus",
    "nobody",
    "",
    " ",
    "Workload",
    "School role and involvement/Workload",
    "Feedback",
    "Time pressure",
    "P1_interview",
    "P1",
    "Tuesdays",
    "a\x01b",
    "x\x1b[2Jy",
    "line\nbreak",
    "cr\rhere",
    "\u202eevil",
    "e\u0301",
    "ﬁle",
    "𝔘𝔫𝔦",
    "..",
    "%s%n",
    "{0}",
    "'; DROP TABLE codes; --",
    "-",
    "x" * 300,
]
name = st.one_of(st.sampled_from(NAMES), odd_text)
CODES = ["Workload", "Time pressure", "Feedback/Barriers", "School role and involvement", "Success factors", "-"]
code = st.one_of(st.sampled_from(CODES), name)
"""Half the time a code of the project (or '-', a move's "no parent"), so the edits get past the look-up."""

INTEGERS = [
    "0",
    "1",
    "-1",
    "3",
    "100000",
    "100001",
    "2147483648",
    "9223372036854775808",
    "1" + "0" * 30,
    "-" + "9" * 30,
    "٣",
    " 7 ",
    "1e3",
    "0x10",
    "",
]
integer = st.one_of(st.sampled_from(INTEGERS), st.integers().map(str))
real = st.sampled_from(["nan", "inf", "-inf", "1e308", "-1", "0", "0.6", "2", "1e-320", "x"])

REGEXES = [
    "(",
    "[",
    "*",
    "\\",
    "a{99999}",
    "(?P<speaker>",
    "(?P<speaker>x)",
    "(?P<speaker>.*)",
    "(?P<speaker>)",
    "(?P<other>[A-Z]+):",
    "(a*)*$",
    ".*",
    "",
    "(?i)p1",
    "^\\[(?P<speaker>[A-Z]+)\\]\\s*",
    "(?<=a+)b",
    "\\p{L}",
    "a|",
    "Interviewer",
    "P1",
]
regex = st.one_of(st.sampled_from(REGEXES), odd_text)

INPUTS = [
    "P1_interview.txt",
    "P2_accents.txt",
    "small.yaml",
    "codings.csv",
    "spans.csv",
    "participants.csv",
    "coder.qc",
    "study.qdpx",
    "study.qdc",
    "empty.txt",
    "empty.csv",
    "empty.yaml",
    "binary.bin",
    "binary.txt",
    "bom.txt",
    "bom.csv",
    "bom.yaml",
    "notqc.qc",
    "folder",
    "missing/x.txt",
    "missing.csv",
    "/dev/null",
    "null",
    "study.qc",
    "study.qc-wal",
    "link.qc",
    "dangling",
    "odd\x01name.txt",
]
input_file = st.one_of(st.sampled_from(INPUTS), odd_text)

PROJECTS = ["study.qc"] * 8 + [
    "link.qc",
    "study.qc-wal",
    "folder",
    "missing/study.qc",
    "/dev/null",
    "null",
    "empty.txt",
    "binary.bin",
    "notqc.qc",
    "coder.qc",
    "new.qc",
    "",
]
project = st.sampled_from(PROJECTS)


def outputs(suffix: str) -> st.SearchStrategy[str]:
    """Places to write to: ordinary names, and the project, its companions, a device, links, folders."""
    return st.sampled_from(
        [f"out{suffix}"] * 4
        + [
            "outdir",
            "folder",
            f"folder/inner{suffix}",
            f"missing/out{suffix}",
            "study.qc",
            "study.qc-wal",
            "study.qc-shm",
            "link.qc",
            "dangling",
            "null",
            "P1_interview.txt",
            "codings.csv",
            f"odd\x01out{suffix}",
            f"ünï\u202e{suffix}",
            f"line\nbreak{suffix}",
            "",
            ".",
            "out",
            "out.txt",
        ]
    )


def option(flag: str, value: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """An option with a value, or nothing."""
    return st.one_of(st.just([]), value.map(lambda v: [flag, v]))


def usually(flag: str, value: st.SearchStrategy[str]) -> st.SearchStrategy[list[str]]:
    """A required option, left out one time in ten (argparse's refusal is then the expected outcome)."""
    return st.tuples(st.integers(0, 9), value).map(lambda t: [flag, t[1]] if t[0] else [])


def switch(flag: str) -> st.SearchStrategy[list[str]]:
    return st.sampled_from([[], [flag]])


@dataclass(frozen=True)
class Case:
    """One command line to run, and the file or folder it may write (relative to the workspace)."""

    command: str
    argv: tuple[str, ...]
    target: str | None = None
    project: str | None = None
    """The project file the command works on, which it may change when it succeeds."""
    files: tuple[tuple[str, bytes], ...] = ()
    """Generated input files written into the workspace before the command runs (name, content)."""


def _case(command: str, parts: list, target: str | None = None) -> Case:
    argv: list[str] = []
    for part in parts:
        argv.extend(part if isinstance(part, list) else [part])
    words = [p for p in parts if isinstance(p, str)]
    # The project is the first positional after the command's words (``export docx``, ``codebook show`` …).
    skip = len(command.split())
    chosen = words[skip] if command != "import qdpx" and len(words) > skip else None
    return Case(command, tuple(argv), target, chosen)


@st.composite
def init_case(draw: st.DrawFn) -> Case:
    out = draw(st.sampled_from(["new.qc", "new.qc", "study.qc", "folder", "missing/new.qc", "null", "link.qc"]) | name)
    parts = [
        "init",
        out,
        draw(option("--lang", st.sampled_from(["en", "nb", "xx", "", "EN", "../en", "zz_ZZ"]) | odd_text)),
        draw(option("--codebook", input_file)),
        draw(option("--unit", st.sampled_from(["turn", "sentence", "paragraph", "word", ""]))),
    ]
    return _case("init", parts, out)


@st.composite
def import_case(draw: st.DrawFn) -> Case:
    if draw(st.integers(0, 4)) == 0:
        out = draw(outputs(".qc"))
        files = draw(st.lists(st.sampled_from(["study.qdpx", "study.qdpx", "study.qdc"]) | input_file, max_size=2))
        parts = ["import", "qdpx", *files, draw(usually("-o", st.just(out))), draw(option("--lang", name))]
        return _case("import qdpx", parts, out)
    files = draw(st.lists(input_file, min_size=1, max_size=3))
    parts = [
        "import",
        draw(project),
        *files,
        draw(option("--unit", st.sampled_from(["turn", "sentence", "paragraph", "x"]))),
        draw(option("--participant", name)),
        draw(switch("--replace")),
        draw(option("--speaker-pattern", regex)),
    ]
    return _case("import", parts)


@st.composite
def participants_case(draw: st.DrawFn) -> Case:
    return _case("participants", ["participants", draw(project), draw(st.just("participants.csv") | input_file)])


@st.composite
def codebook_case(draw: st.DrawFn) -> Case:
    action = draw(st.sampled_from(["load", "show", "export", "rename", "move", "merge", "delete"]))
    fmt = draw(option("--format", st.sampled_from(["tree", "json", "yaml", "xml"])))
    if action == "load":
        return _case("codebook load", ["codebook", "load", draw(project), draw(st.just("small.yaml") | input_file)])
    if action == "show":
        return _case("codebook show", ["codebook", "show", draw(project), fmt])
    if action == "export":
        out = draw(outputs(".yaml"))
        return _case("codebook export", ["codebook", "export", draw(project), out, fmt], out)
    need = 1 if action == "delete" else 2
    values = draw(st.lists(code, min_size=need, max_size=need) | st.lists(code, max_size=3))
    parts = [
        "codebook",
        action,
        draw(project),
        *values,
        draw(option("--actor", name)),
        draw(switch("--force")),
    ]
    return _case(f"codebook {action}", parts)


SPAN_HEADERS = [
    "transcript,segment,code,memo,start,end",
    "transcript,segment,code,start,end",
    "end,code,segment,start,transcript",
    "transcript,segment,code,memo,start,end,extra",
    "Transcript,Segment,Code,Start",
    "transcript,segment,start,end",
]
offset = st.one_of(st.integers(0, 110).map(str), st.sampled_from(INTEGERS), st.just(""))


@st.composite
def span_csv(draw: st.DrawFn) -> bytes:
    """A generated codings CSV with start,end columns: often one that imports, often one that must not."""
    header = draw(st.sampled_from(SPAN_HEADERS[:1] * 4 + SPAN_HEADERS)).split(",")
    rows = []
    for _ in range(draw(st.integers(0, 5))):
        start = draw(st.integers(0, 12))
        hostile = draw(st.integers(0, 3)) == 0
        values = {
            "transcript": draw(st.sampled_from(["P1_interview", "P2_accents"])),
            "segment": draw(st.integers(1, 4).map(str)),
            "code": draw(st.sampled_from(CODES[:-1])),
            "memo": draw(st.sampled_from(["", "a memo"])),
            "start": str(start),
            "end": str(draw(st.integers(start + 1, start + 80))),
        }
        if hostile:
            values = {
                "transcript": draw(st.just(values["transcript"]) | name),
                "segment": draw(st.integers(0, 7).map(str) | integer),
                "code": draw(code),
                "memo": draw(st.sampled_from(["", "a memo"]) | odd_text),
                "start": draw(offset),
                "end": draw(offset),
            }
        rows.append([values.get(h.lower(), "x") for h in header])
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@st.composite
def codings_case(draw: st.DrawFn) -> Case:
    coder = draw(usually("--coder", name))
    if draw(st.booleans()):
        file = draw(
            input_file
            if draw(st.integers(0, 3)) == 0
            else st.sampled_from(["codings.csv", "spans.csv"] + ["generated.csv"] * 3)
        )
        if file == "generated.csv":
            known = draw(st.integers(0, 3)) > 0
            coder = draw(usually("--coder", st.sampled_from(["alice", "bob", "carol"]) if known else name))
        parts = ["codings", "import", draw(project), file, coder, draw(switch("--replace"))]
        case = _case("codings import", parts)
        return dataclasses.replace(case, files=(("generated.csv", draw(span_csv())),))
    out = draw(outputs(".csv"))
    return _case("codings export", ["codings", "export", draw(project), out, coder], out)


@st.composite
def handout_case(draw: st.DrawFn) -> Case:
    out = draw(outputs(".qc"))
    return _case(
        "handout", ["handout", draw(project), draw(usually("--coder", name)), draw(usually("-o", st.just(out)))], out
    )


@st.composite
def merge_case(draw: st.DrawFn) -> Case:
    files = draw(st.lists(st.just("coder.qc") | input_file, min_size=1, max_size=3))
    return _case("merge", ["merge", draw(project), *files, draw(switch("--replace"))])


@st.composite
def agree_case(draw: st.DrawFn) -> Case:
    parts = [
        "agree",
        draw(project),
        "--coders",
        draw(st.sampled_from(["alice", "consensus"]) | name),
        draw(st.sampled_from(["bob"]) | name),
        draw(option("--by", st.sampled_from(["code", "theme", "transcript", "code,theme", ",", "bogus"]) | name)),
        draw(option("--format", st.sampled_from(["table", "csv", "json", "xml"]))),
        draw(option("--bootstrap", st.sampled_from(["0", "10", "100000"]) | integer)),
        draw(option("--seed", integer)),
        draw(option("--threshold", real)),
        draw(switch("--include-interviewer")),
        draw(option("--where", st.sampled_from(["role=teacher", "role", "years=12", "=x", "grade=7"]) | odd_text)),
    ]
    if draw(st.booleans()):
        # three coders or more (or a name twice), and transcripts to restrict to
        parts[4:4] = [draw(st.sampled_from(["consensus", "alice", "bob"]) | name)]
        parts.append(
            draw(
                st.just([])
                | st.lists(st.sampled_from(["P1_interview", "P2_accents"]) | name, min_size=1, max_size=3).map(
                    lambda names: ["--transcripts", *names]
                )
            )
        )
    return _case("agree", parts)


@st.composite
def done_case(draw: st.DrawFn) -> Case:
    names = draw(st.lists(st.sampled_from(["P1_interview", "P2_accents"]) | name, min_size=0, max_size=3))
    parts = ["done", draw(project), draw(usually("--coder", st.sampled_from(["alice", "bob"]) | name)), *names]
    return _case("done", [*parts, draw(switch("--undo"))])


@st.composite
def interviewers_case(draw: st.DrawFn) -> Case:
    names = draw(st.lists(st.sampled_from(["Interviewer", "Kari", "I"]) | odd_text, max_size=3))
    return _case("interviewers", ["interviewers", draw(project), *names, draw(switch("--default"))])


FORMATS = {"docx": ".docx", "csv": ".csv", "xlsx": ".xlsx", "graphml": ".graphml", "qdpx": ".qdpx", "qdc": ".qdc"}
TABLE_LISTS = [
    "theme,matrix",
    "agreement",
    "frequencies",
    "network",
    "quotes,codebook",
    "",
    ",",
    "bogus",
    "theme,theme",
    "all",
    "memos",
    "map,kappa",
    "all,theme",
]


@st.composite
def export_case(draw: st.DrawFn) -> Case:
    fmt = draw(st.sampled_from(sorted(FORMATS)))
    out = draw(outputs(FORMATS[fmt]))
    parts = [
        "export",
        fmt,
        draw(project),
        draw(usually("-o", st.just(out))),
        draw(option("--tables", st.sampled_from(TABLE_LISTS) | odd_text)),
        draw(option("--coder", st.sampled_from(["consensus", "alice"]) | name)),
        draw(option("--level", st.sampled_from(["theme", "subtheme", "code", "x"]))),
        draw(option("--cells", st.sampled_from(["count", "presence", "quote"]))),
        draw(option("--group-by", st.just("role") | name)),
        draw(option("--where", st.sampled_from(["role=teacher", "=", "nokey", "role=", "a=b=c"]) | name)),
        draw(switch("--include-interviewer")),
        draw(option("--max-words", integer)),
        draw(option("--per-participant", st.sampled_from(["first", "longest", "starred"]))),
        draw(st.one_of(st.just([]), st.tuples(name, name).map(lambda ab: ["--agreement", *ab]))),
        draw(option("--bootstrap", st.sampled_from(["0", "10"]) | integer)),
        draw(option("--paper", st.sampled_from(["a4", "letter", "A4", "legal"]))),
        draw(option("--template", input_file)),
        draw(switch("--strict")),
    ]
    return _case(f"export {fmt}", parts, out)


@st.composite
def search_case(draw: st.DrawFn) -> Case:
    query = draw(st.sampled_from(["meeting", "meetings", "step ladder", "step-ladder", "-", "", " ", "the"]) | name)
    parts = [
        "search",
        draw(project),
        query,
        draw(switch("--lemma")),
        draw(option("--transcript", st.just("P1_interview") | name)),
        draw(option("--limit", integer)),
        draw(option("--format", st.sampled_from(["table", "csv", "json"]))),
        draw(option("--code", st.just("Workload") | name)),
        draw(option("--coder", st.just("alice") | name)),
    ]
    return _case("search", parts)


@st.composite
def suggest_case(draw: st.DrawFn) -> Case:
    parts = [
        "suggest",
        draw(project),
        draw(usually("--coder", st.just("alice") | name)),
        draw(option("--transcript", st.just("P1_interview") | name)),
        draw(option("--leave-out", regex)),
        draw(switch("--include-interviewer")),
        draw(switch("--accept-all")),
        draw(st.one_of(st.just([]), st.tuples(regex, name).map(lambda pc: ["--by-speaker", *pc]))),
    ]
    return _case("suggest", parts)


@st.composite
def pseudonyms_case(draw: st.DrawFn) -> Case:
    action = draw(st.sampled_from(["add", "suggest", "list", "confirm", "remove", "report"]))
    need = {"add": 2, "confirm": 1, "remove": 1}.get(action, 0)
    parts = [
        "pseudonyms",
        action,
        draw(project),
        *draw(st.lists(name, min_size=need, max_size=need) | st.lists(name, max_size=3)),
        draw(option("--limit", integer)),
        draw(switch("--add")),
        draw(option("--replacement", name)),
        draw(option("--actor", name)),
    ]
    return _case(f"pseudonyms {action}", parts)


@st.composite
def freq_case(draw: st.DrawFn) -> Case:
    out = draw(st.one_of(st.none(), outputs(".csv"), outputs(".xlsx")))
    parts = [
        "freq",
        draw(project),
        draw(option("--by", st.sampled_from(["transcript", "theme", "role", "years"]) | name)),
        draw(option("--coder", st.sampled_from(["consensus", "alice"]) | name)),
        draw(option("--top", integer)),
        draw(switch("--include-interviewer")),
        draw(option("--format", st.sampled_from(["table", "csv"]))),
        [] if out is None else ["-o", out],
    ]
    return _case("freq", parts, out)


FORMAT_CHOICES = st.sampled_from(["table", "csv", "json", "xml"])


@st.composite
def retrieve_case(draw: st.DrawFn) -> Case:
    parts = [
        "retrieve",
        draw(project),
        draw(code),
        draw(option("--coder", st.sampled_from(["alice", "bob", "consensus"]) | name)),
        draw(option("--where", st.sampled_from(["role=teacher", "=", "nokey", "role=", "a=b=c"]) | name)),
        draw(switch("--only")),
        draw(option("--format", FORMAT_CHOICES)),
    ]
    return _case("retrieve", parts)


@st.composite
def memos_case(draw: st.DrawFn) -> Case:
    parts = [
        "memos",
        draw(project),
        draw(option("--code", code)),
        draw(option("--author", st.sampled_from(["alice", "bob"]) | name)),
        draw(option("--transcript", st.just("P1_interview") | name)),
        draw(option("--grep", name)),
        draw(option("--set", name)),
        draw(option("--format", FORMAT_CHOICES)),
    ]
    return _case("memos", parts)


@st.composite
def journal_case(draw: st.DrawFn) -> Case:
    action = draw(st.sampled_from(["add", "list", "remove"]))
    parts = [
        "journal",
        draw(project),
        action,
        *draw(st.lists(name, max_size=2)),
        draw(option("--author", st.just("carol") | name)),
        draw(option("-m", name)),
        draw(option("--format", FORMAT_CHOICES)),
    ]
    return _case("journal", parts)


@st.composite
def log_case(draw: st.DrawFn) -> Case:
    parts = [
        "log",
        draw(project),
        draw(
            option(
                "--since", st.sampled_from(["2026-01-01", "2026-13-01", "yesterday", "2026-01-01T10:00Z", ""]) | name
            )
        ),
        draw(option("--actor", st.sampled_from(["qualcode", "alice"]) | name)),
        draw(option("--format", FORMAT_CHOICES)),
    ]
    return _case("log", parts)


@st.composite
def compare_case(draw: st.DrawFn) -> Case:
    parts = [
        "compare",
        draw(project),
        draw(st.just("P1_interview") | name),
        draw(usually("--coders", st.just("alice"))),
        *draw(st.lists(st.sampled_from(["bob", "alice", "consensus"]) | name, max_size=1)),
        draw(switch("--differences")),
        draw(option("--format", FORMAT_CHOICES)),
    ]
    return _case("compare", parts)


STRATEGIES: dict[str, st.SearchStrategy[Case]] = {
    "init": init_case(),
    "import": import_case(),
    "participants": participants_case(),
    "codebook": codebook_case(),
    "codings": codings_case(),
    "handout": handout_case(),
    "merge": merge_case(),
    "agree": agree_case(),
    "done": done_case(),
    "interviewers": interviewers_case(),
    "export": export_case(),
    "search": search_case(),
    "suggest": suggest_case(),
    "pseudonyms": pseudonyms_case(),
    "freq": freq_case(),
    "retrieve": retrieve_case(),
    "memos": memos_case(),
    "journal": journal_case(),
    "log": log_case(),
    "compare": compare_case(),
}
"""A strategy per command group of ``qualcode --help`` (less the terminal ones)."""


# -- the project and its hostile neighbours ------------------------------------------------------------------


def build_base(folder: Path) -> Path:
    """The workspace every example starts from: a coded project and hostile files beside it."""
    from qualcode.cli import main
    from qualcode.core.store import Store

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "small.yaml").write_text(SMALL_CODEBOOK, encoding="utf-8")
    (folder / "P1_interview.txt").write_text(TRANSCRIPT, encoding="utf-8")
    (folder / "P2_accents.txt").write_text(ACCENTS, encoding="utf-8")
    (folder / "spans.csv").write_text(SPANS_CSV, encoding="utf-8")
    bob_spans = folder / "bob-spans.csv"
    bob_spans.write_text(BOB_SPANS_CSV, encoding="utf-8")
    (folder / "participants.csv").write_text("id,role,years\nP1,teacher,12\n", encoding="utf-8")
    (folder / "codings.csv").write_text(
        "transcript,segment,code,memo\nP1_interview,2,Workload,a memo\nP1_interview,4,Time pressure,\n",
        encoding="utf-8",
    )
    bob = folder / "bob.csv"
    bob.write_text("transcript,segment,code\nP1_interview,2,Workload\nP1_interview,6,Success factors\n")
    study = str(folder / "study.qc")
    setup = [
        ["init", study, "--codebook", str(folder / "small.yaml")],
        ["import", study, str(folder / "P1_interview.txt"), str(folder / "P2_accents.txt")],
        ["participants", study, str(folder / "participants.csv")],
        ["codings", "import", study, str(folder / "codings.csv"), "--coder", "alice"],
        ["codings", "import", study, str(folder / "spans.csv"), "--coder", "alice"],
        ["codings", "import", study, str(bob), "--coder", "bob"],
        ["codings", "import", study, str(bob_spans), "--coder", "bob"],
        ["codings", "import", study, str(bob), "--coder", "consensus"],
        ["pseudonyms", "add", study, "Tuesdays", "[day]"],
        ["handout", study, "--coder", "alice", "-o", str(folder / "coder.qc")],
        ["export", "qdpx", study, "-o", str(folder / "study.qdpx")],
        ["export", "qdc", study, "-o", str(folder / "study.qdc")],
    ]
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        for argv in setup:
            assert main(argv) == 0, argv
    bob.unlink()
    bob_spans.unlink()
    with Store(study) as store:
        assert {c: len(store.codings.spans(c)) for c in ("alice", "bob")} == {"alice": 7, "bob": 3}
    for empty in ("empty.txt", "empty.csv", "empty.yaml"):
        (folder / empty).write_bytes(b"")
    (folder / "binary.bin").write_bytes(bytes(range(256)) * 4)
    (folder / "binary.txt").write_bytes(b"\x00\xff\xfe" * 100)
    for bom in ("bom.txt", "bom.csv", "bom.yaml"):
        (folder / bom).write_bytes(b"\xef\xbb\xbf")
    (folder / "odd\x01name.txt").write_text("P1: odd name\n", encoding="utf-8")
    plain = sqlite3.connect(folder / "notqc.qc")
    plain.execute("CREATE TABLE t (x)")
    plain.close()
    (folder / "folder").mkdir()
    (folder / "folder" / "inside.txt").write_text("P1: in a folder\n", encoding="utf-8")
    (folder / "link.qc").symlink_to("study.qc")
    (folder / "dangling").symlink_to("missing/none")
    return folder


PROJECT_FILES = ("study.qc", "coder.qc")
"""The qualcode projects in the workspace, compared by content: the study and a coder's hand-out."""


def _make_null(path: Path) -> None:
    """A character device like /dev/null inside the workspace.

    As root, a command that replaced its output target would replace the real
    /dev/null; a device of our own shows the same mistake harmlessly. Without
    the right to make devices, a symlink to /dev/null stands in (safe then: an
    ordinary user cannot replace anything in /dev).
    """
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except OSError:
        path.symlink_to("/dev/null")


def snapshot(folder: Path) -> dict[str, tuple[str, str]]:
    """Every entry under ``folder``: its kind and content (a file's hash, a link's target)."""
    entries: dict[str, tuple[str, str]] = {}
    for root, dirs, files in os.walk(folder):
        for entry in [*dirs, *files]:
            path = Path(root) / entry
            rel = str(path.relative_to(folder))
            mode = path.lstat().st_mode
            if stat.S_ISLNK(mode):
                entries[rel] = ("link", os.readlink(path))
            elif stat.S_ISDIR(mode):
                entries[rel] = ("dir", "")
            elif stat.S_ISREG(mode):
                entries[rel] = ("file", hashlib.sha1(path.read_bytes()).hexdigest())
            else:
                entries[rel] = ("device" if stat.S_ISCHR(mode) else "other", str(path.lstat().st_rdev))
    return entries


@dataclass
class Outcome:
    """What one command did: ``exit 0``, ``exit 2``, ``usage`` (argparse refused it) or a failure."""

    case: Case
    kind: str
    failure: str | None = None
    stderr: str = ""
    seconds: float = 0.0


@contextlib.contextmanager
def _inside(folder: Path) -> Iterator[None]:
    here = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(here)


def _allowed(rel: str, target: str | None) -> bool:
    """Whether a new or changed entry is the command's output target (or inside it, or SQLite's companion)."""
    if target is None or not target:
        return False
    target = os.path.normpath(target)
    return rel == target or rel.startswith(target + os.sep) or rel in (f"{target}-wal", f"{target}-shm")


def run_case(base: Path, case: Case, scratch: Path) -> Outcome:
    """Run one command line in a fresh copy of ``base`` and check the promise; never raises for a broken one."""
    from qualcode.cli import build_parser, main

    workspace = Path(tempfile.mkdtemp(dir=scratch))
    shutil.copytree(base, workspace, symlinks=True, dirs_exist_ok=True)
    _make_null(workspace / "null")
    for rel, data in case.files:
        (workspace / rel).write_bytes(data)
    projects_before = {rel: dump(workspace / rel) for rel in PROJECT_FILES}
    before = snapshot(workspace)
    out, err = io.StringIO(), io.StringIO()
    argv = list(case.argv)
    status: int | None = None
    crashed = ""
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    try:
        with (
            _inside(workspace),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
            warnings.catch_warnings(record=True) as caught,
        ):
            warnings.simplefilter("always")
            try:
                build_parser().parse_args(argv)
            except SystemExit as e:
                status = -1 if e.code == 2 else int(e.code or 0)
            else:
                try:
                    status = main(argv)
                except SystemExit as e:
                    crashed = f"SystemExit({e.code}) after argparse accepted the arguments"
                except BaseException as e:  # noqa: BLE001 - any escape is the finding
                    crashed = "".join(traceback.format_exception_only(type(e), e)).strip().splitlines()[-1]
                    crashed = (
                        f"{crashed} (at {traceback.extract_tb(e.__traceback__)[-1].filename.split('/qualcode/')[-1]}"
                    )
                    crashed += f":{traceback.extract_tb(e.__traceback__)[-1].lineno})"
        seconds = time.perf_counter() - started
        shown = [
            w
            for w in caught
            if not issubclass(
                w.category, (DeprecationWarning, PendingDeprecationWarning, ImportWarning, ResourceWarning)
            )
        ]
        stderr = err.getvalue() + "".join(f"{w.category.__name__}: {w.message}\n" for w in shown)
        outcome = Outcome(case, "", None, stderr, seconds)
        outcome.kind, outcome.failure = _judge(case, status, crashed, out.getvalue(), stderr, seconds)
        if outcome.failure is None:
            outcome.failure = _judge_files(case, workspace, before, projects_before, outcome.kind)
        growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
        if outcome.failure is None and growth > MEMORY_GROWTH_KIB:
            outcome.failure = f"peak memory grew by {growth // 1024} MiB"
        if outcome.failure is not None:
            outcome.kind = "failure"
        return outcome
    finally:
        shutil.rmtree(workspace, ignore_errors=True)


def _judge(
    case: Case, status: int | None, crashed: str, stdout: str, stderr: str, seconds: float
) -> tuple[str, str | None]:
    """The outcome's kind, and what broke the promise (None when nothing did)."""
    if crashed:
        return "failure", crashed
    if "Traceback" in stdout or "Traceback" in stderr:
        return "failure", "a traceback was printed"
    if seconds > LIMIT_S:
        return "failure", f"took {seconds:.1f} s"
    # A terminal starts a line at a line feed or a carriage return (other separators it prints in place).
    lines = stderr.replace("\r", "\n").rstrip("\n").split("\n") if stderr.strip("\r\n") else []
    if status == -1:
        # argparse: its usage (which may wrap over several lines), then one "qualcode …: error: …" line.
        # (argparse quotes a bad value as given, so a value with a line break spreads the error line over two).
        if not lines or not lines[0].startswith("usage: qualcode") or not any(": error: " in x for x in lines):
            return "failure", f"argparse refused it without its usage and error lines: {stderr!r}"
        return "usage", None
    if status == 0:
        odd = [line for line in lines if not line.startswith(NOTES)]
        if odd:
            return "failure", f"exit 0 with stderr lines that are not notes: {odd[:2]!r}"
        return "exit 0", None
    if status == 2:
        if len(lines) != 1:
            return "failure", f"exit 2 with {len(lines)} lines on stderr: {stderr[:300]!r}"
        return "exit 2", None
    return "failure", f"exit status {status}: {stderr.strip()[:300]!r}"


def _judge_files(
    case: Case, workspace: Path, before: dict[str, tuple[str, str]], projects_before: dict[str, list[str]], kind: str
) -> str | None:
    """What the command wrote that it should not have; None when it kept to its target."""
    after = snapshot(workspace)
    worked_on = None
    if case.project:
        real = Path(os.path.realpath(workspace / case.project))
        worked_on = str(real.relative_to(workspace.resolve())) if real.is_relative_to(workspace.resolve()) else None
    for rel, entry in sorted(after.items()):
        if before.get(rel, ("",))[0] == "device" and entry[0] != "device":
            return f"replaced the device {rel!r} with a {entry[0]}"
        if before.get(rel) == entry or kind == "exit 0" and (_allowed(rel, case.target) or rel == worked_on):
            continue
        if rel in projects_before and entry[0] == "file":
            continue  # compared by content below: SQLite may rewrite a page without changing what it holds
        return f"{'changed' if rel in before else 'new'} {rel!r} ({entry[0]}) beside target {case.target!r}"
    gone = sorted(set(before) - set(after))
    if gone:
        return f"removed {gone[0]!r}"
    for rel, content in projects_before.items():
        if (kind != "exit 0" or rel != worked_on) and dump(workspace / rel) != content:
            return f"{rel} changed although " + ("the command failed" if kind != "exit 0" else "it is not the project")
    if worked_on in PROJECT_FILES:
        return _odd_names(workspace / worked_on)
    return None


def _odd_names(path: Path) -> str | None:
    """A coder or code whose name is empty, padded or holds control characters: hostile input taken silently."""
    db = sqlite3.connect(path)
    try:
        names = db.execute("SELECT 'coder', name FROM coders UNION ALL SELECT 'code', name FROM codes").fetchall()
    finally:
        db.close()
    for kind, value in names:
        if not value or value != value.strip() or not value.isprintable():
            return f"a {kind} named {value!r} was stored"
    return None


# -- the tests --------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_base(tmp_path_factory.mktemp("commands") / "base")


@pytest.fixture(scope="module")
def scratch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("examples")


EXAMPLES = {"export": 120, "codebook": 100, "pseudonyms": 80, "codings": 80}
"""Examples per command group; the groups with most sub-commands get more (the whole suite takes about half a minute)."""


@pytest.mark.parametrize("command", sorted(STRATEGIES))
def test_command_keeps_the_promise(command: str, base: Path, scratch: Path) -> None:
    @settings(
        max_examples=EXAMPLES.get(command, 60),
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    @given(case=STRATEGIES[command])
    def check(case: Case) -> None:
        outcome = run_case(base, case, scratch)
        assert outcome.failure is None, f"{list(case.argv)!r}: {outcome.failure}"

    check()


def test_the_checks_catch_a_broken_promise(base: Path, scratch: Path) -> None:
    """The judge itself: a multi-line error, a stray file and a changed project are each caught."""
    assert _judge(Case("x", ()), 2, "", "", "one\ntwo\n", 0.1)[1] is not None
    assert _judge(Case("x", ()), 1, "", "", "one\n", 0.1)[1] is not None
    assert _judge(Case("x", ()), 0, "", "Traceback (most recent call last)", "", 0.1)[1] is not None
    workspace = Path(tempfile.mkdtemp(dir=scratch))
    shutil.copytree(base, workspace, symlinks=True, dirs_exist_ok=True)
    before = snapshot(workspace)
    projects = {rel: dump(workspace / rel) for rel in PROJECT_FILES}
    (workspace / "stray.csv").write_text("x")
    judged = _judge_files(Case("x", (), "out.csv", "study.qc"), workspace, before, projects, "exit 0")
    assert "new 'stray.csv'" in (judged or "")
    (workspace / "stray.csv").unlink()
    db = sqlite3.connect(workspace / "study.qc")
    db.execute("DELETE FROM pseudonyms")
    db.commit()
    db.close()
    assert _judge_files(Case("x", (), None, "study.qc"), workspace, before, projects, "exit 2") == (
        "study.qc changed although the command failed"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["codings", "export", "study.qc", "null", "--coder", "alice"],
        ["codebook", "export", "study.qc", "null"],
        ["export", "graphml", "study.qc", "-o", "null"],
    ],
    ids=lambda a: " ".join(a[:2]),
)
def test_a_device_named_as_output_is_not_replaced(base: Path, scratch: Path, argv: list[str]) -> None:
    """Run as root, renaming over a device would replace /dev/null itself: it is refused instead."""
    probe = scratch / "device-probe"
    _make_null(probe)
    is_device = stat.S_ISCHR(probe.lstat().st_mode)
    probe.unlink()
    if not is_device:
        pytest.skip("making a device in a folder needs root (CAP_MKNOD); without it the output is a symlink")
    outcome = run_case(base, Case(" ".join(argv[:2]), tuple(argv), "null", "study.qc"), scratch)
    assert outcome.failure is None, outcome.failure
