"""Jacobians, mapped cells, change of variables and pushed densities against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calcterm.compute.integrals import integrate
from calcterm.compute.maps import (
    PRESETS, cell_image_area, compose, coupling_inverse, disk_probability, gaussian, gaussian_disk,
    gaussian_sum_limits, morph, naive_radius_pdf, normal_samples, plane_map, polar_sums,
    pushed_density, rayleigh_pdf,
)

POINT = (1.3, 0.4)
JACOBIANS = {
    "polar": lambda u, v: [[math.cos(v), -u * math.sin(v)], [math.sin(v), u * math.cos(v)]],
    "square": lambda u, v: [[2 * u, -2 * v], [2 * v, 2 * u]],
    "exp": lambda u, v: [[math.exp(u) * math.cos(v), -math.exp(u) * math.sin(v)],
                         [math.exp(u) * math.sin(v), math.exp(u) * math.cos(v)]],
    "shear": lambda u, v: [[1.0, 1.0], [0.0, 1.0]],
    "coupling": lambda u, v: [[1.0, 0.0],
                              [math.cos(u) + v * math.exp(math.tanh(u) / 2) * (1 - math.tanh(u) ** 2) / 2,
                               math.exp(math.tanh(u) / 2)]],
}


def _coupling_cell(u0, v0, h):
    width = integrate(lambda u: np.exp(np.tanh(u) / 2), u0, u0 + h).value
    return width * h


CELL_AREAS = {  # ∫∫ det J over [u0, u0+h] × [v0, v0+h], each by hand
    "polar": lambda u0, v0, h: ((u0 + h) ** 2 - u0**2) / 2 * h,
    "square": lambda u0, v0, h: 4 * (h * ((u0 + h) ** 3 - u0**3) / 3 + h * ((v0 + h) ** 3 - v0**3) / 3),
    "exp": lambda u0, v0, h: h * (math.exp(2 * (u0 + h)) - math.exp(2 * u0)) / 2,
    "shear": lambda u0, v0, h: h * h,
    "coupling": _coupling_cell,
}


@pytest.mark.parametrize("name", list(PRESETS))
def test_taylor_mode_jacobian_matches_the_closed_form(name):
    m = plane_map(*PRESETS[name])
    np.testing.assert_allclose(m.jacobian(*POINT), JACOBIANS[name](*POINT), rtol=1e-14, atol=1e-15)


def test_jacobian_of_a_custom_map_matches_finite_differences():
    m = plane_map("u^3*v+sin(v)", "exp(u-v)/(1+v^2)")
    u, v, h = 0.6, -0.8, 1e-6
    columns = [(np.array(m(u + h, v)) - np.array(m(u - h, v))) / (2 * h),
               (np.array(m(u, v + h)) - np.array(m(u, v - h))) / (2 * h)]
    np.testing.assert_allclose(m.jacobian(u, v), np.column_stack(columns), rtol=1e-8)


@pytest.mark.parametrize("name", list(PRESETS))
@pytest.mark.parametrize("h", [0.5, 0.01])
def test_greens_theorem_area_of_the_mapped_cell(name, h):
    m = plane_map(*PRESETS[name])
    assert cell_image_area(m, *POINT, h) == pytest.approx(CELL_AREAS[name](*POINT, h), rel=1e-12)


@pytest.mark.parametrize("name", list(PRESETS))
def test_area_ratio_tends_to_abs_det_with_error_of_order_h(name):
    m = plane_map(*PRESETS[name])
    det = abs(np.linalg.det(m.jacobian(*POINT)))
    gaps = [cell_image_area(m, *POINT, h) / h**2 - det for h in (1e-2, 5e-3, 2.5e-3)]
    assert abs(gaps[-1]) < 0.02 * det
    if name != "shear":
        assert gaps[0] / gaps[1] == pytest.approx(2.0, rel=0.02)
        assert gaps[1] / gaps[2] == pytest.approx(2.0, rel=0.02)
    else:
        assert max(abs(g) for g in gaps) < 1e-10, "a linear map: the ratio is det exactly"


def test_polar_ratio_is_two_plus_half_h_exactly():
    m = plane_map(*PRESETS["polar"])
    for h in (1.0, 0.5, 0.1):
        assert cell_image_area(m, 2.0, math.pi / 6, h) / h**2 == pytest.approx(2 + h / 2, rel=1e-13)


def test_a_reflection_has_negative_signed_area_and_the_absolute_value_matters():
    m = plane_map("v", "u")
    assert np.linalg.det(m.jacobian(0.2, 0.3)) == -1.0
    assert cell_image_area(m, 0.2, 0.3, 0.4) == pytest.approx(-0.16, rel=1e-13)


@pytest.mark.parametrize("first", list(PRESETS))
@pytest.mark.parametrize("second", ["polar", "square", "exp", "coupling"])
def test_chain_rule_is_a_matrix_product_and_det_is_multiplicative(first, second):
    t1, t2 = plane_map(*PRESETS[first]), plane_map(*PRESETS[second])
    composite = compose(t2, t1)
    x, y = (float(c) for c in t1(*POINT))
    j1, j2 = t1.jacobian(*POINT), t2.jacobian(x, y)
    jc = composite.jacobian(*POINT)
    np.testing.assert_allclose(jc, j2 @ j1, rtol=1e-12, atol=1e-12)
    assert np.linalg.det(jc) == pytest.approx(np.linalg.det(j1) * np.linalg.det(j2), rel=1e-12)
    np.testing.assert_allclose(composite(*POINT), t2(x, y), rtol=1e-14)


def test_compose_replaces_only_the_variables_not_function_names():
    outer = plane_map("tanh(u)+sinh(v)", "u*v")
    inner = plane_map("v+1", "u^2")
    assert compose(outer, inner).texts == ("tanh((v+1))+sinh((u^2))", "(v+1)*(u^2)")


def test_morph_runs_from_the_identity_to_the_map():
    m = plane_map(*PRESETS["square"])
    u, v = np.array([0.5, -1.0]), np.array([2.0, 0.3])
    np.testing.assert_allclose(morph(m, u, v, 0.0), (u, v))
    np.testing.assert_allclose(morph(m, u, v, 1.0), m(u, v))
    x, y = m(u, v)
    np.testing.assert_allclose(morph(m, u, v, 0.25), (0.75 * u + 0.25 * x, 0.75 * v + 0.25 * y))


# ---------------------------------------------------------------- change of variables


def _disk_by_cartesian_slices(R):
    """∫∫_{x²+y²<R²} e^(−(x²+y²)/2): the inner integral in y is √(2π)·erf(√(R²−x²)/√2)·e^(−x²/2)."""
    inner = np.vectorize(
        lambda x: math.sqrt(2 * math.pi) * math.erf(math.sqrt(max(R * R - x * x, 0)) / math.sqrt(2)))
    return integrate(lambda x: np.exp(-x * x / 2) * inner(x), -R, R, tol=1e-12).value


@pytest.mark.parametrize("R", [0.5, 2.0, 4.0])
def test_with_the_jacobian_the_polar_sum_is_the_cartesian_integral(R):
    exact = gaussian_disk(R, 2 * math.pi)
    assert exact == pytest.approx(_disk_by_cartesian_slices(R), rel=1e-10)
    sums = [polar_sums(gaussian, R, n, 2 * math.pi) for n in (64, 128)]
    errors = [s.with_jacobian - exact for s in sums]
    assert abs(errors[1]) < 1e-3 * exact
    assert errors[0] / errors[1] == pytest.approx(4.0, rel=0.02), "midpoint: second order"


def test_without_the_jacobian_the_sum_converges_to_the_wrong_number():
    R = 2.0
    limits = gaussian_sum_limits(R, 2 * math.pi)
    s = polar_sums(gaussian, R, 512, 2 * math.pi)
    assert s.without_jacobian == pytest.approx(limits.without_jacobian, rel=1e-5)
    assert s.without_jacobian > 1.3 * gaussian_disk(R, 2 * math.pi)


def test_a_map_that_is_not_one_to_one_counts_the_disk_twice():
    R, theta_max = 2.0, 4 * math.pi
    s = polar_sums(gaussian, R, 512, theta_max)
    assert s.with_jacobian == pytest.approx(gaussian_sum_limits(R, theta_max).with_jacobian, rel=1e-5)
    assert s.with_jacobian == pytest.approx(2 * gaussian_disk(R, theta_max), rel=1e-5)
    assert gaussian_disk(R, theta_max) == gaussian_disk(R, 2 * math.pi)


# ---------------------------------------------------------------- densities


def test_radius_densities_with_and_without_the_jacobian():
    assert integrate(rayleigh_pdf, 0, 40).value == pytest.approx(1.0, rel=1e-13)
    assert integrate(naive_radius_pdf, 0, 40).value == pytest.approx(1.0, rel=1e-13)
    assert integrate(lambda r: np.exp(-r * r / 2), 0, 40).value == pytest.approx(math.sqrt(math.pi / 2))


def test_sampled_radius_follows_the_rayleigh_law():
    xy = normal_samples(200_000, seed=11)
    r = np.hypot(xy[:, 0], xy[:, 1])
    mean, sd = math.sqrt(math.pi / 2), math.sqrt(2 - math.pi / 2)
    assert abs(r.mean() - mean) < 4 * sd / math.sqrt(r.size)
    p = 1 - math.exp(-0.5)
    assert abs((r < 1).mean() - p) < 4 * math.sqrt(p * (1 - p) / r.size)
    naive = integrate(naive_radius_pdf, 0, 1).value
    assert naive == pytest.approx(math.erf(1 / math.sqrt(2)), rel=1e-13)
    assert abs((r < 1).mean() - naive) > 0.25, "forgetting r is far off"


def test_pushed_density_of_the_coupling_layer():
    m = plane_map(*PRESETS["coupling"])
    x, y = np.array([0.3, -1.2, 2.0]), np.array([0.1, 0.5, -0.7])
    u, v = coupling_inverse(x, y)
    np.testing.assert_allclose(m(u, v), (x, y), atol=1e-14)
    closed = np.exp(-(u**2 + v**2) / 2) / (2 * math.pi) * np.exp(-np.tanh(u) / 2)
    np.testing.assert_allclose(pushed_density(m, coupling_inverse, x, y), closed, rtol=1e-13)


def test_coupling_density_integrates_to_one_only_with_the_jacobian():
    m = plane_map(*PRESETS["coupling"])
    with_j = disk_probability(lambda x, y: pushed_density(m, coupling_inverse, x, y), radius=9.0, n=600)
    without = disk_probability(lambda x, y: pushed_density(m, coupling_inverse, x, y, False),
                               radius=9.0, n=600)
    assert with_j == pytest.approx(1.0, abs=5e-5)  # midpoint rule, Δr = 0.015
    # without |J| the mass is E|det J_T(U)| = E e^(tanh(U)/2), a 1-D integral
    expected = integrate(lambda u: np.exp(np.tanh(u) / 2 - u * u / 2) / math.sqrt(2 * math.pi), -40, 40).value
    assert without == pytest.approx(expected, abs=5e-5)
    assert expected > 1.02


def test_coupling_probability_of_the_unit_disk_three_ways():
    """Formula (quadrature of p_Y), slices in x with the normal cdf in y, and Monte Carlo."""
    m = plane_map(*PRESETS["coupling"])
    formula = disk_probability(lambda x, y: pushed_density(m, coupling_inverse, x, y))
    phi = np.vectorize(lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2))))

    def slice_mass(x):
        half, k = np.sqrt(1 - x * x), np.exp(-np.tanh(x) / 2)
        return np.exp(-x * x / 2) / math.sqrt(2 * math.pi) * (
            phi((half - np.sin(x)) * k) - phi((-half - np.sin(x)) * k))

    assert formula == pytest.approx(integrate(slice_mass, -1, 1, tol=1e-12).value, abs=1e-6)
    s = normal_samples(400_000, seed=3)
    x, y = m(s[:, 0], s[:, 1])
    inside = (x * x + y * y < 1).mean()
    assert abs(inside - formula) < 4 * math.sqrt(formula * (1 - formula) / s.shape[0])
