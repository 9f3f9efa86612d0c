"""A deep network with a linear activation is one affine map: the collapse, computed.

Each layer h ← W h + b (or, with a residual branch scaled by s, h ← h + s(W h + b)) is
affine, and a composition of affine maps is affine: h_D = A x + c with
A = M_D ⋯ M_1 and c built up layer by layer, M_k = W_k (or I + s W_k).
"""

from __future__ import annotations

import numpy as np

MAX_FLOPS = 2e9
"""Beyond this many multiply-adds the product is not formed (it is only shown, not needed)."""


def affine_collapse(W: np.ndarray, b: np.ndarray,
                    residual_scale: float | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(A, c) with h_D = A x + c for the linear net with layers W (D, n, n) and biases b (D, n)."""
    depth, width = W.shape[0], W.shape[1]
    A = np.eye(width)
    c = np.zeros(width)
    for k in range(depth):
        M = W[k].astype(float)
        bias = b[k].astype(float)
        if residual_scale is not None:
            M = np.eye(width) + residual_scale * M
            bias = residual_scale * bias
        A = M @ A
        c = M @ c + bias
    return A, c


def collapse_affordable(depth: int, width: int) -> bool:
    return depth * width ** 3 <= MAX_FLOPS
