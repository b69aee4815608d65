"""Fixtures shared by the test suites: small real projects on disk."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

SMALL_CODEBOOK = """\
name: Small study
codes:
  - name: School role and involvement
    key: "1"
    description: How the school takes part.
    children:
      - name: Workload
        key: w
        description: Extra work the intervention brings.
        inclusion: Time, tasks, meetings felt as a burden.
        exclusion: Lack of money; use Lack of resources.
        example: It was one more meeting every week.
        keywords: [workload, extra work]
        children:
          - name: Time pressure
            key: t
            description: Not enough hours in the day.
      - name: Entrance and recruitment
        key: e
        description: How students came into the programme.
  - name: Feedback
    key: "2"
    description: What worked and what did not.
    children:
      - name: Barriers
        key: b
        description: What stood in the way.
        children:
          - name: Lack of resources
            key: r
            description: Money, staff or rooms missing.
      - name: Success factors
        key: s
        description: What made it work.
"""

TRANSCRIPT = """\
Interviewer: How did you first hear about the programme?
P1: The psychologist came to a staff meeting. She explained the step-ladder plan. We were curious.
Interviewer: And the workload?
P1: It was one more meeting every week. Honestly, there was no time for it.
I had to skip lunch on Tuesdays.
Interviewer: What worked well?
P1: The common understanding with the parents worked well. We lacked money for an assistant, though.
"""


@pytest.fixture
def codebook_file(tmp_path: Path) -> Path:
    path = tmp_path / "small.yaml"
    path.write_text(SMALL_CODEBOOK, encoding="utf-8")
    return path


@pytest.fixture
def transcript_file(tmp_path: Path) -> Path:
    path = tmp_path / "P1_interview.txt"
    path.write_text(TRANSCRIPT, encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path: Path, codebook_file: Path, transcript_file: Path):
    """A project with the small codebook and one imported transcript, by speaker turn."""
    from qualcode.core.project import Project

    p = Project.create(tmp_path / "study.qc", lang="en", codebook=codebook_file)
    p.import_files([transcript_file], unit="turn")
    yield p
    p.close()


AS_SCHEMA_9 = "ALTER TABLE codes DROP COLUMN version;"
"""SQL that takes a new project file back to the tables of schema 9 (what the migration to 10 adds, undone)."""

AS_SCHEMA_8 = AS_SCHEMA_9 + " DROP INDEX memos_one_per_code; DROP TABLE journal;"
"""SQL that takes a new project file back to the tables of schema 8 (what the migrations to 9 and 10 add,
undone)."""

AS_SCHEMA_7 = (
    AS_SCHEMA_8 + " ALTER TABLE decisions DROP COLUMN spans; DROP INDEX memos_one_per_passage; "
    "ALTER TABLE memos DROP COLUMN start_offset; ALTER TABLE memos DROP COLUMN end_offset; "
    "DROP TABLE transcripts_done; ALTER TABLE codes DROP COLUMN exclusive; "
    "ALTER TABLE codes DROP COLUMN codable; ALTER TABLE coders DROP COLUMN guid;"
)
"""SQL that takes a new project file back to the tables of schema 7 (what the migrations to 8, 9 and 10 add,
undone)."""
