"""No data can crash the renderer: a corpus of extreme figures, built by hand, at three sizes.

Each figure must come out as exactly `height` lines of `width` cells, with a frame, and
without any of the words a failed conversion would leak ("nan", "inf").
"""

from __future__ import annotations

import numpy as np
import pytest

from calcterm.plot import (Arrow, Bars, Figure, HLine, Label, Line, Panel, Points, Shade, Trail,
                           VLine, node, shade)
from calcterm.render import layout, render

SIZES = [(120, 40), (80, 24), (60, 20)]
X = np.linspace(-2.0, 4.0, 200)


def curve(y, **panel) -> Panel:
    return Panel(title="extreme", xlabel="x", **panel).add(Line(X, y, "f"), Points(X[::50], y[::50], "p", marker="●"))


def corpus() -> dict[str, Figure]:
    with np.errstate(all="ignore"):
        cases = {
            "exp(700x)": curve(np.exp(700 * X)),
            "1e300*x": curve(1e300 * X),
            "1e308 both signs": curve(np.where(X > 1, 1.7e308, -1.7e308)),
            "1e-300*x": curve(1e-300 * X),
            "subnormal": curve(5e-324 * np.arange(X.size)),
            "constant": curve(np.full(X.size, 3.0)),
            "constant huge": curve(np.full(X.size, 1e300)),
            "constant zero": curve(np.zeros(X.size)),
            "1 + 1e-15 x": curve(1 + 1e-15 * X),
            "all nan": curve(np.full(X.size, np.nan)),
            "all inf": curve(np.full(X.size, np.inf)),
            "mixed inf nan": curve(np.where(X > 0, np.inf, np.nan)),
            "pole 1/x": curve(1 / X),
            "pole tan": curve(np.tan(50 * X)),
            "fast oscillation": curve(np.sin(1e6 * X)),
            "log of negatives": curve(-np.abs(X) - 1, yscale="log"),
            "log 1e-300..1e300": curve(np.logspace(-300, 300, X.size), yscale="log"),
            "log tiny span": curve(1 + 1e-12 * X, yscale="log"),
            "log within a decade": curve(2 + X / 10, yscale="log"),
            "loglog zero x": Panel(xscale="log", yscale="log").add(Line(X - X, X)),
            "empty": Panel(title="nothing"),
            "empty arrays": Panel().add(Line(np.zeros(0), np.zeros(0), "f"), Points(np.zeros(0), np.zeros(0))),
            "ragged": Panel().add(Line(np.arange(5.0), np.arange(3.0), "f")),
            "forced inf lim": curve(X, xlim=(-np.inf, np.inf), ylim=(np.nan, 1.0)),
            "forced equal lims": curve(X, xlim=(1.0, 1.0), ylim=(2.0, 2.0)),
            "reversed lims": curve(X, xlim=(4.0, -2.0)),
            "forced 1e308 window": curve(X, xlim=(-1.7e308, 1.7e308)),
            "forced 1e-300 window": curve(X, xlim=(0.0, 1e-300)),
            "equal aspect degenerate": Panel(aspect="equal").add(Line(np.zeros(3), np.arange(3.0), "v")),
            "equal aspect huge": Panel(aspect="equal").add(Points(np.array([0, 1e300]), np.array([0, 1e-300]))),
            "integer 2^60": curve(np.full(X.size, 2.0**60)),
            "bars extreme": Panel().add(Bars(np.array([0, 1, 2.0]), np.array([1e308, np.nan, -1e308]), "b")),
            "bars one": Panel(yscale="log").add(Bars(np.array([5.0]), np.array([1e-300]), "b")),
            "h/v lines only": Panel().add(HLine(np.inf), VLine(np.nan), HLine(1e300), VLine(-1e-300)),
            "labels off view": Panel(xlim=(0, 1), ylim=(0, 1)).add(
                Label(np.nan, 0.5, "nan"), Label(1e300, 0.5, "far"), Label(0.5, 0.5, "中文标签 wide"),
                node(0.99, 0.01, ["corner", "box"]), node(-5, 5, "out")),
            "arrows": Panel(xlim=(0, 1), ylim=(0, 1)).add(
                Arrow(0.5, 0.5, np.inf, 0.0, "∞"), Arrow(0.5, 0.5, 0.0, 0.0, "zero"),
                Arrow(0.5, 0.5, 1e300, -1e300, "far"), Arrow(0.2, 0.2, 0.3, 0.3, "ok")),
            "shade raising": Panel(xlim=(0, 1), ylim=(0, 1)).add(Shade(lambda x, y: 1 / 0)),
            "shade nan": Panel(xlim=(0, 1), ylim=(0, 1)).add(shade(lambda x, y: np.nan * x * y)),
            "shade wrong shape": Panel(xlim=(0, 1), ylim=(0, 1)).add(shade(lambda x, y: np.ones(3))),
            "shade mask": Panel(xlim=(-1, 2), ylim=(-1, 2)).add(shade(np.eye(5) > 0, (0, 1, 0, 1)),
                                                               shade(np.ones((0, 0)), (0, 1, 0, 1))),
            "trail extreme": Panel().add(Trail("t").extend(np.array([[0, 0], [1e308, -1e308], [np.nan, 1], [2, 2]]))),
            "many points": Panel().add(Points(*np.random.default_rng(0).standard_cauchy((2, 200_000)), "c")),
            "long title": Panel(title="a title far too long for any panel at all " * 5, ylabel="y label").add(Line(X, X)),
        }
    figures = {name: Figure([panel]) for name, panel in cases.items()}
    figures["grid of extremes"] = Figure([cases["exp(700x)"], cases["all nan"], cases["empty"],
                                          cases["log 1e-300..1e300"]], rows=2, cols=2, weights=(2, 1))
    return figures


CORPUS = corpus()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", sorted(CORPUS))
def test_extreme_figure_renders_at_exact_size(name, size):
    width, height = size
    figure = CORPUS[name]
    text = render(figure, width, height, color=False)
    lines = text.split("\n")
    assert len(lines) == height
    assert all(layout_width(line) == width for line in lines), name
    assert "┌" in text and "┘" in text
    lowered = text.lower()
    assert "nan" not in lowered.replace("中文标签", "") or name == "labels off view"
    assert "inf" not in lowered


def layout_width(line: str) -> int:
    from calcterm.canvas import text_width

    return text_width(line)


def test_finite_extremes_show_their_magnitude_in_the_ticks():
    text = render(CORPUS["1e300*x"], 80, 24, color=False)
    assert "e300" in text
    text = render(CORPUS["1e-300*x"], 80, 24, color=False)
    assert "e-300" in text


def test_constant_data_gets_a_window_around_the_value():
    canvas = layout(CORPUS["constant"], 80, 24)
    text = "\n".join("".join(row) for row in canvas.chars)
    assert "3" in text and ("2" in text or "4" in text)
