"""Pictures in words: the description names every series and every readout value of any scene,
in both languages, and its numbers are the figure's."""

from __future__ import annotations

import numpy as np
import pytest
from click.testing import CliRunner

from calcterm.cli import cli
from calcterm.describe import SIZE, describe, series_labels, snapshot
from calcterm.plot import Bars, Figure, HLine, Line, Panel, Points, Shade, Trail
from calcterm.registry import scenes
from calcterm.scene import Scene
from calcterm.text import LANGS, T, tr

from helpers import SCENE_IDS


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("scene_id", SCENE_IDS)
def test_every_series_and_every_readout_value_is_named(scene_id, lang):
    scene = scenes()[scene_id]()
    scene.finish_job()
    scene.step()
    before = snapshot(scene)
    scene.step()
    text, _ = describe(scene, lang, before)
    assert scene.display_title(lang) in text
    figure = scene.draw(*SIZE)
    for label in series_labels(figure, lang):
        assert label.replace("\n", " / ") in text, f"series {label!r} not named"
    for label, value in scene.readout().items():
        assert f"{tr(label, lang)} = {tr(value, lang)}" in text
    if scene.t == 2:  # it moved: the last paragraph says since when
        assert ("Since step 1" if lang == "en" else "自第 1 步以来") in text.split("\n\n")[-1]


class Toy(Scene):
    """A scene the test controls exactly: y = (x − c)² on [−1, 2], a marker, bars, a region."""

    id = "toy"
    title = T("Toy", "玩具")
    section = "Part 1 §1.1"

    def draw(self, width: int, height: int) -> Figure:
        x = np.linspace(-1.0, 2.0, 301)
        c = 0.5 * self.t
        trail = Trail(T("path", "路径"))
        trail.extend(np.array([[0.0, 0.0], [1.0, 2.0], [3.0, 4.0]]))
        main = Panel(title=T("bowl", "碗"), xlim=(-1.0, 2.0), ylim=(0.0, 4.0)).add(
            Line(x, (x - c) ** 2, T("parabola", "抛物线")),
            Points(np.array([c]), np.array([0.0]), T("vertex", "顶点")),
            Shade(lambda gx, gy: gx > 0.5, label=T("right part", "右侧")),
            HLine(1.0), trail)
        side = Panel(title="bars").add(Bars(np.array([1.0, 2.0, 3.0]), np.array([0.5, 2.5, 1.0]), "h"),
                                       Line(np.array([0.0, 1.0]), np.array([np.nan, np.inf]), "gone"))
        return Figure([main, side], cols=2)

    def readout(self):
        return {T("centre", "中心"): f"{0.5 * self.t:g}", "k": "7"}

    def notes(self):
        return [T("a note.", "一条提示。")]


def test_the_numbers_are_the_figures():
    toy = Toy()
    text, _ = describe(toy, "en")
    assert "Panel 1 of 2, “bowl”: x from -1 to 2, y from 0 to 4." in text
    assert ("The curve “parabola” spans x from -1 to 2; its lowest point is y = 0 at x = 0, "
            "its highest y = 4 at x = 2.") in text
    assert "“vertex” is at (0, 0)." in text
    assert "The path “path” has 3 points, from (0, 0) to (3, 4)." in text
    assert "A horizontal line at y = 1." in text
    # x > 0.5 on [−1, 2] sampled at x_i = −1 + 3i/63: i = 32…63, half the grid, from 0.5238
    assert ("The shaded region “right part” covers about 50% of the view, x from 0.5238 to 2, "
            "y from 0 to 4.") in text
    assert "The bars “h”: height 0.5 at x = 1; height 2.5 at x = 2; height 1 at x = 3." in text
    assert "The curve “gone” has no finite values here." in text
    assert "Readout: centre = 0; k = 7." in text and "Notes: a note." in text


def test_a_shade_on_a_log_axis_is_measured_as_the_screen_shows_it():
    class LogToy(Toy):
        def draw(self, width: int, height: int) -> Figure:
            panel = Panel(xscale="log", xlim=(0.01, 100.0), ylim=(0.0, 1.0))
            return Figure([panel.add(Shade(lambda gx, gy: gx > 1.0, label="right"))])

    text, _ = describe(LogToy(), "en")
    # x > 1 is the right half of [10⁻², 10²] on a log axis (a quarter of a linear one)
    assert "The shaded region “right” covers about 50% of the view" in text


def test_what_changed_since_the_previous_step():
    toy = Toy()
    _, before = describe(toy, "zh")
    toy.step()
    text, after = describe(toy, "en", before)
    assert text.split("\n\n")[-1] == "Since step 0: centre 0 → 0.5; “vertex” moved from (0, 0) to (0.5, 0)."
    toy.step()
    zh, _ = describe(toy, "zh", after)
    assert zh.split("\n\n")[-1] == "自第 1 步以来：中心 0.5 → 1；「顶点」从 (0.5, 0) 移到 (1, 0)。"
    assert "曲线「抛物线」的 x 从 -1 到 2" in zh


def test_live_order_puts_what_moves_first():
    toy = Toy()
    before = snapshot(toy)
    toy.step()
    paragraphs = describe(toy, "en", before, live_first=True)[0].split("\n\n")
    assert paragraphs[1].startswith("Since step 0") and paragraphs[2].startswith("Readout:")
    assert paragraphs[-1].startswith("Panel 2 of 2")


def test_new_settings_are_said_instead_of_a_comparison():
    scene = scenes()["tangent"]()
    before = snapshot(scene)
    scene.set("x0", 0.5)
    text, _ = describe(scene, "en", before)
    assert text.endswith("The settings changed since the last description.")


@pytest.mark.parametrize("lang", LANGS)
def test_show_describe_prints_words_instead_of_the_plot(lang):
    result = CliRunner().invoke(cli, ["--lang", lang, "show", "riemann", "-s", "n=5", "--steps", "2",
                                      "--describe"])
    assert result.exit_code == 0, result.output
    scene = scenes()["riemann"]({"n": 5})
    scene.step()
    before = snapshot(scene, size=(120, 40))
    scene.step()
    assert result.output.strip() == describe(scene, lang, before, (120, 40))[0]
    assert not any("\u2800" <= ch <= "\u28ff" for ch in result.output)  # no braille plot
    assert ("Since step 1" if lang == "en" else "自第 1 步以来") in result.output


async def test_w_shows_the_words_in_place_of_the_plot_and_follows_the_steps():
    from calcterm.host.app import CalcTermApp
    from calcterm.host.plot_view import PlotView
    from calcterm.host.words import WordsPanel
    from pilot import wait_until

    app = CalcTermApp(scene=scenes()["tangent"]())
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("w")
        words = lambda: str(app.screen.query_one("#words-text").render())  # noqa: E731
        await wait_until(pilot, lambda: "step 0" in words(), "the first description")
        assert not app.screen.query_one(PlotView).display
        await pilot.press("n")
        await wait_until(pilot, lambda: "Since step 0: h 1.000e+00 → 5.000e-01" in words(), "the change")
        await pilot.press("w")
        await pilot.pause()
        assert not app.screen.query(WordsPanel) and app.screen.query_one(PlotView).display


async def test_words_stay_on_from_one_tour_stop_to_the_next():
    from calcterm.host.app import CalcTermApp
    from calcterm.host.tour_screen import TourScreen
    from calcterm.host.words import WordsPanel
    from pilot import wait_until

    app = CalcTermApp(tour=0)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, TourScreen), "the tour")
        await pilot.press("w")
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: app.screen.index == 1, "the next stop")
        await wait_until(pilot, lambda: bool(app.screen.query(WordsPanel)), "words on the new stop")
        await pilot.press("w")
        assert not app.words_shown
