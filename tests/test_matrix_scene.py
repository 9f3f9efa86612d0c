"""The matrix scene: exported derivatives against differences written here, the slips, keys and looks."""

from __future__ import annotations

import json

import numpy as np
import pytest

from calcterm.compute.matrixcalc import IDENTITIES
from calcterm.export import dumps
from calcterm.headless import build
from calcterm.registry import get
from helpers import run_cli, soak
from pilot import plot_text, readout, select

Matrix = get("matrix")
KEYS = {"analytic", "numeric", "max_abs_error", "holds", "shapes", "article_formula_shape_ok", "speedup"}


def export(*settings: str, steps: int = 0) -> dict:
    scene = build("matrix", [tuple(s.split("=", 1)) for s in settings], steps=steps)
    return json.loads(dumps(scene.export()))["data"]


@pytest.mark.parametrize("identity", IDENTITIES)
@pytest.mark.parametrize("preset", ["article", "random"])
def test_every_identity_holds_and_exports_its_keys(identity, preset):
    data = export(f"identity={identity}", f"preset={preset}", "n=4")
    assert KEYS <= set(data)
    assert data["holds"] is True
    assert np.asarray(data["analytic"]).shape == np.asarray(data["numeric"]).shape
    assert data["max_abs_error"] < 1e-3 * (1 + np.max(np.abs(data["analytic"])))


def test_quadratic_gradient_against_a_difference_written_here():
    data = export("identity=quadratic", "preset=random", "n=5")
    scene = build("matrix", [("identity", "quadratic"), ("preset", "random"), ("n", "5")])
    A, x = scene.check.matrices["A"], scene.check.matrices["x"]
    h = 1e-6
    fd = [((x + h * e) @ A @ (x + h * e) - (x - h * e) @ A @ (x - h * e)) / (2 * h) for e in np.eye(5)]
    assert data["analytic"] == pytest.approx(fd, abs=1e-7)
    assert data["shapes"] == {"A": [5, 5], "x": [5]}


def test_batch_gradient_slip_with_the_article_shapes():
    data = export("identity=batch-grad")
    assert data["shapes"]["X"] == [2, 3] and data["shapes"]["W"] == [2, 3] and data["shapes"]["G"] == [2, 2]
    assert data["article_formula_shape_ok"] is False
    assert np.asarray(data["analytic"]).shape == (2, 3)          # ∂L/∂W has W's shape
    assert data["speedup"] is None


def test_row_major_vec_swaps_the_kronecker_factors():
    column = build("matrix", [("identity", "kron-vec"), ("order", "column")])
    row = build("matrix", [("identity", "kron-vec"), ("order", "row")])
    A, X, B = (column.check.matrices[k] for k in "AXB")
    assert np.allclose(column.check.analytic, np.kron(B.T, A))
    assert np.allclose(row.check.analytic, np.kron(A, B.T))
    assert np.allclose(row.check.analytic @ X.ravel(), (A @ X @ B).ravel())
    assert any("swap" in n.en for n in row.notes())


def test_h_halves_until_rounding_wins_and_the_story_ends():
    scene = Matrix({"identity": "logdet", "h": 0.01})
    errors = []
    while not scene.done:
        errors.append(scene.max_abs_error)
        scene.step()
    assert scene.t == 37 and scene.h == pytest.approx(0.01 * 0.5**37)
    assert errors[1] / errors[0] == pytest.approx(0.25, rel=0.05)     # truncation ∝ h²
    assert errors[-1] > 100 * min(errors)                               # rounding ∝ 1/h


def test_vectorize_matches_the_loop():
    data = export("identity=vectorize")
    assert data["holds"] and data["max_abs_error"] < 1e-12 and data["speedup"] > 0
    assert data["h"] is None


def test_relevance_of_parameters():
    assert Matrix({"identity": "kron-vec"}).matters("order") and not Matrix().matters("order")
    assert Matrix().matters("symmetric") and not Matrix({"identity": "batch-grad"}).matters("symmetric")
    assert not Matrix({"identity": "vectorize"}).matters("h")


def test_soak_at_the_heaviest_setting():
    scene = soak(Matrix(dict(Matrix.heaviest)), 5000, draw_every=500)
    assert scene.done and scene.data()["holds"]


def test_cli_export():
    result = run_cli("export", "matrix", "-s", "identity=trace", "-s", "preset=random", "--steps", "2")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["steps"] == 2 and KEYS <= set(doc["data"])
    assert doc["data"]["h"] == pytest.approx(0.0025)


async def test_identity_key_switches_the_identity():
    from calcterm.host.app import CalcTermApp

    app = CalcTermApp(scene=Matrix())
    async with app.run_test(size=(120, 40)) as pilot:
        scene = app.screen.scene
        before = plot_text(app)
        await select(pilot, "identity")
        await pilot.press("right")
        assert scene["identity"] == "frobenius" and scene["n"] == 3
        assert "2X" in readout(app) and plot_text(app) != before


async def test_n_key_changes_the_size():
    from calcterm.host.app import CalcTermApp

    app = CalcTermApp(scene=Matrix())
    async with app.run_test(size=(120, 40)) as pilot:
        scene = app.screen.scene
        await select(pilot, "n")
        await pilot.press("right")
        assert scene["n"] == 4 and scene["identity"] == "quadratic"
        assert "A 4×4" in readout(app)


def test_snapshot_80x24(snap_compare):
    """The batch gradient with the article's shapes, in a small terminal."""
    from calcterm.host.app import CalcTermApp

    scene = Matrix({"identity": "batch-grad"}, seed=0)
    for _ in range(3):
        scene.step()
    assert snap_compare(CalcTermApp(scene=scene), terminal_size=(80, 24))
