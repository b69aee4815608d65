"""Retrieval of a code's passages, memos on codes and the memo manager, the journal, and the audit log: from
Python and from the command line, with hand-outs and merges."""

from __future__ import annotations

import json
import sqlite3

import pytest

from qualcode.core.errors import BadInput
from qualcode.core.merge import merge
from qualcode.core.project import Project
from qualcode.core.store import SCHEMA_VERSION, Store
from tests.conftest import AS_SCHEMA_8
from tests.core.test_cli import content, run


def _code(store: Store, name: str) -> str:
    return next(c.id for c in store.codebook.codes() if c.name == name)


@pytest.fixture
def coded(project, tmp_path):
    """The small project coded by alice (whole segments and a passage) and bob, with memos and participants."""
    store = project.store
    ids = store.transcripts.segment_ids()
    workload, barriers = _code(store, "Workload"), _code(store, "Barriers")
    store.codings.add_many([(ids[1], workload), (ids[3], barriers)], "alice")
    store.codings.add_many([(ids[1], workload)], "bob")
    [transcript] = store.transcripts.all()
    segment = store.transcripts.segments(transcript.id)[5]
    store.codings.add_span(transcript.id, segment.start, segment.start + 12, workload, "alice")
    store.memos.set_on_segment(ids[1], "alice", "alice: about hours")
    store.memos.set_on_passage(transcript.id, segment.start, segment.start + 12, "alice", "the exact words")
    (tmp_path / "people.csv").write_text("id,role\nP1,teacher\n", encoding="utf-8")
    project.attach_participants(tmp_path / "people.csv")
    return project


def test_retrieve_lists_every_passage_of_a_code_and_its_codes(coded):
    store = coded.store
    passages = coded.retrieve("Workload")
    segments = {s.id: s for s in store.transcripts.all_segments()}
    text = store.transcripts.all()[0].text
    assert [(p.coder, p.segment) for p in passages] == [("alice", 2), ("bob", 2), ("alice", 6)]
    assert (
        passages[0].text
        == text[segments[store.transcripts.segment_ids()[1]].start : segments[store.transcripts.segment_ids()[1]].end]
    )
    assert passages[2].segment_id is None and len(passages[2].text) == 12, "a span is its exact passage"
    assert [p.coder for p in coded.retrieve("Workload", coder="alice")] == ["alice", "alice"], "a coder sees their own"
    theme = store.codebook.codes()[0]
    below = coded.retrieve(theme.name)
    assert len(below) >= len(passages), "a theme's passages include its codes'"
    assert coded.retrieve(theme.name, below=False) == [p for p in below if p.code_id == theme.id]
    assert coded.retrieve("Workload", where={"role": "teacher"}) == passages
    assert coded.retrieve("Workload", where={"role": "nurse"}) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["Nowhere"], "Nowhere: no such code in the codebook"),
        (["Workload", "--coder", "carol"], "carol: no such coder in this project"),
        (["Workload", "--where", "grade=5"], "--where: no participant attribute 'grade'"),
        (["Workload", "--where", "role"], "--where: 'role' is not ATTRIBUTE=VALUE"),
    ],
)
def test_retrieve_refuses_what_it_cannot_find(coded, args, message):
    result = run("retrieve", str(coded.path), *args)
    assert result.returncode == 2 and message in result.stderr


def test_retrieve_from_the_command_line(coded):
    coded.close()
    table = run("retrieve", str(coded.path), "Workload")
    assert table.returncode == 0 and table.stdout.strip().endswith("3 passages (alice 2, bob 1)")
    rows = json.loads(run("retrieve", str(coded.path), "Workload", "--format", "json").stdout)
    assert [(r["coder"], r["whole_segment"]) for r in rows] == [("alice", True), ("bob", True), ("alice", False)]
    csv = run("retrieve", str(coded.path), "Workload", "--coder", "bob", "--format", "csv").stdout.splitlines()
    assert csv[0].startswith("participant,transcript,segment,coder,code") and len(csv) == 2


def test_memos_on_codes_the_manager_and_their_filters(coded):
    coded.set_code_memo("Workload", "alice", "Workload is about hours, not feelings")
    found = coded.memos()
    assert [(m.author, m.kind) for m in found] == [("alice", "code"), ("alice", "segment"), ("alice", "passage")]
    assert found[0].code.endswith("/Workload") and "Workload" in found[1].code, "the codes given the place"
    assert [m.kind for m in coded.memos(code="Barriers")] == [], "no memo stands on a Barriers passage"
    assert [m.text for m in coded.memos(containing="EXACT")] == ["the exact words"]
    assert coded.memos(author="bob") == []
    coded.set_code_memo("Workload", "alice", "")
    assert [m.kind for m in coded.memos()] == ["segment", "passage"], "empty text removes the memo"
    with pytest.raises(BadInput, match="no such transcript"):
        coded.memos(transcript="P9")


def test_the_memos_command_writes_and_lists(coded):
    coded.close()
    path = str(coded.path)
    wrote = run("memos", path, "--code", "Workload", "--author", "alice", "--set", "hours, not feelings")
    assert wrote.returncode == 0 and "saved" in wrote.stdout
    listed = run("memos", path, "--author", "alice")
    assert "code School role and involvement/Workload: hours, not feelings" in listed.stdout.replace("  ", " ")
    assert listed.stdout.strip().endswith("3 memos")
    refused = run("memos", path, "--set", "x")
    assert refused.returncode == 2 and "--code CODE --author NAME" in refused.stderr


def test_the_journal_keeps_dated_entries_by_author(coded):
    path = str(coded.path)
    coded.close()
    assert run("journal", path, "add", "--author", "carol", "-m", "Split Workload next week").returncode == 0
    assert run("journal", path, "add", "Themes settled", "--author", "alice").returncode == 0
    listed = run("journal", path, "list", "--format", "json")
    assert [(e["author"], e["text"]) for e in json.loads(listed.stdout)] == [
        ("carol", "Split Workload next week"),
        ("alice", "Themes settled"),
    ]
    assert "carol" not in run("journal", path, "list", "--author", "alice").stdout
    before = content(coded.path)
    for args in (["add", "--author", "carol"], ["add", "-m", "no author"]):
        result = run("journal", path, *args)
        assert result.returncode == 2
    assert content(coded.path) == before


def test_the_audit_log_says_who_did_what_and_when(coded):
    coded.rename_code("Workload", "Work load", actor="carol")
    coded.set_pseudonym("Kari", "[psychologist]", actor="carol")
    entries = coded.log(actor="carol")
    assert [e.action for e in entries] == ["code.edit", "pseudonym.set"]
    assert coded.log(since="2999-01-01") == []
    assert len(coded.log(since="2000-01-01T00:00")) == len(coded.store.audit.entries())
    coded.close()
    text = run("log", str(coded.path), "--actor", "carol").stdout
    assert "carol      edited a code" in text and "set a pseudonym Kari" in text and text.strip().endswith("2 entries")
    bad = run("log", str(coded.path), "--since", "last week")
    assert bad.returncode == 2 and "is not a date (2026-03-01) or a time" in bad.stderr


def test_handouts_and_merges_carry_a_coders_code_memos_and_journal_only(coded, tmp_path):
    coded.journal_add("carol", "the lead's own thoughts")
    coded.store.memos.set_on_code(_code(coded.store, "Barriers"), "bob", "bob's memo")
    path = coded.handout("alice", tmp_path / "alice.qc")
    with Store(path) as theirs:
        assert theirs.journal.entries() == [], "the lead's journal stays with the lead"
        assert theirs.memos.codes_of("bob") == {}, "another coder's memos are not handed out"
        theirs.memos.set_on_code(_code(theirs, "Workload"), "alice", "alice's code memo")
        theirs.journal.add("alice", "alice's journal entry")
    merge(coded.store, [path])
    assert coded.store.memos.codes_of("alice") == {_code(coded.store, "Workload"): "alice's code memo"}
    assert [e.text for e in coded.journal()] == ["the lead's own thoughts", "alice's journal entry"]
    before = content(coded.path)
    merge(coded.store, [path])
    assert content(coded.path) == before, "a second merge changes nothing"


def test_a_schema_8_file_gets_the_journal_and_code_memos(tmp_path, codebook_file):
    Project.create(tmp_path / "old.qc", codebook=codebook_file).close()
    db = sqlite3.connect(tmp_path / "old.qc")
    db.executescript(f"{AS_SCHEMA_8} PRAGMA user_version = 8;")
    db.close()
    with Store(tmp_path / "old.qc") as store:
        assert store.schema_version() == SCHEMA_VERSION
        store.journal.add("carol", "after the upgrade")
        code = store.codebook.codes()[0].id
        store.memos.set_on_code(code, "carol", "one")
        store.memos.set_on_code(code, "carol", "two")
        assert store.memos.codes_of("carol") == {code: "two"}, "one memo per code and coder"


def test_retrieved_passages_in_csv_and_json_pass_the_publication_boundary(coded):
    word = next(w.strip(".,") for w in coded.retrieve("Workload")[0].text.split() if len(w.strip(".,")) > 4)
    coded.set_pseudonym(word, "[hidden]")
    coded.close()
    for fmt in ("json", "csv"):
        shown = run("retrieve", str(coded.path), "Workload", "--format", fmt).stdout
        assert "[hidden]" in shown and word not in shown
    table = run("retrieve", str(coded.path), "Workload").stdout
    assert word in table, "the team's own view shows the text as coded"


def test_memos_and_journal_as_an_appendix_of_the_report(coded, tmp_path):
    import docx

    coded.set_code_memo("Workload", "alice", "hours, not feelings")
    coded.journal_add("alice", "Themes settled")
    coded.journal_add("carol", "the lead's note")
    coded.close()
    out = tmp_path / "r.docx"
    result = run("export", "docx", str(coded.path), "-o", str(out), "--tables", "memos", "--coder", "alice")
    assert result.returncode == 0, result.stderr
    document = docx.Document(str(out))
    assert [p.text for p in document.paragraphs if p.style.name == "Heading 1"] == ["Appendix: memos and journal"]
    cells = [r.cells[0].text + " | " + r.cells[2].text for r in document.tables[0].rows[1:]]
    assert any("code School role and involvement/Workload | hours, not feelings" in c for c in cells)
    assert any("journal | Themes settled" in c for c in cells)
    assert not any("the lead's note" in c for c in cells), "a coder's appendix holds only the coder's notes"
    everything = run("export", "docx", str(coded.path), "-o", str(out), "--tables", "all", "--coder", "alice")
    assert everything.returncode == 0
    assert "Appendix: memos and journal" not in [p.text for p in docx.Document(str(out)).paragraphs], "only by name"


def test_what_a_coder_may_see_of_the_log(coded):
    coded.rename_code("Workload", "Work load", actor="carol")
    coded.mark_done("bob", [coded.store.transcripts.all()[0].name])
    seen = [(e.actor, e.action) for e in coded.log(seen_by="alice")]
    assert ("carol", "code.edit") in seen and not any(actor == "bob" for actor, _a in seen)
    assert any(actor == "bob" for actor, _a in ((e.actor, e.action) for e in coded.log())), "the lead sees all"


def test_compare_puts_two_coders_side_by_side(coded):
    name = coded.store.transcripts.all()[0].name
    rows = coded.side_by_side("alice", "bob", name)
    differ = [r.ordinal for r in rows if not r.same]
    assert differ == [4, 6], "alice alone coded Barriers on 4 and a passage of 6; both coded 2 alike"
    assert rows[1].codes_a == rows[1].codes_b == ("Workload",)
    coded.close()
    shown = run("compare", str(coded.path), name, "--coders", "alice", "bob", "--differences")
    assert shown.returncode == 0 and shown.stdout.strip().endswith(f"2 of {len(rows)} segments coded differently")
    assert run("compare", str(coded.path), name, "--coders", "alice", "alice").returncode == 2
    assert "no such transcript" in run("compare", str(coded.path), "P9", "--coders", "alice", "bob").stderr


def test_code_memos_and_the_journal_survive_a_qdpx_round_trip(coded, tmp_path):
    from qualcode.core.exchange.refi_write import qdpx_files, write_qdpx

    coded.set_code_memo("Workload", "alice", "hours, not feelings")
    coded.journal_add("carol", "Split Workload next week")
    write_qdpx(coded.store, tmp_path / "s.qdpx")
    back, _result = Project.import_qdpx(tmp_path / "s.qdpx", tmp_path / "back.qc")
    try:
        assert back.store.memos.codes_of("alice") == {_code(back.store, "Workload"): "hours, not feelings"}
        assert [(e.author, e.text) for e in back.journal()] == [("carol", "Split Workload next week")]
        assert [e.at for e in back.journal()] == [e.at for e in coded.journal()], "the entry keeps its date"
    finally:
        back.close()
    coded.set_pseudonym("Split", "[word]")
    kept = qdpx_files(coded.store)["qualcode.json"].decode()
    assert "[word] Workload next week" in kept and "Split" not in kept, "kept notes pass the publication boundary"


@pytest.mark.parametrize("author", ["", "  ", "\x19odd", "line\nbreak"])
def test_a_memo_or_journal_author_must_be_a_printable_name(coded, author):
    before = content(coded.path)
    with pytest.raises(BadInput, match="a name must be printable text"):
        coded.set_code_memo("Workload", author, "text")
    with pytest.raises(BadInput, match="a name must be printable text"):
        coded.journal_add(author, "text")
    assert content(coded.path) == before, "nothing is written, no coder of that name is made"
