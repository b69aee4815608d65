"""Word frequencies (lemmas, stop words out) per transcript, per participant group, or per theme."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any

from qualcode.core.codebook import codebook_of
from qualcode.core.errors import BadInput
from qualcode.core.pseudonyms import Pseudonymiser, _stop_words
from qualcode.core.store import Store
from qualcode.core.store.settings import is_interviewer
from qualcode.core.textindex import all_indexes

if TYPE_CHECKING:
    import pandas as pd


def natural(text: str) -> list[Any]:
    """A sort key that orders the numbers inside names by value: P2 before P10."""
    return [(0, int(part), "") if part.isdigit() else (1, 0, part.casefold()) for part in re.split(r"(\d+)", text)]


def frequencies(
    store: Store,
    *,
    by: str = "transcript",
    coder: str = "consensus",
    top: int = 20,
    include_interviewer: bool = False,
) -> pd.DataFrame:
    """The ``top`` lemmas of each group, as rows (group, rank, lemma, count, share of the group's words).

    ``by`` is "transcript", "participant" (the informant a transcript belongs to, P1 …; its name when it has
    none), "theme" (segments coded under each main theme by ``coder``), or a participant attribute such as
    "role" or "grade_level". Groups come in natural order (P2 before P10).

    Words that belong to a confirmed pseudonym's name are not counted: every
    part of a name identifies ("hansen" of "Marit Hansen"), and a name is no
    theme. Group names still carry real names; exports publish them.
    """
    import pandas as pd

    if top < 1:
        raise BadInput("--top must be at least 1", where="--top")
    stop = _stop_words(store.settings.lang)
    interviewers = store.settings.interviewers
    participants = {p.id: p.attributes for p in store.participants.all()}
    if by not in ("transcript", "participant", "theme"):
        known = {k for attrs in participants.values() for k in attrs}
        if by not in known:
            raise BadInput(
                f"group by transcript, participant, theme or a participant attribute "
                f"({', '.join(sorted(known)) or 'none'})",
                where="--by",
            )
    groups_of_segment: dict[int, list[str]] = defaultdict(list)
    if by == "theme":
        store.codings.check_known(coder)
        book = codebook_of(store)
        for segment_id, code_id in store.codings.pairs(coder):
            theme = book.theme_of(code_id).name
            if theme not in groups_of_segment[segment_id]:
                groups_of_segment[segment_id].append(theme)
    hide = Pseudonymiser.from_store(store)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for tid, (transcript, index) in all_indexes(store).items():
        segments = store.transcripts.segments(tid)
        names = hide.spans(transcript.text) if hide else []
        name_starts = [start for start, _end in names]
        if by == "transcript":
            fixed = [transcript.name]
        elif by == "participant":
            fixed = [transcript.participant or transcript.name]
        elif by != "theme":
            fixed = [str(participants.get(transcript.participant or "", {}).get(by, "—"))]
        starts = [s.start for s in segments]
        for start, lemma, lower in zip(index.starts, index.lemma, index.lower, strict=True):
            if not lower.isalpha() or lower in stop or lemma in stop:
                continue
            at = bisect_right(name_starts, start) - 1
            if at >= 0 and start < names[at][1]:
                continue
            segment = segments[max(bisect_right(starts, start) - 1, 0)]
            if not include_interviewer and is_interviewer(segment.speaker, interviewers):
                continue
            for group in fixed if by != "theme" else groups_of_segment.get(segment.id, []):
                counts[group][lemma] += 1
    records = []
    for group in sorted(counts, key=natural):
        total = sum(counts[group].values())
        for rank, (lemma, n) in enumerate(counts[group].most_common(top), 1):
            records.append({"group": group, "rank": rank, "lemma": lemma, "count": n, "share": n / total})
    return pd.DataFrame.from_records(records, columns=["group", "rank", "lemma", "count", "share"])
