"""Exclusive code groups: the codebook field, the workbench replacing a sibling, agreement over the
group's categories, and the refusal of a segment carrying two of its codes."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score

from qualcode.core.codebook import parse_codebook as read_codebook_text
from qualcode.core.errors import BadInput
from qualcode.core.project import Project
from qualcode.core.store import Store
from tests.conftest import TRANSCRIPT
from tests.core.test_cli import content, run

GROUPED = """\
name: Grouped
codes:
  - name: Stance
    exclusive: true
    children:
      - name: Positive
        key: p
      - name: Negative
        key: x
        children:
          - name: Angry
            key: a
      - name: Mixed
        key: z
  - name: Workload
    key: w
"""


@pytest.fixture
def grouped(tmp_path):
    (tmp_path / "grouped.yaml").write_text(GROUPED, encoding="utf-8")
    (tmp_path / "P1_interview.txt").write_text(TRANSCRIPT, encoding="utf-8")
    project = Project.create(tmp_path / "g.qc", codebook=tmp_path / "grouped.yaml")
    project.import_files([tmp_path / "P1_interview.txt"], unit="sentence")
    yield project
    project.close()


def _id(project: Project, name: str) -> str:
    return project.codebook().find(name).id


def test_the_codebook_marks_a_group_exclusive_and_writes_it_back():
    book = read_codebook_text(GROUPED, "grouped.yaml")
    assert book.find("Stance").exclusive and not book.find("Workload").exclusive
    again = read_codebook_text(book.to_yaml(), "again.yaml")
    assert again.find("Stance").exclusive


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "codes:\n  - name: Stance\n    exclusive: sometimes\n    children:\n      - name: A\n",
            "line 2: 'exclusive' is true or false",
        ),
        ("codes:\n  - name: Alone\n    exclusive: true\n", "line 2: 'Alone' is exclusive but has no codes under it"),
    ],
)
def test_a_bad_exclusive_field_names_its_line(text, message):
    with pytest.raises(BadInput, match=message):
        read_codebook_text(text, "bad.yaml")


def test_the_workbench_replaces_a_sibling_of_an_exclusive_group(grouped):
    transcript = grouped.transcripts()[0]
    session = grouped.coding_session("alice", transcript.id)
    session.toggle([1], _id(grouped, "Positive"))
    session.toggle([1], _id(grouped, "Workload"))
    edit = session.toggle([1], _id(grouped, "Angry"))
    assert "in place of Positive (an exclusive group)" in edit.describe(session.codebook)
    names = {c.id: c.name for c in grouped.codebook().codes}
    stored = {names[c] for s, c in grouped.store.codings.pairs("alice")}
    assert stored == {"Angry", "Workload"}, "the other group member went; a code outside the group stays"
    session.undo()
    assert {names[c] for s, c in grouped.store.codings.pairs("alice")} == {"Positive", "Workload"}
    session.redo()
    session.toggle([1], _id(grouped, "Negative"))  # the same child of the group: Angry stays
    assert {names[c] for s, c in grouped.store.codings.pairs("alice")} == {"Angry", "Negative", "Workload"}


def _code(store: Store, coder: str, picks: dict[int, str]) -> None:
    names = {c.name: c.id for c in store.codebook.codes()}
    turns = store.transcripts.segments(store.transcripts.all()[0].id)
    p1 = [s for s in turns if s.speaker == "P1"]
    store.codings.add_many([(p1[i].id, names[n]) for i, n in picks.items()], coder)


def test_agreement_over_the_categories_of_an_exclusive_group(grouped):
    store = grouped.store
    a = {0: "Positive", 1: "Angry", 2: "Mixed", 3: "Positive", 4: "Workload"}
    b = {0: "Positive", 1: "Negative", 2: "Positive", 3: "Positive", 4: "Workload"}
    _code(store, "alice", a)
    _code(store, "bob", b)
    data = json.loads(grouped.agreement("alice", "bob").to_json())
    [group] = data["exclusive_groups"]
    assert group["group"] == "Stance" and group["categories"] == ["Positive", "Negative", "Mixed", "none"]
    units = data["units"]["segments"]
    # per unit: the group's child (Angry counts as Negative) or none
    order = {"Positive": 0, "Negative": 1, "Angry": 1, "Mixed": 2}
    va = [order.get(a.get(i, ""), 3) for i in range(units)]
    vb = [order.get(b.get(i, ""), 3) for i in range(units)]
    assert group["conger_kappa"] == pytest.approx(cohen_kappa_score(va, vb), abs=1e-9), "Conger's is Cohen's for two"
    assert group["percent_agreement"] == pytest.approx(np.mean(np.array(va) == np.array(vb)))
    assert set(group["category_kappa"]) == {"Positive", "Negative", "Mixed", "none"}
    assert not math.isnan(group["fleiss_kappa"])
    table = grouped.agreement("alice", "bob").to_table()
    assert "Exclusive group Stance: agreement" in table


def test_a_segment_with_two_codes_of_an_exclusive_group_is_refused(grouped):
    store = grouped.store
    _code(store, "alice", {0: "Positive", 2: "Mixed"})
    _code(store, "alice", {0: "Negative"})
    _code(store, "bob", {0: "Positive"})
    path = grouped.path
    grouped.close()
    before = content(path)
    result = run("agree", str(path), "--coders", "alice", "bob")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "qualcode: alice: gave 1 segment two codes of the exclusive group 'Stance' (the first: P1_interview "
        "segment 2); keep one of them, or make the group not exclusive"
    )
    assert content(path) == before


def test_three_coders_on_an_exclusive_group(grouped):
    store = grouped.store
    _code(store, "alice", {0: "Positive", 1: "Negative"})
    _code(store, "bob", {0: "Positive", 1: "Mixed"})
    _code(store, "carol", {0: "Positive", 1: "Negative"})
    data = json.loads(grouped.agreement_many(["alice", "bob", "carol"]).to_json())
    [group] = data["exclusive_groups"]
    assert group["percent_agreement"] == pytest.approx(
        np.mean([1 - 1 / data["units"]["segments"], 1 - 1 / data["units"]["segments"], 1.0])
    )
