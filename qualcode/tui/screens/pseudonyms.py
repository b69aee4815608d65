"""The pseudonym list: names and places replaced in everything that leaves the team."""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from qualcode.core.errors import QualcodeError
from qualcode.core.model import Pseudonym
from qualcode.core.project import Project
from qualcode.tui.messages import WorkDone
from qualcode.tui.screens.dialogs import Confirm, TextPrompt
from qualcode.tui.widgets.status_line import StatusLine
from qualcode.tui.workers import ReportsWorkerErrors


class PseudonymsScreen(ReportsWorkerErrors, Screen[None]):
    """The names and places hidden in every export: add, confirm, remove, and candidates to review."""

    BINDINGS = [
        Binding("a", "add", "Add", id="pseudonyms.add"),
        Binding("s", "suggest", "Suggest candidates", id="pseudonyms.suggest"),
        Binding("c", "confirm", "Confirm", id="pseudonyms.confirm"),
        Binding("r", "replacement", "Replacement", id="pseudonyms.replacement"),
        Binding("x", "prefix", "Hide compounds too", id="pseudonyms.prefix"),
        Binding("d", "remove", "Remove", id="pseudonyms.remove"),
        Binding("escape,q", "close", "Back", id="pseudonyms.close"),
    ]

    def __init__(self, project: Project, actor: str) -> None:
        super().__init__()
        self.project = project
        """The study whose list is edited."""
        self.actor = actor
        """Who changes the list, for the audit log."""
        self.rows: list[Pseudonym] = []
        self.counts: dict[str, int] = {}
        """How often each candidate occurs, as the suggestion found it: candidates are listed by it."""

    def compose(self) -> ComposeResult:
        yield StatusLine(id="title-bar")
        yield DataTable(id="pseudonym-table", cursor_type="row", zebra_stripes=True)
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#title-bar", StatusLine).update(
            "[b]Pseudonyms[/b] · confirmed names are replaced in every export; the project keeps the original text"
        )
        self.query_one("#pseudonym-table", DataTable).add_columns("Name or place", "Replacement", "Status", "Compounds")
        self._reload()

    def _reload(self, keep: str | None = None) -> None:
        """Fill the table again, candidates to review first (the most frequent first, as the command line
        lists them), then the confirmed names; the cursor stays on ``keep`` (or on the same row)."""
        table = self.query_one("#pseudonym-table", DataTable)
        row = table.cursor_row
        entries = self.project.pseudonyms()
        self.rows = sorted(
            entries,
            key=lambda e: (e.confirmed, 0 if e.confirmed else -self.counts.get(e.original, 0), e.original.casefold()),
        )
        table.clear()
        for original, replacement, confirmed, prefix in self.rows:
            status = "confirmed" if confirmed else "suggested — press c to confirm"
            # Text, not markup: a replacement such as [student] must show as written
            table.add_row(Text(original), Text(replacement), Text(status), Text(f"also {original}…" if prefix else "—"))
        if self.rows:
            found = next((i for i, r in enumerate(self.rows) if r.original == keep), None) if keep else None
            table.move_cursor(row=found if found is not None else min(row, len(self.rows) - 1))
        table.focus()
        confirmed = sum(1 for r in self.rows if r.confirmed)
        self.query_one("#status", StatusLine).update(f"{confirmed} confirmed, {len(self.rows) - confirmed} to review")

    def _selected(self) -> Pseudonym | None:
        table = self.query_one("#pseudonym-table", DataTable)
        return self.rows[table.cursor_row] if self.rows else None

    def _set(self, original: str, replacement: str, confirmed: bool, prefix: bool = False) -> None:
        try:
            self.project.set_pseudonym(original, replacement, confirmed=confirmed, prefix=prefix, actor=self.actor)
        except QualcodeError as e:
            # A busy file or a refused name: say so and keep the list as it is; nothing was written.
            self.notify(str(e), severity="error", timeout=8)
            return
        # a confirmed row moves down among the confirmed: the cursor goes on to the next one to review
        self._reload(keep=None if confirmed and not self._was_confirmed(original) else original)

    def _was_confirmed(self, original: str) -> bool:
        return any(r.original == original and r.confirmed for r in self.rows)

    def action_prefix(self) -> None:
        """Hide, or stop hiding, the words a name begins (``Nordby`` in ``Nordbyskolen``)."""
        row = self._selected()
        if row is not None:
            self._set(row.original, row.replacement, row.confirmed, not row.prefix)

    def action_add(self) -> None:
        def entered(text: str | None) -> None:
            if not text:
                return
            original, sep, replacement = text.partition("=")
            if not sep or not original.strip() or not replacement.strip():
                self.notify("write it as NAME = REPLACEMENT", severity="warning")
                return
            self._set(original.strip(), replacement.strip(), True)

        self.app.push_screen(TextPrompt("Name = replacement", placeholder="Janne = [student]"), entered)

    def action_confirm(self) -> None:
        row = self._selected()
        if row is not None:
            self._set(row.original, row.replacement, True, row.prefix)

    def action_replacement(self) -> None:
        row = self._selected()
        if row is None:
            return

        def entered(text: str | None) -> None:
            if text and text.strip():
                self._set(row.original, text.strip(), row.confirmed, row.prefix)

        self.app.push_screen(TextPrompt(f"Replace {row.original} with", row.replacement), entered)

    def action_remove(self) -> None:
        row = self._selected()
        if row is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                try:
                    self.project.remove_pseudonym(row.original, actor=self.actor)
                except QualcodeError as e:
                    self.notify(str(e), severity="error", timeout=8)
                    return
                self._reload()

        self.app.push_screen(Confirm(f"Remove {row.original} from the list?"), answered)

    def action_suggest(self) -> None:
        self.query_one("#status", StatusLine).update("looking for names …")
        self._suggest()

    @work(thread=True, exclusive=True, exit_on_error=False, group="pseudonyms")
    def _suggest(self) -> None:
        # A worker thread opens its own connection: SQLite connections belong to their thread.
        with Project.open(self.project.path) as project:
            found = project.suggest_pseudonyms()
            added = project.add_pseudonym_candidates(found, "[name]", actor=self.actor)
        self.post_message(WorkDone("pseudonyms", (added, {c.text: c.count for c in found})))

    def work_failed(self, group: str, error: str) -> None:
        self.query_one("#status", StatusLine).update("[red]looking for names failed[/red]")

    @on(WorkDone)
    def suggested(self, event: WorkDone) -> None:
        added, counts = event.result
        self.counts.update(counts)
        self._reload()
        self.query_one("#pseudonym-table", DataTable).move_cursor(row=0)
        self.notify(f"{added} candidates to review: confirm (c), change the replacement (r) or remove (d)")

    def action_close(self) -> None:
        self.dismiss()
