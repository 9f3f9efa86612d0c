"""Scene `playground`: a tiny network learning a 2-D decision boundary, TensorFlow-Playground style."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from calcterm.compute import playground as P
from calcterm.params import Choice, Integer, Number, Toggle
from calcterm.plot import Bars, Figure, HLine, Label, Line, Panel, Points, shade
from calcterm.scene import Job, Scene
from calcterm.text import T, fmt

STEPS_PER_TICK = 10
TICKS = 400
"""The story: 4000 SGD steps (or fewer, if training blows up)."""
GRID = (48, 48)
"""Decision-region resolution (columns, rows) the probabilities are computed on."""
EXPORT_GRID = 21
DROPOUT_DRAWS = 2000
HEAVY_COST = 4_000_000
"""Above this (layers × width² × rows touched per tick) a tick runs off the UI thread."""
DATA_LABELS = {"circle": T("circle", "圆环"), "xor": T("xor", "异或"), "spiral": T("spiral", "螺旋"),
               "gauss": T("two blobs", "两团高斯"), "moons": T("moons", "双月")}
ACTIVATION_LABELS = {"tanh": "tanh", "relu": "ReLU", "sigmoid": "sigmoid",
                     "linear": T("linear (none)", "线性（无）")}
REG_LABELS = {"none": T("none", "无"), "l1": T("L1 (proximal)", "L1（近端）"), "l2": "L2"}


class Playground(Scene):
    id = "playground"
    title = T("A tiny network playground", "小网络实验场")
    summary = T("a small net bending its decision boundary — or, without a non-linearity, "
                "unable to", "小网络弯曲它的决策边界——没有非线性激活时则做不到")
    section = "Part 3 §2.2, §2.1, §3.1, §3.3, §3.4"
    order = 52
    pace = 1
    heaviest = {"layers": 4, "width": 32, "points": 1000, "batch": 200, "batchnorm": True,
                "keep": 0.5, "reg": "l1"}
    params = (
        Choice("data", "circle", T("the data set", "数据集"), choices=P.DATASETS, labels=DATA_LABELS),
        Number("noise", 0.1, T("Gaussian noise added to every point", "加到每个点上的高斯噪声"),
               lo=0.0, hi=0.5, step=0.02),
        Integer("layers", 2, T("hidden layers (0: logistic regression)", "隐藏层数（0 即逻辑回归）"),
                lo=0, hi=4),
        Integer("width", 8, T("units per hidden layer", "每个隐藏层的单元数"), lo=1, hi=32),
        Choice("activation", "tanh", T("the non-linearity φ of the hidden units", "隐藏单元的非线性 φ"),
               choices=P.ACTIVATIONS, labels=ACTIVATION_LABELS),
        Number("lr", 0.03, T("SGD learning rate", "SGD 学习率"), lo=1e-4, hi=3.0, step=1.5, log=True),
        Choice("reg", "none", T("penalty on the weights", "权重上的惩罚"), choices=P.REGULARIZERS,
               labels=REG_LABELS),
        Number("lam", 0.001, T("penalty strength λ", "惩罚强度 λ"), lo=0.0, hi=0.1, step=0.001),
        Number("keep", 1.0, T("dropout keep probability p (1: no dropout)", "随机失活（dropout）的保留概率 p（1 即不用）"),
               lo=0.1, hi=1.0, step=0.05),
        Toggle("batchnorm", False, T("BatchNorm before each activation", "每个激活前加 BatchNorm")),
        Integer("batch", 16, T("minibatch size", "小批量大小"), lo=1, hi=200),
        Integer("points", 200, T("training points (as many test points)", "训练点数（测试点同样多）"),
                lo=20, hi=1000, step=20),
    )

    def explain(self) -> T:
        return EXPLANATION

    def matters(self, name: str) -> bool:
        hidden = self["layers"] > 0
        return {"lam": self["reg"] != "none", "width": hidden, "activation": hidden,
                "keep": hidden, "batchnorm": hidden}.get(name, True)

    # -- state ----------------------------------------------------------------------------

    def setup(self) -> None:
        data_rng = np.random.default_rng([self.seed, 1])
        n, noise = self["points"], self["noise"]
        self.X, self.y = P.make_data(self["data"], n, noise, data_rng)
        self.Xt, self.yt = P.make_data(self["data"], n, noise, data_rng)
        self.net = P.build(self["layers"], self["width"], self["activation"],
                           np.random.default_rng([self.seed, 2]), self["batchnorm"], self["keep"])
        self.rng = np.random.default_rng([self.seed, 3])
        self.sgd_steps = 0
        self.history: list[tuple[int, float, float]] = []
        self.blown = False
        gx = np.linspace(P.VIEW[0], P.VIEW[1], GRID[0])
        gy = np.linspace(P.VIEW[2], P.VIEW[3], GRID[1])
        self.grid_points = np.stack(np.meshgrid(gx, gy), axis=-1).reshape(-1, 2)
        self._measure()

    def _measure(self) -> None:
        self._adopt(_measure(self.net, self.rng, self.sgd_steps, self._data(), self.blown))

    def _data(self) -> tuple[np.ndarray, ...]:
        return self.X, self.y, self.Xt, self.yt, self.grid_points

    def _adopt(self, tick: "Tick") -> None:
        """Install the result of a tick (training steps and the measurements after them)."""
        self.net, self.rng, self.sgd_steps, self.blown = tick.net, tick.rng, tick.sgd_steps, tick.blown
        self.train_loss, self.test_loss = tick.train_loss, tick.test_loss
        self.train_acc, self.test_acc = tick.train_acc, tick.test_acc
        self.grid_p = tick.grid_p
        self.history.append((self.sgd_steps, self.train_loss, self.test_loss))

    @property
    def done(self) -> bool:
        return self.blown or self.t >= TICKS

    @property
    def heavy(self) -> bool:
        """Whether a tick (ten SGD steps and a look at every point) may outlast a frame."""
        width = max(self["width"], 2)
        cost = max(1, self["layers"]) * width * width * (
            STEPS_PER_TICK * self["batch"] + 2 * self["points"] + GRID[0] * GRID[1])
        return cost > HEAVY_COST

    def _tick_job(self) -> Job:
        """Ten SGD steps on copies of the net and the random stream, measured; adopted after."""
        net, rng = copy.deepcopy(self.net), copy.deepcopy(self.rng)
        steps, data, blown = self.sgd_steps, self._data(), self.blown
        settings = (self["lr"], self["reg"], self["lam"], min(self["batch"], len(self.y)))
        return Job(lambda progress: _tick(net, rng, steps, data, blown, settings), self._adopt,
                   T("training", "训练中"))

    def step_job(self) -> Job | None:
        return self._tick_job() if self.heavy else None

    def advance(self) -> None:
        job = self._tick_job()
        job.adopt(job.run(lambda fraction: None))

    # -- numbers --------------------------------------------------------------------------

    @property
    def zero_weights(self) -> int:
        return int(np.count_nonzero(self.net.weights() == 0.0))

    def affine(self) -> dict[str, Any]:
        """The net with every φ replaced by the identity: exact for the linear activation."""
        with np.errstate(all="ignore"):
            W_eff, b_eff = P.affine_equivalent(self.net)
            logits = P.forward(self.net, self.grid_points).logit
            deviation = float(np.max(np.abs(logits - (self.grid_points @ W_eff[0] + b_eff))))
        return {"W_eff": W_eff.tolist(), "b_eff": b_eff, "max_deviation": deviation}

    def dropout_check(self) -> dict[str, float]:
        with np.errstate(all="ignore"):
            mc, se, ev = P.dropout_check(self.net, self.Xt[0], DROPOUT_DRAWS,
                                         np.random.default_rng([self.seed, 4, self.t]))
        return {"mc_mean": mc, "eval_output": ev, "se": se}

    # -- what is shown --------------------------------------------------------------------

    def draw(self, width: int, height: int) -> Figure:
        region = self._region_panel()
        if width < 50:  # a loss panel beside the region would be under 16 columns
            return Figure([region])
        loss = self._loss_panel()
        if width < 90:
            return Figure([region, loss], rows=1, cols=2, weights=(3, 2))
        return Figure([region, loss, self._weights_panel()], rows=1, cols=3, weights=(5, 3, 3))

    def _region_panel(self) -> Panel:
        p = self.grid_p
        title = T("{d}: step {k}, test accuracy {a}", "{d}：第 {k} 步，测试准确率 {a}").format(
            d=DATA_LABELS[self["data"]], k=str(self.sgd_steps), a=fmt(self.test_acc, ".0%"))
        panel = Panel(title=title, xlim=P.VIEW[:2], ylim=P.VIEW[2:], aspect="equal")
        with np.errstate(all="ignore"):
            ones = np.clip(2.0 * (p - 0.5), 0.0, 1.0)
            zeros = np.clip(2.0 * (0.5 - p), 0.0, 1.0)
        ones[~np.isfinite(ones)], zeros[~np.isfinite(zeros)] = 0.0, 0.0
        panel.add(shade(ones, P.VIEW, "primary", density=0.5),
                  shade(zeros, P.VIEW, "warning", density=0.5))
        for X, y, filled in ((self.X, self.y, True), (self.Xt, self.yt, False)):
            for label, colour in ((1.0, "primary"), (0.0, "warning")):
                pick = y == label
                name = "" if not filled else T("class {c}", "类别 {c}").format(c=str(int(label)))
                panel.add(Points(X[pick, 0], X[pick, 1], name, colour, "●" if filled else "○"))
        return panel

    def _loss_panel(self) -> Panel:
        h = np.array(self.history)
        panel = Panel(title=T("cross-entropy, train and test", "交叉熵：训练与测试"),
                      xlabel=T("SGD step", "SGD 步"), yscale="log")
        with np.errstate(all="ignore"):
            train = np.where(h[:, 1] > 0, h[:, 1], np.nan)
            test = np.where(h[:, 2] > 0, h[:, 2], np.nan)
        panel.add(Line(h[:, 0], train, T("train", "训练"), "primary"),
                  Line(h[:, 0], test, T("test", "测试"), "warning"), HLine(math.log(2), "muted"))
        return panel

    def _weights_panel(self) -> Panel:
        w = self.net.weights()
        zeros = self.zero_weights
        title = T("weights: {z} exactly 0 of {n}", "权重：{n} 个中 {z} 个恰为 0").format(
            z=str(zeros), n=str(w.size))
        panel = Panel(title=title, xlabel="w")
        finite = w[np.isfinite(w)]
        if finite.size == 0:
            panel.add(Label(0.0, 0.0, T("no finite weights", "没有有限的权重"), "error", align="center"))
            return panel
        top = max(float(np.abs(finite).max()), 1e-3)
        counts, edges = np.histogram(finite[finite != 0], bins=31, range=(-top, top))
        centres = 0.5 * (edges[:-1] + edges[1:])
        panel.add(Bars(centres, counts.astype(float), "", "primary", width=0.9))
        if zeros:
            panel.add(Bars(np.array([0.0]), np.array([float(zeros)]), T("exact 0", "恰为 0"),
                           "error", width=0.9 * (edges[1] - edges[0])))
        return panel

    def readout(self) -> dict[T | str, T | str]:
        out: dict[T | str, T | str] = {
            T("SGD step", "SGD 步数"): str(self.sgd_steps),
            T("train loss / acc", "训练损失 / 准确率"): f"{fmt(self.train_loss, '.4f')} / {fmt(self.train_acc, '.1%')}",
            T("test loss / acc", "测试损失 / 准确率"): f"{fmt(self.test_loss, '.4f')} / {fmt(self.test_acc, '.1%')}",
            T("weights exactly 0", "恰为 0 的权重"): str(self.zero_weights),
        }
        if self["keep"] < 1 and self["layers"] > 0:
            out[T("dropout", "随机失活")] = T("inverted: ×1/{p} while training, none at test",
                                             "反向缩放：训练时 ×1/{p}，测试时不缩放").format(p=fmt(self["keep"], ".2g"))
        if self["batchnorm"] and self["layers"] > 0:
            out[T("BN running μ, σ² (unit 1)", "BN 滑动 μ、σ²（单元 1）")] = \
                f"{fmt(self.net.run_mean[0][0], '.3g')}, {fmt(self.net.run_var[0][0], '.3g')}"
        if self["activation"] == "linear" or self["layers"] == 0:
            W = self.affine()["W_eff"][0]
            out[T("one affine map", "等效仿射映射")] = f"W_eff = ({fmt(W[0], '.3g')}, {fmt(W[1], '.3g')})"
        return out

    def notes(self) -> list[T]:
        notes = []
        if self.blown:
            notes.append(T("training blew up (non-finite weights): lower the learning rate",
                           "训练发散（权重不再有限）：请降低学习率"))
        if self["activation"] == "linear" and self["layers"] > 0:
            notes.append(T("without a non-linearity the whole net is one affine map: its boundary "
                           "is a straight line", "没有非线性时整个网络就是一个仿射映射：决策边界只能是直线"))
        if self["reg"] == "l1" and self.zero_weights:
            notes.append(T("the proximal L1 step sets weights exactly to 0", "L1 的近端步把权重精确置为 0"))
        return notes

    def data(self) -> dict[str, Any]:
        gx = np.linspace(P.VIEW[0], P.VIEW[1], EXPORT_GRID)
        points = np.stack(np.meshgrid(gx, gx), axis=-1).reshape(-1, 2)
        with np.errstate(all="ignore"):
            probs = P.probability(P.forward(self.net, points).logit).reshape(EXPORT_GRID, EXPORT_GRID)
        return {
            "step": self.sgd_steps, "train_loss": self.train_loss, "test_loss": self.test_loss,
            "train_acc": self.train_acc, "test_acc": self.test_acc,
            "zero_weights": self.zero_weights, "weight_count": int(self.net.weights().size),
            "affine_equivalent": self.affine(), "dropout_check": self.dropout_check(),
            "grid_x": gx.tolist(), "grid_y": gx.tolist(), "grid_probabilities": probs.tolist(),
            "loss_history": [list(row) for row in self.history], "diverged": self.blown,
        }


@dataclass
class Tick:
    """A net after some training, and what it scores (evaluation mode) at that point."""

    net: P.Net
    rng: np.random.Generator
    sgd_steps: int
    blown: bool
    train_loss: float
    test_loss: float
    train_acc: float
    test_acc: float
    grid_p: np.ndarray


def _measure(net: P.Net, rng: np.random.Generator, sgd_steps: int, data: tuple[np.ndarray, ...],
             blown: bool) -> Tick:
    """Losses, accuracies and the decision region of `net` as it stands."""
    X, y, Xt, yt, grid_points = data
    with np.errstate(all="ignore"):
        train, test = P.forward(net, X).logit, P.forward(net, Xt).logit
        grid = P.probability(P.forward(net, grid_points).logit).reshape(GRID[1], GRID[0])
        tick = Tick(net, rng, sgd_steps, blown, P.cross_entropy(train, y), P.cross_entropy(test, yt),
                    P.accuracy(train, y), P.accuracy(test, yt), grid)
    finite = all(np.all(np.isfinite(W)) for W in net.W) and math.isfinite(tick.train_loss)
    tick.blown = blown or not finite
    return tick


def _tick(net: P.Net, rng: np.random.Generator, sgd_steps: int, data: tuple[np.ndarray, ...],
          blown: bool, settings: tuple[float, str, float, int]) -> Tick:
    """Ten SGD steps on random minibatches (in place on `net` and `rng`), then a measurement."""
    lr, reg, lam, batch = settings
    X, y = data[0], data[1]
    with np.errstate(all="ignore"):
        for _ in range(STEPS_PER_TICK):
            index = rng.integers(0, len(y), batch)
            P.sgd_step(net, X[index], y[index], lr, reg, lam, rng)
    return _measure(net, rng, sgd_steps + STEPS_PER_TICK, data, blown)


EXPLANATION = T(
    "Two classes of points in the plane, and a small network that outputs p = σ(z), the "
    "probability of the blue class, trained by SGD on the cross-entropy (whose gradient at the "
    "logit is p − y). The shading is the network's answer everywhere: its edge is the "
    "decision boundary. Filled dots are training points, hollow ones test points. With "
    "activation = linear the layers collapse: W₂(W₁x + b₁) + b₂ = (W₂W₁)x + (W₂b₁ + b₂), so any "
    "depth is one affine map and the boundary stays a straight line — it cannot separate the "
    "circle, and the readout shows the single W_eff it equals. tanh, ReLU or sigmoid let the "
    "boundary bend. L2 shrinks every weight a little each step; L1 here takes a proximal step "
    "(soft-thresholding) after the gradient step, which is what sets weights exactly to 0 — "
    "watch the spike at 0 in the weight histogram. Dropout keeps each hidden unit with "
    "probability p and divides by p during training (inverted dropout), so nothing is rescaled "
    "at test time; the mean matches exactly only through linear layers. BatchNorm normalises "
    "each unit over the minibatch during training and uses running averages afterwards; its "
    "gradient has the closed form γ/(mσ̂)·(m gᵢ − Σgⱼ − x̂ᵢ Σgⱼx̂ⱼ); why it speeds training up is "
    "still debated (the 'internal covariate shift' story was questioned by Santurkar et al., "
    "2018). Try xor or spiral with fewer "
    "units, a large learning rate, or noise = 0.5.",
    "平面上有两类点，一个小网络输出 p = σ(z)，即属于蓝色类的概率，用 SGD 最小化交叉熵（它对 "
    "对数几率 z 的梯度是 p − y）。阴影是网络在每个位置的判断，阴影的边缘就是决策边界。实心点是训练点，"
    "空心点是测试点。activation = linear 时各层会合并：W₂(W₁x + b₁) + b₂ = (W₂W₁)x + "
    "(W₂b₁ + b₂)，多深都只是一个仿射映射，边界永远是直线——它分不开圆环，读数里给出它等于的那个 "
    "W_eff。tanh、ReLU 或 sigmoid 让边界可以弯曲。L2 每一步把所有权重缩小一点；这里的 L1 在梯度步"
    "之后再做一次近端步（软阈值），正是这一步把权重精确地置为 0——留意权重直方图在 0 处的尖峰。"
    "随机失活以概率 p 保留每个隐藏单元，并在训练时除以 p（反向缩放），所以测试时不需要任何缩放；"
    "只有经过线性层时均值才严格一致。BatchNorm 在训练时用小批量统计量归一化每个单元，之后使用"
    "滑动平均；它的梯度有闭式 γ/(mσ̂)·(m gᵢ − Σgⱼ − x̂ᵢ Σgⱼx̂ⱼ)；它为何能加快训练仍有争论"
    "（“内部协变量偏移”的说法已受到 Santurkar 等人 2018 年的质疑）。试试单元较少的 xor 或 spiral、"
    "较大的学习率，或 noise = 0.5。",
)
