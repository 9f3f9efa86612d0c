"""The riemann scene: its numbers against closed forms, its export keys, and its keys in the TUI."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest

from calcterm.export import dumps
from calcterm.headless import build
from calcterm.registry import get
from texts import notes_in, readout_in

Riemann = get("riemann")

SUM_KEYS = {"n", "dx", "rule", "sum", "exact", "error", "observed_order", "expected_order", "tags",
            "heights", "history", "lower", "upper"}


def export(*settings: str, steps: int = 0) -> dict:
    """`calcterm export riemann -s ... --steps N`, read back as strict JSON."""
    scene = build("riemann", [tuple(s.split("=", 1)) for s in settings], steps=steps)
    return json.loads(dumps(scene.export()), parse_constant=pytest.fail)["data"]


def test_export_keys_in_every_view():
    assert SUM_KEYS <= set(export())
    assert SUM_KEYS | {"fb_minus_fa"} <= set(export("view=ftc"))
    assert SUM_KEYS | {"x", "F", "F_slope", "f_at_x"} <= set(export("view=accumulate", steps=3))


@pytest.mark.parametrize("steps", [0, 3, 7])
def test_left_sum_of_sine_matches_its_cotangent_closed_form(steps):
    data = export(steps=steps)
    n = 4 * 2**steps
    assert data["n"] == n and data["dx"] == pytest.approx(math.pi / n)
    assert data["sum"] == pytest.approx(math.pi / n / math.tan(math.pi / (2 * n)), rel=1e-12)
    assert data["exact"] == pytest.approx(2.0, rel=1e-14)
    assert data["error"] == pytest.approx(data["sum"] - 2.0, abs=1e-15)
    assert len(data["tags"]) == len(data["heights"]) == n
    np.testing.assert_allclose(data["heights"], np.sin(np.array(data["tags"])), atol=1e-15)
    assert [h[0] for h in data["history"]] == [4 * 2**k for k in range(steps + 1)]


def test_the_left_sum_of_sine_is_second_order_and_the_note_says_why():
    scene = build("riemann", steps=5)
    assert scene.data()["observed_order"] == pytest.approx(2.0, abs=0.01)
    assert scene.data()["expected_order"] == 1.0
    assert any("f(a) = f(b)" in note for note in notes_in(scene))
    other = build("riemann", [("f", "exp(x)")], steps=5)
    assert other.data()["observed_order"] == pytest.approx(1.0, abs=0.01)
    assert not any("f(a) = f(b)" in note for note in notes_in(other))


def test_simpson_is_exact_for_a_cubic_and_says_so():
    scene = build("riemann", [("f", "x^3-x"), ("a", "-1"), ("b", "2"), ("rule", "simpson")], steps=2)
    exact = (2**4 / 4 - 2**2 / 2) - (1 / 4 - 1 / 2)
    assert scene.data()["exact"] == pytest.approx(exact, rel=1e-14)
    assert abs(scene.data()["error"]) < 1e-13
    assert "exact to rounding" in readout_in(scene)["order seen"]


@pytest.mark.parametrize("rule, order", [("midpoint", 2), ("trapezoid", 2), ("simpson", 4), ("right", 1)])
def test_observed_orders_in_the_export(rule, order):
    data = export("f=exp(x)", "a=0", "b=1", f"rule={rule}", steps=3)
    assert data["exact"] == pytest.approx(math.e - 1, rel=1e-14)
    assert data["observed_order"] == pytest.approx(order, abs=0.05)


def test_darboux_sums_bracket_every_rule():
    for rule in ("left", "right", "midpoint", "trapezoid", "simpson", "random"):
        data = export("f=sin(3*x)+x", f"rule={rule}", steps=2)
        assert data["lower"] <= data["sum"] <= data["upper"]
    oriented = export("b=-2", "f=exp(x)", steps=2)
    assert oriented["lower"] <= oriented["sum"] <= oriented["upper"] < 0


def test_lower_and_upper_of_a_monotone_function_are_the_end_sums():
    data = export("f=exp(x)", "a=0", "b=1", "n=10")
    h = 0.1
    assert data["lower"] == pytest.approx(h * sum(math.exp(k * h) for k in range(10)), rel=1e-13)
    assert data["upper"] == pytest.approx(h * sum(math.exp(k * h) for k in range(1, 11)), rel=1e-13)


def test_random_tags_are_reproducible_and_unbiased_across_seeds():
    one = build("riemann", [("rule", "random"), ("f", "x")], seed=4).data()
    assert one == build("riemann", [("rule", "random"), ("f", "x")], seed=4).data()
    sums = [build("riemann", [("rule", "random"), ("f", "x"), ("n", "8")], seed=s).data()["sum"]
            for s in range(400)]
    # ∫₀^π x dx = π²/2; each slice's tag is uniform, so Var S = n Δx⁴/12
    dx = math.pi / 8
    sd = math.sqrt(8 * dx**4 / 12)
    assert abs(np.mean(sums) - math.pi**2 / 2) < 4 * sd / math.sqrt(400)
    assert np.std(sums, ddof=1) == pytest.approx(sd, rel=0.15)


def test_ftc_view_sums_the_derivative_towards_f_b_minus_f_a():
    data = export("view=ftc", "f=x^3-x", "a=-1", "b=2", "rule=midpoint", steps=2)
    n, dx = 16, 3 / 16
    mids = -1 + dx * (np.arange(n) + 0.5)
    assert data["fb_minus_fa"] == data["exact"] == pytest.approx(6.0, abs=1e-14)
    assert data["sum"] == pytest.approx(dx * np.sum(3 * mids**2 - 1), rel=1e-13)
    assert data["quadrature"] == pytest.approx(6.0, rel=1e-13)


def test_an_improper_derivative_is_named_and_a_tag_on_it_gives_no_sum():
    scene = build("riemann", [("view", "ftc"), ("f", "sqrt(x)")], steps=1)
    notes = " ".join(notes_in(scene))
    assert "unbounded or undefined at a" in notes and "try midpoint" in notes
    assert scene.data()["quadrature"] == pytest.approx(math.sqrt(math.pi), rel=1e-12)
    mid = build("riemann", [("view", "ftc"), ("f", "sqrt(x)"), ("rule", "midpoint")], steps=6)
    error = mid.data()["error"]
    assert 0 < abs(error) < 0.05, "improper but convergent"
    assert mid.data()["observed_order"] == pytest.approx(0.5, abs=0.05), "slow: order ½, not 2"


def test_accumulate_view_grows_F_with_slope_f():
    for steps in (0, 10, 35, 60):
        data = export("view=accumulate", steps=steps)
        x = math.pi * steps / 60
        assert data["x"] == pytest.approx(x, abs=1e-15)
        assert data["F"] == pytest.approx(1 - math.cos(x), abs=1e-13)
        assert data["f_at_x"] == pytest.approx(math.sin(x), abs=1e-15)
        assert data["F_slope"] == pytest.approx(math.sin(x), abs=1e-8)


def test_the_story_ends():
    sweep = Riemann({"view": "accumulate"})
    for _ in range(70):
        sweep.step()
    assert sweep.done and sweep.t == 60
    doubling = Riemann({"n": 3})
    for _ in range(20):
        doubling.step()
    assert doubling.done and doubling.n == 3072 and doubling.t == 10


def test_a_step_run_as_a_job_equals_one_run_inline():
    """From 1024 slices on a step is a Job (off the UI thread in the TUI); same numbers."""
    scene = Riemann({"n": 256, "rule": "upper", "view": "ftc"})
    job = scene.step_job()
    assert job is None, "256 → 512 is cheap enough inline"
    scene.step()
    job = scene.step_job()
    assert job is not None
    result = job.run(lambda fraction: None)
    assert scene.sums.s.n == 512, "running the job does not touch the scene"
    scene.finish_step(job, result)
    inline = Riemann({"n": 1024, "rule": "upper", "view": "ftc"})
    assert scene.data()["sum"] == inline.data()["sum"] and scene.n == 1024
    assert scene.data()["upper"] == inline.data()["upper"]


def test_oriented_interval_has_a_negative_step_and_a_note():
    data = export("b=-2", "f=exp(x)", "rule=midpoint", steps=4)
    assert data["dx"] < 0
    assert data["exact"] == pytest.approx(math.exp(-2) - 1, rel=1e-14)
    assert any("oriented" in n for n in notes_in(build("riemann", [("b", "-2")])))
    assert any("有向" in n for n in notes_in(build("riemann", [("b", "-2")]), "zh"))


def test_rule_and_n_do_not_matter_while_sweeping():
    scene = Riemann({"view": "accumulate"})
    assert not scene.matters("rule") and not scene.matters("n") and scene.matters("f")
    assert Riemann().matters("rule")


# ---------------------------------------------------------------- the TUI


def test_snapshot_80x24(snap_compare):
    """The default left sum after three doublings, in a small terminal."""
    from calcterm.host.app import CalcTermApp

    scene = get("riemann")(seed=0)
    for _ in range(3):
        scene.step()
    assert snap_compare(CalcTermApp(scene=scene), terminal_size=(80, 24))


async def test_rule_key_changes_only_the_rule_and_the_picture():
    from calcterm.host.app import CalcTermApp
    from pilot import plot_text, readout, select

    app = CalcTermApp(scene=Riemann())
    async with app.run_test(size=(120, 40)) as pilot:
        scene = app.screen.scene
        before = dict(scene.values)
        plot_before, numbers_before = plot_text(app), readout(app)
        await select(pilot, "rule")
        await pilot.press("right")
        assert scene["rule"] == "right"
        assert {k: v for k, v in scene.values.items() if k != "rule"} == \
            {k: v for k, v in before.items() if k != "rule"}
        await pilot.press("right")
        assert scene["rule"] == "midpoint"
        assert "midpoint" in plot_text(app) and plot_text(app) != plot_before
        assert readout(app) != numbers_before and "2.05234430595" in readout(app)


async def test_n_key_changes_the_slice_count_and_step_doubles_it():
    from calcterm.host.app import CalcTermApp
    from pilot import readout, select

    app = CalcTermApp(scene=Riemann())
    async with app.run_test(size=(80, 24)) as pilot:
        scene = app.screen.scene
        await select(pilot, "n")
        await pilot.press("right")
        assert scene["n"] == 5 and scene.n == 5 and scene.t == 0
        await pilot.press("n")
        assert scene.n == 10 and re.search(r"^n\s+10$", readout(app), re.M)
