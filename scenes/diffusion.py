"""Scene `diffusion`: noise the data forward, then run the reverse SDE (or ODE) back to it.

The data are Gaussian mixtures, so every noised marginal p_t and its score are known in
closed form: the exact score drives a sampler that can be judged against the truth, and a
small learned score network (trained in a background job) can be judged by the same metric.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, ClassVar

import numpy as np

from calcterm.compute.diffusion import (
    Mixture, Schedule, cell_masses, forward_step, ks_critical, ks_distance, mixture_probe,
    nearest_mode_stats, parse_modes, reverse_step, reverse_times,
)
from calcterm.compute.score_net import ScoreNet, TrainResult, init_net, train
from calcterm.params import Choice, Integer, Number, ParamError, Toggle, TypedText
from calcterm.plot import Bars, Figure, HLine, Label, Line, Panel, Points, VLine, sample_count
from calcterm.scene import Job, Scene
from calcterm.text import T, tr

FORWARD_FRAMES = 40
"""Ticks the forward noising takes from t = 0 to 1."""
REVERSE_FRAMES = 100
"""Ticks the reverse run aims for; more when the particle budget below forces it."""
TICK_BUDGET = 4_000_000
"""Work a tick may do on the UI thread, in rough nanoseconds of particle-steps (see `_cost`);
a tick that costs more runs as a step job off the UI thread."""
PROBE = 20_000
"""Fixed draws that estimate the mass of p_t in each mode's cell (2-D)."""
PATHS = 4
SHOWN_POINTS = 2500
EXPORTED_SAMPLES = 2000
ARROW_GLYPHS = "→↗↑↖←↙↓↘"
_CACHE_SIZE = 8

RING = "; ".join(f"{3 * math.cos(a):.3f}, {3 * math.sin(a):.3f}".replace("-0.000", "0.000")
                 for a in np.arange(8) * math.pi / 4)
TWO, THREE = T("two modes", "两个峰"), T("three modes", "三个峰")
RING_OF_8, UNEVEN_2D = T("ring of 8", "八峰环"), T("2-D uneven", "二维不均匀")
PRESETS = {
    TWO: "-2 @ 0.3; 2 @ 0.7",
    THREE: "-3 @ 0.2; 0 @ 0.3; 3 @ 0.5",
    RING_OF_8: RING,
    UNEVEN_2D: "-2, -1 @ 0.2; 2, -1 @ 0.5; 0, 2 @ 0.3",
}


def _ladder(value: float) -> float:
    """The next of 1, 2, 5 × 10^k at or above value: axis limits that rarely change."""
    k = math.floor(math.log10(value))
    return next(m * 10.0 ** k for m in (1, 2, 5, 10) if m * 10.0 ** k >= value)


@dataclass(frozen=True)
class Modes(TypedText):
    """Mode positions typed as text, e.g. "-2 @ 0.3; 2 @ 0.7" or "0, 0; 3, 1"; presets cycle."""

    def allowed(self) -> str:
        return f"modes 'x[, y] [@ weight]; …', 1-D or 2-D (presets: {self.preset_names()})"

    def check(self, text: str) -> str:
        try:
            parse_modes(text)
        except ValueError as exc:
            raise ParamError(f"{self.name}: {exc}") from None
        return text


class Diffusion(Scene):
    id = "diffusion"
    title = T("Score-based diffusion: noise in, data out", "基于分数的扩散：从噪声生成数据")
    summary = T("the VP SDE noising Gaussian mixtures and the reverse SDE / flow ODE bringing "
                "them back, with an exact or a learned score",
                "VP SDE 把高斯混合加噪，逆向 SDE / 概率流 ODE 再把它还原，分数可为精确或学习所得")
    section = "Part 4 §4.3"
    order = 70
    pace = 4
    heaviest = {"particles": 20000}
    params = (
        Modes("modes", PRESETS[TWO], T("the data: Gaussian modes 'x[, y] [@ weight]; …'",
                                               "数据：高斯混合的各峰位置与权重 'x[, y] [@ 权重]; …'"),
              presets=PRESETS),
        Choice("sampler", "sde", T("reverse-time SDE (random) or probability-flow ODE "
                                   "(deterministic)", "逆向 SDE（随机）或概率流 ODE（确定）"),
               choices=("sde", "ode"),
               labels={"sde": T("reverse SDE", "逆向 SDE"), "ode": T("flow ODE", "概率流 ODE")}),
        Choice("score", "exact", T("closed-form score, or a small network trained by denoising",
                                   "解析分数，或用去噪分数匹配训练的小网络"),
               choices=("exact", "learned"),
               labels={"exact": T("exact", "精确"), "learned": T("learned", "学习")}),
        Integer("steps", 500, T("reverse time steps from t = 1 down to 0",
                                "从 t = 1 回到 0 的逆向步数"), lo=10, hi=10000, step=10),
        Integer("particles", 4000, T("how many samples run in parallel", "并行的样本数"),
                lo=100, hi=20000, step=100),
        Number("spread", 0.4, T("standard deviation of each mode", "每个峰的标准差"),
               lo=0.05, hi=1.5, step=0.05),
        Number("beta_min", 0.1, T("noise rate β at t = 0", "t = 0 时的噪声率 β"),
               lo=0.01, hi=1.0, step=0.01),
        Number("beta_max", 20.0, T("noise rate β at t = 1 (small: p₁ is not yet N(0, I))",
                                   "t = 1 时的噪声率 β（太小则 p₁ 还不是 N(0, I)）"),
               lo=1.0, hi=40.0, step=1.0),
        Toggle("forward", True, T("show the forward noising (t: 0 → 1) before the reverse run",
                                  "逆向生成之前先演示正向加噪（t：0 → 1）")),
        Integer("training", 3000, T("training iterations of the score network (score = learned)",
                                    "分数网络的训练迭代次数（score = learned 时）"),
                lo=200, hi=20000, step=100),
    )
    explanation = T(
        "Forward, the SDE dx = −½β(t)x dt + √β(t) dW shrinks the data by α_t = exp(−½∫β) and "
        "adds noise of variance 1 − α_t², so by t = 1 every particle is N(0, I) noise: the "
        "histogram melts onto the green exact density p_t. The score is exact here (a mixture "
        "stays a mixture: means α_t·m, variance α_t²s² + 1 − α_t²), or learned: a network "
        "ε̂(x, t) trained to predict the added noise, with ∇log p_t ≈ −ε̂/σ_t. Quality: the KS "
        "distance to p_t (1-D), and the share of samples nearest each mode beside the mass p_t "
        "puts in that mode's cell — not beside the weights, because overlapping modes spill into "
        "each other's cells even for perfect samples. Try few steps, a small beta_max (the run "
        "starts from the wrong noise) or a short training. All particles move together in "
        "vectorised steps; a step too heavy for one frame runs in the background while the "
        "picture stays responsive.",
        "正向过程 dx = −½β(t)x dt + √β(t) dW 把数据按 α_t = exp(−½∫β) 缩小，并加入方差为 "
        "1 − α_t² 的噪声；到 t = 1 时粒子都变成 N(0, I) 噪声，直方图贴合绿色的精确密度 p_t。"
        "这里的分数可以是精确的（混合高斯加噪后仍是混合高斯：均值 α_t·m，方差 α_t²s² + 1 − α_t²），"
        "也可以是学出来的：网络 ε̂(x, t) 学习预测所加的噪声，∇log p_t ≈ −ε̂/σ_t。质量指标："
        "一维看与 p_t 的 KS 距离；并比较离各峰最近的样本占比与 p_t 在该峰所属区域内的概率——"
        "而不是与权重比较，因为各峰重叠时，即使样本完美，也会溢出到相邻峰的区域。试试很少的步数、"
        "很小的 beta_max（起点噪声分布不对），或很短的训练。所有粒子以向量化方式同步前进；"
        "一帧算不完的步骤在后台进行，画面保持流畅。",
    )
    sampler_explanation = {
        "sde": T(
            "Reverse SDE: time runs backwards and fresh N(0, I) noise follows "
            "dx = [−½βx − β∇log p_t(x)] dt + √β dW̄ (the β on the score matters), collapsing "
            "onto the modes; each particle keeps being kicked by noise on the way.",
            "逆向 SDE：时间倒流，新的 N(0, I) 噪声沿 dx = [−½βx − β∇log p_t(x)] dt + √β dW̄ "
            "演化（分数前的 β 不可缺少），聚回各个峰；每个粒子一路上都在受噪声扰动。"),
        "ode": T(
            "Flow ODE: dx = [−½βx − ½β∇log p_t] dt moves the particles without noise — half the "
            "score's drift and no kicks — yet its marginals p_t are the same as the reverse "
            "SDE's, so the histogram ends on the same data.",
            "概率流 ODE：dx = [−½βx − ½β∇log p_t] dt 不加噪声地移动粒子——分数漂移只有一半，"
            "也没有随机扰动——但它的边缘分布 p_t 与逆向 SDE 相同，直方图最终落在同样的数据上。"),
    }

    def explain(self) -> T:
        """The chosen sampler's paragraph first, then the other, then the rest."""
        this = self.sampler_explanation[self["sampler"]]
        other = self.sampler_explanation["ode" if self["sampler"] == "sde" else "sde"]
        return this + "\n\n" + other + "\n\n" + self.explanation

    trained_nets: ClassVar[dict[tuple, TrainResult]] = {}
    """Trained score nets by everything that decides them, so a reset need not retrain.
    Written only when a training job is adopted, on the UI thread."""

    def matters(self, name: str) -> bool:
        if name == "training":
            return self["score"] == "learned"
        return True

    def setup(self) -> None:
        means, weights = parse_modes(self["modes"])
        self.mixture = Mixture(means, weights, self["spread"] ** 2)
        self.schedule = Schedule(self["beta_min"], self["beta_max"])
        self.dim = self.mixture.dim
        n = self["particles"]
        rng = np.random.default_rng(self.seed)
        self.rng = rng
        self.fwd_frame = 0 if self["forward"] else FORWARD_FRAMES
        self.fwd_x = self.mixture.sample(n, rng) if self["forward"] else None
        self.rev_x = rng.standard_normal((n, self.dim))
        self.times = reverse_times(self["steps"])
        self.k = 0  # reverse steps completed
        self.steps_per_tick = max(1, math.ceil(self["steps"] / REVERSE_FRAMES))
        self.heavy = n * self.steps_per_tick * self._cost() > TICK_BUDGET
        self.probe = mixture_probe(self.mixture.weights, self.dim, PROBE, self.seed) \
            if self.dim > 1 else None
        self.fwd_paths: list[tuple[float, np.ndarray]] = []
        self.rev_paths: list[tuple[float, np.ndarray]] = []
        self.history: list[tuple[str, float, float]] = []
        self._metrics_at: tuple | None = None
        self._setup_view()
        self._setup_score()
        self._record()

    def _cost(self) -> int:
        """Rough nanoseconds one particle-step costs (the float32 network ≈ 250 ns)."""
        if self["score"] == "learned":
            return 400
        return 10 * len(self.mixture.weights) * self.dim + 40

    def _setup_view(self) -> None:
        m, s = self.mixture.means, math.sqrt(self.mixture.var)
        lo = np.minimum(m.min(axis=0) - 3 * s, -3.2)
        hi = np.maximum(m.max(axis=0) + 3 * s, 3.2)
        self.lo, self.hi = lo, hi
        if self.dim == 1:
            self.edges = np.linspace(lo[0], hi[0], 61)
            self.xs = np.linspace(lo[0], hi[0], 240)
            self.data_density = self.mixture.density(self.xs[:, None])
            peaks = [self.mixture.noised(self.schedule, t).density(self.xs[:, None]).max()
                     for t in np.linspace(0.0, 1.0, 21)]
            self.density_top = 1.15 * float(max(peaks))

    def _setup_score(self) -> None:
        self.trained: TrainResult | None = None
        self.untrained: ScoreNet | None = None
        if self["score"] != "learned":
            return
        net_rng = np.random.default_rng([self.seed, 1])
        data_var = float((self.mixture.std ** 2).mean())
        self.untrained = init_net(self.dim, self.schedule, data_var, net_rng)
        self.trained = self.trained_nets.get(self._net_key())

    def _net_key(self) -> tuple:
        return (self["modes"], self["spread"], self["beta_min"], self["beta_max"],
                self["training"], self.seed)

    # --- the learned score, trained in a job ----------------------------------------------

    @property
    def waiting(self) -> bool:
        return self["score"] == "learned" and self.trained is None

    @property
    def busy(self) -> bool:
        """The reverse run waits for the score network."""
        return self.waiting and self.phase == "reverse"

    def job(self) -> Job | None:
        if not self.waiting:
            return None
        run = train(self.untrained, self.mixture, np.random.default_rng([self.seed, 2]),
                    iterations=self["training"])
        key = self._net_key()

        def finish(progress: Callable[[float], None]) -> TrainResult:
            while True:
                try:
                    progress(next(run))
                except StopIteration as stop:
                    return stop.value

        def adopt(result: TrainResult) -> None:
            while len(self.trained_nets) >= _CACHE_SIZE:
                self.trained_nets.pop(next(iter(self.trained_nets)))
            self.trained_nets[key] = result
            self.trained = result

        return Job(finish, adopt, T("training the score network", "训练分数网络"))

    # --- the animation --------------------------------------------------------------------

    @property
    def phase(self) -> str:
        if self.fwd_frame < FORWARD_FRAMES:
            return "forward"
        return "reverse" if self.k < self["steps"] else "done"

    @property
    def now(self) -> float:
        """The diffusion time of the particles on show."""
        if self.phase == "forward":
            return self.fwd_frame / FORWARD_FRAMES
        return float(self.times[self.k])

    @property
    def particles(self) -> np.ndarray:
        return self.fwd_x if self.phase == "forward" else self.rev_x

    @property
    def done(self) -> bool:
        return self.phase == "done"

    def advance(self) -> None:
        if self.phase == "forward":
            t0 = self.fwd_frame / FORWARD_FRAMES
            self.fwd_frame += 1
            t1 = self.fwd_frame / FORWARD_FRAMES
            self.fwd_x = forward_step(self.fwd_x, self.schedule, t0, t1,
                                      self.rng.standard_normal(self.fwd_x.shape))
            self._record()
        else:
            job = self._reverse_job()
            job.adopt(job.run(lambda fraction: None))

    def step_job(self) -> Job | None:
        """Reverse steps too heavy for a frame run off the UI thread (same numbers either way)."""
        if self.phase == "reverse" and self.heavy and not self.waiting:
            return self._reverse_job()
        return None

    def _reverse_job(self) -> Job:
        """Up to `steps_per_tick` reverse steps on a copy of the particles.

        The noise is drawn here, in order, so a run is the same whether its steps ran inline
        or in the background.
        """
        k0 = self.k
        count = min(self.steps_per_tick, self["steps"] - k0)
        times = self.times[k0: k0 + count + 1]
        shape = self.rev_x.shape
        noises = [self.rng.standard_normal(shape) if self["sampler"] == "sde" else None
                  for _ in range(count)]
        x0, sampler, schedule, score = self.rev_x.copy(), self["sampler"], self.schedule, self.score

        def run(progress: Callable[[float], None]) -> np.ndarray:
            x = x0
            for i in range(count):
                t, t_next = float(times[i]), float(times[i + 1])
                x = reverse_step(x, score(x, t), float(schedule.beta(t)), t - t_next, sampler,
                                 noises[i])
                progress((i + 1) / count)
            return x

        def adopt(x: np.ndarray) -> None:
            self.rev_x = x
            self.k = k0 + count
            self._record()

        return Job(run, adopt)

    def score(self, x: np.ndarray, t: float) -> np.ndarray:
        """∇log p_t from the chosen source."""
        trained = self.trained
        if self["score"] == "learned" and trained is not None:
            return trained.net.score(x, t)
        return self.mixture.noised(self.schedule, t).score(x)

    def _record(self) -> None:
        """Remember the tracked paths and the KS distance at this tick (1-D only)."""
        if self.dim != 1:
            return
        reverse = self.phase != "forward"
        if self.fwd_x is not None and (not self.fwd_paths or self.fwd_paths[-1][0] < 1.0):
            t = self.fwd_frame / FORWARD_FRAMES
            self.fwd_paths.append((t, self.fwd_x[:PATHS, 0].copy()))
            ks = (ks_distance(self.fwd_x[:, 0], self.mixture.noised(self.schedule, t).cdf)
                  if reverse else self.metrics()["ks"])  # the last forward frame is off screen
            self.history.append(("forward", t, ks))
        if reverse:
            self.rev_paths.append((float(self.times[self.k]), self.rev_x[:PATHS, 0].copy()))
            self.history.append(("reverse", self.now, self.metrics()["ks"]))

    # --- quality --------------------------------------------------------------------------

    def metrics(self) -> dict[str, Any]:
        """Quality of the particles on show against p_t, computed once per tick."""
        key = (self.revision, self.fwd_frame, self.k)
        if self._metrics_at != key:
            x, t = self.particles, self.now
            noised = self.mixture.noised(self.schedule, t)
            shares, errors = nearest_mode_stats(x, noised.means)
            self._metrics = {
                "ks": ks_distance(x[:, 0], noised.cdf) if self.dim == 1 else None,
                "shares": shares, "mean_errors": errors,
                "cell_masses": cell_masses(noised, self.probe),
                "mean": x.mean(axis=0), "std": x.std(axis=0),
                "mean_true": noised.mean, "std_true": noised.std,
            }
            self._metrics_at = key
        return self._metrics

    # --- drawing --------------------------------------------------------------------------

    def _phase_label(self) -> T:
        if self.phase == "forward":
            return T("forward noising", "正向加噪")
        if self.phase == "done":
            return T("done", "完成")
        return T("reverse SDE", "逆向 SDE") if self["sampler"] == "sde" else T("flow ODE", "概率流 ODE")

    def draw(self, width: int, height: int) -> Figure:
        return self._draw_1d(width) if self.dim == 1 else self._draw_2d(width, height)

    def _draw_1d(self, width: int) -> Figure:
        t = self.now
        noised = self.mixture.noised(self.schedule, t)
        xlim = (float(self.lo[0]), float(self.hi[0]))
        x = self.particles[:, 0]
        counts, _ = np.histogram(x, self.edges)
        heights = counts / max(len(x), 1) / np.diff(self.edges)
        p_t = noised.density(self.xs[:, None])
        hist = Panel(title=T("particles vs the exact p_t", "粒子与精确的 p_t"), xlabel="x", xlim=xlim,
                     ylim=(0.0, self.density_top))
        step_x = np.repeat(self.edges, 2)
        step_y = np.r_[0.0, np.repeat(heights, 2), 0.0]
        hist.add(Line(step_x, step_y, T("particles", "粒子"), "blue"),
                 Line(self.xs, self.data_density, T("data p₀", "数据 p₀"), "gray"),
                 Line(self.xs, p_t, T("exact p_t", "精确 p_t"), "green"))

        paths = Panel(title=T("sample paths", "样本路径"), xlabel="t", xlim=(0.0, 1.0),
                      ylim=xlim)
        for records, color in ((self.fwd_paths, "gray"), (self.rev_paths, "blue+")):
            if len(records) > 1:
                ts = np.array([r[0] for r in records])
                xs = np.array([r[1] for r in records])
                keep = np.unique(np.linspace(0, len(ts) - 1, sample_count(width // 4)).astype(int))
                for i in range(xs.shape[1]):
                    paths.add(Line(ts[keep], xs[keep, i], "", color))
        paths.add(VLine(t, "red"))
        hist.add(self._clock_label(xlim, hist.ylim, width // 2))

        t_score = max(t, float(self.times[-2]))  # at t = 0 show the last score the sampler used
        at = self.mixture.noised(self.schedule, t_score)
        sigma = float(self.schedule.sigma(t_score))
        xs = self.xs[:: max(1, len(self.xs) // sample_count(width // 2))]
        score_panel = Panel(title="σ_t·∇log p_t = −E[ε|x]", xlabel="x", xlim=xlim,
                            ylim=(-3.5, 3.5))
        score_panel.add(HLine(0.0, "gray"),
                        Line(xs, sigma * at.score(xs[:, None])[:, 0], T("exact", "精确"), "green"))
        if self.trained is not None:
            learned = sigma * self.trained.net.score(xs[:, None], t_score)[:, 0]
            score_panel.add(Line(xs, learned, T("learned", "学习"), "orange"))

        quality = Panel(title=T("KS distance to p_t", "与 p_t 的 KS 距离"), xlabel="t", xlim=(0.0, 1.0))
        top = 0.05
        for phase, color in (("forward", "gray"), ("reverse", "blue+")):
            name = T("forward", "正向") if phase == "forward" else T("reverse", "逆向")
            hist_t = np.array([h[1] for h in self.history if h[0] == phase])
            hist_ks = np.array([h[2] for h in self.history if h[0] == phase])
            if hist_t.size:
                quality.add(Points(hist_t, hist_ks, name, color, "dot"))
                top = max(top, float(hist_ks.max()))
        quality.ylim = (0.0, _ladder(1.1 * top))
        quality.add(HLine(ks_critical(len(x)), "red"))
        return Figure([hist, paths, score_panel, quality], rows=2, cols=2)

    def _draw_2d(self, width: int, height: int) -> Figure:
        t = self.now
        noised = self.mixture.noised(self.schedule, t)
        xlim, ylim = self._square_limits(width * 3 // 5, height)
        x = self.particles
        shown = x[:: max(1, len(x) // SHOWN_POINTS)]
        cloud = Panel(title=T("particles and the score field", "粒子与分数场"), xlim=xlim, ylim=ylim)
        cloud.add(*self._arrows(t, xlim, ylim))
        cloud.add(Points(shown[:, 0], shown[:, 1], T("particles", "粒子"), "blue", "braille"),
                  Points(noised.means[:, 0], noised.means[:, 1], T("modes·α_t", "峰·α_t"), "red", "x"))

        k = np.arange(len(self.mixture.weights))
        m = self.metrics()
        shares, masses = m["shares"], m["cell_masses"]
        top = _ladder(1.1 * max(float(shares.max()), float(masses.max())))
        bars = Panel(title=T("share nearest each mode", "离各峰最近的样本占比"),
                     xlabel=T("mode", "峰"), xlim=(-0.7, len(k) - 0.3), ylim=(0.0, 1.2 * top))
        bars.add(Bars(k - 0.2, masses, T("p_t's mass in the cell", "p_t 在该区域的概率"), "gray",
                      width=0.35),
                 Bars(k + 0.2, shares, T("sampled", "样本"), "blue", width=0.35),
                 *(Label(float(i) - 0.1, float(max(w, f)) + 0.08 * top, str(i + 1), "default")
                   for i, w, f in zip(k, masses, shares)))
        cloud.add(self._clock_label(xlim, ylim, width * 3 // 5))
        return Figure([cloud, bars], rows=1, cols=2, weights=(3, 2))

    def _clock_label(self, xlim: tuple[float, float], ylim: tuple[float, float],
                     columns: int) -> Label:
        """Phase and time as text in the panel's top right (the cached axes stay valid)."""
        short = {"forward": T("forward", "正向"), "done": T("done", "完成")}.get(
            self.phase, "SDE" if self["sampler"] == "sde" else "ODE")
        text = short + f" t={self.now:.3f}"
        cell = (xlim[1] - xlim[0]) / max(columns - 8, 8)  # less the y tick labels
        x = max(xlim[0], xlim[1] - (len(tr(text, "en")) + 1) * cell)
        return Label(x, ylim[0] + 0.97 * (ylim[1] - ylim[0]), text, "default")

    def _square_limits(self, width: int, height: int) -> tuple[tuple[float, float], tuple[float, float]]:
        """Limits that keep circles round: a cell is about twice as tall as it is wide."""
        (x0, y0), (x1, y1) = self.lo, self.hi
        cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
        aspect = max(width, 1) / (2.0 * max(height, 1))
        half_y = max((y1 - y0) / 2, (x1 - x0) / 2 / aspect)
        half_x = half_y * aspect
        return (float(cx - half_x), float(cx + half_x)), (float(cy - half_y), float(cy + half_y))

    def _arrows(self, t: float, xlim: tuple[float, float],
                ylim: tuple[float, float]) -> list[Points]:
        """The score field σ_t·∇log p_t on a coarse grid: dotted shafts, arrow-glyph tips."""
        if t <= 0:
            return []
        gx = np.linspace(*xlim, 13)[1:-1]
        gy = np.linspace(*ylim, 9)[1:-1]
        grid = np.array([(a, b) for b in gy for a in gx])
        v = float(self.schedule.sigma(t)) * self.score(grid, t)
        size = np.hypot(*v.T)
        cell = np.array([gx[1] - gx[0], gy[1] - gy[0]])
        keep = size > 0.05
        if not keep.any():
            return []
        grid, v, size = grid[keep], v[keep], size[keep]
        unit = v / size[:, None]
        length = 0.8 * np.minimum(size, 2.5)[:, None] / 2.5 * cell
        fractions = np.linspace(0.0, 0.8, 5)
        shaft = (grid[:, None, :] + fractions[None, :, None] * unit[:, None, :] * length[:, None, :])
        tips = grid + unit * length
        angle = np.arctan2(unit[:, 1] * cell[0], unit[:, 0] * cell[1])
        glyph = np.round(angle / (np.pi / 4)).astype(int) % 8
        out = [Points(shaft[..., 0].ravel(), shaft[..., 1].ravel(), "", "gray", "braille")]
        for g in np.unique(glyph):
            pick = glyph == g
            out.append(Points(tips[pick, 0], tips[pick, 1], "", "yellow", ARROW_GLYPHS[g]))
        return out

    # --- readout, notes, export -----------------------------------------------------------

    def readout(self) -> dict[T | str, T | str]:
        m = self.metrics()
        out: dict[T | str, T | str] = {T("phase", "阶段"): self._phase_label(), "t": f"{self.now:.3f}"}
        if self.phase == "forward":
            out[T("forward frame", "正向帧")] = f"{self.fwd_frame}/{FORWARD_FRAMES}"
        else:
            out[T("reverse step", "逆向步")] = f"{self.k}/{self['steps']}"
        out[T("score", "分数")] = self._score_label()
        if m["ks"] is not None:
            out[T("KS vs p_t", "与 p_t 的 KS")] = f"{m['ks']:.4f}"
            out[T("KS 95% noise", "KS 95% 噪声水平")] = f"{ks_critical(len(self.particles)):.4f}"
        if self.dim == 1:
            out[T("mean", "均值")] = T("{v} (true {w})", "{v}（真值 {w}）").format(
                v=f"{m['mean'][0]:.3f}", w=f"{m['mean_true'][0]:.3f}")
            out[T("std", "标准差")] = T("{v} (true {w})", "{v}（真值 {w}）").format(
                v=f"{m['std'][0]:.3f}", w=f"{m['std_true'][0]:.3f}")
        else:
            out[T("mean", "均值")] = self._vector(m["mean"])
            out[T("true mean", "真实均值")] = self._vector(m["mean_true"])
            out[T("std", "标准差")] = self._vector(m["std"])
            out[T("true std", "真实标准差")] = self._vector(m["std_true"])
        gap = np.abs(m["shares"] - m["cell_masses"])
        if len(gap) <= 3:
            out[T("share nearest each mode", "离各峰最近的占比")] = " ".join(
                f"{s:.3f}" for s in m["shares"])
            out[T("p_t's mass in each cell", "p_t 在各区域的概率")] = " ".join(
                f"{w:.3f}" for w in m["cell_masses"])
        else:
            out[T("max share − cell mass", "占比与区域概率之差的最大值")] = f"{gap.max():.3f}"
        errors = m["mean_errors"]
        out[T("max mode-mean err", "各峰均值最大误差")] = f"{np.nanmax(errors):.3f}" \
            if np.isfinite(errors).any() else "—"
        return out

    @staticmethod
    def _vector(v: np.ndarray) -> str:
        return ", ".join(f"{c:.2f}" for c in v)

    def _score_label(self) -> T:
        if self["score"] == "exact":
            return T("exact (closed form)", "精确（解析式）")
        if self.trained is None:
            return T("learned: training…", "学习：训练中…")
        return T("learned (loss {v})", "学习（损失 {v}）").format(
            v=f"{self.trained.losses[-200:].mean():.3f}")

    def notes(self) -> list[T]:
        out: list[T] = []
        if self.waiting:
            out.append(T("the score network is training: the reverse run waits for it",
                         "分数网络训练中：逆向过程等它完成"))
        alpha_1 = float(self.schedule.alpha(1.0))
        if alpha_1 > 0.05:
            out.append(T("α₁ = {a}: p₁ is not N(0, I), the reverse run starts from the wrong noise",
                         "α₁ = {a}：p₁ 不是 N(0, I)，逆向从错误的噪声出发").format(a=f"{alpha_1:.2f}"))
        coarse = self["beta_max"] / self["steps"]
        if coarse > 0.2:
            out.append(T("coarse steps: β·Δt reaches {c}, so the discretisation shows",
                         "步长太粗：β·Δt 可达 {c}，离散误差明显").format(c=f"{coarse:.2f}"))
        if self.phase == "reverse":
            out.append(T("the quality is final only at t = 0", "质量在 t = 0 时才是最终结果"))
        return out

    def data(self) -> dict[str, Any]:
        m = self.metrics()
        x = self.particles
        samples = x[:EXPORTED_SAMPLES]
        out: dict[str, Any] = {
            "dim": self.dim, "phase": self.phase, "t": self.now,
            "reverse_steps_done": self.k, "score": self["score"], "sampler": self["sampler"],
            "samples": samples[:, 0] if self.dim == 1 else samples,
            "mode_means": self.mixture.means, "mode_weights_true": self.mixture.weights,
            "mode_weights_sampled": m["shares"], "mode_cell_masses": m["cell_masses"],
            "mode_mean_error": m["mean_errors"],
            "mean": m["mean"], "std": m["std"], "mean_true": m["mean_true"],
            "std_true": m["std_true"], "alpha_1": float(self.schedule.alpha(1.0)),
        }
        if self.dim == 1:
            out["ks"] = m["ks"]
            out["ks_critical_95"] = ks_critical(len(x))
        if self["score"] == "learned":
            out["trained"] = self.trained is not None
            if self.trained is not None:
                out["training_loss"] = float(self.trained.losses[-200:].mean())
        return out
