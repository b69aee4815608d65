"""What another tool's REFI-QDA project holds that qualcode has no field for, kept and written back.

A project imported from NVivo, ATLAS.ti, MAXQDA or QualCoder may carry a project
description and notes, user ids, notes on codes and sources, source
descriptions, source variables and file times, declared variable types and
descriptions, case GUIDs, descriptions and codes, Sets with sources and notes
among their members, and selection names. qualcode does not show these, but an
export of the project writes them back where the standard has them, so a round
trip through qualcode loses none of them. They are kept, as read, in the
project's setting ``refi_foreign`` (JSON; see `gather`), and everything written
back passes the publication boundary like the rest of the export.

Code groups (Sets of codes) are not here: they are the codebook's groups.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from qualcode.core.exchange.refi_xml import child, children, local, text_of

SETTING = "refi_foreign"
SOURCE_ATTRIBUTES = ("creatingUser", "creationDateTime", "modifyingUser", "modifiedDateTime")
PROJECT_ATTRIBUTES = ("creatingUserGUID", "creationDateTime", "modifyingUserGUID", "basePath")
OUR_DESCRIPTION = "Exported by qualcode; unit of coding:"
"""How qualcode's own sentence in a project Description begins (see refi_write); not another tool's text."""


def gather(
    root: Any,
    notes: dict[str, dict[str, str]],
    taken_notes: set[str],
    guid: Callable[[str | None], str],
) -> dict[str, Any]:
    """The parts of a project's XML that qualcode keeps without a field of its own.

    ``notes`` are every Note by GUID (name, text, user, at); ``taken_notes`` the
    ones that became memos on passages, which are not kept twice.
    """
    kept: dict[str, Any] = {}

    def refs(element: Any, tag: str = "NoteRef") -> list[str]:
        return [guid(r.get("targetGUID")) for r in children(element, tag) if r.get("targetGUID")]

    project: dict[str, Any] = {a: root.get(a) for a in PROJECT_ATTRIBUTES if root.get(a) is not None}
    theirs = text_of(root, "Description").split(OUR_DESCRIPTION)[0].strip()
    if theirs:
        project["description"] = theirs
    if refs(root):
        project["notes"] = refs(root)
    if project:
        kept["project"] = project

    users = child(root, "Users")
    ids = (
        {guid(u.get("guid")): u.get("id") for u in children(users, "User") if u.get("id")} if users is not None else {}
    )
    if ids:
        kept["users"] = ids

    code_notes: dict[str, list[str]] = {}
    book = child(root, "CodeBook")
    for code in book.iter() if book is not None else []:
        if local(code) == "Code" and refs(code):
            code_notes[guid(code.get("guid"))] = refs(code)
    if code_notes:
        kept["codes"] = code_notes

    sources: dict[str, Any] = {}
    container = child(root, "Sources")
    for source in children(container, "TextSource") if container is not None else []:
        entry: dict[str, Any] = {a: source.get(a) for a in SOURCE_ATTRIBUTES if source.get(a)}
        for a in ("creatingUser", "modifyingUser"):
            if a in entry:
                entry[a] = guid(entry[a])
        if text_of(source, "Description"):
            entry["description"] = text_of(source, "Description")
        if refs(source):
            entry["notes"] = refs(source)
        values = [_value(vv, guid) for vv in children(source, "VariableValue")]
        if any(values):
            entry["variables"] = [v for v in values if v]
        if entry:
            sources[guid(source.get("guid"))] = entry
    if sources:
        kept["sources"] = sources

    variables: dict[str, Any] = {}
    holder = child(root, "Variables")
    for variable in children(holder, "Variable") if holder is not None else []:
        entry = {"name": (variable.get("name") or "").strip(), "type": variable.get("typeOfVariable") or "Text"}
        if text_of(variable, "Description"):
            entry["description"] = text_of(variable, "Description")
        variables[guid(variable.get("guid"))] = entry
    if variables:
        kept["variables"] = variables

    cases: dict[str, Any] = {}
    holder = child(root, "Cases")
    for case in children(holder, "Case") if holder is not None else []:
        name = (case.get("name") or case.get("guid") or "").strip()
        entry = {"guid": guid(case.get("guid"))}
        if text_of(case, "Description"):
            entry["description"] = text_of(case, "Description")
        if refs(case, "CodeRef"):
            entry["codes"] = refs(case, "CodeRef")
        if name:
            cases[name] = entry
    if cases:
        kept["cases"] = cases

    sets: dict[str, Any] = {}
    holder = child(root, "Sets")
    for member_set in children(holder, "Set") if holder is not None else []:
        entry = {}
        if refs(member_set, "MemberSource"):
            entry["sources"] = refs(member_set, "MemberSource")
        if refs(member_set, "MemberNote"):
            entry["notes"] = refs(member_set, "MemberNote")
        if entry:
            sets[guid(member_set.get("guid"))] = entry
    if sets:
        kept["sets"] = sets

    # every note that did not become a memo on a passage: the project's, a code's, a source's, a set's, or
    # one nothing refers to (NVivo's and MAXQDA's free memos)
    free = {g: n for g, n in notes.items() if g not in taken_notes and (n.get("text") or n.get("name"))}
    if free:
        kept["notes"] = free
    return kept


def _value(vv: Any, guid: Callable[[str | None], str]) -> list[str] | None:
    """A VariableValue as [variable GUID, value element's name, text], or None when it has neither."""
    ref = child(vv, "VariableRef")
    if ref is None or not ref.get("targetGUID"):
        return None
    for element in vv:
        kind = local(element)
        if kind.endswith("Value") and kind != "VariableValue":
            return [guid(ref.get("targetGUID")), kind, (element.text or "").strip()]
    return None


def kept_counts(kept: dict[str, Any], groups: Any) -> dict[str, int]:
    """What an import keeps without a field of its own, by kind with its count, for the import's summary."""
    project = kept.get("project", {})
    sources = kept.get("sources", {}).values()
    counts = {
        "code groups": len(groups or ()),
        "project description": 1 if project.get("description") else 0,
        "notes (project, codes, sources, free)": len(kept.get("notes", {})),
        "source descriptions": sum(1 for s in sources if s.get("description")),
        "source variable values": sum(len(s.get("variables", [])) for s in sources),
        "case descriptions": sum(1 for c in kept.get("cases", {}).values() if c.get("description")),
        "selection names": len(kept.get("selections", [])),
    }
    return {kind: n for kind, n in counts.items() if n}


class Foreign:
    """The kept parts, read back for an export: every look-up tolerates a damaged or hand-edited setting."""

    def __init__(self, data: Any) -> None:
        self.data = data if isinstance(data, dict) else {}

    def _section(self, name: str) -> dict[str, Any]:
        value = self.data.get(name)
        return value if isinstance(value, dict) else {}

    @property
    def project(self) -> dict[str, Any]:
        return self._section("project")

    def project_attributes(self) -> dict[str, str]:
        return {a: str(self.project[a]) for a in PROJECT_ATTRIBUTES if isinstance(self.project.get(a), str)}

    def description(self) -> str:
        value = self.project.get("description")
        return value if isinstance(value, str) else ""

    def user_id(self, guid: str) -> str | None:
        value = self._section("users").get(guid)
        return value if isinstance(value, str) and value else None

    def notes(self) -> dict[str, dict[str, str]]:
        return {
            g: {k: v for k, v in n.items() if isinstance(v, str)}
            for g, n in self._section("notes").items()
            if isinstance(n, dict)
        }

    def note_refs(self, kind: str, key: str | None = None) -> list[str]:
        """The notes a kept thing refers to: the project's (kind "project"), a code's or a source's."""
        if kind == "project":
            refs = self.project.get("notes")
        elif kind == "codes":
            refs = self._section("codes").get(key or "")
        else:
            entry = self._section(kind).get(key or "")
            refs = entry.get("notes") if isinstance(entry, dict) else None
        known = self._section("notes")
        return [r for r in refs if isinstance(r, str) and r in known] if isinstance(refs, list) else []

    def source(self, guid: str) -> dict[str, Any]:
        value = self._section("sources").get(guid)
        return value if isinstance(value, dict) else {}

    def source_attributes(self, guid: str) -> dict[str, str]:
        entry = self.source(guid)
        return {a: entry[a] for a in SOURCE_ATTRIBUTES if isinstance(entry.get(a), str)}

    def source_values(self, guid: str) -> list[tuple[str, str, str]]:
        """A source's variable values whose variable is kept: (variable GUID, value element, text)."""
        known = self._section("variables")
        values = self.source(guid).get("variables")
        out = []
        for v in values if isinstance(values, list) else []:
            if isinstance(v, list) and len(v) == 3 and all(isinstance(x, str) for x in v) and v[0] in known:
                out.append((v[0], v[1], v[2]))
        return out

    def variables(self) -> dict[str, dict[str, str]]:
        return {
            g: {k: x for k, x in v.items() if isinstance(x, str)}
            for g, v in self._section("variables").items()
            if isinstance(v, dict) and isinstance(v.get("name"), str)
        }

    def variable_named(self, name: str) -> tuple[str, dict[str, str]] | None:
        return next(((g, v) for g, v in self.variables().items() if v["name"] == name), None)

    def case(self, name: str) -> dict[str, Any]:
        value = self._section("cases").get(name)
        return value if isinstance(value, dict) else {}

    def set_members(self, guid: str, kind: str) -> list[str]:
        entry = self._section("sets").get(guid)
        refs = entry.get(kind) if isinstance(entry, dict) else None
        return [r for r in refs if isinstance(r, str)] if isinstance(refs, list) else []

    def selection_names(self) -> dict[tuple[str, int, int, str], str]:
        """Names other tools gave their selections (``line:12``), by (source GUID, start, end, coder) in
        stored positions."""
        out = {}
        rows = self.data.get("selections")
        for row in rows if isinstance(rows, list) else []:
            if (
                isinstance(row, list)
                and len(row) == 5
                and isinstance(row[0], str)
                and isinstance(row[1], int)
                and isinstance(row[2], int)
                and isinstance(row[3], str)
                and isinstance(row[4], str)
            ):
                out[(row[0], row[1], row[2], row[3])] = row[4]
        return out
