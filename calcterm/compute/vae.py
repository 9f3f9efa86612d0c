"""A VAE small enough to be exact: one latent z, one observation x, Gaussian everything.

Model p(z) = N(0, 1), p(x|z) = N(z, s²); variational family q(z) = N(μ, σ²). Then the
evidence, the posterior, the ELBO and both of its gradients have closed forms, so the
identity log p(x) = ELBO + KL(q ‖ p(z|x)) can be checked to rounding, and every Monte Carlo
gradient estimator can be compared with its exact mean and exact variance.

The estimators all target ∂/∂μ of E_q[log p(x|z)] (and ∂/∂ρ for ρ = ln σ), the part of
the ELBO a real VAE must sample; KL(q ‖ prior) is differentiated exactly, as VAEs do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LOG_2PI = math.log(2 * math.pi)
ESTIMATORS = ("reparam", "score", "score-baseline", "exact")


def log_normal(x: np.ndarray | float, mean: np.ndarray | float, var: np.ndarray | float) -> np.ndarray:
    return -0.5 * (LOG_2PI + np.log(var) + (np.asarray(x) - mean) ** 2 / var)


def kl_normal(m1: float, v1: float, m2: float, v2: float) -> float:
    """KL(N(m1, v1) ‖ N(m2, v2)) for variances v1, v2."""
    return 0.5 * (math.log(v2 / v1) + (v1 + (m1 - m2) ** 2) / v2 - 1.0)


@dataclass(frozen=True)
class Model:
    """One observation x under p(z) = N(0, 1), p(x|z) = N(z, s²)."""

    x: float
    s: float

    @property
    def log_px(self) -> float:
        """The evidence: x ~ N(0, 1 + s²) once z is integrated out."""
        return float(log_normal(self.x, 0.0, 1.0 + self.s**2))

    @property
    def posterior(self) -> tuple[float, float]:
        """(mean, std) of p(z|x) = N(x/(1+s²), s²/(1+s²))."""
        s2 = self.s**2
        return self.x / (1 + s2), math.sqrt(s2 / (1 + s2))

    def log_lik(self, z: np.ndarray) -> np.ndarray:
        """log p(x|z), the reconstruction term sampled under q."""
        return log_normal(self.x, z, self.s**2)

    def expected_log_lik(self, mu: np.ndarray | float, sigma: np.ndarray | float) -> np.ndarray:
        """E_q[log p(x|z)] = −½ log 2πs² − ((x − μ)² + σ²)/(2s²)."""
        s2 = self.s**2
        return -0.5 * (LOG_2PI + math.log(s2)) - ((self.x - np.asarray(mu)) ** 2 + np.asarray(sigma) ** 2) / (2 * s2)

    @staticmethod
    def kl_prior(mu: np.ndarray | float, sigma: np.ndarray | float) -> np.ndarray:
        """KL(q ‖ N(0, 1)) = ½(μ² + σ² − 1 − ln σ²), the term the VAE objective subtracts."""
        mu, sigma = np.asarray(mu), np.asarray(sigma)
        return 0.5 * (mu**2 + sigma**2 - 1.0 - 2 * np.log(sigma))

    def elbo(self, mu: np.ndarray | float, sigma: np.ndarray | float) -> np.ndarray:
        return self.expected_log_lik(mu, sigma) - self.kl_prior(mu, sigma)

    def gap(self, mu: float, sigma: float) -> float:
        """KL(q ‖ p(z|x)): how far the ELBO sits below log p(x)."""
        m, sd = self.posterior
        return kl_normal(mu, sigma**2, m, sd**2)

    def elbo_gradient(self, mu: float, sigma: float) -> np.ndarray:
        """Exact ∂ELBO/∂(μ, ρ) with ρ = ln σ."""
        s2 = self.s**2
        return np.array([(self.x - mu) / s2 - mu, -sigma**2 / s2 - sigma**2 + 1.0])

    def recon_gradient(self, mu: float, sigma: float) -> np.ndarray:
        """Exact ∂E_q[log p(x|z)]/∂(μ, ρ): the mean every estimator below must have."""
        s2 = self.s**2
        return np.array([(self.x - mu) / s2, -sigma**2 / s2])

    def estimates(self, mu: float, sigma: float, eps: np.ndarray, estimator: str) -> np.ndarray:
        """Single-sample estimates of ∂E_q[log p(x|z)]/∂(μ, ρ), one row per ε, z = μ + σε.

        reparam: push the derivative through z, f′(z)·(1, σε).
        score: f(z)·∇log q(z) = f(z)·(ε/σ, ε² − 1), needing only values of f (REINFORCE).
        score-baseline: (f(z) − b)·∇log q(z) with b = E_q f; unbiased since E∇log q = 0.
        exact: the closed form, repeated (no noise).
        """
        eps = np.asarray(eps, float)
        z = mu + sigma * eps
        if estimator == "reparam":
            df = (self.x - z) / self.s**2
            return np.stack([df, df * sigma * eps], -1)
        if estimator in ("score", "score-baseline"):
            f = self.log_lik(z)
            if estimator == "score-baseline":
                f = f - self.expected_log_lik(mu, sigma)
            return np.stack([f * eps / sigma, f * (eps**2 - 1)], -1)
        if estimator == "exact":
            return np.broadcast_to(self.recon_gradient(mu, sigma), eps.shape + (2,)).copy()
        raise ValueError(f"unknown estimator {estimator!r}; expected one of {', '.join(ESTIMATORS)}")

    def estimator_variance(self, mu: float, sigma: float, estimator: str) -> float:
        """The exact variance of the single-sample ∂/∂μ estimate.

        With f(μ + σε) = A + Bε + Cε², A = c − d²/2s², B = dσ/s², C = −σ²/2s² (d = x − μ,
        c = −½ log 2πs²) and Gaussian moments E ε⁴ = 3, E ε⁶ = 15:
        reparam (B + 2Cε)/σ → 4C²/σ² = σ²/s⁴; score (Aε + Bε² + Cε³)/σ → (A² + 2B² + 15C² + 6AC)/σ²;
        with baseline b = A + C the constant becomes A − b = −C → (2B² + 10C²)/σ².
        """
        s2 = self.s**2
        d = self.x - mu
        A = -0.5 * (LOG_2PI + math.log(s2)) - d * d / (2 * s2)
        B = d * sigma / s2
        C = -sigma**2 / (2 * s2)
        if estimator == "reparam":
            return sigma**2 / s2**2
        if estimator == "score":
            return (A * A + 2 * B * B + 15 * C * C + 6 * A * C) / sigma**2
        if estimator == "score-baseline":
            return (2 * B * B + 10 * C * C) / sigma**2
        if estimator == "exact":
            return 0.0
        raise ValueError(f"unknown estimator {estimator!r}; expected one of {', '.join(ESTIMATORS)}")


def sgd_step(model: Model, mu: float, rho: float, lr: float, eps: np.ndarray,
             estimator: str) -> tuple[float, float]:
    """One SGD step ascending the ELBO in (μ, ρ = ln σ), from the draws ε.

    The reconstruction gradient is the mean of the estimates over ε; the exact gradient of
    −KL(q ‖ prior) is added. ρ is clipped to [−8, 3] (and μ to ±50) so a wild score-function
    step cannot take σ to 0 or ∞.
    """
    sigma = math.exp(rho)
    g = model.estimates(mu, sigma, eps, estimator).mean(0)
    g = g + np.array([-mu, 1.0 - sigma**2])
    return float(np.clip(mu + lr * g[0], -50.0, 50.0)), float(np.clip(rho + lr * g[1], -8.0, 3.0))


def sgd_path(model: Model, mu0: float, sigma0: float, lr: float, steps: int, samples: int,
             estimator: str, rng: np.random.Generator) -> np.ndarray:
    """Rows (μ, σ) after 0 … steps SGD steps, `samples` draws per step."""
    mu, rho = mu0, math.log(sigma0)
    out = np.empty((steps + 1, 2))
    out[0] = mu, sigma0
    for k in range(steps):
        mu, rho = sgd_step(model, mu, rho, lr, rng.standard_normal(samples), estimator)
        out[k + 1] = mu, math.exp(rho)
    return out
