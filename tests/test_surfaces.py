"""Surfaces: exact gradients against central differences, the quadratic's curvature, minima."""

from __future__ import annotations

import numpy as np
import pytest

from calcterm.compute import surfaces
from calcterm.compute.surfaces import HIMMELBLAU_MINIMA, make

H = 1e-6


def central_gradient(surface, x, y):
    fx = (surface.value(x + H, y) - surface.value(x - H, y)) / (2 * H)
    fy = (surface.value(x, y + H) - surface.value(x, y - H)) / (2 * H)
    return fx, fy


ALL = [
    make("quadratic", kappa=1.0, angle_deg=0.0),
    make("quadratic", kappa=37.0, angle_deg=30.0),
    make("quadratic", kappa=1000.0, angle_deg=-75.0),
    make("rosenbrock"), make("himmelblau"), make("beale"), make("saddle"),
    make("custom", text="x^2*y + sin(x*y) + exp(-y^2)"),
]


@pytest.mark.parametrize("surface", ALL, ids=lambda s: f"{s.key}:{s.formula}")
def test_gradient_matches_central_differences(surface):
    rng = np.random.default_rng(1)
    lo_x, hi_x, lo_y, hi_y = surface.view
    x = rng.uniform(lo_x, hi_x, 200) * 0.6
    y = rng.uniform(lo_y, hi_y, 200) * 0.6
    gx, gy = surface.gradient(x, y)
    fx, fy = central_gradient(surface, x, y)
    scale = 1.0 + np.abs(surface.value(x, y))
    assert np.allclose(gx, fx, rtol=1e-5, atol=1e-6 * scale.max())
    assert np.allclose(gy, fy, rtol=1e-5, atol=1e-6 * scale.max())


@pytest.mark.parametrize("kappa, angle", [(1.0, 0.0), (10.0, 30.0), (250.0, 90.0), (1000.0, -45.0)])
def test_quadratic_hessian_eigenvalues_and_constants(kappa, angle):
    s = make("quadratic", kappa=kappa, angle_deg=angle)
    x, y = np.array([0.3, -2.0]), np.array([1.5, 0.7])
    hess = s.hessian(x, y)
    for col, (dx, dy) in enumerate(((H, 0.0), (0.0, H))):
        plus = np.array(s.gradient(x + dx, y + dy))
        minus = np.array(s.gradient(x - dx, y - dy))
        assert np.allclose(hess[:, col], (plus - minus) / (2 * H), rtol=1e-6, atol=1e-6)
    eig = np.linalg.eigvalsh(hess[..., 0])
    assert np.allclose(eig, [1.0, kappa])
    assert (s.L, s.mu) == (kappa, 1.0)
    assert s.eta == pytest.approx(1.0 / kappa)
    # f = ½ pᵀ H p exactly
    p = np.array([x[0], y[0]])
    assert s.value(x[0], y[0]) == pytest.approx(0.5 * p @ hess[..., 0] @ p)


def test_unrotated_quadratic_is_the_textbook_form():
    s = make("quadratic", kappa=7.0, angle_deg=0.0)
    assert s.value(2.0, 3.0) == pytest.approx(0.5 * (4 + 7 * 9))


@pytest.mark.parametrize("surface", [make("quadratic", kappa=5.0, angle_deg=20.0),
                                     make("rosenbrock"), make("himmelblau"), make("beale")],
                         ids=lambda s: s.key)
def test_known_minima_are_stationary_at_f_star(surface):
    assert surface.minima and surface.f_star == 0.0
    for mx, my in surface.minima:
        assert surface.value(mx, my) == pytest.approx(surface.f_star, abs=1e-9)
        assert np.hypot(*surface.gradient(mx, my)) < 1e-4
        rng = np.random.default_rng(0)
        near = rng.normal(0, 1e-2, (50, 2))
        assert np.all(surface.value(mx + near[:, 0], my + near[:, 1]) > surface.f_star)


def test_himmelblau_has_its_four_minima():
    assert len(HIMMELBLAU_MINIMA) == 4


def test_saddle_has_no_minimum_and_custom_no_f_star():
    s = make("saddle")
    assert s.f_star is None and not s.bounded_below and s.value(0.0, 10.0) == -100.0
    c = make("custom", text="x^2+y^2")
    assert c.f_star is None and c.value(3.0, 4.0) == 25.0
    assert np.allclose(c.grad_at(np.array([3.0, 4.0])), [6.0, 8.0])


def test_unknown_surface_names_the_choices():
    with pytest.raises(ValueError, match="rosenbrock"):
        make("nope")


def test_presets_cover_the_issue():
    assert set(surfaces.PRESETS) == {"rosenbrock", "himmelblau", "beale", "saddle"}
