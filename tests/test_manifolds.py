"""Sphere geodesics, Tissot ellipses, the natural gradient and Isomap against independent truths."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calcterm.compute.manifolds import (
    EARTH_RADIUS_KM, angle_between, chart_line, chart_line_angle, classical_mds, descent_paths,
    destination, dijkstra, fisher, fisher_ellipse, gaussian_nll, gaussian_nll_grad,
    graph_distances, great_circle_angle, shortest_path, great_circle_points, knn_graph, largest_component,
    lat_lon, natural_gradient, natural_gradient_log_chart, path_angle, pearson, relax_path,
    shoot, short_dlon, shortcut_edges, spearman, spiral, spiral_arc_length, tissot, tissot_axes,
    unit_vector, vertex_latitude,
)
from calcterm.compute.integrals import integrate

NEW_YORK = (40.7128, -74.006)
BEIJING = (39.9042, 116.4074)


def haversine(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * math.asin(math.sqrt(h))


def test_new_york_to_beijing_matches_haversine():
    km = great_circle_angle(*NEW_YORK, *BEIJING) * EARTH_RADIUS_KM
    assert km == pytest.approx(haversine(*NEW_YORK, *BEIJING) * EARTH_RADIUS_KM, abs=1e-6)
    assert round(km) == 10989


def test_great_circle_matches_haversine_at_random_pairs():
    rng = np.random.default_rng(0)
    for _ in range(500):
        lat1, lat2 = np.degrees(np.arcsin(rng.uniform(-1, 1, 2)))
        lon1, lon2 = rng.uniform(-180, 180, 2)
        assert great_circle_angle(lat1, lon1, lat2, lon2) == pytest.approx(
            haversine(lat1, lon1, lat2, lon2), abs=1e-10)


def test_tiny_and_antipodal_angles_stay_accurate():
    assert great_circle_angle(10.0, 20.0, 10.0, 20.0 + 1e-9) == pytest.approx(
        math.radians(1e-9) * math.cos(math.radians(10)), rel=1e-6)
    assert great_circle_angle(30.0, 40.0, -30.0, -140.0) == pytest.approx(math.pi, abs=1e-12)


def test_chart_line_length_by_the_metric():
    # along a parallel the metric gives |Δlon|·cos(lat) exactly, along a meridian |Δlat|
    assert chart_line_angle(50.0, 10.0, 50.0, 70.0) == pytest.approx(
        math.radians(60) * math.cos(math.radians(50)), rel=1e-13)
    assert chart_line_angle(-20.0, 5.0, 35.0, 5.0) == pytest.approx(math.radians(55), rel=1e-13)
    # New York to Beijing: against the sum of many small great-circle arcs along the segment
    la, lo = chart_line(*NEW_YORK, *BEIJING, 200001)
    polyline = path_angle(unit_vector(la, lo))
    exact = chart_line_angle(*NEW_YORK, *BEIJING)
    assert exact == pytest.approx(polyline, rel=1e-9)
    assert round(exact * EARTH_RADIUS_KM, -1) == 14380
    assert exact > great_circle_angle(*NEW_YORK, *BEIJING)


def test_chart_line_goes_the_short_way_round():
    assert short_dlon(-74.006, 116.4074) == pytest.approx(-169.5866)
    assert short_dlon(170.0, -170.0) == pytest.approx(20.0)


def test_relaxed_path_approaches_the_geodesic_from_above():
    la, lo = chart_line(*NEW_YORK, *BEIJING, 64)
    p = unit_vector(la, lo)
    geo = great_circle_angle(*NEW_YORK, *BEIJING)
    lengths = [path_angle(p)]
    for _ in range(120):
        p = relax_path(p, 100)
        lengths.append(path_angle(p))
    assert np.allclose(np.linalg.norm(p, axis=1), 1.0)
    assert np.allclose(p[[0, -1]], unit_vector(np.array([NEW_YORK[0], BEIJING[0]]),
                                              np.array([NEW_YORK[1], BEIJING[1]])))
    assert min(lengths) >= geo * (1 - 1e-12)
    assert lengths[-1] == pytest.approx(geo, rel=1e-5)
    # the relaxed points sit on the great circle and are evenly spaced (constant speed)
    gc = great_circle_points(*NEW_YORK, *BEIJING, 64)
    assert np.max(angle_between(p, gc)) < 1e-3
    gaps = angle_between(p[:-1], p[1:])
    assert gaps.max() / gaps.min() < 1.01


def test_vertex_latitude_against_the_arc_and_clairaut():
    gc = great_circle_points(*NEW_YORK, *BEIJING, 20001)
    assert vertex_latitude(*NEW_YORK, *BEIJING) == pytest.approx(lat_lon(gc)[0].max(), abs=1e-6)
    run = shoot(0.0, 0.0, 30.0, 2 * math.pi, 4000)
    assert run["lat"].max() == pytest.approx(60.0, abs=1e-4)           # arccos(sin 30°)
    assert vertex_latitude(0.0, 0.0, *destination(0.0, 0.0, 30.0, 1.0)) == pytest.approx(60.0, abs=1e-9)


@pytest.mark.parametrize("heading", [10.0, 45.0, 100.0, 200.0, 300.0])
def test_geodesic_equation_by_rk4_follows_the_great_circle(heading):
    lat, lon = NEW_YORK
    run = shoot(lat, lon, heading, 3.0, 3000)
    assert not bool(run["stopped"])
    s = np.linspace(0.0, 3.0, 3001)
    la, lo = destination(lat, lon, heading, s)
    got = unit_vector(run["lat"], run["lon"])
    assert np.max(angle_between(got, unit_vector(la, lo))) < 1e-9
    assert np.ptp(run["clairaut"]) < 1e-10 and np.ptp(run["speed"]) < 1e-10
    assert run["clairaut"][0] == pytest.approx(math.cos(math.radians(lat)) * math.sin(math.radians(heading)))


def test_shooting_at_a_pole_stops_where_the_chart_fails():
    run = shoot(40.0, 0.0, 0.0, 3.0, 3000)
    assert bool(run["stopped"]) and run["lat"][-1] > 89.9


@pytest.mark.parametrize("lat", [0.0, 35.0, 60.0, 80.0])
def test_tissot_ellipse_is_the_limit_of_small_geodesic_circles(lat):
    """True points at arc distance r in every direction, drawn in the chart, approach the
    metric's ellipse with error O(r²)."""
    headings = np.linspace(0.0, 360.0, 73)
    errors = []
    for r in (1.0, 0.5, 0.25):
        pts = np.array([destination(lat, 20.0, h, math.radians(r)) for h in headings])
        t = np.radians(headings)
        ell_lat = lat + r * np.cos(t)
        ell_lon = 20.0 + r * np.sin(t) / math.cos(math.radians(lat))
        errors.append(max(np.max(np.abs(pts[:, 0] - ell_lat)), np.max(np.abs(pts[:, 1] - ell_lon))) / r)
    assert errors[2] < errors[1] < errors[0]
    assert errors[1] / errors[2] > 1.8             # error / r shrinks at least like r
    la, lo = tissot(lat, 20.0, 0.5, 9)
    assert (np.ptp(la) / 2, np.ptp(lo) / 2) == pytest.approx(tissot_axes(lat, 0.5), rel=1e-12)
    assert tissot_axes(lat)[1] / tissot_axes(lat)[0] == pytest.approx(1 / math.cos(math.radians(lat)))


def test_nll_gradient_and_minimum():
    m, v = 1.0, 2.0
    h = 1e-6
    for mu, s in [(-2.0, 0.5), (0.3, 1.7), (3.0, 4.0)]:
        fd = [(gaussian_nll(mu + h, s, m, v) - gaussian_nll(mu - h, s, m, v)) / (2 * h),
              (gaussian_nll(mu, s + h, m, v) - gaussian_nll(mu, s - h, m, v)) / (2 * h)]
        assert gaussian_nll_grad(mu, s, m, v) == pytest.approx(fd, rel=1e-6)
    assert gaussian_nll_grad(m, math.sqrt(v), m, v) == pytest.approx([0.0, 0.0], abs=1e-15)


@pytest.mark.parametrize("mu, sigma", [(0.0, 1.0), (-1.0, 0.4), (2.0, 3.0)])
def test_fisher_metric_is_the_covariance_of_the_score(mu, sigma):
    x = np.random.default_rng(2).normal(mu, sigma, 400_000)
    score = np.stack([(x - mu) / sigma**2, -1 / sigma + (x - mu) ** 2 / sigma**3])
    f = score @ score.T / x.size
    exact = fisher(sigma)
    se = np.sqrt(np.var(score[:, None, :] * score[None, :, :], axis=-1) / x.size)
    assert np.all(np.abs(f - exact) < 5 * se)


def test_natural_gradient_is_chart_independent_and_herons_method():
    m, v = 1.0, 1.0
    for mu, s in [(-2.0, 0.5), (0.7, 2.5)]:
        ng = natural_gradient(mu, s, m, v)
        d_mu, d_rho = natural_gradient_log_chart(mu, s, m, v)
        assert [d_mu, s * d_rho] == pytest.approx(ng, rel=1e-12)          # dσ = σ dρ
        S = (m - mu) ** 2 + v
        assert s - ng[1] == pytest.approx((s + S / s) / 2, rel=1e-12)     # Heron's step
    paths = descent_paths(-2.0, 0.5, 1.0, 2.0, 1.0, 8)
    nat = paths["natural"]
    assert nat[1, 0] == pytest.approx(1.0)                                # μ in one step
    err = np.abs(nat[2:, 1] - math.sqrt(2.0))
    assert err[-1] < 1e-13 and err[2] < err[1] ** 2                        # quadratic in σ


def test_descent_paths_reach_the_fit_or_stop_when_sigma_leaves():
    paths = descent_paths(-2.0, 0.5, 1.0, 1.0, 0.1, 400)
    for name in ("gd_log", "natural"):
        assert paths[name][-1] == pytest.approx([1.0, 1.0], abs=1e-4)
    assert np.all(paths["gd"][1:, 1][np.isfinite(paths["gd"][1:, 1])] > 0)
    wild = descent_paths(1.0, 3.0, 1.0, 1.0, 20.0, 5)["gd"]               # σ < 0 after one step
    assert np.isnan(wild[1:]).all()


def test_fisher_ellipse_has_unit_metric_length():
    mu, s = 0.5, 1.5
    x, y = fisher_ellipse(mu, s, 0.2)
    d = np.stack([x - mu, y - s])
    assert np.allclose(np.einsum("in,ij,jn->n", d, fisher(s), d), 0.04)


def test_spiral_arc_length_and_spacing():
    assert spiral_arc_length(3.0) - spiral_arc_length(1.0) == pytest.approx(
        integrate(lambda t: np.sqrt(1 + t * t), 1.0, 3.0).value, rel=1e-13)
    xy, t, s = spiral(300, 0.0, np.random.default_rng(0))
    assert (t[0], t[-1]) == pytest.approx((math.pi, 4 * math.pi))
    chord = np.linalg.norm(np.diff(xy, axis=0), axis=1)
    assert np.allclose(chord, s[1] - s[0], rtol=1e-3)


def test_dijkstra_matches_floyd_warshall():
    rng = np.random.default_rng(4)
    xy = rng.random((60, 2))
    adj = knn_graph(xy, 4)
    w = np.full((60, 60), np.inf)
    np.fill_diagonal(w, 0.0)
    for i, row in enumerate(adj):
        for j, d in row.items():
            w[i, j] = d
    for k in range(60):
        w = np.minimum(w, w[:, k:k + 1] + w[k:k + 1, :])
    assert np.allclose(graph_distances(adj), w)
    assert np.allclose(dijkstra(adj, 7), w[7])


def test_knn_graph_is_symmetric_with_at_least_k_neighbours():
    adj = knn_graph(np.random.default_rng(1).random((40, 2)), 3)
    assert all(len(row) >= 3 for row in adj)
    assert all(adj[j][i] == d for i, row in enumerate(adj) for j, d in row.items())


def test_mds_recovers_points_on_a_line():
    x = np.sort(np.random.default_rng(3).random(30)) * 10
    e = classical_mds(np.abs(x[:, None] - x[None, :]))[:, 0]
    e = e * np.sign(pearson(e, x))
    assert np.allclose(e, x - x.mean(), atol=1e-9)


def test_isomap_unrolls_the_spiral_unless_edges_short_circuit():
    xy, t, s = spiral(300, 0.0, np.random.default_rng(0))
    good = knn_graph(xy, 6)
    dist = graph_distances(good)
    assert dist[0, -1] == pytest.approx(s[-1], rel=1e-3) and dist[0, -1] <= s[-1]
    e = classical_mds(dist)[:, 0]
    assert abs(pearson(e, s)) > 0.9999 and abs(spearman(e, s)) == pytest.approx(1.0)
    assert shortcut_edges(good, t) == 0
    bad = knn_graph(xy, 60)
    assert shortcut_edges(bad, t) > 0
    assert graph_distances(bad)[0, -1] < 0.5 * s[-1]
    assert abs(spearman(classical_mds(graph_distances(bad))[:, 0], s)) < 0.9


def test_spearman_sees_only_order():
    a = np.random.default_rng(5).random(50)
    assert spearman(a, np.exp(5 * a)) == pytest.approx(1.0) and pearson(a, np.exp(5 * a)) < 0.99


def test_largest_component():
    adj = [{1: 1.0}, {0: 1.0}, {3: 1.0}, {2: 1.0, 4: 1.0}, {3: 1.0}]
    assert largest_component(adj).tolist() == [2, 3, 4]


def test_shortest_path_has_the_dijkstra_length():
    xy = np.random.default_rng(8).random((50, 2))
    adj = knn_graph(xy, 4)
    dist = dijkstra(adj, 3)
    target = int(np.argmax(np.where(np.isfinite(dist), dist, -1)))
    path = shortest_path(adj, 3, target)
    assert path[0] == 3 and path[-1] == target
    assert sum(adj[a][b] for a, b in zip(path, path[1:])) == pytest.approx(dist[target])
    assert shortest_path([{1: 1.0}, {0: 1.0}, {}], 0, 2) == []


def test_natural_paths_agree_across_charts_where_plain_ones_do_not():
    gaps = {}
    for lr in (0.04, 0.02):
        p = descent_paths(-2.0, 0.5, 1.0, 1.0, lr, int(round(2.0 / lr)))   # the same flow time
        gaps[lr] = (np.max(np.linalg.norm(p["natural"] - p["natural_log"], axis=1)),
                    np.max(np.linalg.norm(p["gd"] - p["gd_log"], axis=1)))
    assert gaps[0.02][0] < 0.6 * gaps[0.04][0]            # shrinks with lr: same limiting flow
    assert gaps[0.02][1] > 0.3 and gaps[0.02][1] > 20 * gaps[0.02][0]


def test_antipodal_places_get_one_of_their_many_geodesics():
    for a in ((0.0, 0.0), (30.0, 10.0), (90.0, 0.0)):
        b = (-a[0], a[1] + 180.0)
        p = great_circle_points(*a, *b, 101)
        assert np.allclose(np.linalg.norm(p, axis=1), 1.0)
        assert np.allclose(p[[0, -1]], unit_vector(np.array([a[0], b[0]]), np.array([a[1], b[1]])))
        assert path_angle(p) == pytest.approx(math.pi, rel=1e-9)
        assert math.isnan(vertex_latitude(*a, *b))
