"""Snapshots of the descent scene beyond the default one in test_snapshots.py."""

from __future__ import annotations

from calcterm.host.app import CalcTermApp
from calcterm.registry import get


def test_race_snapshot(snap_compare):
    """All six optimizers racing on the default quadratic, 25 steps in."""
    scene = get("descent")({"optimizer": "race"}, seed=0)
    for _ in range(25):
        scene.step()
    assert snap_compare(CalcTermApp(scene=scene), terminal_size=(120, 40))


def test_divergence_snapshot(snap_compare):
    """Gradient descent with η just above 2/L, after it has blown up and been stopped."""
    scene = get("descent")({"eta": 0.25}, seed=0)
    for _ in range(40):
        scene.step()
    assert scene.runs["gd"].diverged
    assert snap_compare(CalcTermApp(scene=scene), terminal_size=(120, 40))
