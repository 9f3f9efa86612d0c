"""What one-sided expansions say about derivatives at kinks, roots and poles.

With f(p ± s·d) = Σ c_e s^e from `calcterm.compute.puiseux` on both sides of p:

* the k-th derivative along d exists exactly when, on both sides, every exponent up to k is a
  whole number and the coefficients agree (the left one times (−1)^j, j ≤ k), and f(p) is
  their common value; then it is k!·c_k;
* as the point is approached from one side, the slope tends to ±∞ if a term with an
  exponent below 1 other than the constant is present (the first one sets the sign), and
  otherwise to c_1;
* f has a gradient at p when, besides the partial derivatives, the slope along fixed
  directions off the axes is the one the partials predict.

Expansions are computed to a working order and widened when that was too low (poles and
high-order zeros eat precision). What cannot be decided counts as missing (NaN): no
expansion (see `puiseux`), real exponents that are not fractions with a denominator up to
`parsing.MAX_DENOMINATOR` at a zero base, or more than MAX_TERMS coefficients needed.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np

from calcterm.compute.parsing import Node
from calcterm.compute.puiseux import Jet, OneSided, denominator, expand

__all__ = ["MAX_TERMS", "denominator", "differentiable", "one_sided_slope", "two_sided"]

MAX_TERMS = 2048
"""Most coefficients of u = s^(1/q) one series may hold, which bounds the work per point."""

_AGREE = 1e-9
"""Relative tolerance for two one-sided coefficients computed by different roundings."""


def _caps(order: int, q: int) -> list[int]:
    """Working orders (in u) to try: poles and high-order zeros eat precision, so retry wider."""
    return [c * q for c in (order + 2, 2 * order + 8, 4 * order + 24) if c * q <= MAX_TERMS]


def _irregular(jet: OneSided, q: int) -> float:
    """The first known exponent with a nonzero term that is negative or not whole."""
    exps = jet.low + np.flatnonzero(jet.coef)
    bad = exps[(exps < 0) | (exps % q != 0)]
    return float(bad[0]) if bad.size else math.inf


def _agree(a: float, b: float) -> bool:
    return abs(a - b) <= _AGREE * max(abs(a), abs(b))


def _is_value(limit: float, f0: float) -> bool:
    """The one-sided limit is f(p) up to rounding: f is continuous there."""
    return abs(limit - f0) <= _AGREE * max(abs(limit), abs(f0)) + 1e-12


def _regular(jet: Jet, order: int, q: int) -> tuple[list[float], bool]:
    """Coefficients of s^0, s^1, … up to the first order reached by a negative or fractional
    exponent, and whether the list stopped only because the working order was too low."""
    found: list[float] = []
    if jet is None:
        return found, False
    irregular = _irregular(jet, q)
    for k in range(order + 1):
        if irregular <= k * q:
            return found, False
        if jet.high <= k * q:
            return found, True
        found.append(jet.at(k * q))
    return found, False


def _common(right: Jet, left: Jet, f0: float, order: int, q: int) -> tuple[list[float], bool]:
    """Taylor coefficients both sides share (the left one's s^k is (−t)^k), up to the first
    that is missing, and whether the search stopped only for want of working order."""
    r, r_short = _regular(right, order, q)
    l, l_short = _regular(left, order, q)
    found: list[float] = []
    for k in range(min(len(r), len(l))):
        if not _agree(r[k], l[k] * (-1) ** k) or (k == 0 and not _is_value(r[0], f0)):
            return found, False
        found.append(r[k])
    if len(found) == order + 1:
        return found, False
    definite = (len(r) == len(found) and not r_short) or (len(l) == len(found) and not l_short)
    return found, not definite


def two_sided(
    nodes: Sequence[Node], q: int, point: Sequence[float], direction: Sequence[float], f0: float,
    order: int,
) -> np.ndarray:
    """Taylor coefficients of t ↦ f(point + t·direction) at t = 0: f0 first, then each
    coefficient that exists, NaN from the first order whose derivative does not."""
    out = np.full(order + 1, np.nan)
    out[0] = f0
    if not math.isfinite(f0) or order == 0:
        return out
    backwards = [-d for d in direction]
    found: list[float] = []
    for cap in _caps(order, q):
        found, short = _common(expand(nodes, q, point, direction, cap),
                               expand(nodes, q, point, backwards, cap), f0, order, q)
        if not short:
            break
    out[1 : len(found)] = found[1:]
    return out


def _slope(jet: Jet, q: int) -> tuple[float, bool]:
    """lim f′ as s → 0+ of the expansion in s, and whether the working order was too low."""
    if jet is None:
        return math.nan, False
    nonzero = np.flatnonzero(jet.coef)
    exps = jet.low + nonzero
    steep = (exps != 0) & (exps < q)
    if steep.any():
        i = int(np.argmax(steep))
        return math.copysign(math.inf, float(exps[i]) * float(jet.coef[nonzero[i]])), False
    if jet.high <= q:
        return math.nan, True
    return jet.at(q), False


def one_sided_slope(
    nodes: Sequence[Node], q: int, point: Sequence[float], direction: Sequence[float], side: int
) -> float:
    """lim f′ along the direction as the point is approached from `side` (+1 ahead, −1 behind)."""
    steps = [side * d for d in direction]
    for cap in _caps(1, q):
        value, short = _slope(expand(nodes, q, point, steps, cap), q)
        if not short:
            return side * value
    return math.nan


def _probes(n: int) -> np.ndarray:
    """Fixed unit directions off the axes, for telling a gradient from a set of partials."""
    directions = np.random.default_rng(14).normal(size=(4, n))
    return directions / np.linalg.norm(directions, axis=1, keepdims=True)


def differentiable(
    nodes: Sequence[Node], q: int, point: Sequence[float], gradient: np.ndarray, f0: float
) -> bool:
    """Whether f(p + s·d) = f(p) + s·∇f·d + o(s), on both sides, along fixed directions d
    off the axes as well as along the axes (where the partials already say so).

    Partial derivatives can exist where f has no tangent plane (sqrt(|x·y|) at 0). This is a
    necessary condition: a fold of f confined to a wedge of directions that no probe meets
    would go unnoticed.
    """
    for d in _probes(len(point)):
        for sign in (1.0, -1.0):
            steps = list(sign * d)
            found: list[float] = []
            for cap in _caps(1, q):
                found, short = _regular(expand(nodes, q, point, steps, cap), 1, q)
                if not short:
                    break
            with np.errstate(all="ignore"):
                predicted = float(np.dot(gradient, steps))
                scale = abs(predicted) + float(np.abs(gradient * steps).sum())
            if len(found) < 2 or not _is_value(found[0], f0):
                return False
            if not abs(found[1] - predicted) <= _AGREE * scale + 1e-14:
                return False
    return True
