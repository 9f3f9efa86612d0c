"""Constrained minimisation in the plane: Lagrange multipliers and the KKT conditions.

Minimise f(x, y) subject to g(x, y) = 0 (or g ≤ 0). The convention is 𝓛 = f + λg, so at a
regular critical point ∇f = −λ∇g; for an inequality, λ ≥ 0. The solver follows the
geometry instead of trusting a formula:

1. trace the curve g = 0 (`level_curves`: marching squares chained into polylines);
2. bracket the points where ∇f × ∇g changes sign (or f has a discrete extremum) along it;
3. refine each with Newton on the 3×3 system ∇f + λ∇g = 0, g = 0 (exact derivatives);
4. where that system has no solution because ∇g = 0 (LICQ fails, e.g. a cusp), look for
   the singular point itself: it can be the minimum although no multiplier exists;
5. for g ≤ 0, add the interior stationary points (λ = 0); the answer is the feasible
   candidate with the smallest f.

Expressions use the variables x, y and the constants cx, cy (a centre) and c (a level).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import NamedTuple

import numpy as np

from calcterm.compute.contours import grid
from calcterm.compute.expr import Expr, ExprError, parse
from calcterm.compute.level_curves import Curve, trace

VARIABLES = ("x", "y", "cx", "cy", "c")
View = tuple[float, float, float, float]
_quiet = np.errstate(all="ignore")
"""Overflow or 0/0 inside these routines becomes inf/nan, which they test for and reject."""


MAX_STARTS = 400
"""At most this many bracketed starts go to Newton (a g like sin(1000x)·cos(1000y) has
thousands; evenly sampled, the picture keeps its critical points' spread)."""
MAX_SINGULAR = 40
"""At most this many failed starts are searched for a singular point (∇g = 0)."""


def uses(text: str, name: str) -> bool:
    """Whether the formula `text` mentions the variable `name`."""
    try:
        parse(text, variables=tuple(v for v in VARIABLES if v != name))
    except ExprError:
        return True
    return False


class Derivs(NamedTuple):
    """A function's value, gradient and Hessian entries at some points (arrays)."""

    v: np.ndarray
    gx: np.ndarray
    gy: np.ndarray
    hxx: np.ndarray
    hxy: np.ndarray
    hyy: np.ndarray


@dataclass(frozen=True)
class Problem:
    f: Expr
    g: Expr
    consts: dict[str, float] = field(default_factory=dict)
    inequality: bool = False

    @classmethod
    def from_text(cls, f: str, g: str, inequality: bool = False, **consts: float) -> "Problem":
        values = {"cx": 0.0, "cy": 0.0, "c": 1.0, **consts}
        return cls(parse(f, VARIABLES), parse(g, VARIABLES), values, inequality)

    def at(self, **consts: float) -> "Problem":
        """The same problem with some constants changed (a moved centre, another level)."""
        return replace(self, consts={**self.consts, **consts})

    def _jets(self, expr: Expr, x: np.ndarray, y: np.ndarray, order: int,
              directions: tuple[tuple[float, float], ...]) -> tuple[np.ndarray, tuple[int, ...]]:
        """Taylor coefficients along several directions at once: one pass over stacked copies."""
        x, y = np.broadcast_arrays(np.asarray(x, float), np.asarray(y, float))
        n, k = x.size, len(directions)
        ux = np.repeat([d[0] for d in directions], n)
        uy = np.repeat([d[1] for d in directions], n)
        point = dict(self.consts, x=np.tile(x.ravel(), k), y=np.tile(y.ravel(), k))
        coeffs = expr.taylor(order, {"x": ux, "y": uy}, **point)
        return coeffs.reshape(order + 1, k, n), x.shape

    def derivs(self, expr: Expr, x: np.ndarray, y: np.ndarray) -> Derivs:
        """Exact value, gradient and Hessian in (x, y): second-order jets along x, y and x + y."""
        c, shape = self._jets(expr, x, y, 2, ((1.0, 0.0), (0.0, 1.0), (1.0, 1.0)))
        a, b, s = c[:, 0].reshape(3, *shape), c[:, 1].reshape(3, *shape), c[:, 2].reshape(3, *shape)
        return Derivs(a[0], a[1], b[1], 2.0 * a[2], s[2] - a[2] - b[2], 2.0 * b[2])

    def gradients(self, expr: Expr, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
        """Value and gradient only (first-order jets along x and y)."""
        c, shape = self._jets(expr, x, y, 1, ((1.0, 0.0), (0.0, 1.0)))
        return c[0, 0].reshape(shape), c[1, 0].reshape(shape), c[1, 1].reshape(shape)

    def value(self, expr: Expr, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return expr.evaluate(**dict(self.consts, x=np.asarray(x, float), y=np.asarray(y, float)))


# ------------------------------------------------------------------ critical points


@dataclass
class Critical:
    """A candidate for the optimum."""

    x: float
    y: float
    f: float
    g: float
    lam: float
    kind: str
    """min / max / degenerate (along the constraint), interior-min, or singular (∇g = 0)."""

    @property
    def point(self) -> np.ndarray:
        return np.array([self.x, self.y])


def multiplier(problem: Problem, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """λ(P) = −∇f·∇g/‖∇g‖²: the λ that best balances ∇f + λ∇g at P (exact where they are parallel)."""
    _, fx, fy = problem.gradients(problem.f, x, y)
    _, gx, gy = problem.gradients(problem.g, x, y)
    with np.errstate(all="ignore"):
        return -(fx * gx + fy * gy) / (gx * gx + gy * gy)


@_quiet
def kkt_newton(problem: Problem, start: np.ndarray, lam0: np.ndarray | None = None,
               iterations: int = 40) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Newton on (∇f + λ∇g, g) = 0 from several starts at once (rows of `start`).

    Returns points (k, 2), multipliers (k,) and a mask of the starts that converged.
    """
    p = np.array(start, dtype=float).reshape(-1, 2)
    lam = multiplier(problem, p[:, 0], p[:, 1]) if lam0 is None else np.array(lam0, float)
    lam = np.where(np.isfinite(lam), lam, 0.0)
    ok = np.zeros(len(p), dtype=bool)
    polished = False
    for _ in range(iterations):
        f = problem.derivs(problem.f, p[:, 0], p[:, 1])
        g = problem.derivs(problem.g, p[:, 0], p[:, 1])
        r = np.stack([f.gx + lam * g.gx, f.gy + lam * g.gy, g.v], -1)
        scale = 1.0 + np.abs(np.stack([f.gx, f.gy], -1)).max(-1)
        ok = np.all(np.isfinite(r), -1) & (np.abs(r).max(-1) <= 1e-12 * scale)
        jac = np.zeros((len(p), 3, 3))
        jac[:, 0, 0], jac[:, 0, 1] = f.hxx + lam * g.hxx, f.hxy + lam * g.hxy
        jac[:, 1, 0], jac[:, 1, 1] = f.hxy + lam * g.hxy, f.hyy + lam * g.hyy
        jac[:, 0, 2], jac[:, 1, 2] = g.gx, g.gy
        jac[:, 2, 0], jac[:, 2, 1] = g.gx, g.gy
        good = np.all(np.isfinite(jac.reshape(len(p), -1)), -1) & np.all(np.isfinite(r), -1)
        good &= np.abs(np.linalg.det(np.where(good[:, None, None], jac, np.eye(3)))) > 1e-300
        if (ok.all() and polished) or not good.any():
            break
        polished = ok.all()  # one more step once all have converged: down to rounding
        delta = np.zeros((len(p), 3))
        with np.errstate(all="ignore"):
            delta[good] = np.linalg.solve(jac[good], -r[good][..., None])[..., 0]
        p = p + delta[:, :2]
        lam = lam + delta[:, 2]
    return p, lam, ok


@_quiet
def singular_point(problem: Problem, start: np.ndarray, iterations: int = 50) -> np.ndarray | None:
    """A point with g = 0 and ∇g = 0 near `start` (Gauss–Newton on (g, g_x, g_y)), or None."""
    p = np.array(start, dtype=float)
    for _ in range(iterations):
        g = problem.derivs(problem.g, p[:1], p[1:])
        r = np.array([g.v[0], g.gx[0], g.gy[0]])
        if not np.all(np.isfinite(r)):
            return None
        if np.abs(r).max() <= 1e-13:
            return p
        jac = np.array([[g.gx[0], g.gy[0]], [g.hxx[0], g.hxy[0]], [g.hxy[0], g.hyy[0]]])
        step = np.linalg.lstsq(jac, -r, rcond=None)[0]
        if not np.all(np.isfinite(step)) or np.abs(step).max() == 0.0:
            return None
        p = p + step
    return p if np.abs(r).max() <= 1e-9 else None


@_quiet
def _classify(problem: Problem, p: np.ndarray, lam: float) -> str:
    """Second-order test along the constraint: the curvature of 𝓛 in the tangent direction."""
    f = problem.derivs(problem.f, p[:1], p[1:])
    g = problem.derivs(problem.g, p[:1], p[1:])
    t = np.array([-g.gy[0], g.gx[0]])
    t /= np.hypot(*t)
    h = np.array([[f.hxx[0] + lam * g.hxx[0], f.hxy[0] + lam * g.hxy[0]],
                  [f.hxy[0] + lam * g.hxy[0], f.hyy[0] + lam * g.hyy[0]]])
    q = t @ h @ t
    tol = 1e-9 * (1.0 + np.abs(h).max())
    return "min" if q > tol else ("max" if q < -tol else "degenerate")


@_quiet
def _brackets(problem: Problem, curve: Curve) -> np.ndarray:
    """Indices of curve points next to a sign change of ∇f × ∇g or a discrete extremum of f."""
    pts = curve.points
    fv, fx, fy = problem.gradients(problem.f, pts[:, 0], pts[:, 1])
    _, gx, gy = problem.gradients(problem.g, pts[:, 0], pts[:, 1])
    cross = fx * gy - fy * gx
    same = curve.piece[1:] == curve.piece[:-1]
    a, b = cross[:-1], cross[1:]
    flip = same & (np.sign(a) != np.sign(b)) & np.isfinite(a) & np.isfinite(b)
    pick = np.where(np.abs(a) <= np.abs(b), np.arange(len(a)), np.arange(len(a)) + 1)[flip]
    mid = same[:-1] & same[1:]
    lo, here, hi = fv[:-2], fv[1:-1], fv[2:]
    ext = mid & (((here <= lo) & (here <= hi)) | ((here >= lo) & (here >= hi)))
    return np.unique(np.concatenate([pick, np.flatnonzero(ext) + 1]))


def _dedupe(cands: list[Critical], tol: float) -> list[Critical]:
    out: list[Critical] = []
    for c in cands:
        if all(math.hypot(c.x - o.x, c.y - o.y) > tol for o in out):
            out.append(c)
    return out


def boundary_points(problem: Problem, curve: Curve, view: View) -> list[Critical]:
    """Critical points of f on g = 0: regular ones with their λ, and singular ones (∇g = 0)."""
    if curve.empty:
        return []
    starts = curve.points[_brackets(problem, curve)]
    if len(starts) == 0:
        return []
    if len(starts) > MAX_STARTS:  # a wildly oscillating g: sample the brackets evenly
        starts = starts[np.linspace(0, len(starts) - 1, MAX_STARTS).astype(int)]
    size = max(view[1] - view[0], view[3] - view[2])
    p, lam, ok = kkt_newton(problem, starts)
    inside = ok & (np.abs(p[:, 0] - 0.5 * (view[0] + view[1])) <= size) & (
        np.abs(p[:, 1] - 0.5 * (view[2] + view[3])) <= size)
    found: list[Critical] = []
    for q, lq in zip(p[inside], lam[inside]):
        fv = float(problem.value(problem.f, q[0], q[1]))
        gv = float(problem.value(problem.g, q[0], q[1]))
        found.append(Critical(float(q[0]), float(q[1]), fv, gv, float(lq), _classify(problem, q, lq)))
    for s in starts[~ok][:MAX_SINGULAR]:  # each is a scalar Newton run: bound their number
        q = singular_point(problem, s)
        if q is not None and np.hypot(*(q - s)) < 0.1 * size:
            found.append(Critical(float(q[0]), float(q[1]), float(problem.value(problem.f, q[0], q[1])),
                                  float(problem.value(problem.g, q[0], q[1])), math.nan, "singular"))
    return _dedupe(found, 1e-7 * size)


@_quiet
def interior_minima(problem: Problem, view: View, n: int = 61) -> list[Critical]:
    """Local minima of f with g < 0 (λ = 0 there): grid minima refined by Newton on ∇f = 0."""
    xs, ys, z = grid(lambda x, y: problem.value(problem.f, x, y), view, n, n)
    core = z[1:-1, 1:-1]
    lower = np.ones_like(core, dtype=bool)
    for dj, di in ((-1, 0), (1, 0), (0, -1), (0, 1)):
        lower &= core <= z[1 + dj:n - 1 + dj, 1 + di:n - 1 + di]
    j, i = np.nonzero(lower & np.isfinite(core))
    p = np.column_stack([xs[i + 1], ys[j + 1]])
    size = max(view[1] - view[0], view[3] - view[2])
    for _ in range(40):
        if len(p) == 0:
            return []
        f = problem.derivs(problem.f, p[:, 0], p[:, 1])
        h = np.stack([np.stack([f.hxx, f.hxy], -1), np.stack([f.hxy, f.hyy], -1)], -2)
        r = np.stack([f.gx, f.gy], -1)
        det = f.hxx * f.hyy - f.hxy**2
        good = np.isfinite(det) & (np.abs(det) > 1e-300) & np.all(np.isfinite(r), -1)
        step = np.zeros_like(p)
        if good.any():
            step[good] = np.linalg.solve(h[good], -r[good][..., None])[..., 0]
        if np.abs(step).max() <= 1e-15 * size:
            break
        p = p + step
    stationary = np.hypot(f.gx, f.gy) <= 1e-10 * (1.0 + np.abs(f.v))
    minimum = (f.hxx > 0) & (det > 0)
    gv = problem.value(problem.g, p[:, 0], p[:, 1])
    keep = stationary & minimum & (gv < 0)
    out = [Critical(float(q[0]), float(q[1]), float(fv), float(g), 0.0, "interior-min")
           for q, fv, g in zip(p[keep], f.v[keep], gv[keep])]
    return _dedupe(out, 1e-7 * size)


@dataclass
class Solution:
    critical: list[Critical]
    best: Critical | None
    bounded: bool
    """False when f falls below the best candidate somewhere on the traced part of the
    feasible set (an open curve's end, the view's edge): then no minimum was found."""


@_quiet
def solve(problem: Problem, curve: Curve, view: View) -> Solution:
    """All critical points and the optimum (the feasible candidate with the smallest f)."""
    critical = boundary_points(problem, curve, view)
    if problem.inequality:
        critical = critical + interior_minima(problem, view)
        usable = [c for c in critical if c.kind != "max" and (math.isnan(c.lam) or c.lam >= -1e-9)]
    else:
        usable = list(critical)
    best = min(usable, key=lambda c: c.f) if usable else None
    bounded = best is not None
    if best is not None and not curve.empty:
        tol = 1e-9 * (1.0 + abs(best.f))
        ends = [i for k in range(len(curve.closed)) if not curve.closed[k]
                for i in (np.flatnonzero(curve.piece == k)[[0, -1]])]
        if ends:
            fe = problem.value(problem.f, curve.points[ends, 0], curve.points[ends, 1])
            bounded = not np.any(fe < best.f - tol)
    return Solution(critical, best, bounded)


# ------------------------------------------------------------ at the optimum


@_quiet
def lagrangian_hessian(problem: Problem, x: float, y: float, lam: float) -> np.ndarray:
    """The Hessian of 𝓛(x, y, λ) = f + λg: [[∇²f + λ∇²g, ∇g], [∇gᵀ, 0]].

    With ∇g ≠ 0 it always has a positive and a negative eigenvalue: the optimum is a saddle
    of 𝓛, never its minimum (𝓛 is linear in λ).
    """
    f = problem.derivs(problem.f, np.array([x]), np.array([y]))
    g = problem.derivs(problem.g, np.array([x]), np.array([y]))
    return np.array([[f.hxx[0] + lam * g.hxx[0], f.hxy[0] + lam * g.hxy[0], g.gx[0]],
                     [f.hxy[0] + lam * g.hxy[0], f.hyy[0] + lam * g.hyy[0], g.gy[0]],
                     [g.gx[0], g.gy[0], 0.0]])


@dataclass
class KKT:
    stationarity: float
    """‖∇f + λ∇g‖"""
    primal: float
    """g(x*): = 0 for an equality, ≤ 0 for an inequality"""
    dual: float
    """λ (must be ≥ 0 for an inequality)"""
    complementary: float
    """λ·g(x*), zero when the constraint is active or λ = 0"""
    licq: bool
    """∇g(x*) ≠ 0 where the constraint is active (the qualification that makes λ exist)"""
    active: bool


@_quiet
def kkt(problem: Problem, c: Critical) -> KKT:
    _, fx, fy = problem.gradients(problem.f, c.x, c.y)
    gv, gx, gy = problem.gradients(problem.g, c.x, c.y)
    norm_g = math.hypot(float(gx), float(gy))
    scale = 1.0 + math.hypot(float(fx), float(fy))
    active = (not problem.inequality) or abs(float(gv)) <= 1e-9 * scale
    licq = norm_g > 1e-7 * scale or not active  # an inactive constraint needs no qualification
    lam = c.lam
    stat = math.hypot(float(fx + lam * gx), float(fy + lam * gy)) if math.isfinite(lam) else math.nan
    return KKT(stat, float(gv), lam, lam * float(gv) if math.isfinite(lam) else math.nan, licq, active)


@_quiet
def optimal_value(problem: Problem, view: View, near: Critical, curve: Curve | None = None) -> float:
    """f* for `problem`, found from the neighbouring solution `near` when it is regular.

    A regular boundary optimum moves smoothly with the level, so Newton from it lands on
    the new one; an interior optimum stays a stationary point of f; anything else (a
    singular point) is solved afresh on a new trace.
    """
    if near.kind in ("min", "degenerate") and math.isfinite(near.lam):
        p, _, ok = kkt_newton(problem, near.point[None], np.array([near.lam]))
        if ok[0]:
            return float(problem.value(problem.f, p[0, 0], p[0, 1]))
    if near.kind == "interior-min":
        found = [c for c in interior_minima(problem, view) if math.hypot(c.x - near.x, c.y - near.y) < 0.5]
        if found and problem.value(problem.g, found[0].x, found[0].y) < 0:
            return found[0].f
    sol = solve(problem, curve if curve is not None else trace(problem, view), view)
    return sol.best.f if sol.best is not None else math.nan


def shadow_price(problem: Problem, view: View, best: Critical, delta: float = 1e-4) -> float:
    """−df*/dc by a central difference in the level c; equals λ* when g = h(x, y) − c."""
    c = problem.consts["c"]
    up = optimal_value(problem.at(c=c + delta), view, best)
    down = optimal_value(problem.at(c=c - delta), view, best)
    return -(up - down) / (2.0 * delta)
