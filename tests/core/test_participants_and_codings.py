"""The informant table and the codings CSV, with their bad inputs."""

from __future__ import annotations

from pathlib import Path

import pytest

from qualcode.core.errors import BadInput

BOTH_ENGINES = True
"""The tests that take ``project`` run on a project file and on a study on the test PostgreSQL server."""


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_participant_attributes_are_typed(project, tmp_path: Path) -> None:
    csv_path = write(tmp_path, "p.csv", "id,role,years_experience,grade_level,hours\nP1,Contact teacher,12,5,7.5\n")
    assert project.attach_participants(csv_path) == ["P1"]
    (p1,) = project.participants()
    assert p1.attributes == {"role": "Contact teacher", "years_experience": 12, "grade_level": 5, "hours": 7.5}
    assert isinstance(p1.attributes["years_experience"], int)


def test_semicolon_csv_in_windows_1252(project, tmp_path: Path) -> None:
    csv_path = write(tmp_path, "p.csv", "id;rolle;år\r\nP1;Lærer;3\r\n", encoding="cp1252")
    project.attach_participants(csv_path)
    assert project.participants()[0].attributes == {"rolle": "Lærer", "år": 3}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "is empty"),
        ("name,role\nP1,x\n", "line 1: missing column 'id'"),
        ("id\nP1\n", "no attribute columns"),
        ("id,role\nP1,x\nP9,y\n", "line 3: participant P9 has no transcript"),
        ("id,role\nP1,x\nP1,y\n", "line 3: participant P1 is listed already on line 2"),
        ("id,role\nP1,x,extra\n", "line 2: 3 fields where the header has 2"),
    ],
)
def test_bad_participant_tables(project, tmp_path: Path, text: str, message: str) -> None:
    csv_path = write(tmp_path, "p.csv", text)
    with pytest.raises(BadInput, match=message):
        project.attach_participants(csv_path)
    assert project.participants()[0].attributes == {}


def test_codings_csv_round_trip(project, tmp_path: Path) -> None:
    csv_path = write(
        tmp_path,
        "alice.csv",
        "transcript,segment,code,memo\n"
        "P1_interview,2,School role and involvement/Workload,\n"
        "P1_interview,4,Time pressure,skipped lunch\n"
        "P1_interview,4,Workload,skipped lunch\n"
        "P1_interview,6,,only a memo\n",
    )
    assert project.import_codings(csv_path, "alice") == 3
    assert project.import_codings(csv_path, "alice") == 0  # the same rows again add nothing
    out = tmp_path / "out.csv"
    assert project.export_codings(out, "alice") == 4
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "transcript,segment,code,memo"
    assert lines[1] == "P1_interview,2,School role and involvement/Workload,"
    assert lines[2] == "P1_interview,4,School role and involvement/Workload,skipped lunch"
    assert lines[3] == "P1_interview,4,School role and involvement/Workload/Time pressure,skipped lunch"
    assert lines[4] == "P1_interview,6,,only a memo"
    # another coder imports the export and gets the same work
    assert project.import_codings(out, "bob") == 3
    assert sorted(project.store.codings.pairs("bob")) == sorted(project.store.codings.pairs("alice"))
    assert project.store.memos.of_coder("bob") == project.store.memos.of_coder("alice")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("transcript,segment\nP1_interview,2\n", "line 1: missing column 'code'"),
        ("transcript,segment,code\nP9,2,Workload\n", "line 2: unknown transcript 'P9'"),
        ("transcript,segment,code\nP1_interview,99,Workload\n", "line 2: transcript 'P1_interview' has no segment 99"),
        ("transcript,segment,code\nP1_interview,two,Workload\n", "line 2: segment must be a number"),
        (
            "transcript,segment,code\nP1_interview,2,Workload\nP1_interview,3,Nonsense\n",
            "line 3: unknown code 'Nonsense'",
        ),
        ("", "is empty"),
    ],
)
def test_bad_codings_csv_changes_nothing(project, tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        project.import_codings(write(tmp_path, "bad.csv", text), "alice")
    assert project.store.codings.pairs("alice") == []


def test_export_for_an_unknown_coder(project, tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no coder named 'zoe'"):
        project.export_codings(tmp_path / "x.csv", "zoe")
