"""The descent scene: theory beside measurement, divergence named, surfaces and race mode."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from calcterm.compute.optimizers import METHODS
from calcterm.export import dumps
from calcterm.plot import Points
from calcterm.registry import get
from calcterm.text import tr

from texts import notes_in, readout_in
from calcterm.render import render

Descent = get("descent")


def run(values=None, steps=0):
    scene = Descent(values or {})
    for _ in range(steps):
        scene.step()
    return scene


def test_export_has_the_promised_keys():
    data = run({"optimizer": "race"}, 5).data()
    for key in ("paths", "losses", "L", "mu", "theoretical_rate", "measured_rate", "diverged"):
        assert key in data
    assert set(data["paths"]) == set(METHODS) and all(len(p) == 6 for p in data["paths"].values())
    assert data["L"] == 10.0 and data["mu"] == 1.0 and data["theoretical_rate"] == pytest.approx(0.9)
    assert data["diverged"] == {m: False for m in METHODS}


@pytest.mark.parametrize("kappa, angle", [(10.0, 30.0), (100.0, -60.0), (1.5, 0.0)])
def test_at_eta_one_over_L_each_step_contracts_within_the_bound(kappa, angle):
    scene = run({"kappa": kappa, "angle": angle, "eta": 1.0 / kappa})
    bound = scene.data()["theoretical_rate"]
    for _ in range(60):
        scene.step()
        rate = scene.measured_rate("gd")
        if math.isfinite(rate):
            assert rate <= bound + 1e-12
    loss = np.array(scene.data()["losses"]["gd"])
    assert np.all(loss[1:] <= bound ** np.arange(1, len(loss)) * loss[0] * (1 + 1e-9))


def test_just_above_two_over_L_gd_diverges_and_says_so():
    with np.errstate(all="raise"):
        scene = run({"eta": 0.202})  # L = 10, so 2/L = 0.2
        assert any("will diverge" in n for n in notes_in(scene))
        for _ in range(3000):
            scene.step()
        t = scene.t
        scene.step()
        assert scene.t == t, "the clock stops once every run has stopped"
        data = json.loads(dumps(scene.export()))
        text = render(scene.draw(120, 40), 120, 40)
    assert data["data"]["diverged"]["gd"] is True
    assert any("diverged" in n and "2/L" in n for n in notes_in(scene))
    assert "diverged" in readout_in(scene)["status"]
    assert "nan" not in " ".join(readout_in(scene).values()).lower()
    assert "diverged" in text
    assert any("发散" in n for n in notes_in(scene, "zh"))


def test_path_is_clipped_to_the_view():
    scene = run({"eta": 0.3}, 40)
    fig = scene.draw(120, 40)
    panel = fig.panels[0]
    (x0, x1), (y0, y1) = panel.xlim, panel.ylim
    for s in panel.series:
        if isinstance(s, Points):
            x, y = np.asarray(s.x), np.asarray(s.y)
            ok = np.isfinite(x)
            assert np.all((x[ok] >= x0) & (x[ok] <= x1) & (y[ok] >= y0) & (y[ok] <= y1))


def test_choosing_a_surface_brings_its_start_and_eta():
    scene = run()
    scene.set("surface", "rosenbrock")
    assert (scene["x0"], scene["y0"], scene["eta"]) == (-1.2, 1.0, 0.001)
    built = Descent({"surface": "himmelblau"})
    assert (built["x0"], built["y0"], built["eta"]) == (0.0, -0.5, 0.01)
    assert Descent({"surface": "himmelblau", "eta": 0.003})["eta"] == 0.003
    scene.set("surface", "quadratic")
    scene.set("kappa", 50.0)
    assert scene["eta"] == 0.1, "only a new surface moves η"


def test_typing_f_selects_the_custom_surface():
    scene = run()
    scene.set("f", "x^2 + 4*y^2 + x*y")
    assert scene["surface"] == "custom" and scene.loss_kind == "f - min seen"
    assert Descent({"f": "x^4+y^2"})["surface"] == "custom"
    scene.set("x0", 1.5)
    scene.set("f", "x^2 + y^2")
    assert scene["x0"] == 1.5, "editing f on the custom surface keeps the chosen start"
    for _ in range(30):
        scene.step()
    assert any("f* unknown" in n for n in notes_in(scene))
    assert scene.runs["gd"].values[-1] < scene.runs["gd"].values[0]


def test_saddle_escapes_and_plots_the_gradient_norm():
    scene = run({"surface": "saddle"}, 20)
    assert scene.loss_kind == "gradient norm"
    norms = scene.losses("gd")
    assert norms.argmin() not in (0, len(norms) - 1), "the gradient dips near the saddle, then grows"
    on_axis = run({"surface": "saddle", "y0": 0.0}, 200)
    assert np.allclose(on_axis.runs["gd"].path[-1], 0.0, atol=1e-12), "y = 0 stalls at the saddle"


@pytest.mark.parametrize("surface", ["quadratic", "rosenbrock", "himmelblau", "beale", "saddle", "custom"])
@pytest.mark.parametrize("optimizer", ["gd", "race"])
def test_every_surface_draws_cleanly(surface, optimizer):
    with np.errstate(all="raise"):
        scene = run({"surface": surface, "optimizer": optimizer}, 30)
        for size in ((120, 40), (46, 23)):
            render(scene.draw(*size), *size)
        json.loads(dumps(scene.export()))
    text = " ".join(readout_in(scene).values()) + " ".join(notes_in(scene))
    assert "nan" not in text.lower()


def test_race_styles_are_distinct_and_in_the_legend():
    from calcterm.scenes.descent import STYLE

    colors, markers = zip(*STYLE.values())
    assert len(set(colors)) == len(set(markers)) == len(METHODS)
    figure = run({"optimizer": "race"}, 3).draw(120, 40)
    for panel in figure.panels:  # the map and the loss panel both name every racer
        labels = [tr(s.label, "en") for s in panel.series]
        for name in ("GD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam"):
            assert any(label.startswith(name) for label in labels), (panel.title, labels)


def test_schedules_shrink_eta():
    scene = run({"schedule": "inverse", "lam": 0.5}, 4)
    assert readout_in(scene)["η_k"] == f"{0.1 / 3:.3g}"
    scene = run({"schedule": "exponential", "lam": 0.5}, 2)
    assert float(readout_in(scene)["η_k"]) == pytest.approx(0.1 * math.exp(-1), rel=1e-3)


def test_a_kink_is_not_called_undefined_f():
    """At a kink of |x| + 2|y| the function is defined; only its gradient is not."""
    scene = Descent({"f": "abs(x)+2*abs(y)", "x0": 0.5, "y0": 0.0})
    for _ in range(300):
        scene.step()
    notes = notes_in(scene)
    assert any("∇f is undefined" in n for n in notes)
    assert not any("where f is undefined" in n for n in notes)


def test_a_decaying_schedule_is_not_promised_divergence():
    scene = Descent({"eta": 0.3, "schedule": "exponential", "lam": 0.5})
    assert scene.settings.rate(0) * scene.L > 2
    notes = notes_in(scene)
    assert not any("will diverge" in n for n in notes)
    assert any("schedule brings" in n for n in notes)


def test_choosing_a_surface_loads_its_start_unless_given():
    assert Descent({"surface": "rosenbrock"})["x0"] == pytest.approx(-1.2)
    assert Descent({"surface": "rosenbrock", "x0": 0.5})["x0"] == 0.5
    assert Descent({"f": "x^2+y^2"})["surface"] == "custom"


def test_irrelevant_parameters_are_named():
    scene = Descent({"surface": "rosenbrock"})
    assert not scene.matters("kappa") and not scene.matters("f") and not scene.matters("beta")
    assert not scene.matters("lam")
    race = Descent({"optimizer": "race", "schedule": "inverse"})
    assert race.matters("beta") and race.matters("beta2") and race.matters("lam")
