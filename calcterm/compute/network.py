"""A deep fully connected network with backpropagation written as the matrix chain rule.

Layer k (k = 1…L) maps h⁽ᵏ⁻¹⁾ to h⁽ᵏ⁾, every layer `width` units wide:

    u⁽ᵏ⁾ = LN(h⁽ᵏ⁻¹⁾) with layer normalisation, else h⁽ᵏ⁻¹⁾
    z⁽ᵏ⁾ = W⁽ᵏ⁾ u⁽ᵏ⁾ + b⁽ᵏ⁾,    a⁽ᵏ⁾ = φ(z⁽ᵏ⁾)
    h⁽ᵏ⁾ = h⁽ᵏ⁻¹⁾ + a⁽ᵏ⁾/√L with a residual connection, else a⁽ᵏ⁾

and a linear read-out ŷ = v·h⁽ᴸ⁾ + c; the loss is L = (1/2B) Σᵢ (ŷᵢ − yᵢ)² over a batch.
Rows of every array are examples, so W u is written `u @ W.T`. The residual branches are
scaled by 1/√L (as in "stable ResNets") so the residual stream's variance stays bounded at
any depth instead of doubling per layer; without it a deep ReLU/He residual net overflows
before training starts.

Backward, from the top down (δ⁽ᵏ⁾ = ∂L/∂z⁽ᵏ⁾, g⁽ᵏ⁾ = ∂L/∂h⁽ᵏ⁾):

    δ⁽ᵏ⁾ = s·g⁽ᵏ⁾ ⊙ φ′(z⁽ᵏ⁾)        (s = 1/√L with residuals, else 1)
    ∂L/∂W⁽ᵏ⁾ = δ⁽ᵏ⁾ᵀ u⁽ᵏ⁾,  ∂L/∂b⁽ᵏ⁾ = Σᵢ δ⁽ᵏ⁾
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
    branch_scale: float = 1.0  # s: the residual branch adds s·φ(z)

    @property
    def depth(self) -> int:
        return self.W.shape[0]

    @property
    def width(self) -> int:
        return self.W.shape[1]


def init_std(init: str, width: int, sigma: float = 1.0) -> float:
    """Weight std of a square layer: normal σ, Xavier √(2/(n_in+n_out)), He √(2/n_in)."""
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
    scale = 1.0 / np.sqrt(depth) if residual else 1.0
    return Network(W, np.zeros((depth, width)), v, 0.0, activation, residual, layernorm, scale)


def smooth_target(x: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """The regression task: y = sin(d·x), a smooth ridge along the unit direction d."""
    return np.sin(x @ direction)


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
            h[j + 1] *= net.branch_scale
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
    """One step of the chain rule: layer k's output gradient and what its parameters' need.

    ∂L/∂W⁽ᵏ⁾ = δᵀu is formed only on request: the fused SGD step never needs it whole.
    """

    k: int
    dh: np.ndarray                    # ∂L/∂h⁽ᵏ⁾, (B, n)
    delta: np.ndarray | None = None   # δ⁽ᵏ⁾ = ∂L/∂z⁽ᵏ⁾ (None for k = 0, the input)
    inp: np.ndarray | None = None     # u⁽ᵏ⁾, the layer's input
    slope: np.ndarray | None = None   # φ′(z⁽ᵏ⁾)

    @property
    def dW(self) -> np.ndarray:
        return self.delta.T @ self.inp

    @property
    def db(self) -> np.ndarray:
        return self.delta.sum(axis=0)


def backprop(net: Network, cache: Cache, dh_top: np.ndarray) -> Iterator[LayerGrad]:
    """Yield LayerGrad for k = L, L−1, …, 1 and finally k = 0 (the input).

    When layer k is yielded its W⁽ᵏ⁾ has already been used, so a consumer may update it in
    place (fused SGD without storing every gradient).
    """
    g = dh_top
    for j in range(net.depth - 1, -1, -1):
        slope = derivative(net.activation, cache.z[j])
        delta = g * slope if net.branch_scale == 1.0 else (net.branch_scale * g) * slope
        g_in = delta @ net.W[j]
        if net.layernorm:
            g_in = layer_norm_backward(g_in, cache.u[j], cache.inv_std[j])
        g_below = g + g_in if net.residual else g_in
        yield LayerGrad(j + 1, g, delta, cache.layer_input(j), slope)
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
    flat = a.reshape(-1)
    total = float(np.dot(flat, flat))
    if np.isfinite(total):
        return float(np.sqrt(total))
    scale = float(np.max(np.abs(a)))
    if not np.isfinite(scale):
        return scale
    scaled = a / scale
    return scale * float(np.sqrt(np.sum(scaled * scaled)))


def _weight_grad_norm(step: LayerGrad) -> float:
    """‖δᵀu‖_F without forming δᵀu when the batch is narrower than the layer:
    ‖δᵀu‖²_F = Σ (δδᵀ) ⊙ (uuᵀ), two B×B Gram matrices instead of an n×n product."""
    delta, inp = step.delta, step.inp
    if delta.shape[0] < delta.shape[1]:
        total = float(np.sum((delta @ delta.T) * (inp @ inp.T)))
        if np.isfinite(total):
            return float(np.sqrt(max(total, 0.0)))
    return _frobenius(step.dW)


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
    change = np.empty((net.width, net.width))  # reused for every layer's −lr·∂L/∂W
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
            db = step.db
            grad_W[j], grad_b[j] = _weight_grad_norm(step), _frobenius(db)
            saturated += int(np.count_nonzero(np.abs(step.slope)
                                              < 0.1 * SUP_DERIVATIVE[net.activation]))
            if net.activation == "relu":
                dead[j] = int(np.count_nonzero((cache.z[j] <= 0).all(axis=0)))
            update = update and bool(np.isfinite(grad_W[j]) and np.isfinite(grad_b[j]))
            if update:
                np.matmul((-lr * step.delta).T, step.inp, out=change)
                net.W[j] += change
                net.b[j] -= lr * db
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


def top_singular_values(W: np.ndarray, v0: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """σ_max of every layer by Lanczos on WᵀW (fully reorthogonalised), batched over layers.

    Starts from the rows of v0; returns (estimates, top Ritz vectors) so the next call can
    warm-start from slowly changing weights. Every estimate is a lower bound on σ_max (a Ritz
    value never exceeds the top eigenvalue) and is exact once `steps` reaches the width;
    random 512-wide layers need about 30 steps for 6 digits, plain power iteration hundreds.
    """
    L, n, _ = W.shape
    k = max(1, min(steps, n))
    Q = np.zeros((L, k, n))
    alpha, beta = np.zeros((L, k)), np.zeros((L, k))
    with np.errstate(all="ignore"):
        q = v0 / np.linalg.norm(v0, axis=1, keepdims=True)
        for i in range(k):
            Q[:, i] = q
            w = np.matmul(np.matmul(W, q[:, :, None])[:, :, 0][:, None, :], W)[:, 0, :]
            alpha[:, i] = np.sum(q * w, axis=1)
            for _ in range(2):  # Gram–Schmidt twice keeps the basis orthogonal in floats
                basis = Q[:, :i + 1]
                w -= np.matmul(np.matmul(basis, w[:, :, None]).transpose(0, 2, 1), basis)[:, 0, :]
            beta[:, i] = np.linalg.norm(w, axis=1)
            alive = beta[:, i] > 1e-10 * np.sqrt(np.abs(alpha[:, :i + 1]).max(axis=1))
            q = np.where(alive[:, None], w / np.where(alive, beta[:, i], 1.0)[:, None], 0.0)
        T = np.zeros((L, k, k))
        diagonal = np.arange(k)
        T[:, diagonal, diagonal] = alpha
        T[:, diagonal[:-1], diagonal[1:]] = beta[:, :-1]
        T[:, diagonal[1:], diagonal[:-1]] = beta[:, :-1]
        finite = np.isfinite(T).all(axis=(1, 2))
        T = np.where(finite[:, None, None], T, 0.0)
        top = np.linalg.eigvalsh(T)[:, -1]
        sigma = np.where(finite, np.sqrt(np.maximum(top, 0.0)), np.inf)
        y = _top_eigenvector(T, top)
        v = np.matmul(y[:, None, :], Q)[:, 0, :]
        usable = finite & np.isfinite(v).all(axis=1) & (np.abs(v).sum(axis=1) > 0)
    return sigma, np.where(usable[:, None], v, v0)


def _top_eigenvector(T: np.ndarray, top: np.ndarray) -> np.ndarray:
    """Eigenvectors of the small Lanczos matrices for their top eigenvalues, by inverse iteration.

    (np.linalg.eigh would do, but its eigenvector path is erratically slow under a threaded
    BLAS on a busy machine; two solves with a shift just above the eigenvalue are not.)
    """
    k = T.shape[-1]
    shift = top + 1e-9 * np.abs(top) + 1e-300
    shifted = T - shift[:, None, None] * np.eye(k)
    y = np.ones((T.shape[0], k, 1))
    try:
        for _ in range(2):
            y = np.linalg.solve(shifted, y)
            y /= np.linalg.norm(y, axis=1, keepdims=True)
    except np.linalg.LinAlgError:
        return np.zeros(T.shape[:2])
    return y[:, :, 0]


def gain_bounds(sigma_max: np.ndarray, activation: str,
                branch_scale: float | None = None) -> np.ndarray:
    """Per-layer bound on ‖g⁽ᵏ⁻¹⁾‖/‖g⁽ᵏ⁾‖ without layer norm: c·σ_max, or 1 + s·c·σ_max with
    a residual branch scaled by s (pass branch_scale=None for no residual), c = sup|φ′|."""
    c = SUP_DERIVATIVE[activation]
    return c * sigma_max if branch_scale is None else 1.0 + branch_scale * c * sigma_max


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
