"""Every passage of a code across the transcripts, for one coder: open one in context, star it, filter.

A coder's retrieval holds only that coder's passages (blinding). The list
draws only the rows on the screen (see `PassageList`), so a code with tens of
thousands of passages opens at once and every key stays quick.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.markup import escape
from textual.screen import Screen
from textual.widgets import Footer, Static

from qualcode.core.codebook import Codebook
from qualcode.core.errors import QualcodeError
from qualcode.core.formats import parse_where
from qualcode.core.project import Project
from qualcode.core.retrieval import by_coder
from qualcode.tui.messages import OpenTranscript
from qualcode.tui.widgets.filter_field import FilterField
from qualcode.tui.widgets.passage_list import PassageList
from qualcode.tui.widgets.status_line import StatusLine

COLUMNS = ((1, ""), (5, "Who"), (16, "Transcript"), (5, "Seg"), (24, "Code"))
"""The fixed columns before the passage: width and header."""
CODER_COLUMN = (10, "Coder")
"""In the lead's retrieval, every coder's passages: whose each one is."""


def _cell(text: str, width: int) -> str:
    return text[:width].ljust(width) if len(text) <= width else text[: width - 1] + "…"


def row_text(passage: Any, width: int = 160, *, coder: bool = False) -> str:
    """A passage as one line of the list: star, participant, transcript, segment, code, (coder,) the passage."""
    flat = " ".join(passage.text.split())
    cells = ("*" if passage.starred else " ", passage.participant or "—", passage.transcript, str(passage.segment))
    fixed = " ".join(_cell(c, w) for c, (w, _h) in zip((*cells, passage.code.rsplit("/", 1)[-1]), COLUMNS, strict=True))
    who = f" {_cell(passage.coder, CODER_COLUMN[0])}" if coder else ""
    return f"{fixed}{who} {flat[:width]}"


class RetrievalScreen(Screen[None]):
    """The passages of a code and the codes under it, for one coder."""

    BINDINGS = [
        Binding("enter", "open", "Open in context", id="retrieval.open"),
        Binding("asterisk", "star", "Star quote", id="retrieval.star"),
        Binding("f", "filter", "Filter participants", id="retrieval.filter"),
        Binding("escape,q", "close", "Back", id="retrieval.close"),
    ]

    def __init__(self, project: Project, coder: str | None, book: Codebook, code_id: str) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        """Whose passages are shown: nobody else's; None for the lead, who sees every coder's side by side."""
        self.book = book
        self.code_id = code_id
        self.where: dict[str, str] = {}
        """The participant filter, ATTRIBUTE → VALUE."""
        self.passages: list[Any] = []

    def compose(self) -> ComposeResult:
        yield StatusLine(id="title-bar")
        yield FilterField(
            placeholder="participants: ATTRIBUTE=VALUE, e.g. role=teacher; empty for all", id="retrieval-filter"
        )
        columns = [*COLUMNS, *([CODER_COLUMN] if self.coder is None else [])]
        yield Static(" ".join(h.ljust(w) for w, h in columns) + " Passage", id="retrieval-header")
        yield PassageList(id="retrieval-list")
        yield StatusLine(id="status")
        yield Footer()

    @property
    def table(self) -> PassageList:
        return self.query_one("#retrieval-list", PassageList)

    def on_mount(self) -> None:
        code = self.book.get(self.code_id)
        name = self.book.path(self.code_id) if code else self.code_id
        self.query_one("#title-bar", StatusLine).update(f"[b]Retrieval[/b] · {name} and the codes under it")
        self._load()
        self.table.focus()

    def _load(self) -> None:
        try:
            self.passages = self.project.retrieve(self.code_id, coder=self.coder, where=self.where or None)
        except QualcodeError as e:
            self.query_one("#status", StatusLine).update(f"[red]{escape(str(e))}[/red]")
            return
        lead = self.coder is None
        self.table.set_items(
            self.passages, lambda p: row_text(p, coder=lead), {i for i, p in enumerate(self.passages) if p.starred}
        )
        self._status()

    def _status(self) -> None:
        filtered = f" · participants with {', '.join(f'{k}={v}' for k, v in self.where.items())}" if self.where else ""
        if self.coder is None:
            who = ", ".join(f"{c} {n}" for c, n in sorted(by_coder(self.passages).items())) or "none"
            self.query_one("#status", StatusLine).update(
                f"{len(self.passages)} passages of every coder ({who}){filtered} · Enter shows one whole · "
                "f filters participants"
            )
            return
        self.query_one("#status", StatusLine).update(
            f"{len(self.passages)} passages of {self.coder}{filtered} · Enter opens one · * stars it for the "
            "quote table · f filters participants"
        )

    @on(PassageList.Selected, "#retrieval-list")
    def row_selected(self, event: PassageList.Selected) -> None:
        event.stop()
        self.action_open()

    def action_open(self) -> None:
        if not self.passages:
            return
        passage = self.passages[self.table.cursor]
        if self.coder is None:
            # the lead's view holds no coding view to open: the passage whole, with whose it is
            self.notify(
                f"{passage.coder} · {passage.transcript} #{passage.segment} · {passage.code}\n{passage.text}",
                timeout=12,
            )
            return
        self.post_message(OpenTranscript(passage.transcript, passage.segment))

    def action_star(self) -> None:
        if not self.passages:
            return
        if self.coder is None:
            self.notify("a coder's stars are the coder's own; star the consensus in the resolution", timeout=6)
            return
        row = self.table.cursor
        passage = self.passages[row]
        on = self.project.star_passage(passage, self.coder, not passage.starred)
        self.passages[row] = passage._replace(starred=on)
        self.table.set_item(row, self.passages[row], on)
        self.query_one("#status", StatusLine).update(
            f"{'starred' if on else 'unstarred'}: {passage.transcript} #{passage.segment} "
            f"({sum(p.starred for p in self.passages)} starred)"
        )

    def action_filter(self) -> None:
        self.query_one("#retrieval-filter", FilterField).open()

    @on(FilterField.Applied, "#retrieval-filter")
    def filter_submitted(self, event: FilterField.Applied) -> None:
        try:
            self.where = dict(parse_where([p for p in event.value.split(",") if p.strip()]))
        except QualcodeError as e:
            self.query_one("#status", StatusLine).update(f"[red]{escape(str(e))}[/red]")
            return
        self._load()

    def action_close(self) -> None:
        self.dismiss()
