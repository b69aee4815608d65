"""Speed of search and suggestions on a 1,000,000-word project, first run and from the cache.

Run by hand:  python bench/bench_text.py [--words 1000000]

Builds a project from the sample interviews repeated (with the names varied)
to about a million words, then times: the first search (which runs spaCy over
every segment and stores the token index in the project), a second search
from the cache, a lemma search, keyword suggestions for all codes, and the
pseudonym candidates.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qualcode.core.project import Project  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
NAMES = ["Emil", "Sofie", "Janne", "Tobias", "Oliver", "Ida", "Jonas", "Emma", "Adam", "Nora"]


def build(folder: Path, words: int) -> Project:
    texts = [p.read_text(encoding="utf-8") for p in sorted((REPO / "transcripts_sample").glob("P[146]_interview.txt"))]
    per_copy = sum(len(t.split()) for t in texts)
    copies = max(1, words // per_copy)
    files = []
    for c in range(copies):
        for i, text in enumerate(texts):
            varied = text
            for j, name in enumerate(NAMES):
                varied = varied.replace(name, NAMES[(j + c) % len(NAMES)])
            number = c * len(texts) + i + 1
            # a line of its own makes every text distinct, so the index is built for each one
            varied += f"\nInterviewer: Thank you, that was interview {number}.\n"
            path = folder / f"P{number}_interview.txt"
            path.write_text(varied, encoding="utf-8")
            files.append(path)
    project = Project.create(folder / "bench.qc", codebook=REPO / "codebooks" / "back2school.yaml")
    t = time.perf_counter()
    project.import_files(files)
    total = sum(t.words for t in project.transcripts())
    print(f"project: {len(files)} transcripts, {total:,} words (import {time.perf_counter() - t:.1f} s)")
    return project


def timed(label: str, work):  # type: ignore[no-untyped-def]
    t = time.perf_counter()
    result = work()
    print(f"{label:<48} {time.perf_counter() - t:6.2f} s  ({len(result)} results)")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = build(Path(tmp), args.words)
        timed("first search (builds and stores the index)", lambda: project.search("step ladder"))
        timed("search again, from the cache", lambda: project.search("step ladder"))
        timed("lemma search 'meetings'", lambda: project.search("meetings", lemma=True))
        timed("keyword suggestions for every code", lambda: project.suggestions("bench"))
        timed("pseudonym candidates (rules)", lambda: project.suggest_pseudonyms())
        project.close()


if __name__ == "__main__":
    main()
