"""The graphs the `autodiff` scene walks through, each with the point it is evaluated at.

  expr       a formula in x and y, as calcterm's expression engine parsed it
  neuron     σ(w₁x₁ + w₂x₂ + b): five scalar inputs, one output
  torch      the PyTorch example: x ∈ ℝ², y = x², z = Σ y (x = (1, 2) gives ∇z = (2, 4))
  mlp        a two-layer tanh net with a squared-error loss, weights as tensor inputs
  batchnorm  x ∈ ℝᵐ → μ, σ² → x̂ → y = γx̂ + β → ½‖y − t‖²: the three paths from x to L
  wide       y = W₂ tanh(W₁x), x ∈ ℝⁿ, y ∈ ℝᵐ: where n forward against m reverse sweeps bites

Every input, weight and target is a fixed number or comes from a seeded generator, so a
graph is the same on every run.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from calcterm.compute.autodiff import Graph, Node, from_expr
from calcterm.compute.expr import parse

GRAPHS = ("expr", "neuron", "mlp", "batchnorm", "torch", "wide")
NEURON_TEXT = "sigmoid(w1*x1+w2*x2+b)"
NEURON_WEIGHTS = (0.5, -0.3, 0.1)
"""w₁, w₂, b of the neuron preset; x₁, x₂ are the scene's evaluation point."""
BN_TAIL = (1.0, -1.0)
"""The batch is (x, y, 1, −1): two entries the learner moves, two fixed."""
BN_TARGET = (1.0, 0.0, -1.0, 0.5)
BN_GAMMA, BN_BETA = 1.5, 0.5
MLP_HIDDEN, MLP_OUT = 3, 2
MLP_TARGET = (1.0, 0.0)
WIDE_HIDDEN = 16


@dataclass(frozen=True)
class Setup:
    """A graph and the values of its inputs, in the order of `graph.inputs`."""

    graph: Graph
    inputs: tuple[np.ndarray, ...]


def _inputs(*values: object) -> tuple[np.ndarray, ...]:
    return tuple(np.atleast_1d(np.asarray(v, dtype=float)).ravel() for v in values)


def expr(text: str, x: float, y: float) -> Setup:
    """The engine's own graph of a formula in x and y, at (x, y)."""
    return Setup(from_expr(parse(text, ("x", "y"))), _inputs(x, y))


def neuron(x: float, y: float) -> Setup:
    """One sigmoid neuron as the engine parses it; inputs x₁, x₂, w₁, w₂, b."""
    graph = from_expr(parse(NEURON_TEXT, ("x1", "x2", "w1", "w2", "b")))
    return Setup(graph, _inputs(x, y, *NEURON_WEIGHTS))


def torch(x: float, y: float) -> Setup:
    """x = (x, y) → x² (elementwise) → Σ: the article's PyTorch snippet as a tensor graph."""
    nodes = (Node("input", name="x"), Node("powi", (0,), 2, "y"), Node("sum", (1,), None, "z"))
    return Setup(Graph(nodes, (0,), (2,)), _inputs((x, y)))


def mlp_weights(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """W₁ (3×2), b₁, W₂ (2×3), b₂ with Xavier-scaled Gaussian entries."""
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((MLP_HIDDEN, 2)) * np.sqrt(2.0 / (2 + MLP_HIDDEN))
    b1 = rng.standard_normal(MLP_HIDDEN) * 0.1
    W2 = rng.standard_normal((MLP_OUT, MLP_HIDDEN)) * np.sqrt(2.0 / (MLP_HIDDEN + MLP_OUT))
    b2 = rng.standard_normal(MLP_OUT) * 0.1
    return W1, b1, W2, b2


def mlp(x: float, y: float, seed: int) -> Setup:
    """L = ½‖W₂ tanh(W₁x + b₁) + b₂ − t‖² with x = (x, y); inputs W₁, b₁, W₂, b₂."""
    W1, b1, W2, b2 = mlp_weights(seed)
    nodes = (
        Node("input", name="W₁"), Node("input", name="b₁"), Node("input", name="W₂"),
        Node("input", name="b₂"), Node("const", payload=np.array([x, y]), name="x"),
        Node("affine", (0, 4, 1), W1.shape, "z₁"), Node("tanh", (5,), None, "h"),
        Node("affine", (2, 6, 3), W2.shape, "ŷ"), Node("halfsq", (7,), np.array(MLP_TARGET), "L"),
    )  # fmt: skip
    return Setup(Graph(nodes, (0, 1, 2, 3), (8,)), _inputs(W1, b1, W2, b2))


def batchnorm(x: float, y: float, eps: float) -> Setup:
    """BatchNorm of one feature over the batch (x, y, 1, −1), then a squared-error loss."""
    nodes = (
        Node("input", name="x"), Node("input", name="γ"), Node("input", name="β"),
        Node("mean", (0,), None, "μ"), Node("var", (0, 3), None, "σ²"),
        Node("normalize", (0, 3, 4), float(eps), "x̂"), Node("scale_shift", (5, 1, 2), None, "y"),
        Node("halfsq", (6,), np.array(BN_TARGET), "L"),
    )  # fmt: skip
    return Setup(Graph(nodes, (0, 1, 2), (7,)), _inputs((x, y, *BN_TAIL), BN_GAMMA, BN_BETA))


def wide(n: int, m: int, seed: int) -> Setup:
    """y = W₂ tanh(W₁x) with x ∈ ℝⁿ, 16 hidden units and y ∈ ℝᵐ (fixed random weights)."""
    rng = np.random.default_rng(seed)
    W1 = rng.standard_normal((WIDE_HIDDEN, n)) / np.sqrt(n)
    W2 = rng.standard_normal((m, WIDE_HIDDEN)) / np.sqrt(WIDE_HIDDEN)
    x = rng.standard_normal(n)
    nodes = (
        Node("input", name="x"), Node("const", payload=W1.ravel(), name="W₁"),
        Node("matvec", (1, 0), W1.shape, "u"), Node("tanh", (2,), None, "h"),
        Node("const", payload=W2.ravel(), name="W₂"), Node("matvec", (4, 3), W2.shape, "y"),
    )  # fmt: skip
    return Setup(Graph(nodes, (0,), (5,)), _inputs(x))
