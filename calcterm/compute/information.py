"""Entropy, cross-entropy, KL divergence, softmax, maximum entropy and Gaussian fits.

Conventions: natural logarithms (divide by ln 2 for bits); 0·ln 0 = 0 and 0·ln(0/q) = 0,
because a term weighs what the *first* distribution puts there. A term p·ln(p/0) with p > 0
is +∞, and that is the right answer, not an accident of arithmetic: a code built for q
spends an unbounded number of nats on an outcome that q calls impossible. The quantities
here keep that ∞ (the export turns it into null with its reason).
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

_LOG_2PI = math.log(2.0 * math.pi)
_UNDERFLOW_IS_ZERO = np.errstate(under="ignore")
"""e^(−1000) is 0 here on purpose: a vanishing probability or density, not an error."""


# ----------------------------------------------------------------------- discrete laws


def normalise(values: np.ndarray) -> np.ndarray:
    """Non-negative numbers scaled to sum to 1."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or np.any(values < 0) or not values.sum() > 0:
        raise ValueError("a distribution needs non-negative entries with a positive sum")
    return values / values.sum()


def _xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x·ln y with 0·ln y = 0 for any y (also y = 0): the 0·ln 0 convention."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(x > 0, x * np.log(np.where(x > 0, y, 1.0)), 0.0)


def entropy(p: np.ndarray) -> float:
    """H(p) = −Σ p_i ln p_i in nats."""
    p = np.asarray(p, dtype=float)
    return float(-_xlogy(p, p).sum()) + 0.0  # no −0.0 for a point mass


def entropy_gradient(p: np.ndarray) -> np.ndarray:
    """∂H/∂p_i = −(ln p_i + 1), treating the p_i as free (before the constraint Σp = 1).

    At p_i = 0 it is +∞: moving mass onto an empty outcome raises H infinitely fast, which
    is why the maximum-entropy law never leaves an allowed outcome empty.
    """
    with np.errstate(divide="ignore"):
        return -(np.log(np.asarray(p, dtype=float)) + 1.0)


def cross_entropy(p: np.ndarray, q: np.ndarray) -> float:
    """H(p, q) = −Σ p_i ln q_i: the mean code length for data from p with a code built for q."""
    return float(-_xlogy(np.asarray(p, float), np.asarray(q, float)).sum())


def kl_terms(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The terms p_i ln(p_i / q_i): 0 where p_i = 0, +∞ where p_i > 0 = q_i, else finite.

    Single terms can be negative (where q_i > p_i); only their sum is ≥ 0.
    """
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    used = p > 0
    with np.errstate(divide="ignore"):  # ln 0 = −∞ where q misses an outcome p uses
        logs = np.log(np.where(used, p, 1.0)) - np.log(np.where(used, q, 1.0))
    return np.where(used, p * logs, 0.0)


def kl(p: np.ndarray, q: np.ndarray) -> float:
    """KL(p‖q) = Σ p_i ln(p_i/q_i) ≥ 0, +∞ when q misses an outcome p uses."""
    terms = kl_terms(p, q)
    return float("inf") if np.isinf(terms).any() else float(math.fsum(terms))


def infinite_terms(p: np.ndarray, q: np.ndarray) -> list[int]:
    """Indices i with p_i > 0 and q_i = 0: the terms that make KL(p‖q) infinite."""
    p, q = np.asarray(p, dtype=float), np.asarray(q, dtype=float)
    return [int(i) for i in np.flatnonzero((p > 0) & (q == 0))]


def mix(q0: np.ndarray, p: np.ndarray, t: float | np.ndarray) -> np.ndarray:
    """q_t = (1 − t)·q0 + t·p; with an array of t, one row per t."""
    t = np.asarray(t, dtype=float)[..., None]
    return (1.0 - t) * np.asarray(q0, float) + t * np.asarray(p, float)


def kl_along(q0: np.ndarray, p: np.ndarray, ts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """KL(p‖q_t) and KL(q_t‖p) for q_t = mix(q0, p, t), one value per t (inf kept)."""
    qs = mix(q0, p, ts)
    forward = np.array([kl(p, q) for q in qs])
    backward = np.array([kl(q, p) for q in qs])
    return forward, backward


# ------------------------------------------------------------------- softmax and loss


@_UNDERFLOW_IS_ZERO
def softmax(z: np.ndarray) -> np.ndarray:
    """q = e^z / Σ e^z along the last axis, computed after subtracting max z (no overflow)."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@_UNDERFLOW_IS_ZERO
def log_softmax(z: np.ndarray) -> np.ndarray:
    """ln softmax(z) = z − logsumexp(z), exact even where softmax underflows to 0."""
    z = np.asarray(z, dtype=float)
    top = z.max(axis=-1, keepdims=True)
    return z - top - np.log(np.exp(z - top).sum(axis=-1, keepdims=True))


def smoothed_label(label: int, classes: int, smoothing: float) -> np.ndarray:
    """y = (1 − ε)·onehot(label) + ε/K: the target of label smoothing (still sums to 1)."""
    y = np.full(classes, smoothing / classes)
    y[label] += 1.0 - smoothing
    return y


def softmax_cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """The loss L(z) = −Σ y_c ln softmax(z)_c and its exact gradient.

    ∂L/∂z = (Σ_c y_c)·q − y with q = softmax(z). It is the familiar q − y only because a
    label sums to 1; for an unnormalised y the short form is wrong.
    """
    z, y = np.asarray(z, dtype=float), np.asarray(y, dtype=float)
    loss = float(-(y * log_softmax(z)).sum())
    return loss, y.sum() * softmax(z) - y


def batch_softmax_cross_entropy(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean loss over n examples (rows) and its gradient (Q − Y)/n: the mean divides by n."""
    z, y = np.atleast_2d(np.asarray(z, float)), np.atleast_2d(np.asarray(y, float))
    n = z.shape[0]
    loss = float(-(y * log_softmax(z)).sum() / n)
    return loss, (y.sum(axis=1, keepdims=True) * softmax(z) - y) / n


def central_gradient(fun: Callable[[np.ndarray], float], z: np.ndarray, h: float = 1e-5) -> np.ndarray:
    """(f(z + h e_i) − f(z − h e_i)) / 2h for each i: a check independent of the formula."""
    z = np.asarray(z, dtype=float)
    grad = np.empty_like(z)
    for i in range(z.size):
        step = np.zeros_like(z)
        step.flat[i] = h
        grad.flat[i] = (fun(z + step) - fun(z - step)) / (2.0 * h)
    return grad


# -------------------------------------------------------------------- maximum entropy


@_UNDERFLOW_IS_ZERO
def tilted(faces: int, lam: float) -> tuple[np.ndarray, float, float]:
    """p_i ∝ e^{λ i} on the faces 1..K, with its mean and variance.

    These are the only candidates for maximum entropy under a mean constraint: the
    Lagrange condition −(ln p_i + 1) = α + λ·i makes ln p affine in i.
    """
    i = np.arange(1, faces + 1, dtype=float)
    if np.isinf(lam):
        p = np.zeros(faces)
        p[-1 if lam > 0 else 0] = 1.0
    else:
        a = lam * i
        w = np.exp(a - a.max())
        p = w / w.sum()
    mean = float(p @ i)
    return p, mean, float(p @ (i - mean) ** 2)


def maxent_newton(faces: int, mean: float, iterations: int) -> list[float]:
    """Newton's iterates λ_0 = 0, λ_1, … for E_λ[i] = mean (the derivative is Var_λ[i]).

    The root is bracketed as the iterates go (E_λ[i] increases with λ); a Newton step that
    leaves the bracket is replaced by bisection, so the iteration cannot run away. A mean
    at an end (1 or K) has no finite root: the law is a point mass, λ = ∓∞.
    """
    if not 1.0 <= mean <= faces:
        raise ValueError(f"the mean must lie in [1, {faces}]")
    if mean in (1.0, float(faces)):
        return [0.0, -math.inf if mean == 1.0 else math.inf]
    history = [0.0]
    lo, hi = -math.inf, math.inf
    lam = 0.0
    for _ in range(iterations):
        _, mu, var = tilted(faces, lam)
        if abs(mu - mean) <= 8 * np.finfo(float).eps * faces:
            break
        if mu < mean:
            lo = lam
        else:
            hi = lam
        new = lam - (mu - mean) / var if var > 0 else math.nan
        if not lo < new < hi:
            new = 0.5 * (lo + hi) if math.isfinite(lo) and math.isfinite(hi) else (
                lam + 2.0 if mu < mean else lam - 2.0)
        lam = new
        history.append(lam)
    return history


def same_mean_competitors(faces: int, mean: float) -> dict[str, np.ndarray]:
    """Other laws on 1..K with the same mean, for comparison with the maximum-entropy one.

    "neighbours": mass on ⌊m⌋ and ⌈m⌉ only; "ends": mass on 1 and K only.
    """
    out: dict[str, np.ndarray] = {}
    low, high = math.floor(mean), math.ceil(mean)
    near = np.zeros(faces)
    if low == high:
        near[low - 1] = 1.0
    else:
        near[low - 1], near[high - 1] = high - mean, mean - low
    out["neighbours"] = near
    ends = np.zeros(faces)
    ends[0], ends[-1] = (faces - mean) / (faces - 1), (mean - 1) / (faces - 1)
    out["ends"] = ends
    return out


# ------------------------------------------------------------ Gaussian fits to a mixture
#
# p = ½N(−d, 1) + ½N(d, 1) has density e^{−(x²+d²)/2}·cosh(dx)/√(2π), so
# ln p(x) = −½ln 2π − (x² + d²)/2 + ln cosh(dx) and its score is −x + d·tanh(dx).
# Expectations over a Gaussian are taken on a fixed standard-normal grid: the trapezoid
# rule on a smooth integrand with Gaussian tails is accurate to ~1e-12 here.

_Z = np.linspace(-12.0, 12.0, 4801)
_W = np.exp(-0.5 * _Z**2) / math.sqrt(2.0 * math.pi) * (_Z[1] - _Z[0])


@_UNDERFLOW_IS_ZERO
def _log_cosh(t: np.ndarray) -> np.ndarray:
    a = np.abs(t)
    return a + np.log1p(np.exp(-2.0 * a)) - math.log(2.0)


def mixture_logpdf(x: np.ndarray, d: float) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return -0.5 * _LOG_2PI - 0.5 * (x**2 + d**2) + _log_cosh(d * x)


def mixture_score(x: np.ndarray, d: float) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    return -x + d * np.tanh(d * x)


def gaussian_entropy(s: float) -> float:
    """h(N(m, s²)) = ½ ln(2πe s²): negative once s < 1/√(2πe) ≈ 0.242."""
    return 0.5 * (_LOG_2PI + 1.0) + math.log(s)


@_UNDERFLOW_IS_ZERO
def mixture_entropy(d: float) -> float:
    """h(p) = −E_p[ln p] for p = ½N(−d, 1) + ½N(d, 1) (by symmetry E_p g = E g(Z + d))."""
    return float(0.5 * _LOG_2PI + 0.5 * (1.0 + 2.0 * d * d) - _W @ _log_cosh(d * (_Z + d)))


def forward_kl(m: float, s: float, d: float) -> tuple[float, float, float]:
    """KL(p‖q) for q = N(m, s²) and its gradient in (m, ln s).

    E_p[(X − m)²] = 1 + d² + m², so KL = −h(p) + ½ln 2π + ln s + (1 + d² + m²)/(2s²);
    it is least at m = 0, s² = 1 + d²: q takes p's mean and variance (mass-covering).
    """
    second = 1.0 + d * d + m * m
    value = -mixture_entropy(d) + 0.5 * _LOG_2PI + math.log(s) + second / (2.0 * s * s)
    return value, m / (s * s), 1.0 - second / (s * s)


@_UNDERFLOW_IS_ZERO
def reverse_kl(m: float, s: float, d: float) -> tuple[float, float, float]:
    """KL(q‖p) = −h(q) − E_q[ln p] and its gradient in (m, ln s).

    With x = m + s·z: ∂/∂m = −E[score(x)], ∂/∂ln s = −1 − E[score(x)·s·z]. Inside one
    mode this pulls q onto it (mode-seeking): q pays for mass where p is small.
    """
    x = m + s * _Z
    score = mixture_score(x, d)
    value = -gaussian_entropy(s) - float(_W @ mixture_logpdf(x, d))
    return value, -float(_W @ score), -1.0 - float(_W @ (score * s * _Z))


MAX_STEP = 1.0
"""Largest change of m or of ln s in one fit step: far from a mode with a tiny s the exact
gradient is huge, and an unclipped step would fling q (or overflow e^(ln s))."""


def fit_step(m: float, s: float, d: float, lr: float, forward: bool) -> tuple[float, float, float]:
    """One gradient step on (m, ln s), each coordinate's change clipped to ±MAX_STEP; returns
    the new (m, s) and the KL before the step."""
    value, gm, gl = (forward_kl if forward else reverse_kl)(m, s, d)
    dm = min(max(-lr * gm, -MAX_STEP), MAX_STEP)
    dl = min(max(-lr * gl, -MAX_STEP), MAX_STEP)
    return m + dm, s * math.exp(dl), value
