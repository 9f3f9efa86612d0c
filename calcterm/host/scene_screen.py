"""The scene screen: plot, parameter panel, readout, explanation and footer."""

from __future__ import annotations

import time
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, ProgressBar, Static
from textual.worker import get_current_worker

from calcterm.host.i18n import t
from calcterm.host.modals import ExpressionScreen, HelpScreen
from calcterm.host.params_panel import ParamRow, ParamsPanel
from calcterm.host.plot_view import PlotView
from calcterm.params import Expression
from calcterm.scene import Scene

FPS = 30
MIN_SCREEN = (60, 20)


class SceneScreen(Screen[None]):
    BINDINGS = [
        Binding("up", "select(-1)", "Param ↑", show=False),
        Binding("down,tab", "select(1)", "Param ↓", show=False),
        Binding("shift+tab", "select(-1)", "Param ↑", show=False),
        Binding("left", "nudge(-1)", "−", show=False),
        Binding("right", "nudge(1)", "+", show=False),
        Binding("shift+left", "nudge(-1, True)", "−×10", show=False),
        Binding("shift+right", "nudge(1, True)", "+×10", show=False),
        Binding("space", "play", "Play/pause"),
        Binding("n", "step", "Step"),
        Binding("r", "reset", "Reset"),
        Binding("e", "edit", "Edit formula"),
        Binding("s", "screenshot", "SVG"),
        Binding("l", "language", "中/EN"),
        Binding("question_mark", "help", "Help"),
        Binding("escape", "back", "Back"),
        Binding("q", "quit", "Quit"),
    ]

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]

    playing: reactive[bool] = reactive(False)
    selected: reactive[int] = reactive(0)

    def __init__(self, scene: Scene) -> None:
        super().__init__()
        self.scene = scene

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield PlotView(self.scene, id="plot")
            with Vertical(id="side"):
                yield Static(id="status")
                yield ProgressBar(total=1.0, show_eta=False, id="work")
                yield ParamsPanel(self.scene.params, id="params")
                yield Static(id="readout")
                with VerticalScroll(id="explanation-box", can_focus=False):
                    yield Static(id="explanation")
        yield Static(id="enlarge")
        yield Footer()

    def on_mount(self) -> None:
        self.timer = self.set_interval(1 / FPS, self.tick, pause=True)
        self.update_all()
        self.check_size()
        self.start_work()

    @property
    def lang(self) -> str:
        return self.app.lang

    def check_size(self) -> None:
        width, height = self.app.size
        small = width < MIN_SCREEN[0] or height < MIN_SCREEN[1]
        self.set_class(small, "-too-small")
        if small:
            self.query_one("#enlarge", Static).update(Text(
                t(self.lang, "enlarge", w=MIN_SCREEN[0], h=MIN_SCREEN[1], cw=width, ch=height),
                style="bold yellow"))

    def on_resize(self) -> None:
        self.check_size()
        self.query_one(PlotView).refresh()

    def update_all(self) -> None:
        self.query_one(ParamsPanel).show(self.scene.values, self.selected, self.lang)
        self.update_live()
        self.query_one("#explanation", Static).update(
            Text(t(self.lang, "explanation") + "\n", style="bold") + Text(self.scene.explain(self.lang)))

    def update_live(self) -> None:
        """What changes every frame: status, readout, notes and the plot."""
        state = t(self.lang, "playing" if self.playing else "paused")
        self.query_one("#status", Static).update(Text.assemble(
            (self.scene.display_title(self.lang), "bold"), "\n",
            (self.scene.section, "dim"), "\n",
            (f"{state}   {t(self.lang, 'step')} {self.scene.t}", "bold green" if self.playing else "")))
        readout = Text(t(self.lang, "readout") + "\n", style="bold")
        items = self.scene.readout()
        width = max((len(k) for k in items), default=0)
        for k, v in items.items():
            readout.append(f"{k:<{width}}  ", style="cyan")
            readout.append(f"{v}\n")
        for note in self.scene.notes(self.lang):
            readout.append(f"⚠ {note}\n", style="bold yellow")
        self.query_one("#readout", Static).update(readout)
        self.query_one(PlotView).refresh()

    def tick(self) -> None:
        self.scene.step()
        self.update_live()

    def watch_playing(self, playing: bool) -> None:
        if playing:
            self.timer.resume()
        else:
            self.timer.pause()
        if self.is_mounted:
            self.update_live()

    def action_select(self, delta: int) -> None:
        if self.scene.params:
            self.selected = (self.selected + delta) % len(self.scene.params)
            self.query_one(ParamsPanel).show(self.scene.values, self.selected, self.lang)

    def change(self, name: str, value: object) -> None:
        self.scene.set(name, value)
        self.update_all()
        self.start_work()

    def start_work(self) -> None:
        """Run the scene's slow preparation in a thread, with a progress bar, if it has any."""
        work = self.scene.work()
        bar = self.query_one("#work", ProgressBar)
        bar.display = work is not None
        if work is not None:
            bar.update(progress=0.0)
            self.run_worker(lambda: self.drain(work), thread=True, exclusive=True, group="work")

    def drain(self, work) -> None:
        worker = get_current_worker()
        for fraction in work:
            if worker.is_cancelled:
                return
            self.app.call_from_thread(self.query_one("#work", ProgressBar).update, progress=fraction)
        self.app.call_from_thread(self.work_done)

    def work_done(self) -> None:
        self.query_one("#work", ProgressBar).display = False
        self.update_live()

    def action_nudge(self, direction: int, big: bool = False) -> None:
        if not self.scene.params:
            return
        param = self.scene.params[self.selected]
        value = param.nudge(self.scene.values[param.name], direction, big)
        self.change(param.name, value)

    def on_param_row_clicked(self, message: ParamRow.Clicked) -> None:
        self.selected = message.index
        if message.direction:
            self.action_nudge(message.direction)
        else:
            self.query_one(ParamsPanel).show(self.scene.values, self.selected, self.lang)

    def action_play(self) -> None:
        self.playing = not self.playing

    def action_step(self) -> None:
        self.playing = False
        self.tick()

    def action_reset(self) -> None:
        self.playing = False
        self.scene.reset()
        self.update_all()
        self.start_work()

    def action_edit(self) -> None:
        params = self.scene.params
        chosen = params[self.selected] if params else None
        if not isinstance(chosen, Expression):
            chosen = next((p for p in params if isinstance(p, Expression)), None)
        if chosen is None:
            self.notify(t(self.lang, "no_expression"))
            return
        self.playing = False

        def apply(value: str | None) -> None:
            if value is not None:
                self.change(chosen.name, value)

        self.app.push_screen(ExpressionScreen(chosen, self.scene.values[chosen.name], self.lang), apply)

    def action_screenshot(self) -> None:
        path = Path.cwd() / f"calcterm-{self.scene.id}-{time.strftime('%Y%m%d-%H%M%S')}.svg"
        self.app.save_screenshot(filename=path.name, path=str(path.parent))
        self.notify(f"{t(self.lang, 'saved')} {path}")

    def action_language(self) -> None:
        self.app.action_toggle_language()
        self.update_all()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.lang, self.scene.explain(self.lang)))

    def action_back(self) -> None:
        self.playing = False
        self.app.pop_screen()

    def action_quit(self) -> None:
        self.app.exit()
