"""The lead's resolution: the queue, automatic agreement, decisions with history, refusals."""

from __future__ import annotations

import pytest

from qualcode.core.errors import BadInput
from qualcode.core.model import CONSENSUS
from qualcode.core.resolution import Resolution


@pytest.fixture
def two_coders(project):
    store = project.store
    ids = store.transcripts.segment_ids()
    code = {c.name: c.id for c in store.codebook.codes()}
    # Segment 1 agreed; 2 only alice; 3 differ; 4 agreed on two codes; 6 only bob.
    store.codings.add_many(
        [
            (ids[0], code["Workload"]),
            (ids[1], code["Barriers"]),
            (ids[2], code["Time pressure"]),
            (ids[3], code["Workload"]),
            (ids[3], code["Success factors"]),
        ],
        "alice",
    )
    store.codings.add_many(
        [
            (ids[0], code["Workload"]),
            (ids[2], code["Lack of resources"]),
            (ids[3], code["Workload"]),
            (ids[3], code["Success factors"]),
            (ids[5], code["Feedback"]),
        ],
        "bob",
    )
    return store, ids, code


def _consensus(store, ids):
    names = {c.id: c.name for c in store.codebook.codes()}
    ordinal = {sid: i + 1 for i, sid in enumerate(ids)}
    return {(ordinal[s], names[c]) for s, c in store.codings.pairs(CONSENSUS)}


def test_queue_holds_only_disagreements_and_agreements_go_in_by_themselves(two_coders):
    store, ids, _code = two_coders
    r = Resolution(store, "alice", "bob", "carol")
    assert [d.ordinal for d in r.queue] == [2, 3, 6]
    assert r.auto_agree() == 2
    assert _consensus(store, ids) == {(1, "Workload"), (4, "Workload"), (4, "Success factors")}
    assert r.auto_agree() == 0, "running it again adds nothing"
    assert r.progress() == (0, 3)


def test_each_choice_writes_the_consensus_and_keeps_history(two_coders):
    store, ids, code = two_coders
    r = Resolution(store, "alice", "bob", "carol")
    r.decide(0, "a", note="clearly a barrier")
    r.decide(1, "both")
    r.decide(2, "neither")
    assert _consensus(store, ids) == {(2, "Barriers"), (3, "Time pressure"), (3, "Lack of resources")}
    assert r.progress() == (3, 3)
    r.decide(1, "edit", codes=[code["Workload"]], note="on reflection: workload")
    assert _consensus(store, ids) == {(2, "Barriers"), (3, "Workload")}
    again = Resolution(store, "alice", "bob", "carol")
    history = again.queue[1].history
    assert [d.choice for d in history] == ["both", "edit"]
    assert history[-1].note == "on reflection: workload" and history[-1].lead == "carol"
    assert again.queue[0].decision.note == "clearly a barrier"
    actions = [e.action for e in store.audit.entries() if e.actor == "carol"]
    assert actions.count("resolve.decide") == 4


def test_next_undecided_wraps(two_coders):
    store, _ids, _code = two_coders
    r = Resolution(store, "alice", "bob", "carol")
    r.decide(1, "a")
    assert r.next_undecided(0) == 2
    assert r.next_undecided(2) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("alice", "zoe", "carol"), "no such coder"),
        (("alice", "alice", "carol"), "two different coders"),
        (("alice", "bob", "  "), "the lead needs a name"),
    ],
)
def test_refusals(two_coders, args, message):
    store, _ids, _code = two_coders
    with pytest.raises(BadInput, match=message):
        Resolution(store, *args)


def test_bad_decisions_change_nothing(two_coders):
    store, ids, _code = two_coders
    r = Resolution(store, "alice", "bob", "carol")
    with pytest.raises(BadInput, match="unknown choice"):
        r.decide(0, "maybe")
    with pytest.raises(BadInput, match="no such code"):
        r.decide(0, "edit", codes=["not-a-code"])
    with pytest.raises(BadInput, match="needs its codes"):
        r.decide(0, "edit")
    assert _consensus(store, ids) == set()
    assert store.decisions.between("alice", "bob") == []
