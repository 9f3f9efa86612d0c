"""Taylor polynomials and the radius of convergence read off their coefficients.

The coefficients c_k = f⁽ᵏ⁾(a)/k! come exactly from the expression's Taylor-mode
derivatives. The radius follows Cauchy–Hadamard, 1/R = limsup |c_k|^(1/k): on a log scale
the tops of log|c_k| lie on a line of slope −log R. Zero coefficients (even and odd
functions) are skipped; oscillating coefficients, whose size dips now and then, are read
through their tops; smooth ones through a fit that allows a power factor k^p. An entire
function's log|c_k| falls like −k·log k, faster than any line: its upper hull keeps
bending down, and the estimate says ∞.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from calcterm.compute.expr import Expr

MIN_ORDER_FOR_RADIUS = 8
"""Fewer coefficients than this leave too short a tail to read a slope from."""

BENDING_LIMIT = 0.3
"""How much steeper (log units per order) the upper hull of log|c_k| may get from order n/4
to 3n/4 before the coefficients count as falling faster than geometrically. An entire
function of order ρ steepens by about log 3/ρ ≈ 1.1/ρ there; a power factor k^p in front
of R^(−k) by about 2.7|p|/n."""


def taylor_coefficients(expr: Expr, a: float, order: int) -> np.ndarray:
    """c_0 … c_order of f about a, exact up to rounding (non-finite where no derivative)."""
    return np.asarray(expr.taylor(order, x=float(a)), dtype=float).reshape(order + 1)


def taylor_polynomial(coefficients: np.ndarray, a: float, x: np.ndarray) -> np.ndarray:
    """T_n(x) = Σ c_k (x − a)^k by Horner's rule; huge values may overflow to ±inf."""
    u = np.asarray(x, dtype=float) - a
    total = np.zeros_like(u)
    with np.errstate(over="ignore", invalid="ignore"):
        for c in coefficients[::-1]:
            total = total * u + c
    return total


@dataclass(frozen=True)
class RadiusEstimate:
    """The estimated radius (inf for an entire function, nan when it cannot be read) and why."""

    radius: float
    reason: str


def _upper_hull(k: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vertices of the smallest concave majorant of the points (k, y), k increasing."""
    hull: list[int] = []
    for i in range(len(k)):
        while len(hull) >= 2:
            j, m = hull[-2], hull[-1]
            # drop the middle vertex when it lies on or below the chord from j to i
            if (y[m] - y[j]) * (k[i] - k[j]) <= (y[i] - y[j]) * (k[m] - k[j]):
                hull.pop()
            else:
                break
        hull.append(i)
    return k[hull], y[hull]


def _hull_slope(hk: np.ndarray, hy: np.ndarray, at: float) -> float:
    """Slope of the hull edge above abscissa `at`."""
    i = int(np.clip(np.searchsorted(hk, at, side="right") - 1, 0, len(hk) - 2))
    return float((hy[i + 1] - hy[i]) / (hk[i + 1] - hk[i]))


def _peaks(y: np.ndarray) -> np.ndarray:
    """Indices of interior local maxima: the tops of an oscillating sequence."""
    inner = np.arange(1, len(y) - 1)
    return inner[(y[inner] >= y[inner - 1]) & (y[inner] >= y[inner + 1])]


def _line_through_peaks(k: np.ndarray, y: np.ndarray) -> tuple[float, int]:
    """Slope of the line through the tops of y after removing its trend, and how many tops.

    The trend starts as the chord and is refined by the line through the tops it reveals.
    """
    slope = float((y[-1] - y[0]) / (k[-1] - k[0]))
    tops = _peaks(y - slope * k)
    for _ in range(3):
        if len(tops) < 2:
            break
        slope = float(np.polyfit(k[tops], y[tops], 1)[0])
        tops = _peaks(y - slope * k)
    return slope, len(tops)


def _tail_slope(orders: np.ndarray, log_size: np.ndarray, nonzero: np.ndarray,
                n: int) -> tuple[float, str]:
    """The asymptotic slope of log|c_k|, and how it was read.

    Oscillating coefficients (two complex-conjugate singularities) dip towards zero now
    and then, so a line goes through their tops. Smooth ones may carry a power factor
    k^p in front of R^(−k) (ln(1+x): 1/k), so their fit includes p·log k.
    """
    for start in (n / 3, 1):  # one slow oscillation in the tail: look further back
        window = nonzero & (orders >= start)
        if window.sum() < 3:
            break
        slope, tops = _line_through_peaks(orders[window], log_size[window])
        if tops >= 2:
            return slope, "line through the tops of log|c_k|"
        if tops == 0:
            break
    tail = nonzero & (orders >= n / 2)
    k = orders[tail]
    if len(k) < 3:
        return float(np.polyfit(k, log_size[tail], 1)[0]), "line through log|c_k|, orders n/2…n"
    design = np.column_stack([np.ones_like(k), k, np.log(k)])
    fit = np.linalg.lstsq(design, log_size[tail], rcond=None)[0]
    return float(fit[1]), "fit of α + k·log(1/R) + p·log k to log|c_k|, orders n/2…n"


def radius_estimate(coefficients: np.ndarray) -> RadiusEstimate:
    """Cauchy–Hadamard read off the coefficients c_0 … c_n (at least order 8)."""
    c = np.asarray(coefficients, dtype=float)
    n = len(c) - 1
    bad = np.flatnonzero(~np.isfinite(c))
    if bad.size:
        k = int(bad[0])
        if k == 0:
            return RadiusEstimate(math.nan, "f is not defined at a")
        return RadiusEstimate(math.nan, f"f has no derivative of order {k} at a")
    if n < MIN_ORDER_FOR_RADIUS:
        return RadiusEstimate(math.nan, f"needs at least order {MIN_ORDER_FOR_RADIUS}")
    orders = np.arange(n + 1, dtype=float)
    tail = (orders >= n / 2) & (c != 0)
    if not np.any(c != 0):
        return RadiusEstimate(math.inf, "every coefficient is 0: the zero series converges everywhere")
    if not tail.any():
        return RadiusEstimate(math.inf, "the coefficients vanish beyond order n/2: a polynomial")
    if tail.sum() < 2:
        return RadiusEstimate(math.nan, "too few nonzero coefficients in the tail")
    nonzero = c != 0
    log_size = np.log(np.abs(np.where(nonzero, c, 1.0)))
    wk, wy = _upper_hull(orders[nonzero], log_size[nonzero])
    if len(wk) >= 3 and _hull_slope(wk, wy, n / 4) - _hull_slope(wk, wy, 3 * n / 4) > BENDING_LIMIT:
        return RadiusEstimate(math.inf, "log|c_k| falls faster than any line: an entire function")
    slope, how = _tail_slope(orders, log_size, nonzero, n)
    with np.errstate(over="ignore"):
        radius = float(np.exp(-slope))
    return RadiusEstimate(radius, how)


def known_radius(expression: str, a: float) -> tuple[float, str] | None:
    """The true radius about a for the scene's preset functions, with its formula.

    1/(1+x²) and ln(1+x²) have their singularities at ±i, so R = √(1+a²); ln(1+x) has
    its at −1, so R = 1+a; e^(−1/x²) is analytic except at 0, so R = |a| — and at a = 0
    its series is the zero series (radius ∞ as a series, yet equal to f only at 0).
    """
    if expression in ("sin(x)", "cos(x)", "exp(x)", "cosh(x)"):
        return math.inf, "entire"
    if expression in ("1/(1+x^2)", "log(1+x^2)"):
        return math.hypot(1.0, a), "√(1+a²)"
    if expression == "log(1+x)":
        return (1.0 + a, "1+a") if a > -1 else (math.nan, "f undefined at a")
    if expression == "flat(x)":
        return abs(a), "|a|"
    return None
