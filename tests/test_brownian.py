"""Brownian motion and its Riemann sums against closed forms and known distributions.

Every statistical check uses a fixed seed and a tolerance derived from the distribution of
the statistic (standard errors, chi-square quantiles), not a number tuned to pass.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calcterm.compute.brownian import (
    expected_total_variation, normal_pdf, quadratic_variation_se, refinement_ladder, sample_var,
    simulate, simulate_chunk, stochastic_integrals, subgrid, variations, zoom_indices,
)

Z = 3.29  # two-sided 0.1 % normal quantile


def chi2_quantile(df: int, z: float) -> float:
    """Wilson–Hilferty: χ²_df quantile at the normal quantile z (good to < 1 % for df ≥ 30)."""
    return df * (1 - 2 / (9 * df) + z * math.sqrt(2 / (9 * df))) ** 3


def assert_variance_is(values: np.ndarray, var: float) -> None:
    """(k−1)s²/σ² ~ χ²_{k−1}: the sample variance must fall inside the central 99.9 %."""
    df = len(values) - 1
    statistic = df * np.var(values, ddof=1) / var
    assert chi2_quantile(df, -Z) < statistic < chi2_quantile(df, Z)


def run(paths: int, n: int, T: float, seed: int = 0, budget: int = 1_000_000, detail: int = 3):
    ladder = refinement_ladder(n)
    *_, last = simulate(paths, n, T, seed, subgrid(n, 50), subgrid(n, 200), detail, ladder,
                        budget=budget)
    return last


@given(st.integers(1, 10_000), st.integers(1, 10_000))
@settings(max_examples=200, deadline=None)
def test_subgrid_is_a_near_uniform_grid_inside_the_fine_one(n, m):
    grid = subgrid(n, m)
    m = min(m, n)
    assert grid[0] == 0 and grid[-1] == n and len(grid) == m + 1
    steps = np.diff(grid)
    assert steps.min() >= 1 and steps.max() - steps.min() <= 1
    assert abs(steps.mean() - n / m) < 1e-9


@given(st.integers(1, 200_000))
@settings(max_examples=100, deadline=None)
def test_refinement_ladder_runs_from_one_step_to_n_in_half_octaves(n):
    ladder = refinement_ladder(n)
    assert ladder[0] == 1 and ladder[-1] == n
    assert np.all(np.diff(ladder) > 0)
    assert np.all(ladder[1:] / ladder[:-1] <= 2.0)


def test_zoom_indices_resolve_every_window():
    n, points = 100_000, 200
    index = zoom_indices(n, points, np.array([1.0, 10.0, 1000.0]))
    for z in (1, 10, 1000):
        inside = index[index <= n / z]
        assert len(inside) >= min(points, n / z) + 1 and inside[-1] == round(n / z)


def test_chunk_starts_at_zero_and_has_the_right_step_variance():
    W = simulate_chunk(np.random.default_rng(1), 50, 400, 2.0)
    assert W.shape == (50, 401) and np.all(W[:, 0] == 0)
    assert_variance_is(np.diff(W).ravel(), 2.0 / 400)


def test_variations_of_a_known_path():
    W = np.array([[0.0, 1.0, -1.0, 2.0, 2.0]])
    qv, tv = variations(W)
    assert qv[0] == 1 + 4 + 9 + 0 and tv[0] == 1 + 2 + 3 + 0
    qv, tv = variations(W, np.array([0, 2, 4]))
    assert qv[0] == 1 + 9 and tv[0] == 1 + 3


def test_seed_determinism_and_chunk_independence():
    a, b = run(30, 500, 1.0, seed=4), run(30, 500, 1.0, seed=4, budget=1_700)
    for name in ("kept", "detail", "ladder_qv", "ladder_tv", "terminal", "first"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    np.testing.assert_allclose(a.qv, b.qv, rtol=1e-12)  # summation order may differ
    assert not np.array_equal(a.terminal, run(30, 500, 1.0, seed=5).terminal)


def test_path_zero_does_not_depend_on_how_many_paths_run():
    np.testing.assert_array_equal(run(1, 300, 1.0).first, run(40, 300, 1.0).first)


def test_partial_runs_report_how_far_they_got():
    ladder = refinement_ladder(1000)
    steps = list(simulate(25, 1000, 1.0, 0, subgrid(1000, 10), subgrid(1000, 10), 5, ladder,
                          budget=10_000))
    assert [e.done for e in steps] == [10, 20, 25]
    assert not steps[0].complete and steps[-1].complete
    assert len(steps[0].column(1000)) == 10
    np.testing.assert_array_equal(steps[-1].column(1000), steps[-1].terminal)
    np.testing.assert_array_equal(steps[-1].detail[:, -1], steps[-1].terminal[:5])


@pytest.mark.parametrize("n, T", [(50, 1.0), (2_000, 1.5), (20_000, 0.3)])
def test_quadratic_variation_is_T_within_three_standard_errors(n, T):
    paths = 300
    e = run(paths, n, T, seed=n)
    se = quadratic_variation_se(T, n, paths)
    assert abs(e.qv.mean() - T) < 3 * se
    assert_variance_is(e.qv, se ** 2 * paths)  # the derived 2T²/n per path is the right size


def test_quadratic_variation_ladder_converges_to_T():
    T = 2.0
    e = run(200, 4_096, T, seed=11)
    se = quadratic_variation_se(T, e.ladder, e.ladder_qv.shape[0])
    assert np.all(np.abs(e.ladder_qv.mean(axis=0) - T) < 4 * se)
    np.testing.assert_allclose(e.ladder_qv[:, -1], e.qv[:100], rtol=1e-12)


def test_total_variation_grows_like_the_square_root_of_the_steps():
    T = 1.0
    e = run(200, 8_192, T, seed=2)
    tv = e.ladder_tv.mean(axis=0)
    # Σ|ΔW| has variance m·(T/m)(1 − 2/π) = T(1 − 2/π), whatever m is.
    se = math.sqrt(T * (1 - 2 / math.pi) / e.ladder_tv.shape[0])
    expected = np.array([expected_total_variation(T, 8_192, m) for m in e.ladder])
    assert np.all(np.abs(tv - expected) < 4 * se)
    uniform = e.ladder[8_192 % e.ladder == 0]
    assert [expected_total_variation(T, 8_192, m) for m in uniform] == pytest.approx(
        np.sqrt(2 * T * uniform / math.pi), rel=1e-12)
    big = e.ladder >= 16
    slope = np.polyfit(np.log(e.ladder[big]), np.log(tv[big]), 1)[0]
    assert slope == pytest.approx(0.5, abs=0.01)


def test_uneven_subgrids_have_slightly_less_total_variation():
    assert expected_total_variation(1.0, 3, 2) == pytest.approx(
        math.sqrt(2 / math.pi) * (math.sqrt(1 / 3) + math.sqrt(2 / 3)))
    assert expected_total_variation(1.0, 3, 2) < math.sqrt(4 / math.pi)


def test_terminal_values_are_normal_with_mean_zero_and_variance_T():
    T, paths = 2.5, 2_000
    e = run(paths, 100, T, seed=8)
    assert abs(e.terminal.mean()) < Z * math.sqrt(T / paths)
    assert_variance_is(e.terminal, T)
    assert e.terminal.var(ddof=1) == pytest.approx(sample_var(e.terminal))


def test_riemann_sums_of_a_straight_line_are_exact():
    """For W(t) = t the left sum is T²/2·(1 − 1/n) and every other sum is T²/2."""
    n, T = 64, 2.0
    W = np.linspace(0, T, n + 1)
    s = stochastic_integrals(W, T, np.random.default_rng(0))
    assert s.ito[-1] == pytest.approx(T * T / 2 * (1 - 1 / n), rel=1e-13)
    assert s.stratonovich[-1] == pytest.approx(T * T / 2, rel=1e-13)
    assert s.quadratic_variation[-1] == pytest.approx(T * T / n, rel=1e-13)


def test_ito_sum_matches_its_closed_form_on_a_fine_grid():
    n, T = 100_000, 1.3
    W = run(1, n, T, seed=21).first
    s = stochastic_integrals(W, T, np.random.default_rng(0))
    W_T = W[-1]
    # The discrete identity W_T² = 2·Itô + Σ(ΔW)² holds exactly, so the Itô error is
    # (Σ(ΔW)² − T)/2, whose standard deviation is T/√(2n).
    assert W_T ** 2 == pytest.approx(2 * s.ito[-1] + s.quadratic_variation[-1], abs=1e-10)
    assert abs(s.ito[-1] - (W_T ** 2 - T) / 2) < Z * T / math.sqrt(2 * n)
    assert s.stratonovich[-1] == pytest.approx(W_T ** 2 / 2, abs=1e-10)
    assert abs(s.ito[-1] - W_T ** 2 / 2 + T / 2) < abs(s.ito[-1] - W_T ** 2 / 2)


def test_bridge_midpoint_sum_scatters_around_the_stratonovich_value():
    """Σ W(t_{i−½})ΔW_i − W_T²/2 = Σ B_iΔW_i: mean 0, variance n·(Δt/4)·Δt = T²/(4n)."""
    n, T, paths = 200, 1.0, 400
    e = run(paths, n, T, seed=5, detail=paths)
    rng = np.random.default_rng(6)
    z, ito = [], []
    for W in e.detail:  # detail keeps every grid time here (subgrid(200, 200))
        s = stochastic_integrals(W, T, rng)
        z.append((s.midpoint[-1] - W[-1] ** 2 / 2) / (T / (2 * math.sqrt(n))))
        ito.append(s.ito[-1])
    z = np.array(z)
    assert abs(z.mean()) < Z / math.sqrt(paths)
    assert_variance_is(z, 1.0)
    # ∫W dW in Itô's sense is a martingale started at 0: mean 0, variance T²/2.
    assert abs(np.mean(ito)) < Z * T / math.sqrt(2 * paths)


def test_normal_pdf_is_a_density_with_the_right_variance():
    x = np.linspace(-40, 40, 200_001)
    p = normal_pdf(x, 9.0)
    dx = x[1] - x[0]
    assert p.sum() * dx == pytest.approx(1.0, rel=1e-9)
    assert (x * x * p).sum() * dx == pytest.approx(9.0, rel=1e-9)


def test_sample_var_needs_two_values():
    assert math.isnan(sample_var(np.array([1.0])))
    assert sample_var(np.array([1.0, 3.0])) == 2.0
