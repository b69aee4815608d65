"""The demo project: the Back2School sample study, ready to code.

Built from `transcripts_sample/` and `codebooks/back2school.yaml` beside the
package (a clone of the repository, installed with `pip install -e .`).
"""

from __future__ import annotations

import os
from pathlib import Path

from qualcode.core.errors import QualcodeError
from qualcode.core.project import Project

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "transcripts_sample"
CODEBOOK = REPO / "codebooks" / "back2school.yaml"
DEMO_NAME = "back2school-demo.qc"


def default_folder() -> Path:
    """Where the demo project lives between runs: the user's data folder."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "qualcode"


def build_demo(folder: str | Path | None = None, *, fresh: bool = False) -> Path:
    """Make (or reuse) the demo project in ``folder`` and return its path.

    An existing demo project is kept, with whatever was coded in it, unless
    ``fresh`` asks for a new one.
    """
    if not SAMPLES.is_dir() or not CODEBOOK.is_file():
        raise QualcodeError(
            f"the sample study is not beside the package ({SAMPLES}); run the demo from a clone "
            "of the repository installed with 'pip install -e .'"
        )
    target = Path(folder) if folder else default_folder()
    target.mkdir(parents=True, exist_ok=True)
    path = target / DEMO_NAME
    if path.exists() and not fresh:
        return path
    building = target / (DEMO_NAME + ".building")
    for stale in (building, Path(str(building) + "-wal"), Path(str(building) + "-shm")):
        stale.unlink(missing_ok=True)
    project = Project.create(building, lang="en", codebook=CODEBOOK, unit="turn")
    try:
        files = sorted(p for p in SAMPLES.iterdir() if p.is_file() and p.suffix != ".csv")
        project.import_files(files)
        project.attach_participants(SAMPLES / "participants.csv")
    finally:
        project.close()
    for old in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
        old.unlink(missing_ok=True)
    os.replace(building, path)
    return path
