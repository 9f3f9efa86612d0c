"""The brachistochrone scene: exported numbers against closed forms, its story, keys and looks."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from calcterm.compute.variations import line_variation_slope
from calcterm.export import dumps
from calcterm.headless import build
from calcterm.registry import get
from helpers import run_cli, soak
from pilot import plot_text, readout, select

Brach = get("brachistochrone")
KEYS = {"T_line", "T_circle", "T_power", "T_cycloid", "theta_B", "a", "dips_below_B", "T_polygon",
        "polygon_depths", "first_variation", "dT_deps_line", "dT_deps_cycloid", "beads"}


def export(*settings: str, steps: int = 0) -> dict:
    scene = build("brachistochrone", [tuple(s.split("=", 1)) for s in settings], steps=steps)
    return json.loads(dumps(scene.export()))["data"]


def test_export_has_the_documented_keys_and_closed_forms():
    a = 0.4
    data = export(f"X={math.pi * a}", f"Y={2 * a}", "g=9.81")
    assert KEYS <= set(data)
    assert data["theta_B"] == pytest.approx(math.pi, abs=1e-12)
    assert data["a"] == pytest.approx(a, rel=1e-12)
    assert data["T_cycloid"] == pytest.approx(math.pi * math.sqrt(a / 9.81), rel=1e-12)
    length = math.hypot(math.pi * a, 2 * a)
    assert data["T_line"] == pytest.approx(length * math.sqrt(2 / (9.81 * 2 * a)), rel=1e-10)
    assert min(data["T_line"], data["T_circle"], data["T_power"]) > data["T_cycloid"]


@pytest.mark.parametrize("X, Y, dips", [(1.0, 1.0, False), (1.6, 1.0, True), (5.0, 0.2, True)])
def test_dips_below_b_exactly_when_x_over_y_exceeds_half_pi(X, Y, dips):
    data = export(f"X={X}", f"Y={Y}")
    assert data["dips_below_B"] is dips and (data["theta_B"] > math.pi) is dips
    assert data["el_residual_cycloid"] < 1e-3 < data["el_residual_line"]


def test_first_variation_is_flat_at_the_cycloid_and_sloped_at_the_line():
    data = export("X=1.2", "Y=0.8", "g=3")
    pairs = np.array(data["first_variation"])
    assert pairs[0, 0] == pytest.approx(-0.16) and pairs[-1, 0] == pytest.approx(0.16)
    centre = len(pairs) // 2
    assert pairs[centre, 1] == 0.0 and np.all(pairs[np.arange(len(pairs)) != centre, 1] > 0)
    assert abs(data["dT_deps_cycloid"]) < 1e-7
    assert data["dT_deps_line"] == pytest.approx(line_variation_slope(1.2, 0.8, 3.0), rel=1e-6)
    line = np.array(data["first_variation_line"])
    assert (line[centre + 1, 1] - line[centre - 1, 1]) / (line[centre + 1, 0] - line[centre - 1, 0]) \
        == pytest.approx(data["dT_deps_line"], rel=0.05)


def test_beads_ride_on_a_shared_clock_and_the_race_ends_with_the_slowest():
    scene = Brach({"X": 1.0, "Y": 1.0})
    for _ in range(60):
        scene.step()
    beads = scene.data()["beads"]
    clock = 60 * scene.cyc.time / 120
    th = clock * math.sqrt(scene["g"] / scene.cyc.a)          # θ grows linearly on the cycloid
    assert beads["cycloid"] == pytest.approx([scene.cyc.a * (th - math.sin(th)),
                                              scene.cyc.a * (1 - math.cos(th))], abs=1e-9)
    assert beads["cycloid"][1] > beads["line"][1]            # the cycloid's bead is deeper sooner
    while not scene.done:
        scene.step()
    assert scene.clock >= scene.data()["T_line"] > scene.clock - scene.cyc.time / 120
    assert all(b == pytest.approx([1.0, 1.0], abs=1e-9) for b in scene.data()["beads"].values())


def test_polygon_descends_towards_the_cycloid_without_passing_it():
    scene = Brach({"view": "discrete", "N": 12, "eta": 0.05})
    times = [scene.data()["T_polygon"]]
    for _ in range(400):
        scene.step()
        times.append(scene.data()["T_polygon"])
    assert times[0] == pytest.approx(scene.data()["T_line"], rel=1e-12)
    assert np.all(np.diff(times) <= 0) and times[-1] > scene.cyc.time
    assert times[-1] - scene.cyc.time < 0.01 * scene.cyc.time
    assert len(scene.data()["polygon_depths"]) == 13


def test_the_variation_view_sweeps_epsilon_and_stops():
    scene = Brach({"view": "variation"})
    seen = []
    while not scene.done:
        seen.append(scene.epsilon)
        scene.step()
    assert scene.t == 80 and seen[0] == pytest.approx(-0.2) and scene.epsilon == pytest.approx(0.2)


def test_polygon_parameters_matter_only_in_the_discrete_view():
    assert not Brach().matters("N") and not Brach().matters("eta")
    assert Brach({"view": "discrete"}).matters("N") and Brach().matters("k")


def test_soak_at_the_heaviest_setting():
    scene = Brach(dict(Brach.heaviest))
    scene.finish_job()
    soak(scene, 5000, draw_every=500)
    assert scene.data()["T_polygon"] > scene.cyc.time


def test_cli_export():
    result = run_cli("export", "brachistochrone", "-s", "view=race", "--steps", "3")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["steps"] == 3 and KEYS <= set(doc["data"])


async def test_view_key_switches_to_the_variation_sweep():
    from calcterm.host.app import CalcTermApp

    app = CalcTermApp(scene=Brach())
    async with app.run_test(size=(120, 40)) as pilot:
        scene = app.screen.scene
        before = plot_text(app)
        await select(pilot, "view")
        await pilot.press("right")
        assert scene["view"] == "variation" and scene["k"] == 0.5
        await pilot.press("n", "n")
        assert "ε" in readout(app) and plot_text(app) != before


async def test_k_key_changes_only_the_power_curve():
    from calcterm.host.app import CalcTermApp

    app = CalcTermApp(scene=Brach())
    async with app.run_test(size=(120, 40)) as pilot:
        scene = app.screen.scene
        t_power, t_line = scene.times["power"], scene.times["line"]
        await select(pilot, "k")
        await pilot.press("right")
        assert scene["k"] == pytest.approx(0.55) and scene["view"] == "race"
        assert scene.times["power"] != t_power and scene.times["line"] == t_line
        assert "k=0.55" in plot_text(app)


def test_snapshot_80x24(snap_compare):
    """The race half-way, in a small terminal."""
    from calcterm.host.app import CalcTermApp

    scene = Brach(seed=0)
    for _ in range(60):
        scene.step()
    assert snap_compare(CalcTermApp(scene=scene), terminal_size=(80, 24))
