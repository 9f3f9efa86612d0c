"""The regularize scene: export keys, closed forms, the sweep, soak and the TUI."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from calcterm.export import dumps
from calcterm.headless import build
from calcterm.params import Integer, Number
from calcterm.registry import get
from helpers import fits_every_plot_size, soak
from texts import notes_in, readout_in

Regularize = get("regularize")

KEYS = {"w_l1", "w_l2", "lambda_max", "zero_at", "path_lambda", "path_l1", "path_l2", "ista_w",
        "subgradient_w", "exact_zeros", "flow_eigenvalues", "dropout_expected_loss",
        "dropout_mc_mean", "dropout_mc_se"}
H = np.array([[1.0, 0.6], [0.6, 1.0]])
A = np.array([1.0, 0.4])


def export(*settings: str, steps: int = 0) -> dict:
    scene = build("regularize", [tuple(s.split("=", 1)) for s in settings], steps=steps)
    return json.loads(dumps(scene.export()), parse_constant=pytest.fail)["data"]


def test_export_keys_in_every_view():
    for view in ("geometry", "path", "descent", "flow", "dropout"):
        assert KEYS <= set(export(f"view={view}")), view


def test_default_solutions_in_closed_form():
    data = export()
    assert data["w_l1"] == pytest.approx(A - 0.2 * np.linalg.solve(H, [1.0, 1.0]), abs=1e-14)
    assert data["w_l2"] == pytest.approx(np.linalg.solve(H + 0.4 * np.eye(2), H @ A), abs=1e-14)
    assert data["lambda_max"] == pytest.approx(1.24)
    assert data["zero_at"] == pytest.approx([1.24, 0.64])
    assert sorted(data["flow_eigenvalues"]) == pytest.approx([-(1.6 + 0.4), -(0.4 + 0.4)])


def test_paths_l1_has_exact_zeros_and_l2_never():
    data = export()
    lam = np.array(data["path_lambda"])
    l1, l2 = np.array(data["path_l1"]), np.array(data["path_l2"])
    assert np.all(l1[lam >= 0.64, 1] == 0.0) and np.all(l1[lam < 0.64, 1] > 0)
    assert np.all(l1[lam >= 1.24] == 0.0)
    assert np.all(l2 != 0.0)
    h, V = np.linalg.eigh(H)
    for v, w in zip(lam[::10], l2[::10]):
        assert V.T @ w == pytest.approx(h / (h + 2 * v) * (V.T @ A))


def test_proximal_steps_reach_exact_zeros_that_subgradient_steps_miss():
    data = export("view=descent", "lam=0.9")
    assert data["ista_w"] == pytest.approx([1.24 - 0.9, 0.0], abs=1e-12) and data["ista_w"][1] == 0.0
    assert data["subgradient_w"][1] != 0.0
    assert data["exact_zeros"] == {"ista": 1, "subgradient": 0, "solution": 1}
    assert not any("raise λ" in n for n in notes_in(build("regularize", [("view", "descent"), ("lam", "0.9")])))
    assert any("raise λ past 0.64" in n for n in notes_in(build("regularize", [("view", "descent")])))


@pytest.mark.parametrize("gamma, oscillates", [("1", True), ("5", False)])
def test_heavy_ball_roots_and_the_flows_real_eigenvalues(gamma, oscillates):
    data = export("view=flow", f"gamma={gamma}")
    roots = np.array(data["heavy_ball_roots"])
    assert (np.abs(roots[:, 1]) > 0).any() == oscillates
    k = np.array([0.8, 2.0])
    z = roots[:, 0] + 1j * roots[:, 1]
    expected = np.concatenate([np.roots([1, float(gamma), kk]) for kk in k])
    order = lambda v: v[np.lexsort((v.imag, np.round(v.real, 9)))]  # noqa: E731
    assert np.allclose(order(z), order(expected))
    scene = build("regularize", [("view", "flow"), ("gamma", gamma)])
    assert any("real" in n for n in notes_in(scene))
    assert any("oscillates" in n for n in notes_in(scene)) == oscillates


def test_dropout_monte_carlo_closes_in_on_the_adaptive_l2_penalty():
    data = export("view=dropout", steps=50)
    x, y, w, p = np.array([1.0, 0.5]), 1.0, A, 0.8
    exact = (y - x @ w) ** 2 + (1 - p) / p * np.sum(x * x * w * w)
    assert data["dropout_expected_loss"] == pytest.approx(exact)
    assert data["dropout_draws"] == 200 * 51
    assert abs(data["dropout_mc_mean"] - exact) < 4 * data["dropout_mc_se"]
    again = export("view=dropout", steps=50)
    assert again["dropout_mc_mean"] == data["dropout_mc_mean"], "the seed fixes the masks"


def test_the_geometry_sweep_ends_at_lambda_max_with_everything_zero():
    scene = Regularize()
    assert scene.lam_shown == 0.2
    while not scene.done:
        scene.step()
    assert scene.t == 60 and scene.lam_shown == pytest.approx(1.24)
    assert readout_in(scene)["λ"] == "1.24"
    panel = scene.draw(120, 40).panels[0]
    w_star = [s for s in panel.series if getattr(s, "label", "") == "w*"][0]
    assert (w_star.x[0], w_star.y[0]) == (0.0, 0.0)


def test_correlation_brings_the_safe_step_size_and_views_dim_what_they_do_not_use():
    scene = Regularize()
    scene.set("corr", -0.25)
    assert scene["eta"] == pytest.approx(0.8)
    assert not scene.matters("eta") and not scene.matters("p") and scene.matters("penalty")
    scene.set("view", "dropout")
    assert scene.matters("p") and scene.matters("draws") and not scene.matters("lam")


def test_elastic_net_solution_and_ball():
    data = export("penalty=elastic", "lam=1.0")
    w = np.array(data["w"])
    # optimality: H(w − a) + ½ sign(w) + w = 0 on the support, |·| ≤ ½ off it
    g = H @ (w - A) + w
    for j in range(2):
        assert (abs(g[j] + 0.5 * np.sign(w[j])) < 1e-12) if w[j] != 0 else abs(g[j]) <= 0.5 + 1e-12


def extremes(which: str) -> dict:
    return {p.name: (p.lo if which == "smallest" else p.hi) for p in Regularize.params
            if isinstance(p, (Number, Integer))}


@pytest.mark.parametrize("which", ["smallest", "largest"])
@pytest.mark.parametrize("view", ["geometry", "path", "descent", "flow", "dropout"])
def test_soak_at_extreme_parameters(view, which):
    with warnings.catch_warnings(), np.errstate(all="raise"):  # building is strict too
        warnings.simplefilter("error")
        scene = Regularize({**extremes(which), "view": view})
    assert soak(scene).done


# ---------------------------------------------------------------- the TUI


async def test_penalty_key_changes_only_the_penalty_and_the_picture():
    from calcterm.host.app import CalcTermApp
    from pilot import plot_text, readout, select

    app = CalcTermApp(scene=Regularize())
    async with app.run_test(size=(120, 40)) as pilot:
        scene = app.screen.scene
        before = dict(scene.values)
        plot_before = plot_text(app)
        await select(pilot, "penalty")
        await pilot.press("right")
        assert scene["penalty"] == "l2"
        assert {k: v for k, v in scene.values.items() if k != "penalty"} == \
            {k: v for k, v in before.items() if k != "penalty"}
        assert "L2 at λ = 0.2" in plot_text(app) and plot_text(app) != plot_before
        assert "(0.71, 0.41)" in readout(app)


def test_snapshot_descent_80x24(snap_compare):
    """The descent view at 80×24 with λ = 0.9, 40 steps in."""
    from calcterm.host.app import CalcTermApp

    scene = Regularize({"view": "descent", "lam": 0.9}, seed=0)
    for _ in range(40):
        scene.step()
    assert snap_compare(CalcTermApp(scene=scene), terminal_size=(80, 24))


def test_every_plot_size_from_the_minimum_up_fits():
    fits_every_plot_size(build("regularize", steps=12))
