"""Matrix calculus identities, each checked entry by entry against central differences.

Every identity is posed as the derivative of a map: a scalar function of a vector or a
matrix (its gradient has the input's shape), or a linear map X ↦ vec(…) (its Jacobian is a
Kronecker product). The maps accept a stack of inputs in their leading axes, so all 2·m
perturbed inputs — for every step h at once — go through numpy in one call.

Two traps are kept visible: `vec` stacks columns, so with NumPy's row-major `ravel`
vec_r(AXB) = (A ⊗ Bᵀ)vec_r(X), not (Bᵀ ⊗ A)vec_r(X); and for Z = XWᵀ + 1bᵀ with
G = ∂L/∂Z (batch × out), ∂L/∂W = GᵀX (out × in) — GXᵀ is not even defined unless out = in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

IDENTITIES = ("linear", "quadratic", "frobenius", "logdet", "trace", "kron-vec", "kron-mixed",
              "kron-inverse", "batch-grad", "vectorize")
VEC_IDENTITIES = ("kron-vec", "kron-mixed", "kron-inverse")


def vec(x: np.ndarray, order: str) -> np.ndarray:
    """Flatten the last two axes: `column` stacks columns (the textbook vec), `row` rows."""
    if order == "column":
        x = np.swapaxes(x, -1, -2)
    elif order != "row":
        raise ValueError(f"unknown order {order!r}; expected column or row")
    return x.reshape(x.shape[:-2] + (-1,))


def unvec(v: np.ndarray, shape: tuple[int, int], order: str) -> np.ndarray:
    if order == "column":
        return np.swapaxes(v.reshape(v.shape[:-1] + shape[::-1]), -1, -2)
    return v.reshape(v.shape[:-1] + shape)


@dataclass
class Check:
    """One identity: the map, the point, the closed-form derivative and what to show."""

    name: str
    formula: str
    f: Callable[[np.ndarray], np.ndarray]
    point: np.ndarray
    analytic: np.ndarray
    matrices: dict[str, np.ndarray]
    order: str = "column"
    differentiable: bool = True
    extra: dict = field(default_factory=dict)

    @property
    def vector_valued(self) -> bool:
        return self.analytic.ndim == 2 and self.name in VEC_IDENTITIES


def numeric(check: Check, h: np.ndarray | float) -> np.ndarray:
    """Central-difference derivative(s) of `check.f` at `check.point`, in the analytic layout.

    For a scalar map: (f(x + h e_j) − f(x − h e_j))/2h for every entry j, shaped like x.
    For a map into vectors: the Jacobian, columns j running over vec(x) in `check.order`.
    A vector of steps gives one result per step (leading axis).
    """
    hs = np.atleast_1d(np.asarray(h, float))
    x = check.point
    if check.vector_valued:
        base = vec(x, check.order)
        m = base.size
        e = np.eye(m)
        plus = unvec(base + hs[:, None, None] * e, x.shape, check.order)      # (H, m, *shape)
        minus = unvec(base - hs[:, None, None] * e, x.shape, check.order)
        jac = (check.f(plus) - check.f(minus)) / (2 * hs[:, None, None])      # (H, m, out)
        out = np.swapaxes(jac, -1, -2)
    else:
        m = x.size
        e = np.eye(m).reshape((m,) + x.shape)
        step = hs.reshape((-1,) + (1,) * (x.ndim + 1))
        out = (check.f(x + step * e) - check.f(x - step * e)) / (2 * hs[:, None])
        out = out.reshape((len(hs),) + x.shape)
    return out if np.ndim(h) else out[0]


def max_error(check: Check, h: np.ndarray | float) -> np.ndarray:
    """max |analytic − numeric| over all entries, for each step h."""
    diff = np.abs(numeric(check, np.atleast_1d(h)) - check.analytic)
    out = diff.reshape(diff.shape[0], -1).max(axis=1)
    return out if np.ndim(h) else out[0]


def article_matrix(rows: int, cols: int, salt: int) -> np.ndarray:
    """Small integers in a fixed pattern: readable matrices for the `article` preset."""
    i, j = np.meshgrid(np.arange(rows), np.arange(cols), indexing="ij")
    return (((i + 2 * j + salt) * (salt + 3)) % 7 - 3).astype(float)


def _well_conditioned(m: np.ndarray) -> np.ndarray:
    return m + (np.abs(m).sum(axis=1).max() + 1.0) * np.eye(len(m))


def make_check(name: str, n: int, order: str = "column", symmetric: bool = False,
               preset: str = "article", rng: np.random.Generator | None = None) -> Check:
    """The identity `name` at matrices of size about n: fixed integers (`article`) or
    random entries with random shapes in [2, n] (`random`)."""
    rng = rng or np.random.default_rng(0)
    salt = iter(range(1, 100))

    def dim() -> int:
        return int(rng.integers(2, n + 1)) if preset == "random" else n

    def mat(r: int, c: int) -> np.ndarray:
        return rng.standard_normal((r, c)) if preset == "random" else article_matrix(r, c, next(salt))

    def square(k: int) -> np.ndarray:
        m = mat(k, k)
        return (m + m.T) / 2 if symmetric else m

    if name == "linear":
        a, x = mat(n, 1)[:, 0], mat(n, 1)[:, 0]
        return Check(name, "∂(aᵀx)/∂x = a", lambda z: z @ a, x, a.copy(), {"a": a, "x": x})
    if name == "quadratic":
        A, x = square(n), mat(n, 1)[:, 0]
        formula = "∂(xᵀAx)/∂x = 2Ax (A = Aᵀ)" if symmetric else "∂(xᵀAx)/∂x = (A + Aᵀ)x"
        return Check(name, formula, lambda z: np.einsum("...i,ij,...j->...", z, A, z), x,
                     (A + A.T) @ x, {"A": A, "x": x})
    if name == "frobenius":
        X = square(n) if symmetric else mat(n, dim())
        return Check(name, "∂‖X‖²_F/∂X = ∂tr(XᵀX)/∂X = 2X", lambda z: (z * z).sum(axis=(-1, -2)),
                     X, 2 * X, {"X": X})
    if name == "logdet":
        m = mat(n, n)
        X = m @ m.T + n * np.eye(n) if symmetric else _well_conditioned(m)
        return Check(name, "∂ ln|det X|/∂X = X⁻ᵀ", lambda z: np.linalg.slogdet(z)[1], X,
                     np.linalg.inv(X).T, {"X": X})
    if name == "trace":
        p = n if symmetric else dim()
        A, X = (square(n), mat(n, n)) if symmetric else (mat(p, n), mat(n, p))
        return Check(name, "∂tr(AX)/∂X = Aᵀ", lambda z: np.einsum("ij,...ji->...", A, z), X,
                     A.T.copy(), {"A": A, "X": X})
    if name == "kron-vec":
        r, c, q = dim(), dim(), dim()
        A, X, B = mat(r, n), mat(n, c), mat(c, q)
        if order == "column":
            formula, jac = "vec(AXB) = (Bᵀ ⊗ A) vec(X)", np.kron(B.T, A)
        else:
            formula, jac = "vec_r(AXB) = (A ⊗ Bᵀ) vec_r(X)", np.kron(A, B.T)
        other = np.kron(A, B.T) if order == "column" else np.kron(B.T, A)
        return Check(name, formula, lambda z: vec(A @ z @ B, order), X, jac,
                     {"A": A, "X": X, "B": B}, order,
                     extra={"other_formula_error": float(np.abs(other - jac).max())})
    if name == "kron-mixed":
        # X ↦ D X Cᵀ has Jacobian C ⊗ D (column vec); composing with Y ↦ B Y Aᵀ multiplies
        # the Jacobians (chain rule), which the mixed-product rule says is (AC) ⊗ (BD).
        A = mat(dim(), dim())
        C = mat(A.shape[1], dim())
        B = mat(dim(), dim())
        D = mat(B.shape[1], dim())
        X = mat(D.shape[1], C.shape[1])
        jac = np.kron(A @ C, B @ D) if order == "column" else np.kron(B @ D, A @ C)
        formula = ("(A ⊗ B)(C ⊗ D) = (AC) ⊗ (BD)" if order == "column"
                   else "(B ⊗ A)(D ⊗ C) = (BD) ⊗ (AC)   [row-major vec]")
        return Check(name, formula, lambda z: vec(B @ (D @ z @ C.T) @ A.T, order), X, jac,
                     {"A": A, "B": B, "C": C, "D": D}, order,
                     extra={"product": np.kron(A, B) @ np.kron(C, D) if order == "column"
                            else np.kron(B, A) @ np.kron(D, C)})
    if name == "kron-inverse":
        k = dim()
        A = _well_conditioned(mat(k, k))
        k = dim()
        B = _well_conditioned(mat(k, k))
        Y = mat(B.shape[0], A.shape[0])

        def solve_map(z: np.ndarray) -> np.ndarray:      # Y ↦ B⁻¹ Y A⁻ᵀ, inverse of X ↦ BXAᵀ
            w = np.linalg.solve(B, z)
            return vec(np.swapaxes(np.linalg.solve(A, np.swapaxes(w, -1, -2)), -1, -2), order)

        inv_a, inv_b = np.linalg.inv(A), np.linalg.inv(B)
        jac = np.kron(inv_a, inv_b) if order == "column" else np.kron(inv_b, inv_a)
        formula = "(A ⊗ B)⁻¹ = A⁻¹ ⊗ B⁻¹" if order == "column" else "(B ⊗ A)⁻¹ = B⁻¹ ⊗ A⁻¹   [row-major vec]"
        return Check(name, formula, solve_map, Y, jac, {"A": A, "B": B}, order,
                     extra={"inverse": np.linalg.inv(np.kron(A, B) if order == "column" else np.kron(B, A))})
    if name == "batch-grad":
        return _batch_grad(n, preset, mat, dim)
    if name == "vectorize":
        return _vectorize(n, preset, mat)
    raise ValueError(f"unknown identity {name!r}; expected one of {', '.join(IDENTITIES)}")


def _batch_grad(n: int, preset: str, mat, dim) -> Check:
    """L = ½‖tanh(Z) − Y‖² with Z = XWᵀ + 1bᵀ: ∂L/∂W = GᵀX where G = ∂L/∂Z."""
    batch, n_in, n_out = (dim(), dim(), dim()) if preset == "random" else (2, n, 2)
    X, W, b, Y = mat(batch, n_in), mat(n_out, n_in) / n_in, mat(1, n_out)[0] / 2, mat(batch, n_out) / 4

    def loss(w: np.ndarray) -> np.ndarray:
        z = np.tanh(X @ np.swapaxes(w, -1, -2) + b)
        return 0.5 * ((z - Y) ** 2).sum(axis=(-1, -2))

    t = np.tanh(X @ W.T + b)
    G = (t - Y) * (1 - t * t)
    defined = G.shape[1] == X.T.shape[0]
    article_shape_ok = defined and (G.shape[0], X.T.shape[1]) == W.shape
    return Check("batch-grad", "Z = XWᵀ + 1bᵀ:  ∂L/∂W = (∂L/∂Z)ᵀ X,  ∂L/∂b = (∂L/∂Z)ᵀ 1",
                 loss, W, G.T @ X, {"X": X, "W": W, "b": b, "G": G},
                 extra={"G": G, "grad_b": G.sum(axis=0),
                        "article_product_defined": defined,
                        "article_formula_shape_ok": bool(article_shape_ok),
                        "article_formula_error": float(np.abs(G @ X.T - G.T @ X).max())
                        if article_shape_ok else float("nan")})


def _vectorize(n: int, preset: str, mat) -> Check:
    """The article's double loop for Z = XWᵀ + b against one matrix product, and their times."""
    batch, n_in, n_out = 16 * n, 8 * n, 8 * n
    X, W, b = mat(batch, n_in), mat(n_out, n_in), mat(1, n_out)[0]

    def looped() -> np.ndarray:
        z = np.empty((batch, n_out))
        for i in range(batch):
            for j in range(n_out):
                z[i, j] = np.dot(X[i], W[j]) + b[j]
        return z

    start = time.perf_counter()
    z_loop = looped()
    t_loop = time.perf_counter() - start
    t_mat = np.inf
    for _ in range(5):
        start = time.perf_counter()
        z_mat = X @ W.T + b
        t_mat = min(t_mat, time.perf_counter() - start)
    return Check("vectorize", "for i, j: z[i,j] = x_i·w_j + b_j   ≡   Z = X Wᵀ + 1bᵀ",
                 lambda z: z, X, z_mat, {"X": X, "W": W, "b": b}, differentiable=False,
                 extra={"loop": z_loop, "loop_seconds": t_loop, "matmul_seconds": t_mat,
                        "speedup": t_loop / max(t_mat, 1e-9)})


def comparison(check: Check, h: float) -> tuple[np.ndarray, np.ndarray]:
    """(analytic, numeric) entries side by side: the finite-difference derivative at step h,
    or for `vectorize` the looped result."""
    if not check.differentiable:
        return check.analytic.ravel(), check.extra["loop"].ravel()
    return check.analytic.ravel(), numeric(check, h).ravel()
