"""Brownian motion on a grid, simulated in chunks so paths × steps never sits in memory.

A run of P paths with n steps on [0, T] keeps only O(P × grid) numbers: the per-path
quadratic variation Σ(ΔW)², total variation Σ|ΔW| and their values on a ladder of coarser
sub-grids, the paths at a few hundred grid times, a finer picture of the first few paths,
and the whole fine path 0 (for the stochastic integrals). The fine increments of each chunk
of paths are thrown away once those numbers are taken from them.

Each coarse sub-grid is a subsample of the same fine path, which is the same thing in law as
refining the coarse path by Brownian bridges: every level of the ladder is one path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterator

import numpy as np

CHUNK_FLOATS = 1_000_000
"""Fine increments simulated at once (8 MB of float64)."""


def subgrid(n: int, m: int) -> np.ndarray:
    """Indices (0 … n) of a grid of m near-equal steps inside the fine grid of n steps."""
    m = max(1, min(int(m), int(n)))
    return (np.arange(m + 1) * n + m // 2) // m  # round(k·n/m); distinct since n/m ≥ 1


def refinement_ladder(n: int, per_octave: int = 2) -> np.ndarray:
    """Grid sizes 1, √2, 2, … (rounded, distinct) up to and including n."""
    levels = int(math.floor(per_octave * math.log2(n))) + 1
    sizes = np.round(2.0 ** (np.arange(levels) / per_octave)).astype(np.int64)
    return np.unique(np.append(sizes[sizes < n], n))


def zoom_indices(n: int, points: int, zooms: np.ndarray) -> np.ndarray:
    """Grid indices fine enough to draw [0, T/z] with about `points` steps for every zoom z."""
    parts = [np.round(np.linspace(0, n / z, points + 1)).astype(np.int64) for z in zooms]
    return np.unique(np.concatenate([subgrid(n, points), *parts]))


def chunk_rows(n: int, budget: int = CHUNK_FLOATS) -> int:
    """How many paths of n steps fit in one chunk."""
    return max(1, budget // n)


def simulate_chunk(rng: np.random.Generator, rows: int, n: int, T: float) -> np.ndarray:
    """W at the n + 1 grid times for `rows` independent paths, shape (rows, n + 1), W[:, 0] = 0."""
    W = np.empty((rows, n + 1))
    W[:, 0] = 0.0
    dW = rng.standard_normal((rows, n))
    dW *= math.sqrt(T / n)
    np.cumsum(dW, axis=1, out=W[:, 1:])
    return W


def variations(W: np.ndarray, index: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Per path Σ(ΔW)² and Σ|ΔW| over the grid `index` (all grid times when None)."""
    points = W if index is None else W[:, index]
    dW = np.diff(points, axis=1)
    return np.einsum("ij,ij->i", dW, dW), np.abs(dW).sum(axis=1)


def ladder_variations(W: np.ndarray, grids: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Σ(ΔW)² and Σ|ΔW| on each sub-grid (index arrays), shape (rows, len(grids)) each."""
    qv = np.empty((W.shape[0], len(grids)))
    tv = np.empty_like(qv)
    for j, grid in enumerate(grids):
        qv[:, j], tv[:, j] = variations(W, None if len(grid) == W.shape[1] else grid)
    return qv, tv


@dataclass(frozen=True)
class Ensemble:
    """What is kept of a run; rows of the arrays past `done` are not simulated yet."""

    T: float
    n: int
    paths: int
    done: int
    keep: np.ndarray
    """Grid indices kept for every path."""
    kept: np.ndarray
    """(paths, len(keep)): W at those indices."""
    detail_keep: np.ndarray
    detail: np.ndarray
    """(detail paths, len(detail_keep)): a finer picture of the first few paths."""
    ladder: np.ndarray
    """Grid sizes m of the refinement ladder."""
    ladder_qv: np.ndarray
    """(ladder paths, len(ladder)): Σ(ΔW)² of the first few paths on each sub-grid."""
    ladder_tv: np.ndarray
    qv: np.ndarray
    tv: np.ndarray
    terminal: np.ndarray
    first: np.ndarray
    """Path 0 at all n + 1 grid times."""

    @property
    def dt(self) -> float:
        return self.T / self.n

    @property
    def complete(self) -> bool:
        return self.done == self.paths

    def column(self, index: int) -> np.ndarray:
        """W at grid index `index` (one of `keep`) for every simulated path."""
        j = int(np.searchsorted(self.keep, index))
        return self.kept[: self.done, j]


def simulate(paths: int, n: int, T: float, seed: int | np.random.SeedSequence, keep: np.ndarray,
             detail_keep: np.ndarray, detail_paths: int, ladder: np.ndarray,
             ladder_paths: int = 100, budget: int = CHUNK_FLOATS) -> Iterator[Ensemble]:
    """Simulate chunk after chunk, yielding the ensemble so far after each chunk.

    The ladder (every sub-grid of every path costs about 2.4 n reads) is taken from the
    first `ladder_paths` paths only; everything else from all of them.

    Path i always uses the same random numbers (the i-th n-block of one stream), so the
    result does not depend on the chunk size, and path 0 does not depend on `paths`.
    """
    rng = np.random.default_rng(seed)
    keep = np.asarray(keep, dtype=np.int64)
    detail_keep = np.asarray(detail_keep, dtype=np.int64)
    detail_paths = min(detail_paths, paths)
    ladder_paths = min(ladder_paths, paths)
    grids = [subgrid(n, m) for m in ladder]
    kept = np.empty((paths, len(keep)))
    detail = np.empty((detail_paths, len(detail_keep)))
    ladder_qv = np.empty((ladder_paths, len(ladder)))
    ladder_tv = np.empty_like(ladder_qv)
    qv, tv, terminal = np.empty(paths), np.empty(paths), np.empty(paths)
    first = np.empty(n + 1)
    rows = chunk_rows(n, budget)
    done = 0
    while done < paths:
        count = min(rows, paths - done)
        W = simulate_chunk(rng, count, n, T)
        block = slice(done, done + count)
        kept[block] = W[:, keep]
        qv[block], tv[block] = variations(W)
        terminal[block] = W[:, -1]
        if done < detail_paths:
            rows_here = W[: min(detail_paths - done, count)]
            detail[done:done + len(rows_here)] = rows_here[:, detail_keep]
        if done < ladder_paths:
            rows_here = W[: min(ladder_paths - done, count)]
            lq, lt = ladder_variations(rows_here, grids)
            ladder_qv[done:done + len(lq)], ladder_tv[done:done + len(lt)] = lq, lt
        if done == 0:
            first[:] = W[0]
        done += count
        yield Ensemble(T, n, paths, done, keep, kept, detail_keep, detail, ladder, ladder_qv,
                       ladder_tv, qv, tv, terminal, first)


@dataclass(frozen=True)
class Integrals:
    """Running Riemann sums of ∫₀ᵗ W dW along one path, at every grid time."""

    ito: np.ndarray
    """Σ W_{i−1} ΔW_i (left point)."""
    stratonovich: np.ndarray
    """Σ ½(W_{i−1} + W_i) ΔW_i (endpoint average; telescopes to W_t²/2)."""
    midpoint: np.ndarray
    """Σ W(t_{i−½}) ΔW_i with the midpoint drawn from the Brownian bridge (a refined grid)."""
    quadratic_variation: np.ndarray
    """Σ (ΔW_i)²."""


def stochastic_integrals(W: np.ndarray, T: float, rng: np.random.Generator) -> Integrals:
    """The running sums for one path W (n + 1 values on a uniform grid of [0, T]).

    The midpoint of each step is W(t_{i−½}) = ½(W_{i−1} + W_i) + N(0, Δt/4): the exact law of
    Brownian motion halfway along a step given both ends.
    """
    n = len(W) - 1
    dW = np.diff(W)
    mid = 0.5 * (W[:-1] + W[1:]) + math.sqrt(T / n / 4) * rng.standard_normal(n)

    def running(terms: np.ndarray) -> np.ndarray:
        return np.concatenate(([0.0], np.cumsum(terms)))

    return Integrals(running(W[:-1] * dW), running(0.5 * (W[:-1] + W[1:]) * dW),
                     running(mid * dW), running(dW * dW))


def expected_total_variation(T: float, n: int, m: int) -> float:
    """E Σ|ΔW| on `subgrid(n, m)`: Σ E|N(0, hᵢ)| = Σ √(2hᵢ/π), about √(2Tm/π).

    The sub-grid's steps are ⌊n/m⌋ or ⌈n/m⌉ fine steps long, so the sum is a little below
    √(2Tm/π) when m does not divide n (√h is concave).
    """
    steps = np.diff(subgrid(n, m)) * (T / n)
    return float(np.sqrt(2 * steps / math.pi).sum())


def quadratic_variation_se(T: float, n: np.ndarray | float, paths: int = 1) -> np.ndarray | float:
    """Standard error of the mean of Σ(ΔW)² over `paths` paths of n steps.

    Σ(ΔW)² = (T/n)·χ²ₙ, whose variance is (T/n)²·2n = 2T²/n per path.
    """
    return T * np.sqrt(2.0 / (np.asarray(n, dtype=float) * paths))


def normal_pdf(x: np.ndarray, var: float) -> np.ndarray:
    """The N(0, var) density."""
    return np.exp(-0.5 * x * x / var) / math.sqrt(2 * math.pi * var)


def sample_var(x: np.ndarray) -> float:
    """Unbiased sample variance, nan for fewer than two values."""
    return float(np.var(x, ddof=1)) if len(x) > 1 else float("nan")
