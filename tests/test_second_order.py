"""Second-order methods against what is known about them in closed form."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calcterm.compute import second_order as so
from calcterm.compute import surfaces
from calcterm.compute.optimizers import Settings

finite = st.floats(-5, 5, allow_nan=False)


def quadratic(A: np.ndarray, b: np.ndarray):
    """f = ½xᵀAx − bᵀx with gradient Ax − b and Hessian A; stationary point A⁻¹b."""
    return (lambda x: float(0.5 * x @ A @ x - b @ x), lambda x: A @ x - b, lambda x: A)


def random_spd(rng: np.random.Generator, n: int, lo: float = 0.1, hi: float = 20.0) -> np.ndarray:
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return Q @ np.diag(rng.uniform(lo, hi, n)) @ Q.T


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 2**32 - 1), finite, finite, st.booleans())
def test_newton_lands_in_one_step_on_any_quadratic(seed, x0, y0, definite):
    rng = np.random.default_rng(seed)
    A = random_spd(rng, 2)
    if not definite:  # a saddle: Newton goes to the stationary point all the same
        w, V = np.linalg.eigh(A)
        A = V @ np.diag([-w[0], w[1]]) @ V.T
    b = rng.standard_normal(2)
    value, grad, hess = quadratic(A, b)
    state = so.step("newton", so.start((x0, y0), grad), grad, Settings(eta=1.0), hess=hess)
    assert np.allclose(state.x, np.linalg.solve(A, b), rtol=1e-9, atol=1e-9)
    assert state.note == ("" if definite else "not-pd")


def test_damped_newton_takes_the_full_step_on_a_convex_quadratic():
    rng = np.random.default_rng(3)
    A, b = random_spd(rng, 2), rng.standard_normal(2)
    value, grad, hess = quadratic(A, b)
    state = so.step("newton-ls", so.start((4.0, -3.0), grad), grad, Settings(eta=1.0), hess, value)
    assert state.alpha == 1.0 and state.note == ""
    assert np.allclose(state.x, np.linalg.solve(A, b), atol=1e-12)


def test_damped_newton_falls_back_to_the_gradient_where_h_is_not_positive_definite():
    surface = surfaces.saddle()
    hess = so.hessian_of(surface)
    x0 = np.array([-4.0, 0.05])
    state = so.step("newton-ls", so.start(x0, surface.grad_at), surface.grad_at,
                    Settings(eta=1.0), hess, surface.value_at)
    assert state.note == "not-pd"
    g = surface.grad_at(x0)
    assert np.allclose(state.x, x0 - state.alpha * g)  # along −∇f
    assert surface.value_at(state.x) < surface.value_at(x0)
    plain = so.step("newton", so.start(x0, surface.grad_at), surface.grad_at, Settings(eta=1.0), hess)
    assert np.allclose(plain.x, 0.0)  # plain Newton jumps onto the saddle


@pytest.mark.parametrize("n", [2, 3, 5])
def test_bfgs_estimate_equals_the_inverse_hessian_after_n_steps_on_a_quadratic(n):
    """With exact line searches (the parabola is exact here) BFGS ends on H⁻¹ and x* in n steps."""
    rng = np.random.default_rng(n)
    for _ in range(20):
        A, b = random_spd(rng, n, 0.5, 10.0), rng.standard_normal(n)
        value, grad, _ = quadratic(A, b)
        eta = float(rng.uniform(0.05, 2.0))
        state = so.start(rng.standard_normal(n) * 3, grad, eta)
        errors = []
        for _ in range(n):
            state = so.step("bfgs", state, grad, Settings(eta=eta), value=value)
            errors.append(np.linalg.norm(state.inverse - np.linalg.inv(A)))
        assert errors[-1] < 1e-8 * np.linalg.norm(np.linalg.inv(A))
        assert np.allclose(state.x, np.linalg.solve(A, b), atol=1e-8)


def test_bfgs_update_satisfies_the_secant_equation_and_stays_positive_definite():
    rng = np.random.default_rng(7)
    for _ in range(50):
        B = random_spd(rng, 3)
        s = rng.standard_normal(3)
        y = random_spd(rng, 3) @ s  # yᵀs > 0, as on a convex function
        new = so.bfgs_update(B, s, y)
        assert np.allclose(new @ y, s)
        assert np.allclose(new, new.T) and so.is_positive_definite(new)
    assert so.bfgs_update(np.eye(2), np.array([1.0, 0.0]), np.array([-1.0, 0.0])) is None


def test_newton_converges_quadratically_on_rosenbrock():
    """‖e_{k+1}‖ / ‖e_k‖² stays bounded (about ‖H⁻¹‖·‖∇³f‖/2 near x*) while e shrinks to 1e-15."""
    surface = surfaces.rosenbrock()
    run = so.Run("newton", (1.2, 1.2), surface.value_at, surface.grad_at, Settings(eta=1.0),
                 so.hessian_of(surface))
    for _ in range(8):
        run.advance()
    errors = np.linalg.norm(run.path - np.array([1.0, 1.0]), axis=1)
    assert errors[-1] < 1e-12
    useful = errors[errors > 1e-7]
    ratios = useful[1:] / useful[:-1] ** 2
    assert np.all(ratios < 1e3)
    assert useful.size >= 3 and useful[-1] / useful[-2] < 0.01  # not linear: the ratio collapses


def test_bfgs_and_damped_newton_find_the_rosenbrock_minimum():
    surface = surfaces.rosenbrock()
    for method, budget in (("bfgs", 200), ("newton-ls", 100)):
        run = so.Run(method, (-1.2, 1.0), surface.value_at, surface.grad_at, Settings(eta=1e-3),
                     so.hessian_of(surface))
        for _ in range(budget):
            run.advance()
        assert np.allclose(run.path[-1], (1.0, 1.0), atol=1e-6), method
        assert np.all(np.diff(run.values) <= 0), method  # a line search never goes uphill


@pytest.mark.parametrize("key", ["rosenbrock", "himmelblau", "beale", "saddle", "quadratic"])
def test_hessians_match_finite_differences_of_the_hand_written_gradients(key):
    surface = surfaces.make(key, kappa=7.0, angle_deg=30.0)
    hess = so.hessian_of(surface)
    rng = np.random.default_rng(1)
    h = 1e-5
    for p in rng.uniform(-1.5, 1.5, (10, 2)):
        columns = [(surface.grad_at(p + h * e) - surface.grad_at(p - h * e)) / (2 * h)
                   for e in np.eye(2)]
        fd = np.column_stack(columns)
        assert np.allclose(hess(p), fd, rtol=1e-6, atol=1e-4 * max(1.0, np.abs(fd).max()))


def test_custom_surface_hessian_needs_its_formula():
    surface = surfaces.custom("x^2*y+y^3")
    with pytest.raises(ValueError):
        so.hessian_of(surface)
    hess = so.hessian_of(surface, "x^2*y+y^3")
    assert np.allclose(hess(np.array([1.0, 2.0])), [[4.0, 2.0], [2.0, 12.0]])


def test_armijo_returns_the_first_halving_that_decreases_enough():
    value = lambda x: float(x @ x)  # noqa: E731
    x = np.array([1.0, 0.0])
    d = np.array([-10.0, 0.0])  # overshoots: α = 1 lands at −9
    slope = float(2 * x @ d)
    alpha = so.armijo(value, x, value(x), slope, d)
    assert value(x + alpha * d) <= value(x) + so.ARMIJO_C * alpha * slope
    assert value(x + 2 * alpha * d) > value(x) + so.ARMIJO_C * 2 * alpha * slope
    assert so.armijo(value, x, value(x), -slope, -d) == 0.0  # an ascent direction: no step


def test_run_stops_on_a_singular_hessian_and_at_a_stationary_point():
    value = lambda p: float(p[0] + p[1] ** 2)  # noqa: E731
    grad = lambda p: np.array([1.0, 2 * p[1]])  # noqa: E731
    hess = lambda p: np.array([[0.0, 0.0], [0.0, 2.0]])  # noqa: E731
    run = so.Run("newton", (0.0, 1.0), value, grad, Settings(eta=1.0), hess)
    run.advance()
    assert run.status == "undefined" and run.note == "singular"
    damped = so.Run("newton-ls", (0.0, 1.0), value, grad, Settings(eta=1.0), hess)
    damped.advance()
    assert damped.running and damped.note == "singular"
    assert damped.values[-1] < damped.values[0]
    A = np.eye(2)
    f, g, H = quadratic(A, np.zeros(2))
    still = so.step("newton", so.start((0.0, 0.0), g), g, Settings(eta=1.0), hess=H)
    assert still.note == "stationary" and np.array_equal(still.x, [0.0, 0.0])


def test_unknown_method_and_missing_pieces_are_errors():
    f, g, H = quadratic(np.eye(2), np.zeros(2))
    with pytest.raises(ValueError):
        so.step("adam", so.start((1.0, 1.0), g), g, Settings(eta=1.0))
    with pytest.raises(ValueError):
        so.step("newton", so.start((1.0, 1.0), g), g, Settings(eta=1.0))
    with pytest.raises(ValueError):
        so.step("bfgs", so.start((1.0, 1.0), g), g, Settings(eta=1.0))


def test_wolfe_step_meets_both_conditions_where_the_parabola_guess_fails():
    surface = surfaces.rosenbrock()
    rng = np.random.default_rng(5)
    for _ in range(30):
        x = rng.uniform(-1.5, 1.5, 2)
        g = surface.grad_at(x)
        d = -g / np.linalg.norm(g) * rng.uniform(0.01, 3.0)
        f0, slope = surface.value_at(x), float(g @ d)
        alpha, g_new = so.wolfe(surface.value_at, surface.grad_at, x, f0, slope, d, 1.0)
        assert alpha > 0
        assert surface.value_at(x + alpha * d) <= f0 + so.ARMIJO_C * alpha * slope
        assert g_new @ d >= so.WOLFE_C2 * slope
        assert (g_new - g) @ (alpha * d) > 0  # the curvature BFGS needs


def test_runs_stop_once_they_no_longer_move():
    """Newton on a quadratic: one step lands, the next moves x by rounding only, and the run
    says converged; on the saddle it converges too (∇f = 0 there) and the Hessian tells why
    that is no minimum."""
    rng = np.random.default_rng(11)
    A, b = random_spd(rng, 2), rng.standard_normal(2)
    value, grad, hess = quadratic(A, b)
    run = so.Run("newton", (3.0, -2.0), value, grad, Settings(eta=1.0), hess)
    for _ in range(5):
        run.advance()
    assert run.status == "converged" and len(run.path) <= 3
    assert np.allclose(run.path[1], np.linalg.solve(A, b), atol=1e-12)
    surface = surfaces.saddle()
    hess = so.hessian_of(surface)
    on_saddle = so.Run("newton", (-4.0, 0.05), surface.value_at, surface.grad_at, Settings(eta=1.0), hess)
    on_saddle.advance()
    on_saddle.advance()
    assert on_saddle.status == "converged" and np.allclose(on_saddle.path[-1], 0.0)
    assert not so.is_positive_definite(hess(on_saddle.path[-1]))


def test_a_run_that_cannot_go_down_is_stalled_not_converged():
    """A gradient with the wrong sign makes every trial point of the line search go uphill:
    the run stops as stalled (no lower point found), not converged, and never moves."""
    value = lambda p: float(p @ p)  # noqa: E731
    wrong = lambda p: -2.0 * p  # noqa: E731
    for method in ("bfgs", "newton-ls"):
        run = so.Run(method, (1.0, 2.0), value, wrong, Settings(eta=1.0), lambda p: -2.0 * np.eye(2))
        run.advance()
        assert run.status == "stalled", method
        assert np.array_equal(run.path[-1], run.path[0])  # it went nowhere
