"""A study's project file and what a researcher does with it: the Python API.

The command line is a thin layer on `Project`; so is the terminal interface.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from qualcode.core import codebook_edit
from qualcode.core.codebook import Codebook, codebook_from_codes, load_codebook_file
from qualcode.core.errors import BadInput
from qualcode.core.model import UNITS, ImportReport
from qualcode.core.store import Store

Progress = Callable[[int, int, str], None]
"""Called as ``progress(done, total, item)`` while a long job runs."""

_PARTICIPANT_IN_NAME = re.compile(r"(?<![A-Za-z0-9])[Pp](\d+)(?![0-9])")
_PARTICIPANT_SPEAKER = re.compile(r"^P\d+$")


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
    ) -> Project:
        """Make a new project file, optionally with a codebook loaded."""
        from qualcode.core.nlp import check_language

        check_language(lang)
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
                store.audit.log("qualcode", "init", str(Path(path).name), lang=lang)
        except BaseException:
            store.close()
            Path(path).unlink(missing_ok=True)
            raise
        return cls(store)

    @classmethod
    def open(cls, path: str | Path) -> Project:
        return cls(Store(path))

    def close(self) -> None:
        self.store.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def path(self) -> Path:
        return self.store.path

    @property
    def lang(self) -> str:
        return str(self.store.settings.get("lang", "en"))

    @property
    def spacy_model(self) -> str | None:
        """A trained spaCy pipeline named in the project's settings, used when installed."""
        value = self.store.settings.get("spacy_model")
        return str(value) if value else None

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
        from qualcode.core.ingest import read_transcript, segment_many
        from qualcode.core.ingest.readers import SKIPPED_SUFFIXES
        from qualcode.core.ingest.turns import compile_speaker_pattern

        unit = unit or str(self.store.settings.get("unit", "turn"))
        if unit not in UNITS:
            raise BadInput(f"unknown unit '{unit}'; choose one of {', '.join(UNITS)}", where="--unit")
        pattern = compile_speaker_pattern(speaker_pattern or self.store.settings.get("speaker_pattern"))
        skipped: list[str] = []
        paths: list[Path] = []
        for f in files:
            p = Path(f)
            if p.is_dir():
                skipped.append(f"{p}: a folder; name the files in it to import them")
            elif p.suffix.lower() in SKIPPED_SUFFIXES and len(files) > 1:
                skipped.append(f"{p}: {SKIPPED_SUFFIXES[p.suffix.lower()]}")
            else:
                paths.append(p)
        names: dict[str, Path] = {}
        for p in paths:
            if p.stem in names:
                raise BadInput(f"has the same name '{p.stem}' as {names[p.stem]}; rename one of them", where=str(p))
            names[p.stem] = p
        raws = []
        for i, p in enumerate(paths):
            if progress:
                progress(i, len(paths), f"reading {p.name}")
            raws.append(read_transcript(p, pattern))
        if progress:
            progress(len(paths), len(paths), "segmenting")
        rows = segment_many(raws, unit, lang=self.lang, model=self.spacy_model)
        reports: list[ImportReport] = []
        with self.store.transaction():
            for p, raw, segs in zip(paths, raws, rows, strict=True):
                reports.append(self._store_transcript(p, raw, segs, unit, participant, replace))
        return reports, skipped

    def _store_transcript(
        self, path: Path, raw: Any, segments: list[Any], unit: str, participant: str | None, replace: bool
    ) -> ImportReport:
        name = path.stem
        digest = hashlib.sha256(raw.text.encode("utf-8")).hexdigest()
        pid = participant or _infer_participant(name, raw.speakers)
        existing = self.store.transcripts.get(name)
        notes = list(raw.notes)
        status = "imported"
        if existing is not None:
            if existing.sha256 == digest:
                return ImportReport(
                    str(path),
                    name,
                    existing.participant,
                    len(self.store.transcripts.segments(existing.id)),
                    raw.words,
                    raw.speakers,
                    "unchanged",
                    ("same text as already imported; nothing to do",),
                )
            if not replace:
                raise BadInput(
                    f"a transcript named '{name}' with different text is in the project already; "
                    "use --replace to put this one in its place",
                    where=str(path),
                )
            kept, dropped = self._replace_transcript(
                existing.id, name, raw.text, digest, str(path.name), unit, pid, segments
            )
            notes.append(f"replaced: kept {kept} codings on unchanged segments, dropped {dropped}")
            status = "replaced"
        else:
            self.store.transcripts.add(
                name=name,
                text=raw.text,
                sha256=digest,
                source=path.name,
                lang=self.lang,
                unit=unit,
                participant=pid,
                segments=segments,
            )
        self.store.audit.log("qualcode", "import", name, source=path.name, sha256=digest, unit=unit)
        return ImportReport(str(path), name, pid, len(segments), raw.words, raw.speakers, status, tuple(notes))

    def _replace_transcript(
        self,
        old_id: int,
        name: str,
        text: str,
        digest: str,
        source: str,
        unit: str,
        participant: str | None,
        segments: list[Any],
    ) -> tuple[int, int]:
        """Swap in a new text, carrying codings and memos over to segments whose text is unchanged."""
        old = self.store.transcripts.get(old_id)
        assert old is not None
        old_texts = {s.id: old.text[s.start : s.end] for s in self.store.transcripts.segments(old_id)}
        self.store.transcripts.rename(old_id, f"{name} (replaced)")
        new_id = self.store.transcripts.add(
            name=name,
            text=text,
            sha256=digest,
            source=source,
            lang=self.lang,
            unit=unit,
            participant=participant,
            segments=segments,
        )
        by_text: dict[str, int] = {}
        for seg in self.store.transcripts.segments(new_id):
            by_text.setdefault(text[seg.start : seg.end], seg.id)
        mapping = {old_seg: by_text[t] for old_seg, t in old_texts.items() if t in by_text}
        kept, dropped = self.store.transcripts.carry_segment_work(mapping, old_id)
        self.store.transcripts.delete(old_id)
        return kept, dropped

    def transcripts(self) -> list[dict[str, Any]]:
        """Every transcript's name, participant, unit, segment and word counts."""
        return self.store.transcripts.summaries()

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

    def participants(self) -> list[Any]:
        return self.store.participants.all()

    # -- codebook ----------------------------------------------------------

    def codebook(self) -> Codebook:
        return codebook_from_codes(
            self.store.codebook.codes(),
            str(self.store.settings.get("codebook_name", "") or ""),
            str(self.store.settings.get("codebook_description", "") or ""),
        )

    def load_codebook(self, path: str | Path, *, actor: str = "qualcode") -> dict[str, int]:
        """Bring a codebook file into the project; see `codebook_edit.load_into`."""
        return codebook_edit.load_into(self.store, load_codebook_file(path), actor=actor)

    def rename_code(self, reference: str, new_name: str, *, actor: str = "qualcode") -> None:
        codebook_edit.rename(self.store, self._code(reference).id, new_name, actor=actor)

    def move_code(self, reference: str, new_parent: str | None, *, actor: str = "qualcode") -> None:
        parent = self._code(new_parent).id if new_parent else None
        codebook_edit.move(self.store, self._code(reference).id, parent, actor=actor)

    def merge_codes(self, source: str, target: str, *, actor: str = "qualcode") -> int:
        return codebook_edit.merge(self.store, self._code(source).id, self._code(target).id, actor=actor)

    def delete_code(self, reference: str, *, force: bool = False, actor: str = "qualcode") -> int:
        return codebook_edit.delete(self.store, self._code(reference).id, force=force, actor=actor)

    def _code(self, reference: str) -> Any:
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

        return export_codings(self.store, self.codebook(), Path(csv_path), coder)


def _infer_participant(name: str, speakers: Iterable[str]) -> str | None:
    """``P3`` from a file name such as ``P3_interview``, else from a ``P3:`` speaker label."""
    m = _PARTICIPANT_IN_NAME.search(name)
    if m:
        return f"P{int(m.group(1))}"
    labels = [s for s in speakers if _PARTICIPANT_SPEAKER.match(s)]
    return labels[0] if len(labels) == 1 else None
