"""Backpropagation against central finite differences, and the init/regime facts it shows."""

from __future__ import annotations

import numpy as np
import pytest

from calcterm.compute.activations import (
    ACTIVATIONS, SUP_DERIVATIVE, activate, activate_with_slope, derivative, saturated,
)
from calcterm.compute.network import (
    FLOAT32_FROM, Network, bound_profile, build_network, forward, gain_bounds, gradients,
    layer_norm, log10_product, mse_loss, precision_for, regime, smooth_target, spectral_norms,
    step_memory, top_singular_values, train_step,
)

FD_STEP = 1e-6
REL_TOL = 1e-6


def loss_of(net: Network, x: np.ndarray, y: np.ndarray) -> float:
    return mse_loss(forward(net, x).yhat, y)


def central_difference(f, array: np.ndarray) -> np.ndarray:
    """∂f/∂array entry by entry, perturbing `array` in place (and restoring it)."""
    grad = np.empty_like(array)
    flat, out = array.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + FD_STEP
        up = f()
        flat[i] = keep - FD_STEP
        down = f()
        flat[i] = keep
        out[i] = (up - down) / (2 * FD_STEP)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-300))


def small_problem(activation, residual, layernorm, seed=0, depth=3, width=4, batch=5):
    rng = np.random.default_rng(seed)
    net = build_network(rng, depth, width, activation, "normal", 0.7, residual, layernorm)
    net.b[:] = rng.normal(0, 0.3, net.b.shape)  # nonzero biases exercise ∂L/∂b properly
    net.c = 0.2
    x = rng.standard_normal((batch, width))
    y = smooth_target(x, np.eye(width)[0])
    return net, x, y


@pytest.mark.parametrize("layernorm", [False, True], ids=["plain", "layernorm"])
@pytest.mark.parametrize("residual", [False, True], ids=["feedforward", "residual"])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_backprop_equals_central_differences(activation, residual, layernorm):
    net, x, y = small_problem(activation, residual, layernorm)
    loss, grads = gradients(net, x, y)
    assert loss == pytest.approx(loss_of(net, x, y), rel=1e-15)
    f = lambda: loss_of(net, x, y)  # noqa: E731
    assert relative_error(grads.dW, central_difference(f, net.W)) < REL_TOL
    assert relative_error(grads.db, central_difference(f, net.b)) < REL_TOL
    assert relative_error(grads.dv, central_difference(f, net.v)) < REL_TOL
    c = np.array([net.c])

    def with_c():
        net.c = float(c[0])
        return loss_of(net, x, y)

    assert relative_error(np.array([grads.dc]), central_difference(with_c, c)) < REL_TOL
    net.c = float(c[0])
    for k in range(net.depth + 1):
        # ∂L/∂h⁽ᵏ⁾ is ∂L/∂(input) of the network made of layers k+1…L
        rest = Network(net.W[k:], net.b[k:], net.v, net.c, activation, residual, layernorm,
                       net.branch_scale)
        h_k = forward(net, x).h[k].copy()
        fd = central_difference(lambda: loss_of(rest, h_k, y), h_k)
        assert relative_error(grads.dh[k], fd) < REL_TOL, f"∂L/∂h⁽{k}⁾"


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activation_derivative_is_the_slope(activation):
    z = np.linspace(-5, 5, 41) + 0.013  # off ReLU's kink
    fd = (activate(activation, z + 1e-6) - activate(activation, z - 1e-6)) / 2e-6
    assert np.allclose(derivative(activation, z), fd, atol=1e-8)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_sup_derivative_bounds_the_slope_everywhere(activation):
    z = np.random.default_rng(1).normal(0, 4, 100_000)
    slope = np.abs(derivative(activation, z))
    assert slope.max() <= SUP_DERIVATIVE[activation] + 1e-12
    assert slope.max() >= 0.95 * SUP_DERIVATIVE[activation]


def test_article_facts_about_derivatives():
    z = np.linspace(-50, 50, 10_001)
    assert derivative("sigmoid", z).max() == pytest.approx(0.25)
    assert set(np.unique(derivative("relu", z))) == {0.0, 1.0}
    assert SUP_DERIVATIVE["gelu"] == pytest.approx(1.1289, abs=1e-3)
    assert saturated("sigmoid", np.array([0.0, 5.0]))[1] and not saturated("sigmoid", np.array([0.0]))[0]
    assert not saturated("linear", z).any()


def test_activations_never_warn_on_huge_inputs():
    z = np.array([-1e300, -800.0, -40.0, 0.0, 40.0, 800.0, 1e300])
    with np.errstate(all="raise"):
        for name in ACTIVATIONS:
            assert np.isfinite(activate(name, z)).all()
            assert np.isfinite(derivative(name, z)).all()
    assert activate("sigmoid", np.array([-800.0, 800.0])).tolist() == [0.0, 1.0]


def test_layer_norm_has_zero_mean_and_unit_variance():
    h = np.random.default_rng(2).normal(3, 5, (6, 64))
    u, _ = layer_norm(h)
    assert np.allclose(u.mean(axis=1), 0, atol=1e-12)
    assert np.allclose(u.var(axis=1), 1, atol=1e-5)


def test_train_step_uses_the_backprop_gradient():
    net, x, y = small_problem("tanh", True, True, seed=4)
    loss, grads = gradients(net, x, y)
    W0, v0 = net.W.copy(), net.v.copy()
    diag = train_step(net, x, y, lr=0.1)
    assert diag.loss == pytest.approx(loss, rel=1e-14)
    assert np.allclose(net.W, W0 - 0.1 * grads.dW, rtol=0, atol=1e-14)
    assert np.allclose(net.v, v0 - 0.1 * grads.dv, rtol=0, atol=1e-14)
    assert np.allclose(diag.grad_h, np.linalg.norm(grads.dh.reshape(net.depth + 1, -1), axis=1))
    assert np.allclose(diag.grad_W, np.linalg.norm(grads.dW.reshape(net.depth, -1), axis=1))


def test_measuring_with_zero_learning_rate_changes_nothing():
    net, x, y = small_problem("relu", False, False)
    W0 = net.W.copy()
    train_step(net, x, y, lr=0.0)
    assert np.array_equal(net.W, W0)


def test_sgd_lowers_the_loss():
    rng = np.random.default_rng(5)
    net = build_network(rng, 4, 32, "relu", "he")
    direction = np.eye(32)[0]
    x = rng.standard_normal((64, 32))
    y = smooth_target(x, direction)
    losses = [train_step(net, x, y, lr=0.05).loss for _ in range(60)]
    assert losses[-1] < 0.5 * losses[0]


def test_dead_relu_units_are_those_never_active():
    net, x, y = small_problem("relu", False, False, width=6, batch=8)
    net.b[1, :2] = -100.0  # two units of layer 2 can never switch on
    diag = train_step(net, x, y, lr=0.0)
    z = forward(net, x).z
    assert diag.dead[1] >= 2
    assert diag.dead.tolist() == [int((z[j] <= 0).all(axis=0).sum()) for j in range(3)]
    assert train_step(*small_problem("tanh", False, False)[:1], x[:, :4], y, 0.0).dead.sum() == 0


def test_lanczos_finds_a_planted_spectral_norm():
    rng = np.random.default_rng(6)
    q1, _ = np.linalg.qr(rng.standard_normal((3, 20, 20)))
    q2, _ = np.linalg.qr(rng.standard_normal((3, 20, 20)))
    spectrum = np.linspace(0.1, 1.0, 20) * np.array([[1.0], [3.0], [0.2]])
    W = q1 * spectrum[:, None, :] @ q2.transpose(0, 2, 1)
    sigma, v = top_singular_values(W, rng.standard_normal((3, 20)), 20)
    assert np.allclose(sigma, [1.0, 3.0, 0.2], rtol=1e-12)
    assert np.allclose(np.linalg.norm(np.matmul(W, v[:, :, None])[:, :, 0], axis=1), sigma)
    assert np.allclose(spectral_norms(W), [1.0, 3.0, 0.2], rtol=1e-12)


@pytest.mark.parametrize("width", [4, 64, 256])
def test_lanczos_is_a_lower_bound_that_warm_starts_well(width):
    rng = np.random.default_rng(7)
    W = rng.standard_normal((5, width, width)) / np.sqrt(width)
    exact = spectral_norms(W)
    few, v = top_singular_values(W, rng.standard_normal((5, width)), 3)
    assert (few <= exact * (1 + 1e-12)).all()
    more, v = top_singular_values(W, v, 30)
    assert np.allclose(more, exact, rtol=1e-6)
    W += 1e-3 * rng.standard_normal(W.shape) / np.sqrt(width)  # one small SGD-sized change
    warm, _ = top_singular_values(W, v, 3)
    assert np.allclose(warm, spectral_norms(W), rtol=1e-5)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("residual", [False, True])
def test_gradient_norms_obey_the_singular_value_bound(activation, residual):
    rng = np.random.default_rng(8)
    net = build_network(rng, 12, 16, activation, "normal", 0.4, residual)
    x = rng.standard_normal((10, 16))
    diag = train_step(net, x, smooth_target(x, np.eye(16)[0]), 0.0)
    scale = net.branch_scale if residual else None
    bound = bound_profile(diag.grad_h[-1], gain_bounds(spectral_norms(net.W), activation, scale))
    assert (diag.grad_h <= bound * (1 + 1e-9)).all()
    assert bound[-1] == diag.grad_h[-1]


def test_bound_profile_stays_finite_in_logs():
    gains = np.full(200, 80.0)
    profile = bound_profile(1.0, gains)
    assert np.isinf(profile[0]) and profile[-1] == 1.0
    assert profile[-2] == pytest.approx(80.0)
    assert log10_product(gains) == pytest.approx(200 * np.log10(80.0))


def std_profile(activation, init, sigma=1.0, depth=30, width=256, seed=9):
    rng = np.random.default_rng(seed)
    net = build_network(rng, depth, width, activation, init, sigma)
    x = rng.standard_normal((64, width))
    return forward(net, x).h.reshape(depth + 1, -1).std(axis=1)


@pytest.mark.parametrize("seed", [9, 10])
def test_xavier_keeps_tanh_activations_within_an_order_of_magnitude(seed):
    """σ_w² = 1/n is the critical scale for tanh: spread decays only polynomially (≈ 1/√(2k))."""
    xavier = std_profile("tanh", "xavier", seed=seed)
    assert 0.1 < xavier[-1] / xavier[1] < 1.0
    half = std_profile("tanh", "normal", sigma=0.5 / 16, seed=seed)  # half the Xavier std
    assert half[-1] / half[1] < 1e-8


@pytest.mark.parametrize("seed", [9, 10])
def test_he_keeps_relu_activations_constant(seed):
    he = std_profile("relu", "he", seed=seed)
    assert 1 / 3 < he[-1] / he[1] < 3  # finite width: the log-spread random-walks a little
    # ReLU is positively homogeneous, so Xavier (He / √2) loses exactly √2 per layer
    xavier = std_profile("relu", "xavier", seed=seed)
    assert np.allclose(xavier / he, 2.0 ** (-np.arange(31) / 2), rtol=1e-10)


def run_regime(activation, init, sigma=1.0, depth=30, width=64, residual=False, layernorm=False):
    rng = np.random.default_rng(11)
    net = build_network(rng, depth, width, activation, init, sigma, residual, layernorm)
    x = rng.standard_normal((32, width))
    return train_step(net, x, smooth_target(x, np.eye(width)[0]), 0.0)


def test_deep_sigmoid_with_xavier_vanishes():
    diag = run_regime("sigmoid", "xavier")
    assert regime(diag.grad_h) == "vanishing"
    assert diag.grad_h[0] / diag.grad_h[-1] < 1e-10


def test_large_sigma_explodes():
    assert regime(run_regime("tanh", "normal", sigma=1.0).grad_h) == "exploding"
    assert regime(run_regime("linear", "normal", sigma=0.5).grad_h) == "exploding"


def test_relu_with_he_and_residual_sigmoid_are_stable():
    assert regime(run_regime("relu", "he").grad_h) == "stable"
    assert regime(run_regime("sigmoid", "xavier", residual=True).grad_h) == "stable"
    # layer norm undoes the weight scale of a linear net: the same σ that explodes is stable
    assert regime(run_regime("linear", "normal", sigma=0.5, layernorm=True).grad_h) == "stable"


def test_overflow_is_reported_not_raised():
    with np.errstate(all="raise"):
        diag = run_regime("linear", "normal", sigma=10.0, depth=200)
    assert not diag.finite and diag.overflow_layer is not None and diag.overflow_layer > 1
    assert regime(diag.grad_h) == "exploding"


def test_regime_thresholds():
    assert regime(np.array([1e-3, 1.0])) == "vanishing"
    assert regime(np.array([0.05, 1.0])) == "stable"
    assert regime(np.array([500.0, 1.0])) == "exploding"
    assert regime(np.array([np.inf, 1.0])) == "exploding"
    assert regime(np.array([0.0, 1.0])) == "vanishing"


# --- the float32 path for big nets ------------------------------------------------------------

F32_DIAGNOSTICS_RTOL = 1e-4
"""float32 carries 24 significant bits (ε ≈ 6e-8). Through 24–200 layers the diagnostics of a
pass (loss, ‖∂L/∂h⁽ᵏ⁾‖, ‖∂L/∂W⁽ᵏ⁾‖, ‖∂L/∂b⁽ᵏ⁾‖, activation spreads) were seen within 1e-5 of
float64 on these nets; 1e-4 leaves room for other seeds without hiding a real error (a
forgotten upcast or a wrong scale is off by far more)."""
F32_WEIGHTS_RTOL = 1e-6
"""After five SGD steps the weights, which start as the float64 ones rounded (relative error
≤ 6e-8), differ from float64 training by that rounding plus the small updates' rounding."""

FLOAT32_CASES = [  # (depth, width, batch, activation, init, residual, layernorm, lr)
    (200, 32, 8, "gelu", "xavier", True, True, 1e-3),  # the heaviest setting's kind, narrower
    (24, 64, 16, "tanh", "xavier", True, False, 0.01),
    (30, 64, 16, "relu", "he", False, False, 0.01),
    (40, 48, 16, "sigmoid", "xavier", False, False, 0.1),  # vanishes to ~1e-25
    (16, 32, 8, "linear", "xavier", False, True, 0.01),
]


def twin_nets(depth, width, activation, init, residual, layernorm, seed=1):
    args = (depth, width, activation, init, 1.0, residual, layernorm)
    return (build_network(np.random.default_rng(seed), *args),
            build_network(np.random.default_rng(seed), *args, dtype=np.float32))


def test_a_float32_net_is_the_float64_net_rounded():
    n64, n32 = twin_nets(5, 16, "tanh", "he", True, False)
    assert n32.dtype == np.float32 and n64.dtype == np.float64
    for a, b in ((n32.W, n64.W), (n32.b, n64.b), (n32.v, n64.v)):
        assert a.dtype == np.float32 and np.array_equal(a, b.astype(np.float32))
    assert n32.branch_scale == n64.branch_scale == 1 / np.sqrt(5)
    assert np.array_equal(n64.astype(np.float32).W, n32.W)


@pytest.mark.parametrize("case", FLOAT32_CASES, ids=lambda c: f"{c[3]}-{c[0]}x{c[1]}")
def test_float32_training_follows_float64(case):
    depth, width, batch, activation, init, residual, layernorm, lr = case
    n64, n32 = twin_nets(depth, width, activation, init, residual, layernorm)
    rng = np.random.default_rng(2)
    direction = np.eye(width)[0]
    for _ in range(5):
        x = rng.standard_normal((batch, width))
        y = smooth_target(x, direction)
        want, got = train_step(n64, x, y, lr), train_step(n32, x, y, lr)
        assert got.finite and want.finite
        assert got.loss == pytest.approx(want.loss, rel=F32_DIAGNOSTICS_RTOL)
        for name in ("grad_h", "grad_W", "act_std"):
            assert np.allclose(getattr(got, name), getattr(want, name),
                               rtol=F32_DIAGNOSTICS_RTOL, atol=0), name
        # ∂L/∂b = Σᵢ δᵢ can cancel: its rounding is relative to Σᵢ‖δᵢ‖ ≤ √B·sup|φ′|·‖∂L/∂h‖
        scale = np.sqrt(batch) * SUP_DERIVATIVE[activation] * want.grad_h[1:]
        assert (np.abs(got.grad_b - want.grad_b) <= F32_DIAGNOSTICS_RTOL * scale).all()
        assert np.array_equal(got.dead, want.dead)
        assert got.saturated == pytest.approx(want.saturated, abs=1e-3)
    assert relative_error(n32.W.astype(np.float64), n64.W) < F32_WEIGHTS_RTOL
    assert n32.W.dtype == n32.b.dtype == n32.v.dtype == np.float32


def test_float32_measures_gradients_far_below_its_range():
    """A 120-layer sigmoid net's first-layer gradient (~1e-75) is below float32's smallest
    number (1e-45); the backward pass carries it scaled by powers of two, so it is still
    measured to float32 precision."""
    n64, n32 = twin_nets(120, 32, "sigmoid", "xavier", False, False)
    x = np.random.default_rng(3).standard_normal((8, 32))
    y = smooth_target(x, np.eye(32)[0])
    want, got = train_step(n64, x, y, 0.0), train_step(n32, x, y, 0.0)
    assert want.grad_h[0] < 1e-60
    assert np.allclose(got.grad_h, want.grad_h, rtol=F32_DIAGNOSTICS_RTOL, atol=0)
    assert np.allclose(got.grad_W, want.grad_W, rtol=F32_DIAGNOSTICS_RTOL, atol=0)


def test_float32_measures_activations_whose_squares_it_cannot_hold():
    """A linear net with gain 10 per layer reaches |h| ~ 1e25 at layer 25: inside float32's
    range (3e38), its square is not. Spread, loss and gradients are still measured."""
    n64, n32 = twin_nets(25, 32, "linear", "normal", False, False)
    for net in (n64, n32):
        net.W *= net.W.dtype.type(10 / np.sqrt(32))  # σ√n = 10
    x = np.random.default_rng(5).standard_normal((8, 32))
    y = smooth_target(x, np.eye(32)[0])
    want, got = train_step(n64, x, y, 0.0), train_step(n32, x, y, 0.0)
    assert want.act_std[-1] > 1e20 and got.finite and got.overflow_layer is None
    assert got.loss == pytest.approx(want.loss, rel=F32_DIAGNOSTICS_RTOL)
    for name in ("act_std", "grad_h", "grad_W"):
        assert np.allclose(getattr(got, name), getattr(want, name), rtol=F32_DIAGNOSTICS_RTOL,
                           atol=0), name


def plain_backprop(net: Network, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """‖∂L/∂h⁽ᵏ⁾‖ by the textbook chain rule, no rescaling: the reference for a plain net."""
    cache = forward(net, x)
    g = np.outer((cache.yhat - y) / y.shape[0], net.v)
    norms = [np.linalg.norm(g)]
    for j in range(net.depth - 1, -1, -1):
        g = (g * derivative(net.activation, cache.z[j])) @ net.W[j]
        norms.append(np.linalg.norm(g))
    return np.array(norms[::-1])


def test_rescaling_the_gradient_changes_no_float64_digit():
    rng = np.random.default_rng(4)
    net = build_network(rng, 40, 24, "sigmoid", "xavier")  # falls through 2^-32 on the way
    x = rng.standard_normal((6, 24))
    y = smooth_target(x, np.eye(24)[0])
    reference = plain_backprop(net, x, y)
    assert reference[0] < 1e-20
    assert np.allclose(train_step(net, x, y, 0.0).grad_h, reference, rtol=1e-13, atol=0)
    assert np.allclose(np.linalg.norm(gradients(net, x, y)[1].dh.reshape(41, -1), axis=1),
                       reference, rtol=1e-13, atol=0)


def test_a_float32_step_allocates_no_weight_sized_copy():
    """After the first step the activations live in the net's scratch buffers; a step then
    allocates only one layer's gradient and a few batch-sized arrays, all float32."""
    import tracemalloc

    depth, width, batch = 8, 256, 32
    for layernorm in (False, True):
        net = build_network(np.random.default_rng(5), depth, width, "gelu", "xavier", 1.0, True,
                            layernorm, dtype=np.float32)
        x = np.random.default_rng(6).standard_normal((batch, width))
        y = smooth_target(x, np.eye(width)[0])
        train_step(net, x, y, 0.01)
        scratch = net.scratch
        tracemalloc.start()
        try:
            train_step(net, x, y, 0.01)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        held = step_memory(depth, width, batch, layernorm, np.float32)
        assert net.scratch is scratch
        assert peak < 2 * held["gradients"] < held["weights"] / 2
        arrays = [a for a in vars(scratch).values() if isinstance(a, np.ndarray)]
        assert all(a.dtype == np.float32 for a in arrays)
        assert sum(a.nbytes for a in arrays) == held["activations"]
        assert net.W.nbytes + net.b.nbytes + net.v.nbytes == held["weights"]


def test_lanczos_on_float32_weights_reads_them_in_place():
    import tracemalloc

    rng = np.random.default_rng(7)
    W = (rng.standard_normal((6, 256, 256)) / np.sqrt(256)).astype(np.float32)
    start = rng.standard_normal((6, 256))
    tracemalloc.start()
    try:
        sigma, _ = top_singular_values(W, start, 40)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert np.allclose(sigma, spectral_norms(W.astype(np.float64)), rtol=1e-5)
    assert peak < W.nbytes  # a float64 copy of W would be twice its size


def test_bigger_nets_get_float32():
    assert precision_for(20, 64) == np.float64
    assert precision_for(16, 512) == np.float32  # exactly FLOAT32_FROM weights
    assert precision_for(15, 512) == np.float64
    assert precision_for(200, 512) == np.float32
    assert 16 * 512 * 512 == FLOAT32_FROM


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activation_with_slope_equals_the_two_apart(activation, dtype):
    z = np.concatenate([np.linspace(-12, 12, 4001), [-1e30, -10.0, 10.0, 1e30]]).astype(dtype)
    with np.errstate(all="raise"):
        phi, slope = activate_with_slope(activation, z)
    assert phi.dtype == slope.dtype == dtype
    ulps = 8 * np.finfo(dtype).eps
    assert np.allclose(phi, activate(activation, z), rtol=ulps, atol=ulps)
    assert np.allclose(slope, derivative(activation, z), rtol=ulps, atol=ulps)
