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
