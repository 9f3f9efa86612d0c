"""Modal screens: the key help, and the expression editor."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from calcterm.host.i18n import t
from calcterm.host.keys import help_rows
from calcterm.params import MAX_TEXT, Param, ParamError
from calcterm.text import T, tr

FULL = T("at most {n} characters; the rest was not taken",
         "最多 {n} 个字符；多出的部分未被接收")


class BoundedInput(Input):
    """An Input that never holds more than `max_length` characters, however text arrives.

    Why: an unbounded Input grows with every key of a huge paste (a 1 MB paste without
    bracketed paste took a session to gigabytes). Textual's own `max_length` refuses each key
    past the limit, but refuses a bracketed paste that does not fit as a whole and rings the
    bell for every refused key; here a paste is cut to the room left, and the first refusal
    posts `Full` once (no bell) until the text is shorter again.
    """

    class Full(Message):
        """Text was refused because the input is at its maximum length."""

    _told_full = False

    def __init__(self, value: str = "", *, max_length: int, **kwargs: object) -> None:
        super().__init__(value[:max_length], max_length=max_length, **kwargs)

    def on_paste(self, event: events.Paste) -> None:
        event.stop()
        event.prevent_default()  # Input's own handler would insert the whole paste again
        text = event.text
        if not text:
            return
        cut = len(text)
        for newline in ("\r", "\n"):  # one line, as Input takes, without splitting all of it
            found = text.find(newline, 0, cut)
            cut = found if found >= 0 else cut
        start, end = sorted(self.selection)
        room = self.max_length - (len(self.value) - (end - start))
        line = text[:max(0, min(cut, room))]
        if line:
            self.replace(line, start, end)
        if cut > room:  # after replace, so the editor's Changed handler does not clear it
            self.restricted()

    def restricted(self) -> None:
        if not self._told_full:
            self._told_full = True
            self.post_message(self.Full())

    def watch_value(self, value: str) -> None:
        if len(value) < self.max_length:
            self._told_full = False


class HelpScreen(ModalScreen[None]):
    """The keys and the explanation; it fits the screen and scrolls (↑/↓, page keys, j/k)."""

    BINDINGS = [Binding("escape,question_mark,q", "dismiss", "Close"),
                Binding("j", "scroll(1)", show=False), Binding("k", "scroll(-1)", show=False)]

    def __init__(self, lang: str, explanation: str = "") -> None:
        super().__init__()
        self.lang = lang
        self.explanation = explanation

    def compose(self) -> ComposeResult:
        table = Table(show_header=False, box=None, padding=(0, 2))
        for key, what in help_rows(self.lang):
            table.add_row(f"[bold cyan]{key}[/]", what)
        with VerticalScroll(id="help-box"):
            yield Static(f"[bold]{t(self.lang, 'help_title')}[/]")
            yield Static(table)
            if self.explanation:
                yield Static(Text(self.explanation), id="help-explanation")

    def on_mount(self) -> None:
        self.query_one("#help-box").focus()

    def action_scroll(self, direction: int) -> None:
        box = self.query_one("#help-box", VerticalScroll)
        box.scroll_relative(y=direction * max(1, box.size.height - 2), animate=False)


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
            yield BoundedInput(self.value, max_length=MAX_TEXT, id="expression")
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

    def on_bounded_input_full(self, event: BoundedInput.Full) -> None:
        message = tr(FULL.format(n=MAX_TEXT), self.lang)
        self.query_one("#edit-error", Static).update(Text(message, style="yellow"))

    def action_cancel(self) -> None:
        self.dismiss(None)
