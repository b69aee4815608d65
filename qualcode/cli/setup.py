"""Setting a study up: init, import, participants, the codebook, codings CSV."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from qualcode.cli._io import coder_name, err, open_project, out, progress_bar
from qualcode.core.errors import BadInput
from qualcode.core.model import UNITS

if TYPE_CHECKING:
    from qualcode.core.project import Project


def cmd_init(args: argparse.Namespace) -> int:
    from qualcode.core.project import Project

    with Project.create(args.project, lang=args.lang, codebook=args.codebook, unit=args.unit) as project:
        n = len(project.codebook())
    out(f"created {args.project} (language {args.lang}, {n} codes in the codebook)")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    if args.project == "qdpx" and not Path("qdpx").exists():
        return _import_qdpx(args)
    if args.output:
        raise BadInput("-o is for 'qualcode import qdpx FILE.qdpx -o STUDY.qc'", where="-o")
    with open_project(args.project) as project:
        with progress_bar(len(args.files)) as progress:
            reports, skipped = project.import_files(
                args.files,
                unit=args.unit,
                participant=args.participant,
                replace=args.replace,
                speaker_pattern=args.speaker_pattern,
                progress=progress,
            )
    for note in skipped:
        err(f"skipped {note}")
    for r in reports:
        speakers = ", ".join(r.speakers) or "none found"
        notes = "".join(f"; {n}" for n in r.notes)
        out(
            f"{r.status:9} {r.transcript}: participant {r.participant or '-'}, {r.segments} segments, "
            f"{r.words} words, speakers: {speakers}{notes}"
        )
    return 0


def _import_qdpx(args: argparse.Namespace) -> int:
    from qualcode.core.project import Project

    if len(args.files) != 1 or not args.output:
        raise BadInput("give one file and the project to create: qualcode import qdpx FILE.qdpx -o STUDY.qc")
    project, result = Project.import_qdpx(args.files[0], args.output, lang=args.lang or "en", unit=args.unit)
    project.close()
    if args.format == "json":
        import json

        out(json.dumps({"created": str(args.output), "from": str(args.files[0]), **result.to_dict()}, indent=2))
    else:
        out(f"created {args.output} from {args.files[0]}: {result.describe()}")
    return 0


def cmd_participants(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        ids = project.attach_participants(args.csv)
        people = {p.id: p for p in project.participants()}
    for pid in ids:
        attrs = ", ".join(f"{k}={v!r}" for k, v in people[pid].attributes.items())
        out(f"{pid}: {attrs}")
    return 0


def cmd_interviewers(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        if args.names or args.default:
            project.set_interviewers([] if args.default else args.names)
        names = project.interviewers()
    for name in names:
        out(name)
    return 0


def cmd_codebook(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        if args.action == "load":
            if not args.file:
                raise BadInput("name the codebook file to load", where="codebook load")
            counts = project.load_codebook(args.file)
            out(
                f"codebook loaded: {counts['added']} added, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged, {counts['removed']} removed"
                + (f"; {counts['groups']} code groups" if "groups" in counts else "")
            )
            return 0
        if args.action in ("rename", "move", "merge", "delete"):
            return _edit_codebook(project, args)
        book = project.codebook()
        fmt = args.format or ("yaml" if args.action == "export" else "tree")
        if args.action == "export" and args.file:
            project.export_codebook(args.file, fmt)
            out(f"wrote {len(book)} codes to {args.file}")
        else:
            text = {"tree": book.render_tree, "json": book.to_json, "yaml": book.to_yaml}[fmt]()
            out(text.rstrip("\n"))
    return 0


def _edit_codebook(project: Project, args: argparse.Namespace) -> int:
    values = args.values
    need = {"rename": 2, "move": 2, "merge": 2, "delete": 1}[args.action]
    if len(values) != need:
        usage = {
            "rename": "CODE NEW_NAME",
            "move": "CODE NEW_PARENT (or - for a theme)",
            "merge": "CODE INTO_CODE",
            "delete": "CODE",
        }[args.action]
        raise BadInput(f"expected {usage}", where=f"codebook {args.action}")
    actor = args.actor
    if args.action == "rename" and not (values[1].strip() and values[1].isprintable()):
        # A line break or an escape sequence in a name would break the tree, the tables and the terminal.
        raise BadInput("a code's name must be printable text on one line", where=values[1])
    if args.action == "rename":
        project.rename_code(values[0], values[1], actor=actor)
        out(f"renamed {values[0]} to {values[1]}")
    elif args.action == "move":
        project.move_code(values[0], None if values[1] == "-" else values[1], actor=actor)
        out(f"moved {values[0]}")
    elif args.action == "merge":
        n = project.merge_codes(values[0], values[1], actor=actor)
        out(f"merged {values[0]} into {values[1]} ({n} codings moved)")
    else:
        n = project.delete_code(values[0], force=args.force, actor=actor)
        out(f"deleted {values[0]} ({n} codings removed)")
    return 0


def cmd_codings(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        if args.action == "import":
            coder = coder_name(args.coder)
            n = project.import_codings(args.file, coder, replace=args.replace)
            out(f"{n} codings added for {coder}")
        else:
            n = project.export_codings(args.file, args.coder)
            out(f"wrote {n} rows for {args.coder} to {args.file}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("init", help="create a project file")
    p.add_argument("project", help="the project file to create, e.g. study.qc")
    p.add_argument("--lang", default="en", help="language of the transcripts (en, nb, ...)")
    p.add_argument(
        "--codebook", help="a codebook file (.yaml, .json or .qdc), or a bundled codebook by name (back2school)"
    )
    p.add_argument("--unit", default="turn", choices=UNITS, help="default unit of coding for imports")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "import", help="import transcripts (.txt .md .docx .odt .vtt .srt), or 'import qdpx FILE -o STUDY.qc'"
    )
    p.add_argument("project")
    p.add_argument("files", nargs="+", help="transcript files")
    p.add_argument("--unit", choices=UNITS, help="unit of coding (default: the project's)")
    p.add_argument("--participant", help="participant id for these files (default: from the file name or speakers)")
    p.add_argument("--replace", action="store_true", help="replace a transcript of the same name whose text changed")
    p.add_argument("--speaker-pattern", help="regular expression with a group (?P<speaker>...) that starts a turn")
    p.add_argument("-o", "--output", help="with 'import qdpx FILE': the project file to create")
    p.add_argument("--lang", help="with 'import qdpx FILE': the language of the texts (default en)")
    p.add_argument(
        "--format", choices=["text", "json"], default="text", help="with 'import qdpx FILE': the summary's form"
    )
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("participants", help="attach participant attributes from a CSV with an id column")
    p.add_argument("project")
    p.add_argument("csv")
    p.set_defaults(func=cmd_participants)

    p = sub.add_parser("interviewers", help="the speaker names taken as the interviewer's (show, or set)")
    p.add_argument("project")
    p.add_argument("names", nargs="*", metavar="NAME", help="the names to use from now on (none: show them)")
    p.add_argument("--default", action="store_true", help="go back to the default list")
    p.set_defaults(func=cmd_interviewers)

    p = sub.add_parser("codebook", help="load, show, export or edit the codebook")
    p.add_argument("action", choices=["load", "show", "export", "rename", "move", "merge", "delete"])
    p.add_argument("project")
    p.add_argument(
        "file",
        nargs="?",
        help="codebook file (or bundled codebook name) to load, or file to export to (default: print)",
    )
    p.add_argument("values", nargs="*", help=argparse.SUPPRESS)
    p.add_argument("--format", choices=["tree", "json", "yaml"])
    p.add_argument("--actor", default="lead", help="who makes an edit, for the audit log")
    p.add_argument("--force", action="store_true", help="delete a code even though it is applied")
    p.set_defaults(func=cmd_codebook)

    p = sub.add_parser("codings", help="import or export a coder's codings as CSV")
    p.add_argument("action", choices=["import", "export"])
    p.add_argument("project")
    p.add_argument("file", help="CSV: transcript,segment,code[,memo]")
    p.add_argument("--coder", required=True)
    p.add_argument("--replace", action="store_true", help="on import, drop the coder's earlier codings first")
    p.set_defaults(func=cmd_codings)
