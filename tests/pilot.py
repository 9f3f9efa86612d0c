"""What Pilot tests read off a scene screen, how they pick a parameter, and how they wait.

Rows are found by parameter name, never by position; readout values are read as exact
strings under their label; and a test waits for the condition it needs instead of sleeping.
"""

from __future__ import annotations

import re
import time
from typing import Callable

from textual.widgets import Static

from calcterm.host.params_panel import ParamRow
from calcterm.host.plot_view import PlotView

READOUT_LINE = re.compile(r"^(?P<label>\S.*?)\s{2,}(?P<value>\S.*?)\s*$")


def plot_text(app) -> str:
    return str(app.screen.query_one(PlotView).render())


def readout(app) -> str:
    return str(app.screen.query_one("#readout", Static).render())


def readout_items(app) -> dict[str, str]:
    """The readout as shown, label → value (the heading and the ⚠ notes left out)."""
    items = {}
    for line in readout(app).splitlines()[1:]:
        match = READOUT_LINE.match(line)
        if match and not line.startswith("⚠"):
            items[match["label"]] = match["value"]
    return items


def readout_value(app, label: str) -> str:
    items = readout_items(app)
    assert label in items, f"no readout line {label!r}; the readout shows {sorted(items)}"
    return items[label]


def row(app, name: str) -> ParamRow:
    """The parameter row of `name`."""
    rows = [r for r in app.screen.query(ParamRow) if r.param.name == name]
    assert rows, f"no parameter row {name!r}"
    return rows[0]


def selected_name(app) -> str:
    screen = app.screen
    return screen.scene.params[screen.selected].name


async def select(pilot, name: str) -> None:
    """Move the selection down to the parameter called `name` with the keyboard."""
    for _ in range(len(pilot.app.screen.scene.params)):
        if selected_name(pilot.app) == name:
            return
        await pilot.press("down")
    assert selected_name(pilot.app) == name, f"{name} cannot be reached with ↓ (is it dimmed?)"


async def wait_until(pilot, condition: Callable[[], bool], what: str,
                     timeout: float = 10.0) -> None:
    """Let the app run until `condition()` holds; fail naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out after {timeout:g} s waiting for {what}"
        await pilot.pause(0.02)
