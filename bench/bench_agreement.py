"""Speed of the two-coder work: statistics, the agree command, bootstrap, merge.

Run by hand:  python bench/bench_agreement.py [--segments 100000] [--codes 50]

Prints:
- the five statistics for every code, vectorised, against sklearn's
  cohen_kappa_score plus krippendorff.alpha (nominal) called per code;
- `qualcode agree` end to end on a project file holding two coders' codings
  (about a million at the default density), without and with 1,000 bootstrap
  resamples;
- merging two coder files of about 100,000 codings each into the lead's project.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qualcode.core import agreement  # noqa: E402
from qualcode.core.model import Code  # noqa: E402
from qualcode.core.project import Project  # noqa: E402
from qualcode.core.store import Store  # noqa: E402


def statistics_speed(segments: int, codes: int) -> None:
    import krippendorff
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(1)
    a = rng.random((segments, codes)) < rng.uniform(0.01, 0.3, size=codes)
    b = a ^ (rng.random((segments, codes)) < 0.05)
    t = time.perf_counter()
    agreement.statistics(agreement.tables(a, b))
    ours = time.perf_counter() - t
    t = time.perf_counter()
    for j in range(codes):
        cohen_kappa_score(a[:, j], b[:, j])
        krippendorff.alpha(reliability_data=np.vstack([a[:, j], b[:, j]]).astype(float), level_of_measurement="nominal")
    reference = time.perf_counter() - t
    print(
        f"statistics, {segments:,} segments × {codes} codes: vectorised {ours * 1000:.1f} ms (all five); "
        f"sklearn + krippendorff per code {reference:.2f} s (two statistics): {reference / ours:.0f}× faster"
    )


def build_project(folder: Path, segments: int, codes: int, density: float = 0.1) -> tuple[Path, int]:
    """A project with one large transcript of ``segments`` segments and two coders' codings."""
    path = folder / "lead.qc"
    store = Store(path, create=True)
    text = "".join(f"P1: segment number {i}.\n" for i in range(segments))
    with store.transaction():
        code_ids = [str(uuid.uuid4()) for _ in range(codes)]
        for j, code_id in enumerate(code_ids):
            store.codebook.insert(Code(code_id, f"Code {j}", position=j))
        bounds, pos = [], 0
        for i in range(segments):
            line = f"P1: segment number {i}.\n"
            bounds.append((pos, pos + len(line) - 1))
            pos += len(line)
        store.transcripts.add(
            name="big",
            text=text,
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            source="big.txt",
            lang="en",
            unit="turn",
            participant=None,
            segments=[(start, end, "P1", None, None) for start, end in bounds],
        )
    ids = store.transcripts.segment_ids()
    rng = np.random.default_rng(2)
    a = rng.random((segments, codes)) < density
    b = a ^ (rng.random((segments, codes)) < density / 4)
    for coder, matrix in (("alice", a), ("bob", b)):
        rows, cols = np.nonzero(matrix)
        store.codings.add_many(
            ((ids[r], code_ids[c]) for r, c in zip(rows.tolist(), cols.tolist(), strict=True)), coder
        )
    total = store.codings.count("alice") + store.codings.count("bob")
    store.close()
    return path, total


def agree_speed(path: Path, codings: int) -> None:
    for resamples in (0, 1000):
        t = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "qualcode",
                "agree",
                str(path),
                "--coders",
                "alice",
                "bob",
                "--by",
                "code,theme,transcript",
                "--bootstrap",
                str(resamples),
                "--format",
                "json",
            ],
            check=True,
            capture_output=True,
            cwd=Path(__file__).resolve().parents[1],
        )
        print(
            f"`qualcode agree` on {codings:,} codings, {resamples} bootstrap resamples: "
            f"{time.perf_counter() - t:.2f} s (process start included)"
        )


def merge_speed(folder: Path, segments: int, codes: int) -> None:
    (folder / "m").mkdir()
    lead, _ = build_project(folder / "m", segments, codes, density=0.0)
    files = []
    for coder in ("carol", "dave"):
        with Project.open(lead) as study:
            out = study.handout(coder, folder / f"{coder}.qc")
        with Store(out) as store:
            ids = store.transcripts.segment_ids()
            code_ids = [c.id for c in store.codebook.codes()]
            rng = np.random.default_rng(len(coder))
            picks = np.nonzero(rng.random((len(ids), len(code_ids))) < 100_000 / (len(ids) * len(code_ids)))
            store.codings.add_many(
                ((ids[r], code_ids[c]) for r, c in zip(picks[0].tolist(), picks[1].tolist(), strict=True)), coder
            )
            print(f"coder file {out.name}: {store.codings.count(coder):,} codings")
        files.append(str(out))
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "qualcode", "merge", str(lead), *files],
        check=True,
        capture_output=True,
        cwd=Path(__file__).resolve().parents[1],
    )
    print(f"`qualcode merge` of both files: {time.perf_counter() - t:.2f} s (process start included)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segments", type=int, default=100_000)
    parser.add_argument("--codes", type=int, default=50)
    parser.add_argument("--density", type=float, default=0.1, help="share of (segment, code) pairs coded")
    args = parser.parse_args()
    statistics_speed(args.segments, args.codes)
    with tempfile.TemporaryDirectory() as tmp:
        path, codings = build_project(Path(tmp), args.segments, args.codes, args.density)
        agree_speed(path, codings)
        merge_speed(Path(tmp), args.segments, args.codes)


if __name__ == "__main__":
    main()
