"""The demo project: the Back2School sample study, ready to code.

The sample study (seven transcripts, their participants and the study's
codebook) ships inside the package, in ``qualcode/data``, and is read through
``importlib.resources``, so the demo builds the same from a wheel, a pipx
install, a zipped install or an editable clone of the repository.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path

from qualcode.core.errors import QualcodeError
from qualcode.core.project import Project

DEMO_NAME = "back2school-demo.qc"
CODEBOOK_NAME = "back2school.yaml"


def sample_data() -> Traversable:
    """The packaged sample data: ``samples/`` (transcripts, ``participants.csv``, ``nb/``) and ``codebooks/``."""
    return resources.files("qualcode") / "data"


def default_folder() -> Path:
    """Where the demo project lives between runs: the user's data folder."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "qualcode"


@contextmanager
def _on_disk(folder: Traversable) -> Iterator[Path]:
    """The files of a packaged folder in a real folder, under their own names.

    Installed as files (a wheel, an editable clone) that is the folder itself;
    from a zipped install they are copied to a temporary folder, because the
    readers take paths and a transcript is named after its file.
    """
    if isinstance(folder, Path):
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix="qualcode-demo-") as tmp:
        for item in folder.iterdir():
            if item.is_file():
                (Path(tmp) / item.name).write_bytes(item.read_bytes())
        yield Path(tmp)


def build_demo(folder: str | Path | None = None, *, fresh: bool = False) -> Path:
    """Make (or reuse) the demo project in ``folder`` and return its path.

    An existing demo project is kept, with whatever was coded in it, unless
    ``fresh`` asks for a new one.
    """
    data = sample_data()
    samples, codebooks = data / "samples", data / "codebooks"
    if not (samples / "participants.csv").is_file() or not (codebooks / CODEBOOK_NAME).is_file():
        raise QualcodeError(f"the sample study is missing from the installed package ({data}); reinstall qualcode")
    target = Path(folder) if folder else default_folder()
    target.mkdir(parents=True, exist_ok=True)
    path = target / DEMO_NAME
    if path.exists() and not fresh:
        return path
    building = target / (DEMO_NAME + ".building")
    for stale in (building, Path(str(building) + "-wal"), Path(str(building) + "-shm")):
        stale.unlink(missing_ok=True)
    with ExitStack() as stack:
        sample_folder = stack.enter_context(_on_disk(samples))
        codebook_folder = stack.enter_context(_on_disk(codebooks))
        project = Project.create(building, lang="en", codebook=codebook_folder / CODEBOOK_NAME, unit="turn")
        try:
            # The Norwegian transcript in nb/ is a sample for other languages, not part of this study.
            files = sorted(p for p in sample_folder.iterdir() if p.is_file() and p.suffix != ".csv")
            project.import_files(files)
            project.attach_participants(sample_folder / "participants.csv")
        finally:
            project.close()
    for old in (path, Path(str(path) + "-wal"), Path(str(path) + "-shm")):
        old.unlink(missing_ok=True)
    os.replace(building, path)
    return path
