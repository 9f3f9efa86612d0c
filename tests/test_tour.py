"""The guided tour: its claims hold, it follows the article, it covers every subsection a scene
covers, and the TUI moves between its stops."""

from __future__ import annotations

import math

import pytest
from click.testing import CliRunner

from calcterm import tour
from calcterm.cli import cli
from calcterm.registry import scenes
from calcterm.text import T
from calcterm.tour import COVERAGE, Check, Stop, key, stops, subsections
from calcterm.tour_stops import closed


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


# -- the claims ---------------------------------------------------------------------------

def test_tour_check_passes_every_stop():
    result = run("tour", "--check")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert len(lines) == len(stops()) and all(line.startswith("ok") for line in lines)


def test_a_false_claim_fails_the_check_and_names_its_stop(monkeypatch):
    honest = stops()[tour.first_stop_of("riemann")]
    wrong = Stop(honest.scene, honest.section, honest.say, honest.look, honest.try_,
                 Check(honest.check.path, honest.check.expect + 1e-3, 1e-6), honest.settings,
                 honest.steps)
    monkeypatch.setattr(tour, "stops", lambda: (stops()[0], wrong))
    result = CliRunner().invoke(cli, ["tour", "--check"])
    assert result.exit_code == 1
    assert "FAIL  stop 2/2 · P1 §3.1 · riemann" in result.output
    assert "stop 2/2" in result.stderr and "stop 1/2" not in result.stderr


def test_a_stop_that_cannot_be_built_fails_instead_of_crashing(monkeypatch):
    broken = Stop("tangent", "P1 §1.1", T("a", "甲"), T("b", "乙"), T("c", "丙"),
                  Check("data.no_such_key", 1.0, 0.1), {"x0": "1"})
    monkeypatch.setattr(tour, "stops", lambda: (broken,))
    result = tour.check(0)
    assert not result.ok and "KeyError" in result.message


def test_every_stop_settings_validate_and_every_text_is_bilingual():
    for stop in stops():
        cls = scenes()[stop.scene]
        for name, text in stop.settings.items():
            cls.param(name).parse(text)  # raises ParamError on a bad setting
        for text in (stop.say, stop.look, stop.try_):
            assert text.en.strip() and text.zh.strip() and text.en != text.zh
        assert stop.steps >= 0


def test_checks_compare_numbers_within_their_tolerance_and_words_exactly():
    claim = Check("data.x", 1.0, 0.1)
    assert tour._matches(1.05, claim) and not tour._matches(1.2, claim)
    assert not tour._matches(None, claim) and not tour._matches(math.nan, claim)
    assert not tour._matches(True, claim)  # a flag is not the number 1
    assert tour._matches(False, Check("data.x", False)) and not tour._matches(0, Check("data.x", False))
    assert tour._matches("stable", Check("data.x", "stable")) and not tour._matches("vanishing", Check("data.x", "stable"))


def test_value_at_follows_keys_and_indices():
    doc = {"data": {"paths": {"adam": [[-4.0, 3.0], [-3.9, 2.9]]}, "gradient": [1, 2]}}
    assert tour.value_at(doc, "data.paths.adam[1][0]") == -3.9
    assert tour.value_at(doc, "data.gradient[1]") == 2
    with pytest.raises(KeyError):
        tour.value_at(doc, "data.nothing")


# -- article order and coverage -----------------------------------------------------------

def test_sections_parse_into_subsections():
    assert subsections("P1 §3.1") == [(1, 3, 1)]
    assert subsections("P3 §1.3, §2.1–2.4") == [(3, 1, 3), (3, 2, 1), (3, 2, 2), (3, 2, 3), (3, 2, 4)]
    assert subsections("P4 §3.1–3.2") == [(4, 3, 1), (4, 3, 2)]
    for bad in ("Part 1 §1.1", "P1 1.1", "P1 §1.3–2.1"):
        with pytest.raises(ValueError):
            subsections(bad)


def test_stops_are_in_article_order():
    places = [min(stop.visits) for stop in stops()]
    assert places == sorted(places)


def test_every_subsection_an_installed_scene_covers_is_visited():
    installed = set(scenes())
    visited = {(key(sub), stop.scene) for stop in stops() for sub in stop.visits}
    missing = [sub for sub, covering in COVERAGE.items()
               if installed & set(covering) and not any((sub, s) in visited for s in covering)]
    assert not missing, f"no stop visits {missing}"


def test_a_stop_claims_only_subsections_its_scene_covers():
    for stop in stops():
        for sub in stop.visits:
            assert stop.scene in COVERAGE.get(key(sub), ()), f"{stop.scene} does not cover {key(sub)}"


def test_coverage_names_only_subsections_of_the_article_map():
    parts = {1: 4, 2: 3, 3: 4, 4: 4}  # chapters per part in the article
    for sub in COVERAGE:
        part, chapter, _ = subsections(sub)[0]
        assert 1 <= chapter <= parts[part]


# -- the independent expectations themselves ------------------------------------------------

def test_closed_forms_against_known_values():
    assert closed.bisect(lambda x: x * x - 2, 0, 2) == pytest.approx(math.sqrt(2), abs=1e-15)
    # Σ_{k<n} sin(kπ/n) for n = 2 is sin 0 + sin(π/2) = 1
    assert closed.left_sum_of_sin(2) == pytest.approx(math.pi / 2, abs=1e-15)
    # a quarter of the equator, and the pole from the equator
    assert closed.haversine_km(0, 0, 0, 90, 1.0) == pytest.approx(math.pi / 2, abs=1e-12)
    assert closed.haversine_km(0, 17, 90, 0, 2.0) == pytest.approx(math.pi, abs=1e-12)
    # X/Y = π/2 puts B at the bottom of the arch: θ_B = π, a = Y/2, time π√(a/g)
    assert closed.cycloid_time(math.pi, 2.0, 9.0) == pytest.approx(math.pi * math.sqrt(1 / 9), abs=1e-9)
    assert closed.line_time(1e-9, 2.0, 9.0) == pytest.approx(math.sqrt(2 * 2 / 9), abs=1e-9)  # free fall
    assert closed.maxent_lambda(6, 3.5) == pytest.approx(0.0, abs=1e-12)  # the fair die
    assert closed.kl_normal(0.3, 2.0, 0.3, 2.0) == pytest.approx(0.0, abs=1e-15)
    assert sum(closed.softmax([1.0, 2.0, 3.0])) == pytest.approx(1.0, abs=1e-15)
    # f = x³/3 − x has f′ = x² − 1, stationary at 1 where f″ = 2 and f‴ = 2: ratio ½
    assert closed.newton_constant(lambda x: x * x - 1, lambda x: 2 * x, lambda x: 2.0, 0.5, 2) == \
        pytest.approx(0.5, abs=1e-12)
    g = closed.quadratic_gradient(1.0, 37.0, 2.0, -3.0)  # κ = 1: A = I whatever the angle
    assert g == pytest.approx((2.0, -3.0), abs=1e-12)
    beta = closed.heavy_ball_beta(4.0, 1.0)  # κ = 4: ((2 − 1)/(2 + 1))²
    assert beta == pytest.approx(1 / 9, abs=1e-15)
    assert closed.heavy_ball_eta(4.0, 1.0) * (1 - beta) == pytest.approx(4 / 9, abs=1e-15)


# -- CLI and header ---------------------------------------------------------------------------

def test_list_prints_one_line_per_stop_in_either_language():
    en = run("tour", "--list").output.splitlines()
    zh = run("--lang", "zh", "tour", "--list").output.splitlines()
    assert len(en) == len(zh) == len(stops())
    assert en[0].startswith(" 1  P1 §1.1  tangent") and zh[0].startswith(" 1  第一部分 §1.1  tangent")
    assert "-s 'f=x^2'" in en[0] and "8 steps" in en[0] and "8 步" in zh[0]


def test_header_says_where_you_are():
    n, i = len(stops()), tour.first_stop_of("riemann")
    assert tour.header(i, "en") == f"stop {i + 1}/{n} · P1 §3.1 · riemann"
    assert tour.header(i, "zh") == f"第 {i + 1}/{n} 站 · 第一部分 §3.1 · riemann"


def test_stop_out_of_range_is_one_line_and_status_2():
    result = CliRunner().invoke(cli, ["tour", "--stop", str(len(stops()) + 1)])
    assert result.exit_code == 2 and "out of range" in result.output


# -- the TUI ----------------------------------------------------------------------------------

async def test_tour_moves_between_stops_keeps_changes_and_r_restores_the_stop():
    from calcterm.host.app import CalcTermApp, PickerScreen
    from calcterm.host.tour_screen import TourScreen, TourStrip
    from pilot import wait_until

    k = tour.first_stop_of("riemann")  # the first Riemann stop: n = 10, no steps taken
    app = CalcTermApp(tour=k - 1)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_until(pilot, lambda: isinstance(app.screen, TourScreen), "the stop before")
        strip = lambda: str(app.screen.query_one(TourStrip).render())  # noqa: E731
        assert tour.header(k - 1, "en") in strip() and "Look at:" in strip()
        assert app.screen.scene.id == stops()[k - 1].scene
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: app.screen.index == k, "the Riemann stop")
        scene = app.screen.scene
        assert scene.id == "riemann" and scene["n"] == 10 and scene.t == stops()[k].steps == 0
        await pilot.press("n", "n")
        assert scene.t == 2
        await pilot.press("left_square_bracket")
        await wait_until(pilot, lambda: app.screen.index == k - 1, "back one stop")
        await pilot.press("right_square_bracket")
        await wait_until(pilot, lambda: app.screen.index == k, "the Riemann stop again")
        assert app.screen.scene is scene and scene.t == 2  # kept as the learner left it
        await pilot.press("r")
        await wait_until(pilot, lambda: app.screen.scene is not scene, "the stop rebuilt")
        assert app.screen.scene.t == 0
        await pilot.press("T")
        assert "Look at:" not in strip() and tour.header(k, "en") in strip()
        await pilot.press("l")
        assert tour.header(k, "zh") in strip()
        await pilot.press("escape")
        assert isinstance(app.screen, PickerScreen)


async def test_the_pickers_first_entry_opens_the_tour_and_a_scene_can_join_it():
    from calcterm.host.app import CalcTermApp, PickerScreen
    from calcterm.host.scene_screen import SceneScreen
    from calcterm.host.tour_screen import TourScreen
    from pilot import wait_until

    app = CalcTermApp()
    async with app.run_test(size=(80, 24)) as pilot:
        assert isinstance(app.screen, PickerScreen)
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, TourScreen), "the tour")
        assert app.screen.index == 0
        await pilot.press("left_square_bracket")  # nothing before the first stop
        assert app.screen.index == 0
        await pilot.press("escape", "down", "down", "enter")
        assert type(app.screen) is SceneScreen
        scene_id = app.screen.scene.id
        await pilot.press("right_square_bracket")  # from a scene: its first stop
        await wait_until(pilot, lambda: isinstance(app.screen, TourScreen), "the scene's stop")
        assert app.screen.index == tour.first_stop_of(scene_id)
