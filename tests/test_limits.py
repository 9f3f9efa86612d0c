"""The largest δ for a given ε, by bisection, against closed forms (CHAPTERS.md §5.2)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calcterm.compute.limits import bisect, largest_delta, quotient_deviation


def test_bisect_finds_the_boundary_to_the_last_float():
    root = bisect(lambda x: x * x < 2.0, 1.0, 2.0)
    assert root * root < 2.0
    assert np.nextafter(root, 3.0) ** 2 >= 2.0


@pytest.mark.parametrize("f, x0, slope, eps, expected", [
    (lambda x: x**2, 1.0, 2.0, 0.1, 0.1),                                   # Q − 2 = h
    (lambda x: x**3, 1.0, 3.0, 0.1, (math.sqrt(9.4) - 3) / 2),              # 3h + h² = ε, h > 0
    (np.sin, 0.0, 1.0, 0.01, 0.24531780885399732),                          # 1 − sin δ/δ = ε
])
def test_the_design_examples(f, x0, slope, eps, expected):
    d = largest_delta(f, x0, slope, eps)
    assert d.reason == "found"
    assert d.delta == pytest.approx(expected, rel=1e-12)


def test_sine_delta_is_the_root_of_one_minus_sinc():
    d = largest_delta(np.sin, 0.0, 1.0, 0.01).delta
    assert 1 - math.sin(d) / d == pytest.approx(0.01, rel=1e-10)


def test_abs_at_zero_has_no_delta():
    """f′(0) does not exist: with no limit there is nothing to be ε-close to."""
    d = largest_delta(np.abs, 0.0, math.nan, 0.5)
    assert math.isnan(d.delta) and d.reason == "no-limit"


@pytest.mark.parametrize("claimed", [1.0, -1.0, 0.0])
def test_abs_at_zero_fails_for_every_claimed_limit(claimed):
    """The one-sided limits are ±1, so no L is within ε = 0.5 of both: no δ works."""
    d = largest_delta(np.abs, 0.0, claimed, 0.5)
    assert math.isnan(d.delta) and d.reason == "none"


@pytest.mark.parametrize("x0", [-2.0, 0.0, 0.5, 3.0])
@pytest.mark.parametrize("eps", [0.3, 1e-3])
def test_square_delta_is_eps_everywhere(x0, eps):
    assert largest_delta(lambda x: x * x, x0, 2 * x0, eps).delta == pytest.approx(eps, rel=1e-9)


@pytest.mark.parametrize("x0", [0.5, 1.0, 2.0])
def test_cube_delta_is_the_nearer_root_of_the_two_sides(x0):
    """Q − 3x₀² = 3x₀h + h²: right root of h² + 3x₀h = ε, left root of h² + 3x₀h = −ε (|h|)."""
    eps = 0.05
    right = (-3 * x0 + math.sqrt(9 * x0**2 + 4 * eps)) / 2
    left = (3 * x0 - math.sqrt(9 * x0**2 - 4 * eps)) / 2
    d = largest_delta(lambda x: x**3, x0, 3 * x0**2, eps)
    assert d.right == pytest.approx(right, rel=1e-11) and d.left == pytest.approx(left, rel=1e-11)
    assert d.delta == pytest.approx(min(left, right), rel=1e-11)


def test_exp_deviation_is_below_eps_inside_and_reaches_it_at_delta():
    d = largest_delta(np.exp, 0.0, 1.0, 0.02)
    k = np.arange(1, 1000) / 1000
    inside = np.concatenate([-k, k]) * d.delta
    assert np.all(quotient_deviation(np.exp, 0.0, 1.0, inside) < 0.02)
    assert quotient_deviation(np.exp, 0.0, 1.0, np.array([d.right]))[0] == pytest.approx(0.02, rel=1e-9)
    # (eʰ − 1)/h − 1 ≈ h/2 + h²/6: the right side fails first
    assert d.delta == d.right < d.left


def test_a_function_within_eps_on_the_whole_window_reports_the_window():
    d = largest_delta(lambda x: 3 * x + 1, 0.4, 3.0, 1e-3, window=0.5)
    assert d.reason == "window" and d.delta == 0.5


def test_delta_below_the_rounding_floor_is_not_invented():
    """1000x² at 1 has δ = ε/1000 = 1e-9, where Q's rounding noise exceeds ε: say so."""
    d = largest_delta(lambda x: 1000 * x * x, 1.0, 2000.0, 1e-6)
    assert math.isnan(d.delta) and d.reason == "none" and d.h_floor > 1e-9


def test_bad_arguments_are_rejected():
    with pytest.raises(ValueError):
        largest_delta(np.sin, 0.0, 1.0, 0.0)
