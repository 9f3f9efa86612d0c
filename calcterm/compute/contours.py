"""Level sets: marching squares and the spacing of levels.

A contour is computed on a grid as line segments (marching squares, one vectorised pass
per level); the scene hands them to the renderer as NaN-separated lines, and the renderer
alone knows the dot grid they are drawn on.
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
