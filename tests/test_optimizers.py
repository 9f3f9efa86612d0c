"""Optimizers: two-step traces worked by hand, Adam's bias correction, GD's rate and stability."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings as hyp_settings, strategies as st

from calcterm.compute.optimizers import BLOWUP, METHODS, Run, Settings, start, step
from calcterm.compute.surfaces import make

A = np.array([1.0, 4.0])  # the gradient of ½(x² + 4y²) is (x, 4y)


def grad(p):
    return A * p


def two_steps(method, **kw):
    cfg = Settings(eta=0.1, beta=0.5, beta2=0.9, eps=0.0, **kw)
    s1 = step(method, start((1.0, 1.0)), grad, cfg)
    s2 = step(method, s1, grad, cfg)
    return s1.x, s2.x


def test_gd_by_hand():
    # g0 = (1, 4) → x1 = (0.9, 0.6); g1 = (0.9, 2.4) → x2 = (0.81, 0.36)
    x1, x2 = two_steps("gd")
    assert np.allclose(x1, [0.9, 0.6]) and np.allclose(x2, [0.81, 0.36])


def test_momentum_by_hand_in_the_articles_form():
    # v1 = 0.5·0 + 0.5·(1, 4) = (0.5, 2); x1 = (1 − 0.05, 1 − 0.2) = (0.95, 0.8)
    # g1 = (0.95, 3.2); v2 = (0.25 + 0.475, 1 + 1.6) = (0.725, 2.6); x2 = (0.8775, 0.54)
    x1, x2 = two_steps("momentum")
    assert np.allclose(x1, [0.95, 0.8]) and np.allclose(x2, [0.8775, 0.54])


def test_nesterov_by_hand_takes_the_gradient_ahead():
    # step 1 looks ahead from v = 0, so it equals momentum: x1 = (0.95, 0.8), v1 = (0.5, 2)
    # look-ahead x1 − 0.1·0.5·v1 = (0.925, 0.7); g = (0.925, 2.8)
    # v2 = (0.25 + 0.4625, 1 + 1.4) = (0.7125, 2.4); x2 = (0.95 − 0.07125, 0.8 − 0.24)
    x1, x2 = two_steps("nesterov")
    assert np.allclose(x1, [0.95, 0.8]) and np.allclose(x2, [0.87875, 0.56])


def test_adagrad_by_hand():
    # G1 = (1, 16); x1 = (1 − 0.1·1/1, 1 − 0.1·4/4) = (0.9, 0.9)
    # g1 = (0.9, 3.6); G2 = (1.81, 28.96); x2 = x1 − 0.1·g1/√G2
    x1, x2 = two_steps("adagrad")
    assert np.allclose(x1, [0.9, 0.9])
    assert np.allclose(x2, [0.9 - 0.09 / math.sqrt(1.81), 0.9 - 0.36 / math.sqrt(28.96)])


def test_rmsprop_by_hand():
    # s1 = 0.1·(1, 16) = (0.1, 1.6); x1 = 1 − 0.1·(1/√0.1, 4/√1.6) = 1 − √0.1 in both
    x1, x2 = two_steps("rmsprop")
    a = 1 - math.sqrt(0.1)
    assert np.allclose(x1, [a, a])
    g1 = (a, 4 * a)
    s2 = (0.9 * 0.1 + 0.1 * g1[0] ** 2, 0.9 * 1.6 + 0.1 * g1[1] ** 2)
    assert np.allclose(x2, [a - 0.1 * g1[0] / math.sqrt(s2[0]), a - 0.1 * g1[1] / math.sqrt(s2[1])])


def test_adam_by_hand():
    # m1 = (0.5, 2), s1 = (0.1, 1.6); m̂ = m1/0.5 = (1, 4), ŝ = s1/0.1 = (1, 16); x1 = (0.9, 0.9)
    # g1 = (0.9, 3.6); m2 = (0.7, 2.8), s2 = (0.171, 2.736); m̂ = m2/0.75, ŝ = s2/0.19
    x1, x2 = two_steps("adam")
    assert np.allclose(x1, [0.9, 0.9])
    m_hat = np.array([0.7, 2.8]) / 0.75
    s_hat = np.array([0.171, 2.736]) / 0.19
    assert np.allclose(x2, 0.9 - 0.1 * m_hat / np.sqrt(s_hat))


def test_adam_bias_correction_makes_the_first_step_eta_per_coordinate():
    """Without the correction the first step would be η(1−β₁)/√(1−β₂) ≈ 3.2η, not η."""
    g = np.array([3.0, -0.02])
    cfg = Settings(eta=0.05, beta=0.9, beta2=0.999)
    s1 = step("adam", start((0.0, 0.0)), lambda p: g, cfg)
    assert np.allclose(s1.x, [-0.05, 0.05], rtol=1e-6)
    assert np.allclose(s1.v, 0.1 * g) and np.allclose(s1.s, 0.001 * g * g)  # raw moments kept
    uncorrected = 0.05 * s1.v / np.sqrt(s1.s)
    assert np.allclose(np.abs(uncorrected), 0.05 * 0.1 / math.sqrt(0.001))


@pytest.mark.parametrize("method", ["momentum", "nesterov"])
def test_momentum_without_memory_is_gd(method):
    cfg = Settings(eta=0.1, beta=0.0)
    a = b = start((1.0, -2.0))
    for _ in range(5):
        a = step(method, a, grad, cfg)
        b = step("gd", b, grad, cfg)
    assert np.allclose(a.x, b.x)


def test_schedules():
    assert Settings(0.2, schedule="constant", lam=0.5).rate(7) == 0.2
    assert Settings(0.2, schedule="inverse", lam=0.5).rate(2) == pytest.approx(0.1)
    assert Settings(0.2, schedule="exponential", lam=0.5).rate(2) == pytest.approx(0.2 / math.e)
    with pytest.raises(ValueError):
        Settings(0.2, schedule="cosine").rate(1)
    with pytest.raises(ValueError, match="adam"):
        step("sgd", start((0, 0)), grad, Settings(0.1))


def gd_losses(kappa, angle, x0, eta_times_L, steps):
    surface = make("quadratic", kappa=kappa, angle_deg=angle)
    run = Run("gd", x0, surface.value_at, surface.grad_at, Settings(eta=eta_times_L / surface.L))
    for _ in range(steps):
        run.advance()
    return surface, run


@hyp_settings(max_examples=60, deadline=None)
@given(kappa=st.floats(1.0, 1000.0), angle=st.floats(-90.0, 90.0),
       phi=st.floats(0.0, 2 * math.pi), radius=st.floats(0.1, 5.0))
def test_gd_at_one_over_L_contracts_at_least_as_fast_as_the_bound(kappa, angle, phi, radius):
    surface, run = gd_losses(kappa, angle, (radius * math.cos(phi), radius * math.sin(phi)), 1.0, 80)
    loss = run.values - surface.f_star
    loss = loss[loss > 1e-250]
    ratios = loss[1:] / loss[:-1]
    bound = 1 - surface.mu / surface.L
    assert np.all(ratios <= bound + 1e-9)
    assert np.all(ratios <= bound ** 2 + 1e-9)  # the exact worst case on a quadratic: (1 − μ/L)²


def test_gd_slightly_above_two_over_L_diverges_and_slightly_below_converges():
    with np.errstate(all="raise"):
        surface, run = gd_losses(10.0, 30.0, (-4.0, 3.0), 2.02, 2000)
        assert run.diverged and not run.running
        assert np.max(np.abs(run.path[-1])) > BLOWUP
        assert np.all(np.isfinite(run.path))
        n = len(run.path)
        run.advance()
        assert len(run.path) == n, "a diverged run is not iterated any more"
        _, stable = gd_losses(10.0, 30.0, (-4.0, 3.0), 1.98, 2000)
        assert stable.running and stable.values[-1] < 1e-6 * stable.values[0]


def test_overflow_is_divergence_not_a_warning():
    surface = make("rosenbrock")
    with np.errstate(all="raise"):
        run = Run("gd", (-1.5, 2.5), surface.value_at, surface.grad_at, Settings(eta=1.0))
        for _ in range(10):
            run.advance()
    assert run.diverged and np.all(np.isfinite(run.path))


def test_leaving_the_domain_is_named_undefined():
    surface = make("custom", text="log(x) + y^2")
    run = Run("gd", (0.5, 0.0), surface.value_at, surface.grad_at, Settings(eta=1.0))
    run.advance()  # x1 = 0.5 − 1·(1/0.5) = −1.5, where log is undefined
    assert run.status == "undefined" and not run.diverged
    assert np.allclose(run.path[-1], [-1.5, 0.0])
    run.advance()
    assert len(run.path) == 2
    assert Run("gd", (-1.0, 0.0), surface.value_at, surface.grad_at, Settings(1.0)).status \
        == "undefined"


@pytest.mark.parametrize("method", METHODS)
def test_every_method_descends_a_bowl(method):
    surface = make("quadratic", kappa=4.0, angle_deg=20.0)
    run = Run(method, (-3.0, 2.0), surface.value_at, surface.grad_at,
              Settings(eta=0.5 if method == "adagrad" else 0.05, beta=0.9, beta2=0.99))
    for _ in range(400):
        run.advance()
    assert run.running and run.values[-1] < 0.05 * run.values[0]
