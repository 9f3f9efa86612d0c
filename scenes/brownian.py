"""Scene `brownian`: Brownian paths, their quadratic variation, Itô vs Stratonovich, scaling.

Memory: a run keeps O(paths × GRID) numbers, never paths × steps (2000 × 100 000 would be
1.6 GB); the fine increments are simulated in chunks and reduced on the spot
(`calcterm.compute.brownian.simulate`). Small runs finish inside `setup`; big ones finish
the first DRAWN paths there and the rest in a `job` (off the UI thread in the TUI).
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
from calcterm.scene import Job, Scene
from calcterm.text import T as Tx  # the scene already uses T for the time horizon
from calcterm.text import fmt

NARROW = 64
"""Below this many columns the paths view drops its histogram."""
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
HISTSPAN, HISTTOP = 3.5, 0.6
"""Fixed axes of the standardised histogram (fixed axes let the renderer reuse its frame)."""
PALETTE = ("blue", "cyan", "green", "magenta", "blue+", "cyan+", "green+", "magenta+")

VIEWS = ("paths", "variation", "ito", "scaling")
VIEW_LABELS = {"paths": Tx("sample paths", "样本路径"),
               "variation": Tx("quadratic variation", "二次变差"),
               "ito": Tx("Itô vs Stratonovich", "伊藤与斯特拉托诺维奇"),
               "scaling": Tx("scaling W(ct) ~ √c W(t)", "缩放 W(ct) ~ √c W(t)")}

PARAGRAPHS = {
    "intro": Tx(
        "Brownian motion W_t starts at 0 and has independent increments W_t − W_s ~ N(0, t − s).",
        "布朗运动 W_t 从 0 出发，增量相互独立，W_t − W_s ~ N(0, t − s)。"),
    "paths": Tx(
        "Sample paths: the paths grow as time runs. At each fixed time t, W_t ~ N(0, t), so about "
        "68 % of the paths are inside ±√t and 95 % inside ±2√t at that moment (a single path "
        "wanders out of the band now and then: the percentages are for one t, not for whole "
        "paths), and the histogram of W_t/√t sits on the N(0, 1) density.",
        "样本路径视图：路径随时间延伸。在每个固定时刻 t，W_t ~ N(0, t)，所以此刻约 68% 的路径"
        "落在 ±√t 之内、95% 落在 ±2√t 之内（单条路径会时而越出这条带：百分比说的是某一时刻，"
        "而不是整条路径），W_t/√t 的直方图贴合 N(0, 1) 的密度。"),
    "variation": Tx(
        "Quadratic variation: one fine path is looked at through coarser sub-grids (the same as "
        "refining the coarse path by Brownian bridges). Σ(ΔW)² settles at T with standard error "
        "T·√(2/m), while Σ|ΔW| grows like √(2Tm/π) without bound: the path has finite quadratic "
        "variation but infinite length. Infinite length alone does not forbid a derivative "
        "(x·sin(1/x) has infinite variation near 0 and is differentiable there); that Brownian "
        "paths are nowhere differentiable is a separate theorem (Paley, Wiener and Zygmund), "
        "which the √Δt size of the increments makes plausible: ΔW/Δt ~ 1/√Δt blows up.",
        "二次变差视图：把同一条细网格路径放到越来越粗的子网格上观察（等价于用布朗桥逐步加密粗路径）。"
        "Σ(ΔW)² 稳定在 T 附近，标准误差为 T·√(2/m)；而 Σ|ΔW| 按 √(2Tm/π) 无限增长："
        "路径的二次变差有限、长度却无限。仅凭长度无限并不能推出不可导（x·sin(1/x) 在 0 附近"
        "变差无限，却在那里可导）；布朗路径处处不可导是另一条定理（Paley、Wiener 与 Zygmund），"
        "增量大小约为 √Δt 让它显得合理：ΔW/Δt ~ 1/√Δt 会发散。"),
    "ito": Tx(
        "Itô vs Stratonovich: the left-point sum Σ W_{i−1}ΔW_i tends to (W_T² − T)/2; the "
        "endpoint-average sum Σ ½(W_{i−1}+W_i)ΔW_i telescopes to W_T²/2 exactly; a genuine "
        "midpoint sum, with W at t_{i−½} drawn from the Brownian bridge, tends to W_T²/2 as well. "
        "The gap T/2 is the Itô correction: d(W²) = 2W dW + dt, checked on the same path against "
        "the naive chain rule 2W dW.",
        "伊藤与斯特拉托诺维奇视图：左端点和 Σ W_{i−1}ΔW_i 趋于 (W_T² − T)/2；端点平均和 "
        "Σ ½(W_{i−1}+W_i)ΔW_i 逐项相消，恰好等于 W_T²/2；真正的中点和（中点处的 W 由布朗桥抽样）"
        "同样趋于 W_T²/2。两者相差 T/2，正是伊藤修正：d(W²) = 2W dW + dt，在同一条路径上与"
        "忽略修正的链式法则 2W dW 对比。"),
    "scaling": Tx(
        "Scaling: W_{ct} and √c·W_t have the same law — the whole path squeezed into [0, T/c] "
        "looks like its first 1/c stretched by √c.",
        "缩放视图：W_{ct} 与 √c·W_t 同分布——整条路径压缩到 [0, T/c] 上，看起来和它前 1/c 段"
        "放大 √c 倍一样。"),
    "knobs": Tx(
        "More paths sharpen the statistics, more steps sharpen Σ(ΔW)² → T, larger c zooms deeper.",
        "增加路径数让统计更准，增加步数让 Σ(ΔW)² 更接近 T，增大 c 让缩放更深。"),
}


def pick(stored: np.ndarray, lo: int, hi: int, count: int) -> np.ndarray:
    """Positions in the sorted index array `stored` nearest to `count` even steps over [lo, hi]."""
    targets = np.linspace(lo, hi, max(2, count))
    right = np.clip(np.searchsorted(stored, targets), 1, len(stored) - 1)
    left = right - 1
    nearer = np.where(targets - stored[left] <= stored[right] - targets, left, right)
    return np.unique(nearer)


class Brownian(Scene):
    id = "brownian"
    title = Tx("Brownian motion: rough paths and Itô calculus", "布朗运动：粗糙的路径与伊藤积分")
    summary = Tx("Brownian paths and their envelopes, quadratic variation → T while the length "
                "grows, Itô against Stratonovich sums, and scaling",
                "布朗路径及其包络、二次变差趋于 T 而长度无限增长、伊藤和与斯特拉托诺维奇和、缩放")
    section = "Part 4 §4.1–4.2"
    order = 60
    pace = 6
    heaviest = {"paths": 2000, "steps": 100000.0}
    params = (
        Choice("view", "paths", Tx("what to look at: sample paths, quadratic variation, Itô vs "
                                  "Stratonovich, or Brownian scaling",
                                  "视图：样本路径、二次变差、伊藤与斯特拉托诺维奇、布朗缩放"),
               choices=VIEWS, labels=VIEW_LABELS),
        Integer("paths", 200, Tx(f"how many independent paths (statistics use all; {DRAWN} are "
                                "drawn)", f"独立路径的条数（统计用全部，画出 {DRAWN} 条）"),
                lo=1, hi=2000, step=50),
        Number("steps", 10_000.0, Tx("time steps on [0, T]; keys double or halve it, the value is "
                                    "rounded to an integer",
                                    "[0, T] 上的时间步数；按键使其加倍或减半，取整使用"),
               lo=10.0, hi=100_000.0, step=2.0, log=True),
        Number("T", 1.0, Tx("the time horizon", "时间长度"), lo=0.1, hi=10.0, step=0.1),
        Number("c", 64.0, Tx("largest time-scale factor of the scaling view; the animation sweeps "
                            "c from 1 up to it and back",
                            "缩放视图中最大的时间放大倍数；动画让 c 在 1 与它之间往返"),
               lo=2.0, hi=1024.0, step=2.0, log=True),
    )

    def explain(self) -> Tx:
        """The paragraph of the current view first, then the others in their order."""
        view = self["view"]
        order = ["intro", view, *(v for v in VIEWS if v != view), "knobs"]
        return Tx("\n\n".join(PARAGRAPHS[k].en for k in order),
                 "\n\n".join(PARAGRAPHS[k].zh for k in order))

    def matters(self, name: str) -> bool:
        return name != "c" or self["view"] == "scaling"

    def setup(self) -> None:
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

    def job(self) -> Job | None:
        """The paths beyond the first DRAWN, simulated off the UI thread."""
        if self._run is None:
            return None
        run, total = self._run, self["paths"]
        self._run = None

        def finish(progress) -> Ensemble:
            ensemble = self.ens
            for ensemble in run:
                progress(ensemble.done / total)
            return ensemble

        def adopt(ensemble: Ensemble) -> None:
            self.ens = ensemble

        return Job(finish, adopt, Tx("simulating paths", "模拟路径"))

    @property
    def done(self) -> bool:
        view = self["view"]
        if view == "variation":
            return self.t // LEVEL_TICKS >= len(self.ens.ladder) - 1
        if view == "scaling":
            return self.t >= 2 * ZOOM_FRAMES
        return self.t + 1 >= REVEAL_TICKS

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
        side_width = 0 if width < NARROW else width * weights[1] // sum(weights)
        count = sample_count(width - side_width)
        end = int(self.grid[self.reveal])
        lim = SPAN * math.sqrt(T)
        main = Panel(title=Tx("W_t: {d} of {p} paths", "W_t：{p} 条路径中的 {d} 条").format(
                         d=str(self.drawn), p=str(self["paths"])),
                     xlabel="t", xlim=(0.0, T), ylim=(-lim, lim))
        pos = pick(ens.detail_keep, 0, end, math.ceil(count * end / self.n))
        self.path_lines(main, ens.detail_keep[pos] * dt, ens.detail[: self.drawn, pos])
        t = np.linspace(0.0, T, count)
        self.envelopes(main, t, t)

        values = ens.column(end) / math.sqrt(self.now)
        bins = int(np.clip(1.5 * math.sqrt(len(values)), 6, 36))
        edges = np.linspace(-HISTSPAN, HISTSPAN, bins + 1)
        counts, _ = np.histogram(values, edges)
        density = counts / (len(values) * (edges[1] - edges[0]))
        x = np.linspace(-HISTSPAN, HISTSPAN, sample_count(side_width))
        side = Panel(title="W_t/√t vs N(0, 1)", xlabel="W_t/√t", xlim=(-HISTSPAN, HISTSPAN),
                     ylim=(0.0, HISTTOP))
        side.add(Bars(0.5 * (edges[:-1] + edges[1:]), density, "", "blue", 0.9),
                 Line(x, normal_pdf(x, 1.0), "", "red"))
        if not side_width:  # too narrow for the histogram beside the paths
            return Figure([main])
        return Figure([main, side], rows=1, cols=2, weights=weights)

    def draw_variation(self, width: int) -> Figure:
        ens, T, n, dt = self.ens, self["T"], self.n, self.dt
        qv, tv, _ = self.ladder_means()
        ladder, level = ens.ladder, self.level
        tv_expected = np.array([expected_total_variation(T, n, m) for m in ladder])
        lo = 0.5 * min(T, float(qv.min()))
        hi = 2.0 * max(T, float(tv.max()), float(tv_expected.max()))
        left = Panel(title=Tx("Σ(ΔW)² → T while Σ|ΔW| ∝ √m", "Σ(ΔW)² → T，而 Σ|ΔW| ∝ √m"),
                     xlabel=Tx("steps m", "步数 m"), xscale="log",
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
        right = Panel(title=Tx("path 0 and its polygon on a coarser grid", "路径 0 及其粗网格折线"),
                      xlabel="t", xlim=(0.0, T),
                      ylim=(-lim, lim))
        fine = subgrid(n, count)
        right.add(Line(fine * dt, ens.first[fine], Tx("fine path", "细网格路径"), "gray"))
        coarse = subgrid(n, min(m, count))
        right.add(Line(coarse * dt, ens.first[coarse], Tx("grid of m = {m} steps", "m = {m} 步的网格")
                       .format(m=str(m)), "orange"))
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
        ito_marks = {Tx("Itô Σ W₋ΔW", "伊藤 Σ W₋ΔW"): (s.ito, "blue+", "+"),
                     Tx("midpoint Σ W(mid)ΔW", "中点 Σ W(mid)ΔW"): (s.midpoint, "orange", "x")}
        left = Panel(title=Tx("∫₀ᵗ W dW on path 0", "路径 0 上的 ∫₀ᵗ W dW"), xlabel="t", xlim=(0.0, T),
                     ylim=self.span(*(v[whole] for v, *_ in (*ito_lines.values(),
                                                             *ito_marks.values()))))
        add(left, ito_lines, ito_marks)

        lemma_lines = {"W²": (W * W, "blue"),
                       Tx("2∫W dW, no +t", "2∫W dW，不加 t"): (2 * s.ito, "red")}
        lemma_marks = {"2∫W dW + t": (2 * s.ito + time, "green", "+")}
        right = Panel(title=Tx("Itô's lemma: d(W²) = 2W dW + dt", "伊藤引理：d(W²) = 2W dW + dt"),
                      xlabel="t", xlim=(0.0, T),
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

    def readout(self) -> dict[Tx | str, Tx | str]:
        ens, T, view = self.ens, self["T"], self["view"]
        done = ens.done
        out: dict[Tx | str, Tx | str] = {
            Tx("paths", "路径"): f"{done}" if ens.complete else Tx(
                "{d} of {p} (running)", "{d}/{p}（计算中）").format(d=str(done), p=str(ens.paths)),
            Tx("steps n", "步数 n"): f"{self.n}", "Δt": f"{self.dt:.3g}"}
        if view == "paths":
            values = ens.column(int(self.grid[self.reveal]))
            sd = math.sqrt(self.now)
            out |= {"t": f"{self.now:.4g}", Tx("mean W_t", "W_t 均值"): f"{values.mean():+.4f}",
                    Tx("var W_t", "W_t 方差"): self.spread(sample_var(values)),
                    "var N(0,t)": f"{self.now:.4f}",
                    Tx("inside ±√t now", "此刻在 ±√t 内"):
                        f"{np.mean(np.abs(values) <= sd):.1%}  (68.3%)",
                    Tx("inside ±2√t now", "此刻在 ±2√t 内"):
                        f"{np.mean(np.abs(values) <= 2 * sd):.1%}  (95.4%)"}
        elif view == "variation":
            qv, tv, rows = self.ladder_means()
            j = self.level
            m = int(ens.ladder[j])
            of = Tx("mean of {r} of {p} paths", "{p} 条路径中 {r} 条的均值").format(
                r=str(rows), p=str(ens.paths)) if rows < ens.paths else \
                Tx("mean of {r} paths", "{r} 条路径的均值").format(r=str(rows))
            out |= {Tx("grid m", "网格 m"): f"{m}", Tx("Σ(ΔW)², ", "Σ(ΔW)²，") + of: f"{qv[j]:.5f}",
                    "T ± 3 s.e.": f"{T:g} ± {3 * quadratic_variation_se(T, m, rows):.2g}",
                    Tx("Σ|ΔW|, ", "Σ|ΔW|，") + of: f"{tv[j]:.4g}",
                    "E Σ|ΔW| ≈ √(2Tm/π)": f"{expected_total_variation(T, self.n, m):.4g}",
                    Tx("path 0 Σ(ΔW)²", "路径 0 Σ(ΔW)²"): f"{ens.ladder_qv[0, j]:.5f}",
                    Tx("path 0 Σ|ΔW|", "路径 0 Σ|ΔW|"): f"{ens.ladder_tv[0, j]:.4g}"}
        elif view == "ito":
            f = self.closed_forms()
            out |= {Tx("W_T (path 0)", "W_T（路径 0）"): f"{f['W_T']:+.5f}",
                    Tx("Itô Σ W₋ΔW", "伊藤 Σ W₋ΔW"): f"{f['ito_sum']:+.6f}",
                    "(W_T²−T)/2": f"{f['ito_closed_form']:+.6f}",
                    Tx("endpoint-avg sum", "端点平均和"): f"{f['stratonovich_sum']:+.6f}",
                    "W_T²/2": f"{f['stratonovich_closed_form']:+.6f}",
                    Tx("midpoint sum", "中点和"): f"{f['midpoint_sum']:+.6f}",
                    Tx("W_T²−2·Itô−T", "W_T²−2·伊藤−T"): f"{f['ito_lemma_residual']:+.2e}",
                    Tx("  its s.d. T√(2/n)", "  其标准差 T√(2/n)"): f"{T * math.sqrt(2 / self.n):.1e}"}
        else:
            whole, start = self.scaling_spread()
            out |= {"c": f"{self.zooms[self.zoom_frame]:.3g}",
                    "sd W(c·T/c) = sd W_T": self.spread(whole),
                    "sd √c·W(T/c)": self.spread(start), "√T": f"{math.sqrt(T):.4f}"}
        return out

    @staticmethod
    def spread(value: float) -> Tx | str:
        return fmt(value, ".4f") if math.isfinite(value) else Tx("— (one path)", "—（仅一条路径）")

    def notes(self) -> list[Tx]:
        ens, out = self.ens, []
        if not ens.complete:
            out.append(Tx("simulating in the background: {d} of {p} paths done",
                         "后台模拟中：已完成 {d}/{p} 条路径").format(d=str(ens.done), p=str(ens.paths)))
        if self.n < 100:
            out.append(Tx("only {n} steps: the drawn paths are polygons; a Brownian path is rough "
                         "at every scale", "只有 {n} 步：画出的是折线，真正的布朗路径在任何尺度上都粗糙")
                       .format(n=str(self.n)))
        if ens.paths < 30 and self["view"] in ("paths", "scaling"):
            out.append(Tx("few paths: the histogram and the spreads are noisy",
                         "路径太少：直方图和标准差都很粗糙"))
        end = int(self.zoom_ends[self.zoom_frame])
        if self["view"] == "scaling" and end < 50:
            out.append(Tx("zoomed past the grid: only {e} steps inside [0, T/c]; raise steps or "
                         "lower c", "放大超过网格：[0, T/c] 内只有 {e} 步，请增加 steps 或减小 c")
                       .format(e=str(end)))
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
                        "sd_sqrt_c_W_Tover_c": start},
        }
