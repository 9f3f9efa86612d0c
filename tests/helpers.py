"""What many test files share: the registered scene ids and a CLI runner.

A plain module, imported as `from helpers import SCENE_IDS, run_cli` (pytest puts tests/ on
the path), so that shared code is not fetched out of conftest.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys

from calcterm.registry import scenes

SCENE_IDS = list(scenes())


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI as a user would: a fresh process, its real exit code and streams."""
    return subprocess.run([sys.executable, "-m", "calcterm", *args], capture_output=True,
                          text=True, timeout=timeout)


def soak(scene, steps: int = 5000, draw_every: int = 100, until_done: bool = False):
    """Step `scene` with every floating-point problem and warning an exception, drawing (and
    reading the readout and notes) every `draw_every` steps; the export must be strict JSON.

    `until_done` stops at the end of the story. Returns the scene, for assertions after.
    """
    import json
    import warnings

    import numpy as np

    from calcterm.render import layout

    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        for i in range(steps):
            scene.step()
            if i % draw_every == 0:
                layout(scene.draw(120, 40), 120, 40).to_rich()
                scene.readout()
                scene.notes()
            if until_done and scene.done:
                break
        json.dumps(scene.export(), allow_nan=False)
    return scene


def resident_bytes() -> int:
    """This process's resident memory now (Linux), else its peak so far.

    Untraced, so a 5000-step soak runs at full speed: tracemalloc made the soaks three times
    slower. Resident memory holds everything Python and numpy allocate, so a leak shows in it.
    Off Linux the peak is a weaker measure: growth shows only once it passes the earlier peak.
    """
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB elsewhere
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def fits_every_plot_size(scene) -> None:
    """Lay `scene` out at every plot size from the host's smallest (40×10) up to 130×45: narrow
    or short plots may get fewer panels, but never TooSmall."""
    import itertools

    import pytest

    from calcterm.render import TooSmall, layout

    for width, height in itertools.product(range(40, 131, 9), range(10, 46, 5)):
        try:
            layout(scene.draw(width, height), width, height)
        except TooSmall as error:  # pragma: no cover - the failure message
            pytest.fail(f"{width}×{height}: {error}")
