"""The codebook editor: add, rename, move, merge, delete codes and edit their definitions.

Every change goes through `Project` (and so `qualcode.core.codebook_edit`), which keeps codings
consistent and writes the audit log; this screen only asks and shows.
"""

from __future__ import annotations

from collections.abc import Callable

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static, Tree

from qualcode.core.codebook import Codebook
from qualcode.core.errors import QualcodeError
from qualcode.core.model import Code
from qualcode.core.project import Project
from qualcode.tui.screens.dialogs import CodeFinder, CodeForm, Confirm, TextPrompt
from qualcode.tui.widgets.codebook_panel import CodeTree, definition_text, fill_tree
from qualcode.tui.widgets.status_line import StatusLine


class CodebookEditor(Screen[bool]):
    """Edit the project's codebook; dismissed with True when anything changed."""

    BINDINGS = [
        Binding("a", "add(False)", "Add code", id="codebook.add"),
        Binding("A", "add(True)", "Add theme", id="codebook.add_theme"),
        Binding("e", "edit", "Edit", id="codebook.edit"),
        Binding("r", "rename", "Rename", id="codebook.rename"),
        Binding("M", "move", "Move", id="codebook.move"),
        Binding("G", "merge", "Merge into", id="codebook.merge"),
        Binding("D", "delete", "Delete", id="codebook.delete"),
        Binding("escape,q", "close", "Back", id="codebook.close"),
    ]

    def __init__(self, project: Project, actor: str) -> None:
        super().__init__()
        self.project = project
        """The study whose codebook is edited."""
        self.actor = actor
        """Who edits, for the audit log."""
        self.changed = False
        """Whether anything was changed since the editor opened."""
        self.book: Codebook = project.codebook()

    def compose(self) -> ComposeResult:
        yield StatusLine(id="title-bar")
        with Horizontal(id="editor-body"):
            tree: Tree[str] = CodeTree("Codebook", id="editor-tree")
            tree.show_root = False
            tree.auto_expand = False
            yield tree
            with VerticalScroll(id="editor-details"):
                yield Static(id="editor-definition")
        yield StatusLine(id="status")
        yield Footer()

    @property
    def code_tree(self) -> Tree[str]:
        return self.query_one("#editor-tree", Tree)

    def on_mount(self) -> None:
        self.query_one("#title-bar", StatusLine).update(
            "[b]Codebook editor[/b] · every change is saved and logged as you make it"
        )
        self._reload()
        self.code_tree.focus()

    def _reload(self, select: str | None = None) -> None:
        current = select or self.selected_id
        self.book = self.project.codebook()
        # a coder's own codings only: on a shared file, another coder's counts would break the blinding
        usage = self.project.code_usage(self.actor)
        fill_tree(self.code_tree, self.book, usage)
        line = 0
        if current:
            for node_line in range(self.code_tree.last_line + 1):
                node = self.code_tree.get_node_at_line(node_line)
                if node is not None and node.data == current:
                    line = node_line
                    break
        self.code_tree.cursor_line = line
        self._show(self.selected_id)
        total = sum(usage.values())
        self.query_one("#status", StatusLine).update(f"{len(self.book)} codes · {total} codings of yours")

    @property
    def selected_id(self) -> str | None:
        node = self.code_tree.cursor_node if self.is_mounted else None
        return node.data if node is not None else None

    def _show(self, code_id: str | None) -> None:
        code = self.book.get(code_id) if code_id else None
        text = definition_text(self.book, code) if code else "The codebook is empty: press A to add a theme."
        self.query_one("#editor-definition", Static).update(text)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[str]) -> None:
        self._show(event.node.data)

    def on_tree_node_selected(self, event: Tree.NodeSelected[str]) -> None:
        event.stop()
        self.action_edit()

    def _do(self, change: Callable[[], object], done: str, select: str | None = None) -> None:
        try:
            result = change()
        except QualcodeError as e:
            self.notify(str(e), severity="error", timeout=6)
            return
        self.changed = True
        if select is None and isinstance(result, Code):
            select = result.id
        self._reload(select)
        self.notify(done)

    # -- actions ---------------------------------------------------------------

    def action_add(self, top_level: bool) -> None:
        parent = None if top_level else self.selected_id
        where = "a new theme" if parent is None else f"a new code under {self.book.path(parent)}"

        def named(name: str | None) -> None:
            if name:
                self._do(
                    lambda: self.project.add_code(name.strip(), parent, actor=self.actor),
                    f"added {name.strip()}",
                )

        self.app.push_screen(TextPrompt(f"Name of {where}"), named)

    def action_edit(self) -> None:
        code = self.book.get(self.selected_id or "")
        if code is None:
            return

        def save(values: dict[str, str]) -> str | None:
            """Save what changed; why it was refused (the form stays open with it), or None."""
            changes = {k: v.strip() for k, v in values.items() if v.strip() != str(getattr(code, k) or "")}
            if not changes:
                return None
            try:
                self.project.update_code(code.id, actor=self.actor, seen=code.version, **changes)
            except QualcodeError as e:
                return str(e)
            self.changed = True
            self._reload(code.id)
            self.notify("saved")
            return None

        def check(field: str, value: str) -> str | None:
            return self.project.code_field_problem(code.id, field, value)

        self.app.push_screen(CodeForm(code, save, check))

    def action_rename(self) -> None:
        code = self.book.get(self.selected_id or "")
        if code is None:
            return

        def named(name: str | None) -> None:
            if name and name.strip() != code.name:
                self._do(
                    lambda: self.project.rename_code(code.id, name, actor=self.actor, seen=code.version), "renamed"
                )

        self.app.push_screen(TextPrompt(f"Rename {code.name} to", code.name), named)

    def action_move(self) -> None:
        code = self.book.get(self.selected_id or "")
        if code is None:
            return

        def chosen(parent: str | None) -> None:
            if parent is None:
                return
            self._do(
                lambda: self.project.move_code(code.id, parent or None, actor=self.actor, seen=code.version),
                f"moved {code.name}",
                select=code.id,
            )

        self.app.push_screen(CodeFinder(self.book, f"Move {code.name} under", allow_none="(the top level)"), chosen)

    def action_merge(self) -> None:
        code = self.book.get(self.selected_id or "")
        if code is None:
            return

        def chosen(target: str | None) -> None:
            if not target:
                return
            name = self.book.path(target)

            def confirmed(yes: bool | None) -> None:
                if yes:
                    self._do(
                        lambda: self.project.merge_codes(code.id, target, actor=self.actor),
                        f"merged {code.name} into {name}",
                        select=target,
                    )

            self.app.push_screen(
                Confirm(f"Merge {code.name} into {name}? Its codings move there and it is removed."), confirmed
            )

        self.app.push_screen(CodeFinder(self.book, f"Merge {code.name} into"), chosen)

    def action_delete(self) -> None:
        code = self.book.get(self.selected_id or "")
        if code is None:
            return
        below = len(self.book.children(code.id))
        if below:
            self.notify(
                f"{code.name} has {below} codes under it; move, merge or delete those first", severity="warning"
            )
            return
        used = self.project.code_usage(self.actor).get(code.id, 0)
        others = self.project.code_usage().get(code.id, 0) - used
        question = f"Delete {code.name}?"
        if used:
            question += f" Your {used} codings of it are removed too."
        if others:
            # that others' work goes too is said, not how much of it there is
            question += " Other coders' codings of it are removed as well."

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._do(
                    lambda: self.project.delete_code(code.id, force=True, actor=self.actor),
                    f"deleted {code.name}",
                )

        self.app.push_screen(Confirm(question), confirmed)

    def action_close(self) -> None:
        self.dismiss(self.changed)
