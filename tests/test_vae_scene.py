"""The vae scene: exported numbers against closed forms and sampling error, keys and looks."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from calcterm.export import dumps
from calcterm.headless import build
from calcterm.registry import get
from helpers import run_cli, soak
from pilot import plot_text, readout, select

Vae = get("vae")
KEYS = {"log_px", "elbo", "gap", "kl_prior", "posterior_mean", "posterior_std", "mu", "sigma",
        "path", "grad_exact", "estimator_variance_exact", "estimator_variance_seen"}


def export(*settings: str, steps: int = 0) -> dict:
    scene = build("vae", [tuple(s.split("=", 1)) for s in settings], steps=steps)
    return json.loads(dumps(scene.export()))["data"]


def normal_logpdf(x: float, mean: float, var: float) -> float:
    return -0.5 * (math.log(2 * math.pi * var) + (x - mean) ** 2 / var)


@pytest.mark.parametrize("x, s, mu0, sigma0", [(2.0, 1.0, 0.0, 1.0), (-3.0, 0.4, 1.0, 0.2)])
def test_export_has_the_documented_keys_and_the_gap_identity(x, s, mu0, sigma0):
    data = export(f"x={x}", f"s={s}", f"mu0={mu0}", f"sigma0={sigma0}")
    assert KEYS <= set(data)
    assert set(data["estimator_variance_exact"]) == {"reparam", "score", "score_baseline"}
    assert data["log_px"] == pytest.approx(normal_logpdf(x, 0.0, 1 + s * s), rel=1e-13)
    assert data["posterior_mean"] == pytest.approx(x / (1 + s * s))
    assert data["posterior_std"] == pytest.approx(s / math.sqrt(1 + s * s))
    m, v = data["posterior_mean"], data["posterior_std"] ** 2
    kl_post = 0.5 * (math.log(v / sigma0**2) + (sigma0**2 + (mu0 - m) ** 2) / v - 1)
    kl_prior = 0.5 * (mu0**2 + sigma0**2 - 1 - 2 * math.log(sigma0))
    assert data["gap"] == pytest.approx(kl_post, rel=1e-12)
    assert data["kl_prior"] == pytest.approx(kl_prior, rel=1e-12)
    assert data["log_px"] - data["elbo"] == pytest.approx(data["gap"], abs=1e-12)
    assert data["path"] == [[mu0, sigma0]]


def test_exact_gradient_ascent_reaches_the_posterior_and_closes_the_gap():
    scene = Vae({"estimator": "exact", "lr": 0.1})
    while not scene.done:
        scene.step()
    data = scene.data()
    assert data["mu"] == pytest.approx(data["posterior_mean"], abs=1e-9)
    assert data["sigma"] == pytest.approx(data["posterior_std"], abs=1e-9)
    assert data["gap"] < 1e-15 and data["elbo"] == pytest.approx(data["log_px"], abs=1e-14)
    gaps = [scene.model.gap(m, s) for m, s in data["path"]]
    assert np.all(np.diff(gaps) <= 1e-15)
    assert len(data["path"]) == scene.t + 1


def test_estimator_variances_seen_match_exact_within_sampling_error():
    scene = Vae({"view": "estimators", "x": 1.5, "mu0": -1.0, "sigma0": 0.7})
    while not scene.done:
        scene.step()
    data = scene.data()
    n = data["draws"]
    assert n == 15_000
    for kind, key in (("reparam", "reparam"), ("score", "score"), ("score-baseline", "score_baseline")):
        g = scene.draws[kind]
        var = data["estimator_variance_seen"][key]
        se = math.sqrt(np.mean((g - g.mean()) ** 4) - var**2) / math.sqrt(n)
        assert abs(var - data["estimator_variance_exact"][key]) < 5 * se
        exact_mean = data["recon_grad_exact"][0]
        assert abs(g.mean() - exact_mean) < 5 * math.sqrt(data["estimator_variance_exact"][key] / n)
    v = data["estimator_variance_exact"]
    assert v["reparam"] < v["score_baseline"] < v["score"]
    assert data["mu"] == -1.0 and data["path"] == [[-1.0, 0.7]]       # no training in this view


def test_score_function_sgd_runs_away_where_reparam_does_not():
    score = Vae({"estimator": "score"})
    reparam = Vae({"estimator": "reparam"})
    for _ in range(600):
        score.step()
        reparam.step()
    assert score.data()["ran_away"] and not reparam.data()["ran_away"]
    assert reparam.data()["gap"] < 0.2
    assert any("run away" in n.en for n in score.notes())


def test_the_same_draws_replay_identically():
    a, b = Vae({"estimator": "score-baseline", "K": 3}, seed=4), Vae({"estimator": "score-baseline", "K": 3}, seed=4)
    for _ in range(50):
        a.step()
        b.step()
    assert a.data()["path"] == b.data()["path"]
    a.rewind(20)
    assert a.data()["path"] == b.data()["path"][:21]


def test_sgd_parameters_matter_only_when_training():
    assert Vae().matters("K") and not Vae({"view": "estimators"}).matters("lr")


def test_soak_at_the_heaviest_setting():
    scene = soak(Vae(dict(Vae.heaviest)), 5000, draw_every=500)
    assert scene.done and scene.data()["gap"] < 0.01


def test_cli_export():
    result = run_cli("export", "vae", "-s", "estimator=exact", "--steps", "5")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["steps"] == 5 and KEYS <= set(doc["data"]) and len(doc["data"]["path"]) == 6


async def test_estimator_key_changes_only_the_estimator():
    from calcterm.host.app import CalcTermApp

    app = CalcTermApp(scene=Vae())
    async with app.run_test(size=(120, 40)) as pilot:
        scene = app.screen.scene
        await pilot.press("n", "n", "n")
        before = plot_text(app)
        await select(pilot, "estimator")
        await pilot.press("right")
        assert scene["estimator"] == "score" and scene["K"] == 1 and scene.t == 0
        await pilot.press("n", "n", "n")
        assert plot_text(app) != before and "ELBO" in readout(app)


async def test_view_key_shows_the_histograms():
    from calcterm.host.app import CalcTermApp

    app = CalcTermApp(scene=Vae())
    async with app.run_test(size=(120, 40)) as pilot:
        await select(pilot, "view")
        await pilot.press("right")
        assert app.screen.scene["view"] == "estimators"
        await pilot.press("n", "n")
        assert "exact" in plot_text(app)


def test_snapshot_80x24(snap_compare):
    """Training after 40 reparameterised SGD steps, in a small terminal."""
    from calcterm.host.app import CalcTermApp

    scene = Vae(seed=0)
    for _ in range(40):
        scene.step()
    assert snap_compare(CalcTermApp(scene=scene), terminal_size=(80, 24))
