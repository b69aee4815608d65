"""Small modal dialogs: a line of text, a memo, a yes/no question, a code finder, a code's fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.fuzzy import Matcher
from textual.markup import escape
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList, TextArea
from textual.widgets.option_list import Option

from qualcode.core.codebook import Codebook
from qualcode.core.model import Code


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text; Enter gives it, Escape gives None."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="dialog.cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = "") -> None:
        super().__init__()
        self.title_text = title
        """The question shown above the field."""
        self.value = value
        self.placeholder = placeholder

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Input(self.value, placeholder=self.placeholder, id="prompt-input")
            yield Label("Enter to confirm · Esc to cancel", classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class MemoEditor(ModalScreen[str | None]):
    """Write a memo on a segment; Ctrl+S saves, Escape cancels, an empty memo removes it."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save memo", id="memo.save"),
        Binding("escape", "cancel", "Cancel", id="memo.cancel"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        """Which segment the memo belongs to."""
        self.text = text

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog memo-dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield TextArea(self.text, id="memo-text", soft_wrap=True)
            yield Label("Ctrl+S to save · Esc to cancel · an empty memo is removed", classes="dialog-hint")

    def action_save(self) -> None:
        self.dismiss(self.query_one("#memo-text", TextArea).text)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """A yes/no question; y or Enter says yes, n or Escape no."""

    BINDINGS = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm.no"),
    ]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question
        """The question asked."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(self.question, classes="dialog-title")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)


class CodeFinder(ModalScreen[str | None]):
    """Find a code by typing part of its name or path (fuzzy); Enter picks it."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="finder.cancel"),
        Binding("down", "cursor(1)", "Next", show=False, id="finder.next"),
        Binding("up", "cursor(-1)", "Previous", show=False, id="finder.previous"),
    ]

    def __init__(self, book: Codebook, title: str = "Toggle which code?", *, allow_none: str = "") -> None:
        super().__init__()
        self.book = book
        """The codebook searched."""
        self.title_text = title
        self.allow_none = allow_none
        """When set, a first option with this label stands for 'no code' (e.g. the top level)."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog finder-dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield Input(placeholder="type part of a code's name", id="finder-input")
            yield OptionList(id="finder-options")

    def on_mount(self) -> None:
        self._fill("")

    def _fill(self, query: str) -> None:
        options = self.query_one("#finder-options", OptionList)
        options.clear_options()
        found: list[Option] = []
        if self.allow_none and not query:
            found.append(Option(self.allow_none, id=""))
        matcher = Matcher(query) if query else None
        scored: list[tuple[float, int, Code]] = []
        for i, (code, _depth) in enumerate(self.book.walk()):
            path = self.book.path(code.id)
            score = matcher.match(path) if matcher else 1.0
            if score > 0:
                scored.append((score, i, code))
        if matcher:
            scored.sort(key=lambda t: (-t[0], t[1]))
        for _score, _i, code in scored:
            prefix = f"[{code.key}] " if code.key else "    "
            found.append(Option(prefix + self.book.path(code.id).replace("/", " ▸ "), id=code.id))
        options.add_options(found)
        if found:
            options.highlighted = 0

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill(event.value.strip())

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        options = self.query_one("#finder-options", OptionList)
        if options.highlighted is not None and options.option_count:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cursor(self, step: int) -> None:
        options = self.query_one("#finder-options", OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = max(0, min(current + step, options.option_count - 1))

    def action_cancel(self) -> None:
        self.dismiss(None)


FIELDS = (
    ("name", "Name"),
    ("key", "Shortcut key (one character)"),
    ("colour", "Colour (#rrggbb)"),
    ("description", "Definition"),
    ("inclusion", "Include when"),
    ("exclusion", "Exclude when"),
    ("example", "Example"),
)


class PassageChooser(ModalScreen[int | None]):
    """Choose one of several passages (e.g. which of two overlapping codings to take off); Enter picks it."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="passages.cancel")]

    def __init__(self, title: str, passages: list[str]) -> None:
        super().__init__()
        self.title_text = title
        self.passages = passages
        """The passages offered, as the reader sees them."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog finder-dialog"):
            yield Label(self.title_text, classes="dialog-title")
            yield OptionList(*(Option(Text(p), id=str(i)) for i, p in enumerate(self.passages)), id="passages")

    def on_mount(self) -> None:
        self.query_one("#passages", OptionList).focus()

    @on(OptionList.OptionSelected)
    def chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(int(event.option.id or 0))

    def action_cancel(self) -> None:
        self.dismiss(None)


class CodeForm(ModalScreen[bool]):
    """Edit a code's name, key, colour, definition, criteria and example; dismissed with True once saved.

    Each field is checked as it is left (the key and the colour in place); Ctrl+S hands the values to
    ``save``, which returns why they were refused, or None once they are saved: a refusal is shown in the
    dialog, which stays open with everything typed.
    """

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="form.save"),
        Binding("escape", "cancel", "Cancel", id="form.cancel"),
    ]

    def __init__(
        self,
        code: Code,
        save: Callable[[dict[str, str]], str | None],
        check: Callable[[str, str], str | None] | None = None,
    ) -> None:
        super().__init__()
        self.code = code
        """The code as it is now."""
        self.save = save
        self.check = check
        """Why one field's value cannot stand (field, value) → message, or None."""
        self.error_field: str | None = None
        """The field the message below the form is about."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog form-dialog"):
            yield Label(f"Edit code: {self.code.name}", classes="dialog-title")
            with VerticalScroll():
                for field, label in FIELDS:
                    yield Label(label, classes="field-label")
                    value = str(getattr(self.code, field) or "")
                    if field in ("description", "inclusion", "exclusion", "example"):
                        yield TextArea(value, id=f"field-{field}", soft_wrap=True, classes="field-area")
                    else:
                        # the cursor at the end, nothing selected: typing adds to the name, not replaces it
                        yield Input(value, id=f"field-{field}", select_on_focus=False)
            yield Label("", id="form-error", classes="form-error")
            yield Label("Ctrl+S to save · Esc to cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        first = self.query_one(f"#field-{FIELDS[0][0]}", Input)
        first.focus()
        first.cursor_position = len(first.value)

    def _values(self) -> dict[str, str]:
        values: dict[str, str] = {}
        for field, _label in FIELDS:
            widget = self.query_one(f"#field-{field}")
            values[field] = widget.text if isinstance(widget, TextArea) else widget.value  # type: ignore[attr-defined]
        return values

    def _show(self, problem: str | None, field: str | None = None) -> None:
        self.error_field = field if problem else None
        self.query_one("#form-error", Label).update(f"[red]{escape(problem)}[/red]" if problem else "")

    def on_descendant_blur(self, event: Any) -> None:
        """A field left: say at once what is wrong with it (and stop saying it once it is mended)."""
        widget = event.widget
        if self.check is None or not isinstance(widget, Input) or not widget.id:
            return
        field = widget.id.removeprefix("field-")
        problem = self.check(field, widget.value)
        if problem:
            self._show(problem, field)
        elif self.error_field == field:
            self._show(None)

    def action_save(self) -> None:
        values = self._values()
        for field, value in values.items():
            problem = self.check(field, value) if self.check is not None else None
            if problem:
                self._show(problem, field)
                self.query_one(f"#field-{field}").focus()
                return
        refused = self.save(values)
        if refused:
            self._show(refused, "")  # the dialog stays, with everything typed
            return
        self.dismiss(True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def action_cancel(self) -> None:
        self.dismiss(False)


class ErrorDialog(ModalScreen[None]):
    """A job failed: what, and why, until the user closes it."""

    BINDINGS = [Binding("escape,enter,q", "close", "Close", id="error.close")]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        """What failed."""
        self.text = text
        """The error, as the user should read it."""

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog error-dialog"):
            yield Label(f"[b]{escape(self.title_text)}[/b]")
            yield Label(escape(self.text), id="error-text")
            yield Label("[dim]Enter or Esc closes[/dim]")

    def action_close(self) -> None:
        self.dismiss(None)
