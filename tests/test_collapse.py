"""The linear collapse against the network's own forward pass."""

from __future__ import annotations

import numpy as np
import pytest

from calcterm.compute.collapse import affine_collapse
from calcterm.compute.network import build_network, forward


@pytest.mark.parametrize("residual", [False, True])
def test_a_deep_linear_net_is_one_affine_map(residual):
    rng = np.random.default_rng(4)
    net = build_network(rng, 12, 16, "linear", "xavier", 0.1, residual, False)
    x = rng.standard_normal((40, 16))
    h = forward(net, x).h[-1]
    A, c = affine_collapse(net.W, net.b, net.branch_scale if residual else None)
    assert np.max(np.abs(h - (x @ A.T + c))) < 1e-10


def test_a_nonlinear_net_is_not():
    rng = np.random.default_rng(5)
    net = build_network(rng, 6, 16, "tanh", "xavier", 0.1, False, False)
    x = rng.standard_normal((40, 16))
    A, c = affine_collapse(net.W, net.b)
    assert np.max(np.abs(forward(net, x).h[-1] - (x @ A.T + c))) > 1e-3
