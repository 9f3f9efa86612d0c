"""Pilot test of the taylor scene: the order control and the step key."""

from __future__ import annotations

from calcterm.host.app import CalcTermApp
from calcterm.registry import get
from pilot import plot_text as plot, readout


async def test_order_control_and_step_change_readout_and_plot():
    app = CalcTermApp(scene=get("taylor")())
    async with app.run_test(size=(120, 40)) as pilot:
        scene = app.screen.scene
        before_plot = plot(app)
        assert "0 of 30" in readout(app)
        await pilot.press("down", "down", "right", "right")
        assert scene["order"] == 2
        assert "2 of 30" in readout(app) and "-1.000000e+00" in readout(app)
        assert plot(app) != before_plot
        await pilot.press("n")
        assert scene.n == 3 and "3 of 30" in readout(app)
        await pilot.press("shift+right")
        assert scene["order"] == 12 and scene.t == 0, "changing a parameter starts over"
        assert "12 of 30" in readout(app)
