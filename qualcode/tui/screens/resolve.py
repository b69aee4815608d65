"""The lead's resolution screen: the queue of disagreements, both coders' codes and passages side by side,
decisions."""

from __future__ import annotations

from dataclasses import dataclass

from rich.markup import escape
from rich.style import Style
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
from qualcode.core.model import Extent
from qualcode.core.project import Project
from qualcode.core.resolution import Disagreement, Resolution, common, merged
from qualcode.core.spans import ExtentEdit
from qualcode.tui.screens.dialogs import MemoEditor, PassageChooser, TextPrompt
from qualcode.tui.widgets.status_line import StatusLine
from qualcode.tui.widgets.toggles import TickList
from qualcode.tui.workers import ReportsWorkerErrors

CHOICE_LABELS = {
    "a": "A",
    "b": "B",
    "both": "both",
    "intersection": "common",
    "neither": "neither",
    "edit": "edited",
    "agreed": "agreed",
}

# Passages in the text: A's on blue, B's on amber, what both coded on green.
PASSAGE_A = Style(bgcolor="#1f4a7a", color="white")
PASSAGE_B = Style(bgcolor="#7a5410", color="white")
PASSAGE_BOTH = Style(bgcolor="#2c6a2c", color="white")


def _mark_passages(text: Text, at: int, base: int, end: int, a: Extent, b: Extent) -> None:
    """Colour A's and B's passages in the part of ``text`` from ``at`` showing offsets ``base``–``end``."""
    for extent, style in ((a, PASSAGE_A), (b, PASSAGE_B), (common(a, b), PASSAGE_BOTH)):
        for start, stop in extent:
            lo, hi = max(start, base), min(stop, end)
            if hi > lo:
                text.stylize(style, at + lo - base, at + hi - base)


def _shortened(text: str, words: int = 12) -> str:
    parts = text.split()
    return (
        " ".join(parts)
        if len(parts) <= words
        else " ".join(parts[: words // 2]) + " … " + " ".join(parts[-words // 2 :])
    )


class ExtentEditor(ModalScreen[tuple[int, int] | None]):
    """Move a passage's start (←/→) and end (Shift+←/→) word by word; Enter keeps it, Esc cancels."""

    BINDINGS = [
        Binding("left", "start(-1)", "Start ←", id="extent.start_back"),
        Binding("right", "start(1)", "Start →", id="extent.start_on"),
        Binding("shift+left", "end(-1)", "End ←", id="extent.end_back"),
        Binding("shift+right", "end(1)", "End →", id="extent.end_on"),
        Binding("enter", "save", "Keep", id="extent.save"),
        Binding("escape", "cancel", "Cancel", id="extent.cancel"),
    ]

    def __init__(self, title: str, text: str, stretch: tuple[int, int], edit: ExtentEdit, a: Extent, b: Extent):
        super().__init__()
        self.title_text = title
        self.text = text
        """The transcript's text."""
        self.stretch = stretch
        """The part of it shown: the segment and wherever the coders' passages run."""
        self.edit = edit
        """The passage being moved."""
        self.a, self.b = a, b

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog extent-dialog"):
            yield Static(self.title_text, classes="dialog-title")
            yield Static(
                "←/→ move the start by a word, Shift+←/→ the end; Enter keeps the passage, Esc cancels.  "
                "A's passage is underlined, B's in italics.",
                classes="dim",
            )
            with VerticalScroll():
                yield Static(id="extent-text")

    def on_mount(self) -> None:
        self._draw()

    def _draw(self) -> None:
        base, end = self.stretch
        text = Text(self.text[base:end])
        for extent, style in ((self.a, Style(underline=True)), (self.b, Style(italic=True))):
            for start, stop in extent:
                lo, hi = max(start, base), min(stop, end)
                if hi > lo:
                    text.stylize(style, lo - base, hi - base)
        start, stop = self.edit.passage
        text.stylize(PASSAGE_BOTH, start - base, stop - base)
        self.query_one("#extent-text", Static).update(text)

    def action_start(self, delta: int) -> None:
        self.edit.move_start(delta)
        self._draw()

    def action_end(self, delta: int) -> None:
        self.edit.move_end(delta)
        self._draw()

    def action_save(self) -> None:
        self.dismiss(self.edit.passage)

    def action_cancel(self) -> None:
        self.dismiss(None)


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
            yield TickList(
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
        Binding("i", "decide('intersection')", "Common", priority=True, id="resolve.intersection"),
        Binding("x", "decide('neither')", "Neither", priority=True, id="resolve.neither"),
        Binding("e", "edit", "Edit", id="resolve.edit"),
        Binding("s", "edit_extent", "Edit passage", id="resolve.edit_extent"),
        Binding("n", "note", "Note", id="resolve.note"),
        Binding("m", "memo", "Memo", id="resolve.memo"),
        Binding("asterisk", "star", "Star quote", id="resolve.star"),
        Binding("space", "next_undecided", "Next undecided", priority=True, id="resolve.next_undecided"),
        Binding("j", "move(1)", "Next", show=False, priority=True, id="resolve.next"),
        Binding("k", "move(-1)", "Previous", show=False, priority=True, id="resolve.previous"),
        Binding("g", "agreement", "Agreement table", id="resolve.agreement"),
        Binding("v", "compare", "Side by side", id="resolve.compare"),
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
            str(len(item.codes_a)) + ("≈" if item.span_differences else ""),
            str(len(item.codes_b)) + ("≈" if item.span_differences else ""),
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
        self.query_one("#side-a", Static).update(self._side(f"A · {r.coder_a}", item, "a"))
        self.query_one("#side-b", Static).update(self._side(f"B · {r.coder_b}", item, "b"))
        self.query_one("#definitions", Static).update(self._definitions(item.codes_a | item.codes_b))
        self.query_one("#history", Static).update(self._history(item))
        self._update_status()

    def _context_text(self, item: Disagreement) -> Text:
        transcript = self.project.transcript(item.transcript)
        text = Text()
        text.append(f"{item.transcript} · segment {item.ordinal}", style="bold")
        if transcript is None:
            return text
        differing = item.span_differences
        if differing:
            names = ", ".join(self._code_name(c) for c in self._in_book_order(differing))
            text.append(f"\nSame code, other passage: {names}.  ")
            text.append(" A ", style=PASSAGE_A)
            text.append(" ")
            text.append(" B ", style=PASSAGE_B)
            text.append(" ")
            text.append(" both ", style=PASSAGE_BOTH)
        a = merged(p for c in differing for p in item.extent("a", c))
        b = merged(p for c in differing for p in item.extent("b", c))
        segments = self.project.segments(transcript.id)
        here = next(i for i, s in enumerate(segments) if s.id == item.segment_id)
        for i in range(max(0, here - 1), min(len(segments), here + 2)):
            s = segments[i]
            body = transcript.text[s.start : s.end]
            style = "" if i == here else "dim"
            text.append(f"\n\n{s.speaker or ''}{': ' if s.speaker else ''}", style=f"bold {style}".strip())
            at = len(text)
            text.append(body, style=style)
            _mark_passages(text, at, s.start, s.end, a, b)
        return text

    def _code_name(self, code_id: str) -> str:
        code = self.book.get(code_id)
        return code.name if code else code_id

    def _in_book_order(self, codes: frozenset[str]) -> list[str]:
        return [code.id for code, _depth in self.book.walk() if code.id in codes]

    def _side(self, title: str, item: Disagreement, side: str) -> Text:
        mine, theirs = (item.codes_a, item.codes_b) if side == "a" else (item.codes_b, item.codes_a)
        text = Text(title + "\n", style="bold underline")
        if not mine:
            text.append("(no codes)", style="dim italic")
        transcript = self.project.transcript(item.transcript)
        for code_id in self._in_book_order(mine):
            if code_id not in theirs:
                marker, style = "≠ ", "bold"
            elif code_id in item.span_differences:
                marker, style = "≈ ", "bold"
            else:
                marker, style = "  ", ""
            text.append(f"{marker}{self.book.path(code_id).replace('/', ' ▸ ')}\n", style=style)
            extent = item.extent(side, code_id)
            if item.is_whole(extent):
                if code_id in item.span_differences:
                    text.append("    the whole segment\n", style="italic")
                continue
            for start, end in extent:
                quoted = _shortened(transcript.text[start:end]) if transcript else f"{start}–{end}"
                text.append(f"    “{quoted}”\n", style="italic")
        starred = item.starred_a if side == "a" else item.starred_b
        if starred:
            text.append(f"★ quote: {', '.join(self._code_name(c) for c in self._in_book_order(starred))}\n")
        memo = item.memo_a if side == "a" else item.memo_b
        if memo:
            text.append("Memo: ", style="bold")
            text.append(memo.strip() + "\n", style="italic")
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
        memo = self.resolution.consensus_memo(self.index)
        if memo:
            text.append("\nConsensus memo: ", style="bold")
            text.append(memo, style="italic")
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

    def _decide(self, choice: str, codes: list[str] | None = None, spans: dict[str, Extent] | None = None) -> None:
        r = self.resolution
        if not r.queue:
            return
        try:
            item = r.decide(self.index, choice, codes=codes, spans=spans, note=self.note)
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

    def action_edit_extent(self) -> None:
        """Choose the passage of one code by hand: a code of a span difference first, any code either gave."""
        if not self.resolution.queue:
            return
        item = self.resolution.queue[self.index]
        offered = self._in_book_order(item.span_differences) + [
            c for c in self._in_book_order(item.codes_a | item.codes_b) if c not in item.span_differences
        ]
        if not offered:
            self.notify("neither coder gave this segment a code; e chooses codes for it", severity="warning")
            return
        if len(offered) == 1:
            self._edit_extent(item, offered[0])
            return

        def picked(index: int | None) -> None:
            if index is not None:
                self._edit_extent(item, offered[index])

        self.app.push_screen(
            PassageChooser("Which code's passage to edit?", [self._code_name(c) for c in offered]), picked
        )

    def _edit_extent(self, item: Disagreement, code_id: str) -> None:
        transcript = self.project.transcript(item.transcript)
        if transcript is None:
            return
        a = item.extent("a", code_id) if code_id in item.codes_a else ()
        b = item.extent("b", code_id) if code_id in item.codes_b else ()
        decided = item.decision.spans.get(code_id) if item.decision else None
        current = decided or merged(a + b)
        everything = [p for extent in (a, b, current) for p in extent]
        stretch = (min([item.start, *(p[0] for p in everything)]), max([item.end, *(p[1] for p in everything)]))
        try:
            edit = ExtentEdit(transcript.text, stretch, (current[0][0], current[-1][1]))
        except QualcodeError as e:
            self.notify(str(e), severity="error")
            return

        def kept(passage: tuple[int, int] | None) -> None:
            if passage is None:
                return
            if item.decision is not None:
                codes = set(item.decision.codes) | {code_id}
                spans = dict(item.decision.spans)
            else:
                codes, spans = set(item.codes_a | item.codes_b), {}
            spans[code_id] = (passage,)
            self._decide("edit", sorted(codes), spans)

        title = f"The consensus passage of {self._code_name(code_id)}"
        self.app.push_screen(ExtentEditor(title, transcript.text, stretch, edit, a, b), kept)

    def action_memo(self) -> None:
        """The lead's memo on the consensus of this segment (the coders' memos arrive in it on a decision)."""
        r = self.resolution
        if not r.queue:
            return
        current = r.consensus_memo(self.index)

        def saved(text: str | None) -> None:
            if text is None or text.strip() == current:
                return
            try:
                r.set_consensus_memo(self.index, text)
            except QualcodeError as e:
                self.notify(str(e), severity="error")
                return
            self._show(self.index)

        self.app.push_screen(MemoEditor("Memo on the consensus of this segment", current), saved)

    def action_star(self) -> None:
        r = self.resolution
        if not r.queue:
            return
        try:
            on = r.toggle_consensus_star(self.index)
        except QualcodeError as e:
            self.notify(str(e), severity="warning")
            return
        self.notify("the consensus codings are starred as a quote" if on else "star taken off")

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

    def action_compare(self) -> None:
        """Both coders' codes on every segment of this disagreement's transcript, read-only."""
        from qualcode.tui.screens.compare import CompareScreen

        r = self.resolution
        if not r.queue:
            self.notify("the two coders agree everywhere: nothing to compare", severity="information")
            return
        item = r.queue[self.index]
        self.app.push_screen(CompareScreen(self.project, r.coder_a, r.coder_b, item.transcript, item.ordinal))

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
