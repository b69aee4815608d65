"""Writing REFI-QDA: the codebook (.qdc) and the whole project (.qdpx), as other QDA tools read them.

Positions are Unicode code points into the transcript text as stored (`\\n`
line ends), end exclusive, as the standard says; the texts go into the
archive as UTF-8 without a byte-order mark. A code's definition, inclusion
and exclusion criteria and example, and qualcode's own settings of it (its
shortcut key, suggestion keywords, exclusive group), travel in its Description
as labelled paragraphs, which `refi_read` takes apart again.
"""

from __future__ import annotations

import json
import re
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lxml import etree

from qualcode.core.codebook import Codebook, codebook_of
from qualcode.core.exchange.refi_foreign import OUR_DESCRIPTION, Foreign
from qualcode.core.exchange.refi_foreign import SETTING as FOREIGN_SETTING
from qualcode.core.files import atomic_file
from qualcode.core.publication import Publication
from qualcode.core.store import Store
from qualcode.version import __version__

PROJECT_NS = "urn:QDA-XML:project:1.0"
EXTENSION = "qualcode.json"
"""The archive member holding what REFI-QDA has no place for; other tools read project.qde and sources/."""
CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
ORIGIN = f"qualcode {__version__}"
LABELS = (("inclusion", "Include"), ("exclusion", "Exclude"), ("example", "Example"))
"""How the fields beyond the definition are labelled inside a REFI-QDA Description."""
SETTING_LABELS = (("key", "Key"), ("keywords", "Keywords"), ("exclusive", "Exclusive"))
"""qualcode's own settings of a code, which the standard has no place for: labelled paragraphs at the end
of its Description too, so a .qdc or .qdpx of ours loads back with its shortcut keys, suggestion keywords
and exclusive groups (other tools show them as text)."""

_COLOUR = re.compile(r"#(?:[0-9A-Fa-f]{6}|[0-9A-Fa-f]{3})")
_DATE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])")
_DATETIME = re.compile(
    r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T[0-2][0-9]:[0-5][0-9]:[0-5][0-9](Z|[+-][0-2][0-9]:[0-5][0-9])?"
)


def description_of(code: object) -> str:
    """A code's definition and, labelled, its criteria and example: one REFI-QDA Description."""
    parts = [getattr(code, "description", "").strip()]
    for field, label in LABELS:
        value = str(getattr(code, field, "") or "").strip()
        if value:
            parts.append(f"{label}: {value}")
    if getattr(code, "key", ""):
        parts.append(f"Key: {code.key}")  # type: ignore[attr-defined]
    if getattr(code, "keywords", ()):
        parts.append("Keywords: " + "; ".join(code.keywords))  # type: ignore[attr-defined]
    if getattr(code, "exclusive", False):
        parts.append("Exclusive: yes")
    return "\n\n".join(p for p in parts if p)


def _codes(
    parent: etree._Element,
    ns: str,
    book: Codebook,
    parent_id: str | None,
    publish: Publication,
    note_refs: Callable[[str], list[str]] = lambda _code: [],
) -> None:
    for code in book.children(parent_id):
        element = etree.SubElement(
            parent,
            f"{{{ns}}}Code",
            guid=code.id,
            name=publish.text(code.name),
            isCodable="true" if code.codable else "false",
        )
        if code.colour and _COLOUR.fullmatch(code.colour):
            element.set("color", code.colour)
        description = description_of(code)
        if description:
            etree.SubElement(element, f"{{{ns}}}Description").text = publish.text(description)
        for note in note_refs(code.id):
            etree.SubElement(element, f"{{{ns}}}NoteRef", targetGUID=note)
        _codes(element, ns, book, code.id, publish, note_refs)


def qdc_bytes(store: Store) -> bytes:
    book = codebook_of(store)
    publish = Publication.of(store)
    root = etree.Element(f"{{{CODEBOOK_NS}}}CodeBook", nsmap={None: CODEBOOK_NS}, origin=ORIGIN)
    _codes(etree.SubElement(root, f"{{{CODEBOOK_NS}}}Codes"), CODEBOOK_NS, book, None, publish)
    _sets(root, CODEBOOK_NS, book, publish, store.study_id)
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _sets(
    root: etree._Element,
    ns: str,
    book: Codebook,
    publish: Publication,
    study: str,
    members: Callable[[str, str], list[str]] | None = None,
) -> None:
    """The code groups as REFI-QDA Sets: a codebook's MemberCode names its code by ``guid``, a project's by
    ``targetGUID``; a project's Set also keeps the sources and notes another tool put in it (``members``)."""
    if not book.groups:
        return
    holder = etree.SubElement(root, f"{{{ns}}}Sets")
    in_project = ns == PROJECT_NS
    for group in book.groups:
        guid = group.id if _is_uuid(group.id) else _guid(study, "group", group.id)
        element = etree.SubElement(holder, f"{{{ns}}}Set", guid=guid, name=publish.text(group.name))
        if group.description:
            etree.SubElement(element, f"{{{ns}}}Description").text = publish.text(group.description)
        for code in group.codes:
            if book.get(code) is not None:
                etree.SubElement(element, f"{{{ns}}}MemberCode", **{"targetGUID" if in_project else "guid": code})
        if in_project and members is not None:
            for source in members(group.id, "sources"):
                etree.SubElement(element, f"{{{ns}}}MemberSource", targetGUID=source)
            for note in members(group.id, "notes"):
                etree.SubElement(element, f"{{{ns}}}MemberNote", targetGUID=note)


def write_qdc(store: Store, path: str | Path) -> Path:
    data = qdc_bytes(store)
    with atomic_file(path, ".qdc") as temporary:
        temporary.write_bytes(data)
    return Path(path)


def _guid(study: str, kind: str, key: str) -> str:
    """A stable id for things qualcode does not keep ids for (coders, transcripts, selections)."""
    return str(uuid.uuid5(uuid.UUID(study) if _is_uuid(study) else uuid.NAMESPACE_URL, f"{kind}:{key}"))


def _stamp(at: str) -> str:
    """A stored ISO time as REFI-QDA writes it (UTC with Z)."""
    return at.replace("+00:00", "Z")


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _variable_type(values: list[object]) -> str:
    if values and all(isinstance(v, bool) for v in values):
        return "Boolean"
    if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "Integer"
    if values and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "Float"
    # dates as a participants CSV or another tool's DateValue gives them: ISO 8601 text
    if values and all(isinstance(v, str) and _DATE.fullmatch(v) for v in values):
        return "Date"
    if values and all(isinstance(v, str) and _DATETIME.fullmatch(v) for v in values):
        return "DateTime"
    return "Text"


def qdpx_files(store: Store) -> dict[str, bytes]:
    """The members of a .qdpx: project.qde and one UTF-8 text per transcript under sources/."""
    ns = PROJECT_NS
    q = lambda tag: f"{{{ns}}}{tag}"  # noqa: E731
    # Everything written passes the publication boundary; positions follow the replaced text.
    publish = Publication.of(store)
    h = publish.text
    study = store.study_id
    book = codebook_of(store)
    # what another tool's project held that qualcode has no field for, written back where the standard has it
    foreign = Foreign(store.settings.get(FOREIGN_SETTING))
    foreign_notes = foreign.notes()
    coders = store.codings.coders()
    kept_users = store.codings.coder_guids()
    user_guid = {c: kept_users.get(c) or _guid(study, "coder", c) for c in coders}
    # Times from the project itself, not the clock: exporting the same project twice writes the same file.
    created = foreign.project_attributes().get("creationDateTime") or _stamp(
        str(store.settings.get("created_at") or "2000-01-01T00:00:00+00:00")
    )
    entries = store.audit.entries()
    modified = _stamp(entries[-1].at) if entries else created
    name = store.settings.get("codebook_name", "") or store.path.stem
    root = etree.Element(
        q("Project"),
        nsmap={None: ns},
        name=h(str(name)),
        origin=ORIGIN,
        creationDateTime=created,
        modifiedDateTime=modified,
    )
    for attribute, value in foreign.project_attributes().items():
        if attribute != "creationDateTime":
            root.set(attribute, h(value) if attribute == "basePath" else value)
    if coders:
        users = etree.SubElement(root, q("Users"))
        for coder in coders:
            user = etree.SubElement(users, q("User"), guid=user_guid[coder], name=h(coder))
            if foreign.user_id(user_guid[coder]):
                user.set("id", h(foreign.user_id(user_guid[coder]) or ""))
    if len(book):
        _codes(
            etree.SubElement(etree.SubElement(root, q("CodeBook")), q("Codes")),
            ns,
            book,
            None,
            publish,
            lambda code: foreign.note_refs("codes", code),
        )

    participants = store.participants.all()
    transcripts = store.transcripts.all()
    # another tool's source keeps the GUID it came with; ours get one derived from the study and the name
    source_guid = {
        t.id: str(uuid.UUID(t.source)) if _is_uuid(t.source) else _guid(study, "transcript", t.name)
        for t in transcripts
    }
    attribute_values: dict[str, list[object]] = defaultdict(list)
    for p in participants:
        for key, value in p.attributes.items():
            attribute_values[key].append(value)
    variable_guid = {key: _guid(study, "variable", key) for key in attribute_values}
    variable_type = {key: _variable_type(values) for key, values in attribute_values.items()}
    variable_description: dict[str, str] = {}
    for key in attribute_values:
        # a variable that came from another tool keeps its GUID, its description and its declared type while
        # the values still fit it (an Integer variable whose values are all whole numbers, say)
        known = foreign.variable_named(key)
        if known:
            variable_guid[key] = known[0]
            variable_description[key] = known[1].get("description", "")
            declared = known[1].get("type", "Text")
            if declared == "Text" or declared == variable_type[key]:
                variable_type[key] = declared
    source_variables = {
        g: v for g, v in foreign.variables().items() if g not in set(variable_guid.values())
    }  # variables of sources only
    if variable_guid or source_variables:
        variables = etree.SubElement(root, q("Variables"))
        for key, guid in variable_guid.items():
            variable = etree.SubElement(
                variables, q("Variable"), guid=guid, name=h(key), typeOfVariable=variable_type[key]
            )
            if variable_description.get(key):
                etree.SubElement(variable, q("Description")).text = h(variable_description[key])
        for guid, v in source_variables.items():
            variable = etree.SubElement(
                variables, q("Variable"), guid=guid, name=h(v["name"]), typeOfVariable=v.get("type", "Text")
            )
            if v.get("description"):
                etree.SubElement(variable, q("Description")).text = h(v["description"])
    if participants:
        cases = etree.SubElement(root, q("Cases"))
        for p in participants:
            theirs = foreign.case(p.id)
            case_guid = theirs.get("guid") if _is_uuid(str(theirs.get("guid", ""))) else _guid(study, "case", p.id)
            case = etree.SubElement(cases, q("Case"), guid=case_guid, name=h(p.id))
            if isinstance(theirs.get("description"), str):
                etree.SubElement(case, q("Description")).text = h(theirs["description"])
            for code in theirs.get("codes", []) if isinstance(theirs.get("codes"), list) else []:
                if book.get(code) is not None:
                    etree.SubElement(case, q("CodeRef"), targetGUID=code)
            for key, value in p.attributes.items():
                vv = etree.SubElement(case, q("VariableValue"))
                etree.SubElement(vv, q("VariableRef"), targetGUID=variable_guid[key])
                kind = variable_type[key]
                tag = {
                    "Boolean": "BooleanValue",
                    "Integer": "IntegerValue",
                    "Float": "FloatValue",
                    "Date": "DateValue",
                    "DateTime": "DateTimeValue",
                }.get(kind, "TextValue")
                text = str(value).lower() if kind == "Boolean" else str(value)
                etree.SubElement(vv, q(tag)).text = h(text)
            for t in transcripts:
                if t.participant == p.id:
                    etree.SubElement(case, q("SourceRef"), targetGUID=source_guid[t.id])

    files: dict[str, bytes] = {}
    notes: list[tuple[str, str, str]] = []  # (guid, coder, text)
    # What the standard has no place for, in a member of our own that other tools pass over (see refi_read):
    # each transcript's file name and segments (with speakers and media times), the coders' quote stars,
    # the transcripts they marked done, and the lead's decisions (on a transcript's segment by its number).
    starred: list[str] = []
    kept: dict[str, Any] = {"transcripts": {}, "starred": starred, "done": {}, "decisions": []}
    # the coders' memos on codes and the project's journal, which the standard has no place of their own for
    kept["code_memos"] = [
        [code_id, h(coder), h(text)]
        for coder in coders
        for code_id, text in sorted(store.memos.codes_of(coder).items())
    ]
    kept["journal"] = [[h(e.author), e.at, h(e.text)] for e in store.journal.entries()]
    decisions: dict[int, list[tuple[str, str, Any]]] = defaultdict(list)
    for coder_a, coder_b, d in store.decisions.every():
        decisions[d.segment_id].append((coder_a, coder_b, d))
    for coder in coders:
        done = store.codings.done(coder)
        if done:
            kept["done"][h(coder)] = sorted(source_guid[tid] for tid in done if tid in source_guid)
    selection_names = foreign.selection_names()
    if transcripts:
        sources = etree.SubElement(root, q("Sources"))
        codings: dict[int, dict[str, list[tuple[str, str, bool]]]] = defaultdict(lambda: defaultdict(list))
        memos: dict[int, dict[str, str]] = defaultdict(dict)
        for coder in coders:
            # whole segments here, with the time each was coded; span codings follow as their own selections
            for row in store.codings.rows(coder):
                codings[row.segment_id][coder].append((row.code_id, _stamp(row.created_at), bool(row.starred)))
            for segment_id, text in store.memos.of_coder(coder).items():
                memos[segment_id][coder] = text

        def selection(
            source: Any,
            guid: str,
            name: str,
            start: int,
            end: int,
            coder: str,
            code: tuple[str, str, bool] | None,
            memo: str | None,
            note_key: str,
        ) -> None:
            """One PlainTextSelection with at most one Coding (readers that take one coding per selection
            see them all), and the memo as its Description and as a Note it refers to (QualCoder reads the
            one, NVivo and ATLAS.ti the other)."""
            at = code[1] if code else created
            # the name another tool gave this passage (line:12), else ours
            name = selection_names.get((source.get("guid"), start, end, coder), name)
            element = etree.SubElement(
                source,
                q("PlainTextSelection"),
                guid=guid,
                name=h(name),
                startPosition=str(offset[start]),
                endPosition=str(offset[end]),
                creatingUser=user_guid[coder],
                creationDateTime=at,
            )
            if memo:
                etree.SubElement(element, q("Description")).text = h(memo)
            if code:
                coding = etree.SubElement(
                    element,
                    q("Coding"),
                    guid=_guid(study, "coding", guid),
                    creatingUser=user_guid[coder],
                    creationDateTime=at,
                )
                etree.SubElement(coding, q("CodeRef"), targetGUID=code[0])
                if code[2]:
                    starred.append(guid)
            if memo:
                note_guid = _guid(study, "memo", note_key)
                etree.SubElement(element, q("NoteRef"), targetGUID=note_guid)
                notes.append((note_guid, coder, h(memo)))

        for t in transcripts:
            guid = source_guid[t.id]
            source = etree.SubElement(
                sources,
                q("TextSource"),
                guid=guid,
                name=h(t.name),
                plainTextPath=f"internal://{guid}.txt",
                creationDateTime=created,
            )
            for attribute, value in foreign.source_attributes(guid).items():
                source.set(attribute, value)
            if isinstance(foreign.source(guid).get("description"), str):
                etree.SubElement(source, q("Description")).text = h(foreign.source(guid)["description"])
            text, offset = publish.hide.apply_with_offsets(t.text)
            files[f"sources/{guid}.txt"] = text.encode("utf-8")
            for ordinal, segment in enumerate(store.transcripts.segments(t.id), 1):
                for coder_a, coder_b, d in decisions.get(segment.id, []):
                    kept["decisions"].append(
                        {
                            "source": guid,
                            "segment": ordinal,
                            "lead": h(d.lead),
                            "coders": [h(coder_a), h(coder_b)],
                            "choice": d.choice,
                            "codes": list(d.codes),
                            "spans": {c: [[offset[a], offset[b]] for a, b in e] for c, e in d.spans.items()},
                            "note": h(d.note),
                            "at": d.decided_at,
                        }
                    )
            kept["transcripts"][guid] = {
                "file": h(Path(t.source).name) if t.source else "",
                "segments": [
                    [
                        offset[s.start],
                        offset[s.end],
                        h(s.speaker) if s.speaker else None,
                        s.media_start_ms,
                        s.media_end_ms,
                    ]
                    for s in store.transcripts.segments(t.id)
                ],
            }
            for segment in store.transcripts.segments(t.id):
                for coder in coders:
                    codes = sorted(codings.get(segment.id, {}).get(coder, []))
                    memo = memos.get(segment.id, {}).get(coder)
                    # one selection per code; the memo on the first (or on a selection of its own)
                    chosen: list[tuple[str, str, bool] | None] = list(codes) if codes else ([None] if memo else [])
                    for i, code in enumerate(chosen):
                        key = f"{segment.id}:{code[0] if code else ''}"
                        selection(
                            source,
                            _guid(study, f"selection:{coder}", key),
                            f"{t.name} {segment.ordinal}",
                            segment.start,
                            segment.end,
                            coder,
                            code,
                            memo if i == 0 else None,
                            f"{coder}:{segment.id}",
                        )
            # Span codings: a selection per passage and code, the passage's memo on the first.
            passages: dict[tuple[str, int, int], list[tuple[str, str, bool]]] = defaultdict(list)
            for coder in coders:
                for row in store.codings.span_rows(coder):
                    if row.transcript_id == t.id:
                        passages[(coder, row.start, row.end)].append(
                            (row.code_id, _stamp(row.created_at), bool(row.starred))
                        )
            passage_memos = {
                (coder, start, end): text
                for coder in coders
                for (_t, start, end), text in store.memos.passages_of(coder, t.id).items()
            }
            for key in passage_memos:
                passages.setdefault(key, [])
            for (coder, start, end), codes in sorted(passages.items(), key=lambda item: item[0][1:] + item[0][:1]):
                where = f"{t.id}:{start}:{end}"
                memo = passage_memos.get((coder, start, end))
                for i, code in enumerate(sorted(codes) or [None]):
                    selection(
                        source,
                        _guid(study, f"span:{coder}", f"{where}:{code[0] if code else ''}"),
                        f"{t.name} {start}-{end}",
                        start,
                        end,
                        coder,
                        code,
                        memo if i == 0 else None,
                        f"{coder}:{where}",
                    )
            # after the selections, as the standard orders a source's parts
            for note in foreign.note_refs("sources", guid):
                etree.SubElement(source, q("NoteRef"), targetGUID=note)
            for variable, kind, value in foreign.source_values(guid):
                vv = etree.SubElement(source, q("VariableValue"))
                etree.SubElement(vv, q("VariableRef"), targetGUID=variable)
                etree.SubElement(vv, q(kind)).text = h(value)
    if notes or foreign_notes:
        container = etree.SubElement(root, q("Notes"))
        for guid, note in foreign_notes.items():
            element = etree.SubElement(container, q("Note"), guid=guid)
            for attribute, key in (("name", "name"), ("creatingUser", "user"), ("creationDateTime", "at")):
                if note.get(key):
                    element.set(attribute, h(note[key]) if key == "name" else note[key])
            etree.SubElement(element, q("PlainTextContent")).text = h(note.get("text", ""))
        for guid, coder, text in notes:
            note = etree.SubElement(
                container,
                q("Note"),
                guid=guid,
                name=h(f"memo by {coder}"),
                creatingUser=user_guid[coder],
                creationDateTime=created,
            )
            etree.SubElement(note, q("PlainTextContent")).text = text
    written_sources = set(source_guid.values())
    _sets(
        root,
        ns,
        book,
        publish,
        study,
        lambda group, kind: [
            m
            for m in foreign.set_members(group, kind)
            if (m in written_sources if kind == "sources" else m in foreign_notes)
        ],
    )
    unit = store.settings.get("unit", "turn")
    ours = f"{OUR_DESCRIPTION} {unit}."
    theirs = foreign.description()
    etree.SubElement(root, q("Description")).text = f"{h(theirs)}\n\n{ours}" if theirs else ours
    for note in foreign.note_refs("project"):
        etree.SubElement(root, q("NoteRef"), targetGUID=note)
    files["project.qde"] = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    files[EXTENSION] = json.dumps(kept, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")
    return files


def write_qdpx(store: Store, path: str | Path) -> Path:
    files = qdpx_files(store)
    with atomic_file(path, ".qdpx") as temporary:
        with zipfile.ZipFile(temporary, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("project.qde", files.pop("project.qde"))
            for member, data in files.items():
                archive.writestr(member, data)
    return Path(path)
