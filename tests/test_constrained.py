"""Lagrange multipliers and KKT against closed forms and finite differences of f*(c)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calcterm.compute import constrained as cs
from calcterm.compute.level_curves import project

CIRCLE = ("(x-cx)^2 + (y-cy)^2", "x^2 + y^2 - c")


def problem(f, g, inequality=False, **consts):
    return cs.Problem.from_text(f, g, inequality, **consts)


def view_for(*points, r=3.0):
    half = max([r] + [1.3 * abs(v) + 0.5 for p in points for v in p])
    return (-half, half, -half, half)


def solved(p, view):
    return cs.solve(p, cs.trace(p, view), view)


@pytest.mark.parametrize("cx, cy, c", [(2, 1, 1), (-3, 0.5, 2.5), (0.2, -4, 0.1), (1, 1, 4)])
def test_circle_closed_form(cx, cy, c):
    """x* = √c·u with u = centre/|centre|; λ* = |centre|/√c − 1; the max sits opposite with λ = −(|centre|/√c + 1)."""
    p = problem(*CIRCLE, cx=cx, cy=cy, c=c)
    view = view_for((cx, cy))
    sol = solved(p, view)
    d, r = math.hypot(cx, cy), math.sqrt(c)
    u = np.array([cx, cy]) / d
    best = sol.best
    np.testing.assert_allclose(best.point, r * u, atol=1e-12)
    assert best.f == pytest.approx((d - r) ** 2, rel=1e-12)
    assert best.lam == pytest.approx(d / r - 1, rel=1e-12)
    assert best.kind == "min" and sol.bounded
    top = [k for k in sol.critical if k.kind == "max"]
    assert len(top) == 1 and len(sol.critical) == 2
    np.testing.assert_allclose(top[0].point, -r * u, atol=1e-12)
    assert top[0].lam == pytest.approx(-(d / r + 1), rel=1e-12)
    assert abs(best.g) < 1e-13 and abs(top[0].g) < 1e-13


def test_default_multiplier_is_sqrt5_minus_1():
    p = problem(*CIRCLE, cx=2, cy=1, c=1)
    assert solved(p, view_for((2, 1))).best.lam == pytest.approx(math.sqrt(5) - 1, rel=1e-14)


@pytest.mark.parametrize("f, g, consts, lam", [
    (*CIRCLE, dict(cx=2, cy=1, c=1), math.sqrt(5) - 1),
    (*CIRCLE, dict(cx=-1, cy=2.5, c=2.0), math.hypot(1, 2.5) / math.sqrt(2) - 1),
    ("x^2 + y^2", "x + y - c", dict(c=1.0), -1.0),
    ("x^2 + y^2", "x + y - c", dict(c=2.5), -2.5),
    ("x*y", "x^2/4 + y^2 - c", dict(c=1.0), 1.0),
    ("x*y", "x^2/4 + y^2 - c", dict(c=3.0), 1.0),
])
def test_multiplier_is_minus_the_derivative_of_the_optimal_value(f, g, consts, lam):
    """λ* = −df*/dc, with f*(c ± δ) from two independent solves (trace, brackets, Newton)."""
    p = problem(f, g, **consts)
    view = view_for((consts.get("cx", 0), consts.get("cy", 0)))
    best = solved(p, view).best
    assert best.lam == pytest.approx(lam, rel=1e-12)
    c, h = consts["c"], 1e-4
    up = solved(p.at(c=c + h), view).best.f
    down = solved(p.at(c=c - h), view).best.f
    assert -(up - down) / (2 * h) == pytest.approx(lam, rel=1e-7)
    assert cs.shadow_price(p, view, best) == pytest.approx(lam, rel=1e-7)


def test_line_and_ellipse_closed_forms():
    line = solved(problem("x^2 + y^2", "x + y - c", c=3.0), view_for())
    np.testing.assert_allclose(line.best.point, [1.5, 1.5], atol=1e-13)
    assert line.best.f == pytest.approx(4.5)
    ell = solved(problem("x*y", "x^2/4 + y^2 - c", c=2.0), view_for())
    mins = sorted((k.x, k.y) for k in ell.critical if k.kind == "min")
    maxs = sorted((k.x, k.y) for k in ell.critical if k.kind == "max")
    a, b = math.sqrt(2 * 2.0), math.sqrt(2.0 / 2)
    np.testing.assert_allclose(mins, [(-a, b), (a, -b)], atol=1e-12)
    np.testing.assert_allclose(maxs, [(-a, -b), (a, b)], atol=1e-12)
    assert ell.best.f == pytest.approx(-2.0) and ell.best.lam == pytest.approx(1.0)
    assert all(k.lam == pytest.approx(-1.0) for k in ell.critical if k.kind == "max")


@pytest.mark.parametrize("t", np.linspace(0.0, 1.0, 21))
def test_kkt_switches_as_the_centre_crosses_the_boundary(t):
    """g ≤ 0 on the disc of radius √c: inside, x* = centre and λ = 0; outside, λ = |centre|/√c − 1 > 0."""
    cx, cy, c = 2.0, 1.0, 1.5
    centre = np.array([-2 * cx, -2 * cy]) + t * np.array([4 * cx, 4 * cy])
    p = problem(*CIRCLE, inequality=True, cx=centre[0], cy=centre[1], c=c)
    view = view_for((2 * cx, 2 * cy))
    best = solved(p, view).best
    table = cs.kkt(p, best)
    d, r = float(np.hypot(*centre)), math.sqrt(c)
    if d < r - 1e-9:
        np.testing.assert_allclose(best.point, centre, atol=1e-12)
        assert best.lam == 0.0 and best.kind == "interior-min" and not table.active
        assert best.g == pytest.approx(d * d - c)
        assert cs.shadow_price(p, view, best) == pytest.approx(0.0, abs=1e-9)
    elif d > r + 1e-9:
        np.testing.assert_allclose(best.point, r * centre / d, atol=1e-12)
        assert best.lam == pytest.approx(d / r - 1, rel=1e-10, abs=1e-12) and best.lam > 0
        assert table.active
    assert table.dual >= 0 and table.primal <= 1e-12
    assert abs(table.complementary) < 1e-12 and table.stationarity < 1e-12


def test_equality_multiplier_goes_negative_inside():
    """With g = 0 the circle is forced: a centre inside pushes outwards, λ < 0 (either sign is allowed)."""
    p = problem(*CIRCLE, cx=0.3, cy=0.2, c=1.0)
    best = solved(p, view_for()).best
    assert best.lam == pytest.approx(math.hypot(0.3, 0.2) - 1)


def test_cusp_has_a_minimum_without_a_multiplier():
    """min x s.t. y² = x³: the minimum is the cusp (0, 0), where ∇g = 0, so no λ exists (LICQ fails)."""
    p = problem("x", "y^2 - x^3 + 1 - c", c=1.0)
    view = view_for()
    sol = solved(p, view)
    assert [k.kind for k in sol.critical] == ["singular"]
    best = sol.best
    np.testing.assert_allclose(best.point, [0, 0], atol=1e-9)
    assert math.isnan(best.lam)
    assert not cs.kkt(p, best).licq
    # no λ balances ∇f = (1, 0) against ∇g = (0, 0); f*(c) = ∛(1 − c) has an infinite slope at c = 1
    for h in (1e-3, 1e-4):
        assert cs.shadow_price(p, view, best, h) == pytest.approx(h ** (-2 / 3), rel=1e-6)


def test_cusp_level_shifted_is_regular_again():
    """y² = x³ + (c − 1) with c < 1: the minimum (∛(1−c), 0) has ∇g ≠ 0 and λ = 1/(3x²)."""
    c = 0.5
    p = problem("x", "y^2 - x^3 + 1 - c", c=c)
    best = solved(p, view_for()).best
    x0 = (1 - c) ** (1 / 3)
    np.testing.assert_allclose(best.point, [x0, 0.0], atol=1e-12)
    assert best.lam == pytest.approx(1 / (3 * x0 * x0), rel=1e-12)
    assert cs.kkt(p, best).licq


def test_lagrangian_hessian_is_a_saddle():
    """For the circle: eigenvalues 2(1+λ) and (1+λ) ± √((1+λ)² + 4c) — one is negative."""
    c = 1.0
    p = problem(*CIRCLE, cx=2, cy=1, c=c)
    best = solved(p, view_for()).best
    eig = np.linalg.eigvalsh(cs.lagrangian_hessian(p, best.x, best.y, best.lam))
    a = 1 + best.lam
    np.testing.assert_allclose(eig, sorted([2 * a, a - math.sqrt(a * a + 4 * c), a + math.sqrt(a * a + 4 * c)]),
                               rtol=1e-12)
    assert eig.min() < 0 < eig.max()


def test_multiplier_at_a_point_is_the_least_squares_balance():
    p = problem(*CIRCLE, cx=2, cy=1, c=1)
    x, y = 0.6, 0.8
    lam = float(cs.multiplier(p, np.array(x), np.array(y)))
    fx, fy = 2 * (x - 2), 2 * (y - 1)
    gx, gy = 2 * x, 2 * y

    def residual(m):
        return math.hypot(fx + m * gx, fy + m * gy)

    assert residual(lam) < residual(lam + 1e-3) and residual(lam) < residual(lam - 1e-3)
    assert lam == pytest.approx(-(fx * gx + fy * gy) / (gx * gx + gy * gy))


def test_trace_of_the_circle():
    p = problem(*CIRCLE, cx=2, cy=1, c=2.0)
    curve = cs.trace(p, (-3, 3, -3, 3))
    r = math.sqrt(2.0)
    assert curve.closed == [True]
    np.testing.assert_allclose(np.hypot(*curve.points.T), r, atol=1e-14)  # projected onto g = 0
    np.testing.assert_allclose(curve.points[0], [r, 0], atol=2e-2)
    np.testing.assert_allclose(curve.at(0.25), [0, r], atol=2e-2)  # anticlockwise
    np.testing.assert_allclose(curve.at(0.5), [-r, 0], atol=2e-2)
    np.testing.assert_allclose(curve.at(1.0), curve.at(0.0))
    assert curve.s[0] == 0 and curve.s[-1] == 1 and np.all(np.diff(curve.s) >= 0)


def test_two_components_and_an_open_line():
    p = problem("(x-cx)^2 + (y-cy)^2", "x^2 - 1", cx=2, cy=0.5)
    sol = solved(p, (-3, 3, -3, 3))
    curve = cs.trace(p, (-3, 3, -3, 3))
    assert curve.closed == [False, False] and set(curve.piece) == {0, 1}
    np.testing.assert_allclose(sol.best.point, [1.0, 0.5], atol=1e-12)
    assert sol.best.lam == pytest.approx(1.0)
    assert sorted(round(k.x, 9) for k in sol.critical) == [-1.0, 1.0]
    line = cs.trace(problem("x", "x + y - c", c=1.0), (-3, 3, -3, 3))
    assert line.closed == [False] and line.points[0, 0] < line.points[-1, 0]


def test_unbounded_objective_is_reported():
    p = problem("x", "x + y - c", c=1.0)
    sol = solved(p, (-3, 3, -3, 3))
    assert sol.best is None and not sol.bounded
    p = problem("x^3", "x - y", c=1.0)  # stationary but not minimal at 0: f falls off to the left
    sol = solved(p, (-3, 3, -3, 3))
    assert sol.best is not None and sol.best.kind == "degenerate" and not sol.bounded


def test_uses():
    assert cs.uses("(x-cx)^2", "cx") and not cs.uses("(x-cx)^2", "cy")
    assert not cs.uses("x + y - 1", "c") and cs.uses("x + y - c", "c")


def test_projection_lands_on_the_curve_and_leaves_far_or_singular_points():
    p = problem("x", "y^2 - x^3 + 1 - c", c=1.0)
    pts = np.array([[1.02, 0.98], [0.0, 0.0], [1.0, 5.0]])
    q = project(p, pts, reach=0.1)
    g = q[0, 1] ** 2 - q[0, 0] ** 3
    assert abs(g) < 1e-12 and np.hypot(*(q[0] - pts[0])) < 0.1
    np.testing.assert_array_equal(q[1], pts[1])  # ∇g = 0 at the cusp: not moved
    np.testing.assert_array_equal(q[2], pts[2])  # the curve is farther than `reach`


def test_licq_is_only_asked_of_an_active_constraint():
    """Inside the disc the constraint is slack, so ∇g(x*) = 0 at the origin does not matter."""
    p = problem(*CIRCLE, inequality=True, cx=0.0, cy=0.0, c=1.0)
    best = solved(p, view_for()).best
    assert best.kind == "interior-min" and cs.kkt(p, best).licq and not cs.kkt(p, best).active
