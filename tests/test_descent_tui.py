"""Pilot tests for the descent scene: keys change η and the optimizer, and the path follows."""

from __future__ import annotations

from textual.widgets import Input

from calcterm.host.app import CalcTermApp
from calcterm.host.modals import ExpressionScreen
from calcterm.registry import get
from pilot import plot_text, readout, select

SIZE = (120, 40)


async def test_eta_key_changes_the_path_and_the_theory_readout():
    app = CalcTermApp(scene=get("descent")())
    async with app.run_test(size=SIZE) as pilot:
        scene = app.screen.scene
        await pilot.press("n", "n", "n")
        path_before = scene.runs["gd"].path.copy()
        plot_before, readout_before = plot_text(app), readout(app)
        assert "η·L" in readout_before and "1 − μ/L" in readout_before
        await select(pilot, "eta")
        for _ in range(4):  # 0.1 × 10^0.4 ≈ 0.25 > 2/L = 0.2
            await pilot.press("right")
        assert 0.2 < scene["eta"] < 0.3 and scene.t == 0
        await pilot.press("n", "n", "n")
        assert not (scene.runs["gd"].path.shape == path_before.shape
                    and (scene.runs["gd"].path == path_before).all())
        assert plot_text(app) != plot_before and readout(app) != readout_before
        assert "will diverge" in readout(app)
        await pilot.press(*["n"] * 40)
        assert scene.runs["gd"].diverged
        assert "diverged" in readout(app) and "diverged" in plot_text(app)
        assert "nan" not in readout(app).lower()


async def test_optimizer_key_switches_rule_and_race_shows_all_six():
    app = CalcTermApp(scene=get("descent")())
    async with app.run_test(size=SIZE) as pilot:
        scene = app.screen.scene
        await pilot.press("n", "n", "n", "n")
        gd_plot, gd_path = plot_text(app), scene.runs["gd"].path.copy()
        await select(pilot, "optimizer")
        await pilot.press("right")
        assert scene["optimizer"] == "momentum" and list(scene.runs) == ["momentum"]
        await pilot.press("n", "n", "n", "n")
        assert not (scene.runs["momentum"].path == gd_path).all()
        assert "Momentum" in plot_text(app) and plot_text(app) != gd_plot
        await pilot.press("left", "left")
        assert scene["optimizer"] == "race"
        await pilot.press("n", "n")
        text, numbers = plot_text(app), readout(app)
        for name in ("GD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"):
            assert name in text and name in numbers


async def test_typing_a_function_switches_to_custom_and_it_runs():
    app = CalcTermApp(scene=get("descent")())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")  # f is dimmed (the surface is not custom), yet e edits it
        assert isinstance(app.screen, ExpressionScreen)
        app.screen.query_one(Input).value = "(x-1)^2 + 3*(y+0.5)^2"
        await pilot.press("enter")
        scene = app.screen.scene
        assert scene["surface"] == "custom" and scene["f"] == "(x-1)^2 + 3*(y+0.5)^2"
        assert "(x-1)^2" in plot_text(app) and "f* unknown" in readout(app)
        start = abs(scene.runs["gd"].path[0] - [1.0, -0.5]).max()
        await pilot.press(*["n"] * 25)
        assert abs(scene.runs["gd"].path[-1] - [1.0, -0.5]).max() < 0.1 * start  # ×0.9 a step


async def test_fits_an_80_by_24_terminal():
    app = CalcTermApp(scene=get("descent")({"optimizer": "race"}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n")
        text = plot_text(app)
        assert "Enlarge" not in text and "f(x_k) − f*" in text and "┌" in text
