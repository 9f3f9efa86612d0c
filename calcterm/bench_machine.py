"""What this machine can do, beside what the heaviest network scene gets out of it.

The matrix-multiply rate is measured on a square product big enough for BLAS to reach its
peak (n = 1024, 2n³ flops a call), in the dtype in question, with the BLAS threads numpy was
given. A network's SGD step counts only its three matrix products per layer
(`network.step_flops`), so its rate over the machine's is the share of the peak the step
actually turns into useful products: the rest is elementwise work, memory traffic and Python.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

import numpy as np

GEMM_SIZE = 1024


def gemm_rate(dtype: np.typing.DTypeLike, seconds: float = 0.5) -> float:
    """GFLOP/s of an n×n by n×n product in `dtype` (median call over about `seconds`)."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((GEMM_SIZE, GEMM_SIZE)).astype(dtype)
    b = rng.standard_normal((GEMM_SIZE, GEMM_SIZE)).astype(dtype)
    c = np.empty_like(a)
    np.matmul(a, b, out=c)  # warm-up: threads started, pages touched
    times: list[float] = []
    stop = time.perf_counter() + seconds
    while len(times) < 3 or (time.perf_counter() < stop and len(times) < 200):
        t0 = time.perf_counter()
        np.matmul(a, b, out=c)
        times.append(time.perf_counter() - t0)
    return 2.0 * GEMM_SIZE ** 3 / statistics.median(times) / 1e9


def find_network(scene) -> Any | None:
    """The `network.Network` a scene trains, if it holds one (in its attributes or one level
    below them), else None. Generic on purpose: the bench names no scene's internals."""
    from calcterm.compute.network import Network

    seen = [scene]
    for _ in range(2):
        found = []
        for obj in seen:
            for value in getattr(obj, "__dict__", {}).values():
                if isinstance(value, Network):
                    return value
                if hasattr(value, "__dict__") and not isinstance(value, type):
                    found.append(value)
        seen = found
    return None


def batch_of(net) -> int | None:
    """The batch size of the last training step (the scratch buffers are sized for it)."""
    scratch = getattr(net, "scratch", None)
    return None if scratch is None else int(scratch.h.shape[1])


def network_step(net, batch: int, steps: int = 4, seconds: float = 3.0) -> dict[str, Any]:
    """Time `network.train_step` alone on a fresh net shaped like `net`, in the precision the
    network module picks for its size (`precision_for`): median ms, GFLOP/s, and its dtype."""
    from calcterm.compute.network import build_network, precision_for, smooth_target, step_flops, train_step

    dtype = precision_for(net.depth, net.width)
    rng = np.random.default_rng(0)
    fresh = build_network(rng, net.depth, net.width, net.activation, "xavier", 1.0,
                          net.residual, net.layernorm, dtype=dtype)
    direction = np.eye(net.width)[0]
    x = rng.standard_normal((batch, net.width))
    y = smooth_target(x, direction)
    train_step(fresh, x, y, 1e-4)  # warm-up: the scratch buffers are allocated here
    times: list[float] = []
    stop = time.perf_counter() + seconds
    while not times or (len(times) < steps and time.perf_counter() < stop):
        t0 = time.perf_counter()
        train_step(fresh, x, y, 1e-4)
        times.append(time.perf_counter() - t0)
    median = statistics.median(times)
    return {"dtype": str(np.dtype(dtype)), "steps": len(times), "step_ms": median * 1e3,
            "gflops": step_flops(net.depth, net.width, batch) / median / 1e9}


def heavy_step(scene, compute_median_ms: float, seconds: float) -> dict[str, Any] | None:
    """For a scene that trains a `Network`: its step's useful rate beside the machine's matrix
    rate in the same dtype, the network's step alone, and the bytes the network must hold."""
    from calcterm.compute.network import step_flops, step_memory

    net = find_network(scene)
    batch = batch_of(net) if net is not None else None
    if net is None or batch is None:
        return None
    dtype = str(net.dtype)
    flops = step_flops(net.depth, net.width, batch)
    alone = network_step(net, batch, seconds=seconds)
    machine = {name: gemm_rate(name) for name in {dtype, alone["dtype"]}}
    scene_rate = flops / (compute_median_ms / 1e3) / 1e9
    alone["machine_gflops"] = machine[alone["dtype"]]
    alone["ratio"] = alone["gflops"] / alone["machine_gflops"]
    return {
        "scene": scene.id, "depth": net.depth, "width": net.width, "batch": batch,
        "dtype": dtype, "step_gflop": flops / 1e9, "step_ms": compute_median_ms,
        "gflops": scene_rate, "machine_gflops": machine[dtype],
        "ratio": scene_rate / machine[dtype], "network_alone": alone,
        "held_bytes": step_memory(net.depth, net.width, batch, net.layernorm, net.dtype),
    }
