"""A paused or finished scene costs nothing, and keys are not queued behind a heavy step.

CPU is read from the process's own accounting (/proc/PID/stat), so a busy machine does not
change the figure; what is asserted is CPU seconds used, not time taken.
"""

from __future__ import annotations

import os
import time

import pytest

from processes import cpu_seconds
from terminal import Terminal

pytestmark = pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs Linux /proc")
WINDOW = 3.0
"""Seconds of wall time over which the idle CPU is read."""


def idle_share(term: Terminal) -> float:
    term.wait_until(lambda text: True, "settled", timeout=2.0)
    time.sleep(0.5)  # let the last repaint finish
    before, start = cpu_seconds(term.pid), time.monotonic()
    time.sleep(WINDOW)
    return (cpu_seconds(term.pid) - before) / (time.monotonic() - start)


@pytest.fixture
def calcterm_tui():
    terms = []

    def start(*args: str) -> Terminal:
        from terminal import CALCTERM

        term = Terminal([CALCTERM, *args])
        terms.append(term)
        return term

    yield start
    for term in terms:
        term.kill()


def test_a_paused_scene_uses_under_two_percent_of_a_core(calcterm_tui):
    term = calcterm_tui("run", "descent", "-s", "optimizer=race")
    term.wait_for("paused")
    assert idle_share(term) < 0.02


def test_a_finished_scene_uses_under_two_percent_of_a_core(calcterm_tui):
    term = calcterm_tui("run", "taylor", "-s", "order=29")
    term.wait_for("paused")
    term.press("space")
    term.wait_for("finished")
    assert idle_share(term) < 0.02


def test_keys_are_not_queued_behind_the_heaviest_network(calcterm_tui):
    """While 200×512 SGD steps run off the UI thread, each key is handled at once: ten
    presses of + move the speed to its top before even one more step lands."""
    term = calcterm_tui("run", "vanishing", "-s", "depth=200", "-s", "width=512", "-s", "batch=64",
                        "-s", "lr=1e-4")
    term.wait_for("paused", timeout=120)
    term.wait_gone("building", timeout=120)
    term.press("space")
    term.wait_for("playing")
    step = term.step()
    term.press("-", "-", "-", "-")
    term.wait_for("0.25×", timeout=30)
    assert term.step() - step <= 2, "the speed keys waited for SGD steps to finish"
