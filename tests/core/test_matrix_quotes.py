"""A matrix of quotes is the same on every run: the cell's quote is chosen by position, never by a set's order."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO

SCRIPT = """
import sys
from qualcode.core.project import Project
from qualcode.core.model import ExportOptions
with Project.open(sys.argv[1]) as p:
    frame = p.tables(ExportOptions(tables=("matrix",), cells="quote", level="theme"))["matrix"]
    sys.stdout.write(frame.to_csv())
"""


def test_quote_cells_do_not_depend_on_hash_order(project):
    book = project.codebook()
    answers = [s.id for s in project.segments(project.transcripts()[0].id) if s.speaker == "P1"]
    # Several codes under one theme, each on its own answer of P1: the theme's cell must pick one of them.
    under_theme = [c.id for c in book.descendants(book.find("School role and involvement").id)]
    assert len(under_theme) >= 3 and len(answers) >= 3
    for segment, code in zip(answers, under_theme, strict=False):
        project.store.codings.add(segment, code, "consensus")
    project.close()
    outputs = set()
    for seed in ("1", "2", "3", "4", "5"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", SCRIPT, str(project.path)], capture_output=True, text=True, env=env, cwd=REPO
        )
        assert result.returncode == 0, result.stderr
        outputs.add(result.stdout)
    assert len(outputs) == 1
    assert "P1" in next(iter(outputs))
