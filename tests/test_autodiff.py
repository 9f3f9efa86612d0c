"""Forward and reverse mode against each other, the expression engine and finite differences."""

from __future__ import annotations

import math
import os

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from calcterm.compute import autodiff as ad
from calcterm.compute import autodiff_graphs as graphs
from calcterm.compute.expr import FUNCTIONS, parse

EXAMPLES = int(os.environ.get("CALCTERM_AD_EXAMPLES", "3000"))
"""Hypothesis expressions per property (CHAPTERS.md asks for 10⁴: set the variable to run them)."""

numbers = st.sampled_from(["0.5", "1", "2", "3", "0.25", "1.5", "pi", "e", "10"])


def formulas(variables: tuple[str, ...]) -> st.SearchStrategy[str]:
    leaves = st.one_of(st.sampled_from(variables), numbers)

    def grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        unary = st.tuples(st.sampled_from(FUNCTIONS + ("-",)), inner).map(
            lambda t: f"-({t[1]})" if t[0] == "-" else f"{t[0]}({t[1]})")
        binary = st.tuples(inner, st.sampled_from("+-*/^"), inner).map(
            lambda t: f"({t[0]}){t[1]}({t[2]})")
        return st.one_of(unary, binary, binary)

    return st.recursive(leaves, grow, max_leaves=12)


coordinates = st.floats(-3, 3, allow_nan=False).map(lambda v: round(v, 3))


def condition(trace: ad.Trace) -> np.ndarray:
    """Σ over paths of |products of local partials|: the size rounding errors scale with."""
    absolute = ad.Trace(trace.graph, trace.values,
                        {k: np.abs(v) for k, v in trace.partials.items()}, trace.active)
    bars = ad.adjoints(absolute, np.ones((trace.m, 1)))
    return np.array([0.0 if bars[i] is None else float(bars[i][0, 0]) for i in trace.graph.inputs])


def kink_at_zero(trace: ad.Trace) -> bool:
    """True where an operation meets an argument at which it has no finite derivative:
    abs or relu at exactly 0, sqrt or a fractional power or root at 0, a variable power of a
    base ≤ 0."""
    for node in trace.graph.nodes:
        if not node.args:
            continue
        a = trace.values[node.args[0]]
        if node.op in ("abs", "relu", "sqrt", "powr", "root") and np.any(a == 0):
            return True
        if node.op == "pow" and np.any(a <= 0):
            return True
    return False


@settings(max_examples=EXAMPLES, deadline=None)
@given(formulas(("x", "y")), coordinates, coordinates)
def test_both_modes_agree_with_each_other_and_with_the_engine(text, x, y):
    expr = parse(text, ("x", "y"))
    graph = ad.from_expr(expr)
    passes = ad.Passes()
    trace = ad.primal(graph, [x, y], passes)
    with np.errstate(all="ignore"):
        engine_value = float(expr.evaluate(x=x, y=y))
    value = float(trace.output()[0])
    # the same numpy functions on the same numbers (up to an ulp from numpy's array paths)
    assert np.isclose(value, engine_value, rtol=1e-14, atol=0, equal_nan=True)
    forward = ad.jacobian_forward(trace, passes)[0]
    reverse = ad.jacobian_reverse(trace, passes)[0]
    assert (passes.tangent, passes.backward) == (2, 1)
    with np.errstate(all="ignore"):
        engine = np.array([float(g) for g in expr.gradient(x=x, y=y)])
    scale = condition(trace)
    assume(np.isfinite(value) and np.all(np.isfinite(scale)) and np.all(scale < 1e12))
    assume(np.all(np.isfinite(forward)) or not kink_at_zero(trace))
    assert np.all(np.isfinite(forward)) and np.all(np.isfinite(reverse))
    tolerance = 1e-12 * len(graph.nodes) * (scale + 1.0)
    assert np.all(np.abs(forward - reverse) <= tolerance)
    if np.all(np.isfinite(engine)):
        assert np.all(np.abs(forward - engine) <= 1e3 * tolerance), (forward, engine)


def test_baydin_example_in_both_modes():
    """f(x₁, x₂) = ln x₁ + x₁x₂ − sin x₂ at (2, 5) (Baydin et al. 2018, table 2 and 3)."""
    trace = ad.primal(graphs.expr("log(x)+x*y-sin(y)", 2.0, 5.0).graph, [2.0, 5.0])
    assert trace.output()[0] == pytest.approx(math.log(2) + 10 - math.sin(5), abs=1e-15)
    expected = [1 / 2 + 5, 2 - math.cos(5)]
    assert np.allclose(ad.jacobian_forward(trace)[0], expected, atol=1e-15)
    assert np.allclose(ad.jacobian_reverse(trace)[0], expected, atol=1e-15)
    # x feeds ln x and x·y: its adjoint is the sum of two contributions (the sum rule)
    steps = list(ad.adjoint_steps(trace, np.ones((1, 1))))
    x_bar = [bars[0][0, 0] if bars[0] is not None else 0.0 for _, bars in steps]
    assert x_bar == [0.0, 0.0, 0.0, 5.0, 5.5, 5.5, 5.5]  # x̄ += v̄·y, then x̄ += v̄·(1/x)


@settings(max_examples=max(200, EXAMPLES // 10), deadline=None)
@given(st.lists(formulas(("x", "y", "z")), min_size=1, max_size=4),
       coordinates, coordinates, coordinates)
def test_n_forward_sweeps_or_m_reverse_sweeps_give_the_jacobian(texts, x, y, z):
    exprs = [parse(t, ("x", "y", "z")) for t in texts]
    graph = ad.merge([ad.from_expr(e) for e in exprs])
    trace = ad.primal(graph, [x, y, z])
    n, m = 3, len(texts)
    forward_passes, reverse_passes = ad.Passes(), ad.Passes()
    J_forward = ad.jacobian_forward(trace, forward_passes)
    J_reverse = ad.jacobian_reverse(trace, reverse_passes)
    assert J_forward.shape == J_reverse.shape == (m, n)
    assert (forward_passes.tangent, forward_passes.backward) == (n, 0)
    assert (reverse_passes.tangent, reverse_passes.backward) == (0, m)
    finite = np.isfinite(J_forward) & np.isfinite(J_reverse)
    assume(finite.all())
    scale = np.abs(J_forward) + 1.0
    assert np.all(np.abs(J_forward - J_reverse) <= 1e-9 * scale)
    sweeps = ad.Passes()
    for i in range(n):  # one forward sweep is one column: every output along e_i
        assert np.allclose(ad.jvp(trace, np.eye(n)[i], sweeps), J_forward[:, i], rtol=1e-9, atol=1e-9)
    for j in range(m):  # one reverse sweep is one row: one output against every input
        assert np.allclose(ad.vjp(trace, np.eye(m)[j], sweeps), J_reverse[j], rtol=1e-9, atol=1e-9)
    assert (sweeps.tangent, sweeps.backward) == (n, m)
    for j, expr in enumerate(exprs):
        with np.errstate(all="ignore"):
            engine = np.array([float(g) for g in expr.gradient(x=x, y=y, z=z)])
        if np.all(np.isfinite(engine)):
            assert np.allclose(J_forward[j], engine, rtol=1e-6, atol=1e-6 * scale[j].max())


def finite_difference_jacobian(setup: graphs.Setup, h: float = 1e-6) -> np.ndarray:
    flat = np.concatenate(setup.inputs)
    sizes = np.cumsum([v.size for v in setup.inputs])[:-1]

    def f(v: np.ndarray) -> np.ndarray:
        return ad.primal(setup.graph, np.split(v, sizes)).output()

    columns = []
    for i in range(flat.size):
        e = np.zeros(flat.size)
        e[i] = h
        columns.append((f(flat + e) - f(flat - e)) / (2 * h))
    return np.column_stack(columns)


@pytest.mark.parametrize("setup", [
    graphs.neuron(2.0, 5.0), graphs.torch(1.0, 2.0), graphs.mlp(0.7, -1.2, 3),
    graphs.batchnorm(2.0, 5.0, 0.0), graphs.batchnorm(0.3, -0.4, 0.1), graphs.wide(50, 4, 1),
], ids=["neuron", "torch", "mlp", "batchnorm", "batchnorm-eps", "wide"])
def test_preset_jacobians_match_finite_differences(setup):
    trace = ad.primal(setup.graph, setup.inputs)
    J = ad.jacobian_reverse(trace)
    assert np.allclose(ad.jacobian_forward(trace), J, rtol=1e-12, atol=1e-14)
    fd = finite_difference_jacobian(setup)
    assert np.allclose(J, fd, rtol=1e-6, atol=1e-7)


def test_torch_example_gives_the_articles_gradient():
    trace = ad.primal(graphs.torch(1.0, 2.0).graph, graphs.torch(1.0, 2.0).inputs)
    assert np.array_equal(ad.jacobian_reverse(trace), [[2.0, 4.0]])


def test_mlp_gradient_is_the_matrix_chain_rule():
    x = np.array([0.7, -1.2])
    W1, b1, W2, b2 = graphs.mlp_weights(3)
    h = np.tanh(W1 @ x + b1)
    r = W2 @ h + b2 - np.array(graphs.MLP_TARGET)
    delta = (W2.T @ r) * (1 - h * h)
    expected = np.concatenate([np.outer(delta, x).ravel(), delta, np.outer(r, h).ravel(), r])
    setup = graphs.mlp(0.7, -1.2, 3)
    trace = ad.primal(setup.graph, setup.inputs)
    assert np.allclose(ad.jacobian_reverse(trace)[0], expected, atol=1e-14)
    assert trace.output()[0] == pytest.approx(0.5 * r @ r)


def test_batchnorm_input_gradient_is_the_closed_form_and_sums_to_zero():
    rng = np.random.default_rng(0)
    for eps in (0.0, 1e-3, 0.5):
        x, y = rng.normal(size=2) * 3
        setup = graphs.batchnorm(x, y, eps)
        trace = ad.primal(setup.graph, setup.inputs)
        grad = ad.jacobian_reverse(trace)[0]
        dx, dgamma, dbeta = grad[:4], grad[4], grad[5]
        batch = np.array([x, y, *graphs.BN_TAIL])
        m = batch.size
        sigma = np.sqrt(batch.var() + eps)
        xhat = (batch - batch.mean()) / sigma
        g = graphs.BN_GAMMA * xhat + graphs.BN_BETA - np.array(graphs.BN_TARGET)  # ∂L/∂y
        closed = graphs.BN_GAMMA / (m * sigma) * (m * g - g.sum() - xhat * (g @ xhat))
        assert np.allclose(dx, closed, atol=1e-13)
        assert abs(dx.sum()) < 1e-13
        if eps == 0:
            assert abs(dx @ xhat) < 1e-12
        assert dgamma == pytest.approx(g @ xhat) and dbeta == pytest.approx(g.sum())


def test_wide_forward_mode_needs_n_sweeps_and_reverse_m():
    setup = graphs.wide(300, 2, 0)
    trace = ad.primal(setup.graph, setup.inputs)
    forward, reverse = ad.Passes(), ad.Passes()
    Jf = ad.jacobian_forward(trace, forward)
    Jr = ad.jacobian_reverse(trace, reverse)
    assert forward.tangent == 300 and reverse.backward == 2
    W1 = setup.graph.nodes[1].payload.reshape(graphs.WIDE_HIDDEN, 300)
    W2 = setup.graph.nodes[4].payload.reshape(2, graphs.WIDE_HIDDEN)
    h = np.tanh(W1 @ setup.inputs[0])
    closed = W2 @ np.diag(1 - h * h) @ W1
    assert np.allclose(Jf, closed, atol=1e-15) and np.allclose(Jr, closed, atol=1e-15)
    assert trace.tape_size == 300 + 16 + 16 + 2


def test_expr_graph_reads_the_engine_nodes_in_order():
    expr = parse("x*y+sin(x*y)", ("x", "y"))
    graph = ad.from_expr(expr)
    ops = [node.op for node in graph.nodes]
    assert ops == ["input", "input", "mul", "sin", "add"]  # x·y is shared, as the engine shares it
    assert ad.depths(graph) == [0, 0, 1, 2, 3]
    unused = ad.from_expr(parse("x^2", ("x", "y")))
    trace = ad.primal(unused, [3.0, 7.0])
    assert np.array_equal(ad.jacobian_reverse(trace), [[6.0, 0.0]])
    assert np.array_equal(ad.jacobian_forward(trace), [[6.0, 0.0]])
