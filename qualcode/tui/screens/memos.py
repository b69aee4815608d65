"""The memo manager: a coder's memos on codes, segments and passages, and their journal; open one in context.

Only the coder's own memos and journal entries are listed (blinding). `/`
filters by words in the memo, its place or its codes; Enter opens the
segment a memo stands on; `a` adds a journal entry.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer, Static

from qualcode.core.errors import QualcodeError
from qualcode.core.project import Project
from qualcode.tui.messages import OpenTranscript
from qualcode.tui.screens.dialogs import TextPrompt
from qualcode.tui.widgets.filter_field import FilterField
from qualcode.tui.widgets.passage_list import PassageList
from qualcode.tui.widgets.status_line import StatusLine


def line_of(item: Any) -> str:
    """A memo or a journal entry as one line of the list."""
    if getattr(item, "kind", "") == "code":
        where = f"code {item.code.rsplit('/', 1)[-1]}"
    elif hasattr(item, "kind"):
        where = f"{item.transcript} #{item.segment}"
    else:
        where = f"journal {item.at[:10]}"
    text = " ".join(item.text.split())
    codes = f"  [{item.code}]" if getattr(item, "kind", "code") != "code" and item.code else ""
    return f"{where[:28]:<28} {text}{codes}"


class MemosScreen(Screen[None]):
    """A coder's memos and journal, filtered by what they say, where they stand and their codes."""

    BINDINGS = [
        Binding("enter", "open", "Open in context", id="memos.open"),
        Binding("slash", "filter", "Filter", id="memos.filter"),
        Binding("a", "add_entry", "Add journal entry", id="memos.add_entry"),
        Binding("escape,q", "close", "Back", id="memos.close"),
    ]

    def __init__(self, project: Project, coder: str) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        """Whose memos and journal are shown: nobody else's."""
        self.items: list[Any] = []
        self.shown: list[Any] = []
        self.query_text = ""

    def compose(self) -> ComposeResult:
        yield StatusLine(id="title-bar")
        yield FilterField(
            placeholder="words in the memo, its place or its codes; Enter filters, empty for all", id="memos-filter"
        )
        yield Static(f"{'Where':<28} Memo", id="memos-header")
        yield PassageList(id="memos-list")
        yield StatusLine(id="status")
        yield Footer()

    @property
    def listing(self) -> PassageList:
        return self.query_one("#memos-list", PassageList)

    def on_mount(self) -> None:
        self.query_one("#title-bar", StatusLine).update(f"[b]Memos and journal[/b] · {self.coder}")
        self._load()
        self.listing.focus()

    def _load(self) -> None:
        memos = [m for m in self.project.memos(author=self.coder)] if self.coder in self.project.coders() else []
        self.items = [*memos, *self.project.journal(self.coder)]
        self._show()

    def _show(self) -> None:
        needle = self.query_text.casefold()
        self.shown = [i for i in self.items if not needle or needle in line_of(i).casefold()]
        self.listing.set_items(self.shown, line_of)
        kinds = {
            "code": sum(1 for i in self.shown if getattr(i, "kind", "") == "code"),
            "journal": sum(1 for i in self.shown if not hasattr(i, "kind")),
        }
        filtered = f" matching '{self.query_text}'" if self.query_text else ""
        self.query_one("#status", StatusLine).update(
            f"{len(self.shown)} of {len(self.items)} notes{filtered} ({kinds['code']} on codes, {kinds['journal']} "
            "journal entries) · Enter opens · / filters · a adds to the journal"
        )

    @on(PassageList.Selected, "#memos-list")
    def chosen(self, event: PassageList.Selected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        if not self.shown:
            return
        item = self.shown[self.listing.cursor]
        if getattr(item, "kind", "code") == "code":
            self.notify("a memo on a code or a journal entry stands on no passage", severity="information")
            return
        self.post_message(OpenTranscript(item.transcript, item.segment))

    def action_filter(self) -> None:
        self.query_one("#memos-filter", FilterField).open()

    @on(FilterField.Applied, "#memos-filter")
    def filtered(self, event: FilterField.Applied) -> None:
        self.query_text = event.value.strip()
        self._show()

    def action_add_entry(self) -> None:
        def entered(text: str | None) -> None:
            if not text or not text.strip():
                return
            try:
                self.project.journal_add(self.coder, text)
            except QualcodeError as e:
                self.notify(str(e), severity="error", timeout=6)
                return
            self._load()

        self.app.push_screen(TextPrompt("Journal entry", placeholder="what you decided, noticed or wonder"), entered)

    def action_close(self) -> None:
        self.dismiss()
