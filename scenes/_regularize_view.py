"""The pictures of the `regularize` scene, one function per view."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from calcterm.plot import HLine, Label, Line, Panel, Points, VLine
from calcterm.text import T, fmt

if TYPE_CHECKING:
    from calcterm.scenes.regularize import Regularize

PENALTY_LABELS = {"l1": T("L1", "L1"), "l2": T("L2", "L2"), "elastic": T("elastic net", "弹性网")}
VIEW_LABELS = {"geometry": T("geometry", "几何"), "path": T("paths", "路径"),
               "descent": T("subgradient vs prox", "次梯度与近端"), "flow": T("gradient flow", "梯度流"),
               "dropout": T("dropout", "随机失活")}
ROUND = 120


def pair(v: np.ndarray) -> str:
    return "(" + ", ".join(fmt(x, ".4g") for x in np.asarray(v, dtype=float).ravel()) + ")"


def ellipse(centre: np.ndarray, M: np.ndarray, level: float) -> np.ndarray:
    """Points of {w : ½(w − c)ᵀM(w − c) = level} for positive definite M, shape (ROUND + 1, 2)."""
    h, V = np.linalg.eigh(M)
    t = np.linspace(0.0, 2 * np.pi, ROUND + 1)
    unit = np.stack([np.cos(t), np.sin(t)], axis=1)
    return centre + (unit * np.sqrt(2.0 * level / h)) @ V.T


def penalty_level(penalty: str, w: np.ndarray) -> float:
    """t = R(w) for the ball {R ≤ t} through w (for L2 the radius ‖w‖)."""
    if penalty == "l1":
        return float(np.abs(w).sum())
    if penalty == "l2":
        return float(np.linalg.norm(w))
    return float(0.5 * np.abs(w).sum() + 0.5 * w @ w)


def ball(penalty: str, t: float) -> np.ndarray | None:
    """The boundary of {R ≤ t}: a diamond, a circle, or the elastic net's rounded diamond."""
    if t <= 0:
        return None
    if penalty == "l1":
        return np.array([[t, 0.0], [0.0, t], [-t, 0.0], [0.0, -t], [t, 0.0]])
    angle = np.linspace(0.0, 2 * np.pi, ROUND + 1)
    u = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    if penalty == "l2":
        return t * u
    s = np.abs(u).sum(axis=1)  # ½ r s + ½ r² = t along the direction u
    r = (-s + np.sqrt(s * s + 8.0 * t)) / 2.0
    return u * r[:, None]


def path_panels(scene: "Regularize", only: str | None = None) -> list[Panel]:
    """w₁(λ), w₂(λ): L1 (piecewise linear, exact zeros) and L2 (smooth), or one penalty's."""
    lam = scene.lam_shown
    panels = []
    for penalty in (only,) if only else ("l1", "l2"):
        w = scene.path_l1 if penalty == "l1" else scene.path_l2 if penalty == "l2" else scene.path_elastic
        title = T("{pen} path w(λ)", "{pen} 路径 w(λ)").format(pen=PENALTY_LABELS[penalty])
        panel = Panel(title=title, xlabel="λ", xlim=(0.0, float(scene.path_lambda[-1])))
        panel.add(Line(scene.path_lambda, w[:, 0], "w₁", "primary"),
                  Line(scene.path_lambda, w[:, 1], "w₂", "secondary"), HLine(0.0, "muted"),
                  VLine(lam, "accent"))
        if penalty == "l1":
            zero = scene.path.zero_at()
            panel.add(Points(np.array(zero), np.zeros(2), T("leaves", "归零"), "error", "●"))
        panels.append(panel)
    return panels


def window(points: np.ndarray, pad: float = 0.35, cap: float = 2.5) -> tuple[float, float, float, float]:
    """A square view around `points` (n, 2), padded, no larger than ±cap."""
    pts = np.clip(points[np.all(np.isfinite(points), axis=1)], -cap, cap)
    lo, hi = pts.min(axis=0) - pad, pts.max(axis=0) + pad
    centre, half = (lo + hi) / 2, float(max(hi - lo)) / 2
    return centre[0] - half, centre[0] + half, centre[1] - half, centre[1] + half


def descent_panels(scene: "Regularize", k: int) -> list[Panel]:
    """Both methods in the w-plane, and the coordinate nearest 0 on a log scale."""
    H, a = scene.H, scene.a
    sub, prox = scene.subgradient[:k + 1], scene.ista[:k + 1]
    x0, x1, y0, y1 = window(np.vstack([scene.subgradient, scene.ista, [[0.0, 0.0]]]))
    plane = Panel(title=T("from w = a, η = {eta}: {k} steps", "从 w = a 出发，η = {eta}：{k} 步").format(
        eta=fmt(scene["eta"], ".3g"), k=str(k)), xlabel="w₁", ylabel="w₂",
        xlim=(x0, x1), ylim=(y0, y1), aspect="equal")
    touch = float(0.5 * (scene.w_pen - a) @ H @ (scene.w_pen - a))
    for c in (touch, 4 * touch):
        if c > 0:
            e = ellipse(a, H, c)
            plane.add(Line(e[:, 0], e[:, 1], "", "muted"))
    plane.add(HLine(0.0, "muted"), VLine(0.0, "muted"),
              Line(sub[:, 0], sub[:, 1], T("subgradient", "次梯度"), "warning"),
              Line(prox[:, 0], prox[:, 1], T("proximal (ISTA)", "近端（ISTA）"), "primary"),
              Points(np.array([scene.w_pen[0]]), np.array([scene.w_pen[1]]), "w*", "error", "●"))
    j = int(np.argmin(np.abs(scene.w_pen)))
    steps = np.arange(k + 1, dtype=float)
    with np.errstate(all="ignore"):
        sub_j = np.where(sub[:, j] == 0, np.nan, np.abs(sub[:, j]))
        prox_j = np.where(prox[:, j] == 0, np.nan, np.abs(prox[:, j]))
    size = Panel(title=T("|w{j}| on a log scale: 0 falls off the bottom", "|w{j}|（对数坐标）：0 落出图外")
                 .format(j="₁₂"[j]), xlabel=T("step", "步"), yscale="log",
                 xlim=(0.0, float(len(scene.ista) - 1)), ylim=(1e-16, 10.0))
    size.add(Line(steps, sub_j, T("subgradient", "次梯度"), "warning"),
             Line(steps, prox_j, T("proximal", "近端"), "primary"))
    zeros = np.flatnonzero(prox[:, j] == 0)
    if zeros.size:
        size.add(Label(float(zeros[0]), 1e-14, T("exact 0 from step {k}", "第 {k} 步起精确为 0").format(
            k=str(int(zeros[0]))), "primary"))
    return [plane, size]


def flow_panels(scene: "Regularize", k: int) -> list[Panel]:
    """Gradient flow and the heavy ball in the w-plane, and their eigen-components in time."""
    H, lam = scene.H, scene["lam"]
    star = scene.w_l2
    Q = H + 2.0 * lam * np.eye(2)
    plane = Panel(title=T("ẇ = −∇(D + λ‖w‖²) and ẅ + γẇ + ∇ = 0, t = {t}",
                          "ẇ = −∇(D + λ‖w‖²) 与 ẅ + γẇ + ∇ = 0，t = {t}").format(
        t=fmt(scene.times[k], ".3g")), xlabel="w₁", ylabel="w₂", aspect="equal",
        xlim=(-2.2, 2.2), ylim=(-2.2, 2.2))
    for c in (0.1, 0.5, 1.5, 3.0):
        e = ellipse(star, Q, c)
        plane.add(Line(e[:, 0], e[:, 1], "", "muted"))
    plane.add(Line(scene.flow[:k + 1, 0], scene.flow[:k + 1, 1], T("gradient flow", "梯度流"), "primary"),
              Line(scene.heavy[:k + 1, 0], scene.heavy[:k + 1, 1], T("heavy ball", "重球"), "warning"),
              Points(np.array([star[0]]), np.array([star[1]]), "w*", "error", "●"))
    comps_flow = (scene.flow - star) @ scene.V
    comps_heavy = (scene.heavy - star) @ scene.V
    time = scene.times[:k + 1]
    comps = Panel(title=T("eigen-components of w − w*", "w − w* 的特征分量"), xlabel="t",
                  xlim=(0.0, float(scene.times[-1])))
    for i, name in enumerate(("₁", "₂")):
        comps.add(Line(time, comps_flow[:k + 1, i], T("flow", "梯度流") + name, "primary"),
                  Line(time, comps_heavy[:k + 1, i], T("heavy ball", "重球") + name, "warning"))
    comps.add(HLine(0.0, "muted"))
    return [plane, comps]


def dropout_panels(scene: "Regularize") -> list[Panel]:
    """Contours of the expected dropout loss over w, and the Monte-Carlo mean closing in."""
    x, y, p = scene.dropout_x, scene.dropout_y, scene["p"]
    c = (1.0 - p) / p
    M = np.outer(x, x) + c * np.diag(x * x)
    w = scene.a
    plane = Panel(title=T("E[(y − Σ mⱼxⱼwⱼ/p)²] over (w₁, w₂)", "(w₁, w₂) 上的 E[(y − Σ mⱼxⱼwⱼ/p)²]"),
                  xlabel="w₁", ylabel="w₂", xlim=(-2.2, 2.2), ylim=(-2.2, 2.2), aspect="equal")
    line_t = np.linspace(-3.0, 3.0, 2)
    if c > 0:
        centre = np.linalg.solve(M, x * y)
        for level in (0.1, 0.5):
            e = ellipse(centre, 2.0 * M, level)
            plane.add(Line(e[:, 0], e[:, 1], "", "muted"))
        plane.add(Points(np.array([centre[0]]), np.array([centre[1]]),
                         T("min E (ridge-like)", "E 的最小点（类岭回归）"), "success", "◆"))
    direction = np.array([-x[1], x[0]]) / np.linalg.norm(x)
    foot = x * y / (x @ x)
    plane.add(Line(foot[0] + line_t * direction[0], foot[1] + line_t * direction[1],
                   T("xᵀw = y (no dropout)", "xᵀw = y（无 dropout）"), "secondary"),
              Points(np.array([w[0]]), np.array([w[1]]), "w", "error", "●"))
    history = np.array(scene.mc_history)
    count, mean, se = history[:, 0], history[:, 1], history[:, 2]
    mc = Panel(title=T("running mean of the dropout loss at w", "w 处 dropout 损失的累计均值"),
               xlabel=T("masks drawn", "已抽掩码数"))
    with np.errstate(all="ignore"):
        mc.add(Line(count, mean, T("Monte Carlo", "蒙特卡洛"), "primary"),
               Line(count, mean + 2 * se, "±2 SE", "muted", style="dotted"),
               Line(count, mean - 2 * se, "", "muted", style="dotted"),
               HLine(scene.dropout_exact, "success"))
    mc.add(Label(float(count[0]), scene.dropout_exact, T("exact E", "精确 E"), "success"))
    return [plane, mc]
