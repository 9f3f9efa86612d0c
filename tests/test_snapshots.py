"""One SVG snapshot per scene: fixed seed, fixed size, animation paused."""

from __future__ import annotations

import pytest

from calcterm.host.app import CalcTermApp
from calcterm.registry import scenes

from conftest import SCENE_IDS


@pytest.mark.parametrize("scene_id", SCENE_IDS)
def test_scene_snapshot(snap_compare, scene_id):
    """Each scene after three steps at its defaults."""
    scene = scenes()[scene_id](seed=0)
    for _ in range(3):
        scene.step()
    assert snap_compare(CalcTermApp(scene=scene), terminal_size=(120, 40))


def test_picker_snapshot(snap_compare):
    """The scene picker as a new user first sees it."""
    assert snap_compare(CalcTermApp(), terminal_size=(120, 40))
