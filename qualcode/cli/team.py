"""Two coders and a lead: hand-out, merge, agreement, and the workbench and resolution screens."""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

from qualcode.cli._io import coder_name, err, open_project, out
from qualcode.core.errors import BadInput
from qualcode.core.model import CONSENSUS

MAX_BOOTSTRAP = 100_000
"""More resamples than this add nothing to a 95% interval and would take minutes and gigabytes."""


def cmd_handout(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        path = project.handout(args.coder, args.output)
    out(f"handed out {path} to {args.coder.strip()}: transcripts and codebook, no one else's codings")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        results = project.merge(args.files, replace=args.replace)
    if not results:
        out("nothing to merge: the files hold no codings or memos")
    for result in results:
        out(result.describe())
        for name, (added, removed) in result.per_transcript.items():
            out(f"  {name}: +{added} -{removed}")
    return 0


def bootstrap_count(value: int | None, default: int = 1000) -> int:
    """The number of bootstrap resamples asked for, within what is worth computing."""
    n = default if value is None else value
    if n < 0 or n > MAX_BOOTSTRAP:
        raise BadInput(
            f"the number of bootstrap resamples must be from 0 (no intervals) to {MAX_BOOTSTRAP:,}", where="--bootstrap"
        )
    return n


MAX_SEED = 2**64 - 1
"""The bootstrap's random generator takes a seed from 0 to this (numpy refuses negative seeds)."""


def cmd_agree(args: argparse.Namespace) -> int:
    if not 0 <= args.seed <= MAX_SEED:
        raise BadInput(f"the seed must be a whole number from 0 to {MAX_SEED}", where="--seed")
    if not (math.isfinite(args.threshold) and -1 <= args.threshold <= 1):
        raise BadInput("the kappa threshold must be a number from -1 to 1, e.g. 0.6", where="--threshold")
    levels = tuple(dict.fromkeys(level for item in args.by or ["code"] for level in item.split(",") if level))
    if len(args.coders) < 2:
        raise BadInput("name at least two coders to compare", where="--coders")
    with open_project(args.project) as project:
        common = {
            "include_interviewer": args.include_interviewer,
            "transcripts": args.transcripts,
            "where": [attribute_value(item) for item in args.where or []],
        }
        if len(args.coders) > 2:
            many = project.agreement_many(
                args.coders,
                by=levels,
                bootstrap=bootstrap_count(args.bootstrap),
                seed=args.seed,
                threshold=args.threshold,
                **common,
            )
            publish = project.publication()
            _print_report(many, args.format, publish)
            return 0
        result = project.agreement(
            args.coders[0],
            args.coders[1],
            by=levels,
            bootstrap=bootstrap_count(args.bootstrap),
            seed=args.seed,
            threshold=args.threshold,
            overlap=args.overlap,
            **common,
        )
        # CSV and JSON are tables for readers outside the team: they pass the publication boundary.
        publish = project.publication()
    _print_report(result, args.format, publish)
    return 0


def _print_report(result: Any, fmt: str, publish: Any) -> None:
    if fmt == "json":
        out(result.to_json(publish=publish))
    elif fmt == "csv":
        sys.stdout.write(result.to_csv(publish=publish))
    else:
        out(result.to_table())


def attribute_value(item: str) -> tuple[str, str]:
    """``role=teacher`` as (attribute, value)."""
    key, sep, value = item.partition("=")
    if not sep or not key.strip():
        raise BadInput("give a participant attribute and its value as ATTR=VALUE, e.g. role=teacher", where=item)
    return key.strip(), value.strip()


def cmd_done(args: argparse.Namespace) -> int:
    coder = coder_name(args.coder)
    if coder == CONSENSUS:
        raise BadInput("the consensus is not a coder who finishes transcripts", where="--coder")
    with open_project(args.project) as project:
        project.mark_done(coder, args.transcripts, done=not args.undo)
        done = project.done(coder)
    for name in done:
        out(name)
    return 0


def cmd_code(args: argparse.Namespace) -> int:
    if args.coder.strip() == CONSENSUS:
        raise BadInput("the consensus is written in the resolution screen; use 'qualcode resolve'", where="--coder")
    return _run_workbench(args.project, args.coder)


def cmd_demo(args: argparse.Namespace) -> int:
    from qualcode.core.demo import build_demo

    path = build_demo(args.dir, fresh=args.fresh)
    if args.no_tui:
        # The path alone on stdout, so scripts can take it: qualcode agree "$(qualcode demo --no-tui)" ...
        out(str(path))
        return 0
    err(f"demo project: {path}")
    return _run_workbench(str(path), args.coder)


def cmd_resolve(args: argparse.Namespace) -> int:
    from qualcode.tui.app import make_resolve_app

    make_resolve_app(args.project, args.coders[0], args.coders[1], args.lead).run()
    return 0


def _run_workbench(path: str, coder: str) -> int:
    from qualcode.tui.app import make_app

    make_app(path, coder).run()
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("handout", help="a copy of the project for one coder, without anyone else's codings")
    p.add_argument("project")
    p.add_argument("--coder", required=True)
    p.add_argument("-o", "--output", required=True, help="the coder's project file to write, e.g. alice.qc")
    p.set_defaults(func=cmd_handout)

    p = sub.add_parser("merge", help="bring coders' codings and memos from their files into the lead's project")
    p.add_argument("project", help="the lead's project file")
    p.add_argument("files", nargs="+", help="coders' project files (from handout)")
    p.add_argument("--replace", action="store_true", help="let a newer file replace a coder's earlier codings")
    p.set_defaults(func=cmd_merge)

    p = sub.add_parser("agree", help="agreement statistics of two coders (or a coder and the consensus)")
    p.add_argument("project")
    p.add_argument("--coders", nargs="+", required=True, metavar="CODER", help="two coders, or three or more")
    p.add_argument("--by", action="append", help="code, theme, transcript (repeat or comma-separate; default code)")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--bootstrap", type=int, help="bootstrap resamples for 95%% intervals (default 1000; 0 for none)")
    p.add_argument("--seed", type=int, default=1, help="seed of the bootstrap (default 1)")
    p.add_argument("--threshold", type=float, default=0.6, help="flag codes with Cohen's kappa below this")
    p.add_argument(
        "--overlap",
        type=float,
        default=0.9,
        help="span matching: the share of the longer span two codings must share (default 0.9)",
    )
    p.add_argument("--include-interviewer", action="store_true", help="compare the interviewer's turns too")
    p.add_argument("--transcripts", nargs="+", metavar="NAME", help="compare only these transcripts")
    p.add_argument(
        "--where",
        action="append",
        metavar="ATTR=VALUE",
        help="compare only transcripts of participants with this attribute value (repeat for several)",
    )
    p.set_defaults(func=cmd_agree)

    p = sub.add_parser("done", help="mark transcripts done for a coder (what agreement compares)")
    p.add_argument("project")
    p.add_argument("--coder", required=True)
    p.add_argument("transcripts", nargs="+", metavar="TRANSCRIPT", help="transcripts to mark; prints every one marked")
    p.add_argument("--undo", action="store_true", help="take the marks off again")
    p.set_defaults(func=cmd_done)

    p = sub.add_parser("code", help="the coding workbench (TUI) for one coder")
    p.add_argument("project")
    p.add_argument("--coder", required=True, help="whose codings to show and write")
    p.set_defaults(func=cmd_code)

    p = sub.add_parser("resolve", help="the lead's resolution of two coders' disagreements (TUI)")
    p.add_argument("project")
    p.add_argument("--coders", nargs=2, required=True, metavar=("A", "B"))
    p.add_argument("--lead", required=True, help="who decides, for the audit trail")
    p.set_defaults(func=cmd_resolve)

    p = sub.add_parser("demo", help="open the sample study (Back2School) in the workbench")
    p.add_argument("--coder", default="demo", help="coder name (default: demo)")
    p.add_argument("--dir", help="folder for the demo project (default: the user's data folder)")
    p.add_argument("--fresh", action="store_true", help="rebuild the demo project, dropping earlier codings")
    p.add_argument("--no-tui", action="store_true", help="build (or reuse) the demo project, print its path and exit")
    p.set_defaults(func=cmd_demo)
