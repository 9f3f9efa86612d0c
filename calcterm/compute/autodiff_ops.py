"""The operations of a computation graph: each node's value and its local Jacobians.

Every value is a flat float vector (a scalar has size 1). `value_of(node, args)` computes
a node from its arguments; `partial_of(node, k, args, out)` is the local Jacobian
∂out/∂args[k] as a (size of out) × (size of argument) matrix: diagonal for elementwise
operations (1×1 for scalars), a column when a scalar is broadcast over a vector, and dense
for W·x, means, variances and normalisation. The elementwise set is exactly the expression
engine's and their values come from the engine's own `apply`, so a graph read from an
`Expr` computes the same numbers the engine does.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from calcterm.compute.parsing import Node as EngineNode
from calcterm.compute.parsing import apply, exponent

Vector = np.ndarray
POWERS = ("powi", "powr", "root")
"""Powers with a constant exponent (the payload); "root" is the real root for an odd denominator."""


def _sigmoid(a: Vector) -> Vector:
    return 1.0 / (1.0 + np.exp(-a))


def _kink(a: Vector, slope: Vector) -> Vector:
    """A one-sided slope where the kink sits exactly at the argument is undefined: NaN."""
    return np.where(a == 0, np.nan, slope)


_SLOPES: dict[str, Callable[[Vector, Vector], Vector]] = {
    "neg": lambda a, y: -np.ones_like(a),
    "sin": lambda a, y: np.cos(a),
    "cos": lambda a, y: -np.sin(a),
    "tan": lambda a, y: 1.0 + y * y,
    "exp": lambda a, y: y,
    "log": lambda a, y: 1.0 / a,
    "sqrt": lambda a, y: 0.5 / y,
    "abs": lambda a, y: _kink(a, np.sign(a)),
    "tanh": lambda a, y: 1.0 - y * y,
    "sigmoid": lambda a, y: y * (1.0 - y),
    "relu": lambda a, y: _kink(a, (a > 0).astype(float)),
    "softplus": lambda a, y: _sigmoid(a),
    "cosh": lambda a, y: np.sinh(a),
    "sinh": lambda a, y: np.cosh(a),
    "atan": lambda a, y: 1.0 / (1.0 + a * a),
    "flat": lambda a, y: np.where(y == 0, 0.0, 2.0 * y / (a * a * a)),
}
"""Derivatives of the engine's elementwise functions, given the argument a and the value y."""

_PARTIALS: dict[str, tuple[Callable, Callable]] = {
    "add": (lambda a, b, y: np.ones_like(y), lambda a, b, y: np.ones_like(y)),
    "sub": (lambda a, b, y: np.ones_like(y), lambda a, b, y: -np.ones_like(y)),
    "mul": (lambda a, b, y: b + 0 * a, lambda a, b, y: a + 0 * b),
    "div": (lambda a, b, y: 1.0 / b + 0 * a, lambda a, b, y: -y / b),
    "pow": (lambda a, b, y: b * np.power(a, b - 1.0), lambda a, b, y: y * np.log(a)),
}
"""The two partials of the engine's binary operations (same size, or a scalar broadcast)."""

RULES: dict[str, tuple[str, ...]] = {
    "add": ("1", "1"), "sub": ("1", "−1"), "mul": ("{b}", "{a}"), "div": ("1/{b}", "−{y}/{b}"),
    "pow": ("{b}·{a}^({b}−1)", "{y}·ln {a}"), "neg": ("−1",), "sin": ("cos {a}",),
    "cos": ("−sin {a}",), "tan": ("1+{y}²",), "exp": ("{y}",), "log": ("1/{a}",),
    "sqrt": ("1/(2{y})",), "abs": ("sign {a}",), "tanh": ("1−{y}²",), "sigmoid": ("{y}(1−{y})",),
    "relu": ("[{a}>0]",), "softplus": ("σ({a})",), "cosh": ("sinh {a}",), "sinh": ("cosh {a}",),
    "atan": ("1/(1+{a}²)",), "flat": ("2{y}/{a}³",), "powi": ("{n}·{a}^{m}",),
    "powr": ("{n}·{a}^{m}",), "root": ("{n}·|{a}|^{m}",), "matvec": ("I⊗{b}ᵀ", "{a}"), "affine": ("I⊗{b}ᵀ", "{a}", "I"),
    "scale_shift": ("{b}·I", "{a}", "1"), "sum": ("1ᵀ",), "mean": ("1ᵀ/m",),
    "var": ("2({a}−{b})ᵀ/m", "0"), "normalize": ("I/σ̂", "−1/σ̂", "−({a}−{b})/(2σ̂³)"),
    "halfsq": ("({a}−t)ᵀ",),
}  # fmt: skip
"""The local partial of each operation with respect to each argument, as a formula in the
argument names {a}, {b}, the node's own name {y} and a power's exponent {n} (and {m} = n−1)."""

KINDS: dict[str, str] = {"add": "sum", "sub": "sum", "mul": "product", "div": "quotient"}
"""Which rule of differentiation an edge is; every other operation is a chain-rule edge."""


def _power_slope(a: Vector, op: str, n: float) -> Vector:
    """d/da of a^n: n·a^(n−1) ("powi", "powr"); for the real root ("root", n = p/q with q
    odd) n·|a|^(n−1), times sign a when p is even (|a|^n is even in a)."""
    if n == 0:
        return np.zeros_like(a)
    if op != "root":
        return n * np.power(a, float(n) - 1.0)
    slope = n * np.power(np.abs(a), float(n) - 1.0)
    return slope if exponent(n).numerator % 2 else slope * np.sign(a)


def value_of(node: Any, args: Sequence[Vector]) -> Vector:
    """The value of one operation node from its arguments' values: the engine's own
    `apply` for its operations (the same numbers), the tables below for vector ones."""
    if node.op in TENSOR_OPS:
        return TENSOR_OPS[node.op][0](args, node.payload)
    if node.op not in _SLOPES and node.op not in _PARTIALS and node.op not in POWERS:
        raise ValueError(f"unknown operation {node.op!r}")
    return apply(EngineNode(node.op, tuple(range(len(args))), node.payload), list(args))


def partial_of(node: Any, k: int, args: Sequence[Vector], out: Vector) -> np.ndarray:
    """∂(node)/∂(argument k) as a (size of node) × (size of argument k) matrix."""
    op = node.op
    if op in TENSOR_OPS:
        return TENSOR_OPS[op][1](k, args, out, node.payload)
    if op in _SLOPES:
        slope = _SLOPES[op](args[0], out)
    elif op in _PARTIALS:
        slope = _PARTIALS[op][k](args[0], args[1], out)
    else:
        slope = _power_slope(args[0], op, node.payload)
    if args[k].size == out.size:
        return np.diag(slope)
    return slope.reshape(-1, 1)  # a scalar broadcast over a vector


def _matvec(args: Sequence[Vector], shape: tuple[int, int]) -> Vector:
    return args[0].reshape(shape) @ args[1]


def _matvec_partial(k: int, args: Sequence[Vector], out: Vector, shape: tuple[int, int]):
    if k == 1:
        return args[0].reshape(shape)
    return np.kron(np.eye(shape[0]), args[1][None, :])  # ∂(Wx)_i/∂W_ij = x_j, W row-major


def _normalize(args: Sequence[Vector], eps: float) -> Vector:
    x, mu, var = args
    return (x - mu) / np.sqrt(var + eps)


def _normalize_partial(k: int, args: Sequence[Vector], out: Vector, eps: float) -> np.ndarray:
    x, mu, var = args
    s = np.sqrt(var + eps)
    if k == 0:
        return np.eye(x.size) / s
    if k == 1:
        return -np.ones((x.size, 1)) / s
    return (-0.5 * (x - mu) / (s * s * s)).reshape(-1, 1)


def _affine(args: Sequence[Vector], shape: tuple[int, int]) -> Vector:
    return args[0].reshape(shape) @ args[1] + args[2]


def _affine_partial(k: int, args: Sequence[Vector], out: Vector, shape: tuple[int, int]):
    if k == 2:
        return np.eye(shape[0])
    return _matvec_partial(k, args, out, shape)


def _scale_shift_partial(k: int, args: Sequence[Vector], out: Vector, payload: Any):
    x, gamma = args[0], args[1]
    if k == 0:
        return np.eye(x.size) * gamma[0]
    return (x if k == 1 else np.ones_like(x)).reshape(-1, 1)


def _half_square_partial(k: int, args: Sequence[Vector], out: Vector, target: Vector):
    return (args[0] - target)[None, :]


TENSOR_OPS: dict[str, tuple[Callable, Callable]] = {
    "matvec": (_matvec, _matvec_partial),
    "affine": (_affine, _affine_partial),
    "scale_shift": (lambda args, p: args[1][0] * args[0] + args[2][0], _scale_shift_partial),
    "sum": (lambda args, p: np.array([args[0].sum()]),
            lambda k, args, out, p: np.ones((1, args[0].size))),
    "mean": (lambda args, p: np.array([args[0].mean()]),
             lambda k, args, out, p: np.full((1, args[0].size), 1.0 / args[0].size)),
    "var": (lambda args, p: np.array([np.mean((args[0] - args[1]) ** 2)]),
            lambda k, args, out, p: (2.0 * (args[0] - args[1])[None, :] / args[0].size) if k == 0
            else np.array([[-2.0 * np.mean(args[0] - args[1])]])),
    "normalize": (_normalize, _normalize_partial),
    "halfsq": (lambda args, t: np.array([0.5 * np.sum((args[0] - t) ** 2)]), _half_square_partial),
}
"""Vector operations: W·x and W·x + b (payload W's shape), γ·x + β for scalars γ, β, Σ,
mean, variance about a given mean, (x − μ)/√(σ² + ε) (payload ε), ½‖y − t‖² (payload t)."""
