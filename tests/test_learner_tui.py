"""Pilot tests of the learner's TUI: pacing, step back, remembering, the narrow layout."""

from __future__ import annotations

import re

import pytest
from textual.widgets import Static

from calcterm.host.app import CalcTermApp, PickerScreen
from calcterm.host.plot_view import PlotView
from calcterm.host.scene_screen import SPEEDS
from calcterm.registry import get, scenes

from helpers import SCENE_IDS
from pilot import plot_text, select


def status(app) -> str:
    return str(app.screen.query_one("#status", Static).render())


async def test_the_speed_ladder_is_shown_in_the_status_and_stops_at_its_ends():
    app = CalcTermApp(scene=get("tangent")())
    async with app.run_test(size=(120, 40)) as pilot:
        assert re.search(r"\b1×", status(app))
        for expected in ("2×", "4×", "4×"):
            await pilot.press("plus")
            assert re.search(rf"(?<![\d.]){re.escape(expected)}", status(app))
        for expected in ("2×", "1×", "0.5×", "0.25×", "0.25×"):
            await pilot.press("minus")
            assert re.search(rf"(?<![\d.]){re.escape(expected)}", status(app))
        assert SPEEDS[app.screen.speed] == 0.25


async def test_the_pace_sets_how_many_frames_a_step_takes():
    """At 1× tangent (pace 5) advances one step every five frames; at 4× about four times faster."""
    app = CalcTermApp(scene=get("tangent")())
    async with app.run_test(size=(120, 40)):
        screen = app.screen
        screen.playing = True
        screen.timer.pause()  # drive the frames by hand: deterministic
        screen.credit = 0.0
        for _ in range(20):
            screen.tick()
        assert screen.scene.t == 4
        screen.speed = SPEEDS.index(4.0)
        for _ in range(20):
            screen.tick()
        assert screen.scene.t == 4 + 16


async def test_b_steps_back_by_exactly_one():
    app = CalcTermApp(scene=get("newton")())
    async with app.run_test(size=(120, 40)) as pilot:
        scene = app.screen.scene
        await pilot.press("n", "n", "n")
        at_two = None
        await pilot.press("b")
        assert scene.t == 2
        at_two = scene.export()
        await pilot.press("n", "b")
        assert scene.t == 2 and scene.export() == at_two
        await pilot.press("b", "b", "b")
        assert scene.t == 0


async def test_a_finished_story_stops_the_clock_and_says_so():
    app = CalcTermApp(scene=get("taylor")({"order": 28}))
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space")
        await pilot.pause(1.5)
        screen = app.screen
        assert screen.scene.done and not screen.playing
        assert "finished" in status(app)


async def test_escape_from_the_scene_the_app_opened_on_builds_the_picker_and_keeps_settings():
    app = CalcTermApp(scene=get("taylor")())
    async with app.run_test(size=(120, 40)) as pilot:
        assert not any(isinstance(s, PickerScreen) for s in app.screen_stack)
        await select(pilot, "order")
        await pilot.press("right")
        order = app.screen.scene["order"]
        assert order != get("taylor").param("order").default
        await pilot.press("escape")
        assert isinstance(app.screen, PickerScreen) and len(app.screen_stack) == 2
        assert app.screen.query_one("OptionList").highlighted_option.id == "taylor"  # just left
        await pilot.press("enter")
        assert app.screen.scene.id == "taylor" and app.screen.scene["order"] == order
        await pilot.press("escape")
        assert isinstance(app.screen, PickerScreen) and len(app.screen_stack) == 2


async def test_settings_survive_the_picker_and_d_restores_the_defaults():
    app = CalcTermApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("down", "enter")  # the first scene (after the guided tour)
        scene_id = app.screen.scene.id
        await select(pilot, app.screen.scene.params[1].name)
        name = app.screen.scene.params[1].name
        default = app.screen.scene.param(name).default
        await pilot.press("right", "right")
        changed = app.screen.scene[name]
        assert changed != default
        await pilot.press("escape")
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("enter")
        assert app.screen.scene.id == scene_id and app.screen.scene[name] == changed
        await pilot.press("d")
        assert app.screen.scene[name] == default
        await pilot.press("escape", "enter")
        assert app.screen.scene[name] == default


@pytest.mark.parametrize("scene_id", SCENE_IDS)
async def test_every_scene_draws_a_plot_below_80_by_24(scene_id):
    """60×20, where the side panel moves under the plot; 80×24 is in every scene's snapshot."""
    size = (60, 20)
    scene = scenes()[scene_id](seed=0)
    scene.finish_job()
    app = CalcTermApp(scene=scene)
    async with app.run_test(size=size) as pilot:
        await pilot.press("n")
        text = plot_text(app)
        assert "Enlarge" not in text and "┌" in text and "┘" in text
        footer = " ".join(b.binding.description for b in app.screen.active_bindings.values()
                          if b.binding.show)
        assert "Help" in footer


async def test_the_narrow_side_panel_switches_with_v():
    app = CalcTermApp(scene=get("tangent")())
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        assert screen.has_class("-narrow")
        visible = lambda wid: screen.query_one(wid).display and screen.query_one(wid).region.height > 0
        assert visible("#params") and not visible("#readout")
        await pilot.press("v")
        await pilot.pause()
        assert visible("#readout") and not visible("#params")
        await pilot.press("v")
        await pilot.pause()
        assert visible("#explanation-box") and not visible("#readout")
        await pilot.press("j")  # the explanation scrolls with the keyboard
        await pilot.pause()
        box = screen.query_one("#explanation-box")
        assert box.scroll_y > 0 or box.max_scroll_y == 0


async def test_a_dimmed_parameter_is_skipped_by_the_arrow_keys():
    app = CalcTermApp(scene=get("descent")({"surface": "rosenbrock"}))
    async with app.run_test(size=(120, 40)) as pilot:
        seen = set()
        for _ in range(len(app.screen.scene.params) + 2):
            seen.add(app.screen.scene.params[app.screen.selected].name)
            await pilot.press("down")
        assert "kappa" not in seen and "angle" not in seen and "eta" in seen


async def test_a_click_on_the_tangent_plot_moves_x0_to_the_clicked_x():
    from calcterm.render import locate

    app = CalcTermApp(scene=get("tangent")())
    async with app.run_test(size=(120, 40)) as pilot:
        plot = app.screen.query_one(PlotView)
        width, height = plot.size
        column, row = width // 5, height // 2
        _, x, _ = locate(app.screen.scene.draw(width, height), width, height, column, row)
        expected = app.screen.scene.param("x0").nearest(x)
        assert expected != app.screen.scene["x0"]
        await pilot.click(PlotView, offset=(column, row))
        await pilot.pause()
        assert app.screen.scene["x0"] == expected
        assert abs(expected - x) <= 0.05 + 1e-12


async def test_the_wheel_zooms_taylors_window_and_a_drag_moves_descents_start():
    app = CalcTermApp(scene=get("taylor")())
    async with app.run_test(size=(120, 40)) as pilot:
        window = app.screen.scene["window"]
        plot = app.screen.query_one(PlotView)
        await pilot.mouse_down(PlotView, offset=(plot.size.width // 2, plot.size.height // 4))
        await pilot.mouse_up(PlotView, offset=(plot.size.width // 2, plot.size.height // 4))
        plot.post_message(PlotView.Picked({"window": window * 1.25}))
        await pilot.pause()
        assert app.screen.scene["window"] > window
    scene = get("descent")()
    assert scene.pick(0, 1.5, -2.0) == {"x0": 1.5, "y0": -2.0} and scene.pick(1, 3.0, 1.0) == {}
    taylor = get("taylor")({"window": 0.5})
    assert taylor.zoom(0, 1.25)["window"] >= 1.0, "zooming out from the smallest window moves"


async def test_the_help_window_fits_80x24_and_scrolls():
    from calcterm.host.modals import HelpScreen

    app = CalcTermApp(scene=get("descent")())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        box = app.screen.query_one("#help-box")
        assert box.region.bottom <= 24 and box.region.right <= 80
        assert box.max_scroll_y > 0, "descent's help is longer than the screen"
        await pilot.press("j")
        await pilot.pause()
        assert box.scroll_y > 0
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)
