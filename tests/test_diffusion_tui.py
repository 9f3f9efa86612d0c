"""Pilot tests for the diffusion scene: keys change the data and the picture; training runs
in the background with a progress bar while the interface keeps answering."""

from __future__ import annotations

import asyncio

from textual.widgets import ProgressBar

from calcterm.host.app import CalcTermApp
from calcterm.registry import get
from pilot import plot_text, readout

SIZE = (120, 40)


async def test_changing_the_modes_and_stepping_change_readout_and_plot():
    app = CalcTermApp(scene=get("diffusion")())
    async with app.run_test(size=SIZE) as pilot:
        scene = app.screen.scene
        before_plot, before_readout = plot_text(app), readout(app)
        assert "0.300 0.700" in before_readout
        await pilot.press("right")  # modes: two → three
        assert scene["modes"] == scene.param("modes").parse("three modes")
        assert "0.200 0.300 0.500" in readout(app)
        assert plot_text(app) != before_plot
        after_modes = plot_text(app)
        await pilot.press("n", "n", "n")
        assert scene.t == 3 and "0.075" in readout(app)
        assert plot_text(app) != after_modes
        await pilot.press("down", "right")  # sampler: sde → ode, and a fresh start
        assert scene["sampler"] == "ode" and scene.t == 0


async def test_learned_score_trains_in_the_background_with_a_progress_bar():
    app = CalcTermApp(scene=get("diffusion")({"score": "learned", "training": 600}, seed=21))
    async with app.run_test(size=SIZE) as pilot:
        scene = app.screen.scene
        bar = app.screen.query_one("#work", ProgressBar)
        assert bar.display, "training shows a progress bar"
        await pilot.press("n")  # the interface answers while the network trains
        assert scene.t == 1
        for _ in range(2400):  # up to 2 minutes on a busy machine; the loop ends when trained
            if scene.trained is not None and not bar.display:
                break
            await asyncio.sleep(0.05)
        await pilot.pause()
        assert scene.trained is not None
        assert not bar.display
        assert "loss" in readout(app)
