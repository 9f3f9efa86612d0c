"""The brownian scene: its numbers, its clock, its memory budget and every view's drawing."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from calcterm.export import dumps
from calcterm.plot import Bars, Line, Points
from calcterm.registry import get
from calcterm.render import render
from calcterm.text import tr

from texts import notes_in, readout_in

Brownian = get("brownian")
VIEWS = ("paths", "variation", "ito", "scaling")
Z = 3.29  # two-sided 0.1 % normal quantile


def drained(scene):
    scene.finish_job()
    return scene


@pytest.mark.parametrize("view", VIEWS)
@pytest.mark.parametrize("values", [{}, {"steps": 10.0, "paths": 1}, {"T": 10.0, "c": 1024.0},
                                    {"steps": 100_000.0, "c": 2.0, "T": 0.1}])
def test_every_view_draws_cleanly(view, values):
    with np.errstate(all="raise"):
        scene = Brownian({"view": view, **values})
        for size in ((60, 20), (120, 40)):
            for _ in range(7):
                scene.step()
            text = render(scene.draw(*size), *size)
            assert len(text.split("\n")) == size[1]
        assert scene.readout()
        json.loads(dumps(scene.export()))


def test_export_has_the_promised_keys_and_consistent_closed_forms():
    data = Brownian({"T": 2.0}).data()
    for key in ("T", "steps", "paths", "quadratic_variation", "total_variation", "ito_sum",
                "ito_closed_form", "stratonovich_sum", "stratonovich_closed_form",
                "terminal_mean", "terminal_var"):
        assert key in data
    W_T, T = data["W_T"], data["T"]
    assert data["ito_closed_form"] == pytest.approx((W_T ** 2 - T) / 2)
    assert data["stratonovich_closed_form"] == pytest.approx(W_T ** 2 / 2)
    assert data["stratonovich_sum"] == pytest.approx(data["stratonovich_closed_form"], abs=1e-10)
    n = data["steps"]
    assert abs(data["ito_sum"] - data["ito_closed_form"]) < Z * T / math.sqrt(2 * n)
    assert abs(data["midpoint_sum"] - data["stratonovich_closed_form"]) < Z * T / (2 * math.sqrt(n))


def test_statistics_of_the_exported_run():
    T, paths, n = 1.7, 2000, 500
    data = drained(Brownian({"T": T, "paths": paths, "steps": float(n)})).data()
    assert data["paths_simulated"] == paths
    assert abs(data["quadratic_variation"] - T) < 3 * T * math.sqrt(2 / (n * paths))
    assert data["quadratic_variation_se"] == pytest.approx(T * math.sqrt(2 / (n * paths)))
    assert abs(data["terminal_mean"]) < Z * math.sqrt(T / paths)
    # (k−1)s²/T ~ χ²_{k−1} ≈ N(k−1, 2(k−1)) for k = 2000
    assert abs(data["terminal_var"] / T - 1) < Z * math.sqrt(2 / (paths - 1))
    tv = data["total_variation"]
    assert abs(tv - data["total_variation_expected"]) < Z * math.sqrt(T * (1 - 2 / math.pi) / paths)


def test_steps_is_a_doubling_log_parameter_rounded_to_an_integer():
    p = Brownian.param("steps")
    assert p.nudge(10_000.0, 1) == 20_000.0 and p.nudge(10_000.0, -1) == 5_000.0
    assert p.nudge(10_000.0, 1, big=True) == 100_000.0
    scene = Brownian({"steps": 312.5})
    assert scene.n == 312 and scene.data()["steps"] == 312


def test_same_seed_same_export_and_another_seed_differs():
    a, b, c = Brownian(seed=5), Brownian(seed=5), Brownian(seed=6)
    assert dumps(a.export()) == dumps(b.export())
    assert a.data()["ito_sum"] != c.data()["ito_sum"]


def test_drawn_paths_stay_when_only_the_number_of_paths_changes():
    few, many = Brownian({"paths": 30}), Brownian({"paths": 300})
    np.testing.assert_array_equal(few.ens.first, many.ens.first)
    np.testing.assert_array_equal(few.ens.detail, many.ens.detail)


def test_big_runs_finish_in_a_job_that_leaves_the_scene_alone_until_adopted():
    scene = Brownian({"paths": 400, "steps": 20_000.0})
    assert not scene.ens.complete and scene.ens.done >= 20
    assert any("background" in note for note in notes_in(scene))
    drained(scene)
    assert scene.ens.complete and scene.job() is None
    assert scene.data()["paths_simulated"] == 400

    stale = Brownian({"paths": 400, "steps": 20_000.0})
    job, revision = stale.job(), stale.revision
    stale.set("T", 2.0)  # a new run starts; the host adopts the old result only if unchanged
    result = job.run(lambda fraction: None)
    assert result.complete and result.T == 1.0
    assert stale.revision != revision and stale.ens.T == 2.0 and not stale.ens.complete


def test_the_heaviest_run_never_holds_paths_times_steps():
    scene = Brownian({"paths": 2000, "steps": 100_000.0})
    arrays = [v for v in vars(scene.ens).values() if isinstance(v, np.ndarray)]
    arrays += [v for v in vars(scene.sums).values() if isinstance(v, np.ndarray)]
    stored = sum(a.size for a in arrays)
    assert stored < 3_000_000 < 2000 * 100_000 / 50


def test_paths_grow_and_the_histogram_follows_the_clock():
    scene = Brownian({"view": "paths"})
    times = []
    for _ in range(40):
        times.append(scene.now)
        scene.step()
    assert all(b >= a for a, b in zip(times, times[1:]))
    assert 0 < times[0] < 0.1 and times[-1] == scene["T"]
    figure = scene.draw(120, 40)
    assert any(isinstance(s, Bars) for s in figure.panels[1].series)
    widths = [np.nanmax(s.x) for s in figure.panels[0].series if isinstance(s, Line) and not s.label]
    assert max(widths) == pytest.approx(scene["T"])


def test_variation_view_walks_down_the_ladder():
    scene = Brownian({"view": "variation", "steps": 1024.0})
    levels = []
    for _ in range(3 * len(scene.ens.ladder) + 6):
        levels.append(scene.level)
        scene.step()
    assert levels[0] == 0 and max(levels) == len(scene.ens.ladder) - 1
    assert sorted(levels) == levels
    assert "1024" in readout_in(scene)["grid m"]


def test_scaling_view_sweeps_c_up_and_back():
    scene = Brownian({"view": "scaling", "c": 16.0})
    cs = []
    for _ in range(81):
        cs.append(float(scene.data()["scaling"]["c"]))
        scene.step()
    assert cs[0] == 1.0 and max(cs) == pytest.approx(16.0) and cs[-1] == pytest.approx(1.0)
    whole, start = scene.scaling_spread()
    assert whole == pytest.approx(start, rel=0.25)  # same law; 200 paths


def test_ito_view_marks_the_sums_on_their_closed_forms():
    scene = Brownian({"view": "ito"})
    for _ in range(40):
        scene.step()
    left, right = scene.draw(120, 40).panels
    marks = {tr(s.label, "en"): s for s in left.series if isinstance(s, Points)}
    lines = {tr(s.label, "en"): s for s in left.series if isinstance(s, Line)}
    ito, closed = marks["Itô Σ W₋ΔW"], lines["(W²−t)/2"]
    at = np.searchsorted(closed.x, ito.x)
    assert np.max(np.abs(ito.y - closed.y[at])) < 5 * math.sqrt(2 / scene.n)
    assert any(tr(s.label, "en") == "2∫W dW, no +t" for s in right.series)


def test_notes_name_the_failure_modes_in_both_languages():
    coarse = Brownian({"steps": 10.0, "paths": 1, "view": "scaling", "c": 1024.0})
    en, zh = notes_in(coarse, "en"), notes_in(coarse, "zh")
    assert any("polygons" in note for note in en) and any("折线" in note for note in zh)
    assert any("zoomed past the grid" in note for note in en)
    assert readout_in(coarse)["sd √c·W(T/c)"].startswith("—")
    assert Brownian().notes() == []


def test_the_current_view_is_explained_first():
    for view in VIEWS:
        first = Brownian({"view": view}).explain().en.split("\n\n")[1]
        assert first.startswith({"paths": "Sample paths", "variation": "Quadratic variation",
                                 "ito": "Itô vs Stratonovich", "scaling": "Scaling"}[view])


def test_each_view_ends_its_story():
    for view in VIEWS:
        scene = Brownian({"view": view, "steps": 1024.0})
        for _ in range(500):
            scene.step()
        assert scene.done and scene.t < 500
