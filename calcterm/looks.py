"""How each series of a panel looks, so that the picture reads without colour.

Every labelled series gets a look of its own within its panel, and the legend shows that
look: lines take solid, dashed, dotted and dash-dot styles in turn (then solid lines carrying
a marker glyph), point series keep their marker unless another series of the panel already
uses it, bars take full, checkered and hatched fills. An unlabelled line drawn in the colour of
a labelled one (the lower branch of a ±2σ band) takes that line's style.
"""

from __future__ import annotations

from dataclasses import dataclass

from calcterm.plot import LINE_STYLES, Bars, Line, Points, Shade, Trail
from calcterm.text import tr

DOT_MARKERS = {"braille", "dot", "hd", "fhd", "sd"}
STYLE_MARKS = {"solid": "──", "dashed": "╌╌", "dotted": "┈┈", "dashdot": "─·"}
LINE_GLYPHS = "○□△◇✕+*"
POINT_GLYPHS = "●■▲◆✚★○□△◇✕+"
CLOUD_GLYPHS = "∙∘×"
FILL_MARKS = {"full": "⣿⣿", "checker": "⢕⢕", "hatch": "⡇⡇"}
DOTS_MARK = "⠿⠿"
SHADE_MARK = "░░"


@dataclass(frozen=True)
class Look:
    """What one series looks like: a line style, a glyph (markers of points, or marks along a
    line), a bar fill, and its two-cell legend mark."""

    style: str = "solid"
    glyph: str = ""
    fill: str = "full"
    mark: str = ""


def assign(series: list, lang: str = "en") -> dict[int, Look]:
    """A look for every drawable series, keyed by id(series)."""
    looks: dict[int, Look] = {}
    taken_styles = {s.style for s in series
                    if isinstance(s, (Line, Trail)) and s.style and tr(s.label, lang)}
    free_styles = [st for st in LINE_STYLES if st not in taken_styles]
    free_line_glyphs = list(LINE_GLYPHS)
    used_marks: set[str] = set()
    by_color: dict[str, str] = {}
    fills = 0
    for s in series:
        labelled = bool(tr(getattr(s, "label", ""), lang))
        if isinstance(s, (Line, Trail)):
            look = _line_look(s, labelled, free_styles, free_line_glyphs, by_color)
        elif isinstance(s, Points):
            look = _points_look(s, labelled, used_marks)
        elif isinstance(s, Bars):
            fill = tuple(FILL_MARKS)[fills % len(FILL_MARKS)] if labelled else "full"
            fills += labelled
            look = Look(fill=fill, mark=FILL_MARKS[fill])
        elif isinstance(s, Shade):
            look = Look(mark=SHADE_MARK)
        else:
            continue
        if labelled:
            used_marks.add(look.mark)
        looks[id(s)] = look
    return looks


def _line_look(s, labelled: bool, free_styles: list[str], free_glyphs: list[str],
               by_color: dict[str, str]) -> Look:
    glyph = s.marker[:1] if isinstance(s, Line) and s.marker not in DOT_MARKERS else ""
    if s.style:
        style = s.style
    elif labelled and free_styles:
        style = free_styles.pop(0)
    elif labelled:
        style = "solid"
        glyph = glyph or (free_glyphs.pop(0) if free_glyphs else "•")
    else:
        style = by_color.get(s.color, "solid")
    if labelled:
        by_color.setdefault(s.color, style)
    mark = STYLE_MARKS.get(style, "──")
    if glyph:
        mark = mark[0] + glyph
    return Look(style=style, glyph=glyph, mark=mark)


def _points_look(s: Points, labelled: bool, used_marks: set[str]) -> Look:
    dots = s.marker in DOT_MARKERS
    glyph = "" if dots else s.marker[:1]
    mark = DOTS_MARK if dots else glyph + " "
    if labelled and mark in used_marks:  # a second cloud of dots gets a light glyph, a marker a new one
        pool = CLOUD_GLYPHS + POINT_GLYPHS if dots else POINT_GLYPHS + CLOUD_GLYPHS
        glyph = next((g for g in pool if g + " " not in used_marks), "•")
        mark = glyph + " "
    return Look(glyph=glyph, mark=mark)
