"""plotext, behind one small door: it draws a panel's box, tick marks and tick labels.

Why plotext draws only this much. Everything that depends on the data (limits, which ticks,
their text) is decided in `calcterm.geometry`, and everything a learner reads in words (titles,
axis labels, legends, Chinese text two cells wide) is written by `calcterm.render`. plotext is
handed a unit window, tick positions that fall exactly on the cells we chose, and our own ASCII
tick labels, so no data can reach it: no 1e300, no NaN, no empty range — the inputs that used to
crash the renderer. Its output is checked against the layout we asked for (corners, tick
marks), so the interior where data is drawn is known, never searched for.

A build costs 1–4 ms (120×40), so blocks are cached by everything they depend on: the size and
the tick cells and labels. Limits that the renderer snaps to the same round values, or that
move less than a cell, reuse the cached block.

The layout: the box's top-left corner sits at column `left` (the width of the widest y tick
label), the interior is `rows` × (width − left − 2) cells, and one row of x tick labels follows
the box. plotext lays out blocks under 3 interior rows differently, so a shorter block is
drawn 3 rows tall and the empty rows are removed.
"""

from __future__ import annotations

from functools import lru_cache

MIN_ROWS = 3


class FrameError(RuntimeError):
    """plotext drew something other than the layout asked for (a plotext version change)."""


@lru_cache(maxsize=256)
def axes_block(width: int, left: int, rows: int, xticks: tuple[tuple[int, str], ...],
               yticks: tuple[tuple[int, str], ...]) -> tuple[str, ...]:
    """`rows` + 3 lines of `width` cells: the box, its tick marks and the x tick labels.

    xticks are (interior column, label) with columns in [0, width − left − 2); yticks are
    (interior row, label) with rows in [0, rows) counted from the top, labels at most `left`
    cells wide.
    """
    from plotext._figure import _figure_class

    cols = width - left - 2
    drawn = max(rows, MIN_ROWS)
    fig = _figure_class()
    fig._limit_size(False, False)  # plotext would otherwise clip the plot to the real terminal
    fig.theme("clear")
    fig.plotsize(width, drawn + (3 if xticks else 2))
    fig.scatter([0.0, 1.0], [0.0, 1.0], marker=" ")  # plotext draws no ticks for an empty plot
    fig.xlim(0.0, 1.0)
    fig.ylim(0.0, 1.0)
    fig.xticks([c / max(cols - 1, 1) for c, _ in xticks], [label for _, label in xticks])
    fig.yticks([1.0 - r / (drawn - 1) for r, _ in yticks],
               [label.rjust(left) for _, label in yticks])
    lines = _strip(fig.build()).split("\n")
    if not xticks:
        lines = lines[:drawn + 2] + [" " * width]
    lines = [line.ljust(width)[:width] for line in lines[:drawn + 3]]
    _check(lines, width, left, drawn, xticks, yticks)
    if drawn > rows:
        lines = lines[:rows + 1] + lines[drawn + 1:]
    return tuple(lines)


def _strip(text: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _check(lines: list[str], width: int, left: int, rows: int,
           xticks: tuple[tuple[int, str], ...], yticks: tuple[tuple[int, str], ...]) -> None:
    right = width - 1
    bottom = rows + 1
    ok = (len(lines) == rows + 3 and lines[0][left] == "┌" and lines[0][right] == "┐"
          and lines[bottom][left] == "└" and lines[bottom][right] == "┘")
    if ok:
        marks = {i - left - 1 for i, ch in enumerate(lines[bottom]) if ch == "┬"}
        ok = marks == {c for c, _ in xticks}
    if ok:
        sides = {r - 1 for r in range(1, bottom) if lines[r][left] == "┤"}
        ok = sides == {r for r, _ in yticks}
    if not ok:
        import plotext

        raise FrameError(f"plotext {getattr(plotext, '__version__', '?')} drew an unexpected frame "
                         f"for {width}×{rows + 3}, left {left}:\n" + "\n".join(lines))
