"""The playground network against finite differences, closed forms and geometry."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from calcterm.compute import playground as P


def flat_params(net: P.Net) -> list[np.ndarray]:
    return net.W + net.b + (net.gamma + net.beta if net.batchnorm else [])


def flat_grads(net: P.Net, grads: P.Grads) -> list[np.ndarray]:
    return grads.W + grads.b + (grads.gamma + grads.beta if net.batchnorm else [])


@pytest.mark.parametrize("activation", P.ACTIVATIONS)
@pytest.mark.parametrize("batchnorm", [False, True])
def test_backprop_matches_finite_differences(activation, batchnorm):
    rng = np.random.default_rng(1)
    net = P.build(2, 5, activation, rng, batchnorm=batchnorm)
    for k in range(net.hidden):  # move γ, β and biases off their initial values
        net.gamma[k] += rng.normal(0, 0.3, 5)
        net.beta[k] += rng.normal(0, 0.3, 5)
        net.b[k] += rng.normal(0, 0.3, 5)
    X, y = P.make_data("moons", 12, 0.1, rng)

    def loss() -> float:
        return P.cross_entropy(P.forward(net, X, train=True).logit, y)

    grads = P.backward(net, P.forward(net, X, train=True), y)
    h = 1e-6
    for param, grad in zip(flat_params(net), flat_grads(net, grads)):
        for index in np.ndindex(param.shape):
            old = param[index]
            param[index] = old + h
            up = loss()
            param[index] = old - h
            down = loss()
            param[index] = old
            assert grad[index] == pytest.approx((up - down) / (2 * h), abs=2e-7)


def test_batchnorm_backward_is_the_closed_form_checked_by_finite_differences():
    rng = np.random.default_rng(2)
    z = rng.normal(1.0, 2.0, (8, 3))
    gamma, beta = rng.normal(size=3), rng.normal(size=3)
    upstream = rng.normal(size=(8, 3))

    def loss(z_: np.ndarray) -> float:
        zhat, _ = P.batchnorm_forward(z_, eps=0.0)
        return float(np.sum(upstream * (gamma * zhat + beta)))

    zhat, sigma = P.batchnorm_forward(z, eps=0.0)
    dz, dgamma, dbeta = P.batchnorm_backward(upstream, zhat, sigma, gamma)
    h = 1e-6
    fd = np.zeros_like(z)
    for index in np.ndindex(z.shape):
        e = np.zeros_like(z)
        e[index] = h
        fd[index] = (loss(z + e) - loss(z - e)) / (2 * h)
    assert np.allclose(dz, fd, atol=1e-7)
    assert np.allclose(dz.sum(axis=0), 0.0, atol=1e-12)           # shifting a batch changes nothing
    assert np.allclose((dz * zhat).sum(axis=0), 0.0, atol=1e-12)  # nor does scaling it (ε = 0)
    assert np.allclose(dgamma, (upstream * zhat).sum(axis=0))
    assert np.allclose(dbeta, upstream.sum(axis=0))
    naive = gamma * upstream / sigma  # the direct path only, through x̂ = (x − μ)/σ̂ with μ, σ̂ frozen
    assert not np.allclose(naive, dz, atol=1e-3)


def test_cross_entropy_gradient_at_the_logit_is_p_minus_y_over_b():
    rng = np.random.default_rng(3)
    logit, y = rng.normal(0, 3, 10), (rng.random(10) < 0.5).astype(float)
    h = 1e-6
    for i in range(10):
        e = np.zeros(10)
        e[i] = h
        fd = (P.cross_entropy(logit + e, y) - P.cross_entropy(logit - e, y)) / (2 * h)
        assert fd == pytest.approx((P.probability(logit[i]) - y[i]) / 10, abs=1e-9)
    assert np.isfinite(P.cross_entropy(np.array([800.0, -800.0]), np.array([0.0, 1.0])))


def test_data_sets_are_balanced_reproducible_and_labelled_by_their_geometry():
    for name in P.DATASETS:
        X, y = P.make_data(name, 201, 0.1, np.random.default_rng(5))
        again = P.make_data(name, 201, 0.1, np.random.default_rng(5))
        assert X.shape == (201, 2) and set(np.unique(y)) <= {0.0, 1.0}
        assert abs(int(y.sum()) - 100) <= 1
        assert np.array_equal(X, again[0]) and np.array_equal(y, again[1])
    X, y = P.make_data("circle", 400, 0.0, np.random.default_rng(6))
    r = np.hypot(X[:, 0], X[:, 1])
    assert np.all(r[y == 1] <= 0.5) and np.all((r[y == 0] >= 0.7) & (r[y == 0] <= 1.0))
    X, y = P.make_data("xor", 400, 0.0, np.random.default_rng(6))
    assert np.array_equal(y, (X[:, 0] * X[:, 1] > 0).astype(float))


def best_line_accuracy(X: np.ndarray, y: np.ndarray) -> float:
    """The best accuracy any half-plane reaches, by sweeping directions and every threshold."""
    best = 0.0
    for angle in np.linspace(0, np.pi, 360, endpoint=False):
        proj = X @ np.array([np.cos(angle), np.sin(angle)])
        order = np.argsort(proj)
        labels = y[order]
        ones_left = np.concatenate([[0], np.cumsum(labels)])  # class 1 among the first k
        k = np.arange(len(y) + 1)
        zeros_right = (len(y) - y.sum()) - (k - ones_left)
        right_is_zero = ones_left + zeros_right   # left side called 1, right side called 0
        best = max(best, right_is_zero.max() / len(y), (len(y) - right_is_zero).max() / len(y))
    return float(best)


def train(activation: str, steps: int, seed: int = 0, **options) -> tuple[P.Net, float, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X, y = P.make_data("circle", 200, 0.1, rng)
    Xt, yt = P.make_data("circle", 200, 0.1, rng)
    net = P.build(2, 8, activation, rng, batchnorm=options.pop("batchnorm", False))
    for _ in range(steps):
        batch = rng.integers(0, 200, 16)
        P.sgd_step(net, X[batch], y[batch], 0.03, "none", 0.0, rng)
    return net, P.accuracy(P.forward(net, Xt).logit, yt), Xt, yt


def test_a_linear_network_cannot_separate_the_circles_and_a_tanh_network_can():
    linear, linear_acc, Xt, yt = train("linear", 3000)
    _, tanh_acc, _, _ = train("tanh", 3000)
    assert tanh_acc >= 0.95
    ceiling = best_line_accuracy(Xt, yt)
    assert ceiling < 0.8                    # no half-plane does well on these data
    assert linear_acc <= ceiling + 1e-12    # and the linear net's boundary is a line
    W_eff, b_eff = P.affine_equivalent(linear)
    grid = np.random.default_rng(9).uniform(-1.5, 1.5, (500, 2))
    assert np.abs(P.forward(linear, grid).logit - (grid @ W_eff[0] + b_eff)).max() < 1e-10


def test_affine_equivalent_holds_with_batchnorm_and_fails_for_tanh():
    linear, _, _, _ = train("linear", 300, seed=2, batchnorm=True)
    grid = np.random.default_rng(9).uniform(-1.5, 1.5, (500, 2))
    W_eff, b_eff = P.affine_equivalent(linear)
    assert np.abs(P.forward(linear, grid).logit - (grid @ W_eff[0] + b_eff)).max() < 1e-10
    tanh, _, _, _ = train("tanh", 300, seed=2)
    W_eff, b_eff = P.affine_equivalent(tanh)
    assert np.abs(P.forward(tanh, grid).logit - (grid @ W_eff[0] + b_eff)).max() > 0.1


def test_l1_proximal_steps_give_exact_zeros_and_l2_shrinks():
    rng = np.random.default_rng(4)
    X, y = P.make_data("gauss", 200, 0.1, rng)
    counts, norms = [], []
    for reg, lam in (("none", 0.0), ("l1", 0.01), ("l1", 0.05), ("l2", 0.05)):
        net = P.build(2, 8, "tanh", np.random.default_rng(0))
        sampler = np.random.default_rng(1)
        for _ in range(1000):
            batch = sampler.integers(0, 200, 16)
            P.sgd_step(net, X[batch], y[batch], 0.1, reg, lam, sampler)
        counts.append(int(np.count_nonzero(net.weights() == 0.0)))
        norms.append(float(np.linalg.norm(net.weights())))
    assert counts[0] == 0 and counts[3] == 0
    assert 0 < counts[1] < counts[2]
    assert norms[3] < norms[0]


def test_inverted_dropout_keeps_the_mean_through_linear_read_outs_only():
    rng = np.random.default_rng(7)
    x = np.array([0.4, -0.3])
    for activation in ("linear", "tanh"):  # one hidden layer: the logit is linear in the mask
        net = P.build(1, 16, activation, np.random.default_rng(3), keep=0.5)
        mc, se, ev = P.dropout_check(net, x, 20000, rng)
        assert abs(mc - ev) < 4 * se and se > 0
    deep = P.build(3, 16, "tanh", np.random.default_rng(3), keep=0.5)
    for W in deep.W:
        W *= 3.0  # a strongly non-linear net
    mc, se, ev = P.dropout_check(deep, x, 20000, rng)
    assert abs(mc - ev) > 6 * se
    linear = P.build(3, 16, "linear", np.random.default_rng(3), keep=0.5)
    mc, se, ev = P.dropout_check(linear, x, 20000, rng)
    assert abs(mc - ev) < 4 * se
    none = P.build(2, 4, "tanh", np.random.default_rng(3), keep=1.0)
    assert P.dropout_check(none, x, 100, rng)[1] == 0.0


def test_training_mode_dropout_scales_kept_units_by_one_over_p():
    net = P.build(1, 2000, "linear", np.random.default_rng(0), keep=0.25)
    cache = P.forward(net, np.array([[1.0, 1.0]]), train=True, rng=np.random.default_rng(1))
    mask = cache.masks[0]
    assert set(np.unique(mask)) == {0.0, 4.0}
    assert abs(np.mean(mask > 0) - 0.25) < 0.03
    clean = P.forward(net, np.array([[1.0, 1.0]]))
    assert np.allclose(cache.h[1], clean.h[1] * mask)


def test_sgd_step_leaves_a_copy_untouched_and_changes_the_net():
    rng = np.random.default_rng(0)
    net = P.build(2, 4, "relu", rng)
    before = copy.deepcopy(net)
    X, y = P.make_data("xor", 16, 0.0, rng)
    P.sgd_step(net, X, y, 0.1, "none", 0.0, rng)
    assert any(not np.array_equal(a, b) for a, b in zip(net.W, before.W))
