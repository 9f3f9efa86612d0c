"""Contours: marching squares against exact level sets, clipping against brute force."""

from __future__ import annotations

import math

import numpy as np
import pytest

from calcterm.compute.contours import (
    DotTrail, clip_segments, grid, log_levels, marching_squares, polyline_segments, quantile_levels,
    sample_segments, thin_to_dots,
)


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


def test_sample_segments_spacing():
    segs = np.array([[[0.0, 0.0], [1.0, 0.0]], [[0.0, 0.0], [0.0, 2.0]]])
    x, y = sample_segments(segs, 0.1, 0.5)
    assert len(x) == 11 + 5
    assert np.allclose(np.diff(x[:11]), 0.1) and np.allclose(np.diff(y[11:]), 0.5)
    assert sample_segments(np.empty((0, 2, 2)), 1, 1)[0].size == 0


def test_clip_segments_against_dense_sampling():
    rng = np.random.default_rng(4)
    segs = rng.uniform(-3, 3, (300, 2, 2))
    segs[:5, :, 0] = 0.5  # vertical segments
    segs[5:10, :, 1] = 4.0  # horizontal, outside the view
    view = (-1.0, 1.5, -2.0, 0.5)
    clipped = clip_segments(segs, view)
    t = np.linspace(0, 1, 4001)[:, None, None]
    dense = segs[None, :, 0] + t * (segs[None, :, 1] - segs[None, :, 0])
    inside = ((dense[..., 0] >= view[0]) & (dense[..., 0] <= view[1])
              & (dense[..., 1] >= view[2]) & (dense[..., 1] <= view[3]))
    expected_length = (inside.mean(axis=0) * np.hypot(*(segs[:, 1] - segs[:, 0]).T)).sum()
    got_length = np.hypot(*(clipped[:, 1] - clipped[:, 0]).T).sum()
    assert got_length == pytest.approx(expected_length, rel=2e-3)
    eps = 1e-12
    assert np.all((clipped[..., 0] >= view[0] - eps) & (clipped[..., 0] <= view[1] + eps))
    assert np.all((clipped[..., 1] >= view[2] - eps) & (clipped[..., 1] <= view[3] + eps))
    assert len(clipped) == inside.any(axis=0).sum()


def test_polyline_and_thinning():
    pts = np.array([[0.0, 0.0], [1.0, 1.0], [2.0, 0.0]])
    assert polyline_segments(pts).shape == (2, 2, 2)
    assert polyline_segments(pts[:1]).shape == (0, 2, 2)
    rng = np.random.default_rng(0)
    x, y = rng.uniform(-1, 2, 20000), rng.uniform(-1, 2, 20000)
    view = (0.0, 1.0, 0.0, 1.0)
    tx, ty = thin_to_dots(x, y, view, cols=10, rows=5)
    cells = set(zip(np.minimum((tx * 20).astype(int), 19), np.minimum((ty * 20).astype(int), 19)))
    assert len(cells) == len(tx) > 390  # at most once each of the 20 × 20 dots (a few stay empty)
    assert np.all((tx >= 0) & (tx <= 1) & (ty >= 0) & (ty <= 1))
    assert len(thin_to_dots(x, y, view, cols=10, rows=5, limit=50)[0]) == 50


def test_dot_trail_grown_in_pieces_equals_drawn_at_once():
    rng = np.random.default_rng(2)
    path = np.cumsum(rng.normal(0, 0.4, (300, 2)), axis=0)
    path[150] = [40.0, -3.0]  # one excursion far outside the view
    view = (-3.0, 3.0, -2.0, 4.0)
    whole = DotTrail(view, 30, 12)
    whole.extend(path)
    pieces = DotTrail(view, 30, 12)
    for chunk in np.array_split(path, 17):
        pieces.extend(chunk)
    assert np.array_equal(whole.hit, pieces.hit) and whole.hit.any()
    x, y = whole.points()
    assert np.all((x > view[0]) & (x < view[1]) & (y > view[2]) & (y < view[3]))
    # every dot the trail marks lies within one dot of the true polyline
    dense = path[:-1, None] + np.linspace(0, 1, 200)[None, :, None] * (path[1:] - path[:-1])[:, None]
    dense = dense.reshape(-1, 2)
    dist = np.min(np.hypot((x[:, None] - dense[None, :, 0]) / whole.dx,
                           (y[:, None] - dense[None, :, 1]) / whole.dy), axis=1)
    assert dist.max() < 1.0
