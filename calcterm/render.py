"""Turn a plot description into terminal cells. The renderer owns every panel's geometry.

Per panel it decides the layout (title row, plot box, tick labels, x label), fits the limits
(`calcterm.geometry`: from the data, rounded to round ticks or decades, equal aspect, any data
at all), frames the panel (`calcterm.frame`: plotext draws the box, calcterm the ticks), paints
the series into the braille dots of the interior with numpy (`calcterm.paint`, `calcterm.raster`),
gives each series a look of its own (`calcterm.looks`), writes labels and node boxes, and puts
the legend in the corner where it hides the least. Texts are resolved in the language asked for and measured in
cells, so Chinese titles keep the rows straight; a title too long for its panel ends in "…".

The result is a `Canvas` of cells and colour roles, written out as ANSI text for the CLI or as
a Rich `Text` for the TUI (which maps roles to its theme's colours).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from calcterm import geometry as geo
from calcterm.canvas import Canvas, shorten, text_width
from calcterm.frame import axes_block, label_starts
from calcterm.looks import assign
from calcterm.paint import paint_series
from calcterm.plot import Arrow, Bars, Figure, Line, Panel, Points, Trail
from calcterm.text import tr

__all__ = ["Canvas", "TooSmall", "layout", "render", "strip_ansi", "draw_panel", "MIN_PANEL"]

MIN_PANEL = (16, 5)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class TooSmall(Exception):
    """The space given cannot hold the figure; the message says how much is needed."""


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


@dataclass(frozen=True)
class View:
    """Where data lands: both axes, and the interior's top-left cell and size."""

    x: geo.Axis
    y: geo.Axis
    left: int
    top: int
    cols: int
    rows: int

    def dx(self, u: np.ndarray) -> np.ndarray:
        """Plotting units on x -> dot columns (0 at the left edge)."""
        with np.errstate(all="ignore"):
            return (u - self.x.lo) / (self.x.hi - self.x.lo) * (2 * self.cols - 1)

    def dy(self, u: np.ndarray) -> np.ndarray:
        """Plotting units on y -> dot rows (0 at the top edge)."""
        with np.errstate(all="ignore"):
            return (self.y.hi - u) / (self.y.hi - self.y.lo) * (4 * self.rows - 1)

    def key(self) -> tuple:
        return (self.x.lo, self.x.hi, self.x.scale, self.y.lo, self.y.hi, self.y.scale,
                self.cols, self.rows)


# Data extents -------------------------------------------------------------------------------

def _coords(panel: Panel) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """The x and y data (data units) that limits are fitted to, as matching pieces."""
    xs, ys = [], []
    for s in panel.series:
        if isinstance(s, (Line, Points)):
            x, y = _flat(s.x), _flat(s.y)
        elif isinstance(s, Trail):
            x, y = s.xy[:, 0], s.xy[:, 1]
        elif isinstance(s, Bars):
            x, h = _flat(s.x), _flat(s.heights)
            n = min(x.size, h.size)
            x, h = x[:n], h[:n]
            half = 0.5 * s.width * _bar_step(x)
            base = np.zeros(n) if panel.yscale == "linear" else h
            x, y = np.r_[x - half, x + half], np.r_[h, base]
        elif isinstance(s, Arrow):
            x, y = np.array([s.x, s.x + s.dx]), np.array([s.y, s.y + s.dy])
        else:
            continue
        n = min(x.size, y.size)
        xs.append(x[:n])
        ys.append(y[:n])
    return xs, ys


def _whole(panel: Panel, axis: int) -> bool:
    """Whether every data value on an axis (bar centres and heights included) is a whole number."""
    parts = []
    for s in panel.series:
        if isinstance(s, (Line, Points)):
            parts.append(_flat((s.x, s.y)[axis]))
        elif isinstance(s, Bars):
            parts.append(_flat((s.x, s.heights)[axis]))
        elif isinstance(s, Trail):
            parts.append(s.xy[:, axis])
    values = np.concatenate(parts) if parts else np.zeros(0)
    return geo.is_integer_valued(values[np.isfinite(values)])


def _flat(values) -> np.ndarray:
    try:
        return np.asarray(values, dtype=float).ravel()
    except (TypeError, ValueError):
        return np.zeros(0)


def _bar_step(x: np.ndarray) -> float:
    finite = np.unique(x[np.isfinite(x)])
    return float(np.min(np.diff(finite))) if finite.size > 1 else 1.0


def _finite(u: np.ndarray) -> np.ndarray:
    return u[np.isfinite(u)]


# Layout of one panel ------------------------------------------------------------------------

def _plan(panel: Panel, width: int, rows: int) -> View:
    """Fit both axes into a panel `width` cells wide whose interior has `rows` rows."""
    xs, ys = _coords(panel)
    x_all = np.concatenate(xs) if xs else np.zeros(0)
    y_all = np.concatenate(ys) if ys else np.zeros(0)
    xscale = geo.scale_for(_window_or(panel.xlim, x_all), panel.xscale == "log")
    yscale = geo.scale_for(_window_or(panel.ylim, y_all), panel.yscale == "log")
    xu, yu = xscale.units(x_all), yscale.units(y_all)
    both = np.isfinite(xu) & np.isfinite(yu)
    xint = panel.xscale == "linear" and _whole(panel, 0)
    yint = panel.yscale == "linear" and _whole(panel, 1)
    y_most = max(2, rows // 4 + 1)

    def plan_x(cols: int, window: tuple[float, float] | None) -> geo.Axis:
        most, fits = max(2, min(12, cols // 8 + 1)), _x_fits(width, cols)
        if window is not None:
            return geo.retick(geo.Axis(*window, (), (), xscale), *window, most, fits, xint)
        return geo.plan_axis(xu[both], panel.xlim, xscale, panel.fit, most, fits, xint)

    x = plan_x(max(2, width - 6), None)
    inside = both & (xu >= x.lo) & (xu <= x.hi)
    y = geo.plan_axis(yu[inside], panel.ylim, yscale, panel.fit, y_most, _y_fits(rows), yint,
                      pad=0.05)
    x_window = None
    for _ in range(4):
        cols = max(2, width - _label_width(y) - 2)
        x = plan_x(cols, x_window)
        if panel.aspect != "equal":
            break
        ux, uy = (x.hi - x.lo) / (2 * cols - 1), (y.hi - y.lo) / (4 * rows - 1)
        if abs(ux - uy) <= 1e-6 * max(ux, uy):
            break
        if ux > uy:
            mid, half = 0.5 * (y.lo + y.hi), 0.5 * ux * (4 * rows - 1)
            y = geo.retick(y, mid - half, mid + half, y_most, _y_fits(rows), yint)
        else:
            mid, half = 0.5 * (x.lo + x.hi), 0.5 * uy * (2 * cols - 1)
            x_window = (mid - half, mid + half)
    cols = max(2, width - _label_width(y) - 2)
    return View(x, y, _label_width(y) + 1, 1, cols, rows)


def _window_or(lim, data: np.ndarray) -> np.ndarray:
    """What sets an axis's magnitude: its forced window when it has a usable one, else the data."""
    window = _flat(lim if lim is not None else [])
    if window.size == 2 and np.all(np.isfinite(window)) and window[0] != window[1]:
        return window
    return data


def _label_width(axis: geo.Axis) -> int:
    return max((text_width(t) for t in axis.labels), default=0)


def _x_fits(width: int, cols: int) -> geo.Fits:
    """Ticks fit across a panel when every label can be written with a cell to spare."""
    left = width - cols - 2
    def fits(lo: float, hi: float, ticks: np.ndarray, labels) -> bool:
        cells = (_tick_cells(ticks, lo, hi, 2 * cols) >> 1).tolist()
        if len(set(cells)) < len(cells):
            return False
        return None not in label_starts(width, left, list(zip(cells, labels)))
    return fits


def _y_fits(rows: int) -> geo.Fits:
    """Ticks fit down `rows` cells when they sit in different rows (a row apart when tall)."""
    def fits(lo: float, hi: float, ticks: np.ndarray, labels) -> bool:
        if ticks.size < 2:
            return True
        at = _tick_cells(ticks, lo, hi, 4 * rows, flip=True) >> 2
        return bool(np.all(np.diff(at) <= -(2 if rows >= 5 else 1)))
    return fits


def _tick_cells(ticks: np.ndarray, lo: float, hi: float, dots: int, flip: bool = False) -> np.ndarray:
    t = np.asarray(ticks, dtype=float)
    frac = (hi - t) / (hi - lo) if flip else (t - lo) / (hi - lo)
    return np.clip(np.rint(frac * (dots - 1)), 0, dots - 1).astype(np.intp)


def _ticks(view: View) -> tuple[tuple[tuple[int, str], ...], tuple[tuple[int, str], ...]]:
    x, y = view.x, view.y
    xc = _tick_cells(np.array(x.ticks), x.lo, x.hi, 2 * view.cols) >> 1
    yr = _tick_cells(np.array(y.ticks), y.lo, y.hi, 4 * view.rows, flip=True) >> 2
    xt = _distinct(zip(xc.tolist(), x.labels))
    yt = _distinct(zip(yr.tolist(), y.labels))
    return xt, yt


def _distinct(pairs) -> tuple[tuple[int, str], ...]:
    seen, out = set(), []
    for cell, label in pairs:
        if cell not in seen:
            seen.add(cell)
            out.append((int(cell), label))
    return tuple(out)


def _panel_view(panel: Panel, width: int, height: int, lang: str) -> tuple[View, int, int]:
    """Where the panel's data lands, and how many rows its header and x label take."""
    title, xlabel, ylabel = (tr(t, lang) for t in (panel.title, panel.xlabel, panel.ylabel))
    header = 1 if (title or ylabel) else 0
    xl = 1 if xlabel else 0
    rows = height - header - 3 - xl
    if rows < 2 and xl:
        xl, rows = 0, rows + 1
    rows = max(rows, 1)
    view = _plan(panel, width, rows)
    return View(view.x, view.y, view.left, header + 1, view.cols, view.rows), header, xl


def draw_panel(panel: Panel, width: int, height: int, lang: str = "en") -> Canvas:
    """One panel as a `width` × `height` canvas."""
    title, xlabel, ylabel = (tr(t, lang) for t in (panel.title, panel.xlabel, panel.ylabel))
    view, header, xl = _panel_view(panel, width, height, lang)
    rows = view.rows
    xt, yt = _ticks(view)
    block = axes_block(width, view.left - 1, rows, xt, yt)
    canvas = Canvas.blank(width, height)
    canvas.paste(Canvas.from_lines(block), 0, header)
    if header:
        _header(canvas, title, ylabel, view)
    if xlabel:
        _xlabel(canvas, xlabel, view, height - 1 if xl else header + rows + 2, bool(xl))
    paint_series(canvas, panel, view, assign(panel.series, lang), lang)
    return canvas


def _header(canvas: Canvas, title: str, ylabel: str, view: View) -> None:
    width = canvas.width
    ylabel = shorten(ylabel, max(0, min(text_width(ylabel), width // 3)))
    start = text_width(ylabel) + 1 if ylabel else 0
    title = shorten(title, width - start)
    tw = text_width(title)
    centre = view.left + (view.cols - tw) // 2
    canvas.put(0, max(start, min(centre, width - tw)), title, "foreground")
    if ylabel:
        canvas.put(0, 0, ylabel, "foreground")


def _xlabel(canvas: Canvas, xlabel: str, view: View, row: int, own_row: bool) -> None:
    width = canvas.width
    if own_row:
        text = shorten(xlabel, width)
        tw = text_width(text)
        canvas.put(row, max(0, min(view.left + (view.cols - tw) // 2, width - tw)), text, "foreground")
        return
    line = canvas.chars[row]  # no row of its own: at the right end of the tick labels, if free
    used = max((i for i, ch in enumerate(line) if ch.strip()), default=-1)
    room = width - used - 3
    if room >= min(3, text_width(xlabel)):
        text = shorten(xlabel, room)
        canvas.put(row, width - text_width(text), text, "foreground")


def _weights(figure: Figure) -> list[float]:
    cols = max(1, figure.cols)
    weights = [max(float(w), 1e-6) for w in (figure.weights or [1.0] * cols)][:cols]
    return weights + [1.0] * (cols - len(weights))


def _grid(figure: Figure, width: int, height: int):
    """Each panel's index, left, top, width and height in the figure's grid."""
    cols, rows = max(1, figure.cols), max(1, figure.rows)
    widths, heights = _split(width, _weights(figure)), _split(height, [1.0] * rows)
    lefts, tops = np.cumsum([0, *widths]), np.cumsum([0, *heights])
    for i in range(min(len(figure.panels), rows * cols)):
        r, c = divmod(i, cols)
        yield i, int(lefts[c]), int(tops[r]), widths[c], heights[r]


def locate(figure: Figure, width: int, height: int, column: int, row: int,
           lang: str = "en") -> tuple[int, float, float] | None:
    """The panel under cell (column, row) and the data coordinates there, or None.

    This is how a click on the plot becomes a point in a scene's own units.
    """
    for i, left, top, w, h in _grid(figure, width, height):
        if not (left <= column < left + w and top <= row < top + h):
            continue
        panel = figure.panels[i]
        view, _, _ = _panel_view(panel, w, h, lang)
        c, r = column - left - view.left, row - top - view.top
        if not (0 <= c < view.cols and 0 <= r < view.rows):
            return None
        # the cell's centre in dots (2c + ½, 4r + 1½), mapped back as View.dx/dy map forward
        u = view.x.lo + (2 * c + 0.5) / (2 * view.cols - 1) * (view.x.hi - view.x.lo)
        v = view.y.hi - (4 * r + 1.5) / (4 * view.rows - 1) * (view.y.hi - view.y.lo)
        x, y = view.x.scale.values(np.array([u]))[0], view.y.scale.values(np.array([v]))[0]
        return i, float(x), float(y)
    return None


def layout(figure: Figure, width: int, height: int, lang: str = "en") -> Canvas:
    """The figure as a `width` × `height` canvas; raises TooSmall below MIN_PANEL a panel."""
    cols, rows = max(1, figure.cols), max(1, figure.rows)
    weights = _weights(figure)
    widths, heights = _split(width, weights), _split(height, [1.0] * rows)
    min_w, min_h = MIN_PANEL
    if min(widths) < min_w or min(heights) < min_h:
        need_w = max(min_w * cols, int(np.ceil(min_w * sum(weights) / min(weights))))
        raise TooSmall(f"the plot needs at least {need_w}×{min_h * rows} cells; "
                       f"it has {width}×{height}")
    canvas = Canvas.blank(width, height)
    for i, left, top, w, h in _grid(figure, width, height):
        canvas.paste(draw_panel(figure.panels[i], w, h, lang), left, top)
    return canvas


def render(figure: Figure, width: int, height: int, color: bool = True, lang: str = "en") -> str:
    """The figure as `height` lines of ANSI text, each `width` cells wide."""
    return layout(figure, width, height, lang).to_ansi(color)


def _split(total: int, weights: list[float]) -> list[int]:
    """Split `total` cells in proportion to `weights`, exactly."""
    bounds = np.round(np.cumsum([0.0, *weights]) / sum(weights) * total).astype(int)
    return [int(b - a) for a, b in zip(bounds[:-1], bounds[1:])]
