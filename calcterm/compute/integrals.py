"""Integrals: Riemann and Darboux sums, adaptive Gauss–Kronrod, and both halves of the FTC.

A Riemann sum picks one height per slice; how it picks them (left end, midpoint, a random
tag, ...) decides how fast the sum reaches the integral, but never the limit itself when f
is Riemann integrable. Every rule below is written as S = Δx · Σ heights_i, where heights_i
is the slice's effective height: f at the tag for the one-point rules, the slice's average of
its samples for trapezoid and Simpson, and the slice's infimum or supremum for Darboux.

The reference value I comes from adaptive Gauss–Kronrod (G7–K15): K15 is exact for
polynomials up to degree 22, and |K15 − G7| on each piece is a conservative error bound, so
pieces are halved until the bounds add up to the tolerance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

ArrayFn = Callable[[np.ndarray], np.ndarray]

RULES: tuple[str, ...] = ("left", "right", "midpoint", "trapezoid", "simpson", "random", "lower", "upper")

EXPECTED_ORDER: dict[str, float] = {
    "left": 1.0, "right": 1.0, "midpoint": 2.0, "trapezoid": 2.0, "simpson": 4.0,
    "random": 1.5, "lower": 1.0, "upper": 1.0,
}
"""Error ∝ n^(−order) for smooth f. For `random` 1.5 is the order of the error's standard
deviation: the error itself is random, with mean O(n⁻²) and sd O(n^(−3/2))."""

DARBOUX_SAMPLES = 64
"""Samples per slice before golden-section search refines the slice's extreme."""

_GOLDEN = (math.sqrt(5.0) - 1.0) / 2.0
_EPS = float(np.finfo(float).eps)

# Kronrod nodes on [-1, 1] (the non-negative half; odd positions are the Gauss–Legendre nodes)
_XK = np.array([
    0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
    0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
    0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
    0.207784955007898467600689403773245, 0.0,
])
_WK = np.array([
    0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
    0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
    0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
    0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
])
_WG = np.array([
    0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
    0.381830050505118944950369775488975, 0.417959183673469387755102040816327,
])
NODES = np.concatenate([-_XK[:-1], _XK[::-1]])
"""The 15 Kronrod nodes on [−1, 1], increasing."""
KRONROD_WEIGHTS = np.concatenate([_WK[:-1], _WK[::-1]])
GAUSS_WEIGHTS = np.zeros(15)
GAUSS_WEIGHTS[1::2] = np.concatenate([_WG[:-1], _WG[::-1]])


@dataclass(frozen=True)
class Quadrature:
    """∫ f, the summed |K15 − G7| bound, the pieces used, and whether the tolerance was met."""

    value: float
    error: float
    pieces: int
    converged: bool


def gauss_kronrod(f: ArrayFn, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """K15 and G7 on each [lo_i, hi_i] in one call of f, and K15 of |f| (the rounding scale)."""
    lo, hi = np.atleast_1d(np.asarray(lo, float)), np.atleast_1d(np.asarray(hi, float))
    centre, half = (lo + hi) / 2.0, (hi - lo) / 2.0
    with np.errstate(all="ignore"):
        values = np.asarray(f(centre[:, None] + half[:, None] * NODES[None, :]), dtype=float)
        values = np.broadcast_to(values, (lo.size, NODES.size))
        kronrod = half * (values @ KRONROD_WEIGHTS)
        gauss = half * (values @ GAUSS_WEIGHTS)
        scale = np.abs(half) * (np.abs(values) @ KRONROD_WEIGHTS)
    return kronrod, gauss, scale


def integrate(f: ArrayFn, a: float, b: float, tol: float = 1e-14, max_pieces: int = 4000) -> Quadrature:
    """∫ₐᵇ f by globally adaptive G7–K15, oriented (b < a gives minus ∫ᵦᵃ).

    Like QUADPACK's QAG the test is global: stop when the summed bounds are below
    tol·|I| (or the rounding floor 50·eps·∫|f|). Each round halves, in one vectorised call,
    every piece whose bound exceeds its equal share of that target, so an endpoint
    singularity such as 1/√x is chased by halving only the pieces next to it. A piece with a
    non-finite value (a point singularity on a node) counts as infinitely bad and is split,
    which moves a removable singularity onto a piece boundary, where no node lies.
    """
    a, b = float(a), float(b)
    if a == b:
        return Quadrature(0.0, 0.0, 0, True)
    lo, hi = np.array([a]), np.array([b])
    k, g, scale = gauss_kronrod(f, lo, hi)
    count = 1
    while True:
        finite = np.isfinite(k) & np.isfinite(g) & np.isfinite(scale)
        with np.errstate(all="ignore"):
            bound = np.where(finite, np.abs(k - g), np.inf)
        floor = 50.0 * _EPS * np.where(finite, scale, 0.0)
        target = max(tol * abs(float(np.sum(k[finite]))), float(np.sum(floor)))
        total = float(np.sum(bound))
        if total <= target:
            return Quadrature(float(np.sum(k)), total, count, True)
        split = (bound > target / lo.size) & (bound > floor)
        if not split.any():
            return Quadrature(float(np.sum(k)), total, count, True)
        unsplittable = np.abs(hi - lo) <= 4.0 * _EPS * np.maximum(np.abs(lo), np.abs(hi))
        if np.any(split & unsplittable) or count + 2 * int(split.sum()) > max_pieces:
            return Quadrature(float(np.sum(k)), total, count, False)
        mid = (lo[split] + hi[split]) / 2.0
        new_lo = np.concatenate([lo[split], mid])
        new_hi = np.concatenate([mid, hi[split]])
        new_k, new_g, new_scale = gauss_kronrod(f, new_lo, new_hi)
        count += new_lo.size
        keep = ~split
        lo, hi = np.concatenate([lo[keep], new_lo]), np.concatenate([hi[keep], new_hi])
        k, g = np.concatenate([k[keep], new_k]), np.concatenate([g[keep], new_g])
        scale = np.concatenate([scale[keep], new_scale])


def accumulate(f: ArrayFn, a: float, xs: np.ndarray, tol: float = 1e-13) -> np.ndarray:
    """F(x) = ∫ₐˣ f at each x of an increasing (or decreasing) grid, segment by segment."""
    xs = np.asarray(xs, dtype=float)
    knots = np.concatenate([[float(a)], xs])
    parts = [integrate(f, knots[i], knots[i + 1], tol).value for i in range(xs.size)]
    return np.cumsum(parts)


@dataclass(frozen=True)
class RiemannSum:
    """One sum: S = dx · Σ heights; `tags` are the points where f was sampled."""

    rule: str
    n: int
    dx: float
    edges: np.ndarray
    tags: np.ndarray
    heights: np.ndarray
    total: float


def _values(f: ArrayFn, x: np.ndarray) -> np.ndarray:
    with np.errstate(all="ignore"):
        return np.broadcast_to(np.asarray(f(x), dtype=float), x.shape).copy()


def riemann_sum(f: ArrayFn, a: float, b: float, n: int, rule: str,
                rng: np.random.Generator | None = None) -> RiemannSum:
    """The rule's sum with n equal slices of [a, b] (oriented: dx < 0 when b < a).

    simpson uses each slice's ends and midpoint, S = (T_n + 2M_n)/3, so it needs no even n.
    random draws each tag uniformly in its slice from `rng`.
    """
    if rule not in RULES:
        raise ValueError(f"unknown rule {rule!r}; expected one of {', '.join(RULES)}")
    n = int(n)
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    edges = np.linspace(float(a), float(b), n + 1)
    dx = (float(b) - float(a)) / n
    left, right = edges[:-1], edges[1:]
    if rule in ("lower", "upper"):
        heights, tags = darboux(f, edges, rule)
    elif rule == "trapezoid":
        tags = edges
        y = _values(f, tags)
        heights = (y[:-1] + y[1:]) / 2.0
    elif rule == "simpson":
        tags = np.empty(2 * n + 1)
        tags[0::2], tags[1::2] = edges, (left + right) / 2.0
        y = _values(f, tags)
        heights = (y[0:-1:2] + 4.0 * y[1::2] + y[2::2]) / 6.0
    else:
        if rule == "left":
            tags = left.copy()
        elif rule == "right":
            tags = right.copy()
        elif rule == "midpoint":
            tags = (left + right) / 2.0
        else:
            generator = rng if rng is not None else np.random.default_rng(0)
            tags = left + generator.random(n) * dx
        heights = _values(f, tags)
    with np.errstate(all="ignore"):
        total = float(dx * np.sum(heights))
    return RiemannSum(rule, n, dx, edges, tags, heights, total)


def _golden_extreme(f: ArrayFn, lo: np.ndarray, hi: np.ndarray, sign: float | np.ndarray,
                    iterations: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """Golden-section search for the minimum of sign·f on each bracket, all at once.

    40 iterations shrink the bracket (two of 64 samples of a slice) by 0.618⁴⁰ ≈ 4e-9; at a
    smooth extreme the value is then off by (4e-9·Δx)²·f″, far below rounding.

    Returns the points and the values of sign·f there."""
    c = hi - _GOLDEN * (hi - lo)
    d = lo + _GOLDEN * (hi - lo)
    fc, fd = sign * _values(f, c), sign * _values(f, d)
    for _ in range(iterations):
        left_better = fc < fd
        hi = np.where(left_better, d, hi)
        lo = np.where(left_better, lo, c)
        new_c = hi - _GOLDEN * (hi - lo)
        new_d = lo + _GOLDEN * (hi - lo)
        c, d = np.where(left_better, new_c, d), np.where(left_better, c, new_d)
        fresh = np.where(left_better, c, d)
        f_fresh = sign * _values(f, fresh)
        fc, fd = np.where(left_better, f_fresh, fd), np.where(left_better, fc, f_fresh)
    return np.where(fc < fd, c, d), np.minimum(fc, fd)


def darboux(f: ArrayFn, edges: np.ndarray, which: str,
            samples: int = DARBOUX_SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """Infimum (`lower`) or supremum (`upper`) of f on each slice, and where it is reached.

    Each slice is sampled at samples + 1 points including its ends; golden-section search
    then refines the best sample within its two neighbours, so an interior extreme is found to
    rounding while an extreme at a slice end is taken exactly. An infinite sample makes the
    height infinite (f is unbounded there); an undefined one makes it nan.
    """
    return _extremes(f, edges, (1.0 if which == "lower" else -1.0,), samples)[0]


def darboux_sums(f: ArrayFn, a: float, b: float, n: int,
                 samples: int = DARBOUX_SAMPLES) -> tuple[float, float]:
    """The lower and upper Darboux sums with n equal slices, oriented like `riemann_sum`.

    Both searches share one sampling of f and run side by side: half the calls of f and a
    third fewer points than two `darboux` calls, for a frame of the riemann scene needs both.
    """
    if int(n) < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    edges = np.linspace(float(a), float(b), int(n) + 1)
    dx = (float(b) - float(a)) / int(n)
    (infima, _), (suprema, _) = _extremes(f, edges, (1.0, -1.0), samples)
    with np.errstate(all="ignore"):
        return float(dx * np.sum(infima)), float(dx * np.sum(suprema))


def _extremes(f: ArrayFn, edges: np.ndarray, signs: tuple[float, ...],
              samples: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """(heights, where) of the minimum of sign·f on each slice, for each sign."""
    edges = np.asarray(edges, dtype=float)
    left, width = edges[:-1], np.diff(edges)
    grid = left[:, None] + width[:, None] * (np.arange(samples + 1) / samples)[None, :]
    raw = _values(f, grid)
    undefined = np.isnan(raw).any(axis=1)
    rows = np.arange(left.size)
    best_x, best_v, lo, hi = [], [], [], []
    for sign in signs:
        values = sign * raw
        k = np.argmin(np.where(np.isnan(values), np.inf, values), axis=1)
        best_x.append(grid[rows, k])
        best_v.append(values[rows, k])
        a, b = grid[rows, np.maximum(k - 1, 0)], grid[rows, np.minimum(k + 1, samples)]
        lo.append(np.minimum(a, b))
        hi.append(np.maximum(a, b))
    sign_of = np.repeat(np.asarray(signs), left.size)
    refined_x, refined_v = _golden_extreme(f, np.concatenate(lo), np.concatenate(hi), sign_of)
    out = []
    for i, sign in enumerate(signs):
        part = slice(i * left.size, (i + 1) * left.size)
        better = np.isfinite(refined_v[part]) & (refined_v[part] < best_v[i])
        where = np.where(better, refined_x[part], best_x[i])
        heights = np.where(undefined, np.nan, sign * np.where(better, refined_v[part], best_v[i]))
        out.append((heights, where))
    return out


def observed_order(error_coarse: float, error_fine: float, ratio: float = 2.0) -> float:
    """log(e_coarse / e_fine) / log(ratio): the p in error ∝ n^(−p) seen between n/ratio and n.

    With the default ratio 2 this is log₂(e_{n/2} / e_n); nan when either error is 0 or
    undefined.
    """
    with np.errstate(all="ignore"):
        p = np.log(np.abs(np.float64(error_coarse)) / np.abs(np.float64(error_fine))) / np.log(ratio)
    return float(p) if np.isfinite(p) else math.nan
