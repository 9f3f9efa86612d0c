"""`calcterm bench`: how fast each scene computes and renders, and how the TUI behaves.

Speed is measured here and never asserted in the tests. The stages, each announced by one line
on stderr:
  * every scene at its defaults at each size (120×40 and 200×60 unless `--size` says
    otherwise) and at its `heaviest` parameters at the first size: compute and render per
    frame (`bench_frames`), against matplotlib drawing the same figures when it is installed
    (at the first size);
    a default frame over its budget is flagged (BUDGETS);
  * for a scene that trains a network (vanishing): the machine's matrix-multiply rate in the
    network's dtype beside the rate the scene's heaviest step achieves, the network's SGD
    step alone, and the bytes the network must hold (`bench_machine`);
  * startup: `calcterm list`, `calcterm --help` and the TUI's first paint;
  * the TUI in a pseudo-terminal (`bench_tui`): key press to repaint while the heaviest
    scene plays, its peak memory, and the CPU it uses once paused and once a scene has
    finished.
The machine may be shared: every figure is a median (and p95), and the load average at the
start and the end is reported beside them.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

from calcterm import bench_frames, bench_tui

DEFAULT_SIZES: tuple[tuple[int, int], ...] = ((120, 40), (200, 60))
BUDGETS: dict[tuple[int, int], dict[str, float]] = {
    (120, 40): {"median_ms": 8.0, "p95_ms": 16.0},
    (200, 60): {"median_ms": 16.0},
}
"""Per-frame budgets (compute + render) for every scene at its defaults."""
TARGETS = {"idle_cpu_percent": 2.0, "key_latency_p95_ms": 100.0, "gemm_ratio": 0.5,
           "rss_ratio": 1.5}
FINISH_SEARCH_STEPS = 2000
FINISH_SEARCH_SECONDS = 0.5


@dataclass
class Options:
    scene_ids: list[str]
    sizes: tuple[tuple[int, int], ...] = DEFAULT_SIZES
    frames: int = 60
    seconds: float = 0.3
    memory_frames: int = 30
    keys: int = 20
    tui: bool = True


@dataclass
class Progress:
    """One line per stage on a stream, terminal or not: `bench [k/n] m:ss what`."""

    total: int
    stream: Any = field(default_factory=lambda: sys.stderr)
    done: int = 0
    started: float = field(default_factory=time.perf_counter)

    def __call__(self, what: str) -> None:
        self.done += 1
        elapsed = int(time.perf_counter() - self.started)
        print(f"bench [{self.done}/{self.total}] {elapsed // 60}:{elapsed % 60:02d} {what}",
              file=self.stream, flush=True)


@contextlib.contextmanager
def interruptible() -> Iterator[None]:
    """Turn SIGTERM into `Interrupted` and Ctrl-C into KeyboardInterrupt, remembered so that the
    TUI probes raise them again should an after-fork hook swallow the first; and, however the
    bench ends (finished, Ctrl-C, SIGTERM, an error), end every measuring child it started."""
    def stop(signum: int, frame: Any) -> None:
        bench_tui.request_stop(signum)

    previous_term = signal.signal(signal.SIGTERM, stop)
    previous_int = signal.getsignal(signal.SIGINT)
    if previous_int is signal.default_int_handler:  # not when Ctrl-C is ignored (no terminal)
        signal.signal(signal.SIGINT, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous_term)
        if previous_int is signal.default_int_handler:
            signal.signal(signal.SIGINT, previous_int)
        bench_tui.stop_children()
        bench_tui.forget_stop()


def stage_count(options: Options) -> int:
    per_scene = len(options.sizes) + 1
    tui = 3 if options.tui and bench_tui.supported() is None else 0
    return len(options.scene_ids) * per_scene + 1 + tui


def run(options: Options, progress: Callable[[str], None]) -> dict[str, Any]:
    from calcterm import bench_machine
    from calcterm.registry import get

    matplotlib = bench_frames.have_matplotlib()
    report: dict[str, Any] = {
        "python": sys.version.split()[0], "sizes": [list(s) for s in options.sizes],
        "frames": options.frames, "seconds": options.seconds, "matplotlib": matplotlib,
        "load_average": {"start": _load()}, "targets": TARGETS, "runs": [], "heavy_step": None,
    }
    heaviest: tuple[float, str] = (-1.0, "")
    for scene_id in options.scene_ids:
        cls = get(scene_id)
        scene = cls()
        bench_frames.prepare(scene)
        for size in options.sizes:
            progress(f"{scene_id}: defaults at {size[0]}×{size[1]}")
            report["runs"].append(_run(scene_id, "default", size, options, scene,
                                       matplotlib and size == options.sizes[0]))
        progress(f"{scene_id}: heaviest at {options.sizes[0][0]}×{options.sizes[0][1]}")
        scene = cls(dict(cls.heaviest))
        bench_frames.prepare(scene)
        run_ = _run(scene_id, "heaviest", options.sizes[0], options, scene, matplotlib)
        report["runs"].append(run_)
        if "error" in run_:
            continue
        heaviest = max(heaviest, (run_["frame"]["median_ms"], scene_id))
        if report["heavy_step"] is None and bench_machine.find_network(scene) is not None:
            report["heavy_step"] = bench_machine.heavy_step(scene, run_["compute"]["median_ms"],
                                                            options.seconds * 6)
    report["over_budget"] = [f"{r['scene']} {r['setting']} {r['size'][0]}×{r['size'][1]}: {o}"
                             for r in report["runs"] for o in r.get("over", ())]
    report["errors"] = [f"{r['scene']} {r['setting']} {r['size'][0]}×{r['size'][1]}: {r['error']}"
                        for r in report["runs"] if "error" in r]
    progress("startup: calcterm list, --help, TUI first paint")
    report["startup"] = startup(options.tui and bench_tui.supported() is None)
    report["tui"] = tui_probes(options, heaviest[1], progress)
    if report["heavy_step"] and report["tui"].get("memory"):
        memory = report["tui"]["memory"]
        if memory.get("scene") == report["heavy_step"]["scene"]:
            memory["held_mb"] = report["heavy_step"]["held_bytes"]["total"] / 2 ** 20
            memory["ratio"] = memory["peak_rss_mb"] / memory["held_mb"]
    report["load_average"]["end"] = _load()
    return report


def _run(scene_id: str, setting: str, size: tuple[int, int], options: Options, scene,
         matplotlib: bool) -> dict[str, Any]:
    """One row; a scene that fails is reported as such and the bench goes on."""
    row = {"scene": scene_id, "setting": setting, "size": list(size),
           "params": dict(scene.values) if setting == "heaviest" else {}}
    try:
        result = bench_frames.time_scene(scene, size, options.frames, options.seconds, matplotlib)
    except Exception as exc:  # noqa: BLE001  (any failure of a scene is what the row reports)
        return {**row, "error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"}
    budget = BUDGETS.get(tuple(size)) if setting == "default" else None
    over = [f"{key.split('_')[0]} {result['frame'][key]:.1f} ms > {limit:g} ms"
            for key, limit in (budget or {}).items() if result["frame"][key] > limit]
    return {**row, **result, "budget": budget, "over": over}


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _wall(args: list[str], runs: int = 3) -> float:
    """Median wall seconds of a fresh process."""
    import statistics
    import subprocess

    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(args, capture_output=True, check=True, timeout=120)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def startup(with_tui: bool) -> dict[str, float | None]:
    exe = [sys.executable, "-m", "calcterm"]
    paint = None
    if with_tui:
        try:
            paint = bench_tui.first_paint()
        except (TimeoutError, RuntimeError, OSError):
            paint = None  # the table then leaves it out; the TUI probes will say what failed
    return {"list_s": _wall([*exe, "list"]), "help_s": _wall([*exe, "--help"]),
            "tui_first_paint_s": paint}


def finishing_scene(scene_ids: list[str]) -> tuple[Any, float] | None:
    """The scene (at its defaults, without slow preparation) whose story ends soonest at 1×,
    and the seconds it takes; None when none ends within the search."""
    from calcterm.host.scene_screen import FPS
    from calcterm.registry import get

    best = None
    for scene_id in scene_ids:
        cls = get(scene_id)
        scene = cls()
        if scene.job() is not None:
            continue
        stop = time.perf_counter() + FINISH_SEARCH_SECONDS
        while not scene.done and scene.t < FINISH_SEARCH_STEPS and time.perf_counter() < stop:
            scene.step()
        if scene.done:
            seconds = scene.t * scene.pace / FPS
            if best is None or seconds < best[1]:
                best = (cls, seconds)
    return best


def tui_probes(options: Options, heaviest_id: str,
               progress: Callable[[str], None]) -> dict[str, Any]:
    """Key latency, peak RSS and idle CPU of the real TUI (or why they were not measured)."""
    from calcterm.registry import get

    why = "skipped (--no-tui)" if not options.tui else bench_tui.supported()
    if why:
        return {"note": why}
    out: dict[str, Any] = {"idle_cpu_percent": {}, "failed": []}
    idle = out["idle_cpu_percent"]
    cls = get(heaviest_id)
    progress(f"TUI: {heaviest_id} heaviest playing, {options.keys} key presses, "
             f"{options.memory_frames} steps, then paused")
    try:
        played = bench_tui.playing_probe(cls, dict(cls.heaviest), options.keys,
                                         options.memory_frames, seconds=20.0)
    except (TimeoutError, RuntimeError, OSError) as exc:
        out["failed"].append(f"{heaviest_id} heaviest: {exc}")
    else:
        out["key_latency_ms"] = {"scene": heaviest_id, **played["key_latency_ms"]}
        out["memory"] = {"scene": heaviest_id, "steps": played["steps"],
                         "peak_rss_mb": played["peak_rss_mb"]}
        idle.update(paused_heaviest=played["idle_cpu_percent_paused"],
                    heaviest_scene=heaviest_id, heaviest_settle_s=played["settle_s"])
    progress("TUI: looking for the scene that finishes soonest")
    found = finishing_scene(options.scene_ids)
    progress("TUI: a scene left paused as it opens, then played to its end at 4× and left")
    if found is None:
        idle["note"] = "no scene reached its end in the search"
        return out
    cls, seconds = found
    try:
        done = bench_tui.finished_probe(cls, seconds / 4)
    except (TimeoutError, RuntimeError, OSError) as exc:
        out["failed"].append(f"{cls.id} played to its end: {exc}")
    else:
        idle.update(paused=done["idle_cpu_percent_paused"],
                    finished=done["idle_cpu_percent_finished"], scene=cls.id)
        out.setdefault("memory", {})["light_scene_rss_mb"] = done["rss_mb"]
    return out


def to_json(report: dict[str, Any]) -> str:
    return json.dumps(report, indent=2, allow_nan=False)


def table(report: dict[str, Any]) -> str:
    """The report as text for a person."""
    from calcterm.bench_table import table as make

    return make(report)
