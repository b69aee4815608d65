"""Tables for the paper and files for other tools: every format of the registry."""

from __future__ import annotations

import argparse

from qualcode.cli._io import err, open_project, out
from qualcode.cli.team import bootstrap_count
from qualcode.core.formats import FORMATS, TABLES, ExportOptions, format_named, parse_tables, parse_where
from qualcode.core.model import CONSENSUS


def cmd_export(args: argparse.Namespace) -> int:
    fmt = format_named(args.format)
    if args.tables and args.tables.strip() != "all":
        parse_tables(args.tables, fmt)  # a wrong table name is refused before the project is opened
    with open_project(args.project) as project:
        options = _options(args, project.export_tables(fmt.name, args.tables, agreement_named=bool(args.agreement)))
        # both coders' work is read once, for the tables' note and for the warning after them
        undecided = project.undecided() if fmt.tables and options.coder == CONSENSUS else []
        written = project.export(fmt.name, args.output, options, undecided=undecided)
        warnings = project.export_warnings(options, undecided)
    for path in written:
        out(f"wrote {path}")
    for warning in warnings:
        err(f"warning: {warning}")
    return 0


def _options(args: argparse.Namespace, tables: tuple[str, ...]) -> ExportOptions:
    return ExportOptions(
        tables=tables,
        coder=args.coder,
        level=args.level,
        cells=args.cells,
        group_by=args.group_by,
        where=parse_where(args.where),
        include_interviewer=args.include_interviewer,
        max_words=args.max_words,
        per_participant=args.per_participant,
        agreement_coders=tuple(args.agreement) if args.agreement else None,  # type: ignore[arg-type]
        bootstrap=bootstrap_count(args.bootstrap),
        csv_formulas_as_text=not args.raw_csv,
        paper=args.paper,
        template=args.template,
        strict=args.strict,
    )


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    kinds = "; ".join(f"{f.name}: {f.label}" for f in FORMATS.values())
    p = sub.add_parser("export", help="tables for the paper and files for other tools", description=kinds)
    p.add_argument("format", choices=list(FORMATS))
    p.add_argument("project")
    p.add_argument("-o", "--output", required=True, help="file to write (csv: a folder, or a .csv for one table)")
    p.add_argument(
        "--tables",
        help=f"comma-separated: {', '.join(TABLES)}, or all (default theme,matrix,quotes,codebook; "
        "docx: all once two coders have codings)",
    )
    p.add_argument("--coder", default="consensus", help="whose codings (default: the consensus)")
    p.add_argument("--level", choices=["theme", "subtheme", "code"], default="code", help="matrix rows")
    p.add_argument("--cells", choices=["count", "presence", "quote"], default="count", help="matrix cells")
    p.add_argument("--group-by", help="matrix columns by a participant attribute, e.g. role")
    p.add_argument("--where", action="append", help="only participants with ATTRIBUTE=VALUE (repeatable)")
    p.add_argument(
        "--include-interviewer",
        action="store_true",
        help="quotes from interviewer turns too, and those turns as agreement units",
    )
    p.add_argument("--max-words", type=int, help="cut quotes at a word after this many words")
    p.add_argument(
        "--per-participant", choices=["first", "longest", "starred"], help="one quote per participant per subtheme"
    )
    p.add_argument("--agreement", nargs=2, metavar=("A", "B"), help="coders compared in the agreement table")
    p.add_argument("--bootstrap", type=int, default=1000, help="resamples for the agreement intervals")
    p.add_argument(
        "--raw-csv",
        action="store_true",
        help="write CSV text as it is, for R or pandas (by default text starting =, +, -, @ gets a leading ')",
    )
    p.add_argument("--paper", choices=["a4", "letter"], help="docx: the paper (default: the template's, else A4)")
    p.add_argument("--template", help="docx: a Word .docx whose styles, page setup, headers and footers to use")
    p.add_argument(
        "--strict", action="store_true", help="refuse to export the consensus while disagreements are undecided"
    )
    p.set_defaults(func=cmd_export)
