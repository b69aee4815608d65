"""Bringing transcript files into a project: read, check, segment, and write them all in one transaction.

A transcript of the same name with the same text is left alone; with other
text it is replaced only when asked, and codings and memos move over to the
segments whose text did not change.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from qualcode.core.errors import BadInput
from qualcode.core.ingest.segmenting import SegmentRow
from qualcode.core.ingest.turns import RawTranscript
from qualcode.core.model import UNITS, ImportReport, Progress
from qualcode.core.store import Store

_PARTICIPANT_IN_NAME = re.compile(r"(?<![A-Za-z0-9])[Pp](\d+)(?![0-9])")
_PARTICIPANT_SPEAKER = re.compile(r"^P\d+$")


def import_files(
    store: Store,
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

    unit = unit or str(store.settings.get("unit", "turn"))
    if unit not in UNITS:
        raise BadInput(f"unknown unit '{unit}'; choose one of {', '.join(UNITS)}", where="--unit")
    pattern = compile_speaker_pattern(speaker_pattern or store.settings.get("speaker_pattern"))
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
    rows = segment_many(raws, unit, lang=store.settings.lang, model=store.settings.spacy_model)
    reports: list[ImportReport] = []
    with store.transaction():
        for p, raw, segs in zip(paths, raws, rows, strict=True):
            reports.append(_store_transcript(store, p, raw, segs, unit, participant, replace))
    return reports, skipped


def _store_transcript(
    store: Store,
    path: Path,
    raw: RawTranscript,
    segments: list[SegmentRow],
    unit: str,
    participant: str | None,
    replace: bool,
) -> ImportReport:
    name = path.stem
    digest = hashlib.sha256(raw.text.encode("utf-8")).hexdigest()
    pid = participant or _infer_participant(name, raw.speakers)
    existing = store.transcripts.get(name)
    notes = list(raw.notes)
    status = "imported"
    if existing is not None:
        if existing.sha256 == digest:
            return ImportReport(
                str(path),
                name,
                existing.participant,
                len(store.transcripts.segments(existing.id)),
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
        kept, dropped = _replace_transcript(
            store, existing.id, name, raw.text, digest, str(path.name), unit, pid, segments
        )
        notes.append(f"replaced: kept {kept} codings on unchanged segments, dropped {dropped}")
        status = "replaced"
    else:
        store.transcripts.add(
            name=name,
            text=raw.text,
            sha256=digest,
            source=path.name,
            lang=store.settings.lang,
            unit=unit,
            participant=pid,
            segments=segments,
        )
    store.audit.log("qualcode", "import", name, source=path.name, sha256=digest, unit=unit)
    return ImportReport(str(path), name, pid, len(segments), raw.words, raw.speakers, status, tuple(notes))


def _replace_transcript(
    store: Store,
    old_id: int,
    name: str,
    text: str,
    digest: str,
    source: str,
    unit: str,
    participant: str | None,
    segments: list[SegmentRow],
) -> tuple[int, int]:
    """Swap in a new text, carrying codings and memos over to segments whose text is unchanged."""
    old = store.transcripts.get(old_id)
    assert old is not None
    old_texts = {s.id: old.text[s.start : s.end] for s in store.transcripts.segments(old_id)}
    # A name no transcript can have (names come from file names, which hold no "/"): the old one is
    # deleted below anyway.
    store.transcripts.rename(old_id, f"{name}/replaced")
    new_id = store.transcripts.add(
        name=name,
        text=text,
        sha256=digest,
        source=source,
        lang=store.settings.lang,
        unit=unit,
        participant=participant,
        segments=segments,
    )
    by_text: dict[str, int] = {}
    for seg in store.transcripts.segments(new_id):
        by_text.setdefault(text[seg.start : seg.end], seg.id)
    mapping = {old_seg: by_text[t] for old_seg, t in old_texts.items() if t in by_text}
    kept, dropped = store.transcripts.carry_segment_work(mapping, old_id, new_id)
    store.transcripts.delete(old_id)
    return kept, dropped


def _infer_participant(name: str, speakers: Iterable[str]) -> str | None:
    """``P3`` from a file name such as ``P3_interview``, else from a ``P3:`` speaker label."""
    m = _PARTICIPANT_IN_NAME.search(name)
    if m:
        return f"P{int(m.group(1))}"
    labels = [s for s in speakers if _PARTICIPANT_SPEAKER.match(s)]
    return labels[0] if len(labels) == 1 else None
