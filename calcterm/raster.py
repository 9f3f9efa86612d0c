"""Data onto the braille dot grid of a panel's interior, vectorised with numpy.

Each cell of the interior holds 2 × 4 braille dots, so a `rows` × `cols` interior is a
(4·rows) × (2·cols) dot grid with dot (0, 0) at the top left. Series arrive here already in
dot coordinates (floats); this module sets dots, remembers which colour role owns each cell
(the last series to touch it), and keeps single-character glyphs (markers, arrow heads) on a
layer above the dots. Any number of points costs one pass: clouds of 10⁵ points are binned,
not drawn one by one.

Line styles are patterns along the line's length in dots, so dashes keep their size on any
slope and stay attached to the curve as it moves.
"""

from __future__ import annotations

import math

import numpy as np

BRAILLE_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]], dtype=np.uint8)
BRAILLE = np.array([chr(0x2800 + i) for i in range(256)], dtype=object)

# (on, off, on, off, ...) lengths in dots along the line.
PATTERNS = {"solid": (), "dashed": (4.0, 3.0), "dotted": (1.0, 1.0), "dashdot": (5.0, 2.0, 1.0, 2.0)}
ARROW_HEADS = "→↗↑↖←↙↓↘"
BAYER = (np.array([[0, 8, 2, 10], [12, 4, 14, 6], [3, 11, 1, 9], [15, 7, 13, 5]]) + 0.5) / 16


class Raster:
    """The dots and glyphs of one panel's interior."""

    def __init__(self, rows: int, cols: int) -> None:
        self.rows, self.cols = rows, cols
        self.bits = np.zeros((rows, cols), dtype=np.uint8)
        self.owner = np.full((rows, cols), -1, dtype=np.int16)
        self.roles: list[str] = []
        self.glyphs: dict[tuple[int, int], tuple[str, str]] = {}
        self.shade_bits = np.zeros((rows, cols), dtype=np.uint8)
        self.shade_owner = np.full((rows, cols), -1, dtype=np.int16)

    @property
    def width(self) -> int:
        return 2 * self.cols

    @property
    def height(self) -> int:
        return 4 * self.rows

    def _role(self, role: str) -> int:
        if role not in self.roles:
            self.roles.append(role)
        return self.roles.index(role)

    def mark(self, ix: np.ndarray, iy: np.ndarray, role: str) -> None:
        """Set dots at integer dot coordinates (outside ones are ignored)."""
        keep = (ix >= 0) & (ix < self.width) & (iy >= 0) & (iy < self.height)
        ix, iy = ix[keep], iy[keep]
        if ix.size == 0:
            return
        if ix.size > self.rows * self.cols:
            grid = np.zeros((self.height, self.width), dtype=bool)
            grid[iy, ix] = True
            self.mark_grid(grid, role)
            return
        rows, cols = iy >> 2, ix >> 1
        np.bitwise_or.at(self.bits, (rows, cols), BRAILLE_BITS[iy & 3, ix & 1])
        self.owner[rows, cols] = self._role(role)

    def mark_grid(self, grid: np.ndarray, role: str) -> None:
        """OR a full boolean dot grid (height × width) into the panel."""
        cells = (grid.reshape(self.rows, 4, self.cols, 2) * BRAILLE_BITS[None, :, None, :]).sum(
            axis=(1, 3), dtype=np.uint8)
        self.mark_cells(cells, role)

    def under(self, grid: np.ndarray, role: str) -> None:
        """A background dot grid (a shaded region): it shows only in cells nothing else uses."""
        cells = (grid.reshape(self.rows, 4, self.cols, 2) * BRAILLE_BITS[None, :, None, :]).sum(
            axis=(1, 3), dtype=np.uint8)
        hit = cells > 0
        self.shade_bits |= cells
        self.shade_owner[hit] = self._role(role)

    def settle(self) -> None:
        """Put the background under the foreground: it fills only cells left empty."""
        empty = (self.bits == 0) & (self.shade_bits > 0)
        self.bits[empty] = self.shade_bits[empty]
        self.owner[empty] = self.shade_owner[empty]

    def mark_cells(self, cells: np.ndarray, role: str) -> None:
        """OR braille bits per cell (rows × cols uint8) into the panel."""
        hit = cells > 0
        if hit.any():
            self.bits |= cells
            self.owner[hit] = self._role(role)

    def dots(self, dx: np.ndarray, dy: np.ndarray, role: str) -> None:
        """Points at float dot coordinates, one dot each."""
        with np.errstate(invalid="ignore"):
            keep = (dx > -0.5) & (dx < self.width - 0.5) & (dy > -0.5) & (dy < self.height - 0.5)
        self.mark(np.rint(dx[keep]).astype(np.intp), np.rint(dy[keep]).astype(np.intp), role)

    def glyph(self, dx: np.ndarray, dy: np.ndarray, char: str, role: str) -> None:
        """A one-cell glyph at each point's cell."""
        with np.errstate(invalid="ignore"):
            keep = (dx > -0.5) & (dx < self.width - 0.5) & (dy > -0.5) & (dy < self.height - 0.5)
        cols = np.rint(dx[keep]).astype(np.intp) >> 1
        rows = np.rint(dy[keep]).astype(np.intp) >> 2
        for cell in set(zip(rows.tolist(), cols.tolist())):
            self.glyphs[cell] = (char, role)

    def occupied(self) -> np.ndarray:
        """Cells (rows × cols) that show something."""
        busy = self.bits > 0
        for r, c in self.glyphs:
            busy[r, c] = True
        return busy


def clip(x0, y0, x1, y1, width: float, height: float):
    """Liang–Barsky: the parameter range [t0, t1] of each segment inside [-1, width] × [-1, height].

    Returns (keep, t0, t1); a segment outside the box is not kept. Clipping by parameter keeps
    a line's direction (a line leaving the view is drawn up to the frame, not bent along it).
    """
    with np.errstate(over="ignore", invalid="ignore"):
        ddx, ddy = x1 - x0, y1 - y0
    t0 = np.zeros_like(x0)
    t1 = np.ones_like(x0)
    keep = np.isfinite(ddx) & np.isfinite(ddy)  # a segment longer than floats reach is dropped
    for p, q in ((-ddx, x0 + 1), (ddx, width - x0), (-ddy, y0 + 1), (ddy, height - y0)):
        parallel = p == 0
        keep &= ~(parallel & (q < 0))
        with np.errstate(divide="ignore", invalid="ignore"):
            r = np.where(parallel, 0.0, q / np.where(parallel, 1.0, p))
        t0 = np.where(~parallel & (p < 0), np.maximum(t0, r), t0)
        t1 = np.where(~parallel & (p > 0), np.minimum(t1, r), t1)
    keep &= (t0 <= t1) & np.isfinite(t0) & np.isfinite(t1)
    return keep, t0, t1


def on_pattern(s: np.ndarray, style: str) -> np.ndarray:
    """Which samples at lengths `s` (dots along the line) the line style draws."""
    lengths = PATTERNS.get(style, ())
    if not lengths:
        return np.ones(s.shape, dtype=bool)
    period = sum(lengths)
    phase = np.mod(s, period)
    on = np.zeros(s.shape, dtype=bool)
    start = 0.0
    for k, length in enumerate(lengths):
        if k % 2 == 0:
            on |= (phase >= start) & (phase < start + length)
        start += length
    return on


def sample_polyline(dx: np.ndarray, dy: np.ndarray, width: int, height: int, s0: float = 0.0):
    """Samples about one dot apart along the polyline through (dx, dy), clipped to the grid.

    Non-finite points break the line; an isolated finite point is kept as one sample.
    Returns (x, y, s, s_end): sample coordinates, their length along the line from its start
    (plus s0; clipped-away parts count, so patterns do not slide), and the total length.
    """
    finite = np.isfinite(dx) & np.isfinite(dy)
    a, b = slice(None, -1), slice(1, None)
    ok = finite[a] & finite[b]
    with np.errstate(invalid="ignore", over="ignore"):
        step = np.where(ok, np.maximum(np.abs(dx[b] - dx[a]), np.abs(dy[b] - dy[a])), 0.0)
    step = np.where(np.isfinite(step), step, 0.0)
    start = np.empty(finite.size)
    start[:1] = s0
    np.cumsum(step, out=start[1:])
    start[1:] += s0
    x0, y0, x1, y1 = dx[a][ok], dy[a][ok], dx[b][ok], dy[b][ok]
    keep, t0, t1 = np.ones(x0.size, dtype=bool), np.zeros(x0.size), np.ones(x0.size)
    out = ~((x0 >= -1) & (x0 <= width) & (x1 >= -1) & (x1 <= width)
            & (y0 >= -1) & (y0 <= height) & (y1 >= -1) & (y1 <= height))
    if out.any():  # only segments reaching outside the grid need clipping
        keep[out], t0[out], t1[out] = clip(x0[out], y0[out], x1[out], y1[out], width, height)
    index = np.flatnonzero(ok)[keep]  # which vertex each kept segment starts at
    seg_s, seg_len = start[:-1][index], step[index]
    x0, y0, x1, y1, t0, t1 = x0[keep], y0[keep], x1[keep], y1[keep], t0[keep], t1[keep]
    span = (t1 - t0) * np.maximum(np.abs(x1 - x0), np.abs(y1 - y0))
    m = np.maximum(np.ceil(span).astype(np.intp), 1)  # samples from the start, end excluded
    # a segment's end is sampled only where the next segment does not start from it
    joins = np.zeros(index.size, dtype=bool)
    joins[:-1] = (index[1:] == index[:-1] + 1) & (t1[:-1] == 1) & (t0[1:] == 0)
    n = m + ~joins
    seg = np.repeat(np.arange(n.size), n)
    k = np.arange(seg.size) - np.repeat(np.cumsum(n) - n, n)
    t = t0[seg] + (t1 - t0)[seg] * (k / m[seg])
    px, py = x0[seg] + (x1 - x0)[seg] * t, y0[seg] + (y1 - y0)[seg] * t
    ps = seg_s[seg] + seg_len[seg] * t
    joined = np.zeros(finite.size, dtype=bool)
    joined[:-1] |= ok
    joined[1:] |= ok
    lone = finite & ~joined
    if lone.any():
        px, py, ps = (np.concatenate([a, b[lone]]) for a, b in ((px, dx), (py, dy), (ps, start)))
    return px, py, ps, float(start[-1]) if start.size else s0


def line_dots(dx: np.ndarray, dy: np.ndarray, width: int, height: int, style: str = "solid",
              s0: float = 0.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Integer dots (ix, iy) of a styled polyline, the lengths along it, and its end length."""
    px, py, ps, s_end = sample_polyline(dx, dy, width, height, s0)
    on = on_pattern(ps, style)
    with np.errstate(invalid="ignore"):
        inside = (px > -0.5) & (px < width - 0.5) & (py > -0.5) & (py < height - 0.5)
    pick = on & inside
    return np.rint(px[pick]).astype(np.intp), np.rint(py[pick]).astype(np.intp), ps[pick], s_end


def marks_along(ix: np.ndarray, iy: np.ndarray, s: np.ndarray, spacing: float = 24.0):
    """Dots at which to put a marker glyph along a line: one every `spacing` dots of length."""
    if s.size == 0:
        return ix[:0], iy[:0]
    bucket = np.floor(s / spacing)
    first = np.r_[True, bucket[1:] != bucket[:-1]]
    return ix[first], iy[first]


def fill_mask(shape: tuple[int, int], fill: str, origin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """Which dots of a bar (height × width dot block at dot `origin`) its fill sets."""
    j = np.arange(shape[0])[:, None] + origin[0]
    i = np.arange(shape[1])[None, :] + origin[1]
    if fill == "checker":
        return ((i + j) % 2 == 0)
    if fill == "hatch":
        return np.broadcast_to(i % 2 == 0, shape)
    return np.ones(shape, dtype=bool)


def bar_dots(x0: np.ndarray, x1: np.ndarray, top: np.ndarray, bottom: np.ndarray,
             width: int, height: int, fill: str = "full") -> np.ndarray:
    """A boolean dot grid with the bars [x0, x1] × [top, bottom] (dot coordinates) filled."""
    grid = np.zeros((height, width), dtype=bool)
    for a, b, t, u in zip(x0.tolist(), x1.tolist(), top.tolist(), bottom.tolist()):
        c0, c1 = max(0, math.ceil(a)), min(width - 1, math.floor(b))
        if c0 > c1:  # thinner than a dot: one column at its centre
            c0 = c1 = int(round(0.5 * (a + b)))
        r0, r1 = max(0, math.ceil(t)), min(height - 1, math.floor(u))
        if r0 > r1 and t <= u:
            r0 = r1 = int(round(0.5 * (t + u)))
        if 0 <= c0 <= c1 < width and 0 <= r0 <= r1 < height:
            grid[r0:r1 + 1, c0:c1 + 1] |= fill_mask((r1 - r0 + 1, c1 - c0 + 1), fill, (r0, c0))
    return grid


def dither(value: np.ndarray, density: float) -> np.ndarray:
    """Ordered dithering: a dot grid whose share of set dots follows value × density."""
    h, w = value.shape
    threshold = BAYER[np.arange(h)[:, None] % 4, np.arange(w)[None, :] % 4]
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(value, nan=0.0, posinf=1.0, neginf=0.0) * density > threshold


def arrow_head(ddx: float, ddy: float) -> str:
    """The head glyph for an arrow running (ddx, ddy) in dots (y grows downwards)."""
    angle = math.atan2(-ddy, ddx)
    return ARROW_HEADS[int(round(angle / (math.pi / 4))) % 8]
