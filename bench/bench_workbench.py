"""Workbench speed, driven by Textual's pilot on a real project file.

Run by hand:  python bench/bench_workbench.py [--segments 5000] [--transcripts 200] [--spans 20000]

Prints: the time to open a transcript of 5,000 segments (about 100,000 words)
in the coding view, the time per key press (moving, toggling a code, paging)
from the key to the updated screen (with ``--spans`` passages of the coder
drawn in colour, and the word cursor), and the start-up time of the workbench on a
project of 200 transcripts.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qualcode.core.project import Project  # noqa: E402
from qualcode.tui.app import make_app  # noqa: E402
from qualcode.tui.screens.coding import CodingScreen  # noqa: E402

REPO = Path(__file__).resolve().parents[1]
WORDS = (
    "the school and the psychologist agreed on a plan for the student who had been absent "
    "we met every week to talk about attendance and the step ladder it was hard at first "
    "but the parents were involved and the teachers felt more confident"
).split()


def transcript(segments: int, seed: int) -> str:
    rng = random.Random(seed)
    turns = []
    for i in range(segments):
        speaker = "Interviewer" if i % 2 == 0 else "P1"
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 32)))
        turns.append(f"{speaker}: {words.capitalize()}.")
    return "\n".join(turns) + "\n"


def add_spans(project: Project, n: int) -> None:
    """``n`` passages of 20–200 characters at random in the first transcript, with the codebook's codes."""
    from qualcode.core.store.database import now

    rng = random.Random(7)
    first = project.transcript(project.transcripts()[0].id)
    codes = [c.id for c, _depth in project.codebook().walk()]
    store = project.store
    coder = store.codings.coder_id("bench", create=True)
    rows = set()
    while len(rows) < n:
        start = rng.randrange(0, len(first.text) - 200)
        rows.add((first.id, rng.choice(codes), coder, start, start + rng.randint(20, 200), now()))
    with store.transaction():
        store.database.executemany(
            "INSERT INTO spans (transcript_id, code_id, coder_id, start_offset, end_offset, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            sorted(rows),
        )


def build(folder: Path, segments: int, transcripts: int, spans: int = 0) -> Path:
    for i in range(transcripts):
        (folder / f"P{i + 1}_interview.txt").write_text(transcript(segments if i == 0 else 60, i), encoding="utf-8")
    project = Project.create(folder / "bench.qc", codebook=REPO / "codebooks" / "back2school.yaml")
    project.import_files(sorted(folder.glob("*.txt"), key=lambda p: int(p.stem[1:].split("_")[0])))
    words = project.transcripts()[0].words
    print(f"project: {transcripts} transcripts, the first with {segments} segments and {words:,} words")
    if spans:
        add_spans(project, spans)
        print(f"  and {spans:,} span codings of the coder in the first transcript, drawn in colour")
    project.close()
    return folder / "bench.qc"


async def measure(path: Path) -> None:
    started = time.perf_counter()
    app = make_app(path, "bench")
    async with app.run_test(size=(140, 45)) as pilot:
        await pilot.pause()
        print(f"start-up to the transcript list: {time.perf_counter() - started:.2f} s")
        t0 = time.perf_counter()
        await pilot.press("enter")
        while not isinstance(app.screen, CodingScreen):
            await pilot.pause()
        await pilot.pause()
        print(f"open the large transcript in the coding view: {time.perf_counter() - t0:.2f} s")

        async def per_key(keys: list[str]) -> tuple[list[float], list[float]]:
            wall, cpu = [], []
            for key in keys:
                t, c = time.perf_counter(), time.process_time()
                await pilot.press(key)
                await pilot.pause()
                wall.append((time.perf_counter() - t) * 1000)
                cpu.append((time.process_time() - c) * 1000)
            return wall, cpu

        for label, keys in (
            ("move (j)", ["j"] * 200),
            ("toggle a code (w)", ["w", "j"] * 100),
            ("page down", ["pagedown"] * 50),
            ("jump to the end and back", ["end", "home"] * 10),
            ("word cursor (V, →)", ["V", *["right"] * 99]),
            ("select words (shift+→)", ["shift+right"] * 50),
            ("code a passage (w, shift+→)", ["w", "shift+right"] * 25),
            ("word cursor by line (↓)", ["down"] * 50),
        ):
            wall, cpu = await per_key(keys)
            print(
                f"{label:>26}: CPU {statistics.median(cpu):.1f} ms median, "
                f"{_p95(cpu):.1f} ms 95th percentile per key (wall {statistics.median(wall):.0f} ms with the pilot)"
            )


async def pilot_baseline() -> None:
    """The pilot's own cost per key, on an app whose binding only updates one label."""
    from textual.app import App
    from textual.binding import Binding
    from textual.widgets import Static

    class Counter(App[None]):
        BINDINGS = [Binding("j", "count", "Count")]

        def compose(self):  # type: ignore[no-untyped-def]
            yield Static("0", id="n")

        def action_count(self) -> None:
            label = self.query_one("#n", Static)
            label.update(str(int(str(label.render())) + 1))

    async with Counter().run_test(size=(140, 45)) as pilot:
        wall, cpu = [], []
        for _ in range(100):
            t, c = time.perf_counter(), time.process_time()
            await pilot.press("j")
            await pilot.pause()
            wall.append((time.perf_counter() - t) * 1000)
            cpu.append((time.process_time() - c) * 1000)
    print(
        f"{'pilot baseline (one label)':>26}: CPU {statistics.median(cpu):.1f} ms median "
        f"(wall {statistics.median(wall):.0f} ms: the pilot waits between keys)"
    )


def _p95(values: list[float]) -> float:
    return sorted(values)[max(int(len(values) * 0.95) - 1, 0)]


def startup(path: Path) -> None:
    """Time `qualcode code` from the process start to the first screen, in a real subprocess."""
    import subprocess

    script = "\n".join(
        [
            "import asyncio, time",
            "t = time.perf_counter()",
            "from qualcode.tui.app import make_app",
            "async def main():",
            f"    app = make_app({str(path)!r}, 'bench')",
            "    async with app.run_test(size=(120, 40)) as pilot:",
            "        await pilot.pause()",
            "        print(f'{time.perf_counter() - t:.2f}')",
            "asyncio.run(main())",
        ]
    )
    t = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, check=True)
    total = time.perf_counter() - t
    print(f"`qualcode code` start-up in a fresh process: {total:.2f} s (app ready after {out.stdout.strip()} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--segments", type=int, default=5000)
    parser.add_argument("--transcripts", type=int, default=200)
    parser.add_argument("--spans", type=int, default=20_000, help="span codings in the large transcript")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = build(Path(tmp), args.segments, args.transcripts, args.spans)
        startup(path)
        asyncio.run(measure(path))
        asyncio.run(pilot_baseline())


if __name__ == "__main__":
    main()
