"""The plot description: what a scene wants drawn, in plain data and plot coordinates.

A scene fills a `Figure` with panels of series; the renderer (`calcterm.render`) turns it
into terminal text. Scenes never import plotext or Textual, never guess cell sizes and never
snap limits themselves: a panel declares what it wants (`aspect`, `fit`, or a forced
`xlim`/`ylim`) and the renderer owns the frame, the ticks, the legend and the line styles.

Texts (titles, axis labels, series labels, label text) may be a bilingual `calcterm.text.T`;
the renderer resolves them in the language it is given.

Colours are *roles* (`ROLES`): "foreground", "muted", "primary", "secondary", "accent",
"warning", "error", "success", and "c1".."c6" for a set of series told apart by hue (races).
The TUI takes them from the running Textual theme, the CLI maps them to ANSI colours. The
older colour names ("blue", "orange", "red+", "gray", ...) still work and map onto roles
(`calcterm.palette.ALIASES`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Literal, Sequence, Union

import numpy as np

from calcterm.text import T

Color = str
Scale = Literal["linear", "log"]
Text = Union[T, str]

ROLES = ("foreground", "muted", "primary", "secondary", "accent", "warning", "error", "success",
         "c1", "c2", "c3", "c4", "c5", "c6")
LINE_STYLES = ("solid", "dashed", "dotted", "dashdot")


@dataclass
class Line:
    """A polyline through (x, y); NaN breaks it. `style` None lets the renderer pick a
    line style that tells this series apart from the other labelled lines of its panel."""

    x: np.ndarray
    y: np.ndarray
    label: Text = ""
    color: Color = "primary"
    marker: str = "braille"
    style: str | None = None


@dataclass
class Points:
    """Scattered points (markers), e.g. an iterate or a particle cloud.

    marker "braille"/"dot" draws each point as one braille dot (any number of points: the
    renderer bins them onto the dot grid); any other marker is a glyph such as "●" or "x".
    """

    x: np.ndarray
    y: np.ndarray
    label: Text = ""
    color: Color = "error"
    marker: str = "dot"


@dataclass
class Bars:
    x: np.ndarray
    heights: np.ndarray
    label: Text = ""
    color: Color = "primary"
    width: float = 0.8


@dataclass
class HLine:
    y: float
    color: Color = "muted"


@dataclass
class VLine:
    x: float
    color: Color = "muted"


@dataclass
class Label:
    """Text at (x, y). `align` places it left of, centred on or right of x; a block of
    several lines ("\\n") is centred vertically on y; `box` draws a frame around it."""

    x: float
    y: float
    text: Text
    color: Color = "foreground"
    align: Literal["left", "center", "right"] = "left"
    box: bool = False


@dataclass
class Arrow:
    """An arrow from (x, y) to (x + dx, y + dy): a line with a head glyph that points the
    way the arrow runs on screen (the renderer knows the aspect of the cells)."""

    x: float
    y: float
    dx: float
    dy: float
    label: Text = ""
    color: Color = "foreground"


@dataclass
class Shade:
    """A region stippled with braille dots where `where` holds.

    `where` is either a function f(x, y) -> bool or float array (evaluated by the renderer at
    every braille dot of the view, with x a row and y a column of coordinates, like
    `compute.contours.grid`), or an array mask[j, i] over `extent` = (x0, x1, y0, y1) with
    i along x and j along y. A float value in [0, 1] scales the dot density; `density` is
    the share of dots set where the value is 1 (ordered dithering). A shade shows only in cells
    no other series uses, so curves drawn over it stay crisp.
    """

    where: Callable[[np.ndarray, np.ndarray], np.ndarray] | np.ndarray
    extent: tuple[float, float, float, float] | None = None
    color: Color = "muted"
    label: Text = ""
    density: float = 0.25


class Trail:
    """A growing polyline (an optimizer's path, a particle's walk) drawn as braille dots.

    The scene keeps one `Trail` and `extend`s it each step; the renderer keeps the dots it
    has already drawn for the current view and rasterises only the new segments, so a path of
    thousands of steps costs no more per frame than its newest step, and the scene never
    needs to know the dot grid.
    """

    def __init__(self, label: Text = "", color: Color = "primary", style: str | None = "solid") -> None:
        self.label = label
        self.color = color
        self.style = style
        self._xy = np.empty((0, 2))
        self._n = 0
        self.cache: dict[str, Any] = {}  # owned by the renderer

    def extend(self, points: np.ndarray) -> "Trail":
        """Append points (n, 2) (or one point (2,)); the path joins them to the last one."""
        points = np.asarray(points, dtype=float).reshape(-1, 2)
        if self._n + len(points) > len(self._xy):
            grown = np.empty((max(64, 2 * (self._n + len(points))), 2))
            grown[:self._n] = self._xy[:self._n]
            self._xy = grown
        self._xy[self._n:self._n + len(points)] = points
        self._n += len(points)
        return self

    def clear(self) -> None:
        self._n = 0
        self.cache.clear()

    @property
    def xy(self) -> np.ndarray:
        """All points so far, shape (n, 2) (a view: do not modify)."""
        return self._xy[:self._n]

    def __len__(self) -> int:
        return self._n


Series = Line | Points | Bars | HLine | VLine | Label | Arrow | Shade | Trail


@dataclass
class Panel:
    """One plot. `aspect` "equal" makes a unit on x as long on screen as a unit on y.
    `fit` "nice" rounds data limits outward to round tick values (whole decades on a log
    axis); "data" keeps them tight. `xlim`/`ylim` force a window on that axis."""

    title: Text = ""
    xlabel: Text = ""
    ylabel: Text = ""
    xscale: Scale = "linear"
    yscale: Scale = "linear"
    xlim: tuple[float, float] | None = None
    ylim: tuple[float, float] | None = None
    series: list[Series] = field(default_factory=list)
    aspect: Literal["auto", "equal"] = "auto"
    fit: Literal["data", "nice"] = "nice"

    def add(self, *series: Series) -> "Panel":
        self.series.extend(series)
        return self


@dataclass
class Figure:
    """Panels laid out in a grid of `rows` × `cols`, filled row by row.

    `weights` gives the relative width of each column (e.g. (2, 1) for a main plot
    beside a narrower side panel).
    """

    panels: list[Panel]
    rows: int = 1
    cols: int = 1
    weights: Sequence[float] | None = None


def sample_count(width: int, lo: int = 16, hi: int = 480) -> int:
    """How many points a curve needs to look smooth in a plot `width` cells wide.

    A braille cell holds two dots across, so more than 2×width points is wasted work.
    """
    return int(min(hi, max(lo, 2 * width)))


# Helpers for the pictures the chapter scenes share.

def arrow(panel: Panel, p: Sequence[float], v: Sequence[float], color: Color = "foreground",
          label: Text = "") -> Arrow:
    """Add an arrow from point p along vector v (plot coordinates) to `panel`; returns it."""
    a = Arrow(float(p[0]), float(p[1]), float(v[0]), float(v[1]), label, color)
    panel.add(a)
    return a


def shade(where: Callable[[np.ndarray, np.ndarray], np.ndarray] | np.ndarray,
          view: tuple[float, float, float, float] | None = None, color: Color = "muted",
          label: Text = "", density: float = 0.25) -> Shade:
    """Dots on the braille grid where a predicate holds: feasible sets, margin bands,
    decision regions. `where` is f(x, y) or a mask array over `view` (see `Shade`)."""
    if not callable(where) and view is None:
        raise ValueError("a mask array needs the view (x0, x1, y0, y1) it covers")
    return Shade(where, None if view is None else tuple(float(v) for v in view), color, label,
                 float(density))


def polygon(points: Sequence[Sequence[float]] | np.ndarray, color: Color = "foreground",
            label: Text = "", closed: bool = True, style: str | None = None) -> Line:
    """A polygon through `points` (n, 2), closed back to its first point unless `closed` is False."""
    pts = np.asarray(points, dtype=float).reshape(-1, 2)
    if closed and len(pts) > 2:
        pts = np.vstack([pts, pts[:1]])
    return Line(pts[:, 0].copy(), pts[:, 1].copy(), label, color, style=style)


def node(x: float, y: float, lines: Sequence[Text] | Text, color: Color = "foreground") -> Label:
    """A boxed label centred on (x, y) for a graph node; `lines` are stacked top to bottom.

    Edges are ordinary `Line`s between node centres, added before the nodes: the box is drawn
    over their ends.
    """
    if isinstance(lines, (str, T)):
        lines = [lines]
    text: Text = lines[0] if len(lines) == 1 else _join_lines(list(lines))
    return Label(float(x), float(y), text, color, align="center", box=True)


def _join_lines(lines: list[Text]) -> Text:
    if any(isinstance(line, T) for line in lines):
        return T("\n".join(line.en if isinstance(line, T) else line for line in lines),
                 "\n".join(line.zh if isinstance(line, T) else line for line in lines))
    return "\n".join(lines)
