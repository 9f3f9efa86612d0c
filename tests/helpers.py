"""What many test files share: the registered scene ids and a CLI runner.

A plain module, imported as `from helpers import SCENE_IDS, run_cli` (pytest puts tests/ on
the path), so that shared code is not fetched out of conftest.
"""

from __future__ import annotations

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
