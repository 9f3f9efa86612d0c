"""The jacobian scene: cells, integrals, densities and the chain rule against closed forms."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from calcterm.export import dumps
from calcterm.headless import build
from calcterm.registry import get
from texts import notes_in, readout_in

Jacobian = get("jacobian")


def export(*settings: str, steps: int = 0, seed: int | None = None) -> dict:
    scene = build("jacobian", [tuple(s.split("=", 1)) for s in settings], steps=steps, seed=seed)
    return json.loads(dumps(scene.export()), parse_constant=pytest.fail)["data"]


def test_export_keys_in_every_view():
    assert {"J", "det", "h", "image_area", "area_ratio", "history"} <= set(export())
    assert {"with_jacobian", "without_jacobian", "exact"} <= set(export("view=integral"))
    assert {"mean_r", "p_r_below_1"} <= set(export("view=density"))
    assert {"J1", "J2", "J_product", "J_composite", "det_composite"} <= set(export("view=compose"))


@pytest.mark.parametrize("steps", [0, 4, 12])
def test_polar_cell_area_and_ratio_are_the_annular_sector(steps):
    """[2, 2+h] × [v₀, v₀+h] goes to an annular sector of area ((2+h)² − 4)h/2: ratio 2 + h/2."""
    data = export(steps=steps)
    h = 0.5 * 0.5**steps
    assert data["h"] == h
    np.testing.assert_allclose(data["J"], [[math.cos(math.pi / 6), -2 * math.sin(math.pi / 6)],
                                           [math.sin(math.pi / 6), 2 * math.cos(math.pi / 6)]], rtol=1e-14)
    assert data["det"] == pytest.approx(2.0, rel=1e-14)
    assert data["image_area"] == pytest.approx(((2 + h) ** 2 - 4) * h / 2, rel=1e-12)
    assert data["area_ratio"] == pytest.approx(2 + h / 2, rel=1e-11)
    assert [p[0] for p in data["history"]] == [0.5 * 0.5**k for k in range(steps + 1)]


def test_the_ratio_error_halves_with_h_for_every_preset():
    for name in ("square", "exp", "coupling"):
        scene = build("jacobian", [("map", name), ("u0", "0.7"), ("v0", "0.4")], steps=14)
        gaps = [ratio - abs(scene.det) for _, ratio in scene.history[-3:]]
        assert gaps[0] / gaps[1] == pytest.approx(2.0, rel=0.02), name
        assert abs(gaps[-1]) < 1e-3 * abs(scene.det), name


def test_choosing_a_map_loads_its_formulas_and_typing_one_selects_custom():
    scene = Jacobian({"map": "square"})
    assert (scene["mx"], scene["my"]) == ("u^2-v^2", "2*u*v")
    scene.set("mx", "u+v^2")
    assert scene["map"] == "custom" and scene["my"] == "2*u*v"
    v0, u0 = scene["v0"], scene["u0"]
    np.testing.assert_allclose(scene.data()["J"], [[1.0, 2 * v0], [2 * v0, 2 * u0]])  # (u + v², 2uv)
    assert not Jacobian().matters("mx") and scene.matters("mx")


def test_a_reflection_keeps_a_positive_area_and_says_why():
    scene = build("jacobian", [("mx", "v"), ("my", "u")])
    assert scene.det == -1.0 and scene.data()["signed_area"] == pytest.approx(-0.25, rel=1e-13)
    assert scene.data()["area_ratio"] == pytest.approx(1.0, rel=1e-13)
    assert any("reverses orientation" in n for n in notes_in(scene))


@pytest.mark.parametrize("steps", [0, 3, 7])
def test_integral_view_with_and_without_the_jacobian(steps):
    data = export("view=integral", steps=steps)
    n = min(8 * 2**steps, 1024)
    exact = 2 * math.pi * (1 - math.exp(-2))
    assert data["n"] == n and data["exact"] == pytest.approx(exact, rel=1e-14)
    r = (np.arange(n) + 0.5) * 2 / n  # the integrand is radial, so the θ sum is n·Δθ = 2π
    assert data["with_jacobian"] == pytest.approx(np.sum(np.exp(-r**2 / 2) * r) * (2 / n) * 2 * math.pi,
                                                  rel=1e-12)
    assert data["without_jacobian"] == pytest.approx(np.sum(np.exp(-r**2 / 2)) * (2 / n) * 2 * math.pi,
                                                     rel=1e-12)
    assert data["without_jacobian_limit"] == pytest.approx(
        2 * math.pi * math.sqrt(math.pi / 2) * math.erf(math.sqrt(2)), rel=1e-14)


def test_midpoint_sums_converge_at_second_order_to_the_exact_value():
    scene = build("jacobian", [("view", "integral")], steps=7)
    exact = scene.data()["exact"]
    errors = [abs(with_j - exact) for _, with_j, _ in scene.history]
    ratios = [a / b for a, b in zip(errors, errors[1:])]
    assert all(r == pytest.approx(4.0, rel=0.05) for r in ratios)


def test_theta_beyond_two_pi_counts_the_disk_twice_and_is_named():
    scene = build("jacobian", [("view", "integral"), ("theta_max", "4*pi")], steps=7)
    data = scene.data()
    assert data["with_jacobian"] == pytest.approx(2 * data["exact"], rel=1e-5)
    assert any("not one-to-one" in n for n in notes_in(scene))
    assert any("一一对应" in n for n in notes_in(scene, "zh"))


def test_density_view_radius_statistics():
    data = export("view=density", "samples=200000", steps=19)
    assert data["samples_used"] == 200000
    sd = math.sqrt(2 - math.pi / 2)
    assert abs(data["mean_r"] - math.sqrt(math.pi / 2)) < 4 * sd / math.sqrt(200000)
    p = 1 - math.exp(-0.5)
    assert data["p_r_below_1_formula"] == pytest.approx(p, rel=1e-15)
    assert abs(data["p_r_below_1"] - p) < 4 * math.sqrt(p * (1 - p) / 200000)
    assert data["p_r_below_1_without_jacobian"] == pytest.approx(
        math.sqrt(math.pi / 2) * math.erf(1 / math.sqrt(2)), rel=1e-14)
    assert data["mass_without_jacobian"] == pytest.approx(math.sqrt(math.pi / 2), rel=1e-15)


def test_density_view_reveals_samples_over_its_steps():
    shown = [build("jacobian", [("view", "density")], steps=k).data()["samples_used"] for k in (0, 9, 19)]
    assert shown == [1000, 10000, 20000]
    scene = build("jacobian", [("view", "density")], steps=30)
    assert scene.done and scene.t == 19


def test_coupling_density_agrees_with_its_samples_and_needs_the_jacobian():
    data = export("view=density", "map=coupling", "samples=200000", steps=19)
    p = data["p_r_below_1_formula"]
    assert abs(data["p_r_below_1"] - p) < 4 * math.sqrt(p * (1 - p) / 200000)
    assert data["mass_without_jacobian"] == pytest.approx(1.04996, abs=2e-4)


def test_compose_view_is_a_matrix_product_and_dets_multiply():
    data = export("view=compose")
    r, t = 2.0, math.pi / 6
    x, y = r * math.cos(t), r * math.sin(t)
    j1 = np.array([[math.cos(t), -r * math.sin(t)], [math.sin(t), r * math.cos(t)]])
    j2 = np.array([[2 * x, -2 * y], [2 * y, 2 * x]])
    assert data["Tp"] == pytest.approx([x, y], rel=1e-14)
    np.testing.assert_allclose(data["J1"], j1, rtol=1e-14)
    np.testing.assert_allclose(data["J2"], j2, rtol=1e-14)
    np.testing.assert_allclose(data["J_product"], j2 @ j1, rtol=1e-14)
    np.testing.assert_allclose(data["J_composite"], j2 @ j1, rtol=1e-12)
    # square ∘ polar is (r² cos 2θ, r² sin 2θ): det = 4r³ = 32
    assert data["det_composite"] == pytest.approx(32.0, rel=1e-12)


def test_readouts_are_bilingual():
    scene = build("jacobian", steps=2)
    en, zh = readout_in(scene), readout_in(scene, "zh")
    assert en["area/h²"] == zh["面积/h²"] == "2.0625"
    assert en["det J"] == "2"


# ---------------------------------------------------------------- the TUI


def test_snapshot_80x24(snap_compare):
    """The polar cell after three halvings of h, in a small terminal."""
    from calcterm.host.app import CalcTermApp

    scene = get("jacobian")(seed=0)
    for _ in range(3):
        scene.step()
    assert snap_compare(CalcTermApp(scene=scene), terminal_size=(80, 24))


async def test_view_key_switches_to_the_integral_and_only_the_view_changes():
    from calcterm.host.app import CalcTermApp
    from pilot import plot_text, readout, select

    app = CalcTermApp(scene=Jacobian())
    async with app.run_test(size=(120, 40)) as pilot:
        scene = app.screen.scene
        before = dict(scene.values)
        await select(pilot, "view")
        await pilot.press("right")
        assert scene["view"] == "integral"
        assert {k: v for k, v in scene.values.items() if k != "view"} == \
            {k: v for k, v in before.items() if k != "view"}
        assert "sums against n" in plot_text(app) and "without |J|" in readout(app)


async def test_h_key_changes_the_square_and_the_ratio():
    from calcterm.host.app import CalcTermApp
    from pilot import readout, select

    app = CalcTermApp(scene=Jacobian())
    async with app.run_test(size=(80, 24)) as pilot:
        scene = app.screen.scene
        await select(pilot, "h")
        await pilot.press("left")
        assert scene["h"] == 0.25 and scene.t == 0
        assert "2.125" in readout(app)
