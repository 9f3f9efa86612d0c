"""Scene `brownian`: Brownian paths, their quadratic variation, Itô vs Stratonovich, scaling.

Memory: a run keeps O(paths × GRID) numbers, never paths × steps (2000 × 100 000 would be
1.6 GB); the fine increments are simulated in chunks and reduced on the spot
(`calcterm.compute.brownian.simulate`). Small runs finish inside `setup`; big ones finish
the first DRAWN paths there and the rest in `work()` (a background thread in the TUI).
"""

from __future__ import annotations

import math
from typing import Any, Iterator

import numpy as np

from calcterm.compute.brownian import (
    Ensemble, Integrals, expected_total_variation, normal_pdf, quadratic_variation_se,
    refinement_ladder, sample_var, simulate, stochastic_integrals, subgrid, zoom_indices,
)
from calcterm.params import Choice, Integer, Number
from calcterm.plot import Bars, Figure, Label, Line, Panel, Points, sample_count
from calcterm.scene import Scene

GRID = 480
"""Grid times kept per path: a 240-column panel needs no more."""
DRAWN = 20
"""Paths drawn as lines in the paths view (and simulated before the first frame)."""
DRAWN_HALF = 8
"""Paths drawn in each half-width panel of the scaling view."""
LADDER_PATHS = 100
"""Paths whose quadratic and total variation are followed down the refinement ladder."""
SYNC_FLOATS = 2_000_000
"""Runs with at most this many increments (paths × steps) finish inside `setup`."""
REVEAL_TICKS = 32
LEVEL_TICKS = 3
ZOOM_FRAMES = 40
MARKS = 20
"""Markers across [0, T] for the Riemann sums in the Itô view."""
SPAN = 3.2
"""Vertical half-range of the path panels, in units of √T."""
HIST_SPAN, HIST_TOP = 3.5, 0.6
"""Fixed axes of the standardised histogram (fixed axes let the renderer reuse its frame)."""
PALETTE = ("blue", "cyan", "green", "magenta", "blue+", "cyan+", "green+", "magenta+")

VIEWS = ("paths", "variation", "ito", "scaling")
VIEW_LABELS = {"paths": "sample paths", "variation": "quadratic variation",
               "ito": "Itô vs Stratonovich", "scaling": "scaling W(ct) ~ √c W(t)"}


def pick(stored: np.ndarray, lo: int, hi: int, count: int) -> np.ndarray:
    """Positions in the sorted index array `stored` nearest to `count` even steps over [lo, hi]."""
    targets = np.linspace(lo, hi, max(2, count))
    right = np.clip(np.searchsorted(stored, targets), 1, len(stored) - 1)
    left = right - 1
    nearer = np.where(targets - stored[left] <= stored[right] - targets, left, right)
    return np.unique(nearer)


class Brownian(Scene):
    id = "brownian"
    title = "Brownian motion: rough paths and Itô calculus"
    title_zh = "布朗运动：粗糙的路径与伊藤积分"
    section = "Part 4 §4.1–4.3"
    order = 60
    heaviest = {"paths": 2000, "steps": 100000.0}
    params = (
        Choice("view", "paths", "what to look at: sample paths, quadratic variation, Itô vs "
               "Stratonovich, or Brownian scaling", "视图：样本路径、二次变差、伊藤与斯特拉托诺维奇、布朗缩放",
               choices=VIEWS, labels=VIEW_LABELS),
        Integer("paths", 200, "how many independent paths (statistics use all; 24 are drawn)",
                "独立路径的条数（统计用全部，画出 24 条）", lo=1, hi=2000, step=50),
        Number("steps", 10_000.0, "time steps on [0, T]; keys double or halve it, the value is "
               "rounded to an integer", "[0, T] 上的时间步数；按键使其加倍或减半，取整使用",
               lo=10.0, hi=100_000.0, step=2.0, log=True),
        Number("T", 1.0, "the time horizon", "时间长度", lo=0.1, hi=10.0, step=0.1),
        Number("c", 64.0, "largest time-scale factor of the scaling view; the animation sweeps "
               "c from 1 up to it and back", "缩放视图中最大的时间放大倍数；动画让 c 在 1 与它之间往返",
               lo=2.0, hi=1024.0, step=2.0, log=True),
    )
    explanation = {
        "en": (
            "Brownian motion W_t starts at 0 and has independent increments W_t − W_s ~ N(0, t − s). "
            "Sample paths: the paths grow as time runs; about 68 % stay inside ±√t and 95 % inside "
            "±2√t, and the histogram of W_t/√t sits on the N(0, 1) density (W_t ~ N(0, t)). Quadratic variation: one "
            "fine path is looked at through coarser sub-grids (the same as refining the coarse path "
            "by Brownian bridges). Σ(ΔW)² settles at T with standard error T·√(2/m), while Σ|ΔW| "
            "grows like √(2Tm/π) without bound: the path has finite 'energy' but infinite length, "
            "so it is continuous yet nowhere differentiable. Itô vs Stratonovich: the left-point "
            "sum Σ W_{i−1}ΔW_i tends to (W_T² − T)/2; the endpoint-average sum "
            "Σ ½(W_{i−1}+W_i)ΔW_i telescopes to W_T²/2 exactly; a genuine midpoint sum, with "
            "W at t_{i−½} drawn from the Brownian bridge, tends to W_T²/2 as well. The gap T/2 is "
            "the Itô correction: d(W²) = 2W dW + dt, checked on the same path against the naive "
            "chain rule 2W dW. Scaling: W_{ct} and √c·W_t have the same law — the whole path "
            "squeezed into [0, T/c] looks like its first 1/c stretched by √c. More paths sharpen "
            "the statistics, more steps sharpen Σ(ΔW)² → T, larger c zooms deeper."
        ),
        "zh": (
            "布朗运动 W_t 从 0 出发，增量相互独立，W_t − W_s ~ N(0, t − s)。样本路径视图：路径随时间延伸，"
            "约 68% 落在 ±√t 之内，95% 落在 ±2√t 之内，W_t/√t 的直方图贴合 N(0, 1) 的密度（即 W_t ~ N(0, t)）。二次变差视图："
            "把同一条细网格路径放到越来越粗的子网格上观察（等价于用布朗桥逐步加密粗路径）。"
            "Σ(ΔW)² 稳定在 T 附近，标准误差为 T·√(2/m)；而 Σ|ΔW| 按 √(2Tm/π) 无限增长："
            "路径的“能量”有限、长度却无限，所以处处连续却处处不可导。伊藤与斯特拉托诺维奇视图："
            "左端点和 Σ W_{i−1}ΔW_i 趋于 (W_T² − T)/2；端点平均和 Σ ½(W_{i−1}+W_i)ΔW_i "
            "逐项相消，恰好等于 W_T²/2；真正的中点和（中点处的 W 由布朗桥抽样）同样趋于 W_T²/2。"
            "两者相差 T/2，正是伊藤修正：d(W²) = 2W dW + dt，在同一条路径上与忽略修正的链式法则 "
            "2W dW 对比。缩放视图：W_{ct} 与 √c·W_t 同分布——整条路径压缩到 [0, T/c] 上，"
            "看起来和它前 1/c 段放大 √c 倍一样。增加路径数让统计更准，增加步数让 Σ(ΔW)² 更接近 T，"
            "增大 c 让缩放更深。"
        ),
    }

    _generation = 0

    def setup(self) -> None:
        self._generation += 1
        n, paths, T = self.n, self["paths"], self["T"]
        self.zooms = self["c"] ** (np.arange(ZOOM_FRAMES + 1) / ZOOM_FRAMES)
        self.zoom_ends = np.maximum(1, np.round(n / self.zooms).astype(np.int64))
        self.grid = subgrid(n, GRID)
        keep = np.union1d(self.grid, self.zoom_ends)
        path_seed, bridge_seed = np.random.SeedSequence(self.seed).spawn(2)
        run = simulate(paths, n, T, path_seed, keep, zoom_indices(n, GRID, self.zooms), DRAWN,
                       refinement_ladder(n), LADDER_PATHS)
        ensemble = next(run)
        while not ensemble.complete and (paths * n <= SYNC_FLOATS or ensemble.done < DRAWN):
            ensemble = next(run)
        self.ens: Ensemble = ensemble
        self._run: Iterator[Ensemble] | None = None if ensemble.complete else run
        self.sums: Integrals = stochastic_integrals(ensemble.first, T,
                                                    np.random.default_rng(bridge_seed))

    def work(self) -> Iterator[float] | None:
        if self._run is None:
            return None
        run, generation, total = self._run, self._generation, self["paths"]
        self._run = None

        def drain() -> Iterator[float]:
            ensemble = self.ens
            for ensemble in run:
                yield ensemble.done / total
            if generation == self._generation:  # parameters unchanged meanwhile
                self.ens = ensemble

        return drain()

    # --- the clock ---------------------------------------------------------------------------

    @property
    def n(self) -> int:
        return int(round(self["steps"]))

    @property
    def dt(self) -> float:
        return self["T"] / self.n

    @property
    def reveal(self) -> int:
        """Index into `grid` of the latest time shown (paths and Itô views)."""
        fraction = min(1.0, (self.t + 1) / REVEAL_TICKS)
        return max(1, math.ceil(fraction * (len(self.grid) - 1)))

    @property
    def now(self) -> float:
        return float(self.grid[self.reveal] * self.dt)

    @property
    def level(self) -> int:
        """How far down the refinement ladder the variation view has gone."""
        return min(len(self.ens.ladder) - 1, self.t // LEVEL_TICKS)

    @property
    def zoom_frame(self) -> int:
        """c sweeps 1 → c_max → 1 in 2·ZOOM_FRAMES ticks."""
        phase = self.t % (2 * ZOOM_FRAMES)
        return phase if phase <= ZOOM_FRAMES else 2 * ZOOM_FRAMES - phase

    # --- numbers -----------------------------------------------------------------------------

    @property
    def drawn(self) -> int:
        return min(self.ens.done, DRAWN)

    def ladder_means(self) -> tuple[np.ndarray, np.ndarray, int]:
        rows = min(self.ens.done, self.ens.ladder_qv.shape[0])
        return (self.ens.ladder_qv[:rows].mean(axis=0), self.ens.ladder_tv[:rows].mean(axis=0),
                rows)

    def closed_forms(self) -> dict[str, float]:
        T, s = self["T"], self.sums
        W_T = float(self.ens.first[-1])
        return {"ito_sum": float(s.ito[-1]), "ito_closed_form": (W_T ** 2 - T) / 2,
                "stratonovich_sum": float(s.stratonovich[-1]),
                "stratonovich_closed_form": W_T ** 2 / 2, "midpoint_sum": float(s.midpoint[-1]),
                "ito_lemma_residual": W_T ** 2 - 2 * float(s.ito[-1]) - T, "W_T": W_T}

    def scaling_spread(self) -> tuple[float, float]:
        """Sample SDs over all paths of W_T (= W_{c·T/c}) and of √c·W_{T/c}."""
        k = self.zoom_frame
        c, end = float(self.zooms[k]), int(self.zoom_ends[k])
        whole = self.ens.terminal[: self.ens.done]
        start = math.sqrt(c) * self.ens.column(end)
        return math.sqrt(sample_var(whole)), math.sqrt(sample_var(start))

    # --- drawing -----------------------------------------------------------------------------

    def draw(self, width: int, height: int) -> Figure:
        view = self["view"]
        if view == "variation":
            return self.draw_variation(width)
        if view == "ito":
            return self.draw_ito(width)
        if view == "scaling":
            return self.draw_scaling(width)
        return self.draw_paths(width)

    @staticmethod
    def envelopes(panel: Panel, t: np.ndarray, var: np.ndarray, name: str = "t") -> None:
        """±1 and ±2 standard deviations, sd = √var (the name of the variance in the legend)."""
        sd = np.sqrt(var)
        panel.add(Line(t, 2 * sd, f"±2√{name}", "white"), Line(t, -2 * sd, "", "white"),
                  Line(t, sd, f"±√{name}", "yellow"), Line(t, -sd, "", "yellow"))

    def path_lines(self, panel: Panel, x: np.ndarray, ys: np.ndarray) -> None:
        """One Line per colour, its paths separated by NaN gaps (the renderer breaks lines there).

        Eight rasterising calls instead of one per path keep a frame cheap.
        """
        for i, color in enumerate(PALETTE[: len(ys)]):
            group = ys[i:: len(PALETTE)]
            gap = np.full((len(group), 1), np.nan)
            panel.add(Line(np.tile(np.append(x, np.nan), len(group)),
                           np.hstack([group, gap]).ravel(), "", color))

    def draw_paths(self, width: int) -> Figure:
        ens, T, dt = self.ens, self["T"], self.dt
        weights = (3, 1) if width >= 100 else (2, 1)
        side_width = width * weights[1] // sum(weights)
        count = sample_count(width - side_width)
        end = int(self.grid[self.reveal])
        lim = SPAN * math.sqrt(T)
        main = Panel(title=f"W_t: {self.drawn} of {self['paths']} paths",
                     xlabel="t", xlim=(0.0, T), ylim=(-lim, lim))
        pos = pick(ens.detail_keep, 0, end, math.ceil(count * end / self.n))
        self.path_lines(main, ens.detail_keep[pos] * dt, ens.detail[: self.drawn, pos])
        t = np.linspace(0.0, T, count)
        self.envelopes(main, t, t)

        values = ens.column(end) / math.sqrt(self.now)
        bins = int(np.clip(1.5 * math.sqrt(len(values)), 6, 36))
        edges = np.linspace(-HIST_SPAN, HIST_SPAN, bins + 1)
        counts, _ = np.histogram(values, edges)
        density = counts / (len(values) * (edges[1] - edges[0]))
        x = np.linspace(-HIST_SPAN, HIST_SPAN, sample_count(side_width))
        side = Panel(title="W_t/√t vs N(0, 1)", xlabel="W_t/√t", xlim=(-HIST_SPAN, HIST_SPAN),
                     ylim=(0.0, HIST_TOP))
        side.add(Bars(0.5 * (edges[:-1] + edges[1:]), density, "", "blue", 0.9),
                 Line(x, normal_pdf(x, 1.0), "", "red"))
        return Figure([main, side], rows=1, cols=2, weights=weights)

    def draw_variation(self, width: int) -> Figure:
        ens, T, n, dt = self.ens, self["T"], self.n, self.dt
        qv, tv, _ = self.ladder_means()
        ladder, level = ens.ladder, self.level
        tv_expected = np.array([expected_total_variation(T, n, m) for m in ladder])
        lo = 0.5 * min(T, float(qv.min()))
        hi = 2.0 * max(T, float(tv.max()), float(tv_expected.max()))
        left = Panel(title="Σ(ΔW)² → T while Σ|ΔW| ∝ √m", xlabel="steps m", xscale="log",
                     yscale="log", xlim=(1.0, float(n)), ylim=(lo, hi))
        shown = slice(0, level + 1)
        left.add(Line(ladder, np.full(len(ladder), T), "T", "gray"),
                 Line(ladder, tv_expected, "√(2Tm/π)", "gray"),
                 Line(ladder[shown], qv[shown], "Σ(ΔW)²", "green"),
                 Line(ladder[shown], tv[shown], "Σ|ΔW|", "orange"),
                 Points(ladder[level:level + 1], qv[level:level + 1], "", "red", "●"),
                 Points(ladder[level:level + 1], tv[level:level + 1], "", "red", "●"))

        m = int(ladder[level])
        count = sample_count(width // 2)
        lim = SPAN * math.sqrt(T)
        right = Panel(title="path 0 and its polygon on a coarser grid", xlabel="t", xlim=(0.0, T),
                      ylim=(-lim, lim))
        fine = subgrid(n, count)
        right.add(Line(fine * dt, ens.first[fine], "fine path", "gray"))
        coarse = subgrid(n, min(m, count))
        right.add(Line(coarse * dt, ens.first[coarse], f"grid of m = {m} steps", "orange"))
        if m <= 32:
            right.add(Points(coarse * dt, ens.first[coarse], "", "red", "●"))
        return Figure([left, right], rows=1, cols=2)

    def draw_ito(self, width: int) -> Figure:
        """Closed forms as lines, the Riemann sums as markers sitting on them."""
        T, dt, s, W = self["T"], self.dt, self.sums, self.ens.first
        whole = self.grid
        end = int(whole[self.reveal])
        shown = whole[pick(whole, 0, end, sample_count(width // 2) * self.reveal // len(whole))]
        marked = whole[pick(whole, 0, end, max(2, MARKS * self.reveal // (len(whole) - 1)))]
        time = np.arange(len(W)) * dt

        def add(panel: Panel, lines: dict, marks: dict) -> None:
            for label, (values, color) in lines.items():
                panel.add(Line(shown * dt, values[shown], label, color))
            for label, (values, color, marker) in marks.items():
                panel.add(Points(marked * dt, values[marked], label, color, marker))

        ito_lines = {"(W²−t)/2": ((W * W - time) / 2, "cyan"),
                     "W²/2 = Σ ½(W₋+W₊)ΔW": (s.stratonovich, "red")}
        ito_marks = {"Itô Σ W₋ΔW": (s.ito, "blue+", "+"),
                     "midpoint Σ W(mid)ΔW": (s.midpoint, "orange", "x")}
        left = Panel(title="∫₀ᵗ W dW on path 0", xlabel="t", xlim=(0.0, T),
                     ylim=self.span(*(v[whole] for v, *_ in (*ito_lines.values(),
                                                             *ito_marks.values()))))
        add(left, ito_lines, ito_marks)

        lemma_lines = {"W²": (W * W, "blue"), "2∫W dW, no +t": (2 * s.ito, "red")}
        lemma_marks = {"2∫W dW + t": (2 * s.ito + time, "green", "+")}
        right = Panel(title="Itô's lemma: d(W²) = 2W dW + dt", xlabel="t", xlim=(0.0, T),
                      ylim=self.span(*(v[whole] for v, *_ in (*lemma_lines.values(),
                                                              *lemma_marks.values()))))
        add(right, lemma_lines, lemma_marks)
        return Figure([left, right], rows=1, cols=2)

    @staticmethod
    def span(*arrays: np.ndarray) -> tuple[float, float]:
        lo = min(float(a.min()) for a in arrays)
        hi = max(float(a.max()) for a in arrays)
        pad = 0.08 * (hi - lo) or 1.0
        return lo - pad, hi + pad

    def draw_scaling(self, width: int) -> Figure:
        """Both panels on the axis s = t/(T/c) ∈ [0, 1], so their frames never change."""
        ens, T = self.ens, self["T"]
        k = self.zoom_frame
        c, end = float(self.zooms[k]), int(self.zoom_ends[k])
        count = sample_count(width // 2)
        lim = SPAN * math.sqrt(T)
        s = np.linspace(0.0, 1.0, count)
        panels = []
        for title, stop, stretch in (("W(ct), 0 ≤ t ≤ T/c", self.n, 1.0),
                                     ("√c·W(t), 0 ≤ t ≤ T/c", end, math.sqrt(c))):
            panel = Panel(title=title, xlabel="t ÷ (T/c)", xlim=(0.0, 1.0), ylim=(-lim, lim))
            pos = pick(ens.detail_keep, 0, stop, count)
            self.path_lines(panel, ens.detail_keep[pos] / stop,
                            stretch * ens.detail[: min(self.drawn, DRAWN_HALF), pos])
            self.envelopes(panel, s, T * s, "(ct)")
            panel.add(Label(0.62, -0.9 * lim, f"c = {c:.3g}", "default"))
            panels.append(panel)
        return Figure(panels, rows=1, cols=2)

    # --- readout, notes, export ----------------------------------------------------------------

    def readout(self) -> dict[str, str]:
        ens, T, view = self.ens, self["T"], self["view"]
        done = ens.done
        out = {"paths": f"{done}" if ens.complete else f"{done} of {ens.paths} (running)",
               "steps n": f"{self.n}", "Δt": f"{self.dt:.3g}"}
        if view == "paths":
            values = ens.column(int(self.grid[self.reveal]))
            sd = math.sqrt(self.now)
            out |= {"t": f"{self.now:.4g}", "mean W_t": f"{values.mean():+.4f}",
                    "var W_t": self.fmt(sample_var(values)), "var N(0,t)": f"{self.now:.4f}",
                    "inside ±√t": f"{np.mean(np.abs(values) <= sd):.1%}  (68.3%)",
                    "inside ±2√t": f"{np.mean(np.abs(values) <= 2 * sd):.1%}  (95.4%)"}
        elif view == "variation":
            qv, tv, rows = self.ladder_means()
            j = self.level
            m = int(ens.ladder[j])
            out |= {"grid m": f"{m}", f"Σ(ΔW)² ({rows} paths)": f"{qv[j]:.5f}",
                    "T ± 3 s.e.": f"{T:g} ± {3 * quadratic_variation_se(T, m, rows):.2g}",
                    f"Σ|ΔW| ({rows} paths)": f"{tv[j]:.4g}",
                    "E Σ|ΔW| ≈ √(2Tm/π)": f"{expected_total_variation(T, self.n, m):.4g}",
                    "path 0 Σ(ΔW)²": f"{ens.ladder_qv[0, j]:.5f}",
                    "path 0 Σ|ΔW|": f"{ens.ladder_tv[0, j]:.4g}"}
        elif view == "ito":
            f = self.closed_forms()
            out |= {"W_T (path 0)": f"{f['W_T']:+.5f}", "Itô Σ W₋ΔW": f"{f['ito_sum']:+.6f}",
                    "(W_T²−T)/2": f"{f['ito_closed_form']:+.6f}",
                    "endpoint-avg sum": f"{f['stratonovich_sum']:+.6f}",
                    "W_T²/2": f"{f['stratonovich_closed_form']:+.6f}",
                    "midpoint sum": f"{f['midpoint_sum']:+.6f}",
                    "W_T²−2·Itô−T": f"{f['ito_lemma_residual']:+.2e}",
                    "  its s.d. T√(2/n)": f"{T * math.sqrt(2 / self.n):.1e}"}
        else:
            whole, start = self.scaling_spread()
            out |= {"c": f"{self.zooms[self.zoom_frame]:.3g}", "sd W(c·T/c) = sd W_T": self.fmt(whole),
                    "sd √c·W(T/c)": self.fmt(start), "√T": f"{math.sqrt(T):.4f}"}
        return out

    @staticmethod
    def fmt(value: float) -> str:
        return f"{value:.4f}" if math.isfinite(value) else "— (one path)"

    def notes(self, lang: str = "en") -> list[str]:
        zh = lang == "zh"
        ens, out = self.ens, []
        if not ens.complete:
            out.append(f"后台模拟中：已完成 {ens.done}/{ens.paths} 条路径" if zh
                       else f"simulating in the background: {ens.done} of {ens.paths} paths done")
        if self.n < 100:
            out.append(f"只有 {self.n} 步：画出的是折线，真正的布朗路径在任何尺度上都粗糙" if zh
                       else f"only {self.n} steps: the drawn paths are polygons; a Brownian path "
                            "is rough at every scale")
        if ens.paths < 30 and self["view"] in ("paths", "scaling"):
            out.append("路径太少：直方图和标准差都很粗糙" if zh
                       else "few paths: the histogram and the spreads are noisy")
        end = int(self.zoom_ends[self.zoom_frame])
        if self["view"] == "scaling" and end < 50:
            out.append(f"放大超过网格：[0, T/c] 内只有 {end} 步，请增加 steps 或减小 c" if zh
                       else f"zoomed past the grid: only {end} steps inside [0, T/c]; raise steps "
                            "or lower c")
        return out

    def data(self) -> dict[str, Any]:
        ens, T, n = self.ens, self["T"], self.n
        done = ens.done
        qv, tv, rows = self.ladder_means()
        whole, start = self.scaling_spread()
        return {
            "T": T, "steps": n, "paths": ens.paths, "paths_simulated": done, "dt": self.dt,
            "view": self["view"], "time": self.now,
            "quadratic_variation": float(ens.qv[:done].mean()),
            "quadratic_variation_se": float(quadratic_variation_se(T, n, done)),
            "total_variation": float(ens.tv[:done].mean()),
            "total_variation_expected": expected_total_variation(T, n, n),
            **self.closed_forms(),
            "stratonovich_rule": "endpoint average: sum of (W[i-1] + W[i])/2 * dW[i]",
            "midpoint_rule": "W at t[i] - dt/2 drawn from the Brownian bridge, times dW[i]",
            "terminal_mean": float(ens.terminal[:done].mean()),
            "terminal_var": sample_var(ens.terminal[:done]),
            "ladder": {"steps": ens.ladder, "paths": rows, "quadratic_variation": qv,
                       "total_variation": tv, "level": self.level},
            "scaling": {"c": float(self.zooms[self.zoom_frame]), "sd_W_T": whole,
                        "sd_sqrt_c_W_T_over_c": start},
        }
