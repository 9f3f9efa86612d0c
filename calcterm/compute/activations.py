"""Activation functions and their exact derivatives, written so that no input overflows.

The derivative decides how much gradient a layer lets through: σ′ ≤ 1/4, tanh′ ≤ 1,
ReLU′ ∈ {0, 1}. GELU uses the common tanh approximation
gelu(x) ≈ ½x(1 + tanh(√(2/π)(x + 0.044715x³))), and its derivative is that of the
approximation, so backpropagation through it is exact for the function actually computed.
"""

from __future__ import annotations

import math

import numpy as np

ACTIVATIONS: tuple[str, ...] = ("sigmoid", "tanh", "relu", "linear", "gelu")

_GELU_A = math.sqrt(2.0 / math.pi)
_GELU_B = 0.044715


def _check(name: str) -> None:
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(ACTIVATIONS)}")


def _floats(z: np.ndarray) -> np.ndarray:
    """z as a float array, keeping float32 (a big network's precision) and float64 as they are."""
    z = np.asarray(z)
    return z if z.dtype in (np.float32, np.float64) else z.astype(np.float64)


def activate(name: str, z: np.ndarray) -> np.ndarray:
    """φ(z) elementwise."""
    _check(name)
    z = _floats(z)
    if name == "sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1/(1+e^(−z)) without exp overflow
    if name == "tanh":
        return np.tanh(z)
    if name == "relu":
        return np.maximum(z, z.dtype.type(0))
    if name == "linear":
        return z.copy()
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        z2 = z * z  # z·z·z, not z**3: the power ufunc is several times slower
        return 0.5 * z * (1.0 + np.tanh(_GELU_A * z * (1.0 + _GELU_B * z2)))


def derivative(name: str, z: np.ndarray) -> np.ndarray:
    """φ′(z) elementwise (ReLU′(0) is taken as 0, as in the article)."""
    _check(name)
    z = _floats(z)
    if name == "sigmoid":
        with np.errstate(under="ignore"):
            e = np.exp(-np.abs(z))  # σ′(z) = e^(−|z|)/(1+e^(−|z|))², accurate in both tails
        return e / (1.0 + e) ** 2
    if name == "tanh":
        t = np.tanh(z)
        return 1.0 - t * t
    if name == "relu":
        return (z > 0).astype(z.dtype)
    if name == "linear":
        return np.ones_like(z)
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        z2 = z * z
        t = np.tanh(_GELU_A * z * (1.0 + _GELU_B * z2))
        slope = 0.5 * (1.0 + t) + 0.5 * z * (1.0 - t * t) * _GELU_A * (1.0 + 3.0 * _GELU_B * z2)
    # far out in the tails (|z| ≳ 1e100) z³ overflows; the true limits are 0 and 1
    return np.where(np.isfinite(slope), slope, (z > 0).astype(z.dtype))


GELU_FLAT = 10.0
"""Beyond |z| = 10, tanh(√(2/π)(z + 0.044715z³)) is ±1 to the last bit of a float64, so GELU is
z or 0 and its slope 1 or 0 there; clipping z to ±10 before the cubic changes no result and
keeps z³ finite."""


def activate_with_slope(name: str, z: np.ndarray,
                        out: tuple[np.ndarray, np.ndarray] | None = None
                        ) -> tuple[np.ndarray, np.ndarray]:
    """(φ(z), φ′(z)) together, as a training forward pass needs them, into `out` if given:
    tanh and GELU share their tanh between the two, and GELU's is computed once, in place, in
    about half the passes over z that `activate` and `derivative` take apart. Equal to them
    up to rounding."""
    _check(name)
    z = _floats(z)
    phi, slope = out if out is not None else (np.empty_like(z), np.empty_like(z))
    if name == "tanh":
        np.tanh(z, out=phi)
        np.multiply(phi, phi, out=slope)
        np.subtract(1.0, slope, out=slope)
        return phi, slope
    if name != "gelu":
        phi[...] = activate(name, z)
        slope[...] = derivative(name, z)
        return phi, slope
    zc = np.clip(z, -GELU_FLAT, GELU_FLAT)
    z2 = zc * zc
    t = np.multiply(z2, _GELU_B, out=slope)
    t += 1.0
    t *= zc
    t *= _GELU_A
    np.tanh(t, out=t)
    half = t + 1.0
    half *= 0.5                     # ½(1 + t)
    np.multiply(z, half, out=phi)
    t *= t
    np.subtract(1.0, t, out=t)      # 1 − t²
    z2 *= 3.0 * _GELU_B
    z2 += 1.0
    t *= z2
    t *= zc
    t *= 0.5 * _GELU_A
    t += half                       # ½(1 + t) + ½z(1 − t²)·√(2/π)(1 + 3·0.044715z²)
    return phi, t


def _sup_abs_derivative(name: str) -> float:
    if name in ("tanh", "relu", "linear"):
        return 1.0
    if name == "sigmoid":
        return 0.25
    grid = np.linspace(-6.0, 6.0, 240_001)  # GELU′ peaks near z ≈ 2.1 at about 1.129
    return float(np.abs(derivative(name, grid)).max())


SUP_DERIVATIVE: dict[str, float] = {name: _sup_abs_derivative(name) for name in ACTIVATIONS}
"""sup |φ′| for each activation: the factor the activation can add to a layer's gain."""


def saturated(name: str, z: np.ndarray, fraction: float = 0.1) -> np.ndarray:
    """Where |φ′(z)| is below `fraction` of its largest value: little gradient gets through."""
    return np.abs(derivative(name, z)) < fraction * SUP_DERIVATIVE[name]
