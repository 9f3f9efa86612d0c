"""Modal screens: the key help, and the expression editor."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from calcterm.host.i18n import t
from calcterm.host.keys import help_rows
from calcterm.params import Param, ParamError
from calcterm.text import tr


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close")]

    def __init__(self, lang: str, explanation: str = "") -> None:
        super().__init__()
        self.lang = lang
        self.explanation = explanation

    def compose(self) -> ComposeResult:
        table = Table(show_header=False, box=None, padding=(0, 2))
        for key, what in help_rows(self.lang):
            table.add_row(f"[bold cyan]{key}[/]", what)
        with Vertical(id="help-box"):
            yield Static(f"[bold]{t(self.lang, 'help_title')}[/]")
            yield Static(table)
            if self.explanation:
                yield Static(Text(self.explanation), id="help-explanation")


class ExpressionScreen(ModalScreen[str | None]):
    """Type the value of an editable parameter; the value returned is already validated."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, param: Param, value: str, lang: str) -> None:
        super().__init__()
        self.param = param
        self.value = value
        self.lang = lang

    def compose(self) -> ComposeResult:
        with Vertical(id="edit-box"):
            yield Static(t(self.lang, "edit_title", name=self.param.name))
            yield Input(self.value, id="expression")
            yield Static("", id="edit-error")
            presets = getattr(self.param, "presets", {})
            if presets:
                listed = ",  ".join(f"{tr(k, self.lang)} = {v}" for k, v in presets.items())
                yield Static(Text(f"{t(self.lang, 'presets')}: {listed}", style="dim"),
                             id="edit-presets")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        try:
            value = self.param.parse(event.value)
        except ParamError as exc:
            self.query_one("#edit-error", Static).update(Text(str(exc), style="red"))
            return
        self.dismiss(value)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.query_one("#edit-error", Static).update("")

    def action_cancel(self) -> None:
        self.dismiss(None)
