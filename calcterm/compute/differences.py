"""Difference quotients: the derivative as the limit of a secant's slope.

Forward differences have truncation error O(h), central ones O(h²); below some h the
rounding error of f, about eps·|f|/h, takes over — the V on a log–log plot of the error.
"""

from __future__ import annotations

from typing import Callable, Literal

import numpy as np

Scheme = Literal["forward", "central"]
ORDER: dict[str, int] = {"forward": 1, "central": 2}

ArrayFn = Callable[[np.ndarray], np.ndarray]


def difference_quotient(f: ArrayFn, x0: float, h: np.ndarray | float, scheme: Scheme) -> np.ndarray:
    """The secant slope at x0 for step(s) h, evaluated in float64 exactly as written."""
    h = np.asarray(h, dtype=float)
    with np.errstate(all="ignore"):
        if scheme == "forward":
            return (f(x0 + h) - f(np.full_like(h, x0))) / h
        if scheme == "central":
            return (f(x0 + h) - f(x0 - h)) / (2 * h)
    raise ValueError(f"unknown scheme {scheme!r}; expected forward or central")


def secant_points(x0: float, h: float, scheme: Scheme) -> tuple[float, float]:
    """The two x positions the secant passes through."""
    return (x0, x0 + h) if scheme == "forward" else (x0 - h, x0 + h)


def observed_order(f: ArrayFn, x0: float, h: float, scheme: Scheme, exact: float) -> float:
    """The order p with error ∝ h^p measured between h and h/2 (nan when no error is left)."""
    e1, e2 = np.abs(difference_quotient(f, x0, np.array([h, h / 2]), scheme) - exact)
    with np.errstate(all="ignore"):
        p = np.log2(e1 / e2)
    return float(p) if np.isfinite(p) else float("nan")


def best_step(scheme: Scheme, eps: float = float(np.finfo(float).eps)) -> float:
    """The h that balances truncation and rounding for a function of unit scale.

    Forward: h ≈ √eps ≈ 1.5e-8; central: h ≈ eps^(1/3) ≈ 6e-6.
    """
    return float(eps ** (1 / (ORDER[scheme] + 1)))
