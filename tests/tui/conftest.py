"""Fixtures for the workbench tests: the demo project on disk, one fresh copy per test."""

from __future__ import annotations

import random
import shutil
import sqlite3
from pathlib import Path

import pytest

from qualcode.core.store import Store


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from qualcode.core.demo import build_demo

    return build_demo(tmp_path_factory.mktemp("demo"))


@pytest.fixture
def demo(built_demo: Path, tmp_path: Path) -> Path:
    """A fresh copy of the Back2School demo project: 7 transcripts, the study codebook, no codings."""
    target = tmp_path / "study.qc"
    shutil.copy(built_demo, target)
    return target


@pytest.fixture(autouse=True)
def _quiet_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """No user configuration or colour settings leak into the app under test."""
    monkeypatch.setenv("TEXTUAL_ANIMATIONS", "none")
    monkeypatch.delenv("NO_COLOR", raising=False)


def codings(path: Path, coder: str) -> set[tuple[str, int, str]]:
    """(transcript, ordinal, code name) of a coder, read through a separate connection."""
    with sqlite3.connect(path) as db:
        return set(
            db.execute(
                "SELECT t.name, s.ordinal, d.name FROM codings c JOIN coders k ON k.id = c.coder_id "
                "JOIN segments s ON s.id = c.segment_id JOIN transcripts t ON t.id = s.transcript_id "
                "JOIN codes d ON d.id = c.code_id WHERE k.name = ?",
                (coder,),
            ).fetchall()
        )


def memos(path: Path, coder: str) -> dict[int, str]:
    with sqlite3.connect(path) as db:
        return dict(
            db.execute(
                "SELECT s.ordinal, m.text FROM memos m JOIN coders k ON k.id = m.coder_id "
                "JOIN segments s ON s.id = m.segment_id WHERE k.name = ?",
                (coder,),
            ).fetchall()
        )


@pytest.fixture
def coded_demo(demo):
    """The demo project with two coders who agree on some segments of P1 and not on others."""
    with Store(demo) as store:
        segments = [s for s in store.transcripts.all_segments() if s.transcript_id == store.transcripts.all()[0].id]
        code = {c.name: c.id for c in store.codebook.codes()}
        rng = random.Random(3)
        for s in segments[:12]:
            pick = rng.choice(["Workload", "Time pressure", "Step-ladder", "Referral route"])
            store.codings.add(s.id, code[pick], "alice")
            other = pick if s.ordinal % 3 else rng.choice(["Barriers", "Success factors"])
            store.codings.add(s.id, code[other], "bob")
    return demo
