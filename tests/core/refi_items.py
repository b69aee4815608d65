"""The items of a REFI-QDA project as comparable tuples, to check a round trip item by item.

GUIDs the standard leaves to the writer (a selection's, a coding's, a memo note's) are not compared; what a
selection is (its source, passage, user, code, name and memo) is. A selection with several codings counts as
one item per coding, as qualcode writes it.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

OURS = "Exported by qualcode; unit of coding:"


def _l(e: Any) -> str:
    return etree.QName(e).localname if isinstance(e.tag, str) else ""


def _kids(e: Any, name: str) -> list[Any]:
    return [c for c in e if _l(c) == name]


def _kid(e: Any, name: str) -> Any:
    return next((c for c in e if _l(c) == name), None)


def _g(value: str | None) -> str:
    return (value or "").strip("{}").lower()


def _text(e: Any, name: str) -> str:
    found = _kid(e, name)
    return (found.text or "").strip() if found is not None else ""


def _raw(e: Any, name: str) -> str:
    found = _kid(e, name)
    return found.text or "" if found is not None else ""


def _refs(e: Any, name: str, attribute: str = "targetGUID") -> tuple[str, ...]:
    return tuple(sorted(_g(r.get(attribute) or r.get("guid")) for r in _kids(e, name)))


def _values(e: Any) -> tuple[tuple[str, str, str], ...]:
    out = []
    for vv in _kids(e, "VariableValue"):
        ref = _kid(vv, "VariableRef")
        for value in vv:
            if _l(value).endswith("Value") and _l(value) != "VariableValue":
                out.append((_g(ref.get("targetGUID")), _l(value), (value.text or "").strip()))
    return tuple(sorted(out))


def items(qde: bytes, texts: dict[str, str]) -> dict[str, set[tuple[Any, ...]]]:
    """Each kind of item of a project.qde; ``texts`` are the sources' texts by GUID."""
    root = etree.fromstring(qde)
    out: dict[str, set[tuple[Any, ...]]] = {
        k: set() for k in ("project", "users", "codes", "variables", "cases", "sources", "selections", "notes", "sets")
    }
    description = _text(root, "Description").split(OURS)[0].strip()
    out["project"].add(
        (root.get("name"), description, root.get("basePath"), _g(root.get("creatingUserGUID")), _refs(root, "NoteRef"))
    )
    users = _kid(root, "Users")
    for u in _kids(users, "User") if users is not None else []:
        out["users"].add((_g(u.get("guid")), u.get("name"), u.get("id")))

    def codes(holder: Any, parent: str) -> None:
        for i, c in enumerate(_kids(holder, "Code")):
            out["codes"].add(
                (
                    _g(c.get("guid")),
                    c.get("name"),
                    c.get("isCodable"),
                    (c.get("color") or "").upper(),
                    _text(c, "Description"),
                    parent,
                    i,
                    _refs(c, "NoteRef"),
                )
            )
            codes(c, _g(c.get("guid")))

    book = _kid(root, "CodeBook")
    if book is not None:
        codes(_kid(book, "Codes"), "")
    holder = _kid(root, "Variables")
    for v in _kids(holder, "Variable") if holder is not None else []:
        out["variables"].add((_g(v.get("guid")), v.get("name"), v.get("typeOfVariable"), _text(v, "Description")))
    holder = _kid(root, "Cases")
    for c in _kids(holder, "Case") if holder is not None else []:
        out["cases"].add(
            (
                _g(c.get("guid")),
                c.get("name"),
                _text(c, "Description"),
                _refs(c, "CodeRef"),
                _values(c),
                _refs(c, "SourceRef"),
            )
        )
    notes = {}
    holder = _kid(root, "Notes")
    for n in _kids(holder, "Note") if holder is not None else []:
        notes[_g(n.get("guid"))] = n
    memo_notes: set[str] = set()
    holder = _kid(root, "Sources")
    for s in _kids(holder, "TextSource") if holder is not None else []:
        guid = _g(s.get("guid"))
        attributes = tuple(
            (a, _g(s.get(a)) if "User" in a else s.get(a))
            for a in ("creatingUser", "modifyingUser", "modifiedDateTime")
            if s.get(a)
        )
        out["sources"].add(
            (
                guid,
                s.get("name"),
                texts.get(guid, _raw(s, "PlainTextContent")),
                _text(s, "Description"),
                attributes,
                _refs(s, "NoteRef"),
                _values(s),
            )
        )
        for sel in _kids(s, "PlainTextSelection"):
            memo = [_text(sel, "Description")] if _text(sel, "Description") else []
            for ref in _kids(sel, "NoteRef") + [r for c in _kids(sel, "Coding") for r in _kids(c, "NoteRef")]:
                memo_notes.add(_g(ref.get("targetGUID")))
                note = notes.get(_g(ref.get("targetGUID")))
                if note is not None and _text(note, "PlainTextContent") not in memo:
                    memo.append(_text(note, "PlainTextContent"))
            base = (
                guid,
                int(sel.get("startPosition")),
                int(sel.get("endPosition")),
                _g(sel.get("creatingUser")),
                sel.get("name"),
            )
            for coding in _kids(sel, "Coding") or [None]:
                code = _g(_kid(coding, "CodeRef").get("targetGUID")) if coding is not None else ""
                out["selections"].add((*base, code, "\n\n".join(memo)))
    for guid, n in notes.items():
        if guid not in memo_notes:
            out["notes"].add((guid, n.get("name"), _text(n, "PlainTextContent"), _g(n.get("creatingUser"))))
    holder = _kid(root, "Sets")
    for s in _kids(holder, "Set") if holder is not None else []:
        out["sets"].add(
            (
                _g(s.get("guid")),
                s.get("name"),
                _text(s, "Description"),
                _refs(s, "MemberCode"),
                _refs(s, "MemberSource"),
                _refs(s, "MemberNote"),
            )
        )
    return out


def archive_items(path: Any) -> dict[str, set[tuple[Any, ...]]]:
    """The items of a .qdpx, the texts read from its sources folder."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        qde = z.read(next(n for n in names if n.lower().endswith(".qde")))
        root = etree.fromstring(qde)
        texts = {}
        for s in root.iter():
            if _l(s) == "TextSource" and s.get("plainTextPath"):
                target = s.get("plainTextPath").removeprefix("internal://")
                member = next((n for n in names if n.lower() in (f"sources/{target}".lower(), target.lower())), None)
                if member:
                    texts[_g(s.get("guid"))] = z.read(member).decode("utf-8-sig").replace("\r\n", "\n")
    return items(qde, texts)
