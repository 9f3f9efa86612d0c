"""The pictures of the riemann scene: slices under the curve, the error history, the sweep.

Functions of the scene's state, kept apart from `riemann.py` so that the scene file holds
the story (parameters, steps, numbers) and this one the drawing.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from calcterm.plot import HLine, Label, Line, Panel, Points, VLine, sample_count, shade
from calcterm.text import T

if TYPE_CHECKING:
    from calcterm.scenes.riemann import Riemann

N_MAX = 4096
TAGS_SHOWN = 48
"""Tags are marked on the curve up to this many slices."""
ROUNDING = 1e-13
"""Errors below this times the size of the integral count as rounding: the rule is exact."""


def approximant(scene: Riemann, x: np.ndarray) -> np.ndarray:
    """The rule's piecewise picture of g: steps, chords or parabolas (nan outside [a, b])."""
    s, rule = scene.sums.s, scene["rule"]
    edges = s.edges if s.dx >= 0 else s.edges[::-1]
    i = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, s.n - 1)
    t = (x - edges[i]) / (edges[i + 1] - edges[i]) if s.dx != 0 else np.zeros_like(x)
    inside = (x >= edges[0]) & (x <= edges[-1])
    ordered = (lambda v: v) if s.dx >= 0 else (lambda v: v[::-1])
    with np.errstate(all="ignore"):
        if rule == "trapezoid":
            y = ordered(tag_values(scene))
            out = y[i] + t * (y[i + 1] - y[i])
        elif rule == "simpson":
            y = ordered(tag_values(scene))
            y0, ym, y1 = y[2 * i], y[2 * i + 1], y[2 * i + 2]
            out = y0 * (1 - t) * (1 - 2 * t) + 4 * ym * t * (1 - t) + y1 * t * (2 * t - 1)
        else:
            out = ordered(s.heights)[i]
    return np.where(inside, out, np.nan)


def tag_values(scene: Riemann) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.asarray(scene.g(scene.sums.s.tags), dtype=float)


def sum_panel(scene: Riemann, width: int) -> Panel:
    s = scene.sums.s
    lo, hi = scene.window()
    xs = np.linspace(lo, hi, sample_count(width))
    curve = np.asarray(scene.g(xs), dtype=float)
    name = "f′" if scene["view"] == "ftc" else "f"
    title = T("{g}(x), {rule}, n = {n}", "{g}(x)，{rule}，n = {n}").format(
        g=name, rule=scene.param("rule").label(scene["rule"]), n=str(s.n))
    panel = Panel(title=title, xlabel="x", xlim=(lo, hi))
    panel.add(shade(lambda x, y: between(approximant(scene, x), y, positive=True), color="success", density=0.3),
              shade(lambda x, y: between(approximant(scene, x), y, positive=False), color="error", density=0.3),
              HLine(0.0, "muted"))
    ox, oy = outline(scene, width)
    panel.add(Line(ox, oy, "", "foreground", style="solid"),
              Line(xs, curve, f"{name}(x)", "primary", style="solid"))
    if s.n <= TAGS_SHOWN:
        panel.add(Points(s.tags, tag_values(scene), T("tags ξᵢ", "取点 ξᵢ"), "accent", "•"))
    finite = np.concatenate([curve[np.isfinite(curve)], s.heights[np.isfinite(s.heights)], [0.0]])
    if finite.size:
        top, bottom = float(finite.max()), float(finite.min())
        span = top - bottom or 1.0
        panel.ylim = (bottom - 0.08 * span, top + 0.08 * span)
    return panel


def outline(scene: Riemann, width: int) -> tuple[np.ndarray, np.ndarray]:
    """The tops of the slices, with their sides while the slices are wide enough to see."""
    s, rule = scene.sums.s, scene["rule"]
    edges = s.edges
    sides = 3 * s.n <= width
    if rule in ("trapezoid", "simpson"):
        per = 8 if rule == "simpson" and sides else 1
        frac = np.arange(per) / per
        x = np.concatenate([(edges[:-1, None] + frac[None, :] * s.dx).ravel(), edges[-1:]])
        y = approximant(scene, x)
        if not sides:
            return x, y
        poles = np.repeat(edges, 3)
        pole_y = np.tile([0.0, np.nan, np.nan], edges.size)
        pole_y[1::3] = approximant(scene, edges)
        return np.concatenate([x, [np.nan], poles]), np.concatenate([y, [np.nan], pole_y])
    h = s.heights
    if sides:
        x = np.column_stack([edges[:-1], edges[:-1], edges[1:], edges[1:]]).ravel()
        y = np.column_stack([np.zeros(s.n), h, h, np.zeros(s.n)]).ravel()
    else:
        x = np.column_stack([edges[:-1], edges[1:]]).ravel()
        y = np.repeat(h, 2)
    return x, y


def error_panel(scene: Riemann) -> Panel:
    panel = Panel(title=T("|Sₙ − I| against n", "|Sₙ − I| 随 n"), xlabel="n",
                  xscale="log", yscale="log", xlim=(1.0, 2.0 * N_MAX))
    ns = np.array([h[0] for h in scene.history], dtype=float)
    errors = np.abs(np.array([h[1] for h in scene.history]))
    scale = scene.error_scale()
    shown = np.isfinite(errors) & (errors > ROUNDING * scale)
    if not shown.any():
        panel.ylim = (1e-17 * scale, scale)
        message = (T("Sₙ = I to rounding", "Sₙ 与 I 在舍入误差内相等") if np.isfinite(errors).any()
                   else T("no finite error", "误差无定义"))
        return panel.add(Label(64.0, 1e-8 * scale, message, "muted", align="center"))
    n0, e0 = ns[shown][0], errors[shown][0]
    grid = np.array([n0, 2.0 * N_MAX])
    for p, style in ((1, "dotted"), (2, "dashed"), (4, "dashdot")):
        panel.add(Line(grid, e0 * (grid / n0) ** -p, f"n⁻{'¹²⁴'[(p > 1) + (p > 2)]}", "muted",
                       style=style))
    panel.add(Line(ns[shown], errors[shown], T("this run", "本次"), "accent", style="solid"),
              Points(ns[shown][-1:], errors[shown][-1:], "", "accent", "●"))
    # fixed for the whole run: from where n⁻⁴ ends (or the smallest error) up to e₀
    steepest = e0 * (2.0 * N_MAX / n0) ** -4
    low = max(min(steepest, float(errors[shown].min()) / 3), ROUNDING * scale / 3)
    panel.ylim = (low, max(float(errors[shown].max()), e0) * 3)
    return panel


def ftc_panel(scene: Riemann) -> Panel:
    panel = Panel(title=T("Sₙ of f′ → f(b) − f(a)", "f′ 的和 Sₙ → f(b) − f(a)"), xlabel="n",
                  xscale="log", xlim=(1.0, 2.0 * N_MAX))
    ns = np.array([h[0] for h in scene.history], dtype=float)
    sums = np.array([h[2] for h in scene.history])
    target = scene.fb_minus_fa
    panel.add(HLine(target, "success"),
              Label(2.0 * N_MAX, target, "f(b) − f(a)", "success", align="right"),
              Line(ns, sums, T("Sₙ", "Sₙ"), "accent", style="solid"),
              Points(ns[-1:], sums[-1:], "", "accent", "●"))
    values = np.concatenate([sums[np.isfinite(sums)], [target] if math.isfinite(target) else []])
    if values.size:
        lo, hi = float(values.min()), float(values.max())
        pad = 0.15 * (hi - lo) or 0.1 * max(abs(hi), 1.0)
        panel.ylim = (lo - pad, hi + pad)
    return panel


def sweep_panels(scene: Riemann, width: int) -> list[Panel]:
    lo, hi = scene.window()
    a, x = scene["a"], scene.cursor
    xs = np.linspace(lo, hi, sample_count(width))
    fx = np.asarray(scene.f(xs), dtype=float)
    left, right = sorted((a, x))

    def swept(px: np.ndarray, py: np.ndarray, positive: bool) -> np.ndarray:
        inside = (px >= left) & (px <= right)
        return inside & between(np.asarray(scene.f(px), dtype=float), py, positive)

    top = Panel(title=T("f, swept from a to x", "f，从 a 扫到 x"), xlabel="x", xlim=(lo, hi))
    top.add(shade(lambda px, py: swept(px, py, True), color="success"),
            shade(lambda px, py: swept(px, py, False), color="error"),
            HLine(0.0, "muted"), Line(xs, fx, "f(x)", "primary", style="solid"),
            VLine(x, "accent"), Points(np.array([x]), np.array([float(scene.f(np.array([x]))[0])]),
                                       "", "accent", "●"))
    k = scene.sweep_index
    bottom = Panel(title=T("F(x) = ∫ₐˣ f: its slope at x is f(x)", "F(x) = ∫ₐˣ f：它在 x 处的斜率是 f(x)"),
                   xlabel="x", xlim=(lo, hi))
    bottom.add(HLine(0.0, "muted"),
               Line(scene.fine_x[: k + 1], scene.fine_F[: k + 1], "F(x)", "success", style="solid"))
    slope = float(scene.f(np.array([x]))[0])
    reach = 0.08 * (hi - lo)
    if math.isfinite(slope):
        tx = np.array([x - reach, x + reach])
        bottom.add(Line(tx, scene.F_at_cursor + slope * (tx - x), T("slope f(x)", "斜率 f(x)"),
                        "accent", style="dashed"))
    bottom.add(Points(np.array([x]), np.array([scene.F_at_cursor]), "", "accent", "●"))
    values = scene.fine_F[np.isfinite(scene.fine_F)]
    if values.size:
        span = float(values.max() - values.min()) or 1.0
        bottom.ylim = (float(min(values.min(), 0.0)) - 0.1 * span,
                       float(max(values.max(), 0.0)) + 0.1 * span)
    finite = fx[np.isfinite(fx)]
    if finite.size:
        span = float(finite.max() - finite.min()) or 1.0
        top.ylim = (float(min(finite.min(), 0.0)) - 0.08 * span,
                    float(max(finite.max(), 0.0)) + 0.08 * span)
    return [top, bottom]


def between(p: np.ndarray, y: np.ndarray, positive: bool) -> np.ndarray:
    """Where y lies between 0 and p(x), on the side of the axis asked for."""
    with np.errstate(invalid="ignore"):
        if positive:
            return (p > 0) & (y >= 0) & (y <= p)
        return (p < 0) & (y <= 0) & (y >= p)
