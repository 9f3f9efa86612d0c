"""Computation graphs and the two modes of automatic differentiation, counted pass by pass.

A graph is a list of nodes in evaluation order; each node is an input, a constant, or an
operation on earlier nodes. Every value is a flat float vector (a scalar has size 1), and
every edge carries the local Jacobian ∂v_j/∂v_i of a node with respect to one argument
(1×1 for a scalar operation, e.g. cos v for sin v; r×rc for W in W·x).

The chain rule can be run in two directions:
  forward mode   seed one input direction ẋ and push tangents v̇_j = Σ_i (∂v_j/∂v_i) v̇_i
                 from inputs to outputs: one sweep gives one Jacobian–vector product, the
                 derivative of *every output* along that direction, i.e. one column of J;
  reverse mode   seed one output weighting ȳ and pull adjoints v̄_i += v̄_j (∂v_j/∂v_i)
                 from outputs to inputs: one sweep gives one vector–Jacobian product, one
                 row of J. A node feeding several others collects their contributions with
                 `+=` (the sum rule).
So the full m × n Jacobian of f: ℝⁿ → ℝᵐ costs n forward sweeps or m reverse sweeps: a
scalar loss (m = 1) needs one reverse sweep, whatever n is. The price of reverse mode is
memory: the backward sweep reads every intermediate value, all kept on a tape.

`from_expr` reads the graph that calcterm's own expression engine evaluates; the tensor
graphs (a two-layer net, BatchNorm, the PyTorch example, a wide net) live in
`autodiff_graphs.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import numpy as np

from calcterm.compute.autodiff_ops import KINDS, RULES, partial_of, value_of
from calcterm.compute.expr import Expr

__all__ = ["Graph", "Node", "Passes", "Trace", "KINDS", "RULES", "adjoint_steps", "adjoints",
           "depths", "from_expr", "jacobian_forward", "jacobian_reverse", "jvp", "merge",
           "primal", "tangents", "vjp", "expr_nodes"]

Vector = np.ndarray


@dataclass(frozen=True)
class Node:
    """One node: `op` is "input", "const" or an operation in OPS; `args` index earlier nodes."""

    op: str
    args: tuple[int, ...] = ()
    payload: Any = None
    name: str = ""


@dataclass(frozen=True)
class Graph:
    """Nodes in evaluation order; `inputs` and `outputs` are node indices (J's columns, rows)."""

    nodes: tuple[Node, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]


@dataclass
class Passes:
    """Sweeps run so far: the cost that slip 7 is about."""

    primal: int = 0
    tangent: int = 0
    backward: int = 0


# ------------------------------------------------------------------------------ reading an Expr


def expr_nodes(expr: Expr) -> tuple[tuple[str, tuple[int, ...], Any], ...]:
    """The engine's parsed operations as (op, args, payload) in evaluation order.

    This is the read-only `graph()` view the design asks of `Expr`; it is written here,
    over the parsed tree, so that the engine's module stays as it is. When `Expr` offers
    `graph()` itself, that is used.
    """
    public = getattr(expr, "graph", None)
    raw = public() if callable(public) else expr._nodes  # noqa: SLF001 - the parsed tree
    return tuple((n[0], tuple(n[1]), n[2]) for n in raw)


def from_expr(expr: Expr) -> Graph:
    """The engine's graph for `expr`, with one input node per variable (in variable order,
    first) even when a variable is unused, and the formula's result as the single output."""
    raw = expr_nodes(expr)
    names = expr.variables
    nodes = [Node("input", name=v) for v in names]
    where: dict[int, int] = {}
    for i, (op, args, payload) in enumerate(raw):
        if op == "var":
            where[i] = int(payload)
            continue
        where[i] = len(nodes)
        if op == "const":
            nodes.append(Node("const", payload=np.array([float(payload)])))
        else:
            nodes.append(Node(op, tuple(where[a] for a in args), payload))
    return Graph(tuple(nodes), tuple(range(len(names))), (where[len(raw) - 1],))


def merge(graphs: Sequence[Graph]) -> Graph:
    """One graph with the outputs of all `graphs`, which must share the same inputs: the
    m-output function x ↦ (f₁(x), …, f_m(x))."""
    first = graphs[0]
    n_in = len(first.inputs)
    nodes = list(first.nodes[:n_in])
    outputs = []
    for g in graphs:
        if g.inputs != tuple(range(n_in)):
            raise ValueError("merge needs graphs whose inputs come first, in the same order")
        offset = len(nodes) - n_in
        remap = {i: i if i < n_in else i + offset for i in range(len(g.nodes))}
        for node in g.nodes[n_in:]:
            nodes.append(Node(node.op, tuple(remap[a] for a in node.args), node.payload, node.name))
        outputs.extend(remap[o] for o in g.outputs)
    return Graph(tuple(nodes), first.inputs, tuple(outputs))


# ------------------------------------------------------------------------------ sweeps


@dataclass
class Trace:
    """A primal sweep's values and the local partials on every edge that carries derivative."""

    graph: Graph
    values: list[Vector]
    partials: dict[tuple[int, int], np.ndarray]
    active: list[bool]

    @property
    def sizes(self) -> list[int]:
        return [v.size for v in self.values]

    @property
    def n(self) -> int:
        return sum(self.values[i].size for i in self.graph.inputs)

    @property
    def m(self) -> int:
        return sum(self.values[o].size for o in self.graph.outputs)

    @property
    def tape_size(self) -> int:
        """Numbers reverse mode keeps for its backward sweep: every non-constant value."""
        return sum(v.size for v, a in zip(self.values, self.active) if a)

    def output(self) -> Vector:
        return np.concatenate([self.values[o] for o in self.graph.outputs])


def primal(graph: Graph, inputs: Sequence[Vector | float], passes: Passes | None = None) -> Trace:
    """Evaluate every node, and every local partial along edges from input-dependent nodes."""
    values: list[Vector] = []
    active: list[bool] = []
    partials: dict[tuple[int, int], np.ndarray] = {}
    feed = iter(inputs)
    with np.errstate(all="ignore"):
        for j, node in enumerate(graph.nodes):
            if node.op == "input":
                values.append(np.atleast_1d(np.asarray(next(feed), dtype=float)).ravel())
                active.append(True)
                continue
            if node.op == "const":
                values.append(np.atleast_1d(np.asarray(node.payload, dtype=float)).ravel())
                active.append(False)
                continue
            args = [values[a] for a in node.args]
            out = np.atleast_1d(value_of(node, args)).astype(float).ravel()
            values.append(out)
            active.append(any(active[a] for a in node.args))
            for k, a in enumerate(node.args):
                if active[a]:
                    partials[(j, k)] = np.atleast_2d(partial_of(node, k, args, out))
    if passes is not None:
        passes.primal += 1
    return Trace(graph, values, partials, active)


def _columns(trace: Trace) -> list[slice]:
    spans, start = [], 0
    for i in trace.graph.inputs:
        spans.append(slice(start, start + trace.values[i].size))
        start += trace.values[i].size
    return spans


def tangents(trace: Trace, seeds: np.ndarray | None = None,
             passes: Passes | None = None) -> list[np.ndarray | None]:
    """Forward mode with k seed directions at once (seeds: n × k, one column per sweep):
    every node's tangents, size × k (None for constants). `seeds=None` means the n unit
    directions e₁ … eₙ (the whole Jacobian) without forming the n × n identity."""
    graph = trace.graph
    n = trace.n
    if seeds is not None:
        seeds = np.asarray(seeds, dtype=float).reshape(n, -1)
    k = n if seeds is None else seeds.shape[1]
    spans = dict(zip(graph.inputs, _columns(trace)))
    dots: list[np.ndarray | None] = [None] * len(graph.nodes)
    if seeds is not None:
        for i, span in spans.items():
            dots[i] = seeds[span]
    with np.errstate(all="ignore"):
        for j, node in enumerate(graph.nodes):
            if node.op in ("input", "const") or not trace.active[j]:
                continue
            total = np.zeros((trace.values[j].size, k))
            for a_k, a in enumerate(node.args):
                if (j, a_k) not in trace.partials:
                    continue
                local = trace.partials[(j, a_k)]
                if seeds is None and a in spans:
                    total[:, spans[a]] += local  # P·(identity block) is P itself
                else:
                    total += local @ dots[a]
            dots[j] = total
    if seeds is None:
        for i, span in spans.items():
            dots[i] = None  # the identity blocks were never formed
    if passes is not None:
        passes.tangent += k
    return dots


def adjoints(trace: Trace, seeds: np.ndarray, passes: Passes | None = None) -> list[np.ndarray | None]:
    """Reverse mode with k output weightings at once (seeds: m × k, one column per sweep):
    every node's adjoints, size × k (None where no derivative flows)."""
    bars: list[np.ndarray | None] = []
    for _, bars in _backward(trace, seeds, passes):
        pass
    return bars


def adjoint_steps(trace: Trace, seeds: np.ndarray, passes: Passes | None = None
                  ) -> Iterator[tuple[int, list[np.ndarray | None]]]:
    """The backward sweep one node at a time: yields (node just processed, adjoints so far),
    last node first. Each yielded list is a fresh copy, so an animation can keep them."""
    for j, bars in _backward(trace, seeds, passes):
        yield j, [None if b is None else b.copy() for b in bars]


def _backward(trace: Trace, seeds: np.ndarray, passes: Passes | None
              ) -> Iterator[tuple[int, list[np.ndarray | None]]]:
    graph = trace.graph
    seeds = np.asarray(seeds, dtype=float).reshape(trace.m, -1)
    bars: list[np.ndarray | None] = [None] * len(graph.nodes)
    row = 0
    for o in graph.outputs:
        size = trace.values[o].size
        block = seeds[row:row + size]
        bars[o] = block if bars[o] is None else bars[o] + block
        row += size
    if passes is not None:
        passes.backward += seeds.shape[1]
    with np.errstate(all="ignore"):
        for j in range(len(graph.nodes) - 1, -1, -1):
            node = graph.nodes[j]
            if bars[j] is not None:
                for k, a in enumerate(node.args):
                    if (j, k) in trace.partials:
                        term = trace.partials[(j, k)].T @ bars[j]
                        bars[a] = term if bars[a] is None else bars[a] + term
            yield j, bars


def _stack(blocks: list[np.ndarray | None], sizes: list[int], k: int) -> np.ndarray:
    return np.concatenate([np.zeros((s, k)) if b is None else b for b, s in zip(blocks, sizes)])


def jacobian_forward(trace: Trace, passes: Passes | None = None) -> np.ndarray:
    """The m × n Jacobian from n forward sweeps, one column each."""
    dots = tangents(trace, None, passes)
    outs = trace.graph.outputs
    for i, span in zip(trace.graph.inputs, _columns(trace)):
        if i in outs:  # an input that is itself an output: its rows of J select it
            dots[i] = np.zeros((span.stop - span.start, trace.n))
            dots[i][:, span] = np.eye(span.stop - span.start)
    return _stack([dots[o] for o in outs], [trace.values[o].size for o in outs], trace.n)


def jacobian_reverse(trace: Trace, passes: Passes | None = None) -> np.ndarray:
    """The m × n Jacobian from m reverse sweeps, one row each."""
    bars = adjoints(trace, np.eye(trace.m), passes)
    ins = trace.graph.inputs
    return _stack([bars[i] for i in ins], [trace.values[i].size for i in ins], trace.m).T


def jvp(trace: Trace, direction: Sequence[float], passes: Passes | None = None) -> Vector:
    """One forward sweep: J·v, the derivative of every output along the input direction v."""
    dots = tangents(trace, np.asarray(direction, dtype=float).reshape(-1, 1), passes)
    outs = trace.graph.outputs
    return _stack([dots[o] for o in outs], [trace.values[o].size for o in outs], 1)[:, 0]


def vjp(trace: Trace, weights: Sequence[float], passes: Passes | None = None) -> Vector:
    """One reverse sweep: uᵀJ, the derivative of the output combination uᵀf along every input."""
    bars = adjoints(trace, np.asarray(weights, dtype=float).reshape(-1, 1), passes)
    ins = trace.graph.inputs
    return _stack([bars[i] for i in ins], [trace.values[i].size for i in ins], 1)[:, 0]


def depths(graph: Graph) -> list[int]:
    """Column of each node in a left-to-right drawing: leaves 0, else 1 + deepest argument."""
    depth: list[int] = []
    for node in graph.nodes:
        depth.append(1 + max(depth[a] for a in node.args) if node.args else 0)
    return depth
