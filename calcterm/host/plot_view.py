"""The plot widget: draws the scene's figure at exactly the widget's size, and turns the
mouse into the scene's own units (click or drag to set its point, wheel to zoom)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget

from calcterm.host.i18n import t
from calcterm.palette import theme_palette
from calcterm.plot import Figure
from calcterm.render import TooSmall, layout, locate
from calcterm.scene import Scene
from calcterm.text import fmt


class PlotView(Widget):
    """Re-renders on every `refresh()` (resize included), since the figure depends on size."""

    @dataclass
    class Picked(Message):
        """The mouse asks for these parameter values (already the nearest allowed ones)."""

        values: dict[str, Any]

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, PlotView.Picked)

    def __init__(self, scene: Scene, *, color: bool = True, id: str | None = None) -> None:
        super().__init__(id=id)
        self.scene = scene
        self.color = color
        self.figure: Figure | None = None
        """What the last repaint drew: the mouse is located in it without drawing again."""
        self._palette: tuple[str | None, dict[str, str]] = (None, {})

    def render(self) -> Text:
        width, height = self.size
        self.figure = None
        min_w, min_h = self.scene.min_plot
        if width < min_w or height < min_h:
            return self._enlarge(width, height)
        try:
            self.figure = self.scene.draw(width, height)
            canvas = layout(self.figure, width, height, self.app.lang)
        except TooSmall:
            self.figure = None
            return self._enlarge(width, height)
        return canvas.to_rich(self.color, self.palette())

    def on_mount(self) -> None:
        self.watch(self.app, "theme", lambda _: self.refresh(), init=False)

    def palette(self) -> dict[str, str]:
        """Colour roles in the running theme's colours, every one legible on its background."""
        name = self.app.theme
        if self._palette[0] != name:
            variables = getattr(self.app, "theme_variables", None) or self.app.get_css_variables()
            self._palette = (name, theme_palette(variables))
        return self._palette[1]

    def _enlarge(self, width: int, height: int) -> Text:
        min_w, min_h = self.scene.min_plot
        return Text(t(self.app.lang, "enlarge_plot", w=min_w, h=min_h, cw=width, ch=height),
                    style="bold yellow")

    # -- the mouse --------------------------------------------------------------------

    def where(self, event: events.MouseEvent) -> tuple[int, float, float] | None:
        """The panel and data point under the pointer, in the figure last drawn."""
        if self.figure is None:
            return None
        width, height = self.size
        return locate(self.figure, width, height, event.x, event.y, self.app.lang)

    def _pick(self, event: events.MouseEvent) -> None:
        spot = self.where(event)
        if spot is None:
            return
        wanted = self.scene.pick(*spot)
        if wanted:
            values = {name: self.scene.param(name).nearest(v) for name, v in wanted.items()}
            self.post_message(self.Picked(values))

    def on_click(self, event: events.Click) -> None:
        self._pick(event)

    def on_mouse_move(self, event: events.MouseMove) -> None:
        if event.button == 1:  # dragging moves the point along
            self._pick(event)
            return
        spot = self.where(event)
        self.tooltip = None if spot is None else f"x = {fmt(spot[1], '.4g')}   y = {fmt(spot[2], '.4g')}"

    def _zoom(self, event: events.MouseEvent, factor: float) -> None:
        spot = self.where(event)
        if spot is None:
            return
        wanted = self.scene.zoom(spot[0], factor)
        if wanted:
            event.stop()
            values = {name: self.scene.param(name).nearest(v) for name, v in wanted.items()}
            self.post_message(self.Picked(values))

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        self._zoom(event, 1 / 1.25)

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        self._zoom(event, 1.25)
