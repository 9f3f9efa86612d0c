"""Matrix identities entry by entry, against finite differences written out here, at random shapes."""

from __future__ import annotations

import numpy as np
import pytest

from calcterm.compute.matrixcalc import (
    IDENTITIES, VEC_IDENTITIES, comparison, make_check, max_error, numeric, unvec, vec,
)

SEEDS = range(6)


def fd_gradient(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """∂f/∂x_j one entry at a time, with a plain Python loop (no batching)."""
    g = np.zeros_like(x, dtype=float)
    for j in np.ndindex(x.shape):
        e = np.zeros_like(x, dtype=float)
        e[j] = h
        g[j] = (f(x + e) - f(x - e)) / (2 * h)
    return g


def fd_jacobian(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Columns over the entries of x in column-major (Fortran) order, outputs as f returns them."""
    cols = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = h
        e = e.reshape(x.shape, order="F")
        cols.append((f(x + e) - f(x - e)) / (2 * h))
    return np.array(cols).T


def shapes(seed: int, k: int) -> list[int]:
    return [int(v) for v in np.random.default_rng(100 + seed).integers(2, 7, k)]


@pytest.mark.parametrize("seed", SEEDS)
def test_scalar_gradients(seed):
    rng = np.random.default_rng(seed)
    n, p = shapes(seed, 2)
    a, x = rng.standard_normal(n), rng.standard_normal(n)
    A = rng.standard_normal((n, n))
    S = A + A.T
    assert fd_gradient(lambda z: a @ z, x) == pytest.approx(a, abs=1e-8)
    assert fd_gradient(lambda z: z @ A @ z, x) == pytest.approx((A + A.T) @ x, abs=1e-7)
    assert fd_gradient(lambda z: z @ S @ z, x) == pytest.approx(2 * S @ x, abs=1e-7)
    X = rng.standard_normal((n, p))
    assert fd_gradient(lambda z: np.trace(z.T @ z), X) == pytest.approx(2 * X, abs=1e-7)
    B = rng.standard_normal((p, n))
    assert fd_gradient(lambda z: np.trace(B @ z), X) == pytest.approx(B.T, abs=1e-8)
    M = rng.standard_normal((n, n)) + 3 * n * np.eye(n)
    assert fd_gradient(lambda z: np.log(abs(np.linalg.det(z))), M) == pytest.approx(
        np.linalg.inv(M).T, abs=1e-7)


@pytest.mark.parametrize("seed", SEEDS)
def test_vec_identity_in_both_orders(seed):
    rng = np.random.default_rng(seed)
    r, n, c, q = shapes(seed, 4)
    A, X, B = rng.standard_normal((r, n)), rng.standard_normal((n, c)), rng.standard_normal((c, q))
    col = (A @ X @ B).ravel(order="F")
    row = (A @ X @ B).ravel()
    assert np.kron(B.T, A) @ X.ravel(order="F") == pytest.approx(col, abs=1e-12)
    assert np.kron(A, B.T) @ X.ravel() == pytest.approx(row, abs=1e-12)
    # the trap: the column formula applied to NumPy's row-major ravel is wrong
    assert np.abs(np.kron(B.T, A) @ X.ravel() - row).max() > 1e-3
    assert fd_jacobian(lambda z: (A @ z @ B).ravel(order="F"), X) == pytest.approx(np.kron(B.T, A), abs=1e-8)


@pytest.mark.parametrize("seed", SEEDS)
def test_mixed_product_and_inverse(seed):
    rng = np.random.default_rng(seed)
    a1, a2, c2, b1, b2, d2 = shapes(seed, 6)
    A, C = rng.standard_normal((a1, a2)), rng.standard_normal((a2, c2))
    B, D = rng.standard_normal((b1, b2)), rng.standard_normal((b2, d2))
    assert np.kron(A, B) @ np.kron(C, D) == pytest.approx(np.kron(A @ C, B @ D), abs=1e-11)
    P = rng.standard_normal((a1, a1)) + 3 * a1 * np.eye(a1)
    Q = rng.standard_normal((b1, b1)) + 3 * b1 * np.eye(b1)
    assert np.linalg.inv(np.kron(P, Q)) == pytest.approx(np.kron(np.linalg.inv(P), np.linalg.inv(Q)), abs=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_batch_gradient_is_g_transpose_x(seed):
    rng = np.random.default_rng(seed)
    batch, n_in, n_out = shapes(seed, 3)
    X, W = rng.standard_normal((batch, n_in)), rng.standard_normal((n_out, n_in))
    b, Y = rng.standard_normal(n_out), rng.standard_normal((batch, n_out))

    def loss(w, bias=b):
        return 0.5 * ((np.tanh(X @ w.T + bias) - Y) ** 2).sum()

    t = np.tanh(X @ W.T + b)
    G = (t - Y) * (1 - t * t)
    assert fd_gradient(loss, W) == pytest.approx(G.T @ X, abs=1e-7)
    assert fd_gradient(lambda bias: loss(W, bias), b) == pytest.approx(G.sum(axis=0), abs=1e-7)
    # the same gradient as the sum of per-example gradients (the article's first formula)
    per_example = sum(np.outer(G[i], X[i]) for i in range(batch))
    assert per_example == pytest.approx(G.T @ X, abs=1e-12)


@pytest.mark.parametrize("name", [i for i in IDENTITIES if i != "vectorize"])
@pytest.mark.parametrize("order", ["column", "row"])
@pytest.mark.parametrize("seed", SEEDS)
def test_module_checks_agree_with_loop_differences(name, order, seed):
    """The module's analytic derivative, and its batched differences, against the loop here."""
    for symmetric in (False, True):
        check = make_check(name, 5, order, symmetric, "random", np.random.default_rng(seed))
        x = check.point
        if check.vector_valued:
            def f(z):
                return check.f(z[None])[0]
            jac = fd_jacobian(f, x) if order == "column" else _row_jacobian(f, x)
            truth = jac
        else:
            truth = fd_gradient(lambda z: float(check.f(z[None])[0]), x)
        scale = 1 + np.abs(truth).max()
        assert np.abs(check.analytic - truth).max() < 1e-6 * scale, (name, order, symmetric)
        assert np.abs(numeric(check, 1e-6) - truth).max() < 1e-7 * scale


def _row_jacobian(f, x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    cols = []
    for j in range(x.size):
        e = np.zeros(x.size)
        e[j] = h
        cols.append((f(x + e.reshape(x.shape)) - f(x - e.reshape(x.shape))) / (2 * h))
    return np.array(cols).T


@pytest.mark.parametrize("name", [i for i in IDENTITIES if i != "vectorize"])
def test_error_against_h_has_the_truncation_rounding_v(name):
    check = make_check(name, 4, preset="random", rng=np.random.default_rng(7))
    hs = np.logspace(-1, -13, 25)
    err = max_error(check, hs)
    best = err.min()
    assert best < 1e-7 * (1 + np.abs(check.analytic).max())
    assert err[-1] > 10 * best                        # rounding takes over at tiny h


def test_article_preset_shows_the_batch_shape_slip():
    check = make_check("batch-grad", 3, preset="article")
    G, X, W = check.matrices["G"], check.matrices["X"], check.matrices["W"]
    assert G.shape == (2, 2) and X.T.shape == (3, 2) and W.shape == (2, 3)
    assert not check.extra["article_product_defined"] and not check.extra["article_formula_shape_ok"]
    assert check.analytic.shape == W.shape
    square = make_check("batch-grad", 2, preset="article")     # out = in = batch: shapes fit,
    assert square.extra["article_formula_shape_ok"]             # the numbers still do not
    assert square.extra["article_formula_error"] > 1e-3


def test_kron_vec_check_knows_the_other_formula_fails():
    for order in ("column", "row"):
        check = make_check("kron-vec", 4, order, preset="random", rng=np.random.default_rng(2))
        assert check.extra["other_formula_error"] > 1e-3
        assert max_error(check, 1e-5) < 1e-8


def test_vec_and_unvec_round_trip_in_both_orders():
    x = np.arange(12.0).reshape(3, 4)
    assert vec(x, "column").tolist() == x.ravel(order="F").tolist()
    assert vec(x, "row").tolist() == x.ravel().tolist()
    for order in ("column", "row"):
        assert np.array_equal(unvec(vec(x, order), (3, 4), order), x)
    with pytest.raises(ValueError, match="column or row"):
        vec(x, "diagonal")


def test_vectorized_forward_pass_equals_the_double_loop_and_is_faster():
    check = make_check("vectorize", 4, preset="random", rng=np.random.default_rng(0))
    analytic, looped = comparison(check, 1e-3)
    assert np.abs(analytic - looped).max() < 1e-12
    X, W, b = check.matrices["X"], check.matrices["W"], check.matrices["b"]
    assert check.analytic == pytest.approx(np.einsum("bi,oi->bo", X, W) + b, abs=1e-12)
    assert check.extra["speedup"] > 2           # timing on a shared machine: a weak claim


def test_unknown_identity_is_named():
    with pytest.raises(ValueError, match="kron-vec"):
        make_check("hessian", 3)
    assert set(VEC_IDENTITIES) < set(IDENTITIES)
