"""Retrieval speed: a code with 20,000 passages in a project of 1,000,000 words.

Run by hand:  python bench/bench_retrieval.py [--words 1000000] [--passages 20000]

Prints the time of `Project.retrieve` (best of 5), of the `qualcode retrieve` command end to end (a new
process, best of 3), of opening the retrieval screen in the workbench (from the key to the first rows on
the screen, median of 5 opens) and the CPU time per key while scrolling it (95th percentile of 200 presses, paging included;
CPU, as bench_workbench.py measures keys, since the pilot waits between keys).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_text import build  # noqa: E402

from qualcode.core.store.database import now  # noqa: E402
from qualcode.tui.app import make_app  # noqa: E402
from qualcode.tui.screens.retrieval import RetrievalScreen  # noqa: E402


def code_passages(project: object, n: int) -> str:
    """``n`` codings of Workload by alice: half whole segments, half passages inside segments."""
    store = project.store  # type: ignore[attr-defined]
    code = next(c.id for c in store.codebook.codes() if c.name == "Workload")
    rng = random.Random(3)
    segments = store.transcripts.all_segments()
    chosen = rng.sample(segments, n // 2)
    store.codings.add_many([(s.id, code) for s in chosen], "alice")
    coder = store.codings.coder_id("alice")
    rows = set()
    stamp = now()
    while len(rows) < n - n // 2:
        s = rng.choice(segments)
        if s.end - s.start > 30:
            start = rng.randrange(s.start, s.end - 20)
            rows.add((s.transcript_id, code, coder, start, min(s.end, start + rng.randint(20, 120)), stamp))
    with store.transaction():
        store.database.executemany(
            "INSERT INTO spans (transcript_id, code_id, coder_id, start_offset, end_offset, created_at, origin) "
            "VALUES (?, ?, ?, ?, ?, ?, 'bench')",
            rows,
        )
    return code


async def screen_times(path: Path, code: str) -> tuple[float, list[float]]:
    app = make_app(path, "alice")
    async with app.run_test(size=(160, 45)) as pilot:
        book = app.project.codebook()
        opens = []
        for _ in range(5):
            t = time.perf_counter()
            app.push_screen(RetrievalScreen(app.project, "alice", book, code))
            await pilot.pause()
            opens.append(time.perf_counter() - t)
            if len(opens) < 5:
                app.pop_screen()
                await pilot.pause()
        opened = statistics.median(opens)
        screen = app.screen
        assert isinstance(screen, RetrievalScreen) and screen.table.items
        keys = []
        for i in range(200):
            # CPU time, as bench_workbench measures a key: the pilot's own waits between keys are not the app's
            c = time.process_time()
            await pilot.press("pagedown" if i % 10 == 9 else "j")
            await pilot.pause()
            keys.append(time.process_time() - c)
    return opened, keys


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--passages", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        project = build(folder, args.words)
        code = code_passages(project, args.passages)
        times = []
        for _ in range(5):
            t = time.perf_counter()
            found = project.retrieve("Workload", coder="alice")
            times.append(time.perf_counter() - t)
        print(f"Project.retrieve: {len(found):,} passages in {min(times):.3f} s (best of 5)")
        path = project.path
        project.close()
        runs = []
        for _ in range(3):
            t = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "qualcode", "retrieve", str(path), "Workload", "--coder", "alice"],
                check=True,
                capture_output=True,
            )
            runs.append(time.perf_counter() - t)
        print(f"qualcode retrieve (new process, table to a pipe): {min(runs):.2f} s (best of 3)")
        opened, keys = asyncio.run(screen_times(path, code))
        keys.sort()
        print(
            f"retrieval screen: opens in {opened:.3f} s (median of 5); a key while scrolling (CPU): median "
            f"{statistics.median(keys) * 1000:.1f} ms, 95th percentile {keys[int(len(keys) * 0.95)] * 1000:.1f} ms"
        )


if __name__ == "__main__":
    main()
