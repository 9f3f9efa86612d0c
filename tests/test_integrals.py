"""Riemann, Darboux and Gauss–Kronrod integrals against closed forms; both forms of the FTC."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calcterm.compute.expr import parse
from calcterm.compute.integrals import (
    EXPECTED_ORDER, GAUSS_WEIGHTS, KRONROD_WEIGHTS, NODES, RULES, accumulate, darboux,
    darboux_sums, integrate, observed_order, riemann_sum,
)


def _monomial_integral(k: int) -> float:
    return 2.0 / (k + 1) if k % 2 == 0 else 0.0


def test_kronrod_is_exact_to_degree_22_and_gauss_to_degree_13():
    for k in range(23):
        assert NODES**k @ KRONROD_WEIGHTS == pytest.approx(_monomial_integral(k), abs=1e-15)
    for k in range(14):
        assert NODES**k @ GAUSS_WEIGHTS == pytest.approx(_monomial_integral(k), abs=1e-15)
    assert abs(NODES**14 @ GAUSS_WEIGHTS - 2 / 15) > 1e-6, "G7 is not exact one degree higher"
    assert abs(NODES**24 @ KRONROD_WEIGHTS - 2 / 25) > 1e-9


@pytest.mark.parametrize("f, a, b, exact", [
    (np.sin, 0.0, math.pi, 2.0),
    (np.exp, -1.0, 2.0, math.e**2 - math.exp(-1.0)),
    (lambda x: 1 / (1 + x**2), -5.0, 5.0, 2 * math.atan(5.0)),
    (lambda x: np.abs(x - 1), 0.0, 3.0, 2.5),
    (lambda x: 1 / (2 * np.sqrt(x)), 0.0, 1.0, 1.0),   # improper: unbounded at 0
    (lambda x: np.log(x), 0.0, 1.0, -1.0),               # improper: log singularity
    (np.exp, 2.0, -1.0, math.exp(-1.0) - math.e**2),     # oriented: b < a
])
def test_adaptive_gauss_kronrod_meets_closed_forms(f, a, b, exact):
    q = integrate(f, a, b)
    assert q.converged
    assert q.value == pytest.approx(exact, rel=1e-13, abs=1e-13)
    assert abs(q.value - exact) <= max(q.error, 1e-15) * 10, "the bound is honest"


def test_removable_singularity_on_a_node_is_moved_to_a_piece_boundary():
    """sin(x)/x is nan at 0, the centre node of [−1, 1]; Si(1) from its alternating series."""
    si1 = sum((-1) ** k / ((2 * k + 1) * math.factorial(2 * k + 1)) for k in range(12))
    q = integrate(lambda x: np.sin(x) / x, -1.0, 1.0)
    assert q.converged and q.value == pytest.approx(2 * si1, rel=1e-14)


def test_divergent_integral_is_not_reported_as_converged():
    q = integrate(lambda x: 1 / x**2, -1.0, 1.0)
    assert not q.converged


def test_accumulate_is_one_minus_cosine():
    xs = np.linspace(0.1, 2 * math.pi, 40)
    np.testing.assert_allclose(accumulate(np.sin, 0.0, xs), 1 - np.cos(xs), atol=1e-13)


# ---------------------------------------------------------------- Riemann sums, closed forms


@pytest.mark.parametrize("n", [1, 2, 3, 7, 64, 1000])
def test_left_sum_of_sine_on_zero_pi_is_a_cotangent(n):
    """Σ_{i<n} sin(iπ/n) = cot(π/2n), so L_n = (π/n)·cot(π/2n)."""
    s = riemann_sum(np.sin, 0.0, math.pi, n, "left")
    assert s.total == pytest.approx(math.pi / n / math.tan(math.pi / (2 * n)), rel=1e-12)


@pytest.mark.parametrize("n", [1, 4, 10, 333])
def test_square_on_unit_interval(n):
    f = lambda x: x * x  # noqa: E731
    assert riemann_sum(f, 0, 1, n, "left").total == pytest.approx((n - 1) * n * (2 * n - 1) / (6 * n**3))
    assert riemann_sum(f, 0, 1, n, "right").total == pytest.approx(n * (n + 1) * (2 * n + 1) / (6 * n**3))
    assert riemann_sum(f, 0, 1, n, "midpoint").total == pytest.approx(1 / 3 - 1 / (12 * n**2), rel=1e-13)
    assert riemann_sum(f, 0, 1, n, "trapezoid").total == pytest.approx(1 / 3 + 1 / (6 * n**2), rel=1e-13)


@pytest.mark.parametrize("n", [1, 5, 40])
def test_left_sum_of_exp_is_a_geometric_series(n):
    a, b = -0.5, 1.5
    h = (b - a) / n
    exact = h * math.exp(a) * (math.exp(n * h) - 1) / (math.exp(h) - 1)
    assert riemann_sum(np.exp, a, b, n, "left").total == pytest.approx(exact, rel=1e-13)


def test_midpoint_is_exact_for_lines_and_simpson_for_cubics():
    rng = np.random.default_rng(7)
    for _ in range(20):
        c = rng.normal(size=4)
        a, b = sorted(rng.uniform(-3, 3, size=2))
        n = int(rng.integers(1, 9))
        line = lambda x: c[0] + c[1] * x  # noqa: E731
        cubic = lambda x: c[0] + c[1] * x + c[2] * x**2 + c[3] * x**3  # noqa: E731
        line_integral = c[0] * (b - a) + c[1] * (b**2 - a**2) / 2
        cubic_integral = line_integral + c[2] * (b**3 - a**3) / 3 + c[3] * (b**4 - a**4) / 4
        assert riemann_sum(line, a, b, n, "midpoint").total == pytest.approx(line_integral, abs=1e-12)
        assert riemann_sum(cubic, a, b, n, "simpson").total == pytest.approx(cubic_integral, abs=1e-11)
        assert abs(riemann_sum(cubic, a, b, n, "midpoint").total - cubic_integral) > 1e-6


@pytest.mark.parametrize("n", [1, 3, 8])
def test_simpson_error_for_a_quartic_is_one_over_120_n4(n):
    """Composite Simpson with half-step h/2: S − I = (b − a)(h/2)⁴ f⁗/180 = 1/(120 n⁴) on [0, 1]."""
    s = riemann_sum(lambda x: x**4, 0.0, 1.0, n, "simpson").total
    assert s - 0.2 == pytest.approx(1 / (120 * n**4), rel=1e-9)


def test_simpson_is_trapezoid_and_midpoint_combined():
    for n in (1, 2, 5, 16):
        t = riemann_sum(np.exp, 0, 2, n, "trapezoid").total
        m = riemann_sum(np.exp, 0, 2, n, "midpoint").total
        assert riemann_sum(np.exp, 0, 2, n, "simpson").total == pytest.approx((t + 2 * m) / 3, rel=1e-14)


def test_every_rule_is_dx_times_the_sum_of_heights():
    for rule in RULES:
        s = riemann_sum(np.cos, 0.2, 2.9, 12, rule, np.random.default_rng(1))
        assert s.heights.shape == (12,)
        assert s.total == pytest.approx(s.dx * s.heights.sum(), rel=1e-14)


@pytest.mark.parametrize("rule", ["left", "right", "midpoint", "trapezoid", "simpson"])
def test_observed_orders_match_the_expected_ones(rule):
    exact = math.e - 1
    errors = [riemann_sum(np.exp, 0.0, 1.0, n, rule).total - exact for n in (16, 32)]
    assert observed_order(*errors) == pytest.approx(EXPECTED_ORDER[rule], abs=0.05)


def test_left_sum_of_sine_is_second_order_because_it_equals_the_trapezoid():
    """f(0) = f(π), so L_n = T_n, and T_n − I ≈ −π²/(6n²) by Euler–Maclaurin."""
    for n in (8, 64, 512):
        left = riemann_sum(np.sin, 0.0, math.pi, n, "left").total
        trap = riemann_sum(np.sin, 0.0, math.pi, n, "trapezoid").total
        assert left == pytest.approx(trap, rel=1e-13)
        assert left - 2 == pytest.approx(-math.pi**2 / (6 * n**2), rel=2e-2)
    e = [riemann_sum(np.sin, 0.0, math.pi, n, "left").total - 2 for n in (64, 128)]
    assert observed_order(*e) == pytest.approx(2.0, abs=0.01)


def test_oriented_sum_changes_sign_with_the_interval():
    for rule in ("left", "midpoint", "simpson"):
        forward = riemann_sum(np.exp, 0.0, 1.0, 10, "midpoint").total
        backward = riemann_sum(np.exp, 1.0, 0.0, 10, "midpoint").total
        assert backward == pytest.approx(-forward, rel=1e-14), rule


def test_random_tags_are_unbiased_with_sd_n_to_the_minus_three_halves():
    """For f(x) = x on [0, 1]: E S = 1/2 exactly and Var S = n·Δx²·Δx²/12 = 1/(12 n³)."""
    n, trials = 16, 4000
    rng = np.random.default_rng(2024)
    sums = np.array([riemann_sum(lambda x: x, 0.0, 1.0, n, "random", rng).total for _ in range(trials)])
    sd = 1 / math.sqrt(12 * n**3)
    assert abs(sums.mean() - 0.5) < 4 * sd / math.sqrt(trials)
    assert sums.std(ddof=1) == pytest.approx(sd, rel=0.06)


def test_random_rule_is_reproducible_from_its_generator():
    one = riemann_sum(np.sin, 0, 3, 50, "random", np.random.default_rng(5)).total
    two = riemann_sum(np.sin, 0, 3, 50, "random", np.random.default_rng(5)).total
    assert one == two


# ---------------------------------------------------------------- Darboux


def test_darboux_finds_an_interior_maximum_between_samples():
    upper = riemann_sum(np.sin, 0.0, 3.0, 1, "upper")
    assert upper.total == pytest.approx(3.0, abs=1e-14)
    assert upper.tags[0] == pytest.approx(math.pi / 2, abs=1e-7)
    assert riemann_sum(np.sin, 0.0, 3.0, 1, "lower").total == 0.0


def test_darboux_of_a_monotone_function_is_left_and_right():
    for n in (1, 6, 50):
        assert riemann_sum(np.exp, 0, 1, n, "lower").total == pytest.approx(
            riemann_sum(np.exp, 0, 1, n, "left").total, rel=1e-14)
        assert riemann_sum(np.exp, 0, 1, n, "upper").total == pytest.approx(
            riemann_sum(np.exp, 0, 1, n, "right").total, rel=1e-14)
        gap = riemann_sum(np.exp, 0, 1, n, "upper").total - riemann_sum(np.exp, 0, 1, n, "lower").total
        assert gap == pytest.approx((math.e - 1) / n, rel=1e-12)


def test_every_riemann_sum_lies_between_the_darboux_sums():
    rng = np.random.default_rng(3)
    f = lambda x: np.sin(3 * x) + 0.3 * x**2  # noqa: E731
    for n in (3, 17, 100):
        lo = riemann_sum(f, -2, 2, n, "lower").total
        hi = riemann_sum(f, -2, 2, n, "upper").total
        for rule in ("left", "right", "midpoint", "trapezoid", "simpson", "random"):
            s = riemann_sum(f, -2, 2, n, rule, rng).total
            assert lo - 1e-12 <= s <= hi + 1e-12, rule


def test_both_darboux_sums_at_once_match_the_closed_form_and_each_sum_alone():
    """sin on [0, π] with two slices: inf 0 and sup 1 on each, so L = 0 and U = π exactly."""
    assert darboux_sums(np.sin, 0.0, math.pi, 2) == pytest.approx((0.0, math.pi), abs=1e-15)
    f = lambda x: np.sin(3 * x) + 0.3 * x**2  # noqa: E731
    for a, b, n in ((-2, 2, 17), (2, -2, 17), (0, 1, 1)):
        lower, upper = darboux_sums(f, a, b, n)
        assert lower == riemann_sum(f, a, b, n, "lower").total
        assert upper == riemann_sum(f, a, b, n, "upper").total
    lower, upper = darboux_sums(np.sqrt, -1.0, 1.0, 4)
    assert math.isnan(lower) and math.isnan(upper)  # √x is undefined left of 0
    assert darboux_sums(lambda x: 1 / x, 0.0, 1.0, 4)[1] == math.inf  # unbounded at 0
    with pytest.raises(ValueError, match="at least 1"):
        darboux_sums(np.sin, 0.0, 1.0, 0)


def test_darboux_of_an_unbounded_slice_is_infinite():
    heights, _ = darboux(lambda x: 1 / (2 * np.sqrt(x)), np.linspace(0, 1, 5), "upper")
    assert math.isinf(heights[0]) and np.all(np.isfinite(heights[1:]))


def test_observed_order_is_nan_without_an_error():
    assert math.isnan(observed_order(0.1, 0.0))
    assert observed_order(0.4, 0.1) == pytest.approx(2.0)
    assert observed_order(0.9, 0.1, ratio=3.0) == pytest.approx(2.0)


# ---------------------------------------------------------------- the FTC, both forms


@pytest.mark.parametrize("text, a, b", [
    ("sin(x)", 0.0, math.pi), ("exp(x)", -1.0, 2.0), ("x^3-x", -2.0, 1.5),
    ("1/(1+x^2)", -3.0, 4.0), ("abs(x-1)", 0.0, 3.0), ("sqrt(x)", 0.0, 2.0),
])
def test_integral_of_the_exact_derivative_is_the_change_in_f(text, a, b):
    """FTC part 2, with f′ from Taylor mode (exact up to rounding). √x: f′ is unbounded at 0
    but improperly integrable; |x − 1|: f′ jumps at 1 but is Riemann integrable."""
    expr = parse(text)
    q = integrate(lambda x: expr.derivative(1, x=x), a, b)
    change = float(expr.evaluate(x=b) - expr.evaluate(x=a))
    assert q.value == pytest.approx(change, rel=1e-12, abs=1e-12)


def test_the_accumulated_integral_has_slope_f():
    """FTC part 1: F(x) = ∫ₐˣ f is differentiable with F′(x) = f(x) for continuous f."""
    f = lambda x: np.exp(-x**2) * np.cos(3 * x)  # noqa: E731
    xs = np.array([-0.7, 0.0, 0.4, 1.3])
    h = 1e-4
    F_plus = accumulate(f, -1.0, xs + h)
    F_minus = accumulate(f, -1.0, xs - h)
    np.testing.assert_allclose((F_plus - F_minus) / (2 * h), f(xs), atol=1e-8)


def test_riemann_sums_of_the_derivative_reach_the_change_in_f():
    expr = parse("x^3-x")
    change = float(expr.evaluate(x=2.0) - expr.evaluate(x=-1.0))
    errors = [abs(riemann_sum(lambda x: expr.derivative(1, x=x), -1.0, 2.0, n, "midpoint").total - change)
              for n in (10, 20, 40)]
    assert errors[0] > errors[1] > errors[2]
    assert observed_order(errors[1], errors[2]) == pytest.approx(2.0, abs=0.01)


def test_leading_error_terms_quoted_in_the_explanation():
    """Euler–Maclaurin: L − I ≈ (Δx/2)(f(a) − f(b)), T − I ≈ (Δx²/12)(f′(b) − f′(a)), M − I ≈ −half."""
    a, b, n = 0.0, 1.0, 256
    dx, exact = (b - a) / n, math.e - 1
    left = riemann_sum(np.exp, a, b, n, "left").total - exact
    trap = riemann_sum(np.exp, a, b, n, "trapezoid").total - exact
    mid = riemann_sum(np.exp, a, b, n, "midpoint").total - exact
    assert left == pytest.approx(dx / 2 * (1 - math.e), rel=1e-2)
    assert trap == pytest.approx(dx**2 / 12 * (math.e - 1), rel=1e-5)
    assert mid == pytest.approx(-dx**2 / 24 * (math.e - 1), rel=1e-5)
