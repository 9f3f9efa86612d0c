"""The descent scene: theory beside measurement, divergence named, surfaces, race mode, the
second-order methods against closed forms and the momentum map against its eigenvalues."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calcterm.compute.optimizers import METHODS as FIRST
from calcterm.export import dumps
from calcterm.headless import build
from calcterm.plot import Points
from calcterm.registry import get
from calcterm.text import tr

from texts import notes_in, readout_in
from calcterm.render import render

Descent = get("descent")
METHODS = (*FIRST, "newton", "newton-ls", "bfgs")


def run(values=None, steps=0):
    scene = Descent(values or {})
    for _ in range(steps):
        scene.step()
    return scene


def test_export_has_the_promised_keys():
    data = run({"optimizer": "race"}, 5).data()
    for key in ("paths", "losses", "L", "mu", "theoretical_rate", "measured_rate", "diverged"):
        assert key in data
    assert set(data["paths"]) == set(METHODS), "the race includes Newton, damped Newton and BFGS"
    assert all(len(data["paths"][m]) == 6 for m in FIRST)
    assert len(data["paths"]["newton"]) <= 3 and data["status"]["newton"] == "converged"
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

    assert set(STYLE) == set(METHODS)
    markers = [STYLE[m][1] for m in METHODS]
    assert len(set(markers)) == len(METHODS), "every racer has its own marker"
    assert len({STYLE[m][0] for m in FIRST}) == len(FIRST), "six first-order hues"
    assert STYLE["bfgs"][0] not in {STYLE[m][0] for m in METHODS if m != "bfgs"}
    figure = run({"optimizer": "race"}, 3).draw(120, 40)
    for panel in figure.panels:  # the map and the loss panel both name every racer
        labels = [tr(s.label, "en") for s in panel.series]
        for name in ("GD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam", "Newton",
                     "damped Newton", "BFGS"):
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
    assert race.matters("eta") and race.matters("schedule")


@pytest.mark.parametrize("optimizer", ["newton", "newton-ls"])
def test_newton_dims_what_it_does_not_read(optimizer):
    """Newton's step is −H⁻¹∇f: no η, no schedule, no averages."""
    scene = Descent({"optimizer": optimizer, "schedule": "inverse"})
    for name in ("eta", "schedule", "lam", "beta", "beta2"):
        assert not scene.matters(name), name
    assert scene.matters("x0") and scene.matters("kappa") and scene.matters("optimizer")
    changed = Descent({"optimizer": optimizer, "eta": 0.5, "schedule": "inverse", "beta": 0.3,
                       "beta2": 0.6, "lam": 0.9})
    for _ in range(5):
        scene.step()
        changed.step()
    assert np.array_equal(scene.runs[optimizer].path, changed.runs[optimizer].path)


def test_bfgs_reads_eta_as_its_first_inverse_hessian_and_nothing_else():
    scene = Descent({"optimizer": "bfgs", "schedule": "inverse"})
    assert scene.matters("eta")
    for name in ("schedule", "lam", "beta", "beta2"):
        assert not scene.matters(name), name
    assert np.allclose(scene.runs["bfgs"].state.inverse, scene["eta"] * np.eye(2))
    assert readout_in(scene)["B₀"] == "0.1·I"


def test_the_rates_view_dims_what_the_map_does_not_use():
    scene = Descent({"view": "rates"})
    for name in ("optimizer", "schedule", "lam", "beta2", "f"):
        assert not scene.matters(name), name
    for name in ("eta", "beta", "kappa", "angle", "x0", "y0", "view", "surface"):
        assert scene.matters(name), name


# --- second-order methods -------------------------------------------------------------------

SECOND_KEYS = ("hessian_eigenvalues", "newton_step", "gradient", "step_angle", "step_lengths",
               "step_notes", "inverse_hessian_estimate", "inverse_hessian_error")
RATES_KEYS = ("eigenvalues", "eigenvectors", "alpha", "rate_at_setting", "stability_eta",
              "alpha_star", "beta_star", "eta_star", "rate_star", "gd_alpha_star", "gd_rate",
              "eigen_errors", "rate_map")


def quadratic_formula(A: np.ndarray, b: np.ndarray) -> str:
    """½xᵀAx − bᵀx typed as a formula in x and y (so the engine must find its Hessian)."""
    a, c, d = float(A[0, 0]), float(A[0, 1]), float(A[1, 1])
    return f"0.5*({a!r})*x^2 + ({c!r})*x*y + 0.5*({d!r})*y^2 - ({float(b[0])!r})*x - ({float(b[1])!r})*y"


@settings(max_examples=60, deadline=None)
@given(st.floats(1.0, 1000.0), st.floats(-90.0, 90.0), st.floats(-5.0, 5.0), st.floats(-5.0, 5.0))
def test_newton_lands_on_the_minimum_in_one_step_on_the_quadratic(kappa, angle, x0, y0):
    for optimizer in ("newton", "newton-ls"):
        scene = run({"optimizer": optimizer, "kappa": kappa, "angle": angle, "x0": x0, "y0": y0}, 1)
        path = scene.runs[optimizer].path  # one point only if it started on the minimum
        assert np.allclose(path[-1], 0.0, atol=1e-12 * (1 + abs(x0) + abs(y0))) and len(path) <= 2


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_newton_lands_in_one_step_on_random_typed_quadratics(seed):
    """A random SPD matrix and linear term, typed as f: the Hessian comes from the engine."""
    rng = np.random.default_rng(seed)
    Q, _ = np.linalg.qr(rng.standard_normal((2, 2)))
    A = Q @ np.diag(rng.uniform(0.2, 30.0, 2)) @ Q.T
    b = rng.uniform(-3, 3, 2)
    x0, y0 = rng.uniform(-4, 4, 2)
    scene = Descent({"f": quadratic_formula(A, b), "optimizer": "newton", "x0": x0, "y0": y0})
    scene.step()
    assert np.allclose(scene.runs["newton"].path[1], np.linalg.solve(A, b), rtol=1e-9, atol=1e-9)
    data = scene.data()
    assert np.allclose(sorted(data["hessian_eigenvalues"]["newton"]), np.linalg.eigvalsh(A), rtol=1e-9)


@pytest.mark.parametrize("kappa, angle, eta", [(10.0, 30.0, 0.1), (300.0, -70.0, 0.003), (2.0, 5.0, 1.5)])
def test_bfgs_hessian_estimate_converges_to_the_true_hessian_on_the_quadratic(kappa, angle, eta):
    scene = run({"optimizer": "bfgs", "kappa": kappa, "angle": angle, "eta": eta})
    H = scene.surface.hessian(0.0, 0.0)
    first = scene.data()["inverse_hessian_error"]
    inverse = np.linalg.inv(H)
    assert first == pytest.approx(np.linalg.norm(eta * np.eye(2) - inverse) / np.linalg.norm(inverse))
    scene.step()
    scene.step()
    data = scene.data()
    B = np.array(data["inverse_hessian_estimate"])
    assert np.allclose(np.linalg.inv(B), H, rtol=1e-7, atol=1e-7 * kappa)  # the Hessian itself
    assert data["inverse_hessian_error"] < 1e-8
    assert np.allclose(scene.runs["bfgs"].path[-1], 0.0, atol=1e-8)


@pytest.mark.parametrize("seed", range(6))
def test_damped_newton_decreases_f_monotonically_on_rosenbrock(seed):
    rng = np.random.default_rng(seed)
    x0, y0 = rng.uniform(-2.0, 2.0), rng.uniform(-1.0, 3.0)
    scene = run({"surface": "rosenbrock", "optimizer": "newton-ls", "x0": x0, "y0": y0})
    for _ in range(200):
        scene.step()
    values = scene.runs["newton-ls"].values
    assert np.all(np.diff(values) <= 0), "Armijo never lets f rise"
    assert np.allclose(scene.runs["newton-ls"].path[-1], (1.0, 1.0), atol=1e-6)
    assert scene.data()["status"]["newton-ls"] == "converged" and scene.done
    steps = scene.data()["step_lengths"]["newton-ls"]
    assert all(0 < a <= 1 and math.log2(a) == round(math.log2(a)) for a in steps), "α halves from 1"


def test_plain_newton_can_go_uphill_on_rosenbrock_where_damped_newton_cannot():
    """From (−1.2, 1) Newton's second full step lands far up the valley wall (f ≈ 1412)."""
    plain = run({"surface": "rosenbrock", "optimizer": "newton"}, 2)
    values = plain.runs["newton"].values
    assert values[2] > 50 * values[1]
    damped = run({"surface": "rosenbrock", "optimizer": "newton-ls"}, 2)
    assert np.all(np.diff(damped.runs["newton-ls"].values) < 0)
    assert damped.data()["step_lengths"]["newton-ls"][1] < 1  # the search cut that step


def test_newton_step_and_angle_against_numpy_on_the_quadratic():
    scene = run({"optimizer": "newton", "kappa": 20.0, "angle": 40.0})
    H = scene.surface.hessian(0.0, 0.0)
    p = np.array([-4.0, 3.0])
    g = H @ p
    data = scene.data()
    assert np.allclose(data["newton_step"]["newton"], -np.linalg.solve(H, g))
    assert np.allclose(data["newton_step"]["newton"], -p)  # straight to the minimum
    assert np.allclose(data["gradient"]["newton"], g)
    cos = (-p) @ (-g) / (np.linalg.norm(p) * np.linalg.norm(g))
    assert data["step_angle"]["newton"] == pytest.approx(math.degrees(math.acos(cos)))
    shown = readout_in(scene)
    assert shown["eig H"] == "(1, 20)" and "−H⁻¹∇f" in shown and "−∇f" in shown
    assert shown["angle between"] == f"{math.degrees(math.acos(cos)):.1f}°"


def test_newton_on_the_saddle_stops_there_and_says_it_is_no_minimum():
    scene = run({"surface": "saddle", "optimizer": "newton"}, 3)
    assert np.allclose(scene.runs["newton"].path[-1], 0.0) and scene.done
    assert readout_in(scene)["status"].startswith("at a saddle")
    assert "not PD" in readout_in(scene)["eig H"]
    assert any("not positive definite" in n and "saddle" in n for n in notes_in(scene))
    assert any("鞍点" in n for n in notes_in(scene, "zh"))


def test_damped_newton_on_the_saddle_falls_back_to_the_gradient_and_says_so():
    scene = run({"surface": "saddle", "optimizer": "newton-ls"}, 1)
    run_ = scene.runs["newton-ls"]
    g = scene.surface.grad_at(run_.path[0])
    step = run_.path[1] - run_.path[0]
    assert abs(step[0] * g[1] - step[1] * g[0]) < 1e-12 and step @ g < 0  # along −∇f
    assert scene.data()["step_notes"]["newton-ls"] == ["not-pd"]
    assert any("H not PD at step 1" in n and "−∇f" in n for n in notes_in(scene))
    assert run_.values[1] < run_.values[0]


def test_second_order_export_keys_and_strict_json():
    for optimizer in ("newton", "newton-ls", "bfgs", "race"):
        scene = build("descent", [("optimizer", optimizer), ("surface", "rosenbrock")], steps=4)
        data = json.loads(dumps(scene.export()))["data"]
        for key in SECOND_KEYS:
            assert key in data, (optimizer, key)
        assert data["view"] == "paths"
        second = [m for m in data["optimizers"] if m in ("newton", "newton-ls", "bfgs")]
        assert set(data["hessian_eigenvalues"]) == set(second)
        assert (data["inverse_hessian_error"] is None) == ("bfgs" not in second)
    assert build("descent", []).data()["hessian_eigenvalues"] == {}


# --- the momentum map ---------------------------------------------------------------------------

@pytest.mark.parametrize("kappa, eta, beta", [(10.0, 0.1, 0.9), (100.0, 0.05, 0.5), (1.0, 0.5, 0.0),
                                              (1000.0, 0.0316, 0.88)])
def test_momentum_map_numbers_against_closed_forms(kappa, eta, beta):
    data = json.loads(dumps(build("descent", [("view", "rates"), ("kappa", str(kappa)),
                                              ("eta", str(eta)), ("beta", str(beta))], steps=40).export()))["data"]
    for key in RATES_KEYS:
        assert key in data, key
    mu, L = 1.0, kappa
    assert data["eigenvalues"] == pytest.approx([mu, L])
    assert data["alpha_star"] == pytest.approx((2 / (math.sqrt(L) + math.sqrt(mu))) ** 2)
    assert data["beta_star"] == pytest.approx(((math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1)) ** 2)
    assert data["rate_star"] == pytest.approx((math.sqrt(kappa) - 1) / (math.sqrt(kappa) + 1))
    assert data["gd_rate"] == pytest.approx((kappa - 1) / (kappa + 1))
    assert data["eta_star"] == pytest.approx(data["alpha_star"] / (1 - data["beta_star"]))
    assert data["eta_star"] == pytest.approx(1 / math.sqrt(mu * L))
    alpha = eta * (1 - beta)
    assert data["alpha"] == pytest.approx(alpha)
    blocks = [np.array([[1 + beta - alpha * lam, -beta], [1, 0]]) for lam in (mu, L)]
    assert data["rate_at_setting"] == pytest.approx(max(np.abs(np.linalg.eigvals(M)).max() for M in blocks),
                                                    rel=1e-6, abs=1e-6)
    assert data["stability_eta"] == pytest.approx(2 * (1 + beta) / (L * (1 - beta)))
    errors = np.array(data["eigen_errors"])
    e0 = errors[0]
    for i, M in enumerate(blocks):
        for k in (1, 7, len(errors) - 1):
            expected = (np.linalg.matrix_power(M, k) @ [e0[i], e0[i]])[0]
            assert errors[k, i] == pytest.approx(expected, rel=1e-8, abs=1e-10 * abs(e0).max())
    grid = data["rate_map"]
    for j, i in ((0, 0), (10, 30), (len(grid["beta"]) - 1, len(grid["eta"]) - 1)):
        b, a = grid["beta"][j], grid["eta"][i] * (1 - grid["beta"][j])
        worst = max(np.abs(np.linalg.eigvals(np.array([[1 + b - a * lam, -b], [1, 0]]))).max() for lam in (mu, L))
        assert grid["rho"][j][i] == pytest.approx(worst, rel=1e-6, abs=1e-6)


def test_momentum_at_the_optimum_beats_gradient_descent_as_promised():
    """At (η*, β*) the run's error falls like ((√κ−1)/(√κ+1))^k, GD's best like ((κ−1)/(κ+1))^k."""
    kappa = 100.0
    best = Descent({"view": "rates", "kappa": kappa}).rates.best
    scene = Descent({"view": "rates", "kappa": kappa, "eta": best.eta, "beta": best.beta})
    for _ in range(150):
        scene.step()
    e = np.abs(scene.rates.errors()).max(axis=1)
    seen = (e[150] / e[100]) ** (1 / 50)
    assert seen == pytest.approx(best.rate, rel=0.05)
    assert seen < best.gd_rate


def test_rates_view_lives_on_the_quadratic():
    scene = Descent({"surface": "rosenbrock"})
    scene.set("view", "rates")
    assert scene["surface"] == "quadratic" and scene.view == "rates"
    assert (scene["x0"], scene["y0"]) == (-4.0, 3.0)
    scene.set("surface", "beale")
    assert scene["view"] == "paths"
    clash = Descent({"view": "rates", "surface": "himmelblau"})
    assert clash.view == "paths"
    assert any("needs surface = quadratic" in n for n in notes_in(clash))


def test_a_click_on_the_map_picks_eta_and_beta():
    scene = Descent({"view": "rates"})
    assert scene.pick(0, 0.3, 0.27) == {"eta": 0.3, "beta": 0.27}
    assert scene.pick(1, 3.0, 0.5) == {}
    assert Descent().pick(0, 1.0, 2.0) == {"x0": 1.0, "y0": 2.0}


def test_rates_view_draws_the_map_and_marks_the_optimum():
    scene = run({"view": "rates", "kappa": 100.0}, 20)
    figure = scene.draw(120, 40)
    assert len(figure.panels) == 2
    left = figure.panels[0]
    assert left.xscale == "log" and left.xlim == (1e-4, 3.0) and left.ylim == (0.0, 0.99)
    star = next(s for s in left.series if isinstance(s, Points) and tr(s.label, "en").startswith("optimum"))
    assert star.x[0] == pytest.approx(1 / math.sqrt(100.0)) and star.y[0] == pytest.approx((9 / 11) ** 2)
    text = render(figure, 120, 40)
    assert "optimum" in text and "★" in text and "λ = L" in text
    shade = next(s for s in left.series if type(s).__name__ == "Shade")
    density = shade.where(np.array([star.x[0], 1e-4, 3.0]), np.array([star.y[0], 0.5, 0.0]))
    assert density[0] == pytest.approx(1.0) and density[1] < 0.01 and density[2] == 0.0  # best, crawl, diverge
    for size in ((80, 24), (60, 20), (46, 23)):
        render(scene.draw(*size), *size)


def test_rates_story_ends_when_the_error_is_gone_or_diverged():
    scene = Descent({"view": "rates", "eta": 0.3, "beta": 0.27})
    while not scene.done:
        scene.step()
    assert scene.t < 200 and scene.rates.finished
    wild = Descent({"view": "rates", "eta": 3.0, "beta": 0.0})
    while not wild.done:
        wild.step()
    assert wild.runs["momentum"].diverged
    assert any("ρ ≥ 1" in n for n in notes_in(wild))


def test_slip_23_is_in_the_explanation_in_both_languages():
    text = Descent().explain()
    assert "√G" in text.en and "1/|g|" in text.en and "diag(G)⁻¹" in text.en
    assert "√G" in text.zh and "1/|g|" in text.zh
    assert Descent({"view": "rates"}).explain().en.startswith("The momentum map")
    assert Descent({"optimizer": "bfgs"}).explain().en.startswith("Newton's method")


@pytest.mark.parametrize("values", [{"optimizer": "newton"}, {"optimizer": "newton-ls", "surface": "saddle"},
                                    {"optimizer": "bfgs", "surface": "rosenbrock"}, {"optimizer": "race"},
                                    {"view": "rates"}, {"view": "rates", "eta": 3.0, "beta": 0.0},
                                    {"view": "rates", "surface": "beale"},
                                    {"surface": "saddle", "optimizer": "newton"}])
def test_every_new_text_is_bilingual_and_chinese_has_no_english_word(values):
    import re

    from test_i18n import ALLOWED, texts_of

    scene = Descent(values)
    for _ in range(4):
        scene.step()
    found = [scene.explain(), *texts_of(scene.readout()), *scene.notes(), *texts_of(scene.draw(120, 40))]
    found += [v for p in Descent.params for v in getattr(p, "labels", {}).values()] + [p.help for p in Descent.params]
    for text in (t for t in found if hasattr(t, "zh")):
        assert text.en.strip() and text.zh.strip(), text
        identifiers = {p.name for p in Descent.params}
        identifiers |= {c for p in Descent.params for c in getattr(p, "choices", ())}
        words = set(re.findall(r"[A-Za-z]{3,}", text.zh)) - ALLOWED - identifiers
        assert not words, (values, text.zh)


@pytest.mark.parametrize("values", [{"view": "rates", "eta": 1e-4, "beta": 0.0},
                                    {"view": "rates", "kappa": 1000.0, "eta": 3.0, "beta": 0.99},
                                    {"optimizer": "newton", "f": "x^4+y^4"},
                                    {"optimizer": "bfgs", "surface": "beale", "eta": 3.0}])
def test_soak_to_the_end_of_the_story(values):
    """Run each new setting until its story ends (at most 5000 steps) and draw it cleanly."""
    with np.errstate(all="raise"):
        scene = Descent(values)
        while not scene.done:
            scene.step()
        assert scene.t <= 5000
        for size in ((120, 40), (80, 24)):
            render(scene.draw(*size), *size)
        json.loads(dumps(scene.export()))
    assert "nan" not in " ".join(readout_in(scene).values()).lower()


def test_the_paragraph_about_the_chosen_optimizer_comes_first():
    assert Descent().explain().en.startswith("Each step moves the point")
    assert Descent({"optimizer": "adam"}).explain().en.startswith("Momentum averages")
    assert Descent({"optimizer": "adam"}).explain().zh.startswith("动量法")
    assert Descent({"optimizer": "bfgs"}).explain().en.startswith("Newton's method")


def test_gd_on_the_default_quadratic_ends_its_story_once_settled():
    scene = Descent()
    while not scene.done:
        scene.step()
    path = scene.runs["gd"].path
    g0, g = (np.hypot(*scene.surface.grad_at(p)) for p in (path[0], path[-1]))
    assert scene.t < 1000 and g <= 1e-30 * g0 < np.hypot(*scene.surface.grad_at(path[-2]))
