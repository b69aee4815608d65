"""Codings of exact passages: the model, the coding session, the codings CSV, hand-out and merge,
quotes, REFI-QDA and the migration of older project files."""

from __future__ import annotations

import sqlite3

import pytest

from qualcode.core.errors import BadInput
from qualcode.core.model import span_counts_for
from qualcode.core.project import Project
from qualcode.core.store import SCHEMA_VERSION, Store
from tests.conftest import AS_SCHEMA_7

BOTH_ENGINES = True
"""The tests that take ``project`` run on a project file and on a study on the test PostgreSQL server."""


def _code(project: Project, name: str) -> str:
    return project.codebook().find(name).id


def _segment(project: Project, ordinal: int):
    """The project's transcript (with its text) and its segment ``ordinal``."""
    transcript = project.transcript(project.transcripts()[0].id)
    return transcript, next(s for s in project.segments(transcript.id) if s.ordinal == ordinal)


def _passage(project: Project, ordinal: int, words: str) -> tuple[int, int]:
    """Where ``words`` stand in segment ``ordinal``, as offsets into the transcript."""
    transcript, segment = _segment(project, ordinal)
    at = transcript.text.index(words, segment.start)
    assert at + len(words) <= segment.end
    return at, at + len(words)


@pytest.mark.parametrize(
    ("span", "counts"),
    [
        ((10, 20), True),  # the whole segment
        ((12, 14), True),  # wholly inside
        ((15, 30), True),  # half of it, running on into the next
        ((16, 30), False),  # less than half, running on
        ((0, 15), True),  # from before, half of it
        ((0, 10), False),  # ends where it begins
        ((20, 25), False),  # begins where it ends
        ((0, 40), True),  # over all of it
    ],
)
def test_a_span_counts_for_a_segment_it_half_covers_or_lies_inside(span, counts):
    assert span_counts_for(10, 20, *span) is counts


def test_a_coder_codes_a_passage_inside_a_segment_and_one_across_two(project):
    workload, barriers = _code(project, "Workload"), _code(project, "Barriers")
    transcript, fourth = _segment(project, 4)
    session = project.coding_session("alice", transcript.id)
    inside = _passage(project, 4, "there was no time for it")
    session.toggle_span(*inside, workload)
    # from the last word of turn 5 to the end of turn 6: less than half of 5, all of 6
    _t, fifth = _segment(project, 5)
    _t, sixth = _segment(project, 6)
    across = (fifth.end - 5, sixth.end)
    session.toggle_span(*across, barriers)
    stored = {(p.start, p.end, p.code_id) for p in project.store.codings.spans("alice")}
    assert stored == {(*inside, workload), (*across, barriers)}
    pairs = {(s, c) for s, c in project.store.codings.pairs("alice")}
    assert pairs == {(fourth.id, workload), (sixth.id, barriers)}, "each span counts where it covers enough"
    index = [s.id for s in session.segments].index(fourth.id)
    assert session.codes[index] == {workload}
    session.undo()
    assert (*across, barriers) not in {(p.start, p.end, p.code_id) for p in project.store.codings.spans("alice")}
    session.redo()
    again = project.coding_session("alice", transcript.id)
    assert again.spans == {(*inside, workload), (*across, barriers)}
    assert again.spans_at(inside[0] + 3) == [(*inside, workload)]
    # a passage that is exactly a segment is that segment's coding
    session.toggle_span(fourth.start, fourth.end, barriers)
    assert (fourth.id, barriers) in project.store.codings.whole_segment_pairs("alice")


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(5, 5, "is empty"), (8, 3, "is empty"), (-1, 4, "outside the text"), (0, 10**6, "outside the text")],
)
def test_a_span_that_cannot_be_coded_is_refused(project, start, end, message):
    session = project.coding_session("alice", project.transcripts()[0].id)
    with pytest.raises(BadInput, match=message):
        session.toggle_span(start, end, _code(project, "Workload"))
    assert project.store.codings.spans("alice") == []


def test_an_offset_inside_a_combined_character_is_refused(tmp_path):
    source = tmp_path / "P2_interview.txt"
    source.write_text("P2: Det var Siq\u0301 som sa det.\n", encoding="utf-8")
    project = Project.create(tmp_path / "c.qc")
    project.import_files([source])
    transcript = project.transcript(project.transcripts()[0].id)
    at = transcript.text.index("\u0301")
    project.add_code("Names", actor="lead")
    session = project.coding_session("alice", transcript.id)
    with pytest.raises(BadInput, match="inside a combined character"):
        session.toggle_span(at - 3, at, _code(project, "Names"))
    session.toggle_span(at - 3, at + 1, _code(project, "Names"))
    assert [transcript.text[p.start : p.end] for p in project.store.codings.spans("alice")] == ["Siq\u0301"]
    project.close()


def test_spans_go_out_and_come_back_through_the_codings_csv(project, tmp_path):
    workload = _code(project, "Workload")
    transcript = project.transcripts()[0]
    session = project.coding_session("alice", transcript.id)
    inside = _passage(project, 4, "no time for it")
    session.toggle_span(*inside, workload)
    _t, second = _segment(project, 2)
    session.toggle([1], workload)
    session.toggle_span(second.start + 4, second.end + 10, _code(project, "Barriers"))
    out = tmp_path / "alice.csv"
    project.export_codings(out, "alice")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "transcript,segment,code,memo,start,end"
    _t, fourth = _segment(project, 4)
    assert (
        f"P1_interview,4,School role and involvement/Workload,,{inside[0] - fourth.start},{inside[1] - fourth.start}"
        in lines
    )
    project.import_codings(out, "carol")
    assert {(p.start, p.end, p.code_id) for p in project.store.codings.spans("carol")} == {
        (p.start, p.end, p.code_id) for p in project.store.codings.spans("alice")
    }
    assert project.store.codings.pairs("carol") == project.store.codings.pairs("alice")


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("P1_interview,4,Workload,,500,510", "line 2: start 500 is outside segment 4"),
        ("P1_interview,4,Workload,,8,8", "line 2: the span .* is empty"),
        ("P1_interview,4,Workload,,3,", "line 2: start and end must both be whole numbers"),
        ("P1_interview,4,Workload,,x,9", "line 2: start and end must both be whole numbers"),
        ("P1_interview,4,Workload,,-2,9", "line 2: start -2 is outside segment 4"),
        ("P1_interview,6,Workload,,0,100000", "line 2: the span .* lies outside the text"),
    ],
)
def test_a_bad_span_in_the_codings_csv_names_its_line_and_imports_nothing(project, tmp_path, row, message):
    path = tmp_path / "bad.csv"
    # a good row after the bad one: nothing of the file is imported
    path.write_text(f"transcript,segment,code,memo,start,end\n{row}\nP1_interview,2,Workload,,,\n", encoding="utf-8")
    with pytest.raises(BadInput, match=message):
        project.import_codings(path, "alice")
    assert "alice" not in project.coders() or project.coding_count("alice") == 0


def test_a_codings_csv_with_start_but_no_end_column_is_refused(project, tmp_path):
    path = tmp_path / "half.csv"
    path.write_text("transcript,segment,code,start\nP1_interview,2,Workload,3\n", encoding="utf-8")
    with pytest.raises(BadInput, match="give both columns start and end"):
        project.import_codings(path, "alice")


def test_hand_out_and_merge_carry_spans(project, tmp_path):
    workload = _code(project, "Workload")
    handout = project.handout("alice", tmp_path / "alice.qc")
    inside = _passage(project, 4, "no time for it")
    with Project.open(handout) as copy:
        session = copy.coding_session("alice", copy.transcripts()[0].id)
        session.toggle([1], workload)
        session.toggle_span(*inside, workload)
    [result] = project.merge([handout])
    assert result.added == 2
    assert [(p.start, p.end, p.code_id) for p in project.store.codings.spans("alice")] == [(*inside, workload)]
    [again] = project.merge([handout])
    assert again.added == 0 and again.removed == 0
    with Project.open(handout) as copy:
        copy.coding_session("alice", copy.transcripts()[0].id).toggle_span(*inside, workload)  # taken off
    with pytest.raises(BadInput, match="--replace"):
        project.merge([handout])
    assert len(project.store.codings.spans("alice")) == 1, "a refused merge changes nothing"
    [replaced] = project.merge([handout], replace=True)
    assert replaced.removed == 1 and project.store.codings.spans("alice") == []


def test_a_quote_of_a_short_span_is_the_passage_with_ellipses(project):
    workload = _code(project, "Workload")
    transcript = project.transcripts()[0]
    session = project.coding_session("consensus", transcript.id)
    start, end = _passage(project, 4, "no time for i")  # ends inside a word: widened to it
    session.toggle_span(start, end, workload)
    quotes = project.tables()["quotes"]
    [quote] = quotes[quotes["Subtheme"] == "Workload"]["Quote"].tolist()
    assert quote == "… no time for it. …"


def test_a_qdpx_round_trip_keeps_every_span_exactly(project, tmp_path):
    workload, barriers = _code(project, "Workload"), _code(project, "Barriers")
    transcript, fifth = _segment(project, 5)
    session = project.coding_session("alice", transcript.id)
    passages = {(*_passage(project, 4, "no time for it"), workload), (fifth.end - 5, fifth.end + 20, barriers)}
    for start, end, code in passages:
        session.toggle_span(start, end, code)
    session.toggle([1], workload)
    project.export("qdpx", tmp_path / "s.qdpx")
    Project.import_qdpx(tmp_path / "s.qdpx", tmp_path / "back.qc", unit="turn")[0].close()
    with Store(tmp_path / "back.qc") as back:
        text = back.transcripts.all()[0].text
        came = {(text[p.start : p.end], p.code_id) for p in back.codings.spans("alice")}
        assert came == {(transcript.text[s:e], c) for s, e, c in passages}
        assert len(back.codings.whole_segment_pairs("alice")) == 1


@pytest.mark.file_only
def test_a_schema_6_file_turns_its_kept_selections_into_span_codings(project, tmp_path):
    workload = _code(project, "Workload")
    transcript = project.transcripts()[0]
    _t, fourth = _segment(project, 4)
    inside = _passage(project, 4, "no time for it")
    project.close()
    with sqlite3.connect(project.path) as db:
        coder = db.execute("INSERT INTO coders (name, is_consensus) VALUES ('alice', 0)").lastrowid
        # as a schema 6 REFI import left it: the exact span kept beside the segment coding it mapped to
        db.execute(
            "INSERT INTO selections VALUES ('g1', ?, ?, ?, ?, ?, '2026-01-01T00:00:00+00:00', '')",
            (transcript.id, workload, coder, *inside),
        )
        db.execute(
            "INSERT INTO selections VALUES ('g2', ?, ?, ?, ?, ?, '2026-01-01T00:00:00+00:00', '')",
            (transcript.id, workload, coder, fourth.start, fourth.end),
        )
        db.execute(
            "INSERT INTO codings VALUES (?, ?, ?, '2026-01-01T00:00:00+00:00', 'import', 0)",
            (fourth.id, workload, coder),
        )
        db.executescript(f"DROP TABLE spans; {AS_SCHEMA_7} PRAGMA user_version = 6;")
    with Store(project.path) as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert [(p.start, p.end, p.code_id, p.origin) for p in store.codings.spans("alice")] == [
            (*inside, workload, "import")
        ]
        assert store.codings.pairs("alice") == [(fourth.id, workload)], "the same segments are coded"
        assert store.codings.whole_segment_pairs("alice") == [(fourth.id, workload)], "g2 was the whole segment"
        assert store.codings.selections() == []


def test_an_extent_moves_word_by_word_and_its_start_never_passes_its_end():
    from qualcode.core.spans import ExtentEdit

    text = "We had  no time for it, really."
    edit = ExtentEdit(text, (0, len(text)), (text.index("no"), text.index("for") + 3))
    assert text[slice(*edit.passage)] == "no time for"
    edit.move_start(-1)
    edit.move_end(1)
    assert text[slice(*edit.passage)] == "had  no time for it,"
    edit.move_start(10)
    assert text[slice(*edit.passage)] == "it,", "the start stops at the end's word"
    edit.move_end(-5)
    assert text[slice(*edit.passage)] == "it,", "and the end at the start's"
    edit.move_end(9)
    edit.move_start(-9)
    assert edit.passage == (0, len(text))
    with pytest.raises(BadInput, match="no word"):
        ExtentEdit("   ", (0, 3), (0, 1))


# -- memos on passages ---------------------------------------------------------------------


def test_a_memo_on_a_passage_with_undo_and_redo(project):
    transcript, _fourth = _segment(project, 4)
    inside = _passage(project, 4, "no time for it")
    session = project.coding_session("alice", transcript.id)
    edit = session.set_passage_memo(*inside, "  the clause that carries it  ")
    assert edit.describe(session.codebook) == "memo on the passage saved"
    assert project.store.memos.passages_of("alice") == {(transcript.id, *inside): "the clause that carries it"}
    assert project.store.memos.of_coder("alice") == {}, "the segment has no memo of its own"
    assert session.passage_memos_overlapping(inside[0] + 3, inside[0] + 4) == [inside]
    session.undo()
    assert project.store.memos.passages_of("alice") == {}
    session.redo()
    again = project.coding_session("alice", transcript.id)
    assert again.passage_memos == {inside: "the clause that carries it"}
    with pytest.raises(BadInput, match="empty"):
        session.set_passage_memo(inside[0], inside[0], "nothing")


def test_memos_on_passages_go_through_the_codings_csv_hand_out_merge_and_qdpx(project, tmp_path):
    workload = _code(project, "Workload")
    transcript, _fourth = _segment(project, 4)
    coded = _passage(project, 4, "no time for it")
    uncoded = _passage(project, 2, "the step-ladder plan")
    session = project.coding_session("alice", transcript.id)
    session.toggle_span(*coded, workload)
    session.set_passage_memo(*coded, "why this clause")
    session.set_passage_memo(*uncoded, "a memo, no code")
    expected = {(transcript.id, *coded): "why this clause", (transcript.id, *uncoded): "a memo, no code"}
    # the codings CSV
    project.export_codings(tmp_path / "alice.csv", "alice")
    project.import_codings(tmp_path / "alice.csv", "dora")
    assert project.store.memos.passages_of("dora") == expected
    # hand-out and merge, and a refused merge that would drop a memo without --replace
    handout = project.handout("alice", tmp_path / "alice.qc")
    with Project.open(handout) as copy:
        copy.coding_session("alice", transcript.id).set_passage_memo(*uncoded, "rethought")
    [result] = project.merge([handout], replace=True)
    assert result.memos == 1
    assert project.store.memos.passages_of("alice")[(transcript.id, *uncoded)] == "rethought"
    with Project.open(handout) as copy:
        copy.coding_session("alice", transcript.id).set_passage_memo(*uncoded, "")
    with pytest.raises(BadInput, match="--replace"):
        project.merge([handout])
    # REFI-QDA: each passage memo comes back on its passage
    project.export("qdpx", tmp_path / "s.qdpx")
    Project.import_qdpx(tmp_path / "s.qdpx", tmp_path / "back.qc", unit="turn")[0].close()
    with Store(tmp_path / "back.qc") as back:
        text = back.transcripts.all()[0].text
        came = {(text[a:b], memo) for (_t, a, b), memo in back.memos.passages_of("alice").items()}
    assert came == {("no time for it", "why this clause"), ("the step-ladder plan", "rethought")}


def test_replacing_a_transcript_keeps_spans_and_passage_memos_where_the_text_is_unchanged(project, tmp_path):
    from tests.conftest import TRANSCRIPT

    workload = _code(project, "Workload")
    transcript, _fourth = _segment(project, 4)
    kept = _passage(project, 4, "no time for it")
    changed = _passage(project, 6, "worked well")
    session = project.coding_session("alice", transcript.id)
    session.toggle_span(*kept, workload)
    session.toggle_span(*changed, workload)
    session.set_passage_memo(*kept, "still here")
    edited = tmp_path / "new" / "P1_interview.txt"
    edited.parent.mkdir()
    # a turn added at the start moves every offset; turn 6 is reworded
    edited.write_text("Interviewer: Welcome.\n" + TRANSCRIPT.replace("worked well.", "went fine."), encoding="utf-8")
    project.import_files([edited], unit="turn", replace=True)
    new = project.transcript(project.transcripts()[0].id)
    spans = project.store.codings.spans("alice")
    assert [new.text[p.start : p.end] for p in spans] == ["no time for it"]
    assert {new.text[a:b]: m for (_t, a, b), m in project.store.memos.passages_of("alice").items()} == {
        "no time for it": "still here"
    }
