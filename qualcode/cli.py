"""The command line: parse arguments, call the core, print, set the exit status.

Kept light on purpose: `qualcode --help` must not import spaCy, pandas or
python-docx, so every command imports what it needs inside its function.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from qualcode.core.errors import BadInput, QualcodeError

Handler = Callable[[argparse.Namespace], int]


def _out(text: str = "") -> None:
    print(text, file=sys.stdout)


def _err(text: str) -> None:
    print(text, file=sys.stderr)


def _open(path: str) -> Any:
    from qualcode.core.project import Project

    return Project.open(path)


# -- init, import, participants ------------------------------------------------


def cmd_init(args: argparse.Namespace) -> int:
    from qualcode.core.project import Project

    with Project.create(args.project, lang=args.lang, codebook=args.codebook, unit=args.unit) as project:
        n = len(project.codebook())
    _out(f"created {args.project} (language {args.lang}, {n} codes in the codebook)")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    if args.project == "qdpx" and not Path("qdpx").exists():
        return _import_qdpx(args)
    if args.output:
        raise BadInput("-o is for 'qualcode import qdpx FILE.qdpx -o STUDY.qc'", where="-o")
    with _open(args.project) as project:
        with _progress_bar(len(args.files)) as progress:
            reports, skipped = project.import_files(
                args.files,
                unit=args.unit,
                participant=args.participant,
                replace=args.replace,
                speaker_pattern=args.speaker_pattern,
                progress=progress,
            )
    for note in skipped:
        _err(f"skipped {note}")
    for r in reports:
        speakers = ", ".join(r.speakers) or "none found"
        notes = "".join(f"; {n}" for n in r.notes)
        _out(
            f"{r.status:9} {r.transcript}: participant {r.participant or '-'}, {r.segments} segments, "
            f"{r.words} words, speakers: {speakers}{notes}"
        )
    return 0


def _import_qdpx(args: argparse.Namespace) -> int:
    from qualcode.core.exchange.refi_read import import_qdpx

    if len(args.files) != 1 or not args.output:
        raise BadInput("give one file and the project to create: qualcode import qdpx FILE.qdpx -o STUDY.qc")
    result = import_qdpx(args.files[0], args.output, lang=args.lang or "en", unit=args.unit)
    _out(f"created {args.output} from {args.files[0]}: {result.describe()}")
    return 0


class _progress_bar:
    """A progress bar on stderr for imports of many files, silent when not a terminal."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar: Any = None

    def __enter__(self) -> Callable[[int, int, str], None] | None:
        if self.total < 5 or not sys.stderr.isatty():
            return None
        from rich.progress import Progress

        self.bar = Progress(transient=True, console=None)
        self.bar.start()
        task = self.bar.add_task("importing", total=self.total)

        def update(done: int, total: int, item: str) -> None:
            self.bar.update(task, completed=done, total=total, description=item)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def cmd_participants(args: argparse.Namespace) -> int:
    with _open(args.project) as project:
        ids = project.attach_participants(args.csv)
        people = {p.id: p for p in project.participants()}
    for pid in ids:
        attrs = ", ".join(f"{k}={v!r}" for k, v in people[pid].attributes.items())
        _out(f"{pid}: {attrs}")
    return 0


# -- codebook ------------------------------------------------------------------


def cmd_codebook(args: argparse.Namespace) -> int:
    with _open(args.project) as project:
        if args.action == "load":
            if not args.file:
                raise BadInput("name the codebook file to load", where="codebook load")
            counts = project.load_codebook(args.file)
            _out(f"codebook loaded: {counts['added']} added, {counts['updated']} updated, {counts['removed']} removed")
            return 0
        if args.action in ("rename", "move", "merge", "delete"):
            return _edit_codebook(project, args)
        book = project.codebook()
        fmt = args.format or ("yaml" if args.action == "export" else "tree")
        text = {"tree": lambda: book.render_tree(), "json": book.to_json, "yaml": book.to_yaml}[fmt]()
        if args.action == "export" and args.file:
            _write_text(args.file, text)
            _out(f"wrote {len(book)} codes to {args.file}")
        else:
            _out(text.rstrip("\n"))
    return 0


def _edit_codebook(project: Any, args: argparse.Namespace) -> int:
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
    if args.action == "rename":
        project.rename_code(values[0], values[1], actor=actor)
        _out(f"renamed {values[0]} to {values[1]}")
    elif args.action == "move":
        project.move_code(values[0], None if values[1] == "-" else values[1], actor=actor)
        _out(f"moved {values[0]}")
    elif args.action == "merge":
        n = project.merge_codes(values[0], values[1], actor=actor)
        _out(f"merged {values[0]} into {values[1]} ({n} codings moved)")
    else:
        n = project.delete_code(values[0], force=args.force, actor=actor)
        _out(f"deleted {values[0]} ({n} codings removed)")
    return 0


def _write_text(path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as e:
        raise BadInput(f"cannot be written ({e.strerror})", where=path) from None


# -- codings -------------------------------------------------------------------


def cmd_codings(args: argparse.Namespace) -> int:
    with _open(args.project) as project:
        if args.action == "import":
            n = project.import_codings(args.file, args.coder, replace=args.replace)
            _out(f"{n} codings added for {args.coder}")
        else:
            n = project.export_codings(args.file, args.coder)
            _out(f"wrote {n} rows for {args.coder} to {args.file}")
    return 0


# -- two coders: handout, merge, agree ------------------------------------------


def cmd_handout(args: argparse.Namespace) -> int:
    from qualcode.core.merge import handout

    path = handout(args.project, args.coder, args.output)
    _out(f"handed out {path} to {args.coder.strip()}: transcripts and codebook, no one else's codings")
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    from qualcode.core.merge import merge
    from qualcode.core.store import Store

    with Store(args.project) as lead:
        results = merge(lead, args.files, replace=args.replace)
    if not results:
        _out("nothing to merge: the files hold no codings or memos")
    for result in results:
        _out(result.describe())
        for name, (added, removed) in result.per_transcript.items():
            _out(f"  {name}: +{added} -{removed}")
    return 0


def cmd_agree(args: argparse.Namespace) -> int:
    from qualcode.core.agreement_report import report
    from qualcode.core.store import Store

    levels = tuple(dict.fromkeys(level for item in args.by or ["code"] for level in item.split(",") if level))
    resamples = args.bootstrap if args.bootstrap is not None else 1000
    with Store(args.project) as store:
        result = report(
            store,
            args.coders[0],
            args.coders[1],
            by=levels,
            bootstrap=resamples,
            seed=args.seed,
            threshold=args.threshold,
        )
    if args.format == "json":
        _out(result.to_json())
    elif args.format == "csv":
        sys.stdout.write(result.to_csv())
    else:
        _out(result.to_table())
    return 0


# -- exports ---------------------------------------------------------------------


def cmd_export(args: argparse.Namespace) -> int:
    if args.format in ("qdpx", "qdc"):
        return _export_refi(args)
    from qualcode.core.export.tables import DEFAULT_TABLES, Exporter, ExportOptions, parse_tables, parse_where
    from qualcode.core.store import Store

    default = "network" if args.format == "graphml" else ",".join(DEFAULT_TABLES)
    options = ExportOptions(
        tables=parse_tables(args.tables or default),
        coder=args.coder,
        level=args.level,
        cells=args.cells,
        group_by=args.group_by,
        where=parse_where(args.where),
        include_interviewer=args.include_interviewer,
        max_words=args.max_words,
        per_participant=args.per_participant,
        agreement_coders=tuple(args.agreement) if args.agreement else None,  # type: ignore[arg-type]
        bootstrap=args.bootstrap,
    )
    with Store(args.project) as store:
        exporter = Exporter(store, options)
        if args.format == "docx":
            written = [exporter.write_docx(args.output)]
        elif args.format == "xlsx":
            written = [exporter.write_xlsx(args.output)]
        elif args.format == "csv":
            written = exporter.write_csv(args.output)
        else:
            written = [exporter.write_graphml(args.output)]
    for path in written:
        _out(f"wrote {path}")
    return 0


def _export_refi(args: argparse.Namespace) -> int:
    from qualcode.core.exchange.refi_write import write_qdc, write_qdpx
    from qualcode.core.store import Store

    with Store(args.project) as store:
        path = write_qdpx(store, args.output) if args.format == "qdpx" else write_qdc(store, args.output)
    _out(f"wrote {path}")
    return 0


# -- text tools: search, suggestions, pseudonyms, frequencies ----------------------


def cmd_search(args: argparse.Namespace) -> int:
    import json

    from qualcode.core.search import code_hits, search

    if args.code and not args.coder:
        raise BadInput("name the coder whose codings the hits become", where="--coder")
    with _open(args.project) as project:
        hits = search(project, args.query, lemma=args.lemma, transcript=args.transcript, limit=args.limit)
        if args.code:
            added = code_hits(project, hits, args.coder, args.code)
            _err(f"coded {len(hits)} hits' segments for {args.coder}: {added} new codings")
    if args.format == "json":
        _out(json.dumps([h.as_dict() for h in hits], ensure_ascii=False, indent=2))
    elif args.format == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["transcript", "participant", "segment", "left", "match", "right"])
        for h in hits:
            writer.writerow([h.transcript, h.participant or "", h.ordinal, h.left, h.match, h.right])
    else:
        for h in hits:
            where = f"{h.participant or '-'} {h.transcript} #{h.ordinal}"
            _out(f"{where:<28} {h.left[-50:]:>50} [{h.match}] {h.right[:50]}")
        _out(f"{len(hits)} hits")
    return 0


def cmd_suggest(args: argparse.Namespace) -> int:
    from qualcode.core.suggest import accept, code_by_speaker, suggestions

    with _open(args.project) as project:
        if args.by_speaker:
            pattern, code = args.by_speaker
            added = code_by_speaker(project, args.coder, pattern, code)
            _out(f"applied {code} to {added} segments whose speaker matches {pattern}")
            return 0
        found = suggestions(
            project,
            args.coder,
            transcript=args.transcript,
            leave_out_speakers=args.leave_out,
            include_interviewer=args.include_interviewer,
        )
        for s in found:
            _out(f'{s.transcript} #{s.ordinal}: {s.code}  ("{s.matched}")')
        _out(f"{len(found)} suggestions for {args.coder}")
        if args.accept_all and found:
            added = accept(project, args.coder, found)
            _out(f"accepted: {added} codings recorded with origin 'suggestion'")
        counts = project.store.codings.origin_counts(args.coder) if args.coder in project.store.codings.coders() else {}
        if counts.get("suggestion"):
            _out(f"{args.coder} has {counts['suggestion']} codings from accepted suggestions")
    return 0


def cmd_pseudonyms(args: argparse.Namespace) -> int:
    from qualcode.core import pseudonyms

    with _open(args.project) as project:
        store = project.store
        if args.action == "add":
            if len(args.values) != 2 or not args.values[0].strip():
                raise BadInput("give the name and its replacement: pseudonyms add STUDY.qc NAME REPLACEMENT")
            store.pseudonyms.set(args.values[0].strip(), args.values[1], confirmed=True)
            store.audit.log(args.actor, "pseudonym.add", args.values[0].strip(), replacement=args.values[1])
            _out(f"{args.values[0].strip()} → {args.values[1]}")
        elif args.action in ("confirm", "remove"):
            if len(args.values) != 1:
                raise BadInput(f"give the name: pseudonyms {args.action} STUDY.qc NAME")
            name = args.values[0]
            rows = {o: (r, c) for o, r, c in store.pseudonyms.all()}
            if name not in rows:
                raise BadInput("is not in the pseudonym list; see 'pseudonyms list'", where=name)
            if args.action == "confirm":
                store.pseudonyms.set(name, rows[name][0], confirmed=True)
            else:
                store.pseudonyms.delete(name)
            store.audit.log(args.actor, f"pseudonym.{args.action}", name)
            _out(f"{'confirmed' if args.action == 'confirm' else 'removed'} {name}")
        elif args.action == "suggest":
            found = pseudonyms.suggest(project, limit=args.limit)
            for c in found:
                if args.add:
                    store.pseudonyms.set(c.text, args.replacement, confirmed=False)
                _out(f"{c.text:<24} {c.count:>5}  {c.source}")
            if args.add:
                _out(f"added {len(found)} candidates unconfirmed; confirm each with 'pseudonyms confirm'")
        elif args.action == "list":
            for original, replacement, confirmed in store.pseudonyms.all():
                _out(f"{original:<24} → {replacement:<16} {'confirmed' if confirmed else 'suggested'}")
        else:
            rows = pseudonyms.report(project)
            for transcript, ordinal, original, n in rows:
                _out(f"{transcript} #{ordinal}: {original} ×{n}")
            _out(f"{sum(r[3] for r in rows)} replacements in {len(rows)} places")
    return 0


def cmd_freq(args: argparse.Namespace) -> int:
    from qualcode.core.frequencies import frequencies

    with _open(args.project) as project:
        frame = frequencies(
            project, by=args.by, coder=args.coder, top=args.top, include_interviewer=args.include_interviewer
        )
    if args.output:
        from qualcode.core.files import atomic_file

        suffix = Path(args.output).suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise BadInput("write frequencies to a .csv or .xlsx file", where=args.output)
        with atomic_file(args.output, suffix) as temporary:
            if suffix == ".csv":
                frame.to_csv(temporary, index=False)
            else:
                frame.to_excel(temporary, index=False)
        _out(f"wrote {args.output}")
    elif args.format == "csv":
        sys.stdout.write(frame.to_csv(index=False))
    else:
        for group, rows in frame.groupby("group", sort=False):
            _out(f"{group}: " + ", ".join(f"{r.lemma} {r.count}" for r in rows.itertuples()))
    return 0


# -- the workbench ------------------------------------------------------------


def cmd_code(args: argparse.Namespace) -> int:
    from qualcode.core.model import CONSENSUS

    if args.coder.strip() == CONSENSUS:
        raise BadInput("the consensus is written in the resolution screen; use 'qualcode resolve'", where="--coder")
    return _run_workbench(args.project, args.coder)


def cmd_demo(args: argparse.Namespace) -> int:
    from qualcode.core.demo import build_demo

    path = build_demo(args.dir, fresh=args.fresh)
    _err(f"demo project: {path}")
    return _run_workbench(str(path), args.coder)


def cmd_resolve(args: argparse.Namespace) -> int:
    from qualcode.tui.app import make_resolve_app

    make_resolve_app(args.project, args.coders[0], args.coders[1], args.lead).run()
    return 0


def _run_workbench(path: str, coder: str) -> int:
    from qualcode.tui.app import make_app

    make_app(path, coder).run()
    return 0


# -- the parser ----------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="qualcode",
        description="Thematic analysis of interview transcripts: code, compare two coders, resolve, export.",
    )
    from qualcode import __version__

    parser.add_argument("--version", action="version", version=f"qualcode {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("init", help="create a project file")
    p.add_argument("project", help="the project file to create, e.g. study.qc")
    p.add_argument("--lang", default="en", help="language of the transcripts (en, nb, ...)")
    p.add_argument("--codebook", help="a codebook file (.yaml, .json or .qdc) to load")
    p.add_argument(
        "--unit", default="turn", choices=["turn", "sentence", "paragraph"], help="default unit of coding for imports"
    )
    p.set_defaults(func=cmd_init)

    p = sub.add_parser(
        "import", help="import transcripts (.txt .md .docx .odt .vtt .srt), or 'import qdpx FILE -o STUDY.qc'"
    )
    p.add_argument("project")
    p.add_argument("files", nargs="+", help="transcript files")
    p.add_argument("--unit", choices=["turn", "sentence", "paragraph"], help="unit of coding (default: the project's)")
    p.add_argument("--participant", help="participant id for these files (default: from the file name or speakers)")
    p.add_argument("--replace", action="store_true", help="replace a transcript of the same name whose text changed")
    p.add_argument("--speaker-pattern", help="regular expression with a group (?P<speaker>...) that starts a turn")
    p.add_argument("-o", "--output", help="with 'import qdpx FILE': the project file to create")
    p.add_argument("--lang", help="with 'import qdpx FILE': the language of the texts (default en)")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser("participants", help="attach participant attributes from a CSV with an id column")
    p.add_argument("project")
    p.add_argument("csv")
    p.set_defaults(func=cmd_participants)

    p = sub.add_parser("codebook", help="load, show, export or edit the codebook")
    p.add_argument("action", choices=["load", "show", "export", "rename", "move", "merge", "delete"])
    p.add_argument("project")
    p.add_argument("file", nargs="?", help="codebook file to load, or to export to (default: print)")
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
    p.add_argument("--coders", nargs=2, required=True, metavar=("A", "B"))
    p.add_argument("--by", action="append", help="code, theme, transcript (repeat or comma-separate; default code)")
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--bootstrap", type=int, help="bootstrap resamples for 95%% intervals (default 1000; 0 for none)")
    p.add_argument("--seed", type=int, default=1, help="seed of the bootstrap (default 1)")
    p.add_argument("--threshold", type=float, default=0.6, help="flag codes with Cohen's kappa below this")
    p.set_defaults(func=cmd_agree)

    p = sub.add_parser("export", help="tables for the paper: Word, CSV, XLSX, the code network")
    p.add_argument("format", choices=["docx", "csv", "xlsx", "graphml", "qdpx", "qdc"])
    p.add_argument("project")
    p.add_argument("-o", "--output", required=True, help="file to write (csv: a folder, or a .csv for one table)")
    p.add_argument(
        "--tables",
        help="comma-separated: theme, matrix, quotes, codebook, agreement, frequencies, network "
        "(default theme,matrix,quotes,codebook)",
    )
    p.add_argument("--coder", default="consensus", help="whose codings (default: the consensus)")
    p.add_argument("--level", choices=["theme", "subtheme", "code"], default="code", help="matrix rows")
    p.add_argument("--cells", choices=["count", "presence", "quote"], default="count", help="matrix cells")
    p.add_argument("--group-by", help="matrix columns by a participant attribute, e.g. role")
    p.add_argument("--where", action="append", help="only participants with ATTRIBUTE=VALUE (repeatable)")
    p.add_argument("--include-interviewer", action="store_true", help="quotes from interviewer turns too")
    p.add_argument("--max-words", type=int, help="cut quotes at a word after this many words")
    p.add_argument(
        "--per-participant", choices=["first", "longest", "starred"], help="one quote per participant per subtheme"
    )
    p.add_argument("--agreement", nargs=2, metavar=("A", "B"), help="coders compared in the agreement table")
    p.add_argument("--bootstrap", type=int, default=1000, help="resamples for the agreement intervals")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("search", help="search all transcripts by word, phrase or lemma (keyword in context)")
    p.add_argument("project")
    p.add_argument("query")
    p.add_argument("--lemma", action="store_true", help="match lemmas, so 'meetings' finds 'meeting'")
    p.add_argument("--transcript", help="only this transcript")
    p.add_argument("--limit", type=int)
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--code", help="apply this code to every hit's segment (with --coder)")
    p.add_argument("--coder")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("suggest", help="codes the codebook's keywords propose (never applied unless accepted)")
    p.add_argument("project")
    p.add_argument("--coder", required=True)
    p.add_argument("--transcript")
    p.add_argument("--leave-out", metavar="PATTERN", help="speakers (regular expression) to leave out")
    p.add_argument("--include-interviewer", action="store_true")
    p.add_argument("--accept-all", action="store_true", help="record every suggestion, with origin 'suggestion'")
    p.add_argument("--by-speaker", nargs=2, metavar=("PATTERN", "CODE"), help="code every turn of these speakers")
    p.set_defaults(func=cmd_suggest)

    p = sub.add_parser("pseudonyms", help="names and places replaced in every export: add, suggest, list, report")
    p.add_argument("action", choices=["add", "suggest", "list", "confirm", "remove", "report"])
    p.add_argument("project")
    p.add_argument("values", nargs="*", help="add: NAME REPLACEMENT; confirm/remove: NAME")
    p.add_argument("--limit", type=int, default=50, help="suggest: how many candidates")
    p.add_argument("--add", action="store_true", help="suggest: put the candidates in the list, unconfirmed")
    p.add_argument("--replacement", default="[name]", help="suggest --add: the replacement to propose")
    p.add_argument("--actor", default="lead", help="who makes the change, for the audit log")
    p.set_defaults(func=cmd_pseudonyms)

    p = sub.add_parser("freq", help="word frequencies (lemmas, stop words out) per transcript, theme or group")
    p.add_argument("project")
    p.add_argument("--by", default="transcript", help="transcript, theme, or a participant attribute")
    p.add_argument("--coder", default="consensus", help="with --by theme: whose codings")
    p.add_argument("--top", type=int, default=20)
    p.add_argument("--include-interviewer", action="store_true")
    p.add_argument("--format", choices=["table", "csv"], default="table")
    p.add_argument("-o", "--output", help="write a .csv or .xlsx file")
    p.set_defaults(func=cmd_freq)

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
    p.set_defaults(func=cmd_demo)

    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "codebook" and args.action in ("rename", "move", "merge", "delete") and args.file:
        args.values = [args.file, *args.values]
        args.file = None
    try:
        return int(args.func(args))
    except QualcodeError as e:
        _err(f"qualcode: {e}")
        return e.exit_status
    except sqlite3.DatabaseError as e:
        _err(f"qualcode: {getattr(args, 'project', '')}: the project file is damaged or locked ({e})")
        return 2
    except KeyboardInterrupt:
        _err("qualcode: interrupted; nothing was half-written")
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
