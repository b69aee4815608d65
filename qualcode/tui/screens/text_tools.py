"""Text tools in the workbench: search all transcripts, keyword suggestions, pseudonyms, word frequencies.

The work runs in worker threads, each with its own connection to the project
file, because the first search or suggestion builds the token index.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Checkbox, DataTable, Footer, Input, TextArea

from qualcode.core.codebook import Codebook
from qualcode.core.errors import QualcodeError
from qualcode.tui.screens.dialogs import CodeFinder, Confirm, TextPrompt
from qualcode.tui.widgets.status_line import StatusLine


@dataclass
class WorkDone(Message):
    """A worker's result for the screen that started it (or the error it met)."""

    kind: str
    result: Any
    error: str = ""


def _project(path: Path) -> Any:
    from qualcode.core.project import Project

    return Project.open(path)


class SearchScreen(Screen[None]):
    """Search every transcript; open a hit, or code every hit's segment in one go."""

    BINDINGS = [
        Binding("enter", "open_hit", "Open", id="search.open"),
        Binding("ctrl+o", "code_all", "Code all hits", id="search.code_all"),
        Binding("escape", "close", "Back", id="search.close"),
    ]

    def __init__(self, path: Path, coder: str, book: Codebook) -> None:
        super().__init__()
        self.path = path
        """The project file searched."""
        self.coder = coder
        """Who codes the hits."""
        self.book = book
        self.hits: list[Any] = []

    def compose(self) -> ComposeResult:
        yield StatusLine(id="title-bar")
        with Horizontal(id="search-bar"):
            yield Input(placeholder="a word or phrase, Enter to search", id="search-query")
            yield Checkbox("lemmas", id="search-lemma")
        yield DataTable(id="search-results", cursor_type="row", zebra_stripes=True)
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#title-bar", StatusLine).update("[b]Search all transcripts[/b]")
        self.query_one("#search-results", DataTable).add_columns("Who", "Transcript", "Seg", "Hit in context")
        self.query_one("#search-query", Input).focus()

    @on(Input.Submitted, "#search-query")
    def run_search(self, event: Input.Submitted) -> None:
        event.stop()
        self.query_one("#status", StatusLine).update("searching …")
        self._search(event.value, self.query_one("#search-lemma", Checkbox).value)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def _search(self, query: str, lemma: bool) -> None:
        from qualcode.core.search import search

        try:
            with _project(self.path) as project:
                hits = search(project, query, lemma=lemma)
        except QualcodeError as e:
            self.post_message(WorkDone("search", [], str(e)))
            return
        self.post_message(WorkDone("search", hits))

    @on(WorkDone)
    def done(self, event: WorkDone) -> None:
        status = self.query_one("#status", StatusLine)
        if event.error:
            status.update(f"[red]{event.error}[/red]")
            return
        if event.kind == "code":
            status.update(f"coded {event.result} new segments for {self.coder}")
            return
        self.hits = event.result
        table = self.query_one("#search-results", DataTable)
        table.clear()
        for i, h in enumerate(self.hits):
            context = f"{h.left[-45:]} «{h.match}» {h.right[:45]}"
            table.add_row(h.participant or "—", h.transcript, str(h.ordinal), context, key=str(i))
        status.update(f"{len(self.hits)} hits · Enter opens one · Ctrl+O codes every hit's segment")
        if self.hits:
            table.focus()

    @on(DataTable.RowSelected, "#search-results")
    def hit_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_hit()

    def action_open_hit(self) -> None:
        table = self.query_one("#search-results", DataTable)
        if not self.hits:
            return
        hit = self.hits[table.cursor_row]
        self.app.open_transcript_at(hit.transcript, hit.ordinal)  # type: ignore[attr-defined]

    def action_code_all(self) -> None:
        if not self.hits:
            self.notify("search first", severity="warning")
            return

        def chosen(code_id: str | None) -> None:
            if code_id:
                self._code_all(code_id, list(self.hits))

        self.app.push_screen(CodeFinder(self.book, f"Code all {len(self.hits)} hits with"), chosen)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search")
    def _code_all(self, code_id: str, hits: list[Any]) -> None:
        from qualcode.core.search import code_hits

        with _project(self.path) as project:
            added = code_hits(project, hits, self.coder, code_id)
        self.post_message(WorkDone("code", added))

    def action_close(self) -> None:
        self.dismiss()


class SuggestionsScreen(ModalScreen[int]):
    """The codes the codebook's keywords propose for one transcript; accept or reject each."""

    BINDINGS = [
        Binding("y", "accept", "Accept", id="suggestions.accept"),
        Binding("n", "reject", "Reject", id="suggestions.reject"),
        Binding("Y", "accept_all", "Accept all", id="suggestions.accept_all"),
        Binding("escape,q", "close", "Done", id="suggestions.close"),
    ]

    def __init__(self, path: Path, coder: str, transcript: str) -> None:
        super().__init__()
        self.path = path
        """The project file."""
        self.coder = coder
        self.transcript = transcript
        self.items: list[Any] = []
        self.accepted = 0

    def compose(self) -> ComposeResult:
        with Horizontal(classes="dialog suggestions-dialog"):
            yield DataTable(id="suggestions", cursor_type="row", zebra_stripes=True)
        yield StatusLine(id="suggestions-status")

    def on_mount(self) -> None:
        self.query_one("#suggestions", DataTable).add_columns("Seg", "Code", "Matched")
        self.query_one("#suggestions-status", StatusLine).update("finding suggestions …")
        self._find()

    @work(thread=True, exclusive=True, exit_on_error=False, group="suggest")
    def _find(self) -> None:
        from qualcode.core.suggest import suggestions

        try:
            with _project(self.path) as project:
                found = suggestions(project, self.coder, transcript=self.transcript)
        except QualcodeError as e:
            self.post_message(WorkDone("suggest", [], str(e)))
            return
        self.post_message(WorkDone("suggest", found))

    @on(WorkDone)
    def found(self, event: WorkDone) -> None:
        if event.error:
            self.query_one("#suggestions-status", StatusLine).update(f"[red]{event.error}[/red]")
            return
        self.items = list(event.result)
        self._fill()

    def _fill(self) -> None:
        table = self.query_one("#suggestions", DataTable)
        table.clear()
        for s in self.items:
            table.add_row(str(s.ordinal), s.code, s.matched)
        table.focus()
        self.query_one("#suggestions-status", StatusLine).update(
            f"{len(self.items)} suggestions · y accept · n reject · Y accept all · Esc done "
            f"(accepted codings are marked as suggestions)"
        )

    def _current(self) -> Any | None:
        table = self.query_one("#suggestions", DataTable)
        return self.items[table.cursor_row] if self.items else None

    def _decide(self, chosen: list[Any], accept_them: bool) -> None:
        from qualcode.core.suggest import accept, reject

        with _project(self.path) as project:
            if accept_them:
                self.accepted += accept(project, self.coder, chosen)
            else:
                reject(project, self.coder, chosen)
        keys = {(s.segment_id, s.code_id) for s in chosen}
        self.items = [s for s in self.items if (s.segment_id, s.code_id) not in keys]
        self._fill()

    def action_accept(self) -> None:
        current = self._current()
        if current is not None:
            self._decide([current], True)

    def action_reject(self) -> None:
        current = self._current()
        if current is not None:
            self._decide([current], False)

    def action_accept_all(self) -> None:
        if self.items:
            self._decide(list(self.items), True)

    def action_close(self) -> None:
        self.dismiss(self.accepted)


class PseudonymsScreen(Screen[None]):
    """The names and places hidden in every export: add, confirm, remove, and candidates to review."""

    BINDINGS = [
        Binding("a", "add", "Add", id="pseudonyms.add"),
        Binding("s", "suggest", "Suggest candidates", id="pseudonyms.suggest"),
        Binding("c", "confirm", "Confirm", id="pseudonyms.confirm"),
        Binding("r", "replacement", "Replacement", id="pseudonyms.replacement"),
        Binding("d", "remove", "Remove", id="pseudonyms.remove"),
        Binding("escape,q", "close", "Back", id="pseudonyms.close"),
    ]

    def __init__(self, path: Path, actor: str) -> None:
        super().__init__()
        self.path = path
        """The project file."""
        self.actor = actor
        self.rows: list[tuple[str, str, bool]] = []

    def compose(self) -> ComposeResult:
        yield StatusLine(id="title-bar")
        yield DataTable(id="pseudonym-table", cursor_type="row", zebra_stripes=True)
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#title-bar", StatusLine).update(
            "[b]Pseudonyms[/b] · confirmed names are replaced in every export; the project keeps the original text"
        )
        self.query_one("#pseudonym-table", DataTable).add_columns("Name or place", "Replacement", "Status")
        self._reload()

    def _reload(self) -> None:
        from qualcode.core.store import Store

        with Store(self.path) as store:
            self.rows = store.pseudonyms.all()
        table = self.query_one("#pseudonym-table", DataTable)
        table.clear()
        for original, replacement, confirmed in self.rows:
            table.add_row(original, replacement, "confirmed" if confirmed else "suggested — press c to confirm")
        table.focus()
        confirmed = sum(1 for r in self.rows if r[2])
        self.query_one("#status", StatusLine).update(f"{confirmed} confirmed, {len(self.rows) - confirmed} to review")

    def _selected(self) -> tuple[str, str, bool] | None:
        table = self.query_one("#pseudonym-table", DataTable)
        return self.rows[table.cursor_row] if self.rows else None

    def _set(self, original: str, replacement: str, confirmed: bool) -> None:
        from qualcode.core.store import Store

        with Store(self.path) as store:
            store.pseudonyms.set(original, replacement, confirmed=confirmed)
            store.audit.log(self.actor, "pseudonym.set", original, replacement=replacement, confirmed=confirmed)
        self._reload()

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
            self._set(row[0], row[1], True)

    def action_replacement(self) -> None:
        row = self._selected()
        if row is None:
            return

        def entered(text: str | None) -> None:
            if text and text.strip():
                self._set(row[0], text.strip(), row[2])

        self.app.push_screen(TextPrompt(f"Replace {row[0]} with", row[1]), entered)

    def action_remove(self) -> None:
        row = self._selected()
        if row is None:
            return

        def answered(yes: bool | None) -> None:
            if yes:
                from qualcode.core.store import Store

                with Store(self.path) as store:
                    store.pseudonyms.delete(row[0])
                    store.audit.log(self.actor, "pseudonym.remove", row[0])
                self._reload()

        self.app.push_screen(Confirm(f"Remove {row[0]} from the list?"), answered)

    def action_suggest(self) -> None:
        self.query_one("#status", StatusLine).update("looking for names …")
        self._suggest()

    @work(thread=True, exclusive=True, exit_on_error=False, group="pseudonyms")
    def _suggest(self) -> None:
        from qualcode.core.pseudonyms import suggest

        with _project(self.path) as project:
            found = suggest(project)
            for candidate in found:
                project.store.pseudonyms.set(candidate.text, "[name]", confirmed=False)
        self.post_message(WorkDone("pseudonyms", len(found)))

    @on(WorkDone)
    def suggested(self, event: WorkDone) -> None:
        self._reload()
        self.notify(f"{event.result} candidates to review: confirm (c), change the replacement (r) or remove (d)")

    def action_close(self) -> None:
        self.dismiss()


class FrequenciesScreen(ModalScreen[None]):
    """Word frequencies (lemmas, stop words out) per transcript, as text."""

    BINDINGS = [Binding("escape,q", "close", "Close", id="frequencies.close")]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path
        """The project file."""

    def compose(self) -> ComposeResult:
        with Horizontal(classes="dialog agreement-dialog"):
            yield TextArea("counting words …", read_only=True, soft_wrap=True, id="frequencies-text")

    def on_mount(self) -> None:
        self._count()

    @work(thread=True, exclusive=True, exit_on_error=False, group="frequencies")
    def _count(self) -> None:
        from qualcode.core.frequencies import frequencies

        with _project(self.path) as project:
            frame = frequencies(project, by="transcript", top=15)
        lines = ["Most frequent words per transcript (lemmas, stop words and interviewer turns left out)", ""]
        for group, rows in frame.groupby("group", sort=False):
            lines.append(f"{group}: " + ", ".join(f"{r.lemma} {r.count}" for r in rows.itertuples()))
        self.post_message(WorkDone("frequencies", "\n".join(lines)))

    @on(WorkDone)
    def counted(self, event: WorkDone) -> None:
        self.query_one("#frequencies-text", TextArea).load_text(event.result)

    def action_close(self) -> None:
        self.dismiss()
