"""Reading REFI-QDA from any tool: codebooks (.qdc) and projects (.qdpx).

What other tools write differs, and all of it is read:

- namespaces `urn:QDA-XML:codebook:1.0`, `1:0`, `0:4` and the project ones:
  elements are matched by local name;
- hierarchy as nested codes (codable or `isCodable="false"` folders) or as
  flat names with `::` or `/` paths, which become the tree;
- GUIDs in either case, with or without braces: stored lower-case, bare;
- the sources folder as `Sources/` or `sources/`, any .qde name, texts with a
  byte-order mark (UTF-8 or UTF-16);
- memos as Notes with NoteRefs, as selections with a Description and no
  Coding, or as Descriptions only; NVivo's one selection per code.

Character positions: the standard counts Unicode code points, end exclusive.
NVivo for Windows counts UTF-16 code units with CRLF as two; ATLAS.ti counts a
CRLF as one. The counting is chosen by the file's `origin` and checked by how
many selection ends land on word boundaries; the best-fitting counting wins.

Each coded selection becomes a coding of its exact span (a whole-segment
coding when it is exactly a segment). For segment-level work a span counts for
a segment when it covers at least half of the segment's characters or lies
wholly inside it; the import reports how many selections fall on one segment,
on several, or on none.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lxml import etree

from qualcode.core.codebook import MAX_CODE_DEPTH, MAX_CODES, Codebook, codebook_from_codes, key_problem, store_groups
from qualcode.core.errors import BadInput
from qualcode.core.exchange.refi_foreign import SETTING as FOREIGN_SETTING
from qualcode.core.exchange.refi_foreign import gather, kept_counts
from qualcode.core.exchange.refi_write import EXTENSION, LABELS, SETTING_LABELS
from qualcode.core.exchange.refi_xml import child, children, descendants, local, normalise_guid, text_of
from qualcode.core.exchange.safe_archive import SafeZip, parse_xml
from qualcode.core.model import Code, CodeGroup, Participant

if TYPE_CHECKING:
    from qualcode.core.store import Store

ID_NAMESPACE = uuid.UUID("6f6a2f0e-2b7c-4f55-9a53-3d1c8a2f1b10")


def parse_description(text: str) -> dict[str, str]:
    """Split a Description into definition, inclusion, exclusion and example, and qualcode's settings of a
    code (key, keywords, exclusive), by the labels qualcode writes."""
    fields = {"description": "", "inclusion": "", "exclusion": "", "example": ""}
    labels = {label.casefold(): name for name, label in (*LABELS, *SETTING_LABELS)}
    current = "description"
    parts: dict[str, list[str]] = defaultdict(list)
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        head, sep, rest = paragraph.partition(":")
        if sep and head.strip().casefold() in labels:
            current = labels[head.strip().casefold()]
            parts[current].append(rest.strip())
        else:
            parts[current].append(paragraph.strip())
    for name, chunks in parts.items():
        fields[name] = "\n\n".join(c for c in chunks if c)
    return fields


def _settings(fields: dict[str, str], keys: set[str]) -> dict[str, Any]:
    """A code's key, keywords and exclusive flag from its parsed Description; a key that cannot be one (or is
    taken) goes back into the definition as text, so nothing written there is lost."""
    out: dict[str, Any] = {}
    key = fields.pop("key", "").strip()
    if key:
        if key_problem(key) is None and key not in keys:
            out["key"] = key
            keys.add(key)
        else:
            fields["description"] = "\n\n".join(p for p in (fields["description"], f"Key: {key}") if p)
    words = fields.pop("keywords", "")
    if words:
        out["keywords"] = tuple(w.strip() for w in words.split(";") if w.strip())
    exclusive = fields.pop("exclusive", "").strip().casefold()
    if exclusive:
        out["exclusive"] = exclusive in ("yes", "true")
    return out


# -- codebooks ------------------------------------------------------------------------


def codes_from(container: Any, where: str) -> list[Code]:
    """Codes under a <Codes> element (any namespace), with their tree; flat '::' or '/' paths become the tree."""
    codes: list[Code] = []
    keys: set[str] = set()

    def visit(element: Any, parent: str | None, depth: int) -> None:
        for node in children(element, "Code"):
            if depth > MAX_CODE_DEPTH:
                raise BadInput(
                    f"code '{(node.get('name') or '')[:60]}' lies more than {MAX_CODE_DEPTH} levels deep; "
                    "flatten the codebook in the program that wrote it",
                    where=where,
                )
            if len(codes) >= MAX_CODES:
                raise BadInput(f"holds more than {MAX_CODES} codes; refusing it", where=where)
            guid = normalise_guid(node.get("guid"), where)
            name = (node.get("name") or "").strip() or "(unnamed)"
            description = child(node, "Description")
            fields = parse_description(description.text or "") if description is not None else {}
            settings = _settings(fields, keys) if fields else {}
            colour = (node.get("color") or "").strip()
            codes.append(
                Code(
                    guid,
                    name,
                    parent,
                    colour=colour if re.fullmatch(r"#[0-9A-Fa-f]{3,6}", colour) else "",
                    position=len(codes),  # the file's order, kept (siblings are not sorted by name)
                    codable=(node.get("isCodable") or "true").strip().lower() != "false",
                    **fields,
                    **settings,
                )
            )
            visit(node, guid, depth + 1)

    visit(container, None, 0)
    return _split_paths(codes, where)


def _split_paths(codes: list[Code], where: str) -> list[Code]:
    """'A::B::C' or 'A/B/C' names become codes under codes; missing levels are created.

    A path deeper than `MAX_CODE_DEPTH` levels, counted from its theme, is refused.
    """
    out: list[Code] = []
    made: dict[tuple[str | None, str], str] = {}
    depth: dict[str | None, int] = {None: -1}
    for code in codes:
        parts = [p.strip() for p in re.split(r"::|/", code.name) if p.strip()]
        base = depth.get(code.parent_id, 0)
        if base + len(parts) > MAX_CODE_DEPTH:
            raise BadInput(
                f"code '{code.name[:60]}…' lies more than {MAX_CODE_DEPTH} levels deep; "
                "flatten the codebook in the program that wrote it",
                where=where,
            )
        depth[code.id] = base + max(len(parts), 1)
        if len(parts) <= 1:
            out.append(replace(code, name=parts[0] if parts else code.name))
            made[(code.parent_id, out[-1].name.casefold())] = code.id
            continue
        parent = code.parent_id
        for level in parts[:-1]:
            key = (parent, level.casefold())
            if key not in made:
                existing = next(
                    (c for c in out if c.parent_id == parent and c.name.casefold() == level.casefold()), None
                )
                if existing is not None:
                    made[key] = existing.id
                else:
                    new_id = str(uuid.uuid5(ID_NAMESPACE, f"{parent}/{level}"))
                    out.append(Code(new_id, level, parent))
                    made[key] = new_id
                    depth[new_id] = depth.get(parent, -1) + 1
            parent = made[key]
        out.append(replace(code, name=parts[-1], parent_id=parent))
        made[(parent, parts[-1].casefold())] = code.id
        if len(out) > MAX_CODES:
            raise BadInput(f"holds more than {MAX_CODES} codes (counting path levels); refusing it", where=where)
    # Two siblings of one name (e.g. a folder and a path prefix) are merged by keeping the first.
    return out


MAX_XML_FILE = 256 * 1024**2
"""Largest .qdc, or .qde inside a .qdpx, parsed (256 MiB); real ones are a few MiB."""
MAX_SOURCE_TEXT = 100 * 1024**2
"""Largest text source read from a .qdpx (100 MiB), as for transcripts."""


def read_qdc(path: str | Path) -> Codebook:
    """A REFI-QDA codebook file as a validated `Codebook`; anything malformed is a `BadInput`."""
    path = Path(path)
    where = str(path)
    try:
        if path.stat().st_size > MAX_XML_FILE:
            raise BadInput(f"is larger than {MAX_XML_FILE // 1024**2} MiB; is it really a codebook?", where=where)
        data = path.read_bytes()
    except OSError as e:
        raise BadInput(f"cannot be read ({e.strerror or e})", where=where) from None
    root = parse_xml(data, where)
    if local(root) != "CodeBook":
        raise BadInput(f"the root element is <{local(root)}>, not <CodeBook>; is this a .qdc?", where=where)
    container = child(root, "Codes")
    if container is None:
        raise BadInput("has no <Codes>", where=where)
    codes = codes_from(container, where)
    _check_unique(codes, where)
    # A .qdc names no codebook: a project keeps its own name when it loads one.
    return codebook_from_codes(codes, "", "", _groups(child(root, "Sets"), codes, where))


def _check_unique(codes: list[Code], where: str) -> None:
    seen: dict[str, str] = {}
    for code in codes:
        if code.id in seen:
            raise BadInput(
                f"the GUID {code.id} is used by two codes ('{seen[code.id]}' and '{code.name}')", where=where
            )
        seen[code.id] = code.name
    names: set[tuple[str | None, str]] = set()
    for code in codes:
        key = (code.parent_id, code.name.casefold())
        if key in names:
            raise BadInput(f"two codes named '{code.name}' under the same parent", where=where)
        names.add(key)


# -- character positions --------------------------------------------------------------


_CONTROLS = frozenset(chr(c) for c in [*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)] if c != 0x0D)


class Positions:
    """Turns positions counted some way in a source's raw text into code points of the stored text."""

    COUNTINGS = ("codepoints", "utf16", "crlf_as_one")

    def __init__(self, raw: str) -> None:
        self.raw = raw.lstrip("\ufeff")
        # The stored text has \n line ends and, as every imported text, no control
        # characters but tab and line feed (see ingest.decoding.normalise).
        kept: list[str] = []
        # stored index of each raw code point (a CRLF's \n, and a dropped control
        # character, map where the next kept character goes)
        self._stored: list[int] = []
        j = 0
        previous = ""
        for ch in self.raw:
            if ch == "\n" and previous == "\r":
                self._stored.append(j - 1)
            elif ch == "\r":
                self._stored.append(j)
                kept.append("\n")
                j += 1
            elif ch in _CONTROLS:
                self._stored.append(j)
            else:
                self._stored.append(j)
                kept.append(ch)
                j += 1
            previous = ch
        self._stored.append(j)
        self.text = "".join(kept)
        # raw code point index at each UTF-16 unit
        self._utf16: list[int] = []
        for i, ch in enumerate(self.raw):
            self._utf16.append(i)
            if ord(ch) > 0xFFFF:
                self._utf16.append(i)
        self._utf16.append(len(self.raw))

    def to_stored(self, position: int, counting: str) -> int:
        if counting == "crlf_as_one":
            return max(0, min(position, len(self.text)))
        if counting == "utf16":
            position = self._utf16[max(0, min(position, len(self._utf16) - 1))]
        return self._stored[max(0, min(position, len(self._stored) - 1))]

    def boundary_score(self, spans: list[tuple[int, int]], counting: str) -> int:
        """How many span ends land on word boundaries under a counting."""
        text = self.text
        score = 0
        for start, end in spans:
            s, e = self.to_stored(start, counting), self.to_stored(end, counting)
            score += s == 0 or s >= len(text) or not (text[s - 1].isalnum() and text[s].isalnum())
            score += e >= len(text) or e == 0 or not (text[e - 1].isalnum() and text[e].isalnum())
        return score


def choose_counting(origin: str, sources: list[tuple[Positions, list[tuple[int, int]]]]) -> str:
    """The counting the origin suggests, unless another fits word boundaries clearly better."""
    o = origin.casefold()
    if "nvivo" in o and ("win" in o or "windows" in o):
        preferred = "utf16"
    elif "atlas" in o:
        preferred = "crlf_as_one"
    else:
        preferred = "codepoints"
    scores = {c: sum(p.boundary_score(spans, c) for p, spans in sources) for c in Positions.COUNTINGS}
    best = max(Positions.COUNTINGS, key=lambda c: (scores[c], c == preferred))
    return preferred if scores[preferred] >= scores[best] else best


# -- projects ----------------------------------------------------------------------------


@dataclass
class Selection:
    guid: str
    source: str
    start: int
    end: int
    coder: str
    codes: list[str]
    memo: str = ""
    name: str = ""
    """The name the tool gave the selection (``line:12``), written back on export."""


@dataclass
class ImportResult:
    """What `import qdpx` read and how it mapped the other tool's selections."""

    transcripts: int = 0
    codes: int = 0
    coders: list[str] = field(default_factory=list)
    participants: int = 0
    counting: str = "codepoints"
    exact: int = 0
    split: int = 0
    dropped: int = 0
    memos: int = 0
    notes: list[str] = field(default_factory=list)
    not_taken: dict[str, int] = field(default_factory=dict)
    """What the file holds that qualcode neither takes nor keeps, by kind with its count."""
    kept: dict[str, int] = field(default_factory=dict)
    """What qualcode has no field for but keeps and writes back on export, by kind with its count."""

    def describe(self) -> str:
        return (
            f"{self.transcripts} transcripts, {self.codes} codes, coders: {', '.join(self.coders) or 'none'}, "
            f"{self.participants} participants; selections: {self.exact} on one segment, {self.split} over "
            f"several, {self.dropped} on none (coded as their spans); {self.memos} memos; positions counted as "
            f"{self.counting}"
            + "".join(f"; {note}" for note in self.notes)
            + (
                "; kept for export (no field of qualcode's own): "
                + ", ".join(f"{n} {kind}" for kind, n in self.kept.items())
                if self.kept
                else ""
            )
        )

    def to_dict(self) -> dict[str, Any]:
        """The summary for ``--format json``."""
        from dataclasses import asdict

        return asdict(self)


def unit_of(root: Any) -> str:
    """The unit of coding a qualcode .qdpx names in its description, else paragraphs."""
    found = re.search(r"unit of coding: (\w+)", text_of(root, "Description"))
    return found.group(1) if found else "paragraph"


def read_qdpx(path: str | Path) -> tuple[Any, _Content]:
    """The reading half of `import_qdpx`: the .qde's root element and what it holds, nothing written.

    Anything damaged or hostile in the archive is a `BadInput` naming the file.
    """
    path = Path(path)
    with SafeZip(path) as archive:
        qde = [n for n in archive.names() if n.lower().endswith(".qde") and "/" not in n.replace("\\", "/")]
        if not qde:
            raise BadInput("has no .qde project file inside; is this a REFI-QDA .qdpx?", where=str(path))
        if archive.size(qde[0]) > MAX_XML_FILE:
            raise BadInput(f"{qde[0]} is larger than {MAX_XML_FILE // 1024**2} MiB; refusing it", where=str(path))
        root = parse_xml(archive.read(qde[0]), f"{path}: {qde[0]}")
        if local(root) != "Project":
            raise BadInput(f"{qde[0]}: the root element is <{local(root)}>, not <Project>", where=str(path))
        content = _read_project(root, archive, str(path))
        if content.origin.startswith("qualcode") and EXTENSION in archive.names():
            content.kept = _kept(archive, EXTENSION)
        return root, content


def _kept(archive: SafeZip, name: str) -> dict[str, Any]:
    """qualcode's own member of the archive (see `refi_write.EXTENSION`), or nothing when it cannot be read:
    the project is then built from the standard's part alone, as from any other tool."""
    if archive.size(name) > MAX_XML_FILE:
        return {}
    try:
        data = json.loads(archive.read(name).decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass
class _Content:
    origin: str
    name: str
    codes: list[Code]
    users: dict[str, str]
    sources: list[tuple[str, str, Positions]]  # guid, name, positions
    selections: list[Selection]
    cases: list[tuple[str, dict[str, Any], list[str]]]
    notes_kept: int = 0
    left_out: dict[str, int] = field(default_factory=dict)
    """What the file holds that qualcode neither takes nor keeps, by kind with its count."""
    kept: dict[str, Any] = field(default_factory=dict)
    """What qualcode kept of its own beside the standard (file names, segments, stars, done marks)."""
    case_codings: int = 0
    """Codings whose code is a Case (NVivo's case coding): their sources go to that case instead."""
    groups: tuple[CodeGroup, ...] | None = None
    """The Sets, as code groups; None when the file has no Sets."""
    foreign: dict[str, Any] = field(default_factory=dict)
    """What qualcode has no field for but writes back on export (see refi_foreign)."""


def _read_project(root: Any, archive: SafeZip, where: str) -> _Content:
    origin = root.get("origin") or ""
    users = {}
    for user in descendants(child(root, "Users") if child(root, "Users") is not None else root, "User"):
        guid = normalise_guid(user.get("guid"), where)
        users[guid] = (user.get("name") or user.get("id") or guid).strip()
    book = child(root, "CodeBook")
    codes = codes_from(child(book, "Codes"), where) if book is not None and child(book, "Codes") is not None else []
    _check_unique(codes, where)
    notes: dict[str, tuple[str, str]] = {}
    note_fields: dict[str, dict[str, str]] = {}
    for note in descendants(child(root, "Notes") if child(root, "Notes") is not None else etree.Element("x"), "Note"):
        guid = normalise_guid(note.get("guid"), where)
        text_el = child(note, "PlainTextContent")
        text = text_el.text if text_el is not None and text_el.text else _source_text(note, archive, where) or ""
        creator = note.get("creatingUser")
        notes[guid] = (text.strip(), normalise_guid(creator, where) if creator else "")
        note_fields[guid] = {
            k: v
            for k, v in (
                ("name", (note.get("name") or "").strip()),
                ("text", text.strip()),
                ("user", notes[guid][1]),
                ("at", note.get("creationDateTime") or ""),
            )
            if v
        }
    taken_notes: set[str] = set()
    sources: list[tuple[str, str, Positions]] = []
    selections: list[Selection] = []
    container = child(root, "Sources")
    for source in children(container, "TextSource") if container is not None else []:
        guid = normalise_guid(source.get("guid"), where)
        text = _source_text(source, archive, where)
        if text is None:
            raise BadInput(
                f"text source '{source.get('name') or guid}' has neither PlainTextContent nor a "
                "plainTextPath that is in the archive",
                where=where,
            )
        sources.append((guid, (source.get("name") or guid).strip(), Positions(text)))
        for sel in children(source, "PlainTextSelection"):
            creator = sel.get("creatingUser")
            coder_guid = normalise_guid(creator, where) if creator else ""
            codings = children(sel, "Coding")
            codes_here = []
            memo_parts = []
            if text_of(sel, "Description"):
                memo_parts.append(text_of(sel, "Description"))
            # a memo on the selection, or on one of its codings (NVivo's and ATLAS.ti's coding comments)
            note_refs = list(children(sel, "NoteRef"))
            for coding in codings:
                ref = child(coding, "CodeRef")
                if ref is not None:
                    codes_here.append(normalise_guid(ref.get("targetGUID"), where))
                coding_creator = coding.get("creatingUser")
                if coding_creator and not coder_guid:
                    coder_guid = normalise_guid(coding_creator, where)
                note_refs.extend(children(coding, "NoteRef"))
            for ref in note_refs:
                target = normalise_guid(ref.get("targetGUID"), where)
                taken_notes.add(target)
                # the same memo as a Description and a Note (as qualcode writes it, for every reader) once
                if target in notes and notes[target][0] and notes[target][0].strip() not in memo_parts:
                    memo_parts.append(notes[target][0])
            try:
                start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            except (TypeError, ValueError):
                raise BadInput(f"selection {sel.get('guid')} has no numeric start/end position", where=where) from None
            selections.append(
                Selection(
                    normalise_guid(sel.get("guid"), where),
                    guid,
                    start,
                    end,
                    users.get(coder_guid, "imported"),
                    codes_here,
                    "\n\n".join(memo_parts),
                    (sel.get("name") or "").strip(),
                )
            )
        # a Coding on the source itself codes the whole text
        for coding in children(source, "Coding"):
            ref = child(coding, "CodeRef")
            if ref is None:
                continue
            creator = coding.get("creatingUser")
            selections.append(
                Selection(
                    normalise_guid(coding.get("guid"), where),
                    guid,
                    0,
                    -1,
                    users.get(normalise_guid(creator, where), "imported") if creator else "imported",
                    [normalise_guid(ref.get("targetGUID"), where)],
                )
            )
    cases = []
    case_guids: dict[str, int] = {}
    variables = {}
    for variable in descendants(
        child(root, "Variables") if child(root, "Variables") is not None else etree.Element("x"), "Variable"
    ):
        variables[normalise_guid(variable.get("guid"), where)] = (variable.get("name") or "").strip()
    for case in descendants(child(root, "Cases") if child(root, "Cases") is not None else etree.Element("x"), "Case"):
        values: dict[str, Any] = {}
        for vv in children(case, "VariableValue"):
            ref = child(vv, "VariableRef")
            name = variables.get(normalise_guid(ref.get("targetGUID"), where), "") if ref is not None else ""
            for element in vv:
                kind = local(element)
                if kind.endswith("Value") and kind != "VariableValue" and name:
                    values[name] = _typed(kind, element.text or "")
        refs = [normalise_guid(r.get("targetGUID"), where) for r in children(case, "SourceRef")]
        cases.append(((case.get("name") or case.get("guid") or "").strip(), values, refs))
        case_guids[normalise_guid(case.get("guid"), where)] = len(cases) - 1
    # A Coding whose CodeRef names a Case is NVivo's case coding: the source belongs to that case.
    case_codings = 0
    for sel in selections:
        on_cases = [c for c in sel.codes if c in case_guids]
        if on_cases:
            sel.codes = [c for c in sel.codes if c not in case_guids]
            for c in on_cases:
                name, values, refs = cases[case_guids[c]]
                if sel.source not in refs:
                    refs.append(sel.source)
            case_codings += len(on_cases)
    content = _Content(origin, root.get("name") or "", codes, users, sources, selections, cases)
    content.case_codings = case_codings
    content.left_out = _left_out(root, container)
    content.groups = _groups(child(root, "Sets"), codes, where)
    content.foreign = gather(root, note_fields, taken_notes, lambda g: normalise_guid(g, where))
    return content


def _groups(holder: Any, codes: list[Code], where: str) -> tuple[CodeGroup, ...] | None:
    """REFI-QDA Sets as code groups: each Set's member codes (a Set of sources or notes only is a group
    without codes; its other members are kept beside it, see refi_foreign)."""
    if holder is None:
        return None
    known = {c.id for c in codes}
    groups = []
    names: Counter[str] = Counter()
    for member_set in children(holder, "Set"):
        name = (member_set.get("name") or "").strip() or "group"
        names[name.casefold()] += 1
        if names[name.casefold()] > 1:
            name = f"{name} ({names[name.casefold()]})"
        # a .qdc's MemberCode names its code by guid, a project's by targetGUID
        members = [
            normalise_guid(m.get("targetGUID") or m.get("guid"), where) for m in children(member_set, "MemberCode")
        ]
        groups.append(
            CodeGroup(
                normalise_guid(member_set.get("guid"), where),
                name,
                text_of(member_set, "Description"),
                tuple(dict.fromkeys(m for m in members if m in known)),
            )
        )
    return tuple(groups)


_NOT_TAKEN = {
    "PictureSource": "picture sources",
    "PDFSource": "PDF sources",
    "AudioSource": "audio sources",
    "VideoSource": "video sources",
}


def _left_out(root: Any, sources: Any) -> dict[str, int]:
    """What a project holds that qualcode neither takes nor keeps, by kind with its count, for the import's
    summary (kinds the file lacks are not named)."""
    out: dict[str, int] = {}
    for tag, what in _NOT_TAKEN.items():
        out[what] = len(children(sources, tag)) if sources is not None else 0
    for tag, what, kind in (("Links", "Link", "links"), ("Graphs", "Graph", "graphs")):
        holder = child(root, tag)
        out[kind] = len(children(holder, what)) if holder is not None else 0
    texts = children(sources, "TextSource") if sources is not None else []
    # the plain text is taken; the tool's rich-text copy (.docx) beside it is not
    out["rich-text copies of sources"] = sum(1 for t in texts if (t.get("richTextPath") or "").strip())
    cases = child(root, "Cases")
    out["case references to selections"] = (
        sum(len(children(c, "SelectionRef")) for c in children(cases, "Case")) if cases is not None else 0
    )
    return {kind: n for kind, n in out.items() if n}


def _typed(kind: str, text: str) -> Any:
    text = text.strip()
    try:
        if kind == "IntegerValue":
            return int(text)
        if kind == "FloatValue":
            return float(text)
    except ValueError:
        return text
    if kind == "BooleanValue":
        return text.casefold() in ("true", "1")
    return text


def _source_text(source: Any, archive: SafeZip, where: str) -> str | None:
    content = child(source, "PlainTextContent")
    if content is not None and content.text is not None:
        return content.text
    target = (source.get("plainTextPath") or "").strip()
    if not target:
        return None
    name = target.removeprefix("internal://")
    for candidate in (f"sources/{name}", name):
        if archive.find(candidate):
            if archive.size(candidate) > MAX_SOURCE_TEXT:
                raise BadInput(
                    f"{candidate} is larger than {MAX_SOURCE_TEXT // 1024**2} MiB; split the text", where=where
                )
            return _decode(archive.read(candidate), f"{where}: {candidate}")
    return None


def _decode(data: bytes, where: str) -> str:
    try:
        if data.startswith(b"\xff\xfe") or data.startswith(b"\xfe\xff"):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BadInput("a source text is not UTF-8 or UTF-16 with a byte-order mark", where=where) from None


def fill(store: Store, content: _Content, unit: str) -> ImportResult:
    """Write what a .qdpx holds into a new, empty project, in one transaction."""
    from qualcode.core.ingest.segmenting import segment_many
    from qualcode.core.ingest.turns import RawTranscript, compile_speaker_pattern, split_turns

    result = ImportResult(codes=len(content.codes))
    by_source: dict[str, list[Selection]] = defaultdict(list)
    for selection in content.selections:
        by_source[selection.source].append(selection)
    result.counting = choose_counting(
        content.origin, [(p, [(s.start, s.end) for s in by_source[g] if s.end >= 0]) for g, _n, p in content.sources]
    )
    selection_names: list[list[Any]] = []
    known_codes = {c.id for c in content.codes}
    with store.transaction():
        if content.codes:
            store.codebook.insert_all(codebook_from_codes(content.codes).codes)
            store.settings.set("codebook_name", content.name)
        if content.groups:
            store_groups(store, content.groups)
        pattern = compile_speaker_pattern(None)
        names = Counter()
        memo_count = 0
        kept = content.kept
        ours = kept.get("transcripts") if isinstance(kept.get("transcripts"), dict) else {}
        starred = set(kept.get("starred") or []) if isinstance(kept.get("starred"), list) else set()
        tid_of: dict[str, int] = {}
        for guid, name, positions in content.sources:
            names[name] += 1
            tname = name if names[name] == 1 else f"{name} ({names[name]})"
            text = positions.text
            own = ours.get(guid) if isinstance(ours.get(guid), dict) else {}
            rows = _own_segments(own.get("segments"), positions, result.counting)
            if rows is None:
                raw = RawTranscript(text, split_turns(text, pattern))
                [rows] = segment_many([raw], unit, lang=store.settings.lang)
                if not rows and text.strip():
                    rows = [(0, len(text), None, None, None)]
            file_name = own.get("file") if isinstance(own.get("file"), str) else ""
            tid = store.transcripts.add(
                name=tname,
                text=text,
                sha256=hashlib.sha256(text.encode("utf-8")).hexdigest(),
                source=file_name or guid,
                lang=store.settings.lang,
                unit=unit,
                participant=None,
                segments=rows,
            )
            result.transcripts += 1
            segments = store.transcripts.segments(tid)
            starts = [s.start for s in segments]
            for sel in by_source[guid]:
                if sel.end < 0:  # a coding of the whole source
                    start, end = 0, len(text)
                else:
                    start = positions.to_stored(sel.start, result.counting)
                    end = positions.to_stored(sel.end, result.counting)
                if sel.name:
                    selection_names.append([guid, start, end, sel.coder, sel.name])
                hits = _covered(segments, starts, start, end)
                unknown = [c for c in sel.codes if c not in known_codes]
                if unknown:
                    raise BadInput(
                        f"selection {sel.guid} uses code {unknown[0]}, which is not in the codebook",
                        where=str(store.path),
                    )
                if not sel.codes:
                    store.codings.add_selection(sel.guid, tid, None, sel.coder, start, end, sel.memo)
                whole = [s for s in hits if (s.start, s.end) == (start, end)]
                star = sel.guid in starred
                if whole:
                    # the selection is exactly a segment: that segment's coding
                    store.codings.add_many([(whole[0].id, c) for c in sel.codes], sel.coder, origin="import")
                    for c in sel.codes if star else []:
                        store.codings.set_starred(whole[0].id, c, sel.coder, True)
                elif end > start:
                    for code_id in sel.codes:
                        store.codings.add_span(tid, start, end, code_id, sel.coder, origin="import", guid=sel.guid)
                        if star:
                            store.codings.set_span_starred(tid, start, end, code_id, sel.coder, True)
                if sel.memo and (whole or end > start):
                    # on the segment when the selection is exactly one, else on the passage itself
                    if whole:
                        old = store.memos.on_segment(whole[0].id, sel.coder)
                    else:
                        old = store.memos.passages_of(sel.coder, tid).get((tid, start, end), "")
                    if sel.memo not in old:
                        joined = f"{old}\n\n{sel.memo}".strip()
                        if whole:
                            store.memos.set_on_segment(whole[0].id, sel.coder, joined)
                        else:
                            store.memos.set_on_passage(tid, start, end, sel.coder, joined)
                        memo_count += 1
                if not hits:
                    result.dropped += 1
                    continue
                if len(hits) == 1:
                    result.exact += 1
                else:
                    result.split += 1
            for case_name, _values, refs in content.cases:
                if guid in refs and case_name:
                    store.transcripts.set_participant(tid, case_name)
            tid_of[guid] = tid
        _restore_decisions(store, kept.get("decisions"), tid_of, {g: p for g, _n, p in content.sources}, result)
        _restore_notes(store, kept, known_codes)
        done = kept.get("done") if isinstance(kept.get("done"), dict) else {}
        for coder, guids in done.items():
            if isinstance(coder, str) and coder and isinstance(guids, list):
                store.codings.mark_done([tid_of[g] for g in guids if g in tid_of], coder)
        for case_name, values, _refs in content.cases:
            if case_name:
                store.participants.upsert(Participant(case_name, values))
                result.participants += 1
        foreign = dict(content.foreign)
        if selection_names:
            foreign["selections"] = selection_names
        if foreign:
            store.settings.set(FOREIGN_SETTING, foreign)
        result.kept = kept_counts(foreign, content.groups)
        store.audit.log("qualcode", "import.qdpx", content.name, origin=content.origin, counting=result.counting)
    result.memos = memo_count
    if content.case_codings:
        result.notes.append(
            f"{content.case_codings} codings on cases (case coding): their transcripts went to those cases "
            "as participants"
        )
    result.not_taken = dict(content.left_out)
    if content.left_out:
        result.notes.append("not taken: " + ", ".join(f"{n} {kind}" for kind, n in content.left_out.items()))
    # every user the file names is a coder of the project, also one without codings (kept for a later export)
    with store.transaction():
        for guid, name in content.users.items():
            if name and name != "consensus":
                store.codings.set_coder_guid(name, guid)
    result.coders = sorted({s.coder for s in content.selections} | {n for n in content.users.values() if n})
    return result


def _restore_notes(store: Store, kept: dict[str, Any], known_codes: set[str]) -> None:
    """The coders' memos on codes and the journal kept in our own member (rows that do not fit are passed over)."""
    for row in kept.get("code_memos") if isinstance(kept.get("code_memos"), list) else []:
        if isinstance(row, list) and len(row) == 3 and all(isinstance(x, str) for x in row) and row[0] in known_codes:
            store.memos.set_on_code(row[0], row[1], row[2])
    for row in kept.get("journal") if isinstance(kept.get("journal"), list) else []:
        if isinstance(row, list) and len(row) == 3 and all(isinstance(x, str) for x in row) and row[2].strip():
            store.journal.add(row[0], row[2], row[1])


def _restore_decisions(
    store: Store, value: Any, tid_of: dict[str, int], positions: dict[str, Positions], result: ImportResult
) -> None:
    """The lead's decisions kept in our own member, on the same segments (a decision that no longer fits,
    say on a segment the text lacks, is left out and counted in the summary)."""
    if not isinstance(value, list):
        return
    segments: dict[int, list[Any]] = {}
    left = 0
    for d in value:
        try:
            tid = tid_of[d["source"]]
            if tid not in segments:
                segments[tid] = store.transcripts.segments(tid)
            segment = segments[tid][int(d["segment"]) - 1]
            place = positions[d["source"]]
            spans = {
                str(c): tuple((place.to_stored(a, result.counting), place.to_stored(b, result.counting)) for a, b in e)
                for c, e in dict(d.get("spans") or {}).items()
            }
            coder_a, coder_b = (str(c) for c in d["coders"])
            store.decisions.add(
                segment.id,
                str(d["lead"]),
                coder_a,
                coder_b,
                str(d["choice"]),
                [str(c) for c in d["codes"]],
                str(d.get("note") or ""),
                spans,
                at=str(d["at"]),
            )
        except (KeyError, IndexError, TypeError, ValueError, BadInput):
            left += 1
    if left:
        result.notes.append(f"{left} of the lead's decisions no longer fit their segments and were left out")


def _own_segments(value: Any, positions: Positions, counting: str) -> list[tuple[Any, ...]] | None:
    """The segments qualcode kept for a source (start, end, speaker, media times), in the stored text's
    positions; None when there are none or they do not fit the text (then it is segmented anew)."""
    if not isinstance(value, list) or not value:
        return None
    rows: list[tuple[Any, ...]] = []
    last = 0
    for item in value:
        if not (isinstance(item, list) and len(item) == 5 and all(isinstance(x, int) for x in item[:2])):
            return None
        try:
            start, end = positions.to_stored(item[0], counting), positions.to_stored(item[1], counting)
        except (BadInput, IndexError, ValueError):
            return None
        speaker = item[2] if isinstance(item[2], str) else None
        media = [x if isinstance(x, int) and not isinstance(x, bool) else None for x in item[3:]]
        if not last <= start <= end <= len(positions.text):
            return None
        rows.append((start, end, speaker, *media))
        last = end
    return rows


def _covered(segments: list[Any], starts: list[int], start: int, end: int) -> list[Any]:
    """Segments a span counts for: at least half of the segment covered, or the span wholly inside it."""
    if end <= start:
        return []
    first = max(bisect_right(starts, start) - 1, 0)
    last = bisect_left(starts, end)
    out = []
    for segment in segments[first:last]:
        overlap = min(end, segment.end) - max(start, segment.start)
        length = segment.end - segment.start
        inside = segment.start <= start and end <= segment.end
        if overlap > 0 and (inside or overlap * 2 >= length):
            out.append(segment)
    return out
