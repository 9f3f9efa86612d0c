"""Derivatives at kinks, roots and poles: exact where they exist, NaN where they do not.

Independent truth comes from two places: closed forms (sqrt(x⁴) = x², sqrt(x⁶) = |x|³,
sqrt(1 − cos x) = √2·|sin(x/2)|, ...), and one-sided finite differences computed in
300-digit decimal arithmetic with steps of 1e-72 and 1e-84, where a k-th difference quotient
settles to the one-sided k-th derivative when it exists and runs off like h^(−δ) when the
expansion on that side has a fractional exponent k − δ below k.
"""

from __future__ import annotations

import decimal
import math
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from calcterm.compute.expr import parse
from calcterm.compute.newton import derivatives_of
from calcterm.compute.surfaces import custom

XY = ("x", "y")
PRECISION = 300
STEPS = (Decimal("1e-72"), Decimal("1e-84"))
SETTLED = Decimal("1e-6")
"""Relative change between the two steps below which a quotient has settled; a fractional
exponent k − δ with δ ≥ 1/9 changes it by a factor 1e12^δ ≥ 21, one above k by ≤ 1e-8."""


# ---------------------------------------------------------------------------- decimal truth
# A formula is a small tree; it renders to the text the parser reads and evaluates in
# Decimal, with the same real-root convention (x^(1/3) < 0 for x < 0, x^(1/2) undefined).


class Undefined(Exception):
    """The formula is not a real number here."""


def render(tree) -> str:
    kind = tree[0]
    if kind == "leaf":
        return tree[1] if tree[1] == "x" else f"({tree[1]})"
    if kind == "const":
        return f"({tree[1]})"
    if kind == "unary":
        return f"{tree[1]}({render(tree[2])})" if tree[1] != "neg" else f"(-{render(tree[2])})"
    if kind == "pow":
        p, d = tree[1]
        return f"({render(tree[2])})^({p}/{d})" if d != 1 else f"({render(tree[2])})^{p}"
    if kind == "quot":
        return f"(({render(tree[1])})/(2+({render(tree[2])})^2))"
    return f"({render(tree[2])}{tree[1]}{render(tree[3])})"


def value(tree, x: Decimal) -> Decimal:
    kind = tree[0]
    if kind == "leaf":
        return x if tree[1] == "x" else x - 1
    if kind == "const":
        return Decimal(tree[1])
    if kind == "unary":
        a = value(tree[2], x)
        name = tree[1]
        if name == "abs":
            return abs(a)
        if name == "relu":
            return max(a, Decimal(0))
        if name == "neg":
            return -a
        if name == "exp":
            return a.exp()
        if a < 0:  # sqrt
            raise Undefined
        return a.sqrt()
    if kind == "pow":
        (p, d), a = tree[1], value(tree[2], x)
        if a == 0:
            return Decimal(0)
        if a < 0 and d % 2 == 0:
            raise Undefined
        size = abs(a) ** (Decimal(p) / Decimal(d)) if d != 1 else abs(a) ** p
        return -size if a < 0 and p % 2 else size
    if kind == "quot":
        return value(tree[1], x) / (2 + value(tree[2], x) ** 2)
    a, b = value(tree[2], x), value(tree[3], x)
    return a + b if tree[1] == "+" else (a - b if tree[1] == "-" else a * b)


def quotients(tree, x0: Decimal, side: int, h: Decimal, order: int) -> list[Decimal] | None:
    """Δᵏf(x0)/(side·h)ᵏ for k ≤ order, the k-th one-sided difference quotients; None if f is
    undefined at one of the points."""
    try:
        f = [value(tree, x0 + side * j * h) for j in range(order + 1)]
    except Undefined:
        return None
    return [sum((-1) ** (k - j) * math.comb(k, j) * f[j] for j in range(k + 1)) / (side * h) ** k
            for k in range(order + 1)]


def truth(tree, x0: float, order: int) -> tuple[int | None, list[float], dict[int, float]]:
    """(first missing order or None, the derivatives below it, one-sided slopes by side).

    The slope from a side is the settled first quotient, ±inf (the quotient's sign) when it
    runs off, NaN when f is undefined there.
    """
    with decimal.localcontext(decimal.Context(prec=PRECISION)):
        x = Decimal(x0)
        try:
            value(tree, x)
        except Undefined:
            return 0, [], {1: math.nan, -1: math.nan}
        sides = {}
        for side in (1, -1):
            coarse, fine = (quotients(tree, x, side, h, order) for h in STEPS)
            sides[side] = None if coarse is None else [
                (b if abs(a - b) <= SETTLED * (1 + abs(b)) else None, b) for a, b in zip(coarse, fine)]
        slopes = {}
        for side, rows in sides.items():
            if rows is None:
                slopes[side] = math.nan
            else:
                settled, last = rows[1]
                slopes[side] = float(settled) if settled is not None else math.copysign(math.inf, last)
        found: list[float] = []
        for k in range(order + 1):
            if sides[1] is None or sides[-1] is None:
                return (k if k else 1), found, slopes
            right, left = sides[1][k][0], sides[-1][k][0]
            if right is None or left is None or abs(right - left) > SETTLED * (1 + abs(right)):
                return k, found, slopes
            found.append(float(right))
        return None, found, slopes


# ---------------------------------------------------------------------------- the issue's cases


@pytest.mark.parametrize(
    "text, first_missing, closed_form",
    [
        # sqrt(x⁴) = x²: every derivative, f″(0) = 2
        ("sqrt(x^4)", None, lambda k: [0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0][k]),
        # sqrt(x⁶) = |x|³ is C²: f = f′ = f″ = 0 at 0, f‴ jumps from −6 to 6
        ("sqrt(x^6)", 3, lambda k: 0.0),
        # x·|x| = sign(x)·x²: f″ jumps from −2 to 2
        ("x*abs(x)", 2, lambda k: 0.0),
        # |x|² = x²
        ("abs(x)^2", None, lambda k: [0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0][k]),
        ("abs(x)^3", 3, lambda k: 0.0),
        # relu(x)² has f″ = 0 from the left and 2 from the right
        ("relu(x)^2", 2, lambda k: 0.0),
        # x³·|x| = sign(x)·x⁴: f⁗ jumps from −24 to 24
        ("x^3*abs(x)", 4, lambda k: 0.0),
        # no first derivative: |x|, |x|^(2/3), √2·|sin(x/2)|
        ("sqrt(x^2)", 1, lambda k: 0.0),
        ("(x^2)^(1/3)", 1, lambda k: 0.0),
        ("sqrt(1-cos(x))", 1, lambda k: 0.0),
        ("abs(x)", 1, lambda k: 0.0),
        ("x^(1/3)", 1, lambda k: 0.0),
        # smooth, not analytic: every derivative of e^(−1/x²) at 0 is 0
        ("exp(-1/x^2)", None, lambda k: 0.0),
        ("flat(x)", None, lambda k: 0.0),
        # |x|^(5/2) is C² with f‴ ~ |x|^(−1/2)
        ("abs(x)^2.5", 3, lambda k: 0.0),
        # (|x|^(1/2))⁴ = x²: a fractional power undone by a later one
        ("((x^2)^(1/4))^4", None, lambda k: [0.0, 0.0, 2.0, 0.0, 0.0, 0.0, 0.0][k]),
    ],
)
def test_first_missing_order_and_values_at_zero(text, first_missing, closed_form):
    f = parse(text)
    assert f.first_missing_order(0.0, 6) == first_missing
    top = 7 if first_missing is None else first_missing
    for k in range(top):
        assert f.derivative(k, x=0.0) == pytest.approx(closed_form(k), abs=1e-12)
        assert f.derivative_exists(k, 0.0)
    for k in range(top, 7):
        assert np.isnan(f.derivative(k, x=0.0)) and not f.derivative_exists(k, 0.0)


ISSUE_TREES = {
    "sqrt(x^4)": ("unary", "sqrt", ("pow", (4, 1), ("leaf", "x"))),
    "sqrt(x^6)": ("unary", "sqrt", ("pow", (6, 1), ("leaf", "x"))),
    "x*abs(x)": ("bin", "*", ("leaf", "x"), ("unary", "abs", ("leaf", "x"))),
    "abs(x)^3": ("pow", (3, 1), ("unary", "abs", ("leaf", "x"))),
    "relu(x)^2": ("pow", (2, 1), ("unary", "relu", ("leaf", "x"))),
    "x^3*abs(x)": ("bin", "*", ("pow", (3, 1), ("leaf", "x")), ("unary", "abs", ("leaf", "x"))),
    "(x^2)^(1/3)": ("pow", (1, 3), ("pow", (2, 1), ("leaf", "x"))),
}


@pytest.mark.parametrize("text", sorted(ISSUE_TREES))
def test_issue_cases_agree_with_decimal_differences(text):
    missing, found, _ = truth(ISSUE_TREES[text], 0.0, 4)
    f = parse(text)
    assert f.first_missing_order(0.0, 4) == missing
    for k, d in enumerate(found):
        assert float(f.derivative(k, x=0.0)) == pytest.approx(d, abs=1e-9)


def test_sqrt_one_minus_cos_has_one_sided_slopes_of_its_closed_form():
    # sqrt(1 − cos x) = √2·|sin(x/2)|: slopes ∓√2/2 on the two sides
    f = parse("sqrt(1-cos(x))")
    assert f.one_sided_slope(0.0, 1) == pytest.approx(math.sqrt(2) / 2, rel=1e-14)
    assert f.one_sided_slope(0.0, -1) == pytest.approx(-math.sqrt(2) / 2, rel=1e-14)
    # and the same at 2π, where 1 − cos x is 0 again, if only up to rounding
    g = parse("sqrt(1-cos(x-2*pi))")
    assert g.one_sided_slope(2 * math.pi, 1) == pytest.approx(math.sqrt(2) / 2, rel=1e-14)


@pytest.mark.parametrize(
    "text, x0, left, right",
    [
        ("abs(x)", 0.0, -1.0, 1.0),
        ("abs(x-1)", 1.0, -1.0, 1.0),
        ("relu(x)", 0.0, 0.0, 1.0),
        ("sqrt(x^2)", 0.0, -1.0, 1.0),
        ("x^(1/3)", 0.0, math.inf, math.inf),  # the graph is vertical at 0, rising on both sides
        ("(x^2)^(1/3)", 0.0, -math.inf, math.inf),  # a cusp
        ("sqrt(x)", 0.0, math.nan, math.inf),  # not defined on the left
        ("sqrt(-x)", 0.0, -math.inf, math.nan),
        ("1/x", 0.0, -math.inf, -math.inf),  # f′ = −1/x² on both sides
        ("x*abs(x)", 0.0, 0.0, 0.0),
        ("abs(x)^0.5", 0.0, -math.inf, math.inf),
        ("x^2", 1.5, 3.0, 3.0),  # an ordinary point: both limits are f′(x0)
        ("atan(1/x)", 0.0, -1.0, -1.0),  # a jump in f, but f′ = −1/(1+x²) on both sides
    ],
)
def test_one_sided_slopes_are_limits_of_the_slope(text, x0, left, right):
    f = parse(text)
    for side, expected in ((-1, left), (1, right)):
        got = f.one_sided_slope(x0, side)
        if math.isnan(expected):
            assert math.isnan(got)
        else:
            assert got == pytest.approx(expected, rel=1e-14)


def test_one_sided_slope_checks_its_arguments():
    with pytest.raises(ValueError, match="side"):
        parse("x").one_sided_slope(0.0, 0)
    with pytest.raises(ValueError, match="one variable"):
        parse("x+y", XY).one_sided_slope(0.0, 1)


def test_newton_gets_the_second_derivative_of_sqrt_x4():
    assert derivatives_of(parse("sqrt(x^4)"))(0.0) == (0.0, 0.0, 2.0)
    f, d1, d2 = derivatives_of(parse("sqrt(x^2)"))(0.0)
    assert f == 0.0 and math.isnan(d1) and math.isnan(d2)


def test_undefined_value_means_no_derivative_of_any_order():
    f = parse("sin(x)/x")  # 0/0 at 0, even though the limit is 1
    assert f.first_missing_order(0.0, 3) == 0
    assert np.all(np.isnan(f.taylor(3, x=0.0)))


def test_atan_of_a_pole_is_analytic_from_both_sides():
    # atan(1/x²) = π/2 − atan(x²) = π/2 − x² + x⁶/3 − …
    c = parse("atan(1/x^2)").taylor(6, x=0.0)
    np.testing.assert_allclose(c, [math.pi / 2, 0, -1, 0, 0, 0, 1 / 3], atol=1e-15)


def test_kinks_inside_arrays_leave_the_other_points_alone():
    xs = np.array([-1.0, 0.0, 1.0])
    np.testing.assert_array_equal(parse("x*abs(x)").derivative(1, x=xs), [2.0, 0.0, 2.0])
    second = parse("x*abs(x)").derivative(2, x=xs)
    assert second[0] == -2.0 and np.isnan(second[1]) and second[2] == 2.0


# ---------------------------------------------------------------------------- several variables


def test_cone_has_no_gradient_at_its_tip():
    f = parse("sqrt(x^2+y^2)", XY)
    assert np.all(np.isnan(f.gradient(x=0.0, y=0.0)))
    assert np.all(np.isnan(f.partials(x=0.0, y=0.0)))
    gx, gy = f.gradient(x=3.0, y=4.0)
    assert (gx, gy) == pytest.approx((0.6, 0.8), rel=1e-15)
    surface = custom("sqrt(x^2+y^2)")
    assert np.all(np.isnan(surface.gradient(np.array([0.0]), np.array([0.0]))))


@pytest.mark.parametrize("text", ["sqrt(abs(x*y))", "(x^2*y)^(1/3)"])
def test_partials_without_a_tangent_plane(text):
    # both partials are 0 (f vanishes on the axes), but along the diagonal f(t, t) = |t|
    # for the first and t for the second, not 0·t
    f = parse(text, XY)
    assert f.partials(x=0.0, y=0.0) == (0.0, 0.0)
    assert np.all(np.isnan(f.gradient(x=0.0, y=0.0)))


@pytest.mark.parametrize(
    "text, point, gradient",
    [
        ("abs(x)^2 + y^3", (0.0, 1.0), (0.0, 3.0)),  # C¹ through the kink of |x|
        ("sqrt(x^2+y^2)^2", (0.0, 0.0), (0.0, 0.0)),  # the cone squared is x² + y²
        ("x*abs(y) + y", (2.0, 0.0), (math.nan, math.nan)),  # ∂/∂y jumps from −1 to 3
        ("relu(x)^2 * exp(y)", (0.0, 0.5), (0.0, 0.0)),
    ],
)
def test_gradient_at_kinks(text, point, gradient):
    got = parse(text, XY).gradient(x=point[0], y=point[1])
    np.testing.assert_allclose(got, gradient, rtol=1e-14, atol=1e-15)


def test_hessian_where_the_second_derivative_survives_a_kink():
    # |x|³ has second derivative 6|x| (0 at 0); x² + |y|² is x² + y²
    np.testing.assert_allclose(parse("abs(x)^3 + y^2", XY).hessian(x=0.0, y=0.0), [[0, 0], [0, 2]], atol=1e-15)
    np.testing.assert_allclose(parse("x^2 + abs(y)^2", XY).hessian(x=0.0, y=0.0), [[2, 0], [0, 2]], atol=1e-15)
    assert np.all(np.isnan(parse("x*abs(x) + y^2", XY).hessian(x=0.0, y=0.0)[0, 0]))


# ---------------------------------------------------------------------------- random compositions

LEAVES = st.sampled_from([("leaf", "x"), ("leaf", "x-1"), ("const", "2"), ("const", "-0.5"), ("const", "3")])
POWERS = [(2, 1), (3, 1), (1, 2), (3, 2), (5, 2), (1, 3), (2, 3), (5, 3)]


def _extend(inner):
    return st.one_of(
        st.tuples(st.just("unary"), st.sampled_from(["abs", "relu", "sqrt", "exp", "neg"]), inner),
        st.tuples(st.just("pow"), st.sampled_from(POWERS), inner),
        st.tuples(st.just("bin"), st.sampled_from(["+", "-", "*"]), inner, inner),
        st.tuples(st.just("quot"), inner, inner),
    )


TREES = st.recursive(LEAVES, _extend, max_leaves=6)


def roots(tree) -> int:
    """How many square roots and fractional powers a tree has (each divides exponents)."""
    kind = tree[0]
    if kind in ("leaf", "const"):
        return 0
    if kind == "unary":
        return (tree[1] == "sqrt") + roots(tree[2])
    if kind == "pow":
        return (tree[1][1] != 1) + roots(tree[2])
    if kind == "quot":
        return roots(tree[1]) + roots(tree[2])
    return roots(tree[2]) + roots(tree[3])


@settings(max_examples=150, deadline=None)
@given(TREES, st.sampled_from([0.0, 1.0]))
def test_random_compositions_match_one_sided_differences(tree, x0):
    """Reported derivatives agree with decimal one-sided differences where both sides settle
    and agree, and are reported missing from the first order where they do not."""
    assume(roots(tree) <= 2)
    f = parse(render(tree))
    value0 = float(f.evaluate(x=x0))
    assume(math.isfinite(value0) and abs(value0) < 1e6)
    missing, found, slopes = truth(tree, x0, 3)
    assert f.first_missing_order(x0, 3) == missing, render(tree)
    for k, d in enumerate(found):
        assert float(f.derivative(k, x=x0)) == pytest.approx(d, rel=1e-7, abs=1e-9), (render(tree), k)
    for side, expected in slopes.items():
        got = f.one_sided_slope(x0, side)
        if math.isnan(expected) or math.isinf(expected):
            assert got == expected or (math.isnan(got) and math.isnan(expected)), (render(tree), side)
        else:
            assert got == pytest.approx(expected, rel=1e-7, abs=1e-9), (render(tree), side)


def test_ray_slopes_are_one_sided_directional_derivatives():
    theta = np.radians(np.arange(0.0, 360.0, 15.0))
    ux, uy = np.cos(theta), np.sin(theta)
    # the cone rises with slope 1 in every direction: f(t·u) = t·|u|
    cone = parse("sqrt(x^2+y^2)", XY).ray_slope({"x": ux, "y": uy}, x=0.0, y=0.0)
    np.testing.assert_allclose(cone, np.hypot(ux, uy), rtol=1e-15)
    # x²y/(x²+y²) is 0/0 at the origin, yet g(t) = t·cos²θ·sinθ along every ray
    quotient = parse("x^2*y/(x^2+y^2)", XY).ray_slope({"x": ux, "y": uy}, x=0.0, y=0.0)
    np.testing.assert_allclose(quotient, ux**2 * uy, rtol=1e-14, atol=1e-15)
    # sqrt(|xy|) along the diagonal: t·sqrt(ux·uy)
    diagonal = parse("sqrt(abs(x*y))", XY).ray_slope({"x": 0.6, "y": 0.8}, x=0.0, y=0.0)
    assert diagonal == pytest.approx(math.sqrt(0.48), rel=1e-15)
    # away from kinks it is the ordinary directional derivative
    smooth = parse("x*y^2", XY).ray_slope({"x": 0.6, "y": 0.8}, x=2.0, y=1.0)
    assert smooth == pytest.approx(0.6 * 1.0 + 0.8 * 4.0, rel=1e-15)


@pytest.mark.parametrize("text", ["abs(x)^1e300", "abs(x)^123.5", "x^(1e300)"])
def test_huge_powers_stay_in_range(text):
    # |x|^N for N > 3 vanishes at 0 with its first three derivatives
    np.testing.assert_array_equal(parse(text).taylor(3, x=0.0), [0.0, 0.0, 0.0, 0.0])
    assert math.isnan(parse("abs(x)^-1e300").derivative(1, x=0.0))
