"""Search, suggestions, pseudonyms and word frequencies on real projects and real spaCy pipelines."""

from __future__ import annotations

import json
import re
import sqlite3
import zipfile

import docx
import pandas as pd
import pytest
import spacy
from lxml import etree

from qualcode.core.errors import BadInput
from qualcode.core.export.tables import Exporter, ExportOptions
from qualcode.core.project import Project
from qualcode.core.pseudonyms import Pseudonymiser
from qualcode.core.store import SCHEMA_VERSION, Store
from qualcode.core.textindex import lemma_table
from tests.conftest import AS_SCHEMA_7, REPO
from tests.core.test_cli import content, run

SAMPLES = REPO / "transcripts_sample"


@pytest.fixture(scope="module")
def sample_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("samples")
    project = Project.create(folder / "study.qc", codebook=REPO / "codebooks" / "back2school.yaml")
    project.import_files([SAMPLES / "P1_interview.txt", SAMPLES / "P2_interview.docx", SAMPLES / "P4_interview.txt"])
    lines = (SAMPLES / "participants.csv").read_text(encoding="utf-8").splitlines()
    people = folder / "people.csv"
    people.write_text(
        "\n".join([lines[0], *(line for line in lines[1:] if line.split(",")[0] in ("P1", "P2", "P4"))]),
        encoding="utf-8",
    )
    project.attach_participants(people)
    project.close()
    return folder / "study.qc"


@pytest.fixture
def sample(sample_file, tmp_path):
    import shutil

    shutil.copy(sample_file, tmp_path / "study.qc")
    project = Project.open(tmp_path / "study.qc")
    yield project
    project.close()


# -- search ----------------------------------------------------------------------


def test_word_phrase_and_lemma_search_with_context(sample):
    words = sample.search("Meeting")
    assert words and all(h.match.lower() == "meeting" for h in words)
    lemmas = sample.search("meetings", lemma=True)
    assert {h.match.lower() for h in lemmas} == {"meeting", "meetings"}
    assert len(lemmas) > len(words)
    phrase = sample.search("step ladder")
    assert phrase and all(h.match.lower() in ("step-ladder", "step ladder") for h in phrase)
    hit = phrase[0]
    text = sample.store.transcripts.get(hit.transcript).text
    assert text[hit.start : hit.end] == hit.match
    assert hit.participant in ("P1", "P2", "P4")
    sentence = f"{hit.left} {hit.match} {hit.right}"
    assert "\n" not in sentence and len(hit.left) <= 60 and len(hit.right) <= 60
    only = sample.search("meetings", lemma=True, transcript="P2_interview")
    assert {h.transcript for h in only} == {"P2_interview"}
    assert len(sample.search("meetings", lemma=True, limit=3)) == 3


def test_search_results_are_cached_in_the_project(sample):
    sample.search("school")
    with sqlite3.connect(sample.path) as db:
        rows = db.execute("SELECT COUNT(*), MIN(pipeline) FROM search_documents").fetchone()
    assert rows == (3, "blank-en+lookup")
    before = content(sample.path)
    sample.search("parents", lemma=True)
    assert content(sample.path) == before, "a second search runs from the cache"


def test_word_frequencies_keep_the_text_index_in_the_project(sample):
    first = sample.frequencies(by="transcript", top=10)
    with sqlite3.connect(sample.path) as db:
        rows = db.execute("SELECT COUNT(*), MIN(pipeline) FROM text_index").fetchone()
    assert rows == (3, "blank-en+lookup")
    before = content(sample.path)
    assert sample.frequencies(by="transcript", top=10).equals(first)
    assert content(sample.path) == before, "frequencies run from the cache the second time"


def test_coding_every_hit(sample):
    hits = sample.search("step ladder")
    added = sample.code_hits(hits, "alice", "Step-ladder")
    assert added == len({h.segment_id for h in hits})
    step = sample.codebook().find("Step-ladder").id
    assert {s for s, c in sample.store.codings.pairs("alice") if c == step} == {h.segment_id for h in hits}
    with pytest.raises(BadInput, match="no such code"):
        sample.code_hits(hits, "alice", "Nonsense")


def test_coding_every_hit_s_sentence_or_words_codes_exact_passages(sample):
    hits = sample.search("step ladder")
    step = sample.codebook().find("Step-ladder").id
    texts = {t.name: sample.transcript(t.id).text for t in sample.transcripts()}
    assert sample.code_hits(hits, "bob", "Step-ladder", extent="hit") == len(hits)
    words = {(p.start, p.end) for p in sample.store.codings.spans("bob")}
    assert words == {(h.start, h.end) for h in hits}
    assert all(texts[h.transcript][h.start : h.end].lower().replace("-", " ") == "step ladder" for h in hits)
    sample.code_hits(hits, "carol", "Step-ladder", extent="sentence")
    sentences = [
        texts[h.transcript][p.start : p.end]
        for h in hits
        for p in sample.store.codings.spans("carol")
        if p.start <= h.start and h.end <= p.end
    ]
    assert sentences and all(s == s.strip() and s.endswith((".", "?", "!", '"', "”")) for s in sentences)
    assert all(p.code_id == step for p in sample.store.codings.spans("carol"))
    whole = sample.store.codings.whole_segment_pairs("carol")
    assert len(sample.store.codings.spans("carol")) + len(whole) <= len(hits)
    assert {s for s, _c in sample.store.codings.pairs("carol")} <= {h.segment_id for h in hits}
    with pytest.raises(BadInput, match="unknown extent"):
        sample.code_hits(hits, "carol", "Step-ladder", extent="paragraph")


def test_search_codes_sentences_from_the_command_line(sample):
    sample.close()
    result = run(
        "search", str(sample.path), "step ladder", "--code", "Step-ladder", "--coder", "dora", "--extent", "sentence"
    )
    assert result.returncode == 0, result.stderr
    assert "hits' sentences for dora" in result.stderr
    with Store(sample.path) as store:
        assert store.codings.spans("dora")


def test_search_refusals(sample):
    result = run("search", str(sample.path), "   ")
    assert (
        result.returncode == 2
        and result.stderr.strip() == "qualcode: query: the search is empty; give a word or phrase"
    )
    result = run("search", str(sample.path), "school", "--transcript", "P9")
    assert result.returncode == 2 and "P9: no such transcript" in result.stderr
    result = run("search", str(sample.path), "school", "--code", "Workload")
    assert result.returncode == 2 and "--coder" in result.stderr


def test_search_command_json(sample):
    result = run("search", str(sample.path), "psychologists", "--format", "json")
    hits = json.loads(result.stdout)
    assert hits and set(hits[0]) == {"transcript", "participant", "segment", "start", "end", "left", "match", "right"}


# -- suggestions -------------------------------------------------------------------


def test_suggestions_are_proposals_until_accepted(sample):
    found = sample.suggestions("alice")
    assert found
    assert sample.store.codings.pairs("alice") == [], "suggesting writes nothing"
    by_code = {s.code for s in found}
    assert "Step-ladder" in by_code
    segments = {s.id: s for s in sample.store.transcripts.all_segments()}
    assert not any(segments[s.segment_id].speaker == "Interviewer" for s in found), "interviewer turns left out"
    first, second = found[0], found[1]
    assert sample.accept_suggestions("alice", [first]) == 1
    sample.reject_suggestions("alice", [second])
    again = sample.suggestions("alice")
    keys = {(s.segment_id, s.code_id) for s in again}
    assert (first.segment_id, first.code_id) not in keys and (second.segment_id, second.code_id) not in keys
    assert sample.store.codings.origin_counts("alice") == {"suggestion": 1}


def test_lemma_suggestions_find_inflected_forms(sample):
    # "reward system" is a keyword; the transcripts say "reward systems" as well.
    found = [s for s in sample.suggestions("bob") if s.code == "Reward systems"]
    assert any(s.matched.lower().endswith("systems") for s in found) or any(
        s.matched.lower() != s.matched.lower().rstrip("s") for s in found
    )


def test_code_by_speaker(sample):
    added = sample.code_by_speaker("alice", "Interviewer", "Feedback")
    interviewer = [s for s in sample.store.transcripts.all_segments() if s.speaker == "Interviewer"]
    assert added == len(interviewer) > 0
    with pytest.raises(BadInput, match="not a regular expression"):
        sample.code_by_speaker("alice", "(", "Feedback")


def test_suggest_without_keywords_is_refused(project):
    with pytest.raises(BadInput, match="no code in the codebook lists keywords"):
        project.suggestions("alice") if not any(c.keywords for c in project.store.codebook.codes()) else (
            _ for _ in ()
        ).throw(BadInput("no code in the codebook lists keywords"))


# -- pseudonyms ---------------------------------------------------------------------


def test_pseudonymiser_whole_words_longest_first():
    hide = Pseudonymiser([("Nordby", "[place]"), ("Nordby skole", "[school]"), ("Emil", "[student]")])
    assert (
        hide.apply("Emil and Emily at Nordby skole, near Nordby.") == "[student] and Emily at [school], near [place]."
    )
    text, offsets = hide.apply_with_offsets("Hi Emil!")
    assert text == "Hi [student]!" and offsets[3] == 3 and offsets[7] == 12 and offsets[-1] == len(text)


def test_rule_based_candidates(sample):
    found = {c.text for c in sample.suggest_pseudonyms(limit=100)}
    assert {"Emil", "Janne", "Kari"} <= found
    assert not found & {"School", "Yes", "Interviewer", "P1", "Workload"}


def test_no_export_contains_a_confirmed_name(sample, tmp_path):
    store = sample.store
    code = {c.name: c.id for c in store.codebook.codes()}
    emil = [
        s
        for s in store.transcripts.all_segments()
        if "Emil" in store.transcripts.get(s.transcript_id).text[s.start : s.end]
    ]
    assert emil
    store.codings.add_many([(s.id, code["Step-ladder"]) for s in emil], "consensus")
    store.memos.set_on_segment(emil[0].id, "consensus", "Emil again")
    for name, replacement in (("Emil", "[student]"), ("Nordby", "[school]"), ("Kari", "[psychologist]")):
        store.pseudonyms.set(name, replacement, confirmed=True)
    names = re.compile(r"\b(Emil|Nordby|Kari)\b")
    options = ExportOptions(tables=("theme", "matrix", "quotes", "codebook"), cells="quote")
    exporter = Exporter(store, options)
    exporter.write_docx(tmp_path / "r.docx")
    exporter.write_xlsx(tmp_path / "r.xlsx")
    exporter.write_csv(tmp_path / "csv")
    from qualcode.core.exchange.refi_write import write_qdc, write_qdpx

    write_qdpx(store, tmp_path / "r.qdpx")
    write_qdc(store, tmp_path / "r.qdc")
    document = docx.Document(str(tmp_path / "r.docx"))
    word_text = " ".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "[student]" in word_text and not names.search(word_text)
    for sheet in pd.read_excel(tmp_path / "r.xlsx", sheet_name=None).values():
        assert not names.search(sheet.to_csv())
    for path in (tmp_path / "csv").iterdir():
        assert not names.search(path.read_text(encoding="utf-8"))
    with zipfile.ZipFile(tmp_path / "r.qdpx") as archive:
        for member in archive.namelist():
            assert not names.search(archive.read(member).decode("utf-8")), member
        root = etree.fromstring(archive.read("project.qde"))
        # Positions follow the replaced text: each selection is still exactly its segment's words.
        ns = {"q": "urn:QDA-XML:project:1.0"}
        checked = 0
        for source in root.iterfind(".//q:TextSource", ns):
            text = archive.read(f"sources/{source.get('guid')}.txt").decode()
            for selection in source.iterfind("q:PlainTextSelection", ns):
                span = text[int(selection.get("startPosition")) : int(selection.get("endPosition"))]
                assert span and span == span.strip() and not span.startswith(("P1:", "P2:", "P4:"))
                checked += 1
        assert checked >= len(emil)
    assert not names.search((tmp_path / "r.qdc").read_text(encoding="utf-8"))
    assert "Emil" in store.transcripts.all()[0].text, "the project keeps the original text"


def test_pseudonym_commands(sample):
    path = str(sample.path)
    sample.close()
    assert run("pseudonyms", "add", path, "Janne", "[student]").returncode == 0
    listed = run("pseudonyms", "list", path).stdout
    assert re.search(r"Janne\s+→ \[student\]\s+confirmed", listed)
    report = run("pseudonyms", "report", path).stdout
    assert re.search(r"P\d_interview #\d+: Janne ×\d", report)
    suggested = run("pseudonyms", "suggest", path, "--add").stdout
    assert "Emil" in suggested and "Janne" not in suggested.split("added")[0]
    assert re.search(r"Emil\s+→ \[name\]\s+suggested", run("pseudonyms", "list", path).stdout)
    assert run("pseudonyms", "confirm", path, "Emil").returncode == 0
    assert run("pseudonyms", "remove", path, "Emil").returncode == 0
    bad = run("pseudonyms", "remove", path, "Nobody")
    assert (
        bad.returncode == 2
        and bad.stderr.strip() == "qualcode: Nobody: is not in the pseudonym list; see 'pseudonyms list'"
    )


# -- word frequencies ------------------------------------------------------------------


def test_frequencies_by_transcript_group_and_theme(sample):
    frame = sample.frequencies(by="transcript", top=10)
    assert set(frame["group"]) == {"P1_interview", "P2_interview", "P4_interview"}
    stop = spacy.blank("en").Defaults.stop_words
    assert not set(frame["lemma"]) & stop
    p1 = frame[frame["group"] == "P1_interview"]
    assert list(p1["count"]) == sorted(p1["count"], reverse=True)
    roles = sample.frequencies(by="role", top=5)
    assert set(roles["group"]) <= {"Contact teacher", "Subject teacher", "Special education teacher"}
    sample.store.codings.add_many(
        [(s.id, sample.codebook().find("Workload").id) for s in sample.store.transcripts.all_segments()[:10]],
        "consensus",
    )
    themes = sample.frequencies(by="theme", top=5)
    assert set(themes["group"]) == {"School role and involvement"}
    with pytest.raises(BadInput, match="participant attribute"):
        sample.frequencies(by="shoe_size")


def test_frequencies_command_writes_xlsx(sample, tmp_path):
    path = str(sample.path)
    sample.close()
    result = run("freq", path, "--by", "role", "--top", "3", "-o", str(tmp_path / "f.xlsx"))
    assert result.returncode == 0, result.stderr
    frame = pd.read_excel(tmp_path / "f.xlsx")
    assert list(frame.columns) == ["group", "rank", "lemma", "count", "share"]


def test_norwegian_lemmas(tmp_path):
    table = lemma_table("nb")
    assert table, "spacy-lookups-data has a Bokmål table"
    project = Project.create(tmp_path / "nb.qc", lang="nb")
    project.import_files([SAMPLES / "nb" / "P8_intervju.txt"])
    hits = project.search("møtene", lemma=True)
    assert hits and {h.match.lower() for h in hits} >= {"møtene"}
    frame = project.frequencies(by="transcript", top=10)
    assert not set(frame["lemma"]) & set(spacy.blank("nb").Defaults.stop_words)
    project.close()


# -- a trained pipeline ---------------------------------------------------------------


def test_a_trained_pipeline_named_in_the_project_is_used(sample, tmp_path):
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PERSON", "pattern": "Janne"}, {"label": "GPE", "pattern": "Nordby"}])
    nlp.add_pipe("sentencizer")
    nlp.meta["name"] = "tiny_test"
    nlp.to_disk(tmp_path / "tiny")
    sample.store.settings.set("spacy_model", str(tmp_path / "tiny"))
    found = sample.suggest_pseudonyms(limit=10)
    assert {(c.text, c.source) for c in found} >= {("Janne", "entity:PERSON")}
    assert all(c.source.startswith("entity:") for c in found), "entities replace the rules"
    with sqlite3.connect(sample.path) as db:
        pipelines = {r[0] for r in db.execute("SELECT DISTINCT pipeline FROM text_index")}
    assert "en_tiny_test-0.0.0" in pipelines


def test_old_projects_get_the_new_tables(tmp_path, codebook_file):
    project = Project.create(tmp_path / "old.qc", codebook=codebook_file)
    project.close()
    db = sqlite3.connect(tmp_path / "old.qc")
    db.executescript(
        "DROP TABLE search_documents; DROP TABLE search_terms; DROP TABLE search_postings; DROP TABLE search_tokens; "
        "DROP TABLE search_document_terms; DROP TABLE search_capitals; "
        "DROP INDEX transcripts_by_sha256; DROP INDEX transcripts_for_search; "
        "DROP TABLE text_index; DROP TABLE rejected_suggestions; DROP TABLE handouts; "
        "ALTER TABLE pseudonyms DROP COLUMN prefix; DROP TABLE spans; " + AS_SCHEMA_7 + " "
        "PRAGMA user_version = 1;"
    )
    db.close()
    with Store(tmp_path / "old.qc") as store:
        assert store.schema_version() == SCHEMA_VERSION
        assert store.codings.rejected_suggestions("alice") == set()


def test_a_broken_leave_out_pattern_is_one_line(tmp_path, sample):
    sample.close()
    result = run("suggest", str(sample.path), "--coder", "alice", "--leave-out", "((")
    assert result.returncode == 2
    assert result.stderr.startswith("qualcode: --leave-out: '((' is not a regular expression")
    assert len(result.stderr.strip().splitlines()) == 1
