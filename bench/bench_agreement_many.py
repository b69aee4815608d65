"""Speed of the many-coder statistics: 5 coders × 100,000 segments × 50 codes by default.

Run by hand:  python bench/bench_agreement_many.py [--coders 5] [--segments 100000] [--codes 50]

Prints the time of every statistic for every code and pooled (Fleiss' κ, Krippendorff's α,
Gwet's AC1, Brennan–Prediger, mean pairwise percent agreement, pairwise Cohen's κ), with a
tenth of each coder's segments missing, and of 1,000 bootstrap resamples of the same.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qualcode.core import agreement, agreement_many  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--coders", type=int, default=5)
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--codes", type=int, default=50)
    parser.add_argument("--resamples", type=int, default=1000)
    args = parser.parse_args()
    rng = np.random.default_rng(1)
    truth = rng.random((args.segments, args.codes)) < rng.uniform(0.01, 0.3, size=args.codes)
    matrices = [truth ^ (rng.random(truth.shape) < 0.05) for _ in range(args.coders)]
    present = rng.random((args.coders, args.segments)) > 0.1
    present[:2] = True
    print(f"{args.coders} coders × {args.segments:,} segments × {args.codes} codes, 10% missing")

    started = time.perf_counter()
    measure = agreement_many.measures(matrices, present)
    stats = measure.statistics()
    measure.pairwise_kappas()
    pooled = measure.pooled()
    pooled.statistics()
    took = time.perf_counter() - started
    print(f"every statistic per code and pooled          {took * 1000:8.0f} ms")
    print(
        f"  (pooled Fleiss κ {float(pooled.statistics()['fleiss_kappa'][0]):.3f}, mean per code "
        f"{float(np.nanmean(stats['fleiss_kappa'])):.3f})"
    )

    started = time.perf_counter()
    agreement.percentile_intervals(agreement_many.bootstrap(measure, args.resamples, 1))
    agreement.percentile_intervals(agreement_many.bootstrap(pooled, args.resamples, 1))
    took = time.perf_counter() - started
    print(f"{args.resamples:,} bootstrap resamples, per code and pooled  {took:6.1f} s")


if __name__ == "__main__":
    main()
