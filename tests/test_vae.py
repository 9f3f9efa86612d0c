"""The Gaussian VAE: closed forms against quadrature, estimators against their exact moments."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calcterm.compute.vae import Model, kl_normal, sgd_path

Z = np.linspace(-30.0, 30.0, 600001)
DZ = Z[1] - Z[0]
CASES = [(2.0, 1.0, 0.0, 1.0), (-1.5, 0.3, 0.7, 0.2), (4.0, 2.5, -2.0, 2.0), (0.2, 0.1, 3.0, 0.05)]


def _integral(values: np.ndarray) -> float:
    return float(np.sum(values) * DZ)


def _normal_pdf(z: np.ndarray, m: float, sd: float) -> np.ndarray:
    return np.exp(-0.5 * ((z - m) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))


@pytest.mark.parametrize("x, s, mu, sigma", CASES)
def test_evidence_posterior_elbo_and_gap_by_quadrature(x, s, mu, sigma):
    model = Model(x, s)
    joint = _normal_pdf(Z, 0.0, 1.0) * _normal_pdf(np.full_like(Z, x), Z, s)
    evidence = _integral(joint)
    assert model.log_px == pytest.approx(math.log(evidence), abs=1e-9)
    post = joint / evidence
    m, sd = model.posterior
    assert m == pytest.approx(_integral(Z * post), abs=1e-8)
    assert sd**2 == pytest.approx(_integral((Z - m) ** 2 * post), abs=1e-8)
    q = _normal_pdf(Z, mu, sigma)
    keep = q > 1e-300
    log_joint = -0.5 * (Z**2 + ((x - Z) / s) ** 2) - math.log(2 * math.pi * s)
    elbo = _integral(q[keep] * (log_joint[keep] - np.log(q[keep])))
    assert float(model.elbo(mu, sigma)) == pytest.approx(elbo, abs=1e-7)
    gap = _integral(q[keep] * (np.log(q[keep]) - (log_joint[keep] - math.log(evidence))))
    assert model.gap(mu, sigma) == pytest.approx(gap, abs=1e-7)
    # the identity of slip 24: the ELBO's shortfall is the KL to the posterior, not the prior
    assert model.log_px - float(model.elbo(mu, sigma)) == pytest.approx(model.gap(mu, sigma), abs=1e-12)
    kl_prior = _integral(q[keep] * (np.log(q[keep]) + 0.5 * Z[keep] ** 2 + 0.5 * math.log(2 * math.pi)))
    assert float(model.kl_prior(mu, sigma)) == pytest.approx(kl_prior, abs=1e-7)


def test_gap_is_zero_only_at_the_posterior():
    model = Model(2.0, 1.0)
    m, sd = model.posterior
    assert model.gap(m, sd) == pytest.approx(0.0, abs=1e-15)
    assert float(model.elbo(m, sd)) == pytest.approx(model.log_px, abs=1e-14)
    assert model.gap(m + 0.1, sd) > 0 and model.gap(m, sd * 1.1) > 0


def test_kl_normal_is_asymmetric_and_matches_quadrature():
    a = kl_normal(0.0, 1.0, 1.0, 4.0)
    b = kl_normal(1.0, 4.0, 0.0, 1.0)
    q = _normal_pdf(Z, 0.0, 1.0)
    p = _normal_pdf(Z, 1.0, 2.0)
    assert a == pytest.approx(_integral(q * np.log(q / p)), abs=1e-9) and a != pytest.approx(b)


@pytest.mark.parametrize("x, s, mu, sigma", CASES)
def test_gradients_match_central_differences(x, s, mu, sigma):
    model = Model(x, s)
    h = 1e-6
    rho = math.log(sigma)

    def elbo(m: float, r: float) -> float:
        return float(model.elbo(m, math.exp(r)))

    def recon(m: float, r: float) -> float:
        return float(model.expected_log_lik(m, math.exp(r)))

    for f, exact in ((elbo, model.elbo_gradient(mu, sigma)), (recon, model.recon_gradient(mu, sigma))):
        fd = [(f(mu + h, rho) - f(mu - h, rho)) / (2 * h), (f(mu, rho + h) - f(mu, rho - h)) / (2 * h)]
        assert exact == pytest.approx(fd, rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("x, s, mu, sigma", CASES)
@pytest.mark.parametrize("estimator", ["reparam", "score", "score-baseline"])
def test_estimators_are_unbiased_with_the_exact_variance(x, s, mu, sigma, estimator):
    """Sample mean within 5 standard errors of the exact gradient; sample variance within 5
    standard errors (from the sample's own fourth moment) of the closed form."""
    model = Model(x, s)
    n = 400_000
    eps = np.random.default_rng(11).standard_normal(n)
    g = model.estimates(mu, sigma, eps, estimator)[:, 0]
    exact_var = model.estimator_variance(mu, sigma, estimator)
    mean = g.mean()
    assert abs(mean - model.recon_gradient(mu, sigma)[0]) < 5 * math.sqrt(exact_var / n)
    var = g.var()
    se_var = math.sqrt(max(np.mean((g - mean) ** 4) - var**2, 0.0) / n)
    assert abs(var - exact_var) < 5 * se_var + 1e-12


@pytest.mark.parametrize("estimator", ["reparam", "score", "score-baseline"])
def test_log_sigma_estimates_are_unbiased(estimator):
    model = Model(2.0, 1.0)
    eps = np.random.default_rng(5).standard_normal(400_000)
    g = model.estimates(-0.5, 0.8, eps, estimator)[:, 1]
    assert abs(g.mean() - model.recon_gradient(-0.5, 0.8)[1]) < 5 * g.std() / math.sqrt(g.size)


def test_reparameterized_estimates_are_far_less_noisy_here():
    model = Model(2.0, 1.0)
    v = {e: model.estimator_variance(0.0, 1.0, e) for e in ("reparam", "score", "score-baseline")}
    assert v["reparam"] < v["score-baseline"] < v["score"]


def test_unknown_estimator_is_named():
    with pytest.raises(ValueError, match="reparam"):
        Model(1.0, 1.0).estimates(0.0, 1.0, np.zeros(3), "pathwise")


@pytest.mark.parametrize("estimator, tol", [("exact", 1e-9), ("reparam", 0.02), ("score-baseline", 0.1)])
def test_sgd_climbs_the_elbo_to_the_posterior(estimator, tol):
    model = Model(2.0, 1.0)
    path = sgd_path(model, 0.0, 1.0, 0.05, 2000, 8, estimator, np.random.default_rng(1))
    m, sd = model.posterior
    tail = path[-200:].mean(0)
    assert tail == pytest.approx([m, sd], abs=tol)
    assert model.gap(*path[-1]) < model.gap(*path[0])
