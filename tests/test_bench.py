"""`calcterm bench`: what it reports is complete and consistent (never how fast anything is)."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import subprocess
import sys
import time

import pytest

from calcterm import bench, bench_frames
from calcterm.compute.network import step_flops, step_memory
from calcterm.registry import get
from helpers import SCENE_IDS, run_cli
from processes import descendants, wait_gone

QUICK = ("--frames", "1", "--seconds", "0.05")
PROGRESS = re.compile(r"^bench \[(\d+)/(\d+)\] \d+:\d\d \S.*$")


def positive(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value) and value > 0


def progress_lines(stderr: str) -> list[tuple[int, int]]:
    """(k, n) of every progress line; every stderr line must be one."""
    lines = stderr.splitlines()
    matches = [PROGRESS.match(line) for line in lines]
    assert all(matches), stderr
    return [(int(m.group(1)), int(m.group(2))) for m in matches]


def check_timing(run: dict) -> None:
    for part in ("compute", "render", "frame"):
        assert run[part]["median_ms"] >= 0 and run[part]["p95_ms"] >= run[part]["median_ms"]
    assert positive(run["frame"]["median_ms"]) and run["frames"] >= 1


# the bench's report, end to end, over a cheap scene and the network scene (whose heaviest step
# carries the machine's matrix rate); every scene's heaviest settings are drawn in test_contract
BENCHED = ("tangent", "vanishing")


@pytest.mark.e2e
def test_each_scene_at_each_size_with_budgets_and_the_network_rates():
    result = run_cli("bench", *BENCHED, *QUICK, "--no-tui", "--size", "100x30", "--size", "120x40",
                     "--json", timeout=900)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    stages = progress_lines(result.stderr)
    assert stages == [(k, len(stages)) for k in range(1, len(stages) + 1)]
    assert len(stages) == 3 * len(BENCHED) + 1  # two sizes + heaviest per scene, startup
    rows = {(r["scene"], r["setting"], tuple(r["size"])) for r in report["runs"]}
    assert rows == {(s, setting, size) for s in BENCHED
                    for setting, size in (("default", (100, 30)), ("default", (120, 40)),
                                          ("heaviest", (100, 30)))}
    for r in report["runs"]:
        check_timing(r)
        budget = bench.BUDGETS.get(tuple(r["size"])) if r["setting"] == "default" else None
        assert r["budget"] == budget
        over = {o.split()[0] for o in r["over"]}
        assert over == {k.split("_")[0] for k, limit in (budget or {}).items()
                        if r["frame"][k] > limit}
        if report["matplotlib"] and r["size"] == [100, 30]:  # matplotlib at the first size
            assert positive(r["matplotlib"]["median_ms"]) and positive(r["ratio"])
        else:
            assert "matplotlib" not in r
        if r["setting"] == "heaviest":
            heaviest = json.loads(json.dumps(get(r["scene"]).heaviest))
            assert {k: r["params"][k] for k in heaviest} == heaviest
    assert len(report["over_budget"]) == sum(len(r["over"]) for r in report["runs"])
    assert positive(report["startup"]["list_s"]) and positive(report["startup"]["help_s"])
    assert report["tui"] == {"note": "skipped (--no-tui)"}

    h = report["heavy_step"]
    assert h["scene"] == "vanishing"
    heaviest = get("vanishing").heaviest
    assert (h["depth"], h["width"], h["batch"]) == (heaviest["depth"], heaviest["width"],
                                                   heaviest["batch"])
    assert h["step_gflop"] == pytest.approx(step_flops(h["depth"], h["width"], h["batch"]) / 1e9)
    assert h["held_bytes"] == step_memory(h["depth"], h["width"], h["batch"], True, h["dtype"])
    assert h["gflops"] == pytest.approx(h["step_gflop"] / (h["step_ms"] / 1e3))
    assert h["ratio"] == pytest.approx(h["gflops"] / h["machine_gflops"])
    alone = h["network_alone"]
    assert alone["dtype"] == "float32" and positive(alone["machine_gflops"])
    assert alone["ratio"] == pytest.approx(alone["gflops"] / alone["machine_gflops"])


@pytest.mark.parametrize("scene_id", SCENE_IDS)
def test_every_scene_times_and_matplotlib_draws_its_figures(scene_id):
    """The frame timing the bench runs for each scene, in-process: one frame after warming up,
    and (with matplotlib installed, the `bench` extra) the same figures drawn by matplotlib."""
    scene = get(scene_id)()
    bench_frames.prepare(scene)
    result = bench_frames.time_scene(scene, (100, 30), 1, 0.01, bench_frames.have_matplotlib())
    check_timing(result)
    assert result["size"] == [100, 30] and "matplotlib_error" not in result
    if bench_frames.have_matplotlib():
        assert positive(result["matplotlib"]["median_ms"]) and positive(result["ratio"])


@pytest.mark.terminal
def test_the_tui_probes_report_latency_idle_cpu_and_memory():
    result = run_cli("bench", "tangent", *QUICK, "--keys", "2", "--memory-frames", "2", "--json",
                     timeout=600)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    stages = progress_lines(result.stderr)
    assert stages == [(k, 7) for k in range(1, 8)]
    assert "TUI" in result.stderr.splitlines()[-1]
    tui = report["tui"]
    key = tui["key_latency_ms"]
    assert key["scene"] == "tangent" and key["presses"] == 2
    assert positive(key["p50"]) and key["p95"] >= key["p50"]
    idle = tui["idle_cpu_percent"]
    assert idle["heaviest_scene"] == "tangent" and 0 <= idle["paused_heaviest"] < math.inf
    assert idle["heaviest_settle_s"] >= 0
    if idle["finished"] is None:
        assert idle["note"] and idle["paused"] is None
    else:
        assert idle["scene"] == "tangent"
        assert 0 <= idle["paused"] < math.inf and 0 <= idle["finished"] < math.inf
    assert positive(tui["memory"]["peak_rss_mb"]) and tui["memory"]["steps"] >= 0
    assert positive(report["startup"]["tui_first_paint_s"])
    table = bench.table(report)
    assert "key_latency_ms while tangent heaviest plays" in table
    assert "idle_cpu_percent: tangent heaviest paused after playing" in table


@pytest.mark.terminal
@pytest.mark.parametrize("sig, status", [(signal.SIGTERM, 128 + signal.SIGTERM),
                                         (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"])
def test_a_signal_ends_the_bench_and_every_child_it_started(sig, status):
    bench_process = subprocess.Popen(
        [sys.executable, "-m", "calcterm", "bench", "tangent", *QUICK, "--keys", "1000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONFAULTHANDLER": "1"},  # SIGABRT prints where a hang is
        # as from a terminal: pytest-xdist workers ignore SIGINT, and children inherit that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        for line in bench_process.stderr:
            if "TUI: tangent heaviest playing" in line:
                break
        deadline = time.monotonic() + 60
        while not (children := descendants(bench_process.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert children, "the bench started no TUI"
        bench_process.send_signal(sig)
        try:
            bench_process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            bench_process.send_signal(signal.SIGABRT)
            raise AssertionError(f"the bench ignored {sig.name} for 30 s; its threads:\n"
                                 f"{bench_process.communicate(timeout=30)[1][-6000:]}") from None
        assert bench_process.returncode == status
        assert not wait_gone(children, timeout=10), "the bench left its measuring children"
    finally:
        if bench_process.poll() is None:
            bench_process.kill()
            bench_process.wait()


def test_a_stop_swallowed_by_an_after_fork_hook_is_raised_again():
    from calcterm import bench_tui

    for sig, raised in ((signal.SIGTERM, bench_tui.Interrupted), (signal.SIGINT, KeyboardInterrupt)):
        try:
            bench_tui.request_stop(sig)
        except raised:
            pass  # as logging's after-fork hook did with the handler's exception
        with pytest.raises(raised):
            bench_tui.check_stop()  # the probe's next poll
        bench_tui.forget_stop()
        bench_tui.check_stop()  # a later bench starts unstopped


def test_bench_rejects_unknown_scene():
    result = run_cli("bench", "nosuch")
    assert result.returncode == 2 and "unknown scene" in result.stderr


def report_with(frame_median: float, matplotlib: bool = False) -> dict:
    timing = {"median_ms": frame_median, "p95_ms": frame_median * 2}
    run = {"scene": "tangent", "setting": "default", "size": [120, 40], "frames": 3,
           "compute": timing, "render": timing, "frame": timing, "budget": {"median_ms": 8.0},
           "over": [f"median {frame_median:.1f} ms > 8 ms"] if frame_median > 8 else []}
    return {"frames": 3, "seconds": 0.5, "python": "3", "matplotlib": matplotlib,
            "load_average": {"start": [1.0, 1.0, 1.0], "end": [1.0, 1.0, 1.0]},
            "targets": bench.TARGETS, "runs": [run], "over_budget": [], "heavy_step": None,
            "startup": {"list_s": 0.1, "help_s": 0.1, "tui_first_paint_s": None},
            "tui": {"note": "skipped (--no-tui)"}}


def test_table_says_how_to_get_matplotlib_and_flags_rows_over_budget():
    text = bench.table(report_with(9.5))
    assert "pip install 'calcterm[bench]'" in text
    row = next(line for line in text.splitlines() if line.startswith("tangent"))
    assert "9.50 / 19.00" in row and row.endswith("OVER: median 9.5 ms > 8 ms")
    row = next(line for line in bench.table(report_with(2.0)).splitlines()
               if line.startswith("tangent"))
    assert row.endswith("ok")


def test_percentiles():
    p = bench.bench_frames.percentiles([0.001 * i for i in range(1, 101)])
    assert p["median_ms"] == pytest.approx(50.5) and p["p95_ms"] == pytest.approx(95.0)


def test_table_names_a_failed_tui_probe_and_keeps_the_rest():
    report = report_with(2.0)
    report["tui"] = {"idle_cpu_percent": {"note": "no scene reached its end in the search"},
                     "failed": ["vanishing heaviest: calcterm did not show 'paused' within 120 s"]}
    text = bench.table(report)
    assert "TUI probe failed: vanishing heaviest: calcterm did not show 'paused'" in text
    assert "idle_cpu_percent: paused and finished — no scene reached its end" in text
    assert next(line for line in text.splitlines() if line.startswith("tangent")).endswith("ok")
