"""The guided tour in the TUI: a scene screen with a narration strip, and ] / [ between stops.

The stops are data (`calcterm.tour`); this screen only shows one. A stop's scene is built off
the UI thread (some stops take a few hundred steps first), then this screen replaces the
previous stop's. The app keeps each visited stop's scene, so leaving a stop and coming back
finds it as the learner left it; `r` brings back the stop as the tour set it up.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import Static
from textual.worker import get_current_worker

from calcterm.host.scene_screen import SceneScreen
from calcterm.scene import Scene
from calcterm.text import T
from calcterm.tour import header, stops

WORDS = {
    "look": T("Look at: ", "看："),
    "try": T("Try: ", "试试："),
    "keys": T("  ] next  [ back  T hide  r reset", "  ] 下一站 [ 上一站 T 隐藏 r 重置"),
    "first": T("This is the first stop.", "已是第一站。"),
    "last": T("This is the last stop: the tour is over.", "已是最后一站：导览结束。"),
    "opening": T("Opening stop {k}…", "正在打开第 {k} 站……"),
    "failed": T("Could not open stop {k}: {error}", "无法打开第 {k} 站：{error}"),
    "no_stop": T("No stop of the tour shows this scene.", "导览中没有展示此场景的站。"),
}
SLOW = 0.3
"""Seconds after which a stop still being built is announced."""


class TourStrip(Static):
    DEFAULT_CSS = """
    TourStrip {
        height: auto;
        max-height: 40%;
        padding: 0 1;
        background: $boost;
    }
    TourStrip.-hidden-text {
        max-height: 1;
    }
    """


class TourScreen(SceneScreen):
    def __init__(self, index: int, scene: Scene) -> None:
        self.index = index
        super().__init__(scene)

    def compose(self) -> ComposeResult:
        yield TourStrip(id="tour-strip")
        yield from super().compose()

    def update_all(self) -> None:
        super().update_all()
        self.show_strip()

    def show_strip(self) -> None:
        """The header line, then (unless hidden with T) the narration, what to look at, what to try."""
        lang, stop = self.lang, stops()[self.index]
        strip = self.query_one(TourStrip)
        text = Text(f" {header(self.index, lang)} ", style="bold reverse")
        text.append(WORDS["keys"].get(lang), style="dim")
        shown = self.app.tour_narration
        if shown:
            text.append("\n" + stop.say.get(lang) + "\n")
            text.append(WORDS["look"].get(lang), style="bold cyan")
            text.append(stop.look.get(lang) + "\n")
            text.append(WORDS["try"].get(lang), style="bold cyan")
            text.append(stop.try_.get(lang))
        strip.set_class(not shown, "-hidden-text")
        strip.update(text)

    # -- actions (the keys are in calcterm.host.keys) ---------------------------------------

    def action_tour(self, delta: int) -> None:
        target = self.index + delta
        if not 0 <= target < len(stops()):
            self.notify(WORDS["first" if target < 0 else "last"].get(self.lang))
            return
        self.playing = False
        self.remember()
        open_stop(self.app, target)

    def action_narration(self) -> None:
        self.app.tour_narration = not self.app.tour_narration
        self.show_strip()

    def action_reset(self) -> None:
        """In the tour, r brings back the stop as the tour set it up: its settings and steps."""
        self.playing = False
        self.app.tour_views.pop(self.index, None)
        open_stop(self.app, self.index)

    def remember(self) -> None:
        """The tour keeps its views stop by stop; the picker's remembered settings stay apart."""
        self.app.tour_views[self.index] = self.scene


def open_stop(app: App, index: int) -> None:
    """Show stop `index`: the scene kept from an earlier visit, or one built off the UI thread.
    It replaces a tour screen on top, or goes on top of anything else."""
    app.tour_at = index
    kept = app.tour_views.get(index)
    if kept is not None:
        _show(app, TourScreen(index, kept))
        return
    stop = stops()[index]
    state = {"done": False}

    def build() -> None:
        try:
            scene = stop.build(prepare=stop.steps > 0)
        except Exception as exc:  # a broken stop is reported, the app goes on
            app.call_from_thread(_failed, app, index, exc)
            return
        finally:
            state["done"] = True
        if not get_current_worker().is_cancelled:
            app.call_from_thread(_show, app, TourScreen(index, scene))

    def announce() -> None:
        if not state["done"]:
            app.notify(WORDS["opening"].format(k=str(index + 1)).get(app.lang), timeout=2)

    app.run_worker(build, thread=True, exclusive=True, group="tour", exit_on_error=False)
    app.set_timer(SLOW, announce)


def open_stop_of(app: App, scene_id: str) -> None:
    """From a scene outside the tour: the tour's first stop showing that scene."""
    from calcterm.tour import first_stop_of

    index = first_stop_of(scene_id)
    if index is None:
        app.notify(WORDS["no_stop"].get(app.lang))
        return
    open_stop(app, index)


def _show(app: App, screen: TourScreen) -> None:
    if isinstance(app.screen, TourScreen):
        app.switch_screen(screen)
    else:
        app.push_screen(screen)


def _failed(app: App, index: int, error: Exception) -> None:
    app.notify(WORDS["failed"].format(k=str(index + 1), error=str(error)).get(app.lang), severity="error")
