"""L1 and L2 penalties on a quadratic data term: exact solutions, paths, descent, flows, dropout.

The data term is D(w) = ½(w − a)ᵀH(w − a) (a is the unpenalised optimum, H the data
Hessian; in 2-D H = [[1, ρ], [ρ, 1]] with ρ the feature correlation). Penalties are the
article's λ‖w‖₂², λ‖w‖₁, and the elastic net λ(½‖w‖₁ + ½‖w‖₂²).

Every penalised problem here has the form  min ½wᵀQw − cᵀw + μ‖w‖₁  with Q = H + 2λ₂I,
c = Ha and μ = λ₁, solved exactly by checking the optimality (KKT) conditions
  Q_S w_S = c_S − μ s_S on the support S (s = signs),  |c_j − (Qw)_j| ≤ μ off it
for every support and sign pattern. The pure L2 solution is (H + 2λI)⁻¹Ha: in H's
eigenbasis each component of a is multiplied by h_i/(h_i + 2λ), a shrinkage that differs
per direction (L2 does not make weights "uniformly small"). L1's corner gives exact zeros
along a piecewise linear path; L2's path is smooth and never exactly 0.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np

PENALTIES = ("l1", "l2", "elastic")


def correlated_hessian(corr: float) -> np.ndarray:
    """[[1, ρ], [ρ, 1]]: eigenvalues 1 ± ρ along (1, ±1)/√2."""
    return np.array([[1.0, corr], [corr, 1.0]])


def split(penalty: str, lam: float) -> tuple[float, float]:
    """(λ₁, λ₂): the weights of ‖w‖₁ and ‖w‖₂² in the penalty."""
    if penalty == "l1":
        return lam, 0.0
    if penalty == "l2":
        return 0.0, lam
    if penalty == "elastic":
        return 0.5 * lam, 0.5 * lam
    raise ValueError(f"unknown penalty {penalty!r}; expected one of {', '.join(PENALTIES)}")


def objective(H: np.ndarray, a: np.ndarray, w: np.ndarray, penalty: str, lam: float) -> float:
    l1, l2 = split(penalty, lam)
    r = w - a
    return float(0.5 * r @ H @ r + l1 * np.abs(w).sum() + l2 * w @ w)


def l2_solution(H: np.ndarray, a: np.ndarray, lam: float) -> np.ndarray:
    """argmin D(w) + λ‖w‖² = (H + 2λI)⁻¹ H a."""
    return np.linalg.solve(H + 2.0 * lam * np.eye(len(a)), H @ a)


def l2_path(H: np.ndarray, a: np.ndarray, lams: np.ndarray) -> np.ndarray:
    """The L2 solutions for many λ at once, shape (len(lams), n): V diag(h/(h + 2λ)) Vᵀa."""
    h, V = np.linalg.eigh(H)
    factors = h / (h + 2.0 * np.asarray(lams, dtype=float)[:, None])
    return (factors * (V.T @ a)) @ V.T


def l2_shrinkage(H: np.ndarray, lam: float) -> tuple[np.ndarray, np.ndarray]:
    """(h_i/(h_i + 2λ), eigenvectors): the factor applied to a's component along each."""
    h, V = np.linalg.eigh(H)
    return h / (h + 2.0 * lam), V


def kkt_solve(Q: np.ndarray, c: np.ndarray, mu: float) -> np.ndarray:
    """The exact minimiser of ½wᵀQw − cᵀw + μ‖w‖₁ (Q positive definite, small n).

    Supports are tried from the smallest up, so at a breakpoint, where two patterns both
    satisfy the conditions, the one with the exact zero is returned.
    """
    n = len(c)
    tol = 1e-12 * (1.0 + float(np.abs(c).max()) + mu)
    for size in range(n + 1):
        for support in itertools.combinations(range(n), size):
            S = list(support)
            for signs in itertools.product((-1.0, 1.0), repeat=size):
                w = np.zeros(n)
                if S:
                    w[S] = np.linalg.solve(Q[np.ix_(S, S)], c[S] - mu * np.array(signs))
                    if np.any(w[S] * np.array(signs) < 0):
                        continue
                residual = c - Q @ w
                off = [j for j in range(n) if j not in support]
                if np.all(np.abs(residual[off]) <= mu + tol):
                    return w
    raise ArithmeticError("no pattern satisfies the optimality conditions (is Q positive definite?)")


def solve(H: np.ndarray, a: np.ndarray, penalty: str, lam: float) -> np.ndarray:
    """argmin D(w) + penalty(w), exactly."""
    l1, l2 = split(penalty, lam)
    if penalty == "l2":
        return l2_solution(H, a, l2)
    return kkt_solve(H + 2.0 * l2 * np.eye(len(a)), H @ a, l1)


def lambda_max(H: np.ndarray, a: np.ndarray) -> float:
    """The smallest λ with the L1 solution w = 0: ‖Ha‖∞ (at w = 0 the data gradient is −Ha)."""
    return float(np.abs(H @ a).max())


@dataclass(frozen=True)
class Path:
    """The exact L1 path: w(λ) is linear between consecutive knots."""

    lam: np.ndarray  # (k,) increasing, from 0 to λ_max
    w: np.ndarray    # (k, n)

    def at(self, lam: float) -> np.ndarray:
        """w(λ) by linear interpolation between knots (0 beyond λ_max)."""
        return np.array([np.interp(lam, self.lam, self.w[:, j]) for j in range(self.w.shape[1])])

    def zero_at(self) -> list[float]:
        """For each coordinate, the smallest λ at which it is exactly 0."""
        out = []
        for j in range(self.w.shape[1]):
            zero = np.flatnonzero(self.w[:, j] == 0.0)
            out.append(float(self.lam[zero[0]]))
        return out


def _stretch(H: np.ndarray, c: np.ndarray, S: list[int], s: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """w_S(λ) = base + λ·slope on a stretch with support S and signs s."""
    Qs = H[np.ix_(S, S)]
    return np.linalg.solve(Qs, c[S]), np.linalg.solve(Qs, -s)


def _pattern_below(H: np.ndarray, c: np.ndarray, w: np.ndarray, lam: float
                   ) -> tuple[list[int], np.ndarray]:
    """Support and signs of the path just below a knot λ where the solution is w.

    Coordinates at the boundary (w_j = 0, |c_j − (Hw)_j| = λ) may join. A joining set J is
    consistent when each joiner grows in its sign as λ falls (slope_j·s_j < 0) and each
    boundary coordinate left out stays inside |c_j − (Hw)_j| ≤ λ (s_j·dr_j/dλ ≥ 1).
    """
    n = len(c)
    r = c - H @ w
    tol = 1e-9 * (1.0 + lam)
    active = [j for j in range(n) if w[j] != 0]
    boundary = [j for j in range(n) if w[j] == 0 and abs(abs(r[j]) - lam) <= tol]
    signs = np.sign(np.where(w != 0, w, r))
    for size in range(len(boundary), -1, -1):
        for joined in itertools.combinations(boundary, size):
            S = sorted(active + list(joined))
            if not S:
                continue
            base, slope = _stretch(H, c, S, signs[S])
            grows = all(slope[S.index(j)] * signs[j] < 0 for j in joined)
            stays = all(signs[j] * (-H[j, S] @ slope) >= 1 - 1e-12
                        for j in boundary if j not in joined)
            if grows and stays:
                return S, signs[S]
    return active, signs[active]


def l1_path(H: np.ndarray, a: np.ndarray) -> Path:
    """The L1 path by homotopy from λ_max down to 0 (the LARS–lasso walk).

    On a stretch with support S and signs s, w_S(λ) = H_SS⁻¹(c_S − λ s_S) is linear in λ.
    The stretch ends where an active weight reaches 0 (it leaves) or an inactive
    coordinate's |c_j − (Hw)_j| reaches λ (it enters). A weight that leaves is stored as
    0.0 at its knot, not as a rounding residue.
    """
    c = H @ a
    n = len(a)
    lam = lambda_max(H, a)
    w = np.zeros(n)
    knots_lam, knots_w = [lam], [w]
    scale = 1.0 + float(np.abs(a).max())
    for _ in range(8 * n + 8):
        if lam <= 0:
            break
        S, s = _pattern_below(H, c, w, lam)
        base, slope = _stretch(H, c, S, s)
        events = [0.0]
        events += [-base[k] / slope[k] for k in range(len(S)) if slope[k] != 0]
        for j in (j for j in range(n) if j not in S):   # c_j − H_jS w_S(λ) = ±λ
            r0, r1 = c[j] - H[j, S] @ base, -H[j, S] @ slope
            events += [r0 / (sign - r1) for sign in (-1.0, 1.0) if sign != r1]
        lam = max(0.0, max(e for e in events if e < lam * (1.0 - 1e-12)))
        w = np.zeros(n)
        w[S] = base + lam * slope
        w[np.abs(w) < 1e-12 * scale] = 0.0
        knots_lam.append(lam)
        knots_w.append(w)
    return Path(np.array(knots_lam[::-1]), np.array(knots_w[::-1]))


# ------------------------------------------------------------------------------ descent


def soft_threshold(v: np.ndarray, t: float) -> np.ndarray:
    """The proximal map of t‖·‖₁: shrink toward 0 by t, and land exactly on 0 inside ±t."""
    return np.sign(v) * np.maximum(np.abs(v) - t, 0.0)


def ista(H: np.ndarray, a: np.ndarray, penalty: str, lam: float, eta: float, steps: int,
         w0: np.ndarray | None = None) -> np.ndarray:
    """Proximal gradient descent: w ← prox(w − η∇D(w)); returns the iterates (steps + 1, n)."""
    l1, l2 = split(penalty, lam)
    w = np.array(a if w0 is None else w0, dtype=float)
    out = [w.copy()]
    with np.errstate(all="ignore"):
        for _ in range(steps):
            w = soft_threshold(w - eta * (H @ (w - a)), eta * l1) / (1.0 + 2.0 * eta * l2)
            out.append(w.copy())
    return np.array(out)


def subgradient(H: np.ndarray, a: np.ndarray, penalty: str, lam: float, eta: float, steps: int,
                w0: np.ndarray | None = None) -> np.ndarray:
    """Subgradient descent w ← w − η_k(∇D + λ₁ sign(w) + 2λ₂w), sign(0) = 0, with the
    diminishing step η_k = η/√(k + 1) that subgradient methods need to converge at all (with
    a fixed step they circle the optimum at a distance of order ηλ₁)."""
    l1, l2 = split(penalty, lam)
    w = np.array(a if w0 is None else w0, dtype=float)
    out = [w.copy()]
    with np.errstate(all="ignore"):
        for k in range(steps):
            step = eta / np.sqrt(k + 1.0)
            w = w - step * (H @ (w - a) + l1 * np.sign(w) + 2.0 * l2 * w)
            out.append(w.copy())
    return np.array(out)


# ------------------------------------------------------------------------------ flows


def flow_rates(H: np.ndarray, lam: float) -> np.ndarray:
    """Eigenvalues of the L2 gradient flow ẇ = −(H + 2λI)(w − w*): −(h_i + 2λ), all real.

    Real and negative: each eigen-component decays like e^{−(h_i+2λ)t}, monotonically.
    A first-order flow of a symmetric matrix cannot oscillate.
    """
    return -(np.linalg.eigvalsh(H) + 2.0 * lam)


def heavy_ball_roots(H: np.ndarray, lam: float, gamma: float) -> np.ndarray:
    """Roots r of r² + γr + k = 0 for each curvature k = h_i + 2λ of ẅ + γẇ + ∇ = 0.

    Complex (an oscillation) exactly when γ < 2√k. Returns shape (n, 2) complex.
    """
    k = np.linalg.eigvalsh(H) + 2.0 * lam
    disc = np.sqrt((gamma * gamma - 4.0 * k).astype(complex))
    return np.stack([(-gamma + disc) / 2.0, (-gamma - disc) / 2.0], axis=1)


def _expm2(A: np.ndarray, t: np.ndarray) -> np.ndarray:
    """exp(A t) for a real 2×2 A at many t: e^{st}[cosh(qt)I + sinh(qt)/q (A − sI)],
    s = tr A/2, q² = s² − det A (complex when the eigenvalues are); shape (len(t), 2, 2)."""
    s = 0.5 * np.trace(A)
    q = np.sqrt(complex(s * s - np.linalg.det(A)))
    t = np.asarray(t, dtype=float)
    qt = q * t
    small = abs(q) < 1e-7
    ratio = t * (1.0 + qt * qt / 6.0) if small else np.sinh(qt) / q
    eye, shifted = np.eye(2), A - s * np.eye(2)
    out = np.exp(s * t)[:, None, None] * (np.cosh(qt)[:, None, None] * eye
                                          + ratio[:, None, None] * shifted)
    return out.real


def flow_path(H: np.ndarray, a: np.ndarray, lam: float, w0: np.ndarray, t: np.ndarray) -> np.ndarray:
    """w(t) of ẇ = −∇(D + λ‖w‖²) from w0, exactly (eigen-decomposition); shape (len(t), n)."""
    h, V = np.linalg.eigh(H)
    star = l2_solution(H, a, lam)
    coeff = V.T @ (np.asarray(w0, dtype=float) - star)
    decay = np.exp(-np.outer(np.asarray(t, dtype=float), h + 2.0 * lam))
    return star + (decay * coeff) @ V.T


def heavy_ball_path(H: np.ndarray, a: np.ndarray, lam: float, gamma: float, w0: np.ndarray,
                    t: np.ndarray) -> np.ndarray:
    """w(t) of ẅ + γẇ + ∇(D + λ‖w‖²) = 0 from rest at w0, exactly, one 2×2 system per
    eigen-direction; shape (len(t), n)."""
    h, V = np.linalg.eigh(H)
    star = l2_solution(H, a, lam)
    coeff = V.T @ (np.asarray(w0, dtype=float) - star)
    comps = []
    for k, c0 in zip(h + 2.0 * lam, coeff):
        E = _expm2(np.array([[0.0, 1.0], [-k, -gamma]]), t)
        comps.append(E[:, 0, 0] * c0)  # position from (position c0, velocity 0)
    return star + np.stack(comps, axis=1) @ V.T


# ------------------------------------------------------------------------------ dropout


def dropout_expected_loss(x: np.ndarray, y: float, w: np.ndarray, p: float) -> float:
    """E over masks m_j ~ Bernoulli(p) of (y − Σ (m_j/p) x_j w_j)² (inverted dropout):
    (y − xᵀw)² + ((1 − p)/p) Σ x_j² w_j², the data loss plus an adaptive L2 penalty."""
    r = y - x @ w
    return float(r * r + (1.0 - p) / p * np.sum(x * x * w * w))


def dropout_losses(rng: np.random.Generator, x: np.ndarray, y: float, w: np.ndarray, p: float,
                   draws: int) -> np.ndarray:
    """`draws` sampled losses under independent inverted-dropout masks."""
    masks = rng.random((draws, len(x))) < p
    pred = (masks * (x * w)).sum(axis=1) / p
    return (y - pred) ** 2


def dropout_exact_by_enumeration(x: np.ndarray, y: float, w: np.ndarray, p: float,
                                 unit: str = "linear") -> float:
    """E[loss] (unit "linear") or E[σ(Σ m_j x_j w_j/p)] (unit "sigmoid") summed over all
    2ᵈ masks with their probabilities: a check of the closed form, and of slip 21."""
    total = 0.0
    for bits in itertools.product((0.0, 1.0), repeat=len(x)):
        m = np.array(bits)
        prob = math.prod(p if b else 1.0 - p for b in bits)
        z = float((m * x * w).sum() / p)
        total += prob * ((y - z) ** 2 if unit == "linear" else 1.0 / (1.0 + math.exp(-z)))
    return total


@dataclass
class RunningMean:
    """Mean and standard error of a stream of samples (Welford's update, numerically stable)."""

    count: int = 0
    mean: float = 0.0
    m2: float = 0.0

    def add(self, samples: np.ndarray) -> None:
        k = len(samples)
        if k == 0:
            return
        mean_b = float(samples.mean())
        m2_b = float(((samples - mean_b) ** 2).sum())
        total = self.count + k
        delta = mean_b - self.mean
        self.mean += delta * k / total
        self.m2 += m2_b + delta * delta * self.count * k / total
        self.count = total

    @property
    def se(self) -> float:
        if self.count < 2:
            return math.nan
        return math.sqrt(self.m2 / (self.count - 1) / self.count)
