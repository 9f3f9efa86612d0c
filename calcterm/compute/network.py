"""A deep fully connected network with backpropagation written as the matrix chain rule.

Layer k (k = 1…L) maps h⁽ᵏ⁻¹⁾ to h⁽ᵏ⁾, every layer `width` units wide:

    u⁽ᵏ⁾ = LN(h⁽ᵏ⁻¹⁾) with layer normalisation, else h⁽ᵏ⁻¹⁾
    z⁽ᵏ⁾ = W⁽ᵏ⁾ u⁽ᵏ⁾ + b⁽ᵏ⁾,    a⁽ᵏ⁾ = φ(z⁽ᵏ⁾)
    h⁽ᵏ⁾ = h⁽ᵏ⁻¹⁾ + a⁽ᵏ⁾ with a residual connection, else a⁽ᵏ⁾

and a linear read-out ŷ = v·h⁽ᴸ⁾ + c. The loss is L = (1/2B) Σᵢ (ŷᵢ − yᵢ)² over a batch.
Rows of every array are examples, so W u is written `u @ W.T`.

Backward, from the top down (δ⁽ᵏ⁾ = ∂L/∂z⁽ᵏ⁾, g⁽ᵏ⁾ = ∂L/∂h⁽ᵏ⁾):

    δ⁽ᵏ⁾ = g⁽ᵏ⁾ ⊙ φ′(z⁽ᵏ⁾),  ∂L/∂W⁽ᵏ⁾ = δ⁽ᵏ⁾ᵀ u⁽ᵏ⁾,  ∂L/∂b⁽ᵏ⁾ = Σᵢ δ⁽ᵏ⁾
    g⁽ᵏ⁻¹⁾ = [g⁽ᵏ⁾ if residual] + LN′ᵀ(W⁽ᵏ⁾ᵀ δ⁽ᵏ⁾)

For a plain net ‖g⁽ᵏ⁻¹⁾‖ ≤ σ_max(W⁽ᵏ⁾)·sup|φ′|·‖g⁽ᵏ⁾‖: the product of the layers' gains
bounds how fast the gradient can grow, and shrinks it exponentially when every gain < 1.
Everything is float64; overflow in an exploding net is a legitimate result, computed under a
local `np.errstate` and reported through `Diagnostics.finite`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import numpy as np

from calcterm.compute.activations import SUP_DERIVATIVE, activate, derivative

INITS: tuple[str, ...] = ("normal", "xavier", "he")
LN_EPS = 1e-5
VANISHING_BELOW = 1e-2
EXPLODING_ABOVE = 1e2
"""Regime thresholds on ‖∂L/∂h⁽⁰⁾‖ / ‖∂L/∂h⁽ᴸ⁾‖: two orders of magnitude either way."""


@dataclass
class Network:
    W: np.ndarray  # (L, n, n): W[k-1] is W⁽ᵏ⁾, rows are output units
    b: np.ndarray  # (L, n)
    v: np.ndarray  # (n,) read-out weights
    c: float       # read-out bias
    activation: str
    residual: bool = False
    layernorm: bool = False

    @property
    def depth(self) -> int:
        return self.W.shape[0]

    @property
    def width(self) -> int:
        return self.W.shape[1]


def init_std(init: str, width: int, sigma: float = 1.0) -> float:
    """The weight standard deviation of a square layer: normal σ, Xavier √(2/(n_in+n_out)), He √(2/n_in)."""
    if init == "normal":
        return float(sigma)
    if init == "xavier":
        return float(np.sqrt(2.0 / (width + width)))
    if init == "he":
        return float(np.sqrt(2.0 / width))
    raise ValueError(f"unknown init {init!r}; expected one of {', '.join(INITS)}")


def build_network(rng: np.random.Generator, depth: int, width: int, activation: str,
                  init: str = "xavier", sigma: float = 1.0, residual: bool = False,
                  layernorm: bool = False) -> Network:
    """Gaussian weights of the chosen scale, zero biases; the read-out is always Xavier-scaled."""
    std = init_std(init, width, sigma)
    W = rng.standard_normal((depth, width, width))
    W *= std
    v = rng.standard_normal(width) * np.sqrt(1.0 / width)
    return Network(W, np.zeros((depth, width)), v, 0.0, activation, residual, layernorm)


def smooth_target(x: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """The regression task: y = sin(2 d·x), a smooth ridge along the unit direction d."""
    return np.sin(2.0 * (x @ direction))


def layer_norm(h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(h − mean)/√(var + ε) over each example's units; returns it and 1/√(var + ε)."""
    centred = h - h.mean(axis=-1, keepdims=True)
    inv_std = 1.0 / np.sqrt((centred * centred).mean(axis=-1, keepdims=True) + LN_EPS)
    return centred * inv_std, inv_std


def layer_norm_backward(grad_u: np.ndarray, u: np.ndarray, inv_std: np.ndarray) -> np.ndarray:
    """∂L/∂h from ∂L/∂u for u = LN(h): (1/s)(g − mean(g) − u·mean(g⊙u))."""
    mean_g = grad_u.mean(axis=-1, keepdims=True)
    mean_gu = (grad_u * u).mean(axis=-1, keepdims=True)
    return inv_std * (grad_u - mean_g - u * mean_gu)


@dataclass
class Cache:
    """What the forward pass keeps for the backward one."""

    h: np.ndarray              # (L+1, B, n): h[0] = x … h[L]
    z: np.ndarray              # (L, B, n) pre-activations
    u: np.ndarray | None       # (L, B, n) normalised layer inputs (layer norm only)
    inv_std: np.ndarray | None  # (L, B, 1)
    yhat: np.ndarray           # (B,)

    def layer_input(self, j: int) -> np.ndarray:
        return self.u[j] if self.u is not None else self.h[j]


def forward(net: Network, x: np.ndarray) -> Cache:
    L, n = net.depth, net.width
    B = x.shape[0]
    h = np.empty((L + 1, B, n))
    z = np.empty((L, B, n))
    u = np.empty((L, B, n)) if net.layernorm else None
    inv_std = np.empty((L, B, 1)) if net.layernorm else None
    h[0] = x
    for j in range(L):
        inp = h[j]
        if net.layernorm:
            u[j], inv_std[j] = layer_norm(inp)
            inp = u[j]
        np.matmul(inp, net.W[j].T, out=z[j])
        z[j] += net.b[j]
        h[j + 1] = activate(net.activation, z[j])
        if net.residual:
            h[j + 1] += h[j]
    yhat = h[L] @ net.v + net.c
    return Cache(h, z, u, inv_std, yhat)


def mse_loss(yhat: np.ndarray, y: np.ndarray) -> float:
    r = yhat - y
    return float(0.5 * np.mean(r * r))


@dataclass
class HeadGrad:
    dh: np.ndarray  # ∂L/∂h⁽ᴸ⁾, (B, n)
    dv: np.ndarray
    dc: float


def head_backward(net: Network, cache: Cache, y: np.ndarray) -> HeadGrad:
    r = (cache.yhat - y) / y.shape[0]  # ∂L/∂ŷ
    return HeadGrad(np.outer(r, net.v), cache.h[-1].T @ r, float(r.sum()))


@dataclass
class LayerGrad:
    """One step of the chain rule: layer k's output gradient and its parameter gradients."""

    k: int
    dh: np.ndarray                 # ∂L/∂h⁽ᵏ⁾, (B, n)
    dW: np.ndarray | None = None   # ∂L/∂W⁽ᵏ⁾ (None for k = 0, the input)
    db: np.ndarray | None = None
    slope: np.ndarray | None = None  # φ′(z⁽ᵏ⁾)


def backprop(net: Network, cache: Cache, dh_top: np.ndarray) -> Iterator[LayerGrad]:
    """Yield LayerGrad for k = L, L−1, …, 1 and finally k = 0 (the input).

    When layer k is yielded its W⁽ᵏ⁾ has already been used, so a consumer may update it in
    place (fused SGD without storing every gradient).
    """
    g = dh_top
    for j in range(net.depth - 1, -1, -1):
        slope = derivative(net.activation, cache.z[j])
        delta = g * slope
        dW = delta.T @ cache.layer_input(j)
        db = delta.sum(axis=0)
        g_in = delta @ net.W[j]
        if net.layernorm:
            g_in = layer_norm_backward(g_in, cache.u[j], cache.inv_std[j])
        g_below = g + g_in if net.residual else g_in
        yield LayerGrad(j + 1, g, dW, db, slope)
        g = g_below
    yield LayerGrad(0, g)


@dataclass
class Gradients:
    dh: np.ndarray  # (L+1, B, n): dh[k] = ∂L/∂h⁽ᵏ⁾
    dW: np.ndarray  # (L, n, n)
    db: np.ndarray  # (L, n)
    dv: np.ndarray
    dc: float


def gradients(net: Network, x: np.ndarray, y: np.ndarray) -> tuple[float, Gradients]:
    """The loss and every gradient, collected (for tests and small nets)."""
    cache = forward(net, x)
    head = head_backward(net, cache, y)
    dh = np.empty_like(cache.h)
    dW = np.empty_like(net.W)
    db = np.empty_like(net.b)
    for step in backprop(net, cache, head.dh):
        dh[step.k] = step.dh
        if step.k:
            dW[step.k - 1], db[step.k - 1] = step.dW, step.db
    return mse_loss(cache.yhat, y), Gradients(dh, dW, db, head.dv, head.dc)


@dataclass
class Diagnostics:
    """Small per-pass summaries: all a picture of the gradient flow needs."""

    loss: float
    grad_h: np.ndarray      # (L+1,) ‖∂L/∂h⁽ᵏ⁾‖ (Frobenius over the batch), k = 0…L
    grad_W: np.ndarray      # (L,) ‖∂L/∂W⁽ᵏ⁾‖
    grad_b: np.ndarray      # (L,)
    act_std: np.ndarray     # (L+1,) std of h⁽ᵏ⁾ over batch and units
    dead: np.ndarray        # (L,) ReLU units with z ≤ 0 on every example (0 for other φ)
    saturated: float        # share of (example, unit) pairs with |φ′(z)| < 0.1·sup|φ′|
    overflow_layer: int | None  # first k whose h⁽ᵏ⁾ is not finite

    @property
    def finite(self) -> bool:
        return bool(np.isfinite(self.loss) and np.isfinite(self.grad_h).all()
                    and np.isfinite(self.grad_W).all() and self.overflow_layer is None)


def _frobenius(a: np.ndarray) -> float:
    """‖a‖_F, rescaled when the plain sum of squares overflows but the entries do not."""
    total = float(np.sum(a * a))
    if np.isfinite(total):
        return float(np.sqrt(total))
    scale = float(np.max(np.abs(a)))
    if not np.isfinite(scale):
        return scale
    scaled = a / scale
    return scale * float(np.sqrt(np.sum(scaled * scaled)))


def train_step(net: Network, x: np.ndarray, y: np.ndarray, lr: float) -> Diagnostics:
    """One plain SGD step θ ← θ − lr·∇L on the batch (x, y), updating `net` in place.

    Returns the diagnostics of the pass *before* the update (the gradients it used). With
    lr = 0 it only measures. Overflow is not an error here: the diagnostics say where it
    happened, and the caller should stop training.
    """
    L = net.depth
    grad_h, grad_W, grad_b = np.empty(L + 1), np.empty(L), np.empty(L)
    dead = np.zeros(L, dtype=int)
    saturated = 0
    with np.errstate(all="ignore"):
        cache = forward(net, x)
        loss = mse_loss(cache.yhat, y)
        bad = ~np.isfinite(cache.h).reshape(L + 1, -1).all(axis=1)
        overflow = int(np.argmax(bad)) if bad.any() else None
        act_std = cache.h.reshape(L + 1, -1).std(axis=1)
        head = head_backward(net, cache, y)
        update = lr > 0 and np.isfinite(loss)
        for step in backprop(net, cache, head.dh):
            grad_h[step.k] = _frobenius(step.dh)
            if step.k == 0:
                break
            j = step.k - 1
            grad_W[j], grad_b[j] = _frobenius(step.dW), _frobenius(step.db)
            saturated += int(np.count_nonzero(np.abs(step.slope)
                                              < 0.1 * SUP_DERIVATIVE[net.activation]))
            if net.activation == "relu":
                dead[j] = int(np.count_nonzero((cache.z[j] <= 0).all(axis=0)))
            update = update and bool(np.isfinite(grad_W[j]) and np.isfinite(grad_b[j]))
            if update:
                net.W[j] -= lr * step.dW
                net.b[j] -= lr * step.db
        if update:
            net.v -= lr * head.dv
            net.c -= lr * head.dc
    share = saturated / cache.z.size if cache.z.size else 0.0
    return Diagnostics(loss, grad_h, grad_W, grad_b, act_std, dead, share, overflow)


def regime(grad_h: np.ndarray) -> str:
    """vanishing / stable / exploding from r = ‖∂L/∂h⁽⁰⁾‖ / ‖∂L/∂h⁽ᴸ⁾‖.

    r < VANISHING_BELOW is vanishing, r > EXPLODING_ABOVE (or any overflow) exploding.
    """
    first, last = float(grad_h[0]), float(grad_h[-1])
    if not (np.isfinite(first) and np.isfinite(last)):
        return "exploding"
    if last == 0.0:
        return "stable" if first == 0.0 else "exploding"
    ratio = first / last
    if ratio < VANISHING_BELOW:
        return "vanishing"
    if ratio > EXPLODING_ABOVE:
        return "exploding"
    return "stable"


def spectral_norms(W: np.ndarray) -> np.ndarray:
    """Exact σ_max of every layer (batched SVD): for small nets and as the reference."""
    return np.linalg.svd(W, compute_uv=False)[:, 0]


def power_iteration(W: np.ndarray, v: np.ndarray, iterations: int) -> tuple[np.ndarray, np.ndarray]:
    """σ_max of every layer by power iteration on WᵀW, warm-started from the unit rows of v.

    Returns (estimates, new v). Each estimate ‖W v‖ is a lower bound that rises to σ_max;
    reusing v across slowly changing weights keeps a few iterations per step accurate.
    """
    with np.errstate(all="ignore"):
        for _ in range(iterations):
            u = np.matmul(W, v[:, :, None])[:, :, 0]
            v = np.matmul(u[:, None, :], W)[:, 0, :]
            norms = np.linalg.norm(v, axis=1, keepdims=True)
            v = np.where(norms > 0, v / np.where(norms > 0, norms, 1.0), v)
        sigma = np.linalg.norm(np.matmul(W, v[:, :, None])[:, :, 0], axis=1)
    return sigma, v


def gain_bounds(sigma_max: np.ndarray, activation: str, residual: bool) -> np.ndarray:
    """Per-layer bound on ‖g⁽ᵏ⁻¹⁾‖/‖g⁽ᵏ⁾‖ without layer norm: c·σ_max, or 1 + c·σ_max with
    a residual connection, where c = sup|φ′|."""
    c = SUP_DERIVATIVE[activation]
    return 1.0 + c * sigma_max if residual else c * sigma_max


def bound_profile(grad_top: float, gains: np.ndarray) -> np.ndarray:
    """grad_top · ∏_{j>k} gain_j for k = 0…L: the bound on ‖g⁽ᵏ⁾‖ carried down from the top.

    Computed in logarithms so that a product far beyond float range stays finite until the
    end (it is inf only where the bound itself exceeds float range).
    """
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        logs = np.log10(np.asarray(gains, dtype=float))
        tail = np.concatenate([np.cumsum(logs[::-1])[::-1], [0.0]])
        return grad_top * 10.0 ** tail


def log10_product(values: np.ndarray) -> float:
    """log₁₀ ∏ values, without overflow."""
    with np.errstate(divide="ignore"):
        return float(np.sum(np.log10(np.asarray(values, dtype=float))))
