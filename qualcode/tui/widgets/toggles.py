"""Check boxes, radio buttons and check lists whose state shows in the glyph, not in the colour alone.

Textual draws a ticked and an unticked box with the same "X", told apart only
by colour, which a monochrome terminal, a colour-blind reader or a screen
shared over a poor SSH link loses. These draw "✓" or "●" when on and a blank
when off.
"""

from __future__ import annotations

from typing import Any

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Checkbox, RadioButton, SelectionList

ON_TICK, ON_DOT, OFF = "✓", "●", " "


class Tick(Checkbox):
    @property
    def _button(self) -> Any:
        self.BUTTON_INNER = ON_TICK if self.value else OFF
        return super()._button


class Choice(RadioButton):
    @property
    def _button(self) -> Any:
        self.BUTTON_INNER = ON_DOT if self.value else OFF
        return super()._button


class TickList(SelectionList[str]):
    def render_line(self, y: int) -> Strip:
        strip = super().render_line(y)
        segments = list(strip)
        if len(segments) < 4:
            return strip
        meta = segments[1].style.meta if segments[1].style is not None else {}
        index = meta.get("option") if meta else None
        if index is None:
            return strip
        selected = self.get_option_at_index(index).value in self._selected
        segments[1] = Segment(ON_TICK if selected else OFF, segments[1].style)
        return Strip(segments, strip.cell_length)
