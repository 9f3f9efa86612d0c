"""Extreme but valid formulas, in every scene that takes one: a picture or one clear line.

Huge, tiny, constant, undefined everywhere, poles and fast oscillation, through `show` at
120×40 and 80×24 and through the TUI.
"""

from __future__ import annotations

import numpy as np
import pytest

from calcterm.canvas import text_width
from calcterm.headless import build, show_text
from calcterm.host.app import CalcTermApp
from calcterm.params import Expression, ParamError
from calcterm.registry import scenes

from helpers import run_cli
from pilot import plot_text

ONE_VARIABLE = ["exp(700*x)", "x*1e200", "1e300*x", "1e-300*x", "5", "log(-1-x^2)", "1/x",
                "tan(x)", "sin(1000*x)", "exp(-1/x^2)*1e-300", "x^(1/3)", "abs(x)^0.5",
                "1e308*exp(x)"]
TWO_VARIABLES = ["exp(700*x)+y", "x*1e200+y^2", "1e300*(x^2+y^2)", "1e-300*(x^2+y^2)", "5",
                 "log(-1-x^2-y^2)", "1/(x*y)", "sin(1000*x)*cos(1000*y)", "sqrt(x^2+y^2)"]


def cases():
    for scene_id, cls in scenes().items():
        for p in cls.params:
            if isinstance(p, Expression):
                corpus = TWO_VARIABLES if "y" in p.variables else ONE_VARIABLE
                yield from ((scene_id, p.name, f) for f in corpus)


CASES = list(cases())


@pytest.mark.parametrize("scene_id, name, formula", CASES)
def test_show_draws_or_says_one_line(scene_id, name, formula):
    with np.errstate(all="ignore"):
        try:
            scene = build(scene_id, [(name, formula)], steps=3)
        except ParamError as exc:
            assert "\n" not in str(exc)
            return
        for size in ((120, 40), (80, 24)):
            text = show_text(scene, *size, color=False)
            lines = text.split("\n")
            assert len(lines) <= size[1] and max(map(text_width, lines)) <= size[0]


@pytest.mark.parametrize("scene_id", sorted({c[0] for c in CASES}))
def test_the_cli_never_shows_a_traceback(scene_id):
    name = next(c[1] for c in CASES if c[0] == scene_id)
    formula = "exp(700*x)" if "y" not in scenes()[scene_id].param(name).variables else "exp(700*x)+y"
    result = run_cli("show", scene_id, "-s", f"{name}={formula}", "--steps", "3", "--size", "80x24")
    assert "Traceback" not in result.stderr
    assert result.returncode == 0 or (result.returncode == 2 and result.stderr.count("\n") == 1)


@pytest.mark.parametrize("scene_id, name, formula",
                         [c for c in CASES if c[2] in ("exp(700*x)", "exp(700*x)+y", "1e300*x",
                                                       "log(-1-x^2)", "5")])
async def test_the_tui_draws_extreme_formulas(scene_id, name, formula):
    try:
        scene = scenes()[scene_id]({name: formula})
    except ParamError:
        return
    scene.finish_job()
    app = CalcTermApp(scene=scene)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n", "n")
        assert "┌" in plot_text(app) or "Enlarge" in plot_text(app)
        assert app.is_running
