"""calcterm in a real pseudo-terminal, driven key by key as a person would."""

from __future__ import annotations

import re

import pytest

from calcterm.registry import scenes
from calcterm.text import section_text
from terminal import CALCTERM, Terminal

SIZES = [(120, 40), (80, 24)]


@pytest.fixture
def term_factory():
    made: list[Terminal] = []

    def make(*args: str, cols: int = 120, rows: int = 40, env=None) -> Terminal:
        term = Terminal([CALCTERM, *args], cols, rows, env)
        made.append(term)
        return term

    yield make
    for term in made:
        term.kill()


def restored(raw: bytes) -> bool:
    """The app left the alternate screen, showed the cursor and stopped mouse reporting."""
    tail = raw[-4000:]
    return b"\x1b[?1049l" in tail and b"\x1b[?25h" in tail and b"\x1b[?1000l" in tail


@pytest.mark.parametrize("cols, rows", SIZES, ids=[f"{c}x{r}" for c, r in SIZES])
def test_every_scene_from_the_picker_in_a_terminal(term_factory, cols, rows):
    """One session opens every scene from the picker in turn: parameters, play and pause, help,
    both languages, and escape back to the picker (which keeps its place, so ↓ reaches the next)."""
    term = term_factory(cols=cols, rows=rows)
    term.wait_for("choose a scene")
    for scene_id, cls in scenes().items():
        term.press("down", "enter")
        title, section = cls.display_title("en").split()[0], section_text(cls.section, "en").split(",")[0]
        first = re.compile(rf"\b{re.escape(cls.params[0].name)}\b")
        # the picker lists every title and section too: the status line is the scene's own
        term.wait_until(lambda text: title in text and section in text and "Play" in text
                        and "paused" in text and "step 0" in text and "choose a scene" not in text
                        and first.search(text) is not None,
                        f"{scene_id}: its title, section, status, the footer and the parameter "
                        f"{cls.params[0].name}")
        term.press("down", "right", "space")
        term.wait_until(lambda text: "playing" in text or "finished" in text, f"{scene_id}'s clock running")
        term.wait_until(lambda text: term.step() > 0, f"{scene_id} animating", timeout=60)
        term.press("space")
        term.wait_until(lambda text: "paused" in text or "finished" in text, f"{scene_id}'s clock stopped")
        term.press("?")
        term.wait_for("Keys", "play / pause")
        term.press("escape")
        term.wait_gone("play / pause")
        term.press("l")
        term.wait_for("播放")  # the footer's "Play", in Chinese
        term.press("l")
        term.wait_for("Play")
        term.press("escape")
        term.wait_for("choose a scene")
    term.press("q")
    assert term.wait_exit() == 0
    assert restored(bytes(term.raw))


def test_run_opens_the_scene_with_values_and_quits_cleanly(term_factory):
    term = term_factory("run", "tangent", "-s", "x0=0.5", "-s", "f=sin(x)")
    term.wait_for("Readout", "f′(x₀) exact")
    assert term.value_after("f′(x₀) exact") == "0.87758256189"  # cos(0.5) to 12 digits
    term.press("n", "n")
    term.wait_for("step 2")
    term.press("escape")  # the picker is built now, the cursor on the scene just left
    term.wait_for("choose a scene", "tangent")
    term.press("q")
    assert term.wait_exit() == 0 and restored(bytes(term.raw))


@pytest.mark.parametrize("how", ["NO_COLOR", "--no-color"])
def test_monochrome(term_factory, how):
    args = ("--no-color", "run", "tangent") if how == "--no-color" else ("run", "tangent")
    env = {"NO_COLOR": "1"} if how == "NO_COLOR" else None
    term = term_factory(*args, env=env)
    term.wait_for("Readout", "quotient")
    colours = {(c.fg, c.bg) for line in term.screen.buffer.values() for c in line.values()}
    greys = {fg for fg, _ in colours if fg != "default"}
    assert all(re.fullmatch(r"([0-9a-f]{2})\1\1", g) for g in greys), greys
    term.press("q")
    assert term.wait_exit() == 0


def test_sixteen_colour_terminal_stays_readable(term_factory):
    term = term_factory("run", "tangent", env={"TERM": "xterm"})
    screen = term.wait_for("Readout", "quotient", "Play")
    # without colours the series must still differ: each legend entry has its own line glyph
    glyphs = {name: glyph for glyph, name in
              re.findall(r"(\S\S) (f|secant h=1|tangent)(?=\s)", screen)}
    assert set(glyphs) == {"f", "secant h=1", "tangent"}, glyphs
    assert len(set(glyphs.values())) == 3, glyphs
    term.press("q")
    assert term.wait_exit() == 0


def test_too_small_then_enlarged(term_factory):
    term = term_factory("run", "tangent", cols=50, rows=15)
    term.wait_for("Enlarge the terminal")
    term.resize(120, 40)
    term.wait_for("Readout", "quotient")
    assert "Enlarge" not in term.text()
    term.press("q")
    assert term.wait_exit() == 0
