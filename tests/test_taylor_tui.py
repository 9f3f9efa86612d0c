"""Pilot test of the taylor scene: the order control and the step key."""

from __future__ import annotations

import re

from calcterm.host.app import CalcTermApp
from calcterm.registry import get
from pilot import plot_text as plot, readout


async def test_order_control_and_step_change_readout_and_plot():
    app = CalcTermApp(scene=get("taylor")())
    async with app.run_test(size=(120, 40)) as pilot:
        scene = app.screen.scene
        before_plot = plot(app)
        assert re.search(r"^order n\s+0 \(started at 0, at most 30\)$", readout(app), re.M)
        await pilot.press("down", "down", "right", "right")
        assert scene["order"] == 2
        assert re.search(r"^order n\s+2 \(started at 2, at most 30\)$", readout(app), re.M) and "-1.000000e+00" in readout(app)
        assert plot(app) != before_plot
        await pilot.press("n")
        assert scene.n == 3 and re.search(r"^order n\s+3 \(started at 2, at most 30\)$", readout(app), re.M)
        await pilot.press("shift+right")
        assert scene["order"] == 12 and scene.t == 0, "changing a parameter starts over"
        assert re.search(r"^order n\s+12 \(started at 12, at most 30\)$", readout(app), re.M)
