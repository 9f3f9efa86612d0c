"""Turn a plot description into terminal cells: plotext draws the axes, numpy the data.

plotext lays out each panel's frame, ticks, labels and title (cached: they change only when
the limits do). The data — curves, point clouds, bars — is rasterised with numpy into the
braille dot grid inside the frame (2×4 dots per cell), which stays fast for 20 000 points
where plotext's own drawing takes tens of milliseconds. Log axes are drawn as linear axes
over log10 of the data, with ticks at powers of ten.

The result is a `Canvas` of characters and colour names, written out as ANSI text for the
CLI or as a Rich `Text` for the TUI.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from calcterm.plot import Arrow, Bars, Figure, HLine, Label, Line, Panel, Points, Shade, Trail, VLine
from calcterm.text import tr

MIN_PANEL = (16, 5)
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
BRAILLE_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.uint8)
DOT_MARKERS = {"braille", "dot", "hd", "fhd", "sd"}

SGR = {
    "black": "30", "red": "31", "green": "32", "yellow": "33", "blue": "34", "magenta": "35",
    "cyan": "36", "white": "37", "gray": "90", "red+": "91", "green+": "92", "yellow+": "93",
    "blue+": "94", "magenta+": "95", "cyan+": "96", "white+": "97", "gray+": "37",
    "orange": "38;5;208", "orange+": "38;5;214", "gold": "38;5;220", "default": "39",
    "foreground": "39", "muted": "90", "primary": "94", "secondary": "36", "accent": "38;5;208",
    "warning": "33", "error": "91", "success": "32", "c1": "94", "c2": "38;5;208", "c3": "33",
    "c4": "32", "c5": "36", "c6": "35",
}
RICH = {
    "gray": "bright_black", "gray+": "white", "orange": "color(208)", "orange+": "color(214)",
    "gold": "color(220)", "default": "default", "foreground": "default", "muted": "bright_black",
    "primary": "bright_blue", "secondary": "cyan", "accent": "color(208)", "warning": "yellow",
    "error": "bright_red", "success": "green", "c1": "bright_blue", "c2": "color(208)",
    "c3": "yellow", "c4": "green", "c5": "cyan", "c6": "magenta",
}


def rich_color(name: str) -> str:
    if name in RICH:
        return RICH[name]
    return "bright_" + name[:-1] if name.endswith("+") else name


class TooSmall(Exception):
    """The space given cannot hold the figure; the message says how much is needed."""


def strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def _split(total: int, weights: list[float]) -> list[int]:
    """Split `total` cells in proportion to `weights`, exactly."""
    bounds = np.round(np.cumsum([0.0, *weights]) / sum(weights) * total).astype(int)
    return [int(b - a) for a, b in zip(bounds[:-1], bounds[1:])]


def _decade(k: int) -> str:
    return {0: "1", 1: "10", 2: "100", -1: "0.1", -2: "0.01"}.get(k, f"1e{k}")


def log_ticks(lo: float, hi: float, most: int) -> tuple[list[float], list[str]]:
    """Integer exponents within [lo, hi] (log10 units), thinned to at most `most`."""
    a, b = int(np.ceil(lo - 1e-9)), int(np.floor(hi + 1e-9))
    if b < a:
        return [], []
    stride = max(1, int(np.ceil((b - a + 1) / most)))
    exps = list(range(b, a - 1, -stride))[::-1]
    return [float(k) for k in exps], [_decade(k) for k in exps]


@dataclass
class Canvas:
    """A grid of characters with a colour name per cell (None: the terminal's default)."""

    chars: list[list[str]]
    colors: list[list[str | None]]

    @classmethod
    def blank(cls, width: int, height: int) -> "Canvas":
        return cls([[" "] * width for _ in range(height)], [[None] * width for _ in range(height)])

    @property
    def width(self) -> int:
        return len(self.chars[0]) if self.chars else 0

    def paste(self, other: "Canvas", left: int, top: int) -> None:
        for r, (chars, colors) in enumerate(zip(other.chars, other.colors)):
            self.chars[top + r][left:left + len(chars)] = chars
            self.colors[top + r][left:left + len(colors)] = colors

    def runs(self, row: int):
        """(text, colour) pieces of one row, merging neighbours of the same colour."""
        chars, colors = self.chars[row], self.colors[row]
        start = 0
        for i in range(1, len(chars) + 1):
            if i == len(chars) or colors[i] != colors[start]:
                yield "".join(chars[start:i]), colors[start]
                start = i

    def to_ansi(self, color: bool = True) -> str:
        lines = []
        for r in range(len(self.chars)):
            if not color:
                lines.append("".join(self.chars[r]))
                continue
            parts = [f"\x1b[{SGR.get(c, '39')}m{t}\x1b[0m" if c else t for t, c in self.runs(r)]
            lines.append("".join(parts))
        return "\n".join(lines)

    def to_rich(self, color: bool = True):
        from rich.text import Span, Text

        text = Text(no_wrap=True, overflow="crop")
        spans = []
        pos = 0
        for r in range(len(self.chars)):
            for piece, c in self.runs(r):
                if color and c:
                    spans.append(Span(pos, pos + len(piece), rich_color(c)))
                pos += len(piece)
            pos += 1
        text.append("\n".join("".join(row) for row in self.chars))
        text.spans = spans
        return text


@dataclass(frozen=True)
class Axes:
    """Where data lands: limits in plotting units (log10 on log axes) and the frame's interior."""

    x0: float
    x1: float
    y0: float
    y1: float
    left: int
    top: int
    cols: int
    rows: int


def _to_units(values: np.ndarray, scale: str) -> np.ndarray:
    values = np.asarray(values, dtype=float).ravel()
    if scale == "log":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(values > 0, np.log10(np.where(values > 0, values, 1.0)), np.nan)
    return values


def _limits(panel: Panel) -> tuple[float, float, float, float]:
    xs, ys = [], []
    for s in panel.series:
        if isinstance(s, (Line, Points)):
            x, y = _to_units(s.x, panel.xscale), _to_units(s.y, panel.yscale)
        elif isinstance(s, Bars):
            x, y = _to_units(s.x, panel.xscale), _to_units(s.heights, panel.yscale)
            if panel.yscale == "linear":
                y = np.append(y, 0.0)
                x = np.append(x, x[:1])
        else:
            continue
        keep = np.isfinite(x) & np.isfinite(y)
        xs.append(x[keep])
        ys.append(y[keep])
    x = np.concatenate(xs) if xs else np.zeros(0)
    y = np.concatenate(ys) if ys else np.zeros(0)
    return (*_range(x, panel.xlim, panel.xscale, 0.0), *_range(y, panel.ylim, panel.yscale, 0.05))


def _range(values: np.ndarray, lim, scale: str, pad: float) -> tuple[float, float]:
    if lim is not None:
        lo, hi = (float(v) for v in _to_units(np.array(lim, dtype=float), scale))
    elif values.size:
        lo, hi = float(values.min()), float(values.max())
        span = hi - lo
        lo, hi = lo - pad * span, hi + pad * span
    else:
        lo, hi = 0.0, 1.0
    if not (np.isfinite(lo) and np.isfinite(hi)):
        lo, hi = 0.0, 1.0
    if hi - lo < 1e-12 * max(1.0, abs(lo)):
        lo, hi = lo - 0.5 * max(1.0, abs(lo)), hi + 0.5 * max(1.0, abs(hi))
    return lo, hi


@lru_cache(maxsize=64)
def _frame(width: int, height: int, title: str, xlabel: str, ylabel: str, xscale: str,
           yscale: str, x0: float, x1: float, y0: float, y1: float) -> tuple[Canvas, Axes]:
    """The panel's axes, ticks and labels drawn by plotext, and where its interior is."""
    from plotext._figure import _figure_class

    fig = _figure_class()
    fig._limit_size(False, False)  # plotext would otherwise clip the plot to the real terminal
    fig.theme("clear")
    fig.plotsize(width, height)
    for setter, value in ((fig.title, title), (fig.xlabel, xlabel), (fig.ylabel, ylabel)):
        if value:
            setter(value)
    fig.scatter([x0, x1], [y0, y1], marker=" ")  # plotext draws no ticks for an empty plot
    fig.xlim(x0, x1)
    fig.ylim(y0, y1)
    if xscale == "log":
        fig.xticks(*log_ticks(x0, x1, max(2, width // 12)))
    if yscale == "log":
        fig.yticks(*log_ticks(y0, y1, max(2, height // 4)))
    lines = strip_ansi(fig.build()).split("\n")[:height]
    lines += [""] * (height - len(lines))
    canvas = Canvas([list(line.ljust(width)[:width]) for line in lines],
                    [[None] * width for _ in range(height)])
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    left = lines[top].index("┌")
    right = lines[top].index("┐")
    return canvas, Axes(x0, x1, y0, y1, left + 1, top + 1, right - left - 1, bottom - top - 1)


def _clip_segments(x0, y0, x1, y1, width: float, height: float):
    """Liang–Barsky: cut each segment to the dot grid [-1, width] × [-1, height].

    Segments wholly outside vanish; the rest keep their direction, so a line that leaves
    the view is drawn up to the frame, not bent along it.
    """
    ddx, ddy = x1 - x0, y1 - y0
    t0 = np.zeros_like(x0)
    t1 = np.ones_like(x0)
    keep = np.ones(x0.shape, dtype=bool)
    for p, q in ((-ddx, x0 + 1), (ddx, width - x0), (-ddy, y0 + 1), (ddy, height - y0)):
        parallel = p == 0
        keep &= ~(parallel & (q < 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(parallel, 0.0, q / np.where(parallel, 1.0, p))
        t0 = np.where(~parallel & (p < 0), np.maximum(t0, r), t0)
        t1 = np.where(~parallel & (p > 0), np.minimum(t1, r), t1)
    keep &= t0 <= t1
    x0, y0, ddx, ddy, t0, t1 = x0[keep], y0[keep], ddx[keep], ddy[keep], t0[keep], t1[keep]
    return x0 + t0 * ddx, y0 + t0 * ddy, x0 + t1 * ddx, y0 + t1 * ddy


class _Plotter:
    """Rasterises one panel's series into its frame's interior."""

    def __init__(self, panel: Panel, axes: Axes, lang: str = "en") -> None:
        self.lang = lang
        self.panel = panel
        self.axes = axes
        self.bits = np.zeros((axes.rows, axes.cols), dtype=np.uint8)
        self.owner = np.full((axes.rows, axes.cols), -1, dtype=np.int16)
        self.colors: list[str] = []
        self.glyphs: list[tuple[int, int, str, str]] = []

    def dots(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Plotting units -> dot coordinates (column from the left, row from the top)."""
        a = self.axes
        dx = (x - a.x0) / (a.x1 - a.x0) * (2 * a.cols - 1)
        dy = (a.y1 - y) / (a.y1 - a.y0) * (4 * a.rows - 1)
        return dx, dy

    def _color_index(self, color: str) -> int:
        if color not in self.colors:
            self.colors.append(color)
        return self.colors.index(color)

    def set_dots(self, dx: np.ndarray, dy: np.ndarray, color: str) -> None:
        a = self.axes
        with np.errstate(invalid="ignore"):
            keep = (dx > -0.5) & (dx < 2 * a.cols - 0.5) & (dy > -0.5) & (dy < 4 * a.rows - 0.5)
        cx = np.rint(dx[keep]).astype(np.intp)
        cy = np.rint(dy[keep]).astype(np.intp)
        if cx.size == 0:
            return
        np.bitwise_or.at(self.bits, (cy >> 2, cx >> 1), BRAILLE_BITS[cy & 3, cx & 1])
        self.owner[cy >> 2, cx >> 1] = self._color_index(color)

    def line(self, x: np.ndarray, y: np.ndarray, color: str) -> None:
        dx, dy = self.dots(x, y)
        finite = np.isfinite(dx) & np.isfinite(dy)
        a, b = slice(None, -1), slice(1, None)
        ok = finite[a] & finite[b]
        x0, y0, x1, y1 = _clip_segments(dx[a][ok], dy[a][ok], dx[b][ok], dy[b][ok],
                                        2 * self.axes.cols, 4 * self.axes.rows)
        n = np.ceil(np.maximum(np.abs(x1 - x0), np.abs(y1 - y0))).astype(np.intp) + 1
        seg = np.repeat(np.arange(n.size), n)
        frac = (np.arange(seg.size) - np.repeat(np.cumsum(n) - n, n)) / np.repeat(np.maximum(n - 1, 1), n)
        px = x0[seg] + (x1 - x0)[seg] * frac
        py = y0[seg] + (y1 - y0)[seg] * frac
        lone = finite & ~np.r_[False, ok] & ~np.r_[ok, False]
        self.set_dots(np.r_[px, dx[lone]], np.r_[py, dy[lone]], color)

    def glyph(self, x: np.ndarray, y: np.ndarray, char: str, color: str) -> None:
        dx, dy = self.dots(x, y)
        a = self.axes
        with np.errstate(invalid="ignore"):
            keep = (dx > -0.5) & (dx < 2 * a.cols - 0.5) & (dy > -0.5) & (dy < 4 * a.rows - 0.5)
        cols = np.rint(dx[keep]).astype(np.intp) >> 1
        rows = np.rint(dy[keep]).astype(np.intp) >> 2
        inside = (cols >= 0) & (cols < a.cols) & (rows >= 0) & (rows < a.rows)
        for r, c in set(zip(rows[inside].tolist(), cols[inside].tolist())):
            self.glyphs.append((r, c, char, color))

    def draw(self) -> None:
        p, a = self.panel, self.axes
        for s in p.series:
            if isinstance(s, Line):
                self.line(_to_units(s.x, p.xscale), _to_units(s.y, p.yscale), s.color)
            elif isinstance(s, Points):
                x, y = _to_units(s.x, p.xscale), _to_units(s.y, p.yscale)
                if s.marker in DOT_MARKERS:
                    self.set_dots(*self.dots(x, y), s.color)
                else:
                    self.glyph(x, y, s.marker[:1], s.color)
            elif isinstance(s, Bars):
                self.bars(s)
            elif isinstance(s, HLine):
                y = _to_units(np.array([s.y]), p.yscale)
                self.line(np.array([a.x0, a.x1]), np.r_[y, y], s.color)
            elif isinstance(s, VLine):
                x = _to_units(np.array([s.x]), p.xscale)
                self.line(np.r_[x, x], np.array([a.y0, a.y1]), s.color)
            elif isinstance(s, Trail):
                self.line(_to_units(s.xy[:, 0], p.xscale), _to_units(s.xy[:, 1], p.yscale), s.color)
            elif isinstance(s, Shade):
                self.shade(s)
            elif isinstance(s, Arrow):
                self.arrow(s)
            elif isinstance(s, Label):
                self.label(s)

    def shade(self, s: Shade) -> None:
        a, p = self.axes, self.panel
        i = np.arange(2 * a.cols)
        j = np.arange(4 * a.rows)
        ux = a.x0 + i / (2 * a.cols - 1) * (a.x1 - a.x0)
        uy = a.y1 - j / (4 * a.rows - 1) * (a.y1 - a.y0)
        x = 10 ** ux if p.xscale == "log" else ux
        y = 10 ** uy if p.yscale == "log" else uy
        with np.errstate(all="ignore"):
            if callable(s.where):
                v = np.asarray(s.where(x[None, :], y[:, None]), dtype=float)
                v = np.broadcast_to(v, (j.size, i.size))
            else:
                m = np.asarray(s.where, dtype=float)
                x0, x1, y0, y1 = s.extent
                ci = np.rint((x - x0) / (x1 - x0) * (m.shape[1] - 1)).astype(int)
                rj = np.rint((y - y0) / (y1 - y0) * (m.shape[0] - 1)).astype(int)
                ok = (ci[None, :] >= 0) & (ci[None, :] < m.shape[1]) & (rj[:, None] >= 0) & (rj[:, None] < m.shape[0])
                v = np.where(ok, m[np.clip(rj, 0, m.shape[0] - 1)[:, None], np.clip(ci, 0, m.shape[1] - 1)[None, :]], 0.0)
        bayer = (np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]]) + 0.5) / 16
        on = np.nan_to_num(v, nan=0.0) * s.density > bayer[j[:, None] % 4, i[None, :] % 4]
        jj, ii = np.nonzero(on)
        self.set_dots(ii.astype(float), jj.astype(float), s.color)

    def arrow(self, s: Arrow) -> None:
        p = self.panel
        x = _to_units(np.array([s.x, s.x + s.dx]), p.xscale)
        y = _to_units(np.array([s.y, s.y + s.dy]), p.yscale)
        self.line(x, y, s.color)
        dx, dy = self.dots(x, y)
        if np.all(np.isfinite(dx)) and np.all(np.isfinite(dy)):
            angle = np.arctan2(-(dy[1] - dy[0]), dx[1] - dx[0])
            head = "→↗↑↖←↙↓↘"[int(round(angle / (np.pi / 4))) % 8]
            self.glyph(x[1:], y[1:], head, s.color)

    def label(self, s: Label) -> None:
        a, p = self.axes, self.panel
        x, y = _to_units(np.array([s.x]), p.xscale), _to_units(np.array([s.y]), p.yscale)
        dx, dy = self.dots(x, y)
        if not (np.isfinite(dx[0]) and np.isfinite(dy[0])):
            return
        lines = tr(s.text, self.lang).split("\n")
        width = max(len(t) for t in lines)
        r0 = (int(round(dy[0])) >> 2) - (len(lines) - 1) // 2
        c0 = int(round(dx[0])) >> 1
        c0 -= {"left": 0, "center": width // 2, "right": width}[s.align]
        if s.box:
            lines = ["┌" + "─" * width + "┐", *("│" + t.ljust(width) + "│" for t in lines),
                     "└" + "─" * width + "┘"]
            r0, c0 = r0 - 1, c0 - 1
        for k, text in enumerate(lines):
            for i, ch in enumerate(text):
                if 0 <= r0 + k < a.rows and 0 <= c0 + i < a.cols:
                    self.glyphs.append((r0 + k, c0 + i, ch, s.color))

    def bars(self, s: Bars) -> None:
        p = self.panel
        x, h = _to_units(s.x, p.xscale), _to_units(s.heights, p.yscale)
        keep = np.isfinite(x) & np.isfinite(h)
        x, h = x[keep], h[keep]
        if x.size == 0:
            return
        step = float(np.min(np.diff(np.sort(x)))) if x.size > 1 else 1.0
        half = 0.5 * s.width * step
        base = self.axes.y0 if p.yscale == "log" else 0.0
        for xi, hi in zip(x, h):
            cx0, cy_top = self.dots(np.array([xi - half]), np.array([max(hi, base)]))
            cx1, cy_bot = self.dots(np.array([xi + half]), np.array([min(hi, base)]))
            xs = np.arange(np.ceil(cx0[0]), np.floor(cx1[0]) + 1)
            ys = np.arange(np.ceil(cy_top[0]), np.floor(cy_bot[0]) + 1)
            if xs.size and ys.size:
                gx, gy = np.meshgrid(xs, ys)
                self.set_dots(gx.ravel(), gy.ravel(), s.color)

    def legend(self) -> None:
        labelled = [(tr(s.label, self.lang), s.color, s) for s in self.panel.series
                    if isinstance(s, (Line, Points, Bars, Trail, Arrow, Shade)) and s.label]
        for r, (label, color, s) in enumerate(labelled[: max(0, self.axes.rows - 1)]):
            mark = s.marker[:1] if isinstance(s, Points) and s.marker not in DOT_MARKERS else "⣿"
            self.glyphs.append((r, 0, mark, color))
            for i, ch in enumerate(f" {label}"[: self.axes.cols - 2]):
                self.glyphs.append((r, 1 + i, ch, "default"))

    def paint(self, canvas: Canvas) -> None:
        a = self.axes
        rows, cols = np.nonzero(self.bits)
        for r, c in zip(rows.tolist(), cols.tolist()):
            canvas.chars[a.top + r][a.left + c] = chr(0x2800 + int(self.bits[r, c]))
            canvas.colors[a.top + r][a.left + c] = self.colors[self.owner[r, c]]
        for r, c, ch, color in self.glyphs:
            canvas.chars[a.top + r][a.left + c] = ch
            canvas.colors[a.top + r][a.left + c] = None if color == "default" else color


def draw_panel(panel: Panel, width: int, height: int, lang: str = "en") -> Canvas:
    x0, x1, y0, y1 = _limits(panel)
    frame, axes = _frame(width, height, tr(panel.title, lang), tr(panel.xlabel, lang),
                         tr(panel.ylabel, lang), panel.xscale, panel.yscale, x0, x1, y0, y1)
    canvas = Canvas([row[:] for row in frame.chars], [row[:] for row in frame.colors])
    plotter = _Plotter(panel, axes, lang)
    plotter.draw()
    plotter.legend()
    plotter.paint(canvas)
    return canvas


def layout(figure: Figure, width: int, height: int, lang: str = "en") -> Canvas:
    """The figure as a `width` × `height` canvas; raises TooSmall below MIN_PANEL a panel."""
    cols, rows = figure.cols, figure.rows
    weights = list(figure.weights or [1.0] * cols)
    widths = _split(width, weights)
    heights = _split(height, [1.0] * rows)
    min_w, min_h = MIN_PANEL
    if min(widths) < min_w or min(heights) < min_h:
        need_w = max(min_w * cols, int(np.ceil(min_w * sum(weights) / min(weights))))
        raise TooSmall(f"the plot needs at least {need_w}×{min_h * rows} cells; "
                       f"it has {width}×{height}")
    canvas = Canvas.blank(width, height)
    lefts = np.cumsum([0, *widths])
    tops = np.cumsum([0, *heights])
    for i, panel in enumerate(figure.panels[: rows * cols]):
        r, c = divmod(i, cols)
        canvas.paste(draw_panel(panel, widths[c], heights[r], lang), int(lefts[c]), int(tops[r]))
    return canvas


def render(figure: Figure, width: int, height: int, color: bool = True, lang: str = "en") -> str:
    """The figure as `height` lines of ANSI text, each `width` cells wide."""
    return layout(figure, width, height, lang).to_ansi(color)
