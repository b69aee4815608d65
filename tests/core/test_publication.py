"""The publication boundary: no form of a confirmed name in anything written for readers outside the team.

A project whose every field carries confirmed names (codebook name, code
names and descriptions, transcript name and text, participant attributes,
memos), in several spellings: upper and lower case, decomposed Unicode, joined
by ``_``, compounded, split over a line break. Every export format, and every
table the command line writes as a file or as CSV/JSON, is read back unpacked
and searched for any form of any name.
"""

from __future__ import annotations

import json
import re
import unicodedata
import zipfile
from pathlib import Path

import pytest

from qualcode.core.project import Project
from tests.core.test_cli import run

CODEBOOK = """\
name: Study at Nordbyskolen with Marit
codes:
  - name: Marit's worries
    key: 1
    description: What Marit Hansen worries about.
    children:
      - name: Workload
        key: 2
        description: Extra work, as MARIT says.
      - name: Feedback
        key: 3
"""

NFD_ASE = unicodedata.normalize("NFD", "Åse")
TEXT = (
    "Interviewer: Hello, MARIT. Tell me about the school.\n\n"
    "P1: I am marit, I teach at Nordbyskolen with Marit\nHansen. Marit_Hansen is my colleague.\n\n"
    f"Interviewer: And {NFD_ASE}?\n\n"
    "P1: Åse helps at Nordby school. The workload is heavy; Marit's feedback helps.\n"
)

FORMS = re.compile(r"marit|hansen|nordby|åse|" + re.escape(NFD_ASE.lower()), re.IGNORECASE)


@pytest.fixture
def leaky(tmp_path: Path) -> Project:
    book = tmp_path / "book.yaml"
    book.write_text(CODEBOOK, encoding="utf-8")
    transcript = tmp_path / "Marit_interview.txt"
    transcript.write_text(TEXT, encoding="utf-8")
    people = tmp_path / "people.csv"
    people.write_text("id,mentor,school\nP1,Marit Hansen,Nordbyskolen\n", encoding="utf-8")
    project = Project.create(tmp_path / "study.qc", codebook=book)
    project.import_files([transcript], participant="P1")
    project.attach_participants(people)
    for original, replacement, prefix in (
        ("Marit Hansen", "[teacher]", False),
        ("Marit", "[teacher]", False),
        ("Nordby", "[school]", True),
        (NFD_ASE, "[colleague]", False),
    ):
        project.set_pseudonym(original, replacement, prefix=prefix)
    book_ = project.codebook()
    worries, workload = book_.find("Marit's worries").id, book_.find("Workload").id
    segments = project.segments(project.transcripts()[0].id)
    for coder, picks in (("alice", [1, 3]), ("bob", [1]), ("consensus", [1, 3])):
        session = project.coding_session(coder, project.transcripts()[0].id)
        session.toggle(picks, workload)
        session.toggle([3], worries)
        session.set_memo(1, f"Ask Marit about it; {coder}")
    assert len(segments) == 4
    yield project
    project.close()


def _texts(path: Path) -> list[tuple[str, str]]:
    """Every readable text in a file or folder, archives unpacked, as (where, text)."""
    if path.is_dir():
        return [t for child in sorted(path.iterdir()) for t in _texts(child)]
    data = path.read_bytes()
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            out = []
            for member in archive.namelist():
                raw = archive.read(member)
                if member.endswith((".xml", ".rels", ".qde", ".txt", ".qdc")):
                    text = raw.decode("utf-8", errors="replace")
                    out.append((f"{path.name}:{member}", re.sub(r"<[^>]+>", " ", text)))
            return out
    return [(path.name, data.decode("utf-8", errors="replace"))]


def _leaks(texts: list[tuple[str, str]]) -> list[str]:
    found = []
    for where, text in texts:
        for candidate in (text, unicodedata.normalize("NFC", text)):
            m = FORMS.search(candidate)
            if m:
                found.append(f"{where}: …{candidate[max(0, m.start() - 30) : m.end() + 30]!r}…")
                break
    return found


def test_the_project_itself_keeps_the_names(leaky):
    assert "Marit" in leaky.transcript(leaky.transcripts()[0].id).text
    assert "Marit" in leaky.codebook().find("Marit's worries").name


@pytest.mark.parametrize(
    ("fmt", "target", "tables"),
    [
        ("docx", "report.docx", "theme,matrix,quotes,codebook,agreement,frequencies,network"),
        ("xlsx", "tables.xlsx", "theme,matrix,quotes,codebook,agreement,frequencies"),
        ("csv", "tables", "theme,matrix,quotes,codebook,agreement,frequencies"),
        ("graphml", "codes.graphml", None),
        ("qdpx", "study.qdpx", None),
        ("qdc", "book.qdc", None),
    ],
)
def test_no_export_holds_a_confirmed_name(leaky, tmp_path, fmt, target, tables):
    path = str(leaky.path)
    leaky.close()
    out = tmp_path / target
    args = ["export", fmt, path, "-o", str(out), "--bootstrap", "0"]
    if tables:
        args += ["--tables", tables, "--agreement", "alice", "bob"]
    result = run(*args)
    assert result.returncode == 0, result.stderr
    texts = _texts(out)
    assert texts and any("[teacher]" in t for _w, t in texts)
    assert _leaks(texts) == []


@pytest.mark.parametrize(
    "args",
    [
        ["freq", "{p}", "--format", "csv"],
        ["freq", "{p}", "-o", "{out}/freq.csv"],
        ["freq", "{p}", "--by", "mentor", "--format", "csv"],
        ["search", "{p}", "school", "--format", "csv"],
        ["search", "{p}", "school", "--format", "json"],
        ["agree", "{p}", "--coders", "alice", "bob", "--format", "csv", "--bootstrap", "0"],
        ["agree", "{p}", "--coders", "alice", "bob", "--format", "json", "--bootstrap", "0"],
    ],
)
def test_tables_written_as_files_or_csv_json_hold_no_name(leaky, tmp_path, args):
    path = str(leaky.path)
    leaky.close()
    result = run(*[a.replace("{p}", path).replace("{out}", str(tmp_path)) for a in args])
    assert result.returncode == 0, result.stderr
    texts = [("stdout", result.stdout)]
    if "-o" in args:
        texts += _texts(tmp_path / "freq.csv")
    assert _leaks(texts) == []
    if args[-1] == "json" or "json" in args:
        json.loads(result.stdout)


def test_internal_exchange_keeps_the_real_text(leaky, tmp_path):
    leaky.export_codings(tmp_path / "alice.csv", "alice")
    assert "Marit" in (tmp_path / "alice.csv").read_text(encoding="utf-8")
    leaky.export_codebook(tmp_path / "book.yaml")
    assert "Marit" in (tmp_path / "book.yaml").read_text(encoding="utf-8")


def test_pseudonyms_add_with_prefix_from_the_command_line(tmp_path, leaky):
    path = str(leaky.path)
    leaky.close()
    assert run("pseudonyms", "add", path, "Solberg", "[school]", "--prefix").returncode == 0
    listed = run("pseudonyms", "list", path).stdout
    assert re.search(r"Solberg\s+→ \[school\]\s+confirmed  \(and words it begins\)", listed)
    with Project.open(path) as project:
        assert [e.prefix for e in project.pseudonyms() if e.original == "Solberg"] == [True]
