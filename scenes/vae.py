"""Scene `vae`: the ELBO of a one-dimensional Gaussian VAE climbed by SGD, with the gap
that is exactly KL(q ‖ posterior), and three gradient estimators measured against their
exact variances."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from calcterm.compute.contours import marching_squares
from calcterm.compute.vae import ESTIMATORS, Model, sgd_step
from calcterm.params import Choice, Integer, Number
from calcterm.plot import Figure, HLine, Line, Panel, Points, Trail, VLine
from calcterm.scene import Scene
from calcterm.text import T, fmt

TRAIN_STEPS = 600
DRAW_TICKS = 150
"""Estimators view: the story ends after this many ticks of 100 draws."""
DRAWS_PER_TICK = 100
RUG = 24
"""Fixed ε shown as reparameterised samples z = μ + σε under q."""
POOL = 20000
"""Fixed ε used to measure the estimators' variance at the current q in the train view."""
KINDS = ("reparam", "score", "score-baseline")
NAMES = {"reparam": T("reparameterised", "重参数化"), "score": T("score function", "得分函数"),
         "score-baseline": T("score + baseline", "得分函数 + 基线"), "exact": T("exact", "精确")}
COLORS = {"reparam": "success", "score": "error", "score-baseline": "warning"}


def _key(kind: str) -> str:
    return kind.replace("-", "_")


def _pair(first: Panel, second: Panel, width: int, height: int) -> Figure:
    """Two panels side by side when the plot is wide for its height, else stacked."""
    if width >= 2 * height + 20:
        return Figure([first, second], rows=1, cols=2)
    return Figure([first, second], rows=2, cols=1)


class Vae(Scene):
    id = "vae"
    title = T("VAE: the ELBO and the reparameterization trick", "VAE：证据下界与重参数化技巧")
    summary = T("SGD on a Gaussian VAE's ELBO, whose gap to log p(x) is exactly KL(q ‖ posterior); "
                "reparameterised against score-function gradients, with their exact variances",
                "对高斯 VAE 的 ELBO 做 SGD，它与 log p(x) 的差恰为 KL(q ‖ 后验)；"
                "重参数化梯度与得分函数梯度及其精确方差")
    section = "Part 4 §1.3"
    order = 57
    pace = 1
    heaviest = {"K": 1000, "view": "train", "estimator": "score-baseline"}
    min_plot = (34, 10)
    params = (
        Number("x", 2.0, T("the one observed data point", "唯一的观测数据点"), lo=-5.0, hi=5.0, step=0.1),
        Number("s", 1.0, T("decoder noise: p(x|z) = N(z, s²)", "解码器噪声：p(x|z) = N(z, s²)"),
               lo=0.1, hi=3.0, step=0.05),
        Number("mu0", 0.0, T("starting mean μ of q(z) = N(μ, σ²)", "q(z) = N(μ, σ²) 的初始均值 μ"),
               lo=-4.0, hi=4.0, step=0.1),
        Number("sigma0", 1.0, T("starting standard deviation σ of q", "q 的初始标准差 σ"),
               lo=0.05, hi=3.0, step=0.05),
        Choice("estimator", "reparam",
               T("how SGD estimates ∇E_q[log p(x|z)]", "SGD 如何估计 ∇E_q[log p(x|z)]"),
               choices=ESTIMATORS, labels=NAMES),
        Integer("K", 1, T("samples z per SGD step", "每步 SGD 的样本数 K"), lo=1, hi=1000),
        Number("lr", 0.05, T("SGD step size on (μ, ln σ)", "在 (μ, ln σ) 上的 SGD 步长"),
               lo=1e-3, hi=1.0, step=10 ** 0.1, log=True),
        Choice("view", "train", T("train q by SGD, or compare the gradient estimators at the start",
                                  "用 SGD 训练 q，或在起点比较各梯度估计量"),
               choices=("train", "estimators"),
               labels={"train": T("train", "训练"), "estimators": T("estimators", "估计量")}),
    )
    explanation = T(
        "The model is as small as a VAE can be, so every number is exact: a latent z ~ N(0, 1), "
        "one observation x ~ N(z, s²), and an approximate posterior q(z) = N(μ, σ²). Then "
        "log p(x) = log N(x; 0, 1 + s²) and the true posterior is N(x/(1+s²), s²/(1+s²)).\n"
        "The objective is ELBO = E_q[log p(x|z)] − KL(q ‖ p(z)), and for every q "
        "log p(x) = ELBO + KL(q ‖ p(z|x)). The KL that the gap measures is to the posterior; the "
        "KL to the prior is a separate term inside the objective. Since log p(x) does not depend "
        "on q, raising the ELBO is the same as shrinking KL(q ‖ posterior), and the gap closes "
        "exactly when q is the posterior. Watch the bound panel: the flat line is log p(x), the "
        "rising curve is the ELBO, the falling one is the gap. \"Variational\" refers to "
        "variational inference, which optimises over a family of distributions q. In this "
        "family it is ordinary calculus in (μ, ln σ), and no Euler–Lagrange equation is needed. "
        "Over all densities it would be a calculus-of-variations problem: with a multiplier for "
        "∫q = 1 the functional derivative vanishes at q ∝ p(x, z), the posterior.\n"
        "SGD needs ∇E_q[log p(x|z)], an expectation under a distribution that itself moves. The "
        "reparameterisation z = μ + σε with ε ~ N(0, 1) fixes the randomness, so the gradient "
        "passes through z: the dots under q keep their ε while μ and σ move. The score-function "
        "(REINFORCE) estimator f(z)·∇log q(z) needs only values of f, but it is far noisier. "
        "Subtracting a baseline b = E_q f keeps it unbiased, because E_q[∇log q] = 0, and "
        "usually makes it much quieter. The estimators view draws 100 single-sample estimates per step, all at the "
        "starting q, and sets the measured variances beside the exact ones. The KL-to-prior "
        "term is differentiated exactly, as VAEs do. Raise K to average the noise away.",
        "这个模型小到所有量都有精确解：隐变量 z ~ N(0, 1)，一个观测 x ~ N(z, s²)，近似后验 "
        "q(z) = N(μ, σ²)。于是 log p(x) = log N(x; 0, 1 + s²)，真实后验为 "
        "N(x/(1+s²), s²/(1+s²))。\n"
        "目标函数是 ELBO = E_q[log p(x|z)] − KL(q ‖ p(z))，并且对任何 q 都有 "
        "log p(x) = ELBO + KL(q ‖ p(z|x))。差距所度量的 KL 是到后验的 KL；到先验的 KL 是目标函数"
        "里的另一项。log p(x) 与 q 无关，所以提高 ELBO 等同于缩小 KL(q ‖ 后验)，当 q 等于后验时差距"
        "恰好为零。看下界图：水平线是 log p(x)，上升的曲线是 ELBO，下降的是差距。“变分”指的是"
        "变分推断，即在一族分布 q 上做优化。在这一族里它只是 (μ, ln σ) 上的普通微积分，用不到"
        "欧拉–拉格朗日方程。若在所有密度上优化，它就成了变分法问题：为 ∫q = 1 引入乘子后，"
        "泛函导数在 q ∝ p(x, z)（即后验）处为零。\n"
        "SGD 需要 ∇E_q[log p(x|z)]，而这个期望所依赖的分布本身也在移动。重参数化 z = μ + σε、"
        "ε ~ N(0, 1) 把随机性固定下来，梯度就能穿过 z 传回：q 下方的点保持各自的 ε，随 μ、σ 一起"
        "移动。得分函数（REINFORCE）估计量 f(z)·∇log q(z) 只需要 f 的函数值，但噪声大得多。因为 "
        "E_q[∇log q] = 0，减去基线 b = E_q f 仍然无偏，而且通常能大大减小噪声。估计量视图在起点的 q 处每步"
        "抽取 100 个单样本估计，把实测方差与精确方差并列。到先验的 KL 项按精确公式求导，VAE 的"
        "通常做法也是如此。增大 K 可以把噪声平均掉。",
    )

    def matters(self, name: str) -> bool:
        if name in ("estimator", "K", "lr"):
            return self["view"] == "train"
        return True

    # -- state ------------------------------------------------------------------------

    def setup(self) -> None:
        self.model = Model(self["x"], self["s"])
        self.post_mean, self.post_std = self.model.posterior
        rng = np.random.default_rng(self.seed)
        self.rug = rng.standard_normal(RUG)
        self.pool = rng.standard_normal(POOL)
        self.sgd_rng = np.random.default_rng([self.seed, 1])
        self.draw_rng = np.random.default_rng([self.seed, 2])
        self.mu, self.rho = self["mu0"], math.log(self["sigma0"])
        self.path = [(self.mu, self["sigma0"])]
        self.elbos = [float(self.model.elbo(self.mu, self.sigma))]
        self.gaps = [self.model.gap(self.mu, self.sigma)]
        self.trail = Trail(T("SGD path", "SGD 路径"), "warning")
        self.trail.extend(np.array([self.mu, self.rho]))
        self.draws = {kind: np.empty(0) for kind in KINDS}
        self._seen: tuple[int, dict[str, float]] | None = None
        self.view_box = self._landscape_view()
        self.contours = self._contour_lines()

    @property
    def sigma(self) -> float:
        return math.exp(self.rho)

    @property
    def done(self) -> bool:
        if self["view"] == "estimators":
            return self.t >= DRAW_TICKS
        if self["estimator"] == "exact" and self.t > 0:
            return self.t >= TRAIN_STEPS or float(np.max(np.abs(self.elbo_gradient))) < 1e-12
        return self.t >= TRAIN_STEPS

    def advance(self) -> None:
        if self["view"] == "estimators":
            eps = self.draw_rng.standard_normal(DRAWS_PER_TICK)
            for kind in KINDS:
                g = self.model.estimates(self.mu, self.sigma, eps, kind)[:, 0]
                self.draws[kind] = np.concatenate([self.draws[kind], g])
            return
        eps = self.sgd_rng.standard_normal(self["K"])
        self.mu, self.rho = sgd_step(self.model, self.mu, self.rho, self["lr"], eps, self["estimator"])
        self.path.append((self.mu, self.sigma))
        self.elbos.append(float(self.model.elbo(self.mu, self.sigma)))
        self.gaps.append(self.model.gap(self.mu, self.sigma))
        self.trail.extend(np.array([self.mu, self.rho]))

    @property
    def elbo_gradient(self) -> np.ndarray:
        return self.model.elbo_gradient(self.mu, self.sigma)

    def variances_seen(self) -> dict[str, float]:
        """Sample variances of single-sample ∂/∂μ estimates: the accumulated draws in the
        estimators view, a fixed pool of ε at the current q in the train view."""
        if self._seen is not None and self._seen[0] == self.t:
            return self._seen[1]
        out = {}
        for kind in KINDS:
            g = (self.draws[kind] if self["view"] == "estimators"
                 else self.model.estimates(self.mu, self.sigma, self.pool, kind)[:, 0])
            out[kind] = float(np.var(g)) if g.size > 1 else float("nan")
        self._seen = (self.t, out)
        return out

    # -- pictures ---------------------------------------------------------------------

    def _landscape_view(self) -> tuple[float, float, float, float]:
        mus = (self["mu0"], self.post_mean)
        rhos = (math.log(self["sigma0"]), math.log(self.post_std))
        return (min(mus) - 1.5, max(mus) + 1.5, min(rhos) - 1.0, max(rhos) + 1.0)

    def _contour_lines(self) -> list[Line]:
        """ELBO level sets over (μ, ln σ), below its peak log p(x) by log-spaced amounts."""
        x0, x1, y0, y1 = self.view_box
        mus, rhos = np.linspace(x0, x1, 120), np.linspace(y0, y1, 90)
        z = self.model.log_px - self.model.elbo(mus[None, :], np.exp(rhos)[:, None])
        lines = []
        for gap in np.geomspace(0.02, max(0.5, float(np.quantile(z, 0.7))), 7):
            seg = marching_squares(mus, rhos, z, float(gap))
            if len(seg):
                pts = np.concatenate([seg, np.full((len(seg), 1, 2), np.nan)], 1).reshape(-1, 2)
                lines.append(Line(pts[:, 0], pts[:, 1], "", "muted"))
        return lines

    def draw(self, width: int, height: int) -> Figure:
        if self["view"] == "estimators":
            panels = [self._density_panel()] + [self._histogram(kind) for kind in KINDS]
            if width < 64 or height < 20:
                return _pair(panels[0], panels[2], width, height)
            return Figure(panels, rows=2, cols=2)
        if width < 64 or height < 20:
            return _pair(self._density_panel(), self._bound_panel(), width, height)
        return Figure([self._density_panel(), self._landscape_panel(), self._bound_panel(),
                       self._gap_panel()], rows=2, cols=2)

    def _density_panel(self) -> Panel:
        m, sd = self.post_mean, self.post_std
        lo = min(-3.5, m - 4 * sd, self.mu - 3.5 * self.sigma)
        hi = max(3.5, m + 4 * sd, self.mu + 3.5 * self.sigma)
        lo, hi = max(lo, -12.0), min(hi, 12.0)
        z = np.linspace(lo, hi, 400)

        def pdf(mean: float, std: float) -> np.ndarray:
            return np.exp(np.maximum(-0.5 * ((z - mean) / std) ** 2, -700.0)) / (std * math.sqrt(2 * math.pi))

        q = pdf(self.mu, self.sigma)
        top = float(max(np.max(pdf(m, sd)), np.max(q), 0.4))
        panel = Panel(title=T("densities over z (x = {x})", "z 上的密度（x = {x}）").format(x=fmt(self["x"], "g")),
                      xlabel="z", xlim=(lo, hi),
                      ylim=(-0.12 * top, 1.08 * top))
        panel.add(Line(z, pdf(0.0, 1.0), T("prior p(z)", "先验 p(z)"), "muted"),
                  Line(z, pdf(m, sd), T("posterior p(z|x)", "后验 p(z|x)"), "success"),
                  Line(z, np.minimum(q, 1.08 * top), "q(z)", "warning"),
                  Points(self.mu + self.sigma * self.rug, np.full(RUG, -0.06 * top),
                         T("z = μ + σε", "z = μ + σε"), "warning", "•"))
        return panel

    def _landscape_panel(self) -> Panel:
        x0, x1, y0, y1 = self.view_box
        panel = Panel(title=T("ELBO over (μ, ln σ)", "(μ, ln σ) 上的 ELBO"), xlabel="μ",
                      ylabel="ln σ", xlim=(x0, x1), ylim=(y0, y1))
        panel.add(*self.contours, self.trail,
                  Points(np.array([self.post_mean]), np.array([math.log(self.post_std)]),
                         T("posterior", "后验"), "success", "★"),
                  Points(np.array([self.mu]), np.array([self.rho]), "", "warning", "●"))
        return panel

    def _bound_panel(self) -> Panel:
        steps = np.arange(len(self.elbos), dtype=float)
        elbos = np.array(self.elbos)
        lo = float(min(np.min(elbos[np.isfinite(elbos)]), self.model.log_px - 1.0))
        span = max(self.model.log_px - lo, 0.5)
        panel = Panel(title=T("log p(x) = ELBO + KL(q ‖ posterior)", "log p(x) = ELBO + KL(q ‖ 后验)"),
                      xlabel=T("step", "步"),
                      xlim=(0.0, float(max(50, 2 ** math.ceil(math.log2(max(len(steps), 2)))))),
                      ylim=(max(lo, self.model.log_px - 8 * span) - 0.05 * span, self.model.log_px + 0.6 * span))
        panel.add(HLine(self.model.log_px, "primary"),
                  Line(steps, elbos, "ELBO", "warning"),
                  Line(steps, elbos + np.array(self.gaps), T("ELBO + KL(q‖posterior)", "ELBO + KL(q‖后验)"),
                       "success", style="dotted"))
        return panel

    def _gap_panel(self) -> Panel:
        """The gap on a log scale: how fast q reaches the posterior, and how noisy."""
        gaps = np.array(self.gaps)
        steps = np.arange(len(gaps), dtype=float)
        keep = gaps > 0
        panel = Panel(title=T("gap KL(q ‖ posterior)", "差距 KL(q ‖ 后验)"), xlabel=T("step", "步"),
                      yscale="log",
                      xlim=(0.0, float(max(50, 2 ** math.ceil(math.log2(max(len(steps), 2)))))))
        panel.add(Line(steps[keep], gaps[keep], "", "error"))
        return panel

    def _histogram_range(self) -> tuple[float, float]:
        exact = self.model.recon_gradient(self.mu, self.sigma)[0]
        spread = 4 * math.sqrt(self.model.estimator_variance(self.mu, self.sigma, "score"))
        return exact - spread, exact + spread

    def _histogram(self, kind: str, span: tuple[float, float] | None = None) -> Panel:
        lo, hi = span or self._histogram_range()
        exact = self.model.recon_gradient(self.mu, self.sigma)[0]
        var = self.model.estimator_variance(self.mu, self.sigma, kind)
        seen = self.variances_seen()[kind]
        panel = Panel(title=T("{n}: var {v} (exact {e})", "{n}：方差 {v}（精确 {e}）").format(
            n=NAMES[kind], v=fmt(seen, ".3g"), e=fmt(var, ".3g")), xlabel="∂/∂μ", xlim=(lo, hi))
        g = self.draws[kind]
        if g.size:
            counts, edges = np.histogram(g, bins=60, range=(lo, hi))
            dens = counts / (g.size * (edges[1] - edges[0]))
            x = np.repeat(edges, 2)[1:-1]
            panel.add(Line(x, np.repeat(dens, 2), "", COLORS[kind]))
        panel.add(VLine(exact, "foreground"))
        return panel

    # -- numbers ----------------------------------------------------------------------

    def readout(self) -> dict[T | str, T | str]:
        grad = self.elbo_gradient
        seen = self.variances_seen()
        out: dict[T | str, T | str] = {
            "μ": fmt(self.mu, ".4f"), "σ": fmt(self.sigma, ".4f"),
            "ELBO": fmt(self.elbos[-1], ".5f"), "log p(x)": fmt(self.model.log_px, ".5f"),
            T("gap = KL(q‖posterior)", "差距 = KL(q‖后验)"): fmt(self.gaps[-1], ".3e"),
            T("KL(q‖prior)", "KL(q‖先验)"): fmt(float(self.model.kl_prior(self.mu, self.sigma)), ".4f"),
            "E_q log p(x|z)": fmt(float(self.model.expected_log_lik(self.mu, self.sigma)), ".4f"),
            T("posterior", "后验"): f"N({fmt(self.post_mean, '.3f')}, {fmt(self.post_std, '.3f')}²)",
            T("∇ELBO exact (μ, ln σ)", "∇ELBO 精确值 (μ, ln σ)"): f"({fmt(grad[0], '.3g')}, {fmt(grad[1], '.3g')})",
        }
        for kind in KINDS:
            exact = self.model.estimator_variance(self.mu, self.sigma, kind)
            out[T("var {n} seen/exact", "方差 {n} 实测/精确").format(n=NAMES[kind])] = (
                f"{fmt(seen[kind], '.3g')} / {fmt(exact, '.3g')}")
        return out

    @property
    def ran_away(self) -> bool:
        """SGD left the posterior's neighbourhood for good (or hit the clip on ln σ / μ)."""
        return (self.rho <= -8.0 or self.rho >= 3.0 or abs(self.mu) >= 50.0
                or self.gaps[-1] > 10 * self.gaps[0] + 1.0)

    def notes(self) -> list[T]:
        if self["view"] != "train":
            return []
        if self.ran_away:
            return [T("SGD has run away: the score-function estimate's noise grows like σ², so "
                      "one bad draw raises σ and makes the next draw worse; lower lr or raise K",
                      "SGD 已失控：得分函数估计的噪声按 σ² 增长，一次糟糕的抽样抬高 σ，"
                      "又让下一次更糟；请降低 lr 或增大 K")
                    if self["estimator"].startswith("score") else
                    T("SGD has run away: lower lr", "SGD 已失控：请降低 lr")]
        if self["estimator"].startswith("score") and self["K"] < 10:
            return [T("few score-function samples per step: the path jitters around the "
                      "posterior instead of settling", "每步得分函数样本很少：路径在后验附近抖动，"
                      "无法稳定下来")]
        return []

    def data(self) -> dict[str, Any]:
        exact = {_key(k): self.model.estimator_variance(self.mu, self.sigma, k) for k in KINDS}
        seen = {_key(k): v for k, v in self.variances_seen().items()}
        return {
            "log_px": self.model.log_px, "elbo": self.elbos[-1], "gap": self.gaps[-1],
            "kl_prior": float(self.model.kl_prior(self.mu, self.sigma)),
            "expected_log_lik": float(self.model.expected_log_lik(self.mu, self.sigma)),
            "posterior_mean": self.post_mean, "posterior_std": self.post_std,
            "mu": self.mu, "sigma": self.sigma, "path": [list(p) for p in self.path],
            "grad_exact": self.elbo_gradient.tolist(),
            "recon_grad_exact": self.model.recon_gradient(self.mu, self.sigma).tolist(),
            "estimator_variance_exact": exact, "estimator_variance_seen": seen,
            "draws": int(self.draws["reparam"].size), "ran_away": self.ran_away,
        }
