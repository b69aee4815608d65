"""A study's project file and everything a researcher does with it: the one entry point of the domain.

The command line and the terminal interface are thin faces on `Project`;
neither reaches the store. Python users get the same API: import, codebook,
codings, hand-out and merge, agreement, resolution, analysis tables, export
and import of every format, search, suggestions, pseudonyms, frequencies and
the audit log. Heavy libraries are imported inside the methods that use them.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualcode.core import codebook_edit
from qualcode.core.codebook import Codebook, codebook_of
from qualcode.core.errors import BadInput
from qualcode.core.files import guard_output
from qualcode.core.formats import format_named, load_codebook_file
from qualcode.core.model import (
    CONSENSUS,
    UNITS,
    AuditEntry,
    Code,
    ExportOptions,
    ImportReport,
    Participant,
    Progress,
    Pseudonym,
    Segment,
    Span,
    Transcript,
    TranscriptSummary,
)
from qualcode.core.store import Store
from qualcode.core.store.postgres import is_server_url

if TYPE_CHECKING:
    import pandas as pd

    from qualcode.core.agreement_many_report import ManyReport
    from qualcode.core.agreement_report import Report
    from qualcode.core.coding_session import CodingSession
    from qualcode.core.exchange.refi_read import ImportResult
    from qualcode.core.learned import Learned, LearnedSuggestion
    from qualcode.core.merge import MergeResult
    from qualcode.core.pseudonyms import Candidate
    from qualcode.core.publication import Publication
    from qualcode.core.resolution import Resolution
    from qualcode.core.search import SearchHit
    from qualcode.core.store.postgres import CodebookWatch
    from qualcode.core.suggest import Suggestion


class Project:
    """One study: transcripts, segments, participants, codebook, coders and their codings."""

    def __init__(self, store: Store) -> None:
        self.store = store

    # -- opening ---------------------------------------------------------

    @classmethod
    def create(
        cls,
        path: str | Path,
        *,
        lang: str = "en",
        codebook: str | Path | None = None,
        unit: str = "turn",
        server: bool = False,
    ) -> Project:
        """Make a new project file, optionally with a codebook loaded (``server``: a study in an empty
        database on a server, for `team_server.init`)."""
        from qualcode.core.codebook import store_groups
        from qualcode.core.nlp import check_language

        check_language(lang)
        if is_server_url(path) and not server:
            raise BadInput(
                "a study on a server is set up with 'qualcode server init' (or a file moved there with "
                "'qualcode server push'), which also makes its team and blinding",
                where=str(path),
            )
        if unit not in UNITS:
            raise BadInput(f"unknown unit '{unit}'; choose one of {', '.join(UNITS)}", where="--unit")
        book = load_codebook_file(codebook) if codebook else None
        store = Store(path, create=True)
        try:
            with store.transaction():
                store.settings.set("lang", lang)
                store.settings.set("unit", unit)
                if book is not None:
                    store.settings.set("codebook_name", book.name)
                    store.settings.set("codebook_description", book.description)
                    store.codebook.insert_all(book.codes)
                    if book.groups:
                        store_groups(store, book.groups)
                store.audit.log("qualcode", "init", str(Path(path).name), lang=lang)
        except BaseException:
            store.close()
            Path(path).unlink(missing_ok=True)
            raise
        return cls(store)

    @classmethod
    def open(cls, path: str | Path, *, busy_timeout: float | None = None) -> Project:
        """Open an existing project file; refuses anything else with a clear message.

        ``busy_timeout`` is how many seconds a write waits for another process's
        write before `ProjectBusy`: the workbench gives a fraction of a second, so
        a key never freezes the screen; None keeps the commands' wait.
        """
        return cls(Store(path) if busy_timeout is None else Store(path, timeout=busy_timeout))

    @classmethod
    def import_qdpx(
        cls, source: str | Path, path: str | Path, *, lang: str = "en", unit: str | None = None
    ) -> tuple[Project, ImportResult]:
        """Create a project from a REFI-QDA .qdpx written by any tool; nothing is left behind when refused."""
        from qualcode.core.exchange.refi_read import fill, read_qdpx, unit_of

        guard_output(path, inputs=[source])
        root, content = read_qdpx(source)
        chosen = unit or unit_of(root)
        project = cls.create(path, lang=lang, unit=chosen)
        try:
            result = fill(project.store, content, chosen)
        except BaseException:
            project.close()
            for leftover in (Path(path), Path(f"{path}-wal"), Path(f"{path}-shm")):
                leftover.unlink(missing_ok=True)
            raise
        return project, result

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def path(self) -> Path:
        """The project file, or a server study's URL (with ``name`` and ``stem``, as a file has)."""
        return self.store.path

    @property
    def on_server(self) -> bool:
        return self.store.on_server

    def watch_codebook(self) -> CodebookWatch | None:
        """For a server study, a watch that hears the codebook change (anyone's committed edit); None for a file,
        which only this machine's sessions write and which is read again when the workbench comes back to it."""
        return self.store.watch_codebook()

    @property
    def lang(self) -> str:
        return self.store.settings.lang

    @property
    def spacy_model(self) -> str | None:
        """A trained spaCy pipeline named in the project's settings, used when installed."""
        return self.store.settings.spacy_model

    @property
    def name(self) -> str:
        """The study's name: its codebook's name, else the file's."""
        return str(self.store.settings.get("codebook_name", "") or "") or self.path.stem

    def publication(self) -> Publication:
        """The publication boundary of this project: what anything written for readers outside passes through."""
        from qualcode.core.publication import Publication

        return Publication.of(self.store)

    def audit_log(self) -> list[AuditEntry]:
        """Every change recorded in the project, oldest first."""
        return self.store.audit.entries()

    # -- transcripts -----------------------------------------------------

    def import_files(
        self,
        files: Sequence[str | Path],
        *,
        unit: str | None = None,
        participant: str | None = None,
        replace: bool = False,
        speaker_pattern: str | None = None,
        progress: Progress | None = None,
    ) -> tuple[list[ImportReport], list[str]]:
        """Import transcripts; returns a report per file and notes on files passed over.

        Every file is read and checked before anything is written, and all of them
        are written in one transaction: a bad file leaves the project unchanged.
        """
        from qualcode.core.importing import import_files

        return import_files(
            self.store,
            files,
            unit=unit,
            participant=participant,
            replace=replace,
            speaker_pattern=speaker_pattern,
            progress=progress,
        )

    def transcripts(self) -> list[TranscriptSummary]:
        """Every transcript's name, participant, unit, segment and word counts."""
        return self.store.transcripts.summaries()

    def transcript(self, name_or_id: str | int) -> Transcript | None:
        return self.store.transcripts.get(name_or_id)

    def segments(self, transcript_id: int) -> list[Segment]:
        """A transcript's segments in reading order."""
        return self.store.transcripts.segments(transcript_id)

    # -- participants ----------------------------------------------------

    def attach_participants(self, csv_path: str | Path) -> list[str]:
        """Read the informant table (a CSV with an ``id`` column) and attach typed attributes."""
        from qualcode.core.participants import read_participants

        known = {t.participant for t in self.store.transcripts.all() if t.participant}
        people = read_participants(Path(csv_path), known)
        with self.store.transaction():
            for person in people:
                self.store.participants.upsert(person)
            self.store.audit.log("qualcode", "participants", Path(csv_path).name, ids=[p.id for p in people])
        return [p.id for p in people]

    def participants(self) -> list[Participant]:
        return self.store.participants.all()

    # -- codebook ----------------------------------------------------------

    def codebook(self) -> Codebook:
        return codebook_of(self.store)

    def code_usage(self, coder: str | None = None) -> dict[str, int]:
        """How many codings each code has, over all coders, or of one coder (blinding: a coder's screens show
        only their own)."""
        return self.store.codebook.usage(coder)

    def add_code(self, name: str, parent_id: str | None = None, *, actor: str, **fields: str) -> Code:
        return codebook_edit.add(self.store, name, parent_id, actor=actor, **fields)

    def update_code(self, code_id: str, *, actor: str, seen: int | None = None, **changes: object) -> Code:
        """Edit a code; ``seen`` is the version the editor showed, so an edit over a newer save is refused."""
        return codebook_edit.update(self.store, code_id, actor=actor, seen=seen, **changes)

    def code_field_problem(self, code_id: str, field: str, value: str) -> str | None:
        """Why a code's field cannot take this value (a name taken by a sibling, a reserved or taken shortcut
        key, something that is no colour, an empty name), or None: for forms that check as they are filled."""
        from qualcode.core.codebook import key_problem
        from qualcode.core.codebook_edit import colour_problem

        book = self.codebook()
        code = book.get(code_id)
        value = value.strip()
        if code is None:
            return "no such code"
        if field == "name":
            if not value:
                return "a code needs a name"
            taken = [
                c for c in book.children(code.parent_id) if c.id != code_id and c.name.casefold() == value.casefold()
            ]
            return f"another code under the same parent is named '{value}'" if taken else None
        if field == "key" and value:
            other = book.by_key(value)
            return key_problem(value) or (
                f"shortcut key '{value}' is taken by {other.name}"
                if other is not None and other.id != code_id
                else None
            )
        if field == "colour":
            return colour_problem(value)
        return None

    def export_codebook(self, path: str | Path, fmt: str = "yaml") -> Path:
        """Write the codebook as YAML or JSON (internal exchange: the real names stay)."""
        from qualcode.core.files import write_text

        book = self.codebook()
        text = {"tree": book.render_tree, "json": book.to_json, "yaml": book.to_yaml}[fmt]()
        guard_output(path, projects=[self.path])
        return write_text(path, text)

    def load_codebook(self, path: str | Path, *, actor: str = "qualcode") -> dict[str, int]:
        """Bring a codebook file into the project; see `codebook_edit.load_into`."""
        return codebook_edit.load_into(self.store, load_codebook_file(path), actor=actor)

    def rename_code(self, reference: str, new_name: str, *, actor: str = "qualcode", seen: int | None = None) -> Code:
        return codebook_edit.rename(self.store, self._code(reference).id, new_name, actor=actor, seen=seen)

    def move_code(
        self, reference: str, new_parent: str | None, *, actor: str = "qualcode", seen: int | None = None
    ) -> Code:
        parent = self._code(new_parent).id if new_parent else None
        return codebook_edit.move(self.store, self._code(reference).id, parent, actor=actor, seen=seen)

    def merge_codes(self, source: str, target: str, *, actor: str = "qualcode") -> int:
        return codebook_edit.merge(self.store, self._code(source).id, self._code(target).id, actor=actor)

    def delete_code(self, reference: str, *, force: bool = False, actor: str = "qualcode") -> int:
        return codebook_edit.delete(self.store, self._code(reference).id, force=force, actor=actor)

    def _code(self, reference: str) -> Code:
        code = self.codebook().find(reference)
        if code is None:
            raise BadInput("no such code in the codebook (give its path, unique name or id)", where=reference)
        return code

    # -- codings -----------------------------------------------------------

    def import_codings(self, csv_path: str | Path, coder: str, *, replace: bool = False) -> int:
        from qualcode.core.codings_csv import import_codings

        return import_codings(self.store, self.codebook(), Path(csv_path), coder, replace=replace)

    def export_codings(self, csv_path: str | Path, coder: str) -> int:
        from qualcode.core.codings_csv import export_codings

        guard_output(csv_path, projects=[self.path])
        return export_codings(self.store, self.codebook(), Path(csv_path), coder)

    def coders(self) -> list[str]:
        return self.store.codings.coders()

    def add_coder(self, name: str) -> str:
        """Register a coder (a workbench opened for a new name); returns the name as kept."""
        name = name.strip()
        if not name:
            raise BadInput("a coder needs a name; give --coder NAME")
        self.store.codings.coder_id(name, create=True)
        return name

    def coding_count(self, coder: str) -> int:
        return self.store.codings.count(coder)

    def origin_counts(self, coder: str) -> dict[str, int]:
        """How many of a coder's codings came from each origin (manual, suggestion, import …)."""
        return self.store.codings.origin_counts(coder) if coder in self.coders() else {}

    def coded_segment_counts(self, coder: str) -> dict[int, int]:
        """Per transcript id, how many of its segments this coder has coded."""
        return self.store.codings.coded_segment_counts(coder)

    def coding_session(self, coder: str, transcript: Transcript | int | str) -> CodingSession:
        """A coder at work on one transcript: codes, memos, stars, undo."""
        from qualcode.core.coding_session import CodingSession

        return CodingSession(self.store, coder, transcript)

    # -- two coders ----------------------------------------------------------------

    def code_span(self, coder: str, transcript: str | int, start: int, end: int, code: str) -> bool:
        """Code the exact passage ``[start, end)`` of a transcript (code points, end exclusive) for a coder.

        False when the coder had it already; a passage that is exactly a
        segment is that segment's coding.
        """
        session = self.coding_session(coder, transcript)
        code_id = self._code(code).id
        exact = [i for i, s in enumerate(session.segments) if (s.start, s.end) == (start, end)]
        if (start, end, code_id) in session.spans or (exact and code_id in session.whole[exact[0]]):
            return False
        session.toggle_span(start, end, code_id)
        return True

    def spans(self, coder: str | None = None, transcript: str | int | None = None) -> list[Span]:
        """Span codings (of a coder, in a transcript), by transcript and position."""
        found = self.store.transcripts.get(transcript) if transcript is not None else None
        if transcript is not None and found is None:
            raise BadInput("no such transcript in the project", where=str(transcript))
        return self.store.codings.spans(coder, found.id if found else None)

    def handout(self, coder: str, out: str | Path) -> Path:
        """Write a copy of the project for one coder: transcripts and codebook, no one else's work."""
        from qualcode.core.merge import handout

        guard_output(out, projects=[self.path])
        return handout(self.store, coder, out)

    def merge(self, files: Sequence[str | Path], *, replace: bool = False) -> list[MergeResult]:
        """Bring coders' codings and memos from their hand-out files, all or nothing."""
        from qualcode.core.merge import merge

        for file in files:
            try:
                guard_output(file, projects=[self.path])
            except BadInput:
                raise BadInput("is the lead's project itself; name the coders' files", where=str(file)) from None
        return merge(self.store, list(files), replace=replace)

    def agreement(
        self,
        coder_a: str,
        coder_b: str,
        *,
        by: tuple[str, ...] = ("code",),
        bootstrap: int = 0,
        seed: int = 1,
        threshold: float = 0.6,
        overlap: float = 0.9,
        include_interviewer: bool = False,
        transcripts: list[str] | None = None,
        where: list[tuple[str, str]] | None = None,
    ) -> Report:
        """Agreement statistics of two coders per code, theme, transcript and pooled; on segments, on
        characters and by span matching (``overlap``: the share of the longer span two codings share).

        The units are the segments of the transcripts both coders have done
        (marked done, or coded when they mark none), interviewer turns left out
        unless ``include_interviewer``; ``transcripts`` and ``where``
        (participant attribute, value) restrict them further.
        """
        from qualcode.core.agreement_report import report

        return report(
            self.store,
            coder_a,
            coder_b,
            by=by,
            bootstrap=bootstrap,
            seed=seed,
            threshold=threshold,
            overlap=overlap,
            include_interviewer=include_interviewer,
            transcripts=transcripts,
            where=where,
        )

    def agreement_many(
        self,
        coders: Sequence[str],
        *,
        by: tuple[str, ...] = ("code",),
        bootstrap: int = 0,
        seed: int = 1,
        threshold: float = 0.6,
        include_interviewer: bool = False,
        transcripts: list[str] | None = None,
        where: list[tuple[str, str]] | None = None,
    ) -> ManyReport:
        """Agreement of three or more coders (Fleiss' κ, Krippendorff's α, Gwet's AC1, Brennan–Prediger,
        mean pairwise percent agreement and pairwise Cohen's κ) on the transcripts at least two have done."""
        from qualcode.core.agreement_many_report import report_many

        return report_many(
            self.store,
            list(coders),
            by=by,
            bootstrap=bootstrap,
            seed=seed,
            threshold=threshold,
            include_interviewer=include_interviewer,
            transcripts=transcripts,
            where=where,
        )

    def mark_done(self, coder: str, transcripts: Sequence[str], *, done: bool = True) -> int:
        """Mark transcripts (by name) done for a coder, or not done; returns how many marks changed."""
        ids = []
        for name in transcripts:
            found = self.store.transcripts.get(name)
            if found is None:
                raise BadInput("no such transcript in this project", where=name)
            ids.append(found.id)
        with self.store.transaction():
            changed = self.store.codings.mark_done(ids, coder, done)
            self.store.audit.log(coder, "transcripts.done" if done else "transcripts.undone", ",".join(transcripts))
        return changed

    def interviewers(self) -> list[str]:
        """The speaker names taken as the interviewer's (left out of agreement, quotes and frequencies)."""
        from qualcode.core.store.settings import INTERVIEWERS

        names = self.store.settings.get("interviewer_speakers")
        return [str(n) for n in names] if isinstance(names, list) else list(INTERVIEWERS)

    def set_interviewers(self, names: Sequence[str]) -> None:
        """Set the interviewer's speaker names; an empty list goes back to the default."""
        cleaned = [n.strip() for n in names]
        bad = next((n for n in cleaned if not n or any(ord(c) < 32 for c in n)), None)
        if bad is not None:
            raise BadInput("a speaker name cannot be empty or hold control characters", where=repr(bad))
        with self.store.transaction():
            if cleaned:
                self.store.settings.set("interviewer_speakers", list(dict.fromkeys(cleaned)))
            else:
                self.store.database.execute("DELETE FROM settings WHERE key = 'interviewer_speakers'")
            self.store.audit.log("qualcode", "settings.interviewers", ",".join(cleaned) or "default")

    def done(self, coder: str) -> list[str]:
        """The names of the transcripts a coder marked done, in the project's order."""
        marked = self.store.codings.done(coder) if self.store.codings.coder_id(coder) else set()
        return [t.name for t in self.store.transcripts.summaries() if t.id in marked]

    def resolution(self, coder_a: str, coder_b: str, lead: str) -> Resolution:
        """The lead's queue of the two coders' disagreements, and the decisions on it."""
        from qualcode.core.resolution import Resolution

        return Resolution(self.store, coder_a, coder_b, lead)

    # -- retrieval, memos, journal and the audit log ---------------------------------------

    def retrieve(
        self, code: str, *, coder: str | None = None, where: dict[str, str] | None = None, below: bool = True
    ) -> list[Any]:
        """Every passage of a code and the codes under it (see `retrieval.retrieve`)."""
        from qualcode.core.retrieval import retrieve

        return retrieve(self.store, code, coder=coder, where=where, below=below)

    def side_by_side(self, coder_a: str, coder_b: str, transcript: str) -> list[Any]:
        """Both coders' codes on every segment of a transcript (see `side_by_side.side_by_side`)."""
        from qualcode.core.side_by_side import side_by_side

        return side_by_side(self.store, coder_a, coder_b, transcript)

    def star_passage(self, passage: Any, coder: str, on: bool) -> bool:
        """Star (or unstar) a retrieved passage as a quote for the quote table; whether it is starred now."""
        if passage.segment_id is not None:
            self.store.codings.set_starred(passage.segment_id, passage.code_id, coder, on)
        else:
            self.store.codings.set_span_starred(
                passage.transcript_id, passage.start, passage.end, passage.code_id, coder, on
            )
        return on

    def memos(
        self,
        *,
        author: str | None = None,
        code: str | None = None,
        transcript: str | None = None,
        containing: str | None = None,
    ) -> list[Any]:
        """Every memo with where it stands (see `memo_manager.memos`)."""
        from qualcode.core.memo_manager import memos

        return memos(self.store, author=author, code=code, transcript=transcript, containing=containing)

    def set_code_memo(self, code: str, coder: str, text: str) -> None:
        """A coder's memo on a code, beside its definition (empty text removes it)."""
        found = self._code(code)
        self.store.memos.set_on_code(found.id, _person(coder, "--author"), text)

    def journal_add(self, author: str, text: str) -> Any:
        """A dated entry in the project's journal."""
        author = _person(author, "--author")
        if not text.strip():
            raise BadInput("a journal entry needs text", where="journal add")
        return self.store.journal.add(author, text.strip())

    def journal(self, author: str | None = None) -> list[Any]:
        return self.store.journal.entries(author)

    def log(self, *, since: str | None = None, actor: str | None = None, seen_by: str | None = None) -> list[Any]:
        """The audit log: every codebook change, merge, decision and pseudonym change with who and when;
        ``seen_by`` keeps what that coder may see (their own work and changes to the shared project)."""
        from qualcode.core.audit_log import entries, visible_to

        found = entries(self.store, since=since, actor=actor)
        return [e for e in found if visible_to(e, seen_by)] if seen_by is not None else found

    def log_line(self, entry: Any) -> str:
        """An entry as one line: when, who, what."""
        from qualcode.core.audit_log import describe

        return f"{entry.at[:19].replace('T', ' ')}  {entry.actor:<10} {describe(entry)}"

    # -- analysis and export ---------------------------------------------------------

    def tables(self, options: ExportOptions | None = None) -> dict[str, pd.DataFrame]:
        """The analysis tables (theme table, matrix, quotes, codebook …) as DataFrames, by name."""
        from qualcode.core.export.tables import Exporter

        return Exporter(self.store, options or ExportOptions()).frames()

    def overview(self, coder: str) -> tuple[pd.DataFrame, list[tuple[str, str, int]]]:
        """A coder's own overview: the code × participant matrix of segment counts (themes and subthemes
        counting the distinct segments under them), and the code pairs that share segments, most first."""
        from qualcode.core.analysis import Analysis

        analysis = Analysis(self.store, coder)
        matrix = analysis.matrix(level="code", cells="count")
        graph = analysis.cooccurrence()
        pairs = [
            (graph.nodes[a].get("label", a), graph.nodes[b].get("label", b), int(d.get("weight", 0)))
            for a, b, d in graph.edges(data=True)
        ]
        pairs.sort(key=lambda p: (-p[2], p[0], p[1]))
        return matrix, pairs

    def export_tables(self, fmt: str, named: str | None = None, *, agreement_named: bool = False) -> tuple[str, ...]:
        """The tables an export of this format writes: those ``named`` (``all`` included), else the format's
        default (the full Word report once two coders have codings); see `formats.tables_for`."""
        from qualcode.core.formats import tables_for

        return tables_for(format_named(fmt), named, self.store, agreement_named=agreement_named)

    def export_warnings(
        self, options: ExportOptions, undecided: list[tuple[str, str, int, int]] | None = None
    ) -> list[str]:
        """What an author should know before sending the tables: disagreements the lead has not yet decided,
        when the tables show the consensus (with what to run). ``undecided`` is `undecided`'s answer when the
        caller has it already (it reads both coders' work)."""
        if options.coder != CONSENSUS:
            return []
        return [
            f"{_undecided(*pair)}, so the consensus lacks them "
            f"(qualcode resolve {self.path.name} --coders {pair[0]} {pair[1]} --lead NAME)"
            for pair in (self.undecided() if undecided is None else undecided)
        ]

    def undecided(self) -> list[tuple[str, str, int, int]]:
        """Per pair of coders the lead resolves between (those with decisions, else the project's two coders):
        (coder A, coder B, disagreements not yet decided, disagreements), for pairs with any undecided."""
        from qualcode.core.resolution import Resolution

        pairs = sorted({(a, b) for a, b, _d in self.store.decisions.every()})
        if not pairs:
            coders = [c for c in self.store.codings.coders() if c != CONSENSUS and self.store.codings.count(c)]
            pairs = [(coders[0], coders[1])] if len(coders) == 2 else []
        out = []
        for a, b in pairs:
            decided, total = Resolution(self.store, a, b, CONSENSUS).progress()
            if decided < total:
                out.append((a, b, total - decided, total))
        return out

    def export(
        self,
        fmt: str,
        output: str | Path,
        options: ExportOptions | None = None,
        *,
        progress: Progress | None = None,
        undecided: list[tuple[str, str, int, int]] | None = None,
    ) -> list[Path]:
        """Write the project (or its analysis tables) in a registered format; returns the files written.

        Tables of the consensus while the lead has disagreements to decide carry a "Provisional" note, and
        ``options.strict`` refuses them; ``undecided`` is `undecided`'s answer when the caller has it already.
        """
        chosen = format_named(fmt)
        options = options or ExportOptions(tables=chosen.default_tables)
        if chosen.tables and options.coder == CONSENSUS:
            pending = [_undecided(*pair) for pair in (self.undecided() if undecided is None else undecided)]
            if pending and options.strict:
                raise BadInput(f"{pending[0]}; decide them first, or leave out --strict", where="--strict")
            if pending and not options.provisional:
                options = replace(options, provisional=tuple(pending))
        template = options.template
        guard_output(output, inputs=[template] if template else [], projects=[self.path])
        return chosen.write(self.store, Path(output), options, progress)

    # -- text tools ------------------------------------------------------------------------

    def search(
        self, query: str, *, lemma: bool = False, transcript: str | None = None, limit: int | None = None
    ) -> list[SearchHit]:
        """Every place a word, phrase or lemma occurs, with its context."""
        from qualcode.core.search import search

        return search(self.store, query, lemma=lemma, transcript=transcript, limit=limit)

    def code_hits(self, hits: list[SearchHit], coder: str, code: str, *, extent: str = "segment") -> int:
        """Apply a code to every hit for a coder: its segment, its sentence or its words (``extent``);
        returns how many codings were new."""
        from qualcode.core.search import code_hits

        return code_hits(self.store, hits, coder, code, extent)

    def suggestions(
        self,
        coder: str,
        *,
        transcript: str | None = None,
        leave_out_speakers: str | None = None,
        include_interviewer: bool = False,
    ) -> list[Suggestion]:
        """Codes the codebook's keywords propose for a coder's segments (never applied unless accepted)."""
        from qualcode.core.suggest import suggestions

        return suggestions(
            self.store,
            coder,
            transcript=transcript,
            leave_out_speakers=leave_out_speakers,
            include_interviewer=include_interviewer,
        )

    def accept_suggestions(self, coder: str, chosen: Iterable[Suggestion]) -> int:
        from qualcode.core.suggest import accept

        return accept(self.store, coder, chosen)

    def reject_suggestions(self, coder: str, chosen: Iterable[Suggestion]) -> None:
        from qualcode.core.suggest import reject

        reject(self.store, coder, chosen)

    def learned_suggestions(
        self,
        coder: str,
        *,
        precision: float = 0.8,
        seed: int = 1,
        progress: Progress | None = None,
    ) -> Learned:
        """Train on the coder's own codings, report precision and recall per code measured on held-out
        transcripts, and propose codes for the transcripts the coder has not coded (never applied)."""
        from qualcode.core.learned import learn

        return learn(self.store, coder, precision=precision, seed=seed, progress=progress)

    def accept_learned(self, coder: str, chosen: Sequence[LearnedSuggestion]) -> int:
        from qualcode.core.learned import accept

        return accept(self.store, coder, chosen)

    def reject_learned(self, coder: str, chosen: Sequence[LearnedSuggestion]) -> None:
        """Remember turned-down learned suggestions: not offered again, and negatives of the next training."""
        from qualcode.core.suggest import reject

        reject(self.store, coder, chosen)

    def code_by_speaker(self, coder: str, speaker_pattern: str, code: str) -> int:
        """Code every turn whose speaker matches a pattern; returns how many codings were new."""
        from qualcode.core.suggest import code_by_speaker

        return code_by_speaker(self.store, coder, speaker_pattern, code)

    def frequencies(
        self, *, by: str = "transcript", coder: str = CONSENSUS, top: int = 20, include_interviewer: bool = False
    ) -> pd.DataFrame:
        """Word frequencies (lemmas, stop words out) per transcript, theme or participant group."""
        from qualcode.core.frequencies import frequencies

        return frequencies(self.store, by=by, coder=coder, top=top, include_interviewer=include_interviewer)

    def write_frequencies(self, frame: pd.DataFrame, output: str | Path) -> Path:
        """Write a frequency table to .csv or .xlsx, published, whole or not at all."""
        from qualcode.core.files import atomic_file

        suffix = Path(output).suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise BadInput("write frequencies to a .csv or .xlsx file", where=str(output))
        guard_output(output, projects=[self.path])
        frame = self.publication().frame(frame)
        with atomic_file(output, suffix) as temporary:
            if suffix == ".csv":
                frame.to_csv(temporary, index=False)
            else:
                frame.to_excel(temporary, index=False)
        return Path(output)

    # -- pseudonyms ------------------------------------------------------------------------

    def pseudonyms(self) -> list[Pseudonym]:
        """The pseudonym list, longest name first."""
        return self.store.pseudonyms.all()

    def set_pseudonym(
        self, original: str, replacement: str, *, confirmed: bool = True, prefix: bool = False, actor: str = "lead"
    ) -> None:
        """Add or change a name's replacement, with its audit entry.

        ``prefix`` also hides the words the name begins (``Nordby`` in
        ``Nordbyskolen``), for languages that write compounds as one word.
        """
        original = unicodedata.normalize("NFC", original.strip())
        if not original:
            raise BadInput("give the name to hide and its replacement")
        with self.store.transaction():
            self.store.pseudonyms.set(original, replacement, confirmed=confirmed, prefix=prefix)
            self.store.audit.log(
                actor, "pseudonym.set", original, replacement=replacement, confirmed=confirmed, prefix=prefix
            )

    def confirm_pseudonym(self, original: str, *, actor: str = "lead") -> None:
        entry = self._pseudonym(original)
        self.set_pseudonym(entry.original, entry.replacement, confirmed=True, prefix=entry.prefix, actor=actor)

    def remove_pseudonym(self, original: str, *, actor: str = "lead") -> None:
        entry = self._pseudonym(original)
        with self.store.transaction():
            self.store.pseudonyms.delete(entry.original)
            self.store.audit.log(actor, "pseudonym.remove", entry.original)

    def _pseudonym(self, original: str) -> Pseudonym:
        for entry in self.store.pseudonyms.all():
            if entry.original == original:
                return entry
        raise BadInput("is not in the pseudonym list; see 'pseudonyms list'", where=original)

    def suggest_pseudonyms(self, *, limit: int = 50) -> list[Candidate]:
        """Names and places found in the transcripts that are not in the list yet."""
        from qualcode.core.pseudonyms import suggest

        return suggest(self.store, limit=limit)

    def add_pseudonym_candidates(self, found: Iterable[Candidate], replacement: str, *, actor: str = "lead") -> int:
        """Put candidates in the list unconfirmed, for the lead to review; returns how many."""
        items = list(found)
        with self.store.transaction():
            for candidate in items:
                self.store.pseudonyms.set(candidate.text, replacement, confirmed=False)
            if items:
                self.store.audit.log(actor, "pseudonym.suggest", "", added=len(items))
        return len(items)

    def pseudonym_report(self) -> list[tuple[str, int, str, int]]:
        """Where confirmed names are replaced: (transcript, segment, name, times)."""
        from qualcode.core.pseudonyms import report

        return report(self.store)


def _undecided(coder_a: str, coder_b: str, undecided: int, total: int) -> str:
    return f"{undecided} of {total} disagreements between {coder_a} and {coder_b} are not yet decided"


def _person(name: str, flag: str) -> str:
    """A coder's or an author's name as kept: trimmed, not empty, printable (it is shown in tables and logs)."""
    kept = name.strip()
    if not kept or not kept.isprintable():
        raise BadInput("a name must be printable text, e.g. --author carol", where=flag)
    return kept
