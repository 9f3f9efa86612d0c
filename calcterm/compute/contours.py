"""Level sets for a terminal: marching squares, level spacing, and dots along segments.

A contour is computed on a grid as line segments (marching squares, one vectorised pass
per level), then sampled into points about one braille dot apart, so the renderer can
draw it as a scatter of dots. `thin_to_dots` keeps one point per dot cell.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

# Corners of a cell: bit 0 lower-left, 1 lower-right, 2 upper-right, 3 upper-left (set when
# the corner is above the level). Edges: 0 bottom, 1 right, 2 top, 3 left. For each case
# the pairs of edges a segment joins; the two saddle cases (5, 10) are settled separately.
_PAIRS = {1: (3, 0), 2: (0, 1), 3: (3, 1), 4: (1, 2), 6: (0, 2), 7: (3, 2), 8: (2, 3),
          9: (0, 2), 11: (1, 2), 12: (3, 1), 13: (0, 1), 14: (3, 0)}
_SADDLE = {  # (case, centre above) -> the two segments
    (5, True): ((0, 1), (2, 3)), (5, False): ((3, 0), (1, 2)),
    (10, True): ((3, 0), (1, 2)), (10, False): ((0, 1), (2, 3)),
}


def grid(f: Callable[[np.ndarray, np.ndarray], np.ndarray], view: tuple[float, float, float, float],
         nx: int, ny: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Axes xs (nx,), ys (ny,) and values Z (ny, nx) with Z[j, i] = f(xs[i], ys[j])."""
    xs = np.linspace(view[0], view[1], nx)
    ys = np.linspace(view[2], view[3], ny)
    with np.errstate(all="ignore"):
        z = np.asarray(f(xs[None, :], ys[:, None]), dtype=float)
    return xs, ys, np.broadcast_to(z, (ny, nx)).copy()


def marching_squares(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, level: float) -> np.ndarray:
    """Segments of the level set {z = level}, shape (n, 2, 2): n × (start, end) × (x, y).

    Crossings are placed on cell edges by linear interpolation; cells with a non-finite
    corner are skipped.
    """
    v0, v1, v2, v3 = z[:-1, :-1], z[:-1, 1:], z[1:, 1:], z[1:, :-1]
    valid = np.isfinite(v0) & np.isfinite(v1) & np.isfinite(v2) & np.isfinite(v3)
    case = ((v0 > level) * 1 + (v1 > level) * 2 + (v2 > level) * 4 + (v3 > level) * 8)
    case = np.where(valid, case, 0)
    x0, x1 = xs[None, :-1], xs[None, 1:]
    y0, y1 = ys[:-1, None], ys[1:, None]
    with np.errstate(all="ignore"):
        t_bottom = (level - v0) / (v1 - v0)
        t_right = (level - v1) / (v2 - v1)
        t_top = (level - v3) / (v2 - v3)
        t_left = (level - v0) / (v3 - v0)
    shape = case.shape
    edge_x = np.stack([np.broadcast_to(x0 + t_bottom * (x1 - x0), shape),
                       np.broadcast_to(x1, shape),
                       np.broadcast_to(x0 + t_top * (x1 - x0), shape),
                       np.broadcast_to(x0, shape)])
    edge_y = np.stack([np.broadcast_to(y0, shape),
                       np.broadcast_to(y0 + t_right * (y1 - y0), shape),
                       np.broadcast_to(y1, shape),
                       np.broadcast_to(y0 + t_left * (y1 - y0), shape)])
    centre_above = (v0 + v1 + v2 + v3) / 4.0 > level
    pieces: list[np.ndarray] = []

    def emit(mask: np.ndarray, a: int, b: int) -> None:
        if mask.any():
            pieces.append(np.stack([np.stack([edge_x[a][mask], edge_y[a][mask]], -1),
                                    np.stack([edge_x[b][mask], edge_y[b][mask]], -1)], 1))

    for c, (a, b) in _PAIRS.items():
        emit(case == c, a, b)
    for (c, above), segments in _SADDLE.items():
        mask = (case == c) & (centre_above == above)
        for a, b in segments:
            emit(mask, a, b)
    return np.concatenate(pieces) if pieces else np.empty((0, 2, 2))


def log_levels(z: np.ndarray, floor: float, count: int) -> np.ndarray:
    """`count` levels floor + d with d log-spaced over the spread of z − floor.

    Suits a surface with a known minimum `floor`: rings crowd in towards the minimum, where
    the iterates spend their time, and stay sparse on the steep walls.
    """
    d = np.asarray(z, dtype=float).ravel() - floor
    d = d[np.isfinite(d) & (d > 0)]
    if d.size == 0:
        return np.array([floor])
    lo, hi = np.quantile(d, [0.005, 0.6])
    if not hi > lo:
        return np.array([floor + hi])
    return floor + np.geomspace(lo, hi, count)


def quantile_levels(z: np.ndarray, count: int) -> np.ndarray:
    """`count` levels at evenly spaced quantiles of z: each band covers a similar area."""
    finite = np.asarray(z, dtype=float).ravel()
    finite = finite[np.isfinite(finite)]
    if finite.size == 0:
        return np.empty(0)
    return np.unique(np.quantile(finite, np.linspace(0.04, 0.96, count)))


def sample_segments(segments: np.ndarray, dx: float, dy: float) -> tuple[np.ndarray, np.ndarray]:
    """Points along each segment, about one (dx × dy) dot apart, both ends included."""
    if len(segments) == 0:
        return np.empty(0), np.empty(0)
    a, b = segments[:, 0], segments[:, 1]
    steps = np.maximum(np.abs(b[:, 0] - a[:, 0]) / dx, np.abs(b[:, 1] - a[:, 1]) / dy)
    counts = np.ceil(steps).astype(int) + 1
    which = np.repeat(np.arange(len(segments)), counts)
    first = np.cumsum(counts) - counts
    k = np.arange(counts.sum()) - np.repeat(first, counts)
    t = k / np.maximum(counts - 1, 1)[which]
    pts = a[which] + t[:, None] * (b - a)[which]
    return pts[:, 0], pts[:, 1]


def clip_segments(segments: np.ndarray, view: tuple[float, float, float, float]) -> np.ndarray:
    """The parts of the segments inside the view rectangle (Liang–Barsky), shape (m, 2, 2)."""
    if len(segments) == 0:
        return np.empty((0, 2, 2))
    a, d = segments[:, 0], segments[:, 1] - segments[:, 0]
    lo = np.zeros(len(segments))
    hi = np.ones(len(segments))
    inside = np.ones(len(segments), dtype=bool)
    with np.errstate(all="ignore"):
        for axis, (low, high) in enumerate(((view[0], view[1]), (view[2], view[3]))):
            p, q0, q1 = d[:, axis], a[:, axis] - low, high - a[:, axis]
            still = p == 0
            inside &= ~still | ((q0 >= 0) & (q1 >= 0))
            t_low, t_high = -q0 / p, q1 / p  # where the segment meets the slab's two sides
            lo = np.where(still, lo, np.maximum(lo, np.minimum(t_low, t_high)))
            hi = np.where(still, hi, np.minimum(hi, np.maximum(t_low, t_high)))
    keep = inside & (lo <= hi)
    a, d, lo, hi = a[keep], d[keep], lo[keep], hi[keep]
    return np.stack([a + lo[:, None] * d, a + hi[:, None] * d], 1)


def polyline_segments(points: np.ndarray) -> np.ndarray:
    """Consecutive points (n, 2) as n − 1 segments (n − 1, 2, 2)."""
    points = np.asarray(points, dtype=float)
    if len(points) < 2:
        return np.empty((0, 2, 2))
    return np.stack([points[:-1], points[1:]], 1)


def thin_to_dots(x: np.ndarray, y: np.ndarray, view: tuple[float, float, float, float],
                 cols: int, rows: int, limit: int = 4000) -> tuple[np.ndarray, np.ndarray]:
    """One point per braille dot of a cols × rows cell canvas over `view`, at most `limit`.

    Points outside the view are dropped. Which point stands for a dot does not matter to
    the picture, so the first one is kept (deterministic).
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = (np.isfinite(x) & np.isfinite(y) & (x >= view[0]) & (x <= view[1])
            & (y >= view[2]) & (y <= view[3]))
    x, y = x[keep], y[keep]
    nx, ny = 2 * max(cols, 1), 4 * max(rows, 1)
    i = np.minimum(((x - view[0]) / (view[1] - view[0]) * nx).astype(int), nx - 1)
    j = np.minimum(((y - view[2]) / (view[3] - view[2]) * ny).astype(int), ny - 1)
    _, first = np.unique(j * nx + i, return_index=True)
    first.sort()
    if len(first) > limit:
        first = first[np.linspace(0, len(first) - 1, limit).astype(int)]
    return x[first], y[first]


class DotTrail:
    """A growing polyline kept as the set of braille dots it crosses inside a view.

    Each `extend` samples only the new segments, so drawing a path of thousands of steps
    costs no more per frame than drawing its newest step.
    """

    def __init__(self, view: tuple[float, float, float, float], cols: int, rows: int) -> None:
        self.view = view
        self.nx, self.ny = 2 * max(cols, 1), 4 * max(rows, 1)
        self.hit = np.zeros((self.ny, self.nx), dtype=bool)
        self.dx = (view[1] - view[0]) / self.nx
        self.dy = (view[3] - view[2]) / self.ny
        self.last: np.ndarray | None = None

    def extend(self, points: np.ndarray) -> None:
        """Add the polyline through `points` (n, 2), joined to the previous last point."""
        points = np.asarray(points, dtype=float).reshape(-1, 2)
        if self.last is not None:
            points = np.concatenate([self.last[None], points])
        if len(points) == 0:
            return
        self.last = points[-1].copy()
        if len(points) == 1:
            x, y = points[:, 0], points[:, 1]
        else:
            segs = clip_segments(polyline_segments(points), self.view)
            x, y = sample_segments(segs, self.dx, self.dy)
        v = self.view
        keep = np.isfinite(x) & np.isfinite(y) & (x >= v[0]) & (x <= v[1]) & (y >= v[2]) & (y <= v[3])
        i = np.minimum(((x[keep] - v[0]) / self.dx).astype(int), self.nx - 1)
        j = np.minimum(((y[keep] - v[2]) / self.dy).astype(int), self.ny - 1)
        self.hit[j, i] = True

    def points(self) -> tuple[np.ndarray, np.ndarray]:
        """The centres of the dots crossed so far."""
        j, i = np.nonzero(self.hit)
        return self.view[0] + (i + 0.5) * self.dx, self.view[2] + (j + 0.5) * self.dy
