"""The sample study coded at random (seeded) by alice and bob: whole segments, passages and memos.

Shared by the tests that hand our .qdpx to other tools' readers and by `bench/interop_qualcoder.py`, so the
bench's figures are of the same study the tests read.
"""

from __future__ import annotations

import random
from pathlib import Path

from qualcode.core.project import Project

REPO = Path(__file__).resolve().parent.parent


def coded_sample_study(path: Path) -> Project:
    """A new project at ``path``: the sample transcripts, each coder's codings on about three segments in ten
    (a memo on one coded segment in ten), and a passage with a memo in each of the first three transcripts."""
    project = Project.create(path, lang="en", codebook=REPO / "codebooks" / "back2school.yaml")
    files = sorted(p for p in (REPO / "transcripts_sample").iterdir() if p.suffix in (".txt", ".docx", ".vtt", ".srt"))
    project.import_files(files)
    store = project.store
    rng = random.Random(7)
    codes = [c.id for c in store.codebook.codes() if c.codable]
    for coder in ("alice", "bob"):
        for segment in store.transcripts.all_segments():
            if rng.random() < 0.3:
                store.codings.add_many([(segment.id, c) for c in rng.sample(codes, rng.choice((1, 2)))], coder)
                if rng.random() < 0.1:
                    store.memos.set_on_segment(segment.id, coder, f"{coder} on segment {segment.id}")
        for t in store.transcripts.all()[:3]:
            start = rng.randrange(0, len(t.text) // 2)
            end = start + rng.randrange(5, 60)
            store.codings.add_span(t.id, start, end, rng.choice(codes), coder)
            store.memos.set_on_passage(t.id, start, end, coder, f"{coder} on a passage")
    return project
