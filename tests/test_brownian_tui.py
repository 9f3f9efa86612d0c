"""Pilot tests of the brownian scene: switch views, change the number of paths, step, work."""

from __future__ import annotations

import re


from calcterm.host.app import CalcTermApp
from calcterm.registry import get
from pilot import plot_text as plot, readout

SIZE = (120, 40)


async def test_view_changes_the_plot_and_the_readout():
    app = CalcTermApp(scene=get("brownian")())
    async with app.run_test(size=SIZE) as pilot:
        scene = app.screen.scene
        seen = {plot(app)}
        assert "inside ±√t" in readout(app)
        await pilot.press("right")
        assert scene["view"] == "variation"
        assert "Σ(ΔW)²" in readout(app) and "grid m" in readout(app)
        seen.add(plot(app))
        await pilot.press("right")
        assert scene["view"] == "ito" and "(W_T²−T)/2" in readout(app)
        seen.add(plot(app))
        await pilot.press("right")
        assert scene["view"] == "scaling" and "√T" in readout(app)
        seen.add(plot(app))
        assert len(seen) == 4


async def test_more_paths_and_steps_change_what_is_shown():
    app = CalcTermApp(scene=get("brownian")())
    async with app.run_test(size=SIZE) as pilot:
        scene = app.screen.scene
        before_plot, before_readout = plot(app), readout(app)
        await pilot.press("down", "left", "left", "left")
        assert scene["paths"] == 50
        assert re.search(r"^paths\s+50$", readout(app), re.M)
        assert readout(app) != before_readout and plot(app) != before_plot
        await pilot.press("down", "left")
        assert scene["steps"] == 5000.0 and re.search(r"^steps n\s+5000$", readout(app), re.M)


async def test_step_and_play_grow_the_paths():
    app = CalcTermApp(scene=get("brownian")({"paths": 40}))
    async with app.run_test(size=SIZE) as pilot:
        scene = app.screen.scene
        start = plot(app)
        await pilot.press("n", "n", "n")
        assert scene.t == 3 and plot(app) != start
        t = scene.now
        await pilot.press("space")
        await pilot.pause(0.3)
        await pilot.press("space")
        assert scene.now > t
        await pilot.press("r")
        assert scene.t == 0 and plot(app) == start


async def test_a_big_run_finishes_in_the_background():
    app = CalcTermApp(scene=get("brownian")({"paths": 300, "steps": 20_000.0}))
    async with app.run_test(size=SIZE) as pilot:
        scene = app.screen.scene
        for _ in range(100):
            if scene.ens.complete:
                break
            await pilot.pause(0.1)
        await pilot.pause(0.1)
        assert scene.ens.complete
        assert "running" not in readout(app) and "300" in readout(app)
