"""What Pilot tests read off a scene screen, and how they pick a parameter row."""

from __future__ import annotations

from textual.widgets import Static

from calcterm.host.plot_view import PlotView


def plot_text(app) -> str:
    return str(app.screen.query_one(PlotView).render())


def readout(app) -> str:
    return str(app.screen.query_one("#readout", Static).render())


async def select(pilot, row: int) -> None:
    """Move the selection down to parameter `row` with the keyboard."""
    for _ in range(row - pilot.app.screen.selected):
        await pilot.press("down")
    assert pilot.app.screen.selected == row
