"""The heavy-ball map against eigenvalue solvers, brute-force searches and the optimizer itself."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calcterm.compute import heavy_ball as hb
from calcterm.compute.optimizers import Run, Settings
from calcterm.compute.surfaces import quadratic


@settings(max_examples=300, deadline=None)
@given(st.floats(0.0, 3.0), st.floats(0.0, 0.999), st.floats(0.01, 100.0), st.floats(0.01, 100.0))
def test_closed_form_radius_equals_the_largest_eigenvalue_modulus(alpha, beta, lam1, lam2):
    expected = max(np.abs(np.linalg.eigvals(hb.iteration_matrix(alpha, beta, lam))).max()
                   for lam in (lam1, lam2))
    assert hb.spectral_radius(alpha, beta, (lam1, lam2)) == pytest.approx(expected, rel=1e-7, abs=1e-7)


@pytest.mark.parametrize("kappa", [1.0, 2.0, 10.0, 100.0, 1000.0])
def test_the_optimum_is_the_grid_minimum_and_has_the_closed_form_rate(kappa):
    mu, L = 1.0, kappa
    best = hb.optimum(mu, L)
    rate = (math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)
    assert best.rate == pytest.approx(rate, abs=1e-15)
    assert float(hb.spectral_radius(best.alpha, best.beta, (mu, L))) == pytest.approx(rate, abs=2e-8)
    assert math.sqrt(best.beta) == pytest.approx(rate)
    # brute force over (α, β): nothing beats it, and the grid's best comes close
    alpha = np.linspace(1e-4, 4.0 / L, 1200)[:, None]
    beta = np.linspace(0.0, 0.999, 1200)[None, :]
    rho = hb.spectral_radius(alpha, beta, (mu, L))
    assert rho.min() >= rate - 1e-9
    assert rho.min() <= rate + 0.02 * (1 - rate) + 1e-9


@pytest.mark.parametrize("kappa", [1.5, 10.0, 300.0])
def test_without_momentum_it_is_gradient_descent(kappa):
    mu, L = 1.0, kappa
    alpha = np.linspace(1e-4, 2.5 / L, 5001)
    rho = hb.spectral_radius(alpha, 0.0, (mu, L))
    assert np.allclose(rho, np.maximum(np.abs(1 - alpha * mu), np.abs(1 - alpha * L)), atol=1e-12)
    best = hb.optimum(mu, L)
    assert best.gd_rate == pytest.approx((kappa - 1) / (kappa + 1))
    assert rho.min() == pytest.approx(best.gd_rate, abs=1e-3)
    assert alpha[rho.argmin()] == pytest.approx(best.gd_alpha, rel=1e-3)
    assert best.rate < best.gd_rate  # momentum helps whenever κ > 1


@pytest.mark.parametrize("mu, L", [(1.0, 10.0), (0.3, 7.0), (2.0, 2000.0)])
def test_the_averaged_form_needs_eta_star_equal_to_one_over_root_mu_L(mu, L):
    best = hb.optimum(mu, L)
    assert best.eta == pytest.approx(best.alpha / (1 - best.beta))
    assert best.eta == pytest.approx(1 / math.sqrt(mu * L), rel=1e-12)
    assert hb.alpha_from_eta(best.eta, best.beta) == pytest.approx(best.alpha)


@pytest.mark.parametrize("kappa, angle, eta, beta", [(10.0, 30.0, 0.3, 0.27), (100.0, -50.0, 0.05, 0.8),
                                                      (4.0, 10.0, 0.45, 0.0), (50.0, 75.0, 0.6, 0.95)])
def test_the_momentum_optimizer_decomposes_into_the_eigendirections(kappa, angle, eta, beta):
    """The article's averaged momentum, run by the optimizer, projected onto H's eigenvectors,
    equals (M(λ)^k (e₀, e₀))₀ computed by matrix powers."""
    surface = quadratic(kappa, angle)
    run = Run("momentum", (-4.0, 3.0), surface.value_at, surface.grad_at, Settings(eta=eta, beta=beta))
    for _ in range(60):
        run.advance()
    lams, vecs = np.linalg.eigh(surface.hessian(0.0, 0.0))
    projected = run.path @ vecs
    alpha = hb.alpha_from_eta(eta, beta)
    recurrence = hb.eigen_errors(alpha, beta, lams, projected[0], 60)
    for i, lam in enumerate(lams):
        M = hb.iteration_matrix(alpha, beta, lam)
        start = np.array([projected[0, i], projected[0, i]])  # at rest: e₋₁ = e₀
        powers = [(np.linalg.matrix_power(M, k) @ start)[0] for k in range(61)]
        assert np.allclose(projected[:, i], powers, rtol=1e-9, atol=1e-9 * abs(projected[0, i]))
        assert np.allclose(recurrence[:, i], powers, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("L", [1.0, 10.0, 1000.0])
def test_the_stability_edge_is_where_the_radius_reaches_one(L):
    beta = np.linspace(0.0, 0.99, 50)
    edge = hb.stability_eta(beta, L)
    inside = hb.spectral_radius(hb.alpha_from_eta(edge * 0.999, beta), beta, (1e-6 * L, L))
    outside = hb.spectral_radius(hb.alpha_from_eta(edge * 1.001, beta), beta, (1e-6 * L, L))
    assert np.all(inside < 1) and np.all(outside > 1)


def test_errors_fall_at_the_spectral_radius():
    """Gelfand: |e_k|^(1/k) → ρ; checked as the ratio over 200 steps far into the run."""
    mu, L = 1.0, 50.0
    for alpha, beta in ((0.02, 0.5), (0.03, 0.9), (hb.optimum(mu, L).gd_alpha, 0.0)):
        e = np.abs(hb.eigen_errors(alpha, beta, (mu, L), (1.0, 1.0), 1400)).max(axis=1)
        seen = (e[1400] / e[1200]) ** (1 / 200)
        assert seen == pytest.approx(float(hb.spectral_radius(alpha, beta, (mu, L))), rel=2e-2)


def test_bad_curvatures_are_refused():
    with pytest.raises(ValueError):
        hb.optimum(2.0, 1.0)
    with pytest.raises(ValueError):
        hb.optimum(0.0, 1.0)
