"""Keyword suggestions: codes proposed for segments whose words match the codes' keywords.

Each code may list keywords and phrases in the codebook. The search index
finds them twice: among the lower-case words and among their lemmas (so the
keyword "meeting" also finds "meetings"). A suggestion is only a proposal:
nothing becomes a coding until the coder accepts it, and an accepted one is
recorded with origin "suggestion", so reports can say how many codings came
from the machine and agreement is not inflated unknowingly. Rejected
suggestions are remembered and not proposed again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qualcode.core.codebook import codebook_of
from qualcode.core.errors import BadInput
from qualcode.core.search import JOINERS, phrase_keys
from qualcode.core.store import Store
from qualcode.core.store.search_index import FORM_KINDS, LEMMA_KINDS
from qualcode.core.store.settings import is_interviewer
from qualcode.core.textindex import lemma_table, search_documents

if TYPE_CHECKING:
    from qualcode.core.learned import LearnedSuggestion


@dataclass(frozen=True)
class Suggestion:
    """A code proposed for a segment, and the words that matched."""

    segment_id: int
    transcript: str
    ordinal: int
    code_id: str
    code: str
    matched: str


def _keywords(store: Store) -> tuple[dict[str, list[list[str]]], dict[str, str]]:
    """Each code's keywords as lower-case words (hyphens and slashes left out), and the codes' names."""
    from qualcode.core.nlp import pipeline

    nlp = pipeline(store.settings.lang, store.settings.spacy_model)
    keywords: dict[str, list[list[str]]] = {}
    names = {}
    for code in store.codebook.codes():
        if not code.keywords:
            continue
        names[code.id] = code.name
        phrases = []
        for keyword in code.keywords:
            words = [t.lower_ for t in nlp.make_doc(keyword) if not t.is_space and t.lower_ not in JOINERS]
            if words:
                phrases.append(words)
        if phrases:
            keywords[code.id] = phrases
    return keywords, names


def suggestions(
    store: Store,
    coder: str,
    *,
    transcript: str | None = None,
    leave_out_speakers: str | None = None,
    include_interviewer: bool = False,
) -> list[Suggestion]:
    """Codes the keywords propose for segments, minus what the coder already applied or rejected.

    Each keyword is looked up in the search index twice: its words against the
    tokens' lower-case forms, and its words' lemmas against the tokens' lemmas.
    """
    import numpy as np

    keywords, names = _keywords(store)
    if not names:
        raise BadInput("no code in the codebook lists keywords; add 'keywords:' to codes in the codebook YAML")
    skip_speaker = _pattern(leave_out_speakers, "--leave-out") if leave_out_speakers else None
    interviewers = store.settings.interviewers
    if transcript is not None and not any(t.name == transcript for t in store.transcripts.summaries()):
        raise BadInput("no such transcript in the project", where=transcript)
    have = set(store.codings.pairs(coder)) if coder in store.codings.coders() else set()
    rejected = store.codings.rejected_suggestions(coder)
    indexed = search_documents(store)
    if transcript is not None:
        indexed = [t for t in indexed if t.name == transcript]
    table = lemma_table(store.settings.lang)
    # Where each keyword matches (index keys), then the rows of every match read in one pass.
    matched: list[tuple[Any, int, int, str]] = []
    for code_id, phrases in keywords.items():
        for words in phrases:
            for source, terms, kinds in (
                (0, [{w} for w in words], FORM_KINDS),
                (1, [{table.get(w, w)} for w in words], LEMMA_KINDS),
            ):
                keys = phrase_keys(store, terms, kinds, indexed)
                if len(keys):
                    matched.append((keys, source, len(words), code_id))
    index = store.search_index
    # Matches by document: (first position, forms before lemmas, last position, code, start, end, segment).
    found: dict[int, list[tuple[int, int, int, str, int, int, int]]] = {}
    if matched:
        rows = index.resolve(
            np.concatenate([m[0] for m in matched]),
            np.concatenate([np.full(len(m[0]), m[2], dtype=np.int64) for m in matched]),
        )
        which = np.repeat(np.arange(len(matched)), [len(m[0]) for m in matched]).tolist()
        for (document, position, start, end, _s, _e, ordinal), m in zip(rows, which, strict=True):
            _keys, source, n, code_id = matched[m]
            found.setdefault(document, []).append((position, source, position + n, code_id, start, end, ordinal))
    out: list[Suggestion] = []
    seen: set[tuple[int, str]] = set()
    shown = [t for t in indexed if t.document in found]
    texts = index.texts([t.id for t in shown])
    segments = index.segments_at_many((t.id, m[6]) for t in shown for m in found[t.document])
    for t in shown:
        text = texts[t.id]
        for _position, _source, _last, code_id, start, end, ordinal in sorted(found[t.document]):
            segment_id, _start, _end, speaker = segments[(t.id, ordinal)]
            key = (segment_id, code_id)
            if key in seen or key in have or key in rejected:
                continue
            if not include_interviewer and is_interviewer(speaker, interviewers):
                continue
            if skip_speaker is not None and speaker and skip_speaker.fullmatch(speaker):
                continue
            seen.add(key)
            out.append(Suggestion(segment_id, t.name, ordinal, code_id, names[code_id], text[start:end]))
    out.sort(key=lambda s: (s.transcript, s.ordinal, s.code))
    return out


def accept(store: Store, coder: str, chosen: Iterable[Suggestion], *, origin: str = "suggestion") -> int:
    """Record accepted suggestions as codings with origin 'suggestion' (keywords) or 'learned'; returns how
    many are new."""
    rows = sorted({(s.segment_id, s.code_id) for s in chosen})
    with store.transaction():
        added = store.codings.add_many(rows, coder, origin=origin)
        store.audit.log(
            coder, "suggest.accept" if origin == "suggestion" else f"suggest.{origin}.accept", "", codings=added
        )
    return added


def reject(store: Store, coder: str, chosen: Iterable[Suggestion | LearnedSuggestion]) -> None:
    """Remember turned-down suggestions: not offered again (and, for learned ones, negatives next time)."""
    with store.transaction():
        for s in chosen:
            store.codings.reject_suggestion(s.segment_id, s.code_id, coder)


def code_by_speaker(store: Store, coder: str, speaker_pattern: str, code_reference: str) -> int:
    """Apply a code to every segment whose speaker matches a pattern (e.g. all interviewer turns)."""
    code = codebook_of(store).find(code_reference)
    if code is None:
        raise BadInput("no such code in the codebook", where=code_reference)
    pattern = _pattern(speaker_pattern, speaker_pattern)
    rows = [(s.id, code.id) for s in store.transcripts.all_segments() if s.speaker and pattern.fullmatch(s.speaker)]
    with store.transaction():
        added = store.codings.add_many(rows, coder, origin="suggestion")
        store.audit.log(coder, "code.by_speaker", code.id, pattern=speaker_pattern, added=added)
    return added


def _pattern(text: str, where: str) -> re.Pattern[str]:
    """A speaker pattern the user typed, or a clear error naming it."""
    try:
        return re.compile(text)
    except re.error as e:
        raise BadInput(f"'{text}' is not a regular expression ({e})", where=where) from None
