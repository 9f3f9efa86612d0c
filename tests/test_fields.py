"""Directional derivatives against finite differences, the cosine law, and where it fails."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calcterm.compute.expr import parse
from calcterm.compute.fields import (
    cosine_law, curvature_along, gradient_angle, ray_limit, slopes, taylor_directional, unit,
)

XY = ("x", "y")
THETA = np.arange(-175.0, 181.0, 5.0)
SMOOTH = [
    ("x^2+3*y^2", 1.0, 1.0, lambda x, y: (2 * x, 6 * y)),
    ("x^2-y^2", -0.4, 1.3, lambda x, y: (2 * x, -2 * y)),
    ("sin(x)*cos(y)", 0.7, -2.0, lambda x, y: (math.cos(x) * math.cos(y), -math.sin(x) * math.sin(y))),
    ("sqrt(x^2+y^2)", 1.0, 2.0, lambda x, y: (x / math.hypot(x, y), y / math.hypot(x, y))),
    ("exp(x*y)-y^3", 0.5, -0.3, lambda x, y: (y * math.exp(x * y), x * math.exp(x * y) - 3 * y**2)),
]


def _finite_difference(text, x0, y0, theta, h=1e-5):
    """Central difference of g(t) = f(p + t u): an independent slope along u."""
    expr = parse(text, XY)
    ux, uy = unit(theta)
    plus = expr.evaluate(x=x0 + h * ux, y=y0 + h * uy)
    minus = expr.evaluate(x=x0 - h * ux, y=y0 - h * uy)
    return (plus - minus) / (2 * h)


@pytest.mark.parametrize("text, x0, y0, grad", SMOOTH)
def test_directional_derivative_is_grad_dot_u_and_matches_finite_differences(text, x0, y0, grad):
    s = slopes(parse(text, XY), x0, y0, THETA)
    assert s.differentiable
    np.testing.assert_allclose(s.grad, grad(x0, y0), rtol=1e-13, atol=1e-14)
    np.testing.assert_allclose(s.directional, cosine_law(np.array(grad(x0, y0)), THETA), atol=1e-12)
    np.testing.assert_allclose(s.directional, _finite_difference(text, x0, y0, THETA), atol=1e-8)


@pytest.mark.parametrize("text, x0, y0, grad", SMOOTH)
def test_steepest_ascent_is_along_the_gradient_and_zero_along_the_level_set(text, x0, y0, grad):
    g = np.array(grad(x0, y0))
    angle = gradient_angle(g)
    expr = parse(text, XY)
    fine = np.linspace(-180, 180, 3601)
    d = taylor_directional(expr, x0, y0, fine)
    assert d.max() == pytest.approx(np.hypot(*g), rel=1e-6)
    assert fine[d.argmax()] == pytest.approx(angle, abs=0.1) or abs(abs(angle) - 180) < 0.1
    level = taylor_directional(expr, x0, y0, np.array([angle + 90, angle - 90]))
    np.testing.assert_allclose(level, 0.0, atol=1e-12)


def test_gradient_angle_conventions():
    assert gradient_angle(np.array([-1.0, 0.0])) == 180.0
    assert gradient_angle(np.array([0.0, -2.0])) == -90.0
    assert math.isnan(gradient_angle(np.array([0.0, 0.0])))
    assert math.isnan(gradient_angle(np.array([math.nan, 1.0])))


def test_curvature_along_u_is_u_hessian_u():
    expr = parse("x^2+3*y^2+x*y", XY)
    ux, uy = unit(THETA)
    np.testing.assert_allclose(curvature_along(expr, 0.3, -1.0, THETA),
                               2 * ux**2 + 6 * uy**2 + 2 * ux * uy, atol=1e-12)


def test_ray_limit_agrees_with_taylor_mode_where_f_is_smooth():
    expr = parse("sin(x)*cos(y)+x^3*y", XY)
    value, slope = ray_limit(expr, 0.8, 0.2, THETA)
    np.testing.assert_allclose(slope, taylor_directional(expr, 0.8, 0.2, THETA), atol=1e-9)
    np.testing.assert_allclose(value, math.sin(0.8) * math.cos(0.2) + 0.8**3 * 0.2, atol=1e-12)


def test_the_counterexample_has_every_directional_derivative_but_no_cosine_law():
    """f = x²y/(x²+y²), f(0) = 0: f(tu) = t cos²θ sinθ, so D_u f = cos²θ sinθ; ∇f(0) = 0."""
    s = slopes(parse("x^2*y/(x^2+y^2)", XY), 0.0, 0.0, THETA)
    rad = np.radians(THETA)
    assert not s.differentiable
    np.testing.assert_allclose(s.grad, [0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(s.directional, np.cos(rad) ** 2 * np.sin(rad), atol=1e-10)
    peak = math.degrees(math.asin(1 / math.sqrt(3)))  # where cos²θ sinθ is largest
    s = slopes(parse("x^2*y/(x^2+y^2)", XY), 0.0, 0.0, np.array([peak]))
    gap = s.directional - cosine_law(s.grad, np.array([peak]))
    assert gap[0] == pytest.approx(2 / (3 * math.sqrt(3)), rel=1e-9)


def test_the_cone_has_slope_one_in_every_direction_and_no_gradient():
    s = slopes(parse("sqrt(x^2+y^2)", XY), 0.0, 0.0, THETA)
    assert not s.differentiable
    np.testing.assert_allclose(s.directional, 1.0, atol=1e-10)
    assert np.all(np.isnan(s.grad)), "slopes +1 along e and +1 along −e do not cancel"


def test_an_infinite_one_sided_slope_is_nan_not_a_number():
    s = slopes(parse("sqrt(abs(x))+y", XY), 0.0, 0.0, np.array([0.0, 45.0, 90.0]))
    assert math.isnan(s.directional[0]) and math.isnan(s.directional[1])
    assert s.directional[2] == pytest.approx(1.0, abs=1e-12)
    assert math.isnan(s.grad[0]) and s.grad[1] == pytest.approx(1.0, abs=1e-12)


def test_unit_vectors_are_exact_on_the_axes():
    ux, uy = unit(np.array([0.0, 90.0, 180.0, -90.0]))
    assert list(ux) == [1.0, 0.0, -1.0, 0.0] and list(uy) == [0.0, 1.0, 0.0, -1.0]
