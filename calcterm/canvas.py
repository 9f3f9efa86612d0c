"""A grid of terminal cells with a colour role each, and text that knows its width.

A cell holds what the terminal shows in it: one character, a character plus combining marks
("x̂"), or "" when the cell is the right half of a wide character (Chinese text takes two
cells). Writing text through `put` keeps rows exactly `width` cells wide in any language.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from dataclasses import dataclass
from typing import Iterator, Mapping

from calcterm.palette import rich_color, role, sgr


@lru_cache(maxsize=4096)
def char_width(ch: str) -> int:
    """Cells a character takes: 2 for wide East Asian characters, 0 for combining marks."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def text_width(text: str) -> int:
    if text.isascii():
        return len(text)
    return sum(char_width(ch) for ch in text)


def shorten(text: str, width: int) -> str:
    """`text` cut to `width` cells, ending in "…" when something was cut."""
    if text_width(text) <= width:
        return text
    if width <= 0:
        return ""
    out, used = [], 0
    for ch in text:
        w = char_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


@dataclass
class Canvas:
    """A grid of cells with a colour role per cell (None: the terminal's default)."""

    chars: list[list[str]]
    colors: list[list[str | None]]

    @classmethod
    def blank(cls, width: int, height: int) -> "Canvas":
        return cls([[" "] * width for _ in range(height)], [[None] * width for _ in range(height)])

    @classmethod
    def from_lines(cls, lines: list[str] | tuple[str, ...]) -> "Canvas":
        """Lines of one-cell characters (the frame plotext draws)."""
        return cls([list(line) for line in lines], [[None] * len(line) for line in lines])

    @property
    def width(self) -> int:
        return len(self.chars[0]) if self.chars else 0

    @property
    def height(self) -> int:
        return len(self.chars)

    def copy(self) -> "Canvas":
        return Canvas([row[:] for row in self.chars], [row[:] for row in self.colors])

    def paste(self, other: "Canvas", left: int, top: int) -> None:
        for r, (chars, colors) in enumerate(zip(other.chars, other.colors)):
            self.chars[top + r][left:left + len(chars)] = chars
            self.colors[top + r][left:left + len(colors)] = colors

    def set(self, row: int, col: int, ch: str, color: str | None) -> None:
        """One single-width character, mending any wide character it cuts in half."""
        chars = self.chars[row]
        if chars[col] == "" and col > 0:
            chars[col - 1] = " "
        elif char_width(chars[col][:1] or " ") == 2 and col + 1 < len(chars):
            chars[col + 1] = " "
        chars[col] = ch
        self.colors[row][col] = color

    def put(self, row: int, col: int, text: str, color: str | None, end: int | None = None) -> int:
        """Write `text` from `col`, clipped to [0, end); returns the column after it."""
        if not 0 <= row < len(self.chars):
            return col
        end = min(self.width if end is None else end, self.width)
        for ch in text:
            w = char_width(ch)
            if w == 0:
                if 0 < col <= end and self.chars[row][col - 1]:
                    self.chars[row][col - 1] += ch
                continue
            if col + w > end:
                break
            if col >= 0:
                self.set(row, col, ch, color)
                if w == 2:
                    self.set(row, col + 1, "", color)
            col += w
        return col

    def runs(self, row: int) -> Iterator[tuple[str, str | None]]:
        """(text, colour) pieces of one row, merging neighbours of the same colour."""
        chars, colors = self.chars[row], self.colors[row]
        cuts = [i for i, (a, b) in enumerate(zip(colors, colors[1:]), 1) if a != b]
        for start, end in zip([0, *cuts], [*cuts, len(chars)]):
            yield "".join(chars[start:end]), colors[start]

    def to_ansi(self, color: bool = True) -> str:
        lines = []
        for r in range(len(self.chars)):
            if not color:
                lines.append("".join(self.chars[r]))
                continue
            parts = [f"\x1b[{sgr(c)}m{t}\x1b[0m" if c and role(c) != "foreground" else t
                     for t, c in self.runs(r)]
            lines.append("".join(parts))
        return "\n".join(lines)

    def to_rich(self, color: bool = True, palette: Mapping[str, str] | None = None):
        """A Rich `Text`; `palette` maps roles to colours (the TUI passes its theme's)."""
        from rich.text import Span, Text

        text = Text(no_wrap=True, overflow="crop")
        spans = []
        styles: dict[str, str] = {}
        pos = 0
        for r in range(len(self.chars)):
            for piece, c in self.runs(r):
                if color and c:
                    style = styles.get(c)
                    if style is None:
                        name = role(c)
                        style = styles[c] = (palette or {}).get(name) or rich_color(name)
                    spans.append(Span(pos, pos + len(piece), style))
                pos += len(piece)
            pos += 1
        text.append("\n".join("".join(row) for row in self.chars))
        text.spans = spans
        return text
