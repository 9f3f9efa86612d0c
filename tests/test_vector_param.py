"""The Vector parameter: text such as "0.7, 0.2, 0.1" with length bounds and a sign rule."""

import math

import pytest

from calcterm.params import ParamError, Vector

P = Vector("p", "0.7, 0.2, 0.1", "a distribution", min_len=2, max_len=10, sign="nonnegative",
           normalised=True, presets={"article": "1, 0", "default": "0.7, 0.2, 0.1"})
Z = Vector("z", "2, 1, 0.1", "logits", min_len=2, max_len=10)


def test_parse_keeps_the_numbers_as_canonical_text():
    assert P.parse(" 0.7,0.2 , 0.1 ") == "0.7, 0.2, 0.1"
    assert P.parse("1 1 2") == "1, 1, 2"
    assert Z.parse("-3, 2.5e-1, +.5") == "-3, 2.5e-1, +.5"


def test_numbers_are_normalised_only_when_asked():
    assert P.numbers("1, 1, 2") == (0.25, 0.25, 0.5)
    assert math.isclose(sum(P.numbers("0.3, 0.3, 0.3")), 1.0)
    assert Z.numbers("-3, 0.25") == (-3.0, 0.25)


@pytest.mark.parametrize("text, words", [
    ("1", "1 numbers given"), ("1, " * 10 + "1", "11 numbers given"),
    ("0.5, -0.5", "sign rule"), ("0, 0", "sum to 0"), ("0.5, inf", "'inf' is not a number"),
    ("nan, 1", "'nan' is not a number"), ("1_0, 2", "'1_0' is not a number"),
    ("１, 2", "is not a number"), ("1, e", "'e' is not a number"), ("1, 2" * 300, "characters long"),
])
def test_rejections_name_what_is_allowed(text, words):
    with pytest.raises(ParamError) as info:
        P.parse(text)
    message = str(info.value)
    assert words in message and message.startswith("p: ")
    if "characters" not in words:
        assert "numbers separated by commas" in message


def test_overflowing_numbers_are_refused():
    with pytest.raises(ParamError, match="finite"):
        Z.parse("1e400, 1")


def test_positive_rule():
    strict = Vector("w", "1, 2", "", sign="positive")
    assert strict.parse("1, 2") == "1, 2"
    with pytest.raises(ParamError, match="sign rule"):
        strict.parse("0, 2")


def test_presets_by_name_nudge_and_label():
    assert P.parse("article") == "1, 0"
    assert P.label("1, 0") == "article" and P.label("0.5, 0.5") == "0.5, 0.5"
    assert P.nudge("1, 0", +1) == "0.7, 0.2, 0.1"
    assert P.nudge("0.7, 0.2, 0.1", +1) == "1, 0"
    assert P.nudge("0.3, 0.7", -1) == "0.7, 0.2, 0.1"
    assert Z.nudge("2, 1", +1) == "2, 1"  # no presets: nothing to cycle


def test_editable_and_validate_round_trip():
    assert Vector.editable and P.editable
    assert P.validate(P.default) == P.default
    assert P.validate(P.format(P.default)) == P.default
    assert "2–10 numbers" in P.allowed() and "each ≥ 0" in P.allowed()
