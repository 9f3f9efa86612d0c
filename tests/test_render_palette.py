"""Colour roles: the old names map onto them, the CLI writes them legibly, and every Textual
theme gives every role a colour that stands out from its background."""

from __future__ import annotations

import numpy as np
import pytest
from textual.theme import BUILTIN_THEMES

from calcterm.palette import (ALIASES, RICH, ROLES, SGR, _rgb, contrast, legible, role, sgr,
                              theme_palette)
from calcterm.plot import ROLES as PLOT_ROLES
from calcterm.plot import Figure, Label, Line, Panel
from calcterm.render import layout, render


def test_plot_and_palette_agree_on_the_roles():
    assert PLOT_ROLES == ROLES and set(SGR) == set(ROLES) and set(RICH) == set(ROLES)


def test_every_old_colour_name_is_an_alias_of_a_role():
    for name in ("blue", "orange", "red+", "gray", "white", "yellow", "cyan", "green", "magenta",
                 "gold", "black", "default", "blue+", "green+", "cyan+", "orange+"):
        assert ALIASES[name] in ROLES
    assert role("primary") == "primary" and role("#123456") == "#123456"


def test_the_six_race_colours_of_descent_stay_six():
    race = ("red+", "orange", "gold", "blue+", "cyan+", "green+")
    assert len({role(c) for c in race}) == 6 and len({sgr(c) for c in race}) == 6


def test_contrast_matches_the_wcag_definition():
    assert contrast((0, 0, 0), (1, 1, 1)) == pytest.approx(21.0)
    assert contrast((0.5, 0.2, 0.9), (0.5, 0.2, 0.9)) == pytest.approx(1.0)
    # #777777 on white is the textbook 4.48:1
    assert contrast(_rgb("#777777"), (1, 1, 1)) == pytest.approx(4.48, abs=0.01)


def test_legible_moves_a_faint_colour_only_as_far_as_needed():
    white, black = (1.0, 1.0, 1.0), (0.0, 0.0, 0.0)
    yellow = _rgb("#F0E442")
    fixed = legible(yellow, white, black)
    assert contrast(fixed, white) >= 3.0
    assert contrast(legible(fixed, white, black), white) == pytest.approx(contrast(fixed, white))
    assert legible(_rgb("#1F77B4"), white, black) == _rgb("#1F77B4")  # already fine: unchanged


@pytest.mark.parametrize("name", sorted(BUILTIN_THEMES))
def test_every_role_is_legible_in_every_builtin_theme(name):
    theme = BUILTIN_THEMES[name]
    variables = theme.to_color_system().generate()
    palette = theme_palette(variables)
    assert set(palette) == set(ROLES)
    background = _rgb(variables["background"])
    if background is None:  # the ANSI themes: the terminal's own colours
        assert palette == RICH
        return
    for r, color in palette.items():
        assert contrast(_rgb(color), background) >= 3.0 - 1e-9, (name, r, color)


def test_cli_writes_foreground_text_in_the_terminals_own_colour():
    panel = Panel(title="t", xlim=(0, 1), ylim=(0, 1)).add(Label(0.1, 0.5, "visible"),
                                                          Line(np.array([0, 1]), np.array([0, 1]), "f", "c2"))
    text = render(Figure([panel]), 40, 12)
    line = next(row for row in text.split("\n") if "visible" in row)
    before = line[:line.index("visible")]
    assert not before.endswith("m") or before.endswith("\x1b[0m")  # no colour code right before it
    assert f"\x1b[{SGR['c2']}m" in text


def test_rich_text_takes_the_theme_palette():
    panel = Panel(xlim=(0, 1), ylim=(0, 1)).add(Line(np.array([0, 1]), np.array([0, 1]), "f", "primary"))
    canvas = layout(Figure([panel]), 30, 10)
    palette = {"primary": "#AB1234", "foreground": "#000000"}
    styles = {str(span.style) for span in canvas.to_rich(True, palette).spans}
    assert "#AB1234" in styles
    assert not canvas.to_rich(False, palette).spans
