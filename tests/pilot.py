"""What Pilot tests read off a scene screen, and how they pick a parameter row."""

from __future__ import annotations

from textual.widgets import Static

from calcterm.host.plot_view import PlotView


def plot_text(app) -> str:
    return str(app.screen.query_one(PlotView).render())


def readout(app) -> str:
    return str(app.screen.query_one("#readout", Static).render())


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
