"""One-sided expansions where Taylor-mode arithmetic breaks down: kinks, roots and poles.

Where abs, relu, sqrt, a real power, log or a quotient meets a zero argument, the Taylor
series of a formula may not exist. What does exist on each side of the point is an expansion
f(p + s·d) = Σ c_e s^e for s → 0+ with real exponents e (a Puiseux series): from the right
|x| is the polynomial s and from the left it is s again; sqrt(x²) is s on both sides;
x^(1/3) starts with s^(1/3); 1/x starts with s^(-1). This module computes those one-sided
expansions, exact up to rounding, and reads off what they imply:

* the k-th derivative at p exists exactly when, on both sides, every exponent up to k is a
  whole number and the coefficients agree (the left one times (-1)^j, j ≤ k), and f(p) is
  their common value; then it is k! c_k;
* as x → p from one side, f′(x) tends to ±∞ if a term with an exponent below 1 other than
  the constant is present (the first such term sets the sign), and otherwise to c_1.

Representation: every exponent is a multiple of 1/q for one q per formula, found from the
real powers it contains, so a one-sided series is a dense array of coefficients of
u = s^(1/q), starting at the exponent `low` (negative at poles) and known exactly below
`high`; `exact` marks a finite sum (constants, the variable and their products), known to
all orders. Each operation normalises its argument to c·u^v·(1 + w) and reuses the
recurrences of `calcterm.compute.jets` on 1 + w, so only leading orders need new arithmetic.

Outside the representation, and reported as not existing (NaN): logarithms of a zero or
infinite argument (x·log x has a term s·log s), variable exponents at a zero base, real
exponents that are not fractions with a denominator up to MAX_DENOMINATOR, and expansions
needing more than MAX_TERMS coefficients.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

import numpy as np

from calcterm.compute import jets
from calcterm.compute.parsing import MAX_DENOMINATOR, Node, exponent, root

MAX_TERMS = 2048
"""Most coefficients of u = s^(1/q) one series may hold, which bounds the work per point."""

_EPS = float(np.finfo(float).eps)
_AGREE = 1e-9
"""Relative tolerance for two one-sided coefficients computed by different roundings."""
_FAR = -(1 << 40)


@dataclass(frozen=True)
class OneSided:
    """Σ coef[i]·u^(low+i) with u = s^(1/q): exact below `high`, unknown from there on."""

    low: int
    coef: np.ndarray
    exact: bool

    @property
    def high(self) -> float:
        return math.inf if self.exact else self.low + len(self.coef)

    def lead(self) -> int | None:
        """Index of the first nonzero coefficient, None if all known ones are zero."""
        nonzero = np.flatnonzero(self.coef)
        return int(nonzero[0]) if nonzero.size else None

    def at(self, exponent: int) -> float:
        """The coefficient of u^exponent, for an exponent below `high`."""
        i = exponent - self.low
        return float(self.coef[i]) if 0 <= i < len(self.coef) else 0.0


Jet = OneSided | None
"""None: f is not a real number on this side, or not representable here."""

_EMPTY = np.zeros(0)
ZERO = OneSided(0, _EMPTY, True)
ONE = OneSided(0, np.ones(1), True)
UNKNOWN = OneSided(_FAR, _EMPTY, False)


def _unknown_from(high: float) -> OneSided:
    """Nothing nonzero below `high`, nothing known from there on."""
    return OneSided(int(high), _EMPTY, False)


def _new(low: int, coef: np.ndarray, exact: bool, cap: int) -> Jet:
    """A series cut at the working order `cap`; None if rounding overflowed."""
    if not np.all(np.isfinite(coef)):
        return None
    if low + len(coef) > cap:
        keep = max(cap - low, 0)
        exact = exact and not np.any(coef[keep:])
        coef = coef[:keep]
        if not exact and low > cap:
            low = cap
    return OneSided(low, coef, exact)


def constant(value: float) -> Jet:
    if not math.isfinite(value):
        return None
    return OneSided(0, np.array([value]), True) if value else ZERO


def denominator(nodes: Sequence[Node]) -> int:
    """A q such that every exponent in every one-sided expansion is a multiple of 1/q.

    Sums and products keep exponents on the lattice of their arguments; a power c·u^v(1+w)
    to the r = m/n moves v to v·r, so each real power multiplies the lattice's denominator.
    """
    qs: list[int] = []
    for node in nodes:
        own = math.lcm(*(qs[i] for i in node.args))
        if node.op == "sqrt":
            own *= 2
        elif node.op in ("powr", "root"):
            r = exponent(float(node.payload))
            own *= r.denominator if r is not None else 1
        qs.append(own)
    return qs[-1]


# ---------------------------------------------------------------------------- arithmetic


def neg(a: Jet) -> Jet:
    return None if a is None else OneSided(a.low, -a.coef, a.exact)


def add(a: Jet, b: Jet, cap: int) -> Jet:
    """a + b; a coefficient that cancels to within rounding of its parts is exactly 0,
    so that, e.g., 1 − cos(x) starts at x² and not at a rounding residue."""
    if a is None or b is None:
        return None
    low = min(a.low, b.low)
    high = min(a.high, b.high)
    top = max(a.low + len(a.coef), b.low + len(b.coef))
    if high < top:
        top = int(high)
    if top <= low:
        return ZERO if high == math.inf else _unknown_from(high)
    out = np.zeros(top - low)
    size = np.zeros(top - low)
    for part in (a, b):
        used = min(len(part.coef), top - part.low)
        if used > 0:
            out[part.low - low : part.low - low + used] += part.coef[:used]
            size[part.low - low : part.low - low + used] += np.abs(part.coef[:used])
    out[np.abs(out) <= 8 * _EPS * size] = 0.0
    return _new(low, out, a.exact and b.exact, cap)


def mul(a: Jet, b: Jet, cap: int) -> Jet:
    """a·b: a product is known as far as each factor's unknown tail times the other's lead."""
    if a is None or b is None:
        return None
    la, lb = a.lead(), b.lead()
    if (la is None and a.exact) or (lb is None and b.exact):
        return ZERO
    va = a.low + la if la is not None else a.high
    vb = b.low + lb if lb is not None else b.high
    high = min(a.high + vb, b.high + va)
    if la is None or lb is None:
        return _unknown_from(high)
    product = np.convolve(a.coef[la:], b.coef[lb:])
    low = int(va + vb)
    if high < math.inf:
        product = product[: max(int(high) - low, 0)]
    return _new(low, product, a.exact and b.exact, cap)


def power(a: Jet, r: Fraction | None, cap: int) -> Jet:
    """a^r from a = c·u^v·(1 + w): c^r·u^(v·r)·(1 + w)^r; for c < 0 real only when r has an
    odd denominator (the real root of `parsing.root`), otherwise undefined on this side."""
    if a is None or r is None:
        return None
    la = a.lead()
    if la is None:
        if a.exact:
            return ZERO if r > 0 else (ONE if r == 0 else None)
        if r > 0:  # |a| ≤ C·u^high, so |a^r| ≤ C^r·u^(high·r)
            return _unknown_from(math.floor(a.high * r))
        return ONE if r == 0 else UNKNOWN
    lead, v = float(a.coef[la]), a.low + la
    if lead < 0 and r.denominator % 2 == 0:
        return None
    if r.denominator == 1 and r >= 0:  # repeated squaring keeps polynomials exact
        result, base, n = ONE, a, int(r)
        while n:
            if n & 1:
                result = mul(result, base, cap)
            n >>= 1
            if n:
                base = mul(base, base, cap)
        return result
    shift = v * r
    if shift.denominator != 1:
        return UNKNOWN
    low = int(shift)
    high = min(low + (a.high - v), cap)
    if high <= low:
        return _unknown_from(high)
    w = np.zeros(int(high) - low)
    tail = a.coef[la : la + len(w)] / lead
    w[: len(tail)] = tail
    with np.errstate(all="ignore"):
        scale = root(np.float64(lead), float(r))
    return _new(low, scale * jets.power_real(w[:, None], float(r))[:, 0], False, cap)


def kink(a: Jet, relu: bool) -> Jet:
    """abs or relu: on one side the sign of the leading term is fixed, so both are linear."""
    if a is None:
        return None
    la = a.lead()
    if la is None or a.coef[la] > 0:
        return a
    return ZERO if relu else neg(a)


def _at_pole(op: str, a: OneSided, lead: float, cap: int) -> Jet:
    """Functions with a limit at ±∞; a function that reaches it faster than any power of s
    (exp(−1/s²), sigmoid(1/s), tanh) has all one-sided coefficients 0 there."""
    if op == "exp":
        return ZERO if lead < 0 else None
    if op == "sigmoid":
        return ZERO if lead < 0 else ONE
    if op == "tanh":
        return constant(math.copysign(1.0, lead))
    if op == "softplus":
        return ZERO if lead < 0 else a
    if op in ("atan", "flat"):
        inverse = power(a, Fraction(-1), cap)
        if op == "atan":  # atan(a) = ±π/2 − atan(1/a)
            return add(constant(math.copysign(math.pi / 2, lead)), neg(analytic("atan", inverse, cap)), cap)
        return analytic("exp", neg(mul(inverse, inverse, cap)), cap)
    return None


def analytic(op: str, a: Jet, cap: int) -> Jet:
    """A function analytic at a's finite limit, by the Taylor-mode recurrences in u."""
    if a is None:
        return None
    la = a.lead()
    if la is not None and a.low + la < 0:
        return _at_pole(op, a, float(a.coef[la]), cap)
    if a.high <= 0:
        return UNKNOWN
    count = int(min(a.high, cap))
    s = np.zeros(count)
    start = max(a.low, 0)
    used = a.coef[start - a.low : count - a.low]
    s[start : start + len(used)] = used
    if op == "log" and not s[0] > 0:
        return None
    if op == "flat" and s[0] == 0:
        return ZERO
    with np.errstate(all="ignore"):
        if a.exact and not np.any(s[1:]):
            return constant(float(jets.unary(op, s[:1, None])[0, 0]))
        return _new(0, jets.unary(op, s[:, None])[:, 0], False, cap)


def _variable_power(a: Jet, b: Jet, cap: int) -> Jet:
    """a^b = exp(b·log a); a base that is exactly 0 gives 0 while b stays positive."""
    if a is not None and a.exact and a.lead() is None:
        lead = None if b is None else b.lead()
        if b is None or b.high <= 0 or (lead is not None and b.low + lead < 0):
            return None
        return ZERO if b.at(0) > 0 else None
    return analytic("exp", mul(b, analytic("log", a, cap), cap), cap)


# ---------------------------------------------------------------------------- a formula


def expand(nodes: Sequence[Node], q: int, point: Sequence[float], direction: Sequence[float], cap: int) -> Jet:
    """The expansion of the formula along s ↦ point + s·direction, s > 0, below u^cap."""
    values: list[Jet] = []
    for node in nodes:
        op, args = node.op, [values[i] for i in node.args]
        if op == "const":
            value = constant(float(node.payload))
        elif op == "var":
            coef = np.zeros(q + 1)
            coef[0] = point[int(node.payload)]
            coef[q] += direction[int(node.payload)]
            value = _new(0, coef, True, cap)
        elif op == "neg":
            value = neg(args[0])
        elif op in ("add", "sub"):
            value = add(args[0], args[1] if op == "add" else neg(args[1]), cap)
        elif op == "mul":
            value = mul(args[0], args[1], cap)
        elif op == "div":
            value = mul(args[0], power(args[1], Fraction(-1), cap), cap)
        elif op in ("powi", "powr", "root", "sqrt"):
            r = Fraction(1, 2) if op == "sqrt" else exponent(float(node.payload))
            value = power(args[0], r, cap)
        elif op in ("abs", "relu"):
            value = kink(args[0], op == "relu")
        elif op == "pow":
            value = _variable_power(args[0], args[1], cap)
        else:
            value = analytic(op, args[0], cap)
        values.append(value)
    return values[-1]


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
    nodes: Sequence[Node], q: int, point: Sequence[float], direction: Sequence[float], f0: float, order: int
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


def differentiable(nodes: Sequence[Node], q: int, point: Sequence[float], gradient: np.ndarray, f0: float) -> bool:
    """Whether f(p + s·d) = f(p) + s·∇f·d + o(s) along fixed directions d off the axes too.

    Partial derivatives can exist where f has no tangent plane (sqrt(|x·y|) at 0), so the
    slope along each probe direction, on both sides, must be the one the partials predict.
    This is a necessary condition, and sufficient for the surfaces made of finitely many
    smooth pieces that formulas here describe unless a piece is thinner than every probe.
    """
    for d in _probes(len(point)):
        for sign in (1.0, -1.0):
            steps = list(sign * d)
            found: list[float] = []
            for cap in _caps(1, q):
                found, short = _regular(expand(nodes, q, point, steps, cap), 1, q)
                if not short:
                    break
            predicted = float(np.dot(gradient, steps))
            scale = abs(predicted) + float(np.abs(gradient * steps).sum())
            if len(found) < 2 or not _is_value(found[0], f0) or not abs(found[1] - predicted) <= _AGREE * scale + 1e-14:
                return False
    return True
