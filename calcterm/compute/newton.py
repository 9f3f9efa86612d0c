"""Newton's method from the second-order model, gradient descent beside it, and the target.

Minimise mode steps to the stationary point of the local quadratic model
q(x) = f(x_k) + f′(x_k)(x − x_k) + ½f″(x_k)(x − x_k)², i.e. x ← x − f′/f″; root mode
follows the tangent line to zero, x ← x − f/f′. Near a nondegenerate solution the error
squares each step (e_{k+1} ≈ C·e_k²); gradient descent x ← x − ηf′ only shrinks it by a
constant factor |1 − ηf″(x*)|. Every way the iteration can fail is returned as a named
status or event, never raised.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable, Literal

from calcterm.compute.expr import Expr

Derivatives = Callable[[float], tuple[float, float, float]]
"""x -> (f(x), f′(x), f″(x))."""

Mode = Literal["minimise", "root"]

EPS = 2.220446049250313e-16
DIVERGED = 1e8
"""An iterate this far out counts as divergence."""
SEARCH_LIMIT = 1e4
"""How far from x₀ the search for a target minimum or root may go."""

STOPS = ("converged", "undefined", "cycle", "diverged", "overflow", "non-finite")
"""Why a run ended early; "running" means it used up its iterations."""


def derivatives_of(expr: Expr) -> Derivatives:
    """Exact f, f′, f″ of a one-variable expression, as Python floats (they never warn)."""

    def derivs(x: float) -> tuple[float, float, float]:
        c = expr.taylor(2, x=float(x))
        return float(c[0]), float(c[1]), 2.0 * float(c[2])

    return derivs


@dataclass
class Run:
    """The iterates x_0, x_1, … of one method, how it ended, and what happened on the way.

    `events` holds (k, name) pairs: "concave" when f″(x_k) < 0 in minimise mode (the
    model's stationary point is its maximum, and the step goes there).
    """

    iterates: list[float]
    status: str = "running"
    events: list[tuple[int, str]] = field(default_factory=list)
    period: int = 0


def _period(iterates: list[float]) -> int:
    """Length of the cycle the last iterate closes, or 0 (a fixed point is not a cycle)."""
    x, previous = iterates[-1], iterates[-2]
    scale = max(1.0, abs(x))
    if abs(x - previous) <= 1e-6 * scale:
        return 0
    for j in range(len(iterates) - 3, -1, -1):
        if abs(x - iterates[j]) <= 1e-9 * scale:
            return len(iterates) - 1 - j
    return 0


def _iterate(update: Callable[[float], tuple[float, str | None]], x0: float, max_iter: int) -> Run:
    run = Run([float(x0)])
    x = float(x0)
    for k in range(max_iter):
        nxt, event = update(x)
        if event in STOPS:
            run.status = event
            return run
        if event:
            run.events.append((k, event))
        if not math.isfinite(nxt):
            run.status = "overflow"
            return run
        run.iterates.append(nxt)
        if abs(nxt) > DIVERGED:
            run.status = "diverged"
            return run
        if abs(nxt - x) <= 4 * EPS * max(1.0, abs(x)):
            run.status = "converged"
            return run
        run.period = _period(run.iterates)
        if run.period:
            run.status = "cycle"
            return run
        x = nxt
    return run


def newton_step(mode: Mode, f: float, d1: float, d2: float) -> tuple[float, str | None]:
    """The Newton increment x_{k+1} − x_k, or nan with "undefined"/"non-finite"."""
    if not (math.isfinite(f) and math.isfinite(d1) and math.isfinite(d2)):
        return math.nan, "non-finite"
    top, bottom = (d1, d2) if mode == "minimise" else (f, d1)
    if top == 0:
        return 0.0, None
    if bottom == 0:
        return math.nan, "undefined"
    event = "concave" if mode == "minimise" and d2 < 0 else None
    return -top / bottom, event


def newton(derivs: Derivatives, x0: float, mode: Mode, max_iter: int) -> Run:
    """Newton's method in minimise mode (x − f′/f″) or root mode (x − f/f′)."""

    def update(x: float) -> tuple[float, str | None]:
        step, event = newton_step(mode, *derivs(x))
        return x + step, event

    return _iterate(update, x0, max_iter)


def gradient_descent(derivs: Derivatives, x0: float, eta: float, max_iter: int) -> Run:
    """x ← x − η f′(x): stable near a minimum only while η < 2/f″(x*)."""

    def update(x: float) -> tuple[float, str | None]:
        d1 = derivs(x)[1]
        if not math.isfinite(d1):
            return math.nan, "non-finite"
        return x - eta * d1, None

    return _iterate(update, x0, max_iter)


def quadratic_model(x, xk: float, f: float, d1: float, d2: float):
    """q(x) = f + f′(x − x_k) + ½f″(x − x_k)²: the second-order Taylor model at x_k."""
    u = x - xk
    return f + d1 * u + 0.5 * d2 * u * u


def _polish(g: Callable[[float], tuple[float, float]], lo: float, hi: float) -> float:
    """The zero of g between lo (g < 0) and hi (g ≥ 0): Newton steps kept inside the bracket,
    bisection when a step would leave it, until the bracket is a few ulps wide."""
    x = 0.5 * (lo + hi)
    for _ in range(400):
        gx, dgx = g(x)
        if gx == 0:
            return x
        if gx < 0:
            lo = x
        else:
            hi = x
        left, right = min(lo, hi), max(lo, hi)
        if right - left <= 2 * EPS * max(abs(left), abs(right)) or right - left < 1e-300:
            return x
        guess = x - gx / dgx if dgx != 0 and math.isfinite(dgx) else math.nan
        x = guess if left < guess < right else 0.5 * (lo + hi)
    return x


def find_minimum(derivs: Derivatives, x0: float) -> float:
    """The local minimum reached by walking downhill from x0, to full precision (nan if the
    walk finds no minimum within SEARCH_LIMIT or meets an undefined value)."""
    _, d1, d2 = derivs(x0)
    if not (math.isfinite(d1) and math.isfinite(d2)):
        return math.nan
    if d1 == 0 and d2 > 0:
        return float(x0)
    direction = -1.0 if d1 > 0 else 1.0

    def slope_along(x: float) -> tuple[float, float]:
        _, g, dg = derivs(x)
        return direction * g, direction * dg

    a, h = float(x0), 1e-3 * max(1.0, abs(x0))
    while abs(a - x0) < SEARCH_LIMIT:
        b = a + direction * h
        g = slope_along(b)[0]
        if not math.isfinite(g):
            return math.nan
        if g >= 0:
            return _polish(slope_along, a, b)
        a, h = b, 2 * h
    return math.nan


def find_root(derivs: Derivatives, x0: float) -> float:
    """The root of f at the nearest sign change around x0, to full precision (nan if none)."""
    f0 = derivs(x0)[0]
    if not math.isfinite(f0):
        return math.nan
    if f0 == 0:
        return float(x0)
    sign = 1.0 if f0 > 0 else -1.0

    def signed(x: float) -> tuple[float, float]:
        f, d1, _ = derivs(x)
        return -sign * f, -sign * d1

    h = 1e-3 * max(1.0, abs(x0))
    inner = {1.0: float(x0), -1.0: float(x0)}
    while h < SEARCH_LIMIT:
        for side in (1.0, -1.0):
            x = x0 + side * h
            value = signed(x)[0]
            if math.isfinite(value) and value >= 0:
                return _polish(signed, inner[side], x)
            if math.isfinite(value):
                inner[side] = x
        h *= 2
    return math.nan


def convergence_ratios(errors: list[float], power: float) -> list[float]:
    """e_{k+1}/e_k^power: bounded for convergence of that order (nan where e_k is 0)."""
    out = []
    for a, b in zip(errors, errors[1:]):
        usable = 0 < a < 1e100 and math.isfinite(b)  # a ** power would overflow past that
        out.append(b / a ** power if usable else math.nan)
    return out


def squared_residual(derivs: Derivatives) -> Derivatives:
    """½f² with its derivatives: gradient descent on it is the first-order way to a root."""

    def halved_square(x: float) -> tuple[float, float, float]:
        f, d1, d2 = derivs(x)
        return 0.5 * f * f, f * d1, d1 * d1 + f * d2

    return halved_square
