"""The lead's resolution screen: the queue of disagreements, both coders' codes side by side, decisions."""

from __future__ import annotations

from dataclasses import dataclass

from rich.markup import escape
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, SelectionList, Static, TextArea

from qualcode.core.codebook import Codebook
from qualcode.core.errors import QualcodeError
from qualcode.core.project import Project
from qualcode.core.resolution import Disagreement, Resolution
from qualcode.tui.screens.dialogs import TextPrompt
from qualcode.tui.widgets.status_line import StatusLine
from qualcode.tui.workers import ReportsWorkerErrors

CHOICE_LABELS = {"a": "A", "b": "B", "both": "both", "neither": "neither", "edit": "edited", "agreed": "agreed"}


class CodeChecklist(ModalScreen[list[str] | None]):
    """Tick the codes the consensus gets for a segment; Ctrl+S saves."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="checklist.save"),
        Binding("escape", "cancel", "Cancel", id="checklist.cancel"),
    ]

    def __init__(self, book: Codebook, chosen: set[str]) -> None:
        super().__init__()
        self.book = book
        """The codebook offered."""
        self.chosen = chosen
        """The codes ticked at first."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog checklist-dialog"):
            yield Static("[b]Codes for the consensus[/b]  (Space ticks, Ctrl+S saves, Esc cancels)")
            yield SelectionList[str](
                *[
                    (self.book.path(code.id).replace("/", " ▸ "), code.id, code.id in self.chosen)
                    for code, _depth in self.book.walk()
                ],
                id="checklist",
            )

    def action_save(self) -> None:
        self.dismiss(list(self.query_one("#checklist", SelectionList).selected))

    def action_cancel(self) -> None:
        self.dismiss(None)


class AgreementTable(ModalScreen[None]):
    """The agreement report as text, scrollable both ways."""

    BINDINGS = [Binding("escape,q,g", "close", "Close", id="agreement.close")]

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
        """The report as printed by `qualcode agree`."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog agreement-dialog"):
            yield TextArea(self.text, read_only=True, soft_wrap=False, id="agreement-text")

    def action_close(self) -> None:
        self.dismiss(None)


class ResolveScreen(ReportsWorkerErrors, Screen[None]):
    """Go through the disagreements and decide each one into the consensus."""

    BINDINGS = [
        Binding("a", "decide('a')", "Accept A", priority=True, id="resolve.accept_a"),
        Binding("b", "decide('b')", "Accept B", priority=True, id="resolve.accept_b"),
        Binding("o", "decide('both')", "Both", priority=True, id="resolve.both"),
        Binding("x", "decide('neither')", "Neither", priority=True, id="resolve.neither"),
        Binding("e", "edit", "Edit", id="resolve.edit"),
        Binding("n", "note", "Note", id="resolve.note"),
        Binding("space", "next_undecided", "Next undecided", priority=True, id="resolve.next_undecided"),
        Binding("j", "move(1)", "Next", show=False, priority=True, id="resolve.next"),
        Binding("k", "move(-1)", "Previous", show=False, priority=True, id="resolve.previous"),
        Binding("g", "agreement", "Agreement table", id="resolve.agreement"),
        Binding("q", "app.quit", "Quit", id="resolve.quit"),
    ]

    @dataclass
    class ReportReady(Message):
        """The agreement report computed in a worker, as text."""

        text: str

    def __init__(self, project: Project, resolution: Resolution) -> None:
        super().__init__()
        self.project = project
        """The study being resolved."""
        self.resolution = resolution
        """The two coders' work and the lead's decisions."""
        self.book = project.codebook()
        self.index = 0
        """Position in the queue of the disagreement shown."""
        self.note = ""
        """A note written for the next decision on the shown segment."""
        self.report_text = ""

    def compose(self) -> ComposeResult:
        yield StatusLine(id="title-bar")
        with Horizontal(id="resolve-body"):
            yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)
            with VerticalScroll(id="resolve-detail"):
                yield Static(id="context")
                with Horizontal(id="sides"):
                    yield Static(id="side-a", classes="side")
                    yield Static(id="side-b", classes="side")
                yield Static(id="definitions")
                yield Static(id="history")
        yield StatusLine(id="status")
        yield Footer()

    @property
    def table(self) -> DataTable[str]:
        return self.query_one("#queue", DataTable)

    def on_mount(self) -> None:
        r = self.resolution
        added = r.auto_agree()
        r.reload()
        self.query_one("#title-bar", StatusLine).update(
            f"Resolving [b]{escape(r.coder_a)}[/b] (A) and [b]{escape(r.coder_b)}[/b] (B) · lead "
            f"[b]{escape(r.lead)}[/b] · {added} agreed segments went into the consensus now"
        )
        table = self.table
        table.add_columns("#", "Transcript", "Seg", "A", "B")
        table.add_column("Decision", width=10)
        for i, item in enumerate(r.queue):
            table.add_row(*self._cells(i, item), key=str(i))
        table.focus()
        first = r.next_undecided(len(r.queue) - 1) if r.queue else None
        self._show(first or 0)

    def _cells(self, i: int, item: Disagreement) -> tuple[str, ...]:
        decision = item.decision
        return (
            str(i + 1),
            item.transcript,
            str(item.ordinal),
            str(len(item.codes_a)),
            str(len(item.codes_b)),
            "—" if decision is None else "✓ " + CHOICE_LABELS[decision.choice],
        )

    # -- showing ---------------------------------------------------------------

    def _show(self, index: int) -> None:
        r = self.resolution
        if not r.queue:
            self.query_one("#context", Static).update(
                Text("No disagreements: the two coders coded every segment alike.", style="bold")
            )
            self._update_status()
            return
        if index != self.index:
            self.note = ""
        self.index = max(0, min(index, len(r.queue) - 1))
        if self.table.cursor_row != self.index:
            self.table.move_cursor(row=self.index)
        item = r.queue[self.index]
        self.query_one("#context", Static).update(self._context_text(item))
        self.query_one("#side-a", Static).update(self._side(f"A · {r.coder_a}", item.codes_a, item.codes_b))
        self.query_one("#side-b", Static).update(self._side(f"B · {r.coder_b}", item.codes_b, item.codes_a))
        self.query_one("#definitions", Static).update(self._definitions(item.codes_a | item.codes_b))
        self.query_one("#history", Static).update(self._history(item))
        self._update_status()

    def _context_text(self, item: Disagreement) -> Text:
        transcript = self.project.transcript(item.transcript)
        text = Text()
        text.append(f"{item.transcript} · segment {item.ordinal}", style="bold")
        if transcript is None:
            return text
        segments = self.project.segments(transcript.id)
        here = next(i for i, s in enumerate(segments) if s.id == item.segment_id)
        for i in range(max(0, here - 1), min(len(segments), here + 2)):
            s = segments[i]
            body = transcript.text[s.start : s.end]
            style = "" if i == here else "dim"
            text.append(f"\n\n{s.speaker or ''}{': ' if s.speaker else ''}", style=f"bold {style}".strip())
            text.append(body, style=style)
        return text

    def _side(self, title: str, mine: frozenset[str], theirs: frozenset[str]) -> Text:
        text = Text(title + "\n", style="bold underline")
        if not mine:
            text.append("(no codes)", style="dim italic")
        for code, _depth in self.book.walk():
            if code.id in mine:
                style = "" if code.id in theirs else "bold"
                marker = "  " if code.id in theirs else "≠ "
                text.append(f"{marker}{self.book.path(code.id).replace('/', ' ▸ ')}\n", style=style)
        return text

    def _definitions(self, codes: frozenset[str]) -> Text:
        text = Text()
        for code, _depth in self.book.walk():
            if code.id in codes:
                text.append(f"\n{code.name}", style="bold")
                if code.description:
                    text.append(f": {code.description.strip()}")
                if code.inclusion:
                    text.append(f"\n  Include: {code.inclusion.strip()}", style="dim")
                if code.exclusion:
                    text.append(f"\n  Exclude: {code.exclusion.strip()}", style="dim")
        return text

    def _history(self, item: Disagreement) -> Text:
        text = Text()
        if not item.history:
            text.append("\nNot decided yet.", style="italic")
        for d in item.history:
            names = ", ".join(self.book.get(c).name if self.book.get(c) else c for c in d.codes) or "no codes"
            text.append(f"\n{d.decided_at[:16].replace('T', ' ')} {d.lead}: {CHOICE_LABELS[d.choice]} → {names}")
            if d.note:
                text.append(f" — {d.note}", style="italic")
        return text

    def _update_status(self) -> None:
        decided, total = self.resolution.progress()
        note = f" · note for this decision: {self.note}" if self.note else ""
        self.query_one("#status", StatusLine).update(escape(f"decided {decided} of {total} disagreements{note}"))

    @on(DataTable.RowHighlighted)
    def row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        if event.row_key.value is not None and int(event.row_key.value) != self.index:
            self._show(int(event.row_key.value))

    # -- deciding --------------------------------------------------------------

    def _decide(self, choice: str, codes: list[str] | None = None) -> None:
        r = self.resolution
        if not r.queue:
            return
        try:
            item = r.decide(self.index, choice, codes=codes, note=self.note)
        except QualcodeError as e:
            self.notify(str(e), severity="error")
            return
        self.note = ""
        for column, value in enumerate(self._cells(self.index, item)):
            self.table.update_cell_at((self.index, column), value)
        following = r.next_undecided(self.index)
        self._show(following if following is not None else self.index)
        if following is None:
            self.notify("every disagreement is decided")

    def action_decide(self, choice: str) -> None:
        self._decide(choice)

    def action_edit(self) -> None:
        if not self.resolution.queue:
            return
        item = self.resolution.queue[self.index]
        current = set(item.decision.codes) if item.decision else set(item.codes_a | item.codes_b)

        def saved(codes: list[str] | None) -> None:
            if codes is not None:
                self._decide("edit", codes)

        self.app.push_screen(CodeChecklist(self.book, current), saved)

    def action_note(self) -> None:
        def written(text: str | None) -> None:
            if text is not None:
                self.note = text.strip()
                self._update_status()

        self.app.push_screen(TextPrompt("Note for the decision on this segment", self.note), written)

    def action_move(self, step: int) -> None:
        self._show(self.index + step)

    def action_next_undecided(self) -> None:
        found = self.resolution.next_undecided(self.index) if self.resolution.queue else None
        if found is None:
            self.notify("every disagreement is decided")
        else:
            self._show(found)

    # -- the agreement table -------------------------------------------------------

    def action_agreement(self) -> None:
        if self.report_text:
            self.app.push_screen(AgreementTable(self.report_text))
            return
        self.notify("computing the agreement table …")
        self._compute_report()

    @work(thread=True, exclusive=True, exit_on_error=False, group="agreement")
    def _compute_report(self) -> None:
        # A worker thread needs its own connection: SQLite connections belong to their thread.
        r = self.resolution
        with Project.open(self.project.path) as project:
            levels = ("code", "theme", "transcript")
            text = project.agreement(r.coder_a, r.coder_b, by=levels, bootstrap=1000).to_table()
        self.post_message(self.ReportReady(text))

    @on(ReportReady)
    def report_ready(self, event: ReportReady) -> None:
        self.report_text = event.text
        self.app.push_screen(AgreementTable(event.text))
