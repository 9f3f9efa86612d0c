"""The diffusion scene: it really recovers the data, trains in the background safely, and
shows what it claims."""

from __future__ import annotations

import json

import numpy as np
import pytest

import calcterm.scenes.diffusion as diffusion_module
from calcterm.export import dumps
from calcterm.headless import finish_work
from calcterm.params import ParamError
from calcterm.plot import Points
from calcterm.registry import get
from calcterm.render import render
from calcterm.text import tr

from helpers import run_cli
from texts import notes_in, readout_in

Diffusion = get("diffusion")


def run_to_end(scene) -> int:
    ticks = 0
    while scene.phase != "done":
        scene.step()
        ticks += 1
        assert ticks < 5000, "the reverse run never finished"
    return ticks


def test_export_has_the_promised_keys_and_recovers_1d_data():
    scene = Diffusion({"particles": 20000, "steps": 1000}, seed=1)
    run_to_end(scene)
    data = json.loads(dumps(scene.export()))["data"]
    for key in ("dim", "t", "samples", "ks", "mode_weights_true", "mode_weights_sampled",
                "mean", "std"):
        assert key in data
    assert data["dim"] == 1 and data["t"] == 0.0 and len(data["samples"]) == 2000
    assert data["ks"] < 0.03
    assert np.allclose(data["mode_weights_sampled"], [0.3, 0.7], atol=0.03)
    assert data["mean"][0] == pytest.approx(0.8, abs=0.05)


@pytest.mark.parametrize("modes", ["ring of 8", "2-D uneven"])
def test_2d_run_recovers_the_mode_weights(modes):
    scene = Diffusion({"modes": Diffusion.param("modes").parse(modes), "particles": 8000,
                       "steps": 300, "sampler": "ode"}, seed=2)
    run_to_end(scene)
    data = scene.data()
    assert data["dim"] == 2 and "ks" not in data
    assert np.max(np.abs(data["mode_weights_sampled"] - data["mode_weights_true"])) < 0.03
    assert np.nanmax(data["mode_mean_error"]) < 0.1
    assert np.array(data["samples"]).shape == (2000, 2)


def test_forward_phase_ends_in_standard_noise_then_the_reverse_starts():
    scene = Diffusion({"particles": 8000}, seed=3)
    for _ in range(diffusion_module.FORWARD_FRAMES - 1):
        scene.step()
    assert scene.phase == "forward"
    scene.step()
    assert scene.phase == "reverse" and scene.now == 1.0
    assert abs(scene.fwd_x.mean()) < 0.05 and scene.fwd_x.std() == pytest.approx(1.0, abs=0.03)
    assert scene.metrics()["ks"] < 0.03  # fresh N(0, I) noise against p₁


def test_a_heavy_step_run_as_a_job_gives_the_same_samples(monkeypatch):
    """Running the reverse steps as a background job changes where they run, not the result."""
    inline = Diffusion({"forward": False, "particles": 3000, "steps": 60}, seed=4)
    assert not inline.heavy and inline.step_job() is None
    run_to_end(inline)
    monkeypatch.setattr(diffusion_module, "TICK_BUDGET", 1)
    heavy = Diffusion({"forward": False, "particles": 3000, "steps": 60}, seed=4)
    assert heavy.heavy
    while not heavy.done:
        job = heavy.step_job()
        result = job.run(lambda fraction: None)
        assert heavy.k == 0 or heavy.rev_x is not result, "the job works on a copy"
        heavy.finish_step(job, result)
    assert np.array_equal(heavy.rev_x, inline.rev_x)


def test_same_seed_same_samples_and_the_ode_is_not_the_sde():
    def final(sampler: str, seed: int) -> np.ndarray:
        scene = Diffusion({"forward": False, "steps": 50, "sampler": sampler}, seed=seed)
        run_to_end(scene)
        return scene.rev_x

    assert np.array_equal(final("sde", 5), final("sde", 5))
    assert not np.allclose(final("sde", 5), final("ode", 5))


def test_learned_score_trains_swaps_in_and_is_cached():
    scene = Diffusion({"score": "learned", "training": 400, "forward": False}, seed=11)
    assert scene.waiting and scene.trained is None and scene.busy
    scene.step()
    assert scene.t == 0, "the reverse run waits for the network"
    assert any("training" in n for n in notes_in(scene))
    progress = []
    scene.finish_job(progress.append)
    assert progress[-1] == 1.0 and progress == sorted(progress)
    assert scene.trained is not None and not scene.waiting
    assert "loss" in readout_in(scene)["score"]
    run_to_end(scene)
    assert scene.data()["ks"] < 0.15 and scene.data()["trained"]
    scene.reset()
    assert scene.job() is None and scene.trained is not None  # no retraining after a reset


def test_a_training_job_leaves_the_scene_alone_until_adopted():
    scene = Diffusion({"score": "learned", "training": 300}, seed=12)
    job, revision = scene.job(), scene.revision
    result = job.run(lambda fraction: None)
    assert scene.trained is None, "running the job does not touch the scene"
    scene.set("training", 400)
    assert scene.revision != revision  # so the host drops this result
    job.adopt(result)  # what adopting would do, were the scene unchanged
    assert scene.trained is result


def test_the_modes_parameter_takes_presets_and_text_but_not_code():
    p = Diffusion.param("modes")
    assert p.parse("ring of 8").count(";") == 7
    assert p.parse(" 1 @ 2; -1 ") == "1 @ 2; -1"
    assert tr(p.label(p.parse("two modes")), "en") == "two modes" and p.editable
    assert p.parse("两个峰") == p.parse("two modes"), "a preset's Chinese name is accepted too"
    for bad in ("__import__('os').system('true')", "1; 2, 3", "", "1 @ 0"):
        with pytest.raises(ParamError, match="modes"):
            p.parse(bad)


def test_cli_rejects_bad_modes_with_one_line():
    result = run_cli("show", "diffusion", "-s", "modes=1; x")
    assert result.returncode == 2
    assert "not a number" in result.stderr and "Traceback" not in result.stderr


def test_2d_draws_the_score_field_as_arrows():
    scene = Diffusion({"modes": Diffusion.param("modes").parse("ring of 8")}, seed=0)
    for _ in range(10):
        scene.step()
    cloud = scene.draw(120, 38).panels[0]
    glyphs = {s.marker for s in cloud.series if isinstance(s, Points)}
    assert glyphs & set(diffusion_module.ARROW_GLYPHS)
    # near the noised mode at angle 0, the field points back towards it (left)
    t = scene.now
    mode = scene.mixture.noised(scene.schedule, t).means[0]
    assert scene.score(np.array([mode + [0.8, 0.0]]), t)[0, 0] < 0


def test_notes_name_the_failure_modes():
    assert any("α₁" in n for n in notes_in(Diffusion({"beta_max": 1.0})))
    assert any("coarse" in n for n in notes_in(Diffusion({"steps": 10})))
    assert any("p₁" in n for n in notes_in(Diffusion({"beta_max": 1.0}), "zh"))


def test_mode_shares_are_compared_with_cell_masses_not_weights():
    """Two overlapping modes (spread 1.5): exact samples follow the cell masses."""
    scene = Diffusion({"spread": 1.5, "particles": 20000, "steps": 400, "forward": False}, seed=5)
    run_to_end(scene)
    data = scene.data()
    masses, shares = data["mode_cell_masses"], data["mode_weights_sampled"]
    assert masses[0] == pytest.approx(0.336, abs=0.002)
    assert abs(shares[0] - masses[0]) < 0.02 < abs(masses[0] - 0.3) + 0.02


@pytest.mark.parametrize("values", [
    {"modes": "ring of 8", "spread": 0.05, "steps": 10, "beta_max": 40.0},
    {"modes": "-10 @ 1e6; 10", "spread": 1.5, "beta_min": 1.0, "beta_max": 1.0},
    {"modes": "2-D uneven", "particles": 100, "steps": 10000, "forward": False},
])
def test_hard_settings_run_to_the_end_without_warnings(values):
    values = {k: Diffusion.param(k).parse(str(v)) for k, v in values.items()}
    with np.errstate(all="raise"):
        scene = Diffusion(values, seed=0)
        run_to_end(scene)
        render(scene.draw(100, 30), 100, 30)
        json.loads(dumps(scene.export()))


def test_learned_score_with_the_smallest_training_runs_without_warnings():
    with np.errstate(all="raise"):
        scene = Diffusion({"score": "learned", "training": 200, "steps": 10,
                           "modes": Diffusion.param("modes").parse("ring of 8")}, seed=13)
        finish_work(scene)
        run_to_end(scene)
        render(scene.draw(100, 30), 100, 30)
        json.loads(dumps(scene.export()))


def test_the_chosen_samplers_paragraph_comes_first():
    assert Diffusion().explain().en.startswith("Reverse SDE")
    assert Diffusion({"sampler": "ode"}).explain().en.startswith("Flow ODE")
    assert Diffusion({"sampler": "ode"}).explain().zh.startswith("概率流 ODE")
