"""Safe formulas typed by users, with exact derivatives of any order.

Users type functions such as ``sin(x)*exp(-x^2/2)``. A small hand-written tokenizer and
recursive-descent parser turn the text into a list of whitelisted operations, so nothing
typed can ever run code (no ``eval``, no Python ``ast``). The operations are stored in
evaluation order (each refers to earlier ones by index), which lets both evaluation and
differentiation run as flat loops: deep formulas cannot exhaust the Python stack.

Derivatives come from Taylor-mode automatic differentiation: every operation maps the
truncated Taylor series of its inputs to the series of its output with the classical
recurrences, so derivatives are exact up to rounding instead of finite-difference guesses.
"""

from __future__ import annotations

import math
import string
from typing import Callable, Mapping, NamedTuple, NoReturn

import numpy as np

MAX_LENGTH = 1000
"""Longest formula accepted, so parsing and evaluation stay instant."""

MAX_DEPTH = 200
"""Deepest nesting of parentheses, calls, signs and powers, so the parser cannot recurse out."""

FUNCTIONS: tuple[str, ...] = (
    "sin", "cos", "tan", "exp", "log", "ln", "sqrt", "abs", "tanh",
    "sigmoid", "relu", "softplus", "cosh", "sinh", "atan", "flat",
)  # fmt: skip
_CONSTANT_VALUES = {"pi": math.pi, "e": math.e}
CONSTANTS: tuple[str, ...] = tuple(_CONSTANT_VALUES)

_ALIASES = {"ln": "log"}
_RESERVED = frozenset({"self", "order", "direction", "k"})
_SPACE = frozenset(" \t\n\r\f\v")
_DIGITS = frozenset(string.digits)
_NAME_START = frozenset(string.ascii_letters + "_")
_NAME_CHARS = _NAME_START | _DIGITS
_OPERATORS = frozenset("+-*/^()")
_LARGEST_INTEGER_POWER = 2**53
_QUOTE_WIDTH = 60


class ExprError(ValueError):
    """Text that is not a formula; carries the 0-based position so a UI can point at it."""

    def __init__(self, problem: str, text: str, position: int, hint: str = "") -> None:
        super().__init__(problem, text, position, hint)
        self.problem = problem
        self.text = text
        self.position = position
        self.hint = hint

    def __str__(self) -> str:
        hint = f"; {self.hint}" if self.hint else ""
        return f"{self.problem} at column {self.position + 1} in {_quote(self.text, self.position)}{hint}"


def _quote(text: str, position: int) -> str:
    """The text as a one-line literal, cut to a window around `position` when long."""
    if len(text) <= _QUOTE_WIDTH:
        return repr(text)
    start = max(0, min(position - _QUOTE_WIDTH // 2, len(text) - _QUOTE_WIDTH))
    end = start + _QUOTE_WIDTH
    return ("..." if start else "") + repr(text[start:end]) + ("..." if end < len(text) else "")


class _Node(NamedTuple):
    op: str
    args: tuple[int, ...]
    payload: float | int | None = None


class _Token(NamedTuple):
    kind: str  # "num", "name", "end", or the operator itself: + - * / ^ ( )
    text: str
    pos: int
    value: float = 0.0


# ---------------------------------------------------------------------------- values


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def _relu(a: np.ndarray) -> np.ndarray:
    return np.maximum(a, 0.0)


def _softplus(a: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, a)


def _flat(a: np.ndarray) -> np.ndarray:
    return np.where(a == 0, 0.0, np.exp(-1.0 / (a * a)))


_UNARY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "neg": np.negative, "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp,
    "log": np.log, "sqrt": np.sqrt, "abs": np.abs, "tanh": np.tanh, "sigmoid": _sigmoid,
    "relu": _relu, "softplus": _softplus, "cosh": np.cosh, "sinh": np.sinh,
    "atan": np.arctan, "flat": _flat,
}  # fmt: skip
_BINARY: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "pow": np.power,
}  # fmt: skip
_BINARY_OPS = {"+": "add", "-": "sub", "*": "mul", "/": "div"}


def _apply(node: _Node, values: list) -> np.ndarray:
    """Value of one operation on plain arrays; the caller holds np.errstate."""
    first = values[node.args[0]]
    if node.op in _BINARY:
        return _BINARY[node.op](first, values[node.args[1]])
    if node.op in ("powi", "powr"):
        return np.power(first, float(node.payload))
    return _UNARY[node.op](first)


# ---------------------------------------------------------------------------- parser


class _Parser:
    """Recursive descent with one explicit depth counter; every failure is an ExprError.

    Each nesting level costs at most two Python frames, so MAX_DEPTH keeps the stack small.
    Operations are appended in evaluation order with constant folding and sharing of
    repeated subexpressions.
    """

    def __init__(self, text: str, variables: tuple[str, ...]) -> None:
        self.text = text
        self.variables = variables
        self.cursor = 0
        self.token_end = 0
        self.depth = 0
        self.nodes: list[_Node] = []
        self.known: dict[tuple, int] = {}
        self.tok = self._lex()

    def fail(self, problem: str, position: int, hint: str = "") -> NoReturn:
        raise ExprError(problem, self.text, position, hint)

    # -- tokens

    def _lex(self) -> _Token:
        text, n = self.text, len(self.text)
        i = self.cursor
        while i < n and text[i] in _SPACE:
            i += 1
        if i == n:
            self.cursor = i
            return _Token("end", "", self.token_end)
        ch = text[i]
        if ch in _DIGITS or (ch == "." and i + 1 < n and text[i + 1] in _DIGITS):
            token = self._number(i)
        elif ch in _NAME_START:
            j = i + 1
            while j < n and text[j] in _NAME_CHARS:
                j += 1
            token = _Token("name", text[i:j], i)
        elif text.startswith("**", i):
            token = _Token("^", "**", i)
        elif ch in _OPERATORS:
            token = _Token(ch, ch, i)
        else:
            code = "" if ch.isascii() else f" (U+{ord(ch):04X})"
            self.fail(f"unexpected character {ch!r}{code}", i)
        self.cursor = self.token_end = i + len(token.text)
        return token

    def _number(self, i: int) -> _Token:
        text, n = self.text, len(self.text)
        j = i
        while j < n and text[j] in _DIGITS:
            j += 1
        if j < n and text[j] == ".":
            j += 1
            while j < n and text[j] in _DIGITS:
                j += 1
        if j < n and text[j] in "eE":
            k = j + 1
            if k < n and text[k] in "+-":
                k += 1
            if k < n and text[k] in _DIGITS:
                while k < n and text[k] in _DIGITS:
                    k += 1
                j = k
            elif k > j + 1:
                self.fail("malformed number: the exponent has no digits", k)
        value = float(text[i:j])
        if not math.isfinite(value):
            self.fail("number too large", i)
        return _Token("num", text[i:j], i, value)

    def _advance(self) -> None:
        self.tok = self._lex()

    def _unexpected(self) -> NoReturn:
        tok = self.tok
        if tok.kind == "end":
            self.fail("expected an expression", tok.pos)
        hint = ""
        if tok.kind in ("num", "name", "("):
            hint = "implicit multiplication is not supported, write '*'"
        self.fail(f"unexpected {tok.text!r}", tok.pos, hint)

    def _enter(self, position: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            self.fail(f"nested too deeply (more than {MAX_DEPTH} levels)", position)

    def _close(self, open_pos: int) -> None:
        if self.tok.kind == ")":
            self._advance()
            self.depth -= 1
            return
        if self.tok.kind == "end":
            self.fail("expected ')'", self.tok.pos, f"the '(' at column {open_pos + 1} is never closed")
        self._unexpected()

    # -- grammar

    def parse(self) -> list[_Node]:
        """The operations the result needs, in evaluation order, the result last."""
        root = self._sum()
        if self.tok.kind != "end":
            self._unexpected()
        needed = {root}
        for i in range(root, -1, -1):
            if i in needed:
                needed.update(self.nodes[i].args)
        order = sorted(needed)
        renumber = {old: new for new, old in enumerate(order)}
        return [
            self.nodes[i]._replace(args=tuple(renumber[a] for a in self.nodes[i].args)) for i in order
        ]

    def _sum(self) -> int:
        """sum := product (('+'|'-') product)*, product := operand (('*'|'/') operand)*."""
        total = -1
        pending = ""
        while True:
            term = self._operand()
            while self.tok.kind in ("*", "/"):
                op = _BINARY_OPS[self.tok.kind]
                self._advance()
                term = self._add(op, (term, self._operand()))
            total = term if total < 0 else self._add(pending, (total, term))
            if self.tok.kind not in ("+", "-"):
                return total
            pending = _BINARY_OPS[self.tok.kind]
            self._advance()

    def _operand(self) -> int:
        """operand := ('+'|'-')* (atom | function? '(' sum ')') ('^' operand)?

        So -x^2 = -(x^2) and 2^-1 works. Parentheses are handled here rather than in a
        helper so that each nesting level costs only this frame and one of _sum.
        """
        signs: list[str] = []
        while self.tok.kind in ("+", "-"):
            self._enter(self.tok.pos)
            signs.append(self.tok.kind)
            self._advance()
        function = self._function()
        if self.tok.kind == "(":
            open_pos = self.tok.pos
            self._enter(open_pos)
            self._advance()
            node = self._sum()
            self._close(open_pos)
            if function:
                node = self._add(function, (node,))
        else:
            node = self._atom()
        if self.tok.kind == "^":
            self._enter(self.tok.pos)
            self._advance()
            node = self._add("pow", (node, self._operand()))
            self.depth -= 1
        for sign in reversed(signs):
            if sign == "-":
                node = self._add("neg", (node,))
        self.depth -= len(signs)
        return node

    def _function(self) -> str:
        """Consume a function name, which must be followed by '('; "" if there is none."""
        tok = self.tok
        if tok.kind != "name" or tok.text not in FUNCTIONS:
            return ""
        self._advance()
        if self.tok.kind != "(":
            self.fail(f"expected '(' after {tok.text!r}", self.tok.pos)
        return _ALIASES.get(tok.text, tok.text)

    def _atom(self) -> int:
        """A number, variable or constant; checked before the next token is read."""
        tok = self.tok
        if tok.kind == "num":
            node = self._add("const", (), tok.value)
        elif tok.kind != "name":
            self._unexpected()
        elif tok.text in self.variables:
            node = self._add("var", (), self.variables.index(tok.text))
        elif tok.text in CONSTANTS:
            node = self._add("const", (), _CONSTANT_VALUES[tok.text])
        else:
            names = ", ".join(self.variables) or "none"
            hint = f"known functions: {', '.join(FUNCTIONS)}; variables: {names}"
            self.fail(f"unknown name {tok.text!r}", tok.pos, hint)
        self._advance()
        return node

    # -- operations

    def _add(self, op: str, args: tuple[int, ...], payload: float | int | None = None) -> int:
        """Append an operation, folding constants and reusing an identical earlier one."""
        nodes = self.nodes
        if args and all(nodes[a].op == "const" for a in args):
            values = [np.float64(nodes[a].payload) for a in args]
            with np.errstate(all="ignore"):
                folded = float(_apply(_Node(op, tuple(range(len(args))), payload), values))
            return self._add("const", (), folded)
        if op == "pow" and nodes[args[1]].op == "const":
            exponent = float(nodes[args[1]].payload)
            if exponent.is_integer() and abs(exponent) <= _LARGEST_INTEGER_POWER:
                return self._add("powi", args[:1], int(exponent))
            return self._add("powr", args[:1], exponent)
        key = (op, args, payload.hex() if isinstance(payload, float) else payload)
        if key not in self.known:
            self.known[key] = len(nodes)
            nodes.append(_Node(op, args, payload))
        return self.known[key]


def parse(text: str, variables: tuple[str, ...] = ("x",)) -> Expr:
    """Read a formula typed by a user; any text either parses or raises ExprError."""
    variables = tuple(variables)
    for name in variables:
        valid = bool(name) and name[0] in _NAME_START and set(name) <= _NAME_CHARS
        if not valid or name in FUNCTIONS or name in CONSTANTS or name in _RESERVED:
            raise ValueError(f"{name!r} cannot be a variable name")
    if len(set(variables)) != len(variables):
        raise ValueError(f"repeated variable names in {variables!r}")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"too long ({len(text)} characters, at most {MAX_LENGTH})", text, MAX_LENGTH)
    return Expr(text, variables, _Parser(text, variables).parse())


# ---------------------------------------------------------------------------- series
# A series is an array of shape (order + 1, n): row k holds the t^k coefficients at n points.
# Constants stay np.float64 scalars; every operation reaching these helpers has at least
# one series argument because the parser folds all-constant operations.


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


def _at_zero_base(a: np.ndarray, y: np.ndarray) -> np.ndarray:
    """sqrt and real powers at a zero argument: no derivative unless the argument stays put."""
    zero = a[0] == 0
    if zero.any():
        still = zero & ~np.any(a[1:] != 0, axis=0)
        y[1:, zero & ~still] = np.nan
        y[1:, still] = 0.0
    return y


def _sqrt(a: np.ndarray) -> np.ndarray:
    """sqrt from y^2 = a."""
    y = np.empty(a.shape)
    y[0] = np.sqrt(a[0])
    for k in range(1, a.shape[0]):
        y[k] = (a[k] - _dot(y[1:k], y[k - 1 : 0 : -1])) / (2.0 * y[0])
    return _at_zero_base(a, y)


def _power_real(a: np.ndarray, r: float) -> np.ndarray:
    """a^r from a y' = r a' y."""
    y = np.empty(a.shape)
    y[0] = np.power(a[0], r)
    for k in range(1, a.shape[0]):
        weights = (r + 1.0) * np.arange(1.0, k + 1.0) - k
        y[k] = _dot(weights[:, None] * a[1 : k + 1], y[k - 1 :: -1]) / (k * a[0])
    return _at_zero_base(a, y)


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
    """abs or relu of a series; at a zero argument only the orders that exist are finite.

    If the argument's first nonzero coefficient has even order m, the result is smooth
    there (e.g. abs(x^2)); if odd, coefficients from order m on are NaN (e.g. abs(x) at 0).
    """
    a0 = a[0]
    if relu:
        y = np.where(a0 > 0, a, np.where(np.isnan(a0), np.nan, 0.0))
    else:
        y = np.sign(a0) * a
    zero = a0 == 0
    if zero.any() and a.shape[0] > 1:
        cols = a[:, zero]
        nonzero = cols[1:] != 0
        has = nonzero.any(axis=0)
        lead_row = nonzero.argmax(axis=0) + 1
        lead = cols[lead_row, np.arange(cols.shape[1])]
        even = has & (lead_row % 2 == 0)
        if relu:
            smooth = np.where(lead > 0, cols, np.where(np.isnan(lead), np.nan, 0.0))
        else:
            smooth = np.sign(lead) * cols
        rows = np.arange(a.shape[0])[:, None]
        block = np.where(even, smooth, 0.0)
        block[has & ~even & (rows >= lead_row)] = np.nan
        y[:, zero] = block
    y[0] = _relu(a0) if relu else np.abs(a0)
    return y


def _flat_series(a: np.ndarray) -> np.ndarray:
    """exp(-1/a^2); where a = 0 the value underflows to exactly 0, and so does every coefficient.

    The same holds wherever |a| is so small that the value underflows: there the recurrence
    would give 0 * inf, while the true coefficients are far below the smallest float.
    """
    y = _exp(_div(np.float64(-1.0), _mul(a, a)))
    y[:, y[0] == 0] = 0.0
    return y


def _series_unary(op: str, a: np.ndarray) -> np.ndarray:
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
        return _riccati(a, _sigmoid(a0), 0.0, 1.0, -1.0)
    if op == "softplus":
        return _integral(a, _riccati(a, _sigmoid(a0), 0.0, 1.0, -1.0), _softplus(a0))
    if op == "atan":
        one_plus_square = _mul(a, a)
        one_plus_square[0] += 1.0
        return _integral(a, _div(np.float64(1.0), one_plus_square), np.arctan(a0))
    if op == "sqrt":
        return _sqrt(a)
    if op in ("abs", "relu"):
        return _kink(a, relu=op == "relu")
    return _flat_series(a)


def _series(node: _Node, values: list) -> np.ndarray:
    """Series of one operation; at least one argument is a series."""
    op = node.op
    a = values[node.args[0]]
    if op == "powi":
        return _power_int(a, int(node.payload))
    if op == "powr":
        return _power_real(a, float(node.payload))
    if op not in _BINARY:
        return _series_unary(op, a)
    b = values[node.args[1]]
    if op == "pow":
        return _power(a, b)
    a_series, b_series = isinstance(a, np.ndarray), isinstance(b, np.ndarray)
    if op == "mul":
        return _mul(a, b) if a_series and b_series else a * b
    if op == "div":
        return _div(a, b) if b_series else a / b
    if a_series and b_series:
        return _BINARY[op](a, b)
    out = a.copy() if a_series else (-b if op == "sub" else b.copy())
    out[0] = _BINARY[op](a[0] if a_series else a, b[0] if b_series else b)
    return out


# ---------------------------------------------------------------------------- Expr


class Expr:
    """A parsed formula: evaluate it on arrays, or take exact derivatives of any order."""

    __slots__ = ("text", "variables", "_nodes", "_drops")

    def __init__(self, text: str, variables: tuple[str, ...], nodes: list[_Node]) -> None:
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

    def __repr__(self) -> str:
        return f"parse({self.text!r}, variables={self.variables!r})"

    def _inputs(self, values: Mapping[str, object]) -> list[np.ndarray]:
        unknown = sorted(set(values) - set(self.variables))
        if unknown:
            raise TypeError(f"unknown variable {unknown[0]!r}; variables: {', '.join(self.variables)}")
        missing = [v for v in self.variables if v not in values]
        if missing:
            raise TypeError(f"missing a value for variable {missing[0]!r}")
        return [np.asarray(values[v], dtype=np.float64) for v in self.variables]

    def _run(
        self, leaf: Callable[[int], np.ndarray], step: Callable[[_Node, list], np.ndarray]
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
        result = self._run(inputs.__getitem__, _apply)
        return np.array(np.broadcast_to(result, shape), dtype=np.float64)

    def taylor(
        self, order: int, direction: Mapping[str, float] | None = None, **point: np.ndarray | float
    ) -> np.ndarray:
        """Coefficients of t -> f(point + t*direction) at t = 0, shape (order + 1, *points).

        Row k is the k-th derivative along the direction divided by k!, computed exactly.
        """
        order = int(order)
        if order < 0:
            raise ValueError(f"order must be at least 0, not {order}")
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
        size = math.prod(shape)

        def leaf(index: int) -> np.ndarray:
            series = np.zeros((order + 1, size))
            series[0] = np.broadcast_to(inputs[index], shape).ravel()
            if order:
                series[1] = np.broadcast_to(steps[index], shape).ravel()
            return series

        result = self._run(leaf, _series)
        if not isinstance(result, np.ndarray):
            series = np.zeros((order + 1, size))
            series[0] = result
            result = series
        return result.reshape((order + 1, *shape))

    def derivative(self, k: int, **point: np.ndarray | float) -> np.ndarray:
        """k-th derivative of a one-variable formula, exact (k! times the Taylor coefficient)."""
        if len(self.variables) != 1:
            raise ValueError("derivative() is for one variable; use taylor() with a direction")
        k = int(k)
        with np.errstate(all="ignore"):
            factorial = np.prod(np.arange(1.0, k + 1.0))
            return np.asarray(factorial * self.taylor(k, **point)[k, ...])

    def gradient(self, **point: np.ndarray | float) -> tuple[np.ndarray, ...]:
        """Exact partial derivatives, one array per variable."""
        return tuple(self.taylor(1, {v: 1.0}, **point)[1, ...] for v in self.variables)

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
