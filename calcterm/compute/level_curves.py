"""Level curves g = 0 in the plane, as ordered polylines with an arc-length parameter.

Marching squares gives unordered segments; `chain` joins them into polylines, `trace` puts
each loop in a fixed orientation and start (so a walk along it is reproducible), and
`project` pulls the vertices onto the curve itself with Newton steps along ∇g. The problem
object only needs `value(expr, x, y)`, `gradients(expr, x, y)` and an expression `g`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from calcterm.compute.contours import grid, marching_squares

if TYPE_CHECKING:
    from calcterm.compute.constrained import Problem

View = tuple[float, float, float, float]
_quiet = np.errstate(all="ignore")
"""Overflow or 0/0 in g becomes inf/nan, which these routines test for and skip."""


@dataclass
class Curve:
    """The traced constraint: polylines laid end to end, with arc-length parameter s ∈ [0, 1].

    `points` (n, 2) holds every component in turn; `piece` says which component a point
    belongs to; `closed[k]` whether component k is a loop (its first point is repeated
    at its end).
    """

    points: np.ndarray
    s: np.ndarray
    piece: np.ndarray
    closed: list[bool]

    @property
    def empty(self) -> bool:
        return len(self.points) < 2

    def at(self, s: float) -> np.ndarray:
        """The point at arc-length fraction s (wrapping around)."""
        s = s % 1.0
        k = int(np.clip(np.searchsorted(self.s, s, side="right") - 1, 0, len(self.s) - 2))
        if self.piece[k] != self.piece[k + 1]:
            return self.points[k].copy()
        span = self.s[k + 1] - self.s[k]
        u = 0.0 if span <= 0 else (s - self.s[k]) / span
        return self.points[k] + u * (self.points[k + 1] - self.points[k])


def _key(p: np.ndarray) -> tuple[float, float]:
    return (round(float(p[0]), 9), round(float(p[1]), 9))


def chain(segments: np.ndarray) -> list[tuple[np.ndarray, bool]]:
    """Join marching-squares segments that share end points into polylines.

    Adjacent cells compute a shared crossing from the same two grid values, so the ends
    match exactly; rounding the keys only guards against a last-bit difference.
    """
    ends: dict[tuple[float, float], list[tuple[int, int]]] = {}
    for i, seg in enumerate(segments):
        for e in (0, 1):
            ends.setdefault(_key(seg[e]), []).append((i, e))
    used = np.zeros(len(segments), dtype=bool)
    lines: list[tuple[np.ndarray, bool]] = []

    def grow(path: list[np.ndarray]) -> None:
        while True:
            nxt = next(((i, e) for i, e in ends[_key(path[-1])] if not used[i]), None)
            if nxt is None:
                return
            i, e = nxt
            used[i] = True
            path.append(segments[i][1 - e])

    for start in range(len(segments)):
        if used[start]:
            continue
        used[start] = True
        forward = [segments[start][0], segments[start][1]]
        grow(forward)
        closed = _key(forward[0]) == _key(forward[-1]) and len(forward) > 3
        if not closed:
            backward = [segments[start][0]]
            grow(backward)
            forward = backward[::-1] + forward[1:]
        lines.append((np.array(forward), closed))
    return lines


def _canonical(line: np.ndarray, closed: bool) -> np.ndarray:
    """Loops start at their rightmost point and run anticlockwise; open curves run left to right."""
    if closed:
        ring = line[:-1]
        area = np.sum(ring[:, 0] * np.roll(ring[:, 1], -1) - np.roll(ring[:, 0], -1) * ring[:, 1])
        if area < 0:
            ring = ring[::-1]
        k = int(np.lexsort((np.abs(ring[:, 1]), -ring[:, 0]))[0])
        ring = np.roll(ring, -k, axis=0)
        return np.vstack([ring, ring[:1]])
    return line if line[0, 0] <= line[-1, 0] else line[::-1]


@_quiet
def trace(problem: Problem, view: View, n: int = 181) -> Curve:
    """The curve g = 0 inside `view`, longest components first, with arc-length parameter."""
    # a grid offset by a small irrational fraction of a cell, so that a line through grid
    # nodes (x + y = 1) does not touch them exactly and make branching crossings
    dx, dy = (view[1] - view[0]) / (n - 1), (view[3] - view[2]) / (n - 1)
    shifted = (view[0] - 0.01371 * dx, view[1] + 0.01371 * dx,
               view[2] - 0.02137 * dy, view[3] + 0.02137 * dy)
    xs, ys, z = grid(lambda x, y: problem.value(problem.g, x, y), shifted, n, n)
    lines = [(_canonical(p, c), c) for p, c in chain(marching_squares(xs, ys, z, 0.0)) if len(p) >= 3]
    lines.sort(key=lambda pc: -np.sum(np.hypot(*np.diff(pc[0], axis=0).T)))
    if not lines:
        return Curve(np.empty((0, 2)), np.empty(0), np.empty(0, int), [])
    points = project(problem, np.vstack([p for p, _ in lines]), max(dx, dy))
    piece = np.concatenate([np.full(len(p), k) for k, (p, _) in enumerate(lines)])
    step = np.hypot(*np.diff(points, axis=0).T)
    step[piece[1:] != piece[:-1]] = 0.0
    length = np.concatenate([[0.0], np.cumsum(step)])
    return Curve(points, length / max(length[-1], 1e-300), piece, [c for _, c in lines])


@_quiet
def project(problem: Problem, points: np.ndarray, reach: float, steps: int = 3) -> np.ndarray:
    """Points pulled onto g = 0 by Newton steps along ∇g (q ← q − g∇g/‖∇g‖²).

    A traced vertex lies on the grid's linear interpolant of g, a little off the curve; after
    this, f evaluated along the trace is f on the constraint. A point is left where it was if
    ∇g vanishes there or the step would move it more than `reach` (a grid cell).
    """
    q = np.array(points, dtype=float)
    start = q.copy()
    for _ in range(steps):
        gv, gx, gy = problem.gradients(problem.g, q[:, 0], q[:, 1])
        norm = gx * gx + gy * gy
        ok = np.isfinite(gv) & np.isfinite(norm) & (norm > 1e-20)
        with np.errstate(all="ignore"):
            step = np.where(ok[:, None], (gv / np.where(ok, norm, 1.0))[:, None] * np.stack([gx, gy], -1), 0.0)
        q = q - step
    moved = np.hypot(*(q - start).T)
    keep = np.isfinite(moved) & (moved <= reach)
    return np.where(keep[:, None], q, start)
