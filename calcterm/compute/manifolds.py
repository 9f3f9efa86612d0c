"""Curved spaces in coordinates: the sphere's metric and geodesics, the Fisher metric of the
Gaussians (natural gradient), and Isomap's graph geodesics on a spiral.

The sphere is handled both ways round: in the chart (colatitude θ, longitude φ) with
ds² = dθ² + sin²θ dφ², where the geodesic equation has Christoffel terms and a pole where
the chart fails, and embedded in ℝ³, where great circles are plane sections and distances
are angles between unit vectors. The two are checked against each other.
"""

from __future__ import annotations

import heapq
import math
from typing import Callable

import numpy as np

from calcterm.compute.integrals import integrate

EARTH_RADIUS_KM = 6371.0


# ---------------------------------------------------------------- the sphere

def unit_vector(lat: np.ndarray | float, lon: np.ndarray | float) -> np.ndarray:
    """Points on the unit sphere from latitude and longitude in degrees, shape (..., 3)."""
    la, lo = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(la) * np.cos(lo), np.cos(la) * np.sin(lo), np.sin(la)], -1)


def lat_lon(p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Latitude and longitude in degrees of points (..., 3) (normalised first)."""
    p = p / np.linalg.norm(p, axis=-1, keepdims=True)
    return np.degrees(np.arcsin(np.clip(p[..., 2], -1, 1))), np.degrees(np.arctan2(p[..., 1], p[..., 0]))


def angle_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The angle between vectors, by atan2(|a×b|, a·b): accurate for tiny and near-π angles."""
    return np.arctan2(np.linalg.norm(np.cross(a, b), axis=-1), np.sum(a * b, axis=-1))


def great_circle_angle(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The central angle between two places (radians): the geodesic length on the unit sphere."""
    return float(angle_between(unit_vector(lat1, lon1), unit_vector(lat2, lon2)))


ANTIPODAL = 1e-9
"""Central angles within this of π count as antipodal: every great circle through A reaches B."""


def great_circle_points(lat1: float, lon1: float, lat2: float, lon2: float, n: int) -> np.ndarray:
    """n points evenly spaced along the short great-circle arc (spherical interpolation).

    For antipodal places the arc is not unique; this one leaves A heading north (east from a
    pole), a deterministic choice among infinitely many shortest paths.
    """
    a, b = unit_vector(lat1, lon1), unit_vector(lat2, lon2)
    omega = float(angle_between(a, b))
    s = np.linspace(0.0, 1.0, n)[:, None]
    if omega < 1e-12:
        return np.repeat(a[None], n, 0)
    if omega > math.pi - ANTIPODAL:
        up = np.array([0.0, 0.0, 1.0]) if abs(a[2]) < 0.999 else np.array([1.0, 0.0, 0.0])
        d = up - (up @ a) * a
        d /= np.linalg.norm(d)
        return np.cos(s * math.pi) * a + np.sin(s * math.pi) * d
    return (np.sin((1 - s) * omega) * a + np.sin(s * omega) * b) / math.sin(omega)


def short_dlon(lon1: float, lon2: float) -> float:
    """lon2 − lon1 wrapped to [−180, 180): the chart's shorter way round."""
    return (lon2 - lon1 + 180.0) % 360.0 - 180.0


def chart_line(lat1: float, lon1: float, lat2: float, lon2: float, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The straight segment in the (longitude, latitude) chart, going the shorter way round."""
    s = np.linspace(0.0, 1.0, n)
    return lat1 + s * (lat2 - lat1), lon1 + s * short_dlon(lon1, lon2)


def chart_line_angle(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Length (radians on the unit sphere) of the chart-straight segment, by the metric:
    ∫ √(dlat² + cos²lat dlon²)."""
    dla, dlo = math.radians(lat2 - lat1), math.radians(short_dlon(lon1, lon2))
    la1 = math.radians(lat1)
    return integrate(lambda s: np.sqrt(dla**2 + (np.cos(la1 + s * dla) * dlo) ** 2), 0.0, 1.0).value


def path_angle(points: np.ndarray) -> float:
    """Length of a polyline on the sphere, as the sum of the arcs between its vertices."""
    return float(angle_between(points[:-1], points[1:]).sum())


def relax_path(points: np.ndarray, sweeps: int) -> np.ndarray:
    """Projected gradient descent on the discrete energy Σ|p_{i+1} − p_i|², ends fixed.

    Each sweep takes the step ¼ (the largest stable one for this energy), which moves every
    inner point to the midpoint of its neighbours, then pushes it back onto the sphere. The
    minimisers are evenly spaced points on a great circle: the energy's E–L equation gives
    constant-speed geodesics.
    """
    p = np.array(points, float)
    for _ in range(sweeps):
        p[1:-1] = 0.5 * (p[:-2] + p[2:])
        p[1:-1] /= np.linalg.norm(p[1:-1], axis=1, keepdims=True)
    return p


def vertex_latitude(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """The highest latitude the whole great circle through both places reaches (degrees).

    With n the unit normal of the circle's plane, that latitude is arccos|n_z|; |n_z| is
    also Clairaut's constant sin θ·sin ψ of the circle.
    """
    n = np.cross(unit_vector(lat1, lon1), unit_vector(lat2, lon2))
    norm = np.linalg.norm(n)
    if norm < 1e-15:
        return float("nan")
    return float(np.degrees(np.arccos(min(1.0, abs(n[2]) / norm))))


def destination(lat: float, lon: float, heading: float, angle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Where a great circle leaving (lat, lon) on `heading` (degrees from north, clockwise)
    is after the central angles `angle` (radians): rotate the start about the axis."""
    p = unit_vector(lat, lon)
    north = np.array([-math.sin(math.radians(lat)) * math.cos(math.radians(lon)),
                      -math.sin(math.radians(lat)) * math.sin(math.radians(lon)),
                      math.cos(math.radians(lat))])
    east = np.cross(north, p)
    h = math.radians(heading)
    d = math.cos(h) * north + math.sin(h) * east
    angle = np.asarray(angle, float)[..., None]
    return lat_lon(np.cos(angle) * p + np.sin(angle) * d)


def geodesic_rhs(state: np.ndarray) -> np.ndarray:
    """(θ, φ, θ′, φ′)′ for the sphere's geodesic equation in the chart:
    θ″ = sin θ cos θ φ′², φ″ = −2 cot θ θ′φ′ (the E–L equations of ½(θ′² + sin²θ φ′²))."""
    th, _, dth, dph = state
    return np.array([dth, dph, math.sin(th) * math.cos(th) * dph**2,
                     -2.0 * math.cos(th) / math.sin(th) * dth * dph])


def shoot(lat: float, lon: float, heading: float, length: float, steps: int) -> dict[str, np.ndarray]:
    """Integrate the chart geodesic equation by RK4 from (lat, lon) on `heading`, unit speed.

    Returns lat, lon (degrees) and Clairaut's sin θ·sin ψ = sin²θ·φ′ at each step; the run
    stops early (`stopped`) if it comes within 1e-6 rad of a pole, where cot θ blows up.
    """
    th0, h = math.radians(90.0 - lat), math.radians(heading)
    state = np.array([th0, math.radians(lon), -math.cos(h), math.sin(h) / math.sin(th0)])
    dt = length / steps
    out = [state]
    stopped = False
    for _ in range(steps):
        k1 = geodesic_rhs(state)
        k2 = geodesic_rhs(state + 0.5 * dt * k1)
        k3 = geodesic_rhs(state + 0.5 * dt * k2)
        k4 = geodesic_rhs(state + dt * k3)
        state = state + dt / 6 * (k1 + 2 * k2 + 2 * k3 + k4)
        if not (1e-6 < state[0] < math.pi - 1e-6) or not np.all(np.isfinite(state)):
            stopped = True
            break
        out.append(state)
    s = np.array(out)
    return {"lat": 90.0 - np.degrees(s[:, 0]), "lon": np.degrees(s[:, 1]),
            "clairaut": np.sin(s[:, 0]) ** 2 * s[:, 3], "speed": np.hypot(s[:, 2], np.sin(s[:, 0]) * s[:, 3]),
            "stopped": np.array(stopped)}


def tissot(lat: float, lon: float, r: float, n: int = 48) -> tuple[np.ndarray, np.ndarray]:
    """The metric's circle of radius r (degrees of arc) around (lat, lon), drawn in the chart.

    Chart displacements (dlat, dlon) of length r under dlat² + cos²lat dlon² form an ellipse
    with semi-axes r north–south and r/cos(lat) east–west. Returns (lat, lon) of its points.
    """
    t = np.linspace(0.0, 2 * math.pi, n)
    return lat + r * np.cos(t), lon + r * np.sin(t) / math.cos(math.radians(lat))


def tissot_axes(lat: float, r: float = 1.0) -> tuple[float, float]:
    """(north–south, east–west) semi-axes of the Tissot ellipse of radius r at latitude lat."""
    return r, r / math.cos(math.radians(lat))


# ---------------------------------------------------------------- natural gradient

def gaussian_nll(mu: np.ndarray | float, sigma: np.ndarray | float, m: float, v: float) -> np.ndarray:
    """Mean negative log-likelihood of data with mean m and variance v under N(μ, σ²)."""
    mu, sigma = np.asarray(mu, float), np.asarray(sigma, float)
    return np.log(sigma) + ((m - mu) ** 2 + v) / (2 * sigma**2) + 0.5 * math.log(2 * math.pi)


def gaussian_nll_grad(mu: float, sigma: float, m: float, v: float) -> np.ndarray:
    """∂/∂(μ, σ) of the mean NLL."""
    S = (m - mu) ** 2 + v
    return np.array([(mu - m) / sigma**2, 1 / sigma - S / sigma**3])


def fisher(sigma: float, chart: str = "sigma") -> np.ndarray:
    """The Fisher metric of N(μ, σ²): diag(1/σ², 2/σ²) in (μ, σ), diag(1/σ², 2) in (μ, ln σ)."""
    if chart == "sigma":
        return np.diag([1 / sigma**2, 2 / sigma**2])
    if chart == "log":
        return np.diag([1 / sigma**2, 2.0])
    raise ValueError(f"unknown chart {chart!r}; expected sigma or log")


def natural_gradient(mu: float, sigma: float, m: float, v: float) -> np.ndarray:
    """F⁻¹∇ in the (μ, σ) chart: (μ − m, (σ² − S)/(2σ)) with S = (m − μ)² + v."""
    return np.linalg.solve(fisher(sigma), gaussian_nll_grad(mu, sigma, m, v))


def natural_gradient_log_chart(mu: float, sigma: float, m: float, v: float) -> np.ndarray:
    """F⁻¹∇ computed in the (μ, ρ = ln σ) chart, returned as a (dμ, dρ) vector."""
    g = gaussian_nll_grad(mu, sigma, m, v) * np.array([1.0, sigma])      # ∂/∂ρ = σ ∂/∂σ
    return np.linalg.solve(fisher(sigma, "log"), g)


def descent_paths(mu0: float, sigma0: float, m: float, v: float, lr: float,
                  steps: int) -> dict[str, np.ndarray]:
    """Rows (μ, σ) of three descents on the NLL from the same start.

    gd: plain gradient in (μ, σ); gd_log: plain gradient in (μ, ln σ); natural: −F⁻¹∇ in
    (μ, σ), whose σ update at lr = 1 is Heron's σ ← (σ + S/σ)/2 for √S; natural_log: −F⁻¹∇
    taken in (μ, ln σ). The two plain paths differ at every lr; the two natural paths differ
    only by O(lr²) per step (the flow is the same in every chart). A path whose step would
    leave σ > 0 (or overflow) stops there: its later rows are NaN.
    """
    out = {name: np.full((steps + 1, 2), np.nan) for name in ("gd", "gd_log", "natural", "natural_log")}
    for name in out:
        out[name][0] = mu0, sigma0
    for k in range(steps):
        for name, path in out.items():
            mu, s = path[k]
            if not np.isfinite(s):
                continue
            g = gaussian_nll_grad(mu, s, m, v)
            if name == "gd":
                nxt = path[k] - lr * g
            elif name == "gd_log":
                nxt = np.array([mu - lr * g[0], s * math.exp(min(-lr * s * g[1], 50.0))])
            elif name == "natural":
                nxt = path[k] - lr * natural_gradient(mu, s, m, v)
            else:
                d_mu, d_rho = natural_gradient_log_chart(mu, s, m, v)
                nxt = np.array([mu - lr * d_mu, s * math.exp(min(-lr * d_rho, 50.0))])
            if nxt[1] > 0 and np.all(np.isfinite(nxt)):
                path[k + 1] = nxt
    return out


def fisher_ellipse(mu: float, sigma: float, r: float, n: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """{d : dᵀF d = r²} around (μ, σ): semi-axes rσ along μ and rσ/√2 along σ."""
    t = np.linspace(0.0, 2 * math.pi, n)
    return mu + r * sigma * np.cos(t), sigma + r * sigma / math.sqrt(2) * np.sin(t)


# ---------------------------------------------------------------- Isomap on a spiral

def spiral_arc_length(t: np.ndarray | float) -> np.ndarray:
    """Arc length of r = t from the origin: ½(t√(1 + t²) + asinh t)."""
    t = np.asarray(t, float)
    return 0.5 * (t * np.sqrt(1 + t * t) + np.arcsinh(t))


def spiral(points: int, noise: float, rng: np.random.Generator,
           t0: float = math.pi, t1: float = 4 * math.pi) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Points on r = t, t ∈ [t0, t1], evenly spaced in arc length, plus Gaussian noise.

    Returns (xy, t, s): coordinates, parameters and true arc length from the inner end.
    The parameters solve s(t) = target by Newton's method (s′(t) = √(1 + t²)).
    """
    s0, s1 = spiral_arc_length(t0), spiral_arc_length(t1)
    target = np.linspace(s0, s1, points)
    t = np.linspace(t0, t1, points)
    for _ in range(50):
        t = t - (spiral_arc_length(t) - target) / np.sqrt(1 + t * t)
    xy = np.stack([t * np.cos(t), t * np.sin(t)], 1)
    if noise > 0:
        xy = xy + noise * rng.standard_normal(xy.shape)
    return xy, t, target - s0


def knn_graph(xy: np.ndarray, k: int) -> list[dict[int, float]]:
    """Symmetric k-nearest-neighbour graph: node → {neighbour: Euclidean length}."""
    d = np.linalg.norm(xy[:, None, :] - xy[None, :, :], axis=-1)
    np.fill_diagonal(d, np.inf)
    nearest = np.argsort(d, axis=1)[:, :k]
    adj: list[dict[int, float]] = [{} for _ in range(len(xy))]
    for i, row in enumerate(nearest):
        for j in row:
            adj[i][int(j)] = adj[int(j)][i] = float(d[i, j])
    return adj


def dijkstra(adj: list[dict[int, float]], source: int) -> np.ndarray:
    """Shortest path lengths from `source` (∞ where unreachable), with a binary heap."""
    return _dijkstra(adj, source)[0]


def shortest_path(adj: list[dict[int, float]], source: int, target: int) -> list[int]:
    """The nodes of one shortest path from `source` to `target` ([] if unreachable)."""
    dist, previous = _dijkstra(adj, source)
    if not np.isfinite(dist[target]):
        return []
    path = [target]
    while path[-1] != source:
        path.append(int(previous[path[-1]]))
    return path[::-1]


def _dijkstra(adj: list[dict[int, float]], source: int) -> tuple[np.ndarray, np.ndarray]:
    dist = np.full(len(adj), np.inf)
    previous = np.full(len(adj), -1)
    dist[source] = 0.0
    heap = [(0.0, source)]
    done = np.zeros(len(adj), bool)
    while heap:
        d, i = heapq.heappop(heap)
        if done[i]:
            continue
        done[i] = True
        for j, w in adj[i].items():
            nd = d + w
            if nd < dist[j]:
                dist[j] = nd
                previous[j] = i
                heapq.heappush(heap, (nd, j))
    return dist, previous


def graph_distances(adj: list[dict[int, float]],
                    progress: Callable[[float], None] | None = None) -> np.ndarray:
    """All shortest path lengths, one Dijkstra per source (`progress` hears the fraction done)."""
    n = len(adj)
    out = np.empty((n, n))
    for i in range(n):
        out[i] = dijkstra(adj, i)
        if progress is not None and i % 16 == 15:
            progress((i + 1) / n)
    return out


def classical_mds(dist: np.ndarray, dim: int = 1) -> np.ndarray:
    """Coordinates whose Euclidean distances best match `dist`: double-centre −½D², keep the
    top eigenvectors scaled by √eigenvalue."""
    n = len(dist)
    j = np.eye(n) - 1.0 / n
    b = -0.5 * j @ (dist**2) @ j
    w, v = np.linalg.eigh(b)
    order = np.argsort(w)[::-1][:dim]
    return v[:, order] * np.sqrt(np.maximum(w[order], 0.0))


def pearson(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    return float(a @ b / math.sqrt((a @ a) * (b @ b)))


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation of the ranks (the data here have no ties)."""
    return pearson(np.argsort(np.argsort(a)).astype(float), np.argsort(np.argsort(b)).astype(float))


def shortcut_edges(adj: list[dict[int, float]], t: np.ndarray) -> int:
    """Edges joining different turns of the spiral (|Δt| > π): they let graph paths jump
    between turns, so the graph distance no longer follows the curve."""
    return sum(1 for i, row in enumerate(adj) for j in row if j > i and abs(t[j] - t[i]) > math.pi)


def largest_component(adj: list[dict[int, float]]) -> np.ndarray:
    """Indices of the largest connected component (Isomap needs finite distances)."""
    seen = np.full(len(adj), -1)
    best: list[int] = []
    for start in range(len(adj)):
        if seen[start] >= 0:
            continue
        comp, stack = [start], [start]
        seen[start] = start
        while stack:
            for j in adj[stack.pop()]:
                if seen[j] < 0:
                    seen[j] = start
                    comp.append(j)
                    stack.append(j)
        if len(comp) > len(best):
            best = comp
    return np.sort(np.array(best))
