"""`calcterm bench`: how fast each scene computes and renders, against matplotlib.

Speed is measured here and never asserted in the tests. For every scene, at its defaults and
at its `heaviest` parameters, each frame is timed in two parts: compute (the scene's
animation step) and render (draw the figure, lay it out in cells and turn it into the Rich
segments a terminal receives). The same figure description is drawn by matplotlib's Agg
backend into a raster buffer of the same aspect, timed the same way. Startup and memory
are measured in fresh processes.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any, Callable, Iterable

WARMUP = 5
CELL_INCHES = (0.1, 0.2)  # a terminal cell is about twice as tall as it is wide


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median_ms": statistics.median(ordered) * 1e3, "p95_ms": p95 * 1e3}


def have_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _terminal_segments(canvas, width: int):
    from rich.console import Console

    console = Console(width=width, color_system="truecolor", file=open(os.devnull, "w"),
                      legacy_windows=False)
    return list(console.render(canvas.to_rich(), console.options.update(width=width)))


def time_scene(cls, values: dict[str, Any], size: tuple[int, int], frames: int,
               seed: int | None = None) -> dict[str, Any]:
    """Median and p95 of compute and render per frame, and matplotlib on the same figures."""
    from calcterm.headless import finish_work
    from calcterm.render import layout

    width, height = size
    scene = cls(values, seed=seed)
    finish_work(scene)
    figures = []
    compute, render = [], []
    for i in range(WARMUP + frames):
        t0 = time.perf_counter()
        scene.step()
        t1 = time.perf_counter()
        figure = scene.draw(width, height)
        _terminal_segments(layout(figure, width, height), width)
        t2 = time.perf_counter()
        if i >= WARMUP:
            compute.append(t1 - t0)
            render.append(t2 - t1)
            figures.append(figure)
    result = {"params": values, "compute": percentiles(compute), "render": percentiles(render),
              "frame": percentiles([c + r for c, r in zip(compute, render)])}
    if have_matplotlib():
        mpl = time_matplotlib(figures, size)
        result["matplotlib"] = percentiles(mpl)
        result["ratio"] = result["matplotlib"]["median_ms"] / result["render"]["median_ms"]
    return result


def time_matplotlib(figures, size: tuple[int, int]) -> list[float]:
    """Draw each figure with matplotlib Agg into an RGBA buffer; seconds per figure."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure as MplFigure
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    width, height = size
    fig = MplFigure(figsize=(width * CELL_INCHES[0], height * CELL_INCHES[1]), dpi=80)
    FigureCanvasAgg(fig)
    draw_matplotlib(fig, figures[0])  # warm-up: fonts and caches
    times = []
    for figure in figures:
        t0 = time.perf_counter()
        draw_matplotlib(fig, figure)
        times.append(time.perf_counter() - t0)
    return times


def draw_matplotlib(fig, figure) -> None:
    import numpy as np

    from calcterm.plot import Bars, HLine, Label, Line, Points, VLine

    fig.clf()
    for i, panel in enumerate(figure.panels[: figure.rows * figure.cols]):
        ax = fig.add_subplot(figure.rows, figure.cols, i + 1)
        ax.set_xscale(panel.xscale)
        ax.set_yscale(panel.yscale)
        for s in panel.series:
            if isinstance(s, Line):
                ax.plot(s.x, s.y, label=s.label or None)
            elif isinstance(s, Points):
                ax.scatter(s.x, s.y, s=2, label=s.label or None)
            elif isinstance(s, Bars):
                x = np.asarray(s.x, dtype=float)
                step = float(np.min(np.diff(np.sort(x)))) if x.size > 1 else 1.0
                ax.bar(x, s.heights, width=s.width * step, label=s.label or None)
            elif isinstance(s, HLine):
                ax.axhline(s.y)
            elif isinstance(s, VLine):
                ax.axvline(s.x)
            elif isinstance(s, Label):
                ax.text(s.x, s.y, s.text)
        if panel.xlim:
            ax.set_xlim(*panel.xlim)
        if panel.ylim:
            ax.set_ylim(*panel.ylim)
        ax.set_title(panel.title)
        ax.set_xlabel(panel.xlabel)
        if any(getattr(s, "label", "") for s in panel.series):
            ax.legend(loc="upper left")
    fig.canvas.draw()
    fig.canvas.buffer_rgba()


def _wall(args: list[str], env: dict[str, str] | None = None, runs: int = 3) -> float:
    """Median wall seconds of a fresh process."""
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(args, capture_output=True, check=True, env=env, timeout=120)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


FIRST_PAINT = """
import asyncio, os, sys, time
from calcterm.host.app import CalcTermApp

async def main():
    app = CalcTermApp()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        print(time.time() - float(os.environ["CALCTERM_T0"]))

asyncio.run(main())
"""

MEMORY = """
import asyncio, resource, sys
from calcterm.host.app import CalcTermApp
from calcterm.host.scene_screen import SceneScreen
from calcterm.headless import finish_work
from calcterm.registry import get

scene_id, frames = sys.argv[1], int(sys.argv[2])
cls = get(scene_id)
scene = cls(dict(cls.heaviest))
finish_work(scene)

async def main():
    app = CalcTermApp(scene=scene)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        screen = app.screen
        for _ in range(frames):
            screen.tick()
            await pilot.pause()
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(before / 1024, after / 1024)

asyncio.run(main())
"""


def startup() -> dict[str, float]:
    exe = [sys.executable, "-m", "calcterm"]
    env = dict(os.environ)
    t0 = time.time()
    env["CALCTERM_T0"] = repr(t0)
    paint = subprocess.run([sys.executable, "-c", FIRST_PAINT], capture_output=True, text=True,
                           check=True, env=env, timeout=120)
    return {"list_s": _wall([*exe, "list"]), "help_s": _wall([*exe, "--help"]),
            "tui_first_paint_s": float(paint.stdout.strip().splitlines()[-1])}


def memory(scene_id: str, frames: int) -> dict[str, Any]:
    out = subprocess.run([sys.executable, "-c", MEMORY, scene_id, str(frames)], capture_output=True,
                         text=True, check=True, timeout=3600)
    before, after = (float(v) for v in out.stdout.split())
    return {"scene": scene_id, "frames": frames, "rss_before_mb": before, "peak_rss_mb": after}


def run(scene_ids: Iterable[str], size: tuple[int, int], frames: int, memory_frames: int,
        progress: Callable[[str], None] = lambda label: None) -> dict[str, Any]:
    from calcterm.registry import get

    scenes = {}
    heaviest_scene, heaviest_ms = None, -1.0
    for scene_id in scene_ids:
        cls = get(scene_id)
        progress(f"{scene_id} defaults")
        default = time_scene(cls, {}, size, frames)
        progress(f"{scene_id} heaviest")
        heavy = time_scene(cls, dict(cls.heaviest), size, frames)
        scenes[scene_id] = {"default": default, "heaviest": heavy}
        if heavy["frame"]["median_ms"] > heaviest_ms:
            heaviest_scene, heaviest_ms = scene_id, heavy["frame"]["median_ms"]
    progress("startup")
    report = {"size": list(size), "frames": frames, "python": sys.version.split()[0],
              "matplotlib": have_matplotlib(), "scenes": scenes, "startup": startup()}
    if heaviest_scene is not None:
        progress(f"memory ({heaviest_scene}, {memory_frames} frames)")
        report["memory"] = memory(heaviest_scene, memory_frames)
    return report


def table(report: dict[str, Any]) -> str:
    """The report as a human-readable table."""
    w, h = report["size"]
    lines = [f"calcterm bench — {w}×{h}, {report['frames']} frames after {WARMUP} warm-up, "
             f"Python {report['python']}",
             "times in ms: median / p95",
             f"{'scene':<10} {'params':<9} {'compute':>15} {'render':>15} {'frame':>15}"
             f" {'matplotlib':>15} {'mpl÷render':>10}"]

    def pair(d: dict[str, float]) -> str:
        return f"{d['median_ms']:.2f} / {d['p95_ms']:.2f}"

    for scene_id, runs in report["scenes"].items():
        for which, r in runs.items():
            mpl = pair(r["matplotlib"]) if "matplotlib" in r else "—"
            ratio = f"{r['ratio']:.1f}×" if "ratio" in r else "—"
            lines.append(f"{scene_id:<10} {which:<9} {pair(r['compute']):>15} {pair(r['render']):>15}"
                         f" {pair(r['frame']):>15} {mpl:>15} {ratio:>10}")
    if not report["matplotlib"]:
        lines.append("matplotlib is not installed: pip install 'calcterm[bench]' to compare with it")
    s = report["startup"]
    lines.append(f"startup: calcterm list {s['list_s']:.3f} s, calcterm --help {s['help_s']:.3f} s, "
                 f"TUI first paint {s['tui_first_paint_s']:.3f} s")
    if "memory" in report:
        m = report["memory"]
        lines.append(f"memory: {m['scene']} heaviest, peak RSS {m['peak_rss_mb']:.0f} MB after "
                     f"{m['frames']} frames (RSS {m['rss_before_mb']:.0f} MB before them)")
    return "\n".join(lines)


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, allow_nan=False)
