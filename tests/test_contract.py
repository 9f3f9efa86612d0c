"""The scene contract, checked for every registered scene."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from calcterm.export import dumps
from calcterm.params import Choice, Expression, Integer, Number, Toggle
from calcterm.plot import Figure
from calcterm.render import render, strip_ansi
from calcterm.text import T, tr


def test_identity(scene_cls):
    assert re.fullmatch(r"[a-z]+", scene_cls.id)
    assert scene_cls.title and scene_cls.section
    explanation = scene_cls().explain()
    assert explanation.en and explanation.zh and explanation.en != explanation.zh
    assert re.search(r"[\u4e00-\u9fff]", explanation.zh)
    assert scene_cls.params, "a scene without parameters has nothing to explore"


def test_defaults_within_range(scene_cls):
    for p in scene_cls.params:
        assert p.help.en and p.help.zh, f"{p.name} has no help"
        assert p.validate(p.default) == p.default
        if isinstance(p, (Number, Integer)):
            assert p.lo <= p.default <= p.hi
        if isinstance(p, Choice):
            assert p.default in p.choices
        if isinstance(p, Expression):
            assert p.default in p.presets.values()


def test_nudges_stay_in_range(scene_cls):
    for p in scene_cls.params:
        value = p.default
        for direction in (1, 1, -1, -1, -1):
            value = p.nudge(value, direction, big=True)
            assert p.validate(value) == value


@pytest.mark.parametrize("size", [(60, 20), (120, 40), (200, 60)])
def test_draws_at_every_size(scene_cls, size):
    scene = scene_cls()
    for _ in range(3):
        scene.step()
    figure = scene.draw(*size)
    assert isinstance(figure, Figure) and figure.panels
    text = render(figure, *size)
    lines = text.split("\n")
    assert len(lines) == size[1]
    assert all(len(strip_ansi(line)) == size[0] for line in lines)
    assert len(set(strip_ansi(text))) > 10, "the plot is empty"


def test_export_is_strict_json_and_reproducible(scene_cls):
    a, b = scene_cls(seed=7), scene_cls(seed=7)
    for _ in range(5):
        a.step()
        b.step()
    text = dumps(a.export())
    doc = json.loads(text, parse_constant=lambda c: pytest.fail(f"non-strict JSON constant {c}"))
    assert doc["scene"] == scene_cls.id and doc["steps"] == 5
    assert set(doc["params"]) == {p.name for p in scene_cls.params}
    assert doc["data"]
    assert text == dumps(b.export())


def test_reset_returns_to_the_start(scene_cls):
    scene = scene_cls(seed=3)
    first = dumps(scene.export())
    for _ in range(4):
        scene.step()
    scene.reset()
    assert scene.t == 0
    assert dumps(scene.export()) == first


def test_readout_and_explanations(scene_cls):
    scene = scene_cls()
    readout = scene.readout()
    assert readout and all(isinstance(k, (str, T)) and isinstance(v, (str, T))
                           for k, v in readout.items())


def test_every_parameter_kind_round_trips_through_text(scene_cls):
    for p in scene_cls.params:
        text = {Toggle: lambda v: "on" if v else "off"}.get(type(p), str)(p.default)
        assert p.parse(text) == p.default


def test_extreme_parameters_draw_without_warnings(scene_cls):
    """The largest and smallest value of every range still draws and exports cleanly."""
    for p in scene_cls.params:
        if not isinstance(p, (Number, Integer)):
            continue
        for value in (p.lo, p.hi):
            with np.errstate(all="raise"):
                scene = scene_cls({p.name: value})
                scene.step()
                render(scene.draw(100, 30), 100, 30)
                json.loads(dumps(scene.export()))


def test_heaviest_parameters_are_valid_and_draw(scene_cls):
    for name, value in scene_cls.heaviest.items():
        assert scene_cls.param(name).validate(value) == value
    scene = scene_cls(dict(scene_cls.heaviest))
    scene.step()
    assert render(scene.draw(120, 40), 120, 40)


def test_the_default_calcterm_params_prints_is_accepted_by_set(scene_cls):
    """`calcterm params` prints each default as `-s` takes it back (a label goes beside it)."""
    for p in scene_cls.params:
        printed = p.format(p.default)
        assert f"  default {printed}" in p.describe("en")
        assert p.parse(printed) == p.default, (p.name, printed)
        label = tr(p.label(p.default), "en")
        if label != printed and p.label_is_a_name:
            assert f"({label})" in p.describe("en") and p.parse(label) == p.default, p.name
