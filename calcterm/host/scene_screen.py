"""The scene screen: plot, parameter panel, readout, explanation and footer.

The screen owns the clock. It steps the scene at its pace times the chosen speed, stops
when the scene is done, repaints only after something changed, and runs slow work (a
scene's `job`, or a `step_job` that outlasts a frame) in a worker thread whose result is
adopted only if the scene's revision has not moved meanwhile.
"""

from __future__ import annotations

from typing import Any, Callable

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingsMap
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, ProgressBar, Static
from textual.worker import get_current_worker

from calcterm.host.i18n import t
from calcterm.host.keys import bindings
from calcterm.host.modals import ExpressionScreen, HelpScreen
from calcterm.host.params_panel import ParamRow, ParamsPanel
from calcterm.host.plot_view import PlotView
from calcterm.scene import Cancelled, Job, Scene, scene_notes
from calcterm.text import section_text, tr

SIDES = ("params", "readout", "explanation")
"""What the side panel shows on a narrow screen, one at a time (the `v` key switches)."""
FPS = 30
SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0)
MAX_STEPS_PER_FRAME = 8
MIN_SCREEN = (60, 20)
TINY_WIDTH = 76


class SceneScreen(Screen[None]):
    BINDINGS = bindings("en")

    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (110, "-wide")]
    """Wide: the side panel shows everything. Narrow: one part of it at a time (`v`); below
    TINY_WIDTH that part sits under the plot, so the plot keeps the full width."""

    playing: reactive[bool] = reactive(False)
    selected: reactive[int] = reactive(0)
    speed: reactive[int] = reactive(SPEEDS.index(1.0))
    side: reactive[str] = reactive("params")

    def __init__(self, scene: Scene) -> None:
        super().__init__()
        self.scene = scene
        self.credit = 0.0
        self.stepping = False
        self.selected = self._first_relevant()

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield PlotView(self.scene, id="plot")
            with Vertical(id="side"):
                yield Static(id="status")
                yield Static(id="side-tabs")
                yield ProgressBar(total=1.0, show_eta=False, id="work")
                yield ParamsPanel(self.scene.params, id="params")
                yield Static(id="param-help")
                yield Static(id="readout")
                with VerticalScroll(id="explanation-box", can_focus=False):
                    yield Static(id="explanation")
        yield Static(id="enlarge")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.set_class(True, f"-side-{self.side}")
        self.timer = self.set_interval(1 / FPS, self.tick, pause=True)
        self.relabel_keys()
        self.update_all()
        self.check_size()
        self.start_job()
        if self.app.words_shown:  # the learner reads in words: every new scene opens in words
            self.action_words()

    @property
    def lang(self) -> str:
        return self.app.lang

    # -- drawing ----------------------------------------------------------------------

    def check_size(self) -> None:
        width, height = self.app.size
        small = width < MIN_SCREEN[0] or height < MIN_SCREEN[1]
        self.set_class(small, "-too-small")
        self.set_class(width < TINY_WIDTH, "-tiny")
        if small:
            self.query_one("#enlarge", Static).update(Text(
                t(self.lang, "enlarge", w=MIN_SCREEN[0], h=MIN_SCREEN[1], cw=width, ch=height),
                style="bold yellow"))

    def on_resize(self) -> None:
        self.check_size()
        self.query_one(PlotView).refresh()

    def update_all(self) -> None:
        self.show_side_tabs()
        self.show_params()
        self.update_live()
        self.query_one("#explanation", Static).update(
            Text(t(self.lang, "explanation") + "\n", style="bold")
            + Text(self.scene.explain().get(self.lang)))

    def show_side_tabs(self) -> None:
        names = {"params": t(self.lang, "tab_params"), "readout": t(self.lang, "tab_readout"),
                 "explanation": t(self.lang, "tab_text")}
        tabs = Text()
        for key in SIDES:
            tabs.append(f" {names[key]} ", style="reverse bold" if key == self.side else "dim")
        tabs.append("  v", style="bold cyan")
        self.query_one("#side-tabs", Static).update(tabs)

    def watch_side(self, old: str, new: str) -> None:
        self.set_class(False, f"-side-{old}")
        self.set_class(True, f"-side-{new}")
        if self.is_mounted:
            self.show_side_tabs()

    def action_side(self) -> None:
        self.side = SIDES[(SIDES.index(self.side) + 1) % len(SIDES)]

    def show_params(self) -> None:
        relevant = {p.name: self.scene.matters(p.name) for p in self.scene.params}
        self.query_one(ParamsPanel).show(self.scene.values, self.selected, self.lang, relevant)
        help_text = Text()
        if self.scene.params:
            p = self.scene.params[self.selected]
            help_text.append(f"{p.name}  ", style="bold")
            help_text.append(tr(p.short(), self.lang), style="dim")
            help_text.append("\n" + p.help.get(self.lang), style="italic")
        self.query_one("#param-help", Static).update(help_text)

    def status_line(self) -> Text:
        """Title, article place, and the clock: playing / paused / finished, speed, step."""
        if self.scene.done:
            state, style = t(self.lang, "finished"), "bold cyan"
        elif self.playing:
            state, style = t(self.lang, "playing"), "bold green"
        else:
            state, style = t(self.lang, "paused"), ""
        speed = f"{SPEEDS[self.speed]:g}×"
        return Text.assemble((self.scene.display_title(self.lang), "bold"), "\n",
                             (section_text(self.scene.section, self.lang), "dim"), "\n",
                             (f"{state}  {speed}  {t(self.lang, 'step')} {self.scene.t}", style))

    def update_live(self) -> None:
        """What a step changes: status, readout, notes and the plot."""
        self.query_one("#status", Static).update(self.status_line())
        readout = Text(t(self.lang, "readout") + "\n", style="bold")
        items = [(tr(k, self.lang), tr(v, self.lang)) for k, v in self.scene.readout().items()]
        width = max((len(k) for k, _ in items), default=0)
        for k, v in items:
            readout.append(f"{k:<{width}}  ", style="cyan")
            readout.append(f"{v}\n")
        for note in scene_notes(self.scene, self.lang):
            readout.append(f"⚠ {note}\n", style="bold yellow")
        self.query_one("#readout", Static).update(readout)
        self.query_one(PlotView).refresh()

    # -- the clock --------------------------------------------------------------------

    def tick(self) -> None:
        """One frame: take the steps the speed has earned; drop them while a step runs."""
        if self.stepping or self.scene.busy:
            return
        self.credit += SPEEDS[self.speed] / max(1, self.scene.pace)
        steps = min(int(self.credit), MAX_STEPS_PER_FRAME)
        self.credit -= int(self.credit)
        moved = False
        for _ in range(steps):
            if self.scene.done:
                break
            job = self.scene.step_job()
            if job is not None:
                self.run_step_job(job)
                break
            self.scene.step()
            moved = True
        if self.scene.done:
            self.playing = False
        elif moved:
            self.update_live()

    def run_step_job(self, job: Job) -> None:
        self.stepping = True

        def adopt(result: Any) -> None:
            self.stepping = False
            self.scene.finish_step(job, result)
            if self.scene.done:
                self.playing = False
            self.update_live()

        self.run_job(job, adopt, group="step", on_stale=self._step_dropped)

    def _step_dropped(self) -> None:
        self.stepping = False

    def watch_playing(self, playing: bool) -> None:
        if playing:
            self.credit = 1.0  # the first step shows at once
            self.timer.resume()
        else:
            self.timer.pause()
        if self.is_mounted:
            self.query_one("#status", Static).update(self.status_line())

    def watch_speed(self) -> None:
        if self.is_mounted:
            self.query_one("#status", Static).update(self.status_line())

    # -- background work --------------------------------------------------------------

    def run_job(self, job: Job, adopt: Callable[[Any], None], group: str,
                progress: Callable[[float], None] | None = None,
                on_stale: Callable[[], None] | None = None) -> None:
        """Run `job` in a thread; adopt its result on the UI thread if the scene is unchanged."""
        revision = self.scene.revision

        def report(fraction: float) -> None:
            if get_current_worker().is_cancelled or self.scene.revision != revision:
                raise Cancelled
            if progress is not None:
                self.app.call_from_thread(progress, fraction)

        def finish(result: Any) -> None:
            if self.scene.revision == revision:
                adopt(result)
            elif on_stale is not None:
                on_stale()

        def work() -> None:
            try:
                result = job.run(report)
            except Cancelled:
                if on_stale is not None:
                    self.app.call_from_thread(on_stale)
                return
            self.app.call_from_thread(finish, result)

        self.run_worker(work, thread=True, exclusive=True, group=group)

    def start_job(self) -> None:
        """Run the scene's slow preparation in the background, with a progress bar."""
        job = self.scene.job()
        bar = self.query_one("#work", ProgressBar)
        bar.display = job is not None
        if job is None:
            return
        bar.update(progress=0.0)

        def adopt(result: Any) -> None:
            job.adopt(result)
            bar.display = False
            self.update_live()

        self.run_job(job, adopt, group="work", progress=lambda f: bar.update(progress=f))

    # -- parameters -------------------------------------------------------------------

    def _relevant_indices(self) -> list[int]:
        return [i for i, p in enumerate(self.scene.params) if self.scene.matters(p.name)]

    def _first_relevant(self) -> int:
        return next(iter(self._relevant_indices()), 0)

    def action_select(self, delta: int) -> None:
        """Move to the next parameter that matters now (the dimmed ones are skipped)."""
        if not self.scene.params:
            return
        count = len(self.scene.params)
        relevant = set(self._relevant_indices()) or set(range(count))
        i = self.selected
        for _ in range(count):
            i = (i + delta) % count
            if i in relevant:
                break
        self.selected = i
        self.show_params()

    def change(self, name: str, value: object) -> None:
        self.scene.set(name, value)
        self.after_change()

    def after_change(self) -> None:
        self.credit = 0.0
        self.stepping = False
        self.remember()
        self.update_all()
        self.start_job()

    def remember(self) -> None:
        self.app.remembered[self.scene.id] = dict(self.scene.values)

    def action_nudge(self, direction: int, big: bool = False) -> None:
        if not self.scene.params:
            return
        param = self.scene.params[self.selected]
        value = param.nudge(self.scene.values[param.name], direction, big)
        self.change(param.name, value)

    def on_plot_view_picked(self, message: PlotView.Picked) -> None:
        if any(self.scene[name] != value for name, value in message.values.items()):
            self.playing = False
            self.scene.set_many(message.values)
            self.after_change()

    def on_param_row_clicked(self, message: ParamRow.Clicked) -> None:
        self.selected = message.index
        if message.direction:
            self.action_nudge(message.direction)
        else:
            self.show_params()

    # -- actions ----------------------------------------------------------------------

    def action_play(self) -> None:
        if self.scene.done:
            self.scene.reset()
            self.after_change()
        self.playing = not self.playing

    def action_step(self) -> None:
        self.playing = False
        if self.stepping or self.scene.done or self.scene.busy:
            return
        job = self.scene.step_job()
        if job is not None:
            self.run_step_job(job)
            return
        self.scene.step()
        self.update_live()

    def action_back(self) -> None:
        self.playing = False
        if self.scene.t > 0:
            self.scene.rewind(self.scene.t - 1)
            self.after_change()

    def action_speed(self, delta: int) -> None:
        self.speed = min(len(SPEEDS) - 1, max(0, self.speed + delta))

    def action_reset(self) -> None:
        self.playing = False
        self.scene.reset()
        self.after_change()

    def action_defaults(self) -> None:
        self.playing = False
        self.scene.values = self.scene.defaults()
        self.scene.reset()
        self.after_change()

    def action_scroll_text(self, direction: int) -> None:
        box = self.query_one("#explanation-box", VerticalScroll)
        box.scroll_relative(y=direction * max(1, box.size.height - 1), animate=False)

    def action_edit(self) -> None:
        params = self.scene.params
        chosen = params[self.selected] if params else None
        if chosen is None or not chosen.editable:
            chosen = next((p for p in params if p.editable), None)
        if chosen is None:
            self.notify(t(self.lang, "no_expression"))
            return
        self.playing = False

        def apply(value: str | None) -> None:
            if value is not None:
                self.change(chosen.name, value)

        self.app.push_screen(ExpressionScreen(chosen, self.scene.values[chosen.name], self.lang),
                             apply)

    def action_screenshot(self) -> None:
        """Save the screen as SVG. In a browser (calcterm serve) it is offered as a download, so
        nothing is written on the server; in a terminal it goes to the current folder through a
        temporary file renamed into place, and a failed write is a notification, not a crash."""
        import io
        import time
        from pathlib import Path

        from calcterm.files import write_atomic
        from calcterm.text import T

        name = f"calcterm-{self.scene.id}-{time.strftime('%Y%m%d-%H%M%S')}.svg"
        from calcterm.share import annotate_svg

        svg = annotate_svg(self.app.export_screenshot(title=f"calcterm {self.scene.id}"), self.scene)
        if self.app.is_web:
            self.app.deliver_text(io.StringIO(svg), save_filename=name, mime_type="image/svg+xml")
            return
        try:
            path = write_atomic(Path.cwd() / name, svg)
        except OSError as error:
            failed = T("Could not save the screenshot", "无法保存截图")
            self.notify(f"{tr(failed, self.lang)} {name}: {error.strerror or error}",
                        severity="error")
            return
        self.notify(f"{t(self.lang, 'saved')} {path}")

    def action_share(self) -> None:
        """Copy the command line that reopens this view, and show it (`calcterm.share`)."""
        from calcterm.share import command_line
        from calcterm.text import T

        line = command_line(self.scene)
        self.app.copy_to_clipboard(line)
        copied = T("Copied: paste it to reopen this view", "已复制：粘贴即可重现此视图")
        self.notify(line, title=tr(copied, self.lang), timeout=10)

    def action_words(self) -> None:
        """Show the picture in words in place of the plot, or the plot again (`calcterm.host.words`)."""
        from calcterm.host.words import toggle_words

        toggle_words(self)

    def action_tour(self, delta: int) -> None:
        """Outside the tour, ] and [ open it at this scene's first stop (`calcterm.host.tour_screen`)."""
        from calcterm.host.tour_screen import open_stop_of

        self.playing = False
        open_stop_of(self.app, self.scene.id)

    def action_narration(self) -> None:
        """Only the tour has a narration to hide (`TourScreen.action_narration`)."""
        from calcterm.text import T

        self.notify(tr(T("T hides the guided tour's narration; ] opens the tour.",
                         "T 用于隐藏导览解说；按 ] 打开导览。"), self.lang))

    def action_language(self) -> None:
        self.app.action_toggle_language()
        self.relabel_keys()
        self.update_all()

    def relabel_keys(self) -> None:
        """Footer words follow the language: rebuild this screen's bindings in it."""
        self._bindings = BindingsMap(bindings(self.lang))
        self.refresh_bindings()

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen(self.lang, self.scene.explain().get(self.lang)))

    def action_back_to_picker(self) -> None:
        self.playing = False
        self.remember()
        self.app.back_to_picker(self.scene.id)

    def action_quit(self) -> None:
        self.app.exit()
