"""Expected values of the tour's claims, computed here from closed forms with the standard
library only: no scene and no compute module is consulted, so a stop's check is a second
opinion, not a copy of the run it checks."""

from __future__ import annotations

import math
from typing import Callable


def bisect(f: Callable[[float], float], lo: float, hi: float, steps: int = 200) -> float:
    """A root of f in [lo, hi] (f changes sign there), to the last bit."""
    flo = f(lo)
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        fmid = f(mid)
        if fmid == 0.0 or mid in (lo, hi):
            return mid
        if (fmid < 0) == (flo < 0):
            lo, flo = mid, fmid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def left_sum_of_sin(n: int) -> float:
    """The left Riemann sum of sin on [0, π] with n slices: (π/n)·Σ sin(kπ/n) = (π/n)·cot(π/2n)."""
    return math.pi / n / math.tan(math.pi / (2 * n))


def newton_constant(f1: Callable[[float], float], f2: Callable[[float], float],
                    f3: Callable[[float], float], lo: float, hi: float) -> float:
    """Newton's asymptotic ratio e_{k+1}/e_k² = f‴(x*)/(2f″(x*)) at the stationary point in [lo, hi]."""
    x = bisect(f1, lo, hi)
    return f3(x) / (2.0 * f2(x))


def heavy_ball_beta(L: float, mu: float) -> float:
    """The critically tuned heavy ball's β = ((√κ − 1)/(√κ + 1))²: its loss rate per step."""
    r = math.sqrt(L / mu)
    return ((r - 1.0) / (r + 1.0)) ** 2


def heavy_ball_eta(L: float, mu: float) -> float:
    """The step that, with β above, tunes the EMA momentum v ← βv + (1−β)g, x ← x − ηv
    critically: η(1 − β) = 4/(√L + √μ)²."""
    return 4.0 / (math.sqrt(L) + math.sqrt(mu)) ** 2 / (1.0 - heavy_ball_beta(L, mu))


def quadratic_gradient(kappa: float, angle_deg: float, x: float, y: float) -> tuple[float, float]:
    """∇ of ½(u² + κv²) with (u, v) the point turned by −angle: A·(x, y), A = R diag(1, κ) Rᵀ."""
    c, s = math.cos(math.radians(angle_deg)), math.sin(math.radians(angle_deg))
    a11, a22, a12 = c * c + kappa * s * s, s * s + kappa * c * c, (1.0 - kappa) * c * s
    return a11 * x + a12 * y, a12 * x + a22 * y


def sign(v: float) -> float:
    return math.copysign(1.0, v) if v else 0.0


def maxent_lambda(faces: int, mean: float) -> float:
    """λ of the maximum-entropy die p_i ∝ e^{λi} (i = 1..faces) whose mean is `mean`."""
    def gap(lam: float) -> float:
        weights = [math.exp(lam * (i - faces)) for i in range(1, faces + 1)]
        return sum(i * w for i, w in zip(range(1, faces + 1), weights)) / sum(weights) - mean

    return bisect(gap, -50.0, 50.0)


def softmax(z: list[float]) -> list[float]:
    top = max(z)
    e = [math.exp(v - top) for v in z]
    return [v / sum(e) for v in e]


def kl_normal(m1: float, s1: float, m2: float, s2: float) -> float:
    """KL(N(m1, s1²) ‖ N(m2, s2²))."""
    return math.log(s2 / s1) + (s1 * s1 + (m1 - m2) ** 2) / (2.0 * s2 * s2) - 0.5


def cycloid_time(X: float, Y: float, g: float) -> float:
    """Time down the cycloid from (0, 0) to (X, Y below): θ_B solves (θ − sin θ)/(1 − cos θ) = X/Y,
    a = Y/(1 − cos θ_B), and the time is θ_B·√(a/g)."""
    theta = bisect(lambda t: (t - math.sin(t)) / (1.0 - math.cos(t)) - X / Y, 1e-3, 2 * math.pi - 1e-9)
    a = Y / (1.0 - math.cos(theta))
    return theta * math.sqrt(a / g)


def line_time(X: float, Y: float, g: float) -> float:
    """Time down the straight chute: length √(X² + Y²) at mean speed √(2gY)/2."""
    return math.sqrt(2.0 * (X * X + Y * Y) / (g * Y))


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float, radius: float) -> float:
    """Great-circle distance on a sphere of `radius` km."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2.0 * radius * math.asin(math.sqrt(h))
