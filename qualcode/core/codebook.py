"""The codebook: themes ▸ subthemes ▸ codes, read from YAML, validated, edited.

A codebook file is YAML with a ``codes`` list; each code is a mapping with
``name`` and optionally ``id``, ``key`` (shortcut), ``colour``, ``description``,
``inclusion``, ``exclusion``, ``example``, ``keywords`` and ``children`` (nested
codes).  A flat list may instead name each code's ``parent`` by id or path.
Codes without an ``id`` get one derived from their path, so loading the same file
twice gives the same ids.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from qualcode.core.errors import BadInput
from qualcode.core.model import Code, CodeGroup

if TYPE_CHECKING:
    from qualcode.core.store import Store

ID_NAMESPACE = uuid.UUID("6f1d8a52-35c4-4c1e-9a57-8a6c2b0e6a11")
FIELDS = ("description", "inclusion", "exclusion", "example")
GROUP_KEYS = {"name", "id", "description", "codes"}
KNOWN_KEYS = {"id", "name", "key", "colour", "color", "keywords", "children", "parent", "exclusive", "codable", *FIELDS}
MAX_CODE_DEPTH = 50
"""Deepest a code may lie below its theme (a theme is at depth 0); real codebooks use three or four levels."""
MAX_CODES = 5_000
"""Most codes a codebook may hold; also bounds what YAML aliases can expand to."""
MAX_YAML_DEPTH = 2 * MAX_CODE_DEPTH + 10
"""Deepest YAML nesting read: each level of codes is a mapping and its 'children' list."""
MAX_CODEBOOK_FILE = 16 * 1024**2
"""Largest codebook file read (16 MiB); a codebook of thousands of codes is well under 1 MiB."""
RESERVED_KEYS = set("jkqumn/?* ")
"""Shortcut keys the coding workbench uses for moving and commands.

Upper-case letters are the workbench's commands too, so a shortcut key is a
lower-case letter, a digit or a sign not listed here.
"""


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot be a code's shortcut key, or None when it can."""
    if len(key) != 1:
        return f"shortcut key '{key}' must be a single character"
    if key in RESERVED_KEYS or key.isupper() or not key.isprintable():
        return f"shortcut key '{key}' is reserved for the workbench's commands; choose another"
    return None


@dataclass(frozen=True)
class Codebook:
    """An ordered tree of codes with look-ups by id, path and name."""

    codes: tuple[Code, ...]
    name: str = ""
    description: str = ""
    groups: tuple[CodeGroup, ...] | None = None
    """Groups of codes across the tree; None when the file it came from says nothing of groups (loading it
    keeps the project's groups), () when it says there are none."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_id", {c.id: c for c in self.codes})

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes)

    def __len__(self) -> int:
        return len(self.codes)

    def get(self, code_id: str) -> Code | None:
        return self._by_id.get(code_id)  # type: ignore[attr-defined,no-any-return]

    def children(self, code_id: str | None) -> list[Code]:
        return [c for c in self.codes if c.parent_id == code_id]

    def roots(self) -> list[Code]:
        return self.children(None)

    def ancestors(self, code_id: str) -> list[Code]:
        """From the root theme down to the code's parent."""
        chain: list[Code] = []
        code = self.get(code_id)
        while code is not None and code.parent_id is not None:
            code = self.get(code.parent_id)
            if code is not None:
                chain.append(code)
        return chain[::-1]

    def path(self, code_id: str) -> str:
        """``Theme/Subtheme/Code``: the code's names from the root, joined by ``/``."""
        code = self.get(code_id)
        if code is None:
            raise KeyError(code_id)
        return "/".join([*(a.name for a in self.ancestors(code_id)), code.name])

    def depth(self, code_id: str) -> int:
        return len(self.ancestors(code_id))

    def theme_of(self, code_id: str) -> Code:
        """The main theme (root) a code lies under; a theme is its own theme."""
        chain = self.ancestors(code_id)
        return chain[0] if chain else self._by_id[code_id]  # type: ignore[attr-defined,no-any-return]

    def descendants(self, code_id: str) -> list[Code]:
        out: list[Code] = []
        stack = [code_id]
        while stack:
            for child in self.children(stack.pop()):
                out.append(child)
                stack.append(child.id)
        return out

    def walk(self) -> Iterator[tuple[Code, int]]:
        """Every code with its depth, parents before children, in codebook order."""

        def visit(parent: str | None, depth: int) -> Iterator[tuple[Code, int]]:
            for code in self.children(parent):
                yield code, depth
                yield from visit(code.id, depth + 1)

        return visit(None, 0)

    def by_key(self, key: str) -> Code | None:
        return next((c for c in self.codes if c.key and c.key == key), None)

    def find(self, reference: str) -> Code | None:
        """A code by id, by path (``Theme/Subtheme/Code``) or by unique name."""
        reference = reference.strip()
        if reference in self._by_id:  # type: ignore[attr-defined]
            return self.get(reference)
        for code in self.codes:
            if self.path(code.id) == reference:
                return code
        named = [c for c in self.codes if c.name == reference]
        if len(named) == 1:
            return named[0]
        folded = [c for c in self.codes if c.name.casefold() == reference.casefold()]
        return folded[0] if len(folded) == 1 else None

    # -- renderings ------------------------------------------------------

    def render_tree(self, *, definitions: bool = True) -> str:
        """The tree as text, with shortcut keys and definitions."""
        lines = [self.name] if self.name else []
        for code, depth in self.walk():
            key = f"[{code.key}] " if code.key else "    "
            lines.append(f"{'  ' * depth}{key}{code.name}")
            if definitions and code.description:
                lines.append(f"{'  ' * depth}      {code.description}")
        for group in self.groups or ():
            members = [self.get(c) for c in group.codes]
            lines.append(f"group {group.name}: " + ", ".join(c.name for c in members if c is not None))
        return "\n".join(lines)

    def to_nested(self) -> list[dict[str, Any]]:
        """The tree as nested dicts: the JSON form of DESIGN.md, with every field."""

        def node(code: Code) -> dict[str, Any]:
            out: dict[str, Any] = {"name": code.name, "id": code.id, "key": code.key or None}
            for f in FIELDS:
                out[f] = getattr(code, f)
            if code.colour:
                out["colour"] = code.colour
            if code.keywords:
                out["keywords"] = list(code.keywords)
            if code.exclusive:
                out["exclusive"] = True
            if not code.codable:
                out["codable"] = False
            out["children"] = [node(c) for c in self.children(code.id)]
            return out

        return [node(c) for c in self.roots()]

    def to_json(self) -> str:
        return json.dumps(self.to_nested(), ensure_ascii=False, indent=2)

    def to_yaml(self) -> str:
        import yaml

        def clean(node: dict[str, Any]) -> dict[str, Any]:
            out: dict[str, Any] = {"name": node["name"], "id": node["id"]}
            if node["key"]:
                out["key"] = node["key"]
            if node.get("colour"):
                out["colour"] = node["colour"]
            for f in FIELDS:
                if node[f]:
                    out[f] = node[f]
            if node.get("keywords"):
                out["keywords"] = node["keywords"]
            if node.get("exclusive"):
                out["exclusive"] = True
            if node.get("codable") is False:
                out["codable"] = False
            if node["children"]:
                out["children"] = [clean(c) for c in node["children"]]
            return out

        doc: dict[str, Any] = {}
        if self.name:
            doc["name"] = self.name
        if self.description:
            doc["description"] = self.description
        doc["codes"] = [clean(n) for n in self.to_nested()]
        if self.groups:
            doc["groups"] = [
                {
                    "name": g.name,
                    "id": g.id,
                    **({"description": g.description} if g.description else {}),
                    "codes": [self.path(c) for c in g.codes if self.get(c) is not None],
                }
                for g in self.groups
            ]
        return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=100)


# -- loading -----------------------------------------------------------------


def _check_nesting(text: str, where: str) -> None:
    """Refuse YAML nested deeper than `MAX_YAML_DEPTH` before it is composed.

    PyYAML's composer recurses once per level, so a file nested a few thousand
    levels deep would end in a RecursionError; its parser does not, so the
    events are walked here first.
    """
    import yaml

    depth = 0
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_YAML_DEPTH:
                raise BadInput(
                    f"line {event.start_mark.line + 1}: nested more than {MAX_YAML_DEPTH} levels deep; "
                    f"codes may lie at most {MAX_CODE_DEPTH} levels below their theme",
                    where=where,
                )
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def parse_codebook(text: str, where: str = "codebook") -> Codebook:
    """Parse codebook YAML (JSON is YAML too) and validate it; errors name the line."""
    import yaml

    try:
        _check_nesting(text, where)
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise BadInput(f"{line}invalid YAML ({problem})", where=where) from None
    if node is None:
        raise BadInput("is empty; a codebook needs a 'codes' list", where=where)
    top = _mapping(node, where)
    if isinstance(node, yaml.SequenceNode):
        entries, name, description = node, "", ""
    else:
        if "codes" not in top:
            raise BadInput(f"line {node.start_mark.line + 1}: a codebook needs a 'codes' list", where=where)
        entries = top["codes"][1]
        name = _scalar(top.get("name", (None, None))[1], where) or ""
        description = _scalar(top.get("description", (None, None))[1], where) or ""
    if not isinstance(entries, yaml.SequenceNode):
        raise BadInput(f"line {entries.start_mark.line + 1}: 'codes' must be a list", where=where)
    builder = _Builder(where)
    for entry in entries.value:
        builder.add(entry, parent=None, depth=0)
    book = builder.finish(name, description)
    if "groups" in top:
        book = replace(book, groups=_groups(top["groups"][1], book, where))
    return book


def _groups(node: Any, book: Codebook, where: str) -> tuple[CodeGroup, ...]:
    """The codebook's ``groups`` list: each a name, an optional id and description, and its codes by path,
    unique name or id."""
    import yaml

    if isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null":
        return ()
    if not isinstance(node, yaml.SequenceNode):
        raise BadInput(f"line {node.start_mark.line + 1}: 'groups' must be a list", where=where)
    groups: list[CodeGroup] = []
    names: set[str] = set()
    for entry in node.value:
        line = entry.start_mark.line + 1
        fields = _mapping(entry, where)
        if not isinstance(entry, yaml.MappingNode) or "name" not in fields:
            raise BadInput(f"line {line}: each group must be a mapping with a 'name' and its 'codes'", where=where)
        unknown = sorted(set(fields) - GROUP_KEYS)
        if unknown:
            raise BadInput(
                f"line {line}: unknown field '{unknown[0]}' in a group (known: {', '.join(sorted(GROUP_KEYS))})",
                where=where,
            )
        name = _scalar(fields["name"][1], where) or ""
        if not name:
            raise BadInput(f"line {line}: a group needs a name", where=where)
        if name.casefold() in names:
            raise BadInput(f"line {line}: two groups named '{name}'", where=where)
        names.add(name.casefold())
        gid = _scalar(fields["id"][1], where) if "id" in fields else None
        description = _scalar(fields["description"][1], where) if "description" in fields else None
        members: list[str] = []
        codes_node = fields.get("codes", (None, None))[1]
        if codes_node is not None and not isinstance(codes_node, yaml.SequenceNode):
            raise BadInput(f"line {codes_node.start_mark.line + 1}: a group's 'codes' must be a list", where=where)
        for ref_node in codes_node.value if codes_node is not None else []:
            ref = _scalar(ref_node, where) or ""
            code = book.find(ref)
            if code is None:
                raise BadInput(
                    f"line {ref_node.start_mark.line + 1}: group '{name}' names '{ref}', which is not a code of "
                    "this codebook (give its path, unique name or id)",
                    where=where,
                )
            if code.id not in members:
                members.append(code.id)
        groups.append(
            CodeGroup(
                _normalise_id(gid) if gid else str(uuid.uuid5(ID_NAMESPACE, f"group:{name}")),
                name,
                description or "",
                tuple(members),
            )
        )
    return tuple(groups)


def _mapping(node: Any, where: str) -> dict[str, tuple[Any, Any]]:
    """A YAML mapping node as {key: (key node, value node)}, refusing duplicate keys."""
    import yaml

    if not isinstance(node, yaml.MappingNode):
        return {}
    out: dict[str, tuple[Any, Any]] = {}
    for key_node, value_node in node.value:
        key = str(key_node.value)
        if key in out:
            raise BadInput(f"line {key_node.start_mark.line + 1}: '{key}' is given twice in the same code", where=where)
        out[key] = (key_node, value_node)
    return out


def _scalar(node: Any, where: str) -> str | None:
    import yaml

    if node is None:
        return None
    if not isinstance(node, yaml.ScalarNode):
        raise BadInput(f"line {node.start_mark.line + 1}: expected text here", where=where)
    if node.tag == "tag:yaml.org,2002:null":
        return None
    return _joined_surrogates(str(node.value), node, where).strip()


def _joined_surrogates(text: str, node: Any, where: str) -> str:
    """YAML reads each ``\\uXXXX`` escape alone, so a character beyond U+FFFF that JSON wrote as a surrogate
    pair arrives as two halves: joined here; a half without its other half is no character and is refused."""
    if not any("\ud800" <= c <= "\udfff" for c in text):
        return text
    try:
        return text.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        raise BadInput(
            f"line {node.start_mark.line + 1}: holds half of a UTF-16 surrogate pair, which is no character; "
            "write the character itself",
            where=where,
        ) from None


class _Builder:
    """Collects codes from YAML nodes and checks the tree as it goes."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.codes: list[Code] = []
        self.lines: dict[str, int] = {}
        self.paths: dict[str, str] = {}
        self.keys: dict[str, int] = {}
        self.parent_refs: list[tuple[int, str, int]] = []  # (index, reference, line)
        self.open_nodes: set[int] = set()  # YAML aliases can make a node its own descendant

    def fail(self, line: int, message: str) -> BadInput:
        return BadInput(f"line {line}: {message}", where=self.where)

    def add(self, node: Any, parent: str | None, depth: int) -> None:
        """Add the code a YAML node describes (at ``depth`` below its theme) and its children."""
        import yaml

        line = node.start_mark.line + 1
        if not isinstance(node, yaml.MappingNode):
            raise self.fail(line, "each code must be a mapping with at least a 'name'")
        if id(node) in self.open_nodes:
            raise self.fail(line, "this code contains itself through a YAML alias (a cycle)")
        if depth > MAX_CODE_DEPTH:
            raise self.fail(line, f"codes lie more than {MAX_CODE_DEPTH} levels deep; flatten the tree")
        if len(self.codes) >= MAX_CODES:
            # YAML aliases can repeat a subtree many times over ("billion laughs").
            raise self.fail(
                line, f"more than {MAX_CODES} codes (counting what YAML aliases repeat); split the codebook"
            )
        self.open_nodes.add(id(node))
        try:
            self._add(node, fields=_mapping(node, self.where), line=line, parent=parent, depth=depth)
        finally:
            self.open_nodes.discard(id(node))

    def _add(self, node: Any, *, fields: dict[str, tuple[Any, Any]], line: int, parent: str | None, depth: int) -> None:
        import yaml

        unknown = sorted(set(fields) - KNOWN_KEYS)
        if unknown:
            raise self.fail(
                fields[unknown[0]][0].start_mark.line + 1,
                f"unknown field '{unknown[0]}'; a code may have {', '.join(sorted(KNOWN_KEYS))}",
            )
        name = _scalar(fields.get("name", (None, None))[1], self.where)
        if not name:
            raise self.fail(line, "this code has no name")
        if "/" in name:
            raise self.fail(line, f"code name '{name}' contains '/', which separates levels in paths")
        parent_path = self.paths[parent] + "/" if parent else ""
        path = parent_path + name
        code_id = _scalar(fields.get("id", (None, None))[1], self.where)
        code_id = _normalise_id(code_id) if code_id else str(uuid.uuid5(ID_NAMESPACE, path))
        if code_id in self.lines:
            raise self.fail(line, f"id {code_id} is used already by the code on line {self.lines[code_id]}")
        key = _scalar(fields.get("key", (None, None))[1], self.where) or ""
        if key:
            problem = key_problem(key)
            if problem:
                raise self.fail(line, problem)
            if key in self.keys:
                raise self.fail(line, f"shortcut key '{key}' is used already by the code on line {self.keys[key]}")
            self.keys[key] = line
        keywords_node = fields.get("keywords", (None, None))[1]
        keywords: tuple[str, ...] = ()
        if keywords_node is not None:
            if not isinstance(keywords_node, yaml.SequenceNode):
                raise self.fail(keywords_node.start_mark.line + 1, "'keywords' must be a list")
            keywords = tuple(k for k in (_scalar(k, self.where) for k in keywords_node.value) if k)
        colour_node = fields.get("colour", fields.get("color", (None, None)))[1]
        exclusive_text = (_scalar(fields.get("exclusive", (None, None))[1], self.where) or "false").lower()
        if exclusive_text not in ("true", "false", "yes", "no"):
            raise self.fail(line, f"'exclusive' is true or false, not '{exclusive_text}'")
        exclusive = exclusive_text in ("true", "yes")
        codable_text = (_scalar(fields.get("codable", (None, None))[1], self.where) or "true").lower()
        if codable_text not in ("true", "false", "yes", "no"):
            raise self.fail(line, f"'codable' is true or false, not '{codable_text}'")
        parent_ref = _scalar(fields.get("parent", (None, None))[1], self.where)
        if parent_ref and parent is not None:
            raise self.fail(line, "a nested code cannot also name a 'parent'")
        code = Code(
            id=code_id,
            name=name,
            parent_id=parent,
            colour=_scalar(colour_node, self.where) or "",
            key=key,
            keywords=keywords,
            position=len(self.codes),
            exclusive=exclusive,
            codable=codable_text in ("true", "yes"),
            **{f: _scalar(fields.get(f, (None, None))[1], self.where) or "" for f in FIELDS},
        )
        if parent_ref:
            self.parent_refs.append((len(self.codes), parent_ref, line))
        self.codes.append(code)
        self.lines[code_id] = line
        self.paths[code_id] = path
        children = fields.get("children", (None, None))[1]
        if children is not None and _scalar_or_list(children) is not None:
            if not isinstance(children, yaml.SequenceNode):
                raise self.fail(children.start_mark.line + 1, "'children' must be a list of codes")
            for child in children.value:
                self.add(child, parent=code_id, depth=depth + 1)

    def finish(self, name: str, description: str) -> Codebook:
        """Resolve 'parent' references, check the tree (cycles, depth, sibling names), order it."""
        by_id = {code.id: i for i, code in enumerate(self.codes)}
        by_name: dict[str, list[int]] = {}
        by_folded: dict[str, list[int]] = {}
        for i, code in enumerate(self.codes):
            by_name.setdefault(code.name, []).append(i)
            by_folded.setdefault(code.name.casefold(), []).append(i)
        # Resolve in file order; a path may go through a parent resolved just before it.
        current = {code.id: code for code in self.codes}
        for index, ref, line in self.parent_refs:
            target = self._resolve(ref, current, by_id, by_name, by_folded)
            if target is None:
                raise self.fail(line, f"parent '{ref}' is not a code in this codebook")
            self.codes[index] = replace(self.codes[index], parent_id=self.codes[target].id)
            current[self.codes[index].id] = self.codes[index]
        for code in self.codes:
            seen = {code.id}
            current = code
            while current.parent_id is not None:
                if current.parent_id in seen:
                    raise self.fail(self.lines[code.id], f"code '{code.name}' is its own ancestor (a cycle)")
                if len(seen) > MAX_CODE_DEPTH:
                    raise self.fail(
                        self.lines[code.id],
                        f"code '{code.name}' lies more than {MAX_CODE_DEPTH} levels below its theme; flatten the tree",
                    )
                seen.add(current.parent_id)
                current = self.codes[by_id[current.parent_id]]
        book = Codebook(tuple(self.codes), name, description)
        _check_sibling_names(
            book, lambda c: self.fail(self.lines[c.id], f"two codes named '{c.name}' under the same parent")
        )
        for code in self.codes:
            if code.exclusive and not kids_of(self.codes, code.id):
                raise self.fail(
                    self.lines[code.id], f"'{code.name}' is exclusive but has no codes under it to choose from"
                )
        # Parents before children, keeping file order among siblings (Codebook.walk's
        # order, built here in linear time for large codebooks).
        kids: dict[str | None, list[Code]] = {}
        for code in self.codes:
            kids.setdefault(code.parent_id, []).append(code)
        ordered: list[Code] = []
        stack = list(reversed(kids.get(None, [])))
        while stack:
            code = stack.pop()
            ordered.append(replace(code, position=len(ordered)))
            stack.extend(reversed(kids.get(code.id, [])))
        return Codebook(tuple(ordered), name, description)

    def _has_path(self, index: int, parts: list[str], current: dict[str, Code]) -> bool:
        """Whether the code's path is ``parts`` now, compared from the code upwards and stopping at the first miss."""
        code: Code | None = self.codes[index]
        for part in reversed(parts):
            if code is None or code.name != part:
                return False
            code = current.get(code.parent_id) if code.parent_id is not None else None
        return code is None

    def _resolve(
        self,
        ref: str,
        current: dict[str, Code],
        by_id: dict[str, int],
        by_name: dict[str, list[int]],
        by_folded: dict[str, list[int]],
    ) -> int | None:
        """The index of the code a 'parent' names: by id, by path, or by unique name (as `Codebook.find`)."""
        for reference in dict.fromkeys((_normalise_id(ref), ref.strip())):
            if reference in by_id:
                return by_id[reference]
            parts = reference.split("/")
            if len(parts) <= MAX_CODE_DEPTH + 1:
                for i in by_name.get(parts[-1], []):
                    if self._has_path(i, parts, current):
                        return i
            if len(by_name.get(reference, [])) == 1:
                return by_name[reference][0]
            if len(by_folded.get(reference.casefold(), [])) == 1:
                return by_folded[reference.casefold()][0]
        return None


def kids_of(codes: tuple[Code, ...] | list[Code], code_id: str) -> list[Code]:
    return [c for c in codes if c.parent_id == code_id]


def _check_sibling_names(book: Codebook, error: Any) -> None:
    seen: set[tuple[str | None, str]] = set()
    for code in book.codes:
        key = (code.parent_id, code.name.casefold())
        if key in seen:
            raise error(code)
        seen.add(key)


def _scalar_or_list(node: Any) -> Any:
    """None for an empty YAML value (``children:`` with nothing after it)."""
    if getattr(node, "tag", "") == "tag:yaml.org,2002:null":
        return None
    return node


def _normalise_id(value: str) -> str:
    """GUIDs come in either case, with or without braces; keep one form."""
    stripped = value.strip().strip("{}")
    try:
        return str(uuid.UUID(stripped))
    except ValueError:
        return value.strip()


def codebook_from_codes(
    codes: Iterable[Code], name: str = "", description: str = "", groups: tuple[CodeGroup, ...] | None = None
) -> Codebook:
    """A codebook in tree order from codes in any order; codes that do not form a tree are refused.

    Stored codes come from a project file, which a tool run with foreign keys
    off (or a hand edit) can leave with a cycle of parents or a parent that is
    gone. The tree is walked from its themes, so such codes would silently
    vanish from every view, table and agreement statistic; a `BadInput` naming
    them is raised instead. The order is `Codebook.walk`'s (parents before
    children, siblings in the given order), built without recursion in linear time.
    """
    given = tuple(codes)
    by_id = {c.id: c for c in given}
    kids: dict[str | None, list[Code]] = {}
    for code in given:
        kids.setdefault(code.parent_id, []).append(code)
    for code in given:
        if code.parent_id is not None and code.parent_id not in by_id:
            raise BadInput(
                f"code '{code.name}' ({code.id}) lies under a code that does not exist ({code.parent_id}); "
                "the project file is damaged — restore it from a backup",
                where="codebook",
            )
    ordered: list[Code] = []
    stack = list(reversed(kids.get(None, [])))
    while stack:
        code = stack.pop()
        ordered.append(code)
        stack.extend(reversed(kids.get(code.id, [])))
    placed = {c.id for c in ordered}
    left_out = [c.id for c in given if c.id not in placed]
    if left_out:
        # Every code left out lies in a cycle or below one; follow parents from one until a code repeats.
        chain: list[str] = [left_out[0]]
        while (parent := by_id[chain[-1]].parent_id) not in chain:
            chain.append(parent)  # type: ignore[arg-type]
        cycle = chain[chain.index(parent) :]
        names = " → ".join(f"'{by_id[i].name}'" for i in [*reversed(cycle), cycle[-1]])
        raise BadInput(
            f"codes {names} are each other's parents (a cycle), so they belong to no theme; "
            "the project file is damaged — restore it from a backup",
            where="codebook",
        )
    return Codebook(tuple(ordered), name, description, groups)


def codebook_of(store: Store) -> Codebook:
    """The project's codebook as it is stored, with its name and description."""
    codes = store.codebook.codes()
    return codebook_from_codes(
        codes,
        str(store.settings.get("codebook_name", "") or ""),
        str(store.settings.get("codebook_description", "") or ""),
        groups_of(store, {c.id for c in codes}),
    )


def groups_of(store: Store, known: set[str]) -> tuple[CodeGroup, ...]:
    """The project's code groups, each with the members that are still codes of the codebook."""
    stored = store.settings.get("code_groups", []) or []
    groups = []
    for g in stored if isinstance(stored, list) else []:
        if isinstance(g, dict) and isinstance(g.get("name"), str) and isinstance(g.get("id"), str):
            members = tuple(c for c in g.get("codes") or [] if c in known)
            groups.append(CodeGroup(g["id"], g["name"], str(g.get("description") or ""), members))
    return tuple(groups)


def store_groups(store: Store, groups: tuple[CodeGroup, ...]) -> None:
    store.settings.set(
        "code_groups",
        [{"id": g.id, "name": g.name, "description": g.description, "codes": list(g.codes)} for g in groups],
    )
