"""The list of transcripts with participant, words and this coder's progress, and which ones they have done."""

from __future__ import annotations

from rich.markup import escape
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from qualcode.core.errors import QualcodeError
from qualcode.core.project import Project
from qualcode.tui.messages import OpenTranscript
from qualcode.tui.widgets.row_table import RowTable
from qualcode.tui.widgets.status_line import StatusLine


def progress_bar(done: int, total: int, width: int = 12) -> str:
    """A text bar and a percentage, e.g. '██████░░░░░░  50%'."""
    share = done / total if total else 0.0
    filled = round(share * width)
    return "█" * filled + "░" * (width - filled) + f" {share:>4.0%}"


class TranscriptsScreen(Screen[None]):
    """Every transcript in the project; Enter opens one for coding."""

    BINDINGS = [
        Binding("enter", "open", "Open", id="transcripts.open"),
        Binding("D", "toggle_done", "Done", id="transcripts.done"),
        Binding("q", "app.quit", "Quit", id="transcripts.quit"),
    ]

    def __init__(self, project: Project, coder: str) -> None:
        super().__init__()
        self.project = project
        """The project's store, read for the list."""
        self.coder = coder
        """Whose progress is shown."""

    def compose(self) -> ComposeResult:
        yield StatusLine(id="title-bar")
        yield RowTable(id="transcript-table", cursor_type="row", zebra_stripes=True)
        yield StatusLine(id="status")
        yield Footer()

    @property
    def table(self) -> DataTable[str]:
        return self.query_one("#transcript-table", DataTable)

    def on_mount(self) -> None:
        self.table.add_columns("Transcript", "Participant", "Segments", "Words", "Coded", "Progress", "Done")
        self.refresh_rows()
        self.table.focus()

    def on_screen_resume(self) -> None:
        self.refresh_rows()

    def refresh_rows(self) -> None:
        table = self.table
        keep = table.cursor_row
        table.clear()
        coded = self.project.coded_segment_counts(self.coder)
        finished = set(self.project.done(self.coder))
        summaries = self.project.transcripts()
        total_done = total_segments = 0
        for t in summaries:
            done = coded.get(t.id, 0)
            total_done += done
            total_segments += t.segments
            table.add_row(
                t.name,
                t.participant or "—",
                f"{t.segments:>6}",
                f"{t.words:>7,}",
                f"{done:>6}",
                progress_bar(done, t.segments),
                "✓" if t.name in finished else "",
                key=str(t.id),
            )
        if summaries:
            table.move_cursor(row=min(keep, len(summaries) - 1))
        name = self.project.name
        self.query_one("#title-bar", StatusLine).update(
            f"[b]{escape(str(name))}[/b] · coder [b]{escape(self.coder)}[/b]"
        )
        status = (
            f"{len(summaries)} transcripts · {total_done}/{total_segments} segments coded by {self.coder} · "
            f"{len(finished)} done (D marks the transcript done, for the agreement report)"
            if summaries
            else "No transcripts yet: import some with 'qualcode import PROJECT FILE...'"
        )
        self.query_one("#status", StatusLine).update(escape(status))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self._open(event.row_key.value)

    def action_open(self) -> None:
        table = self.table
        if table.row_count:
            row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
            self._open(row_key.value)

    def action_toggle_done(self) -> None:
        """Mark the transcript under the cursor done for this coder, or take the mark off."""
        table = self.table
        if not table.row_count:
            return
        row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        summary = next(t for t in self.project.transcripts() if str(t.id) == row_key.value)
        done = summary.name not in self.project.done(self.coder)
        try:
            self.project.mark_done(self.coder, [summary.name], done=done)
        except QualcodeError as e:
            self.notify(str(e), severity="error")
            return
        self.notify(f"{summary.name} {'marked done' if done else 'no longer marked done'}")
        self.refresh_rows()

    def _open(self, key: str | None) -> None:
        if key is not None:
            self.post_message(OpenTranscript(int(key)))
