"""REFI-QDA: schema-valid exports, round trips, the real samples, other tools' shapes, and unsafe archives."""

from __future__ import annotations

import re
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from qualcode.core.errors import BadInput
from qualcode.core.exchange.refi_read import read_qdc
from qualcode.core.exchange.refi_write import qdc_bytes, qdpx_files, write_qdpx
from qualcode.core.project import Project
from qualcode.core.store import Store
from tests.conftest import REPO
from tests.core.test_cli import run

REFI = REPO.parent / "shared" / "refi-qda"
SAMPLES = REFI / "samples"
NS = "urn:QDA-XML:project:1.0"

needs_shared = pytest.mark.skipif(
    not REFI.is_dir(),
    reason="the REFI-QDA schemas and other tools' samples live in ../shared/refi-qda, which is not beside this clone",
)


def import_qdpx(source, out, **options):
    """Create a project from a .qdpx and close it; the import's report."""
    project, result = Project.import_qdpx(source, out, **options)
    project.close()
    return result


def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(REFI / name)))


@pytest.fixture
def coded(project):
    """The small project with two coders, memos and participant attributes."""
    store = project.store
    ids = store.transcripts.segment_ids()
    code = {c.name: c.id for c in store.codebook.codes()}
    store.codings.add_many(
        [(ids[1], code["Workload"]), (ids[3], code["Time pressure"]), (ids[3], code["Barriers"])], "alice"
    )
    store.codings.add_many([(ids[1], code["Workload"]), (ids[5], code["Success factors"])], "bob")
    store.memos.set_on_segment(ids[3], "alice", "Tuesdays: skipping lunch — æøå")
    store.memos.set_on_segment(ids[4], "bob", "a memo on an uncoded segment")
    csv = project.path.parent / "people.csv"
    csv.write_text("id,role,years,full_time,interviewed\nP1,teacher,12,true,2026-03-04\n", encoding="utf-8")
    project.attach_participants(csv)
    return project


@needs_shared
def test_exports_are_valid_against_the_schemas(coded):
    assert _schema("Codebook-mrt2019.xsd").validate(etree.fromstring(qdc_bytes(coded.store)))
    files = qdpx_files(coded.store)
    schema = _schema("Project-mrt2019.xsd")
    assert schema.validate(etree.fromstring(files["project.qde"])), schema.error_log
    assert sorted(files) == [
        "project.qde",
        "qualcode.json",
        *[f"sources/{n}" for n in sorted(n.split("/")[1] for n in files if n.startswith("sources/"))],
    ]


def test_exports_hold_what_the_schemas_require_without_the_schemas(coded):
    """The schema test's behaviour on a plain clone: the elements, attributes and references the XSDs demand."""
    ns = {"p": "urn:QDA-XML:project:1.0", "c": "urn:QDA-XML:codebook:1.0"}
    guid = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    codebook = etree.fromstring(qdc_bytes(coded.store))
    assert codebook.tag == "{urn:QDA-XML:codebook:1.0}CodeBook" and codebook.get("origin")
    qdc_codes = codebook.findall(".//c:Code", ns)
    assert qdc_codes and all(guid.fullmatch(c.get("guid")) and c.get("name") and c.get("isCodable") for c in qdc_codes)
    files = qdpx_files(coded.store)
    root = etree.fromstring(files["project.qde"])
    assert root.tag == "{urn:QDA-XML:project:1.0}Project" and root.get("name") and root.get("origin")
    children = [etree.QName(e).localname for e in root]
    # The XSD's sequence: Users, CodeBook, Variables, Cases, Sources, Notes …, Description; in that order.
    order = ["Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Description"]
    assert [c for c in order if c in children] == children
    users = {u.get("guid") for u in root.findall("p:Users/p:User", ns)}
    codes = {c.get("guid") for c in root.findall(".//p:CodeBook//p:Code", ns)}
    assert users and codes and all(guid.fullmatch(g) for g in users | codes)
    for source in root.findall("p:Sources/p:TextSource", ns):
        text = files[f"sources/{source.get('guid')}.txt"].decode("utf-8")
        assert source.get("plainTextPath") == f"internal://{source.get('guid')}.txt"
        for selection in source.findall("p:PlainTextSelection", ns):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            assert 0 <= start < end <= len(text)
            assert selection.get("creatingUser") in users
            for ref in selection.findall("p:Coding/p:CodeRef", ns):
                assert ref.get("targetGUID") in codes
    notes = {n.get("guid") for n in root.findall("p:Notes/p:Note", ns)}
    assert {r.get("targetGUID") for r in root.findall(".//p:NoteRef", ns)} <= notes


def _state(store: Store) -> dict:
    names = {t.id: t.name for t in store.transcripts.all()}
    segments = {s.id: (names[s.transcript_id], s.ordinal) for s in store.transcripts.all_segments()}
    return {
        "texts": {(t.name, t.sha256, t.participant) for t in store.transcripts.all()},
        "codes": {
            (c.id, c.name, c.parent_id, c.description, c.inclusion, c.exclusion, c.example)
            for c in store.codebook.codes()
        },
        "codings": {
            c: {(segments[s], k) for s, k in store.codings.pairs(c)}
            for c in store.codings.coders()
            if store.codings.pairs(c)
        },
        "memos": {
            c: {segments[s]: m for s, m in store.memos.of_coder(c).items()}
            for c in store.codings.coders()
            if store.memos.of_coder(c)
        },
        "participants": {p.id: p.attributes for p in store.participants.all()},
    }


def test_round_trip_gives_back_the_project(coded, tmp_path):
    write_qdpx(coded.store, tmp_path / "study.qdpx")
    result = import_qdpx(tmp_path / "study.qdpx", tmp_path / "back.qc")
    # a selection per coding (alice 3, bob 2) and bob's memo on an uncoded segment on its own
    assert (result.exact, result.split, result.dropped) == (6, 0, 0)
    back = Store(tmp_path / "back.qc")
    try:
        assert _state(back) == _state(coded.store)
        assert back.settings.get("unit") == "turn"
    finally:
        back.close()


def test_every_reader_sees_every_coding_and_memo_and_two_exports_are_the_same_file(coded, tmp_path):
    coded.store.codings.coder_id("dora", create=True)  # a coder who has coded nothing yet
    first, second = qdpx_files(coded.store), qdpx_files(coded.store)
    assert first == second, "GUIDs and times come from the project, not from the clock"
    root = etree.fromstring(first["project.qde"])
    selections = [e for e in root.iter(f"{{{NS}}}PlainTextSelection")]
    assert all(len(s.findall(f"{{{NS}}}Coding")) <= 1 for s in selections), "one Coding per selection"
    assert sum(len(s.findall(f"{{{NS}}}Coding")) for s in selections) == 5
    described = {s.findtext(f"{{{NS}}}Description") for s in selections} - {None}
    assert described == {"Tuesdays: skipping lunch — æøå", "a memo on an uncoded segment"}, (
        "memos where QualCoder reads"
    )
    assert len(root.findall(f".//{{{NS}}}Note")) == 2, "and as Notes, read back once"
    import_qdpx(_write(tmp_path / "s.qdpx", first), tmp_path / "back.qc")
    with Store(tmp_path / "back.qc") as back:
        assert sorted(back.memos.of_coder("alice").values()) == ["Tuesdays: skipping lunch — æøå"]
        assert "dora" in back.codings.coders(), "a user without codings is kept"


def _write(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def test_codebook_round_trip_through_qdc(coded, tmp_path):
    path = tmp_path / "book.qdc"
    path.write_bytes(qdc_bytes(coded.store))
    book = read_qdc(path)
    original = coded.codebook()
    assert [(c.id, c.name, c.parent_id, c.description, c.inclusion, c.exclusion, c.example) for c in book.codes] == [
        (c.id, c.name, c.parent_id, c.description, c.inclusion, c.exclusion, c.example) for c in original.codes
    ]


def test_a_qdc_and_a_qdpx_of_ours_keep_keys_keywords_order_exclusive_groups_and_the_name(coded, tmp_path):
    """Loading our own .qdc changes nothing; a new project from it, or from our .qdpx, has the same codebook
    (keys, keywords, sibling order, exclusive groups), and a .qdc does not rename the project's codebook."""
    store = coded.store
    feedback = next(c for c in store.codebook.codes() if c.name == "Feedback")
    store.codebook.update(replace(feedback, exclusive=True))
    # a sibling order that is not alphabetical: Workload after Entrance and recruitment
    codes = {c.name: c for c in store.codebook.codes()}
    store.codebook.update(replace(codes["Workload"], position=99))
    store.settings.set("codebook_name", "Small study")

    def fields(book):
        return [(c.id, c.name, c.parent_id, c.key, c.keywords, c.exclusive, c.description) for c in book.codes]

    before = fields(coded.codebook())
    assert any(k for _i, _n, _p, k, *_ in before) and any(w for *_, w, _e, _d in before)
    path = tmp_path / "codebook.qdc"
    coded.export("qdc", path)
    assert coded.load_codebook(path) == {"added": 0, "updated": 0, "unchanged": len(before), "removed": 0}
    assert fields(coded.codebook()) == before
    assert store.settings.get("codebook_name") == "Small study", "a .qdc names no codebook: the name stays"
    fresh = Project.create(tmp_path / "fresh.qc", codebook=path)
    try:
        assert fields(fresh.codebook()) == before
    finally:
        fresh.close()
    coded.export("qdpx", tmp_path / "s.qdpx")
    back, _result = Project.import_qdpx(tmp_path / "s.qdpx", tmp_path / "back.qc")
    try:
        assert fields(back.codebook()) == before
    finally:
        back.close()


# -- the real samples ----------------------------------------------------------------


@needs_shared
def test_atlas_project_sample(tmp_path):
    result = import_qdpx(SAMPLES / "atlasti-win-23.2.3_target-atlas-project.qdpx", tmp_path / "a.qc")
    assert result.codes == 3 and result.transcripts == 0
    with Store(tmp_path / "a.qc") as store:
        codes = {c.name: c for c in store.codebook.codes()}
        parent = codes["Commits"]
        assert parent.id == "a182cd3a-d83c-4d8c-bc80-26d9103ec6d6", "GUIDs are stored lower-case"
        assert codes["2022-05-10T02:05:59Z 19e4dce"].parent_id == parent.id


@needs_shared
def test_nvivo_mac_sample_with_empty_texts(tmp_path):
    result = import_qdpx(SAMPLES / "nvivo-mac-15.0.0_nvivo_project.qdpx", tmp_path / "n.qc")
    assert result.codes == 262 and result.transcripts == 2
    with Store(tmp_path / "n.qc") as store:
        assert len(store.codebook.codes()) == 262
        programming = next(c for c in store.codebook.codes() if c.name == "programming")
        book = Project.open(tmp_path / "n.qc").codebook()
        assert book.path(programming.id) == "rq1_definition/competencies/programming"


@needs_shared
def test_atlas_codebook_sample(tmp_path):
    book = read_qdc(SAMPLES / "atlasti-win-23.4.0_codebook.qdc")
    [code] = book.codes
    assert (code.id, code.name, code.description, code.colour) == (
        "1ff58b12-6f6f-4b0c-8be5-bbdc91f55294",
        "code1",
        "description",
        "#46AA00",
    )
    result = run("init", str(tmp_path / "c.qc"), "--codebook", str(SAMPLES / "atlasti-win-23.4.0_codebook.qdc"))
    assert result.returncode == 0, result.stderr


# -- other tools' shapes -----------------------------------------------------------------


def _qdpx(path: Path, qde: str, files: dict[str, bytes], qde_name: str = "project.qde") -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(qde_name, qde)
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def _codings(path: Path) -> set[tuple[str, int, str]]:
    with Store(path) as store:
        names = {c.id: c.name for c in store.codebook.codes()}
        segments = {s.id: s.ordinal for s in store.transcripts.all_segments()}
        return {
            (coder, segments[s], names[c]) for coder in store.codings.coders() for s, c in store.codings.pairs(coder)
        }


TEXT = "Første avsnitt om skolen 😀 og æøå.\r\nAndre avsnitt: trappetrinn og møter.\r\nTredje avsnitt.\r\n"


def _positions(word: str, counting: str) -> tuple[int, int]:
    """Where a word is, counted the way a tool counts."""
    raw = TEXT
    i = raw.index(word)
    if counting == "utf16":
        start = len(raw[:i].encode("utf-16-le")) // 2
        return start, start + len(word.encode("utf-16-le")) // 2
    if counting == "crlf1":
        before = raw[:i].replace("\r\n", "\n")
        return len(before), len(before) + len(word.replace("\r\n", "\n"))
    return i, i + len(word)


@pytest.mark.parametrize(
    ("origin", "counting"),
    [("NVivo 14 for Windows", "utf16"), ("ATLAS.ti Windows 23", "crlf1"), ("QualCoder 3.5", "codepoints")],
)
def test_positions_follow_the_tool_and_do_not_drift(tmp_path, origin, counting):
    start, end = _positions("trappetrinn", counting)
    s2, e2 = _positions("møter.\r\nTredje", counting)
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="p" origin="{origin}">
 <Users><User guid="{{AAAAAAAA-0000-0000-0000-000000000001}}" name="Kari"/></Users>
 <CodeBook><Codes><Code guid="BBBBBBBB-0000-0000-0000-000000000001" name="Step-ladder" isCodable="true"/></Codes></CodeBook>
 <Sources><TextSource guid="CCCCCCCC-0000-0000-0000-000000000001" name="P8" plainTextPath="internal://CCCCCCCC-0000-0000-0000-000000000001.txt">
  <PlainTextSelection guid="DDDDDDDD-0000-0000-0000-000000000001" startPosition="{start}" endPosition="{end}" creatingUser="AAAAAAAA-0000-0000-0000-000000000001">
   <Coding guid="EEEEEEEE-0000-0000-0000-000000000001"><CodeRef targetGUID="BBBBBBBB-0000-0000-0000-000000000001"/></Coding>
  </PlainTextSelection>
  <PlainTextSelection guid="DDDDDDDD-0000-0000-0000-000000000002" startPosition="{s2}" endPosition="{e2}" creatingUser="AAAAAAAA-0000-0000-0000-000000000001">
   <Coding guid="EEEEEEEE-0000-0000-0000-000000000002"><CodeRef targetGUID="BBBBBBBB-0000-0000-0000-000000000001"/></Coding>
  </PlainTextSelection>
 </TextSource></Sources>
</Project>"""
    bom = b"\xef\xbb\xbf"
    path = _qdpx(tmp_path / "x.qdpx", qde, {"Sources/CCCCCCCC-0000-0000-0000-000000000001.txt": bom + TEXT.encode()})
    result = import_qdpx(path, tmp_path / "x.qc")
    assert result.counting == {"utf16": "utf16", "crlf1": "crlf_as_one", "codepoints": "codepoints"}[counting]
    with Store(tmp_path / "x.qc") as store:
        text = store.transcripts.all()[0].text
        spans = sorted((p.start, p.end) for p in store.codings.spans())
        assert [text[s:e] for s, e in spans] == ["trappetrinn", "møter.\nTredje"]
    # Paragraph segments: "trappetrinn" lies wholly inside paragraph 2 and counts for it; the span
    # across the break covers less than half of paragraph 2 and of paragraph 3, so it is dropped
    # (and kept as an exact span).
    assert _codings(tmp_path / "x.qc") == {("Kari", 2, "Step-ladder")}
    assert (result.exact, result.dropped) == (1, 1)


def test_flat_paths_folders_namespaces_and_memos(tmp_path):
    qde = f"""<?xml version="1.0"?>
<Project xmlns="{NS}" name="flat" origin="SomeTool">
 <Users><User guid="{{11111111-1111-1111-1111-111111111111}}" name="Ola"/></Users>
 <CodeBook><Codes>
  <Code guid="22222222-2222-2222-2222-222222222221" name="Feedback" isCodable="false">
   <Code guid="22222222-2222-2222-2222-222222222222" name="Barriers" isCodable="true"/>
  </Code>
  <Code guid="22222222-2222-2222-2222-222222222223" name="School role::Workload::Time pressure" isCodable="true">
   <Description>Not enough hours.

Include: Stress about time.</Description>
  </Code>
 </Codes></CodeBook>
 <Sources><TextSource guid="33333333-3333-3333-3333-333333333333" name="P2">
  <PlainTextContent>P2: One paragraph here.

P2: Another one there.</PlainTextContent>
  <PlainTextSelection guid="44444444-4444-4444-4444-444444444441" startPosition="0" endPosition="23" creatingUser="11111111-1111-1111-1111-111111111111">
   <Coding guid="55555555-5555-5555-5555-555555555551"><CodeRef targetGUID="22222222-2222-2222-2222-222222222222"/></Coding>
  </PlainTextSelection>
  <PlainTextSelection guid="44444444-4444-4444-4444-444444444442" startPosition="0" endPosition="23" creatingUser="11111111-1111-1111-1111-111111111111">
   <Coding guid="55555555-5555-5555-5555-555555555552"><CodeRef targetGUID="22222222-2222-2222-2222-222222222223"/></Coding>
   <NoteRef targetGUID="66666666-6666-6666-6666-666666666666"/>
  </PlainTextSelection>
  <PlainTextSelection guid="44444444-4444-4444-4444-444444444443" startPosition="25" endPosition="47" creatingUser="11111111-1111-1111-1111-111111111111">
   <Description>Only a memo here</Description>
  </PlainTextSelection>
 </TextSource></Sources>
 <Notes><Note guid="66666666-6666-6666-6666-666666666666" name="n"><PlainTextContent>Why I coded this</PlainTextContent></Note></Notes>
</Project>"""
    path = _qdpx(tmp_path / "f.qdpx", qde, {}, qde_name="My Study.qde")
    import_qdpx(path, tmp_path / "f.qc")
    project = Project.open(tmp_path / "f.qc")
    try:
        book = project.codebook()
        time = book.find("Time pressure")
        assert book.path(time.id) == "School role/Workload/Time pressure"
        assert (time.description, time.inclusion) == ("Not enough hours.", "Stress about time.")
        assert book.path(book.find("Barriers").id) == "Feedback/Barriers"
        # a folder stays a folder: not applied, and written back as isCodable="false"
        assert book.find("Feedback").codable is False and book.find("Barriers").codable is True
        qde = etree.fromstring(qdpx_files(project.store)["project.qde"])
        folder = next(c for c in qde.iter(f"{{{NS}}}Code") if c.get("name") == "Feedback")
        assert folder.get("isCodable") == "false"
        session = project.coding_session("Ola", project.transcripts()[0].id)
        with pytest.raises(BadInput, match="is a folder of codes"):
            session.toggle([0], book.find("Feedback").id)
        # neither selection is exactly a segment (the turns begin after "P2: "): the memos stay on the passages
        text = project.store.transcripts.all()[0].text
        memos = {text[a:b]: memo for (_t, a, b), memo in project.store.memos.passages_of("Ola").items()}
        assert memos == {"P2: One paragraph here.": "Why I coded this", "P2: Another one there.": "Only a memo here"}
    finally:
        project.close()
    assert _codings(tmp_path / "f.qc") == {("Ola", 1, "Barriers"), ("Ola", 1, "Time pressure")}


@pytest.mark.parametrize(
    "namespace", ["urn:QDA-XML:codebook:1.0", "urn:QDA-XML:codebook:1:0", "urn:QDA-XML:codebook:0:4"]
)
def test_codebook_namespaces(tmp_path, namespace):
    path = tmp_path / "c.qdc"
    path.write_text(
        f'<CodeBook xmlns="{namespace}"><Codes><Code guid="{{ABCDEFAB-0000-0000-0000-000000000001}}" name="A" '
        'isCodable="true"><Code guid="abcdefab-0000-0000-0000-000000000002" name="B" isCodable="true"/></Code>'
        "</Codes></CodeBook>",
        encoding="utf-8",
    )
    book = read_qdc(path)
    assert [(c.name, c.parent_id) for c in book.codes] == [("A", None), ("B", "abcdefab-0000-0000-0000-000000000001")]


# -- unsafe or broken files ----------------------------------------------------------------------


def _refused(tmp_path: Path, path: Path, message: str) -> None:
    out = tmp_path / "out.qc"
    result = run("import", "qdpx", str(path), "-o", str(out))
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert not out.exists()


def test_path_traversal_is_refused(tmp_path):
    path = _qdpx(tmp_path / "t.qdpx", f'<Project xmlns="{NS}" name="x"/>', {"../../etc/evil.txt": b"x"})
    _refused(tmp_path, path, "member '../../etc/evil.txt' points outside the archive")


def test_zip_bomb_is_refused(tmp_path):
    path = tmp_path / "b.qdpx"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("project.qde", f'<Project xmlns="{NS}" name="x"/>')
        archive.writestr("sources/big.txt", b"\0" * (20 * 1024**2))
    _refused(tmp_path, path, "unpacks")


def test_entity_expansion_is_refused(tmp_path):
    qde = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
        f'<Project xmlns="{NS}" name="&lol2;"/>'
    )
    _refused(tmp_path, _qdpx(tmp_path / "e.qdpx", qde, {}), "DOCTYPE")


def test_broken_zip_and_missing_parts(tmp_path):
    broken = tmp_path / "broken.qdpx"
    broken.write_bytes(b"PK\x03\x04 not really a zip")
    _refused(tmp_path, broken, "is not a zip archive")
    _refused(tmp_path, _qdpx(tmp_path / "n.qdpx", "", {}, qde_name="readme.txt"), "has no .qde project file")
    _refused(tmp_path, _qdpx(tmp_path / "m.qdpx", "<Project", {}), "is not well-formed XML")
    qde = (
        f'<Project xmlns="{NS}" name="x"><Sources><TextSource guid="33333333-3333-3333-3333-333333333333" '
        'plainTextPath="internal://missing.txt"/></Sources></Project>'
    )
    _refused(tmp_path, _qdpx(tmp_path / "s.qdpx", qde, {}), "has neither PlainTextContent nor a plainTextPath")


def test_export_commands(coded, tmp_path):
    coded.close()
    assert run("export", "qdpx", str(coded.path), "-o", str(tmp_path / "s.qdpx")).returncode == 0
    assert run("export", "qdc", str(coded.path), "-o", str(tmp_path / "s.qdc")).returncode == 0
    again = run("import", "qdpx", str(tmp_path / "s.qdpx"), "-o", str(tmp_path / "s2.qc"))
    assert again.returncode == 0 and "selections: 6 on one segment, 0 over several, 0 on none" in again.stdout
    exists = run("import", "qdpx", str(tmp_path / "s.qdpx"), "-o", str(tmp_path / "s2.qc"))
    assert exists.returncode == 2 and "already exists" in exists.stderr
    with pytest.raises(BadInput):
        read_qdc(tmp_path / "s.qdpx")


# -- an NVivo for Windows project, generated: every (text, code) pair survives two trips ----------------

WINDOWS_TEXT = (
    "Første avsnitt om skolen 😀 og æøå, med «sitater» og 👩‍👩‍👧 familien.\r\n"
    "Andre avsnitt: trappetrinn 🪜 og møter hver tirsdag.\r\n"
    "\r\n"
    "Tredje avsnitt, der lærer og foresatte ble enige 👍 om planen.\r\n"
    "Fjerde: vi manglet penger 💸 til en assistent, dessverre.\r\n"
)


def _utf16(text: str, at: int) -> int:
    return len(text[:at].encode("utf-16-le")) // 2


@given(
    picks=st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(1, 12), st.sampled_from([1, 2, 3]), st.sampled_from([1, 2])),
        min_size=1,
        max_size=25,
    )
)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_an_nvivo_windows_project_keeps_every_text_code_pair_through_import_export_import(tmp_path_factory, picks):
    """Selections on word boundaries (as a coder makes them) in UTF-16 code units with CRLF counted as
    two, a byte-order mark and emoji; several codes and users, one selection per code as NVivo writes."""
    tmp = tmp_path_factory.mktemp("nvivo")
    words = [m.span() for m in re.finditer(r"\S+", WINDOWS_TEXT)]
    selections, expected = [], set()
    for i, (first, length, code, user) in enumerate(picks):
        a = first % len(words)
        b = min(a + length - 1, len(words) - 1)
        start, end = words[a][0], words[b][1]
        selections.append(
            f'<PlainTextSelection guid="DDDDDDDD-0000-0000-0000-{i:012d}" startPosition="{_utf16(WINDOWS_TEXT, start)}" '
            f'endPosition="{_utf16(WINDOWS_TEXT, end)}" creatingUser="AAAAAAAA-0000-0000-0000-00000000000{user}">'
            f'<Coding guid="EEEEEEEE-0000-0000-0000-{i:012d}"><CodeRef targetGUID="BBBBBBBB-0000-0000-0000-00000000000{code}"/>'
            "</Coding></PlainTextSelection>"
        )
        expected.add((f"user{user}", f"code{code}", WINDOWS_TEXT[start:end].replace("\r\n", "\n")))
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="p" origin="NVivo 14 for Windows">
 <Users><User guid="AAAAAAAA-0000-0000-0000-000000000001" name="user1"/><User guid="AAAAAAAA-0000-0000-0000-000000000002" name="user2"/></Users>
 <CodeBook><Codes>{"".join(f'<Code guid="BBBBBBBB-0000-0000-0000-00000000000{c}" name="code{c}" isCodable="true"/>' for c in (1, 2, 3))}</Codes></CodeBook>
 <Sources><TextSource guid="CCCCCCCC-0000-0000-0000-000000000001" name="P8" plainTextPath="internal://CCCCCCCC-0000-0000-0000-000000000001.txt">
 {"".join(selections)}
 </TextSource></Sources>
</Project>"""
    source = _qdpx(
        tmp / "nvivo.qdpx",
        qde,
        {"Sources/CCCCCCCC-0000-0000-0000-000000000001.txt": b"\xef\xbb\xbf" + WINDOWS_TEXT.encode()},
    )

    def pairs(path: Path) -> set[tuple[str, str, str]]:
        with Store(path) as store:
            text = store.transcripts.all()[0].text
            names = {c.id: c.name for c in store.codebook.codes()}
            segments = {s.id: s for s in store.transcripts.all_segments()}
            out = {(p.coder, names[p.code_id], text[p.start : p.end]) for p in store.codings.spans()}
            for coder in store.codings.coders():
                for segment_id, code_id in store.codings.whole_segment_pairs(coder):
                    s = segments[segment_id]
                    out.add((coder, names[code_id], text[s.start : s.end]))
            return out

    assert import_qdpx(source, tmp / "first.qc").counting == "utf16"
    assert pairs(tmp / "first.qc") == expected
    with Store(tmp / "first.qc") as store:
        write_qdpx(store, tmp / "ours.qdpx")
    import_qdpx(tmp / "ours.qdpx", tmp / "second.qc")
    assert pairs(tmp / "second.qc") == expected


def test_case_coding_and_what_is_not_taken_are_reported_not_fatal(tmp_path):
    """NVivo codes a source with its Case; a Set, a picture source and a coding of a whole source are named."""
    text = "P9: We started in March.\n\nP9: It went well."
    qde = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="p" origin="NVivo 14 for Windows">
 <Users><User guid="AAAAAAAA-0000-0000-0000-000000000001" name="Kari"/></Users>
 <CodeBook><Codes><Code guid="BBBBBBBB-0000-0000-0000-000000000001" name="Start" isCodable="true"/></Codes>
 </CodeBook>
 <Cases><Case guid="DDDDDDDD-0000-0000-0000-000000000009" name="P9"/></Cases>
 <Sources>
  <TextSource guid="CCCCCCCC-0000-0000-0000-000000000001" name="Interview 9">
   <PlainTextContent>{text}</PlainTextContent>
   <PlainTextSelection guid="EEEEEEEE-0000-0000-0000-000000000001" startPosition="0" endPosition="{len(text)}"
     creatingUser="AAAAAAAA-0000-0000-0000-000000000001">
    <Coding guid="FFFFFFFF-0000-0000-0000-000000000001"><CodeRef targetGUID="DDDDDDDD-0000-0000-0000-000000000009"/></Coding>
   </PlainTextSelection>
   <PlainTextSelection guid="EEEEEEEE-0000-0000-0000-000000000002" startPosition="4" endPosition="24"
     creatingUser="AAAAAAAA-0000-0000-0000-000000000001">
    <Coding guid="FFFFFFFF-0000-0000-0000-000000000002"><CodeRef targetGUID="BBBBBBBB-0000-0000-0000-000000000001"/></Coding>
   </PlainTextSelection>
  </TextSource>
  <PictureSource guid="CCCCCCCC-0000-0000-0000-000000000002" name="photo" path="internal://x.png"/>
 </Sources>
 <Links><Link guid="77777777-0000-0000-0000-000000000001" name="see" originGUID="BBBBBBBB-0000-0000-0000-000000000001"
   targetGUID="CCCCCCCC-0000-0000-0000-000000000001"/></Links>
 <Sets><Set guid="99999999-0000-0000-0000-000000000001" name="group"/></Sets>
 <Graphs><Graph guid="88888888-0000-0000-0000-000000000001" name="map"/></Graphs>
</Project>"""
    path = _qdpx(tmp_path / "n.qdpx", qde, {})
    result = import_qdpx(path, tmp_path / "n.qc")
    assert "1 codings on cases (case coding): their transcripts went to those cases as participants" in result.notes
    assert "not taken: 1 picture sources, 1 links, 1 graphs" in result.notes
    assert "not taken: 1 picture sources, 1 links, 1 graphs" in result.describe()
    assert result.not_taken == {"picture sources": 1, "links": 1, "graphs": 1}
    assert result.kept == {"code groups": 1}, "a Set becomes a code group"
    with Store(tmp_path / "n.qc") as store:
        [transcript] = store.transcripts.all()
        assert transcript.participant == "P9"
        coded = [transcript.text[p.start : p.end] for p in store.codings.spans("Kari")]
        segments = {s.id: s for s in store.transcripts.segments(transcript.id)}
        coded += [
            transcript.text[segments[s].start : segments[s].end] for s, _c in store.codings.whole_segment_pairs("Kari")
        ]
        assert coded == ["We started in March."], "the case coding is no code; the other coding is kept"
        # written back, the user and the source keep the GUIDs they came with
        qde = etree.fromstring(qdpx_files(store)["project.qde"])
        assert [u.get("guid") for u in qde.iter(f"{{{NS}}}User")] == ["aaaaaaaa-0000-0000-0000-000000000001"]
        assert [t.get("guid") for t in qde.iter(f"{{{NS}}}TextSource")] == ["cccccccc-0000-0000-0000-000000000001"]


def test_a_date_attribute_travels_as_a_date(coded, tmp_path):
    root = etree.fromstring(qdpx_files(coded.store)["project.qde"])
    [variable] = [v for v in root.iter(f"{{{NS}}}Variable") if v.get("name") == "interviewed"]
    assert variable.get("typeOfVariable") == "Date"
    assert [e.text for e in root.iter(f"{{{NS}}}DateValue")] == ["2026-03-04"]
    write_qdpx(coded.store, tmp_path / "s.qdpx")
    import_qdpx(tmp_path / "s.qdpx", tmp_path / "back.qc")
    with Store(tmp_path / "back.qc") as back:
        assert back.participants.all()[0].attributes["interviewed"] == "2026-03-04"


def test_our_own_round_trip_keeps_segments_cue_times_file_names_stars_and_done_marks(tmp_path):
    vtt = tmp_path / "P3_interview.vtt"
    vtt.write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n<v Interviewer>How did it start?\n\n"
        "00:00:04.500 --> 00:00:09.000\n<v P3>With a meeting at school.\n\n"
        "00:00:09.000 --> 00:00:12.250\n<v P3>Then the plan.\n",
        encoding="utf-8",
    )
    project = Project.create(tmp_path / "v.qc", codebook=REPO / "codebooks" / "back2school.yaml")
    project.import_files([vtt])
    store = project.store
    transcript = store.transcripts.all()[0]
    before = [
        (s.start, s.end, s.speaker, s.media_start_ms, s.media_end_ms) for s in store.transcripts.segments(transcript.id)
    ]
    second = store.transcripts.segments(transcript.id)[1]
    workload = project.codebook().find("Workload").id
    store.codings.add(second.id, workload, "alice")
    store.codings.set_starred(second.id, workload, "alice", True)
    store.codings.add_span(transcript.id, second.start, second.start + 6, workload, "alice")
    store.codings.set_span_starred(transcript.id, second.start, second.start + 6, workload, "alice", True)
    store.codings.mark_done([transcript.id], "alice")
    store.codings.add_span(transcript.id, second.start, second.start + 10, workload, "bob")
    resolution = project.resolution("alice", "bob", "carol")
    resolution.decide(0, "b", note="bob's extent")
    decided = store.decisions.between("alice", "bob")
    project.export("qdpx", tmp_path / "v.qdpx")
    project.close()
    import_qdpx(tmp_path / "v.qdpx", tmp_path / "back.qc")
    with Store(tmp_path / "back.qc") as back:
        [t] = back.transcripts.all()
        assert t.source == "P3_interview.vtt"
        after = [(s.start, s.end, s.speaker, s.media_start_ms, s.media_end_ms) for s in back.transcripts.segments(t.id)]
        assert after == before, "segments, speakers and cue times as they were"
        assert {c for _s, c in back.codings.starred("alice", t.id)} == {workload}
        assert [p.starred for p in back.codings.spans("alice")] == [1]
        assert back.codings.done("alice") == {t.id}
        again = back.decisions.between("alice", "bob")
        assert [(d.lead, d.choice, d.codes, d.note, d.decided_at, d.spans) for d in again] == [
            (d.lead, d.choice, d.codes, d.note, d.decided_at, d.spans) for d in decided
        ], "the lead's decisions, on the same passages"
        ordinal = {s.id: s.ordinal for s in back.transcripts.segments(t.id)}
        assert [ordinal[d.segment_id] for d in again] == [second.ordinal], "and on the same segment"
