"""The package installs and runs anywhere: the wheel carries the sample study and the bundled codebook.

The wheel is built from the checkout, installed into a fresh folder and run
from an empty folder with the checkout off the path, so what the demo and
``--codebook back2school`` find can only have come from the wheel. The
packages it needs (textual, spaCy, pandas …) come from the running
environment. Also run from the wheel file itself, as a zipped install.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from qualcode.cli import main
from qualcode.core.formats import load_codebook_file
from tests.conftest import REPO

SAMPLES = ["P1_interview.txt", "P2_interview.docx", "P3_interview.vtt", "P4_interview.txt", "P5_interview.docx"]
SAMPLES += ["P6_interview.srt", "P7_interview.txt", "participants.csv", "nb/P8_intervju.txt"]
PACKAGED = [f"qualcode/data/samples/{name}" for name in SAMPLES] + ["qualcode/data/codebooks/back2school.yaml"]
"""What the wheel must carry as files, beside the code."""


def builds_offline() -> bool:
    """Whether the running environment can build a wheel itself (setuptools 70.1+, or the wheel package).

    Then the build needs no download; otherwise pip builds in an isolated
    environment and fetches setuptools, as any user's ``pip install`` would.
    """
    return bool(importlib.util.find_spec("wheel") or importlib.util.find_spec("setuptools.command.bdist_wheel"))


def build_wheel(out: Path) -> Path:
    """The wheel of the checkout, built from a copy of it in ``out`` (the checkout gets no build/ folder)."""
    source = out / "source"
    source.mkdir(parents=True)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "qualcode", source / "qualcode", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for link in ("codebooks", "transcripts_sample"):
        # The repository's top-level names for the samples, links into the package data, built along.
        (source / link).symlink_to(os.readlink(REPO / link))
    isolation = ["--no-build-isolation"] if builds_offline() else []
    command = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", *isolation, "-w", str(out), str(source)]
    subprocess.run(command, check=True, capture_output=True, timeout=300)
    (wheel,) = out.glob("qualcode-*.whl")
    return wheel


def install_wheel(wheel: Path, site: Path) -> Path:
    """The wheel installed into the folder ``site``, without its dependencies."""
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target", str(site)]
    subprocess.run([*command, str(wheel)], check=True, capture_output=True, timeout=300)
    return site


def dependency_path() -> list[str]:
    """This environment's path without the checkout (nor anything else that holds a qualcode package)."""
    return [
        entry
        for entry in sys.path
        if entry and Path(entry).exists() and not (Path(entry) / "qualcode" / "__init__.py").exists()
    ]


def installed_env(where: Path | str, cwd: Path) -> dict[str, str]:
    """The environment for a Python that finds qualcode in ``where`` (a folder or the wheel file) only."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(where), *dependency_path()])}
    env["XDG_DATA_HOME"] = str(cwd / ".data")
    return env


def run_installed(where: Path | str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m qualcode ARGS`` with qualcode from ``where`` only.

    ``-S`` leaves out site-packages' .pth files, the editable install's finder
    among them: the packages come from ``PYTHONPATH`` alone.
    """
    command = [sys.executable, "-S", "-m", "qualcode", *args]
    return subprocess.run(command, cwd=cwd, env=installed_env(where, cwd), capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


@pytest.fixture(scope="module")
def site(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return install_wheel(wheel, tmp_path_factory.mktemp("site"))


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    folder = tmp_path / "empty"
    folder.mkdir()
    return folder


def _demo_holds_the_study(path: Path) -> None:
    with sqlite3.connect(path) as db:
        assert db.execute("SELECT COUNT(*) FROM transcripts").fetchone()[0] == 7
        with_attributes = "SELECT COUNT(*) FROM participants WHERE attributes LIKE '%years_experience%'"
        assert db.execute(with_attributes).fetchone()[0] == 7
        codes = db.execute("SELECT COUNT(*) FROM codes").fetchone()[0]
    assert codes == len(load_codebook_file(REPO / "codebooks" / "back2school.yaml"))


def test_the_wheel_carries_the_samples_and_the_codebook_as_files(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as z:
        entries = {info.filename: info for info in z.infolist()}
        assert len(entries) == len(z.infolist()), "nothing is in the wheel twice"
    for name in PACKAGED:
        info = entries[name]
        assert stat.S_ISREG(info.external_attr >> 16), f"{name} is a file, not a link"
        assert info.file_size == (REPO / name).stat().st_size
    assert not [n for n in entries if n.split("/")[0] in ("codebooks", "transcripts_sample", "tests", "bench")]
    assert len([n for n in entries if n.startswith("qualcode/data/")]) == len(PACKAGED)


def test_the_repositorys_sample_folders_are_links_into_the_package() -> None:
    # One copy of the samples: the README's transcripts_sample/ and codebooks/ are the packaged files.
    assert (REPO / "transcripts_sample").is_symlink() and (REPO / "codebooks").is_symlink()
    assert (REPO / "transcripts_sample").resolve() == REPO / "qualcode" / "data" / "samples"
    assert (REPO / "codebooks" / "back2school.yaml").resolve() == REPO / "qualcode/data/codebooks/back2school.yaml"


def test_demo_from_the_installed_wheel_in_an_empty_folder(site: Path, empty: Path) -> None:
    origin = subprocess.run(
        [sys.executable, "-S", "-c", "import qualcode; print(qualcode.__file__)"],
        cwd=empty,
        env=installed_env(site, empty),
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(origin.stdout.strip()).is_relative_to(site), "qualcode is imported from the installed wheel"

    result = run_installed(site, "demo", "--no-tui", "--dir", "demo", cwd=empty)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(Path("demo") / "back2school-demo.qc")
    _demo_holds_the_study(empty / "demo" / "back2school-demo.qc")
    assert sorted(p.name for p in empty.iterdir()) == ["demo"], "nothing written beside the demo folder"

    again = run_installed(site, "demo", "--no-tui", "--dir", "demo", "--fresh", cwd=empty)
    assert again.returncode == 0, again.stderr
    _demo_holds_the_study(empty / "demo" / "back2school-demo.qc")


def test_init_with_the_bundled_codebook_from_the_installed_wheel(site: Path, empty: Path) -> None:
    result = run_installed(site, "init", "study.qc", "--codebook", "back2school", cwd=empty)
    assert result.returncode == 0, result.stderr
    n = len(load_codebook_file(REPO / "codebooks" / "back2school.yaml"))
    assert result.stdout.strip() == f"created study.qc (language en, {n} codes in the codebook)"

    loaded = run_installed(site, "codebook", "load", "study.qc", "back2school", cwd=empty)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == f"codebook loaded: 0 added, 0 updated, {n} unchanged, 0 removed"


def test_demo_from_a_zipped_install(wheel: Path, empty: Path) -> None:
    # The wheel file itself on the path: importlib.resources reads the samples out of the zip.
    result = run_installed(wheel, "demo", "--no-tui", "--dir", str(empty / "demo"), cwd=empty)
    assert result.returncode == 0, result.stderr
    _demo_holds_the_study(empty / "demo" / "back2school-demo.qc")


def test_a_bundled_codebook_by_name_is_the_packaged_file() -> None:
    bundled = load_codebook_file("back2school")
    packaged = load_codebook_file(REPO / "qualcode" / "data" / "codebooks" / "back2school.yaml")
    assert bundled.to_yaml() == packaged.to_yaml()


def test_a_name_that_is_neither_a_file_nor_bundled_gets_one_line_listing_the_bundled(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init", "study.qc", "--codebook", "back2schol"]) == 2
    assert capsys.readouterr().err == (
        "qualcode: back2schol: no such codebook file, nor a bundled codebook (bundled: back2school)\n"
    )
    assert not (tmp_path / "study.qc").exists()
