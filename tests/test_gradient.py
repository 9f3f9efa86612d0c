"""The gradient scene: slopes against closed forms, the counterexample, export keys, TUI keys."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from calcterm.export import dumps
from calcterm.headless import build
from calcterm.registry import get
from texts import notes_in, readout_in

Gradient = get("gradient")

KEYS = {"grad", "grad_norm", "grad_angle_deg", "theta", "u", "directional", "grad_dot_u",
        "differentiable", "curve_theta", "curve_directional", "curvature_along_u"}


def export(*settings: str, steps: int = 0) -> dict:
    scene = build("gradient", [tuple(s.split("=", 1)) for s in settings], steps=steps)
    return json.loads(dumps(scene.export()), parse_constant=pytest.fail)["data"]


def test_export_keys():
    assert KEYS <= set(export())
    assert KEYS <= set(export("f=no derivative", steps=3))


@pytest.mark.parametrize("steps", [0, 7, 30])
def test_bowl_slopes_are_the_cosine_law_and_match_finite_differences(steps):
    data = export(steps=steps)
    theta = math.radians(5.0 * steps)
    ux, uy = math.cos(theta), math.sin(theta)
    assert data["grad"] == [2.0, 6.0] and data["grad_norm"] == pytest.approx(math.sqrt(40))
    assert data["grad_angle_deg"] == pytest.approx(math.degrees(math.atan2(6, 2)))
    assert data["u"] == pytest.approx([ux, uy], abs=1e-15)
    assert data["directional"] == pytest.approx(2 * ux + 6 * uy, abs=1e-13)
    assert data["grad_dot_u"] == pytest.approx(data["directional"], abs=1e-13)
    f = lambda x, y: x * x + 3 * y * y  # noqa: E731
    h = 1e-6
    fd = (f(1 + h * ux, 1 + h * uy) - f(1 - h * ux, 1 - h * uy)) / (2 * h)
    assert data["directional"] == pytest.approx(fd, abs=1e-8)
    assert data["curvature_along_u"] == pytest.approx(2 * ux**2 + 6 * uy**2, abs=1e-12)
    assert data["differentiable"] is True


def test_the_curve_peaks_at_the_gradient_with_height_grad_norm():
    data = export("f=wave", "x0=0.4", "y0=-1.1")
    theta, d = np.array(data["curve_theta"]), np.array(data["curve_directional"])
    gx, gy = math.cos(0.4) * math.cos(-1.1), -math.sin(0.4) * math.sin(-1.1)
    assert data["grad"] == pytest.approx([gx, gy], rel=1e-14)
    assert d.max() == pytest.approx(math.hypot(gx, gy), rel=1e-4)
    assert theta[d.argmax()] == pytest.approx(math.degrees(math.atan2(gy, gx)), abs=0.5)
    np.testing.assert_allclose(d, gx * np.cos(np.radians(theta)) + gy * np.sin(np.radians(theta)),
                               atol=1e-13)


def test_the_counterexample_has_slopes_cos2_sin_but_zero_gradient():
    data = export("f=no derivative", steps=7)  # θ = 35°, near the peak of cos²θ sinθ
    assert data["differentiable"] is False
    assert data["grad"] == pytest.approx([0.0, 0.0], abs=1e-12)
    t = math.radians(35.0)
    assert data["directional"] == pytest.approx(math.cos(t) ** 2 * math.sin(t), abs=1e-10)
    assert data["grad_dot_u"] == 0.0
    theta = np.radians(data["curve_theta"])
    np.testing.assert_allclose(data["curve_directional"], np.cos(theta) ** 2 * np.sin(theta), atol=1e-9)
    assert data["grad_angle_deg"] is None and data["curvature_along_u"] is None


def test_choosing_the_counterexample_or_the_cone_moves_p_to_the_origin():
    assert Gradient({"f": "x^2*y/(x^2+y^2)"}).values["x0"] == 0.0
    assert Gradient({"f": "sqrt(x^2+y^2)", "x0": 2.0}).values["x0"] == 2.0, "an explicit x0 wins"
    scene = Gradient()
    scene.set("f", "sqrt(x^2+y^2)")
    assert (scene["x0"], scene["y0"]) == (0.0, 0.0)


def test_the_notes_name_the_failure():
    notes = " ".join(notes_in(build("gradient", [("f", "no derivative")])))
    assert "not differentiable" in notes and "partial derivatives do not make f differentiable" in notes
    cone = build("gradient", [("f", "cone")], steps=4)
    assert cone.data()["directional"] == pytest.approx(1.0, abs=1e-10)
    assert "no gradient" in " ".join(notes_in(cone))
    assert readout_in(cone)["∇f"] == "does not exist" and readout_in(cone, "zh")["∇f"] == "不存在"
    saddle = build("gradient", [("f", "saddle"), ("x0", "0"), ("y0", "0")])
    assert "critical point" in " ".join(notes_in(saddle))


def test_readout_reports_the_steepest_direction_and_the_angle_to_u():
    scene = build("gradient", steps=6)  # θ = 30°
    readout = readout_in(scene)
    angle = math.degrees(math.atan2(6, 2))
    assert readout["angle(u, ∇f)"] == f"{angle - 30:.1f}°"
    assert readout["steepest ascent"] == f"{math.sqrt(40):.4g} at {angle:.1f}°"
    assert readout["level set along"] == f"{angle - 90:.1f}°, {angle + 90:.1f}°"


def test_one_full_turn_is_the_story():
    scene = Gradient({"theta": 170.0})
    thetas = []
    while not scene.done:
        thetas.append(scene.theta)
        scene.step()
    assert len(thetas) == 72 and thetas[:3] == [170.0, 175.0, 180.0] and thetas[3] == -175.0
    assert all(-180 < t <= 180 for t in thetas)


# ---------------------------------------------------------------- the TUI


def test_snapshot_80x24(snap_compare):
    """The bowl with u turned by 15°, in a small terminal."""
    from calcterm.host.app import CalcTermApp

    scene = get("gradient")(seed=0)
    for _ in range(3):
        scene.step()
    assert snap_compare(CalcTermApp(scene=scene), terminal_size=(80, 24))


async def test_theta_key_turns_u_and_only_u():
    from calcterm.host.app import CalcTermApp
    from pilot import plot_text, readout, select

    app = CalcTermApp(scene=Gradient())
    async with app.run_test(size=(120, 40)) as pilot:
        scene = app.screen.scene
        before, plot_before = dict(scene.values), plot_text(app)
        await select(pilot, "theta")
        await pilot.press("right")
        assert scene["theta"] == 5.0 and scene.t == 0
        assert {k: v for k, v in scene.values.items() if k != "theta"} == \
            {k: v for k, v in before.items() if k != "theta"}
        assert "θ = 5°" in plot_text(app) and plot_text(app) != plot_before
        assert "(0.9962, 0.0872)" in readout(app)


async def test_x0_key_moves_p_and_changes_the_gradient():
    from calcterm.host.app import CalcTermApp
    from pilot import readout, select

    app = CalcTermApp(scene=Gradient())
    async with app.run_test(size=(80, 24)) as pilot:
        scene = app.screen.scene
        await select(pilot, "x0")
        await pilot.press("left")
        assert scene["x0"] == pytest.approx(0.9) and scene["y0"] == 1.0
        assert "(1.8, 6)" in readout(app)
