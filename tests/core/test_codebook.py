"""Codebooks: loading and validating YAML, rendering, and edits that keep codings consistent."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from qualcode.core.codebook import parse_codebook
from qualcode.core.codebook_edit import StaleEdit
from qualcode.core.errors import BadInput
from qualcode.core.formats import load_codebook_file
from qualcode.core.project import Project
from tests.conftest import REPO, SMALL_CODEBOOK

BOTH_ENGINES = True
"""The tests that take ``project`` run on a project file and on a study on the test PostgreSQL server."""


def test_nested_codebook_loads_in_tree_order_with_stable_ids() -> None:
    book = parse_codebook(SMALL_CODEBOOK)
    paths = [book.path(c.id) for c, _ in book.walk()]
    assert paths[:4] == [
        "School role and involvement",
        "School role and involvement/Workload",
        "School role and involvement/Workload/Time pressure",
        "School role and involvement/Entrance and recruitment",
    ]
    again = parse_codebook(SMALL_CODEBOOK)
    assert [c.id for c in book] == [c.id for c in again]
    workload = book.find("Workload")
    assert workload.key == "w"
    assert workload.keywords == ("workload", "extra work")
    assert workload.exclusion.startswith("Lack of money")
    assert book.theme_of(book.find("Time pressure").id).name == "School role and involvement"


def test_find_by_path_name_and_id() -> None:
    book = parse_codebook(SMALL_CODEBOOK)
    code = book.find("Feedback/Barriers/Lack of resources")
    assert code is not None
    assert book.find("Lack of resources") == code
    assert book.find("lack of RESOURCES") == code
    assert book.find(code.id) == code
    assert book.find("Nothing like it") is None


def test_flat_codebook_with_parent_references() -> None:
    book = parse_codebook(
        "codes:\n"
        "  - {name: Feedback, id: 11111111-1111-1111-1111-111111111111}\n"
        "  - {name: Barriers, parent: '{11111111-1111-1111-1111-111111111111}'}\n"
        "  - {name: Lack of resources, parent: Feedback/Barriers}\n"
    )
    assert book.path(book.find("Lack of resources").id) == "Feedback/Barriers/Lack of resources"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("codes: [\n", r"line \d+: invalid YAML"),
        ("", "is empty"),
        ("name: x\n", "line 1: a codebook needs a 'codes' list"),
        (
            "codes:\n  - name: A\n    key: a\n  - name: B\n    key: a\n",
            "line 4: shortcut key 'a' is used already by the code on line 2",
        ),
        ("codes:\n  - name: A\n    name: B\n", "line 3: 'name' is given twice"),
        ("codes:\n  - name: A\n    key: j\n", "line 2: shortcut key 'j' is reserved"),
        ("codes:\n  - name: A\n    key: ab\n", "must be a single character"),
        ("codes:\n  - description: no name\n", "line 2: this code has no name"),
        ("codes:\n  - name: A\n    colour_of_sky: blue\n", "line 3: unknown field 'colour_of_sky'"),
        ("codes:\n  - name: A\n    children:\n      - name: B\n      - name: b\n", "line 5: two codes named 'b'"),
        (
            "codes:\n  - {name: A, id: 11111111-1111-1111-1111-111111111111}\n"
            "  - {name: B, id: 11111111-1111-1111-1111-111111111111}\n",
            "line 3: id 11111111-1111-1111-1111-111111111111 is used already",
        ),
        ("codes:\n  - {name: A, parent: Nowhere}\n", "line 2: parent 'Nowhere' is not a code"),
        (
            "codes:\n  - {name: A, id: 11111111-1111-1111-1111-111111111111, parent: 22222222-2222-2222-2222-222222222222}\n"
            "  - {name: B, id: 22222222-2222-2222-2222-222222222222, parent: 11111111-1111-1111-1111-111111111111}\n",
            "is its own ancestor",
        ),
        ("codes:\n  - &a\n    name: A\n    children:\n      - *a\n", "contains itself through a YAML alias"),
        ("codes:\n  - name: A/B\n", "contains '/'"),
    ],
)
def test_invalid_codebooks_name_the_line(text: str, message: str) -> None:
    with pytest.raises(BadInput, match=message):
        parse_codebook(text, "book.yaml")


def test_codebook_file_errors(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="no such codebook file"):
        load_codebook_file(tmp_path / "missing.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("codes:\n  - name: Skole og hjem \xe6\n".encode("latin-1"))
    with pytest.raises(BadInput, match="is not UTF-8"):
        load_codebook_file(latin)
    other = tmp_path / "book.txt"
    other.write_text("codes: []")
    with pytest.raises(BadInput, match="must be .yaml"):
        load_codebook_file(other)


def test_yaml_export_round_trips_in_meaning() -> None:
    book = parse_codebook(SMALL_CODEBOOK)
    again = parse_codebook(book.to_yaml())
    assert again.codes == book.codes
    assert again.name == "Small study"


def test_json_form_matches_the_design_contract() -> None:
    tree = json.loads(parse_codebook(SMALL_CODEBOOK).to_json())
    assert [n["name"] for n in tree] == ["School role and involvement", "Feedback"]
    workload = tree[0]["children"][0]
    assert {"name", "id", "key", "description", "children"} <= set(workload)
    assert workload["key"] == "w"
    assert workload["children"][0]["name"] == "Time pressure"


def test_tree_rendering_shows_keys_and_definitions() -> None:
    text = parse_codebook(SMALL_CODEBOOK).render_tree()
    assert "  [w] Workload" in text
    assert "Extra work the intervention brings." in text


def test_the_study_codebook_is_valid_and_complete() -> None:
    book = load_codebook_file(REPO / "codebooks" / "back2school.yaml")
    themes = [c.name for c in book.roots()]
    assert themes == ["School role and involvement", "Impact of participation", "Feedback"]
    subthemes = {t: [c.name for c in book.children(book.find(t).id)] for t in themes}
    assert subthemes == {
        "School role and involvement": [
            "Entrance and recruitment",
            "Collaboration and inclusion of the school's perspective",
            "Workload",
            "School sessions and school meetings",
        ],
        "Impact of participation": ["Teachers' competence and self-efficacy", "Students' attendance"],
        "Feedback": ["Success factors", "Barriers"],
    }
    codes = [c for c in book if book.depth(c.id) == 2]
    assert len(codes) >= 16
    assert book.find("Step-ladder") is not None
    for code in book:
        assert code.description and code.inclusion and code.exclusion and code.example, code.name
    raw = yaml.safe_load((REPO / "codebooks" / "back2school.yaml").read_text(encoding="utf-8"))
    assert raw["name"] == "Back2School"


# -- edits on a project -----------------------------------------------------------


def _code_some(project) -> tuple[int, int]:
    store = project.store
    segs = store.transcripts.all_segments()
    book = project.codebook()
    store.codings.add(segs[1].id, book.find("Workload").id, "alice")
    store.codings.add(segs[3].id, book.find("Time pressure").id, "alice")
    store.codings.add(segs[3].id, book.find("Workload").id, "alice")
    store.codings.add(segs[5].id, book.find("Lack of resources").id, "bob")
    return segs[1].id, segs[3].id


def test_rename_keeps_id_and_codings(project) -> None:
    _code_some(project)
    before = project.codebook().find("Workload")
    project.rename_code("Workload", "Work load", actor="carol")
    after = project.codebook().find("School role and involvement/Work load")
    assert after.id == before.id
    assert len([c for c in project.store.codings.pairs("alice") if c[1] == after.id]) == 2
    log = project.store.audit.entries()[-1]
    assert (log.actor, log.action, log.detail["after"]) == ("carol", "code.edit", {"name": "Work load"})


def test_move_under_another_parent_and_refuse_a_cycle(project) -> None:
    project.move_code("Time pressure", "Feedback/Barriers")
    book = project.codebook()
    assert book.path(book.find("Time pressure").id) == "Feedback/Barriers/Time pressure"
    with pytest.raises(BadInput, match="cannot move under itself"):
        project.move_code("Feedback", "Feedback/Barriers")
    project.move_code("Time pressure", None)
    assert project.codebook().find("Time pressure").parent_id is None


def test_merge_moves_codings_without_duplicates(project) -> None:
    s1, s3 = _code_some(project)
    workload = project.codebook().find("Workload").id
    project.merge_codes("Time pressure", "Workload")
    book = project.codebook()
    assert book.find("Time pressure") is None
    alice = project.store.codings.pairs("alice")
    assert sorted(alice) == sorted([(s1, workload), (s3, workload)])
    assert project.store.audit.entries()[-1].action == "code.merge"


def test_delete_refuses_used_codes_unless_forced(project) -> None:
    _code_some(project)
    with pytest.raises(BadInput, match="is applied 1 times"):
        project.delete_code("Lack of resources")
    with pytest.raises(BadInput, match="has codes under it"):
        project.delete_code("Feedback/Barriers")
    assert project.delete_code("Lack of resources", force=True) == 1
    assert project.store.codings.pairs("bob") == []
    assert project.delete_code("Success factors") == 0


def test_loading_a_codebook_updates_by_id_and_protects_used_codes(project, tmp_path: Path) -> None:
    _code_some(project)
    book = project.codebook()
    changed = SMALL_CODEBOOK.replace("Not enough hours in the day.", "Too little time.")
    path = tmp_path / "changed.yaml"
    path.write_text(changed + '  - name: Impact\n    key: "3"\n', encoding="utf-8")
    counts = project.load_codebook(path)
    assert counts == {"added": 1, "updated": 1, "unchanged": len(book) - 1, "removed": 0}, "Time pressure changed"
    assert project.codebook().find("Time pressure").description == "Too little time."
    without = tmp_path / "without.yaml"
    without.write_text(
        SMALL_CODEBOOK.replace(
            "          - name: Lack of resources\n            key: r\n            description: Money, staff or rooms missing.\n",
            "",
        ),
        encoding="utf-8",
    )
    with pytest.raises(BadInput, match="lacks code 'Feedback/Barriers/Lack of resources'"):
        project.load_codebook(without)
    assert project.codebook().find("Lack of resources") is not None


def test_a_code_colour_must_be_a_colour(project):
    from qualcode.core.errors import BadInput

    code = project.store.codebook.codes()[0]
    with pytest.raises(BadInput, match="is not a colour; write it as #RRGGBB"):
        project.update_code(code.id, actor="carol", colour="a sunny yellow")
    project.update_code(code.id, actor="carol", colour="#abc")
    project.update_code(code.id, actor="carol", colour="")
    assert project.codebook().get(code.id).colour == ""


def test_an_edit_over_a_newer_save_is_refused_and_says_what_changed(project) -> None:
    other = Project.open(project.path)
    try:
        seen = project.codebook().find("Workload")
        other.update_code(seen.id, actor="carol", description="Work beyond the timetable.")
        with pytest.raises(StaleEdit, match=r"Workload.*changed by someone else.*version 2.*Work beyond"):
            project.update_code(seen.id, actor="dana", seen=seen.version, description="Hours.")
        with pytest.raises(StaleEdit):
            project.rename_code(seen.id, "Hours", actor="dana", seen=seen.version)
        now = project.codebook().find("Workload")
        assert (now.name, now.description, now.version) == ("Workload", "Work beyond the timetable.", 2)
        project.update_code(seen.id, actor="dana", seen=now.version, description="Hours.")
        assert project.codebook().find("Workload").version == 3, "an edit of what is stored goes through"
    finally:
        other.close()


def test_a_schema_9_file_gets_code_versions(tmp_path) -> None:
    import sqlite3

    from qualcode.core.store import SCHEMA_VERSION, Store
    from tests.conftest import AS_SCHEMA_9

    Project.create(tmp_path / "old.qc", codebook=REPO / "codebooks" / "back2school.yaml").close()
    db = sqlite3.connect(tmp_path / "old.qc")
    db.executescript(f"{AS_SCHEMA_9} PRAGMA user_version = 9;")
    db.close()
    with Store(tmp_path / "old.qc") as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert {c.version for c in store.codebook.codes()} == {1}


def test_characters_beyond_the_bmp_written_as_json_escapes_are_whole_and_halves_refused() -> None:
    book = parse_codebook(json.dumps({"codes": [{"name": "𐀀 code", "keywords": ["😀"]}]}), "book.json")
    assert book.codes[0].name == "𐀀 code" and book.codes[0].keywords == ("😀",)
    with pytest.raises(BadInput, match=r"book.json: line 1: holds half of a UTF-16 surrogate pair"):
        parse_codebook('{"codes": [{"name": "\\ud800 alone"}]}', "book.json")
