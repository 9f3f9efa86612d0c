"""Scene `vanishing`: gradients fading or blowing up on their way down a deep network."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from calcterm.compute.collapse import affine_collapse, collapse_affordable
from calcterm.compute.activations import ACTIVATIONS, SUP_DERIVATIVE, activate, derivative, saturated
from calcterm.compute.network import (
    EXPLODING_ABOVE, INITS, VANISHING_BELOW, Diagnostics, Network, bound_profile, build_network,
    forward, gain_bounds, log10_product, precision_for, regime, smooth_target, top_singular_values,
    train_step,
)
from calcterm.params import Choice, Integer, Number, Toggle
from calcterm.plot import Figure, HLine, Label, Line, Panel, Points, sample_count
from calcterm.scene import Job, Scene
from calcterm.text import T, Text

LANCZOS_SETUP = 30
"""Lanczos steps for σ_max after a reset: about 6 digits even for 512-wide random layers."""
LANCZOS_STEP = 3
"""Warm-started steps per training step: SGD moves the weights little, so few suffice."""
LANCZOS_STEP_HEAVY = 2
"""The same for nets of more than HEAVY_WEIGHTS / 2 weights, where each step reads them all."""
HEAVY_WEIGHTS = 2 ** 23
"""Beyond this many weights (64 MB) the net is built, and each SGD step run, in a job off the
UI thread."""
MAX_HISTORY = 5000
PHI_RANGE = 5.0

REGIMES = {"vanishing": T("vanishing", "梯度消失"), "exploding": T("exploding", "梯度爆炸"),
           "stable": T("stable", "稳定"), "healthy": T("healthy", "正常")}
SATURATION_NOTE = {
    "sigmoid": "σ' ≤ 0.25", "tanh": "tanh' ≤ 1", "relu": "ReLU' ∈ {0, 1}",
    "linear": "φ' = 1", "gelu": "GELU' ≤ 1.13",
}


@dataclass
class Run:
    """Everything one training run needs; swapped into the scene in a single assignment."""

    net: Network
    direction: np.ndarray
    data_rng: np.random.Generator
    diag: Diagnostics
    sigma_max: np.ndarray
    ritz: np.ndarray
    losses: list[float]
    initial_regime: str
    stopped: bool = False


def _fmt(value: float, spec: str = ".3e") -> Text:
    if math.isnan(value):
        return T("not finite", "非有限数")
    if math.isinf(value):
        return T("overflow", "溢出") if value > 0 else T("−overflow", "负溢出")
    return format(value, spec)


def _pow10(exponent: float) -> Text:
    """10^exponent as text even when the number itself is beyond float range."""
    if not math.isfinite(exponent):
        return "0" if exponent < 0 else T("overflow", "溢出")
    mantissa_exp = math.floor(exponent)
    return f"{10 ** (exponent - mantissa_exp):.2f}e{mantissa_exp:+d}"


def minibatch(rng: np.random.Generator, direction: np.ndarray,
              size: int) -> tuple[np.ndarray, np.ndarray]:
    """Fresh standard-normal inputs and their targets y = sin(d·x)."""
    x = rng.standard_normal((size, direction.size))
    return x, smooth_target(x, direction)


def _decades(lo: float, hi: float) -> tuple[float, float]:
    """[lo, hi] widened to whole powers of ten, so a log axis (and its cached frame) only
    changes when the data crosses a decade."""
    a, b = math.floor(math.log10(lo)), math.ceil(math.log10(hi))
    return 10.0 ** a, 10.0 ** max(b, a + 1)


def _nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 × 10ᵏ at or above value (≥ 1)."""
    value = max(value, 1.0)
    power = 10.0 ** math.floor(math.log10(value))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= value)


def _positive(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    return values[np.isfinite(values) & (values > 0)]


def _build(values: dict[str, Any], seed: int, progress: Callable[[float], None]) -> Run:
    """Build the net, find every σ_max, measure the first batch."""
    depth, width, batch = values["depth"], values["width"], values["batch"]
    net = build_network(np.random.default_rng([seed, 0]), depth, width, values["activation"],
                        values["init"], values["sigma"], values["residual"], values["layernorm"],
                        dtype=precision_for(depth, width))
    progress(0.4)
    start = np.random.default_rng([seed, 2]).standard_normal((depth, width))
    sigma_max, ritz = top_singular_values(net.W, start, LANCZOS_SETUP)
    progress(0.85)
    data_rng = np.random.default_rng([seed, 1])
    direction = data_rng.standard_normal(width)
    direction /= np.linalg.norm(direction)
    x, y = minibatch(data_rng, direction, batch)
    diag = train_step(net, x, y, lr=0.0)
    progress(1.0)
    return Run(net, direction, data_rng, diag, sigma_max, ritz, [diag.loss],
               regime(diag.grad_h), stopped=not diag.finite)


def _sgd_step(run: Run, lr: float, batch: int) -> tuple[Diagnostics, np.ndarray, np.ndarray]:
    """One SGD step (weights updated in place) and the new σ_max estimates."""
    steps = LANCZOS_STEP_HEAVY if 2 * run.net.W.size > HEAVY_WEIGHTS else LANCZOS_STEP
    sigma_max, ritz = top_singular_values(run.net.W, run.ritz, steps)
    x, y = minibatch(run.data_rng, run.direction, batch)
    return train_step(run.net, x, y, lr), sigma_max, ritz


def _adopt(run: Run, result: tuple[Diagnostics, np.ndarray, np.ndarray]) -> None:
    run.diag, run.sigma_max, run.ritz = result
    run.losses.append(run.diag.loss)
    del run.losses[:-MAX_HISTORY]
    run.stopped = not run.diag.finite


class Vanishing(Scene):
    id = "vanishing"
    title = T("Vanishing and exploding gradients", "梯度消失与梯度爆炸")
    summary = T("real backpropagation through a deep network: per-layer gradient norms against "
                "the product of singular values, activation spread, dead ReLUs, SGD training",
                "在深层网络中真实地反向传播：逐层梯度范数与奇异值乘积、激活离散度、死亡 ReLU、SGD 训练")
    section = "Part 3 §1.1, §1.3, §2.1–2.4"
    order = 50
    pace = 3
    min_plot = (40, 12)
    heaviest = {"depth": 200, "width": 512, "batch": 64, "activation": "gelu",
                "residual": True, "layernorm": True, "lr": 1e-4}
    """lr = 1e-4 keeps this net training; a larger η diverges and stops the clock (cheap frames)."""
    params = (
        Integer("depth", 20, T("number of hidden layers D", "隐藏层数 D"), lo=1, hi=200),
        Integer("width", 64, T("units per layer n (every layer is n × n)", "每层单元数 n（每层为 n × n）"),
                lo=4, hi=512, step=4),
        Choice("activation", "sigmoid", T("the nonlinearity φ", "激活函数 φ"), choices=ACTIVATIONS,
               labels={"linear": T("linear", "线性")}),
        Choice("init", "xavier", T("weight scale: normal N(0, σ²), Xavier N(0, 2/(n_in+n_out)), "
                                   "He N(0, 2/n_in)",
                                   "权重尺度：normal N(0, σ²)，Xavier N(0, 2/(n_in+n_out))，He N(0, 2/n_in)"),
               choices=INITS, labels={"normal": T("normal", "正态"), "xavier": "Xavier", "he": "He"}),
        Number("sigma", 0.125, T("weight std σ when init = normal; σ√n is the typical gain of W",
                                 "init = normal 时的权重标准差 σ；σ√n 是 W 的典型增益"),
               lo=2.0 ** -10, hi=16.0, step=2.0, log=True),
        Toggle("residual", False, T("skip connections h⁽ᵏ⁾ = h⁽ᵏ⁻¹⁾ + φ(W⁽ᵏ⁾h⁽ᵏ⁻¹⁾ + b⁽ᵏ⁾)/√D",
                                    "残差连接 h⁽ᵏ⁾ = h⁽ᵏ⁻¹⁾ + φ(W⁽ᵏ⁾h⁽ᵏ⁻¹⁾ + b⁽ᵏ⁾)/√D")),
        Toggle("layernorm", False, T("normalise each layer's input over its units (pre-norm)",
                                     "对每层输入在单元维度上做归一化（前置归一化）")),
        Integer("batch", 32, T("examples per SGD step", "每步 SGD 的样本数"), lo=2, hi=64, step=2),
        Number("lr", 0.01, T("SGD learning rate η", "SGD 学习率 η"), lo=1e-4, hi=10.0,
               step=10 ** 0.25, log=True),
    )
    explanation = T(
        "Backpropagation multiplies the gradient by one Jacobian per layer on its way down: "
        "g⁽ᵏ⁻¹⁾ = W⁽ᵏ⁾ᵀ(φ′(z⁽ᵏ⁾) ⊙ g⁽ᵏ⁾), where g⁽ᵏ⁾ = ∂ℒ/∂h⁽ᵏ⁾ (ℒ is the loss, D the depth). "
        "So ‖g⁽ᵏ⁻¹⁾‖ ≤ σ_max(W⁽ᵏ⁾)·sup|φ′|·‖g⁽ᵏ⁾‖ and, over D layers, "
        "‖g⁽⁰⁾‖ ≤ ‖g⁽ᴰ⁾‖·∏σ_max·(sup|φ′|)ᴰ, the transposes multiplying in reverse order "
        "(W⁽¹⁾)ᵀ(W⁽²⁾)ᵀ⋯(W⁽ᴰ⁾)ᵀ. This product is an upper bound, not an estimate: gains below 1 "
        "force the gradient to vanish exponentially, but gains above 1 only allow it to grow (a "
        "random layer with σ_max ≈ 2 still keeps a typical vector's length). In the top-left "
        "panel compare the blue measured curve with the gray article product ‖g⁽ᴰ⁾‖∏σ_max and, "
        "where sup|φ′| ≠ 1, the red bound that includes it. "
        "Sigmoid's slope is at most 1/4, so even with Xavier weights (variance 1/n here, so a "
        "typical vector keeps its length through W) the gradient loses a factor of four or "
        "more per layer: the early layers barely learn. "
        "ReLU with He init (variance 2/n, making up for the half of units that are off) "
        "keeps both the activation spread and the gradient level, but a unit that is never "
        "active gets no gradient at all (the dead ReLUs are counted). Residual connections "
        "(here h⁽ᵏ⁾ = h⁽ᵏ⁻¹⁾ + φ(z⁽ᵏ⁾)/√D, so the sum of D branches stays bounded) add "
        "the identity to every Jacobian, a straight path for the gradient; layer "
        "normalisation divides out the scale of the activations. With init = normal, σ√n is "
        "the typical gain of W, and what decides the regime is the average per-layer gain "
        "χ = σ²n·E[φ′(z)²] at the activations the net settles into: above 1 every layer "
        "amplifies and the gradient explodes, until the floating-point range overflows (float64, "
        "or float32 for the biggest nets) and training stops. For "
        "sigmoid, whose slope is small away from 0, χ passes 1 only near σ√n ≈ 10: at σ√n = 5 "
        "the gradient still vanishes. A linear activation collapses the whole net into one "
        "affine map: a deep linear net is one layer. "
        "Backpropagation is reverse-mode automatic differentiation: one backward pass gives "
        "one vector–Jacobian product (one row of the Jacobian), which for a scalar loss is "
        "the whole gradient; forward mode gives one Jacobian–vector product (one column, "
        "one input direction) per pass. The regime is read from ‖g⁽⁰⁾‖/‖g⁽ᴰ⁾‖: below 1e-2 "
        "vanishing, above 1e2 exploding.",
        "反向传播时梯度每经过一层就乘上一个雅可比矩阵：g⁽ᵏ⁻¹⁾ = W⁽ᵏ⁾ᵀ(φ′(z⁽ᵏ⁾) ⊙ g⁽ᵏ⁾)，其中 "
        "g⁽ᵏ⁾ = ∂ℒ/∂h⁽ᵏ⁾（ℒ 是损失，D 是深度）。因此 ‖g⁽ᵏ⁻¹⁾‖ ≤ σ_max(W⁽ᵏ⁾)·sup|φ′|·‖g⁽ᵏ⁾‖，"
        "经过 D 层后 ‖g⁽⁰⁾‖ ≤ ‖g⁽ᴰ⁾‖·∏σ_max·(sup|φ′|)ᴰ，转置按相反顺序相乘 "
        "(W⁽¹⁾)ᵀ(W⁽²⁾)ᵀ⋯(W⁽ᴰ⁾)ᵀ。这个乘积是上界而非估计：每层增益都小于 1 时梯度必然指数衰减，"
        "但增益大于 1 只是允许梯度增长（σ_max ≈ 2 的随机层仍能保持典型向量的长度）。请在左上图"
        "比较蓝色的实测曲线、灰色的文中乘积 ‖g⁽ᴰ⁾‖∏σ_max，以及 sup|φ′| ≠ 1 时包含它的红色上界。"
        "Sigmoid 的导数至多为 1/4，所以即使用 Xavier 初始化（方差 1/n，典型向量经过 W 后长度不变），"
        "梯度每层仍至少损失四倍：前面几层几乎学不动。ReLU 配合 He 初始化（方差 2/n，补偿一半单元"
        "不激活）能同时保持激活的离散程度和梯度的大小，但从不激活的单元完全得不到梯度（读数中统计了"
        "“死亡 ReLU”）。残差连接（这里是 h⁽ᵏ⁾ = h⁽ᵏ⁻¹⁾ + φ(z⁽ᵏ⁾)/√D，使 D 个分支之和保持有界）"
        "给每个雅可比矩阵加上单位矩阵，为梯度提供一条直通路径；层归一化则消去激活值的尺度。"
        "init = normal 时 σ√n 是 W 的典型增益，而决定梯度走向的是网络稳定后每层的平均增益 "
        "χ = σ²n·E[φ′(z)²]：大于 1 时每层都在放大，梯度爆炸，直到浮点数范围溢出（float64；最大的网络用 float32）、训练停止。"
        "sigmoid 在远离 0 处斜率很小，χ 要到 σ√n ≈ 10 附近才超过 1：σ√n = 5 时梯度仍在消失。"
        "线性激活会把整个网络压缩成一个仿射映射：深层线性网络等于一层。"
        "反向传播就是反向模式自动微分：一次反向传播得到一个向量–雅可比乘积（雅可比矩阵的一行），"
        "对标量损失这就是完整的梯度；前向模式每次只得到一个雅可比–向量乘积（一列，即一个输入方向）。"
        "判定规则：‖g⁽⁰⁾‖/‖g⁽ᴰ⁾‖ 小于 1e-2 为梯度消失，大于 1e2 为梯度爆炸。",
    )

    def setup(self) -> None:
        self.run: Run | None = None
        self.phi_x = np.linspace(-PHI_RANGE, PHI_RANGE, 241)
        name = self["activation"]
        self.phi = activate(name, self.phi_x)
        self.dphi = derivative(name, self.phi_x)
        self.flat = saturated(name, self.phi_x)
        if not self.heavy:
            self.run = _build(dict(self.values), self.seed, lambda fraction: None)

    def matters(self, name: str) -> bool:
        return name != "sigma" or self["init"] == "normal"

    @property
    def heavy(self) -> bool:
        return self["depth"] * self["width"] ** 2 > HEAVY_WEIGHTS

    def job(self) -> Job | None:
        """A big net is built (and its σ_max found) off the UI thread."""
        if self.run is not None:
            return None
        values, seed = dict(self.values), self.seed

        def adopt(run: Run) -> None:
            self.run = run

        return Job(lambda progress: _build(values, seed, progress), adopt,
                   T("building the network", "构建网络"))

    @property
    def busy(self) -> bool:
        return self.run is None

    @property
    def done(self) -> bool:
        return self.run is not None and self.run.stopped  # overflow ends the story

    def step_job(self) -> Job | None:
        """For big nets one SGD step outlasts a frame: it runs off the UI thread.

        While it runs, the step owns the weights (it updates them in place; copying 52 M
        floats a step would cost more than the step); the picture reads only what `adopt`
        replaces, and a reset meanwhile builds a new net, leaving the old one to the step.
        """
        if not self.heavy or self.run is None:
            return None
        run, lr, batch = self.run, self["lr"], self["batch"]
        return Job(lambda progress: _sgd_step(run, lr, batch), lambda result: _adopt(run, result))

    def advance(self) -> None:
        """One plain SGD step on a fresh minibatch; shows the gradients that step used."""
        _adopt(self.run, _sgd_step(self.run, self["lr"], self["batch"]))

    # --- what the picture is made of -------------------------------------------------------

    @property
    def ratio(self) -> float:
        g = self.run.diag.grad_h
        with np.errstate(all="ignore"):
            return float(g[0] / g[-1])

    @property
    def regime(self) -> str:
        return regime(self.run.diag.grad_h)

    def gains(self) -> np.ndarray | None:
        """Per-layer bound on the gradient's growth, or None where none holds (layer norm)."""
        if self["layernorm"]:
            return None
        scale = self.run.net.branch_scale if self["residual"] else None
        return gain_bounds(self.run.sigma_max, self["activation"], scale)

    def draw(self, width: int, height: int) -> Figure:
        if self.run is None:
            note = Panel(title=T("building the network…", "正在构建网络…"), xlim=(0, 1), ylim=(0, 1))
            note.add(Label(0.05, 0.5, T("{d} layers × {w}² weights", "{d} 层 × {w}² 个权重").format(
                d=str(self["depth"]), w=str(self["width"])), "default"))
            return Figure([note])
        if width < 64:  # narrow: the two per-layer views, stacked on one x axis
            return Figure([self._gradient_panel(), self._spread_panel()], rows=2, cols=1)
        right = width * 2 // 5
        if height < 20:
            return Figure([self._gradient_panel(), self._phi_panel(right)], cols=2, weights=(3, 2))
        return Figure([self._gradient_panel(), self._phi_panel(right),
                       self._spread_panel(), self._loss_panel(right)],
                      rows=2, cols=2, weights=(3, 2))

    def _gradient_panel(self) -> Panel:
        d = self.run.diag
        depth = len(d.grad_W)
        k = np.arange(depth + 1, dtype=float)
        top = float(d.grad_h[-1])
        if not (math.isfinite(top) and top > 0):  # no gradient reached the top: show the shape
            top = 1.0
        article = bound_profile(top, self.run.sigma_max)
        gains = self.gains()
        measured = np.concatenate([_positive(d.grad_h), _positive(d.grad_W)])
        panel = Panel(title=T("gradient norms by layer k: {r}", "逐层梯度范数：{r}").format(
                          r=REGIMES.get(self.regime, self.regime)), xlabel=T("layer k", "层 k"),
                      yscale="log", xlim=(0, max(depth, 1)))
        if measured.size:
            lo, hi = float(measured.min()), float(measured.max())
            span = max(1.0, math.log10(hi / lo))
            bounds = _positive(article if gains is None
                               else np.concatenate([article, bound_profile(top, gains)]))
            ceiling = float(bounds.max()) if bounds.size else hi
            panel.ylim = _decades(lo, max(hi, min(ceiling, hi * 10 ** span)))
        if gains is not None and not np.allclose(gains, self.run.sigma_max):
            panel.add(Line(k, bound_profile(top, gains), T("bound", "上界"), "red"))
        label = T("∏σmax (article)", "∏σmax（文中）") if gains is None else "∏σmax"
        panel.add(Line(k, article, label, "gray"),
                  Line(k[1:], d.grad_W, "‖∂ℒ/∂W‖", "orange"),
                  Line(k, d.grad_h, "‖∂ℒ/∂h‖", "blue+"))
        if depth <= 40:
            panel.add(Points(k, d.grad_h, "", "blue+", "dot"))
        if d.overflow_layer is not None:
            panel.ylim = panel.ylim or (0.1, 10.0)
            panel.add(Label(depth * 0.25, math.sqrt(panel.ylim[0] * panel.ylim[1]),
                            T("forward pass overflowed at layer {k}", "前向传播在第 {k} 层溢出").format(
                                k=str(d.overflow_layer)), "red"))
        return panel

    def _spread_panel(self) -> Panel:
        d = self.run.diag
        k = np.arange(len(d.act_std), dtype=float)
        panel = Panel(title=T("activation spread: std of h at layer k", "激活离散度：第 k 层 h 的标准差"),
                      xlabel=T("layer k", "层 k"), yscale="log",
                      xlim=(0, max(len(k) - 1, 1)))
        spread = _positive(d.act_std)
        if spread.size:
            lo, hi = float(spread.min()), float(spread.max())
            panel.ylim = _decades(lo, hi)
        return panel.add(Line(k, d.act_std, "", "green"))

    def _phi_panel(self, width: int) -> Panel:
        name = self["activation"]
        sup = SUP_DERIVATIVE[name]
        panel = Panel(title=T("{n} φ and φ' ({s})", "{n} 的 φ 与 φ'（{s}）").format(
                          n=self.param("activation").label(name), s=SATURATION_NOTE[name]), xlabel="z",
                      xlim=(-PHI_RANGE, PHI_RANGE))
        lo = max(min(float(self.phi.min()), float(self.dphi.min()), -0.2), -1.5)
        hi = max(min(float(self.phi.max()), 2.5), sup) + 0.2
        panel.ylim = (lo, hi)
        step = max(1, len(self.phi_x) // sample_count(width))
        xs = self.phi_x[::step]
        panel.add(Line(xs, self.phi[::step], "φ", "cyan"),
                  Line(xs, self.dphi[::step], "φ'", "magenta"))
        flat = self.flat
        if flat.any():
            panel.add(Points(self.phi_x[flat], self.dphi[flat], T("flat", "饱和"), "red", "dot"))
        return panel.add(HLine(sup, "gray"))

    def _loss_panel(self, width: int) -> Panel:
        losses = np.asarray(self.run.losses, dtype=float)
        steps = np.arange(len(losses), dtype=float) + (self.t + 1 - len(losses))
        stride = max(1, len(losses) // sample_count(width))
        finite = _positive(losses)
        wide = finite.size > 0 and float(finite.max()) > 30 * float(finite.min())
        panel = Panel(title=T("minibatch loss", "小批量损失"), xlabel=T("SGD step", "SGD 步"),
                      yscale="log" if wide else "linear",
                      xlim=(float(steps[0]), float(steps[0]) + _nice_ceiling(len(losses) - 1)))
        if finite.size:
            lo, hi = float(finite.min()), float(finite.max())
            if wide:
                panel.ylim = _decades(lo, hi)
            else:
                grid = 10.0 ** math.floor(math.log10(hi)) / 2
                panel.ylim = (math.floor(lo / grid) * grid, math.ceil(hi / grid) * grid + 0.0)
        else:
            panel.add(Label(0.1, 0.5, T("the loss overflowed", "损失溢出"), "red"))
        return panel.add(Line(steps[::stride], losses[::stride], "", "yellow"),
                         Points(steps[-1:], losses[-1:], "", "yellow", "●"))

    # --- numbers ----------------------------------------------------------------------

    def readout(self) -> dict[Text, Text]:
        if self.run is None:
            return {T("status", "状态"): T("building the network…", "正在构建网络…")}
        d = self.run.diag
        units = d.dead.size * self["width"]
        out: dict[Text, Text] = {
            T("regime", "状态"): REGIMES.get(self.regime, self.regime),
            "‖g⁰‖/‖gᴰ‖": _fmt(self.ratio),
            "‖∂ℒ/∂h⁽⁰⁾‖": _fmt(float(d.grad_h[0])),
            "‖∂ℒ/∂h⁽ᴰ⁾‖": _fmt(float(d.grad_h[-1])),
            "∏ σmax": _pow10(log10_product(self.run.sigma_max)),
            T("loss", "损失"): _fmt(d.loss, ".4g"),
            T("dead ReLUs", "死亡 ReLU"): (f"{int(d.dead.sum())} / {units}"
                                          if self["activation"] == "relu"
                                          else T("— (ReLU only)", "—（仅 ReLU）")),
            T("saturated", "饱和"): T("{p}% of z", "z 的 {p}%").format(p=f"{100 * d.saturated:.1f}"),
        }
        if d.overflow_layer is not None:
            out[T("overflow at", "溢出位置")] = f"h⁽{d.overflow_layer}⁾"
        return out

    def notes(self) -> list[T]:
        if self.run is None:
            return []
        d = self.run.diag
        out = []
        if self.run.stopped:
            where: Text = f"h⁽{d.overflow_layer}⁾" if d.overflow_layer is not None \
                else T("the gradient", "梯度")
            out.append(T("exploding: {w} overflowed {d}; training stopped",
                         "梯度爆炸：{w} 超出 {d} 范围，训练已停止").format(
                w=where, d=str(self.run.net.dtype)))
            if self.t > 0 and self.run.initial_regime != "exploding":
                out.append(T("the gradients did not explode at step 0: SGD diverged, η is too "
                             "large for this net", "初始时梯度并未爆炸：是 SGD 发散了，η 对这个网络太大"))
        elif self.regime == "vanishing":
            out.append(T("vanishing: layer 1 gets {r} of the top layer's gradient",
                         "梯度消失：第一层的梯度只有最后一层的 {r} 倍").format(r=_fmt(self.ratio, ".1e")))
        elif self.regime == "exploding":
            out.append(T("exploding: layer 1 gets {r}× the top layer's gradient",
                         "梯度爆炸：第一层的梯度是最后一层的 {r} 倍").format(r=_fmt(self.ratio, ".1e")))
        if self["layernorm"]:
            out.append(T("with layer norm ∏σmax is no bound: LN's Jacobian scales by 1/std",
                         "有层归一化时 ∏σmax 不再是上界（LN 的雅可比含 1/std）"))
        elif self["residual"]:
            out.append(T("residual: the bound becomes ∏(1 + sup|φ′|·σmax/√D)",
                         "残差：上界变为 ∏(1 + sup|φ′|·σmax/√D)"))
        if self["activation"] == "relu" and d.dead.sum():
            out.append(T("{n} ReLU units are off for the whole batch: no gradient",
                         "{n} 个 ReLU 单元在整个批次上都不激活，得不到梯度").format(n=str(int(d.dead.sum()))))
        return out

    def linear_collapse(self) -> dict[str, Any]:
        """With φ linear (and no layer norm) the whole net is one affine map x ↦ A x + c."""
        net = self.run.net
        if self["activation"] != "linear" or self["layernorm"]:
            return {}
        if not collapse_affordable(net.depth, net.width):
            return {"effective_matrix": None, "effective_bias": None, "max_deviation": None,
                    "collapse_note": "not formed: too large to multiply out here"}
        x = np.random.default_rng([self.seed, 3]).standard_normal((16, net.width)).astype(net.dtype)
        with np.errstate(all="ignore"):  # an exploding linear net overflows: exported as null
            A, c = affine_collapse(net.W, net.b, net.branch_scale if self["residual"] else None)
            h = forward(net, x).h[-1].astype(float)
            deviation = float(np.max(np.abs(h - (x.astype(float) @ A.T + c))))
        return {"effective_matrix": A, "effective_bias": c, "max_deviation": deviation}

    def data(self) -> dict[str, Any]:
        if self.run is None:
            return {"status": "building"}
        d, run = self.run.diag, self.run
        gains = self.gains()
        log_product = log10_product(run.sigma_max)
        return {
            "grad_norms": d.grad_h,
            "grad_norms_index": "grad_norms[k] = ‖∂ℒ/∂h⁽ᵏ⁾‖ (Frobenius over the batch), k = 0…depth",
            "weight_grad_norms": d.grad_W,
            "bias_grad_norms": d.grad_b,
            "activation_std": d.act_std,
            "sigma_max": run.sigma_max,
            "sigma_max_product": 10.0 ** log_product if log_product < 308 else math.inf,
            "log10_sigma_max_product": log_product,
            "gradient_bound": None if gains is None else bound_profile(float(d.grad_h[-1]), gains),
            "sup_abs_derivative": SUP_DERIVATIVE[self["activation"]],
            "regime": self.regime,
            "gradient_ratio": self.ratio,
            "thresholds": {"vanishing_below": VANISHING_BELOW, "exploding_above": EXPLODING_ABOVE},
            "dead_units": int(d.dead.sum()),
            "dead_units_per_layer": d.dead,
            "saturated_share": d.saturated,
            "loss": d.loss,
            "loss_history": run.losses,
            "overflow_layer": d.overflow_layer,
            "training_stopped": run.stopped,
            "initial_regime": run.initial_regime,
            **self.linear_collapse(),
            "sigma_max_method": f"Lanczos on WᵀW, {LANCZOS_SETUP} steps after reset, "
                                f"{LANCZOS_STEP} ({LANCZOS_STEP_HEAVY} for large nets) "
                                "warm-started steps per SGD step",
        }
