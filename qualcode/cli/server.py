"""``qualcode server …``: a team's study on a PostgreSQL server, set up, moved there and back, its coders."""

from __future__ import annotations

import argparse

from qualcode.cli._io import out

URL_HELP = "the study's URL, postgresql://USER@HOST[:PORT]/DATABASE (the password: ~/.pgpass or PGPASSWORD)"


def cmd_init(args: argparse.Namespace) -> int:
    from qualcode.core.team_server import init

    init(args.url, study=args.study, lead=args.lead, lang=args.lang, codebook=args.codebook, unit=args.unit).close()
    out(f"set up study '{args.study.strip()}' at {args.url} with lead {args.lead.strip()}; blinded until unblind")
    out(f"next: qualcode server coder add {args.url} NAME, then qualcode import {args.url} FILES …")
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    import time

    from qualcode.core.team_server import push

    started = time.perf_counter()
    counts = push(args.project, args.url, lead=args.lead, replace=args.replace)
    out(
        f"pushed {args.project} to {args.url} in {time.perf_counter() - started:.1f} s: "
        f"{counts['transcripts']} transcripts, {counts['segments']} segments, {counts['codings']} codings, "
        f"{counts['spans']} passages, {counts['memos']} memos"
    )
    return 0


def cmd_pull(args: argparse.Namespace) -> int:
    from qualcode.core.team_server import pull

    counts = pull(args.url, args.output)
    out(
        f"wrote {args.output}: {counts['transcripts']} transcripts, {counts['codings']} codings, "
        f"{counts['spans']} passages, {counts['memos']} memos (what your role may read, as of now)"
    )
    return 0


def cmd_coder(args: argparse.Namespace) -> int:
    from qualcode.core import team_server
    from qualcode.core.errors import BadInput

    if args.verb != "list" and not args.names:
        raise BadInput(f"name the coders to {args.verb}, e.g. qualcode server coder {args.verb} URL alice")
    if args.verb == "add":
        for name in args.names:
            new = team_server.add_coder(args.url, name)
            out(f"{name.strip()} codes this study{'' if new else ' (already did)'}; they log in as {name.strip()}")
    elif args.verb == "remove":
        for name in args.names:
            team_server.remove_coder(args.url, name)
            out(f"{name.strip()} no longer codes this study; their codings stay in it")
    else:
        status = team_server.status(args.url)
        for role, kind in status.members:
            out(f"{role}\t{kind}\t{status.codings.get(role, 0)} codings")
    return 0


def cmd_unblind(args: argparse.Namespace) -> int:
    from qualcode.core.team_server import unblind

    unblind(args.url)
    out(f"{args.url}: blinding ended; coders may read each other's codings from now on")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from qualcode.core.team_server import status

    s = status(args.url)
    out(f"study {s.study} at {s.url} (schema {s.schema}): {'blinded' if s.blinded else 'unblinded'}")
    for role, kind in s.members:
        out(f"  {kind:5} {role}: {s.codings.get(role, 0)} codings")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    server = sub.add_parser("server", help="a team's study on a PostgreSQL server: init, push, pull, coders")
    actions = server.add_subparsers(dest="action", metavar="ACTION", required=True)

    p = actions.add_parser("init", help="set up a new study on the server, with its lead")
    p.add_argument("url", help=URL_HELP)
    p.add_argument("--study", required=True, help="the study's name")
    p.add_argument("--lead", required=True, help="the lead's PostgreSQL role (made when new)")
    p.add_argument("--lang", default="en")
    p.add_argument("--codebook", help="a codebook file to start from")
    p.add_argument("--unit", default="turn", help="how transcripts are split: turn, sentence or paragraph")
    p.set_defaults(func=cmd_init)

    p = actions.add_parser("push", help="move a project file onto the server with everything in it")
    p.add_argument("project", help="the project file")
    p.add_argument("url", help=URL_HELP)
    p.add_argument("--lead", help="the lead's role (needed when the database holds no study yet)")
    p.add_argument("--replace", action="store_true", help="replace the same study on the server with the file")
    p.set_defaults(func=cmd_push)

    p = actions.add_parser("pull", help="write a project file of the server study (archive, off-line, REFI-QDA)")
    p.add_argument("url", help=URL_HELP)
    p.add_argument("-o", "--output", required=True, help="the project file to write, e.g. snapshot.qc")
    p.set_defaults(func=cmd_pull)

    p = actions.add_parser("coder", help="add, remove or list the study's coders")
    p.add_argument("verb", choices=["add", "remove", "list"], metavar="add|remove|list")
    p.add_argument("url", help=URL_HELP)
    p.add_argument("names", nargs="*", metavar="NAME", help="coders' names (their PostgreSQL roles)")
    p.set_defaults(func=cmd_coder)

    p = actions.add_parser("unblind", help="end blinding: coders may read each other's work")
    p.add_argument("url", help=URL_HELP)
    p.set_defaults(func=cmd_unblind)

    p = actions.add_parser("status", help="the study's lead and coders, blinding, codings per coder")
    p.add_argument("url", help=URL_HELP)
    p.set_defaults(func=cmd_status)
