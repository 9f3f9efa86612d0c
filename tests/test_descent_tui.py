"""Pilot tests for the descent scene: keys change η and the optimizer, and the path follows."""

from __future__ import annotations

from textual.widgets import Input

from calcterm.host.app import CalcTermApp
from calcterm.host.modals import ExpressionScreen
from calcterm.registry import get
from pilot import plot_text, readout, select, selected_name

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


async def test_optimizer_key_switches_rule_and_race_shows_all_nine():
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
        for name in ("GD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam", "Newton",
                     "damped Newton", "BFGS"):
            assert name in text and name in numbers
        await pilot.press("left")
        assert scene["optimizer"] == "bfgs" and list(scene.runs) == ["bfgs"]
        await pilot.press("n")  # one exact line search along −η∇f: not there yet
        assert "‖B − H⁻¹‖/‖H⁻¹‖" in readout(app) and "−B∇f" in plot_text(app)


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
    """The nine-racer legend needs ten rows: at 80×24 the map is drawn alone to hold it (the
    readout keeps every racer's loss); the momentum map keeps both of its panels."""
    app = CalcTermApp(scene=get("descent")({"optimizer": "race"}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n")
        text = plot_text(app)
        assert "Enlarge" not in text and "┌" in text
        for name in ("minimum", "GD", "Adam", "Newton", "damped Newton", "BFGS"):
            assert name in text, name
        assert "f − f*" in readout(app)
    app = CalcTermApp(scene=get("descent")({"view": "rates"}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n")
        text = plot_text(app)
        assert "Enlarge" not in text and "ρ(η, β)" in text and "error per" in text
        assert "optimum" in text and "★" in text


async def test_the_view_key_opens_the_momentum_map_and_a_click_picks_eta_and_beta():
    from calcterm.host.plot_view import PlotView
    from calcterm.render import locate

    app = CalcTermApp(scene=get("descent")({"surface": "rosenbrock"}))
    async with app.run_test(size=SIZE) as pilot:
        await select(pilot, "view")
        await pilot.press("right")
        scene = app.screen.scene
        assert scene["view"] == "rates" and scene["surface"] == "quadratic" and scene.view == "rates"
        assert "ρ(η, β)" in plot_text(app) and "η* = α*/(1−β*)" in readout(app)
        await pilot.press("down")
        assert selected_name(app) == "eta", "the optimizer is dimmed on the momentum map"
        plot = app.screen.query_one(PlotView)
        width, height = plot.size
        column, row = width // 3, height // 2
        panel, x, y = locate(scene.draw(width, height), width, height, column, row)
        assert panel == 0
        await pilot.click(PlotView, offset=(column, row))
        await pilot.pause()
        assert scene["eta"] == scene.param("eta").nearest(x) and scene["beta"] == scene.param("beta").nearest(y)
        assert scene["view"] == "rates"


async def test_chinese_mode_shows_no_english_word_on_the_new_views():
    import re

    from calcterm.params import Choice
    from test_i18n import english_words, screen_text

    Descent = get("descent")
    for values in ({"view": "rates"}, {"optimizer": "newton-ls", "surface": "saddle"},
                   {"optimizer": "bfgs", "surface": "rosenbrock"}, {"optimizer": "race"}):
        scene = Descent(values)
        for _ in range(3):
            scene.step()
        identifiers = {p.name for p in Descent.params} | {"descent"}
        for p in Descent.params:
            identifiers |= set(re.findall(r"[A-Za-z]+", str(scene[p.name])))
            if isinstance(p, Choice):
                identifiers |= set(p.choices)
        app = CalcTermApp(lang="zh", scene=scene)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            words = english_words(screen_text(app), identifiers)
        assert not words, (values, sorted(words))
