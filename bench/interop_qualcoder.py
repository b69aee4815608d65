"""QualCoder's own REFI-QDA importer reads qualcode's .qdpx: texts, code tree, codings per coder and memos.

QualCoder is not on PyPI and its importer lives in its Qt application, so this runs by hand, not in the tests:

    git clone https://github.com/ccbogel/QualCoder /tmp/QualCoder
    python3 -m venv /tmp/qcenv && /tmp/qcenv/bin/pip install PyQt6 pymupdf Pillow
    python bench/interop_qualcoder.py /tmp/QualCoder --qualcoder-python /tmp/qcenv/bin/python

The script (in qualcode's environment) codes the sample study at random for alice and bob (whole segments,
passages, memos), exports it, and runs itself again under QualCoder's Python in reader mode: there it builds an
empty QualCoder project with the tables QualCoder's own "new project" creates (read from its source), runs
`RefiImport` on the file with the file dialog answered, off-screen, and prints what QualCoder stored. Back here
the two are compared and the figures printed; the exit status is 1 when anything differs.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def write_study(folder: Path) -> tuple[Path, dict]:
    """The sample study coded by two coders, exported; and what it holds, as QualCoder should read it."""
    from qualcode.core.exchange.refi_write import write_qdpx
    from tests.two_coders import coded_sample_study

    project = coded_sample_study(folder / "s.qc")
    store = project.store
    texts = {t.id: t.text for t in store.transcripts.all()}
    names = {t.id: t.name for t in store.transcripts.all()}
    code_names = {c.id: c.name for c in store.codebook.codes()}
    tree = sorted([c.name, code_names[c.parent_id] if c.parent_id else ""] for c in store.codebook.codes())
    segments = {s.id: s for s in store.transcripts.all_segments()}
    codings = []
    for coder in ("alice", "bob"):
        for segment_id, code in store.codings.whole_segment_pairs(coder):
            s = segments[segment_id]
            codings.append([coder, code_names[code], names[s.transcript_id], s.start, s.end])
        for span in store.codings.spans(coder):
            codings.append([coder, code_names[span.code_id], names[span.transcript_id], span.start, span.end])
    memos = sorted(
        {m for coder in ("alice", "bob") for m in store.memos.of_coder(coder).values()}
        | {"alice on a passage", "bob on a passage"}
    )
    expected = {
        "texts": {names[i]: text for i, text in texts.items()},
        "codes": sorted(code_names.values()),
        "tree": tree,
        "codings": sorted(codings),
        "memos": memos,
    }
    write_qdpx(store, folder / "s.qdpx")
    project.close()
    return folder / "s.qdpx", expected


def qualcoder_tables(main: Path) -> list[str]:
    """The CREATE TABLE statements of QualCoder's "new project", read from its source."""
    tree = ast.parse(main.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == "new_project":
            for call in ast.walk(node):
                if isinstance(call, ast.Call) and getattr(call.func, "attr", "") == "execute" and call.args:
                    try:
                        value = ast.literal_eval(call.args[0])
                    except ValueError:
                        continue
                    if isinstance(value, str) and value.startswith("CREATE TABLE"):
                        found.append(value)
    return found


def read_with_qualcoder(checkout: Path, qdpx: Path) -> dict:
    """Reader mode, under QualCoder's Python: import the file with QualCoder's RefiImport, return its tables."""
    import builtins

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    sys.path.insert(0, str(checkout / "src"))
    builtins._ = lambda text: text  # type: ignore[attr-defined]  # QualCoder installs gettext's _ at start-up
    from PyQt6 import QtWidgets

    application = QtWidgets.QApplication([])  # kept: Qt needs it alive while widgets exist
    from qualcoder import refi

    folder = Path(tempfile.mkdtemp()) / "bench.qda"
    for sub in ("", "images", "audio", "video", "documents"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(folder / "data.qda")
    for statement in qualcoder_tables(checkout / "src" / "qualcoder" / "__main__.py"):
        conn.execute(statement)
    conn.execute("INSERT INTO project (databaseversion, date, memo, about, codername) VALUES ('v17', '', '', '', 'x')")
    conn.commit()

    class App:
        def __init__(self) -> None:
            self.conn = conn
            self.project_path = str(folder)
            self.project_name = folder.name
            self.settings = {"directory": str(folder.parent), "codername": "x", "ai_enable": "False"}
            self.version = "bench"
            self.ai_models: list = []
            self.project_events = None

        def write_config_ini(self, settings: dict, *rest: object) -> None:
            # QualCoder saves its settings (the coder's name from the file's first user) here; kept for the report
            self.saved_settings = dict(settings)

        def get_annotations(self) -> list:
            return []

    class Log:
        def append(self, text: str) -> None:
            print(text, file=sys.stderr)

    shown: list[str] = []
    """The message boxes QualCoder opened during the import: a warning there means it did not take something."""

    class Quiet:
        """QualCoder's message box, answered at once: what it says is kept for the figures."""

        def __init__(self, _app: object, title: str = "", text: str = "", *rest: object) -> None:
            shown.append(f"{title}: {text}")

        def exec(self) -> int:
            return 0

    QtWidgets.QFileDialog.getOpenFileName = staticmethod(lambda *a, **k: (str(qdpx), "qdpx"))  # type: ignore[method-assign]
    refi.Message = Quiet  # type: ignore[attr-defined]
    started = time.perf_counter()
    app = App()
    refi.RefiImport(app, Log(), "qdpx")
    del application
    seconds = time.perf_counter() - started
    rows = conn.execute(
        "SELECT ct.owner, cn.name, s.name, ct.pos0, ct.pos1, ct.seltext, ct.memo FROM code_text ct "
        "JOIN code_name cn ON cn.cid = ct.cid JOIN source s ON s.id = ct.fid"
    ).fetchall()
    return {
        "seconds": seconds,
        "texts": {name: text for name, text in conn.execute("SELECT name, fulltext FROM source")},
        "codes": sorted(name for (name,) in conn.execute("SELECT name FROM code_name")),
        "categories": sorted(name for (name,) in conn.execute("SELECT name FROM code_cat")),
        # each code with its parent: a code above it (supercid) or a category (catid)
        "tree": sorted(
            [name, parent or category or ""]
            for name, parent, category in conn.execute(
                "SELECT c.name, p.name, k.name FROM code_name c LEFT JOIN code_name p ON p.cid = c.supercid "
                "LEFT JOIN code_cat k ON k.catid = c.catid"
            )
        )
        + sorted(
            [name, parent or ""]
            for name, parent in conn.execute(
                "SELECT c.name, p.name FROM code_cat c LEFT JOIN code_cat p ON p.catid = c.supercatid"
            )
        ),
        "codings": sorted([r[0], r[1], r[2], r[3], r[4]] for r in rows),
        "memos": sorted({r[6] for r in rows if r[6]}),
        "messages": shown,
        "coder_set": getattr(app, "saved_settings", {}).get("codername", ""),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkout", type=Path, help="a clone of github.com/ccbogel/QualCoder")
    parser.add_argument("--qualcoder-python", default=sys.executable, help="a Python with PyQt6, pymupdf, Pillow")
    parser.add_argument("--read", type=Path, help=argparse.SUPPRESS)  # reader mode, under QualCoder's Python
    args = parser.parse_args()
    if args.read:
        print(json.dumps(read_with_qualcoder(args.checkout, args.read)))
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        qdpx, expected = write_study(Path(tmp))
        done = subprocess.run(
            [args.qualcoder_python, __file__, str(args.checkout), "--read", str(qdpx)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode:
            print(done.stderr[-3000:], file=sys.stderr)
            return 1
        read = json.loads(done.stdout.strip().splitlines()[-1])
    # QualCoder keeps codes with children as categories and the rest as codes
    codes_ok = sorted(read["codes"] + read["categories"]) == expected["codes"]
    tree_ok = sorted(read["tree"]) == expected["tree"]
    texts_ok = read["texts"] == expected["texts"]
    codings = {tuple(c) for c in read["codings"]}
    wanted = {tuple(c) for c in expected["codings"]}
    memos_missing = sorted(set(expected["memos"]) - set(read["memos"]))
    print(f"QualCoder's RefiImport took {read['seconds']:.2f} s")
    print(f"texts: {len(read['texts'])} of {len(expected['texts'])}, {'identical' if texts_ok else 'DIFFERENT'}")
    print(
        f"code tree: {len(read['codes'])} codes + {len(read['categories'])} categories of {len(expected['codes'])}: "
        f"{'all names' if codes_ok else 'DIFFERENT'}, "
        f"{'each under its parent' if tree_ok else 'parents DIFFERENT'}"
    )
    print(
        f"codings: {len(codings & wanted)} of {len(wanted)} read as written (coder, code, text, start, end); "
        f"{len(codings - wanted)} other"
    )
    for coder in ("alice", "bob"):
        mine = {c for c in wanted if c[0] == coder}
        print(f"  {coder}: {len(codings & mine)} of {len(mine)}")
    print(
        f"memos on codings: {len(expected['memos']) - len(memos_missing)} of {len(expected['memos'])} arrive"
        + (f" (missing: {memos_missing[:3]})" if memos_missing else "")
    )
    print(f"QualCoder's coder after the import: {read['coder_set'] or '(unchanged)'}")
    # QualCoder ends every REFI-QDA import with a box of its own caveats; their first lines say which boxes came
    print(
        f"message boxes QualCoder opened: {len(read['messages'])}"
        + "".join(f"\n  {m.splitlines()[0]}" for m in read["messages"])
    )
    ok = texts_ok and codes_ok and tree_ok and codings == wanted and not memos_missing
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
