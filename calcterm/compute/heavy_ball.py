"""The heavy-ball (momentum) iteration on a quadratic, solved exactly: Distill's momentum map.

On f = ½ eᵀHe (error e = x − x*), heavy ball is

    x_{k+1} = x_k − α∇f(x_k) + β(x_k − x_{k−1}),

and along an eigenvector of H with eigenvalue λ the error obeys the two-term recurrence
e_{k+1} = (1 + β − αλ) e_k − β e_{k−1}, that is (e_{k+1}, e_k) = M(λ) (e_k, e_{k−1}) with

    M(λ) = [[1 + β − αλ, −β],
            [1,           0]].

Each eigendirection is its own 2×2 system, so the worst spectral radius over the
eigenvalues is the exact asymptotic rate. The eigenvalues of M(λ) solve z² − a z + β = 0
with a = 1 + β − αλ: a complex pair of modulus √β when a² < 4β (the error spirals),
two real roots otherwise (the larger |root| is (|a| + √(a² − 4β))/2). The iteration
converges iff 0 ≤ β < 1 and 0 < αλ < 2(1 + β) for every λ.

The best choice for eigenvalues in [μ, L] (Polyak; Distill's "Why momentum really works")
is α* = (2/(√L + √μ))², β* = ((√κ − 1)/(√κ + 1))², rate (√κ − 1)/(√κ + 1) with κ = L/μ,
against (κ − 1)/(κ + 1) for gradient descent (β = 0) at its best α = 2/(μ + L).

The article (and `optimizers.step("momentum")`) writes momentum as an average,
v ← βv + (1 − β)∇f, x ← x − ηv. Eliminating v gives heavy ball with α = η(1 − β), so the
same optimum needs η* = α*/(1 − β*), which simplifies to 1/√(μL).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

ArrayLike = np.ndarray | float


def alpha_from_eta(eta: ArrayLike, beta: ArrayLike) -> ArrayLike:
    """Heavy ball's step α for the averaged form's η: α = η(1 − β)."""
    return eta * (1.0 - beta)


def eta_from_alpha(alpha: ArrayLike, beta: ArrayLike) -> ArrayLike:
    """The averaged form's η that gives heavy ball's α: η = α/(1 − β)."""
    return alpha / (1.0 - beta)


def iteration_matrix(alpha: float, beta: float, lam: float) -> np.ndarray:
    """M(λ), acting on (e_k, e_{k−1}) along one eigendirection."""
    return np.array([[1.0 + beta - alpha * lam, -beta], [1.0, 0.0]])


def spectral_radius(alpha: ArrayLike, beta: ArrayLike, lams: Sequence[float]) -> np.ndarray:
    """max over λ of the spectral radius of M(λ), from the roots in closed form.

    Vectorised over alpha and beta (they broadcast), so a whole (η, β) map costs one pass.
    """
    alpha, beta = np.asarray(alpha, dtype=float), np.asarray(beta, dtype=float)
    worst = np.zeros(np.broadcast_shapes(alpha.shape, beta.shape))
    with np.errstate(invalid="ignore", over="ignore"):
        for lam in lams:
            a = 1.0 + beta - alpha * lam
            disc = a * a - 4.0 * beta
            real = 0.5 * (np.abs(a) + np.sqrt(np.maximum(disc, 0.0)))
            worst = np.maximum(worst, np.where(disc < 0.0, np.sqrt(np.abs(beta)), real))
    return worst


def stability_eta(beta: ArrayLike, L: float) -> ArrayLike:
    """The averaged form's largest stable η at memory β: α < 2(1 + β)/L, α = η(1 − β)."""
    return 2.0 * (1.0 + beta) / (L * (1.0 - beta))


@dataclass(frozen=True)
class Optimum:
    alpha: float
    """Heavy ball's best step (2/(√L + √μ))²."""
    beta: float
    """The best momentum ((√κ − 1)/(√κ + 1))²."""
    rate: float
    """The spectral radius there, (√κ − 1)/(√κ + 1) = √β*."""
    eta: float
    """The same optimum in the averaged form, α*/(1 − β*) = 1/√(μL)."""
    gd_alpha: float
    """Gradient descent's best step 2/(μ + L)."""
    gd_rate: float
    """Gradient descent's rate there, (κ − 1)/(κ + 1)."""


def optimum(mu: float, L: float) -> Optimum:
    """The best (α, β) for eigenvalues in [μ, L] (0 < μ ≤ L), with GD's best for comparison."""
    if not 0.0 < mu <= L:
        raise ValueError(f"need 0 < mu <= L, got mu={mu}, L={L}")
    root_kappa = math.sqrt(L / mu)
    alpha = (2.0 / (math.sqrt(L) + math.sqrt(mu))) ** 2
    rate = (root_kappa - 1.0) / (root_kappa + 1.0)
    beta = rate * rate
    kappa = L / mu
    return Optimum(alpha, beta, rate, alpha / (1.0 - beta), 2.0 / (mu + L),
                   (kappa - 1.0) / (kappa + 1.0))


def eigen_errors(alpha: float, beta: float, lams: Sequence[float], e0: Sequence[float],
                 steps: int) -> np.ndarray:
    """The error along each eigendirection for k = 0..steps, shape (steps + 1, len(lams)).

    Starts at rest (e_{−1} = e_0), as the averaged form does with v₀ = 0.
    """
    lam = np.asarray(lams, dtype=float)
    out = np.empty((steps + 1, lam.size))
    prev = cur = np.asarray(e0, dtype=float)
    out[0] = cur
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, steps + 1):
            prev, cur = cur, (1.0 + beta - alpha * lam) * cur - beta * prev
            out[k] = cur
    return out
