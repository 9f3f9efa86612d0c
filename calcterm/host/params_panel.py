"""The parameter panel: one row per parameter, the selected one highlighted.

A row reports clicks as messages: on its ◀ or ▶ it asks for a nudge, elsewhere it asks to
be selected. The screen owns the scene and does the change.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.containers import VerticalScroll
from textual.message import Message
from textual.widget import Widget

from calcterm.params import Param
from calcterm.text import tr

NAME_WIDTH = 10
"""Columns for parameter names, at least (a scene with longer names gets more)."""


class ParamRow(Widget):
    def __init__(self, param: Param, index: int, name_width: int = NAME_WIDTH) -> None:
        super().__init__(classes="param-row")
        self.param = param
        self.index = index
        self.name_width = name_width
        self.value_text = ""
        self.lang = "en"

    @dataclass
    class Clicked(Message):
        """A row was clicked: `direction` is −1/+1 on an arrow, 0 elsewhere."""

        index: int
        direction: int

    def show(self, value: object, selected: bool, lang: str, relevant: bool = True) -> None:
        self.value_text = tr(self.param.label(value), lang)
        self.lang = lang
        self.set_class(selected, "-selected")
        self.set_class(not relevant, "-irrelevant")
        self.refresh(layout=True)

    def render(self) -> Text:
        """Name and ◀ value ▶ on one line: rows never change height, so selecting one does not
        move the others under the pointer (the selected one's help shows below the list)."""
        p = self.param
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f"{p.name:<{self.name_width}}", style="bold")
        text.append("◀ ", style="bold cyan")
        text.append(self.value_text, style="bold")
        text.append(" ▶", style="bold cyan")
        return text

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        left = self.name_width
        right = self.name_width + 2 + len(self.value_text) + 1
        direction = 0
        if offset is not None and offset.y == 0:
            if left <= offset.x < left + 2:
                direction = -1
            elif right <= offset.x < right + 2:
                direction = 1
        self.post_message(self.Clicked(self.index, direction))


class ParamsPanel(VerticalScroll):
    def __init__(self, params: tuple[Param, ...], id: str | None = None) -> None:
        super().__init__(id=id, can_focus=False)
        width = max([NAME_WIDTH - 1, *(len(p.name) for p in params)]) + 1
        self.rows = [ParamRow(p, i, width) for i, p in enumerate(params)]

    def compose(self):
        yield from self.rows

    def show(self, values: dict, selected: int, lang: str,
             relevant: dict[str, bool] | None = None) -> None:
        """Show every row; rows that do not matter in the current setting are dimmed."""
        relevant = relevant or {}
        for row in self.rows:
            row.show(values[row.param.name], row.index == selected, lang,
                     relevant.get(row.param.name, True))
        if self.rows:
            self.scroll_to_widget(self.rows[selected], animate=False)
