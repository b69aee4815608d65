"""REFI-QDA: what another tool's project holds that qualcode has no field for comes back on export, item by item;
code groups (Sets) in codebooks and projects; the samples of real tools round-tripped."""

from __future__ import annotations

import json
import zipfile

import pytest
from lxml import etree

from qualcode.core.errors import BadInput
from qualcode.core.exchange.refi_write import qdc_bytes, qdpx_files, write_qdpx
from qualcode.core.formats import load_codebook_file
from qualcode.core.project import Project
from qualcode.core.store import Store
from tests.core.refi_items import archive_items
from tests.core.test_cli import run
from tests.core.test_refi import NS, SAMPLES, _qdpx, _schema, import_qdpx, needs_shared

TEXT = "line one\nline two about the school\nline three\n"
U1, U2 = "aaaaaaaa-0000-0000-0000-000000000001", "aaaaaaaa-0000-0000-0000-000000000002"
C1, C2, C3 = (f"bbbbbbbb-0000-0000-0000-00000000000{i}" for i in (1, 2, 3))
S1 = "cccccccc-0000-0000-0000-000000000001"
V1, V2 = "dddddddd-0000-0000-0000-000000000001", "dddddddd-0000-0000-0000-000000000002"
N = [f"eeeeeeee-0000-0000-0000-00000000000{i}" for i in range(1, 7)]
CASE = "ffffffff-0000-0000-0000-000000000001"
SET = "99999999-0000-0000-0000-000000000001"


def _everything() -> str:
    """A project as another tool writes one, with every part qualcode has no field for."""
    start, end = TEXT.index("line two"), TEXT.index("line three")
    return f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="{NS}" name="Their study" origin="QualCoder 3.6" creatingUserGUID="{U1}"
  creationDateTime="2025-01-02T03:04:05Z" basePath="C:/studies">
 <Users><User guid="{U1}" name="Kari" id="KN"/><User guid="{U2}" name="Ola" id="OL"/></Users>
 <CodeBook><Codes>
  <Code guid="{C1}" name="School" isCodable="false" color="#AA0000"><Description>The school's part</Description>
   <NoteRef targetGUID="{N[0]}"/>
   <Code guid="{C2}" name="Workload" isCodable="true"/>
   <Code guid="{C3}" name="Meetings" isCodable="true"/>
  </Code></Codes></CodeBook>
 <Variables>
  <Variable guid="{V1}" name="age" typeOfVariable="Integer"><Description>in years</Description></Variable>
  <Variable guid="{V2}" name="recorded" typeOfVariable="Date"/>
 </Variables>
 <Cases><Case guid="{CASE}" name="P1"><Description>a teacher</Description><CodeRef targetGUID="{C2}"/>
  <VariableValue><VariableRef targetGUID="{V1}"/><IntegerValue>41</IntegerValue></VariableValue>
  <SourceRef targetGUID="{S1}"/></Case></Cases>
 <Sources>
  <TextSource guid="{S1}" name="Interview 1" creatingUser="{U1}" modifyingUser="{U2}"
    modifiedDateTime="2025-02-03T04:05:06Z">
   <Description>first interview</Description>
   <PlainTextContent>{TEXT}</PlainTextContent>
   <PlainTextSelection guid="12121212-0000-0000-0000-000000000001" name="line:2" startPosition="{start}"
     endPosition="{end}" creatingUser="{U1}">
    <Coding guid="13131313-0000-0000-0000-000000000001" creatingUser="{U1}"><CodeRef targetGUID="{C2}"/>
     <NoteRef targetGUID="{N[4]}"/></Coding>
    <Coding guid="13131313-0000-0000-0000-000000000002" creatingUser="{U1}"><CodeRef targetGUID="{C3}"/></Coding>
   </PlainTextSelection>
   <Coding guid="13131313-0000-0000-0000-000000000003" creatingUser="{U2}"><CodeRef targetGUID="{C3}"/></Coding>
   <NoteRef targetGUID="{N[1]}"/>
   <VariableValue><VariableRef targetGUID="{V2}"/><DateValue>2025-01-01</DateValue></VariableValue>
  </TextSource>
 </Sources>
 <Notes>
  <Note guid="{N[0]}" name="code memo" creatingUser="{U1}"><PlainTextContent>about the code</PlainTextContent></Note>
  <Note guid="{N[1]}" name="source memo"><PlainTextContent>about the interview</PlainTextContent></Note>
  <Note guid="{N[2]}" name="journal"><PlainTextContent>a free memo</PlainTextContent></Note>
  <Note guid="{N[3]}" name="project memo"><PlainTextContent>about the study</PlainTextContent></Note>
  <Note guid="{N[4]}" name="coding memo"><PlainTextContent>Kari on this coding</PlainTextContent></Note>
 </Notes>
 <Sets><Set guid="{SET}" name="Burden"><Description>what weighs</Description><MemberCode targetGUID="{C2}"/>
  <MemberSource targetGUID="{S1}"/><MemberNote targetGUID="{N[2]}"/></Set></Sets>
 <Description>A study of schools.</Description>
 <NoteRef targetGUID="{N[3]}"/>
</Project>"""


def _expected_changes(before: dict, after: dict) -> None:
    """What an export may change: the coding of the whole source becomes a selection over the whole text, and
    the coding memo (a Note on the Coding) becomes the selection's memo; nothing else."""
    whole = {s for s in after["selections"] if s[1] == 0 and s[2] == len(TEXT)}
    assert {(s[3], s[5]) for s in whole} == {(U2, C3)}
    assert after["selections"] - whole == {
        (S1, TEXT.index("line two"), TEXT.index("line three"), U1, "line:2", C2, "Kari on this coding"),
        (S1, TEXT.index("line two"), TEXT.index("line three"), U1, "line:2", C3, ""),
    }
    for kind in before:
        if kind != "selections":
            assert after[kind] == before[kind], kind


def test_another_tools_parts_come_back_on_export(tmp_path):
    source = _qdpx(tmp_path / "theirs.qdpx", _everything(), {})
    result = import_qdpx(source, tmp_path / "p.qc")
    assert result.kept == {
        "code groups": 1,
        "project description": 1,
        "notes (project, codes, sources, free)": 4,
        "source descriptions": 1,
        "source variable values": 1,
        "case descriptions": 1,
        "selection names": 1,
    }
    assert result.not_taken == {}
    before = archive_items(source)
    with Store(tmp_path / "p.qc") as store:
        # the whole-source coding is a span over the whole text; the coding memo is the passage's memo
        assert [(s.start, s.end) for s in store.codings.spans("Ola")] == [(0, len(TEXT))]
        assert "Kari on this coding" in "".join(store.memos.passages_of("Kari", store.transcripts.all()[0].id).values())
        write_qdpx(store, tmp_path / "ours.qdpx")
    after = archive_items(tmp_path / "ours.qdpx")
    _expected_changes(before, after)
    # and once more through qualcode: the same items, and the same file
    import_qdpx(tmp_path / "ours.qdpx", tmp_path / "again.qc")
    with Store(tmp_path / "again.qc") as store:
        write_qdpx(store, tmp_path / "again.qdpx")
    assert archive_items(tmp_path / "again.qdpx") == after


@needs_shared
def test_another_tools_parts_written_back_are_valid_against_the_schema(tmp_path):
    import_qdpx(_qdpx(tmp_path / "theirs.qdpx", _everything(), {}), tmp_path / "p.qc")
    with Store(tmp_path / "p.qc") as store:
        qde = etree.fromstring(qdpx_files(store)["project.qde"])
    schema = _schema("Project-mrt2019.xsd")
    assert schema.validate(qde), schema.error_log
    assert qde.find(f"{{{NS}}}Sets") is not None and qde.find(f"{{{NS}}}Notes") is not None, "what is checked"


def test_the_import_summary_names_what_is_kept_and_what_is_not(tmp_path):
    qde = _everything().replace(
        "</Sources>", '<AudioSource guid="cccccccc-0000-0000-0000-000000000009" name="a"/></Sources>'
    )
    source = _qdpx(tmp_path / "theirs.qdpx", qde, {})
    result = run("import", "qdpx", str(source), "-o", str(tmp_path / "p.qc"), "--format", "json")
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["not_taken"] == {"audio sources": 1}
    assert summary["kept"]["code groups"] == 1 and summary["transcripts"] == 1
    text = run("import", "qdpx", str(source), "-o", str(tmp_path / "q.qc"))
    assert "not taken: 1 audio sources" in text.stdout
    assert "kept for export (no field of qualcode's own): 1 code groups, 1 project description" in text.stdout


def test_kept_parts_pass_the_publication_boundary(tmp_path):
    source = _qdpx(tmp_path / "theirs.qdpx", _everything().replace("a free memo", "Janne said so"), {})
    import_qdpx(source, tmp_path / "p.qc")
    project = Project.open(tmp_path / "p.qc")
    try:
        project.store.pseudonyms.set("Janne", "[student]", confirmed=True)
        qde = qdpx_files(project.store)["project.qde"].decode("utf-8")
    finally:
        project.close()
    assert "Janne" not in qde and "[student] said so" in qde


# -- code groups ----------------------------------------------------------------------

BOOK = """name: Study
codes:
  - name: School
    children:
      - name: Workload
      - name: Meetings
  - name: Home
    children:
      - name: Homework
groups:
  - name: Burden
    description: what weighs on people
    codes: [School/Workload, Homework]
"""


def test_code_groups_travel_through_yaml_qdc_and_qdpx(tmp_path):
    (tmp_path / "book.yaml").write_text(BOOK, encoding="utf-8")
    book = load_codebook_file(tmp_path / "book.yaml")
    [group] = book.groups
    assert (group.name, group.description, [book.get(c).name for c in group.codes]) == (
        "Burden",
        "what weighs on people",
        ["Workload", "Homework"],
    )
    assert run("init", str(tmp_path / "s.qc"), "--codebook", str(tmp_path / "book.yaml")).returncode == 0
    shown = run("codebook", "show", str(tmp_path / "s.qc"))
    assert "group Burden: Workload, Homework" in shown.stdout
    with Store(tmp_path / "s.qc") as store:
        qdc = etree.fromstring(qdc_bytes(store))
        [element] = qdc.iter("{urn:QDA-XML:codebook:1.0}Set")
        assert element.get("name") == "Burden"
        members = [m.get("guid") for m in element if etree.QName(m).localname == "MemberCode"]
        assert members == list(group.codes) and element.get("guid") == group.id
        (tmp_path / "book.qdc").write_bytes(qdc_bytes(store))
        write_qdpx(store, tmp_path / "s.qdpx")
    # the .qdc loads back with its group unchanged; a YAML without groups leaves them alone
    load = run("codebook", "load", str(tmp_path / "s.qc"), str(tmp_path / "book.qdc"))
    assert "0 added, 0 updated, 5 unchanged, 0 removed; 1 code groups" in load.stdout, load.stdout
    (tmp_path / "plain.yaml").write_text(BOOK.split("groups:")[0], encoding="utf-8")
    assert run("codebook", "load", str(tmp_path / "s.qc"), str(tmp_path / "plain.yaml")).returncode == 0
    back, _ = Project.import_qdpx(tmp_path / "s.qdpx", tmp_path / "back.qc")
    try:
        for project in (back, Project.open(tmp_path / "s.qc")):
            [g] = project.codebook().groups
            assert (g.name, [project.codebook().get(c).name for c in g.codes]) == ("Burden", ["Workload", "Homework"])
            assert "groups:\n- name: Burden" in project.codebook().to_yaml()
            if project is not back:
                project.close()
    finally:
        back.close()


@needs_shared
def test_a_codebook_with_groups_is_valid_against_the_schema(tmp_path):
    (tmp_path / "book.yaml").write_text(BOOK, encoding="utf-8")
    assert run("init", str(tmp_path / "s.qc"), "--codebook", str(tmp_path / "book.yaml")).returncode == 0
    with Store(tmp_path / "s.qc") as store:
        qdc = etree.fromstring(qdc_bytes(store))
    schema = _schema("Codebook-mrt2019.xsd")
    assert schema.validate(qdc), schema.error_log
    assert qdc.find("{urn:QDA-XML:codebook:1.0}Sets") is not None


def test_a_merged_code_keeps_its_place_in_groups(tmp_path):
    (tmp_path / "book.yaml").write_text(BOOK, encoding="utf-8")
    run("init", str(tmp_path / "s.qc"), "--codebook", str(tmp_path / "book.yaml"))
    project = Project.open(tmp_path / "s.qc")
    try:
        project.merge_codes("Homework", "Meetings")
        book = project.codebook()
        [g] = book.groups
        assert [book.get(c).name for c in g.codes] == ["Workload", "Meetings"]
        project.delete_code("Workload")
        [g] = project.codebook().groups
        assert [project.codebook().get(c).name for c in g.codes] == ["Meetings"]
    finally:
        project.close()


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ("groups:\n  - name: X\n    codes: [Nowhere]\n", "line 12: group 'X' names 'Nowhere', which is not a code"),
        ("groups:\n  - codes: [Homework]\n", "line 11: each group must be a mapping with a 'name'"),
        ("groups:\n  - name: X\n  - name: x\n", "line 12: two groups named 'x'"),
        ("groups:\n  - name: X\n    colour: red\n", "line 11: unknown field 'colour' in a group"),
        ("groups: Burden\n", "line 10: 'groups' must be a list"),
    ],
)
def test_bad_groups_are_refused_naming_the_line(tmp_path, groups, message):
    path = tmp_path / "book.yaml"
    path.write_text(BOOK.split("groups:")[0] + groups, encoding="utf-8")
    with pytest.raises(BadInput, match=message):
        load_codebook_file(path)
    result = run("init", str(tmp_path / "s.qc"), "--codebook", str(path))
    assert result.returncode == 2 and message.split(": ", 1)[1].split("'")[0] in result.stderr
    assert not (tmp_path / "s.qc").exists()


# -- the real samples -----------------------------------------------------------------


@needs_shared
@pytest.mark.parametrize(
    "sample", ["atlasti-win-23.2.3_target-atlas-project.qdpx", "nvivo-mac-15.0.0_nvivo_project.qdpx"]
)
def test_samples_come_back_item_by_item(tmp_path, sample):
    before = archive_items(SAMPLES / sample)
    result = import_qdpx(SAMPLES / sample, tmp_path / "s.qc")
    with Store(tmp_path / "s.qc") as store:
        write_qdpx(store, tmp_path / "s.qdpx")
        assert _schema("Project-mrt2019.xsd").validate(etree.fromstring(qdpx_files(store)["project.qde"]))
    after = archive_items(tmp_path / "s.qdpx")
    for kind in before:
        assert after[kind] == before[kind], kind
    # NVivo's .docx copies of its sources are the one thing not taken, and the summary says so
    with zipfile.ZipFile(SAMPLES / sample) as z:
        docx = sum(1 for n in z.namelist() if n.endswith(".docx"))
    assert result.not_taken == ({"rich-text copies of sources": docx} if docx else {})


@needs_shared
def test_the_atlas_codebook_sample_keeps_its_set(tmp_path):
    source = SAMPLES / "atlasti-win-23.4.0_codebook.qdc"
    assert run("init", str(tmp_path / "c.qc"), "--codebook", str(source)).returncode == 0
    with Store(tmp_path / "c.qc") as store:
        ours = etree.fromstring(qdc_bytes(store))
    theirs = etree.parse(str(source)).getroot()

    def sets(root: etree._Element) -> list[tuple[str, str, list[str]]]:
        return [
            (
                s.get("guid").lower(),
                s.get("name"),
                [m.get("guid").lower() for m in s if etree.QName(m).localname == "MemberCode"],
            )
            for s in root.iter()
            if etree.QName(s).localname == "Set"
        ]

    assert sets(ours) == sets(theirs) and sets(theirs)
    assert _schema("Codebook-mrt2019.xsd").validate(ours)
