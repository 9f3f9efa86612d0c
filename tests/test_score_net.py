"""The numpy score network: its backprop, its optimiser, and whether training pays off."""

from __future__ import annotations

import numpy as np
import pytest

from calcterm.compute.diffusion import (
    Mixture, Schedule, ks_distance, parse_modes, reverse_sample,
)
from calcterm.compute.score_net import Adam, dsm_loss, init_net, run_training, train

SCHEDULE = Schedule(0.1, 20.0)
TWO = Mixture(*parse_modes("-2 @ 0.3; 2 @ 0.7"), var=0.4 ** 2)


def data_var(mix: Mixture) -> float:
    return float((mix.std ** 2).mean())


@pytest.mark.parametrize("dim", [1, 2])
def test_backprop_matches_finite_differences(dim):
    rng = np.random.default_rng(0)
    net = init_net(dim, SCHEDULE, 2.0, rng, hidden=8)
    x0 = rng.normal(size=(16, dim))
    t = rng.uniform(0.01, 1, 16)
    eps = rng.normal(size=(16, dim))
    _, grads = dsm_loss(net, x0, t, eps)
    h = 1e-6
    for w, g in zip(net.weights, grads):
        for index in list(np.ndindex(w.shape))[:: max(1, w.size // 6)]:
            keep = w[index]
            w[index] = keep + h
            up, _ = dsm_loss(net, x0, t, eps)
            w[index] = keep - h
            down, _ = dsm_loss(net, x0, t, eps)
            w[index] = keep
            assert g[index] == pytest.approx((up - down) / (2 * h), rel=1e-5, abs=1e-8)


@pytest.mark.parametrize("dim", [1, 2])
def test_the_lean_float32_path_matches_the_training_forward_pass(dim):
    rng = np.random.default_rng(6)
    net = run_training(init_net(dim, SCHEDULE, 2.0, rng), TWO if dim == 1 else
                       Mixture(np.array([[-2.0, 0.0], [2.0, 1.0]]), np.array([0.5, 0.5]), 0.25),
                       rng, iterations=100).net
    x = rng.normal(scale=2.0, size=(500, dim))
    for t in (0.01, 0.3, 1.0):
        exact = net.forward(x, t)[0]
        assert np.allclose(net.noise(x, t), exact, rtol=1e-5, atol=1e-5 * np.abs(exact).max())


def test_score_is_minus_predicted_noise_over_sigma():
    net = init_net(1, SCHEDULE, 1.0, np.random.default_rng(1))
    x = np.linspace(-2, 2, 5)[:, None]
    assert np.allclose(net.score(x, 0.4), -net.noise(x, 0.4) / SCHEDULE.sigma(0.4))


def test_adam_finds_the_minimum_of_a_quadratic():
    target = np.array([3.0, -1.0])
    w = [np.zeros(2)]
    adam = Adam([(2,)])
    for _ in range(2000):
        adam.step(w, [2 * (w[0] - target) * np.array([1.0, 100.0])], 0.01)
    assert np.allclose(w[0], target, atol=1e-3)


def test_training_reports_progress_lowers_the_loss_and_leaves_the_input_alone():
    net = init_net(1, SCHEDULE, data_var(TWO), np.random.default_rng(2))
    before = [w.copy() for w in net.weights]
    gen = train(net, TWO, np.random.default_rng(3), iterations=400, chunk=100)
    progress = []
    with pytest.raises(StopIteration) as done:
        while True:
            progress.append(next(gen))
    assert progress == [0.25, 0.5, 0.75, 1.0]
    result = done.value.value
    assert all(np.array_equal(a, b) for a, b in zip(before, net.weights))
    assert result.losses[-100:].mean() < 0.8 * result.losses[:50].mean()


def test_learned_score_samples_beat_the_untrained_net_by_a_wide_margin():
    rng = np.random.default_rng(4)
    untrained = init_net(1, SCHEDULE, data_var(TWO), rng)
    learned = run_training(untrained, TWO, rng, iterations=1200).net

    def ks(net) -> float:
        r = np.random.default_rng(5)
        x = reverse_sample(net.score, r.standard_normal((4000, 1)), SCHEDULE, 200, "sde", r)
        return ks_distance(x[:, 0], TWO.cdf)

    ks_learned, ks_untrained = ks(learned), ks(untrained)
    assert ks_learned < 0.08
    assert ks_untrained > 0.3
    assert ks_learned < ks_untrained / 4
