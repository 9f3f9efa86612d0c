"""Colour roles: what a mark means, resolved to a colour only where it meets the screen.

A plot names roles ("primary", "muted", "c3", ...), never fixed colours, so that

* the TUI takes them from the running Textual theme (`theme_palette`), lifting any that would
  be too faint on the theme's background until they can be read, so a light theme keeps
  every mark visible;
* the CLI writes them as ANSI colours chosen to read on dark and light terminals alike
  (`SGR`), and "foreground" is the terminal's own default colour, never black or white;
* without colour, the renderer still tells series apart by glyph and line style.

The older colour names that scenes used ("blue", "orange", "red+", "gray", "white", ...) are
aliases of roles (`ALIASES`). Hues that scenes use to tell several series apart map onto the
categorical roles c1..c6, which keep their hue in every theme, so six optimizers in a race stay
six colours even where a theme makes, say, accent and warning the same orange.
"""

from __future__ import annotations

from typing import Mapping

ROLES = ("foreground", "muted", "primary", "secondary", "accent", "warning", "error", "success",
         "c1", "c2", "c3", "c4", "c5", "c6")
THEME_ROLES = ("primary", "secondary", "accent", "warning", "error", "success")

ALIASES = {
    "blue": "c1", "blue+": "c1", "orange": "c2", "orange+": "c2", "gold": "c3", "yellow": "c3",
    "yellow+": "c3", "green": "c4", "green+": "c4", "cyan": "c5", "cyan+": "c5",
    "magenta": "c6", "magenta+": "c6", "red": "error", "red+": "error", "white": "foreground",
    "white+": "foreground", "black": "foreground", "default": "foreground", "gray": "muted",
    "gray+": "muted", "grey": "muted",
}

# 256-colour codes of middle lightness: legible on black and on white terminals.
SGR = {
    "foreground": "39", "muted": "90", "primary": "38;5;33", "secondary": "38;5;37",
    "accent": "38;5;208", "warning": "38;5;178", "error": "38;5;160", "success": "38;5;34",
    "c1": "38;5;33", "c2": "38;5;208", "c3": "38;5;178", "c4": "38;5;34", "c5": "38;5;37",
    "c6": "38;5;163",
}

# The same choices as Rich colour names, for a Rich `Text` made without a theme (e.g. tests).
RICH = {
    "foreground": "default", "muted": "bright_black", "primary": "color(33)",
    "secondary": "color(37)", "accent": "color(208)", "warning": "color(178)",
    "error": "color(160)", "success": "color(34)", "c1": "color(33)", "c2": "color(208)",
    "c3": "color(178)", "c4": "color(34)", "c5": "color(37)", "c6": "color(163)",
}

# The categorical hues of c1..c6 (blue, orange, gold, green, teal, magenta), before they are
# adjusted to a theme's background.
CATEGORICAL = {"c1": "#3D8EF0", "c2": "#F28C28", "c3": "#D9B526", "c4": "#3FB950",
               "c5": "#2EB8B8", "c6": "#D55FD5"}
MIN_CONTRAST = 3.0


def role(name: str) -> str:
    """The role a colour name stands for ("red+" -> "error"); unknown names pass through."""
    return ALIASES.get(name, name)


def sgr(name: str | None) -> str:
    return SGR.get(role(name), "39") if name else "39"


def rich_color(name: str) -> str:
    """A Rich colour for a role or alias, without a theme."""
    name = role(name)
    return RICH.get(name, name)


def _rgb(color: str) -> tuple[float, float, float] | None:
    color = color.strip()
    if color.startswith("#") and len(color) in (7, 9):
        try:
            return tuple(int(color[i:i + 2], 16) / 255 for i in (1, 3, 5))  # type: ignore[return-value]
        except ValueError:
            return None
    return None


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(max(0.0, min(1.0, c)) * 255):02X}" for c in rgb)


def _luminance(rgb: tuple[float, float, float]) -> float:
    def lin(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """The WCAG contrast ratio of two colours (1 = none, 21 = black on white)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def legible(color: tuple[float, float, float], background: tuple[float, float, float],
            foreground: tuple[float, float, float]) -> tuple[float, float, float]:
    """`color` moved towards the foreground just far enough to stand out from the background."""
    for k in range(11):
        t = k / 10
        mixed = tuple(c + t * (f - c) for c, f in zip(color, foreground))
        if contrast(mixed, background) >= MIN_CONTRAST:
            return mixed  # type: ignore[return-value]
    return foreground


def theme_palette(variables: Mapping[str, str]) -> dict[str, str]:
    """Role -> colour for a Textual theme, given its CSS variables (`App.theme_variables`).

    Themes whose colours are not plain hex (the ANSI themes) get the terminal's own colours.
    """
    background = _rgb(variables.get("background", ""))
    foreground = _rgb(variables.get("foreground", ""))
    if background is None or foreground is None:
        return dict(RICH)
    out = {"foreground": _hex(foreground),
           "muted": _hex(legible(tuple(0.55 * f + 0.45 * b for f, b in zip(foreground, background)),
                                 background, foreground))}
    for name in THEME_ROLES:
        rgb = _rgb(variables.get(name, "")) or _rgb(CATEGORICAL["c1"])
        out[name] = _hex(legible(rgb, background, foreground))
    for name, hue in CATEGORICAL.items():
        out[name] = _hex(legible(_rgb(hue), background, foreground))
    return out
