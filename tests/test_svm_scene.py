"""The svm scene: SMO animated, the toy answer, the duality gap, the keys."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from calcterm.export import dumps
from calcterm.headless import build
from calcterm.registry import get

from helpers import run_cli, soak
from texts import notes_in, readout_in

SVMScene = get("svm")
KEYS = {"w", "b", "alpha", "support", "margin", "primal", "dual", "gap", "kkt_violation",
        "sum_alpha_y", "dual_unbounded_without_constraints"}


def exported(steps=0, **settings):
    scene = build("svm", [(k, str(v)) for k, v in settings.items()], steps=steps)
    return json.loads(dumps(scene.export()))["data"], scene


def test_toy_reaches_the_closed_form_answer():
    data, scene = exported(steps=200)
    assert KEYS <= set(data)
    assert scene.done and data["converged"]
    np.testing.assert_allclose(data["w"], [0.0, 1.0], atol=1e-8)
    assert data["b"] == pytest.approx(0.0, abs=1e-8) and data["margin"] == pytest.approx(2.0, abs=1e-8)
    assert data["support"] == [0, 1, 6]
    np.testing.assert_allclose(np.array(data["alpha"])[[0, 1, 6]], [0.25, 0.25, 0.5], atol=1e-8)
    assert data["primal"] == pytest.approx(0.5, abs=1e-8) and data["dual"] == pytest.approx(0.5, abs=1e-8)
    assert 0 <= data["gap"] < 1e-8 and data["kkt_violation"] < 1e-8
    assert abs(data["sum_alpha_y"]) < 1e-12
    assert data["dual_unbounded_without_constraints"] is True
    assert readout_in(scene)["margin 2/‖w‖"] == "2"
    assert notes_in(scene) == []


def test_every_tick_keeps_the_constraints_and_weak_duality():
    scene = SVMScene({"data": "outlier", "margin": "soft", "C": 0.5})
    for _ in range(60):
        d = scene.data()
        a = np.array(d["alpha"])
        assert a.min() >= 0 and a.max() <= 0.5 and abs(d["sum_alpha_y"]) < 1e-12
        if math.isfinite(d["primal"]):
            assert d["primal"] >= d["dual"] - 1e-9
        scene.step()
    assert scene.done and scene.data()["gap"] < 1e-8


def test_at_step_zero_nothing_is_solved_yet():
    data, _ = exported()
    assert data["alpha"] == [0.0] * 11 and data["w"] == [0.0, 0.0]
    assert data["margin"] is None and data["non_finite"]["data.margin"] == "inf"
    assert data["primal"] is None and data["dual"] == 0.0  # w = 0 separates nothing yet


def test_overlap_with_a_hard_margin_has_no_solution():
    data, scene = exported(steps=30, data="overlap")
    assert data["separable"] is False
    assert data["primal"] is None and data["non_finite"]["data.primal"] == "inf"
    assert data["gap"] is None
    assert any("no separating line" in n for n in notes_in(scene))
    soft, _ = exported(steps=400, data="overlap", margin="soft")
    assert soft["converged"] and soft["gap"] < 1e-7 and soft["misclassified"] > 0


def test_soft_margin_pays_slack_for_the_outlier():
    hard, _ = exported(steps=200, data="outlier")
    soft, scene = exported(steps=200, data="outlier", margin="soft")
    assert hard["margin"] < 0.8 < 2.0 < soft["margin"]
    assert soft["slack"][-1] > 0 and soft["status"][-1] == 2 and soft["alpha"][-1] == pytest.approx(1.0)
    free = [i for i, k in enumerate(soft["status"]) if k == 1]
    x, y = np.array(soft["x"]), np.array(soft["y"])
    np.testing.assert_allclose(y[free] - x[free] @ np.array(soft["w"]), soft["b"], atol=1e-8)
    assert float(readout_in(scene)["y_s − wᵀx_s"]) == pytest.approx(soft["b"], rel=1e-3)


def test_steps_per_tick_and_relevance():
    scene = SVMScene({"data": "blobs", "n": 200, "margin": "soft", "C": 10.0, "steps_per_tick": 7})
    scene.step()
    scene.step()
    assert scene.data()["iterations"] == 14
    assert scene.matters("n") and scene.matters("sep") and scene.matters("C")
    toy = SVMScene()
    assert not toy.matters("n") and not toy.matters("sep") and not toy.matters("C")


def test_blobs_are_seeded():
    a = SVMScene({"data": "blobs"}, seed=3).data()["x"]
    b = SVMScene({"data": "blobs"}, seed=3).data()["x"]
    c = SVMScene({"data": "blobs"}, seed=4).data()["x"]
    assert a == b and a != c


def test_cli_export_is_strict_json():
    out = run_cli("export", "svm", "-s", "data=overlap", "--steps", "5")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout, parse_constant=lambda c: pytest.fail(f"non-strict constant {c}"))
    assert doc["data"]["primal"] is None and doc["data"]["non_finite"]["data.primal"] == "inf"


def test_soak_at_the_heaviest_settings():
    scene = soak(SVMScene(dict(SVMScene.heaviest)), 5000, draw_every=500, until_done=True)
    d = scene.data()
    assert scene.done and d["gap"] < 1e-6 * max(1.0, d["dual"])
    for size in ((80, 24), (120, 40), (200, 60)):
        assert scene.draw(*size).panels


async def test_keys_change_one_parameter_at_a_time():
    from calcterm.host.app import CalcTermApp
    from pilot import plot_text, readout, select

    app = CalcTermApp(scene=SVMScene({"data": "outlier"}))
    async with app.run_test(size=(120, 40)) as pilot:
        scene = app.screen.scene
        await pilot.press("n")
        await pilot.pause()
        before = plot_text(app)
        await select(pilot, "margin")
        await pilot.press("right")
        assert scene["margin"] == "soft" and scene["data"] == "outlier" and scene.t == 0
        for _ in range(8):
            await pilot.press("n")
        await pilot.pause()
        assert plot_text(app) != before and "ξ=" in plot_text(app)
        await select(pilot, "C")
        await pilot.press("right")
        assert scene["C"] == pytest.approx(10 ** 0.1) and scene["margin"] == "soft"
        await pilot.pause()
        assert "iteration" in readout(app)


def test_snapshot_80x24(snap_compare):
    """The scene in a small terminal, 10 steps in."""
    from calcterm.host.app import CalcTermApp

    scene = get("svm")({"data": "outlier", "margin": "soft"}, seed=0)
    for _ in range(10):
        scene.step()
    assert snap_compare(CalcTermApp(scene=scene), terminal_size=(80, 24))
