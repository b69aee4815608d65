"""Keyword suggestions: codes proposed for segments whose words match the codes' keywords.

Each code may list keywords and phrases in the codebook. A spaCy PhraseMatcher
looks for them twice: on the lower-case words and on their lemmas (so the
keyword "meeting" also finds "meetings"). A suggestion is only a proposal:
nothing becomes a coding until the coder accepts it, and an accepted one is
recorded with origin "suggestion", so reports can say how many codings came
from the machine and agreement is not inflated unknowingly. Rejected
suggestions are remembered and not proposed again.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from qualcode.core.analysis import is_interviewer
from qualcode.core.codebook import codebook_of
from qualcode.core.errors import BadInput
from qualcode.core.search import JOINERS
from qualcode.core.store import Store
from qualcode.core.textindex import all_indexes, lemma_table


@dataclass(frozen=True)
class Suggestion:
    """A code proposed for a segment, and the words that matched."""

    segment_id: int
    transcript: str
    ordinal: int
    code_id: str
    code: str
    matched: str


def _patterns(store: Store, nlp: Any) -> tuple[Any, Any, dict[str, str]]:
    """PhraseMatchers on lower-case words and on lemmas, one label per code id."""
    from spacy.matcher import PhraseMatcher
    from spacy.tokens import Doc

    table = lemma_table(store.settings.lang)
    lower_matcher = PhraseMatcher(nlp.vocab)
    lemma_matcher = PhraseMatcher(nlp.vocab)
    names = {}
    for code in store.codebook.codes():
        if not code.keywords:
            continue
        names[code.id] = code.name
        lower_docs, lemma_docs = [], []
        for keyword in code.keywords:
            words = [t.lower_ for t in nlp.make_doc(keyword) if not t.is_space and t.lower_ not in JOINERS]
            if words:
                lower_docs.append(Doc(nlp.vocab, words=words))
                lemma_docs.append(Doc(nlp.vocab, words=[table.get(w, w) for w in words]))
        if lower_docs:
            lower_matcher.add(code.id, lower_docs)
            lemma_matcher.add(code.id, lemma_docs)
    return lower_matcher, lemma_matcher, names


def suggestions(
    store: Store,
    coder: str,
    *,
    transcript: str | None = None,
    leave_out_speakers: str | None = None,
    include_interviewer: bool = False,
) -> list[Suggestion]:
    """Codes the keywords propose for segments, minus what the coder already applied or rejected."""
    from spacy.tokens import Doc

    from qualcode.core.nlp import pipeline

    nlp = pipeline(store.settings.lang, store.settings.spacy_model)
    lower_matcher, lemma_matcher, names = _patterns(store, nlp)
    if not names:
        raise BadInput("no code in the codebook lists keywords; add 'keywords:' to codes in the codebook YAML")
    skip_speaker = _pattern(leave_out_speakers, "--leave-out") if leave_out_speakers else None
    if transcript is not None and not any(t.name == transcript for t in store.transcripts.summaries()):
        raise BadInput("no such transcript in the project", where=transcript)
    have = set(store.codings.pairs(coder)) if coder in store.codings.coders() else set()
    rejected = store.codings.rejected_suggestions(coder)
    out: list[Suggestion] = []
    seen: set[tuple[int, str]] = set()
    for tid, (t, index) in all_indexes(store).items():
        if transcript is not None and t.name != transcript:
            continue
        kept = [k for k, w in enumerate(index.lower) if w not in JOINERS]
        if not kept:
            continue
        segments = store.transcripts.segments(tid)
        seg_starts = [s.start for s in segments]
        lower_doc = Doc(nlp.vocab, words=[index.lower[k] for k in kept])
        lemma_doc = Doc(nlp.vocab, words=[index.lemma[k] for k in kept])
        matches = [(m, s, e) for m, s, e in lower_matcher(lower_doc)] + [
            (m, s, e) for m, s, e in lemma_matcher(lemma_doc)
        ]
        for match_id, start, end in sorted(matches, key=lambda m: m[1]):
            code_id = nlp.vocab.strings[match_id]
            char_start, char_end = index.starts[kept[start]], index.ends[kept[end - 1]]
            segment = segments[max(bisect_right(seg_starts, char_start) - 1, 0)]
            key = (segment.id, code_id)
            if key in seen or key in have or key in rejected:
                continue
            if not include_interviewer and is_interviewer(segment.speaker):
                continue
            if skip_speaker is not None and segment.speaker and skip_speaker.fullmatch(segment.speaker):
                continue
            seen.add(key)
            out.append(
                Suggestion(segment.id, t.name, segment.ordinal, code_id, names[code_id], t.text[char_start:char_end])
            )
    out.sort(key=lambda s: (s.transcript, s.ordinal, s.code))
    return out


def accept(store: Store, coder: str, chosen: Iterable[Suggestion]) -> int:
    """Record accepted suggestions as codings with origin 'suggestion'; returns how many are new."""
    rows = sorted({(s.segment_id, s.code_id) for s in chosen})
    with store.transaction():
        added = store.codings.add_many(rows, coder, origin="suggestion")
        store.audit.log(coder, "suggest.accept", "", codings=added)
    return added


def reject(store: Store, coder: str, chosen: Iterable[Suggestion]) -> None:
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
