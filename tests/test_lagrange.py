"""The lagrange scene: its export against closed forms, the walk, the moving centre, the TUI keys."""

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

Lagrange = get("lagrange")
KEYS = {"x_star", "f_star", "lambda_star", "active", "licq", "stationarity_residual",
        "complementary_slackness", "shadow_price", "critical_points",
        "lagrangian_hessian_eigenvalues", "path"}


def exported(scene_id="lagrange", steps=0, **settings):
    scene = build(scene_id, [(k, str(v)) for k, v in settings.items()], steps=steps)
    return json.loads(dumps(scene.export()))["data"], scene


def test_default_export_is_the_circle_in_closed_form():
    data, _ = exported(steps=120)
    assert KEYS <= set(data)
    r5 = math.sqrt(5)
    np.testing.assert_allclose(data["x_star"], [2 / r5, 1 / r5], atol=1e-14)
    assert data["lambda_star"] == pytest.approx(r5 - 1, rel=1e-14)
    assert data["f_star"] == pytest.approx((r5 - 1) ** 2, rel=1e-14)
    assert data["shadow_price"] == pytest.approx(r5 - 1, rel=1e-7)
    assert data["active"] and data["licq"]
    assert data["stationarity_residual"] < 1e-13 and abs(data["complementary_slackness"]) < 1e-13
    kinds = sorted(c["kind"] for c in data["critical_points"])
    assert kinds == ["max", "min"]
    top = next(c for c in data["critical_points"] if c["kind"] == "max")
    assert top["lambda"] == pytest.approx(-(r5 + 1)) and top["f"] == pytest.approx((r5 + 1) ** 2)
    a = 1 + data["lambda_star"]
    expected = sorted([2 * a, a - math.sqrt(a * a + 4), a + math.sqrt(a * a + 4)])
    np.testing.assert_allclose(data["lagrangian_hessian_eigenvalues"], expected, rtol=1e-12)


def test_the_walk_goes_round_the_circle_three_degrees_a_step():
    data, scene = exported(steps=120)
    path = np.array(data["path"])
    assert len(path) == 121 and scene.done
    np.testing.assert_allclose(np.hypot(*path.T), 1.0, atol=1e-13)  # P sits exactly on g = 0
    angles = np.degrees(np.unwrap(np.arctan2(path[:, 1], path[:, 0])))
    np.testing.assert_allclose(np.diff(angles), 3.0, atol=0.05)
    np.testing.assert_allclose(path[0], [1.0, 0.0], atol=1e-12)
    scene.step()
    assert scene.t == 120, "a finished story does not step"


def test_values_at_p_and_the_multiplier_there():
    data, scene = exported(steps=30)  # P at 90°: (0, 1)
    np.testing.assert_allclose(data["P"], [0.0, 1.0], atol=2e-3)
    x, y = data["P"]
    fx, fy, gx, gy = 2 * (x - 2), 2 * (y - 1), 2 * x, 2 * y
    assert data["lambda_P"] == pytest.approx(-(fx * gx + fy * gy) / (gx * gx + gy * gy), rel=1e-12)
    assert data["cross_P"] == pytest.approx(fx * gy - fy * gx, rel=1e-12)
    assert readout_in(scene)["λ(P)"] == f"{data['lambda_P']:.4g}"


def test_passing_the_optimum_and_the_maximum_is_named():
    scene = Lagrange()
    seen = []
    for _ in range(120):
        scene.step()
        seen.append(" ".join(notes_in(scene)))
    crossed = [i + 1 for i, n in enumerate(seen) if "passed a critical point" in n]
    at_max = [i + 1 for i, n in enumerate(seen) if "necessary, not sufficient" in n]
    assert crossed == [9] and at_max == [69]  # 26.57° and 206.57° lie in steps 8→9 and 68→69
    assert "maximum" in seen[68]


@pytest.mark.parametrize("c", [0.5, 2.0])
def test_inequality_centre_sweep_switches_kkt(c):
    """λ*(t) = max(0, |centre(t)|/√c − 1); the constraint is active exactly when the centre is outside."""
    scene = Lagrange({"kind": "inequality", "animate": "center", "c": c})
    lams, actives = [], []
    for k in range(121):
        d = json.loads(dumps(scene.export()))["data"]
        centre = np.array([-4.0, -2.0]) + k / 120 * np.array([8.0, 4.0])
        np.testing.assert_allclose(d["centre"], centre, atol=1e-12)
        dist = float(np.hypot(*centre))
        assert d["lambda_star"] == pytest.approx(max(0.0, dist / math.sqrt(c) - 1), abs=1e-10)
        assert d["active"] == (dist > math.sqrt(c))
        assert d["lambda_star"] >= 0 and abs(d["complementary_slackness"]) < 1e-12
        if not d["active"]:
            np.testing.assert_allclose(d["x_star"], centre, atol=1e-12)
            assert d["shadow_price"] == pytest.approx(0.0, abs=1e-9)
        else:
            assert d["shadow_price"] == pytest.approx(d["lambda_star"], rel=1e-6)
        lams.append(d["lambda_star"])
        actives.append(d["active"])
        scene.step()
    assert actives[0] and actives[-1] and not all(actives)  # on, off inside, on again
    assert len(json.loads(dumps(scene.export()))["data"]["lambda_path"]) == 121


def test_equality_centre_sweep_lets_lambda_go_negative():
    scene = Lagrange({"animate": "center"})
    for _ in range(60):
        scene.step()
    scene.step()  # centre (0.067, 0.033): inside the unit circle
    d = json.loads(dumps(scene.export()))["data"]
    assert d["lambda_star"] == pytest.approx(math.hypot(4 / 60, 2 / 60) - 1, rel=1e-9)


def test_cusp_exports_a_missing_multiplier_as_null_with_its_reason():
    data, scene = exported(problem="cusp")
    assert data["x_star"] == [0.0, 0.0] or np.allclose(data["x_star"], 0, atol=1e-9)
    assert data["lambda_star"] is None and data["non_finite"]["data.lambda_star"] == "nan"
    assert data["licq"] is False
    assert [c["kind"] for c in data["critical_points"]] == ["singular"]
    assert data["shadow_price"] == pytest.approx(1e-4 ** (-2 / 3), rel=1e-6)  # f*(c) = ∛(1 − c)
    assert readout_in(scene)["λ*"] == "none" and readout_in(scene, "zh")["λ*"] == "不存在"
    assert any("LICQ" in n for n in notes_in(scene))


def test_line_and_ellipse_presets():
    data, _ = exported(problem="line", c=3.0)
    np.testing.assert_allclose(data["x_star"], [1.5, 1.5], atol=1e-13)
    assert data["lambda_star"] == pytest.approx(-3.0) and data["shadow_price"] == pytest.approx(-3.0, rel=1e-7)
    data, _ = exported(problem="line", kind="inequality")
    assert data["x_star"] == [0.0, 0.0] and data["lambda_star"] == 0.0 and not data["active"]
    data, _ = exported(problem="ellipse-xy")
    assert data["f_star"] == pytest.approx(-1.0) and data["lambda_star"] == pytest.approx(1.0)
    assert sorted(c["kind"] for c in data["critical_points"]) == ["max", "max", "min", "min"]


def test_links_and_relevance():
    scene = Lagrange()
    scene.set("problem", "line")
    assert (scene["f"], scene["g"]) == ("x^2 + y^2", "x + y - c")
    assert not scene.matters("cx") and not scene.matters("animate") and scene.matters("c")
    scene.set("f", "x^2 + 2*y^2")
    assert scene["problem"] == "custom"
    scene.set("f", "x^2 + y^2")
    assert scene["problem"] == "line"
    custom = Lagrange({"f": "exp(x) + y^2", "g": "x^2 + y^2 - 4"})
    assert custom["problem"] == "custom" and not custom.matters("c")
    d = custom.data()
    assert d["shadow_price"] == 0.0  # g does not read c
    # on the circle of radius 2, e^x + y² is least at (−2, 0) (e^(2u) = 4u has no root, so only
    # θ = 0 and θ = π are critical); there ∇f = (e^−2, 0) = −λ(−4, 0)
    np.testing.assert_allclose(d["x_star"], [-2.0, 0.0], atol=1e-12)
    assert d["lambda_star"] == pytest.approx(math.exp(-2) / 4, rel=1e-12)
    assert sorted(c["kind"] for c in d["critical_points"]) == ["max", "min"]


def test_no_curve_in_view_and_unbounded_objective():
    data, scene = exported(f="x^2 + y^2", g="x^2 + y^2 + 1")
    assert data["x_star"] == [None, None] and scene.done
    assert any("changes sign nowhere" in n for n in notes_in(scene))
    data, scene = exported(f="x + y", g="x - y")
    assert data["bounded"] is False
    assert any("no minimum" in n for n in notes_in(scene))


def test_cli_export_is_strict_json():
    out = run_cli("export", "lagrange", "-s", "problem=cusp", "--steps", "3")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout, parse_constant=lambda c: pytest.fail(f"non-strict constant {c}"))
    assert doc["data"]["lambda_star"] is None and "data.lambda_star" in doc["data"]["non_finite"]


def test_soak_at_the_heaviest_settings():
    scene = soak(Lagrange(dict(Lagrange.heaviest)), 5000, draw_every=500)
    assert scene.t == 120 and scene.done
    for size in ((80, 24), (120, 40), (200, 60)):
        assert scene.draw(*size).panels


# --------------------------------------------------------------------------- TUI


async def test_keys_change_one_parameter_at_a_time():
    from calcterm.host.app import CalcTermApp
    from pilot import plot_text, readout, select

    app = CalcTermApp(scene=Lagrange())
    async with app.run_test(size=(120, 40)) as pilot:
        scene = app.screen.scene
        before = plot_text(app)
        await select(pilot, "kind")
        await pilot.press("right")
        assert scene["kind"] == "inequality" and scene["c"] == 1.0 and scene["problem"] == "circle"
        await pilot.pause()
        assert plot_text(app) != before
        await select(pilot, "c")
        await pilot.press("right")
        assert scene["c"] == pytest.approx(1.1) and scene["kind"] == "inequality"
        await pilot.pause()
        lam = math.sqrt(5) / math.sqrt(1.1) - 1
        assert f"{lam:.6g}" in readout(app)


def test_snapshot_80x24(snap_compare):
    """The scene in a small terminal, 10 steps in."""
    from calcterm.host.app import CalcTermApp

    scene = get("lagrange")({}, seed=0)
    for _ in range(10):
        scene.step()
    assert snap_compare(CalcTermApp(scene=scene), terminal_size=(80, 24))


def test_explanation_leads_with_what_is_on_screen():
    assert Lagrange().explain().en.startswith("Minimise f on the orange curve")
    kkt = Lagrange({"kind": "inequality"}).explain()
    assert kkt.en.startswith("With g ≤ 0") and kkt.zh.startswith("选 g ≤ 0")
    assert Lagrange({"problem": "cusp"}).explain().en.startswith("Writing 𝓛 = f + λg")
    assert len(Lagrange().explain().en.split("\n")) == 4
