"""Safe formulas typed by users, with exact derivatives of any order — or a plain "none".

`parse` reads text into whitelisted operations (`calcterm.compute.parsing`: no eval, no
Python ast). An `Expr` evaluates them on numpy arrays and differentiates them exactly:

* at ordinary points by Taylor-mode arithmetic (`calcterm.compute.jets`), vectorised over
  any number of points;
* at the points where an operation is not analytic — abs or relu of 0, sqrt, a real power,
  log or a quotient at a zero argument — by one-sided expansions from the left and from the
  right (`calcterm.compute.kinks`). A derivative exists exactly when both sides' expansions
  reach its order with whole exponents and agree; otherwise it is NaN. So sqrt(x^4) has
  f″(0) = 2, |x|³ has no f‴(0), sqrt(x²) and x^(1/3) have no f′(0), and the one-sided limits
  of f′ are true limits (±∞ included), not values at x₀ ± 1e-9.
"""

from __future__ import annotations

import math
from typing import Callable, Mapping

import numpy as np

from calcterm.compute import jets, kinks
from calcterm.compute.parsing import CONSTANTS, FUNCTIONS, MAX_DEPTH, MAX_LENGTH, ExprError, Node, apply, read

__all__ = ["CONSTANTS", "FUNCTIONS", "MAX_DEPTH", "MAX_LENGTH", "Expr", "ExprError", "parse"]


def parse(text: str, variables: tuple[str, ...] = ("x",)) -> Expr:
    """Read a formula typed by a user; any text either parses or raises ExprError."""
    variables = tuple(variables)
    return Expr(text, variables, read(text, variables))


class Expr:
    """A parsed formula: evaluate it on arrays, or take exact derivatives of any order."""

    __slots__ = ("text", "variables", "_nodes", "_drops", "_q")

    def __init__(self, text: str, variables: tuple[str, ...], nodes: list[Node]) -> None:
        self.text = text
        self.variables = variables
        self._nodes = tuple(nodes)
        last_use: dict[int, int] = {}
        for i, node in enumerate(nodes):
            for arg in node.args:
                last_use[arg] = i
        drops: list[list[int]] = [[] for _ in nodes]
        for arg, i in last_use.items():
            drops[i].append(arg)
        self._drops = tuple(tuple(d) for d in drops)
        self._q = 0

    def __repr__(self) -> str:
        return f"parse({self.text!r}, variables={self.variables!r})"

    @property
    def _denominator(self) -> int:
        """The q of `kinks.denominator`, found once, when a point first needs it."""
        if not self._q:
            self._q = kinks.denominator(self._nodes)
        return self._q

    def _inputs(self, values: Mapping[str, object]) -> list[np.ndarray]:
        unknown = sorted(set(values) - set(self.variables))
        if unknown:
            raise TypeError(f"unknown variable {unknown[0]!r}; variables: {', '.join(self.variables)}")
        missing = [v for v in self.variables if v not in values]
        if missing:
            raise TypeError(f"missing a value for variable {missing[0]!r}")
        return [np.asarray(values[v], dtype=np.float64) for v in self.variables]

    def _one_variable(self, method: str) -> str:
        if len(self.variables) != 1:
            raise ValueError(f"{method}() is for one variable; use taylor() with a direction")
        return self.variables[0]

    def _run(
        self, leaf: Callable[[int], np.ndarray], step: Callable[[Node, list], np.ndarray]
    ) -> np.ndarray | np.float64:
        """Walk the operations in order, dropping each value after its last use."""
        values: list = [None] * len(self._nodes)
        with np.errstate(all="ignore"):
            for i, node in enumerate(self._nodes):
                if node.op == "const":
                    values[i] = np.float64(node.payload)
                elif node.op == "var":
                    values[i] = leaf(int(node.payload))
                else:
                    values[i] = step(node, values)
                for j in self._drops[i]:
                    values[j] = None
        return values[-1]

    def evaluate(self, /, **values: np.ndarray | float) -> np.ndarray:
        """Values at the given points; nan or ±inf where undefined, never a numpy warning."""
        inputs = self._inputs(values)
        shape = np.broadcast_shapes(*(x.shape for x in inputs))
        result = self._run(inputs.__getitem__, apply)
        return np.array(np.broadcast_to(result, shape), dtype=np.float64)

    # ------------------------------------------------------------------ Taylor coefficients

    def _lines(
        self, direction: Mapping[str, float] | None, point: Mapping[str, object]
    ) -> tuple[np.ndarray, np.ndarray, tuple[int, ...]]:
        """Points and directions of the lines t ↦ point + t·direction, one row per variable."""
        inputs = self._inputs(point)
        if direction is None:
            if len(self.variables) > 1:
                raise ValueError("taylor() needs a direction when there are several variables")
            direction = {v: 1.0 for v in self.variables}
        stray = sorted(set(direction) - set(self.variables))
        if stray:
            raise ValueError(f"direction names unknown variable {stray[0]!r}")
        steps = [np.asarray(direction.get(v, 0.0), dtype=np.float64) for v in self.variables]
        shape = np.broadcast_shapes(*(x.shape for x in inputs + steps))
        starts = np.empty((len(inputs), math.prod(shape)))
        moves = np.empty_like(starts)
        for i, (x, d) in enumerate(zip(inputs, steps)):
            starts[i].reshape(shape)[...] = x
            moves[i].reshape(shape)[...] = d
        return starts, moves, shape

    def _series(self, order: int, starts: np.ndarray, moves: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Taylor-mode coefficients at every point, and which points need one-sided care."""
        size = starts.shape[1]
        critical = np.zeros(size, dtype=bool)

        def leaf(index: int) -> np.ndarray:
            series = np.zeros((order + 1, size))
            series[0] = starts[index]
            if order:
                series[1] = moves[index]
            return series

        def step(node: Node, values: list) -> np.ndarray:
            np.logical_or(critical, jets.critical(node, values), out=critical)
            return jets.series(node, values)

        result = self._run(leaf, step)
        if not isinstance(result, np.ndarray):
            series = np.zeros((order + 1, size))
            series[0] = result
            result = series
        return result, critical

    def _coefficients(
        self, order: int, starts: np.ndarray, moves: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Two-sided Taylor coefficients, NaN from the first missing order, and the critical points."""
        series, critical = self._series(order, starts, moves)
        for j in np.flatnonzero(critical) if critical.any() else ():
            series[:, j] = kinks.two_sided(self._nodes, self._denominator, starts[:, j].tolist(),
                                           moves[:, j].tolist(), float(series[0, j]), order)
        return series, critical

    def taylor(
        self, order: int, direction: Mapping[str, float] | None = None, **point: np.ndarray | float
    ) -> np.ndarray:
        """Coefficients of t -> f(point + t*direction) at t = 0, shape (order + 1, *points).

        Row 0 is the value, as `evaluate` gives it; row k is the k-th derivative along the
        direction divided by k!, exact, or NaN from the first order at which that derivative
        does not exist (at a kink: where the one-sided expansions stop agreeing).
        """
        order = int(order)
        if order < 0:
            raise ValueError(f"order must be at least 0, not {order}")
        starts, moves, shape = self._lines(direction, point)
        return self._coefficients(order, starts, moves)[0].reshape((order + 1, *shape))

    def derivative(self, k: int, **point: np.ndarray | float) -> np.ndarray:
        """k-th derivative of a one-variable formula, exact (k! times the Taylor coefficient),
        NaN where it does not exist."""
        self._one_variable("derivative")
        k = int(k)
        with np.errstate(all="ignore"):
            factorial = np.prod(np.arange(1.0, k + 1.0))
            return np.asarray(factorial * self.taylor(k, **point)[k, ...])

    def first_missing_order(self, x0: float, up_to: int) -> int | None:
        """The lowest k ≤ up_to with no k-th derivative at x0 (0: f(x0) is undefined), or None."""
        name = self._one_variable("first_missing_order")
        missing = np.flatnonzero(~np.isfinite(self.taylor(int(up_to), **{name: float(x0)})))
        return int(missing[0]) if missing.size else None

    def derivative_exists(self, k: int, x0: float) -> bool:
        """Whether the k-th derivative exists (and is finite) at x0; k = 0 asks about f(x0)."""
        return self.first_missing_order(x0, k) is None

    def one_sided_slope(self, x0: float, side: int) -> float:
        """lim f′(x) as x → x0 from the right (side=+1) or the left (side=−1).

        A true limit: ±inf when the graph turns vertical (x^(1/3) at 0), and NaN when f is
        not defined on that side (sqrt(x) at 0 from the left) or its expansion there has a
        logarithm (x·log x at 0), which these series do not represent.
        """
        name = self._one_variable("one_sided_slope")
        if side not in (1, -1):
            raise ValueError(f"side must be +1 (right) or -1 (left), not {side!r}")
        return side * float(self.ray_slope({name: float(side)}, **{name: float(x0)})) + 0.0

    def ray_slope(
        self, direction: Mapping[str, np.ndarray | float], **point: np.ndarray | float
    ) -> np.ndarray:
        """lim g′(t) as t → 0+ for g(t) = f(point + t·direction): the slope met on leaving the
        point along the ray, ±inf where g turns vertical, NaN where f is undefined on the ray."""
        starts, moves, shape = self._lines(direction, point)
        series, critical = self._series(1, starts, moves)
        slopes = series[1]
        for j in np.flatnonzero(critical):
            slopes[j] = kinks.one_sided_slope(self._nodes, self._denominator, starts[:, j].tolist(),
                                              moves[:, j].tolist(), 1)
        return slopes.reshape(shape)

    # ------------------------------------------------------------------ several variables

    def partials(self, **point: np.ndarray | float) -> tuple[np.ndarray, ...]:
        """Exact partial derivatives, one array per variable; each NaN where it does not exist."""
        return tuple(self.taylor(1, {v: 1.0}, **point)[1, ...] for v in self.variables)

    def gradient(self, **point: np.ndarray | float) -> tuple[np.ndarray, ...]:
        """Exact gradient, one array per variable; NaN in every component where f has no
        tangent plane, even where the partials exist (sqrt(|x·y|) at the origin)."""
        rows = []
        for v in self.variables:
            starts, moves, shape = self._lines({v: 1.0}, point)
            coefficients, critical = self._coefficients(1, starts, moves)
            rows.append(coefficients[1])
        grad = np.array(rows)
        if len(self.variables) > 1:
            for j in np.flatnonzero(critical):
                if not (np.all(np.isfinite(grad[:, j])) and kinks.differentiable(
                        self._nodes, self._denominator, starts[:, j].tolist(), grad[:, j],
                        float(coefficients[0, j]))):
                    grad[:, j] = np.nan
        return tuple(row.reshape(shape) for row in grad)

    def hessian(self, **point: np.ndarray | float) -> np.ndarray:
        """Exact second derivatives, shape (n, n, *points), by polarisation of second-order series."""
        names = self.variables
        half_diag = [self.taylor(2, {v: 1.0}, **point)[2, ...] for v in names]
        shape = np.broadcast_shapes(*(h.shape for h in half_diag))
        result = np.empty((len(names), len(names), *shape))
        with np.errstate(all="ignore"):
            for i, u in enumerate(names):
                result[i, i] = 2.0 * half_diag[i]
                for j in range(i):
                    both = self.taylor(2, {u: 1.0, names[j]: 1.0}, **point)[2, ...]
                    result[i, j] = result[j, i] = both - half_diag[i] - half_diag[j]
        return result

