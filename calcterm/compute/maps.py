"""Maps of the plane (u, v) ↦ (x, y): Jacobians, mapped cells, change of variables, densities.

Near p a smooth map acts like its Jacobian J: a small square of side h goes to a curved
cell whose area is |det J|·h² + O(h³). That local fact is why ∫∫ f dx dy becomes
∫∫ f(T(u, v))·|det J| du dv when T is a C¹ bijection, and why a density picks up the factor
|det J_{T⁻¹}| when pushed through T. Jacobians come from Taylor mode (exact up to
rounding); the areas of mapped cells come from Green's theorem on the cell's image, a
computation that never looks at J, so the two can be checked against each other.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from calcterm.compute.expr import Expr, parse
from calcterm.compute.integrals import integrate

VARIABLES = ("u", "v")

PRESETS: dict[str, tuple[str, str]] = {
    "polar": ("u*cos(v)", "u*sin(v)"),
    "square": ("u^2-v^2", "2*u*v"),
    "exp": ("exp(u)*cos(v)", "exp(u)*sin(v)"),
    "shear": ("u+v", "v"),
    "coupling": ("u", "v*exp(tanh(u)/2)+sin(u)"),
}
"""The named maps: polar coordinates, z ↦ z², z ↦ eᶻ, a shear, and an affine coupling layer."""

PlaneFn = Callable[[np.ndarray, np.ndarray], np.ndarray]
Inverse = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]

_NAME = re.compile(r"(?<![A-Za-z0-9_.])([uv])(?![A-Za-z0-9_])")


@dataclass(frozen=True)
class PlaneMap:
    """T(u, v) = (x(u, v), y(u, v)), each component a parsed formula in u and v."""

    x: Expr
    y: Expr

    @property
    def texts(self) -> tuple[str, str]:
        return self.x.text, self.y.text

    def __call__(self, u: np.ndarray | float, v: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
        return self.x.evaluate(u=u, v=v), self.y.evaluate(u=u, v=v)

    def jacobian(self, u: float, v: float) -> np.ndarray:
        """J = [[∂x/∂u, ∂x/∂v], [∂y/∂u, ∂y/∂v]] at (u, v), by Taylor mode."""
        return np.array([[float(d) for d in self.x.gradient(u=u, v=v)],
                         [float(d) for d in self.y.gradient(u=u, v=v)]])

    def det(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """det J at many points at once."""
        xu, xv = self.x.gradient(u=u, v=v)
        yu, yv = self.y.gradient(u=u, v=v)
        return xu * yv - xv * yu


def plane_map(x_text: str, y_text: str) -> PlaneMap:
    """Parse the two components (raises ExprError with the position on bad input)."""
    return PlaneMap(parse(x_text, VARIABLES), parse(y_text, VARIABLES))


def compose(outer: PlaneMap, inner: PlaneMap) -> PlaneMap:
    """outer ∘ inner as one formula pair, by putting inner's components in for u and v.

    The composite is parsed afresh, so its Taylor-mode Jacobian is computed without the
    chain rule: it is an independent check of J_outer(inner(p))·J_inner(p).
    """
    swap = {"u": f"({inner.x.text})", "v": f"({inner.y.text})"}
    texts = [_NAME.sub(lambda m: swap[m.group(1)], text) for text in outer.texts]
    return plane_map(*texts)


def morph(m: PlaneMap, u: np.ndarray, v: np.ndarray, t: float) -> tuple[np.ndarray, np.ndarray]:
    """(1 − t)·(u, v) + t·T(u, v): the straight-line morph from the identity to T."""
    x, y = m(u, v)
    return (1.0 - t) * u + t * x, (1.0 - t) * v + t * y


_STARTS = np.array([[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]])
_STEPS = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])


def cell_image_area(m: PlaneMap, u0: float, v0: float, h: float) -> float:
    """Signed area of T([u0, u0+h] × [v0, v0+h]) by Green's theorem: ½∮ x dy − y dx.

    It equals ∫∫ det J du dv over the cell; when T is one-to-one there and keeps orientation
    it is the area of the image. Only T and its derivative along the cell's edges are used.
    The boundary is one loop s ∈ [0, 4], side k on [k, k+1], integrated adaptively in one go:
    the corners fall on piece boundaries after two halvings.
    """
    def integrand(s: np.ndarray) -> np.ndarray:
        side = np.clip(np.floor(s), 0, 3).astype(int)
        t = (s - side) * h
        u = u0 + h * _STARTS[side, 0] + t * _STEPS[side, 0]
        v = v0 + h * _STARTS[side, 1] + t * _STEPS[side, 1]
        direction = {"u": _STEPS[side, 0], "v": _STEPS[side, 1]}
        x = m.x.taylor(1, direction, u=u, v=v)
        y = m.y.taylor(1, direction, u=u, v=v)
        return 0.5 * h * (x[0] * y[1] - y[0] * x[1])

    return float(integrate(integrand, 0.0, 4.0, tol=1e-13).value)


# ---------------------------------------------------------------- change of variables


def gaussian(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The integrand of the integral view, f(x, y) = e^(−(x² + y²)/2)."""
    return np.exp(-(x * x + y * y) / 2.0)


@dataclass(frozen=True)
class PolarSums:
    """Midpoint sums of ∫∫ f over r ∈ [0, R], θ ∈ [0, θ_max] on an n × n grid."""

    with_jacobian: float
    without_jacobian: float


def polar_sums(f: PlaneFn, R: float, n: int, theta_max: float) -> PolarSums:
    """Σ f(r cos θ, r sin θ)·r Δr Δθ, and the same sum with the factor r (= |det J|) forgotten."""
    dr, dtheta = R / n, theta_max / n
    r = (np.arange(n) + 0.5) * dr
    theta = (np.arange(n) + 0.5) * dtheta
    values = f(r[:, None] * np.cos(theta)[None, :], r[:, None] * np.sin(theta)[None, :])
    per_radius = values.sum(axis=1) * dr * dtheta
    return PolarSums(float(per_radius @ r), float(per_radius.sum()))


def gaussian_disk(R: float, theta_max: float) -> float:
    """∫∫ e^(−(x²+y²)/2) over the part of the disk of radius R that θ ∈ [0, θ_max] covers."""
    return min(theta_max, 2.0 * math.pi) * (1.0 - math.exp(-R * R / 2.0))


def gaussian_sum_limits(R: float, theta_max: float) -> PolarSums:
    """What the two sums tend to: θ_max(1 − e^(−R²/2)) with r, θ_max√(π/2)·erf(R/√2) without."""
    return PolarSums(theta_max * (1.0 - math.exp(-R * R / 2.0)),
                     theta_max * math.sqrt(math.pi / 2.0) * math.erf(R / math.sqrt(2.0)))


# ---------------------------------------------------------------- densities


def standard_normal_2d(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.exp(-(x * x + y * y) / 2.0) / (2.0 * math.pi)


def rayleigh_pdf(r: np.ndarray) -> np.ndarray:
    """Density of r = ‖(x, y)‖ for (x, y) ~ N(0, I): the 1/(2π) e^(−r²/2) times r dθ summed."""
    return r * np.exp(-r * r / 2.0)


def naive_radius_pdf(r: np.ndarray) -> np.ndarray:
    """e^(−r²/2) normalised on r ≥ 0 (a half-normal): the density without the Jacobian r."""
    return math.sqrt(2.0 / math.pi) * np.exp(-r * r / 2.0)


def coupling_inverse(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """T⁻¹ for the coupling preset: u = x, v = (y − sin x)·e^(−tanh(x)/2)."""
    return x, (y - np.sin(x)) * np.exp(-np.tanh(x) / 2.0)


def pushed_density(m: PlaneMap, inverse: Inverse, x: np.ndarray, y: np.ndarray,
                   with_jacobian: bool = True) -> np.ndarray:
    """p_Y(y) = p_U(T⁻¹(y))·|det J_{T⁻¹}(y)| = p_U(u)/|det J_T(u)| at u = T⁻¹(y), U ~ N(0, I).

    With `with_jacobian` False the factor is forgotten: p_U(T⁻¹(y)) alone, not a density.
    """
    u, v = inverse(x, y)
    base = standard_normal_2d(u, v)
    if not with_jacobian:
        return base
    with np.errstate(all="ignore"):
        return base / np.abs(m.det(u, v))


def disk_probability(density: PlaneFn, radius: float = 1.0, n: int = 400) -> float:
    """∫∫ over the disk ‖y‖ < radius of a density, by the midpoint rule in polar coordinates."""
    return polar_sums(density, radius, n, 2.0 * math.pi).with_jacobian


def normal_samples(count: int, seed: int) -> np.ndarray:
    """(count, 2) draws of N(0, I) from the scene's seed."""
    return np.random.default_rng(seed).standard_normal((int(count), 2))
