"""The renderer's geometry and the exporter's strictness."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from calcterm.export import dumps
from calcterm.plot import Bars, Figure, Line, Panel, Points, sample_count
from calcterm.render import TooSmall, render, strip_ansi


def figure(n_panels: int = 2) -> Figure:
    x = np.linspace(0, 1, 50)
    panels = [Panel(title=f"p{i}").add(Line(x, x**i)) for i in range(n_panels)]
    return Figure(panels, rows=1, cols=n_panels, weights=(2, 1)[:n_panels])


@pytest.mark.parametrize("w, h", [(50, 10), (97, 31), (200, 60)])
def test_exact_size(w, h):
    lines = render(figure(), w, h, color=False).split("\n")
    assert len(lines) == h and {len(line) for line in lines} == {w}


def test_too_small_says_how_much_is_needed():
    with pytest.raises(TooSmall, match="needs at least"):
        render(figure(), 20, 4)


def test_non_finite_and_log_domain_values_are_dropped():
    x = np.array([-1.0, 0.0, 1.0, 2.0, np.nan, 3.0])
    y = np.array([1.0, 1.0, np.inf, 4.0, 5.0, -1.0])
    panel = Panel(xscale="log", yscale="log").add(Line(x, y), Points(x, y))
    text = strip_ansi(render(Figure([panel]), 40, 12))
    assert "nan" not in text.lower()


def test_colour_can_be_switched_off():
    assert "\x1b[" in render(figure(), 60, 15)
    assert "\x1b[" not in render(figure(), 60, 15, color=False)


def test_sample_count_tracks_braille_resolution():
    assert sample_count(120) == 240 and sample_count(2) == 16 and sample_count(1000) == 480


def test_export_replaces_non_finite_with_null_and_says_why():
    doc = {"scene": "s", "data": {"a": math.nan, "b": [1.0, math.inf], "c": np.float64(-np.inf),
                                  "d": np.arange(3), "e": np.bool_(True)}}
    text = dumps(doc)
    out = json.loads(text, parse_constant=lambda c: pytest.fail(c))
    assert out["data"]["a"] is None and out["data"]["b"] == [1.0, None]
    assert out["data"]["d"] == [0, 1, 2] and out["data"]["e"] is True
    assert out["data"]["non_finite"] == {"data.a": "nan", "data.b[1]": "inf", "data.c": "-inf"}


def interior(panel: Panel, w: int = 40, h: int = 12) -> list[str]:
    """The characters inside the frame of a one-panel figure."""
    lines = render(Figure([panel]), w, h, color=False).split("\n")
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    left, right = lines[top].index("┌"), lines[top].index("┐")
    return [line[left + 1:right] for line in lines[top + 1:bottom]]


def test_corner_points_land_in_corner_dots():
    panel = Panel(xlim=(0, 1), ylim=(0, 1)).add(Points(np.array([0, 1, 0, 1]), np.array([0, 0, 1, 1])))
    cells = interior(panel)
    assert cells[0][0] == chr(0x2801) and cells[0][-1] == chr(0x2808)      # top dots
    assert cells[-1][0] == chr(0x2840) and cells[-1][-1] == chr(0x2880)    # bottom dots
    assert sum(c != " " for row in cells for c in row) == 4


def test_diagonal_line_touches_every_column_once_per_dot():
    panel = Panel(xlim=(0, 1), ylim=(0, 1)).add(Line(np.array([0.0, 1.0]), np.array([0.0, 1.0])))
    cells = interior(panel)
    width = len(cells[0])
    dots_per_column = [sum(bin(ord(row[c]) - 0x2800).count("1") for row in cells if row[c] != " ")
                       for c in range(width)]
    assert all(d >= 2 for d in dots_per_column)  # a continuous line: both dot columns hit
    assert cells[0][-1] != " " and cells[-1][0] != " " and cells[0][0] == " "


def test_log_axis_places_decades_evenly():
    x = np.logspace(-8, 0, 9)
    panel = Panel(xscale="log", yscale="log").add(Points(x, x, marker="x"))
    cells = interior(panel, 60, 20)
    columns = sorted({row.index("x") for row in cells if "x" in row})
    gaps = np.diff(columns)
    assert len(columns) == 9 and gaps.max() - gaps.min() <= 1


def test_bars_fill_from_zero():
    panel = Panel(xlim=(-0.5, 1.5), ylim=(0, 2)).add(Bars(np.array([0.0, 1.0]), np.array([1.0, 2.0])))
    cells = interior(panel, 40, 12)
    filled = [sum(c != " " for c in row) for row in cells]
    assert filled[0] > 0 and filled[-1] > filled[0]  # only the taller bar reaches the top


def test_lines_leaving_the_view_keep_their_direction():
    """A steep line clipped at the top must not be bent along the frame."""
    panel = Panel(xlim=(0, 1), ylim=(0, 1)).add(Line(np.array([0.0, 1.0]), np.array([0.0, 100.0])))
    cells = interior(panel)
    assert all(c == " " for row in cells for c in row[2:]), "drawn along the top edge"
    far = Panel(xlim=(0, 1), ylim=(0, 1)).add(Line(np.array([5.0, 6.0]), np.array([5.0, -9.0])))
    assert all(c == " " for row in interior(far) for c in row)
