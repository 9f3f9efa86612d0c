"""Score-based diffusion on Gaussian mixtures, where every score is known in closed form.

The variance-preserving SDE dx = −½β(t)x dt + √β(t) dW with linear β on t ∈ [0, 1] maps
x₀ to x_t = α_t x₀ + σ_t ε with α_t = exp(−½∫₀ᵗβ) and σ_t² = 1 − α_t². A Gaussian mixture
with component variance s² therefore stays one: means α_t·m, variance α_t²s² + σ_t². So
the exact score ∇log p_t is a softmax-weighted pull towards the noised means, and samplers
can be judged against the exact data distribution.

Reverse time (note the β on the score, which the article drops):
    SDE  dx = [−½β x − β ∇log p_t(x)] dt + √β dW̄,     from t = 1 back to 0
    ODE  dx = [−½β x − ½β ∇log p_t(x)] dt            (the probability-flow ODE)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Literal

import numpy as np

Sampler = Literal["sde", "ode"]
ScoreFn = Callable[[np.ndarray, float], np.ndarray]
"""A score s(x, t) for points x of shape (n, d) at one diffusion time t."""

MAX_MODES = 16


@dataclass(frozen=True)
class Schedule:
    """The linear noise schedule β(t) = β_min + (β_max − β_min)·t on t ∈ [0, 1]."""

    beta_min: float = 0.1
    beta_max: float = 20.0

    def beta(self, t: float | np.ndarray) -> float | np.ndarray:
        return self.beta_min + (self.beta_max - self.beta_min) * t

    def log_alpha(self, t: float | np.ndarray) -> float | np.ndarray:
        """log α_t = −½∫₀ᵗβ(u)du."""
        return -0.5 * (self.beta_min * t + 0.5 * (self.beta_max - self.beta_min) * t * t)

    def alpha(self, t: float | np.ndarray) -> float | np.ndarray:
        return np.exp(self.log_alpha(t))

    def sigma(self, t: float | np.ndarray) -> float | np.ndarray:
        """σ_t = √(1 − α_t²), computed without cancellation for small t."""
        return np.sqrt(-np.expm1(2 * self.log_alpha(t)))


@dataclass(frozen=True)
class Mixture:
    """An isotropic Gaussian mixture: means (K, d), weights (K,) summing to 1, variance var."""

    means: np.ndarray
    weights: np.ndarray
    var: float

    @property
    def dim(self) -> int:
        return int(self.means.shape[1])

    @property
    def mean(self) -> np.ndarray:
        return self.weights @ self.means

    @property
    def std(self) -> np.ndarray:
        """Per-coordinate standard deviation: within-mode variance plus the spread of the means."""
        spread = self.weights @ (self.means - self.mean) ** 2
        return np.sqrt(self.var + spread)

    def noised(self, schedule: Schedule, t: float) -> "Mixture":
        """The marginal p_t of the forward SDE started from this mixture."""
        a = float(schedule.alpha(t))
        return Mixture(self.means * a, self.weights, a * a * self.var + float(schedule.sigma(t)) ** 2)

    def log_components(self, x: np.ndarray) -> np.ndarray:
        """log(w_k N(x; m_k, var I)) for every mode and point, shape (K, n).

        Modes run along the first axis: with few modes, reductions over them are then
        elementwise operations on long rows, which numpy does fastest.
        """
        d2 = sum((x[None, :, j] - self.means[:, j, None]) ** 2 for j in range(self.dim))
        const = np.log(self.weights) - 0.5 * self.dim * math.log(2 * math.pi * self.var)
        return const[:, None] - (0.5 / self.var) * d2

    def log_density(self, x: np.ndarray) -> np.ndarray:
        """log p(x) by a stable log-sum-exp over the modes, shape (n,)."""
        logs = self.log_components(x)
        top = logs.max(axis=0)
        with np.errstate(under="ignore"):  # far modes contribute exactly nothing
            return top + np.log(np.exp(logs - top).sum(axis=0))

    def density(self, x: np.ndarray) -> np.ndarray:
        with np.errstate(under="ignore"):
            return np.exp(self.log_density(x))

    def responsibilities(self, x: np.ndarray) -> np.ndarray:
        """P(mode k | x), shape (K, n), by a stable softmax."""
        logs = self.log_components(x)
        with np.errstate(under="ignore"):
            r = np.exp(logs - logs.max(axis=0))
            return r / r.sum(axis=0)

    def score(self, x: np.ndarray) -> np.ndarray:
        """∇log p(x) = (Σ_k r_k(x) m_k − x) / var, shape (n, d)."""
        with np.errstate(under="ignore"):  # a negligible responsibility times a mean
            return (self.responsibilities(x).T @ self.means - x) / self.var

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """The 1-D mixture CDF Σ w_k Φ((x − m_k)/s)."""
        z = (np.asarray(x, dtype=float)[None, :] - self.means[:, 0, None]) / math.sqrt(self.var)
        return self.weights @ normal_cdf(z)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """n points, shape (n, d); the mode of each drawn by its weight."""
        modes = rng.choice(len(self.weights), size=n, p=self.weights)
        return self.means[modes] + math.sqrt(self.var) * rng.standard_normal((n, self.dim))


def exact_score(mixture: Mixture, schedule: Schedule) -> ScoreFn:
    """The closed-form score of the noised marginals p_t of `mixture`."""
    return lambda x, t: mixture.noised(schedule, t).score(x)


def parse_modes(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Mode positions and weights from text like "-2 @ 0.3; 2 @ 0.7" or "0, 0; 3, 1".

    Modes are separated by ';'; a mode is one (1-D) or two (2-D) numbers separated by ',' or
    spaces, optionally followed by '@ weight'. Every number goes through float() — never eval.
    Weights default to 1 and are normalised. Raises ValueError saying what is expected.
    """
    items = [item.strip() for item in str(text).split(";") if item.strip()]
    if not items:
        raise ValueError("no modes given; expected e.g. '-2; 2' or '0, 0 @ 2; 3, 1'")
    if len(items) > MAX_MODES:
        raise ValueError(f"{len(items)} modes; at most {MAX_MODES} are allowed")
    means, weights = [], []
    for item in items:
        position, _, weight = item.partition("@")
        coords = [_number(c, item) for c in position.replace(",", " ").split()]
        if len(coords) not in (1, 2):
            raise ValueError(f"mode {item!r} needs 1 or 2 coordinates, got {len(coords)}")
        w = _number(weight, item) if weight.strip() else 1.0
        if not w > 0:
            raise ValueError(f"mode {item!r}: the weight must be positive")
        if any(abs(c) > 10 for c in coords) or w > 1e6:
            raise ValueError(f"mode {item!r}: coordinates must lie in [-10, 10], weights ≤ 1e6")
        means.append(coords)
        weights.append(w)
    if len({len(m) for m in means}) != 1:
        raise ValueError("all modes need the same number of coordinates (1-D or 2-D)")
    w = np.array(weights)
    return np.array(means, dtype=float), w / w.sum()


def _number(text: str, item: str) -> float:
    text = text.strip()
    try:
        if not text.isascii():
            raise ValueError(text)
        value = float(text)
    except ValueError:
        raise ValueError(f"mode {item!r}: {text!r} is not a number") from None
    if not math.isfinite(value):
        raise ValueError(f"mode {item!r}: {text!r} is not a finite number")
    return value


def erf(x: np.ndarray) -> np.ndarray:
    """The error function, vectorised (Abramowitz–Stegun 7.1.26, |error| < 1.5e-7).

    numpy has no erf and scipy is not a dependency; 1.5e-7 is far below any KS distance a
    few thousand samples can resolve.
    """
    x = np.asarray(x, dtype=float)
    a = np.minimum(np.abs(x), 6.0)  # erf(6) = 1 − 2e-17: clamping avoids exp underflow
    t = 1.0 / (1.0 + 0.3275911 * a)
    poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741
                                                       + t * (-1.453152027 + t * 1.061405429))))
    return np.sign(x) * (1.0 - poly * np.exp(-a * a))


def normal_cdf(x: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + erf(np.asarray(x, dtype=float) / math.sqrt(2.0)))


def ks_distance(samples: np.ndarray, cdf: Callable[[np.ndarray], np.ndarray]) -> float:
    """sup_x |F_n(x) − F(x)| between the empirical CDF of 1-D samples and a CDF."""
    x = np.sort(np.asarray(samples, dtype=float).ravel())
    n = x.size
    f = cdf(x)
    above = np.arange(1, n + 1) / n - f
    below = f - np.arange(n) / n
    return float(max(above.max(), below.max()))


def ks_critical(n: int, level: float = 0.05) -> float:
    """The KS distance exceeded with probability `level` by n exact samples (asymptotic)."""
    return math.sqrt(-0.5 * math.log(level / 2)) / math.sqrt(n)


def nearest_mode_stats(samples: np.ndarray, means: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The share of samples nearest each mode, and the distance from each mode to the mean
    of its samples (nan for a mode no sample chose)."""
    k = len(means)
    d2 = sum((samples[None, :, j] - means[:, j, None]) ** 2 for j in range(means.shape[1]))
    nearest = d2.argmin(axis=0)
    counts = np.bincount(nearest, minlength=k)
    sums = np.stack([np.bincount(nearest, samples[:, j], minlength=k)
                     for j in range(means.shape[1])], axis=1)
    errors = np.full(len(means), np.nan)
    hit = counts > 0
    errors[hit] = np.linalg.norm(sums[hit] / counts[hit, None] - means[hit], axis=1)
    return counts / max(len(samples), 1), errors


def cell_masses(mixture: Mixture, probe: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """The probability p gives to each mode's Voronoi cell (the points nearest that mode).

    This, not the mode weights, is what the share of exact samples nearest each mode tends
    to: overlapping modes spill into each other's cells. In 1-D the cells are intervals and
    the masses are exact (normal CDFs); in 2-D they are estimated from a fixed `probe` of
    (component index, standard normal draw) pairs, so the estimate is the same every frame.
    """
    means, s = mixture.means, math.sqrt(mixture.var)
    if mixture.dim == 1:
        order = np.argsort(means[:, 0])
        m = means[order, 0]
        cuts = np.r_[-np.inf, (m[:-1] + m[1:]) / 2, np.inf]
        z = (cuts[None, :] - means[:, 0, None]) / s
        per_mode = mixture.weights[:, None] * np.diff(normal_cdf(z), axis=1)
        masses = np.empty(len(m))
        masses[order] = per_mode.sum(axis=0)
        return masses
    if probe is None:
        raise ValueError("a 2-D mixture needs a probe of fixed draws to estimate its cell masses")
    component, z = probe
    shares, _ = nearest_mode_stats(means[component] + s * z, means)
    return shares


def mixture_probe(weights: np.ndarray, dim: int, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Fixed draws (component, standard normal) for `cell_masses` in 2-D."""
    rng = np.random.default_rng([seed, 7])
    return rng.choice(len(weights), size=count, p=weights), rng.standard_normal((count, dim))


def forward_step(x: np.ndarray, schedule: Schedule, t0: float, t1: float,
                 noise: np.ndarray) -> np.ndarray:
    """Move x from time t0 to t1 > t0 by the forward SDE's exact Gaussian transition."""
    ratio = float(np.exp(schedule.log_alpha(t1) - schedule.log_alpha(t0)))
    return ratio * x + math.sqrt(max(0.0, 1.0 - ratio * ratio)) * noise


def reverse_step(x: np.ndarray, score: np.ndarray, beta: float, dt: float, sampler: Sampler,
                 noise: np.ndarray | None = None) -> np.ndarray:
    """One Euler–Maruyama step of the reverse SDE (or Euler step of the ODE) from t to t − dt."""
    if sampler == "sde":
        return x + (0.5 * beta * x + beta * score) * dt + math.sqrt(beta * dt) * noise
    if sampler == "ode":
        return x + (0.5 * beta * x + 0.5 * beta * score) * dt
    raise ValueError(f"unknown sampler {sampler!r}; expected sde or ode")


def reverse_times(steps: int) -> np.ndarray:
    """The grid 1 = t_0 > t_1 > … > t_steps = 0 the reverse sampler walks."""
    return np.linspace(1.0, 0.0, steps + 1)


def reverse_sample(score_fn: ScoreFn, x1: np.ndarray, schedule: Schedule, steps: int,
                   sampler: Sampler, rng: np.random.Generator) -> np.ndarray:
    """Run the reverse sampler from x1 (samples at t = 1) down to t = 0."""
    times = reverse_times(steps)
    x = np.array(x1, dtype=float)
    for t, t_next in zip(times[:-1], times[1:]):
        noise = rng.standard_normal(x.shape) if sampler == "sde" else None
        x = reverse_step(x, score_fn(x, float(t)), float(schedule.beta(t)), t - t_next, sampler, noise)
    return x
