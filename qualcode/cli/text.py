"""Text tools: search, keyword suggestions, pseudonyms, word frequencies."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from qualcode.cli._io import coder_name, count, err, open_project, out, progress_bar
from qualcode.core.errors import BadInput

MAX_HITS = 1_000_000
"""Most search hits one command lists; a keyword-in-context list longer than that is read by no one."""
MAX_ROWS = 100_000
"""Most candidates (pseudonyms suggest) or words per group (freq --top) one command lists."""


def cmd_search(args: argparse.Namespace) -> int:
    import json

    if args.code and not args.coder:
        raise BadInput("name the coder whose codings the hits become", where="--coder")
    limit = None if args.limit is None else count(args.limit, "--limit", maximum=MAX_HITS)
    coder = coder_name(args.coder) if args.code else None
    with open_project(args.project) as project:
        # The code is checked before searching: a search stores the text index it builds, and a
        # refused command must leave the project as it was.
        if args.code and project.codebook().find(args.code) is None:
            raise BadInput("no such code in the codebook (give its path, unique name or id)", where=args.code)
        hits = project.search(args.query, lemma=args.lemma, transcript=args.transcript, limit=limit)
        if coder is not None:
            added = project.code_hits(hits, coder, args.code, extent=args.extent)
            what = {"segment": "segments", "sentence": "sentences", "hit": "words"}[args.extent]
            err(f"coded {len(hits)} hits' {what} for {coder}: {added} new codings")
        # CSV and JSON are for readers outside the team too: they pass the publication boundary.
        publish = project.publication()
    if args.format == "json":
        out(json.dumps([publish.value(h.as_dict()) for h in hits], ensure_ascii=False, indent=2))
    elif args.format == "csv":
        import csv

        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerow(["transcript", "participant", "segment", "left", "match", "right"])
        for h in hits:
            writer.writerow(
                [publish.text(str(v)) for v in (h.transcript, h.participant or "", h.ordinal, h.left, h.match, h.right)]
            )
    else:
        for h in hits:
            where = f"{h.participant or '-'} {h.transcript} #{h.ordinal}"
            out(f"{where:<28} {h.left[-50:]:>50} [{h.match}] {h.right[:50]}")
        out(f"{len(hits)} hits")
    return 0


def _learned(args: argparse.Namespace) -> int:
    args.coder = coder_name(args.coder)
    with open_project(args.project) as project:
        with progress_bar(len(project.transcripts())) as progress:
            found = project.learned_suggestions(args.coder, precision=args.precision, seed=args.seed, progress=progress)
        out(
            f"learned from {found.coder}'s codings in {found.transcripts_trained} transcripts "
            f"({found.units:,} segments); measured on transcripts held out, at precision {found.precision_target:g}:"
        )
        out(f"{'code':40} {'examples':>8} {'precision':>9} {'recall':>6} {'threshold':>9}")
        for f in found.figures:
            if f.threshold is None:
                out(f"{f.code[:40]:40} {f.examples:>8} {'—':>9} {'—':>6} {'—':>9}  (never reaches it: nothing offered)")
            else:
                out(f"{f.code[:40]:40} {f.examples:>8} {f.precision:>9.2f} {f.recall:>6.2f} {f.threshold:>9.3f}")
        for name, n in found.skipped:
            out(f"skipped {name}: {n} example{'s' if n != 1 else ''}, too few to learn from (10 or more needed)")
        shown = found.suggestions[: args.limit] if args.limit else found.suggestions
        for s in shown:
            out(f"{s.transcript} #{s.ordinal}: {s.code}  {s.score:.2f}  ({', '.join(s.words)})")
        out(
            f"{len(found.suggestions)} learned suggestions for {found.coder}"
            + (f" (the first {len(shown)} shown)" if len(shown) < len(found.suggestions) else "")
        )
        if args.accept_all and found.suggestions:
            added = project.accept_learned(args.coder, found.suggestions)
            out(f"accepted: {added} codings recorded with origin 'learned'")
    return 0


def cmd_suggest(args: argparse.Namespace) -> int:
    if args.learned:
        return _learned(args)
    if args.accept_all or args.by_speaker:
        args.coder = coder_name(args.coder)
    with open_project(args.project) as project:
        if args.by_speaker:
            pattern, code = args.by_speaker
            added = project.code_by_speaker(args.coder, pattern, code)
            out(f"applied {code} to {added} segments whose speaker matches {pattern}")
            return 0
        found = project.suggestions(
            args.coder,
            transcript=args.transcript,
            leave_out_speakers=args.leave_out,
            include_interviewer=args.include_interviewer,
        )
        for s in found:
            out(f'{s.transcript} #{s.ordinal}: {s.code}  ("{s.matched}")')
        out(f"{len(found)} suggestions for {args.coder}")
        if args.accept_all and found:
            added = project.accept_suggestions(args.coder, found)
            out(f"accepted: {added} codings recorded with origin 'suggestion'")
        counts = project.origin_counts(args.coder)
        if counts.get("suggestion"):
            out(f"{args.coder} has {counts['suggestion']} codings from accepted suggestions")
    return 0


def cmd_pseudonyms(args: argparse.Namespace) -> int:
    with open_project(args.project) as project:
        if args.action == "add":
            if len(args.values) != 2 or not args.values[0].strip():
                raise BadInput("give the name and its replacement: pseudonyms add STUDY.qc NAME REPLACEMENT")
            project.set_pseudonym(args.values[0], args.values[1], confirmed=True, prefix=args.prefix, actor=args.actor)
            out(f"{args.values[0].strip()} → {args.values[1]}")
        elif args.action in ("confirm", "remove"):
            if len(args.values) != 1:
                raise BadInput(f"give the name: pseudonyms {args.action} STUDY.qc NAME")
            name = args.values[0]
            if args.action == "confirm":
                project.confirm_pseudonym(name, actor=args.actor)
            else:
                project.remove_pseudonym(name, actor=args.actor)
            out(f"{'confirmed' if args.action == 'confirm' else 'removed'} {name}")
        elif args.action == "suggest":
            found = project.suggest_pseudonyms(limit=count(args.limit, "--limit", maximum=MAX_ROWS))
            for c in found:
                out(f"{c.text:<24} {c.count:>5}  {c.source}")
            if args.add:
                added = project.add_pseudonym_candidates(found, args.replacement, actor=args.actor)
                out(f"added {added} candidates unconfirmed; confirm each with 'pseudonyms confirm'")
        elif args.action == "list":
            for entry in project.pseudonyms():
                status = "confirmed" if entry.confirmed else "suggested"
                compounds = "  (and words it begins)" if entry.prefix else ""
                out(f"{entry.original:<24} → {entry.replacement:<16} {status}{compounds}")
        else:
            rows = project.pseudonym_report()
            for transcript, ordinal, original, n in rows:
                out(f"{transcript} #{ordinal}: {original} ×{n}")
            out(f"{sum(r[3] for r in rows)} replacements in {len(rows)} places")
    return 0


def cmd_freq(args: argparse.Namespace) -> int:
    top = count(args.top, "--top", maximum=MAX_ROWS)
    if args.output:
        _check_table_file(args.output)
    with open_project(args.project) as project:
        frame = project.frequencies(by=args.by, coder=args.coder, top=top, include_interviewer=args.include_interviewer)
        if args.output:
            project.write_frequencies(frame, args.output)
            out(f"wrote {args.output}")
            return 0
        publish = project.publication()
    if args.format == "csv":
        sys.stdout.write(publish.frame(frame).to_csv(index=False))
    else:
        for group, rows in frame.groupby("group", sort=False):
            out(f"{group}: " + ", ".join(f"{r.lemma} {r.count}" for r in rows.itertuples()))
    return 0


def _check_table_file(output: str) -> None:
    """Refuse an output the table cannot be written to before the counting: it stores the text index it builds."""
    path = Path(output)
    if path.suffix.lower() not in (".csv", ".xlsx"):
        raise BadInput("write frequencies to a .csv or .xlsx file", where=output)
    if path.is_dir():
        raise BadInput("is a folder; give a file name", where=output)
    if not (path.parent if str(path.parent) else Path(".")).is_dir():
        raise BadInput("the folder does not exist; create it or write elsewhere", where=output)


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("search", help="search all transcripts by word, phrase or lemma (keyword in context)")
    p.add_argument("project")
    p.add_argument("query")
    p.add_argument("--lemma", action="store_true", help="match lemmas, so 'meetings' finds 'meeting'")
    p.add_argument("--transcript", help="only this transcript")
    p.add_argument("--limit", type=int)
    p.add_argument("--format", choices=["table", "csv", "json"], default="table")
    p.add_argument("--code", help="apply this code to every hit (with --coder): its segment, sentence or words")
    p.add_argument("--coder")
    p.add_argument(
        "--extent",
        choices=("segment", "sentence", "hit"),
        default="segment",
        help="what --code codes of each hit: its segment (the default), its sentence, or the hit's words alone",
    )
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("suggest", help="codes the codebook's keywords propose (never applied unless accepted)")
    p.add_argument("project")
    p.add_argument("--coder", required=True)
    p.add_argument("--transcript")
    p.add_argument("--leave-out", metavar="PATTERN", help="speakers (regular expression) to leave out")
    p.add_argument("--include-interviewer", action="store_true")
    p.add_argument("--accept-all", action="store_true", help="record every suggestion, with origin 'suggestion'")
    p.add_argument("--by-speaker", nargs=2, metavar=("PATTERN", "CODE"), help="code every turn of these speakers")
    p.add_argument(
        "--learned", action="store_true", help="codes learned from this coder's own codings, precision measured first"
    )
    p.add_argument("--precision", type=float, default=0.8, help="--learned: the precision to reach (default 0.8)")
    p.add_argument("--seed", type=int, default=1, help="--learned: the seed of the folds (default 1)")
    p.add_argument("--limit", type=int, default=0, help="--learned: show only the first N suggestions")
    p.set_defaults(func=cmd_suggest)

    p = sub.add_parser("pseudonyms", help="names and places replaced in every export: add, suggest, list, report")
    p.add_argument("action", choices=["add", "suggest", "list", "confirm", "remove", "report"])
    p.add_argument("project")
    p.add_argument("values", nargs="*", help="add: NAME REPLACEMENT; confirm/remove: NAME")
    p.add_argument("--limit", type=int, default=50, help="suggest: how many candidates")
    p.add_argument("--add", action="store_true", help="suggest: put the candidates in the list, unconfirmed")
    p.add_argument("--replacement", default="[name]", help="suggest --add: the replacement to propose")
    p.add_argument(
        "--prefix", action="store_true", help="add: also hide words the name begins (Nordby in Nordbyskolen)"
    )
    p.add_argument("--actor", default="lead", help="who makes the change, for the audit log")
    p.set_defaults(func=cmd_pseudonyms)

    p = sub.add_parser("freq", help="word frequencies (lemmas, stop words out) per transcript, theme or group")
    p.add_argument("project")
    p.add_argument("--by", default="transcript", help="transcript, participant, theme, or a participant attribute")
    p.add_argument("--coder", default="consensus", help="with --by theme: whose codings")
    p.add_argument("--top", type=int, default=20)
    p.add_argument("--include-interviewer", action="store_true")
    p.add_argument("--format", choices=["table", "csv"], default="table")
    p.add_argument("-o", "--output", help="write a .csv or .xlsx file")
    p.set_defaults(func=cmd_freq)
