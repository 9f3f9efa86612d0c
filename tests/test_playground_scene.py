"""The playground scene: export keys, the linear collapse, training, jobs, soak and the TUI."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pytest

from calcterm.compute import playground as P
from calcterm.export import dumps
from calcterm.headless import build
from calcterm.params import Integer, Number
from calcterm.registry import get
from helpers import fits_every_plot_size, soak
from texts import notes_in, readout_in

Playground = get("playground")

KEYS = {"train_loss", "test_loss", "train_acc", "test_acc", "zero_weights", "affine_equivalent",
        "dropout_check", "grid_probabilities"}


def export(*settings: str, steps: int = 0) -> dict:
    scene = build("playground", [tuple(s.split("=", 1)) for s in settings], steps=steps)
    return json.loads(dumps(scene.export()), parse_constant=pytest.fail)["data"]


def test_export_keys_and_shapes():
    data = export(steps=2)
    assert KEYS <= set(data)
    assert set(data["affine_equivalent"]) == {"W_eff", "b_eff", "max_deviation"}
    assert set(data["dropout_check"]) == {"mc_mean", "eval_output", "se"}
    grid = np.array(data["grid_probabilities"])
    assert grid.shape == (21, 21) and np.all((grid >= 0) & (grid <= 1))
    assert data["step"] == 20


def test_a_linear_net_is_one_affine_map_and_cannot_separate_the_circle():
    linear = export("activation=linear", steps=300)
    affine = linear["affine_equivalent"]
    assert affine["max_deviation"] < 1e-10
    assert linear["test_acc"] < 0.8
    # the exported grid is σ(W_eff·x + b_eff) exactly
    gx = np.array(linear["grid_x"])
    points = np.stack(np.meshgrid(gx, gx), axis=-1).reshape(-1, 2)
    z = points @ np.array(affine["W_eff"][0]) + affine["b_eff"]
    assert np.allclose(np.array(linear["grid_probabilities"]).ravel(), 1 / (1 + np.exp(-z)), atol=1e-12)
    tanh = export(steps=300)
    assert tanh["test_acc"] >= 0.95 and tanh["affine_equivalent"]["max_deviation"] > 0.5
    scene = build("playground", [("activation", "linear")])
    assert any("one affine map" in n for n in notes_in(scene))
    assert "W_eff" in readout_in(scene)["one affine map"]


def test_linear_collapse_holds_with_batchnorm_and_dropout_in_evaluation():
    data = export("activation=linear", "batchnorm=on", "keep=0.7", "layers=3", steps=20)
    assert data["affine_equivalent"]["max_deviation"] < 1e-10
    check = data["dropout_check"]
    assert abs(check["mc_mean"] - check["eval_output"]) < 4 * check["se"]


def test_l1_proximal_training_sets_weights_exactly_to_zero():
    plain = export("data=gauss", steps=100)
    sparse = export("data=gauss", "reg=l1", "lam=0.02", steps=100)
    assert plain["zero_weights"] == 0 and sparse["zero_weights"] > 5
    scene = build("playground", [("data", "gauss"), ("reg", "l1"), ("lam", "0.02")], steps=100)
    assert any("exactly to 0" in n for n in notes_in(scene))


def test_the_story_ends_and_a_blow_up_stops_it():
    scene = Playground({"data": "gauss"})
    while not scene.done:
        scene.step()
    assert scene.t == 400 and scene.sgd_steps == 4000
    blown = Playground({"activation": "linear", "lr": 3.0, "width": 32, "layers": 4})
    for _ in range(400):
        if blown.done:
            break
        blown.step()
    assert blown.blown and blown.t < 400
    assert any("blew up" in n for n in notes_in(blown))
    json.loads(dumps(blown.export()), parse_constant=pytest.fail)


def test_a_heavy_tick_runs_as_a_job_with_the_same_result_as_inline():
    heavy = dict(Playground.heaviest)
    scene = Playground(heavy)
    assert scene.heavy and Playground().step_job() is None
    job = scene.step_job()
    before = [W.copy() for W in scene.net.W]
    result = job.run(lambda fraction: None)
    assert all(np.array_equal(a, b) for a, b in zip(before, scene.net.W)), "run leaves the scene alone"
    scene.finish_step(job, result)
    inline = Playground(heavy)
    inline.step()
    assert scene.t == inline.t == 1
    assert all(np.array_equal(a, b) for a, b in zip(scene.net.W, inline.net.W))
    assert scene.test_loss == inline.test_loss


def test_parameters_that_do_not_apply_are_dimmed():
    scene = Playground()
    assert not scene.matters("lam") and scene.matters("width")
    flat = Playground({"layers": 0})
    assert not flat.matters("width") and not flat.matters("activation") and not flat.matters("keep")
    assert Playground({"reg": "l2"}).matters("lam")


def test_batchnorm_readout_shows_running_statistics():
    scene = build("playground", [("batchnorm", "on")], steps=5)
    net = scene.net
    assert net.run_var[0][0] != 1.0 and "BN running μ, σ² (unit 1)" in readout_in(scene)
    assert "×1/0.5" in readout_in(build("playground", [("keep", "0.5")]))["dropout"]


def extremes(which: str) -> dict:
    sizes = set(Playground.heaviest) if which == "largest" else set()
    return {p.name: (p.lo if which == "smallest" else p.hi) for p in Playground.params
            if isinstance(p, (Number, Integer)) and p.name not in sizes}


@pytest.mark.parametrize("which", ["smallest", "largest", "heaviest"])
def test_soak(which):
    values = dict(Playground.heaviest) if which == "heaviest" else extremes(which)
    with warnings.catch_warnings(), np.errstate(all="raise"):  # building is strict too
        warnings.simplefilter("error")
        scene = Playground(values)
    assert soak(scene, until_done=True).done


# ---------------------------------------------------------------- the TUI


async def test_activation_key_changes_only_the_activation():
    from calcterm.host.app import CalcTermApp
    from pilot import plot_text, readout, select

    app = CalcTermApp(scene=Playground())
    async with app.run_test(size=(120, 40)) as pilot:
        scene = app.screen.scene
        for _ in range(3):
            await pilot.press("n")
        before = dict(scene.values)
        plot_before, numbers_before = plot_text(app), readout(app)
        await select(pilot, "activation")
        await pilot.press("right")
        assert scene["activation"] == "relu" and scene.t == 0
        assert {k: v for k, v in scene.values.items() if k != "activation"} == \
            {k: v for k, v in before.items() if k != "activation"}
        for _ in range(3):
            await pilot.press("n")
        assert plot_text(app) != plot_before and readout(app) != numbers_before


def test_snapshot_80x24(snap_compare):
    """The circle data set after 30 ticks (300 SGD steps), at 80×24."""
    from calcterm.host.app import CalcTermApp

    scene = Playground(seed=0)
    for _ in range(30):
        scene.step()
    assert snap_compare(CalcTermApp(scene=scene), terminal_size=(80, 24))


def test_data_set_labels_cover_every_choice():
    assert set(Playground.param("data").choices) == set(P.DATASETS)


def test_every_plot_size_from_the_minimum_up_fits():
    fits_every_plot_size(build("playground", steps=12))
