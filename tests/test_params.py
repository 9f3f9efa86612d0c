"""Parameter types: parsing, validation, nudging."""

from __future__ import annotations

import pytest

from calcterm.params import Choice, Expression, Integer, Number, ParamError, Toggle


def test_number_range_and_text():
    p = Number("x", 0.0, "help", lo=-1.0, hi=1.0, step=0.1)
    assert p.parse(" 0.5 ") == 0.5
    assert p.parse("-0") == 0.0 and str(p.parse("-0")) == "0.0"
    for bad in ("2", "nan", "inf", "-inf", "1e308", "", "abc", "１"):
        with pytest.raises(ParamError, match=r"x: .*\[-1, 1\]"):
            p.parse(bad)


def test_number_nudges_and_clamps():
    p = Number("x", 0.0, lo=-1.0, hi=1.0, step=0.1)
    assert p.nudge(0.0, 1) == pytest.approx(0.1)
    assert p.nudge(0.3, -1) == pytest.approx(0.2)
    assert p.nudge(0.0, 1, big=True) == 1.0
    assert p.nudge(0.95, 1) == 1.0


def test_log_number_multiplies():
    p = Number("h", 1.0, lo=1e-12, hi=2.0, step=2.0, log=True)
    assert p.nudge(1.0, -1) == 0.5
    assert p.nudge(1.0, 1, big=True) == 2.0
    assert p.nudge(1e-12, -1) == 1e-12


def test_integer():
    p = Integer("n", 3, lo=0, hi=30)
    assert p.parse("7") == 7
    for bad in ("3.5", "31", "-1", "x"):
        with pytest.raises(ParamError, match=r"\[0, 30\]"):
            p.parse(bad)
    assert p.nudge(29, 1, big=True) == 30


def test_choice_cycles():
    p = Choice("s", "a", choices=("a", "b", "c"))
    assert p.nudge("c", 1) == "a" and p.nudge("a", -1) == "c"
    with pytest.raises(ParamError, match="one of a, b, c"):
        p.parse("d")


def test_toggle():
    p = Toggle("on", False)
    assert p.parse("yes") is True and p.parse("off") is False
    assert p.nudge(True, 1) is False
    with pytest.raises(ParamError, match="on or off"):
        p.parse("maybe")


def test_expression_presets_and_validation():
    p = Expression("f", "x^2", presets={"x²": "x^2", "sin x": "sin(x)"})
    assert p.parse("sin x") == "sin(x)"
    assert p.parse("x^3 + 1") == "x^3 + 1"
    assert p.nudge("x^2", 1) == "sin(x)" and p.nudge("sin(x)", 1) == "x^2"
    assert p.nudge("x^5", 1) == "x^2"
    assert p.label("sin(x)") == "sin x" and p.label("x^5") == "x^5"
    assert p.format("sin(x)") == "sin(x)", "format is what -s accepts back"
    with pytest.raises(ParamError, match="column"):
        p.parse("sin(")
