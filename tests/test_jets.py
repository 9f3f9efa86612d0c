"""The pieces under Expr: Taylor-mode series, critical points, and one-sided expansions.

Truth: binomial series, geometric series and closed-form derivatives written out here.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from calcterm.compute import jets, puiseux
from calcterm.compute.expr import parse
from calcterm.compute.parsing import exponent, power_op, read


def binomial(r: float, k: int) -> float:
    """The coefficient of w^k in (1 + w)^r."""
    return math.prod((r - j) / (j + 1) for j in range(k))


def expansion(text: str, x0: float, side: float, cap_orders: int = 8) -> tuple[int, puiseux.OneSided]:
    nodes = read(text, ("x",))
    q = puiseux.denominator(nodes)
    return q, puiseux.expand(nodes, q, [x0], [side], cap_orders * q)


def coefficients(q: int, jet: puiseux.OneSided, exponents: list[Fraction]) -> list[float]:
    """The coefficients of s^e for the given real exponents e."""
    return [jet.at(int(e * q)) for e in exponents]


# ---------------------------------------------------------------------------- reading exponents


def test_typed_exponents_are_read_as_the_fractions_they_stand_for():
    assert exponent(1 / 3) == Fraction(1, 3)
    assert exponent(0.3) == Fraction(3, 10)
    assert exponent(2.5) == Fraction(5, 2)
    assert exponent(-2 / 3) == Fraction(-2, 3)
    assert exponent(math.pi) == Fraction(math.pi)  # no small fraction within 2 ulp
    assert exponent(1 / 3 + 1e-9) == Fraction(1 / 3 + 1e-9)
    assert exponent(math.inf) is None and exponent(math.nan) is None


def test_power_operations_by_exponent():
    assert power_op(2.0) == ("powi", 2)
    assert power_op(1 / 3) == ("root", 1 / 3)  # odd denominator: real for x < 0
    assert power_op(0.6) == ("root", 0.6)  # 3/5
    assert power_op(0.5) == ("powr", 0.5)
    assert power_op(math.pi) == ("powr", math.pi)


@pytest.mark.parametrize(
    "text, q", [("x^2", 1), ("sqrt(x)", 2), ("sqrt(sqrt(x))", 4), ("x^(1/3)*sqrt(x)", 6),
                ("abs(x)^0.3 + 1", 10), ("sin(x)/x", 1)],
)
def test_exponent_lattice_denominator(text, q):
    assert puiseux.denominator(read(text, ("x",))) == q


# ---------------------------------------------------------------------------- Taylor-mode series


def test_real_roots_of_negative_numbers_have_the_derivatives_of_the_real_branch():
    # y = x^(1/3) at x = −8: y = −2, y′ = (1/3)x^(−2/3) = 1/12, y″ = −(2/9)x^(−5/3) = −(2/9)/(−32)
    c = parse("x^(1/3)").taylor(2, x=-8.0)
    np.testing.assert_allclose(c, [-2.0, 1 / 12, 0.5 * (2 / 9) / 32], rtol=1e-14)
    # x^(2/3) = |x|^(2/3) is even: at −8 the slope is −(2/3)·8^(−1/3) = −1/3
    assert parse("x^(2/3)").derivative(1, x=-8.0) == pytest.approx(-1 / 3, rel=1e-14)
    assert np.isnan(parse("x^0.5").derivative(1, x=-4.0))


def test_critical_marks_only_zero_arguments_of_non_analytic_operations():
    xs = np.array([-1.0, 0.0, 1.0, 2.0])
    for text, expected in [("abs(x)", [0, 1, 0, 0]), ("abs(x-1)", [0, 0, 1, 0]), ("sqrt(x)", [0, 1, 0, 0]),
                           ("x^(1/3)", [0, 1, 0, 0]), ("1/(x-2)", [0, 0, 0, 1]), ("log(x+1)", [1, 0, 0, 0]),
                           ("x^2", [0, 0, 0, 0]), ("x^-2", [0, 1, 0, 0]), ("sin(x)*exp(x)", [0, 0, 0, 0]),
                           ("x^x", [0, 1, 0, 0])]:
        expr = parse(text)
        _, critical = expr._series(1, xs[None, :], np.ones((1, 4)))
        np.testing.assert_array_equal(critical, np.array(expected, dtype=bool), err_msg=text)


def test_series_of_analytic_functions_match_their_closed_forms():
    # the recurrences the one-sided code reuses, on one column: e^x, log(1+x), (1+x)^r at 0
    t = np.zeros((8, 1))
    t[1] = 1.0
    one_plus = t.copy()
    one_plus[0] = 1.0
    np.testing.assert_allclose(jets.unary("exp", t)[:, 0], [1 / math.factorial(k) for k in range(8)], rtol=1e-15)
    np.testing.assert_allclose(jets.unary("log", one_plus)[1:, 0], [(-1) ** (k + 1) / k for k in range(1, 8)], rtol=1e-15)
    np.testing.assert_allclose(jets.power_real(one_plus, 0.5)[:, 0], [binomial(0.5, k) for k in range(8)], rtol=1e-15)


# ---------------------------------------------------------------------------- one-sided expansions


def test_square_root_of_a_series_starting_at_s_squared():
    # sqrt(x² + x³): s·(1 + s)^(1/2) on the right, s·(1 − s)^(1/2) on the left (x = −s)
    q, right = expansion("sqrt(x^2+x^3)", 0.0, 1.0)
    _, left = expansion("sqrt(x^2+x^3)", 0.0, -1.0)
    assert q == 2  # the square root allows half-integer exponents, though none appears here
    ks = range(1, 7)
    np.testing.assert_allclose([right.at(k * q) for k in ks], [binomial(0.5, k - 1) for k in ks], rtol=1e-15)
    np.testing.assert_allclose([left.at(k * q) for k in ks], [binomial(0.5, k - 1) * (-1) ** (k - 1) for k in ks],
                               rtol=1e-15)
    assert not np.any(right.coef[1::2])


def test_fractional_and_whole_exponents_side_by_side():
    # x^(1/3) + x from the right: s^(1/3) + s, nothing else
    q, jet = expansion("x^(1/3) + x", 0.0, 1.0)
    assert q == 3
    exps = jet.low + np.flatnonzero(jet.coef)
    np.testing.assert_array_equal(exps, [1, 3])
    assert coefficients(q, jet, [Fraction(1, 3), Fraction(1)]) == [1.0, 1.0]
    # from the left x = −s: (−s)^(1/3) − s = −s^(1/3) − s (the real cube root)
    _, left = expansion("x^(1/3) + x", 0.0, -1.0)
    assert coefficients(q, left, [Fraction(1, 3), Fraction(1)]) == [-1.0, -1.0]


def test_a_pole_is_a_negative_exponent():
    # 1/(x − x²) = s^(−1)·(1 + s + s² + …) on the right
    q, jet = expansion("1/(x-x^2)", 0.0, 1.0)
    assert jet.low + jet.lead() == -q
    np.testing.assert_allclose([jet.at(k * q) for k in range(-1, 6)], np.ones(7), rtol=1e-15)


def test_cancellation_to_rounding_is_exact_zero():
    # 1 − cos x starts at s²/2, exactly: no residue at s⁰ or s¹ for sqrt to trip over
    q, jet = expansion("1-cos(x)", 0.0, 1.0)
    assert jet.low + jet.lead() == 2 * q
    assert jet.at(2 * q) == 0.5 and jet.at(4 * q) == pytest.approx(-1 / 24, rel=1e-15)


def test_abs_and_relu_follow_the_sign_of_the_leading_term():
    for text, side, expected in [("abs(x^3-x^4)", -1.0, 1.0), ("relu(x^3-x^4)", -1.0, 0.0),
                                 ("relu(x^3-x^4)", 1.0, 1.0), ("abs(-x^2)", 1.0, 1.0)]:
        q, jet = expansion(text, 0.0, side)
        lead = jet.lead()
        assert (jet.coef[lead] if lead is not None else 0.0) == expected, text


def test_what_lies_beyond_the_working_order_is_a_bound():
    # cut at s^8, x^16 is only known to be O(s^8); its square root O(s^4); times x², O(s^6)
    _, cut = expansion("x^16", 0.0, 1.0, cap_orders=8)
    assert cut.lead() is None and not cut.exact and cut.high == 8
    q, jet = expansion("sqrt(x^16)*x^2", 0.0, 1.0, cap_orders=8)
    assert jet.lead() is None and not jet.exact and jet.high == 6 * q
    # a wider working order sees the true leading term s^10
    _, wide = expansion("sqrt(x^16)*x^2", 0.0, 1.0, cap_orders=24)
    assert wide.low + wide.lead() == 10 * q and wide.at(10 * q) == 1.0
    # and exact polynomials stay exact: x³·x³ − x⁶ is zero to every order
    _, zero = expansion("x^3*x^3 - x^6", 0.0, 1.0)
    assert zero.exact and zero.lead() is None


def test_undefined_sides_are_none():
    assert expansion("sqrt(x)", 0.0, -1.0)[1] is None
    assert expansion("log(x)", 0.0, 1.0)[1] is None  # s·log s is outside the representation
    assert expansion("exp(1/x)", 0.0, 1.0)[1] is None  # runs off to +∞
    q, flat = expansion("exp(1/x)", 0.0, -1.0)  # e^(−1/s): zero to every order
    assert flat.exact and flat.lead() is None
