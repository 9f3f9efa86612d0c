"""The plot widget: draws the scene's figure at exactly the widget's size."""

from __future__ import annotations

from rich.text import Text
from textual.widget import Widget

from calcterm.render import TooSmall, layout
from calcterm.scene import Scene
from calcterm.text import localize


class PlotView(Widget):
    """Re-renders on every `refresh()` (resize included), since the figure depends on size."""

    def __init__(self, scene: Scene, *, color: bool = True, id: str | None = None) -> None:
        super().__init__(id=id)
        self.scene = scene
        self.color = color

    def render(self) -> Text:
        width, height = self.size
        min_w, min_h = self.scene.min_plot
        if width < min_w or height < min_h:
            return self._enlarge(width, height)
        try:
            canvas = layout(localize(self.scene.draw(width, height), self.app.lang), width, height)
        except TooSmall:
            return self._enlarge(width, height)
        return canvas.to_rich(self.color)

    def _enlarge(self, width: int, height: int) -> Text:
        min_w, min_h = self.scene.min_plot
        return Text(f"Enlarge the terminal: the plot needs {min_w}×{min_h} cells, "
                    f"it has {width}×{height}.", style="bold yellow")
