"""Pilot test of the newton scene: the x₀ control and one iteration per step."""

from __future__ import annotations

from calcterm.host.app import CalcTermApp
from calcterm.registry import get
from pilot import plot_text as plot, readout


async def test_x0_control_and_steps_change_readout_and_plot():
    app = CalcTermApp(scene=get("newton")())
    async with app.run_test(size=(120, 40)) as pilot:
        scene = app.screen.scene
        before_plot, before = plot(app), readout(app)
        assert "1.130901122629986" in before, "x* to full precision"
        await pilot.press("down", "left", "left")
        assert scene["x0"] == 1.8
        assert "1.8" in readout(app) and readout(app) != before
        assert plot(app) != before_plot
        stepped_from = plot(app)
        await pilot.press("n", "n")
        assert scene.k == 2 and scene.data()["iterates"][0] == 1.8
        assert plot(app) != stepped_from
        await pilot.press("shift+left")
        assert scene["x0"] == 0.8 and scene.t == 0
        assert "downward parabola" not in readout(app)
        await pilot.press("left", "left", "left")  # x0 = 0.5, where f″ = 12x² − 6 < 0
        assert "downward parabola" in readout(app)
