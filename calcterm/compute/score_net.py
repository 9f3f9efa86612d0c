"""A small score network in numpy, trained by denoising score matching.

The network predicts the noise: given x_t = α_t x₀ + σ_t ε it outputs ε̂_θ(x_t, t), trained on
the loss E|ε̂_θ(x_t, t) − ε|². The minimiser is E[ε | x_t] = −σ_t ∇log p_t(x_t), so the score
model is s_θ(x, t) = −ε̂_θ(x, t)/σ_t ≈ ∇log p_t(x) — the score itself, with no 1/√(2π) factor
(the article's slip). Backpropagation and Adam are written out by hand, so the whole
model is a few matrix products.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Generator

import numpy as np

from calcterm.compute.diffusion import Mixture, Schedule

FREQUENCIES = np.array([0.5, 1.0, 2.0, 4.0]) * math.pi
"""The time embedding: sin and cos of these multiples of t."""
T_MIN = 1e-3
"""Training times are drawn from [T_MIN, 1]: at t = 0 the noise is unpredictable and σ_t = 0."""


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # never overflows, unlike 1/(1 + e^(−z))


def _silu_inplace(z: np.ndarray) -> np.ndarray:
    """z·σ(z) with one new array; z itself is left alone."""
    s = np.multiply(z, 0.5)
    np.tanh(s, out=s)
    s += 1.0
    s *= 0.5
    s *= z
    return s


@dataclass
class ScoreNet:
    """ε̂_θ(x, t): an MLP with two SiLU hidden layers on (scaled x, time features)."""

    weights: list[np.ndarray]
    """W1, b1, W2, b2, W3, b3."""
    schedule: Schedule
    data_var: float
    """The data's overall variance, used to feed the network inputs of unit scale."""
    _f32: list[np.ndarray] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def dim(self) -> int:
        return int(self.weights[-1].shape[0])

    def input_scale(self, t: np.ndarray) -> np.ndarray:
        """1/√(α_t² var + σ_t²): the noised data then reach the network at unit scale."""
        alpha2 = np.exp(2 * self.schedule.log_alpha(t))
        return 1.0 / np.sqrt(alpha2 * self.data_var + (1.0 - alpha2))

    @staticmethod
    def time_features(t: np.ndarray) -> np.ndarray:
        """[2t − 1, sin(ωt), cos(ωt)] for each time, shape (n, 9)."""
        wt = t[:, None] * FREQUENCIES[None, :]
        return np.hstack([2 * t[:, None] - 1, np.sin(wt), np.cos(wt)])

    def features(self, x: np.ndarray, t: np.ndarray | float) -> np.ndarray:
        """The network's input for each point: scaled x beside the time features."""
        t = np.broadcast_to(np.asarray(t, dtype=float), (len(x),))
        return np.hstack([x * self.input_scale(t)[:, None], self.time_features(t)])

    def forward(self, x: np.ndarray, t: np.ndarray | float) -> tuple[np.ndarray, tuple]:
        """ε̂ for each point, and what backpropagation needs."""
        w1, b1, w2, b2, w3, b3 = self.weights
        f = self.features(x, t)
        z1 = f @ w1 + b1
        s1 = _sigmoid(z1)
        h1 = z1 * s1
        z2 = h1 @ w2 + b2
        s2 = _sigmoid(z2)
        h2 = z2 * s2
        return h2 @ w3 + b3, (f, z1, s1, h1, z2, s2, h2)

    def backward(self, cache: tuple, grad_out: np.ndarray) -> list[np.ndarray]:
        """The gradient of a loss with ∂loss/∂ε̂ = grad_out, for every weight."""
        f, z1, s1, h1, z2, s2, h2 = cache
        _, _, w2, _, w3, _ = self.weights
        g3 = h2.T @ grad_out
        gb3 = grad_out.sum(axis=0)
        dz2 = (grad_out @ w3.T) * s2 * (1 + z2 * (1 - s2))  # SiLU′(z) = σ(z)(1 + z(1 − σ(z)))
        g2 = h1.T @ dz2
        gb2 = dz2.sum(axis=0)
        dz1 = (dz2 @ w2.T) * s1 * (1 + z1 * (1 - s1))
        g1 = f.T @ dz1
        gb1 = dz1.sum(axis=0)
        return [g1, gb1, g2, gb2, g3, gb3]

    def noise(self, x: np.ndarray, t: float) -> np.ndarray:
        """ε̂ at one time t for many points: the lean path the samplers use.

        At a single t the time features are the same for every point, so they fold into the
        first bias. It runs in float32 (about 4× faster here, and ~1e-6 relative error is far
        below what the network itself gets wrong) with activations in place, since fresh
        temporaries of many points cost more than the arithmetic.
        """
        w1, b1, w2, b2, w3, b3 = self._inference_weights()
        d = x.shape[1]
        times = np.array([float(t)])
        first = self.time_features(times)[0] @ self.weights[0][d:] + self.weights[1]
        z = (x * self.input_scale(times)[0]).astype(np.float32) @ w1
        z += first.astype(np.float32)
        z = _silu_inplace(z) @ w2
        z += b2
        out = _silu_inplace(z) @ w3
        out += b3
        return out.astype(np.float64)

    def _inference_weights(self) -> list[np.ndarray]:
        """The weights in float32 (rows of W1 for x only), made once per trained net."""
        if self._f32 is None:
            w1, b1, w2, b2, w3, b3 = self.weights
            self._f32 = [a.astype(np.float32) for a in (w1[: self.dim], b1, w2, b2, w3, b3)]
        return self._f32

    def score(self, x: np.ndarray, t: float) -> np.ndarray:
        """s_θ(x, t) = −ε̂_θ(x, t)/σ_t ≈ ∇log p_t(x)."""
        return -self.noise(x, t) / float(self.schedule.sigma(t))


def init_net(dim: int, schedule: Schedule, data_var: float, rng: np.random.Generator,
             hidden: int = 48) -> ScoreNet:
    """Fresh weights (He-style scale); the untrained net predicts noise that is noise."""
    n_in = dim + 1 + 2 * len(FREQUENCIES)
    sizes = [(n_in, hidden), (hidden, hidden), (hidden, dim)]
    weights: list[np.ndarray] = []
    for fan_in, fan_out in sizes:
        weights.append(rng.standard_normal((fan_in, fan_out)) * math.sqrt(2.0 / fan_in))
        weights.append(np.zeros(fan_out))
    return ScoreNet(weights, schedule, data_var)


def dsm_loss(net: ScoreNet, x0: np.ndarray, t: np.ndarray,
             eps: np.ndarray) -> tuple[float, list[np.ndarray]]:
    """The denoising loss mean_i |ε̂(α x0 + σ ε, t) − ε|² and its gradient."""
    alpha = net.schedule.alpha(t)[:, None]
    sigma = net.schedule.sigma(t)[:, None]
    out, cache = net.forward(alpha * x0 + sigma * eps, t)
    diff = out - eps
    loss = float((diff * diff).sum() / len(x0))
    return loss, net.backward(cache, 2.0 * diff / len(x0))


@dataclass
class Adam:
    """Adam with bias correction; `rate` is the step size of the current iteration."""

    shapes: list[tuple[int, ...]]
    beta1: float = 0.9
    beta2: float = 0.999
    eps: float = 1e-8
    count: int = 0
    m: list[np.ndarray] = field(default_factory=list)
    v: list[np.ndarray] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.m = [np.zeros(s) for s in self.shapes]
        self.v = [np.zeros(s) for s in self.shapes]

    def step(self, weights: list[np.ndarray], grads: list[np.ndarray], rate: float) -> None:
        self.count += 1
        c1 = 1 - self.beta1 ** self.count
        c2 = 1 - self.beta2 ** self.count
        with np.errstate(under="ignore"):  # squared tiny gradients may flush to zero; harmless
            for w, g, m, v in zip(weights, grads, self.m, self.v):
                m *= self.beta1
                m += (1 - self.beta1) * g
                v *= self.beta2
                v += (1 - self.beta2) * g * g
                w -= rate * (m / c1) / (np.sqrt(v / c2) + self.eps)


@dataclass
class TrainResult:
    net: ScoreNet
    losses: np.ndarray
    """The loss of every iteration (noisy: each is one mini-batch)."""


def train(net: ScoreNet, data: Mixture, rng: np.random.Generator, iterations: int = 2000,
          batch: int = 256, rate: float = 3e-3,
          chunk: int = 50) -> Generator[float, None, TrainResult]:
    """Train a copy of `net` by denoising score matching on samples of `data`.

    A generator: yields the fraction done every `chunk` iterations (so a caller can show
    progress or stop early) and returns the trained copy; `net` itself is never touched.
    The step size follows a cosine from `rate` down to 1% of it.
    """
    trained = ScoreNet([w.copy() for w in net.weights], net.schedule, net.data_var)
    adam = Adam([w.shape for w in trained.weights])
    losses = np.empty(iterations)
    for i in range(iterations):
        x0 = data.sample(batch, rng)
        t = rng.uniform(T_MIN, 1.0, batch)
        eps = rng.standard_normal(x0.shape)
        losses[i], grads = dsm_loss(trained, x0, t, eps)
        step = rate * (0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * i / iterations)))
        adam.step(trained.weights, grads, step)
        if (i + 1) % chunk == 0 or i + 1 == iterations:
            yield (i + 1) / iterations
    return TrainResult(trained, losses)


def run_training(net: ScoreNet, data: Mixture, rng: np.random.Generator,
                 **options: float) -> TrainResult:
    """`train` to the end, ignoring progress."""
    gen = train(net, data, rng, **options)
    while True:
        try:
            next(gen)
        except StopIteration as done:
            return done.value
