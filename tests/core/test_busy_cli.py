"""A command run while another process holds the project's write lock: it waits, then one line and exit 2."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from qualcode.core.store import database
from tests.conftest import REPO


def run(*args: str, wait: str | None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    env.pop("QUALCODE_BUSY_TIMEOUT", None)
    if wait is not None:
        env["QUALCODE_BUSY_TIMEOUT"] = wait
    return subprocess.run([sys.executable, "-m", "qualcode", *args], capture_output=True, text=True, env=env)


@pytest.fixture
def locked(project):
    """The project file with its write lock held by another connection, as during a long merge."""
    project.close()
    holder = sqlite3.connect(project.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield project.path
    holder.execute("ROLLBACK")
    holder.close()


def _codings(path: Path) -> int:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT count(*) FROM codings").fetchone()[0]


def test_a_write_waits_the_stated_time_then_exits_2_with_one_line(locked: Path, tmp_path: Path) -> None:
    rows = tmp_path / "alice.csv"
    rows.write_text("transcript,segment,code\nP1_interview,2,Workload\n", encoding="utf-8")
    started = time.monotonic()
    result = run("codings", "import", str(locked), str(rows), "--coder", "alice", wait="0.5")
    waited = time.monotonic() - started
    assert result.returncode == 2
    assert result.stderr == (
        f"qualcode: {locked}: the project is busy: another qualcode command (a merge, an import …) is writing "
        "to it; gave up after waiting 0.5 s; try again when it has finished\n"
    )
    assert waited >= 0.5, "it waits for the other command before giving up"
    assert _codings(locked) == 0


def test_reading_is_not_held_up_by_a_writer(locked: Path) -> None:
    result = run("codebook", "show", str(locked), wait="0.5")
    assert result.returncode == 0 and "Workload" in result.stdout


@pytest.mark.parametrize(
    ("value", "seconds"),
    [(None, 10.0), ("2.5", 2.5), ("0", 0.0), ("soon", 10.0), ("-1", 10.0), ("nan", 10.0), ("inf", 10.0)],
)
def test_the_wait_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch, value: str | None, seconds: float):
    if value is None:
        monkeypatch.delenv("QUALCODE_BUSY_TIMEOUT", raising=False)
    else:
        monkeypatch.setenv("QUALCODE_BUSY_TIMEOUT", value)
    assert database._busy_timeout_from_env() == seconds
