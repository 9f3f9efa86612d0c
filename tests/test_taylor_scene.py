"""The taylor scene: the order clock, error inside and outside the radius, honest notes."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from calcterm.compute.taylor import taylor_polynomial
from calcterm.export import dumps
from calcterm.registry import get

from texts import notes_in, readout_in
from calcterm.render import render

Taylor = get("taylor")


def steps(scene, count):
    for _ in range(count):
        scene.step()
    return scene


def test_order_grows_from_the_parameter_and_stops_at_30():
    scene = Taylor({"order": 25})
    orders = []
    for _ in range(8):
        orders.append(scene.n)
        scene.step()
    assert orders == [25, 26, 27, 28, 29, 30, 30, 30]
    assert scene.t == 5


def test_export_holds_the_promised_numbers():
    scene = steps(Taylor({"f": "exp(x)", "a": 1.0}), 4)
    data = json.loads(dumps(scene.export()))["data"]
    assert data["a"] == 1.0 and data["order"] == 4
    np.testing.assert_allclose(data["coefficients"], [math.e / math.factorial(k) for k in range(5)])
    assert data["max_error"] > 0
    assert data["radius_estimate"] is None and data["non_finite"]["data.radius_estimate"] == "inf"
    assert readout_in(scene)["R estimated"] == "∞"


def test_error_shrinks_inside_the_radius_and_grows_outside():
    scene = Taylor({"f": "1/(1+x^2)", "a": 0.0, "order": 4})
    inside, outside = [], []
    for _ in range(10):
        c = scene.coefficients
        inside.append(abs(taylor_polynomial(c, 0.0, np.array([0.6]))[0] - 1 / 1.36))
        outside.append(abs(taylor_polynomial(c, 0.0, np.array([1.4]))[0] - 1 / 2.96))
        scene.step()
        scene.step()  # even orders only: the odd coefficients are 0
    assert all(b < a for a, b in zip(inside, inside[1:]))
    assert all(b > a for a, b in zip(outside, outside[1:]))
    assert any("poles ±i" in note for note in notes_in(scene))
    assert readout_in(scene)["R true"] == "√(1+a²) = 1"


@pytest.mark.parametrize("a", [-2.0, 0.5, 2.0])
def test_log_preset_radius_in_the_readout(a):
    scene = Taylor({"f": "log(1+x)", "a": a, "order": 30})
    if a <= -1:
        assert "not defined" in notes_in(scene)[0]
        assert readout_in(scene)["R estimated"] == "—"
    else:
        assert float(readout_in(scene)["R estimated"]) == pytest.approx(1 + a, rel=0.01)


def test_flat_function_is_smooth_but_not_analytic_at_zero():
    scene = steps(Taylor({"f": "flat(x)", "a": 0.0}), 10)
    assert not scene.coefficients.any()
    assert readout_in(scene)["R true"] == "T ≡ 0 = f only at 0"
    assert any("equals f only at x = 0" in note for note in notes_in(scene, "en"))
    assert any("光滑不等于解析" in note for note in notes_in(scene, "zh"))
    assert scene.data()["max_error"] == pytest.approx(math.exp(-1 / 4))


def test_missing_derivative_is_a_note_not_an_exception():
    with np.errstate(all="raise"):
        scene = steps(Taylor({"f": "abs(x)", "a": 0.0}), 3)
        render(scene.draw(100, 30), 100, 30)
        json.loads(dumps(scene.export()))
    assert "no derivative of order 1" in notes_in(scene)[0]


def test_polynomial_is_clipped_to_the_view():
    scene = Taylor({"f": "1/(1+x^2)", "window": 6.0, "order": 30})
    top = scene.draw(120, 40).panels[0]
    lo, hi = top.ylim
    tn = top.series[1].y
    assert tn.max() <= hi + (hi - lo) and tn.min() >= lo - (hi - lo)


def test_a_poor_radius_estimate_is_called_poor():
    """exp(1/(x−2)) at 0: the true radius is 2 (an essential singularity at 2); the slope of
    log|c_k| over 30 orders says about 0.82, while the error stays below 1e-3 out to 1.7."""
    scene = Taylor({"f": "exp(1/(x-2))", "window": 2.0})
    for _ in range(30):
        scene.step()
    assert scene.estimate.radius < 1.0 and scene.good_radius() > 1.5
    notes = notes_in(scene)
    assert any("poor" in n for n in notes) and not any("seems to diverge" in n for n in notes)


def test_a_good_estimate_is_not_called_poor():
    scene = Taylor({"f": "1/(1+x^2-2*x)", "window": 2.0})
    for _ in range(30):
        scene.step()
    assert not any("poor" in n for n in notes_in(scene))
