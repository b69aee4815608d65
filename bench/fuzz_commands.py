"""The command fuzz suite's strategies, run long by hand: outcomes counted per command.

    python bench/fuzz_commands.py [--examples 200] [--only export,agree] [--seed 0]

Runs tests/fuzz/test_commands_fuzz.py's strategies (hostile arguments and
files for every command) with many more examples, in-process, and prints per
command how many command lines were tried and how many exited 0, were refused
by argparse (usage, exit 2), were refused with one line (exit 2), or broke the
promise; then each distinct failure once, with a command line that shows it.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402

from tests.fuzz.test_commands_fuzz import STRATEGIES, Case, Outcome, build_base, run_case  # noqa: E402

KINDS = ("exit 0", "usage", "exit 2", "failure")


def fuzz(examples: int, only: list[str], seed: int) -> dict[str, Counter[str]]:
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    failures: dict[str, Outcome] = {}
    with tempfile.TemporaryDirectory() as tmp:
        base = build_base(Path(tmp) / "base")
        scratch = Path(tmp) / "examples"
        scratch.mkdir()
        for group in only or sorted(STRATEGIES):
            started = time.perf_counter()

            @settings(
                max_examples=examples,
                deadline=None,
                database=None,
                derandomize=seed == 0,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=STRATEGIES[group])
            def one(case: Case) -> None:
                outcome = run_case(base, case, scratch)
                counts[case.command]["tries"] += 1
                counts[case.command][outcome.kind] += 1
                if outcome.failure is not None:
                    failures.setdefault(f"{case.command}: {_shape(outcome.failure)}", outcome)

            one()
            print(f"  {group}: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    width = max(len(c) for c in counts)
    print(f"{'command':<{width}}  {'tries':>6}  " + "  ".join(f"{k:>7}" for k in KINDS))
    for command in sorted(counts):
        row = counts[command]
        print(f"{command:<{width}}  {row['tries']:>6}  " + "  ".join(f"{row[k]:>7}" for k in KINDS))
    total = sum((c for c in counts.values()), Counter())
    print(f"{'all':<{width}}  {total['tries']:>6}  " + "  ".join(f"{total[k]:>7}" for k in KINDS))
    if failures:
        print(f"\n{len(failures)} distinct failures:")
        for key, outcome in sorted(failures.items()):
            print(f"- {key}\n    qualcode {' '.join(repr(a) for a in outcome.case.argv)}")
    return counts


def _shape(failure: str) -> str:
    """A failure without the values that differ between examples, so each kind is listed once."""
    return failure.split(": '")[0].split(" beside ")[0][:160]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=200, help="examples per command group (default 200)")
    parser.add_argument("--only", default="", help=f"comma-separated groups of: {', '.join(sorted(STRATEGIES))}")
    parser.add_argument("--seed", type=int, default=0, help="0: the same examples every run; else random ones")
    args = parser.parse_args()
    only = [g for g in args.only.split(",") if g]
    unknown = [g for g in only if g not in STRATEGIES]
    if unknown:
        parser.error(f"unknown group {unknown[0]}")
    counts = fuzz(args.examples, only, args.seed)
    return 1 if any(c["failure"] for c in counts.values()) else 0


if __name__ == "__main__":
    raise SystemExit(main())
