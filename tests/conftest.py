"""Shared fixtures: every registered scene, and a CLI runner that goes through `main`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from calcterm.registry import scenes

SCENE_IDS = list(scenes())


@pytest.fixture(params=SCENE_IDS)
def scene_cls(request):
    return scenes()[request.param]


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run the installed CLI as a user would: a fresh process, its real exit code and streams."""
    return subprocess.run([sys.executable, "-m", "calcterm", *args], capture_output=True,
                          text=True, timeout=timeout)
