"""One SVG snapshot per scene: fixed seed, fixed size, animation paused."""

from __future__ import annotations

import pytest

from calcterm.host.app import CalcTermApp
from calcterm.registry import scenes

from helpers import SCENE_IDS


@pytest.mark.parametrize("size", [(120, 40), (80, 24)], ids=["120x40", "80x24"])
@pytest.mark.parametrize("scene_id", SCENE_IDS)
def test_scene_snapshot(snap_compare, scene_id, size):
    """Each scene after three steps at its defaults, at the usual and the smallest common size."""
    scene = scenes()[scene_id](seed=0)
    scene.finish_job()
    for _ in range(3):
        scene.step()
    assert snap_compare(CalcTermApp(scene=scene), terminal_size=size)


def test_picker_snapshot(snap_compare):
    """The scene picker as a new user first sees it."""
    assert snap_compare(CalcTermApp(), terminal_size=(120, 40))
