"""Frame timing for `calcterm bench`: one scene, one setting, one plot size.

A frame is timed in two parts, as the TUI spends it: compute (the scene's animation step) and
render (draw the figure, resolve its texts, lay it out in cells and turn it into the Rich
segments a terminal receives). Each run stops after `frames` frames or `seconds` of timed
frames, whichever comes first (at least MIN_FRAMES unless those alone take 4× the budget, then
at least one), so one slow scene cannot stall the bench.
The same figures are drawn by matplotlib's Agg backend into a raster of the same aspect, when
matplotlib is installed, within the same kind of budget.
"""

from __future__ import annotations

import os
import statistics
import time
import warnings
from typing import Any

WARMUP_FRAMES = 3
WARMUP_SECONDS = 0.15
MIN_FRAMES = 3
CELL_INCHES = (0.1, 0.2)  # a terminal cell is about twice as tall as it is wide


def percentiles(samples: list[float]) -> dict[str, float]:
    """Median and 95th percentile (nearest rank) of durations in seconds, as milliseconds."""
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]
    return {"median_ms": statistics.median(ordered) * 1e3, "p95_ms": p95 * 1e3}


def have_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


class Frames:
    """Draws a scene's figure the way the TUI's plot widget does, down to terminal segments."""

    def __init__(self, width: int, height: int) -> None:
        from rich.console import Console

        self.width, self.height = width, height
        self.console = Console(width=width, color_system="truecolor", file=open(os.devnull, "w"),
                               legacy_windows=False)

    def render(self, scene) -> Any:
        """The figure (for matplotlib), after rendering it to segments as a terminal would."""
        from calcterm.render import layout
        from calcterm.text import localize

        figure = localize(scene.draw(self.width, self.height), "en")
        canvas = layout(figure, self.width, self.height)
        list(self.console.render(canvas.to_rich(), self.console.options.update(width=self.width)))
        return figure

    def close(self) -> None:
        self.console.file.close()


def prepare(scene) -> None:
    """Finish a scene's slow preparation (its `job`) inline, as the CLI does."""
    scene.finish_job()


def time_scene(scene, size: tuple[int, int], frames: int, seconds: float,
               matplotlib: bool) -> dict[str, Any]:
    """Median and p95 of compute, render and their sum per frame; matplotlib on the same figures.

    A scene that reaches its end is restarted (outside the timing) so that every timed frame
    is a frame of a playing animation.
    """
    view = Frames(*size)
    compute, render, figures = [], [], []
    try:
        warm_until = time.perf_counter() + WARMUP_SECONDS
        for i in range(WARMUP_FRAMES):
            _frame(scene, view)
            if time.perf_counter() > warm_until:
                break
        start = time.perf_counter()
        while len(compute) < frames and _more(len(compute), time.perf_counter() - start, seconds):
            if scene.done:
                scene.reset()
                prepare(scene)
            t0 = time.perf_counter()
            scene.step()
            t1 = time.perf_counter()
            figures.append(view.render(scene))
            t2 = time.perf_counter()
            compute.append(t1 - t0)
            render.append(t2 - t1)
    finally:
        view.close()
    result: dict[str, Any] = {
        "size": list(size), "frames": len(compute), "compute": percentiles(compute),
        "render": percentiles(render), "frame": percentiles([c + r for c, r in zip(compute, render)]),
    }
    if matplotlib:
        try:
            result["matplotlib"] = percentiles(time_matplotlib(figures, size, seconds))
        except Exception as exc:  # noqa: BLE001  (matplotlib refusing a figure is not fatal)
            result["matplotlib_error"] = f"{type(exc).__name__}: {str(exc)[:200]}"
        else:
            result["ratio"] = result["matplotlib"]["median_ms"] / result["render"]["median_ms"]
    return result


def _more(done: int, elapsed: float, seconds: float) -> bool:
    """Within the budget; past it, still up to MIN_FRAMES unless even those overrun it 4×."""
    return elapsed < seconds or (done < MIN_FRAMES and elapsed < 4 * seconds)


def _frame(scene, view: Frames) -> None:
    if scene.done:
        scene.reset()
        prepare(scene)
    scene.step()
    view.render(scene)


def time_matplotlib(figures, size: tuple[int, int], seconds: float) -> list[float]:
    """Draw figures with matplotlib Agg into an RGBA buffer, within `seconds`; seconds each."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure as MplFigure

    width, height = size
    fig = MplFigure(figsize=(width * CELL_INCHES[0], height * CELL_INCHES[1]), dpi=80)
    FigureCanvasAgg(fig)
    draw_matplotlib(fig, figures[0])  # warm-up: fonts and caches
    times: list[float] = []
    start = time.perf_counter()
    for figure in figures:
        if not _more(len(times), time.perf_counter() - start, seconds):
            break
        t0 = time.perf_counter()
        draw_matplotlib(fig, figure)
        times.append(time.perf_counter() - t0)
    return times


def draw_matplotlib(fig, figure) -> None:
    """The figure description drawn with matplotlib, series by series."""
    fig.clf()
    with warnings.catch_warnings():  # e.g. "no artists with labels": not the bench's business
        warnings.simplefilter("ignore")
        _draw_panels(fig, figure)
    fig.canvas.draw()
    fig.canvas.buffer_rgba()


def _draw_panels(fig, figure) -> None:
    import numpy as np

    from calcterm.plot import Bars, HLine, Label, Line, Points, VLine

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
