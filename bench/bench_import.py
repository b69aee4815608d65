"""Import speed: read, segment by sentence and store a generated 1,000,000-word corpus.

Run by hand:  python bench/bench_import.py [--words 1000000] [--unit sentence]
Prints words per second end to end and the time of each stage.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WORDS = (
    "the school and the psychologist agreed on a plan for the student who had been absent "
    "we met every week to talk about attendance and the step ladder it was hard at first "
    "but the parents were involved and the teachers felt more confident about handling "
    "anxiety in class there was not enough time for all the meetings and the workload grew"
).split()


def make_corpus(folder: Path, total_words: int, files: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    per_file = total_words // files
    for i in range(files):
        lines, words = [], 0
        while words < per_file:
            speaker = "Interviewer" if len(lines) % 2 == 0 else f"P{i + 1}"
            n_sent = 1 if speaker == "Interviewer" else rng.randint(2, 8)
            sentences = []
            for _ in range(n_sent):
                k = rng.randint(6, 18)
                s = " ".join(rng.choice(WORDS) for _ in range(k))
                sentences.append(s[0].upper() + s[1:] + rng.choice(".?!"))
                words += k
            lines.append(f"{speaker}: {' '.join(sentences)}")
        (folder / f"P{i + 1}_interview.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--files", type=int, default=100)
    parser.add_argument("--unit", default="sentence")
    args = parser.parse_args()
    from qualcode.core.nlp import pipeline
    from qualcode.core.project import Project

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        make_corpus(folder, args.words, args.files)
        files = sorted(folder.glob("*.txt"))
        words = sum(len(f.read_text().split()) for f in files)
        pipeline("en")  # load spaCy once, outside the timing, as a running session would have it
        stages: dict[str, float] = {}
        last = [time.perf_counter()]

        def progress(done: int, total: int, item: str) -> None:
            now = time.perf_counter()
            if item == "segmenting":
                stages["read"] = now - last[0]
                last[0] = now

        project = Project.create(folder / "bench.qc")
        start = time.perf_counter()
        reports, _ = project.import_files(files, unit=args.unit, progress=progress)
        total = time.perf_counter() - start
        stages["segment + store"] = time.perf_counter() - last[0]
        segments = sum(r.segments for r in reports)
        project.close()
        print(f"corpus: {len(files)} files, {words:,} words, {segments:,} segments ({args.unit})")
        for name, seconds in stages.items():
            print(f"  {name:16} {seconds:6.2f} s")
        print(f"import end to end: {total:.2f} s = {words / total:,.0f} words/s (target >= 300,000)")

    runs = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "qualcode", "--help"], capture_output=True, check=True)
        runs.append(time.perf_counter() - t)
    print(f"qualcode --help: best {min(runs):.3f} s of 5 (target < 0.3 s)")


if __name__ == "__main__":
    main()
