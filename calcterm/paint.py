"""A panel's series, labels and legend, painted into the interior of its frame.

Order of layers, bottom to top: shaded regions (shown only in cells no other series touches,
so curves stay crisp over them), the other series in the order the scene gave them (later ones
own the colour of a shared cell), glyphs (markers, arrow heads), text (labels, node boxes,
arrow labels), and the legend, which goes in the corner of the interior that
covers the fewest drawn cells and blanks what it covers so it can be read.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from calcterm.canvas import Canvas, shorten, text_width
from calcterm.looks import Look
from calcterm.plot import Arrow, Bars, HLine, Label, Line, Panel, Points, Shade, Trail, VLine
from calcterm.raster import BRAILLE_BITS, Raster, arrow_head, bar_dots, dither, line_dots, marks_along
from calcterm.text import tr

if TYPE_CHECKING:
    from calcterm.render import View

CELLS = np.array([" ", *(chr(0x2800 + b) for b in range(1, 256))], dtype=object)
TRAIL_VIEWS = 4  # views a Trail keeps its dots for (e.g. the TUI's size and a screenshot's)


class Painter:
    """Draws one panel's series in plotting units onto its raster."""

    def __init__(self, panel: Panel, view: "View", looks: dict[int, Look], lang: str) -> None:
        self.panel, self.view, self.looks, self.lang = panel, view, looks, lang
        self.raster = Raster(view.rows, view.cols)
        self.texts: list[tuple[int, int, str, str]] = []  # (row, col, text, role) in the interior

    def xy(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Data -> dot coordinates."""
        v = self.view
        ux, uy = v.x.scale.units(x), v.y.scale.units(y)
        n = min(ux.size, uy.size)  # ragged input: the common part
        return v.dx(ux[:n]), v.dy(uy[:n])

    def draw(self) -> None:
        series = self.panel.series
        for s in series:
            look = self.looks.get(id(s), Look())
            if isinstance(s, Line):
                self.line(*self.xy(s.x, s.y), s.color, look)
            elif isinstance(s, Trail):
                self.trail(s, look)
            elif isinstance(s, Points):
                self.points(s, look)
            elif isinstance(s, Bars):
                self.bars(s, look)
            elif isinstance(s, HLine):
                dy = self.view.dy(self.view.y.scale.units([s.y]))
                self.line(np.array([-1.0, 2.0 * self.view.cols]), np.r_[dy, dy], s.color, Look())
            elif isinstance(s, VLine):
                dx = self.view.dx(self.view.x.scale.units([s.x]))
                self.line(np.r_[dx, dx], np.array([-1.0, 4.0 * self.view.rows]), s.color, Look())
            elif isinstance(s, Shade):
                self.shade(s)
            elif isinstance(s, Arrow):
                self.arrow(s)
            elif isinstance(s, Label):
                self.label(s)

    def line(self, dx: np.ndarray, dy: np.ndarray, role: str, look: Look) -> None:
        r = self.raster
        ix, iy, s, _ = line_dots(dx, dy, r.width, r.height, look.style)
        r.mark(ix, iy, role)
        if look.glyph:
            gx, gy = marks_along(ix, iy, s)
            r.glyph(gx.astype(float), gy.astype(float), look.glyph, role)

    def trail(self, s: Trail, look: Look) -> None:
        """Only the segments added since the last frame are rasterised for an unchanged view."""
        r, key = self.raster, (self.view.key(), look.style)
        n = len(s)
        state = s.cache.get(key)
        if state is None or state["n"] > n:
            state = {"cells": np.zeros((r.rows, r.cols), dtype=np.uint8), "n": 0, "s": 0.0}
        if n > state["n"]:
            first = max(0, state["n"] - 1)
            dx, dy = self.xy(s.xy[first:, 0], s.xy[first:, 1])
            ix, iy, _, s_end = line_dots(dx, dy, r.width, r.height, look.style, state["s"])
            np.bitwise_or.at(state["cells"], (iy >> 2, ix >> 1), BRAILLE_BITS[iy & 3, ix & 1])
            state["n"], state["s"] = n, s_end
        s.cache.pop(key, None)
        s.cache[key] = state
        while len(s.cache) > TRAIL_VIEWS:
            s.cache.pop(next(iter(s.cache)))
        r.mark_cells(state["cells"], s.color)

    def points(self, s: Points, look: Look) -> None:
        dx, dy = self.xy(s.x, s.y)
        if look.glyph:
            self.raster.glyph(dx, dy, look.glyph, s.color)
        else:
            self.raster.dots(dx, dy, s.color)

    def bars(self, s: Bars, look: Look) -> None:
        v, r = self.view, self.raster
        x, h = np.asarray(s.x, dtype=float).ravel(), np.asarray(s.heights, dtype=float).ravel()
        n = min(x.size, h.size)
        x, h = x[:n], h[:n]
        hu = v.y.scale.units(h)
        keep = np.isfinite(v.x.scale.units(x)) & np.isfinite(hu)
        x, hu = x[keep], hu[keep]
        if x.size == 0:
            return
        finite = np.unique(x)
        half = 0.5 * s.width * (float(np.min(np.diff(finite))) if finite.size > 1 else 1.0)
        base = v.y.lo if v.y.scale.log else 0.0
        x0, x1 = v.dx(v.x.scale.units(x - half)), v.dx(v.x.scale.units(x + half))
        top, bottom = v.dy(np.maximum(hu, base)), v.dy(np.minimum(hu, base))
        top, bottom = np.clip(top, -1, r.height), np.clip(bottom, -1, r.height)
        x0, x1 = np.clip(x0, -1, r.width), np.clip(x1, -1, r.width)
        ok = np.isfinite(x0) & np.isfinite(x1) & np.isfinite(top) & np.isfinite(bottom)
        grid = bar_dots(x0[ok], x1[ok], top[ok], bottom[ok], r.width, r.height, look.fill)
        r.mark_grid(grid, s.color)

    def shade(self, s: Shade) -> None:
        v, r = self.view, self.raster
        ux = v.x.lo + np.arange(r.width) / (r.width - 1) * (v.x.hi - v.x.lo)
        uy = v.y.hi - np.arange(r.height) / (r.height - 1) * (v.y.hi - v.y.lo)
        x, y = v.x.scale.values(ux), v.y.scale.values(uy)
        with np.errstate(all="ignore"):
            if callable(s.where):
                try:
                    value = np.broadcast_to(np.asarray(s.where(x[None, :], y[:, None]), dtype=float),
                                            (r.height, r.width))
                except (ValueError, TypeError, ArithmeticError):
                    return
            else:
                value = _sample_mask(np.asarray(s.where, dtype=float), s.extent, x, y)
        if s.extent is not None and callable(s.where):
            x0, x1, y0, y1 = s.extent
            value = value * ((x[None, :] >= x0) & (x[None, :] <= x1) & (y[:, None] >= y0) & (y[:, None] <= y1))
        self.raster.under(dither(value, min(max(s.density, 0.0), 1.0)), s.color)

    def cell(self, dx: float, dy: float) -> tuple[int, int] | None:
        """The interior cell of a dot, or None when it is outside the view."""
        r = self.raster
        if not (np.isfinite(dx) and np.isfinite(dy) and -0.5 < dx < r.width - 0.5
                and -0.5 < dy < r.height - 0.5):
            return None
        return int(np.rint(dy)) >> 2, int(np.rint(dx)) >> 1

    def arrow(self, s: Arrow) -> None:
        dx, dy = self.xy([s.x, s.x + s.dx], [s.y, s.y + s.dy])
        run, fall = float(dx[1] - dx[0]), float(dy[1] - dy[0])
        if not (np.isfinite(run) and np.isfinite(fall)) or max(abs(run), abs(fall)) < 0.5:
            return  # no direction to show
        self.line(dx, dy, s.color, Look())
        self.raster.glyph(dx[1:], dy[1:], arrow_head(run, fall), s.color)
        label, tip = tr(s.label, self.lang), self.cell(dx[1], dy[1])
        if label and tip:
            width = text_width(label)
            col = tip[1] - width - 1 if run < 0 else tip[1] + 2
            self.text([label], tip[0], col, s.color)

    def label(self, s: Label) -> None:
        dx, dy = self.xy([s.x], [s.y])
        at = self.cell(dx[0], dy[0]) if dx.size else None
        if at is None:
            return
        lines = tr(s.text, self.lang).split("\n")
        width = max(text_width(t) for t in lines)
        row = at[0] - (len(lines) - 1) // 2
        col = at[1] - {"left": 0, "center": width // 2, "right": width}.get(s.align, 0)
        if s.box:
            pad = [t + " " * (width - text_width(t)) for t in lines]
            lines = ["┌" + "─" * width + "┐", *("│" + t + "│" for t in pad), "└" + "─" * width + "┘"]
            row, col = row - 1, col - 1
        self.text(lines, row, col, s.color)

    def text(self, lines: list[str], row: int, col: int, role: str) -> None:
        """A block of text, moved inside the interior if it sticks out (its anchor is inside)."""
        width = max(text_width(t) for t in lines)
        col = max(0, min(col, self.view.cols - width))
        row = max(0, min(row, self.view.rows - len(lines)))
        for k, line in enumerate(lines):
            self.texts.append((row + k, col, line, role))


def _sample_mask(mask: np.ndarray, extent, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A mask[j, i] over `extent`, looked up (nearest) at the dots' data coordinates."""
    if mask.ndim != 2 or extent is None or min(mask.shape) == 0:
        return np.zeros((y.size, x.size))
    x0, x1, y0, y1 = (float(e) for e in extent)
    ny, nx = mask.shape
    with np.errstate(all="ignore"):
        i = np.rint((x - x0) / (x1 - x0) * (nx - 1)) if nx > 1 else np.where(x == x, 0.0, np.nan)
        j = np.rint((y - y0) / (y1 - y0) * (ny - 1)) if ny > 1 else np.where(y == y, 0.0, np.nan)
    ok_i = np.isfinite(i) & (i >= 0) & (i < nx)
    ok_j = np.isfinite(j) & (j >= 0) & (j < ny)
    ii = np.where(ok_i, i, 0).astype(np.intp)
    jj = np.where(ok_j, j, 0).astype(np.intp)
    return np.where(ok_j[:, None] & ok_i[None, :], mask[jj[:, None], ii[None, :]], 0.0)


def legend_entries(panel: Panel, looks: dict[int, Look], lang: str) -> list[tuple[str, str, str]]:
    """(mark, label, colour role) for each labelled series that has a look, in panel order."""
    out = []
    for s in panel.series:
        label = tr(getattr(s, "label", ""), lang)
        if label and id(s) in looks and not isinstance(s, Arrow):
            out.append((looks[id(s)].mark, label, s.color))
    return out


def paint_series(canvas: Canvas, panel: Panel, view: "View", looks: dict[int, Look], lang: str) -> None:
    painter = Painter(panel, view, looks, lang)
    painter.draw()
    r = painter.raster
    r.settle()
    top, left = view.top, view.left
    # The frame's interior is blank, so whole rows of it are replaced at once.
    chars = CELLS[r.bits]
    colors = np.array([*r.roles, None], dtype=object)[r.owner]  # owner −1: no colour
    for y in np.flatnonzero(r.bits.any(axis=1)).tolist():
        canvas.chars[top + y][left:left + view.cols] = chars[y].tolist()
        canvas.colors[top + y][left:left + view.cols] = colors[y].tolist()
    for (y, x), (ch, role) in r.glyphs.items():
        canvas.set(top + y, left + x, ch, role)
    busy = r.occupied()
    end = left + view.cols
    for row, col, text, role in painter.texts:
        if 0 <= row < view.rows:
            stop = canvas.put(top + row, left + col, text, role, end)
            busy[row, col:max(col, stop - left)] = True
    _legend(canvas, legend_entries(panel, looks, lang), view, busy)


def _legend(canvas: Canvas, entries: list[tuple[str, str, str]], view: "View", busy: np.ndarray) -> None:
    """The legend in the corner of the interior that hides the fewest drawn cells."""
    if not entries or view.cols < 6:
        return
    entries = entries[:view.rows]
    width = min(view.cols, max(3 + text_width(label) for _, label, _ in entries))
    height = len(entries)
    corners = [(0, 0), (0, view.cols - width), (view.rows - height, 0),
               (view.rows - height, view.cols - width)]
    row0, col0 = min(corners, key=lambda rc: int(busy[rc[0]:rc[0] + height, rc[1]:rc[1] + width].sum()))
    top, left = view.top + row0, view.left + col0
    for k, (mark, label, role) in enumerate(entries):
        row = top + k
        for c in range(left, left + width):
            canvas.set(row, c, " ", None)
        canvas.put(row, left, mark, role, left + width)
        canvas.put(row, left + 3, shorten(label, width - 3), "foreground", left + width)
