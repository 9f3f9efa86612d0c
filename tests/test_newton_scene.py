"""The newton scene: quadratic convergence on screen and every failure mode as a note."""

from __future__ import annotations

import json

import numpy as np
import pytest

from calcterm.export import dumps
from calcterm.registry import get
from calcterm.render import render
from calcterm.text import tr

Newton = get("newton")


def run(values, count=60):
    with np.errstate(all="raise"):
        scene = Newton(values)
        for _ in range(count):
            scene.step()
        render(scene.draw(120, 40), 120, 40)
        doc = json.loads(dumps(scene.export()))
    return scene, doc["data"]


def test_default_converges_quadratically_and_gradient_descent_linearly():
    scene, data = run({}, 60)
    errors = data["errors"]
    assert errors[-1] <= 1e-15 and len(errors) <= 10
    assert data["status"] == "converged"
    big = [r for e, r in zip(errors, data["quadratic_ratios"]) if e > 1e-7 and r is not None]
    assert max(big) < 3
    gd = np.array(data["gd_errors"])
    ratios = gd[1:] / gd[:-1]
    middle = ratios[(gd[:-1] < 1e-3) & (gd[:-1] > 1e-12)]
    assert np.allclose(middle, data["gd_rate_expected"], rtol=0.02)
    assert set(data) >= {"iterates", "f_values", "errors", "gd_iterates"}


def test_one_iteration_per_step():
    scene = Newton({})
    seen = []
    for _ in range(3):
        seen.append(scene.data()["iterates"])
        scene.step()
    assert [len(x) for x in seen] == [1, 2, 3]
    assert seen[1][1] == pytest.approx(2.0 - 21.0 / 42.0)  # x − f′/f″ at 2: f′ = 21, f″ = 42


@pytest.mark.parametrize("values, phrase", [
    ({"f": "x^4-3*x^2+x", "x0": 0.5}, "downward parabola"),
    ({"f": "x^3-2*x+2", "x0": 0.0, "mode": "minimise"}, "f″(x_k) = 0"),
    ({"f": "x^2+1", "x0": 1.0, "mode": "root"}, "f′(x_k) = 0"),
    ({"f": "x^3-2*x+2", "x0": 0.0, "mode": "root"}, "cycle of period 2"),
    ({"f": "atan(x)", "x0": 2.0, "mode": "root"}, "diverged"),
    ({"f": "log(cosh(x))", "x0": 1.5}, "f″(x_k) = 0"),  # runs away until sech² underflows
    ({"f": "log(x)", "x0": 3.0, "mode": "root"}, "NaN or ∞"),
    ({"eta": 1.0}, "gradient descent diverged"),
    ({"f": "x^4", "x0": 1.0}, "degenerate"),
])
def test_failure_modes_are_named(values, phrase):
    steps = 1 if phrase == "downward parabola" else 60
    scene, data = run(values, steps)
    notes = scene.notes()
    assert any(phrase in note.en for note in notes), notes
    assert all(note.zh and note.zh != note.en for note in notes)


def test_converging_to_a_maximum_is_called_out():
    scene, data = run({"f": "x^4-3*x^2+x", "x0": 0.5})
    assert data["status"] == "converged"
    assert any("local maximum" in note.en for note in scene.notes())
    assert data["events"][0] == {"k": 0, "event": "concave"}


def test_no_target_is_said_and_exported_as_null():
    scene, data = run({"f": "x^2+1", "mode": "root", "x0": 2.0}, 3)
    assert data["x_star"] is None and data["non_finite"]["data.x_star"] == "nan"
    assert any("no sign change" in note.en for note in scene.notes())
    assert tr(scene.readout()["x*"], "en") == "not found"


def test_root_mode_compares_gradient_descent_on_half_the_squared_residual():
    scene, data = run({"f": "x^3-2*x+2", "mode": "root", "x0": -1.0, "eta": 0.01})
    root = data["x_star"]
    assert root == pytest.approx(-1.7692923542386314, rel=1e-15)
    assert abs(data["gd_iterates"][-1] - root) < abs(-1.0 - root)


def test_compare_off_has_no_gradient_descent():
    _, data = run({"compare": False}, 3)
    assert "gd_iterates" not in data


def _newton_minimise(x: float, steps: int = 60) -> float:
    """Newton's map for log(1+x²), written out independently: x ← −2x³/(1−x²)."""
    for _ in range(steps):
        if abs(x) > 1e6 or x * x == 1:
            return x
        x = -2 * x ** 3 / (1 - x * x)
    return x


@pytest.mark.parametrize("x0", [0.5, 0.57, 0.58, 0.7, 0.9])
def test_log1p_square_runs_away_beyond_one_over_root_three(x0):
    """The explanation says Newton on log(1+x²) runs away from every |x₀| > 1/√3 ≈ 0.577."""
    _, data = run({"f": "log(1+x^2)", "x0": x0})
    converged = data["status"] == "converged" and abs(data["iterates"][-1]) < 1e-6
    assert converged == (x0 < 3 ** -0.5)
    assert (abs(_newton_minimise(x0)) < 1e-6) == converged


@pytest.mark.parametrize("x0", [-3.0, -1.5, 1.2, 3.0])
def test_newton_on_cosh_converges_from_everywhere(x0):
    _, data = run({"f": "cosh(x)", "x0": x0})
    assert data["status"] == "converged" and abs(data["iterates"][-1]) < 1e-12
