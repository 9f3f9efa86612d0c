"""Taylor coefficients, polynomials and the radius estimate against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calcterm.compute.expr import parse
from calcterm.compute.taylor import (
    known_radius, radius_estimate, taylor_coefficients, taylor_polynomial,
)

K = np.arange(31)
FACTORIAL = np.array([math.factorial(k) for k in K], dtype=float)


@pytest.mark.parametrize("a", [-2.0, 0.0, 0.7, 3.0])
def test_sin_and_exp_coefficients_match_closed_forms(a):
    sin = taylor_coefficients(parse("sin(x)"), a, 30)
    # scaled by k! so the comparison weighs every order alike
    np.testing.assert_allclose(sin * FACTORIAL, np.sin(a + K * np.pi / 2), rtol=1e-12, atol=1e-12)
    exp = taylor_coefficients(parse("exp(x)"), a, 30)
    np.testing.assert_allclose(exp, math.exp(a) / FACTORIAL, rtol=1e-13)


@pytest.mark.parametrize("a", [-3.0, -0.5, 0.0, 0.5, 0.9])
def test_geometric_series_coefficients(a):
    """1/(1−x) = Σ (x−a)^k / (1−a)^(k+1)."""
    c = taylor_coefficients(parse("1/(1-x)"), a, 30)
    np.testing.assert_allclose(c, (1 - a) ** -(K + 1.0), rtol=1e-12)


def test_log_coefficients():
    """ln(1+x) about a: c_k = (−1)^(k+1) / (k (1+a)^k) for k ≥ 1."""
    a = 0.5
    c = taylor_coefficients(parse("log(1+x)"), a, 25)
    k = np.arange(1, 26)
    np.testing.assert_allclose(c[1:], (-1.0) ** (k + 1) / (k * (1 + a) ** k), rtol=1e-12)
    assert c[0] == pytest.approx(math.log(1.5))


@settings(max_examples=40, deadline=None)
@given(st.lists(st.floats(-5, 5), min_size=1, max_size=12), st.floats(-3, 3), st.floats(-3, 3))
def test_horner_matches_the_power_sum(coefficients, a, x):
    c = np.array(coefficients)
    direct = sum(ck * (x - a) ** k for k, ck in enumerate(c))
    assert taylor_polynomial(c, a, np.array([x]))[0] == pytest.approx(direct, rel=1e-9, abs=1e-9)


def test_polynomial_of_high_order_reproduces_the_function_inside_the_radius():
    c = taylor_coefficients(parse("1/(1+x^2)"), 0.0, 30)
    x = np.linspace(-0.5, 0.5, 11)
    np.testing.assert_allclose(taylor_polynomial(c, 0.0, x), 1 / (1 + x * x), atol=1e-8)
    outside = taylor_polynomial(c, 0.0, np.array([1.5]))[0]
    assert abs(outside - 1 / (1 + 1.5 ** 2)) > 100, "beyond R = 1 the partial sums blow up"


def test_taylor_polynomial_overflows_quietly():
    with np.errstate(all="raise"):
        values = taylor_polynomial(np.full(31, 1e300), 0.0, np.array([1e20]))
    assert not np.isfinite(values[0])


@pytest.mark.parametrize("order", [20, 25, 30])
@pytest.mark.parametrize("a", [-3.0, -2.0, -0.5, 0.0, 0.3, 1.0, 2.5, 3.0])
def test_radius_of_the_rational_preset(order, a):
    estimate = radius_estimate(taylor_coefficients(parse("1/(1+x^2)"), a, order))
    assert estimate.radius == pytest.approx(math.sqrt(1 + a * a), rel=0.10)


@pytest.mark.parametrize("order", [20, 25, 30])
@pytest.mark.parametrize("a", [-0.9, -0.5, 0.0, 1.0, 3.0])
def test_radius_of_the_log_preset(order, a):
    estimate = radius_estimate(taylor_coefficients(parse("log(1+x)"), a, order))
    assert estimate.radius == pytest.approx(1 + a, rel=0.10)


@pytest.mark.parametrize("text, a, radius", [
    ("tan(x)", 0.5, math.pi / 2 - 0.5), ("1/(1-x)^2", -1.0, 2.0), ("sqrt(1+x)", 1.0, 2.0),
    ("sigmoid(x)", 1.0, math.hypot(math.pi, 1.0)), ("1/(x-10)", 0.0, 10.0),
])
def test_radius_of_other_singularities(text, a, radius):
    estimate = radius_estimate(taylor_coefficients(parse(text), a, 30))
    assert estimate.radius == pytest.approx(radius, rel=0.10)


@pytest.mark.parametrize("text", ["sin(x)", "cos(x)", "exp(x)", "cosh(x)", "x^2+sin(5*x)", "exp(-x^2)"])
@pytest.mark.parametrize("a", [0.0, 1.0, math.pi])
def test_entire_functions_have_infinite_radius(text, a):
    estimate = radius_estimate(taylor_coefficients(parse(text), a, 30))
    assert estimate.radius == math.inf and "entire" in estimate.reason


def test_polynomials_and_the_flat_function():
    poly = radius_estimate(taylor_coefficients(parse("x^4-3*x^2+x"), 1.0, 20))
    assert poly.radius == math.inf and "polynomial" in poly.reason
    flat = taylor_coefficients(parse("flat(x)"), 0.0, 30)
    assert not flat.any(), "every derivative of e^(−1/x²) at 0 is 0"
    zero = radius_estimate(flat)
    assert zero.radius == math.inf and "zero series" in zero.reason


def test_radius_cannot_be_read_without_derivatives_or_enough_orders():
    assert math.isnan(radius_estimate(taylor_coefficients(parse("abs(x)"), 0.0, 20)).radius)
    assert "order 1" in radius_estimate(taylor_coefficients(parse("abs(x)"), 0.0, 20)).reason
    assert "not defined" in radius_estimate(taylor_coefficients(parse("log(x)"), -1.0, 20)).reason
    assert math.isnan(radius_estimate(taylor_coefficients(parse("1/(1+x^2)"), 0.0, 5)).radius)


def test_known_radii():
    assert known_radius("1/(1+x^2)", 2.0)[0] == pytest.approx(math.sqrt(5))
    assert known_radius("log(1+x)", 1.0)[0] == 2.0
    assert math.isnan(known_radius("log(1+x)", -2.0)[0])
    assert known_radius("sin(x)", 1.0)[0] == math.inf
    assert known_radius("flat(x)", -0.5)[0] == 0.5
    assert known_radius("x^3", 0.0) is None
