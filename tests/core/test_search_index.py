"""The search index in the project file: the same hits as a scan of every token, kept in step with the texts."""

from __future__ import annotations

import shutil
import sqlite3
from bisect import bisect_right

import numpy as np
import pytest

from qualcode.core.project import Project
from qualcode.core.search import JOINERS, query_terms
from qualcode.core.store import SCHEMA_VERSION, Store
from qualcode.core.textindex import index_of
from tests.conftest import AS_SCHEMA_7, REPO

SAMPLES = REPO / "transcripts_sample"
FILES = ["P1_interview.txt", "P2_interview.docx", "P3_interview.vtt", "P4_interview.txt", "P6_interview.srt"]


@pytest.fixture(scope="module")
def study_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("study")
    project = Project.create(folder / "study.qc", codebook=REPO / "codebooks" / "back2school.yaml")
    project.import_files([SAMPLES / name for name in FILES])
    project.close()
    return folder / "study.qc"


@pytest.fixture
def study(study_file, tmp_path):
    shutil.copy(study_file, tmp_path / "study.qc")
    project = Project.open(tmp_path / "study.qc")
    yield project
    project.close()


def scan(project: Project, query: str, *, lemma: bool) -> list[tuple[str, int, int, int]]:
    """Every hit found by walking each transcript's tokens: (transcript, segment id, start, end)."""
    store = project.store
    terms = query_terms(store, query, lemma=lemma)
    hits = []
    for transcript in store.transcripts.all():
        index = index_of(store, transcript, transcript.lang, store.settings.spacy_model)
        kept = [k for k, w in enumerate(index.lower) if w not in JOINERS]
        lowers = [index.lower[k] for k in kept]
        lemmas = [index.lemma[k] for k in kept] if lemma else lowers
        segments = store.transcripts.segments(transcript.id)
        starts = [s.start for s in segments]
        for i in range(len(lowers) - len(terms) + 1):
            if all(lowers[i + j] in terms[j] or lemmas[i + j] in terms[j] for j in range(len(terms))):
                start, end = index.starts[kept[i]], index.ends[kept[i + len(terms) - 1]]
                segment = segments[max(bisect_right(starts, start) - 1, 0)]
                hits.append((transcript.name, segment.id, start, end))
    return hits


@pytest.mark.parametrize(
    ("query", "lemma"),
    [
        ("school", False),
        ("Meeting", False),
        ("meetings", True),
        ("step ladder", False),
        ("the school", False),
        ("I think that", False),
        ("parents", True),
        ("psychologists", True),
        ("notaword", False),
    ],
)
def test_index_finds_exactly_what_a_scan_of_every_token_finds(study, query, lemma):
    found = [(h.transcript, h.segment_id, h.start, h.end) for h in study.search(query, lemma=lemma)]
    assert found == scan(study, query, lemma=lemma)
    if query != "notaword":
        assert found


def test_phrase_across_a_hyphen(study):
    hits = study.search("step ladder")
    assert {h.match.lower() for h in hits} >= {"step-ladder"}
    assert [(h.start, h.end) for h in study.search("step-ladder")] == [(h.start, h.end) for h in hits]


def test_lemma_search_finds_every_form(study):
    words = study.search("meetings")
    lemmas = study.search("meetings", lemma=True)
    assert {h.match.lower() for h in words} == {"meetings"}
    assert {h.match.lower() for h in lemmas} == {"meeting", "meetings"}
    assert {(h.start, h.transcript) for h in words} < {(h.start, h.transcript) for h in lemmas}


def counts(path) -> dict[str, int]:
    with sqlite3.connect(path) as db:
        return {
            table: db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
            for table in ("search_documents", "search_tokens", "search_postings", "search_capitals", "text_index")
        }


def test_a_replaced_transcript_gets_a_new_index_and_the_old_one_is_dropped(tmp_path):
    path = tmp_path / "t.qc"
    source = tmp_path / "P9_interview.txt"
    source.write_text("Interviewer: Tell me about the step-ladder.\nP9: The ladder helps. Nordby agrees.\n")
    project = Project.create(path)
    project.import_files([source])
    assert [h.match for h in project.search("ladder")] == ["ladder", "ladder"]
    before = counts(path)
    assert before["search_documents"] == 1 and before["search_tokens"] > 0
    source.write_text("Interviewer: Tell me about meetings.\nP9: We meet on Mondays with Solberg.\n")
    project.import_files([source], replace=True)
    assert project.search("ladder") == []
    assert [h.match for h in project.search("meetings", lemma=True)] == ["meetings"]
    assert not project.frequencies(by="transcript").empty
    after = counts(path)
    with sqlite3.connect(path) as db:
        documents = db.execute("SELECT sha256 FROM search_documents").fetchall()
        texts = db.execute("SELECT sha256 FROM transcripts").fetchall()
        tokens = db.execute("SELECT COUNT(*) FROM search_tokens t JOIN search_documents d ON d.id = t.document_id")
        assert tokens.fetchone()[0] == after["search_tokens"], "no token rows of a dropped document"
        live = {row[0] for row in db.execute("SELECT id FROM search_documents")}
        keys = [np.frombuffer(row[0], dtype="<i8") for row in db.execute("SELECT keys FROM search_postings")]
    assert documents == texts and after["text_index"] == 1
    assert keys and all(len(k) for k in keys), "a row left empty is deleted"
    assert set(np.concatenate(keys) >> 32) == live, "no postings of a dropped document"
    assert {c.text for c in project.suggest_pseudonyms()} == {"Solberg"}
    project.store.transcripts.delete(project.store.transcripts.get("P9_interview").id)
    assert project.search("meetings") == []
    assert counts(path) == dict.fromkeys(after, 0)
    project.close()


def test_a_schema_3_project_is_migrated_and_searched(tmp_path):
    path = tmp_path / "old.qc"
    project = Project.create(path, codebook=REPO / "codebooks" / "back2school.yaml")
    project.import_files([SAMPLES / "P1_interview.txt"])
    project.close()
    with sqlite3.connect(path) as db:
        db.executescript(
            "DROP TABLE search_documents; DROP TABLE search_terms; DROP TABLE search_postings; "
            "DROP TABLE search_tokens; DROP TABLE search_document_terms; DROP TABLE search_capitals; "
            "DROP INDEX transcripts_by_sha256; DROP INDEX transcripts_for_search; DROP TABLE spans; "
            + AS_SCHEMA_7
            + " "
            "PRAGMA user_version = 3;"
        )
    with Store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
    project = Project.open(path)
    hits = project.search("step ladder")
    assert hits and all(h.transcript == "P1_interview" for h in hits)
    assert [(h.transcript, h.segment_id, h.start, h.end) for h in hits] == scan(project, "step ladder", lemma=False)
    assert project.suggestions("alice")
    project.close()


SCHEMA_4_INDEX = """
ALTER TABLE search_documents DROP COLUMN block;
DROP TABLE search_postings; DROP TABLE search_tokens; DROP TABLE search_document_terms;
CREATE TABLE search_postings (
    term_id INTEGER NOT NULL, kind INTEGER NOT NULL, document_id INTEGER NOT NULL, position INTEGER NOT NULL,
    PRIMARY KEY (term_id, kind, document_id, position)
) WITHOUT ROWID;
CREATE TABLE search_tokens (
    document_id INTEGER NOT NULL, position INTEGER NOT NULL, start_offset INTEGER NOT NULL,
    end_offset INTEGER NOT NULL, sentence_start INTEGER NOT NULL, sentence_end INTEGER NOT NULL,
    segment INTEGER NOT NULL, flags INTEGER NOT NULL, PRIMARY KEY (document_id, position)
) WITHOUT ROWID;
CREATE TABLE search_document_terms (
    document_id INTEGER NOT NULL, term_id INTEGER NOT NULL, PRIMARY KEY (document_id, term_id)
) WITHOUT ROWID;
INSERT INTO search_postings VALUES (1, 2, 1, 0);
INSERT INTO search_tokens VALUES (1, 0, 0, 3, 0, -1, 1, 0);
INSERT INTO search_document_terms VALUES (1, 1);
DROP TABLE text_index;
CREATE TABLE text_index (sha256 TEXT NOT NULL, pipeline TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (sha256, pipeline));
DROP TABLE spans;
PRAGMA user_version = 4;
"""


def test_a_schema_4_project_with_the_row_per_token_index_is_migrated_and_indexed_again(tmp_path):
    path = tmp_path / "old.qc"
    project = Project.create(path, codebook=REPO / "codebooks" / "back2school.yaml")
    project.import_files([SAMPLES / "P1_interview.txt"])
    assert project.search("step ladder")
    project.close()
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA_4_INDEX + AS_SCHEMA_7)
    with Store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
    assert counts(path)["search_documents"] == 0, "the index of schema 4 is dropped, to be built again"
    project = Project.open(path)
    hits = project.search("step ladder")
    assert [(h.transcript, h.segment_id, h.start, h.end) for h in hits] == scan(project, "step ladder", lemma=False)
    assert hits and counts(path)["search_documents"] == 1
    project.close()


SCHEMA_5_INDEX = """
ALTER TABLE search_documents DROP COLUMN block;
DROP TABLE search_postings;
CREATE TABLE search_postings (
    term_id INTEGER NOT NULL, kind INTEGER NOT NULL, document_id INTEGER NOT NULL, positions BLOB NOT NULL,
    PRIMARY KEY (term_id, kind, document_id)
) WITHOUT ROWID;
INSERT INTO search_postings VALUES (1, 2, 1, x'00000000');
DROP TABLE text_index;
CREATE TABLE text_index (sha256 TEXT NOT NULL, pipeline TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (sha256, pipeline));
INSERT INTO text_index SELECT sha256, 'blank-en+lookup', 'eJyLjgUAARUAuQ==' FROM transcripts;
DROP TABLE spans;
PRAGMA user_version = 5;
"""


def test_a_schema_5_project_with_postings_per_document_is_migrated_and_indexed_again(tmp_path):
    path = tmp_path / "old.qc"
    project = Project.create(path, codebook=REPO / "codebooks" / "back2school.yaml")
    project.import_files([SAMPLES / "P1_interview.txt", SAMPLES / "P4_interview.txt"])
    expected = scan(project, "step ladder", lemma=False)
    frequencies = project.frequencies(by="transcript", top=5)
    project.close()
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA_5_INDEX + AS_SCHEMA_7)
    with Store(path) as store:
        assert store.schema_version() == SCHEMA_VERSION
    assert counts(path) == dict.fromkeys(counts(path), 0), "the index of schema 5 is dropped, to be built again"
    project = Project.open(path)
    hits = project.search("step ladder")
    assert expected and [(h.transcript, h.segment_id, h.start, h.end) for h in hits] == expected
    assert counts(path)["search_documents"] == 2
    assert project.frequencies(by="transcript", top=5).equals(frequencies)
    assert counts(path)["text_index"] == 2
    project.close()


def test_a_hit_and_its_context_are_cut_at_characters_not_bytes(tmp_path):
    source = tmp_path / "P9_interview.txt"
    source.write_text("Interviewer: Hvordan gikk det? 🙂\nP9: Blåbærsyltetøy 🙂🙂 på skolen, sa Åse. Ferdig.\n")
    project = Project.create(tmp_path / "t.qc", lang="nb")
    project.import_files([source])
    [hit] = project.search("skolen")
    assert (hit.left, hit.match, hit.right) == ("Blåbærsyltetøy 🙂🙂 på", "skolen", ", sa Åse.")
    text = project.store.transcripts.get("P9_interview").text
    assert text[hit.start : hit.end] == "skolen"
    project.close()
