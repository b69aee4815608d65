"""Changing the codebook of a project while keeping every coding consistent.

Each change runs in one transaction and is written to the audit log.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import replace

from qualcode.core.codebook import Codebook, codebook_from_codes, groups_of, key_problem, store_groups
from qualcode.core.errors import BadInput
from qualcode.core.model import Code
from qualcode.core.store import Store

_HEX = re.compile(r"#(?:[0-9A-Fa-f]{3}|[0-9A-Fa-f]{6})")


def colour_problem(colour: str) -> str | None:
    """Why ``colour`` cannot be a code's colour (empty is none), or None when it can."""
    if not colour.strip() or _HEX.fullmatch(colour.strip()):
        return None
    return f"colour '{colour}' is not a colour; write it as #RRGGBB, e.g. #1f77b4 (or leave it empty)"


def _book(store: Store) -> Codebook:
    return codebook_from_codes(store.codebook.codes())


def _check_name_free(book: Codebook, parent_id: str | None, name: str, except_id: str | None = None) -> None:
    if not name.strip():
        raise BadInput("a code needs a name", where="name")
    if "/" in name:
        raise BadInput("'/' separates levels in code paths; use another character", where=name)
    for sibling in book.children(parent_id):
        if sibling.id != except_id and sibling.name.casefold() == name.casefold():
            raise BadInput("a code with this name is already under the same parent", where=name)


def _check_key_free(book: Codebook, key: str, except_id: str | None = None) -> None:
    if not key:
        return
    problem = key_problem(key)
    if problem:
        raise BadInput(problem)
    other = book.by_key(key)
    if other is not None and other.id != except_id:
        raise BadInput(f"the key is taken by '{book.path(other.id)}'", where=key)


def add(store: Store, name: str, parent_id: str | None = None, *, actor: str, key: str = "", **fields: str) -> Code:
    """Add a code under a parent (None for a new theme)."""
    book = _book(store)
    _check_name_free(book, parent_id, name)
    _check_key_free(book, key)
    position = max((c.position for c in book.codes), default=-1) + 1
    code = Code(id=str(uuid.uuid4()), name=name.strip(), parent_id=parent_id, key=key, position=position, **fields)
    with store.transaction():
        store.codebook.insert(code)
        store.audit.log(actor, "code.add", code.id, name=code.name, parent=parent_id)
    return code


def update(store: Store, code_id: str, *, actor: str, seen: int | None = None, **changes: object) -> Code:
    """Edit a code's definition fields, colour, keywords or shortcut key.

    ``seen`` is the version of the code the editor showed; when the stored code
    was saved since (by another session), the edit is refused, never laid over it.
    """
    book = _book(store)
    code = _as_seen(book, code_id, seen)
    if "name" in changes:
        _check_name_free(book, code.parent_id, str(changes["name"]), code_id)
    if "key" in changes:
        _check_key_free(book, str(changes["key"] or ""), code_id)
    if "parent_id" in changes:
        raise BadInput("use move to give a code another parent", where=code.name)
    if "colour" in changes and (problem := colour_problem(str(changes["colour"] or ""))):
        raise BadInput(problem, where=code.name)
    new = replace(code, **changes)  # type: ignore[arg-type]
    with store.transaction():
        _save(store, new)
        before = {k: getattr(code, k) for k in changes}
        store.audit.log(actor, "code.edit", code_id, before=_jsonable(before), after=_jsonable(changes))
    return new


def rename(store: Store, code_id: str, new_name: str, *, actor: str, seen: int | None = None) -> Code:
    return update(store, code_id, actor=actor, seen=seen, name=new_name.strip())


def _as_seen(book: Codebook, code_id: str, seen: int | None) -> Code:
    """The stored code, refused when it was saved since the editor read version ``seen``."""
    code = book.get(code_id)
    if code is None:
        raise BadInput("no such code", where=code_id)
    if seen is not None and seen != code.version:
        raise StaleEdit(code)
    return code


def _save(store: Store, code: Code) -> None:
    """Write an edit made on ``code.version``; refused when another session saved the code in between."""
    if not store.codebook.update(code):
        current = store.codebook.get(code.id)
        if current is None:
            raise BadInput("was deleted by another session; nothing was saved", where=code.name)
        raise StaleEdit(current)


class StaleEdit(BadInput):
    """Another session saved the code since this edit read it: the edit is refused, nothing is overwritten."""

    def __init__(self, current: Code) -> None:
        self.current = current
        shown = f"name '{current.name}'"
        if current.description:
            shown += f", definition '{_clip(current.description)}'"
        super().__init__(
            f"was changed by someone else since you opened it (it is now version {current.version}: {shown}); "
            "nothing was saved: open it again and redo your edit",
            where=current.name,
        )


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def move(store: Store, code_id: str, new_parent: str | None, *, actor: str, seen: int | None = None) -> Code:
    """Put a code (with everything under it) under another parent; codings stay on it."""
    book = _book(store)
    code = _as_seen(book, code_id, seen)
    if new_parent is not None and (new_parent == code_id or new_parent in {d.id for d in book.descendants(code_id)}):
        raise BadInput("a code cannot move under itself or under one of its own codes", where=code.name)
    _check_name_free(book, new_parent, code.name, code_id)
    new = replace(code, parent_id=new_parent)
    with store.transaction():
        _save(store, new)
        store.audit.log(actor, "code.move", code_id, before=code.parent_id, after=new_parent)
    return new


def merge(store: Store, source_id: str, target_id: str, *, actor: str) -> int:
    """Fold one code into another: its codings, memos and children go to the target."""
    book = _book(store)
    source, target = book.get(source_id), book.get(target_id)
    if source is None or target is None:
        raise BadInput("no such code", where=source_id if source is None else target_id)
    if source_id == target_id:
        raise BadInput("a code cannot be merged into itself", where=source.name)
    if target_id in {d.id for d in book.descendants(source_id)}:
        raise BadInput("a code cannot be merged into one of its own codes", where=source.name)
    with store.transaction():
        for child in book.children(source_id):
            _check_name_free(_book(store), target_id, child.name, child.id)
            _save(store, replace(child, parent_id=target_id))
        moved = store.codebook.move_codings(source_id, target_id)
        # the merged code's place in groups goes to the code it became
        groups = groups_of(store, {c.id for c in book.codes})
        store_groups(
            store,
            tuple(
                replace(g, codes=tuple(dict.fromkeys(target_id if c == source_id else c for c in g.codes)))
                for g in groups
            ),
        )
        store.codebook.delete(source_id)
        store.audit.log(actor, "code.merge", source_id, into=target_id, name=source.name, codings=moved)
    return moved


def delete(store: Store, code_id: str, *, force: bool = False, actor: str) -> int:
    """Remove a code with no codings and no children; with force, its codings go too."""
    book = _book(store)
    code = book.get(code_id)
    if code is None:
        raise BadInput("no such code", where=code_id)
    if book.children(code_id):
        raise BadInput("has codes under it; move, merge or delete those first", where=book.path(code_id))
    used = store.codebook.usage().get(code_id, 0)
    if used and not force:
        raise BadInput(
            f"is applied {used} times; merge it into another code, or delete with --force to drop those codings",
            where=book.path(code_id),
        )
    with store.transaction():
        removed = store.codebook.delete_codings_of(code_id)
        store.codebook.delete(code_id)
        store.audit.log(actor, "code.delete", code_id, name=code.name, path=book.path(code_id), codings=removed)
    return removed


def load_into(store: Store, incoming: Codebook, *, actor: str) -> dict[str, int]:
    """Bring a codebook into a project, matching codes by id.

    New codes are added, known ones updated; a code the project has but the file
    lacks is removed only when nothing is coded with it, otherwise the load is
    refused naming that code.
    """
    current = _book(store)
    incoming_ids = {c.id for c in incoming.codes}
    usage = store.codebook.usage()
    missing_used = [c for c in current.codes if c.id not in incoming_ids and usage.get(c.id)]
    if missing_used:
        c = missing_used[0]
        raise BadInput(
            f"the new codebook lacks code '{current.path(c.id)}', which is applied {usage[c.id]} times; "
            "add it to the file or merge it into another code first",
            where=c.id,
        )
    counts = {"added": 0, "updated": 0, "unchanged": 0, "removed": 0}
    # Where a code stands among the codes (walk order), not its raw position number, says whether it moved.
    rank_now = {c.id: i for i, (c, _depth) in enumerate(current.walk())}
    rank_new = {c.id: i for i, (c, _depth) in enumerate(incoming.walk())}
    with store.transaction():
        # Clear keys first so that swapping two codes' keys does not collide.
        store.codebook.clear_shortcut_keys()
        for code in incoming.codes:
            known = current.get(code.id)
            if known is None:
                store.codebook.insert(code)
                counts["added"] += 1
            else:
                # A codebook file knows no versions: the load edits the version stored.
                _save(store, replace(code, version=known.version))
                same = (
                    replace(known, position=0) == replace(code, position=0, version=known.version)
                    and rank_now[code.id] == rank_new[code.id]
                )
                counts["unchanged" if same else "updated"] += 1
        for code in reversed([c for c, _ in current.walk()]):
            if code.id not in incoming_ids:
                store.codebook.delete_codings_of(code.id)
                store.codebook.delete(code.id)
                counts["removed"] += 1
        if incoming.groups is not None:
            # a file that says nothing of groups (an older YAML, a .qdc without Sets) leaves them as they are
            store_groups(store, incoming.groups)
            counts["groups"] = len(incoming.groups)
        if incoming.name:
            store.settings.set("codebook_name", incoming.name)
        if incoming.description:
            store.settings.set("codebook_description", incoming.description)
        store.audit.log(actor, "codebook.load", incoming.name or "codebook", **counts)
    return counts


def _jsonable(values: dict[str, object]) -> dict[str, object]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}
