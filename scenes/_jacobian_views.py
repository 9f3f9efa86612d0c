"""The pictures of the jacobian scene: the mapped cell, the (r, θ) sums, densities, the chain rule.

Functions of the scene's state, kept apart from `jacobian.py` so that the scene file holds
the story (parameters, steps, numbers) and this one the drawing.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from calcterm.compute.contours import marching_squares
from calcterm.compute.maps import (
    coupling_inverse, gaussian_disk, gaussian_sum_limits, morph, pushed_density, rayleigh_pdf,
)
from calcterm.plot import Figure, HLine, Label, Line, Panel, Points, arrow, polygon, shade
from calcterm.text import T, fmt

if TYPE_CHECKING:
    from calcterm.scenes.jacobian import Jacobian

H_FLOOR = 1e-6
N_MAX = 1024
TURN = 10.0
"""Degrees the tangent vector turns per step in the compose view."""
HIST_TOP = 4.5
WIDE = 100
NARROW = 70
"""Three panels from WIDE columns on; below NARROW two panels are stacked, not side by side."""
CLOUD = 4000
"""At most this many samples are drawn as dots: more only saturate the braille grid."""


def pair(width: int, height: int) -> tuple[int, int, dict]:
    """Two panels side by side, or stacked below NARROW columns: each panel's size and the layout."""
    if width < NARROW:
        return width, height // 2, {"rows": 2, "cols": 1}
    return width // 2, height, {"rows": 1, "cols": 2}


def fit(points_x: np.ndarray, points_y: np.ndarray, width: int, height: int,
         margin: float = 0.12) -> tuple[float, float, float, float]:
    """An equal-aspect view holding the points, for a panel of width × height cells."""
    x, y = points_x[np.isfinite(points_x)], points_y[np.isfinite(points_y)]
    if x.size == 0 or y.size == 0:
        return (-1.0, 1.0, -1.0, 1.0)
    cx, cy = (x.max() + x.min()) / 2, (y.max() + y.min()) / 2
    hx, hy = (x.max() - x.min()) / 2 or 1e-9, (y.max() - y.min()) / 2 or 1e-9
    hx, hy = max(hx, 1e-3 * hy), max(hy, 1e-3 * hx)
    ratio = max(width - 8, 8) / (2.0 * max(height - 4, 4))  # cells are about twice as tall
    if hx / hy < ratio:
        hx = hy * ratio
    else:
        hy = hx / ratio
    return (cx - (1 + margin) * hx, cx + (1 + margin) * hx, cy - (1 + margin) * hy, cy + (1 + margin) * hy)


def grid_lines(u0: float, v0: float, h: float) -> tuple[np.ndarray, np.ndarray]:
    """The grid around the cell as one polyline, its 18 lines separated by NaN (a break): one
    line for the renderer to sample, not 18. `morph` keeps the breaks: (1 − t)·NaN is NaN."""
    ticks = np.arange(-2, 7) * (h / 2)
    run = np.append(np.linspace(-h, 2 * h, 41), np.nan)
    across = np.broadcast_to(run, (ticks.size, run.size))
    at = np.where(np.isnan(across), np.nan, ticks[:, None])
    u = np.concatenate([(u0 + at).ravel(), (u0 + across).ravel()])
    v = np.concatenate([(v0 + across).ravel(), (v0 + at).ravel()])
    return u, v


def cell_figure(scene: Jacobian, width: int, height: int) -> Figure:
    u0, v0, h, t = scene["u0"], scene["v0"], scene.h, scene["morph"]
    grid_u, grid_v = grid_lines(u0, v0, h)
    left = Panel(title=T("(u, v): the square, side h = {h}", "(u, v)：边长 h = {h} 的正方形").format(
        h=fmt(h, ".3g")), xlabel="u", ylabel="v")
    right = Panel(title=T("(x, y): its image and J·square", "(x, y)：它的像与 J·正方形"),
                  xlabel="x", ylabel="y")
    corners = np.array([[0, 0], [h, 0], [h, h], [0, h]], dtype=float)
    with np.errstate(all="ignore"):
        grid_x, grid_y = morph(scene.T, grid_u, grid_v, t)
        fill = np.linspace(0.0, h, 40)
        fu, fv = np.meshgrid(u0 + fill, v0 + fill)
        ix, iy = morph(scene.T, fu.ravel(), fv.ravel(), t)
        A = (1 - t) * np.eye(2) + t * scene.J
        px, py = morph(scene.T, np.array([u0]), np.array([v0]), t)
        para = np.array([px[0], py[0]]) + corners @ A.T
    left.add(Line(grid_u, grid_v, "", "muted", style="solid"))
    right.add(Line(grid_x, grid_y, "", "muted", style="solid"))
    left.add(shade(lambda u, v: (u >= u0) & (u <= u0 + h) & (v >= v0) & (v <= v0 + h),
                   color="accent", label=T("cell", "小方格"), density=0.6),
             polygon(np.array([u0, v0]) + corners, "accent"),
             Points(np.array([u0]), np.array([v0]), "", "error", "●"))
    right.add(Points(ix, iy, T("image", "像"), "success", "braille"),
              polygon(para, "accent", T("T(p) + J·cell", "T(p) + J·小方格"), style="dashed"),
              Points(px, py, "", "error", "●"))
    allx = np.concatenate([grid_x, para[:, 0]])
    ally = np.concatenate([grid_y, para[:, 1]])
    ratio = ratio_panel(scene)
    if width >= WIDE:
        w = width // 3
        lv = fit(np.array([u0 - h, u0 + 2 * h]), np.array([v0 - h, v0 + 2 * h]), w, height)
        left.xlim, left.ylim = lv[:2], lv[2:]
        rv = fit(allx, ally, w, height, margin=0.02)
        right.xlim, right.ylim = rv[:2], rv[2:]
        return Figure([left, right, ratio], rows=1, cols=3)
    pw, ph, layout = pair(width, height)
    rv = fit(allx, ally, pw, ph, margin=0.02)
    right.xlim, right.ylim = rv[:2], rv[2:]
    return Figure([right, ratio], **layout)


def ratio_panel(scene: Jacobian) -> Panel:
    panel = Panel(title=T("area(image)/h² → |det J|", "像的面积/h² → |det J|"), xlabel="h",
                  xscale="log", xlim=(H_FLOOR / 2, 2 * max(scene["h"], 1e-6) * 1.5))
    hs = np.array([p[0] for p in scene.history])
    ratios = np.array([p[1] for p in scene.history])
    if math.isfinite(scene.det):
        panel.add(HLine(abs(scene.det), "success"),
                  Label(H_FLOOR, abs(scene.det), "|det J|", "success", align="left"))
    panel.add(Line(hs, ratios, T("ratio", "比值"), "accent", style="solid"),
              Points(hs[-1:], ratios[-1:], "", "accent", "●"))
    values = np.concatenate([ratios, [abs(scene.det)]])
    values = values[np.isfinite(values)]
    if values.size:
        lo, hi = float(values.min()), float(values.max())
        pad = 0.1 * (hi - lo) or 0.1 * max(abs(hi), 1e-12)
        panel.ylim = (lo - pad, hi + pad)
    return panel


def integral_figure(scene: Jacobian, width: int, height: int) -> Figure:
    R, theta_max = scene["R"], scene["theta_max"]
    k = min(scene.n, 12)
    region = Panel(title=T("(r, θ) cells: area ≈ r·Δr·Δθ", "(r, θ) 小格：面积 ≈ r·Δr·Δθ"),
                   xlabel="x", ylabel="y")
    arc = np.linspace(0.0, theta_max, 241)
    for r in R * np.arange(1, k + 1) / k:
        region.add(Line(r * np.cos(arc), r * np.sin(arc), "", "muted", style="solid"))
    for angle in theta_max * np.arange(k + 1) / k:
        region.add(Line(np.array([0.0, R * math.cos(angle)]), np.array([0.0, R * math.sin(angle)]),
                        "", "muted", style="solid"))
    if theta_max > 2 * math.pi:
        again = arc[arc > 2 * math.pi]
        region.add(Line(1.02 * R * np.cos(again), 1.02 * R * np.sin(again),
                        T("covered twice", "覆盖两次"), "error", style="solid"))
    pw, ph, layout = pair(width, height)
    view = fit(np.array([-R, R]), np.array([-R, R]), pw, ph)
    region.xlim, region.ylim = view[:2], view[2:]
    sums = Panel(title=T("sums against n", "和随 n 的变化"), xlabel="n", xscale="log",
                 xlim=(0.7, 1.5 * N_MAX))
    ns = np.array([p[0] for p in scene.history])
    exact = gaussian_disk(R, theta_max)
    sums.add(HLine(exact, "foreground"), Label(1.0, exact, T("exact", "精确值"), "foreground"),
             Line(ns, [p[1] for p in scene.history], T("with |J| = r", "乘 |J| = r"), "success",
                  style="solid"),
             Line(ns, [p[2] for p in scene.history], T("without |J|", "不乘 |J|"), "error",
                  style="solid"))
    limits = gaussian_sum_limits(R, theta_max)
    values = [exact, limits.with_jacobian, limits.without_jacobian] + \
        [v for p in scene.history for v in p[1:]]
    sums.ylim = (min(0.0, min(values)), 1.15 * max(values))
    return Figure([region, sums], **layout)


def density_figure(scene: Jacobian, width: int, height: int) -> Figure:
    shown = scene.revealed
    pw, ph, layout = pair(width, height)
    if scene.coupling:
        return Figure([coupling_left(scene, pw, ph), coupling_right(scene, shown, pw, ph)], **layout)
    cloud = Panel(title=T("(x, y) ~ N(0, I): {n} points", "(x, y) ~ N(0, I)：{n} 个点").format(
        n=str(len(shown))), xlabel="x", ylabel="y")
    view = fit(np.array([-3.5, 3.5]), np.array([-3.5, 3.5]), pw, ph)
    cloud.xlim, cloud.ylim = view[:2], view[2:]
    cloud.add(Points(shown[:CLOUD, 0], shown[:CLOUD, 1], "", "primary", "braille"))
    r = np.hypot(shown[:, 0], shown[:, 1])
    edges = np.linspace(0.0, HIST_TOP, 37)
    counts, _ = np.histogram(r, bins=edges)
    heights = counts / (len(r) * np.diff(edges))
    hx = np.repeat(edges, 2)[1:-1]
    hist = Panel(title=T("density of r = ‖(x, y)‖", "r = ‖(x, y)‖ 的密度"), xlabel="r",
                 xlim=(0.0, HIST_TOP), ylim=(0.0, 1.1))
    grid = np.linspace(0.0, HIST_TOP, 181)
    hist.add(Line(hx, np.repeat(heights, 2), T("histogram", "直方图"), "primary", style="solid"),
             Line(grid, rayleigh_pdf(grid), "r·e^(−r²/2)", "success", style="solid"),
             Line(grid, np.exp(-grid**2 / 2), T("e^(−r²/2), no r", "e^(−r²/2)，缺 r"), "error",
                  style="dashed"))
    return Figure([cloud, hist], **layout)


def coupling_left(scene: Jacobian, width: int, height: int) -> Panel:
    """The base samples u; width and height are the panel's own."""
    shown = scene.points[: min(len(scene.revealed), CLOUD)]
    panel = Panel(title=T("u ~ N(0, I)", "u ~ N(0, I)"), xlabel="u₁", ylabel="u₂")
    view = fit(np.array([-3.5, 3.5]), np.array([-3.5, 3.5]), width, height)
    panel.xlim, panel.ylim = view[:2], view[2:]
    return panel.add(Points(shown[:, 0], shown[:, 1], "", "primary", "braille"))


def coupling_right(scene: Jacobian, shown: np.ndarray, width: int, height: int) -> Panel:
    panel = Panel(title=T("y = T(u) and p_U(T⁻¹y)/|det J|", "y = T(u) 与 p_U(T⁻¹y)/|det J|"),
                  xlabel="y₁", ylabel="y₂")
    view = fit(np.array([-3.5, 3.5]), np.array([-4.0, 4.0]), width, height)
    panel.xlim, panel.ylim = view[:2], view[2:]
    panel.add(Points(shown[:CLOUD, 0], shown[:CLOUD, 1], "", "primary", "braille"))
    xs, ys = np.linspace(view[0], view[1], 120), np.linspace(view[2], view[3], 120)
    z = pushed_density(scene.flow, coupling_inverse, xs[None, :], ys[:, None])
    segs = [marching_squares(xs, ys, z, c) for c in (0.01, 0.05, 0.1)]
    segs = np.concatenate(segs)
    gap = np.full((len(segs), 1), np.nan)
    panel.add(Line(np.hstack([segs[:, :, 0], gap]).ravel(), np.hstack([segs[:, :, 1], gap]).ravel(),
                   T("formula, levels .01 .05 .1", "公式，等值线 .01 .05 .1"), "success", style="solid"))
    circle = np.linspace(0, 2 * math.pi, 121)
    panel.add(Line(np.cos(circle), np.sin(circle), T("‖y‖ = 1", "‖y‖ = 1"), "accent", style="dashed"))
    return panel


def compose_figure(scene: Jacobian, width: int, height: int) -> Figure:
    phi = math.radians(TURN * scene.t)
    circle = np.linspace(0, 2 * math.pi, 121)
    unit_circle = np.vstack([np.cos(circle), np.sin(circle)])
    w = np.array([math.cos(phi), math.sin(phi)])
    stages = [(np.eye(2), T("tangent vectors w at p", "p 点的切向量 w"), "w"),
              (scene.J1, T("J₁w at T(p)", "T(p) 处的 J₁w"), "J₁w"),
              (scene.J_product, T("J₂J₁w at the end", "终点处的 J₂J₁w"), "J₂J₁w")]
    three = width >= WIDE
    pw, ph, layout = (width // 3, height, {"rows": 1, "cols": 3}) if three else pair(width, height)
    panels = []
    for matrix, title, name in stages:
        with np.errstate(all="ignore"):
            ellipse = matrix @ unit_circle
            tip = matrix @ w
        panel = Panel(title=title)
        panel.add(Line(ellipse[0], ellipse[1], "", "primary", style="solid"))
        if np.all(np.isfinite(tip)):
            arrow(panel, (0.0, 0.0), tip, "accent", name)
        view = fit(np.append(ellipse[0], 0.0), np.append(ellipse[1], 0.0), pw, ph, margin=0.15)
        panel.xlim, panel.ylim = view[:2], view[2:]
        panels.append(panel)
    return Figure(panels if three else panels[1:], **layout)
