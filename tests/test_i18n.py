"""Every text a learner sees exists in English and Chinese, and Chinese mode shows no English
interface word (identifiers, formulas and proper names excepted)."""

from __future__ import annotations

import dataclasses
import re

import pytest

from calcterm.host.app import CalcTermApp
from calcterm.host.keys import SCENE_KEYS
from calcterm.params import Choice
from calcterm.plot import Figure
from calcterm.registry import scenes
from calcterm.text import T

from helpers import SCENE_IDS

ALLOWED = {
    # functions and operators as typed in formulas
    "sin", "cos", "tan", "exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu", "softplus",
    "cosh", "sinh", "atan", "flat", "max", "min", "argmax", "softmax", "det", "sign", "mod",
    "var", "std", "sup", "inf", "lim", "diag", "vec", "tr",
    # proper names and abbreviations a Chinese text writes in Latin letters
    "Adam", "AdaGrad", "RMSprop", "Nesterov", "Xavier", "He", "ReLU", "GELU", "SDE", "ODE",
    "SGD", "KL", "KS", "BFGS", "KKT", "SVM", "SMO", "ELBO", "VAE", "LICQ", "Rosenbrock",
    "Himmelblau", "Beale", "Lanczos", "Itô", "Stratonovich", "Riemann", "Simpson", "Jacobian",
    "Lagrange", "Euler", "Isomap", "Tissot", "Armijo", "Wolfe", "Gauss", "Kronrod", "BatchNorm",
    "LayerNorm", "PyTorch", "TensorFlow", "Hessian", "NaN", "MLP", "GEMM", "RK4", "calcterm",
    "float64", "float32", "SVG", "EN", "esc", "tab", "shift", "space", "enter", "Paley",
    "Wiener", "Zygmund", "Cauchy", "Hadamard", "Taylor", "Newton", "Dijkstra", "haversine",
    "limsup", "Slater", "Beltrami", "Legendre", "Sigmoid", "eig", "Santurkar", "REINFORCE",
    "Kronecker", "NumPy", "Clairaut", "Fisher", "Heron", "MDS", "cot", "rad", "AXB", "ravel",
    "Distill", "Polyak", "Boltzmann", "Gibbs", "Shannon", "Jensen", "Gaussian", "Bernoulli",
    # shape names in matrix formulas (batch × in, out × in)
    "batch", "out",
}


def texts_of(obj):
    """Every T inside a plain-data description (figures, readouts, notes)."""
    if isinstance(obj, T):
        yield obj
    elif isinstance(obj, (list, tuple)):
        for item in obj:
            yield from texts_of(item)
    elif isinstance(obj, dict):
        for k, v in obj.items():
            yield from texts_of(k)
            yield from texts_of(v)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for f in dataclasses.fields(obj):
            yield from texts_of(getattr(obj, f.name))


def scene_texts(cls) -> list[T]:
    found = [cls.title]
    if isinstance(cls.summary, T):
        found.append(cls.summary)
    for p in cls.params:
        found.append(p.help)
        found.extend(t for t in [p.short()] if isinstance(t, T))
        if isinstance(p, Choice):
            found.extend(v for v in p.labels.values() if isinstance(v, T))
    scene = cls()
    scene.finish_job()
    for _ in range(3):
        scene.step()
    found.append(scene.explain())
    found.extend(texts_of(scene.readout()))
    found.extend(scene.notes())
    found.extend(texts_of(scene.draw(120, 40)))
    return found


@pytest.mark.parametrize("scene_id", SCENE_IDS)
def test_every_text_has_both_languages(scene_id):
    cls = scenes()[scene_id]
    for text in scene_texts(cls):
        assert text.en.strip() and text.zh.strip(), text
        if re.search(r"[A-Za-z]{3,}", text.en) and not re.search(r"[\u4e00-\u9fff]", text.zh):
            words = set(re.findall(r"[A-Za-z]{3,}", text.zh)) - ALLOWED
            assert not words, f"{scene_id}: {text.zh!r} is not Chinese"


def test_every_key_is_described_in_both_languages():
    for key in SCENE_KEYS:
        assert key.footer.en and key.footer.zh
        if key.shown:
            assert key.help.en and key.help.zh and key.help.en != key.help.zh


def english_words(text: str, identifiers: set[str]) -> set[str]:
    words = set(re.findall(r"(?<![\w^_/.])[A-Za-z][A-Za-z]{2,}(?![\w(])", text))
    return {w for w in words if w not in ALLOWED and w not in identifiers}


def screen_text(app) -> str:
    from textual.widgets import Static

    from calcterm.host.params_panel import ParamRow
    from calcterm.host.plot_view import PlotView

    parts = [str(app.screen.query_one(PlotView).render())]
    parts += [str(w.render()) for w in app.screen.query(Static)]
    parts += [str(w.render()) for w in app.screen.query(ParamRow)]
    parts += [b.binding.description for b in app.screen.active_bindings.values() if b.binding.show]
    return "\n".join(parts)


@pytest.mark.parametrize("scene_id", SCENE_IDS)
async def test_chinese_mode_shows_no_english_interface_word(scene_id):
    cls = scenes()[scene_id]
    scene = cls(seed=0)
    scene.finish_job()
    for _ in range(3):
        scene.step()
    identifiers = {p.name for p in cls.params} | {scene_id}
    for p in cls.params:  # what the user types: formulas, choice ids (as in `-s surface=custom`)
        identifiers |= set(re.findall(r"[A-Za-z]+", str(scene[p.name])))
        if isinstance(p, Choice):
            identifiers |= set(p.choices)
    app = CalcTermApp(lang="zh", scene=scene)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        words = english_words(screen_text(app), identifiers)
    assert not words, f"{scene_id} shows English in Chinese mode: {sorted(words)}"
