"""A tiny classifier network in the spirit of the TensorFlow Playground, trained by SGD.

Two inputs, `layers` hidden layers of `width` units, one logit z and p = σ(z); the loss is
the mean binary cross-entropy, whose gradient at the logit is (p − y)/B. A hidden layer is

    z = hWᵀ + b,  [BatchNorm: u = γ(z − μ_B)/√(σ²_B + ε) + β, else u = z],
    a = φ(u),     [inverted dropout: h = a ⊙ m / p, m_j ~ Bernoulli(p), in training only]

Inverted dropout divides by the keep probability p *during training*, so evaluation uses
the network as it is (no scaling). BatchNorm uses batch statistics in training and running
averages in evaluation; its input gradient is the closed form
    ∂L/∂z_i = γ/(mσ̂)·(m g_i − Σ_j g_j − ẑ_i Σ_j g_j ẑ_j),   g = ∂L/∂u,
which sums to zero over the batch. L2 adds λ‖W‖² to the loss; L1 takes a proximal step
W ← soft(W, lr·λ) after each gradient step, which is what produces exact zeros.
With φ(u) = u every layer is affine, so the whole net is one affine map W_eff x + b_eff.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from calcterm.compute.activations import activate, derivative

DATASETS = ("circle", "xor", "spiral", "gauss", "moons")
ACTIVATIONS = ("tanh", "relu", "sigmoid", "linear")
REGULARIZERS = ("none", "l1", "l2")
BN_EPS = 1e-5
BN_MOMENTUM = 0.9
VIEW = (-1.5, 1.5, -1.5, 1.5)
"""The square the data sets live in (xmin, xmax, ymin, ymax)."""


# ------------------------------------------------------------------------------ data


def make_data(name: str, count: int, noise: float, rng: np.random.Generator
              ) -> tuple[np.ndarray, np.ndarray]:
    """`count` labelled points (X (count, 2), y in {0, 1}), half of each class."""
    half = count // 2
    sizes = (count - half, half)
    if name == "circle":  # class 1 inside radius 0.5, class 0 on the ring 0.7–1.0
        r = np.concatenate([rng.uniform(0.7, 1.0, sizes[0]), rng.uniform(0.0, 0.5, sizes[1])])
        t = rng.uniform(0, 2 * np.pi, count)
        X = np.column_stack([r * np.cos(t), r * np.sin(t)])
        y = np.concatenate([np.zeros(sizes[0]), np.ones(sizes[1])])
    elif name == "xor":  # class 1 in the quadrants where x·y > 0, a little away from the axes
        y = np.concatenate([np.zeros(sizes[0]), np.ones(sizes[1])])
        first = rng.choice([-1.0, 1.0], count)
        signs = np.column_stack([first, np.where(y > 0, first, -first)])
        X = rng.uniform(0.05, 1.0, (count, 2)) * signs
    elif name == "spiral":  # two interleaved arms
        s = rng.uniform(0.0, 1.0, count)
        arm = np.concatenate([np.zeros(sizes[0]), np.ones(sizes[1])])
        t = 1.75 * 2 * np.pi * s + np.pi * arm
        X = np.column_stack([s * np.cos(t), s * np.sin(t)])
        y = arm
    elif name == "gauss":  # two blobs: linearly separable
        y = np.concatenate([np.zeros(sizes[0]), np.ones(sizes[1])])
        X = rng.normal(0.0, 0.25, (count, 2)) + np.where(y[:, None] > 0, 0.5, -0.5)
    elif name == "moons":
        y = np.concatenate([np.zeros(sizes[0]), np.ones(sizes[1])])
        t = rng.uniform(0, np.pi, count)
        X = np.where(y[:, None] > 0,
                     np.column_stack([1 - np.cos(t), 0.5 - np.sin(t)]),
                     np.column_stack([np.cos(t), np.sin(t)]))
        X = (X - [0.5, 0.25]) * 0.8
    else:
        raise ValueError(f"unknown data set {name!r}; expected one of {', '.join(DATASETS)}")
    X = X + rng.normal(0.0, noise, X.shape)
    order = rng.permutation(count)
    return X[order], y[order]


# ------------------------------------------------------------------------------ the net


@dataclass
class Net:
    """Weights W[k] (out × in), biases b[k]; BatchNorm γ, β and running μ, σ² per hidden layer.

    The last entry of W and b is the read-out (1 × width).
    """

    W: list[np.ndarray]
    b: list[np.ndarray]
    activation: str
    batchnorm: bool = False
    keep: float = 1.0
    gamma: list[np.ndarray] = field(default_factory=list)
    beta: list[np.ndarray] = field(default_factory=list)
    run_mean: list[np.ndarray] = field(default_factory=list)
    run_var: list[np.ndarray] = field(default_factory=list)

    @property
    def hidden(self) -> int:
        return len(self.W) - 1

    def weights(self) -> np.ndarray:
        """Every weight (not biases, not γ/β) in one vector."""
        return np.concatenate([W.ravel() for W in self.W])


def build(layers: int, width: int, activation: str, rng: np.random.Generator,
          batchnorm: bool = False, keep: float = 1.0) -> Net:
    """Xavier-normal weights, zero biases, γ = 1, β = 0, running statistics 0 and 1."""
    sizes = [2] + [width] * layers + [1]
    W = [rng.normal(0.0, np.sqrt(2.0 / (i + o)), (o, i)) for i, o in zip(sizes[:-1], sizes[1:])]
    b = [np.zeros(o) for o in sizes[1:]]
    ones, zeros = [np.ones(width) for _ in range(layers)], [np.zeros(width) for _ in range(layers)]
    return Net(W, b, activation, batchnorm, keep, ones, [z.copy() for z in zeros],
               [z.copy() for z in zeros], [o.copy() for o in ones])


def batchnorm_forward(z: np.ndarray, eps: float = BN_EPS) -> tuple[np.ndarray, np.ndarray]:
    """(ẑ, σ̂) per column over the batch: ẑ = (z − μ)/σ̂, σ̂ = √(σ² + ε), σ² the biased variance."""
    mu = z.mean(axis=0)
    sigma = np.sqrt(z.var(axis=0) + eps)
    return (z - mu) / sigma, sigma


def batchnorm_backward(g: np.ndarray, zhat: np.ndarray, sigma: np.ndarray, gamma: np.ndarray
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(∂L/∂z, ∂L/∂γ, ∂L/∂β) from g = ∂L/∂u for u = γẑ + β, by the closed form above."""
    m = g.shape[0]
    sum_g = g.sum(axis=0)
    sum_gz = (g * zhat).sum(axis=0)
    dz = gamma / (m * sigma) * (m * g - sum_g - zhat * sum_gz)
    return dz, sum_gz, sum_g


@dataclass
class Pass:
    """What the forward pass keeps for the backward one."""

    h: list[np.ndarray]                 # inputs of each layer (h[0] = X)
    u: list[np.ndarray]                 # pre-activations after BatchNorm
    zhat: list[np.ndarray | None]
    sigma: list[np.ndarray | None]
    masks: list[np.ndarray | None]
    logit: np.ndarray


ROWS_PER_PRODUCT = 256
"""Rows per matrix product: OpenBLAS goes multi-threaded above about 500 rows here, and on
a busy machine its threads turn a 0.02 ms product into 30 ms; rows are independent."""


def linear(h: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """h Wᵀ + b for a batch of rows, in chunks of ROWS_PER_PRODUCT rows."""
    if h.shape[0] <= ROWS_PER_PRODUCT:
        return h @ W.T + b
    return np.concatenate([h[i:i + ROWS_PER_PRODUCT] @ W.T
                           for i in range(0, h.shape[0], ROWS_PER_PRODUCT)]) + b


def forward(net: Net, X: np.ndarray, train: bool = False,
            rng: np.random.Generator | None = None) -> Pass:
    """The logits for X; in training mode BatchNorm uses the batch and dropout samples masks."""
    h, us, zhats, sigmas, masks = [X], [], [], [], []
    for k in range(net.hidden):
        z = linear(h[-1], net.W[k], net.b[k])
        zhat = sigma = None
        if net.batchnorm:
            if train:
                zhat, sigma = batchnorm_forward(z)
            else:
                sigma = np.sqrt(net.run_var[k] + BN_EPS)
                zhat = (z - net.run_mean[k]) / sigma
            z = net.gamma[k] * zhat + net.beta[k]
        a = activate(net.activation, z)
        mask = None
        if train and net.keep < 1.0:
            mask = (rng.random(a.shape) < net.keep) / net.keep
            a = a * mask
        us.append(z)
        zhats.append(zhat)
        sigmas.append(sigma)
        masks.append(mask)
        h.append(a)
    logit = linear(h[-1], net.W[-1], net.b[-1])[:, 0]
    return Pass(h, us, zhats, sigmas, masks, logit)


def probability(logit: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * logit))


def cross_entropy(logit: np.ndarray, y: np.ndarray) -> float:
    """Mean of −y log p − (1 − y) log(1 − p), written with logaddexp so no logit overflows."""
    return float(np.mean(np.logaddexp(0.0, logit) - y * logit))


@dataclass
class Grads:
    W: list[np.ndarray]
    b: list[np.ndarray]
    gamma: list[np.ndarray]
    beta: list[np.ndarray]
    dX: np.ndarray


def backward(net: Net, cache: Pass, y: np.ndarray) -> Grads:
    """Gradients of the mean cross-entropy (without any penalty) for the pass `cache`."""
    B = y.shape[0]
    g = ((probability(cache.logit) - y) / B)[:, None]  # ∂L/∂z at the logit
    dW = [np.empty(0)] * len(net.W)
    db = [np.empty(0)] * len(net.b)
    dgamma = [np.zeros(0)] * net.hidden
    dbeta = [np.zeros(0)] * net.hidden
    dW[-1] = g.T @ cache.h[-1]
    db[-1] = g.sum(axis=0)
    dh = g @ net.W[-1]
    for k in range(net.hidden - 1, -1, -1):
        if cache.masks[k] is not None:
            dh = dh * cache.masks[k]
        du = dh * derivative(net.activation, cache.u[k])
        if net.batchnorm:
            dz, dgamma[k], dbeta[k] = batchnorm_backward(du, cache.zhat[k], cache.sigma[k],
                                                         net.gamma[k])
        else:
            dz = du
        dW[k] = dz.T @ cache.h[k]
        db[k] = dz.sum(axis=0)
        dh = dz @ net.W[k]
    return Grads(dW, db, dgamma, dbeta, dh)


def soft_threshold(v: np.ndarray, t: float) -> np.ndarray:
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


def sgd_step(net: Net, X: np.ndarray, y: np.ndarray, lr: float, reg: str, lam: float,
             rng: np.random.Generator) -> float:
    """One SGD step on the batch (X, y), in place; returns the batch's data loss."""
    cache = forward(net, X, train=True, rng=rng)
    grads = backward(net, cache, y)
    for k in range(len(net.W)):
        step = grads.W[k] + (2.0 * lam * net.W[k] if reg == "l2" else 0.0)
        net.W[k] -= lr * step
        if reg == "l1":
            net.W[k] = soft_threshold(net.W[k], lr * lam)
        net.b[k] -= lr * grads.b[k]
    if net.batchnorm:
        for k in range(net.hidden):
            net.gamma[k] -= lr * grads.gamma[k]
            net.beta[k] -= lr * grads.beta[k]
            z = linear(cache.h[k], net.W[k], net.b[k])  # this batch's statistics, for evaluation
            net.run_mean[k] = BN_MOMENTUM * net.run_mean[k] + (1 - BN_MOMENTUM) * z.mean(axis=0)
            net.run_var[k] = BN_MOMENTUM * net.run_var[k] + (1 - BN_MOMENTUM) * z.var(axis=0)
    return cross_entropy(cache.logit, y)


def accuracy(logit: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean((logit > 0) == (y > 0.5)))


def affine_equivalent(net: Net) -> tuple[np.ndarray, float]:
    """(W_eff (1 × 2), b_eff) of the evaluation-mode net with every φ replaced by the identity:
    W_eff = W_out·D_L·W_L ⋯ D₁·W₁ with D_k = diag(γ/√(σ²_run + ε)) under BatchNorm (else I).
    For the linear activation this *is* the network."""
    M, c = np.eye(2), np.zeros(2)
    for k in range(net.hidden):
        M, c = net.W[k] @ M, net.W[k] @ c + net.b[k]
        if net.batchnorm:
            scale = net.gamma[k] / np.sqrt(net.run_var[k] + BN_EPS)
            M, c = scale[:, None] * M, scale * (c - net.run_mean[k]) + net.beta[k]
    return net.W[-1] @ M, float((net.W[-1] @ c + net.b[-1])[0])


def dropout_check(net: Net, x: np.ndarray, draws: int, rng: np.random.Generator
                  ) -> tuple[float, float, float]:
    """(Monte-Carlo mean of the training-mode logit at x, its standard error, the eval logit).

    BatchNorm is held in evaluation mode so that only dropout differs. Through linear
    layers inverted dropout keeps the mean: E[train logit] = eval logit; after a
    non-linearity it need not.
    """
    eval_logit = float(forward(net, x[None, :]).logit[0])
    if net.keep >= 1.0:
        return eval_logit, 0.0, eval_logit
    probe = _folded(net) if net.batchnorm else net
    logits = forward(probe, np.repeat(x[None, :], draws, axis=0), train=True, rng=rng).logit
    return float(logits.mean()), float(logits.std(ddof=1) / np.sqrt(draws)), eval_logit


def _folded(net: Net) -> Net:
    """The same evaluation-mode net with BatchNorm folded into each layer's W and b."""
    W, b = [], []
    for k in range(net.hidden):
        scale = net.gamma[k] / np.sqrt(net.run_var[k] + BN_EPS)
        W.append(scale[:, None] * net.W[k])
        b.append(scale * (net.b[k] - net.run_mean[k]) + net.beta[k])
    return Net(W + [net.W[-1]], b + [net.b[-1]], net.activation, False, net.keep)
