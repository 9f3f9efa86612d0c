"""Pictures that read without colour: distinct legend marks and line styles, legends that
avoid the data, labels, arrows, node boxes, shaded regions and trails."""

from __future__ import annotations

import numpy as np
import pytest

from calcterm.looks import assign
from calcterm.plot import (Bars, Figure, HLine, Label, Line, Panel, Points, Trail, arrow, node,
                           polygon, shade)
from calcterm.render import layout, render
from calcterm.text import T

X = np.linspace(0.0, 1.0, 60)


def interior(text: str) -> list[str]:
    """The cells inside the frame of a one-panel picture."""
    lines = text.split("\n")
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    bottom = max(i for i, line in enumerate(lines) if "└" in line)
    left, right = lines[top].index("┌"), lines[top].index("┐")
    return [line[left + 1:right] for line in lines[top + 1:bottom]]


def legend_marks(text: str, labels: list[str]) -> dict[str, str]:
    """label -> the two cells before it in the legend ("<mark> <label>")."""
    marks = {}
    for line in text.split("\n"):
        for label in labels:
            i = line.find(" " + label + " ")
            if i == -1 and line.endswith(" " + label):
                i = len(line) - len(label) - 1
            if i >= 2 and label not in marks:
                marks[label] = line[i - 2:i]
    return marks


def busy_figure() -> Figure:
    """Three panels of three or more labelled series of every kind, colours deliberately equal."""
    k = np.arange(8.0)
    lines = Panel(title="lines").add(*(Line(X, X ** p, f"line{p}", "blue") for p in range(1, 7)))
    mixed = Panel(title="mixed").add(Line(X, X, "curveA"), Line(X, 1 - X, "curveB"),
                                     Points(X[::10], X[::10], "dotsA", marker="●"),
                                     Points(X[::7], 1 - X[::7], "dotsB", marker="●"),
                                     Points(X, X * 0.5, "cloudA", marker="braille"),
                                     Points(X, X * 0.3, "cloudB", marker="braille"))
    bars = Panel(title="bars").add(Bars(k - 0.25, k, "barsA", width=0.3), Bars(k, k / 2, "barsB", width=0.3),
                                   Bars(k + 0.25, k / 3, "barsC", width=0.3), shade(lambda x, y: y < 2, label="shadeA"))
    return Figure([lines, mixed, bars], rows=1, cols=3)


def test_every_legend_mark_in_a_panel_differs_without_colour():
    figure = busy_figure()
    text = render(figure, 200, 30, color=False)
    assert "\x1b[" not in text
    panels = {"lines": [f"line{p}" for p in range(1, 7)],
              "mixed": ["curveA", "curveB", "dotsA", "dotsB", "cloudA", "cloudB"],
              "bars": ["barsA", "barsB", "barsC", "shadeA"]}
    for labels in panels.values():
        marks = legend_marks(text, labels)
        assert set(marks) == set(labels), marks
        assert len(set(marks.values())) == len(labels), marks
        assert all(m.strip() for m in marks.values())


def test_the_legend_mark_is_how_the_series_is_drawn():
    panel = Panel(xlim=(0, 1), ylim=(0, 1)).add(Line(X, 0.2 + 0 * X, "flat"), Line(X, 0.5 + 0 * X, "dash"),
                                                Line(X, 0.8 + 0 * X, "dots"))
    looks = assign(panel.series)
    styles = [looks[id(s)].style for s in panel.series]
    assert styles == ["solid", "dashed", "dotted"]
    rows = interior(render(Figure([panel]), 60, 22, color=False))
    drawn = [row for row in rows if any(0x2800 < ord(c) <= 0x28FF for c in row)]
    gaps = [sum(1 for c in row.rstrip() if c == " ") for row in drawn]
    assert gaps[0] > 0 or gaps[1] > 0  # the broken styles leave gaps
    solid_row = next(row for row in rows[::-1] if any(0x2800 < ord(c) <= 0x28FF for c in row))
    assert " " not in solid_row.strip()  # the solid line is unbroken


def test_an_unlabelled_twin_takes_its_labelled_siblings_style():
    band = [Line(X, X, "±2σ", "white"), Line(X, -X, "", "white"), Line(X, 2 * X, "mean", "c1")]
    band.insert(2, Line(X, 0.5 * X, "±σ", "yellow"))
    looks = assign(band)
    assert looks[id(band[1])].style == looks[id(band[0])].style
    assert len({looks[id(s)].mark for s in band if s.label}) == 3


def test_legend_goes_to_the_corner_with_least_data():
    top_left = Panel(xlim=(0, 1), ylim=(0, 1)).add(Points(X * 0.3, 1 - X * 0.3, "here", marker="braille"),
                                                   Line(X, X * 0 + 0.1, "floor"))
    rows = interior(render(Figure([top_left]), 60, 20, color=False))
    where = [(r, row.find("floor")) for r, row in enumerate(rows) if "floor" in row]
    assert where and where[0][1] > len(rows[0]) // 2 and where[0][0] < len(rows) // 2  # top right


def test_label_default_colour_is_the_terminal_foreground():
    panel = Panel(xlim=(0, 1), ylim=(0, 1)).add(Label(0.2, 0.5, "200 layers"))
    canvas = layout(Figure([panel]), 40, 12)
    row = next(r for r, chars in enumerate(canvas.chars) if "2" in chars and "l" in chars)
    col = canvas.chars[row].index("l")
    assert canvas.colors[row][col] == "foreground"
    assert "\x1b[30m" not in render(Figure([panel]), 40, 12)  # never black


@pytest.mark.parametrize("v, head", [((1, 0), "→"), ((0, 1), "↑"), ((-1, 0), "←"), ((0, -1), "↓"),
                                     ((1, 1), "↗"), ((-1, -1), "↙")])
def test_arrow_heads_point_the_way_the_arrow_runs_on_screen(v, head):
    panel = Panel(xlim=(-1, 1), ylim=(-1, 1), aspect="equal")
    arrow(panel, (0, 0), (0.8 * v[0], 0.8 * v[1]), "accent", "g")
    text = render(Figure([panel]), 50, 25, color=False)
    assert head in text and "g" in "".join(interior(text))


def test_a_node_is_a_box_around_its_lines_centred_on_its_point():
    panel = Panel(xlim=(0, 10), ylim=(0, 10))
    panel.add(Line(np.array([2.0, 8.0]), np.array([5.0, 5.0])), node(5, 5, ["v3 = sin v0", T("0.84", "0.84")]))
    rows = interior(render(Figure([panel]), 60, 21, color=False))
    r = next(i for i, row in enumerate(rows) if "v3 = sin v0" in row)
    c = rows[r].index("v3")
    assert rows[r - 1][c - 1] == "┌" and rows[r + 2][c - 1] == "└" and rows[r][c - 1] == "│"
    assert rows[r + 1][c:c + 4] == "0.84"
    centre = len(rows[0]) / 2
    assert abs((c + c + 11) / 2 - centre) <= 2


def test_shade_sets_dots_where_the_predicate_holds_and_density_thins_them():
    full = Panel(xlim=(0, 1), ylim=(0, 1)).add(shade(lambda x, y: y < 0.5 + 0 * x, density=1.0))
    rows = interior(render(Figure([full]), 42, 18, color=False))
    upper, lower = rows[:len(rows) // 2 - 1], rows[len(rows) // 2 + 1:]
    assert all(set(row) == {" "} for row in upper)
    assert all(set(row) == {"⣿"} for row in lower)
    light = Panel(xlim=(0, 1), ylim=(0, 1)).add(shade(lambda x, y: np.ones_like(x * y), density=0.25))
    cells = "".join(interior(render(Figure([light]), 42, 18, color=False)))
    dots = sum(bin(ord(c) - 0x2800).count("1") for c in cells if c != " ")
    assert dots == pytest.approx(0.25 * 8 * len(cells), rel=0.02)


def test_mask_array_shade_matches_the_predicate_it_samples():
    xs = np.linspace(0, 1, 201)
    mask = (xs[None, :] + xs[:, None]) < 1.0
    as_mask = Panel(xlim=(0, 1), ylim=(0, 1)).add(shade(mask, (0, 1, 0, 1), density=1.0))
    as_func = Panel(xlim=(0, 1), ylim=(0, 1)).add(shade(lambda x, y: x + y < 1.0, density=1.0))
    a = interior(render(Figure([as_mask]), 40, 16, color=False))
    b = interior(render(Figure([as_func]), 40, 16, color=False))
    differ = sum(ca != cb for ra, rb in zip(a, b) for ca, cb in zip(ra, rb))
    assert differ <= len(a)  # at most about one cell per row, along the diagonal


def test_polygon_closes_back_to_its_first_point():
    line = polygon([(0, 0), (1, 0), (1, 1)])
    assert (line.x[0], line.y[0]) == (line.x[-1], line.y[-1]) and len(line.x) == 4


def test_a_trail_extended_step_by_step_draws_what_one_line_through_its_points_draws():
    rng = np.random.default_rng(3)
    path = np.cumsum(rng.normal(size=(400, 2)), axis=0)
    view = dict(xlim=(float(path[:, 0].min()), float(path[:, 0].max())),
                ylim=(float(path[:, 1].min()), float(path[:, 1].max())))
    trail = Trail("walk", "c2")
    pictures = []
    for chunk in np.array_split(path, 9):
        trail.extend(chunk)
        pictures.append(render(Figure([Panel(**view).add(trail)]), 80, 24, color=False))
    whole = render(Figure([Panel(**view).add(Line(path[:, 0], path[:, 1], "walk", "c2"))]), 80, 24, color=False)
    assert pictures[-1] == whole
    assert len(trail.cache) == 1 and next(iter(trail.cache.values()))["n"] == len(path)


def test_a_trail_redraws_from_scratch_when_the_view_changes():
    trail = Trail().extend(np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]]))
    for size in ((40, 12), (60, 20), (40, 12)):
        text = render(Figure([Panel().add(trail)]), *size, color=False)
        line = render(Figure([Panel().add(Line(trail.xy[:, 0], trail.xy[:, 1]))]), *size, color=False)
        assert text == line


def test_reference_lines_do_not_change_the_limits():
    panel = Panel().add(Line(X, X), HLine(50.0))
    text = render(Figure([panel]), 40, 12, color=False)
    assert "50" not in text
