"""Scene `vanishing`: regimes, overflow, export, and the background build of large nets."""

from __future__ import annotations

import json

import numpy as np
import pytest

import calcterm.scenes.vanishing as vanishing_module
from calcterm.compute.network import spectral_norms
from calcterm.export import dumps
from calcterm.render import render
from calcterm.registry import get
from calcterm.scenes.vanishing import Vanishing

from texts import notes_in, readout_in


def test_default_deep_sigmoid_with_xavier_vanishes():
    scene = Vanishing()
    assert readout_in(scene)["regime"] == "vanishing"
    assert scene.ratio < 1e-10
    assert any("vanishing" in note for note in notes_in(scene))


def test_large_sigma_explodes_and_relu_he_is_stable():
    assert Vanishing({"activation": "tanh", "init": "normal", "sigma": 1.0}).regime == "exploding"
    stable = Vanishing({"activation": "relu", "init": "he"})
    assert stable.regime == "stable"
    assert readout_in(stable)["dead ReLUs"].endswith(f"/ {20 * 64}")


def test_residual_connections_rescue_the_sigmoid_net():
    scene = Vanishing({"residual": True})
    assert scene.regime == "stable"
    assert any("√D" in note for note in notes_in(scene))


def test_export_has_the_numbers_behind_the_picture():
    scene = Vanishing({"depth": 12, "activation": "relu", "init": "he"})
    for _ in range(3):
        scene.step()
    doc = json.loads(dumps(scene.export()))["data"]
    assert len(doc["grad_norms"]) == 13 and len(doc["activation_std"]) == 13
    assert len(doc["weight_grad_norms"]) == 12 and len(doc["sigma_max"]) == 12
    assert doc["regime"] == "stable" and isinstance(doc["dead_units"], int)
    assert doc["dead_units"] == sum(doc["dead_units_per_layer"])
    assert doc["sigma_max_product"] == pytest.approx(np.prod(doc["sigma_max"]))
    assert doc["grad_norms"][0] / doc["grad_norms"][-1] == pytest.approx(doc["gradient_ratio"])
    assert len(doc["loss_history"]) == 4


def test_sigma_max_tracks_the_exact_spectral_norm_while_training():
    scene = Vanishing({"activation": "tanh", "width": 96, "lr": 0.03})
    assert np.allclose(scene.run.sigma_max, spectral_norms(scene.run.net.W), rtol=1e-9)
    for _ in range(15):
        before = scene.run.net.W.copy()  # σ_max shown at step t describes the weights it used
        scene.step()
    assert np.allclose(scene.run.sigma_max, spectral_norms(before), rtol=1e-4)


def test_sgd_lowers_the_loss_of_a_residual_net_but_not_of_the_plain_sigmoid_one():
    def mean_loss(values, steps=150):
        scene = Vanishing(values)
        for _ in range(steps):
            scene.step()
        losses = np.array(scene.run.losses)
        return losses[:10].mean(), losses[-30:].mean()

    start, end = mean_loss({"residual": True})
    assert end < 0.5 * start
    start, end = mean_loss({})
    assert end > 0.7 * start


def test_overflow_is_named_and_stops_the_clock_without_warnings():
    values = {"activation": "linear", "init": "normal", "sigma": 16.0, "depth": 200}
    with np.errstate(all="raise"):
        scene = Vanishing(values)
        scene.step()
        text = render(scene.draw(120, 40), 120, 40, color=False)
        exported = dumps(scene.export())
    assert scene.t == 0 and scene.regime == "exploding"
    assert "overflowed" in text
    assert any("overflowed float64" in note for note in notes_in(scene))
    assert "NaN" not in exported and "Infinity" not in exported
    assert json.loads(exported)["data"]["overflow_layer"] > 0


def test_a_too_large_learning_rate_is_called_divergence():
    scene = Vanishing({"activation": "relu", "init": "he", "lr": 10.0})
    with np.errstate(all="raise"):
        for _ in range(20):
            scene.step()
    assert scene.run.stopped and scene.run.initial_regime == "stable"
    assert any("SGD diverged" in note for note in notes_in(scene))
    assert any("发散" in note for note in notes_in(scene, "zh"))


def test_large_nets_are_built_in_a_job_and_step_off_the_ui_thread(monkeypatch):
    monkeypatch.setattr(vanishing_module, "HEAVY_WEIGHTS", 1000)
    scene = Vanishing({"depth": 4, "width": 32})
    assert scene.run is None and scene.busy
    assert readout_in(scene) == {"status": "building the network…"}
    scene.step()
    assert scene.t == 0
    assert "building" in render(scene.draw(120, 40), 120, 40, color=False)
    stale, revision = scene.job(), scene.revision
    scene.set("depth", 5)  # the user changed a parameter while the first build ran
    assert stale.run(lambda f: None).net.depth == 4 and scene.revision != revision
    assert scene.run is None, "running a job leaves the scene alone; the host drops stale ones"
    progress = []
    scene.finish_job(progress.append)
    assert progress[-1] == 1.0 and scene.run.net.depth == 5 and scene.job() is None
    job = scene.step_job()
    assert job is not None, "a heavy net's SGD step is a job"
    scene.finish_step(job, job.run(lambda f: None))
    monkeypatch.setattr(vanishing_module, "HEAVY_WEIGHTS", 2 ** 23)
    quick = Vanishing({"depth": 5, "width": 32})  # built at once: the same net, the same step
    assert quick.job() is None and quick.step_job() is None
    quick.step()
    assert dumps(scene.export()) == dumps(quick.export())


def test_chinese_texts():
    scene = Vanishing()
    assert any("梯度消失" in note for note in notes_in(scene, "zh"))
    assert "反向模式" in scene.explain().zh


def test_sigmoid_needs_sigma_root_n_near_ten_to_stop_vanishing():
    """The explanation's claim: with sigmoid the per-layer gain passes 1 only near σ√n ≈ 10,
    so at σ√n = 5 the gradient still vanishes; well beyond 10 it grows layer by layer."""
    Vanishing = get("vanishing")
    ratios = {}
    for gain in (5, 10, 16):
        scene = Vanishing({"init": "normal", "sigma": gain / 8.0, "width": 64, "depth": 20})
        ratios[gain] = scene.ratio
    assert ratios[5] < 1e-2 < ratios[10] < 10 < ratios[16]


def test_a_deep_linear_net_exports_its_collapse_to_one_affine_map():
    data = json.loads(dumps(Vanishing({"activation": "linear", "depth": 30, "width": 16})
                            .export()))["data"]
    assert data["max_deviation"] < 1e-10
    assert np.array(data["effective_matrix"]).shape == (16, 16) and len(data["effective_bias"]) == 16
    assert "effective_matrix" not in Vanishing().data()
