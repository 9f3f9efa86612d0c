"""The pictures of the `lagrange` scene: the contour map with P's arrows, f and ∇f × ∇g along
the constraint, and λ*(t) while the centre moves."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from calcterm.compute.contours import grid, marching_squares, quantile_levels
from calcterm.plot import Figure, HLine, Line, Panel, Points, arrow, shade
from calcterm.text import T

if TYPE_CHECKING:
    from calcterm.compute import constrained as cs
    from calcterm.compute.level_curves import Curve
    from calcterm.plot import Trail

QUIET = np.errstate(all="ignore")
"""A huge f overflows to inf in a grid; those cells simply get no contour."""


def _segments_to_line(segments: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Segments (n, 2, 2) as one polyline with NaN breaks (the renderer draws it in one go)."""
    if len(segments) == 0:
        return np.empty(0), np.empty(0)
    pts = np.concatenate([segments, np.full((len(segments), 1, 2), np.nan)], 1).reshape(-1, 2)
    return pts[:, 0], pts[:, 1]


class LagrangePictures:
    """Drawing for the `Lagrange` scene (a mixin: it reads the scene's state)."""

    view: tuple[float, float, float, float]
    curve: "Curve"
    drawn: "Curve"
    solution: "cs.Solution"
    centre_mode: bool
    moves_centre: bool
    start_centre: np.ndarray
    end_centre: np.ndarray
    path: "Trail"
    history: list[tuple[float, float]]
    f_curve: np.ndarray
    cross_curve: np.ndarray

    @QUIET
    def draw(self, width: int, height: int) -> Figure:
        """Map, f along the curve, then ∇f × ∇g (or λ*(t) as the centre moves): all three in a
        row when wide, the first two stacked when tall, side by side when short."""
        if width < 60:
            return Figure([self._map(width, height)])
        if self.centre_mode:
            side = [self._lambda_panel(), self._along()]
        else:
            side = [self._along(), self._alignment()]
        if width >= 100:
            return Figure([self._map(width // 2, height), *side], rows=1, cols=3, weights=(2, 1, 1))
        if height >= 30:
            return Figure([self._map(width, height // 2), side[0]], rows=2, cols=1)
        return Figure([self._map(3 * width // 5, height), side[0]], rows=1, cols=2, weights=(3, 2))

    def _region(self, width: int, height: int) -> tuple[float, float, float, float]:
        """About what the renderer shows of the square view in a width × height panel: it
        widens one axis so that a unit is as long across as up (a cell is 2 × 4 dots)."""
        cols, rows = max(width - 7, 4), max(height - 4, 2)
        stretch = cols / (2.0 * rows)
        v = self.view
        mx, my, half = 0.5 * (v[0] + v[1]), 0.5 * (v[2] + v[3]), 0.55 * (v[1] - v[0])
        hx, hy = half * max(stretch, 1.0), half / min(stretch, 1.0)
        return (mx - hx, mx + hx, my - hy, my + hy)

    def _contours(self, region: tuple[float, float, float, float]
                  ) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
        key = (self.t if self.centre_mode else 0, region)
        cached = getattr(self, "_contour_cache", None)
        if cached is not None and cached[0] == key:
            return cached[1]
        p = self.problem
        nx = int(np.clip(71 * (region[1] - region[0]) / (region[3] - region[2]), 51, 141))
        ny = int(np.clip(71 * (region[3] - region[2]) / (region[1] - region[0]), 51, 141))
        xs, ys, z = grid(lambda x, y: p.value(p.f, x, y), region, nx, ny)
        v = self.view
        inner_x, inner_y = (xs >= v[0]) & (xs <= v[1]), (ys >= v[2]) & (ys <= v[3])
        touching = {k.f for k in self.solution.critical if math.isfinite(k.f)}
        with np.errstate(all="ignore"):  # a huge f overflows the cell averages: no contour there
            levels = quantile_levels(z[np.ix_(inner_y, inner_x)], 6)
            background = _segments_to_line(np.concatenate(
                [marching_squares(xs, ys, z, lv) for lv in levels] or [np.empty((0, 2, 2))]))
            green = _segments_to_line(np.concatenate(
                [marching_squares(xs, ys, z, lv) for lv in touching] or [np.empty((0, 2, 2))]))
        self._contour_cache = (key, (background, green))
        return background, green

    def _map(self, width: int, height: int) -> Panel:
        v = self.view
        kind = T("g ≤ 0", "g ≤ 0") if self.base.inequality else T("g = 0", "g = 0")
        panel = Panel(title=T("f contours, {k}", "f 的等高线，{k}").format(k=kind), xlabel="x",
                      xlim=v[:2], ylim=v[2:], aspect="equal", fit="data")
        p = self.problem
        if self.base.inequality:
            panel.add(shade(lambda x, y: p.value(p.g, x, y) <= 0, color="c1", density=0.18,
                            label=T("feasible", "可行域")))
        (bx, by), (gx, gy) = self._contours(self._region(width, height))
        panel.add(Line(bx, by, "", "muted", style="solid"))
        if len(gx):
            panel.add(Line(gx, gy, T("f = f(x*)", "f = f(x*)"), "success", style="solid"))
        if not self.drawn.empty:
            pts = self.drawn.points
            breaks = np.r_[self.drawn.piece[1:] != self.drawn.piece[:-1], False]
            panel.add(Line(np.where(breaks, np.nan, pts[:, 0]), pts[:, 1], "g = 0", "c2",
                           style="solid"))
        if self.moves_centre:
            if self.centre_mode:
                panel.add(Line(np.array([self.start_centre[0], self.end_centre[0]]),
                               np.array([self.start_centre[1], self.end_centre[1]]), "", "muted",
                               style="dashed"), self.path)
            c = self.centre
            panel.add(Points(np.array([c[0]]), np.array([c[1]]), "", "c6", "+"))
        others = [k for k in self.solution.critical if k is not self.solution.best]
        if others:
            panel.add(Points(np.array([k.x for k in others]), np.array([k.y for k in others]),
                             "", "c3", "◆"))
        best = self.solution.best
        if best is not None:
            panel.add(Points(np.array([best.x]), np.array([best.y]), "x*", "success", "★"))
        if not self.centre_mode and not self.curve.empty:
            self._arrows(panel)
        return panel

    def _arrows(self, panel: Panel) -> None:
        """∇f and ∇g at P on one common scale, so their length ratio is |λ(P)| when parallel."""
        here = self.at_p()
        q, a, b = here["P"], here["grad_f"], here["grad_g"]
        longest = max(np.hypot(*a), np.hypot(*b))
        if not (np.isfinite(longest) and longest > 0):
            return
        scale = 0.28 * (self.view[1] - self.view[0]) / longest
        if np.hypot(*a) > 0:
            arrow(panel, q, a * scale, "foreground", "∇f")
        if np.hypot(*b) > 0:
            arrow(panel, q, b * scale, "c2", "∇g")
        panel.add(Points(np.array([q[0]]), np.array([q[1]]), "", "error", "●"))

    def _marks(self) -> tuple[np.ndarray, np.ndarray]:
        """Curve parameter s of each boundary critical point (nearest traced point)."""
        pts = [k for k in self.solution.critical if k.kind not in ("interior-min",)]
        if not pts or self.curve.empty:
            return np.empty(0), np.empty(0)
        where = np.array([[k.x, k.y] for k in pts])
        d = np.hypot(self.curve.points[None, :, 0] - where[:, :1], self.curve.points[None, :, 1] - where[:, 1:])
        idx = d.argmin(1)
        return self.curve.s[idx], np.array([k.f for k in pts])

    def _along(self) -> Panel:
        panel = Panel(title=T("f along g = 0", "沿 g = 0 的 f"), xlabel="s", xlim=(0.0, 1.0))
        if self.curve.empty:
            panel.title = T("g = 0 does not cross the view", "g = 0 不经过视野")
            return panel
        panel.add(Line(self.curve.s, self.f_curve, "", "primary", style="solid"))
        ms, mf = self._marks()
        if len(ms):
            panel.add(Points(ms, mf, "", "c3", "◆"))
        if not self.centre_mode:
            here = self.at_p()
            panel.add(Points(np.array([here["s"]]), np.array([here["f"]]), "", "error", "●"))
        return panel

    def _alignment(self) -> Panel:
        panel = Panel(title=T("∇f × ∇g along g = 0", "沿 g = 0 的 ∇f × ∇g"), xlabel="s",
                      xlim=(0.0, 1.0))
        if self.curve.empty:
            return panel
        panel.add(HLine(0.0, "muted"),
                  Line(self.curve.s, self.cross_curve, "", "c5", style="solid"))
        ms, _ = self._marks()
        if len(ms):
            panel.add(Points(ms, np.zeros_like(ms), "", "c3", "◆"))
        here = self.at_p()
        panel.add(Points(np.array([here["s"]]), np.array([here["cross"]]), "", "error", "●"))
        return panel

    def _lambda_panel(self) -> Panel:
        panel = Panel(title=T("λ* as the centre moves", "圆心移动时的 λ*"), xlabel="t", xlim=(0.0, 1.0))
        panel.add(HLine(0.0, "muted"))
        if self.history:
            t, lam = np.array(self.history).T
            panel.add(Line(t, lam, "", "success", style="solid"),
                      Points(t[-1:], lam[-1:], "", "error", "●"))
        return panel
