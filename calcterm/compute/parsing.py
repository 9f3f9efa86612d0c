"""Reading formulas typed by users into a flat list of whitelisted operations.

A small hand-written tokenizer and recursive-descent parser turn the text into operations
stored in evaluation order (each refers to earlier ones by index), so nothing typed can
ever run code (no ``eval``, no Python ``ast``) and both evaluation and differentiation run
as flat loops: deep formulas cannot exhaust the Python stack. This module also holds the
value of each operation on plain arrays, which constant folding needs.
"""

from __future__ import annotations

import functools
import math
import string
from fractions import Fraction
from typing import Callable, NamedTuple, NoReturn

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


class Node(NamedTuple):
    """One operation: its name, the indices of its arguments, and a constant it carries."""

    op: str
    args: tuple[int, ...]
    payload: float | int | None = None


class _Token(NamedTuple):
    kind: str  # "num", "name", "end", or the operator itself: + - * / ^ ( )
    text: str
    pos: int
    value: float = 0.0


# ---------------------------------------------------------------------------- values


def sigmoid(a: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-a))


def relu(a: np.ndarray) -> np.ndarray:
    return np.maximum(a, 0.0)


def softplus(a: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, a)


def _flat(a: np.ndarray) -> np.ndarray:
    return np.where(a == 0, 0.0, np.exp(-1.0 / (a * a)))


UNARY: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "neg": np.negative, "sin": np.sin, "cos": np.cos, "tan": np.tan, "exp": np.exp,
    "log": np.log, "sqrt": np.sqrt, "abs": np.abs, "tanh": np.tanh, "sigmoid": sigmoid,
    "relu": relu, "softplus": softplus, "cosh": np.cosh, "sinh": np.sinh,
    "atan": np.arctan, "flat": _flat,
}  # fmt: skip
BINARY: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide, "pow": np.power,
}  # fmt: skip
_BINARY_OPS = {"+": "add", "-": "sub", "*": "mul", "/": "div"}


MAX_DENOMINATOR = 360
"""Largest denominator a typed real exponent is read as (0.3 is 3/10, 1/3 is one third)."""


@functools.lru_cache(maxsize=256)
def exponent(r: float) -> Fraction | None:
    """The fraction a typed real exponent stands for, None if it is not finite.

    1/3 parses to the float nearest one third, and x^(1/3) means the cube root, so a float
    within 2 ulp of a fraction with a denominator up to MAX_DENOMINATOR is read as that
    fraction; any other float stands for its exact binary value.
    """
    if not math.isfinite(r):
        return None
    near = Fraction(r).limit_denominator(MAX_DENOMINATOR)
    return near if abs(float(near) - r) <= 2 * math.ulp(r) else Fraction(r)


def root(a: np.ndarray, r: float) -> np.ndarray:
    """a^r for r = m/n with n odd: the real root, also for a < 0 (x^(1/3) is the cube root,
    x^(2/3) = |x|^(2/3)), as a "root" operation stands for."""
    size = np.power(np.abs(a), r)
    return np.copysign(size, a) if exponent(r).numerator % 2 else size


def apply(node: Node, values: list) -> np.ndarray:
    """Value of one operation on plain arrays; the caller holds np.errstate."""
    first = values[node.args[0]]
    if node.op in BINARY:
        return BINARY[node.op](first, values[node.args[1]])
    if node.op in ("powi", "powr"):
        return np.power(first, float(node.payload))
    if node.op == "root":
        return root(first, float(node.payload))
    return UNARY[node.op](first)


def power_op(r: float) -> tuple[str, float | int]:
    """The operation for a power with the constant exponent r: "powi" for whole numbers,
    "root" for fractions with an odd denominator (real for a negative base), else "powr"."""
    if r.is_integer() and abs(r) <= _LARGEST_INTEGER_POWER:
        return "powi", int(r)
    fraction = exponent(r)
    if fraction is not None and fraction.denominator % 2:
        return "root", r
    return "powr", r


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
        self.nodes: list[Node] = []
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

    def parse(self) -> list[Node]:
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
        if op == "pow" and nodes[args[1]].op == "const":
            op, payload = power_op(float(nodes[args[1]].payload))
            args = args[:1]
        if args and all(nodes[a].op == "const" for a in args):
            values = [np.float64(nodes[a].payload) for a in args]
            with np.errstate(all="ignore"):
                folded = float(apply(Node(op, tuple(range(len(args))), payload), values))
            return self._add("const", (), folded)
        key = (op, args, payload.hex() if isinstance(payload, float) else payload)
        if key not in self.known:
            self.known[key] = len(nodes)
            nodes.append(Node(op, args, payload))
        return self.known[key]


def read(text: str, variables: tuple[str, ...]) -> list[Node]:
    """The operations of a formula, the result last; any text either parses or raises ExprError."""
    for name in variables:
        valid = bool(name) and name[0] in _NAME_START and set(name) <= _NAME_CHARS
        if not valid or name in FUNCTIONS or name in CONSTANTS or name in _RESERVED:
            raise ValueError(f"{name!r} cannot be a variable name")
    if len(set(variables)) != len(variables):
        raise ValueError(f"repeated variable names in {variables!r}")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"too long ({len(text)} characters, at most {MAX_LENGTH})", text, MAX_LENGTH)
    return _Parser(text, variables).parse()
