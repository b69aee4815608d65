"""Writing files safely: never over the project or an input, never through a symlink, never half-written."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from qualcode.core.errors import BadInput
from qualcode.core.files import TEMP_PREFIX, atomic_file, guard_output, remove_stale, write_text
from tests.core.test_cli import content, run


@pytest.mark.parametrize(
    "command",
    [
        ["export", "docx", "{p}", "-o", "{p}"],
        ["export", "xlsx", "{p}", "-o", "{p}"],
        ["export", "graphml", "{p}", "-o", "{p}"],
        ["export", "qdpx", "{p}", "-o", "{p}"],
        ["export", "qdc", "{p}", "-o", "{p}"],
        ["export", "qdc", "{p}", "-o", "{p}-wal"],
        ["codings", "export", "{p}", "{p}", "--coder", "alice"],
        ["codebook", "export", "{p}", "{p}"],
        ["handout", "{p}", "--coder", "alice", "-o", "{p}"],
        ["merge", "{p}", "{p}"],
    ],
)
def test_no_command_writes_over_the_project(project, command):
    path = str(project.path)
    project.close()
    before = content(project.path)
    result = run(*[a.replace("{p}", path) for a in command])
    assert result.returncode == 2, result.stdout
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert content(project.path) == before


def test_another_name_for_the_project_is_caught(project, tmp_path):
    link = tmp_path / "alias.qdc"
    link.symlink_to(project.path)
    with pytest.raises(BadInput, match="is what this command reads"):
        guard_output(link, projects=[project.path])
    hard = tmp_path / "hard.qc"
    os.link(project.path, hard)
    with pytest.raises(BadInput):
        guard_output(hard, projects=[project.path])
    guard_output(tmp_path / "other.qdc", projects=[project.path])


def test_a_symlink_at_the_target_is_replaced_not_written_through(tmp_path):
    precious = tmp_path / "precious.txt"
    precious.write_text("keep me", encoding="utf-8")
    target = tmp_path / "out.txt"
    target.symlink_to(precious)
    write_text(target, "new")
    assert precious.read_text(encoding="utf-8") == "keep me"
    assert not target.is_symlink() and target.read_text(encoding="utf-8") == "new"


def test_a_failed_write_leaves_the_earlier_file_and_no_temporary(tmp_path):
    target = tmp_path / "codings.csv"
    target.write_text("earlier, complete\n", encoding="utf-8")
    with pytest.raises(RuntimeError):
        with atomic_file(target) as temporary:
            temporary.write_text("half", encoding="utf-8")
            raise RuntimeError("killed half-way")
    assert target.read_text(encoding="utf-8") == "earlier, complete\n"
    assert [p.name for p in tmp_path.iterdir()] == ["codings.csv"]


def test_temporaries_of_a_killed_writer_are_removed_by_the_next_write(tmp_path):
    # A process that wrote a temporary output and was killed (-9) before renaming it.
    code = (
        "import os, tempfile, sys\n"
        f"fd, name = tempfile.mkstemp(prefix='{TEMP_PREFIX}' + str(os.getpid()) + '-x.csv.', dir=sys.argv[1])\n"
        "os.write(fd, b'partial'); os.kill(os.getpid(), 9)\n"
    )
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=False)
    assert any(p.name.startswith(TEMP_PREFIX) for p in tmp_path.iterdir())
    write_text(tmp_path / "x.csv", "whole\n")
    assert [p.name for p in tmp_path.iterdir()] == ["x.csv"]
    assert remove_stale(tmp_path) == 0


def test_a_fifo_named_as_output_is_refused_not_replaced(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(BadInput, match="is not a regular file"):
        write_text(fifo, "x")
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
