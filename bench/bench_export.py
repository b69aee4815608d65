"""Speed of the Word export: a large quote table and a wide matrix, and how time grows with rows.

Run by hand:  python bench/bench_export.py

Prints the time of the whole report of a 120-transcript project (13,500
codings; the four default tables, then every table and the three figures with
two coders), to write a quote table of 10,000 quotes plus a 60-code ×
200-participant matrix to one .docx, the same through python-docx's own
`add_row` for comparison on fewer rows, and the time for 1,000 to 20,000 rows
to show that it grows linearly.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from qualcode.core.export.docx import WordReport  # noqa: E402

WORDS = "the school and the psychologist agreed on a plan for the student who had been absent for weeks".split()


def quotes(n: int, seed: int = 1) -> list[list[str]]:
    rng = random.Random(seed)
    return [
        [
            f"Theme {i % 3} ▸ Subtheme {i % 8}" if i % 40 == 0 else "",
            "“" + " ".join(rng.choice(WORDS) for _ in range(rng.randint(15, 60))) + f"” (P{rng.randint(1, 200)})",
        ]
        for i in range(n)
    ]


def matrix(codes: int, participants: int) -> tuple[list[str], list[list[str]]]:
    rng = random.Random(2)
    header = ["Theme / subtheme / code"] + [f"P{i + 1}" for i in range(participants)]
    return header, [[f"Code {c}"] + [str(rng.randint(0, 9)) for _ in range(participants)] for c in range(codes)]


def write(rows: int, with_matrix: bool, folder: Path) -> float:
    t = time.perf_counter()
    report = WordReport("Bench", "quotes and matrix")
    report.caption("Table", "Quotes")
    report.table(["Theme ▸ subtheme", "Quote"], quotes(rows), weights=[2, 5], quote_column=1)
    if with_matrix:
        report.landscape(True)
        header, body = matrix(60, 200)
        report.caption("Table", "Matrix")
        report.table(header, body, weights=[4] + [1] * 200, numeric=[False] + [True] * 200)
    report.save(str(folder / f"bench-{rows}.docx"))
    return time.perf_counter() - t


def python_docx_add_row(rows: int, folder: Path) -> float:
    from docx import Document

    t = time.perf_counter()
    document = Document()
    table = document.add_table(rows=1, cols=2)
    for row in quotes(rows):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = row
    document.save(str(folder / "add_row.docx"))
    return time.perf_counter() - t


def end_to_end(folder: Path) -> None:
    """The whole `export docx` path on a generated project whose codings come from the codebook's keywords."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from bench_text import build

    from qualcode.core.export.tables import Exporter, ExportOptions

    project = build(folder, 300_000)
    store = project.store
    texts = {t.id: t.text for t in store.transcripts.all()}
    codes = [c for c in store.codebook.codes() if c.keywords]
    rows = [
        (segment.id, code.id)
        for segment in store.transcripts.all_segments()
        for code in codes
        if any(k.lower() in texts[segment.transcript_id][segment.start : segment.end].lower() for k in code.keywords)
    ]
    store.codings.add_many(rows, "consensus")
    t = time.perf_counter()
    exporter = Exporter(store, ExportOptions(tables=("theme", "matrix", "quotes", "codebook")))
    quotes = len(exporter.frames()["quotes"])
    exporter.write_docx(folder / "report.docx")
    print(
        f"end to end: {len(rows):,} codings, {quotes:,} quotes, the four tables to .docx in "
        f"{time.perf_counter() - t:.2f} s"
    )
    full_report(project, rows, folder)
    project.close()


def full_report(project: object, rows: list[tuple[int, str]], folder: Path) -> None:
    """The full report (every table and the three figures) once two coders have coded: alice has nine in ten
    of the consensus codings, bob every other one and a few of his own."""
    import random

    from qualcode.core.formats import FORMATS, tables_for
    from qualcode.core.model import ExportOptions

    store = project.store  # type: ignore[attr-defined]
    rng = random.Random(5)
    store.codings.add_many([r for r in rows if rng.random() < 0.9], "alice")
    codes = sorted({c for _s, c in rows})
    store.codings.add_many([r for r in rows[::2]] + [(s, rng.choice(codes)) for s, _c in rows[1::7]], "bob")
    tables = tables_for(FORMATS["docx"], None, store)
    print(f"full report: {', '.join(tables)}; {len(rows):,} consensus codings, two coders")
    for run, bootstrap in (("first (builds the text index)", 1000), ("again", 1000), ("again", 200)):
        t = time.perf_counter()
        project.export("docx", folder / "full.docx", ExportOptions(tables=tables, bootstrap=bootstrap))  # type: ignore[attr-defined]
        print(f"  {run}, {bootstrap} bootstrap resamples: {time.perf_counter() - t:.2f} s")
    t = time.perf_counter()
    project.export("docx", folder / "f.docx", ExportOptions(tables=("network", "map", "kappa"), bootstrap=1000))  # type: ignore[attr-defined]
    print(f"  of which the three figures (with the agreement they chart): {time.perf_counter() - t:.2f} s")


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        end_to_end(folder)
        print(f"10,000 quotes + 60 × 200 matrix in one .docx: {write(10_000, True, folder):.2f} s")
        for n in (1_000, 5_000, 10_000, 20_000):
            seconds = write(n, False, folder)
            print(f"{n:>6} quote rows: {seconds:.2f} s ({seconds / n * 1e6:.0f} µs per row)")
        seconds = python_docx_add_row(2_000, folder)
        per_row = seconds / 2000 * 1e6
        print(f"python-docx add_row, 2,000 rows for comparison: {seconds:.2f} s ({per_row:.0f} µs per row)")


if __name__ == "__main__":
    main()
