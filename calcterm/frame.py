"""A panel's frame: the box (drawn by plotext), tick marks and tick labels (written here).

What plotext does and why it does no more. plotext draws the box of every panel, asked only
for a size, so no data can reach it. It used to draw the ticks too, from the limits, and that
seam broke: a range of 1e300 or an empty one crashed it, the frame had to be found by
searching its output for '┌', it leaves out tick labels by a spacing rule of its own (so the
remaining ticks came out unevenly spaced), it counts a Chinese character as one cell, and a
build costs 4–10 ms at 120×40 (20 ms at 200×60), paid again whenever a tick moved by a cell.
Now the ticks are chosen in `calcterm.geometry` and written here, and the box depends only on
its size, so plotext runs once per box size (a resize, or y tick labels changing width) and
its output is checked: corners exactly where asked.

Layout of the block this module returns (rows + 3 lines, `width` cells): the box's top-left
corner at column `left` (the width of the widest y tick label), an interior of `rows` ×
(width − left − 2) cells, the box's bottom edge, then one row of x tick labels.
"""

from __future__ import annotations

from functools import lru_cache

from calcterm.canvas import text_width


class FrameError(RuntimeError):
    """plotext drew something other than the box asked for (a plotext version change)."""


@lru_cache(maxsize=64)
def box(width: int, rows: int) -> tuple[str, ...]:
    """A box `width` cells wide around `rows` empty rows, drawn by plotext (rows + 2 lines)."""
    import re

    from plotext._figure import _figure_class

    fig = _figure_class()
    fig._limit_size(False, False)  # plotext would otherwise clip the plot to the real terminal
    fig.theme("clear")
    fig.plotsize(width, rows + 2)
    fig.xticks([], [])
    fig.yticks([], [])
    text = re.sub(r"\x1b\[[0-9;]*m", "", fig.build())
    lines = [line.ljust(width)[:width] for line in text.split("\n")[:rows + 2]]
    right, bottom = width - 1, rows + 1
    if not (len(lines) == rows + 2 and lines[0][0] == "┌" and lines[0][right] == "┐"
            and lines[bottom][0] == "└" and lines[bottom][right] == "┘"):
        import plotext

        raise FrameError(f"plotext {getattr(plotext, '__version__', '?')} drew an unexpected box "
                         f"for {width}×{rows + 2}:\n" + "\n".join(lines))
    return tuple(lines)


@lru_cache(maxsize=256)
def axes_block(width: int, left: int, rows: int, xticks: tuple[tuple[int, str], ...],
               yticks: tuple[tuple[int, str], ...]) -> tuple[str, ...]:
    """The box with its tick marks and labels, as `rows` + 3 lines of `width` cells.

    xticks are (interior column, label), yticks (interior row from the top, label); labels are
    one cell per character (numbers). x labels are centred under their mark and moved inside
    the block at its ends; one that would touch its neighbour is left out.
    """
    cols = width - left - 2
    lines = [[" "] * left + list(line) for line in box(width - left, rows)]
    for c, _ in xticks:
        if 0 <= c < cols:
            lines[rows + 1][left + 1 + c] = "┬"
    for r, label in yticks:
        if 0 <= r < rows:
            lines[1 + r][left] = "┤"
            text = label[-left:] if left else ""
            lines[1 + r][left - len(text):left] = list(text)
    labels = [" "] * width
    for (_, label), start in zip(xticks, label_starts(width, left, xticks)):
        if start is not None:
            labels[start:start + len(label)] = list(label)
    return tuple("".join(line) for line in lines) + ("".join(labels),)


def label_starts(width: int, left: int, xticks) -> list[int | None]:
    """Where each x tick label starts: centred under its mark, moved inside the block at the
    ends, None when it would touch the label before it."""
    starts: list[int | None] = []
    end = -2  # the last cell used by a label
    for c, label in xticks:
        w = text_width(label)
        start = min(max(0, left + 1 + c - w // 2), width - w)
        if start >= end + 2 and start >= 0:
            starts.append(start)
            end = start + w - 1
        else:
            starts.append(None)
    return starts
