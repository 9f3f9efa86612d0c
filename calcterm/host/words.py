"""The picture in words, live, in place of the plot (the `w` key).

Like `calcterm show --describe`, the words stand instead of the braille picture, so they get
the plot's whole area even on a small screen, beside the same parameters and readout. The
panel re-reads the scene a few times a second and rewrites its text only when the scene
moved (a step, a new setting) or the language changed, saying what changed since its last
description; it is plain text, so a screen reader can follow the animation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from calcterm.describe import SIZE, Snapshot, describe
from calcterm.scene import Scene

if TYPE_CHECKING:
    from calcterm.host.scene_screen import SceneScreen

POLL = 0.25
"""Seconds between looks at the scene: often enough to follow a story, rare enough to read."""


class WordsPanel(VerticalScroll, can_focus=False):
    DEFAULT_CSS = """
    WordsPanel {
        width: 1fr;
        height: 1fr;
        padding: 0 1;
    }
    """

    def __init__(self, scene: Scene) -> None:
        super().__init__(id="words")
        self.scene = scene
        self.previous: Snapshot | None = None
        self.seen: tuple[int, int, str] | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="words-text", markup=False)

    def on_mount(self) -> None:
        self.poll()
        self.set_interval(POLL, self.poll)

    def poll(self) -> None:
        lang = self.app.lang
        now = (self.scene.revision, self.scene.t, lang)
        if now == self.seen:
            return
        self.seen = now
        text, self.previous = describe(self.scene, lang, self.previous, self.plot_size(),
                                       live_first=True)
        self.query_one("#words-text", Static).update(Text(text))

    def plot_size(self) -> tuple[int, int]:
        """The area the plot would have (this panel's), so the words match its picture."""
        min_w, min_h = self.scene.min_plot
        width, height = self.size.width, self.size.height
        return (width, height) if width >= min_w and height >= min_h else SIZE


def toggle_words(screen: "SceneScreen") -> None:
    """Put the picture in words in place of the plot of `screen` (a SceneScreen), or back.

    The app remembers the choice, so the next scene (or tour stop) opens the same way."""
    from calcterm.host.plot_view import PlotView

    plot = screen.query_one(PlotView)
    shown = screen.query(WordsPanel)
    screen.app.words_shown = not shown
    if shown:
        shown.remove()
        plot.display = True
        return
    plot.display = False
    screen.query_one("#main").mount(WordsPanel(screen.scene), before=plot)
