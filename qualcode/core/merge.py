"""Hand a copy of the project to each coder, and bring their codings back into the lead's project.

A coder's file is matched to the lead's by the study id, the transcripts'
SHA-256 and segment offsets, and the codes' ids: anything that does not line
up is refused with a message naming the transcript or code, never merged
out of place. A merge is one transaction: refused means unchanged.

Each hand-out carries a binding: an HMAC over the study id, the coder and the
hand-out's id, made with a key that only the lead's project holds. Merge
accepts a file only when its binding verifies, and then only the work of the
coder it was handed to: a file edited to carry another coder's codings, or
the consensus, is refused, and no other coder's rows are ever touched.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.core.errors import BadInput
from qualcode.core.model import CONSENSUS, SpanRow
from qualcode.core.store import Store


@dataclass
class MergeResult:
    """What merging one coder's work from one file did."""

    file: str
    coder: str
    added: int = 0
    removed: int = 0
    memos: int = 0
    stars: int = 0
    per_transcript: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Transcript name → (codings added, codings removed)."""

    @property
    def unchanged(self) -> bool:
        return not (self.added or self.removed or self.memos or self.stars)

    def describe(self) -> str:
        if self.unchanged:
            return f"{self.file}: {self.coder}: unchanged (already merged)"
        text = f"{self.file}: {self.coder}: {self.added} codings added"
        if self.removed:
            text += f", {self.removed} removed"
        if self.memos:
            text += f", {self.memos} memos"
        if self.stars:
            text += f", {self.stars} quote stars changed"
        return text


def handout(source: Store, coder: str, out: str | Path) -> Path:
    """Write a copy of the project for one coder: transcripts and codebook, no one else's work."""
    coder = coder.strip()
    if not coder:
        raise BadInput("a coder needs a name", where="--coder")
    if coder == CONSENSUS:
        raise BadInput("the consensus is the lead's; hand out to a coder by name", where="--coder")
    target = Path(out)
    if target.exists():
        raise BadInput("already exists; choose another name or delete it first", where=str(target))
    if not target.parent.is_dir():
        raise BadInput("the folder does not exist", where=str(target))
    handout_id = str(uuid.uuid4())
    binding = {
        "id": handout_id,
        "coder": coder,
        "study_id": source.study_id,
        "mac": _mac(source, source.study_id, coder, handout_id),
    }
    source.handouts.add(handout_id, coder)
    partial = target.with_name(target.name + ".partial")
    source.copy_to(partial)
    try:
        copy = Store(partial)
        try:
            with copy.transaction():
                copy.keep_only_coder(coder)
                copy.handouts.forget_all()
                copy.codings.coder_id(coder, create=True)
                copy.settings.set("handout_coder", coder)
                copy.settings.set("handout", binding)
                copy.audit.log("qualcode", "handout", coder, source=source.path.name)
            copy.checkpoint()
        finally:
            copy.close()
        os.replace(partial, target)
    finally:
        for leftover in (partial, Path(str(partial) + "-wal"), Path(str(partial) + "-shm")):
            leftover.unlink(missing_ok=True)
    return target


def merge(lead: Store, files: list[str | Path], *, replace: bool = False) -> list[MergeResult]:
    """Bring each coder file's codings and memos into the lead's project, all or nothing."""
    lead_segments = {
        (sha, ordinal): (sid, start, end) for sha, ordinal, sid, start, end in lead.transcripts.segment_keys()
    }
    lead_transcripts = {t["sha256"]: t["name"] for t in _transcripts(lead)}
    lead_codes = {c.id for c in lead.codebook.codes()}
    results: list[MergeResult] = []
    with lead.transaction():
        for file in files:
            results.extend(_merge_one(lead, Path(file), lead_segments, lead_transcripts, lead_codes, replace))
        for result in results:
            if not result.unchanged:
                lead.audit.log(
                    "qualcode",
                    "merge",
                    result.coder,
                    file=result.file,
                    added=result.added,
                    removed=result.removed,
                    memos=result.memos,
                )
    return results


def _mac(lead: Store, study_id: str, coder: str, handout_id: str) -> str:
    message = "\x1f".join((study_id, coder, handout_id)).encode("utf-8")
    return hmac.new(lead.handouts.key(), message, hashlib.sha256).hexdigest()


def bound_coder(lead: Store, other: Store, path: Path) -> str:
    """The coder a hand-out file was made for, once its binding verifies against the lead's key."""
    binding = other.settings.get("handout")
    if not isinstance(binding, dict) or not all(isinstance(binding.get(k), str) for k in ("id", "coder", "mac")):
        raise BadInput(
            "is not a hand-out of this project (it carries no binding); merge only files made with "
            "'qualcode handout', or hand this coder a new copy",
            where=str(path),
        )
    coder, handout_id = binding["coder"], binding["id"]
    recorded = lead.handouts.coder_of(handout_id)
    expected = _mac(lead, lead.study_id, coder, handout_id)
    if recorded != coder or not hmac.compare_digest(expected, binding["mac"]):
        raise BadInput(
            "its hand-out binding does not verify (it was not handed out from this project to "
            f"'{coder}', or it was edited); nothing was merged",
            where=str(path),
        )
    return coder


def _transcripts(store: Store) -> list[dict[str, str]]:
    return [{"sha256": t.sha256, "name": t.name} for t in store.transcripts.all()]


def _merge_one(
    lead: Store,
    path: Path,
    lead_segments: dict[tuple[str, int], tuple[int, int, int]],
    lead_transcripts: dict[str, str],
    lead_codes: set[str],
    replace: bool,
) -> list[MergeResult]:
    if not lead.on_server and path.resolve() == lead.path.resolve():
        raise BadInput("is the lead's project itself; merge the coders' files into it", where=str(path))
    other = Store(path)
    try:
        if other.study_id != lead.study_id:
            raise BadInput(
                "belongs to another study (its study id differs from the lead's project); "
                "merge only files handed out from this project",
                where=str(path),
            )
        segment_of: dict[int, int] = {}
        name_of_segment: dict[int, str] = {}
        for transcript in other.transcripts.all():
            for segment in other.transcripts.segments(transcript.id):
                found = lead_segments.get((transcript.sha256, segment.ordinal))
                if found is None or (found[1], found[2]) != (segment.start, segment.end):
                    break
                segment_of[segment.id] = found[0]
                name_of_segment[found[0]] = transcript.name
        coder = bound_coder(lead, other, path)
        others = [c for c in other.codings.coders() if c != coder and _has_work(other, c)]
        if others:
            raise BadInput(
                f"holds work of {', '.join(others)} besides {coder}, to whom it was handed out; a hand-out "
                "carries only its coder's work; nothing was merged",
                where=str(path),
            )
        results = []
        if _has_work(other, coder):
            rows = other.codings.rows(coder)
            _check_lines_up(path, other, rows, segment_of, lead_transcripts, lead_codes)
            memos = other.memos.of_coder(coder)
            incoming = [(segment_of[s], c, at, origin, starred) for s, c, at, origin, starred in rows]
            incoming_memos: dict[MemoKey, str] = {
                ("segment", segment_of[s]): text for s, text in memos.items() if s in segment_of
            }
            incoming_memos.update(_incoming_passage_memos(lead, other, path, coder))
            spans = _incoming_spans(lead, other, path, coder, lead_codes)
            results.append(_apply(lead, path, coder, incoming, incoming_memos, name_of_segment, replace, spans))
        _carry_done_marks(lead, other, coder)
        _carry_code_memos_and_journal(lead, other, coder, lead_codes)
        return results
    finally:
        other.close()


MemoKey = tuple
"""A memo's place: ("segment", segment id) or ("passage", transcript id, start, end)."""


def _carry_done_marks(lead: Store, other: Store, coder: str) -> None:
    """The transcripts the coder marked done in the hand-out are the ones marked done in the lead's project."""
    lead_by_text = {t.sha256: t.id for t in lead.transcripts.all()}
    theirs = {t.id: t.sha256 for t in other.transcripts.all()}
    done = {lead_by_text[theirs[t]] for t in other.codings.done(coder) if theirs.get(t) in lead_by_text}
    if lead.codings.coder_id(coder) is None and not done:
        return
    before = lead.codings.done(coder)
    lead.codings.mark_done(done - before, coder, True)
    lead.codings.mark_done(before - done, coder, False)


def _carry_code_memos_and_journal(lead: Store, other: Store, coder: str, lead_codes: set[str]) -> None:
    """The coder's memos on codes (theirs to write: the hand-out's replace the lead's copy) and the coder's
    journal entries the lead's project lacks."""
    for code_id, text in other.memos.codes_of(coder).items():
        if code_id in lead_codes and lead.memos.on_code(code_id, coder) != text:
            lead.memos.set_on_code(code_id, coder, text)
    known = {(e.author, e.at, e.text) for e in lead.journal.entries(coder)}
    for entry in other.journal.entries(coder):
        if (entry.author, entry.at, entry.text) not in known:
            lead.journal.add(entry.author, entry.text, entry.at)


def _has_work(store: Store, coder: str) -> bool:
    return bool(store.codings.count(coder) or store.memos.of_coder(coder) or store.memos.passages_of(coder))


def _memos(store: Store, coder: str) -> dict[MemoKey, str]:
    """A coder's memos on segments and on passages, by place."""
    out: dict[MemoKey, str] = {("segment", s): text for s, text in store.memos.of_coder(coder).items()}
    out.update((("passage", *k), text) for k, text in store.memos.passages_of(coder).items())
    return out


def _incoming_passage_memos(lead: Store, other: Store, path: Path, coder: str) -> dict[MemoKey, str]:
    """The coder's memos on passages, on the lead's transcripts (the same text, so the same offsets)."""
    memos = other.memos.passages_of(coder)
    if not memos:
        return {}
    lead_by_text = {t.sha256: t.id for t in lead.transcripts.all()}
    theirs = {t.id: t for t in other.transcripts.all()}
    out: dict[MemoKey, str] = {}
    for (tid, start, end), text in memos.items():
        transcript = theirs[tid]
        if transcript.sha256 not in lead_by_text:
            raise BadInput(
                f"transcript '{transcript.name}': its text differs from the lead's copy (or the lead does not have "
                "it); nothing was merged",
                where=str(path),
            )
        out[("passage", lead_by_text[transcript.sha256], start, end)] = text
    return out


def _set_memo(store: Store, key: MemoKey, coder: str, text: str) -> None:
    if key[0] == "segment":
        store.memos.set_on_segment(key[1], coder, text)
    else:
        store.memos.set_on_passage(key[1], key[2], key[3], coder, text)


def _incoming_spans(lead: Store, other: Store, path: Path, coder: str, lead_codes: set[str]) -> list[SpanRow]:
    """The coder's span codings, on the lead's transcripts (the same text, so the same offsets)."""
    rows = other.codings.span_rows(coder)
    if not rows:
        return []
    lead_by_text = {t.sha256: t.id for t in lead.transcripts.all()}
    theirs = {t.id: t for t in other.transcripts.all()}
    out = []
    for row in rows:
        transcript = theirs[row.transcript_id]
        if transcript.sha256 not in lead_by_text:
            raise BadInput(
                f"transcript '{transcript.name}': its text differs from the lead's copy (or the lead does not have "
                "it); nothing was merged",
                where=str(path),
            )
        if row.code_id not in lead_codes:
            code = other.codebook.get(row.code_id)
            raise BadInput(
                f"code '{code.name if code else row.code_id}' ({row.code_id}) is not in the lead's codebook; "
                "load the same codebook first; nothing was merged",
                where=str(path),
            )
        out.append(row._replace(transcript_id=lead_by_text[transcript.sha256]))
    return out


def _check_lines_up(
    path: Path,
    other: Store,
    rows: list[tuple[int, str, str, str, int]],
    segment_of: dict[int, int],
    lead_transcripts: dict[str, str],
    lead_codes: set[str],
) -> None:
    """Refuse codings on a transcript the lead does not have as-is, or with a code the lead lacks."""
    unmatched = {s for s, *_ in rows if s not in segment_of}
    if unmatched:
        for transcript in other.transcripts.all():
            ids = {seg.id for seg in other.transcripts.segments(transcript.id)}
            if ids & unmatched:
                if transcript.sha256 not in lead_transcripts:
                    reason = "its text differs from the lead's copy (or the lead does not have it)"
                else:
                    reason = "its segments differ from the lead's (it was segmented another way)"
                raise BadInput(f"transcript '{transcript.name}': {reason}; nothing was merged", where=str(path))
    missing = {c for _s, c, *_ in rows} - lead_codes
    if missing:
        code_id = sorted(missing)[0]
        code = other.codebook.get(code_id)
        name = code.name if code else code_id
        raise BadInput(
            f"code '{name}' ({code_id}) is not in the lead's codebook; load the same codebook first; "
            "nothing was merged",
            where=str(path),
        )


def _apply(
    lead: Store,
    path: Path,
    coder: str,
    incoming: list[tuple[int, str, str, str, int]],
    incoming_memos: dict[MemoKey, str],
    name_of_segment: dict[int, str],
    replace: bool,
    spans: list[SpanRow],
) -> MergeResult:
    result = MergeResult(path.name, coder)
    known = lead.codings.coder_id(coder) is not None
    lead_spans = (
        {(r.transcript_id, r.code_id, r.start, r.end): r for r in lead.codings.span_rows(coder)} if known else {}
    )
    their_spans = {(r.transcript_id, r.code_id, r.start, r.end): r for r in spans}
    spans_added = set(their_spans) - set(lead_spans)
    spans_removed = set(lead_spans) - set(their_spans)
    spans_restarred = {k for k in set(their_spans) & set(lead_spans) if their_spans[k].starred != lead_spans[k].starred}
    names = {t.id: t.name for t in lead.transcripts.all()} if (spans_added or spans_removed) else {}
    starred = (
        {(s, c): bool(star) for s, c, *_, star in lead.codings.rows(coder)} if lead.codings.coder_id(coder) else {}
    )
    existing = set(starred)
    new = {(s, c) for s, c, *_ in incoming}
    restarred = {(s, c): bool(star) for s, c, *_, star in incoming if (s, c) in starred and starred[s, c] != bool(star)}
    existing_memos = _memos(lead, coder) if lead.codings.coder_id(coder) else {}
    added, removed = new - existing, existing - new
    changed_memos = {s for s in incoming_memos if existing_memos.get(s) != incoming_memos[s]}
    dropped_memos = set(existing_memos) - set(incoming_memos)
    if not (
        added
        or removed
        or changed_memos
        or dropped_memos
        or restarred
        or spans_added
        or spans_removed
        or spans_restarred
    ):
        return result
    plus = Counter(name_of_segment.get(s, "?") for s, _c in added)
    minus = Counter(name_of_segment.get(s, "?") for s, _c in removed)
    plus.update(names.get(k[0], "?") for k in spans_added)
    minus.update(names.get(k[0], "?") for k in spans_removed)
    result.per_transcript = {n: (plus.get(n, 0), minus.get(n, 0)) for n in sorted(set(plus) | set(minus))}
    overwritten = {s for s in changed_memos if s in existing_memos}
    if (removed or spans_removed or dropped_memos or overwritten) and not replace:
        where = ", ".join(f"{name} +{a}/-{r}" for name, (a, r) in result.per_transcript.items())
        raise BadInput(
            f"coder '{coder}' already has different codings in the lead's project ({where or 'memos differ'}); "
            "merge with --replace to take this file's codings instead; nothing was merged",
            where=str(path),
        )
    lead.codings.remove_many(removed, coder)
    lead.codings.put_rows(coder, [row for row in incoming if (row[0], row[1]) in added])
    for key in dropped_memos:
        _set_memo(lead, key, coder, "")
    for key in changed_memos:
        _set_memo(lead, key, coder, incoming_memos[key])
    for (s, c), star in restarred.items():
        lead.codings.set_starred(s, c, coder, star)
    for tid, code_id, start, end in spans_removed:
        lead.codings.remove_span(tid, start, end, code_id, coder)
    lead.codings.put_span_rows(coder, [their_spans[k] for k in sorted(spans_added)])
    for tid, code_id, start, end in spans_restarred:
        lead.codings.set_span_starred(
            tid, start, end, code_id, coder, bool(their_spans[tid, code_id, start, end].starred)
        )
    result.added = len(added) + len(spans_added)
    result.removed = len(removed) + len(spans_removed)
    result.stars = len(restarred) + len(spans_restarred)
    result.memos = len(changed_memos) + len(dropped_memos)
    return result
