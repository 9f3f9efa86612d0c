"""First-order optimizers as pure state → state steps, plus a run that notices divergence.

The update rules follow the article's forms:
  GD        x ← x − η g
  Momentum  v ← βv + (1−β)g,            x ← x − ηv
  Nesterov  the same, with g taken at the look-ahead point x − ηβv
  AdaGrad   G ← G + g²,                 x ← x − η g / √(G + ε)
  RMSprop   s ← ρs + (1−ρ)g²  (ρ = β₂), x ← x − η g / √(s + ε)
  Adam      m ← β₁m + (1−β₁)g, s ← β₂s + (1−β₂)g², m̂ = m/(1−β₁ᵗ), ŝ = s/(1−β₂ᵗ),
            x ← x − η m̂ / (√ŝ + ε)
η may shrink with the step count t (0, 1, 2, ...) by a schedule: η/(1+λt) or η·e^(−λt).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Callable

import numpy as np

GradFn = Callable[[np.ndarray], np.ndarray]

METHODS = ("gd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
NAMES = {"gd": "GD", "momentum": "Momentum", "nesterov": "Nesterov", "adagrad": "AdaGrad",
         "rmsprop": "RMSprop", "adam": "Adam"}
SCHEDULES = ("constant", "inverse", "exponential")
BLOWUP = 1e6
"""An iterate farther than this from the origin counts as diverged; it is not iterated on."""


@dataclass(frozen=True)
class Settings:
    eta: float
    beta: float = 0.9
    beta2: float = 0.99
    eps: float = 1e-8
    schedule: str = "constant"
    lam: float = 0.0

    def rate(self, t: int) -> float:
        """The step size at step t (counting from 0) under the schedule."""
        if self.schedule == "constant":
            return self.eta
        if self.schedule == "inverse":
            return self.eta / (1.0 + self.lam * t)
        if self.schedule == "exponential":
            return self.eta * math.exp(-self.lam * t)
        raise ValueError(f"unknown schedule {self.schedule!r}; expected one of "
                         + ", ".join(SCHEDULES))


@dataclass(frozen=True)
class State:
    """Where an optimizer stands: the iterate, the steps taken and its two running averages."""

    x: np.ndarray
    t: int = 0
    v: np.ndarray = field(default_factory=lambda: np.zeros(2))
    """Velocity (Momentum, Nesterov) or first moment m (Adam)."""
    s: np.ndarray = field(default_factory=lambda: np.zeros(2))
    """Sum (AdaGrad) or running average (RMSprop, Adam) of squared gradients."""


def start(x0: np.ndarray | tuple[float, float]) -> State:
    x = np.asarray(x0, dtype=float).copy()
    return State(x, 0, np.zeros_like(x), np.zeros_like(x))


def step(method: str, state: State, grad: GradFn, settings: Settings) -> State:
    """One update of `method` from `state`; overflow gives inf/nan values, never a warning."""
    eta, b1, b2, eps = settings.rate(state.t), settings.beta, settings.beta2, settings.eps
    x, v, s, t = state.x, state.v, state.s, state.t + 1
    with np.errstate(all="ignore"):
        if method == "gd":
            return replace(state, x=x - eta * grad(x), t=t)
        if method == "momentum":
            v = b1 * v + (1.0 - b1) * grad(x)
            return State(x - eta * v, t, v, s)
        if method == "nesterov":
            v = b1 * v + (1.0 - b1) * grad(x - eta * b1 * v)
            return State(x - eta * v, t, v, s)
        g = grad(x)
        if method == "adagrad":
            s = s + g * g
            return State(x - eta * g / np.sqrt(s + eps), t, v, s)
        if method == "rmsprop":
            s = b2 * s + (1.0 - b2) * g * g
            return State(x - eta * g / np.sqrt(s + eps), t, v, s)
        if method == "adam":
            v = b1 * v + (1.0 - b1) * g
            s = b2 * s + (1.0 - b2) * g * g
            m_hat = v / (1.0 - b1 ** t)
            s_hat = s / (1.0 - b2 ** t)
            return State(x - eta * m_hat / (np.sqrt(s_hat) + eps), t, v, s)
    raise ValueError(f"unknown method {method!r}; expected one of " + ", ".join(METHODS))


class Run:
    """One optimizer's trajectory on one function, grown a step at a time.

    The run stops (and says why in `status`) once the iterate leaves the BLOWUP ball
    ("diverged") or f or its gradient stops being a finite number ("undefined").
    """

    def __init__(self, method: str, x0: tuple[float, float], value: Callable[[np.ndarray], float],
                 grad: GradFn, settings: Settings) -> None:
        if method not in METHODS:
            raise ValueError(f"unknown method {method!r}; expected one of " + ", ".join(METHODS))
        self.method = method
        self.value = value
        self.grad = grad
        self.settings = settings
        self._begin(start(x0))

    def _begin(self, state: State) -> None:
        """Start the record at `state` (subclasses start from states of their own)."""
        self.state = state
        self._points = np.empty((64, state.x.size))
        self._values = np.empty(64)
        self._n = 0
        f0 = self._safe_value(state.x)
        self._record(state.x, f0)
        self.status = "running" if math.isfinite(f0) else "undefined"

    @property
    def path(self) -> np.ndarray:
        """The iterates so far, shape (k + 1, 2) (a view: do not modify)."""
        return self._points[: self._n]

    @property
    def values(self) -> np.ndarray:
        """f at each iterate (a view: do not modify)."""
        return self._values[: self._n]

    def _record(self, x: np.ndarray, f: float) -> None:
        if self._n == len(self._values):  # grow by doubling: appending stays cheap
            self._points = np.concatenate([self._points, np.empty_like(self._points)])
            self._values = np.concatenate([self._values, np.empty_like(self._values)])
        self._points[self._n] = x
        self._values[self._n] = f
        self._n += 1

    def _safe_value(self, x: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            return float(self.value(x))

    @property
    def running(self) -> bool:
        return self.status == "running"

    @property
    def diverged(self) -> bool:
        return self.status == "diverged"

    def advance(self) -> None:
        if not self.running:
            return
        new = step(self.method, self.state, self.grad, self.settings)
        x = new.x
        if not np.all(np.isfinite(x)):
            with np.errstate(all="ignore"):
                defined = bool(np.all(np.isfinite(self.grad(self.state.x))))
            self.status = "diverged" if defined else "undefined"
            return
        f = self._safe_value(x)
        self._record(x, f)
        if float(np.max(np.abs(x))) > BLOWUP:
            self.status = "diverged"
            return
        self.state = new
        if not math.isfinite(f):
            self.status = "undefined"
