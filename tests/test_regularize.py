"""Regularisation compute against closed forms, enumeration and independent integration."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calcterm.compute import regularize as R

coordinate = st.floats(-2, 2, allow_nan=False).map(lambda v: round(v, 3))
correlation = st.floats(-0.95, 0.95, allow_nan=False).map(lambda v: round(v, 3))


def brute_force_minimum(H, a, penalty, lam, w0):
    """Polish a start by coordinate descent with exact 1-D minimisation (an independent solver)."""
    l1, l2 = R.split(penalty, lam)
    w = np.array(w0, dtype=float)
    for _ in range(5000):
        before = w.copy()
        for j in range(len(w)):
            q = H[j, j] + 2 * l2
            c = (H @ a)[j] - (H[j] @ w - H[j, j] * w[j])
            w[j] = np.sign(c) * max(abs(c) - l1, 0.0) / q
        if np.max(np.abs(w - before)) <= 1e-16 * (1 + np.max(np.abs(w))):
            break  # a fixed point to rounding: more sweeps change nothing
    return w


@settings(max_examples=200, deadline=None)
@given(coordinate, coordinate, correlation, st.floats(0, 2), st.sampled_from(R.PENALTIES))
def test_exact_solution_matches_coordinate_descent(a1, a2, corr, lam, penalty):
    H, a = R.correlated_hessian(corr), np.array([a1, a2])
    w = R.solve(H, a, penalty, lam)
    check = brute_force_minimum(H, a, penalty, lam, np.zeros(2))
    assert np.allclose(w, check, atol=1e-7)
    assert R.objective(H, a, w, penalty, lam) <= R.objective(H, a, check, penalty, lam) + 1e-12


def test_l2_shrinks_each_eigendirection_by_h_over_h_plus_2_lambda():
    rng = np.random.default_rng(0)
    for _ in range(20):
        Q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
        h = rng.uniform(0.1, 5, 3)
        H, a, lam = Q @ np.diag(h) @ Q.T, rng.standard_normal(3), rng.uniform(0, 3)
        w = R.l2_solution(H, a, lam)
        assert np.allclose(Q.T @ w, h / (h + 2 * lam) * (Q.T @ a))
        factors, V = R.l2_shrinkage(H, lam)
        assert np.allclose(np.sort(factors), np.sort(h / (h + 2 * lam)))
        lams = rng.uniform(0, 3, 5)
        assert np.allclose(R.l2_path(H, a, lams), [R.l2_solution(H, a, v) for v in lams])
    # not uniform: with ρ = 0.6 the two directions shrink by different factors
    factors, _ = R.l2_shrinkage(R.correlated_hessian(0.6), 0.2)
    assert factors == pytest.approx([0.4 / 0.8, 1.6 / 2.0])


def test_default_l1_path_in_closed_form():
    """a = (1, 0.4), ρ = 0.6: w = a − λH⁻¹(1, 1) until w₂ = 0 at λ = 0.4/0.625 = 0.64;
    then w₁ = (Ha)₁ − λ = 1.24 − λ until λ_max = ‖Ha‖∞ = 1.24."""
    H, a = R.correlated_hessian(0.6), np.array([1.0, 0.4])
    path = R.l1_path(H, a)
    assert path.zero_at() == pytest.approx([1.24, 0.64], abs=1e-15)
    assert R.lambda_max(H, a) == pytest.approx(1.24)
    for lam in np.linspace(0, 1.3, 27):
        if lam < 0.64:
            expected = a - lam * np.linalg.solve(H, [1.0, 1.0])
        else:
            expected = np.array([max(1.24 - lam, 0.0), 0.0])
        assert np.allclose(path.at(lam), expected, atol=1e-14)
        assert np.allclose(R.solve(H, a, "l1", lam), expected, atol=1e-12)


@settings(max_examples=300, deadline=None)
@given(coordinate, coordinate, correlation)
def test_l1_path_is_exact_and_coordinates_are_exactly_zero_where_they_leave(a1, a2, corr):
    H, a = R.correlated_hessian(corr), np.array([a1, a2])
    path = R.l1_path(H, a)
    assert path.lam[0] == 0 and path.lam[-1] == pytest.approx(R.lambda_max(H, a))
    for lam in np.linspace(0, 1.1 * R.lambda_max(H, a), 23):
        assert np.allclose(path.at(lam), R.solve(H, a, "l1", lam), atol=1e-9)
    for j, lam0 in enumerate(path.zero_at()):
        assert R.solve(H, a, "l1", lam0)[j] == 0.0  # exactly, at the knot
        if lam0 > 1e-9:
            assert R.solve(H, a, "l1", lam0 * (1 - 1e-6))[j] != 0.0
    if corr == 0:  # uncorrelated features: soft thresholding, each leaves at λ = |a_j|
        assert path.zero_at() == pytest.approx(np.abs(a), abs=1e-12)


def test_l1_path_in_four_dimensions_matches_the_exact_solver():
    rng = np.random.default_rng(4)
    for _ in range(25):
        B = rng.standard_normal((6, 4))
        H, a = B.T @ B / 6 + 0.05 * np.eye(4), rng.standard_normal(4)
        path = R.l1_path(H, a)
        for lam in np.linspace(0, R.lambda_max(H, a), 17):
            assert np.allclose(path.at(lam), R.solve(H, a, "l1", lam), atol=1e-9)


def test_proximal_steps_give_exact_zeros_and_subgradient_steps_do_not():
    H, a, lam = R.correlated_hessian(0.6), np.array([1.0, 0.4]), 0.9
    eta = 1.0 / np.linalg.eigvalsh(H).max()
    prox = R.ista(H, a, "l1", lam, eta, 300)
    sub = R.subgradient(H, a, "l1", lam, eta, 300)
    exact = R.solve(H, a, "l1", lam)
    assert exact[1] == 0.0
    assert np.allclose(prox[-1], exact, atol=1e-12) and prox[-1][1] == 0.0
    assert np.all(sub[-50:, 1] != 0.0)  # it jitters around 0 and never lands on it
    assert np.abs(sub[-50:, 1]).max() > 1e-3
    assert np.all(np.diff([R.objective(H, a, w, "l1", lam) for w in prox]) <= 1e-15)
    # with the diminishing step η/√(k+1) the subgradient method does approach the optimum
    f_star = R.objective(H, a, exact, "l1", lam)
    long = R.subgradient(H, a, "l1", lam, eta, 3000)
    best = min(R.objective(H, a, w, "l1", lam) for w in long)
    assert 0 < best - f_star < 1e-2 and np.all(long[-100:, 1] != 0)


def test_ista_converges_to_the_exact_solution_for_every_penalty():
    H, a = R.correlated_hessian(-0.4), np.array([-0.8, 1.5])
    for penalty in R.PENALTIES:
        w = R.ista(H, a, penalty, 0.5, 1.0 / 1.4, 2000)[-1]
        assert np.allclose(w, R.solve(H, a, penalty, 0.5), atol=1e-10), penalty


def rk4(rhs, state, t_end, steps):
    h = t_end / steps
    out = [state]
    for _ in range(steps):
        k1 = rhs(state)
        k2 = rhs(state + h / 2 * k1)
        k3 = rhs(state + h / 2 * k2)
        k4 = rhs(state + h * k3)
        state = state + h / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        out.append(state)
    return np.array(out)


def test_gradient_flow_is_the_ode_solution_and_never_oscillates():
    H, a, lam = R.correlated_hessian(0.6), np.array([1.0, 0.4]), 0.2
    w0 = np.array([-1.5, 1.5])
    t = np.linspace(0, 8, 801)
    exact = R.flow_path(H, a, lam, w0, t)
    numeric = rk4(lambda w: -(H @ (w - a) + 2 * lam * w), w0, 8.0, 800)
    assert np.allclose(exact, numeric, atol=1e-9)
    rates = R.flow_rates(H, lam)
    assert np.all(np.isreal(np.linalg.eigvals(-(H + 2 * lam * np.eye(2)))))
    assert np.allclose(np.sort(rates), np.sort(np.linalg.eigvals(-(H + 2 * lam * np.eye(2))).real))
    _, V = np.linalg.eigh(H)
    comps = (exact - R.l2_solution(H, a, lam)) @ V
    for k in range(2):  # each eigen-component keeps its sign and shrinks: no oscillation
        assert np.all(np.sign(comps[:, k]) == np.sign(comps[0, k]))
        assert np.all(np.diff(np.abs(comps[:, k])) < 0)


@pytest.mark.parametrize("gamma", [0.3, 1.0, 2 * math.sqrt(1.8), 5.0])
def test_heavy_ball_matches_integration_and_oscillates_only_when_underdamped(gamma):
    H, a, lam = R.correlated_hessian(0.6), np.array([1.0, 0.4]), 0.2
    w0 = np.array([-1.5, 1.5])
    t = np.linspace(0, 10, 2001)
    exact = R.heavy_ball_path(H, a, lam, gamma, w0, t)
    numeric = rk4(lambda s: np.concatenate([s[2:], -gamma * s[2:] - (H @ (s[:2] - a) + 2 * lam * s[:2])]),
                  np.concatenate([w0, [0.0, 0.0]]), 10.0, 2000)[:, :2]
    assert np.allclose(exact, numeric, atol=1e-8)
    roots = R.heavy_ball_roots(H, lam, gamma)
    k = np.linalg.eigvalsh(H) + 2 * lam
    for i in range(2):
        assert np.allclose(roots[i] ** 2 + gamma * roots[i] + k[i], 0, atol=1e-12)
    _, V = np.linalg.eigh(H)
    comps = (exact - R.l2_solution(H, a, lam)) @ V
    for i in range(2):
        crossings = np.count_nonzero(np.diff(np.sign(comps[:, i])) != 0)
        omega = np.abs(roots[i].imag).max()
        if omega == 0:  # real roots from rest: the component never crosses its target
            assert crossings == 0
            continue
        # c₀e^{−γt/2}(cos ωt + γ/(2ω) sin ωt) is 0 where ωt = φ + π/2 + kπ, tan φ = γ/(2ω)
        phi = math.atan(gamma / (2 * omega))
        predicted = sum(1 for k in range(100) if (phi + math.pi / 2 + k * math.pi) / omega <= 10)
        assert crossings == predicted > 0 if gamma < 2 else crossings == predicted


@settings(max_examples=200, deadline=None)
@given(st.lists(coordinate, min_size=1, max_size=6), st.floats(0.05, 1.0), st.data())
def test_dropout_expected_loss_is_the_adaptive_l2_penalty(x, p, data):
    x = np.array(x)
    w = np.array(data.draw(st.lists(coordinate, min_size=len(x), max_size=len(x))))
    y = data.draw(coordinate)
    closed = R.dropout_expected_loss(x, y, w, p)
    enumerated = R.dropout_exact_by_enumeration(x, y, w, p)
    assert closed == pytest.approx(enumerated, rel=1e-10, abs=1e-10)
    assert closed == pytest.approx((y - x @ w) ** 2 + (1 - p) / p * np.sum((x * w) ** 2))


def test_dropout_monte_carlo_mean_converges_with_an_honest_standard_error():
    rng = np.random.default_rng(11)
    x, y, w, p = np.array([1.0, 0.5]), 1.0, np.array([1.0, 0.4]), 0.8
    running = R.RunningMean()
    for _ in range(100):
        running.add(R.dropout_losses(rng, x, y, w, p, 200))
    exact = R.dropout_expected_loss(x, y, w, p)
    assert running.count == 20000
    assert abs(running.mean - exact) < 4 * running.se
    samples = R.dropout_losses(np.random.default_rng(11), x, y, w, p, 20000)
    assert running.se == pytest.approx(samples.std(ddof=1) / math.sqrt(20000), rel=0.05)


def test_running_mean_matches_numpy_on_batches():
    rng = np.random.default_rng(2)
    data = rng.exponential(size=1000)
    running = R.RunningMean()
    for chunk in np.array_split(data, 7):
        running.add(chunk)
    assert running.mean == pytest.approx(data.mean())
    assert running.se == pytest.approx(data.std(ddof=1) / math.sqrt(1000))


def test_weight_scaling_matches_the_training_mean_only_through_a_linear_unit():
    """Slip 21: E[z] = xᵀw under inverted dropout, but E[σ(z)] ≠ σ(xᵀw) and ≠ pσ(…)."""
    x, w, p = np.array([2.0, -1.0, 1.5]), np.array([1.0, 0.8, 0.6]), 0.5
    z = float(x @ w)
    linear_mean = sum(
        math.prod(p if b else 1 - p for b in bits) * float((np.array(bits) * x * w).sum() / p)
        for bits in itertools.product((0, 1), repeat=3))
    assert linear_mean == pytest.approx(z)
    sig_mean = R.dropout_exact_by_enumeration(x, 0.0, w, p, unit="sigmoid")
    sigma = 1 / (1 + math.exp(-z))
    assert abs(sig_mean - sigma) > 0.01 and abs(sig_mean - p * sigma) > 0.01
