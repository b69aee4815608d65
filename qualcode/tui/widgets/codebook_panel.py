"""The codebook beside the transcript: the tree with shortcut keys, and the highlighted code's definition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import Static, Tree

from qualcode.core.codebook import Codebook
from qualcode.core.model import Code
from qualcode.tui.widgets.transcript_view import chip_style


def code_label(code: Code, count: int | None = None) -> Text:
    """A tree label: shortcut key, a colour chip and the name (and how often it is used)."""
    label = Text()
    label.append(f"[{code.key}] " if code.key else "    ", style="bold")
    label.append("  ", style=chip_style(code.colour))
    label.append(" " + code.name)
    if count:
        label.append(f"  {count}", style="dim")
    return label


class CodeTree(Tree[str]):
    """The codebook as a tree whose names, when the panel is too narrow, end with "…" after a whole word
    instead of being cut in the middle of one."""

    def render_label(self, node: Any, base_style: Any, style: Any) -> Text:
        label = super().render_label(node, base_style, style)
        depth, parent = 0, node.parent
        while parent is not None:
            depth, parent = depth + 1, parent.parent
        if not self.show_root:
            depth -= 1  # the hidden root draws no guide
        # the guides of the levels above, and the node's own expand mark and space
        room = self.scrollable_content_region.width - depth * self.guide_depth - 2
        if label.cell_len <= room or room < 12:
            return label
        plain = label.plain
        cut = plain.rfind(" ", 0, room - 1)
        if cut < room // 2:
            cut = room - 1
        label.truncate(cut)
        label.rstrip()
        label.append("…")
        return label


def definition_text(book: Codebook, code: Code, memo: str = "") -> Text:
    """A code's definition, inclusion and exclusion criteria and example, for reading while coding, and the
    coder's own memo on it."""
    text = Text()
    text.append(code.name, style="bold")
    if code.key:
        text.append(f"   key {code.key}", style="dim")
    text.append("\n" + book.path(code.id) + "\n", style="dim")
    for label, value in (
        ("Definition", code.description),
        ("Include", code.inclusion),
        ("Exclude", code.exclusion),
        ("Example", code.example),
    ):
        if value:
            text.append(f"\n{label}: ", style="bold")
            text.append(value.strip() + "\n")
    if not any((code.description, code.inclusion, code.exclusion, code.example)):
        text.append("\nNo definition yet; add one in the codebook editor (E).", style="dim italic")
    if memo:
        text.append("\nYour memo: ", style="bold")
        text.append(memo.strip() + "\n")
    return text


def fill_tree(tree: Tree[str], book: Codebook, counts: dict[str, int] | None = None) -> None:
    """Put the codebook into a Tree, every node expanded, data = code id."""
    tree.clear()
    nodes = {None: tree.root}
    for code, _depth in book.walk():
        parent = nodes[code.parent_id]
        has_children = bool(book.children(code.id))
        label = code_label(code, (counts or {}).get(code.id))
        node = (
            parent.add(label, data=code.id, expand=True, allow_expand=has_children)
            if has_children
            else (parent.add_leaf(label, data=code.id))
        )
        nodes[code.id] = node
    tree.root.expand()


class CodebookPanel(Vertical):
    """The codebook tree and the highlighted code's definition."""

    @dataclass
    class CodePicked(Message):
        """The coder chose a code in the tree (Enter) to toggle on the chosen segments."""

        code_id: str

    def __init__(self, book: Codebook, *, id: str | None = None, memo_of: Any = None) -> None:
        super().__init__(id=id)
        self.book = book
        """The codebook shown."""
        self.memo_of = memo_of
        """The coder's memo on a code, by id, shown under its definition (None: no memos)."""

    def compose(self) -> ComposeResult:
        tree: Tree[str] = CodeTree("Codebook", id="codebook-tree")
        tree.show_root = False
        tree.auto_expand = False
        yield tree
        with VerticalScroll(id="definition-box"):
            yield Static(id="definition")

    def on_mount(self) -> None:
        self.show_book(self.book)

    @property
    def code_tree(self) -> Tree[str]:
        return self.query_one("#codebook-tree", Tree)

    def show_book(self, book: Codebook) -> None:
        self.book = book
        fill_tree(self.code_tree, book)
        first = next(iter(book.codes), None)
        self.show_definition(first.id if first else None)

    def show_definition(self, code_id: str | None) -> None:
        code = self.book.get(code_id) if code_id else None
        static = self.query_one("#definition", Static)
        memo = self.memo_of(code.id) if code is not None and self.memo_of is not None else ""
        static.update(definition_text(self.book, code, memo) if code else Text("The codebook is empty.", style="dim"))

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[str]) -> None:
        event.stop()
        if event.node.data:
            self.show_definition(event.node.data)

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        if event.node.data:
            self.post_message(self.CodePicked(event.node.data))
