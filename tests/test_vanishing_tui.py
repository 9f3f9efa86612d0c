"""Pilot tests for the vanishing scene: keys change the net, and the readout and plot follow."""

from __future__ import annotations


from calcterm.host.app import CalcTermApp
from calcterm.registry import get
from pilot import plot_text, readout, select

SIZE = (120, 40)


async def test_activation_and_residual_keys_change_the_regime():
    app = CalcTermApp(scene=get("vanishing")())
    async with app.run_test(size=SIZE) as pilot:
        scene = app.screen.scene
        assert "vanishing" in readout(app) and "vanishing" in plot_text(app)
        plot_before = plot_text(app)
        await select(pilot, "activation")
        await pilot.press("right")  # sigmoid → tanh: Xavier is the critical scale for tanh
        assert scene["activation"] == "tanh"
        assert "regime" in readout(app) and "stable" in readout(app)
        assert "stable" in plot_text(app) and plot_text(app) != plot_before
        await pilot.press("left")
        await select(pilot, "residual")
        await pilot.press("right")  # sigmoid again, now with skip connections
        assert scene["residual"] and scene["activation"] == "sigmoid"
        assert "stable" in readout(app) and "√D" in readout(app)


async def test_depth_key_and_training_steps_update_the_picture():
    app = CalcTermApp(scene=get("vanishing")())
    async with app.run_test(size=SIZE) as pilot:
        scene = app.screen.scene
        await select(pilot, "depth")
        ratio_before, plot_before = scene.ratio, plot_text(app)
        await pilot.press("shift+left")  # 20 → 10 layers: ten fewer factors of σ′ ≤ 1/4
        assert scene["depth"] == 10 and scene.ratio > 1e3 * ratio_before
        assert plot_text(app) != plot_before
        loss_before = readout(app)
        await pilot.press("n", "n", "n")
        assert scene.t == 3 and len(scene.run.losses) == 4
        assert readout(app) != loss_before and "nan" not in readout(app).lower()
