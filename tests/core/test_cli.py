"""The command line contract: outputs, one-line errors, exit statuses, untouched files."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from qualcode.cli import main
from tests.conftest import REPO


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "qualcode", *args], capture_output=True, text=True, env=env)


def content(path: Path) -> list[str]:
    """Everything a project file holds, as SQL, to compare before and after."""
    db = sqlite3.connect(path)
    try:
        return list(db.iterdump())
    finally:
        db.close()


@pytest.fixture
def study(tmp_path: Path, codebook_file: Path, transcript_file: Path) -> Path:
    path = tmp_path / "study.qc"
    assert main(["init", str(path), "--lang", "en", "--codebook", str(codebook_file)]) == 0
    assert main(["import", str(path), str(transcript_file)]) == 0
    return path


def test_init_import_and_show(study: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["codebook", "show", str(study)]) == 0
    out = capsys.readouterr().out
    assert "[w] Workload" in out and "Extra work the intervention brings." in out
    assert main(["codebook", "show", str(study), "--format", "json"]) == 0
    tree = json.loads(capsys.readouterr().out)
    assert tree[0]["children"][0]["name"] == "Workload"


def test_import_prints_a_line_per_file(tmp_path: Path, codebook_file: Path, transcript_file: Path) -> None:
    path = tmp_path / "s.qc"
    run("init", str(path))
    result = run("import", str(path), str(transcript_file), "--unit", "sentence")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("imported  P1_interview: participant P1, ")
    assert "speakers: Interviewer, P1" in result.stdout


def test_codebook_export_round_trip(study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "exported.yaml"
    assert main(["codebook", "export", str(study), str(out)]) == 0
    assert main(["codebook", "load", str(study), str(out)]) == 0
    assert "0 added" in capsys.readouterr().out


def test_codebook_edits_from_the_command_line(study: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["codebook", "rename", str(study), "Workload", "Work load", "--actor", "carol"]) == 0
    assert main(["codebook", "move", str(study), "Time pressure", "Feedback/Barriers"]) == 0
    assert main(["codebook", "merge", str(study), "Time pressure", "Lack of resources"]) == 0
    assert main(["codebook", "delete", str(study), "Success factors"]) == 0
    capsys.readouterr()
    main(["codebook", "show", str(study), "--format", "json"])
    tree = json.loads(capsys.readouterr().out)
    feedback = tree[1]
    assert [c["name"] for c in feedback["children"]] == ["Barriers"]
    assert tree[0]["children"][0]["name"] == "Work load"


def test_codings_import_export(study: Path, tmp_path: Path) -> None:
    csv_in = tmp_path / "a.csv"
    csv_in.write_text("transcript,segment,code\nP1_interview,2,Workload\n", encoding="utf-8")
    assert main(["codings", "import", str(study), str(csv_in), "--coder", "alice"]) == 0
    csv_out = tmp_path / "b.csv"
    assert main(["codings", "export", str(study), str(csv_out), "--coder", "alice"]) == 0
    assert csv_out.read_text().splitlines()[1] == "P1_interview,2,School role and involvement/Workload,"


def test_participants_command(study: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv_path = tmp_path / "p.csv"
    csv_path.write_text("id,role,years_experience\nP1,Contact teacher,12\n")
    assert main(["participants", str(study), str(csv_path)]) == 0
    assert "P1: role='Contact teacher', years_experience=12" in capsys.readouterr().out


def _bad_inputs(tmp: Path) -> list[tuple[list[str], str]]:
    (tmp / "binary.txt").write_bytes(bytes(range(256)))
    (tmp / "empty.txt").write_bytes(b"")
    (tmp / "fake.docx").write_text("plain")
    (tmp / "x.pages").write_text("P1: hi")
    (tmp / "bad.yaml").write_text("codes: [\n")
    (tmp / "cycle.yaml").write_text("codes:\n  - &a\n    name: A\n    children:\n      - *a\n")
    (tmp / "dupkey.yaml").write_text("codes:\n  - {name: A, key: a}\n  - {name: B, key: a}\n")
    (tmp / "people.csv").write_text("id,role\nP1,x\nP99,y\n")
    (tmp / "nocol.csv").write_text("who,role\nP1,x\n")
    (tmp / "codings.csv").write_text("transcript,segment,code\nP1_interview,2,Nonsense\n")
    (tmp / "codings2.csv").write_text("transcript,segment,code\nP1_interview,200,Workload\n")
    (tmp / "codings3.csv").write_text("transcript,segment,code\nP5,2,Workload\n")
    return [
        (["import", "{study}", str(tmp / "binary.txt")], "binary.txt: looks like a binary file"),
        (["import", "{study}", str(tmp / "empty.txt")], "empty.txt: is empty"),
        (["import", "{study}", str(tmp / "fake.docx")], "fake.docx: is not a valid .docx"),
        (["import", "{study}", str(tmp / "x.pages")], "x.pages: unknown kind of file"),
        (["import", "{study}", str(tmp / "missing.txt")], "missing.txt: no such file"),
        (["codebook", "load", "{study}", str(tmp / "bad.yaml")], "bad.yaml: line 2: invalid YAML"),
        (["codebook", "load", "{study}", str(tmp / "cycle.yaml")], "cycle.yaml: line 2: this code contains itself"),
        (["codebook", "load", "{study}", str(tmp / "dupkey.yaml")], "dupkey.yaml: line 3: shortcut key 'a'"),
        (["participants", "{study}", str(tmp / "people.csv")], "people.csv: line 3: participant P99"),
        (["participants", "{study}", str(tmp / "nocol.csv")], "nocol.csv: line 1: missing column 'id'"),
        (
            ["codings", "import", "{study}", str(tmp / "codings.csv"), "--coder", "a"],
            "codings.csv: line 2: unknown code",
        ),
        (
            ["codings", "import", "{study}", str(tmp / "codings2.csv"), "--coder", "a"],
            "codings2.csv: line 2: transcript 'P1_interview' has no segment 200",
        ),
        (
            ["codings", "import", "{study}", str(tmp / "codings3.csv"), "--coder", "a"],
            "codings3.csv: line 2: unknown transcript 'P5'",
        ),
        (["codebook", "delete", "{study}", "Nonsense"], "Nonsense: no such code"),
    ]


def test_bad_inputs_exit_2_with_one_line_and_leave_the_project_unchanged(study: Path, tmp_path: Path) -> None:
    for args, message in _bad_inputs(tmp_path):
        before = content(study)
        result = run(*[a.replace("{study}", str(study)) for a in args])
        assert result.returncode == 2, (args, result.stderr)
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], (args, result.stderr)
        assert "Traceback" not in result.stderr
        assert content(study) == before, args


def test_not_a_project(tmp_path: Path) -> None:
    other = tmp_path / "notes.qc"
    other.write_text("hello")
    result = run("codebook", "show", str(other))
    assert result.returncode == 2
    assert result.stderr.strip() == f"qualcode: {other}: is not a qualcode project file"
    assert other.read_text() == "hello"
    result = run("init", str(other))
    assert result.returncode == 2 and "already exists" in result.stderr


def test_help_is_fast_and_imports_no_heavy_library() -> None:
    code = (
        "import sys, qualcode.cli as c\n"
        "try:\n    c.main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('spacy', 'pandas', 'docx', 'textual', 'numpy', 'networkx', 'lxml') if m in sys.modules]\n"
        "print('HEAVY:' + ','.join(heavy))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}
    )
    assert "usage: qualcode" in result.stdout
    assert result.stdout.strip().splitlines()[-1] == "HEAVY:"


def test_core_modules_never_import_textual() -> None:
    modules = sorted(
        "qualcode.core." + ".".join(p.relative_to(REPO / "qualcode" / "core").with_suffix("").parts)
        for p in (REPO / "qualcode" / "core").rglob("*.py")
        if p.name != "__init__.py"
    )
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n    importlib.import_module(m)\n"
        "print('textual' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_a_path_the_system_refuses_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    too_long = tmp_path / ("x" * 300 + ".qc")
    assert main(["init", str(too_long)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot be used" in err and "Traceback" not in err
    assert not any(tmp_path.iterdir())


def test_a_reader_that_stops_early_leaves_no_traceback(study_file):
    """`qualcode search … | head -1`: the pipe closes while qualcode is still writing."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "qualcode", "search", str(study_file), "the"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    first = process.stdout.readline()
    process.stdout.close()  # as head does after its line
    _out, errors = process.communicate(timeout=120)
    assert first and process.returncode == 0
    assert errors == b"", errors.decode()[-400:]
    full = subprocess.run(command, capture_output=True, env=env, check=True).stdout
    assert len(full) > 65536, "more output than the pipe holds (64 KiB on Linux)"
