"""The researcher's tools beside coding: retrieval of a code's passages, memos, the journal, the audit log."""

from __future__ import annotations

import argparse
import csv
import io
import json
from typing import Any

from qualcode.cli._io import open_project, out
from qualcode.core.errors import BadInput
from qualcode.core.formats import parse_where

FORMATS = ["table", "csv", "json"]


def _write(rows: list[dict[str, Any]], fmt: str, table: list[str], summary: str, publish: Any) -> None:
    """Rows as the table's lines (``table``, already formatted) and a summary, as CSV, or as JSON.

    CSV and JSON are for readers outside the team too: they pass the publication boundary (``publish``),
    as the search command's do; the table is the team's own view, as the workbench shows it.
    """
    if fmt == "json":
        out(json.dumps([publish.value(r) for r in rows], ensure_ascii=False, indent=1))
        return
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        if rows:
            writer.writerow(rows[0].keys())
            for row in rows:
                writer.writerow([publish.text(str(v)) for v in row.values()])
        out(buffer.getvalue().rstrip("\n"))
        return
    for line in table:
        out(line)
    out(summary)


def _one_line(text: str, width: int) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"


def cmd_retrieve(args: argparse.Namespace) -> int:
    from qualcode.core.retrieval import by_coder

    with open_project(args.project) as project:
        passages = project.retrieve(
            args.code, coder=args.coder, where=dict(parse_where(args.where)) or None, below=not args.only
        )
        publish = project.publication()
    counts = ", ".join(f"{c} {n}" for c, n in sorted(by_coder(passages).items()))
    lines = [
        f"{p.participant or '—':<5} {p.transcript} #{p.segment:<4} {p.coder:<8} {p.code.rsplit('/', 1)[-1]}: "
        f"{_one_line(p.text, 90)}{' *' if p.starred else ''}"
        for p in passages
    ]
    summary = f"{len(passages)} passages" + (f" ({counts})" if counts else "")
    _write([p.as_dict() for p in passages], args.format, lines, summary, publish)
    return 0


def cmd_memos(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        if args.set is not None:
            if not args.code or not args.author:
                raise BadInput("name the code and the author of its memo: --code CODE --author NAME", where="--set")
            project.set_code_memo(args.code, args.author, args.set)
            out(f"memo on {args.code} by {args.author} {'saved' if args.set.strip() else 'removed'}")
            return 0
        found = project.memos(author=args.author, code=args.code, transcript=args.transcript, containing=args.grep)
        publish = project.publication()
    lines = [
        (
            f"{m.author:<8} code {m.code}: {_one_line(m.text, 90)}"
            if m.kind == "code"
            else f"{m.author:<8} {m.transcript} #{m.segment:<4} {m.kind:<7} {_one_line(m.text, 80)}"
            + (f"  [{m.code}]" if m.code else "")
        )
        for m in found
    ]
    _write([m.as_dict() for m in found], args.format, lines, f"{len(found)} memos", publish)
    return 0


def cmd_journal(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        if args.action == "add":
            text = " ".join([*args.text, *([args.message] if args.message else [])])
            if not text.strip():
                raise BadInput("give the entry's text: qualcode journal STUDY add --author NAME -m TEXT", where="add")
            entry = project.journal_add(args.author or "", text)
            out(f"{entry.at} {entry.author}: added")
            return 0
        entries = project.journal(args.author)
        publish = project.publication()
    lines = [f"{e.at[:16].replace('T', ' ')}  {e.author}: {e.text}" for e in entries]
    rows = [{"at": e.at, "author": e.author, "text": e.text} for e in entries]
    _write(rows, args.format, lines, f"{len(entries)} entries", publish)
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    a, b = args.coders
    with open_project(args.project) as project:
        rows = project.side_by_side(a, b, args.transcript)
        publish = project.publication()
    shown = [r for r in rows if not (args.differences and r.same)]
    width = max([len(a), *(len(", ".join(r.codes_a)) for r in shown)], default=len(a))
    lines = [f"{'':5} {a:<{width}}   {b}"] + [
        f"#{r.ordinal:<4} {', '.join(r.codes_a) or '—':<{width}} {' ' if r.same else '≠'} {', '.join(r.codes_b) or '—'}"
        for r in shown
    ]
    differ = sum(1 for r in rows if not r.same)
    data = [
        {
            "segment": r.ordinal,
            "speaker": r.speaker or "",
            a: "; ".join(r.codes_a),
            b: "; ".join(r.codes_b),
            "same": r.same,
            "text": r.text,
        }
        for r in shown
    ]
    _write(data, args.format, lines, f"{differ} of {len(rows)} segments coded differently", publish)
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    from qualcode.core.audit_log import as_dict, describe

    with open_project(args.project) as project:
        entries = project.log(since=args.since, actor=args.actor)
        publish = project.publication()
    lines = [f"{e.at[:19].replace('T', ' ')}  {e.actor:<10} {describe(e)}" for e in entries]
    _write([as_dict(e) for e in entries], args.format, lines, f"{len(entries)} entries", publish)
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("retrieve", help="every passage coded with a code (and the codes under it)")
    p.add_argument("project")
    p.add_argument("code", help="the code's path, unique name or id")
    p.add_argument("--coder", help="only this coder's passages (default: every coder's, side by side)")
    p.add_argument("--where", action="append", help="only participants with ATTRIBUTE=VALUE (repeatable)")
    p.add_argument("--only", action="store_true", help="the code itself, not the codes under it")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(func=cmd_retrieve)

    p = sub.add_parser("memos", help="every memo, by code, transcript or author; or write a code's memo")
    p.add_argument("project")
    p.add_argument("--code", help="memos on this code (and the codes under it) or on passages coded with it")
    p.add_argument("--author", help="only this coder's memos")
    p.add_argument("--transcript", help="only memos in this transcript")
    p.add_argument("--grep", help="only memos whose text holds this (any case)")
    p.add_argument("--set", metavar="TEXT", help="with --code and --author: write that coder's memo on the code")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(func=cmd_memos)

    p = sub.add_parser("journal", help="the project's journal: dated entries by author")
    p.add_argument("project")
    p.add_argument("action", choices=["add", "list"])
    p.add_argument("text", nargs="*", help="with add: the entry (or give it with -m after the options)")
    p.add_argument("-m", "--message", help="with add: the entry")
    p.add_argument("--author", help="who writes (add), or whose entries (list)")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(func=cmd_journal)

    p = sub.add_parser("compare", help="two coders' codes side by side on each segment of a transcript")
    p.add_argument("project")
    p.add_argument("transcript")
    p.add_argument("--coders", nargs=2, required=True, metavar=("A", "B"))
    p.add_argument("--differences", action="store_true", help="only the segments they coded differently")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("log", help="the audit log: codebook changes, merges, decisions, pseudonyms, with who and when")
    p.add_argument("project")
    p.add_argument("--since", help="from this date (2026-03-01) or time (2026-03-01T14:00) on")
    p.add_argument("--actor", help="only what this person did")
    p.add_argument("--format", choices=FORMATS, default="table")
    p.set_defaults(func=cmd_log)
