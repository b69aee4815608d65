"""A generated study whose codes each have a known vocabulary, coded by the truth for some of its transcripts.

Shared by the tests of learned suggestions and by ``bench/bench_learned.py``, so the bench's figures are of
the kind of study the tests check. Each participant turn mentions words of zero to two codes among filler
words; a code's words appear in a turn of another code now and then (noise), so no code is trivially
separable. ``truth`` holds every segment's codes; the first ``coded`` transcripts are coded by it for
``coder``.
"""

from __future__ import annotations

import random
from pathlib import Path

from qualcode.core.project import Project

FILLER = (
    "well I think that it was like that and then we had to see what the people would say about it "
    "in the end so it went on for a while and everyone had their own view of the matter"
).split()

VOCABULARY = {
    "Workload": ["overtime", "exhausted", "hours", "deadline", "paperwork", "overload"],
    "Parents": ["mother", "father", "parents", "family", "home", "guardian"],
    "Money": ["budget", "funding", "money", "grant", "costs", "salary"],
    "Anxiety": ["anxious", "worried", "panic", "nervous", "fear", "stress"],
    "Recruitment": ["referral", "selected", "recruited", "invitation", "screening", "enrolled"],
    "Training": ["course", "workshop", "trained", "supervision", "seminar", "lecture"],
}


def vocabulary(codes: int) -> dict[str, list[str]]:
    """The six named codes' words, or for more codes made-up words of six each."""
    if codes <= len(VOCABULARY):
        return dict(list(VOCABULARY.items())[:codes])
    return {f"Code {i}": [f"term{_letters(i)}x{_letters(k)}" for k in range(6)] for i in range(codes)}


def _letters(n: int) -> str:
    """A number as letters (0 a, 25 z, 26 ba …): made-up words stay words, which the text index keeps."""
    out = ""
    while True:
        n, digit = divmod(n, 26)
        out = "abcdefghijklmnopqrstuvwxyz"[digit] + out
        if n == 0:
            return out


def codebook(words: dict[str, list[str]], keywords: int) -> str:
    """The codebook YAML; with ``keywords``, each code lists that many of its words as keywords."""
    lines = ["name: Generated", "codes:"]
    for name, vocab in words.items():
        lines.append(f"  - name: {name}")
        if keywords:
            lines.append(f"    keywords: [{', '.join(vocab[:keywords])}]")
    return "\n".join(lines) + "\n"


def build(
    folder: Path,
    transcripts: int = 12,
    turns: int = 40,
    coded: int = 4,
    coder: str = "alice",
    noise: float = 0.15,
    seed: int = 5,
    codes: int = 6,
    keywords: int = 0,
    passages: bool = False,
) -> tuple[Project, dict[int, set[str]]]:
    """The project and the true codes of every segment (by segment id).

    With ``passages``, each turn is a sentence of filler words and then a sentence holding the codes' words,
    and the coder codes that second sentence as a passage instead of the whole turn.
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    words_of = vocabulary(codes)
    (folder / "generated.yaml").write_text(codebook(words_of, keywords), encoding="utf-8")
    plans: dict[str, list[set[str]]] = {}
    names = list(words_of)
    for t in range(transcripts):
        lines, plan = [], []
        for turn in range(turns):
            lines.append(f"Interviewer: Question {turn} for you?")
            codes = set(rng.sample(names, rng.choice((0, 1, 1, 2))))
            words = [rng.choice(FILLER) for _ in range(rng.randint(8, 16))]
            for code in codes:
                words += rng.sample(words_of[code], 2)
            if rng.random() < noise:
                words.append(rng.choice(words_of[rng.choice(names)]))
            rng.shuffle(words)
            if passages:
                filler = " ".join(rng.choice(FILLER) for _ in range(6)).capitalize()
                lines.append(f"P{t + 1}: {filler}. {' '.join(words).capitalize()}.")
            else:
                lines.append(f"P{t + 1}: {' '.join(words).capitalize()}.")
            plan.append(codes)
        (folder / f"P{t + 1}_interview.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        plans[f"P{t + 1}_interview"] = plan
    project = Project.create(folder / "generated.qc", codebook=folder / "generated.yaml")
    project.import_files(sorted(folder.glob("P*_interview.txt"), key=lambda p: int(p.stem[1:].split("_")[0])))
    by_name = {c.name: c.id for c in project.codebook().codes}
    truth: dict[int, set[str]] = {}
    rows = []
    store = project.store
    for n, transcript in enumerate(store.transcripts.all()):
        turns_of = [s for s in store.transcripts.segments(transcript.id) if s.speaker != "Interviewer"]
        for segment, codes in zip(turns_of, plans[transcript.name], strict=True):
            truth[segment.id] = {by_name[c] for c in codes}
            if n >= coded:
                continue
            if passages:
                second = transcript.text.index(". ", segment.start) + 2
                for c in codes:
                    store.codings.add_span(transcript.id, second, segment.end, by_name[c], coder)
            else:
                rows += [(segment.id, by_name[c]) for c in codes]
    store.codings.add_many(rows, coder)
    return project, truth
