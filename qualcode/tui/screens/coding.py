"""The coding view: a transcript's segments on the left, the codebook on the right."""

from __future__ import annotations

import time

from rich.markup import escape
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.keys import _character_to_key
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer
from textual.worker import get_current_worker

from qualcode.core.coding_session import CodingSession, Edit, Hit
from qualcode.core.errors import ProjectBusy, QualcodeError
from qualcode.tui.screens.dialogs import CodeFinder, MemoEditor, PassageChooser, TextPrompt
from qualcode.tui.widgets.codebook_panel import CodebookPanel
from qualcode.tui.widgets.status_line import StatusLine
from qualcode.tui.widgets.transcript_view import TranscriptView

RETRY_INTERVAL_S = 0.5
"""How often changes kept while the project file is busy are tried again."""

BUSY_MESSAGE = "the project is busy (another command is writing); your change is kept and will be saved"
LOST_MESSAGE = (
    "the connection to the server is lost; your change is kept and will be saved when the server answers again"
)
WATCH_WAIT_S = 1.0
"""How long the codebook watch waits for news before it looks whether the screen is still open."""


class CodingScreen(Screen[None]):
    """A coder codes one transcript: move, toggle codes by key, memo, search, filter, undo."""

    BINDINGS = [
        Binding("space", "next_uncoded", "Next uncoded", priority=True, id="coding.next_uncoded"),
        Binding("enter", "find_code", "Pick code", id="coding.find_code"),
        Binding("m", "memo", "Memo", priority=True, id="coding.memo"),
        Binding("asterisk", "star", "Star quote", priority=True, id="coding.star"),
        Binding("u", "undo", "Undo", priority=True, id="coding.undo"),
        Binding("U,ctrl+r", "redo", "Redo", priority=True, id="coding.redo"),
        Binding("slash", "search", "Search", id="coding.search"),
        Binding("n", "next_hit(1)", "Next hit", priority=True, id="coding.next_hit"),
        Binding("N", "next_hit(-1)", "Previous hit", show=False, priority=True, id="coding.previous_hit"),
        Binding("F", "filter", "Filter", id="coding.filter"),
        Binding("A", "suggestions", "Suggestions", id="coding.suggestions"),
        Binding("D", "done", "Done", id="coding.done"),
        Binding("tab", "focus_codebook", "Codebook", id="coding.focus_codebook"),
        Binding("escape", "clear", "Clear", show=False, id="coding.clear"),
        Binding("q", "back", "Transcripts", id="coding.back"),
    ]

    def __init__(self, session: CodingSession) -> None:
        super().__init__()
        self.session = session
        """This coder's work on this transcript."""
        self.hits: list[Hit] = []
        """Hits of the last search."""
        self.hit_index = -1
        self.query_text = ""
        self.filter_code: str | None = None
        """The code whose segments alone are shown, or None for all."""
        self.last_message = "every change is saved as you make it"
        self._retry_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield StatusLine(id="title-bar")
        with Horizontal(id="coding-body"):
            yield TranscriptView(self.session, id="transcript")
            yield CodebookPanel(self.session.codebook, id="codebook", memo_of=self.session.code_memo)
        yield StatusLine(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self._bind_code_keys()
        self.view.focus()
        self._update_title()
        self._update_status()
        if self.session.store.on_server:
            self.run_worker(self._watch_codebook, thread=True, group="codebook-watch", exit_on_error=False)

    def _watch_codebook(self) -> None:
        """On a server study, read the codebook again whenever the lead (or anyone) commits an edit of it."""
        worker = get_current_worker()
        watch = None
        while not worker.is_cancelled:
            try:
                if watch is None:
                    watch = self.session.watch_codebook()
                if watch is not None and watch.wait(WATCH_WAIT_S) and not worker.is_cancelled:
                    self.app.call_from_thread(self._codebook_changed_elsewhere)
            except ProjectBusy:
                # The server is out of reach: listen again once it answers.
                watch = None
                time.sleep(WATCH_WAIT_S)
        if watch is not None:
            watch.close()

    def _codebook_changed_elsewhere(self) -> None:
        if not self.is_attached:
            return
        try:
            self.codebook_edited()
        except ProjectBusy:
            return
        self.last_message = "the codebook was changed on the server: shown as it is now"
        self._update_status()

    @property
    def view(self) -> TranscriptView:
        return self.query_one("#transcript", TranscriptView)

    @property
    def panel(self) -> CodebookPanel:
        return self.query_one("#codebook", CodebookPanel)

    # -- codes -----------------------------------------------------------------

    def _bind_code_keys(self) -> None:
        """Each code's shortcut key becomes a priority binding of this screen.

        Bindings rather than a key handler, so that code keys and moving keys
        are handled strictly in the order they were typed.
        """
        bindings = type(self)._merged_bindings
        self._bindings = bindings.copy() if bindings is not None else self._bindings
        for code in self.session.codebook.codes:
            if code.key:
                self._bindings.bind(
                    _character_to_key(code.key), f"toggle_key({code.key!r})", code.name, show=False, priority=True
                )
        self.refresh_bindings()

    def action_toggle_key(self, key: str) -> None:
        code = self.session.codebook.by_key(key)
        if code is not None:
            self.toggle(code.id)

    def toggle(self, code_id: str) -> None:
        if self.view.word_mode:
            self._toggle_passage(code_id)
            return
        positions = self.view.chosen_positions()
        if not positions:
            return
        try:
            edit = self.session.toggle(positions, code_id)
        except QualcodeError as e:
            self.notify(str(e), severity="error")
            return
        self.view.selection_start = None
        self._changed(edit, positions)

    def _toggle_passage(self, code_id: str) -> None:
        """With the word cursor: code the chosen passage; on a passage coded with the code, take that off
        (asking which when two of them hold the word)."""
        view, session = self.view, self.session
        passage = view.passage()
        if passage is None:
            return
        if view.word_anchor is None:
            coded = [p for p in session.spans_at(passage[0]) if p[2] == code_id]
            if len(coded) == 1:
                passage = coded[0][:2]
            elif len(coded) > 1:
                text = session.transcript.text

                def chosen(index: int | None) -> None:
                    if index is not None:
                        self._code_passage(coded[index][:2], code_id)

                excerpts = [_excerpt(text[a:b]) for a, b, _c in coded]
                self.app.push_screen(PassageChooser("Take the code off which passage?", excerpts), chosen)
                return
        self._code_passage(passage, code_id)

    def _code_passage(self, passage: tuple[int, int], code_id: str) -> None:
        try:
            edit = self.session.toggle_span(*passage, code_id)
        except QualcodeError as e:
            self.notify(str(e), severity="error")
            return
        self.view.word_anchor = None
        self._changed(edit, None)
        self.view.refresh()

    @on(CodebookPanel.CodePicked)
    def code_picked(self, event: CodebookPanel.CodePicked) -> None:
        self.toggle(event.code_id)
        self.view.focus()

    def action_find_code(self) -> None:
        def picked(code_id: str | None) -> None:
            if code_id:
                self.toggle(code_id)

        self.app.push_screen(CodeFinder(self.session.codebook), picked)

    def action_focus_codebook(self) -> None:
        if self.panel.code_tree.has_focus:
            self.view.focus()
        else:
            self.panel.code_tree.focus()

    # -- memo, star, undo --------------------------------------------------------

    def action_memo(self) -> None:
        if self.panel.code_tree.has_focus:
            self._code_memo()
            return
        if not self.session.segments:
            return
        if self.view.word_mode and self._passage_memo():
            return
        position = self.view.position
        segment = self.session.segments[position]
        current = self.session.memos.get(segment.id, "")

        def done(text: str | None) -> None:
            if text is not None and text.strip() != current:
                self._changed(self.session.set_memo(position, text), [position])

        self.app.push_screen(MemoEditor(f"Memo on segment {segment.ordinal}", current), done)

    def _code_memo(self) -> None:
        """m in the codebook tree: the coder's memo on the highlighted code, beside its definition."""
        node = self.panel.code_tree.cursor_node
        code = self.session.codebook.get(node.data) if node is not None and node.data else None
        if code is None:
            return
        current = self.session.code_memo(code.id)

        def done(text: str | None) -> None:
            if text is not None and text.strip() != current:
                try:
                    self.session.set_code_memo(code.id, text)
                except QualcodeError as e:
                    self.notify(str(e), severity="error", timeout=6)
                    return
                self.panel.show_definition(code.id)
                self.last_message = f"memo on {code.name} {'saved' if text.strip() else 'removed'}"
                self._update_status()

        self.app.push_screen(MemoEditor(f"Memo on the code {code.name}", current), done)

    def _passage_memo(self) -> bool:
        """With the word cursor: a memo on the selected passage, or on a passage under the cursor (coded or
        with a memo, asking which when several hold the word); False when there is none, for the segment's."""
        view, session = self.view, self.session
        passage = view.passage()
        if passage is None:
            return False
        if view.word_anchor is not None:
            self._edit_passage_memo(passage)
            return True
        held = sorted(
            {(a, b) for a, b, _c in session.spans_at(passage[0])}
            | set(session.passage_memos_overlapping(passage[0], passage[0] + 1))
        )
        if not held:
            return False
        if len(held) == 1:
            self._edit_passage_memo(held[0])
            return True
        text = session.transcript.text

        def chosen(index: int | None) -> None:
            if index is not None:
                self._edit_passage_memo(held[index])

        excerpts = [_excerpt(text[a:b]) for a, b in held]
        self.app.push_screen(PassageChooser("A memo on which passage?", excerpts), chosen)
        return True

    def _edit_passage_memo(self, passage: tuple[int, int]) -> None:
        current = self.session.passage_memos.get(passage, "")

        def done(text: str | None) -> None:
            if text is None or text.strip() == current:
                return
            try:
                edit = self.session.set_passage_memo(*passage, text)
            except QualcodeError as e:
                self.notify(str(e), severity="error")
                return
            self.view.word_anchor = None
            self._changed(edit, None)
            self.view.refresh()

        title = f"Memo on “{_excerpt(self.session.transcript.text[passage[0] : passage[1]])}”"
        self.app.push_screen(MemoEditor(title, current), done)

    def action_star(self) -> None:
        if not self.session.segments:
            return
        position = self.view.position
        try:
            edit = self.session.toggle_star(position)
        except QualcodeError as e:
            self.notify(str(e), severity="warning")
            return
        self._changed(edit, [position])

    def action_undo(self) -> None:
        edit = self.session.undo()
        if edit is None:
            self.notify("nothing to undo")
            return
        self._changed(edit, None, prefix="undone: ")

    def action_redo(self) -> None:
        edit = self.session.redo()
        if edit is None:
            self.notify("nothing to redo")
            return
        self._changed(edit, None, prefix="redone: ")

    def _changed(self, edit: Edit, positions: list[int] | None, prefix: str = "") -> None:
        if positions is None:
            positions = [self.session.index_of[sid] for sid in edit.segment_ids]
        if self.filter_code is not None and edit.kind == "code":
            self.view.set_filter(self.session.with_code(self.filter_code))
        self.view.segment_changed(positions)
        saved = self.session.pending_count == 0
        self.last_message = (
            prefix + edit.describe(self.session.codebook) + (" · saved" if saved else " · not saved yet")
        )
        if not saved:
            self._keep_retrying()
        self._update_status()

    # -- changes the busy project file could not take yet --------------------------

    def _keep_retrying(self) -> None:
        """Try the pending changes again every half second until the file has taken them all.

        The timer belongs to the app, not this screen, so going back to the
        transcript list does not stop it; the app knows the session, so quitting
        can ask about changes still waiting.
        """
        self.app.unsaved_sessions.add(self.session)
        if self._retry_timer is None:
            self._retry_timer = self.app.set_interval(RETRY_INTERVAL_S, self.retry_pending, name="retry-pending")

    def retry_pending(self) -> None:
        """Write what the busy file refused before; say so once everything is saved."""
        session = self.session
        written = session.retry_pending()
        if session.pending_count == 0:
            self.app.unsaved_sessions.discard(session)
            if self._retry_timer is not None:
                self._retry_timer.stop()
                self._retry_timer = None
        if not written or not self.is_attached:
            return
        positions = sorted({session.index_of[sid] for edit in written for sid in edit.segment_ids})
        self.view.segment_changed(positions)
        if session.pending_count == 0:
            n = len(written)
            self.last_message = f"saved: the project is free again ({n} change{'s' if n > 1 else ''} written)"
        self._update_status()

    # -- moving, searching, filtering ------------------------------------------

    def action_next_uncoded(self) -> None:
        if not self.session.segments:
            return
        found = self.session.next_uncoded(self.view.position)
        if found is None:
            self.notify("every segment is coded")
            return
        self.view.move_to_position(found)

    def action_search(self) -> None:
        def run(query: str | None) -> None:
            if query is None:
                return
            self.query_text = query.strip()
            self.hits = self.session.search(self.query_text)
            self.view.set_hits(self.hits)
            if not self.hits:
                self.hit_index = -1
                self.last_message = f"no hits for '{self.query_text}'" if self.query_text else "search cleared"
                self._update_status()
                return
            here = self.view.position
            self.hit_index = next((i for i, h in enumerate(self.hits) if h.index >= here), 0) - 1
            self.action_next_hit(1)

        self.app.push_screen(TextPrompt("Search this transcript", self.query_text, "a word or phrase"), run)

    def action_next_hit(self, step: int) -> None:
        if not self.hits:
            self.notify("no search hits; press / to search")
            return
        self.hit_index = (self.hit_index + step) % len(self.hits)
        self.view.move_to_position(self.hits[self.hit_index].index)
        self.last_message = f"hit {self.hit_index + 1} of {len(self.hits)} for '{self.query_text}'"
        self._update_status()

    def action_filter(self) -> None:
        def chosen(code_id: str | None) -> None:
            if code_id is None:
                return
            if code_id == "":
                self.filter_code = None
                self.view.set_filter(None)
            else:
                self.filter_code = code_id
                self.view.set_filter(self.session.with_code(code_id))
            self._update_title()
            self._update_status()

        self.app.push_screen(
            CodeFinder(self.session.codebook, "Show only segments with which code?", allow_none="Show all segments"),
            chosen,
        )

    def action_clear(self) -> None:
        """Escape: drop the selection, then the word cursor, then the search marks, then the filter."""
        if self.view.leave_word_mode():
            self._update_status()
            return
        if self.view.selection_start is not None:
            self.view.selection_start = None
            self.view.refresh()
        elif self.hits:
            self.hits = []
            self.view.set_hits([])
            if self.last_message.startswith("hit "):
                self.last_message = "search cleared"  # the hits are gone, and so is "hit 5 of 12"
        elif self.filter_code is not None:
            self.filter_code = None
            self.view.set_filter(None)
            self._update_title()
        self._update_status()

    def go_to_ordinal(self, ordinal: int) -> None:
        """Put the cursor on the segment with this number."""
        position = next((i for i, s in enumerate(self.session.segments) if s.ordinal == ordinal), None)
        if position is not None:
            self.view.move_to_position(position)

    def action_suggestions(self) -> None:
        """Review the codes the codebook's keywords propose for this transcript."""
        from qualcode.tui.screens.suggestions import SuggestionsScreen

        def closed(accepted: int | None) -> None:
            if accepted:
                self.session.refresh_codebook()
                self.view.segment_changed(None)
                self.last_message = f"{accepted} suggestions accepted · saved"
                self._update_status()

        session = self.session
        self.app.push_screen(SuggestionsScreen(session.path, session.coder, session.transcript.name), closed)

    def action_done(self) -> None:
        """Mark the transcript done for this coder (again: take the mark off)."""
        session = self.session
        try:
            session.set_done(not session.done)
        except QualcodeError as e:
            self.notify(str(e), severity="error")
            return
        self.last_message = "transcript marked done" if session.done else "transcript no longer marked done"
        self._update_status()

    def action_back(self) -> None:
        # Changes still pending stay with the app's retry timer (see `_keep_retrying`).
        self.app.pop_screen()

    def codebook_edited(self) -> None:
        """The codebook changed in the editor: show the new tree and the coder's codings anew."""
        self.session.refresh_codebook()
        self._bind_code_keys()
        self.panel.show_book(self.session.codebook)
        self.view.segment_changed(None)
        self._update_status()

    # -- the bars --------------------------------------------------------------

    @on(TranscriptView.CursorMoved)
    def cursor_moved(self, event: TranscriptView.CursorMoved) -> None:
        self._update_status()

    def _update_title(self) -> None:
        t = self.session.transcript
        who = f" · {escape(t.participant)}" if t.participant else ""
        shown = ""
        if self.filter_code:
            code = self.session.codebook.get(self.filter_code)
            shown = f" · only segments with {escape(code.name) if code else '?'}"
        self.query_one("#title-bar", StatusLine).update(
            f"[b]{escape(t.name)}[/b]{who} · coder [b]{escape(self.session.coder)}[/b]{shown}"
        )

    def _update_status(self) -> None:
        session = self.session
        view = self.view
        segment = session.segments[view.position] if session.segments else None
        chosen = len(view.chosen_positions())
        where = f"segment {segment.ordinal}/{len(session.segments)}" if segment else "no segments"
        if chosen > 1:
            where += f" · {chosen} selected"
        coded = session.coded_count()
        status = self.query_one("#status", StatusLine)
        pending = session.pending_count
        status.set_class(pending > 0, "-busy")
        if pending:
            # The busy notice goes first, where a narrow terminal does not cut it off.
            waiting = f"{pending} change{'s' if pending > 1 else ''} not saved yet"
            why = LOST_MESSAGE if session.connection_lost else BUSY_MESSAGE
            status.update(escape(f"{where} · {waiting}: {why} · {self.last_message}"))
            return
        done = " · done ✓" if session.done else ""
        status.update(escape(f"{where} · coded {coded}/{len(session.segments)}{done} · {self.last_message}"))


def _excerpt(text: str, width: int = 70) -> str:
    """A passage on one line, cut in the middle when long."""
    flat = " ".join(text.split())
    return flat if len(flat) <= width else f"{flat[: width // 2 - 1]} … {flat[-(width // 2 - 2) :]}"
