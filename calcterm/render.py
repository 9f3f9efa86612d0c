"""Turn a plot description into terminal text with plotext.

Each panel gets a plotext figure of its own (never plotext's global state, so two plots
cannot fight), sized to its cell of the grid; the panels' lines are then stitched side by
side. Non-finite values are dropped before plotext sees them, and so are non-positive
values on a log axis.
"""

from __future__ import annotations

import re

import numpy as np

from calcterm.plot import Bars, Figure, HLine, Label, Line, Panel, Points, VLine

MIN_PANEL = (16, 5)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class TooSmall(Exception):
    """The space given cannot hold the figure; the message says how much is needed."""


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def _split(total: int, weights: list[float]) -> list[int]:
    """Split `total` cells in proportion to `weights`, exactly."""
    bounds = np.round(np.cumsum([0.0, *weights]) / sum(weights) * total).astype(int)
    return [int(b - a) for a, b in zip(bounds[:-1], bounds[1:])]


def _clean(x: np.ndarray, y: np.ndarray, panel: Panel) -> tuple[list[float], list[float]]:
    x = np.asarray(x, dtype=float).ravel()
    y = np.asarray(y, dtype=float).ravel()
    keep = np.isfinite(x) & np.isfinite(y)
    if panel.xscale == "log":
        keep &= x > 0
    if panel.yscale == "log":
        keep &= y > 0
    if panel.ylim is not None and panel.yscale == "linear":
        lo, hi = panel.ylim
        span = hi - lo
        keep &= (y >= lo - 10 * span) & (y <= hi + 10 * span)
    return x[keep].tolist(), y[keep].tolist()


def log_ticks(lo: float, hi: float, most: int) -> tuple[list[float], list[str]]:
    """Powers of ten spanning [lo, hi], thinned to at most `most`, labelled like 1e-8."""
    a, b = int(np.floor(np.log10(lo))), int(np.ceil(np.log10(hi)))
    stride = max(1, int(np.ceil((b - a + 1) / most)))
    exps = list(range(b, a - 1, -stride))[::-1]
    if len(exps) == 1:
        exps = [a, b] if a != b else [a - 1, a]
    return [10.0 ** k for k in exps], [_decade(k) for k in exps]


def _decade(k: int) -> str:
    return {0: "1", 1: "10", 2: "100", -1: "0.1", -2: "0.01"}.get(k, f"1e{k}")


def _set_log_ticks(fig, panel: Panel, xs: list[float], ys: list[float], width: int, height: int) -> None:
    for axis, scale, values, lim, most in (("x", panel.xscale, xs, panel.xlim, max(2, width // 12)),
                                          ("y", panel.yscale, ys, panel.ylim, max(2, height // 4))):
        if scale != "log" or not (values or lim):
            continue
        lo, hi = lim if lim is not None else (min(values), max(values))
        ticks, labels = log_ticks(lo, hi, most)
        (fig.xticks if axis == "x" else fig.yticks)(ticks, labels)


def _draw_panel(panel: Panel, width: int, height: int, color: bool) -> list[str]:
    from plotext._figure import _figure_class

    fig = _figure_class()
    fig._limit_size(False, False)  # plotext would otherwise clip the plot to the real terminal
    fig.theme("clear")
    fig.plotsize(width, height)
    if panel.title:
        fig.title(panel.title)
    if panel.xlabel:
        fig.xlabel(panel.xlabel)
    if panel.ylabel:
        fig.ylabel(panel.ylabel)
    fig.xscale(panel.xscale)
    fig.yscale(panel.yscale)
    if panel.xlim is not None:
        fig.xlim(*panel.xlim)
    if panel.ylim is not None:
        fig.ylim(*panel.ylim)
    xs: list[float] = []
    ys: list[float] = []
    for s in panel.series:
        if isinstance(s, (Line, Points)):
            x, y = _clean(s.x, s.y, panel)
            if not x:
                continue
            draw = fig.plot if isinstance(s, Line) else fig.scatter
            draw(x, y, label=s.label or None, color=s.color, marker=s.marker)
            xs += x
            ys += y
        elif isinstance(s, Bars):
            x, h = _clean(s.x, s.heights, panel)
            if x:
                fig.bar(x, h, label=s.label or None, color=s.color, width=s.width)
                xs += x
                ys += h
        elif isinstance(s, HLine) and np.isfinite(s.y):
            fig.hline(float(s.y), color=s.color)
        elif isinstance(s, VLine) and np.isfinite(s.x):
            fig.vline(float(s.x), color=s.color)
        elif isinstance(s, Label) and np.isfinite(s.x) and np.isfinite(s.y):
            fig.text(s.text, float(s.x), float(s.y), color=s.color)
    if not xs and panel.xlim is None:
        fig.xlim(0, 1)
        fig.ylim(0, 1)
    _set_log_ticks(fig, panel, xs, ys, width, height)
    text = fig.build()
    if not color:
        text = strip_ansi(text)
    lines = text.split("\n")[:height]
    blank = " " * width
    return [*lines, *([blank] * (height - len(lines)))]


def _visible_width(line: str) -> int:
    return len(strip_ansi(line))


def _pad(line: str, width: int) -> str:
    gap = width - _visible_width(line)
    return line + " " * gap if gap > 0 else line


def render(figure: Figure, width: int, height: int, color: bool = True) -> str:
    """The figure as `height` lines of text, each `width` cells wide.

    Raises TooSmall when a panel would be smaller than MIN_PANEL.
    """
    cols = figure.cols
    rows = figure.rows
    weights = list(figure.weights or [1.0] * cols)
    widths = _split(width, weights)
    heights = _split(height, [1.0] * rows)
    min_w, min_h = MIN_PANEL
    if min(widths) < min_w or min(heights) < min_h:
        need_w = max(min_w * cols, int(np.ceil(min_w * sum(weights) / min(weights))))
        raise TooSmall(f"the plot needs at least {need_w}×{min_h * rows} cells; "
                       f"it has {width}×{height}")
    out: list[str] = []
    for r in range(rows):
        cells = []
        for c in range(cols):
            i = r * cols + c
            if i < len(figure.panels):
                cells.append(_draw_panel(figure.panels[i], widths[c], heights[r], color))
            else:
                cells.append([" " * widths[c]] * heights[r])
        for parts in zip(*cells):
            out.append("".join(_pad(p, w) for p, w in zip(parts, widths)))
    return "\n".join(out)
