"""Diffusion on Gaussian mixtures against closed forms, finite differences and statistics."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from calcterm.compute.diffusion import (
    Mixture, Schedule, erf, exact_score, forward_step, ks_critical, ks_distance,
    nearest_mode_stats, normal_cdf, parse_modes, reverse_sample, reverse_step,
)

SCHEDULE = Schedule(0.1, 20.0)
TWO = Mixture(*parse_modes("-2 @ 0.3; 2 @ 0.7"), var=0.4 ** 2)
RING = Mixture(*parse_modes("; ".join(f"{3 * math.cos(a):.4f}, {3 * math.sin(a):.4f}"
                                      for a in np.arange(8) * math.pi / 4)), var=0.4 ** 2)
UNEVEN_2D = Mixture(*parse_modes("-2, 0 @ 0.2; 2, 0 @ 0.5; 0, 2.5 @ 0.3"), var=0.5 ** 2)


def naive_density(mix: Mixture, x: np.ndarray) -> np.ndarray:
    """Σ w_k N(x; m_k, var I), term by term."""
    total = np.zeros(len(x))
    for m, w in zip(mix.means, mix.weights):
        d2 = ((x - m) ** 2).sum(axis=1)
        total += w * np.exp(-d2 / (2 * mix.var)) / (2 * math.pi * mix.var) ** (mix.dim / 2)
    return total


def test_erf_matches_math_erf_within_the_abramowitz_stegun_bound():
    x = np.linspace(-7, 7, 20001)
    assert np.max(np.abs(erf(x) - np.array([math.erf(v) for v in x]))) < 1.5e-7
    assert erf(np.array([0.0]))[0] == 0.0
    with np.errstate(all="raise"):
        assert np.all(np.abs(erf(np.array([-1e6, 1e6]))) == 1.0)


def test_parse_modes_reads_positions_and_weights():
    means, weights = parse_modes(" -2 @ 1 ; 2 @ 3 ")
    assert means.tolist() == [[-2.0], [2.0]] and weights.tolist() == [0.25, 0.75]
    means, weights = parse_modes("0, 0; 3 1; -1.5e0,2")
    assert means.shape == (3, 2) and np.allclose(weights, 1 / 3)


@pytest.mark.parametrize("text, says", [
    ("", "no modes"), ("__import__('os')", "not a number"), ("1, 2, 3", "1 or 2 coordinates"),
    ("1; 2, 3", "same number"), ("1 @ 0", "positive"), ("1 @ -2", "positive"),
    ("nan", "finite"), ("inf; 1", "finite"), ("40", "[-10, 10]"), ("１", "not a number"),
    (";".join(["1"] * 17), "at most"),
])
def test_parse_modes_rejects_bad_text(text, says):
    with pytest.raises(ValueError, match=re.escape(says)):
        parse_modes(text)


def test_alpha_is_exp_of_minus_half_the_integral_of_beta():
    for t in (0.1, 0.5, 1.0):
        u = np.linspace(0, t, 100001)
        b = SCHEDULE.beta(u)
        integral = float(((b[1:] + b[:-1]) / 2 * np.diff(u)).sum())
        assert SCHEDULE.alpha(t) == pytest.approx(math.exp(-0.5 * integral), rel=1e-9)
        assert SCHEDULE.alpha(t) ** 2 + SCHEDULE.sigma(t) ** 2 == pytest.approx(1.0, abs=1e-15)
    assert SCHEDULE.sigma(1e-9) > 0  # no cancellation to zero at tiny t


@pytest.mark.parametrize("mix", [TWO, RING, UNEVEN_2D], ids=["1d", "ring", "uneven2d"])
@pytest.mark.parametrize("t", [0.0, 0.05, 0.3, 1.0])
def test_log_density_matches_the_naive_sum(mix, t):
    noised = mix.noised(SCHEDULE, t)
    x = np.random.default_rng(1).normal(scale=3.0, size=(50, mix.dim))
    assert np.allclose(noised.log_density(x), np.log(naive_density(noised, x)), rtol=1e-12)


def test_density_integrates_to_one_and_cdf_is_its_integral():
    x = np.linspace(-8, 8, 40001)
    p = TWO.density(x[:, None])
    cumulative = np.concatenate([[0.0], np.cumsum((p[1:] + p[:-1]) / 2 * np.diff(x))])
    assert cumulative[-1] == pytest.approx(1.0, abs=1e-9)
    assert np.max(np.abs(TWO.cdf(x) - cumulative)) < 3e-7  # erf's own error dominates


@pytest.mark.parametrize("mix", [TWO, RING, UNEVEN_2D], ids=["1d", "ring", "uneven2d"])
@pytest.mark.parametrize("t", [0.0, 0.02, 0.2, 0.7])
def test_exact_score_matches_finite_differences_of_log_density(mix, t):
    noised = mix.noised(SCHEDULE, t)
    x = np.random.default_rng(2).normal(scale=2.5, size=(40, mix.dim))
    h = 1e-5
    fd = np.empty_like(x)
    for j in range(mix.dim):
        step = np.zeros(mix.dim)
        step[j] = h
        fd[:, j] = (noised.log_density(x + step) - noised.log_density(x - step)) / (2 * h)
    score = exact_score(mix, SCHEDULE)(x, t)
    assert np.allclose(score, fd, rtol=1e-5, atol=1e-5 * np.abs(fd).max())


def test_score_stays_finite_far_from_every_mode():
    sharp = Mixture(np.array([[-3.0], [3.0]]), np.array([0.5, 0.5]), 1e-4)
    with np.errstate(all="raise"):
        s = sharp.score(np.array([[-1e3], [0.0], [1e3]]))
        assert np.all(np.isfinite(s)) and s[0, 0] > 0 > s[2, 0]


def test_ks_distance_matches_its_definition():
    samples = np.random.default_rng(3).normal(size=37)
    grid = np.sort(np.concatenate([samples, samples - 1e-12]))
    empirical = np.searchsorted(np.sort(samples), grid, side="right") / samples.size
    brute = np.max(np.abs(empirical - normal_cdf(grid)))
    assert ks_distance(samples, normal_cdf) == pytest.approx(brute, abs=1e-9)


def test_ks_of_exact_samples_stays_below_the_critical_value():
    assert ks_critical(10000) == pytest.approx(1.3581 / 100, rel=1e-3)
    samples = TWO.sample(20000, np.random.default_rng(4))[:, 0]
    assert ks_distance(samples, TWO.cdf) < ks_critical(20000)
    assert ks_distance(samples + 0.1, TWO.cdf) > 3 * ks_critical(20000)


def test_nearest_mode_stats_on_a_hand_made_set():
    means = np.array([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    samples = np.array([[1.0, 0.0], [-1.0, 2.0], [9.0, 0.0], [11.0, 0.0]])
    shares, errors = nearest_mode_stats(samples, means)
    assert shares.tolist() == [0.5, 0.5, 0.0]
    assert errors[0] == pytest.approx(1.0) and errors[1] == 0.0 and math.isnan(errors[2])


def test_forward_process_ends_close_to_standard_normal():
    rng = np.random.default_rng(5)
    x = TWO.sample(20000, rng)
    times = np.linspace(0, 1, 21)
    for t0, t1 in zip(times[:-1], times[1:]):
        x = forward_step(x, SCHEDULE, t0, t1, rng.standard_normal(x.shape))
    assert ks_distance(x[:, 0], normal_cdf) < ks_critical(20000)
    assert abs(x.mean()) < 0.03 and x.var() == pytest.approx(1.0, abs=0.03)
    assert SCHEDULE.alpha(1.0) < 0.01  # why: the data's trace is almost gone at t = 1


def test_euler_maruyama_forward_sde_reaches_the_closed_form_marginal():
    """An independent check of the marginal formula: simulate dx = −½βx dt + √β dW directly."""
    rng = np.random.default_rng(6)
    x = TWO.sample(20000, rng)
    t_end, n = 0.3, 600
    dt = t_end / n
    for k in range(n):
        b = SCHEDULE.beta(k * dt)
        x = x - 0.5 * b * x * dt + math.sqrt(b * dt) * rng.standard_normal(x.shape)
    assert ks_distance(x[:, 0], TWO.noised(SCHEDULE, t_end).cdf) < ks_critical(20000)


@pytest.mark.parametrize("sampler", ["sde", "ode"])
def test_reverse_sampler_with_exact_score_recovers_1d_data(sampler):
    rng = np.random.default_rng(7)
    x = reverse_sample(exact_score(TWO, SCHEDULE), rng.standard_normal((20000, 1)), SCHEDULE,
                       1000, sampler, rng)
    assert ks_distance(x[:, 0], TWO.cdf) < 0.03
    assert ks_distance(rng.standard_normal(20000), TWO.cdf) > 0.2  # the start was far off


@pytest.mark.parametrize("sampler", ["sde", "ode"])
@pytest.mark.parametrize("mix", [RING, UNEVEN_2D], ids=["ring", "uneven2d"])
def test_reverse_sampler_with_exact_score_recovers_2d_mode_weights(mix, sampler):
    rng = np.random.default_rng(8)
    x = reverse_sample(exact_score(mix, SCHEDULE), rng.standard_normal((8000, 2)), SCHEDULE,
                       400, sampler, rng)
    shares, errors = nearest_mode_stats(x, mix.means)
    assert np.max(np.abs(shares - mix.weights)) < 0.03
    assert np.max(errors) < 0.1


def test_dropping_beta_on_the_score_fails():
    """The article's slip: dx = [−½βx − ∇log p] dt + √β dW̄ does not recover the data."""
    rng = np.random.default_rng(9)
    score = exact_score(TWO, SCHEDULE)
    wrong = lambda x, t: score(x, t) / SCHEDULE.beta(t)  # noqa: E731 — β·(s/β) = s
    x = reverse_sample(wrong, rng.standard_normal((5000, 1)), SCHEDULE, 500, "sde", rng)
    assert ks_distance(x[:, 0], TWO.cdf) > 0.1


def test_reverse_step_rejects_an_unknown_sampler():
    with pytest.raises(ValueError, match="sde or ode"):
        reverse_step(np.zeros((1, 1)), np.zeros((1, 1)), 1.0, 0.1, "heun")


def test_cell_masses_are_what_exact_samples_land_in():
    """Two modes at ±2 with spread 1.5 overlap: exact samples split about 0.336/0.664 between
    the cells, not 0.3/0.7 as the weights say; the cell masses predict the split."""
    from calcterm.compute.diffusion import Mixture, cell_masses, mixture_probe, nearest_mode_stats

    mix = Mixture(np.array([[-2.0], [2.0]]), np.array([0.3, 0.7]), 1.5 ** 2)
    masses = cell_masses(mix)
    # independent: mass of x < 0 under the mixture, by a normal CDF written out here
    left = 0.3 * 0.5 * (1 + math.erf(2 / (1.5 * math.sqrt(2)))) + 0.7 * 0.5 * (1 + math.erf(-2 / (1.5 * math.sqrt(2))))
    assert masses == pytest.approx([left, 1 - left], abs=3e-7)  # the erf used is good to 1.5e-7
    assert masses[0] == pytest.approx(0.336, abs=0.001)
    samples = mix.sample(200_000, np.random.default_rng(3))
    shares, _ = nearest_mode_stats(samples, mix.means)
    se = math.sqrt(left * (1 - left) / 200_000)
    assert abs(shares[0] - masses[0]) < 4 * se and abs(shares[0] - 0.3) > 20 * se


def test_cell_masses_in_2d_agree_with_a_fresh_sample():
    from calcterm.compute.diffusion import Mixture, cell_masses, mixture_probe, nearest_mode_stats

    mix = Mixture(np.array([[-1.0, 0.0], [1.0, 0.0], [0.0, 1.5]]), np.array([0.2, 0.5, 0.3]), 0.8)
    masses = cell_masses(mix, mixture_probe(mix.weights, 2, 50_000, seed=0))
    fresh, _ = nearest_mode_stats(mix.sample(50_000, np.random.default_rng(11)), mix.means)
    assert masses.sum() == pytest.approx(1.0)
    assert np.max(np.abs(masses - fresh)) < 4 * math.sqrt(0.25 / 50_000) * math.sqrt(2)
    assert np.max(np.abs(masses - mix.weights)) > 0.02  # overlap moves mass between cells
