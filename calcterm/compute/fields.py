"""Gradients and directional derivatives of f(x, y), and where the cosine law breaks.

For f differentiable at p, the slope along a unit vector u = (cos θ, sin θ) is
D_u f = ∇f·u = ‖∇f‖ cos(θ − θ_∇): largest along the gradient, zero along the level set.
Here D_u f comes from Taylor mode along u (one exact directional pass per direction), so
it is computed independently of ∇f. Where Taylor mode has no answer at p (0/0, a cone's
tip, a kink) the slope is measured as the one-sided limit along the ray instead, and the
cosine law can then fail: f = x²y/(x²+y²) has every directional derivative at 0 and
∇f(0) = 0, yet D_u f = cos²θ sin θ.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from calcterm.compute.expr import Expr

RAY_STEP = 0.05
"""The largest step t along the ray used by the one-sided limit."""
RAY_LEVELS = 7
"""Halvings of the step; Richardson extrapolation removes the t, t², ... error terms."""
RAY_AGREEMENT = 1e-6
"""Relative agreement two Richardson extrapolations of the slope need to count as a limit."""
TWO_SIDED_TOLERANCE = 1e-6
"""How closely the slopes along +e and −e must cancel for a partial derivative to exist."""


def unit(theta_deg: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """u = (cos θ, sin θ) for θ in degrees; exact zeros on the axes (cos 90° is not 6e-17)."""
    theta = np.radians(np.asarray(theta_deg, dtype=float))
    ux, uy = np.cos(theta), np.sin(theta)
    return np.where(np.abs(ux) < 1e-15, 0.0, ux), np.where(np.abs(uy) < 1e-15, 0.0, uy)


def taylor_directional(expr: Expr, x0: float, y0: float, theta_deg: np.ndarray | float) -> np.ndarray:
    """D_u f at p for each θ by one Taylor-mode pass along u (nan where it does not exist)."""
    ux, uy = unit(theta_deg)
    direction = {expr.variables[0]: ux, expr.variables[1]: uy}
    series = expr.taylor(1, direction, **{expr.variables[0]: x0, expr.variables[1]: y0})
    return np.asarray(series[1], dtype=float)


def curvature_along(expr: Expr, x0: float, y0: float, theta_deg: np.ndarray | float) -> np.ndarray:
    """uᵀHu = g″(0) for g(t) = f(p + t u): twice the t² Taylor coefficient."""
    ux, uy = unit(theta_deg)
    direction = {expr.variables[0]: ux, expr.variables[1]: uy}
    series = expr.taylor(2, direction, **{expr.variables[0]: x0, expr.variables[1]: y0})
    return 2.0 * np.asarray(series[2], dtype=float)


def _richardson(rows: np.ndarray) -> np.ndarray:
    """Extrapolate estimates with error c₁t + c₂t² + … at t, t/2, t/4, ... (last axis) to t → 0."""
    table = rows.copy()
    for j in range(1, table.shape[-1]):
        factor = 2.0**j
        table = (factor * table[..., 1:] - table[..., :-1]) / (factor - 1.0)
    return table[..., 0]


def ray_limit(expr: Expr, x0: float, y0: float,
              theta_deg: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """(g(0⁺), g′(0⁺)) for g(t) = f(p + t u), measured along the ray without evaluating f(p).

    (g(2t) − g(t))/t = g₁ + 3g₂t + 7g₃t² + … tends to the one-sided slope g₁ and g(t) to
    g(0⁺); both are extrapolated by Richardson over t = RAY_STEP·2⁻ᵏ. Using differences of g
    along the ray is what lets f(p) be 0/0: the slope is that of the continuous extension
    (every formula the engine accepts is continuous where it is defined, so when f(p) exists
    it equals g(0⁺)). A slope whose extrapolations from all levels and from all but the
    coarsest disagree is not settling (an infinite slope such as √|x| at 0): nan.
    """
    theta = np.atleast_1d(np.asarray(theta_deg, dtype=float))
    ux, uy = unit(theta)
    t = RAY_STEP * 0.5 ** np.arange(RAY_LEVELS + 1)
    ts = np.concatenate([[2.0 * t[0]], t])
    g = expr.evaluate(**{expr.variables[0]: x0 + ts[None, :] * ux[:, None],
                         expr.variables[1]: y0 + ts[None, :] * uy[:, None]})
    with np.errstate(all="ignore"):
        quotients = (g[:, :-1] - g[:, 1:]) / t[None, :]
        value = _richardson(g[:, 1:])
        slope = _richardson(quotients)
        check = _richardson(quotients[:, 1:])
        settled = np.abs(slope - check) <= RAY_AGREEMENT * (1.0 + np.abs(slope))
    return value, np.where(settled, slope, np.nan)


@dataclass(frozen=True)
class Slopes:
    """Directional derivatives at p over θ, the gradient, and how they were obtained.

    `differentiable` is True when Taylor mode gives a finite gradient at p (then every slope
    is ∇f·u by construction of the Taylor pass, up to rounding). Otherwise the slopes are
    one-sided limits along rays, and `grad` holds the partial derivatives where the slopes
    along +e and −e cancel (nan where a partial derivative does not exist).
    """

    theta: np.ndarray
    directional: np.ndarray
    grad: np.ndarray
    differentiable: bool


def slopes(expr: Expr, x0: float, y0: float, theta_deg: np.ndarray) -> Slopes:
    """D_u f at p for every θ, by Taylor mode where f is differentiable at p, else along rays."""
    theta = np.asarray(theta_deg, dtype=float)
    axes = np.array([0.0, 90.0, 180.0, -90.0])
    exact_axes = taylor_directional(expr, x0, y0, axes[:2])
    if np.all(np.isfinite(exact_axes)):
        return Slopes(theta, taylor_directional(expr, x0, y0, theta), exact_axes, True)
    _, measured = ray_limit(expr, x0, y0, theta)
    _, on_axes = ray_limit(expr, x0, y0, axes)
    scale = max(1.0, float(np.nanmax(np.abs(on_axes))) if np.isfinite(on_axes).any() else 1.0)
    grad = np.full(2, math.nan)
    for i in range(2):
        forward, backward = on_axes[i], on_axes[i + 2]
        if np.isfinite(forward) and abs(forward + backward) <= TWO_SIDED_TOLERANCE * scale:
            grad[i] = forward
    return Slopes(theta, measured, grad, False)


def gradient_angle(grad: np.ndarray) -> float:
    """θ_∇ in degrees, (−180, 180]; nan for a zero or undefined gradient."""
    gx, gy = float(grad[0]), float(grad[1])
    if not (math.isfinite(gx) and math.isfinite(gy)) or (gx == 0.0 and gy == 0.0):
        return math.nan
    angle = math.degrees(math.atan2(gy, gx))
    return 180.0 if angle == -180.0 else angle


def cosine_law(grad: np.ndarray, theta_deg: np.ndarray | float) -> np.ndarray:
    """∇f·u = ‖∇f‖ cos(θ − θ_∇): what D_u f must be if f is differentiable at p."""
    ux, uy = unit(theta_deg)
    return grad[0] * ux + grad[1] * uy
