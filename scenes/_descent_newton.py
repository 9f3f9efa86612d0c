"""The second-order side of the `descent` scene: what Newton, damped Newton and BFGS see at
their iterate (the exact Hessian, the Newton step beside the gradient, BFGS's estimate of
H⁻¹), as readout rows, notes, arrows on the map and export data."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from calcterm.compute import second_order as so
from calcterm.plot import Arrow, Panel
from calcterm.text import T, fmt

if TYPE_CHECKING:
    from calcterm.scenes.descent import Descent

SECOND = so.METHODS


def _pair(v: np.ndarray) -> str:
    return "(" + ", ".join(fmt(x, ".3g") for x in np.asarray(v, dtype=float).ravel()) + ")"


@dataclass(frozen=True)
class Local:
    """What the curvature says at one point: H, its eigenvalues, ∇f and the Newton step."""

    hessian: np.ndarray
    eigenvalues: np.ndarray
    """Ascending; NaN where H is not finite."""
    gradient: np.ndarray
    newton_step: np.ndarray
    """−H⁻¹∇f, NaN where H is singular."""

    @property
    def positive_definite(self) -> bool:
        return so.is_positive_definite(self.hessian)

    @property
    def angle(self) -> float:
        """Degrees between the Newton step and −∇f (0: Newton goes where GD goes)."""
        a, b = self.newton_step, -self.gradient
        na, nb = float(np.linalg.norm(a)), float(np.linalg.norm(b))
        if not (math.isfinite(na) and math.isfinite(nb) and na > 0 and nb > 0):
            return math.nan
        return math.degrees(math.acos(max(-1.0, min(1.0, float(a @ b) / (na * nb)))))

    @property
    def kind(self) -> str:
        """The stationary point H describes: "minimum", "saddle" or "maximum"."""
        lam = self.eigenvalues
        if not np.all(np.isfinite(lam)) or lam.min() >= 0:
            return "minimum"
        return "maximum" if lam.max() < 0 else "saddle"


def local(scene: "Descent", p: np.ndarray) -> Local:
    """The curvature at p, remembered: labels, readout and notes all ask each frame."""
    key = np.asarray(p, dtype=float).tobytes()
    cache = scene.local_cache
    if key not in cache:
        if len(cache) > 64:
            cache.clear()
        cache[key] = _local(scene, p)
    return cache[key]


def _local(scene: "Descent", p: np.ndarray) -> Local:
    with np.errstate(all="ignore"):
        H = np.asarray(scene.hess(p), dtype=float)
        g = np.asarray(scene.surface.grad_at(p), dtype=float)
    finite = bool(np.all(np.isfinite(H)))
    lam = np.linalg.eigvalsh(0.5 * (H + H.T)) if finite else np.full(2, np.nan)
    return Local(H, lam, g, so.newton_direction(g, H) if finite else np.full(2, np.nan))


def inverse_error(B: np.ndarray, H: np.ndarray) -> float:
    """‖B − H⁻¹‖ / ‖H⁻¹‖ (Frobenius): how far BFGS's estimate is from the true inverse."""
    try:
        inv = np.linalg.inv(H)
    except np.linalg.LinAlgError:
        return math.nan
    return float(np.linalg.norm(B - inv) / np.linalg.norm(inv))


def status_key(scene: "Descent", method: str) -> str:
    """The run's status, with a converged Newton-type run at a saddle or maximum named so."""
    run = scene.runs[method]
    if run.status == "converged" and method in SECOND:
        kind = local(scene, run.path[-1]).kind
        if kind != "minimum":
            return kind
    return run.status


def readout(scene: "Descent", method: str) -> dict[T | str, T | str]:
    run = scene.runs[method]
    here = local(scene, run.path[-1])
    out: dict[T | str, T | str] = {}
    out[T("eig H", "H 的特征值")] = _pair(here.eigenvalues) + (
        "" if here.positive_definite else T("  not PD", "  非正定"))
    if not run.running:  # at a stationary point the steps are rounding noise
        return out
    out["−H⁻¹∇f"] = T("{v}  length {n}", "{v}  长 {n}").format(
        v=_pair(here.newton_step), n=fmt(np.linalg.norm(here.newton_step), ".3g"))
    out["−∇f"] = T("{v}  length {n}", "{v}  长 {n}").format(
        v=_pair(-here.gradient), n=fmt(np.linalg.norm(here.gradient), ".3g"))
    angle = here.angle
    out[T("angle between", "两者夹角")] = f"{angle:.1f}°" if math.isfinite(angle) else "—"
    if method != "newton" and len(run.path) > 1:
        out["α"] = T("{a}  (line search)", "{a}（线搜索）").format(a=fmt(run.state.alpha, ".3g"))
    if method == "bfgs":
        B = run.state.inverse
        out["−B∇f"] = _pair(-B @ here.gradient)
        out["‖B − H⁻¹‖/‖H⁻¹‖"] = fmt(inverse_error(B, here.hessian), ".2e")
    return out


def notes(scene: "Descent", method: str, name: T | str) -> list[T]:
    run = scene.runs[method]
    k = str(len(run.path) - 1)
    note, out = run.note, []
    kind = status_key(scene, method)
    if kind in ("saddle", "maximum"):
        out.append(T("{m} stopped where ∇f = 0 but H is not positive definite: a {kind}, not a "
                     "minimum (Newton seeks stationary points)",
                     "{m} 停在 ∇f = 0 处，但 H 不正定：这是{kind}，不是极小点（牛顿法寻找的是驻点）").format(
            m=name, kind=T(kind, {"saddle": "鞍点", "maximum": "极大点"}[kind])))
    elif run.status == "stalled":
        out.append(T("{m}: the line search found no lower point at step {k}; stopped (rounding "
                     "or a kink)", "{m}：第 {k} 步线搜索找不到更低的点，已停止（舍入误差或尖点）").format(
            m=name, k=k))
    elif run.status == "undefined" and note == "singular":
        out.append(T("H is singular at step {k}: the Newton step −H⁻¹∇f does not exist; stopped",
                     "第 {k} 步 H 奇异：牛顿步 −H⁻¹∇f 不存在，已停止").format(k=k))
    elif run.running and note == "not-pd":
        if method == "newton":
            out.append(T("H not PD at step {k}: plain Newton heads for the model's stationary "
                         "point, which need not be a minimum",
                         "第 {k} 步 H 非正定：普通牛顿法奔向二次模型的驻点，它未必是极小点").format(k=k))
        else:
            out.append(T("H not PD at step {k}: {m} stepped along −∇f instead of −H⁻¹∇f",
                         "第 {k} 步 H 非正定：{m} 改沿 −∇f 而非 −H⁻¹∇f 前进").format(k=k, m=name))
    elif run.running and note == "singular":
        out.append(T("H singular at step {k}: {m} stepped along −∇f",
                     "第 {k} 步 H 奇异：{m} 改沿 −∇f 前进").format(k=k, m=name))
    elif run.running and note == "skipped":
        out.append(T("BFGS kept its estimate at step {k}: yᵀs ≤ 0 would break positive definiteness",
                     "第 {k} 步 BFGS 保留原估计：yᵀs ≤ 0 会破坏正定性").format(k=k))
    return out


def arrows(scene: "Descent", panel: Panel, view: tuple[float, float, float, float]) -> None:
    """At a single second-order run's iterate: its step at full length (clipped to the view)."""
    method = scene.methods[0]
    run = scene.runs[method]
    p = run.path[-1]
    if not run.running:
        return
    here = local(scene, p)
    steps = [(here.newton_step, "−H⁻¹∇f", "magenta")]
    if method == "bfgs":
        steps.append((-run.state.inverse @ here.gradient, "−B∇f", "white"))
    for d, label, color in steps:
        if not (np.all(np.isfinite(d)) and np.any(d)):
            continue
        d = d * _fraction_inside(p, d, view)
        panel.add(Arrow(float(p[0]), float(p[1]), float(d[0]), float(d[1]), label, color))


def _fraction_inside(p: np.ndarray, d: np.ndarray, view: tuple[float, float, float, float]) -> float:
    """The largest t ≤ 1 with p + t·d inside the view (less a 3% margin), so the head shows."""
    t = 1.0
    for axis, (lo, hi) in enumerate((view[:2], view[2:])):
        pad = 0.03 * (hi - lo)
        if d[axis] > 0:
            t = min(t, (hi - pad - p[axis]) / d[axis])
        elif d[axis] < 0:
            t = min(t, (lo + pad - p[axis]) / d[axis])
    return max(t, 0.0)


def data(scene: "Descent") -> dict[str, Any]:
    """Per second-order run: the curvature at its iterate and the log of its steps."""
    methods = [m for m in scene.methods if m in SECOND]
    here = {m: local(scene, scene.runs[m].path[-1]) for m in methods}
    bfgs = scene.runs.get("bfgs")
    return {
        "hessian_eigenvalues": {m: here[m].eigenvalues.tolist() for m in methods},
        "newton_step": {m: here[m].newton_step.tolist() for m in methods},
        "gradient": {m: here[m].gradient.tolist() for m in methods},
        "step_angle": {m: here[m].angle for m in methods},
        "step_lengths": {m: [a for _, a in scene.step_log[m]] for m in methods},
        "step_notes": {m: [n for n, _ in scene.step_log[m]] for m in methods},
        "inverse_hessian_estimate": None if bfgs is None else bfgs.state.inverse.tolist(),
        "inverse_hessian_error": None if bfgs is None else inverse_error(
            bfgs.state.inverse, here["bfgs"].hessian),
    }
