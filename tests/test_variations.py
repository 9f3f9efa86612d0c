"""The brachistochrone against closed forms, second methods and the Euler–Lagrange equation."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calcterm.compute.integrals import integrate
from calcterm.compute.variations import (
    arrival_table, beltrami, circle, circle_centre, cycloid, cycloid_curve, cycloid_depth_at,
    cycloid_theta, descent_time, euler_lagrange_residual, first_variation, line,
    line_depths, line_variation_slope, perturbed, polygon_gradient, polygon_step, polygon_time,
    position_at, power_curve, variation_slope,
)

G = 9.81


@pytest.mark.parametrize("ratio", [0.05, 0.5, 1.0, math.pi / 2, 3.0, 20.0])
def test_cycloid_end_angle_solves_its_equation(ratio):
    th = cycloid_theta(ratio)
    assert 0 < th < 2 * math.pi
    assert (th - math.sin(th)) / (1 - math.cos(th)) == pytest.approx(ratio, rel=1e-12)


def test_cycloid_through_the_bottom_point_has_the_textbook_time():
    """X = πa, Y = 2a: θ_B = π and T = π√(a/g)."""
    a = 0.7
    c = cycloid(math.pi * a, 2 * a, G)
    assert c.theta_b == pytest.approx(math.pi, abs=1e-12)
    assert c.a == pytest.approx(a, rel=1e-12)
    assert c.time == pytest.approx(math.pi * math.sqrt(a / G), rel=1e-12)
    assert cycloid(3.0, 1.0, G).dips_below_b and not cycloid(1.0, 1.0, G).dips_below_b


@pytest.mark.parametrize("X, Y, g", [(1, 1, 9.81), (2.5, 0.4, 9.81), (0.3, 2.0, 1.6), (5, 5, 30)])
def test_cycloid_passes_through_b(X, Y, g):
    x, y = cycloid_curve(X, Y).points(3)
    assert (x[-1], y[-1]) == pytest.approx((X, Y), rel=1e-12)


@pytest.mark.parametrize("X, Y", [(1, 1), (2.5, 0.4), (0.3, 2.0), (4.0, 1.0)])
def test_line_time_by_integration_matches_uniform_acceleration(X, Y):
    """On the incline a = gY/L from rest, so L = ½aT²."""
    length = math.hypot(X, Y)
    assert descent_time(line(X, Y), G) == pytest.approx(length * math.sqrt(2 / (G * Y)), rel=1e-11)


def test_galileo_circle_time_by_integration_matches_the_beta_function():
    """X = Y: the quarter circle, T = √(c/2g)·∫₀^{π/2} dφ/√sin φ = √(c/2g)·Γ(¼)Γ(½)/(2Γ(¾))."""
    for Y in (0.5, 1.0, 3.0):
        c = circle_centre(Y, Y)
        exact = math.sqrt(c / (2 * G)) * math.gamma(0.25) * math.gamma(0.5) / (2 * math.gamma(0.75))
        assert descent_time(circle(Y, Y), G) == pytest.approx(exact, rel=1e-11)


@pytest.mark.parametrize("X, Y", [(1, 1), (2.5, 0.4), (0.3, 2.0), (5.0, 0.2)])
def test_circle_ends_at_b_and_starts_vertically(X, Y):
    x, y, dx, dy = circle(X, Y).at(np.array([1e-4, 1.0]))
    assert (x[1], y[1]) == pytest.approx((X, Y), rel=1e-12)
    assert abs(dx[0]) < 1e-3 * abs(dy[0])


@pytest.mark.parametrize("X, Y", [(1, 1), (2.5, 0.4), (0.3, 2.0), (4.0, 1.0), (5.0, 0.2)])
def test_cycloid_time_by_integration_beats_line_circle_and_power_curves(X, Y):
    c = cycloid(X, Y, G)
    assert descent_time(cycloid_curve(X, Y), G) == pytest.approx(c.time, rel=1e-12)
    others = [line(X, Y), circle(X, Y)] + [power_curve(X, Y, k) for k in (0.2, 0.5, 0.8)]
    for curve in others:
        assert descent_time(curve, G) > c.time * (1 + 1e-6), curve.name


def test_cycloid_time_by_integration_in_x_independently():
    """Integrate dx·√(1+y′²)/√(2gy) over x, with y(x) from inverting x(θ) numerically."""
    X, Y = 1.3, 1.0
    c = cycloid(X, Y, G)

    def f(u: np.ndarray) -> np.ndarray:          # x = X u³ tames the x^(-1/3) start
        x = X * u**3
        th = _theta_of_x(x, c.a, c.theta_b)
        dydx = np.sin(th) / (1 - np.cos(th))
        y = c.a * (1 - np.cos(th))
        return np.sqrt(1 + dydx**2) / np.sqrt(2 * G * y) * 3 * X * u**2

    assert integrate(f, 0.0, 1.0, tol=1e-10).value == pytest.approx(c.time, rel=1e-8)


def _theta_of_x(x: np.ndarray, a: float, theta_b: float) -> np.ndarray:
    """Newton on a(θ − sin θ) = x, started from the small-θ inverse (6x/a)^(1/3)."""
    th = np.minimum(np.cbrt(6 * x / a), theta_b)
    for _ in range(60):
        th = th - (a * (th - np.sin(th)) - x) / (a * (1 - np.cos(th)) + 1e-300)
    return th


def test_euler_lagrange_residual_vanishes_on_the_cycloid_only():
    X, Y = 1.0, 1.0
    c = cycloid(X, Y, G)
    x = np.linspace(0.05, X, 2001)
    y = cycloid_depth_at(x, X, Y)
    cyc = euler_lagrange_residual(x, y)[5:-5]
    assert np.max(np.abs(cyc)) < 1e-3
    assert np.allclose(beltrami(x, y)[5:-5], 2 * c.a, rtol=1e-3)
    line_res = euler_lagrange_residual(x, Y * x / X)[5:-5]
    assert np.allclose(line_res, 1.0, atol=1e-9)     # y″ = 0: the residual is exactly 1
    cx, cy = circle(X, Y).points(2001)
    keep = cx > 0.05
    assert np.median(np.abs(euler_lagrange_residual(cx[keep], cy[keep]))) > 0.1


def test_first_variation_slope_is_zero_at_the_cycloid_and_not_at_the_line():
    X, Y = 1.0, 1.0
    along_line = variation_slope(line(X, Y), X, G)
    assert along_line == pytest.approx(line_variation_slope(X, Y, G), rel=1e-6)
    assert abs(along_line) > 0.1
    assert abs(variation_slope(cycloid_curve(X, Y), X, G)) < 1e-7


def test_first_variation_around_the_cycloid_is_a_parabola_above_zero():
    X, Y = 1.5, 1.0
    eps = np.linspace(-0.2, 0.2, 9)
    dt = first_variation(cycloid_curve(X, Y), X, G, eps)
    assert np.all(dt[eps != 0] > 0) and dt[4] == 0.0
    small = np.array([-0.04, -0.02, 0.02, 0.04])
    d = first_variation(cycloid_curve(X, Y), X, G, small)
    odd = (d[3] - d[0]) / 0.08, (d[2] - d[1]) / 0.04     # (ΔT(ε) − ΔT(−ε))/2ε = O(ε²)
    even = (d[3] + d[0]) / (2 * 0.04**2), (d[2] + d[1]) / (2 * 0.02**2)
    assert odd[1] == pytest.approx(odd[0] / 4, rel=0.05) and abs(odd[0]) < 1e-3 * even[0]
    assert even[1] == pytest.approx(even[0], rel=0.05) and even[0] > 0.01


def test_perturbation_keeps_the_ends():
    p = perturbed(line(2.0, 1.0), 0.3, 2.0)
    x, y = p.points(5)
    assert (x[0], y[0], x[-1], y[-1]) == pytest.approx((0, 0, 2.0, 1.0), abs=1e-12)


def test_bead_positions_follow_the_arrival_table():
    X, Y = 1.0, 1.0
    c = cycloid(X, Y, G)
    cyc = cycloid_curve(X, Y)
    table = arrival_table(cyc, G)
    assert table[1][-1] == pytest.approx(c.time, rel=1e-12)
    # on the cycloid θ grows linearly in time: θ = t√(g/a)
    t = 0.37 * c.time
    th = t * math.sqrt(G / c.a)
    assert position_at(cyc, table, t) == pytest.approx((c.a * (th - math.sin(th)),
                                                         c.a * (1 - math.cos(th))), abs=1e-9)
    lin = line(X, Y)
    lt = arrival_table(lin, G)
    length = math.hypot(X, Y)
    s = 0.5 * G * Y / length * t**2                       # uniform acceleration along the incline
    assert position_at(lin, lt, t) == pytest.approx((s * X / length, s * Y / length), abs=1e-9)
    assert position_at(lin, lt, 10.0) == pytest.approx((X, Y))


def test_polygon_time_of_the_line_is_the_line_time_and_gradient_matches_differences():
    X, Y = 1.2, 0.9
    assert polygon_time(line_depths(Y, 7), X, G) == pytest.approx(
        math.hypot(X, Y) * math.sqrt(2 / (G * Y)), rel=1e-13)
    rng = np.random.default_rng(3)
    d = line_depths(Y, 9) * (1 + 0.3 * rng.random(10))
    d[-1] = Y
    grad = polygon_gradient(d, X, G)
    h = 1e-6
    for i in range(1, 9):
        e = np.zeros_like(d)
        e[i] = h
        fd = (polygon_time(d + e, X, G) - polygon_time(d - e, X, G)) / (2 * h)
        assert grad[i - 1] == pytest.approx(fd, rel=1e-6)


def test_polygon_descends_monotonically_towards_the_cycloid():
    X, Y = 1.0, 1.0
    c = cycloid(X, Y, G)
    best = []
    for n in (4, 8, 16):
        d = line_depths(Y, n)
        times = [polygon_time(d, X, G)]
        for _ in range(3000):
            d = polygon_step(d, X, G, 0.01)
            times.append(polygon_time(d, X, G))
        assert np.all(np.diff(times) <= 0)
        assert times[-1] > c.time                       # a polygon is a curve: never faster
        best.append(times[-1] - c.time)
        xs = np.linspace(0, X, n + 1)
        assert np.max(np.abs(d - cycloid_depth_at(xs, X, Y))) < 0.1 * Y
    assert best[0] > best[1] > best[2] and best[2] < 0.005 * c.time


def test_a_path_that_rises_to_the_start_level_takes_forever():
    assert descent_time(perturbed(line(1.0, 0.1), -0.2, 1.0), G) == math.inf
    assert np.isinf(first_variation(line(1.0, 0.1), 1.0, G, np.array([-0.2]))[0])
