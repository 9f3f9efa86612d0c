"""The autodiff scene: export keys, its numbers against closed forms, its story, soak and TUI."""

from __future__ import annotations

import json
import math
import unicodedata
import warnings

import numpy as np
import pytest

from calcterm.compute import autodiff_graphs as graphs
from calcterm.export import dumps
from calcterm.headless import build
from calcterm.registry import get
from helpers import fits_every_plot_size, soak
from texts import notes_in, readout_in

Autodiff = get("autodiff")

KEYS = {"nodes", "output", "gradient", "jacobian_forward", "jacobian_reverse", "passes",
        "tape_size", "phase"}
NODE_KEYS = {"id", "op", "args", "value", "tangents", "adjoint"}


def export(*settings: str, steps: int = 0) -> dict:
    """`calcterm export autodiff -s ... --steps N`, read back as strict JSON."""
    scene = build("autodiff", [tuple(s.split("=", 1)) for s in settings], steps=steps)
    return json.loads(dumps(scene.export()), parse_constant=pytest.fail)["data"]


def test_export_keys_for_every_graph():
    for graph in graphs.GRAPHS:
        data = export(f"graph={graph}", "n=50", "m=3")
        assert KEYS <= set(data), graph
        assert all(NODE_KEYS <= set(node) for node in data["nodes"]), graph
    assert {"bn_dx", "bn_dgamma", "bn_dbeta", "bn_dx_naive", "loss"} <= set(export("graph=batchnorm"))
    assert {"mlp_dW1", "mlp_dW2", "loss"} <= set(export("graph=mlp"))


def test_baydin_example_in_both_modes_and_the_node_trace():
    data = export()
    expected = [0.5 + 5.0, 2.0 - math.cos(5.0)]
    assert data["output"] == pytest.approx(math.log(2) + 10 - math.sin(5), abs=1e-14)
    assert data["gradient"] == pytest.approx(expected, abs=1e-15)
    assert data["jacobian_forward"] == data["jacobian_reverse"] == [data["gradient"]]
    assert data["passes"] == {"forward_mode": {"primal": 1, "tangent": 2, "backward": 0},
                              "reverse_mode": {"primal": 1, "backward": 1}}
    nodes = {n["id"]: n for n in data["nodes"]}
    assert nodes["x"]["adjoint"] == pytest.approx(5.5) and nodes["y"]["adjoint"] == pytest.approx(expected[1])
    assert nodes["v₂"]["op"] == "mul" and nodes["v₂"]["args"] == ["x", "y"] and nodes["v₂"]["value"] == 10
    assert nodes["v₂"]["tangents"] == [5.0, 2.0]  # ∂(xy) along e_x is y, along e_y is x
    assert data["tape_size"] == 7


def test_exported_numbers_do_not_depend_on_the_step_only_the_phase_does():
    first, later = export(), export(steps=9)
    assert first["phase"] == "primal" and later["phase"] == "backward"
    first.pop("phase"), later.pop("phase")
    assert first == later


def test_the_torch_preset_brings_the_articles_point_and_gradient():
    scene = Autodiff()
    scene.set("graph", "torch")
    assert (scene["x"], scene["y"]) == (1.0, 2.0)
    assert scene.data()["gradient"] == [2.0, 4.0]
    assert scene.data()["output"] == 5.0


def test_batchnorm_gradient_against_its_closed_form():
    for eps in ("0", "0.1"):
        data = export("graph=batchnorm", "x=0.3", "y=-2.5", f"eps={eps}")
        batch = np.array([0.3, -2.5, *graphs.BN_TAIL])
        m, sigma = batch.size, math.sqrt(batch.var() + float(eps))
        xhat = (batch - batch.mean()) / sigma
        g = graphs.BN_GAMMA * xhat + graphs.BN_BETA - np.array(graphs.BN_TARGET)
        closed = graphs.BN_GAMMA / (m * sigma) * (m * g - g.sum() - xhat * (g @ xhat))
        assert data["bn_dx"] == pytest.approx(closed, abs=1e-13)
        assert abs(sum(data["bn_dx"])) < 1e-13
        assert data["bn_dgamma"] == pytest.approx(g @ xhat) and data["bn_dbeta"] == pytest.approx(g.sum())
        assert data["bn_dx_naive"] == pytest.approx(graphs.BN_GAMMA * g / sigma)
        assert data["loss"] == pytest.approx(0.5 * np.sum(g * g))
    assert any("shifting the batch" in n for n in notes_in(build("autodiff", [("graph", "batchnorm")])))


def test_mlp_export_is_the_matrix_chain_rule():
    data = export("graph=mlp", "x=0.5", "y=-1")
    W1, b1, W2, b2 = graphs.mlp_weights(0)
    x = np.array([0.5, -1.0])
    h = np.tanh(W1 @ x + b1)
    r = W2 @ h + b2 - np.array(graphs.MLP_TARGET)
    assert np.allclose(data["mlp_dW2"], np.outer(r, h), atol=1e-14)
    assert np.allclose(data["mlp_dW1"], np.outer((W2.T @ r) * (1 - h * h), x), atol=1e-14)
    assert data["loss"] == pytest.approx(0.5 * r @ r)
    assert data["passes"]["forward_mode"]["tangent"] == 17 and data["passes"]["reverse_mode"]["backward"] == 1


def test_wide_graph_counts_n_forward_against_m_reverse_sweeps():
    data = export("graph=wide", "n=300", "m=2")
    assert data["passes"]["forward_mode"]["tangent"] == 300
    assert data["passes"]["reverse_mode"]["backward"] == 2
    J = np.array(data["jacobian_forward"])
    assert J.shape == (2, 300) and np.allclose(J, data["jacobian_reverse"], atol=1e-15)
    assert data["gradient"] is None  # two outputs: a Jacobian, not a gradient
    big = build("autodiff", [("graph", "wide"), ("n", "100000"), ("m", "1000")])
    assert big.data()["jacobian_forward"] is None and big.data()["dot_test"] < 1e-12
    assert big.passes()["forward_mode"]["tangent"] == 100_000


def test_forward_mode_fills_the_jacobian_a_column_per_sweep():
    scene = Autodiff({"mode": "forward"})
    phases = []
    while not scene.done:
        phases.append(scene.position[:2])
        scene.step()
    assert scene.t == 7 + 2 * 7  # a primal sweep and two tangent sweeps, one node per step
    assert phases[0] == ("primal", 0) and phases[7] == ("tangent", 0) and phases[14] == ("tangent", 1)
    reverse = Autodiff()
    while not reverse.done:
        reverse.step()
    assert reverse.t == 7 + 7


def test_reverse_step_names_the_sum_and_product_rules():
    scene = Autodiff()
    for _ in range(7 + 3):  # the primal sweep, then v₅, v₄, v₃ — next is v₂ = x·y
        scene.step()
    expected = "x\u0304 += v\u0304₂·y, y\u0304 += v\u0304₂·x (product rule)"
    assert readout_in(scene)["step"] == unicodedata.normalize("NFC", expected)
    assert readout_in(scene, "zh")["当前步"].endswith("（乘法法则）")
    scene.step()
    assert "(chain rule)" in readout_in(scene)["step"]
    assert "x\u0304 += v\u0304₁·1/x" in readout_in(scene)["step"]
    sweep = scene.sweep(0)
    assert sweep.at(3)[0][0] == pytest.approx(5.0) and sweep.at(4)[0][0] == pytest.approx(5.5)


def test_many_batched_sweeps_finish_in_bounded_steps():
    scene = Autodiff({"graph": "wide", "n": 5000, "mode": "forward"})
    while not scene.done:
        scene.step()
    assert scene.t < 4 * 4 + 40
    assert scene.position[1] == 5000


def test_a_large_graph_shows_only_the_ledger_and_the_jacobian():
    text = "+".join(f"sin({k}*x+y)" for k in range(1, 15))
    scene = Autodiff({"f": text})
    assert not scene.drawn and not scene.matters("edges")
    assert len(scene.draw(120, 40).panels) == 2
    assert any("too many to draw" in n for n in notes_in(scene))


def test_heavy_wide_graph_is_built_by_a_job_that_leaves_the_scene_alone():
    scene = Autodiff({"graph": "wide", "n": 50_000})
    assert scene.busy and scene.data() == {"phase": "building"}
    job = scene.job()
    result = job.run(lambda fraction: None)
    assert scene.busy, "running the job does not touch the scene"
    job.adopt(result)
    assert not scene.busy and scene.n == 50_000 and scene.job() is None


def test_relevance_of_parameters():
    scene = Autodiff()
    assert scene.matters("f") and not scene.matters("n") and not scene.matters("eps")
    wide = Autodiff({"graph": "wide"})
    assert wide.matters("n") and wide.matters("m") and not wide.matters("x")
    assert Autodiff({"graph": "batchnorm"}).matters("eps")


def test_undefined_point_is_named():
    scene = Autodiff({"f": "log(x)+y", "x": -1.0})
    assert "f is undefined at this point" in notes_in(scene)
    json.loads(dumps(scene.export()), parse_constant=pytest.fail)


def test_soak_at_the_heaviest_parameters():
    with warnings.catch_warnings(), np.errstate(all="raise"):  # building is strict too
        warnings.simplefilter("error")
        scene = build("autodiff", [(k, str(v)) for k, v in Autodiff.heaviest.items()])
    assert soak(scene).done


# ---------------------------------------------------------------- the TUI


async def test_mode_key_changes_only_the_mode_and_the_picture():
    from calcterm.host.app import CalcTermApp
    from pilot import plot_text, readout, select

    app = CalcTermApp(scene=Autodiff())
    async with app.run_test(size=(120, 40)) as pilot:
        scene = app.screen.scene
        before = dict(scene.values)
        for _ in range(9):
            await pilot.press("n")
        plot_before, numbers_before = plot_text(app), readout(app)
        assert "backward sweep 1" in plot_before
        await select(pilot, "mode")
        await pilot.press("right")
        assert scene["mode"] == "forward" and scene.t == 0
        assert {k: v for k, v in scene.values.items() if k != "mode"} == \
            {k: v for k, v in before.items() if k != "mode"}
        for _ in range(9):
            await pilot.press("n")
        assert "tangent sweep 1" in plot_text(app) and plot_text(app) != plot_before
        assert readout(app) != numbers_before


async def test_graph_key_loads_the_torch_point(snap_compare=None):
    from calcterm.host.app import CalcTermApp
    from pilot import select

    app = CalcTermApp(scene=Autodiff())
    async with app.run_test(size=(80, 24)) as pilot:
        scene = app.screen.scene
        await select(pilot, "graph")
        for _ in range(4):
            await pilot.press("right")
        assert scene["graph"] == "torch" and (scene["x"], scene["y"]) == (1.0, 2.0)
        assert scene.data()["gradient"] == [2.0, 4.0]


def test_snapshot_80x24(snap_compare):
    """The default graph at 80×24, ten steps in (inside the backward sweep)."""
    from calcterm.host.app import CalcTermApp

    scene = Autodiff(seed=0)
    for _ in range(10):
        scene.step()
    assert snap_compare(CalcTermApp(scene=scene), terminal_size=(80, 24))


def test_snapshot_batchnorm_120x40(snap_compare):
    """The BatchNorm graph at 120×40 with its backward sweep finished."""
    from calcterm.host.app import CalcTermApp

    scene = Autodiff({"graph": "batchnorm"}, seed=0)
    for _ in range(20):
        scene.step()
    assert snap_compare(CalcTermApp(scene=scene), terminal_size=(120, 40))


def test_every_plot_size_from_the_minimum_up_fits():
    fits_every_plot_size(build("autodiff", steps=12))
