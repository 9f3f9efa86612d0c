"""One-sided series with fractional exponents (Puiseux series), for points where Taylor
series break down.

Where abs, relu, sqrt, a real power, log or a quotient meets a zero argument, a formula may
have no Taylor series, but on each side of the point it has an expansion
f(p + s·d) = Σ c_e s^e for s → 0+ with real exponents e: from the right |x| is s and from
the left it is s again; sqrt(x²) is s on both sides; x^(1/3) starts with s^(1/3); 1/x with
s^(−1). `expand` computes it, exact up to rounding, for a formula's operations.

Representation: every exponent is a multiple of 1/q for one q per formula (`denominator`,
found from the real powers it contains), so a series is a dense array of coefficients of
u = s^(1/q), starting at the exponent `low` (negative at poles) and known exactly below
`high`; `exact` marks a finite sum (constants, the variable and their products), known to
all orders. Each operation normalises its argument to c·u^v·(1 + w) and reuses the
recurrences of `calcterm.compute.jets` on 1 + w, so only leading orders need new arithmetic.

Outside the representation (None, "no expansion"): logarithms of a zero or infinite
argument (x·log x has a term s·log s), variable exponents at a zero base, and functions
that oscillate or blow up at a pole (sin(1/x), exp(1/x) as x → 0+).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Sequence

import numpy as np

from calcterm.compute import jets
from calcterm.compute.parsing import Node, exponent, root

_EPS = float(np.finfo(float).eps)
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


def _unknown_from(high: float, cap: int) -> OneSided:
    """Nothing nonzero below `high`, nothing known from there on (claimed no further than
    the working order `cap`, which also keeps absurd powers such as x^1e300 in range)."""
    return OneSided(int(max(min(high, cap), _FAR)), _EMPTY, False)


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
        return ZERO if high == math.inf else _unknown_from(high, cap)
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
        return _unknown_from(high, cap)
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
            return _unknown_from(math.floor(a.high * r), cap)
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
    if shift.denominator != 1 or not _FAR < shift < -_FAR:
        return UNKNOWN
    low = int(shift)
    high = min(low + (a.high - v), cap)
    if high <= low:
        return _unknown_from(high, cap)
    w = np.zeros(int(high) - low)
    tail = a.coef[la : la + len(w)] / lead
    w[: len(tail)] = tail
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
            limit = constant(math.copysign(math.pi / 2, lead))
            return add(limit, neg(analytic("atan", inverse, cap)), cap)
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
    used = a.coef[start - a.low : max(count - a.low, 0)]
    s[start : start + len(used)] = used
    if op == "log" and not s[0] > 0:
        return None
    if op == "flat" and s[0] == 0:
        return ZERO
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


def expand(
    nodes: Sequence[Node], q: int, point: Sequence[float], direction: Sequence[float], cap: int
) -> Jet:
    """The expansion of the formula along s ↦ point + s·direction, s > 0, below u^cap.

    Overflow and underflow are part of the answer (a coefficient that overflows makes the
    side unrepresentable), so numpy's floating-point errors are silenced here, whatever the
    caller's np.seterr says.
    """
    with np.errstate(all="ignore"):
        return _expand(nodes, q, point, direction, cap)


def _expand(
    nodes: Sequence[Node], q: int, point: Sequence[float], direction: Sequence[float], cap: int
) -> Jet:
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
