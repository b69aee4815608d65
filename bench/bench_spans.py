"""Speed of agreement on exact passages: two coders with many span codings over a large project.

Run by hand:  python bench/bench_spans.py [--words 1000000] [--spans 200000] [--codes 50]

Builds a project of generated interviews (paragraph segments), gives two coders
``--spans`` span codings each over ``--codes`` codes (bob's spans are alice's
moved a little, or new ones), then times the whole agreement report (segments,
characters and span matching) and the character and span views within it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qualcode.core import agreement_report  # noqa: E402
from qualcode.core.project import Project  # noqa: E402
from qualcode.core.store.database import now  # noqa: E402

WORDS = "the school parents meeting time we they plan step ladder week home teacher said it was".split()


def build(folder: Path, words: int, codes: int) -> Project:
    rng = np.random.default_rng(1)
    files = []
    per_file = 2500
    for number in range(1, words // per_file + 1):
        lines = []
        for turn in range(per_file // 25):
            chosen = rng.choice(WORDS, 25)
            speaker = "Interviewer" if turn % 2 == 0 else f"P{number}"
            lines.append(f"{speaker}: {' '.join(chosen)}.")
        path = folder / f"P{number}_interview.txt"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        files.append(path)
    project = Project.create(folder / "spans.qc")
    project.import_files(files, unit="turn")
    for i in range(codes):
        project.add_code(f"Code {i + 1}", actor="bench")
    return project


def add_spans(project: Project, n: int, seed: int) -> None:
    """alice's spans at random; bob's are hers, two in three moved by 3 characters at the start, and a third
    of them at random elsewhere."""
    rng = np.random.default_rng(seed)
    store = project.store
    transcripts = [(t.id, len(project.transcript(t.id).text)) for t in project.transcripts()]
    code_ids = [c.id for c, _depth in project.codebook().walk()]
    at = now()
    picks = rng.integers(0, len(transcripts), n)
    alice = []
    for k, t in enumerate(picks.tolist()):
        tid, length = transcripts[t]
        start = int(rng.integers(0, length - 200))
        alice.append((tid, code_ids[k % len(code_ids)], start, start + int(rng.integers(20, 180))))
    bob = []
    for k, (tid, code, start, end) in enumerate(alice):
        if k % 3 == 2:
            other = int(rng.integers(0, transcripts[0][1] - 200))
            bob.append((tid, code, other, other + end - start))
        else:
            bob.append((tid, code, start + (3 if k % 3 else 0), end))
    for coder, rows in (("alice", alice), ("bob", bob)):
        coder_id = store.codings.coder_id(coder, create=True)
        with store.transaction():
            store.database.executemany(
                "INSERT INTO spans (transcript_id, code_id, coder_id, start_offset, end_offset, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [(tid, code, coder_id, s, e, at) for tid, code, s, e in rows],
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--spans", type=int, default=200_000)
    parser.add_argument("--codes", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = build(Path(tmp), args.words, args.codes)
        add_spans(project, args.spans, seed=2)
        words = sum(t.words for t in project.transcripts())
        print(
            f"project: {len(project.transcripts())} transcripts, {words:,} words, "
            f"{len(project.spans('alice')):,} + {len(project.spans('bob')):,} spans, {args.codes} codes"
        )
        views = agreement_report._add_span_views
        taken = []

        def timed_views(*args, **kwargs):  # type: ignore[no-untyped-def]
            t = time.perf_counter()
            views(*args, **kwargs)
            taken.append(time.perf_counter() - t)

        agreement_report._add_span_views = timed_views
        t = time.perf_counter()
        report = project.agreement("alice", "bob")
        whole = time.perf_counter() - t
        print(f"{'agreement report (segments, characters, spans)':<52} {whole:7.2f} s")
        print(f"{'  of which characters and span matching':<52} {taken[0]:7.2f} s")
        print(f"{'  pooled character κ':<52} {report.to_dict()['pooled']['characters']['cohen_kappa']:.3f}")
        print(f"{'  pooled span matching':<52} {report.to_dict()['pooled']['spans']['percent_agreement']:.3f}")
        project.close()


if __name__ == "__main__":
    main()
