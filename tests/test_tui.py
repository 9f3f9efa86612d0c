"""Pilot tests: press the keys a user would and watch the screen change."""

from __future__ import annotations

from textual.widgets import Input, OptionList, Static

from calcterm.host.app import CalcTermApp, PickerScreen
from calcterm.host.modals import ExpressionScreen, HelpScreen
from calcterm.host.params_panel import NAME_WIDTH, ParamRow
from calcterm.host.scene_screen import SceneScreen
from calcterm.registry import get, scenes
from pilot import plot_text, readout

SIZE = (120, 40)


async def test_picker_lists_every_scene_and_opens_one():
    app = CalcTermApp()
    async with app.run_test(size=SIZE) as pilot:
        picker = app.screen.query_one(OptionList)
        assert isinstance(app.screen, PickerScreen)
        assert picker.option_count == len(scenes())
        assert "Part 1" in str(picker.get_option_at_index(0).prompt)
        await pilot.press("enter")
        assert isinstance(app.screen, SceneScreen) and app.screen.scene.id == list(scenes())[0]
        await pilot.press("escape")
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("q")
    assert app.return_code == 0


async def test_keys_change_parameter_readout_and_plot():
    app = CalcTermApp(scene=get("tangent")())
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        before_plot, before_readout = plot_text(app), readout(app)
        await pilot.press("down")
        assert screen.selected == 1
        rows = screen.query(ParamRow)
        assert rows[1].has_class("-selected") and not rows[0].has_class("-selected")
        await pilot.press("right")
        assert screen.scene["x0"] == 1.1
        assert "◀ 1.1 ▶" in str(rows[1].render())
        assert readout(app) != before_readout and "2.2" in readout(app)
        assert plot_text(app) != before_plot
        await pilot.press("shift+left")
        assert screen.scene["x0"] == 0.1
        await pilot.press("up", "right")
        assert screen.scene["f"] == "x^3-x"


async def test_step_play_pause_and_reset():
    app = CalcTermApp(scene=get("tangent")())
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("n", "n")
        assert screen.scene.t == 2 and "step 2" in str(screen.query_one("#status", Static).render())
        await pilot.press("space")
        assert screen.playing
        await pilot.pause(0.3)
        await pilot.press("space")
        assert not screen.playing and screen.scene.t > 2
        t = screen.scene.t
        await pilot.pause(0.2)
        assert screen.scene.t == t, "paused means paused"
        await pilot.press("r")
        assert screen.scene.t == 0


async def test_edit_expression_rejects_garbage_then_accepts():
    app = CalcTermApp(scene=get("tangent")())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, ExpressionScreen)
        field = app.screen.query_one(Input)
        field.value = "sin(x"
        await pilot.press("enter")
        assert isinstance(app.screen, ExpressionScreen)
        assert "column" in str(app.screen.query_one("#edit-error", Static).render())
        field.value = "x^4"
        await pilot.press("enter")
        assert isinstance(app.screen, SceneScreen)
        assert app.screen.scene["f"] == "x^4"
        assert "4" in readout(app)  # f'(1) = 4


async def test_language_help_and_mouse():
    app = CalcTermApp(scene=get("tangent")())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")
        assert app.lang == "zh"
        assert "导数" in str(app.screen.query_one("#explanation", Static).render())
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, SceneScreen)
        row = app.screen.query(ParamRow)[2]
        await pilot.click(row, offset=(2, 0))
        assert app.screen.selected == 2
        h = app.screen.scene["h"]
        await pilot.click(row, offset=(NAME_WIDTH + 1, 0))  # the ◀ after the padding
        assert app.screen.scene["h"] == h / 2


async def test_small_terminal_says_enlarge_and_recovers():
    app = CalcTermApp(scene=get("tangent")())
    async with app.run_test(size=(50, 15)) as pilot:
        assert app.screen.has_class("-too-small")
        assert "Enlarge" in str(app.screen.query_one("#enlarge", Static).render())
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        assert not app.screen.has_class("-too-small")
        assert "┌" in plot_text(app) or "│" in plot_text(app)


async def test_screenshot_key_saves_svg(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = CalcTermApp(scene=get("tangent")())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await pilot.pause()
    shots = list(tmp_path.glob("calcterm-tangent-*.svg"))
    assert len(shots) == 1 and shots[0].read_text().startswith("<svg")
