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
Overflow in an exploding net is a legitimate result, computed under a local `np.errstate` and
reported through `Diagnostics.finite`.

Precision: float64 by default; a big net (≥ FLOAT32_FROM weights, see `precision_for`) trains in
float32, which halves the bytes every pass streams through memory and doubles the rate of the
matrix products that are almost all of its cost. Weights, activations and every B×n gradient
then stay float32 end to end (no silent upcast: y, the residual scale and η are brought to the
net's dtype); only the small diagnostics (norms, spreads, the loss) are summed in float64.
`train_step` keeps the forward pass's buffers on the net (`Network.scratch`) and reuses them, so
a step allocates no activation-sized memory and touches each weight three times: once forward,
once backward, and once to apply that layer's update while it is still in cache.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
from numpy.typing import DTypeLike

from calcterm.compute.activations import SUP_DERIVATIVE, activate_with_slope
from calcterm.compute.spectral import (  # noqa: F401  (re-exported: callers import them from here)
    bound_profile, gain_bounds, log10_product, spectral_norms, top_singular_values,
)

INITS: tuple[str, ...] = ("normal", "xavier", "he")
LN_EPS = 1e-5
VANISHING_BELOW = 1e-2
EXPLODING_ABOVE = 1e2
"""Regime thresholds on ‖∂L/∂h⁽⁰⁾‖ / ‖∂L/∂h⁽ᴸ⁾‖: two orders of magnitude either way."""
FLOAT32_FROM = 2 ** 22
"""Nets with at least this many weights (16 MB in float32, e.g. 16 layers of 512²) use float32:
there memory traffic and matrix-product rate dominate, and a gradient's 7 digits are plenty for
a picture on a log axis; smaller nets stay float64, where a step costs little either way."""


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
    scratch: Cache | None = field(default=None, repr=False, compare=False)
    """The buffers `train_step` reuses from step to step (sized for the last batch)."""

    @property
    def depth(self) -> int:
        return self.W.shape[0]

    @property
    def width(self) -> int:
        return self.W.shape[1]

    @property
    def dtype(self) -> np.dtype:
        return self.W.dtype

    def astype(self, dtype: DTypeLike) -> Network:
        """The same net in another precision (weights rounded; no scratch carried over)."""
        return Network(self.W.astype(dtype), self.b.astype(dtype), self.v.astype(dtype), self.c,
                       self.activation, self.residual, self.layernorm, self.branch_scale)


def precision_for(depth: int, width: int) -> np.dtype:
    """float32 for a net of at least FLOAT32_FROM weights, float64 below."""
    return np.dtype(np.float32 if depth * width * width >= FLOAT32_FROM else np.float64)


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
                  layernorm: bool = False, dtype: DTypeLike = np.float64) -> Network:
    """Gaussian weights of the chosen scale, zero biases; the read-out is always Xavier-scaled.

    The weights are drawn in float64 one layer at a time and rounded to `dtype`: a seed gives
    the same net in either precision (the float32 net is the float64 one rounded), and no
    float64 copy of a big float32 net is ever made.
    """
    std = init_std(init, width, sigma)
    W = np.empty((depth, width, width), dtype)
    for k in range(depth):
        layer = rng.standard_normal((width, width))
        layer *= std
        W[k] = layer
    v = (rng.standard_normal(width) * np.sqrt(1.0 / width)).astype(dtype)
    scale = float(1.0 / np.sqrt(depth)) if residual else 1.0
    return Network(W, np.zeros((depth, width), dtype), v, 0.0, activation, residual, layernorm,
                   scale)


def smooth_target(x: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """The regression task: y = sin(d·x), a smooth ridge along the unit direction d."""
    return np.sin(x @ direction)


def _row_means(a: np.ndarray) -> np.ndarray:
    """The mean of each row of a (B, n) array, as a column (einsum's sum is several times
    faster than numpy's mean along the last axis, and needs no threaded BLAS call)."""
    return (np.einsum("ij->i", a) * (1.0 / a.shape[-1]))[:, None]


def layer_norm(h: np.ndarray, out: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(h − mean)/√(var + ε) over each example's units (into `out` if given); returns it and
    1/√(var + ε)."""
    centred = np.subtract(h, _row_means(h), out=out)
    inv_std = 1.0 / np.sqrt(_row_means(centred * centred) + LN_EPS)
    centred *= inv_std
    return centred, inv_std


def layer_norm_backward(grad_u: np.ndarray, u: np.ndarray, inv_std: np.ndarray,
                        overwrite: bool = False) -> np.ndarray:
    """∂L/∂h from ∂L/∂u for u = LN(h): (1/s)(g − mean(g) − u·mean(g⊙u)); in grad_u's own
    memory when `overwrite` (the backward pass hands it a product it no longer needs)."""
    work = grad_u * u
    mean_gu = _row_means(work)
    out = grad_u if overwrite else grad_u.copy()
    out -= _row_means(grad_u)
    out -= np.multiply(u, mean_gu, out=work)
    out *= inv_std
    return out


@dataclass
class Cache:
    """What the forward pass keeps for the backward one."""

    h: np.ndarray              # (L+1, B, n): h[0] = x … h[L]
    z: np.ndarray | None       # (L, B, n) pre-activations (not kept by train_step)
    slope: np.ndarray          # (L, B, n) φ′(z), all the backward pass needs of z
    u: np.ndarray | None       # (L, B, n) normalised layer inputs (layer norm only)
    inv_std: np.ndarray | None  # (L, B, 1)
    yhat: np.ndarray           # (B,)

    def layer_input(self, j: int) -> np.ndarray:
        return self.u[j] if self.u is not None else self.h[j]

    @classmethod
    def empty(cls, net: Network, batch: int, keep_z: bool = True) -> Cache:
        L, n, dt = net.depth, net.width, net.dtype
        ln = net.layernorm
        return cls(np.empty((L + 1, batch, n), dt), np.empty((L, batch, n), dt) if keep_z else None,
                   np.empty((L, batch, n), dt), np.empty((L, batch, n), dt) if ln else None,
                   np.empty((L, batch, 1), dt) if ln else None, np.empty(batch, dt))

    def fits(self, net: Network, batch: int) -> bool:
        return (self.h.shape == (net.depth + 1, batch, net.width) and self.h.dtype == net.dtype
                and (self.u is not None) == net.layernorm)


def forward(net: Network, x: np.ndarray, out: Cache | None = None) -> Cache:
    """The forward pass, in the net's precision, into `out` (reused) or fresh arrays.

    Each layer's φ′(z) is computed with φ(z) (they share work) and kept for the backward
    pass; z itself only where the cache has room for it.
    """
    cache = out if out is not None else Cache.empty(net, x.shape[0])
    h, u, inv_std = cache.h, cache.u, cache.inv_std
    z = np.empty(h.shape[1:], net.dtype) if cache.z is None else None
    h[0] = x
    for j in range(net.depth):
        inp = h[j]
        if net.layernorm:
            inp, inv_std[j] = layer_norm(inp, out=u[j])
        zj = z if cache.z is None else cache.z[j]
        np.matmul(inp, net.W[j].T, out=zj)
        zj += net.b[j]
        activate_with_slope(net.activation, zj, out=(h[j + 1], cache.slope[j]))
        if net.residual:
            h[j + 1] *= net.branch_scale
            h[j + 1] += h[j]
    np.matmul(h[-1], net.v, out=cache.yhat)
    cache.yhat += net.c
    return cache


def mse_loss(yhat: np.ndarray, y: np.ndarray) -> float:
    """(1/2B) Σ (ŷ − y)², summed in float64 (a float32 ŷ of 1e20 would overflow its square)."""
    r = np.asarray(yhat, dtype=np.float64) - y
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

    The arrays are stored scaled: the true ∂L/∂h⁽ᵏ⁾ is dh·2^exponent, and likewise δ, ∂L/∂W
    and ∂L/∂b (see `backprop`); `true` undoes it. ∂L/∂W⁽ᵏ⁾ = δᵀu is formed only on request:
    the fused SGD step never needs it whole.
    """

    k: int
    dh: np.ndarray                    # ∂L/∂h⁽ᵏ⁾·2^−exponent, (B, n)
    delta: np.ndarray | None = None   # δ⁽ᵏ⁾ = ∂L/∂z⁽ᵏ⁾, scaled alike (None for k = 0, the input)
    inp: np.ndarray | None = None     # u⁽ᵏ⁾, the layer's input (not scaled)
    slope: np.ndarray | None = None   # φ′(z⁽ᵏ⁾) (not scaled)
    exponent: int = 0

    @property
    def dW(self) -> np.ndarray:
        return self.delta.T @ self.inp

    @property
    def db(self) -> np.ndarray:
        return self.delta.sum(axis=0)

    def true(self, scaled: np.ndarray | float) -> np.ndarray | float:
        """A scaled gradient (or its norm) times 2^exponent: inf or 0 where that leaves the
        range of its dtype."""
        if not self.exponent:
            return scaled
        with np.errstate(over="ignore", under="ignore"):
            return np.ldexp(scaled, self.exponent)


RESCALE_OUTSIDE = 2.0 ** 32
"""backprop rescales ∂L/∂h by a power of two once its largest entry leaves [2⁻³², 2³²]."""


def _rescaled(g: np.ndarray, exponent: int) -> tuple[np.ndarray, int]:
    """g·2^−e with e = the binary exponent of max|g| when that is far from 1, and exponent + e.

    Exact (a power of two), so it changes no digit; it only keeps a vanishing or exploding
    gradient inside the dtype's range, which for float32 (1e-45…3e38) a 200-layer sigmoid's
    1e-120 would leave.
    """
    peak = max(float(g.max()), -float(g.min()))
    if not (np.isfinite(peak) and peak > 0) or 1 / RESCALE_OUTSIDE <= peak <= RESCALE_OUTSIDE:
        return g, exponent
    shift = int(np.frexp(peak)[1])
    return np.ldexp(g, -shift), exponent + shift


def backprop(net: Network, cache: Cache, dh_top: np.ndarray) -> Iterator[LayerGrad]:
    """Yield LayerGrad for k = L, L−1, …, 1 and finally k = 0 (the input).

    When layer k is yielded its W⁽ᵏ⁾ has already been used, so a consumer may update it in
    place (fused SGD without storing every gradient). The gradient is carried as g·2^−e with
    a running exponent e (exact rescaling, see `_rescaled`), so it neither underflows nor
    overflows on its way down however far it vanishes or grows.
    """
    g, exponent = _rescaled(dh_top, 0)
    for j in range(net.depth - 1, -1, -1):
        slope = cache.slope[j]
        delta = g * slope if net.branch_scale == 1.0 else (net.branch_scale * g) * slope
        g_in = delta @ net.W[j]
        if net.layernorm:
            g_in = layer_norm_backward(g_in, cache.u[j], cache.inv_std[j], overwrite=True)
        g_below = g + g_in if net.residual else g_in
        yield LayerGrad(j + 1, g, delta, cache.layer_input(j), slope, exponent)
        g, exponent = _rescaled(g_below, exponent)
    yield LayerGrad(0, g, exponent=exponent)


@dataclass
class Gradients:
    dh: np.ndarray  # (L+1, B, n): dh[k] = ∂L/∂h⁽ᵏ⁾
    dW: np.ndarray  # (L, n, n)
    db: np.ndarray  # (L, n)
    dv: np.ndarray
    dc: float


def gradients(net: Network, x: np.ndarray, y: np.ndarray) -> tuple[float, Gradients]:
    """The loss and every gradient, collected (for tests and small nets)."""
    y = np.asarray(y, dtype=net.dtype)
    cache = forward(net, x)
    head = head_backward(net, cache, y)
    dh = np.empty_like(cache.h)
    dW = np.empty_like(net.W)
    db = np.empty_like(net.b)
    for step in backprop(net, cache, head.dh):
        dh[step.k] = step.true(step.dh)
        if step.k:
            dW[step.k - 1], db[step.k - 1] = step.true(step.dW), step.true(step.db)
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


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Σ aᵢbᵢ by numpy's own kernel: as fast as BLAS at these sizes, accurate to a few ulps, and
    single-threaded (a threaded BLAS call must wait for its second thread, which on a busy
    machine can take a whole scheduler slice; a step makes hundreds of these calls)."""
    return float(np.einsum("i,i->", a.reshape(-1), b.reshape(-1)))


def _frobenius(a: np.ndarray) -> float:
    """‖a‖_F, rescaled when the plain sum of squares overflows but the entries do not."""
    total = _dot(a, a)
    if np.isfinite(total):
        return float(np.sqrt(total))
    scale = float(np.max(np.abs(a)))
    if not np.isfinite(scale):
        return scale
    scaled = a / scale
    return scale * float(np.sqrt(np.sum(scaled * scaled)))


def _spread(a: np.ndarray) -> float:
    """The standard deviation of all entries, by a dot product in the array's precision
    (several times faster than np.std); by float64 np.std when that overflows (a float32
    spread beyond ~1e19 overflows its own squares)."""
    flat = a.reshape(-1)
    centred = flat - flat.dtype.type(flat.sum() / flat.size)
    total = _dot(centred, centred)
    if np.isfinite(total):
        return float(np.sqrt(total / flat.size))
    return float(a.std(dtype=np.float64))


def _weight_grad_norm(step: LayerGrad) -> float:
    """‖δᵀu‖_F without forming δᵀu when the batch is narrower than the layer:
    ‖δᵀu‖²_F = Σ (δδᵀ) ⊙ (uuᵀ), two B×B Gram matrices instead of an n×n product."""
    delta, inp = step.delta, step.inp
    if delta.shape[0] < delta.shape[1]:
        total = float(np.sum((delta @ delta.T) * (inp @ inp.T), dtype=np.float64))
        if np.isfinite(total):
            return float(np.sqrt(max(total, 0.0)))
    return _frobenius(step.dW)


def train_step(net: Network, x: np.ndarray, y: np.ndarray, lr: float) -> Diagnostics:
    """One plain SGD step θ ← θ − lr·∇L on the batch (x, y), updating `net` in place.

    Returns the diagnostics of the pass *before* the update (the gradients it used). With
    lr = 0 it only measures. Overflow is not an error here: the diagnostics say where it
    happened, and the caller should stop training. Runs in the net's precision, in buffers
    kept on the net between steps.
    """
    L, lr = net.depth, float(lr)
    grad_h, grad_W, grad_b = np.empty(L + 1), np.empty(L), np.empty(L)
    dead = np.zeros(L, dtype=int)
    saturated = 0
    flat_below = 0.1 * SUP_DERIVATIVE[net.activation]
    signed = net.activation == "gelu"  # the only φ′ here that can be negative
    change = np.empty((net.width, net.width), net.dtype)  # reused for every layer's −lr·∂L/∂W
    y = np.asarray(y, dtype=net.dtype)
    if net.scratch is None or not net.scratch.fits(net, x.shape[0]):
        net.scratch = None  # free the old buffers before allocating the new ones
        net.scratch = Cache.empty(net, x.shape[0], keep_z=False)
    with np.errstate(all="ignore"):
        cache = forward(net, x, net.scratch)
        loss = mse_loss(cache.yhat, y)
        finite = [bool(np.isfinite(h).all()) for h in cache.h]
        overflow = None if all(finite) else finite.index(False)
        act_std = np.array([_spread(h) for h in cache.h])
        head = head_backward(net, cache, y)
        update = lr > 0 and np.isfinite(loss)
        for step in backprop(net, cache, head.dh):
            grad_h[step.k] = step.true(_frobenius(step.dh))
            if step.k == 0:
                break
            j = step.k - 1
            db = step.db
            grad_b[j] = step.true(_frobenius(db))
            slope = np.abs(step.slope) if signed else step.slope
            saturated += int(np.count_nonzero(slope < flat_below))
            if net.activation == "relu":  # ReLU′(z) = 0 exactly where z ≤ 0
                dead[j] = int(np.count_nonzero((step.slope == 0).all(axis=0)))
            # −lr·2^e, the step for the scaled δ (a Python float, so that it takes the net's
            # dtype instead of promoting δ to float64)
            rate = float(step.true(-lr))
            if update and not step.exponent:
                # −lr·∂L/∂W is formed for the update anyway; its norm is lr·‖∂L/∂W‖, which
                # spares the two Gram products. (Written as (uᵀ(−lr·δ))ᵀ: the layout BLAS
                # takes without a copy.)
                np.matmul(step.inp.T, rate * step.delta, out=change.T)
                grad_W[j] = _frobenius(change) / lr
            else:
                grad_W[j] = step.true(_weight_grad_norm(step))
                if update:
                    np.matmul(step.inp.T, rate * step.delta, out=change.T)
            update = update and bool(np.isfinite(grad_W[j]) and np.isfinite(grad_b[j]))
            if update:
                net.W[j] += change
                net.b[j] += rate * db
        if update:
            net.v -= lr * head.dv
            net.c -= lr * head.dc
    share = saturated / cache.slope.size if cache.slope.size else 0.0
    return Diagnostics(loss, grad_h, grad_W, grad_b, act_std, dead, share, overflow)


def step_flops(depth: int, width: int, batch: int) -> float:
    """Floating-point operations in the matrix products of one SGD step: per layer the forward
    product W u, the backward product Wᵀδ and the weight gradient δᵀu, 2·B·n² each.
    (Elementwise work, layer norm and the diagnostics are not counted: this is the work a
    matrix-multiply rate can be compared with.)"""
    return 6.0 * depth * batch * width * width


def step_memory(depth: int, width: int, batch: int, layernorm: bool,
                dtype: DTypeLike) -> dict[str, int]:
    """Bytes one training step must hold, by kind: the weights; the gradients it holds at once
    (one layer's ∂L/∂W and ∂L/∂b, applied as soon as they are formed, and the B×n arrays of
    the chain rule: ∂L/∂h, φ′, δ, Wᵀδ); the activations the backward pass reads (every h and z,
    and u and 1/std with layer norm)."""
    size = np.dtype(dtype).itemsize
    L, n, B = depth, width, batch
    weights = (L * n * n + L * n + n) * size
    gradients = (n * n + n + 4 * B * n) * size
    per_layer = 2 * B * n + (B * n + B if layernorm else 0)
    activations = (L * per_layer + B * n + B) * size
    return {"weights": weights, "gradients": gradients, "activations": activations,
            "total": weights + gradients + activations}


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
