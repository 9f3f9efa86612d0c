"""Contours: marching squares against exact level sets, and the level spacing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calcterm.compute.contours import grid, log_levels, marching_squares, quantile_levels


def circle(x, y):
    return x * x + y * y


def test_grid_orientation():
    xs, ys, z = grid(lambda x, y: x + 10 * y, (0.0, 1.0, 0.0, 2.0), 3, 5)
    assert z.shape == (5, 3) and z[4, 2] == pytest.approx(1.0 + 20.0) and z[0, 1] == 0.5


def test_linear_field_gives_the_exact_line():
    xs, ys, z = grid(lambda x, y: 2 * x + 0 * y, (-1.0, 1.0, -1.0, 1.0), 21, 11)
    segs = marching_squares(xs, ys, z, 0.37)
    assert len(segs) == 10  # one per row of cells
    assert np.allclose(segs[..., 0], 0.185)  # linear interpolation is exact for a linear field
    assert np.isclose(np.abs(segs[:, 1, 1] - segs[:, 0, 1]).sum(), 2.0)


@pytest.mark.parametrize("r", [0.5, 1.3, 2.9])
def test_circle_radius_and_length(r):
    xs, ys, z = grid(circle, (-3.0, 3.0, -3.0, 3.0), 121, 101)
    segs = marching_squares(xs, ys, z, r * r)
    radii = np.hypot(segs[..., 0], segs[..., 1])
    assert np.allclose(radii, r, atol=0.01)
    length = np.hypot(*(segs[:, 1] - segs[:, 0]).T).sum()
    assert length == pytest.approx(2 * math.pi * r, rel=0.01)


def test_saddle_cells_and_missing_values():
    xs, ys = np.array([0.0, 1.0]), np.array([0.0, 1.0])
    z = np.array([[1.0, 0.0], [0.0, 1.0]])  # lower-left and upper-right above 0.5: case 5
    centre_low = marching_squares(xs, ys, z, 0.6)  # centre 0.5 is below: the high corners are cut off
    assert len(centre_low) == 2
    mids = centre_low.mean(axis=1)
    assert {tuple(np.round(m, 2)) for m in mids} == {(0.2, 0.2), (0.8, 0.8)}
    centre_high = marching_squares(xs, ys, z, 0.4)
    assert {tuple(np.round(m, 2)) for m in centre_high.mean(axis=1)} == {(0.2, 0.8), (0.8, 0.2)}
    z_nan = np.array([[1.0, np.nan], [0.0, 1.0]])
    assert len(marching_squares(xs, ys, z_nan, 0.5)) == 0
    assert marching_squares(xs, ys, np.zeros((2, 2)), 1.0).shape == (0, 2, 2)


def test_levels():
    xs, ys, z = grid(circle, (-3.0, 3.0, -3.0, 3.0), 60, 60)
    levels = log_levels(z, 0.0, 8)
    assert len(levels) == 8 and np.all(np.diff(levels) > 0) and levels[0] > 0
    assert np.allclose(np.diff(np.log(levels)), np.log(levels[1] / levels[0]))  # geometric
    q = quantile_levels(z, 6)
    assert len(q) == 6 and z.min() < q[0] < q[-1] < z.max()
    assert np.mean(z <= q[0]) == pytest.approx(0.04, abs=0.01)
    assert len(log_levels(np.zeros((3, 3)), 0.0, 5)) == 1  # nothing above the floor
