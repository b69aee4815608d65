"""Speed of the search index: its first build, then searches, suggestions and pseudonym candidates from it.

Run by hand:  python bench/bench_text.py [--words 1000000] [--vocabulary 50000]
(--words 10000000 takes a few minutes)

Builds a project from the sample interviews repeated (with the names varied)
to the number of words asked for, or of made-up words drawn with Zipf's law
from a vocabulary of the size asked for (as many distinct words as a real
corpus has), then times: building the search index (the
first search: spaCy tokenises every segment and the postings are written to
the project), and warm, best of several runs: a word with at most 1,000 hits,
a lemma search, two phrases (one with a common word), keyword suggestions for
every code and the pseudonym candidates.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qualcode.core.project import Project  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
NAMES = ["Emil", "Sofie", "Janne", "Tobias", "Oliver", "Ida", "Jonas", "Emma", "Adam", "Nora"]


SYLLABLES = ["ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "bre", "sk", "and", "el", "or", "un", "ing", "st"]


def zipf_texts(words: int, vocabulary: int, seed: int = 1) -> list[str]:
    """Interviews of made-up words drawn with Zipf's law from ``vocabulary`` distinct words (as real speech has)."""
    import numpy as np

    rng = np.random.default_rng(seed)

    def word(rank: int) -> str:
        out, n = [], rank + 1
        while n:
            n, r = divmod(n, len(SYLLABLES))
            out.append(SYLLABLES[r])
        return "".join(out)

    lexicon = [word(r) for r in range(vocabulary)]
    texts = []
    for _ in range(max(1, words // 2500)):
        ranks = np.minimum(rng.zipf(1.15, 2500), vocabulary) - 1
        lines, at = [], 0
        while at < len(ranks):
            speaker = "Interviewer" if len(lines) % 2 == 0 else "P1"
            sentences = []
            for _s in range(int(rng.integers(1, 5))):
                n = int(rng.integers(4, 20))
                chunk = [lexicon[r] for r in ranks[at : at + n]]
                at += n
                if not chunk:
                    break
                chunk[0] = chunk[0].capitalize()
                if len(chunk) > 6:
                    chunk[3] += ","
                sentences.append(" ".join(chunk) + rng.choice([".", ".", "?", "!"]))
            lines.append(f"{speaker}: {' '.join(sentences)}")
        texts.append("\n".join(lines) + "\n")
    return texts


def build(folder: Path, words: int, vocabulary: int = 0) -> Project:
    """A project of the sample interviews repeated, or with ``vocabulary`` of Zipf-drawn words."""
    if vocabulary:
        files = []
        for number, text in enumerate(zipf_texts(words, vocabulary), 1):
            path = folder / f"P{number}_interview.txt"
            path.write_text(text, encoding="utf-8")
            files.append(path)
        project = Project.create(folder / "bench.qc", codebook=REPO / "codebooks" / "back2school.yaml")
        t = time.perf_counter()
        project.import_files(files)
        total = sum(t.words for t in project.transcripts())
        print(f"project: {len(files)} transcripts, {total:,} words (import {time.perf_counter() - t:.1f} s)")
        return project
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


def timed(label: str, work, repeat: int = 1):  # type: ignore[no-untyped-def]
    """Run ``work`` ``repeat`` times and print the best time (warm: the first run is not counted when repeated)."""
    best = float("inf")
    result = work() if repeat > 1 else None
    for _ in range(repeat):
        t = time.perf_counter()
        result = work()
        best = min(best, time.perf_counter() - t)
    print(f"{label:<52} {best * 1000:9.1f} ms  ({len(result)} results)")
    return result


def a_word_with_at_most(project: Project, hits: int) -> str:
    """A word of the corpus with as many hits as possible, but at most ``hits`` (read from the index)."""
    with sqlite3.connect(project.path) as db:
        row = db.execute(
            "SELECT t.term, SUM(length(p.keys)) / 8 AS n FROM search_postings p "
            "JOIN search_terms t ON t.id = p.term_id WHERE p.kind IN (0, 2) GROUP BY t.term "
            "HAVING SUM(length(p.keys)) / 8 <= ? AND length(t.term) > 3 "
            "ORDER BY n DESC LIMIT 1",
            (hits,),
        ).fetchone()
    return row[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument(
        "--vocabulary", type=int, default=0, help="made-up words drawn from this many (Zipf) instead of the samples"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        project = build(Path(tmp), args.words, args.vocabulary)
        words = sum(t.words for t in project.transcripts())
        project.search("warm up spaCy")  # loads the pipeline and builds the index: timed apart below
        with sqlite3.connect(project.path) as db:
            db.executescript(
                "DELETE FROM search_postings; DELETE FROM search_tokens; DELETE FROM search_document_terms; "
                "DELETE FROM search_capitals; DELETE FROM search_offsets; DELETE FROM search_documents; "
                "DELETE FROM search_terms; DELETE FROM text_index;"
            )
        t = time.perf_counter()
        project.search("step ladder")
        took = time.perf_counter() - t
        with sqlite3.connect(project.path) as db:
            terms = db.execute("SELECT COUNT(*) FROM search_terms").fetchone()[0]
        print(f"{'build the index (first search)':<52} {took:9.2f} s   ({words / took:,.0f} words/s, {terms:,} terms)")
        word = a_word_with_at_most(project, 1000)
        timed(f"word search '{word}' (at most 1,000 hits)", lambda: project.search(word), 5)
        timed(f"lemma search '{word}' (at most 1,000 hits)", lambda: project.search(word, lemma=True), 5)
        timed("lemma search 'meetings'", lambda: project.search("meetings", lemma=True), 5)
        timed(
            "lemma search 'meetings', the first 1,000 hits",
            lambda: project.search("meetings", lemma=True, limit=1000),
            5,
        )
        timed("phrase search 'step ladder'", lambda: project.search("step ladder"), 5)
        timed("phrase search 'the school'", lambda: project.search("the school"), 5)
        timed("keyword suggestions for every code", lambda: project.suggestions("bench"), 3)
        timed("pseudonym candidates (rules)", lambda: project.suggest_pseudonyms(), 3)
        project.close()


if __name__ == "__main__":
    main()
