"""Linear support vector machines: data sets, an exact separability test, and SMO.

The primal: minimise ½‖w‖² + C Σ ξ_i subject to y_i(wᵀx_i + b) ≥ 1 − ξ_i, ξ_i ≥ 0
(hard margin: C = ∞, every ξ_i = 0). Its dual is

    maximise D(α) = Σ α_i − ½ Σ_ij α_i α_j y_i y_j x_iᵀx_j
    subject to 0 ≤ α_i ≤ C and Σ α_i y_i = 0.

The constraints are not decoration: Q = (y_i y_j x_iᵀx_j) has rank at most 2 here, so
without them D grows without bound along the null space of Q. SMO keeps both: each step
moves one pair (α_i, α_j) along the line that keeps Σα_i y_i fixed, clipped to the box.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# ------------------------------------------------------------------------- data sets

TOY_POSITIVE = ((1.0, 1.0), (-1.0, 1.0), (2.0, 2.5), (-2.0, 3.0), (0.0, 3.0), (3.0, 2.0))
TOY_NEGATIVE = ((0.0, -1.0), (2.0, -2.0), (-2.0, -2.5), (1.0, -3.0), (-3.0, -2.0))
OUTLIER = (0.5, -0.4)
"""A +1 point placed just above the −1 class: still separable, but only narrowly."""


def toy() -> tuple[np.ndarray, np.ndarray]:
    """Eleven points whose hard-margin solution is known in closed form.

    w = (0, 1), b = 0, margin 2; the support vectors are (1, 1), (−1, 1) (class +1) and
    (0, −1) (class −1) with α = ¼, ¼, ½: the only α ≥ 0 with w = Σα_i y_i x_i and
    Σα_i y_i = 0. Every other point lies strictly outside the margin.
    """
    x = np.array(TOY_POSITIVE + TOY_NEGATIVE)
    y = np.array([1.0] * len(TOY_POSITIVE) + [-1.0] * len(TOY_NEGATIVE))
    return x, y


def outlier() -> tuple[np.ndarray, np.ndarray]:
    x, y = toy()
    return np.vstack([x, OUTLIER]), np.append(y, 1.0)


def blobs(n: int, sep: float, spread: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """n points from two round Gaussians (std `spread`) whose centres are `sep` apart."""
    rng = np.random.default_rng(seed)
    k = n // 2
    y = np.array([1.0] * k + [-1.0] * (n - k))
    direction = np.array([math.cos(math.radians(30)), math.sin(math.radians(30))])
    x = rng.normal(scale=spread, size=(n, 2)) + np.outer(y, direction) * sep / 2
    return x, y


def _turn(o: np.ndarray, a: np.ndarray, b: np.ndarray) -> float:
    """The z-component of (a − o) × (b − o): > 0 for a left turn."""
    return float((a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0]))


def _hull(points: np.ndarray) -> np.ndarray:
    """Vertices of the convex hull (Andrew's monotone chain), duplicates removed."""
    pts = np.unique(points, axis=0)
    if len(pts) <= 2:
        return pts

    def half(seq: np.ndarray) -> list[np.ndarray]:
        out: list[np.ndarray] = []
        for p in seq:
            while len(out) >= 2 and _turn(out[-2], out[-1], p) <= 0:
                out.pop()
            out.append(p)
        return out

    lower, upper = half(pts), half(pts[::-1])
    return np.array(lower[:-1] + upper[:-1])


def separable(x: np.ndarray, y: np.ndarray) -> bool:
    """Whether a line strictly separates the classes (exact, for points in the plane).

    The widest separating line is perpendicular to the segment joining the closest points
    of the two convex hulls. Each closest point is a hull vertex or lies on a hull edge, so
    that direction is the difference of two hull vertices or the normal of a hull edge;
    trying those directions (for every pair of hull vertices) settles the question.
    """
    pos, neg = _hull(x[y > 0]), _hull(x[y < 0])
    verts = np.vstack([pos, neg])
    i, j = np.triu_indices(len(verts), 1)
    d = verts[j] - verts[i]
    d = d[np.hypot(d[:, 0], d[:, 1]) > 0]
    axes = np.vstack([d, np.column_stack([-d[:, 1], d[:, 0]])])
    sp, sn = axes @ pos.T, axes @ neg.T
    scale = 1e-12 * (1.0 + np.abs(verts).max()) * np.hypot(axes[:, 0], axes[:, 1])
    return bool(np.any((sp.min(1) - sn.max(1) > scale) | (sn.min(1) - sp.max(1) > scale)))


# ----------------------------------------------------------------------------- SMO


def gram(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Q_ij = y_i y_j x_iᵀx_j (linear kernel)."""
    a = y[:, None] * x
    return a @ a.T


def dual_objective(alpha: np.ndarray, q: np.ndarray) -> float:
    return float(alpha.sum() - 0.5 * alpha @ q @ alpha)


def best_offset(scores: np.ndarray, y: np.ndarray, c: float) -> tuple[float, float]:
    """The b minimising the primal for fixed w (scores s_i = wᵀx_i), and the primal's slack part.

    Hard margin (c = ∞): b centres the gap between the classes, and the slack part is 0 if
    every point is then on its side with functional margin ≥ 1, else ∞. Soft margin: the
    hinge sum C Σ max(0, 1 − y_i(s_i + b)) is convex and piecewise linear in b with kinks at
    b = y_i − s_i; its minimum is at a kink (the middle of a flat stretch if there is one).
    """
    if math.isinf(c):
        low, high = scores[y > 0].min(), scores[y < 0].max()
        b = -0.5 * (low + high)
        slack = 0.0 if np.all(y * (scores + b) >= 1.0 - 1e-12) else math.inf
        return float(b), slack
    kinks = np.unique(y - scores)
    hinge = np.maximum(0.0, 1.0 - y[None, :] * (scores[None, :] + kinks[:, None])).sum(1)
    best = hinge.min()
    flat = kinks[hinge <= best + 1e-12 * max(1.0, best)]
    return float(0.5 * (flat.min() + flat.max())), float(c * best)


@dataclass
class State:
    """What one SMO iterate says about the problem."""

    w: np.ndarray
    b: float
    primal: float
    dual: float
    gap: float
    sum_alpha_y: float
    kkt_violation: float
    pair_gap: float
    support: np.ndarray
    status: np.ndarray
    margins: np.ndarray
    slack: np.ndarray
    misclassified: int


class SMO:
    """Sequential minimal optimisation of the dual, one pair per `step`.

    `grad` is ∇(½αᵀQα − Σα) = Qα − 1. The pair is chosen as in LIBSVM (second-order
    working-set selection): i violates the optimality conditions most, j gives the largest
    guaranteed decrease with i. `pair_gap` = max_up(−y∇) − min_low(−y∇) ≥ 0 is zero exactly
    at a solution.
    """

    def __init__(self, x: np.ndarray, y: np.ndarray, c: float = math.inf, tol: float = 1e-9) -> None:
        self.x, self.y, self.c, self.tol = np.asarray(x, float), np.asarray(y, float), float(c), tol
        self.q = gram(self.x, self.y)
        self.kdiag = np.einsum("ij,ij->i", self.x, self.x)
        self.alpha = np.zeros(len(self.y))
        self.grad = -np.ones(len(self.y))
        self.steps = 0

    def _sets(self) -> tuple[np.ndarray, np.ndarray]:
        a, y = self.alpha, self.y
        below, above = a < self.c, a > 0
        up = ((y > 0) & below) | ((y < 0) & above)
        low = ((y < 0) & below) | ((y > 0) & above)
        return up, low

    def pair_gap(self) -> float:
        up, low = self._sets()
        if not up.any() or not low.any():
            return 0.0
        v = -self.y * self.grad
        return float(v[up].max() - v[low].min())

    @property
    def converged(self) -> bool:
        return self.pair_gap() <= self.tol

    def step(self) -> bool:
        """One pair update; False (and nothing changes) once the conditions hold to `tol`."""
        up, low = self._sets()
        v = -self.y * self.grad
        if not up.any() or not low.any():
            return False
        i = int(np.flatnonzero(up)[np.argmax(v[up])])
        gain = v[i] - v
        candidates = low & (gain > 0)
        if v[i] - v[low].min() <= self.tol or not candidates.any():
            return False
        curv = self.kdiag[i] + self.kdiag - 2.0 * (self.x @ self.x[i])
        curv = np.where(curv > 1e-12, curv, 1e-12)
        score = np.where(candidates, gain**2 / curv, -np.inf)
        j = int(np.argmax(score))
        # move α_i by y_i·t and α_j by −y_j·t: Σα y is unchanged; φ'(0) = −gain, φ'' = curv
        t = gain[j] / curv[j]
        a, y, c = self.alpha, self.y, self.c
        t_hi = min(c - a[i] if y[i] > 0 else a[i], c - a[j] if y[j] < 0 else a[j])
        t = min(t, t_hi)
        di, dj = y[i] * t, -y[j] * t
        a[i] += di
        a[j] += dj
        # exact bounds after clipping (no drift past 0 or C)
        for k in (i, j):
            a[k] = min(max(a[k], 0.0), c)
        self.grad += self.q[:, i] * di + self.q[:, j] * dj
        self.steps += 1
        return True

    def state(self) -> State:
        a, x, y, c = self.alpha, self.x, self.y, self.c
        w = (a * y) @ x
        scores = x @ w
        b, slack_part = best_offset(scores, y, c)
        margins = y * (scores + b)
        slack = np.maximum(0.0, 1.0 - margins)
        if math.isinf(c):
            low, high = scores[y > 0].min(), scores[y < 0].max()
            gamma = 0.5 * (low - high)  # the best feasible point along w is (w, b)/γ
            primal = 0.5 * float(w @ w) / gamma**2 if gamma > 0 else math.inf
        else:
            primal = 0.5 * float(w @ w) + slack_part
        dual = dual_objective(a, self.q)
        scale = 1e-9 * max(1.0, float(a.max()) if len(a) else 1.0)
        zero, bound = a <= scale, a >= c - scale
        status = np.where(zero, 0, np.where(bound, 2, 1))  # 1: free, 0 < α < C
        viol = np.where(zero, np.maximum(0.0, 1.0 - margins),
                        np.where(bound, np.maximum(0.0, margins - 1.0), np.abs(margins - 1.0)))
        return State(w=w, b=b, primal=primal, dual=dual, gap=primal - dual,
                     sum_alpha_y=float(a @ y), kkt_violation=float(viol.max()),
                     pair_gap=self.pair_gap(), support=np.flatnonzero(~zero),
                     status=status, margins=margins, slack=slack,
                     misclassified=int(np.sum(margins <= 0)))


def unconstrained_ray(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """A direction v along which the dual *without* its constraints grows for ever.

    v is the projection of (1, …, 1) onto the null space of Q = AAᵀ (A = diag(y)X), so
    Qv = 0 and Σv = ‖v‖², hence D(t·v) = t‖v‖² → ∞. It exists as soon as n > rank Q.
    """
    a = y[:, None] * x
    ones = np.ones(len(y))
    return ones - a @ np.linalg.lstsq(a, ones, rcond=None)[0]
