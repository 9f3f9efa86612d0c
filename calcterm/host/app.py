"""The Textual application: the scene picker, and a scene screen on top of it."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from calcterm.host.i18n import t
from calcterm.host.scene_screen import SceneScreen
from calcterm.host.tour_screen import open_stop
from calcterm.registry import scenes
from calcterm.scene import Scene
from calcterm.text import T, section_text, tr

ID_WIDTH = 17
"""Columns for a scene id in the picker (the longest, brachistochrone, plus two)."""
PARTS = {
    "Part 1": T("Part 1 · the foundations: derivatives, integrals, series",
                "第一部分 · 微积分基础：导数、积分与级数"),
    "Part 2": T("Part 2 · calculus in machine learning: descent, constraints, information",
                "第二部分 · 机器学习中的微积分：梯度下降、约束与信息"),
    "Part 3": T("Part 3 · calculus in deep learning: backpropagation, activations, regularisation",
                "第三部分 · 深度学习中的微积分：反向传播、激活函数与正则化"),
    "Part 4": T("Part 4 · further topics: variations, matrices, manifolds, stochastic calculus",
                "第四部分 · 高级主题：变分、矩阵、流形与随机微积分"),
}


def _row(name: Text, body: Text) -> Table:
    """A picker row: the id in its own column, the text beside it wrapping under itself."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(width=ID_WIDTH - 1, no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(name, body)
    return grid


def part_of(section: str) -> str:
    """The part of the article a scene starts in ("Part 2" of "Part 2 §1.1, Part 3 §4")."""
    return section.split("§")[0].strip().rstrip(",") or section


TOUR_OPTION = "-tour-"
"""The picker's first entry: the guided tour (not a scene id, which is a lower-case word)."""


class PickerScreen(Screen[None]):
    BINDINGS = [
        Binding("l", "app.toggle_language", "中/EN"),
        Binding("q", "app.quit", "Quit"),
    ]

    def __init__(self, highlight: str | None = None) -> None:
        super().__init__()
        self.highlight = highlight
        """The scene to put the cursor on first: the one the learner just left."""

    def compose(self) -> ComposeResult:
        yield Static(id="picker-title")
        yield OptionList(id="picker")
        yield Footer()

    def on_mount(self) -> None:
        self.fill()

    def fill(self) -> None:
        lang = self.app.lang
        self.query_one("#picker-title", Static).update(Text(t(lang, "picker_title"), style="bold"))
        picker = self.query_one(OptionList)
        highlighted = picker.highlighted
        picker.clear_options()
        tour = Text.assemble((t(lang, "tour_entry"), "bold"), "\n",
                             (t(lang, "tour_sub"), "dim"))
        picker.add_option(Option(_row(Text("tour", style="bold magenta"), tour), id=TOUR_OPTION))
        part = None
        for scene_id, cls in scenes().items():
            if part_of(cls.section) != part:
                part = part_of(cls.section)
                picker.add_option(Option(Text(PARTS.get(part, T(part, part)).get(lang),
                                              style="bold underline"), disabled=True))
            what = tr(cls.summary, lang)
            body = Text.assemble((cls.display_title(lang), "bold"), "  ",
                                 (section_text(cls.section, lang), "dim"))
            if what:
                body.append("\n" + what)
            picker.add_option(Option(_row(Text(scene_id, style="bold cyan"), body), id=scene_id))
        if highlighted is None and self.highlight in scenes():
            highlighted = picker.get_option_index(self.highlight)
        picker.highlighted = highlighted or 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == TOUR_OPTION:
            open_stop(self.app, self.app.tour_at)
            return
        cls = scenes()[event.option.id]
        remembered = self.app.remembered.get(cls.id)
        self.app.push_screen(SceneScreen(cls(remembered, seed=self.app.seed)))

    def on_screen_resume(self) -> None:
        self.fill()


class CalcTermApp(App[None]):
    CSS_PATH = "calcterm.tcss"
    TITLE = "calcterm"

    lang: reactive[str] = reactive("en")

    def __init__(self, lang: str = "en", seed: int | None = None, scene: Scene | None = None,
                 tour: int | None = None) -> None:
        super().__init__()
        self.set_reactive(CalcTermApp.lang, lang)
        self.seed = seed
        self.start_scene = scene
        self.start_tour = tour
        self.remembered: dict[str, dict] = {}
        """Each scene's settings as the learner left them, for the whole session."""
        self.tour_views: dict[int, Scene] = {}
        """Each visited tour stop's scene as the learner left it (`r` forgets it)."""
        self.tour_at = 0 if tour is None else tour
        self.tour_narration = True
        self.words_shown = False
        """The picture is shown in words instead of the plot (the `w` key), for every scene."""

    def on_mount(self) -> None:
        if self.start_scene is not None:
            self.push_screen(SceneScreen(self.start_scene))
            return
        # the tour's first stop is built off the UI thread: the picker is on screen meanwhile
        self.push_screen(PickerScreen())
        if self.start_tour is not None:
            open_stop(self, self.start_tour)

    def back_to_picker(self, left: str) -> None:
        """Leave scene `left` for the screen under it, or for the picker when it is the first: an
        app opened on a scene builds its picker only if the learner asks for it."""
        if len(self.screen_stack) > 2:  # the default screen, then ours: is there one between?
            self.pop_screen()
        else:
            self.switch_screen(PickerScreen(highlight=left))

    def action_toggle_language(self) -> None:
        self.lang = "zh" if self.lang == "en" else "en"
        if isinstance(self.screen, PickerScreen):
            self.screen.fill()
