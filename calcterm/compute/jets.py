"""Taylor-mode arithmetic: each operation maps truncated Taylor series to a truncated series.

A series is an array of shape (order + 1, n): row k holds the t^k coefficients at n points.
Every operation maps the series of its inputs to the series of its output with the
classical recurrences, so derivatives are exact up to rounding instead of finite-difference
guesses, and n points cost one pass of numpy. Constants stay np.float64 scalars; every
operation reaching these helpers has at least one series argument because the parser folds
all-constant operations.

These recurrences assume every operation is analytic at the point. Where it is not — abs
and relu of 0, sqrt, powers, logs and quotients at a zero argument — `critical` marks the
points, and `calcterm.compute.kinks` replaces their coefficients with one-sided expansions.
"""

from __future__ import annotations

import numpy as np

from calcterm.compute.parsing import BINARY, Node, root, sigmoid, softplus


def _dot(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.einsum("ij,ij->j", u, v)


def _ramp(a: np.ndarray) -> np.ndarray:
    """Row k times k: the series of t * a'(t), which every recurrence below uses."""
    return a * np.arange(a.shape[0], dtype=np.float64)[:, None]


def _mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cauchy product truncated to the order of the inputs."""
    rows = a.shape[0]
    out = a[0] * b
    for j in range(1, rows):
        out[j:] += a[j] * b[: rows - j]
    return out


def _div(a: np.ndarray | np.float64, b: np.ndarray) -> np.ndarray:
    """a / b from b * y = a, solved one coefficient at a time."""
    y = np.empty(b.shape)
    if isinstance(a, np.ndarray):
        y[0] = a[0] / b[0]
        top = a
    else:
        y[0] = a / b[0]
        top = np.zeros_like(b)
    for k in range(1, b.shape[0]):
        y[k] = (top[k] - _dot(b[1 : k + 1], y[k - 1 :: -1])) / b[0]
    return y


def _exp(a: np.ndarray, y0: np.ndarray | None = None) -> np.ndarray:
    """exp from y' = a' y."""
    y = np.empty(a.shape)
    y[0] = np.exp(a[0]) if y0 is None else y0
    ja = _ramp(a)
    for k in range(1, a.shape[0]):
        y[k] = _dot(ja[1 : k + 1], y[k - 1 :: -1]) / k
    return y


def _log(a: np.ndarray) -> np.ndarray:
    """log from a y' = a'."""
    y = np.empty(a.shape)
    jy = np.zeros(a.shape)
    y[0] = np.log(a[0])
    for k in range(1, a.shape[0]):
        y[k] = (a[k] - _dot(jy[1:k], a[k - 1 : 0 : -1]) / k) / a[0]
        jy[k] = k * y[k]
    return y


def _integral(a: np.ndarray, g: np.ndarray, y0: np.ndarray) -> np.ndarray:
    """The y with y' = g a' and y(0) = y0, for functions whose derivative is a known series."""
    y = np.empty(a.shape)
    y[0] = y0
    ja = _ramp(a)
    for k in range(1, a.shape[0]):
        y[k] = _dot(ja[1 : k + 1], g[k - 1 :: -1]) / k
    return y


def _riccati(a: np.ndarray, y0: np.ndarray, p: float, q: float, r: float) -> np.ndarray:
    """The y with y' = (p + q y + r y^2) a': tan, tanh and sigmoid."""
    y = np.empty(a.shape)
    h = np.empty(a.shape)
    y[0] = y0
    h[0] = p + q * y0 + r * y0 * y0
    ja = _ramp(a)
    for k in range(1, a.shape[0]):
        y[k] = _dot(ja[1 : k + 1], h[k - 1 :: -1]) / k
        h[k] = q * y[k] + r * _dot(y[: k + 1], y[k::-1])
    return y


def _sin_cos(a: np.ndarray, hyperbolic: bool) -> tuple[np.ndarray, np.ndarray]:
    """The (sin, cos) or (sinh, cosh) pair, each the other's derivative up to sign."""
    s = np.empty(a.shape)
    c = np.empty(a.shape)
    s[0], c[0] = (np.sinh(a[0]), np.cosh(a[0])) if hyperbolic else (np.sin(a[0]), np.cos(a[0]))
    sign = 1.0 if hyperbolic else -1.0
    ja = _ramp(a)
    for k in range(1, a.shape[0]):
        s[k] = _dot(ja[1 : k + 1], c[k - 1 :: -1]) / k
        c[k] = sign * _dot(ja[1 : k + 1], s[k - 1 :: -1]) / k
    return s, c


def _sqrt(a: np.ndarray) -> np.ndarray:
    """sqrt from y^2 = a."""
    y = np.empty(a.shape)
    y[0] = np.sqrt(a[0])
    for k in range(1, a.shape[0]):
        y[k] = (a[k] - _dot(y[1:k], y[k - 1 : 0 : -1])) / (2.0 * y[0])
    return y


def power_real(a: np.ndarray, r: float, real_root: bool = False) -> np.ndarray:
    """a^r from a y' = r a' y; with real_root, the real branch for a < 0 (odd denominators)."""
    y = np.empty(a.shape)
    y[0] = root(a[0], r) if real_root else np.power(a[0], r)
    for k in range(1, a.shape[0]):
        weights = (r + 1.0) * np.arange(1.0, k + 1.0) - k
        y[k] = _dot(weights[:, None] * a[1 : k + 1], y[k - 1 :: -1]) / (k * a[0])
    return y


def _power_int(a: np.ndarray, n: int) -> np.ndarray:
    """a^n by repeated squaring, so that x^2 at x = 0 has its true derivatives."""
    result = np.zeros(a.shape)
    result[0] = 1.0
    base, m = a, abs(n)
    while m:
        if m & 1:
            result = _mul(result, base)
        m >>= 1
        if m:
            base = _mul(base, base)
    if n < 0:
        result = _div(np.float64(1.0), result)
    result[0] = np.power(a[0], float(n))
    return result


def _power(a: np.ndarray | np.float64, b: np.ndarray) -> np.ndarray:
    """a^b = exp(b log a) for a varying exponent."""
    if isinstance(a, np.ndarray):
        exponent = _mul(b, _log(a))
        start = np.power(a[0], b[0])
    else:
        exponent = b * np.log(a)
        start = np.power(a, b[0])
    return _exp(exponent, start)


def _kink(a: np.ndarray, relu: bool) -> np.ndarray:
    """abs or relu of a series whose value is not 0 (zero values are handled one-sidedly)."""
    a0 = a[0]
    if relu:
        y = np.where(a0 > 0, a, np.where(np.isnan(a0), np.nan, 0.0))
    else:
        y = np.sign(a0) * a
    y[0] = np.maximum(a0, 0.0) if relu else np.abs(a0)
    return y


def _flat_series(a: np.ndarray) -> np.ndarray:
    """exp(-1/a^2); where a = 0 the value underflows to exactly 0, and so does every coefficient.

    The same holds wherever |a| is so small that the value underflows: there the recurrence
    would give 0 * inf, while the true coefficients are far below the smallest float.
    """
    y = _exp(_div(np.float64(-1.0), _mul(a, a)))
    y[:, y[0] == 0] = 0.0
    return y


def unary(op: str, a: np.ndarray) -> np.ndarray:
    """Series of a one-argument operation applied to the series `a`."""
    a0 = a[0]
    if op == "neg":
        return -a
    if op == "exp":
        return _exp(a)
    if op == "log":
        return _log(a)
    if op in ("sin", "cos", "sinh", "cosh"):
        s, c = _sin_cos(a, hyperbolic=op.endswith("h"))
        return s if op.startswith("sin") else c
    if op == "tan":
        return _riccati(a, np.tan(a0), 1.0, 0.0, 1.0)
    if op == "tanh":
        return _riccati(a, np.tanh(a0), 1.0, 0.0, -1.0)
    if op == "sigmoid":
        return _riccati(a, sigmoid(a0), 0.0, 1.0, -1.0)
    if op == "softplus":
        return _integral(a, _riccati(a, sigmoid(a0), 0.0, 1.0, -1.0), softplus(a0))
    if op == "atan":
        one_plus_square = _mul(a, a)
        one_plus_square[0] += 1.0
        return _integral(a, _div(np.float64(1.0), one_plus_square), np.arctan(a0))
    if op == "sqrt":
        return _sqrt(a)
    if op in ("abs", "relu"):
        return _kink(a, relu=op == "relu")
    return _flat_series(a)


def series(node: Node, values: list) -> np.ndarray:
    """Series of one operation; at least one argument is a series."""
    op = node.op
    a = values[node.args[0]]
    if op == "powi":
        return _power_int(a, int(node.payload))
    if op in ("powr", "root"):
        return power_real(a, float(node.payload), real_root=op == "root")
    if op not in BINARY:
        return unary(op, a)
    b = values[node.args[1]]
    if op == "pow":
        return _power(a, b)
    a_series, b_series = isinstance(a, np.ndarray), isinstance(b, np.ndarray)
    if op == "mul":
        return _mul(a, b) if a_series and b_series else a * b
    if op == "div":
        return _div(a, b) if b_series else a / b
    if a_series and b_series:
        return BINARY[op](a, b)
    out = a.copy() if a_series else (-b if op == "sub" else b.copy())
    out[0] = BINARY[op](a[0] if a_series else a, b[0] if b_series else b)
    return out


# ---------------------------------------------------------------------------- Expr


_ZERO_ARGUMENT = frozenset({"abs", "relu", "sqrt", "log", "flat", "powr", "root"})


def critical(node: Node, values: list) -> np.ndarray | bool:
    """Points at which this operation is not analytic in its argument: a zero value of the
    argument of abs, relu, sqrt, log, flat and real powers, a zero denominator, a zero base."""
    op = node.op
    first = values[node.args[0]]
    if op in _ZERO_ARGUMENT or (op == "powi" and int(node.payload) < 0) or op == "pow":
        return first[0] == 0 if isinstance(first, np.ndarray) else bool(first == 0)
    if op == "div":
        second = values[node.args[1]]
        return second[0] == 0 if isinstance(second, np.ndarray) else False
    return False
