"""Test surfaces for optimisation: values, exact gradients, and what is known about them.

Each surface evaluates on numpy arrays of any shape and knows its minimisers and minimum
f* where they are known, a view that shows its interesting part, and a start and step
size from which gradient descent makes visible progress. The rotated quadratic also
knows its Hessian and hence L (largest curvature) and μ (smallest), which drive the
convergence theory of gradient descent.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from calcterm.compute.expr import parse

Field = Callable[[np.ndarray, np.ndarray], np.ndarray]
GradField = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
View = tuple[float, float, float, float]
"""xmin, xmax, ymin, ymax."""


@dataclass(frozen=True)
class Surface:
    key: str
    formula: str
    value: Field
    gradient: GradField
    view: View
    start: tuple[float, float]
    eta: float
    """A step size from which plain gradient descent from `start` makes visible progress."""
    minima: tuple[tuple[float, float], ...] = ()
    f_star: float | None = None
    """The minimum value, or None when it is unknown or f is unbounded below."""
    bounded_below: bool = True
    hessian: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None
    L: float | None = None
    mu: float | None = None

    def grad_at(self, p: np.ndarray) -> np.ndarray:
        """The gradient at one point p = (x, y), as an array of shape (2,)."""
        gx, gy = self.gradient(p[0], p[1])
        return np.array([gx, gy], dtype=float)

    def value_at(self, p: np.ndarray) -> float:
        return float(self.value(p[0], p[1]))


def quadratic(kappa: float, angle_deg: float) -> Surface:
    """½(u² + κv²) in coordinates (u, v) rotated by `angle_deg`: Hessian R·diag(1, κ)·Rᵀ.

    Its eigenvalues 1 and κ do not depend on the angle, so L = max(1, κ), μ = min(1, κ).
    """
    th = math.radians(angle_deg)
    c, s = math.cos(th), math.sin(th)
    a = c * c + kappa * s * s
    b = (1.0 - kappa) * c * s
    d = s * s + kappa * c * c
    hess = np.array([[a, b], [b, d]])

    def value(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return 0.5 * (a * x * x + 2.0 * b * x * y + d * y * y)

    def gradient(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return a * x + b * y, b * x + d * y

    def hessian(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        shape = np.broadcast_shapes(np.shape(x), np.shape(y))
        return np.broadcast_to(hess.reshape(2, 2, *([1] * len(shape))), (2, 2, *shape)).copy()

    big, small = max(1.0, kappa), min(1.0, kappa)
    return Surface("quadratic", f"½(u²+{kappa:.3g}v²) turned {angle_deg:.0f}°", value,
                   gradient, (-5.0, 5.0, -5.0, 5.0), (-4.0, 3.0), 1.0 / big, ((0.0, 0.0),), 0.0,
                   hessian=hessian, L=big, mu=small)


def _rosenbrock_value(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


def _rosenbrock_gradient(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    r = y - x * x
    return -2.0 * (1.0 - x) - 400.0 * x * r, 200.0 * r


def _himmelblau_value(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return (x * x + y - 11.0) ** 2 + (x + y * y - 7.0) ** 2


def _himmelblau_gradient(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = x * x + y - 11.0
    q = x + y * y - 7.0
    return 4.0 * x * p + 2.0 * q, 2.0 * p + 4.0 * y * q


HIMMELBLAU_MINIMA = ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                     (3.584428, -1.848126))
_BEALE_C = (1.5, 2.25, 2.625)


def _beale_value(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return sum((c - x + x * y ** (i + 1)) ** 2 for i, c in enumerate(_BEALE_C))


def _beale_gradient(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    gx = gy = 0.0
    for i, c in enumerate(_BEALE_C):
        n = i + 1
        r = c - x + x * y ** n
        gx = gx + 2.0 * r * (y ** n - 1.0)
        gy = gy + 2.0 * r * n * x * y ** (n - 1)
    return gx, gy


def _saddle_value(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return x * x - y * y


def _saddle_gradient(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return 2.0 * x, -2.0 * y


def rosenbrock() -> Surface:
    return Surface("rosenbrock", "Rosenbrock (1−x)²+100(y−x²)²", _rosenbrock_value,
                   _rosenbrock_gradient, (-2.0, 2.0, -1.0, 3.0), (-1.2, 1.0), 1e-3,
                   ((1.0, 1.0),), 0.0)


def himmelblau() -> Surface:
    return Surface("himmelblau", "Himmelblau (x²+y−11)²+(x+y²−7)²", _himmelblau_value,
                   _himmelblau_gradient, (-5.0, 5.0, -5.0, 5.0), (0.0, -0.5), 0.01,
                   HIMMELBLAU_MINIMA, 0.0)


def beale() -> Surface:
    return Surface("beale", "Beale Σ(cᵢ−x+xyⁱ)²", _beale_value, _beale_gradient,
                   (-2.0, 4.5, -2.0, 2.5), (1.0, 1.5), 0.01, ((3.0, 0.5),), 0.0)


def saddle() -> Surface:
    return Surface("saddle", "saddle x²−y² (no minimum)", _saddle_value, _saddle_gradient,
                   (-5.0, 5.0, -5.0, 5.0), (-4.0, 0.05), 0.1, (), None, bounded_below=False)


def custom(text: str) -> Surface:
    """A typed expression in x and y, differentiated exactly by `calcterm.compute.expr`.

    Its minimum is unknown, so `f_star` is None; the start and step are left to the user.
    """
    expr = parse(text, variables=("x", "y"))

    def value(x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return expr.evaluate(x=x, y=y)

    def gradient(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        gx, gy = expr.gradient(x=x, y=y)
        return gx, gy

    return Surface("custom", f"f(x,y) = {text}", value, gradient, (-3.0, 3.0, -3.0, 3.0),
                   (-2.0, 2.0), 0.05)


PRESETS: dict[str, Callable[[], Surface]] = {
    "rosenbrock": rosenbrock, "himmelblau": himmelblau, "beale": beale, "saddle": saddle,
}


def make(key: str, kappa: float = 10.0, angle_deg: float = 0.0, text: str = "x^2+y^2") -> Surface:
    """The surface called `key`: "quadratic", a preset name, or "custom" (uses `text`)."""
    if key == "quadratic":
        return quadratic(kappa, angle_deg)
    if key == "custom":
        return custom(text)
    if key in PRESETS:
        return PRESETS[key]()
    raise ValueError(f"unknown surface {key!r}; expected quadratic, custom or "
                     + ", ".join(PRESETS))
