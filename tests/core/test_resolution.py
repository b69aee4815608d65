"""The lead's resolution: the queue, automatic agreement, decisions with history, refusals."""

from __future__ import annotations

import sqlite3

import pytest

from qualcode.core.errors import BadInput
from qualcode.core.model import CONSENSUS
from qualcode.core.resolution import Resolution
from qualcode.core.store import SCHEMA_VERSION, Store
from tests.conftest import AS_SCHEMA_7

BOTH_ENGINES = True
"""The tests that take ``project`` run on a project file and on a study on the test PostgreSQL server."""


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


# -- span differences ----------------------------------------------------------------------


def _code_id(store, name):
    return next(c.id for c in store.codebook.codes() if c.name == name)


def _segment(store, ordinal):
    transcript = store.transcripts.all()[0]
    segment = next(s for s in store.transcripts.segments(transcript.id) if s.ordinal == ordinal)
    return transcript, segment


def _words(text, segment, words):
    at = text.index(words, segment.start)
    assert at + len(words) <= segment.end
    return at, at + len(words)


def _consensus_passages(store):
    return sorted((p.code_id, p.start, p.end) for p in store.codings.spans(CONSENSUS))


@pytest.fixture
def two_extents(project):
    """Both coders put Workload on segment 4, alice on a clause, bob on a longer passage."""
    store = project.store
    workload = _code_id(store, "Workload")
    transcript, fourth = _segment(store, 4)
    a = _words(transcript.text, fourth, "no time for it")
    b = _words(transcript.text, fourth, "there was no time for it")
    store.codings.add_span(transcript.id, *a, workload, "alice")
    store.codings.add_span(transcript.id, *b, workload, "bob")
    return store, transcript, fourth, workload, a, b


def test_the_same_code_on_different_extents_is_a_span_difference(two_extents):
    store, _transcript, fourth, workload, a, b = two_extents
    r = Resolution(store, "alice", "bob", "carol")
    assert [d.segment_id for d in r.queue] == [fourth.id]
    item = r.queue[0]
    assert item.codes_a == item.codes_b == {workload}
    assert item.span_differences == {workload}
    assert (item.extent("a", workload), item.extent("b", workload)) == ((a,), (b,))
    assert r.auto_agree() == 0, "a span difference is not an agreement"


@pytest.mark.parametrize(
    ("choice", "which"),
    [("a", "a"), ("b", "b"), ("both", "union"), ("intersection", "intersection")],
)
def test_the_lead_takes_a_span_b_span_their_union_or_intersection(two_extents, choice, which):
    store, _transcript, _fourth, workload, a, b = two_extents
    expected = {
        "a": a,
        "b": b,
        "union": (min(a[0], b[0]), max(a[1], b[1])),
        "intersection": (max(a[0], b[0]), min(a[1], b[1])),
    }[which]
    r = Resolution(store, "alice", "bob", "carol")
    item = r.decide(0, choice)
    assert _consensus_passages(store) == [(workload, *expected)]
    assert store.codings.whole_segment_pairs(CONSENSUS) == []
    assert item.decision.spans == {workload: (expected,)}
    again = Resolution(store, "alice", "bob", "carol")
    assert again.queue[0].decision.spans == {workload: (expected,)}, "the decision keeps its passage"


def test_the_lead_edits_the_extent(two_extents):
    store, transcript, fourth, workload, _a, _b = two_extents
    own = _words(transcript.text, fourth, "time for it")
    r = Resolution(store, "alice", "bob", "carol")
    r.decide(0, "edit", codes=[workload], spans={workload: [own]}, note="the clause alone")
    assert _consensus_passages(store) == [(workload, *own)]
    r.decide(0, "edit", codes=[workload])
    assert _consensus_passages(store) == [(workload, *_words(transcript.text, fourth, "there was no time for it"))]


@pytest.mark.parametrize(
    ("passage", "message"),
    [
        (lambda f: (f.end + 40, f.end + 60), "does not count for segment 4"),
        (lambda f: (f.start + 5, f.start + 5), "empty"),
        (lambda f: (f.start, 10**7), "outside the text"),
    ],
)
def test_an_edited_extent_that_cannot_stand_is_refused_and_nothing_changes(two_extents, passage, message):
    store, _transcript, fourth, workload, _a, _b = two_extents
    r = Resolution(store, "alice", "bob", "carol")
    with pytest.raises(BadInput, match=message):
        r.decide(0, "edit", codes=[workload], spans={workload: [passage(fourth)]})
    assert _consensus_passages(store) == []
    assert store.decisions.between("alice", "bob") == []


def test_a_whole_segment_against_a_span_and_agreed_spans(project):
    store = project.store
    workload = _code_id(store, "Workload")
    barriers = _code_id(store, "Barriers")
    transcript, fourth = _segment(store, 4)
    _t, second = _segment(store, 2)
    clause = _words(transcript.text, fourth, "no time for it")
    store.codings.add(fourth.id, workload, "alice")
    store.codings.add_span(transcript.id, *clause, workload, "bob")
    agreed = (second.start, second.start + 8)
    for coder in ("alice", "bob"):
        store.codings.add_span(transcript.id, *agreed, barriers, coder)
    r = Resolution(store, "alice", "bob", "carol")
    assert [d.segment_id for d in r.queue] == [fourth.id]
    assert r.auto_agree() == 1
    assert _consensus_passages(store) == [(barriers, *agreed)], "agreed passages go in exactly"
    r.decide(0, "intersection")
    assert (workload, *clause) in _consensus_passages(store)
    r.decide(0, "both")
    assert store.codings.whole_segment_pairs(CONSENSUS) == [(fourth.id, workload)], "the union is the segment"
    assert (workload, *clause) not in _consensus_passages(store)


def test_a_decision_on_one_segment_leaves_a_passage_other_segments_hold(project):
    store = project.store
    workload = _code_id(store, "Workload")
    transcript, fourth = _segment(store, 4)
    _t, fifth = _segment(store, 5)
    across = (fourth.start, fifth.end)  # all of both turns
    for coder in ("alice", "bob"):
        store.codings.add_span(transcript.id, *across, workload, coder)
    store.codings.add(fifth.id, _code_id(store, "Barriers"), "bob")
    r = Resolution(store, "alice", "bob", "carol")
    assert [d.segment_id for d in r.queue] == [fifth.id]
    r.auto_agree()
    assert _consensus_passages(store) == [(workload, *across)]
    r.decide(0, "neither")
    consensus = store.codings.pairs(CONSENSUS)
    assert (fourth.id, workload) in consensus, "segment 4 keeps the part of the passage over it"
    assert all(s != fifth.id for s, _c in consensus)


@pytest.mark.file_only
def test_a_schema_7_file_keeps_its_decisions_and_memos(project, two_coders):
    store, _ids, _code = two_coders
    Resolution(store, "alice", "bob", "carol").decide(0, "a", note="kept")
    store.memos.set_on_segment(_ids[0], "alice", "a memo of schema 7")
    path = project.path
    project.close()
    with sqlite3.connect(path) as db:
        db.executescript(f"{AS_SCHEMA_7} PRAGMA user_version = 7;")
    with Store(path) as again:
        assert again.schema_version() == SCHEMA_VERSION
        [decision] = again.decisions.between("alice", "bob")
        assert (decision.choice, decision.note, decision.spans) == ("a", "kept", {})
        assert again.memos.of_coder("alice") == {_ids[0]: "a memo of schema 7"}
        assert again.memos.passages_of("alice") == {}


# -- the coders' memos and stars reach the consensus -----------------------------------------------------


def test_taking_a_coders_coding_takes_their_memo_and_star(two_coders):
    store, ids, code = two_coders
    # segment 3: alice Time pressure (starred, with a memo), bob Lack of resources (with a memo)
    store.codings.set_starred(ids[2], code["Time pressure"], "alice", True)
    store.memos.set_on_segment(ids[2], "alice", "rushed all the time")
    store.memos.set_on_segment(ids[2], "bob", "no money for it")
    store.codings.set_starred(ids[0], code["Workload"], "bob", True)  # an agreed segment, starred by bob
    r = Resolution(store, "alice", "bob", "carol")
    item = next(d for d in r.queue if d.segment_id == ids[2])
    assert (item.memo_a, item.memo_b, item.starred_a) == (
        "rushed all the time",
        "no money for it",
        {code["Time pressure"]},
    )
    r.auto_agree()
    assert (ids[0], code["Workload"]) in store.codings.starred(CONSENSUS, store.transcripts.all()[0].id)
    index = r.queue.index(item)
    r.decide(index, "a")
    assert store.memos.on_segment(ids[2], CONSENSUS) == "alice: rushed all the time"
    assert (ids[2], code["Time pressure"]) in store.codings.starred(CONSENSUS, store.transcripts.all()[0].id)
    r.decide(index, "both")
    memo = store.memos.on_segment(ids[2], CONSENSUS)
    assert memo == "alice: rushed all the time\n\nbob: no money for it", "both memos, each with its author, once"


def test_the_lead_writes_memos_and_stars_on_the_consensus(two_coders):
    store, ids, code = two_coders
    r = Resolution(store, "alice", "bob", "carol")
    r.decide(0, "a")
    r.set_consensus_memo(0, "why I took alice's")
    assert r.consensus_memo(0) == "why I took alice's"
    assert r.toggle_consensus_star(0) is True
    transcript = store.transcripts.all()[0].id
    assert (r.queue[0].segment_id, code["Barriers"]) in store.codings.starred(CONSENSUS, transcript)
    r.decide(0, "both")
    assert r.consensus_memo(0) == "why I took alice's", "deciding again keeps the lead's memo"
    assert (r.queue[0].segment_id, code["Barriers"]) in store.codings.starred(CONSENSUS, transcript), "and star"
    assert r.toggle_consensus_star(0) is False
    r.decide(2, "neither")
    with pytest.raises(BadInput, match="decide it first"):
        r.toggle_consensus_star(2)
