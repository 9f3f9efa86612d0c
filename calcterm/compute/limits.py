"""The ε–δ definition of the derivative, made numerical: the largest δ for a given ε.

f′(x₀) = L means: for every ε > 0 there is a δ > 0 with |Q(h) − L| < ε whenever
0 < |h| < δ, where Q(h) = (f(x₀ + h) − f(x₀))/h. The largest such δ is the distance to the
nearest h (on either side) where the deviation |Q(h) − L| first reaches ε. It is found by
scanning a geometric grid of |h| for the first failure on each side, then bisecting the
bracket to the last representable h. When no δ works (the limit is not L, or f′ does not
exist) the answer is nan, never a made-up number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

ArrayFn = Callable[[np.ndarray], np.ndarray]

_EPS = float(np.finfo(float).eps)
GRID = 4000
"""Points of the geometric |h| grid on each side; neighbours differ by under 2 %."""
NOISE_MARGIN = 100.0
"""How far below ε the rounding noise of Q(h) must stay for h to be trusted."""


def bisect(ok: Callable[[float], bool], good: float, bad: float) -> float:
    """The boundary between `good` (ok is True) and `bad` (ok is False), to the last float.

    Halves the bracket until its midpoint equals one of its ends, so the result is exact
    to the floating-point resolution at the boundary; returns the last good point.
    """
    while True:
        mid = good + (bad - good) / 2.0
        if mid == good or mid == bad:
            return good
        if ok(mid):
            good = mid
        else:
            bad = mid


@dataclass(frozen=True)
class Delta:
    """The largest δ for ε (nan when none works) and what decided it.

    `left` and `right` are the first |h| on each side where |Q(h) − L| ≥ ε (inf when the
    deviation stays below ε on the whole window). `reason` is one of: "found";
    "window" (no failure up to `window`, so δ = window is only a lower bound); "no-limit"
    (L is not a finite number: f′(x₀) does not exist); "none" (no δ ≥ `h_floor` works: already at `h_floor`,
    the smallest h whose rounding noise is far below ε, the deviation reaches ε).
    """

    delta: float
    left: float
    right: float
    window: float
    h_floor: float
    reason: str


def quotient_deviation(f: ArrayFn, x0: float, limit: float, h: np.ndarray) -> np.ndarray:
    """|Q(h) − L| with Q(h) = (f(x₀ + h) − f(x₀))/h; nan where f is undefined."""
    h = np.asarray(h, dtype=float)
    with np.errstate(all="ignore"):
        fx0 = np.asarray(f(np.array([x0])), dtype=float)[0]
        return np.abs((np.asarray(f(x0 + h), dtype=float) - fx0) / h - limit)


def rounding_floor(f: ArrayFn, x0: float, limit: float, eps: float) -> float:
    """The smallest |h| at which Q(h)'s rounding error is NOISE_MARGIN times below ε.

    Q(h) carries an error of about eps_machine·(2|f(x₀)| + |x₀·L|)/h from rounding f and
    x₀ + h; below this floor a failure might be rounding, not mathematics.
    """
    with np.errstate(all="ignore"):
        fx0 = abs(float(np.asarray(f(np.array([x0])), dtype=float)[0]))
    size = 2.0 * fx0 + abs(x0 * limit) if math.isfinite(fx0) else 0.0
    return max(NOISE_MARGIN * _EPS * size / eps, 1e-12 * max(1.0, abs(x0)))


def _first_failure(f: ArrayFn, x0: float, limit: float, eps: float, hs: np.ndarray,
                   sign: float) -> float:
    """The first |h| in the grid direction `sign` where the deviation reaches ε, bisected."""
    deviation = quotient_deviation(f, x0, limit, sign * hs)
    fails = ~(deviation < eps)
    if not fails.any():
        return math.inf
    i = int(np.argmax(fails))
    if i == 0:
        return float(hs[0])

    def ok(h: float) -> bool:
        return bool(quotient_deviation(f, x0, limit, np.array([sign * h]))[0] < eps)

    return bisect(ok, float(hs[i - 1]), float(hs[i]))


def largest_delta(f: ArrayFn, x0: float, limit: float, eps: float, window: float = 1.0,
                  grid: int = GRID) -> Delta:
    """The largest δ ≤ window with |Q(h) − limit| < eps for every 0 < |h| < δ.

    `f` maps arrays to arrays; `limit` is the claimed derivative (nan if it does not exist).
    """
    x0, limit, eps, window = float(x0), float(limit), float(eps), float(window)
    if not eps > 0 or not window > 0:
        raise ValueError("eps and window must be positive")
    if not math.isfinite(limit):
        return Delta(math.nan, math.nan, math.nan, window, math.nan, "no-limit")
    floor = rounding_floor(f, x0, limit, eps)
    if floor >= window:
        return Delta(math.nan, math.nan, math.nan, window, floor, "none")
    hs = np.geomspace(floor, window, int(grid))
    left = _first_failure(f, x0, limit, eps, hs, -1.0)
    right = _first_failure(f, x0, limit, eps, hs, 1.0)
    first = min(left, right)
    if first == float(hs[0]):
        return Delta(math.nan, left, right, window, floor, "none")
    if math.isinf(first):
        return Delta(window, left, right, window, floor, "window")
    return Delta(first, left, right, window, floor, "found")
