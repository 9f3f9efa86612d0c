"""The tangent scene's numbers against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calcterm.plot import Line
from calcterm.registry import get
from calcterm.text import T, tr

Tangent = get("tangent")


@pytest.mark.parametrize("f, x0, slope", [
    ("x^2", 1.0, 2.0), ("x^3-x", 2.0, 11.0), ("sin(x)", 0.4, math.cos(0.4)),
    ("exp(x)", -1.0, math.exp(-1.0)), ("abs(x)", -2.0, -1.0),
])
def test_exact_slope(f, x0, slope):
    scene = Tangent({"f": f, "x0": x0})
    assert scene.slope == pytest.approx(slope, rel=1e-14)
    assert scene.has_derivative


def test_h_shrinks_geometrically_and_stops_at_its_floor():
    scene = Tangent({"h": 1.0})
    hs = []
    for _ in range(60):
        hs.append(scene.h)
        scene.step()
    assert hs[:4] == [1.0, 0.5, 0.25, 0.125]
    assert min(hs) == pytest.approx(1e-12) and scene.h == pytest.approx(1e-12)
    assert scene.t < 60


def test_the_secant_turns_into_the_tangent():
    scene = Tangent({"f": "sin(x)", "x0": 0.5, "scheme": "forward"})
    errors = []
    for _ in range(12):
        errors.append(scene.data()["error"])
        scene.step()
    assert all(b < a for a, b in zip(errors, errors[1:]))
    assert errors[-1] / errors[-2] == pytest.approx(0.5, rel=0.01)  # O(h)


def test_central_error_falls_four_times_per_halving():
    scene = Tangent({"f": "exp(x)", "x0": 0.0, "scheme": "central", "h": 0.1})
    e0 = scene.data()["error"]
    scene.step()
    assert scene.data()["error"] / e0 == pytest.approx(0.25, rel=0.01)


def test_abs_at_zero_has_no_derivative():
    scene = Tangent({"f": "abs(x)", "x0": 0.0})
    assert not scene.has_derivative
    assert (scene.left_slope, scene.right_slope) == (-1.0, 1.0)
    assert scene.readout()["f′(x₀)"] == T("does not exist", "不存在")
    assert "disagree" in scene.notes()[0].en
    assert "导数不存在" in scene.notes()[0].zh
    labels = [tr(s.label, "en") for s in scene.draw(120, 40).panels[0].series if isinstance(s, Line)]
    assert "tangent" not in labels


def test_the_error_panel_shows_the_v():
    scene = Tangent({"f": "exp(x)", "x0": 1.0})
    err_panel = scene.draw(120, 40).panels[1]
    line = next(s for s in err_panel.series if isinstance(s, Line) and tr(s.label, "en") == "error")
    i = int(np.nanargmin(np.where(line.y > 0, line.y, np.inf)))
    assert 1e-10 < line.x[i] < 1e-6            # bottom of the V near √eps
    assert line.y[0] > 100 * line.y[i]          # rounding on the left
    assert line.y[-1] > 100 * line.y[i]         # truncation on the right


def test_undefined_point_is_named():
    scene = Tangent({"f": "log(x)", "x0": -1.0})
    assert [n.en for n in scene.notes()] == ["f is not defined at x₀"]


def test_a_vanishing_leading_term_is_named():
    """sin at 0: f''(0) = 0, so the forward error falls like h², and the note says why."""
    scene = Tangent({"f": "sin(x)", "x0": 0.0})
    assert any("leading" in n.en for n in scene.notes())
    assert not any("leading" in n.en for n in Tangent({"f": "sin(x)", "x0": 1.0}).notes())


def test_no_rounding_note_when_the_quotient_is_exact():
    """x² at 1, h = 2⁻³⁸: (1+h)² rounds to 1 + 2h, so the quotient is exactly 2; a note that
    rounding dominates would sit beside "error 0"."""
    scene = Tangent({"f": "x^2", "x0": 1.0})
    for _ in range(38):
        scene.step()
    assert scene.h == 2.0 ** -38 and scene.data()["error"] == 0.0
    assert not any("rounding" in n.en for n in scene.notes())


@pytest.mark.parametrize("f, left, right, phrase", [
    ("abs(x)", -1.0, 1.0, "disagree"),
    ("x^(1/3)", math.inf, math.inf, "vertical tangent"),
    ("sqrt(x)", math.nan, math.inf, "not defined to the left"),
    ("sqrt(1-cos(x))", -math.sqrt(0.5), math.sqrt(0.5), "disagree"),
])
def test_one_sided_slopes_are_true_limits(f, left, right, phrase):
    """Limits of f′ from each side (closed forms: sqrt(1−cos x) = √2·|sin(x/2)|), not f′(x₀ ± ε)."""
    scene = Tangent({"f": f, "x0": 0.0})
    assert not scene.has_derivative
    for got, want in ((scene.left_slope, left), (scene.right_slope, right)):
        assert (math.isnan(got) and math.isnan(want)) or got == pytest.approx(want, rel=1e-12)
    assert phrase in scene.notes()[0].en


def test_a_kink_that_is_smooth_enough_has_its_derivative():
    scene = Tangent({"f": "x*abs(x)", "x0": 0.0})
    assert scene.has_derivative and scene.slope == 0.0


@pytest.mark.parametrize("f, x0, eps, delta", [
    ("x^2", 1.0, 0.1, 0.1),                                   # Q − 2 = h
    ("x^3", 1.0, 0.1, (math.sqrt(9.4) - 3) / 2),              # Q − 3 = 3h + h²
    ("sin(x)", 0.0, 0.01, None),                              # root of 1 − sin δ/δ = ε
    ("abs(x)", 0.0, 0.5, math.nan),                           # no δ: the one-sided limits differ
])
def test_the_epsilon_view_finds_the_largest_delta(f, x0, eps, delta):
    if delta is None:  # solve 1 − sin(δ)/δ = ε by bisection here, independently
        lo, hi = 1e-3, 1.0
        for _ in range(200):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if 1 - math.sin(mid) / mid < eps else (lo, mid)
        delta = lo
    scene = Tangent({"view": "epsilon", "f": f, "x0": x0, "eps": eps})
    got = scene.export()["data"]["delta"]
    if math.isnan(delta):
        assert got is None and "does not exist" in readout_text(scene)
    else:
        assert got == pytest.approx(delta, rel=1e-10)


def test_the_epsilon_view_halves_epsilon_and_delta_follows():
    scene = Tangent({"view": "epsilon", "f": "x^2", "x0": 1.0, "eps": 0.5})
    deltas = []
    for _ in range(5):
        deltas.append(scene.delta.delta)
        scene.step()
    assert deltas == pytest.approx([0.5, 0.25, 0.125, 0.0625, 0.03125], rel=1e-10)
    assert not scene.matters("h") and scene.matters("eps")


def readout_text(scene) -> str:
    return " ".join(f"{tr(k, 'en')} {tr(v, 'en')}" for k, v in scene.readout().items())
