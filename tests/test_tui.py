"""Pilot tests: press the keys a user would and watch the screen change."""

from __future__ import annotations

from textual.widgets import Input, OptionList, Static

from calcterm.host.app import PARTS, TOUR_OPTION, CalcTermApp, PickerScreen, part_of
from calcterm.host.modals import ExpressionScreen, HelpScreen
from calcterm.host.params_panel import NAME_WIDTH
from calcterm.host.scene_screen import FPS, SceneScreen
from calcterm.registry import get, scenes
from pilot import plot_text, readout, readout_value, row, select, selected_name, wait_until

SIZE = (120, 40)


async def test_picker_lists_every_scene_and_opens_one():
    app = CalcTermApp()
    async with app.run_test(size=SIZE) as pilot:
        picker = app.screen.query_one(OptionList)
        assert isinstance(app.screen, PickerScreen)
        options = [picker.get_option_at_index(i) for i in range(picker.option_count)]
        assert options[0].id == TOUR_OPTION  # the guided tour comes first
        headers = [str(o.prompt) for o in options if o.disabled]
        assert headers == [PARTS[p].en for p in ("Part 1", "Part 2", "Part 3", "Part 4")]
        ids = [o.id for o in options if not o.disabled][1:]
        assert ids == list(scenes())
        part = None
        for option in options[1:]:  # every scene sits under the header of its part
            if option.disabled:
                part = str(option.prompt).split(" ·")[0]
            else:
                assert part_of(scenes()[option.id].section) == part
        await pilot.press("down", "enter")  # the cursor skips the part header
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
        await select(pilot, "x0")
        assert row(app, "x0").has_class("-selected") and not row(app, "f").has_class("-selected")
        await pilot.press("right")
        assert screen.scene["x0"] == 1.1
        assert "◀ 1.1 ▶" in str(row(app, "x0").render())
        assert readout(app) != before_readout
        assert readout_value(app, "f′(x₀) exact") == "2.2"  # f = x², f′(1.1) = 2.2
        assert plot_text(app) != before_plot
        await pilot.press("shift+left")
        assert screen.scene["x0"] == 0.1
        await pilot.press("up")
        assert selected_name(app) == "f"
        await pilot.press("right")
        assert screen.scene["f"] == "x^3-x"


async def test_step_play_pause_and_reset():
    app = CalcTermApp(scene=get("tangent")())
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        await pilot.press("n", "n")
        assert screen.scene.t == 2 and "step 2" in str(screen.query_one("#status", Static).render())
        await pilot.press("space")
        assert screen.playing
        await wait_until(pilot, lambda: screen.scene.t > 2, "the clock to move")
        await pilot.press("space")
        assert not screen.playing and screen.scene.t > 2
        t = screen.scene.t
        await pilot.pause(6 / FPS)  # an absence: six frames in which nothing may move
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
        assert readout_value(app, "f′(x₀) exact") == "4"  # f′(1) = 4


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
        h_row = row(app, "h")
        await pilot.click(h_row, offset=(2, 0))
        assert selected_name(app) == "h"
        h = app.screen.scene["h"]
        await pilot.click(h_row, offset=(NAME_WIDTH + 1, 0))  # the ◀ after the padding
        assert app.screen.scene["h"] == h / 2


async def test_small_terminal_says_enlarge_and_recovers():
    app = CalcTermApp(scene=get("tangent")())
    async with app.run_test(size=(50, 15)) as pilot:
        assert app.screen.has_class("-too-small")
        assert "Enlarge" in str(app.screen.query_one("#enlarge", Static).render())
        await pilot.resize_terminal(120, 40)
        await wait_until(pilot, lambda: not app.screen.has_class("-too-small"), "the resize")
        assert "┌" in plot_text(app) or "│" in plot_text(app)


async def test_screenshot_key_saves_svg(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app = CalcTermApp(scene=get("tangent")())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("s")
        await wait_until(pilot, lambda: any(tmp_path.glob("calcterm-tangent-*.svg")),
                         "the screenshot file")
    shots = list(tmp_path.glob("calcterm-tangent-*.svg"))
    assert len(shots) == 1 and shots[0].read_text().startswith("<svg")
