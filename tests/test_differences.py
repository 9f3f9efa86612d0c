"""Difference quotients against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calcterm.compute.differences import best_step, difference_quotient, observed_order


@pytest.mark.parametrize("x0", [-1.0, 0.0, 0.7, 2.0])
def test_forward_error_is_half_h_times_second_derivative(x0):
    h = 1e-3
    q = difference_quotient(np.exp, x0, h, "forward")
    # exp: (e^(x+h) − e^x)/h − e^x = e^x (h/2 + h²/6 + …)
    assert q - math.exp(x0) == pytest.approx(math.exp(x0) * (h / 2 + h**2 / 6), rel=1e-4)


@pytest.mark.parametrize("x0", [-1.0, 0.3, 1.5])
def test_central_error_is_h_squared_over_six_times_third_derivative(x0):
    h = 1e-2
    q = difference_quotient(np.sin, x0, h, "central")
    assert q - math.cos(x0) == pytest.approx(-math.cos(x0) * h**2 / 6, rel=1e-3)


def test_central_is_exact_for_quadratics_up_to_rounding():
    q = difference_quotient(lambda x: 3 * x**2 - x, 0.5, np.array([0.5, 0.1, 0.01]), "central")
    assert np.allclose(q, 2.0, atol=1e-12)


@pytest.mark.parametrize("scheme, order", [("forward", 1), ("central", 2)])
def test_observed_order_matches_theory(scheme, order):
    assert observed_order(np.exp, 0.3, 1e-2, scheme, math.exp(0.3)) == pytest.approx(order, abs=0.02)


def test_rounding_takes_over_below_the_best_step():
    """The V: the error at h = 1e-13 is far worse than at the best step."""
    exact = math.exp(1.0)
    for scheme in ("forward", "central"):
        best = abs(difference_quotient(np.exp, 1.0, best_step(scheme), scheme) - exact)
        tiny = abs(difference_quotient(np.exp, 1.0, 1e-13, scheme) - exact)
        big = abs(difference_quotient(np.exp, 1.0, 1e-1, scheme) - exact)
        assert best < tiny / 100 and best < big / 100


def test_best_steps():
    assert best_step("forward") == pytest.approx(1.49e-8, rel=0.01)
    assert best_step("central") == pytest.approx(6.06e-6, rel=0.01)


def test_unknown_scheme_is_rejected():
    with pytest.raises(ValueError, match="forward or central"):
        difference_quotient(np.exp, 0.0, 0.1, "backward")
