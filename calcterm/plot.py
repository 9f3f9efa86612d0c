"""The plot description: what a scene wants drawn, in plain data.

A scene fills a `Figure` with panels of series; the renderer (`calcterm.render`) turns it
into terminal text. Scenes therefore never import plotext, and tests can inspect exactly
what a scene asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Sequence

import numpy as np

Color = str
Scale = Literal["linear", "log"]


@dataclass
class Line:
    x: np.ndarray
    y: np.ndarray
    label: str = ""
    color: Color = "blue"
    marker: str = "braille"


@dataclass
class Points:
    """Scattered points (markers), e.g. an iterate or a particle cloud."""

    x: np.ndarray
    y: np.ndarray
    label: str = ""
    color: Color = "red"
    marker: str = "dot"


@dataclass
class Bars:
    x: np.ndarray
    heights: np.ndarray
    label: str = ""
    color: Color = "blue"
    width: float = 0.8


@dataclass
class HLine:
    y: float
    color: Color = "gray"


@dataclass
class VLine:
    x: float
    color: Color = "gray"


@dataclass
class Label:
    x: float
    y: float
    text: str
    color: Color = "black"


Series = Line | Points | Bars | HLine | VLine | Label


@dataclass
class Panel:
    title: str = ""
    xlabel: str = ""
    ylabel: str = ""
    xscale: Scale = "linear"
    yscale: Scale = "linear"
    xlim: tuple[float, float] | None = None
    ylim: tuple[float, float] | None = None
    series: list[Series] = field(default_factory=list)

    def add(self, *series: Series) -> "Panel":
        self.series.extend(series)
        return self


@dataclass
class Figure:
    """Panels laid out in a grid of `rows` × `cols`, filled row by row.

    `weights` gives the relative width of each column (e.g. (2, 1) for a main plot
    beside a narrower side panel).
    """

    panels: list[Panel]
    rows: int = 1
    cols: int = 1
    weights: Sequence[float] | None = None


def sample_count(width: int, lo: int = 16, hi: int = 480) -> int:
    """How many points a curve needs to look smooth in a plot `width` cells wide.

    A braille cell holds two dots across, so more than 2×width points is wasted work.
    """
    return int(min(hi, max(lo, 2 * width)))
