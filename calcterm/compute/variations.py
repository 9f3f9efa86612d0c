"""The brachistochrone: descent times of curves, the cycloid, first variations, a polygon.

A bead starts at rest at A = (0, 0) and slides without friction to B = (X, Y); y points
down, so its speed at depth y is v = √(2gy) and the time along a curve is
T = ∫ ds / √(2gy). That integrand is singular at A (v = 0), so every curve here is written
over a parameter w ∈ [0, 1] chosen to make ds/dw / v bounded (for the line x, y ∝ w²), and
the time is then an ordinary integral, done by adaptive Gauss–Kronrod (`integrals`).

The cycloid x = a(θ − sin θ), y = a(1 − cos θ) has ds/dθ / v = √(a/g), a constant, so its
time is exactly θ_B·√(a/g); everything else is integrated and must come out slower.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from calcterm.compute.integrals import KRONROD_WEIGHTS, NODES, integrate

@dataclass(frozen=True)
class Curve:
    """A path from A to B over w ∈ [0, 1]: `at(w)` gives x, y, dx/dw, dy/dw."""

    name: str
    at: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]

    def points(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        x, y, _, _ = self.at(np.linspace(0.0, 1.0, n))
        return x, y


def line(X: float, Y: float) -> Curve:
    """The straight segment, x = Xw², y = Yw² (the square makes the time integrand bounded)."""
    return power_curve(X, Y, 1.0)


def power_curve(X: float, Y: float, k: float) -> Curve:
    """Depth y = Y·(x/X)^k, written as y = Yw², x = X·w^(2/k); k = 1 is the line."""
    def at(w: np.ndarray):
        w = np.asarray(w, float)
        return X * w ** (2 / k), Y * w**2, (2 * X / k) * w ** (2 / k - 1), 2 * Y * w
    return Curve("power" if k != 1 else "line", at)


def circle_centre(X: float, Y: float) -> float:
    """Galileo's circle: centre (c, 0) on the starting level, through A and B."""
    return (X * X + Y * Y) / (2 * X)


def circle(X: float, Y: float) -> Curve:
    """The arc of Galileo's circle from A (where it is vertical) to B, φ = φ_B·w²."""
    c = circle_centre(X, Y)
    phi_b = math.atan2(Y, c - X)

    def at(w: np.ndarray):
        w = np.asarray(w, float)
        phi = phi_b * w**2
        dphi = 2 * phi_b * w
        return c * (1 - np.cos(phi)), c * np.sin(phi), c * np.sin(phi) * dphi, c * np.cos(phi) * dphi
    return Curve("circle", at)


def cycloid_theta(ratio: float) -> float:
    """θ_B ∈ (0, 2π) with (θ − sin θ)/(1 − cos θ) = X/Y.

    The left side rises monotonically from 0 (≈ θ/3 near 0) to ∞ at 2π, so bisection on a
    bracket always succeeds; the half-angle form keeps 1 − cos θ accurate for small θ.
    """
    if not ratio > 0:
        raise ValueError("X/Y must be positive")

    def h(t: float) -> float:
        return (t - math.sin(t)) / (2 * math.sin(t / 2) ** 2) - ratio

    lo, hi = 1e-12, 2 * math.pi - 1e-12
    for _ in range(200):
        mid = (lo + hi) / 2
        if h(mid) > 0:
            hi = mid
        else:
            lo = mid
        if hi - lo < 1e-15:
            break
    return (lo + hi) / 2


@dataclass(frozen=True)
class Cycloid:
    """The fastest path: its end angle θ_B, radius a and exact time T = θ_B√(a/g)."""

    theta_b: float
    a: float
    time: float

    @property
    def dips_below_b(self) -> bool:
        """Past θ = π the cycloid's lowest point lies between A and B (X/Y > π/2)."""
        return self.theta_b > math.pi


def cycloid(X: float, Y: float, g: float) -> Cycloid:
    theta = cycloid_theta(X / Y)
    a = Y / (2 * math.sin(theta / 2) ** 2)
    return Cycloid(theta, a, theta * math.sqrt(a / g))


def cycloid_curve(X: float, Y: float) -> Curve:
    cyc = cycloid(X, Y, 1.0)

    def at(w: np.ndarray):
        th = cyc.theta_b * np.asarray(w, float)
        s2 = 2 * np.sin(th / 2) ** 2
        return (cyc.a * (th - np.sin(th)), cyc.a * s2,
                cyc.a * s2 * cyc.theta_b, cyc.a * np.sin(th) * cyc.theta_b)
    return Curve("cycloid", at)


def perturbed(curve: Curve, eps: float, X: float) -> Curve:
    """y + ε·η(x) with η = sin(πx/X), which vanishes at both ends (a variation of the path)."""
    def at(w: np.ndarray):
        x, y, dx, dy = curve.at(w)
        k = math.pi / X
        return x, y + eps * np.sin(k * x), dx, dy + eps * k * np.cos(k * x) * dx
    return Curve(curve.name, at)


def _speed_integrand(curve: Curve, g: float) -> Callable[[np.ndarray], np.ndarray]:
    def f(w: np.ndarray) -> np.ndarray:
        _, y, dx, dy = curve.at(w)
        return np.where(y > 0, np.hypot(dx, dy) / np.sqrt(2 * g * np.maximum(y, 1e-300)), np.inf)
    return f


def descent_time(curve: Curve, g: float) -> float:
    """T = ∫ ds/√(2gy) along the curve (∞ if the path reaches y ≤ 0 after leaving A)."""
    _, y, _, _ = curve.at(np.linspace(0.0, 1.0, 4097)[1:])
    if not np.all(y > 0):
        return math.inf
    value = integrate(_speed_integrand(curve, g), 0.0, 1.0, tol=1e-13).value
    return value if math.isfinite(value) else math.inf


def arrival_table(curve: Curve, g: float, panels: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """(w, t): the time t at which the bead reaches parameter w, on a grid of `panels` + 1.

    Each panel is integrated by the 15-point Kronrod rule, so t is accurate to far below a
    pixel; a bead's position at time t is then w(t) by interpolation in this monotone table.
    """
    w = np.linspace(0.0, 1.0, panels + 1)
    mid, half = (w[:-1] + w[1:]) / 2, (w[1:] - w[:-1]) / 2
    with np.errstate(all="ignore"):
        vals = _speed_integrand(curve, g)(mid[:, None] + half[:, None] * NODES)
    return w, np.concatenate([[0.0], np.cumsum(half * (vals @ KRONROD_WEIGHTS))])


def position_at(curve: Curve, table: tuple[np.ndarray, np.ndarray], t: float) -> tuple[float, float]:
    """Where the bead on `curve` is at time t (it waits at B once it has arrived)."""
    w_grid, t_grid = table
    w = float(np.interp(t, t_grid, w_grid)) if np.isfinite(t_grid[-1]) else 0.0
    x, y, _, _ = curve.at(np.array([w]))
    return float(x[0]), float(y[0])


def first_variation(curve: Curve, X: float, g: float, eps: np.ndarray) -> np.ndarray:
    """ΔT(ε) = T[y + εη] − T[y] for each ε (η = sin(πx/X))."""
    base = descent_time(curve, g)
    return np.array([descent_time(perturbed(curve, float(e), X), g) - base for e in eps])


def variation_slope(curve: Curve, X: float, g: float, eps: float = 1e-4) -> float:
    """dT/dε at ε = 0 by a central difference: zero on an extremal, not on other curves."""
    plus = descent_time(perturbed(curve, eps, X), g)
    minus = descent_time(perturbed(curve, -eps, X), g)
    return (plus - minus) / (2 * eps)


def line_variation_slope(X: float, Y: float, g: float) -> float:
    """dT/dε for the line from the first-variation integral ∫(F_y η + F_y′ η′)dx.

    F = √(1 + y′²)/√(2gy) with y = mx; the substitution x = Xu² tames the x^(-1/2) ends.
    An independent route to the same slope as `variation_slope(line(...))`.
    """
    m = Y / X
    k = math.pi / X

    def f(u: np.ndarray) -> np.ndarray:
        x = X * u * u
        y = m * x
        fy = -0.5 * math.sqrt(1 + m * m) / math.sqrt(2 * g) * y ** -1.5
        fyp = m / (math.sqrt(1 + m * m) * np.sqrt(2 * g * y))
        return (fy * np.sin(k * x) + fyp * k * np.cos(k * x)) * 2 * X * u

    return integrate(f, 0.0, 1.0, tol=1e-13).value


def euler_lagrange_residual(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(1 + y′² + 2yy″)/(1 + y′²) along a sampled curve, by finite differences.

    For F = √(1 + y′²)/√y, F_y − (F_y′)′ = 0 is equivalent to 1 + y′² + 2yy″ = 0, so the
    residual is ≈ 0 on an extremal (the cycloid) and of order 1 on the line (where it is 1).
    """
    dy = np.gradient(y, x)
    d2y = np.gradient(dy, x)
    return (1 + dy**2 + 2 * y * d2y) / (1 + dy**2)


def beltrami(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """y(1 + y′²): the Beltrami invariant, constant (= 2a) on a cycloid of radius a."""
    return y * (1 + np.gradient(y, x) ** 2)


def polygon_time(depths: np.ndarray, X: float, g: float) -> float:
    """Exact time along the polygon through (iX/N, d_i): Σ 2L_i/(v_i + v_{i+1}).

    On a straight segment the acceleration is constant, so the mean speed is the average of
    the end speeds.
    """
    return float(_segment_times(depths, X, g).sum())


def _segment_times(d: np.ndarray, X: float, g: float) -> np.ndarray:
    dx = X / (len(d) - 1)
    v = np.sqrt(2 * g * np.maximum(d, 0.0))
    return 2 * np.hypot(dx, np.diff(d)) / (v[:-1] + v[1:])


def polygon_gradient(depths: np.ndarray, X: float, g: float) -> np.ndarray:
    """∂T/∂d_i for the interior depths i = 1 … N−1 (the ends are fixed)."""
    d = np.asarray(depths, float)
    dx = X / (len(d) - 1)
    v = np.sqrt(2 * g * d)
    dd = np.diff(d)
    length = np.hypot(dx, dd)
    vsum = v[:-1] + v[1:]
    dv = np.where(d > 0, g / np.where(v > 0, v, 1.0), 0.0)       # dv/dd = g/v
    # segment i joins nodes i and i+1
    to_right = 2 * (dd / length) / vsum - 2 * length / vsum**2 * dv[1:]   # ∂t_i/∂d_{i+1}
    to_left = -2 * (dd / length) / vsum - 2 * length / vsum**2 * dv[:-1]  # ∂t_i/∂d_i
    return to_right[:-1] + to_left[1:]


def polygon_step(depths: np.ndarray, X: float, g: float, eta: float) -> np.ndarray:
    """One gradient step on the interior log-depths u = ln d, with a backtracking guard.

    The step is η·N·∂T/∂u / T, dimensionless, so η means the same for any X, Y, g and N.
    If that would raise T the step is halved until it does not (the time never goes up).
    """
    d = np.asarray(depths, float)
    n = len(d) - 1
    t0 = polygon_time(d, X, g)
    grad_u = polygon_gradient(d, X, g) * d[1:-1]
    step = eta * n * grad_u / t0
    for _ in range(40):
        trial = d.copy()
        trial[1:-1] = d[1:-1] * np.exp(-step)
        if polygon_time(trial, X, g) <= t0:
            return trial
        step = step / 2
    return d


def line_depths(Y: float, n: int) -> np.ndarray:
    """The straight line as a polygon of n segments (the relaxation's start)."""
    return Y * np.linspace(0.0, 1.0, n + 1)


def cycloid_depth_at(x: np.ndarray, X: float, Y: float) -> np.ndarray:
    """The cycloid's depth at given x: x(θ) = a(θ − sin θ) is increasing, so bisect for θ."""
    cyc = cycloid(X, Y, 1.0)
    x = np.asarray(x, float)
    lo, hi = np.zeros_like(x), np.full_like(x, cyc.theta_b)
    for _ in range(60):
        mid = (lo + hi) / 2
        below = cyc.a * (mid - np.sin(mid)) < x
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    th = (lo + hi) / 2
    return cyc.a * 2 * np.sin(th / 2) ** 2
