"""The entropy scene: every view's export against closed forms, the article's ∞, the keys."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from calcterm.export import dumps
from calcterm.headless import build
from calcterm.registry import get

from helpers import run_cli, soak
from texts import notes_in, readout_in

Entropy = get("entropy")
LN2 = math.log(2)


def exported(steps=0, **settings):
    scene = build("entropy", [(k, str(v)) for k, v in settings.items()], steps=steps)
    return json.loads(dumps(scene.export()))["data"], scene


def test_kl_view_numbers_by_hand():
    data, scene = exported()
    assert {"H_p", "H_q", "cross_entropy", "kl_pq", "kl_qp", "kl_qp_infinite_terms", "terms_pq",
            "unit"} <= set(data)
    p, q = [0.7, 0.2, 0.1], [0.4, 0.4, 0.2]
    h_p = -sum(a * math.log(a) for a in p)
    ce = -sum(a * math.log(b) for a, b in zip(p, q))
    assert data["H_p"] == pytest.approx(h_p, rel=1e-14)
    assert data["H_q"] == pytest.approx(-sum(b * math.log(b) for b in q), rel=1e-14)
    assert data["cross_entropy"] == pytest.approx(ce, rel=1e-14)
    assert data["kl_pq"] == pytest.approx(ce - h_p, rel=1e-12)  # H(p,q) = H(p) + KL(p‖q)
    assert data["kl_qp"] == pytest.approx(sum(b * math.log(b / a) for a, b in zip(p, q)), rel=1e-12)
    np.testing.assert_allclose(data["terms_pq"], [a * math.log(a / b) for a, b in zip(p, q)], rtol=1e-14)
    np.testing.assert_allclose(data["entropy_gradient"], [-(math.log(a) + 1) for a in p], rtol=1e-14)
    assert data["unit"] == "nats" and data["kl_qp_infinite_terms"] == []
    shown = readout_in(scene)
    assert shown["H(p,q)"] == shown["H(p) + KL(p‖q)"] == f"{ce:.5g}"


def test_the_articles_pair_and_its_honest_infinity():
    data, scene = exported(p="article")  # choosing p = article brings q = (½, ½) along
    assert data["p"] == [1.0, 0.0] and data["q"] == [0.5, 0.5]
    assert data["kl_pq"] == pytest.approx(LN2, rel=1e-15)
    assert data["kl_qp"] is None and data["non_finite"]["data.kl_qp"] == "inf"
    assert data["kl_qp_infinite_terms"] == [1]
    assert data["terms_qp"][0] == pytest.approx(0.5 * math.log(0.5)) and data["terms_qp"][1] is None
    assert data["terms_pq"] == [pytest.approx(LN2), 0.0]  # 0·ln(0/½) counts 0
    text = " ".join(notes_in(scene))
    assert "0.5·ln(0.5/0)" in text and "ln(0/1)" not in text
    assert readout_in(scene)["KL(q‖p)"] == "∞"


def test_q_slides_to_p_and_kl_qp_stays_infinite_until_it_arrives():
    scene = Entropy({"p": "1, 0", "q": "0.5, 0.5"})
    for k in range(60):
        d = scene.data()
        assert math.isinf(d["kl_qp_t"]) and d["kl_pq_t"] == pytest.approx(-math.log(0.5 + 0.5 * k / 60))
        scene.step()
    d = scene.data()
    assert scene.done and d["t"] == 1.0 and d["kl_qp_t"] == 0.0 and d["kl_pq_t"] == 0.0
    assert d["kl_qp"] == math.inf, "the parameters' KL does not depend on the animation"


def test_bits_divide_by_ln2_and_lengths_are_padded():
    nats, _ = exported()
    bits, _ = exported(base="2")
    assert bits["unit"] == "bits"
    for key in ("H_p", "H_q", "cross_entropy", "kl_pq", "kl_qp"):
        assert bits[key] == pytest.approx(nats[key] / LN2, rel=1e-14)
    data, scene = exported(p="0.5, 0.3, 0.2", q="1, 1")
    assert data["q"] == [0.5, 0.5, 0.0] and data["kl_pq"] is None and data["kl_pq_infinite_terms"] == [2]
    assert any("differ in length" in n for n in notes_in(scene))


def test_softmax_gradient_at_step_zero_and_training():
    data, scene = exported(view="softmax")
    e = [math.exp(v) for v in (2.0, 1.0, 0.1)]
    q = [v / sum(e) for v in e]
    assert data["grad"][0] == pytest.approx(-0.3409988611140321, rel=1e-13)
    np.testing.assert_allclose(data["grad"], np.array(q) - [1, 0, 0], atol=1e-15)
    np.testing.assert_allclose(data["grad_fd"], data["grad"], atol=1e-9)
    assert data["loss"] == pytest.approx(-math.log(q[0]), rel=1e-14)
    losses = [scene.data()["loss"]]
    for _ in range(40):
        scene.step()
        losses.append(scene.data()["loss"])
    assert all(b < a for a, b in zip(losses, losses[1:]))
    z = np.array(scene.data()["z"])
    assert z.sum() == pytest.approx(3.1, abs=1e-12)  # Σ(q − y) = 0: the steps never move Σz


def test_smoothed_label_has_a_positive_floor():
    scene = Entropy({"view": "softmax", "smoothing": 0.2, "eta": 2.0})
    y = np.array([0.8 + 0.2 / 3, 0.2 / 3, 0.2 / 3])
    floor = -(y * np.log(y)).sum()
    for _ in range(300):
        assert scene.data()["loss"] >= floor - 1e-12
        scene.step()
    d = scene.data()
    assert d["floor"] == pytest.approx(floor) and d["loss"] == pytest.approx(floor, abs=1e-9)
    np.testing.assert_allclose(d["q"], y, atol=1e-6)


def test_label_past_the_last_class_is_clamped_and_named():
    data, scene = exported(view="softmax", label=7)
    assert data["label"] == 2 and data["y"] == [0.0, 0.0, 1.0]
    assert any("class 2" in n for n in notes_in(scene))


def test_maxent_newton_reaches_the_brandeis_answer():
    data, scene = exported(view="maxent", steps=6)
    assert data["lambda"] == pytest.approx(0.371048938, abs=1e-9)
    p = np.array(data["p"])
    i = np.arange(1, 7)
    assert p @ i == pytest.approx(4.5, abs=1e-12)
    np.testing.assert_allclose(np.diff(np.log(p)), data["lambda"], atol=1e-12)  # p ∝ e^{λi}
    assert data["entropy"] == pytest.approx(-(p * np.log(p)).sum(), rel=1e-14)
    assert data["entropy"] < math.log(6) == pytest.approx(data["entropy_uniform"])
    for rival in data["competitors"].values():
        assert np.array(rival["p"]) @ i == pytest.approx(4.5) and rival["entropy"] < data["entropy"]
    history = data["newton_history"]
    assert history[0] == 0.0 and len(history) == 6 and scene.done
    errors = [abs(h - history[-1]) for h in history[:-1]]
    assert errors[3] < errors[2] ** 2 * 10  # quadratic convergence


def test_maxent_mean_outside_the_faces_is_clamped():
    data, scene = exported(view="maxent", faces=4, mean=4.5, steps=3)
    assert data["mean"] == 4.0 and data["p"] == [0.0, 0.0, 0.0, 1.0]
    assert data["lambda"] is None and data["non_finite"]["data.lambda"] == "inf"
    assert data["entropy"] == 0.0
    assert any("m = 4" in n for n in notes_in(scene)) and any("point mass" in n for n in notes_in(scene))


def test_fits_cover_the_mass_or_seek_a_mode():
    scene = Entropy({"view": "fit", "fit_lr": 0.3})
    for _ in range(2000):
        scene.step()
        if scene.done:
            break
    d = scene.data()
    assert d["forward"]["m"] == pytest.approx(0.0, abs=1e-6)
    assert d["forward"]["s"] == pytest.approx(math.sqrt(10.0), rel=1e-6)  # s² = 1 + d²
    assert abs(d["reverse"]["m"] - 3.0) < 0.05 and abs(d["reverse"]["s"] - 1.0) < 0.05
    assert LN2 - 0.01 < d["reverse"]["kl"] < LN2
    assert d["h_forward"] == pytest.approx(0.5 * math.log(2 * math.pi * math.e * 10.0), rel=1e-6)


def test_negative_differential_entropy_is_named():
    scene = Entropy({"view": "fit", "s0": 0.1, "fit_lr": 0.001})
    d = scene.data()
    h = 0.5 * math.log(2 * math.pi * math.e) + math.log(0.1)
    assert h < 0 and d["h_forward"] == pytest.approx(h, rel=1e-14)
    assert any("negative" in n for n in notes_in(scene))


def test_relevance_follows_the_view():
    scene = Entropy()
    assert scene.matters("p") and scene.matters("base") and not scene.matters("z")
    scene.set("view", "softmax")
    assert scene.matters("z") and scene.matters("smoothing") and not scene.matters("p")
    scene.set("view", "maxent")
    assert scene.matters("mean") and scene.matters("base") and not scene.matters("d")
    scene.set("view", "fit")
    assert scene.matters("fit_lr") and not scene.matters("faces")


def test_cli_export_is_strict_json():
    out = run_cli("export", "entropy", "-s", "p=1, 0", "-s", "q=0.5, 0.5")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout, parse_constant=lambda c: pytest.fail(f"non-strict constant {c}"))
    assert doc["data"]["kl_qp"] is None and doc["data"]["non_finite"]["data.kl_qp"] == "inf"
    bad = run_cli("export", "entropy", "-s", "p=0.5, -0.5")
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1 and "p:" in bad.stderr


@pytest.mark.parametrize("view", ["kl", "softmax", "maxent", "fit"])
def test_soak_every_view(view):
    scene = soak(Entropy({"view": view, **({} if view != "fit" else dict(Entropy.heaviest))}),
                 5000, draw_every=500, until_done=True)
    assert scene.done
    for size in ((80, 24), (120, 40), (200, 60)):
        assert scene.draw(*size).panels


async def test_keys_change_one_parameter_at_a_time():
    from textual.widgets import Input

    from calcterm.host.app import CalcTermApp
    from calcterm.host.modals import ExpressionScreen
    from pilot import plot_text, readout, select

    app = CalcTermApp(scene=Entropy())
    async with app.run_test(size=(120, 40)) as pilot:
        scene = app.screen.scene
        await select(pilot, "q")
        await pilot.press("e")
        assert isinstance(app.screen, ExpressionScreen)
        app.screen.query_one(Input).value = "0.5, 0.5, 0"
        await pilot.press("enter")
        scene = app.screen.scene
        assert scene["q"] == "0.5, 0.5, 0" and scene["p"] == "0.7, 0.2, 0.1"
        await pilot.pause()
        assert "∞" in readout(app) and "∞" in plot_text(app)
        await select(pilot, "view")
        await pilot.press("right")
        assert scene["view"] == "softmax" and scene["q"] == "0.5, 0.5, 0"
        await pilot.pause()
        assert "q − y" in plot_text(app)


def test_snapshot_80x24(snap_compare):
    """The scene in a small terminal, 10 steps in."""
    from calcterm.host.app import CalcTermApp

    scene = get("entropy")({"p": "1, 0", "q": "0.5, 0.5"}, seed=0)
    for _ in range(10):
        scene.step()
    assert snap_compare(CalcTermApp(scene=scene), terminal_size=(80, 24))
