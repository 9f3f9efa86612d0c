"""Layer gains of a deep network: σ_max of every weight matrix and the bound they put on ∂L/∂h.

‖∂L/∂h⁽ᵏ⁻¹⁾‖ ≤ gainₖ·‖∂L/∂h⁽ᵏ⁾‖ with gainₖ = sup|φ′|·σ_max(W⁽ᵏ⁾) (or 1 + s·sup|φ′|·σ_max with
a residual branch scaled by s), so the product of the gains from the top down bounds the
gradient at every layer. σ_max comes from Lanczos on WᵀW, batched over layers, in the weights'
own precision for the products with W (a float32 net is never copied to float64) and in float64
for the small tridiagonal problem.
"""

from __future__ import annotations

import numpy as np

from calcterm.compute.activations import SUP_DERIVATIVE


def spectral_norms(W: np.ndarray) -> np.ndarray:
    """Exact σ_max of every layer (batched SVD): for small nets and as the reference."""
    return np.linalg.svd(W, compute_uv=False)[:, 0]


def _gram_products(W: np.ndarray, q: np.ndarray) -> np.ndarray:
    """WᵀW q for every layer, with W in its own dtype; returns float64."""
    qw = q.astype(W.dtype, copy=False)
    Wq = np.matmul(W, qw[:, :, None])[:, :, 0]
    return np.matmul(Wq[:, None, :], W)[:, 0, :].astype(np.float64)


def top_singular_values(W: np.ndarray, v0: np.ndarray, steps: int) -> tuple[np.ndarray, np.ndarray]:
    """σ_max of every layer by Lanczos on WᵀW (fully reorthogonalised), batched over layers.

    Starts from the rows of v0; returns (estimates, top Ritz vectors) so the next call can
    warm-start from slowly changing weights. Every estimate is a lower bound on σ_max (a Ritz
    value never exceeds the top eigenvalue) and is exact once `steps` reaches the width;
    random 512-wide layers need about 30 steps for 6 digits, plain power iteration hundreds.
    Each step reads every weight twice, so for a big net the step count is the cost.
    """
    L, n, _ = W.shape
    k = max(1, min(steps, n))
    Q = np.zeros((L, k, n))
    alpha, beta = np.zeros((L, k)), np.zeros((L, k))
    with np.errstate(all="ignore"):
        v0 = np.asarray(v0, dtype=np.float64)
        q = v0 / np.linalg.norm(v0, axis=1, keepdims=True)
        for i in range(k):
            Q[:, i] = q
            w = _gram_products(W, q)
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
