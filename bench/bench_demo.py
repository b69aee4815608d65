"""Speed of a fresh install: the wheel installed, then `qualcode demo` building its project.

Run by hand:  python bench/bench_demo.py [--runs 5]

Builds the wheel of the checkout (as tests/test_packaging.py does), installs it
into a temporary folder, then times `python -m qualcode demo --no-tui --fresh`
from an empty folder with qualcode taken from that folder only: the first run
right after the install (cold caches), then `--runs` more. Also times the same
from the wheel file itself (a zipped install, which copies the samples out
first). Prints each figure; the target is the build under 2 s after install.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.test_packaging import build_wheel, install_wheel, run_installed  # noqa: E402


def timed_demo(where: Path, folder: Path) -> float:
    """Wall time of one `qualcode demo --no-tui --fresh` in a new process, start-up included."""
    t = time.perf_counter()
    result = run_installed(where, "demo", "--no-tui", "--fresh", "--dir", "demo", cwd=folder)
    elapsed = time.perf_counter() - t
    if result.returncode != 0:
        raise SystemExit(f"demo failed: {result.stderr.strip()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5, help="timed runs after the first (default 5)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qualcode-bench-") as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        wheel = build_wheel(root / "wheel")
        print(f"{'pip wheel (build of the checkout)':<58} {time.perf_counter() - t:6.2f} s")
        t = time.perf_counter()
        site = install_wheel(wheel, root / "site")
        print(f"{'pip install --no-deps of the wheel':<58} {time.perf_counter() - t:6.2f} s")
        for label, where in (("installed wheel", site), ("zipped install (the .whl itself)", wheel)):
            folder = root / label.split()[0]
            folder.mkdir()
            first = timed_demo(where, folder)
            rest = [timed_demo(where, folder) for _ in range(args.runs)]
            print(f"{'demo --no-tui, first run: ' + label:<58} {first:6.2f} s")
            if rest:
                median = statistics.median(rest)
                print(f"{'  then, median of ' + str(len(rest)):<58} {median:6.2f} s  (min {min(rest):.2f} s)")


if __name__ == "__main__":
    main()
