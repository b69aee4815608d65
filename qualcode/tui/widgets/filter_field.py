"""A filter line that opens over a list when asked, says what was typed, and closes again.

Enter gives the text to the screen (`FilterField.Applied`) and closes the field; Esc closes it and gives
nothing; either way the focus goes back to the widget it came from.
"""

from __future__ import annotations

from textual.binding import Binding
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input


class FilterField(Input):
    BINDINGS = [Binding("escape", "dismiss", "Close the filter", show=False)]

    class Applied(Message):
        """The filter's text, once Enter is pressed."""

        def __init__(self, field: FilterField, value: str) -> None:
            super().__init__()
            self.field = field
            self.value = value

        @property
        def control(self) -> FilterField:
            return self.field

    def __init__(self, *, placeholder: str, id: str) -> None:
        super().__init__(placeholder=placeholder, id=id)
        self.came_from: Widget | None = None

    def on_mount(self) -> None:
        self.display = False

    def open(self) -> None:
        self.came_from = self.screen.focused
        self.display = True
        self.focus()

    def _close(self) -> None:
        self.display = False
        if self.came_from is not None:
            self.came_from.focus()

    def action_dismiss(self) -> None:
        self._close()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._close()
        self.post_message(self.Applied(self, event.value))
