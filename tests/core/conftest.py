"""Fixtures of the core tests: the sample study, coded, for the analysis tables and their exports."""

from __future__ import annotations

import pytest

from qualcode.core.project import Project
from tests.conftest import REPO

SAMPLES = REPO / "transcripts_sample"


@pytest.fixture(scope="session")
def study_file(tmp_path_factory):
    """The sample study with keyword-based consensus codings, a second coder, and a Norwegian interview."""
    folder = tmp_path_factory.mktemp("study")
    project = Project.create(folder / "study.qc", codebook=REPO / "codebooks" / "back2school.yaml")
    project.import_files(sorted(p for p in SAMPLES.iterdir() if p.suffix != ".csv" and p.is_file()))
    project.import_files([SAMPLES / "nb" / "P8_intervju.txt"])
    project.attach_participants(SAMPLES / "participants.csv")
    store = project.store
    texts = {t.id: t.text for t in store.transcripts.all()}
    rows = []
    for segment in store.transcripts.all_segments():
        text = texts[segment.transcript_id][segment.start : segment.end].lower()
        for code in store.codebook.codes():
            if code.keywords and any(k.lower() in text for k in code.keywords):
                rows.append((segment.id, code.id))
    store.codings.add_many(rows, "consensus")
    store.codings.add_many(rows[::2], "alice")
    store.codings.add_many(rows[1::2] + rows[::4], "bob")
    project.close()
    return folder / "study.qc"


@pytest.fixture
def study(study_file, tmp_path):
    import shutil

    target = tmp_path / "study.qc"
    shutil.copy(study_file, target)
    project = Project.open(target)
    yield project
    project.close()
