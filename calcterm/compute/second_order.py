"""Second-order optimizers as pure state → state steps: Newton, damped Newton, BFGS.

They use curvature, which first-order methods (`optimizers.py`) cannot see:

  Newton     x ← x − H⁻¹∇f                  (exact Hessian; lands on the minimiser of any
                                              strictly convex quadratic in one step)
  Newton-LS  d = −H⁻¹∇f if H is positive definite, else d = −∇f (a descent direction
             either way); x ← x + αd with α from Armijo backtracking
             f(x + αd) ≤ f(x) + c·α·∇fᵀd, c = 1e-4, halving from α = 1
  BFGS       d = −B∇f with B an estimate of H⁻¹ built from gradients alone, starting at
             B₀ = η·I; after each step s = Δx, y = Δ∇f the secant update
             B ← (I − ρsyᵀ) B (I − ρysᵀ) + ρssᵀ,  ρ = 1/(yᵀs)
             makes B y = s. The step length starts at the minimiser of the parabola
             through f(x), ∇fᵀd and f(x + d) (exact on quadratics) and is bisected or
             doubled until the weak Wolfe conditions hold: Armijo as above and
             ∇f(x + αd)ᵀd ≥ c₂∇fᵀd (c₂ = 0.9), which guarantees yᵀs > 0 and so keeps B
             positive definite.
             With exact line searches on a quadratic in n dimensions B equals H⁻¹ after n
             steps, and x is the minimiser.

Near a minimiser with positive definite Hessian, Newton converges quadratically:
‖x_{k+1} − x*‖ ≤ C‖x_k − x*‖² (not "O(1/k²)", which is Nesterov's rate for first-order
methods). The steps share `optimizers.Settings` (η is BFGS's initial scale) and `Run`'s
bookkeeping, so a scene can race them against the first-order methods.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from calcterm.compute import optimizers
from calcterm.compute.expr import parse
from calcterm.compute.optimizers import GradFn, Settings

HessFn = Callable[[np.ndarray], np.ndarray]
ValueFn = Callable[[np.ndarray], float]

METHODS = ("newton", "newton-ls", "bfgs")
NAMES = {"newton": "Newton", "newton-ls": "Newton + line search", "bfgs": "BFGS"}
ARMIJO_C = 1e-4
WOLFE_C2 = 0.9
CURVATURE_FLOOR = 1e-12
"""BFGS skips a pair whose yᵀs is below this share of ‖y‖‖s‖: the update would lose definiteness."""
MAX_HALVINGS = 60
"""2⁻⁶⁰ ≈ 1e-18: a step this short changes no float, so the search gives up there."""
STALL = 1e-14
"""A run whose step moves x by less than this share of max(1, ‖x‖) has stopped: further
steps only shuffle the last bits (Newton reaches this a few steps after it gets close)."""
SHRUNK = 1e-8
"""A line search that had to cut the step below this share of its first trial, and then
still did not move x, found no lower point: the run is stalled, not converged."""

PRESET_FORMULAS = {
    "rosenbrock": "(1-x)^2+100*(y-x^2)^2",
    "himmelblau": "(x^2+y-11)^2+(x+y^2-7)^2",
    "beale": "(1.5-x+x*y)^2+(2.25-x+x*y^2)^2+(2.625-x+x*y^3)^2",
    "saddle": "x^2-y^2",
}
"""The preset surfaces of `surfaces.py` as formulas, so their Hessians come from the engine."""


@dataclass(frozen=True)
class State:
    """Where a second-order method stands.

    `inverse` is BFGS's current estimate of H⁻¹ (for Newton, the inverse of the Hessian
    it last used, or NaN where H was singular). `grad` is ∇f at x (BFGS needs it for the
    next secant pair). `alpha` is the step length last accepted and `note` names what the
    last step met: "" | "not-pd" (H not positive definite) | "singular" | "no-descent"
    (the line search found no decrease) | "skipped" (BFGS kept B because yᵀs ≤ 0) |
    "stationary" (∇f = 0 exactly: nothing to do).
    """

    x: np.ndarray
    t: int
    inverse: np.ndarray
    grad: np.ndarray
    alpha: float = 1.0
    note: str = ""


def start(x0: np.ndarray | tuple[float, ...], grad: GradFn, eta: float = 1.0) -> State:
    """The state at x0, with BFGS's estimate B₀ = η·I."""
    x = np.asarray(x0, dtype=float).copy()
    with np.errstate(all="ignore"):
        g = np.asarray(grad(x), dtype=float)
    return State(x, 0, eta * np.eye(x.size), g)


def is_positive_definite(H: np.ndarray) -> bool:
    """H symmetric with every eigenvalue > 0 (tested by a Cholesky factorisation)."""
    if not np.all(np.isfinite(H)):
        return False
    try:
        np.linalg.cholesky(0.5 * (H + H.T))
    except np.linalg.LinAlgError:
        return False
    return True


def newton_direction(g: np.ndarray, H: np.ndarray) -> np.ndarray:
    """−H⁻¹g, or NaNs when H is singular or not finite."""
    try:
        with np.errstate(all="ignore"):
            return -np.linalg.solve(H, g)
    except np.linalg.LinAlgError:
        return np.full_like(g, np.nan)


def armijo(value: ValueFn, x: np.ndarray, f0: float, slope: float, d: np.ndarray,
           alpha: float = 1.0) -> float:
    """The first α in alpha, alpha/2, alpha/4, … with f(x + αd) ≤ f0 + c·α·slope; 0 if none.

    `slope` = ∇f(x)ᵀd must be negative (d a descent direction) for such an α to exist.
    """
    if not (slope < 0 and math.isfinite(f0)):
        return 0.0
    with np.errstate(all="ignore"):
        for _ in range(MAX_HALVINGS):
            f = float(value(x + alpha * d))
            if math.isfinite(f) and f <= f0 + ARMIJO_C * alpha * slope:
                return alpha
            alpha *= 0.5
    return 0.0


def parabola_step(value: ValueFn, x: np.ndarray, f0: float, slope: float, d: np.ndarray) -> float:
    """Minimiser of the parabola through φ(0) = f0, φ′(0) = slope and φ(1) = f(x + d).

    For a quadratic f the parabola is φ itself, so this is the exact line minimum;
    otherwise it is a first guess that `armijo` then checks. 1 when the parabola opens down.
    """
    with np.errstate(all="ignore"):
        curvature = float(value(x + d)) - f0 - slope
    if not (math.isfinite(curvature) and curvature > 0):
        return 1.0
    return -slope / (2.0 * curvature)


def wolfe(value: ValueFn, grad: GradFn, x: np.ndarray, f0: float, slope: float,
          d: np.ndarray, alpha: float = 1.0) -> tuple[float, np.ndarray | None]:
    """A step α meeting the weak Wolfe conditions, by bisection and doubling; (0, None) if none.

    Returns α and ∇f(x + αd). Armijo failing means α is too long; the slope still below
    c₂·slope means it is too short. For a function bounded below along d such an α exists.
    """
    if not (slope < 0 and math.isfinite(f0)):
        return 0.0, None
    lo, hi = 0.0, math.inf
    with np.errstate(all="ignore"):
        for _ in range(MAX_HALVINGS):
            point = x + alpha * d
            f = float(value(point))
            if not (math.isfinite(f) and f <= f0 + ARMIJO_C * alpha * slope):
                hi = alpha
            else:
                g = np.asarray(grad(point), dtype=float)
                if float(g @ d) >= WOLFE_C2 * slope:
                    return alpha, g
                lo = alpha
            alpha = 0.5 * (lo + hi) if math.isfinite(hi) else 2.0 * lo
    if lo > 0:
        return lo, np.asarray(grad(x + lo * d), dtype=float)
    return 0.0, None


def bfgs_update(B: np.ndarray, s: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """The inverse-Hessian estimate after the secant pair (s, y); None if yᵀs ≤ 0.

    The result satisfies B_new y = s and stays symmetric positive definite when yᵀs > 0.
    """
    ys = float(y @ s)
    if not (math.isfinite(ys) and ys > CURVATURE_FLOOR * float(np.linalg.norm(y) * np.linalg.norm(s))):
        return None
    rho = 1.0 / ys
    left = np.eye(s.size) - rho * np.outer(s, y)
    return left @ B @ left.T + rho * np.outer(s, s)


def step(method: str, state: State, grad: GradFn, settings: Settings,
         hess: HessFn | None = None, value: ValueFn | None = None) -> State:
    """One update of `method`; Newton needs `hess`, the line searches need `value`.

    Overflow gives inf/NaN iterates (never a warning), as in `optimizers.step`.
    """
    x, g, t = state.x, state.grad, state.t + 1
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of " + ", ".join(METHODS))
    if not np.any(g):
        return State(x, t, state.inverse, g, 0.0, "stationary")
    if method in ("newton", "newton-ls"):
        if hess is None:
            raise ValueError(f"{method} needs the Hessian (hess=...)")
        with np.errstate(all="ignore"):
            H = np.asarray(hess(x), dtype=float)
        pd = is_positive_definite(H)
        d = newton_direction(g, H)
        note = "" if pd else "not-pd"
        if not np.all(np.isfinite(d)):
            note = "singular"
        inverse = _inverse(H)
        if method == "newton":
            return _moved(x + d, t, inverse, grad, 1.0, note)
        if value is None:
            raise ValueError("newton-ls needs the function (value=...)")
        if not pd or note == "singular":
            d = -g
        f0 = float(value(x))
        alpha = armijo(value, x, f0, float(g @ d), d)
        if alpha == 0.0:
            return State(x, t, inverse, g, 0.0, "no-descent")
        return _moved(x + alpha * d, t, inverse, grad, alpha, note)
    if value is None:
        raise ValueError("bfgs needs the function (value=...)")
    B = state.inverse
    d = -B @ g
    slope = float(g @ d)
    f0 = float(value(x))
    alpha, g_new = wolfe(value, grad, x, f0, slope, d, parabola_step(value, x, f0, slope, d))
    if g_new is None:
        return State(x, t, B, g, 0.0, "no-descent")
    x_new = x + alpha * d
    B_new = bfgs_update(B, x_new - x, g_new - g)
    note = "" if B_new is not None else "skipped"
    return State(x_new, t, B if B_new is None else B_new, g_new, alpha, note)


def _inverse(H: np.ndarray) -> np.ndarray:
    try:
        return np.linalg.inv(H)
    except np.linalg.LinAlgError:
        return np.full_like(H, np.nan)


def _moved(x: np.ndarray, t: int, inverse: np.ndarray, grad: GradFn, alpha: float,
           note: str) -> State:
    with np.errstate(all="ignore"):
        g = np.asarray(grad(x), dtype=float)
    return State(x, t, inverse, g, alpha, note)


def hessian_from_formula(text: str) -> HessFn:
    """The exact Hessian of a formula in x and y, from the expression engine (Taylor mode)."""
    expr = parse(text, variables=("x", "y"))

    def hess(p: np.ndarray) -> np.ndarray:
        return expr.hessian(x=float(p[0]), y=float(p[1]))

    return hess


def hessian_of(surface: object, text: str | None = None) -> HessFn:
    """The Hessian of a `surfaces.Surface` at one point, as a (2, 2) array.

    Uses the surface's own closed form when it has one (the quadratic), the engine on the
    preset's formula otherwise, or on `text` for a custom surface.
    """
    closed = getattr(surface, "hessian", None)
    if closed is not None:
        return lambda p: np.asarray(closed(p[0], p[1]), dtype=float)
    key = getattr(surface, "key", "")
    formula = PRESET_FORMULAS.get(key, text)
    if formula is None:
        raise ValueError(f"no Hessian known for surface {key!r}; pass its formula as text")
    return hessian_from_formula(formula)


class Run(optimizers.Run):
    """One second-order method's trajectory, with the same bookkeeping as `optimizers.Run`
    (path, values, status running/diverged/undefined), plus the last step's `note`.

    Unlike a first-order run it also stops on its own: "converged" once ∇f = 0 exactly or
    a step moves x by less than `STALL` (relative), "stalled" when the line search finds no
    lower point along a descent direction (it returns no step, or one cut below `SHRUNK`
    that changes no float: rounding near a minimum, a kink, or a wrong gradient). Which kind
    of stationary point it converged to is for the caller to judge (Newton is as happy on a
    saddle as at a minimum).
    """

    def __init__(self, method: str, x0: tuple[float, ...], value: ValueFn, grad: GradFn,
                 settings: Settings, hess: HessFn | None = None) -> None:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}; expected one of " + ", ".join(METHODS))
        if method != "bfgs" and hess is None:
            raise ValueError(f"{method} needs the Hessian (hess=...)")
        self.method = method
        self.value = value
        self.grad = grad
        self.hess = hess
        self.settings = settings
        self._begin(start(x0, grad, settings.eta))

    @property
    def note(self) -> str:
        return self.state.note

    def advance(self) -> None:
        if not self.running:
            return
        new = step(self.method, self.state, self.grad, self.settings, self.hess, self._safe_value)
        x = new.x
        if new.note in ("stationary", "no-descent"):
            self.state = new
            self.status = "converged" if new.note == "stationary" else "stalled"
            return
        if not np.all(np.isfinite(x)):
            self.state = new
            self.status = "undefined" if new.note == "singular" else "diverged"
            return
        moved = float(np.linalg.norm(x - self.state.x))
        f = self._safe_value(x)
        self._record(x, f)
        if float(np.max(np.abs(x))) > optimizers.BLOWUP:
            self.status = "diverged"
            return
        self.state = new
        if not math.isfinite(f):
            self.status = "undefined"
        elif moved <= STALL * max(1.0, float(np.linalg.norm(x))):
            self.status = "converged" if new.alpha > SHRUNK else "stalled"
