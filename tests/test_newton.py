"""Newton's method, gradient descent and the target finders against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calcterm.compute.expr import parse
from calcterm.compute.newton import (
    convergence_ratios, derivatives_of, find_minimum, find_root, gradient_descent, newton,
    newton_step, quadratic_model,
)

QUARTIC = "x^4-3*x^2+x"


def closed_form_quartic(x: float) -> tuple[float, float, float]:
    """f, f′, f″ of x⁴ − 3x² + x written out by hand: an independent truth for the AD."""
    return x**4 - 3 * x**2 + x, 4 * x**3 - 6 * x + 1, 12 * x**2 - 6


def errors(iterates, target):
    return [abs(x - target) for x in iterates]


@pytest.mark.parametrize("x", [-2.0, -0.3, 0.0, 1.7])
def test_derivatives_match_the_closed_form(x):
    assert derivatives_of(parse(QUARTIC))(x) == pytest.approx(closed_form_quartic(x), rel=1e-14, abs=1e-14)


def test_minimum_of_the_quartic_is_a_root_of_its_cubic_derivative():
    x_star = find_minimum(closed_form_quartic, 2.0)
    roots = np.roots([4, 0, -6, 1])
    assert x_star == pytest.approx(max(roots.real), rel=1e-15)
    assert find_minimum(closed_form_quartic, -0.5) == pytest.approx(min(roots.real), rel=1e-15)


def test_root_finder_finds_the_real_root_of_a_cubic():
    derivs = derivatives_of(parse("x^3-2*x+2"))
    real = [r.real for r in np.roots([1, 0, -2, 2]) if abs(r.imag) < 1e-12]
    assert find_root(derivs, 0.0) == pytest.approx(real[0], rel=1e-15)
    assert math.isnan(find_root(derivatives_of(parse("x^2+1")), 1.0)), "no sign change, no root"


def test_newton_converges_quadratically_near_a_nondegenerate_minimum():
    """e_{k+1}/e_k² tends to |f‴/(2f″)| at x*, so it stays bounded."""
    run = newton(closed_form_quartic, 2.0, "minimise", 40)
    x_star = find_minimum(closed_form_quartic, 2.0)
    assert run.status == "converged" and run.iterates[-1] == pytest.approx(x_star, abs=1e-15)
    e = errors(run.iterates, x_star)
    ratios = [r for a, r in zip(e, convergence_ratios(e, 2)) if a > 1e-7]
    limit = abs(24 * x_star / (2 * (12 * x_star**2 - 6)))
    assert max(ratios) < 2 * limit
    assert ratios[-1] == pytest.approx(limit, rel=0.05)


def test_gradient_descent_converges_linearly_at_rate_one_minus_eta_times_curvature():
    eta = 0.05
    run = gradient_descent(closed_form_quartic, 2.0, eta, 200)
    x_star = find_minimum(closed_form_quartic, 2.0)
    e = errors(run.iterates, x_star)
    ratios = [r for a, r in zip(e, convergence_ratios(e, 1)) if 1e-12 < a < 1e-3]
    rate = abs(1 - eta * closed_form_quartic(x_star)[2])
    assert ratios and all(r == pytest.approx(rate, rel=0.02) for r in ratios)


def test_gradient_descent_beyond_two_over_curvature_diverges():
    """On x², f″ = 2: η > 1 multiplies the error by |1 − 2η| > 1 each step."""
    run = gradient_descent(lambda x: (x * x, 2 * x, 2.0), 1.0, 1.2, 500)
    assert run.status == "diverged"
    assert [abs(x) for x in run.iterates[:3]] == pytest.approx([1.0, 1.4, 1.96])


def test_newton_step_is_the_minimum_of_the_quadratic_model():
    f, d1, d2 = closed_form_quartic(1.6)
    step, event = newton_step("minimise", f, d1, d2)
    xs = 1.6 + step + np.array([-1e-3, 0.0, 1e-3])
    q = quadratic_model(xs, 1.6, f, d1, d2)
    assert event is None and q[1] < q[0] and q[1] < q[2]


def test_concave_model_is_named_and_the_step_climbs_to_the_maximum():
    run = newton(closed_form_quartic, 0.5, "minimise", 40)
    assert (0, "concave") in run.events
    assert run.status == "converged"
    assert closed_form_quartic(run.iterates[-1])[2] < 0, "Newton found the local maximum"


def test_zero_curvature_stops_with_undefined_step():
    run = newton(derivatives_of(parse("x^3-2*x+2")), 0.0, "minimise", 40)
    assert run.status == "undefined" and run.iterates == [0.0]
    root = newton(derivatives_of(parse("x^2+1")), 1.0, "root", 40)
    assert root.status == "undefined" and root.iterates == [1.0, 0.0]


def test_cycle_is_detected():
    run = newton(derivatives_of(parse("x^3-2*x+2")), 0.0, "root", 40)
    assert run.status == "cycle" and run.period == 2 and run.iterates == [0.0, 1.0, 0.0]


def test_divergence_is_detected():
    run = newton(derivatives_of(parse("atan(x)")), 1.5, "root", 60)
    assert run.status == "diverged" and abs(run.iterates[-1]) > 1e8
    concave = newton(derivatives_of(parse("log(1+x^2)")), 1.5, "minimise", 60)
    assert concave.status == "diverged" and concave.events[0] == (0, "concave")


def test_nan_and_overflow_are_reported_not_raised():
    with np.errstate(all="raise"):
        nan = newton(derivatives_of(parse("log(x)")), -1.0, "root", 10)
        huge = newton(lambda x: (1.0, 1e308, 1e-308), 1.0, "minimise", 10)
        gd = gradient_descent(derivatives_of(parse("sqrt(x)")), 1.0, 10.0, 10)
    assert nan.status == "non-finite"
    assert huge.status == "overflow"
    assert gd.status == "non-finite"


def test_degenerate_minimum_is_only_linear():
    """At x⁴'s minimum f″ = 0: Newton multiplies the error by 2/3 each step."""
    run = newton(derivatives_of(parse("x^4")), 1.0, "minimise", 20)
    assert run.status == "running"
    assert run.iterates[5] / run.iterates[4] == pytest.approx(2 / 3)


def test_no_minimum_downhill():
    assert math.isnan(find_minimum(derivatives_of(parse("x^3")), 1.0))
    assert math.isnan(find_minimum(derivatives_of(parse("-x^2")), 1.0))
