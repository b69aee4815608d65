"""Learned suggestions against keyword suggestions, and their speed.

Run by hand:  python bench/bench_learned.py [--only quality|speed]

Prints:
- quality: on a generated study (tests/learned_study.py: six codes with known words, noise) coded by the truth
  for a third of its 30 transcripts, precision and recall per code on the other two thirds against the truth,
  for learned suggestions (--precision 0.8) and for keyword suggestions from three of each code's six words;
- speed: training on 100,000 coded units x 50 codes (the text index built beforehand, timed apart), and
  `learn` end to end (train, measure, suggest) on a 1,000,000-word study a third of which is coded.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from qualcode.core.learned import learn  # noqa: E402
from qualcode.core.suggest import suggestions  # noqa: E402
from tests.learned_study import build  # noqa: E402


def per_code(found: list[tuple[int, str]], truth: dict[int, set[str]], segments: set[int], codes: dict[str, str]):
    """(precision, recall) per code name over ``segments`` (the transcripts not coded)."""
    out = {}
    for code_id, name in codes.items():
        offered = {s for s, c in found if c == code_id and s in segments}
        real = {s for s in segments if code_id in truth.get(s, set())}
        hit = len(offered & real)
        out[name] = (hit / len(offered) if offered else float("nan"), hit / len(real) if real else float("nan"))
    return out


def quality(folder: Path) -> None:
    project, truth = build(folder / "q", transcripts=30, coded=10, keywords=3)
    store = project.store
    codes = {c.id: c.name for c in store.codebook.codes()}
    coded = store.codings.transcripts_coded("alice")
    rest = {s.id for s in store.transcripts.all_segments() if s.transcript_id not in coded and s.id in truth}
    learned = learn(store, "alice", precision=0.8)
    by_keyword = suggestions(store, "alice")
    a = per_code([(s.segment_id, s.code_id) for s in learned.suggestions], truth, rest, codes)
    b = per_code([(s.segment_id, s.code_id) for s in by_keyword], truth, rest, codes)
    print("quality: 30 transcripts x 40 turns, 10 coded by the truth; the other 20 against the truth")
    print(f"  {'code':12} {'learned P':>9} {'R':>5} {'(measured P':>12} {'R)':>5}   {'keyword P':>9} {'R':>5}")
    measured = {f.code: f for f in learned.figures}
    for name in sorted(codes.values()):
        m = measured[name]
        print(
            f"  {name:12} {a[name][0]:9.2f} {a[name][1]:5.2f} {m.precision or float('nan'):12.2f} "
            f"{m.recall or float('nan'):5.2f}   {b[name][0]:9.2f} {b[name][1]:5.2f}"
        )
    project.close()


def speed(folder: Path) -> None:
    # 100,000 coded units: 2,500 transcripts' worth of turns, all coded, 50 codes
    project, _truth = build(folder / "s", transcripts=250, turns=400, coded=250, codes=50)
    store = project.store
    t = time.perf_counter()
    from qualcode.core.textindex import all_indexes

    all_indexes(store)
    indexed = time.perf_counter() - t
    t = time.perf_counter()
    found = learn(store, "alice")
    print(
        f"speed: {found.units:,} coded units x {len(found.figures)} codes: trained and measured in "
        f"{time.perf_counter() - t:.1f} s (the text index built beforehand in {indexed:.1f} s)"
    )
    project.close()
    words_project, _truth = build(folder / "w", transcripts=300, turns=170, coded=100, codes=50)
    words = sum(t.words for t in words_project.transcripts())
    all_indexes(words_project.store)
    t = time.perf_counter()
    found = learn(words_project.store, "alice")
    print(
        f"speed: a {words:,}-word study, a third coded: {len(found.suggestions):,} suggestions in "
        f"{time.perf_counter() - t:.1f} s (train, measure, suggest)"
    )
    words_project.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["quality", "speed"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qclearn-") as tmp:
        if args.only in (None, "quality"):
            quality(Path(tmp))
        if args.only in (None, "speed"):
            speed(Path(tmp))


if __name__ == "__main__":
    main()
