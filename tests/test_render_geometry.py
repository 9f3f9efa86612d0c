"""The renderer's geometry: round ticks, nice and forced limits, equal aspect, frame cache,
titles that shorten instead of vanishing."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from calcterm import geometry as geo
from calcterm.canvas import text_width
from calcterm.frame import axes_block
from calcterm.plot import Figure, Line, Panel, Points
from calcterm.render import render
from calcterm.text import T

ALWAYS = lambda lo, hi, ticks, labels: True  # noqa: E731


def is_round(step: float, rel: float = 1e-9) -> bool:
    k = math.floor(math.log10(step) + 1e-6)
    return any(math.isclose(step, m * 10.0 ** j, rel_tol=rel) for j in (k, k + 1) for m in (1, 2, 5))


@given(st.floats(1e-200, 1e200))
def test_nice_step_is_the_smallest_round_step_at_least_raw(raw):
    step = geo.nice_step(raw)
    assert is_round(step) and step >= raw * (1 - 1e-12)
    k = math.floor(math.log10(step) + 1e-12)
    smaller = [m * 10.0 ** j for j in (k - 1, k) for m in (1, 2, 5) if m * 10.0 ** j < step * (1 - 1e-9)]
    assert all(s < raw for s in smaller)


@settings(max_examples=300)
@given(st.floats(-1e6, 1e6), st.floats(1e-6, 1e6), st.integers(4, 12))
def test_nice_limits_are_round_and_cover_the_data_without_much_waste(lo, span, most):
    assume(span >= 1e-6 * abs(lo))  # narrower spans count as constant data
    data = np.array([lo, lo + span])
    axis = geo.plan_axis(data, None, geo.Scale(), "nice", most, ALWAYS)
    ticks = np.array(axis.ticks)
    assert 2 <= ticks.size <= 2 * most
    slack = 1e-9 * max(span, abs(lo))
    assert axis.lo <= lo + slack and axis.hi >= lo + span - slack
    steps = np.diff(ticks)
    step = float(steps[0])
    assert np.allclose(steps, step, rtol=1e-4) and is_round(step, 1e-4)
    assert np.allclose(ticks / step, np.round(ticks / step), atol=1e-4)
    # the limits are multiples of a round quantum no coarser than the tick step
    quantum = min(_round_divisor(axis.lo, step), _round_divisor(axis.hi, step))
    assert quantum >= step / 10 * (1 - 1e-9)
    assert axis.hi - axis.lo <= 1.25 * span + 2 * step / 10 or quantum <= step / 10 * (1 + 1e-9)


def _round_divisor(value: float, step: float) -> float:
    """The largest of step, its finer round steps down to step/10, that divides value."""
    q = step
    while q >= step / 10 * (1 - 1e-9):
        if abs(value / q - round(value / q)) < 1e-6:
            return q
        q = geo.previous_step(q)
    return 0.0


def test_integer_data_gets_whole_ticks_even_with_room_for_more():
    axis = geo.plan_axis(np.array([0.0, 3.0]), None, geo.Scale(), "nice", 20, ALWAYS, integer=True)
    assert axis.labels == ("0", "1", "2", "3")


def test_data_fit_keeps_the_limits_and_puts_ticks_inside():
    axis = geo.plan_axis(np.array([0.13, 0.87]), None, geo.Scale(), "data", 6, ALWAYS)
    assert (axis.lo, axis.hi) == (0.13, 0.87)
    assert all(0.13 <= t <= 0.87 for t in axis.ticks) and len(axis.ticks) >= 2


def test_forced_window_is_kept_exactly():
    axis = geo.plan_axis(np.array([-50.0, 50.0]), (-1.3, 2.9), geo.Scale(), "nice", 6, ALWAYS)
    assert (axis.lo, axis.hi) == (-1.3, 2.9)


def test_log_axis_rounds_to_whole_decades():
    units = np.log10(np.array([3e-7, 42.0]))
    axis = geo.plan_axis(units, None, geo.Scale(log=True), "nice", 20, ALWAYS)
    assert (axis.lo, axis.hi) == (-7, 2)
    assert axis.ticks == tuple(float(k) for k in range(-7, 3))
    assert axis.labels[-3:] == ("1", "10", "100") and axis.labels[0] == "1e-7"


def test_log_axis_inside_one_decade_still_has_ticks():
    axis = geo.plan_axis(np.log10(np.array([2.0, 7.0])), None, geo.Scale(log=True), "data", 6, ALWAYS)
    assert len(axis.ticks) >= 2 and set(axis.labels) <= {"2", "3", "4", "5", "6", "7"}


@pytest.mark.parametrize("value, label", [(2e300, "2e300"), (-5e-300, "-5e-300"), (1e-5, "1e-5")])
def test_labels_of_extreme_ticks_keep_their_exponent(value, label):
    scale = geo.scale_for(np.array([value]), False)
    units = scale.units(np.array([value]))
    step = abs(float(units[0]))
    assert geo.linear_labels(units, step, scale.shift) == (label,)


def tick_rows(text: str) -> tuple[str, str]:
    """The bottom frame row and the tick label row of a one-panel picture."""
    lines = text.split("\n")
    i = next(k for k, line in enumerate(lines) if "└" in line)
    return lines[i], lines[i + 1]


@pytest.mark.parametrize("width", [16, 23, 40, 61, 97, 160])
@pytest.mark.parametrize("span", [1.0, 7.0, 1234.5, 1e-4, 3e9])
def test_x_tick_labels_never_touch_and_match_the_marks(width, span):
    x = np.linspace(-span, 3 * span, 50)
    text = render(Figure([Panel().add(Line(x, x))]), width, 12, color=False)
    frame, labels = tick_rows(text)
    marks = frame.count("┬")
    assert marks >= 1 and len(labels.split()) == marks


def test_y_ticks_are_round_and_at_most_one_per_two_rows():
    x = np.linspace(0, 1, 30)
    lines = render(Figure([Panel().add(Line(x, 0.37 + 11.3 * x))]), 60, 30, color=False).split("\n")
    rows = [i for i, line in enumerate(lines) if "┤" in line]
    assert len(rows) >= 3 and min(np.diff(rows)) >= 2
    values = [float(lines[i].split("┤")[0]) for i in rows]
    steps = -np.diff(values)
    assert np.allclose(steps, steps[0]) and is_round(float(steps[0]))


def test_equal_aspect_draws_a_circle_as_wide_as_tall():
    t = np.linspace(0, 2 * np.pi, 400)
    panel = Panel(aspect="equal").add(Line(np.cos(t), np.sin(t)))
    for width, height in [(120, 40), (60, 30), (40, 40)]:
        lines = render(Figure([panel]), width, height, color=False).split("\n")
        dots = [(r, c, ord(ch) - 0x2800) for r, line in enumerate(lines) for c, ch in enumerate(line)
                if 0x2800 < ord(ch) <= 0x28FF]
        xs = [2 * c + (1 if bits & 0xB8 else 0) for _, c, bits in dots]
        ys = [4 * r for r, _, _ in dots]
        dot_w, dot_h = max(xs) - min(xs) + 1, max(ys) - min(ys) + 4
        assert abs(dot_w - dot_h) <= 0.12 * dot_h, (width, height, dot_w, dot_h)


def test_limits_that_snap_to_the_same_values_reuse_the_frame():
    x = np.linspace(0, 1, 40)
    render(Figure([Panel().add(Line(x, 0.91 * x))]), 70, 20)
    before = axes_block.cache_info()
    for top in (0.93, 0.95, 0.97, 0.99):
        render(Figure([Panel().add(Line(x, top * x))]), 70, 20)
    after = axes_block.cache_info()
    assert after.misses == before.misses and after.hits >= before.hits + 4


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_long_title_is_shortened_with_an_ellipsis_not_dropped(lang):
    title = T("a very long panel title that cannot fit in a narrow panel",
              "一个非常长的面板标题，窄面板里放不下它的全部文字")
    figure = Figure([Panel(title=title).add(Line(np.arange(3.0), np.arange(3.0))),
                     Panel(title="short").add(Line(np.arange(3.0), np.arange(3.0)))], cols=2)
    head = render(figure, 60, 12, color=False, lang=lang).split("\n")[0]
    assert text_width(head) == 60
    left = head[: len(head) // 2 + 4]
    assert "…" in left and title.get(lang)[:4] in left and "short" in head


def test_title_in_chinese_keeps_every_row_exactly_as_wide_as_the_plot():
    panel = Panel(title=T("error", "误差随步长变化"), xlabel=T("step", "步长 h"), ylabel=T("y", "纵轴"))
    panel.add(Line(np.arange(5.0), np.arange(5.0) ** 2, T("f", "函数")))
    lines = render(Figure([panel]), 50, 14, color=False, lang="zh").split("\n")
    assert all(text_width(line) == 50 for line in lines)
    assert "误差随步长变化" in lines[0] and "纵轴" in lines[0] and "步长 h" in lines[-1]


def test_points_out_of_view_with_huge_coordinates_are_dropped_not_wrapped():
    panel = Panel(xlim=(0, 1), ylim=(0, 1)).add(Points(np.array([0.5, 1e300, -1e300]), np.array([0.5, 0.5, 0.5]), marker="x"))
    text = render(Figure([panel]), 40, 12, color=False)
    assert text.count("x") == 1
