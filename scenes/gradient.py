"""Scene `gradient`: the slope of f(x, y) in every direction, and when it is ∇f·u."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from calcterm.compute.contours import grid, marching_squares, quantile_levels
from calcterm.compute.expr import parse
from calcterm.compute.fields import (
    cosine_law, curvature_along, gradient_angle, ray_limit, slopes, taylor_directional, unit,
)
from calcterm.params import Expression, Number
from calcterm.plot import Figure, HLine, Line, Panel, Points, VLine, arrow, sample_count
from calcterm.scene import Scene
from calcterm.text import T, fmt

TURN = 5.0
"""Degrees θ turns per step; one full turn is the story."""
STEPS = int(360 / TURN)
CURVE = np.arange(-179.0, 181.0, 1.0)
"""The θ grid of the cosine-law panel, (−180°, 180°]."""
VIEW = 3.6
"""Half-width of the contour map (p ranges over [−3, 3]²)."""
ZOOM = 0.12
"""Half-width of the close-up around p."""
SLICE = 1.5
"""g(t) = f(p + t·u) is drawn for |t| ≤ SLICE."""
TALL = 28
WIDE = 100
NARROW = 70
"""Below TALL rows the four panels do not fit in two rows: three side by side when WIDE, two
side by side, or two stacked when NARROW."""
COUNTEREXAMPLE = "x^2*y/(x^2+y^2)"
AT_ORIGIN = {COUNTEREXAMPLE, "sqrt(x^2+y^2)"}
"""Presets whose story is at the origin: choosing them moves p there."""


def _wrap(theta: float) -> float:
    """θ in (−180, 180]."""
    wrapped = math.fmod(theta + 180.0, 360.0)
    wrapped = wrapped + 360.0 if wrapped <= 0 else wrapped
    return wrapped - 180.0


def _contour_line(expr, view: tuple[float, float, float, float], nx: int, ny: int,
                  levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All level-set segments as one polyline broken by NaNs (x, y)."""
    xs, ys, z = grid(lambda x, y: expr.evaluate(x=x, y=y), view, nx, ny)
    with np.errstate(all="ignore"):  # tiny values (flat(x)) underflow harmlessly
        segments = [marching_squares(xs, ys, z, c) for c in levels]
    segs = np.concatenate(segments) if segments else np.empty((0, 2, 2))
    if len(segs) == 0:
        return np.empty(0), np.empty(0)
    gap = np.full((len(segs), 1), np.nan)
    return (np.hstack([segs[:, :, 0], gap]).ravel(), np.hstack([segs[:, :, 1], gap]).ravel())


class Gradient(Scene):
    id = "gradient"
    title = T("Gradient and directional derivative", "梯度与方向导数")
    summary = T("the slope of f along a turning direction u against ‖∇f‖cos θ, and a function "
                "whose every directional derivative exists yet breaks that law",
                "f 沿旋转方向 u 的斜率对照 ‖∇f‖cos θ，以及一个方向导数处处存在却违背此律的函数")
    section = "Part 1 §2.2"
    order = 12
    pace = 6
    heaviest = {"f": "sin(x)*cos(y)"}
    params = (
        Expression("f", "x^2+3*y^2",
                   T("the surface; cone and no-derivative move p to the origin",
                     "曲面；选择“圆锥”或“不可导”会把 p 移到原点"),
                   presets={T("bowl", "碗"): "x^2+3*y^2", T("saddle", "鞍面"): "x^2-y^2",
                            T("wave", "波"): "sin(x)*cos(y)", T("cone", "圆锥"): "sqrt(x^2+y^2)",
                            T("no derivative", "不可导"): COUNTEREXAMPLE},
                   variables=("x", "y")),
        Number("x0", 1.0, T("x of the point p", "点 p 的 x 坐标"), lo=-3.0, hi=3.0, step=0.1),
        Number("y0", 1.0, T("y of the point p", "点 p 的 y 坐标"), lo=-3.0, hi=3.0, step=0.1),
        Number("theta", 0.0, T("direction of u in degrees; each step turns it by 5°",
                               "方向 u 的角度（度）；每步转 5°"), lo=-180.0, hi=180.0, step=5.0),
    )
    explanation = T(
        "The slope of f at p in the direction of a unit vector u = (cos θ, sin θ) is "
        "D_u f = lim_{t→0} (f(p + tu) − f(p))/t: the slope at t = 0 of the slice "
        "g(t) = f(p + tu) (drawn in its own panel when the window is large enough). As u turns, "
        "watch the panel of D_u f against θ. When f "
        "is differentiable at p, D_u f = ∇f·u = ‖∇f‖ cos(θ − θ_∇): a cosine that peaks at the "
        "gradient's direction (steepest ascent, slope ‖∇f‖), is zero along the level set "
        "(θ_∇ ± 90°, the dashed tangent on the map) and most negative opposite the gradient. "
        "Differentiable means more than having partial derivatives: near p the surface must look "
        "like a plane, so in the close-up the level sets become straight, parallel and evenly "
        "spaced across ∇f.\n"
        "Choose 'no derivative', f = x²y/(x²+y²) (with f(0) = 0). Along every ray "
        "f(tu) = t·cos²θ sinθ, so every directional derivative exists, and both partials are 0, "
        "so the formula would say ∇f = 0 and D_u f = 0 for all u. The measured slopes (computed "
        "here as one-sided limits along each ray, since the formula has 0/0 at p) follow "
        "cos²θ sinθ instead, and the close-up never straightens: the function looks the same at "
        "every scale. So D_u f = ∇f·u, and 'the gradient points uphill fastest', hold only where "
        "f is differentiable. The cone has slope 1 in every direction at its tip and no gradient "
        "at all. The readout's uᵀHu is the curvature of the slice, g″(0).",
        "f 在 p 点沿单位向量 u = (cos θ, sin θ) 方向的斜率是 D_u f = lim_{t→0} (f(p + tu) − f(p))/t，"
        "即切片 g(t) = f(p + tu) 在 t = 0 处的斜率（窗口够大时切片有单独的图）。让 u 旋转，观察 D_u f 随 θ 变化的图。若 f 在 p 点可微，"
        "则 D_u f = ∇f·u = ‖∇f‖ cos(θ − θ_∇)：这条余弦曲线在梯度方向取最大值（最速上升，斜率 ‖∇f‖），"
        "沿等高线方向（θ_∇ ± 90°，地图上的虚线切线）为零，与梯度相反时最负。"
        "可微不只是偏导数存在：在 p 附近曲面必须像一个平面，所以放大图中等高线会变成直的、"
        "平行且在 ∇f 方向上等距的线。\n"
        "选择“不可导”，即 f = x²y/(x²+y²)（并令 f(0) = 0）。沿每条射线 f(tu) = t·cos²θ sinθ，"
        "所以每个方向导数都存在；两个偏导数都是 0，照公式应有 ∇f = 0、对所有 u 都 D_u f = 0。"
        "实测的斜率（公式在 p 点是 0/0，因此这里沿每条射线取单侧极限）却是 cos²θ sinθ，"
        "放大图也永远不会变直：这个函数在任何尺度下看起来都一样。可见 D_u f = ∇f·u 和"
        "“梯度指向上升最快的方向”只在 f 可微处成立。圆锥在顶点沿每个方向的斜率都是 1，"
        "却根本没有梯度。读数中的 uᵀHu 是切片的曲率 g″(0)。",
    )

    def implied(self, name: str, value: Any) -> dict[str, Any]:
        if name == "f" and value in AT_ORIGIN:
            return {"x0": 0.0, "y0": 0.0}
        return {}

    # -- state --------------------------------------------------------------------------

    def setup(self) -> None:
        self.expr = parse(self["f"], ("x", "y"))
        x0, y0 = self["x0"], self["y0"]
        self.field = slopes(self.expr, x0, y0, CURVE)
        self.grad = self.field.grad
        self.differentiable = self.field.differentiable
        self.fp = float(self.expr.evaluate(x=x0, y=y0))
        self._contours: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    @property
    def theta(self) -> float:
        return _wrap(self["theta"] + TURN * self.t)

    @property
    def done(self) -> bool:
        return self.t >= STEPS

    @property
    def u(self) -> tuple[float, float]:
        ux, uy = unit(self.theta)
        return float(ux), float(uy)

    def directional(self) -> float:
        """D_u f at the current θ: Taylor mode if f is differentiable at p, else the ray limit."""
        x0, y0 = self["x0"], self["y0"]
        if self.differentiable:
            return float(taylor_directional(self.expr, x0, y0, np.array([self.theta]))[0])
        return float(ray_limit(self.expr, x0, y0, np.array([self.theta]))[1][0])

    def grad_dot_u(self) -> float:
        return float(cosine_law(self.grad, np.array([self.theta]))[0])

    def curvature(self) -> float:
        if not self.differentiable:
            return math.nan
        return float(curvature_along(self.expr, self["x0"], self["y0"], np.array([self.theta]))[0])

    def base_value(self) -> float:
        """f(p), or its limit along the ray when the formula has no value at p."""
        if math.isfinite(self.fp):
            return self.fp
        return float(ray_limit(self.expr, self["x0"], self["y0"], np.array([self.theta]))[0][0])

    # -- drawing ------------------------------------------------------------------------

    def draw(self, width: int, height: int) -> Figure:
        """Map, close-up, slice and cosine law in a 2 × 2 grid when there is room; fewer when short."""
        if height >= TALL:
            w, h = width // 2, height // 2
            return Figure([self._map_panel(w, h, True), self._zoom_panel(w, h),
                           self._slice_panel(w), self._cosine_panel(w)], rows=2, cols=2)
        if width >= WIDE:
            w = width // 3
            return Figure([self._map_panel(w, height, True), self._slice_panel(w),
                           self._cosine_panel(w)], rows=1, cols=3)
        if width < NARROW:
            return Figure([self._map_panel(width, height // 2, True), self._cosine_panel(width)],
                          rows=2, cols=1)
        w = width // 2
        return Figure([self._map_panel(w, height, True), self._cosine_panel(w)], rows=1, cols=2)

    def _view(self, centre: tuple[float, float], half: float, width: int, height: int):
        """A view around `centre` stretched so one unit looks as long across as up."""
        cols, rows = max(width - 8, 8), max(height - 4, 4)
        ratio = cols / (2.0 * rows)  # a cell is about twice as tall as wide
        hx, hy = (half * ratio, half) if ratio >= 1 else (half, half / ratio)
        return (centre[0] - hx, centre[0] + hx, centre[1] - hy, centre[1] + hy)

    def _contour(self, view, levels: np.ndarray, width: int, height: int):
        key = (view, tuple(levels), width, height)
        if key not in self._contours:
            if len(self._contours) > 16:
                self._contours.clear()
            nx, ny = min(2 * width, 160), min(4 * height, 120)
            self._contours[key] = _contour_line(self.expr, view, nx, ny, levels)
        return self._contours[key]

    def _levels(self, view, spacing: float | None) -> np.ndarray:
        """Evenly spaced levels through f(p) when a spacing is given, else quantiles."""
        if spacing and math.isfinite(spacing) and spacing > 0 and math.isfinite(self.fp):
            return self.fp + spacing * np.arange(-6, 7)
        _, _, z = grid(lambda x, y: self.expr.evaluate(x=x, y=y), view, 40, 40)
        return quantile_levels(z, 9)

    def _markers(self, panel: Panel, view, labelled: bool) -> None:
        x0, y0 = self["x0"], self["y0"]
        size = 0.3 * (view[3] - view[2])
        gx, gy = self.grad
        norm = math.hypot(gx, gy) if math.isfinite(gx) and math.isfinite(gy) else math.nan
        if math.isfinite(norm) and norm > 0:
            tx, ty = -gy / norm, gx / norm
            panel.add(Line(np.array([x0 - size * tx, x0 + size * tx]),
                           np.array([y0 - size * ty, y0 + size * ty]), "", "muted", style="dashed"))
            arrow(panel, (x0, y0), (size * gx / norm, size * gy / norm), "foreground",
                  "∇f" if labelled else "")
        ux, uy = self.u
        arrow(panel, (x0, y0), (0.8 * size * ux, 0.8 * size * uy), "accent", "u" if labelled else "")
        panel.add(Points(np.array([x0]), np.array([y0]), "", "error", "●"))

    def _map_panel(self, width: int, height: int, labelled: bool) -> Panel:
        view = self._view((0.0, 0.0), VIEW, width, height)
        panel = Panel(title=T("f = {f}", "f = {f}").format(f=self["f"]), xlim=view[:2], ylim=view[2:])
        x, y = self._contour(view, self._levels(view, None), width, height)
        panel.add(Line(x, y, "", "muted", style="solid"))
        if math.isfinite(self.fp):
            lx, ly = self._contour(view, np.array([self.fp]), width, height)
            panel.add(Line(lx, ly, "", "secondary", style="solid"))
        self._markers(panel, view, labelled)
        return panel

    def _zoom_panel(self, width: int, height: int) -> Panel:
        centre = (self["x0"], self["y0"])
        view = self._view(centre, ZOOM, width, height)
        norm = float(np.hypot(*self.grad))
        spacing = norm * ZOOM / 3 if self.differentiable else None
        title = (T("near p: level sets straighten", "p 附近：等高线变直") if self.differentiable
                 else T("near p: level sets stay curved", "p 附近：等高线仍然弯曲"))
        panel = Panel(title=title, xlim=view[:2], ylim=view[2:])
        x, y = self._contour(view, self._levels(view, spacing), width, height)
        panel.add(Line(x, y, "", "muted", style="solid"))
        self._markers(panel, view, False)
        return panel

    def _slice_panel(self, width: int) -> Panel:
        x0, y0 = self["x0"], self["y0"]
        ux, uy = self.u
        t = np.linspace(-SLICE, SLICE, sample_count(width))
        g = self.expr.evaluate(x=x0 + t * ux, y=y0 + t * uy)
        panel = Panel(title=T("slice g(t) = f(p + t·u), θ = {a}°", "切片 g(t) = f(p + t·u)，θ = {a}°").format(
            a=fmt(self.theta, ".0f")), xlabel="t", xlim=(-SLICE, SLICE))
        panel.add(Line(t, g, "g(t)", "primary", style="solid"))
        slope, g0 = self.directional(), self.base_value()
        if math.isfinite(slope) and math.isfinite(g0):
            reach = t if self.differentiable else t[t >= 0]
            label = (T("slope D_u f", "斜率 D_u f") if self.differentiable
                     else T("one-sided slope", "单侧斜率"))
            panel.add(Line(reach, g0 + slope * reach, label, "accent", style="dashed"))
            panel.add(Points(np.array([0.0]), np.array([g0]), "", "error", "●"))
        finite = g[np.isfinite(g)]
        if finite.size:
            lo, hi = float(finite.min()), float(finite.max())
            pad = 0.1 * (hi - lo) or 0.5
            panel.ylim = (lo - pad, hi + pad)
        return panel

    def _cosine_panel(self, width: int) -> Panel:
        panel = Panel(title=T("D_u f against θ", "D_u f 随 θ"), xlabel="θ°", xlim=(-180.0, 180.0))
        measured = self.field.directional
        law = cosine_law(self.grad, CURVE)
        panel.add(HLine(0.0, "muted"))
        angle = gradient_angle(self.grad)
        if math.isfinite(angle):
            panel.add(VLine(angle, "muted"))
        if np.isfinite(law).any():
            panel.add(Line(CURVE, law, "‖∇f‖cos(θ−θ_∇)", "muted", style="dotted"))
        panel.add(Line(CURVE, measured, T("measured D_u f", "实测 D_u f"), "primary", style="solid"))
        d = self.directional()
        if math.isfinite(d):
            panel.add(Points(np.array([self.theta]), np.array([d]), "", "accent", "●"))
        values = np.concatenate([measured[np.isfinite(measured)], law[np.isfinite(law)], [0.0]])
        top = float(np.max(np.abs(values))) or 1.0
        panel.ylim = (-1.15 * top, 1.15 * top)
        return panel

    # -- numbers ------------------------------------------------------------------------

    def readout(self) -> dict[T | str, T | str]:
        gx, gy = self.grad
        ux, uy = self.u
        angle = gradient_angle(self.grad)
        d, dot = self.directional(), self.grad_dot_u()
        out: dict[T | str, T | str] = {
            "∇f": (f"({fmt(gx, '.6g')}, {fmt(gy, '.6g')})" if math.isfinite(gx) and math.isfinite(gy)
                   else T("does not exist", "不存在")),
            "‖∇f‖": fmt(float(np.hypot(gx, gy)), ".6g"),
            "θ_∇": fmt(angle, ".1f") + ("°" if math.isfinite(angle) else ""),
            "u": f"({fmt(ux, '.4f')}, {fmt(uy, '.4f')})",
            "D_u f": fmt(d, ".8g") + ("" if self.differentiable else T(" (one-sided limit)", "（单侧极限）")),
            "∇f·u": fmt(dot, ".8g"),
        }
        if math.isfinite(angle):
            between = abs(_wrap(self.theta - angle))
            out[T("angle(u, ∇f)", "u 与 ∇f 的夹角")] = fmt(between, ".1f") + "°"
            out[T("steepest ascent", "最速上升")] = T("{n} at {a}°", "{n}，方向 {a}°").format(
                n=fmt(float(np.hypot(gx, gy)), ".4g"), a=fmt(angle, ".1f"))
            out[T("level set along", "等高线方向")] = "{a}°, {b}°".format(
                a=fmt(_wrap(angle - 90.0), ".1f"), b=fmt(_wrap(angle + 90.0), ".1f"))
        out["uᵀHu"] = fmt(self.curvature(), ".6g")
        return out

    def notes(self) -> list[T]:
        notes: list[T] = []
        if not self.differentiable:
            notes.append(T("f is not differentiable at p: D_u f is measured as a one-sided limit "
                           "along the ray, and the cosine law need not hold",
                           "f 在 p 点不可微：D_u f 是沿射线的单侧极限，余弦律不必成立"))
            gap = np.abs(self.field.directional - cosine_law(self.grad, CURVE))
            if np.all(np.isfinite(self.grad)) and np.nanmax(gap) > 1e-6:
                notes.append(T("both partials exist (∇f = ({gx}, {gy})) yet D_u f ≠ ∇f·u: "
                               "partial derivatives do not make f differentiable",
                               "两个偏导数都存在（∇f = ({gx}, {gy})），但 D_u f ≠ ∇f·u："
                               "偏导数存在并不意味着可微").format(
                    gx=fmt(self.grad[0], ".3g"), gy=fmt(self.grad[1], ".3g")))
            elif not np.all(np.isfinite(self.grad)):
                notes.append(T("no gradient: the slopes along e and −e do not cancel",
                               "梯度不存在：沿 e 与 −e 的斜率不互为相反数"))
        elif float(np.hypot(*self.grad)) == 0.0:
            notes.append(T("∇f = 0: p is a critical point, flat in every direction to first order; "
                           "the curvature uᵀHu decides", "∇f = 0：p 是临界点，各方向一阶都平坦；"
                           "由曲率 uᵀHu 决定"))
        return notes

    def data(self) -> dict[str, Any]:
        ux, uy = self.u
        return {
            "grad": self.grad.tolist(), "grad_norm": float(np.hypot(*self.grad)),
            "grad_angle_deg": gradient_angle(self.grad), "theta": self.theta, "u": [ux, uy],
            "directional": self.directional(), "grad_dot_u": self.grad_dot_u(),
            "differentiable": self.differentiable,
            "method": "taylor" if self.differentiable else "one-sided limit",
            "curve_theta": CURVE.tolist(), "curve_directional": self.field.directional.tolist(),
            "curvature_along_u": self.curvature(),
        }
