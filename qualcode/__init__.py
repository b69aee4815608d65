"""qualcode: thematic analysis of qualitative interview data.

The Python API mirrors the command line; every command is a thin layer on it::

    from qualcode import Project

    with Project.create("study.qc", lang="en", codebook="codebooks/back2school.yaml") as p:
        p.import_files(["transcripts_sample/P1_interview.txt"], unit="turn")
        p.attach_participants("transcripts_sample/participants.csv")
        print(p.codebook().render_tree())

Heavy libraries (spaCy, pandas, python-docx) load only when a feature needs them.
"""

from typing import TYPE_CHECKING, Any

from qualcode.core.errors import BadInput, QualcodeError
from qualcode.version import __version__

if TYPE_CHECKING:
    from qualcode.core.project import Project

__all__ = ["BadInput", "Project", "QualcodeError", "__version__"]


def __getattr__(name: str) -> Any:
    # `Project` loads on first use, so that `qualcode --help` does not load the store and the codebook.
    if name == "Project":
        from qualcode.core.project import Project

        return Project
    raise AttributeError(f"module 'qualcode' has no attribute {name!r}")
