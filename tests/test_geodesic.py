"""The geodesic scene: exported numbers against haversine, Clairaut, Heron and Isomap truths."""

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

Geodesic = get("geodesic")
SPHERE_KEYS = {"geodesic_length", "chart_line_length", "path_length", "vertex_lat", "max_lat",
               "clairaut", "tissot_axes"}
NATURAL_KEYS = {"paths", "fisher", "natural_grad"}
ISOMAP_KEYS = {"pearson_r", "spearman_rho", "shortcut_edges", "euclid_ends", "arc_ends"}


def export(*settings: str, steps: int = 0) -> dict:
    scene = build("geodesic", [tuple(s.split("=", 1)) for s in settings], steps=steps)
    return json.loads(dumps(scene.export()))["data"]


def haversine_km(lat1, lon1, lat2, lon2, radius=6371.0):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 2 * radius * math.asin(math.sqrt(h))


def test_new_york_to_beijing():
    data = export()
    assert SPHERE_KEYS | NATURAL_KEYS | ISOMAP_KEYS <= set(data)
    assert data["geodesic_length"] == pytest.approx(haversine_km(40.7128, -74.006, 39.9042, 116.4074), abs=1e-6)
    assert round(data["geodesic_length"]) == 10989
    assert round(data["chart_line_length"], -1) == 14380
    assert data["path_length"] == pytest.approx(data["chart_line_length"], rel=1e-3)   # starts as the chart line
    assert data["max_lat"] == pytest.approx(data["vertex_lat"], abs=0.01) and data["max_lat"] > 80
    assert math.degrees(math.acos(abs(data["clairaut"]))) == pytest.approx(data["vertex_lat"], abs=1e-9)
    assert data["tissot_axes"]["east_west"] == pytest.approx(1 / math.cos(math.radians(40.7128)))
    assert data["pearson_r"] is None                        # Isomap is computed in its own view


@pytest.mark.parametrize("a, b", [((10.0, 20.0), (-30.0, 150.0)), ((-60.0, -170.0), (-50.0, 170.0))])
def test_other_places_and_radius(a, b):
    data = export(f"lat1={a[0]}", f"lon1={a[1]}", f"lat2={b[0]}", f"lon2={b[1]}", "radius_km=1000")
    assert data["geodesic_length"] == pytest.approx(haversine_km(*a, *b, 1000.0), abs=1e-9)
    assert data["chart_line_length"] >= data["geodesic_length"]


def test_relaxation_reaches_the_geodesic_length_from_above():
    scene = Geodesic()
    lengths = []
    while not scene.done:
        scene.step()
        lengths.append(scene.data()["path_length"])
    geo = scene.data()["geodesic_length"]
    assert min(lengths) >= geo * (1 - 1e-12)
    assert lengths[-1] == pytest.approx(geo, abs=0.5)          # within half a kilometre
    assert lengths[0] > lengths[len(lengths) // 2] > lengths[-1]


def test_shooting_keeps_clairauts_invariant_and_reaches_its_vertex():
    scene = Geodesic({"mode": "shoot", "heading": 30.0, "lat1": 0.0, "lon1": 0.0})
    while not scene.done:
        scene.step()
    data = scene.data()
    assert data["clairaut"] == pytest.approx(0.5)               # cos 0° · sin 30°
    assert float(np.ptp(scene.shot["clairaut"])) < 1e-8            # RK4 with 720 steps a turn
    assert float(np.max(scene.shot["lat"])) == pytest.approx(60.0, abs=1e-3)
    assert data["shot_stopped"] is False


def test_shooting_over_the_pole_is_stopped_and_named():
    scene = Geodesic({"mode": "shoot", "heading": 0.0})
    assert scene.data()["shot_stopped"] is True
    assert any("pole" in n.en for n in scene.notes())


def test_natural_gradient_at_lr_one_is_herons_method():
    data = export("view=natural", "lr=1", "mu0=-2", "sigma0=0.5", "m=1", "v=2", steps=150)
    nat = np.array(data["paths"]["natural"])
    assert nat[1, 0] == pytest.approx(1.0)
    S = 9.0 + 2.0                                                # (m − μ0)² + v
    assert nat[1, 1] == pytest.approx((0.5 + S / 0.5) / 2)
    assert nat[-1] == pytest.approx([1.0, math.sqrt(2.0)], abs=1e-12)
    assert np.array(data["fisher"]) == pytest.approx(np.diag([1 / 2.0, 2 / 2.0]), rel=1e-9)
    assert data["natural_grad"] == pytest.approx([0.0, 0.0], abs=1e-12)


def test_plain_gd_depends_on_the_chart_natural_gradient_barely():
    data = export("view=natural", "lr=0.02")
    p = {k: np.array(v) for k, v in data["paths"].items()}
    assert np.nanmax(np.linalg.norm(p["gd"] - p["gd_log"], axis=1)) > 0.3
    assert np.max(np.linalg.norm(p["natural"] - p["natural_log"], axis=1)) < 0.06


def test_isomap_unrolls_the_spiral_with_few_neighbours():
    data = export("view=isomap")
    assert data["pearson_r"] > 0.9999 and data["spearman_rho"] == pytest.approx(1.0)
    assert data["shortcut_edges"] == 0
    assert data["euclid_ends"] == pytest.approx(5 * math.pi)    # from (−π, 0) to (4π, 0)
    arc = 0.5 * (4 * math.pi * math.sqrt(1 + 16 * math.pi**2) + math.asinh(4 * math.pi)) \
        - 0.5 * (math.pi * math.sqrt(1 + math.pi**2) + math.asinh(math.pi))
    assert data["arc_ends"] == pytest.approx(arc, rel=1e-12)
    assert data["graph_ends"] == pytest.approx(arc, rel=2e-3)


def test_isomap_short_circuits_with_many_neighbours():
    data = export("view=isomap", "k=60")
    assert data["shortcut_edges"] > 100 and data["spearman_rho"] < 0.9
    assert data["graph_ends"] < 0.5 * data["arc_ends"]


def test_parameters_matter_in_their_own_view():
    scene = Geodesic()
    assert scene.matters("lat1") and not scene.matters("lr") and not scene.matters("heading")
    assert Geodesic({"mode": "shoot"}).matters("heading")
    assert Geodesic({"view": "isomap"}).matters("k") and not Geodesic({"view": "isomap"}).matters("lat1")


@pytest.mark.parametrize("view", ["sphere", "natural", "isomap"])
def test_soak(view):
    settings = dict(Geodesic.heaviest) if view == "isomap" else {"view": view, "lr": 1.5}
    scene = Geodesic(settings)
    scene.finish_job()
    soak(scene, 5000, draw_every=500)
    assert scene.done


def test_cli_export():
    result = run_cli("export", "geodesic", "-s", "view=natural", "--steps", "3")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["steps"] == 3 and NATURAL_KEYS | SPHERE_KEYS <= set(doc["data"])


async def test_mode_key_switches_to_shooting():
    from calcterm.host.app import CalcTermApp

    app = CalcTermApp(scene=Geodesic())
    async with app.run_test(size=(120, 40)) as pilot:
        scene = app.screen.scene
        before = plot_text(app)
        await select(pilot, "mode")
        await pilot.press("right")
        assert scene["mode"] == "shoot" and scene["view"] == "sphere"
        await pilot.press("n", "n", "n")
        assert "Clairaut drift" in readout(app) and plot_text(app) != before


async def test_lat2_key_moves_b_and_changes_the_distance():
    from calcterm.host.app import CalcTermApp

    app = CalcTermApp(scene=Geodesic())
    async with app.run_test(size=(120, 40)) as pilot:
        scene = app.screen.scene
        before = scene.data()["geodesic_length"]
        await select(pilot, "lat2")
        await pilot.press("right")
        assert scene["lat2"] == 40.5 and scene["lat1"] == 40.7128      # nudges snap to the step
        assert scene.data()["geodesic_length"] != before


def test_snapshot_80x24(snap_compare):
    """The relaxing path half-way to the great circle, in a small terminal."""
    from calcterm.host.app import CalcTermApp

    scene = Geodesic(seed=0)
    for _ in range(20):
        scene.step()
    assert snap_compare(CalcTermApp(scene=scene), terminal_size=(80, 24))
