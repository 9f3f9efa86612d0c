"""Scene `entropy`: entropy, cross-entropy, KL, softmax, maximum entropy and KL fits."""

from __future__ import annotations

from typing import Any

import numpy as np

from calcterm.params import Choice, Integer, Number, Vector
from calcterm.plot import Figure
from calcterm.scene import Scene
from calcterm.scenes._entropy_views import FitView, KLView, MaxEntView, SoftmaxView, arrange
from calcterm.text import T

ARTICLE = ("1, 0", "0.5, 0.5")
"""The article's pair: KL(p‖q) = ln 2, while KL(q‖p) = ∞."""
VIEW_PARAMS = {
    "kl": ("p", "q", "base"), "softmax": ("z", "label", "smoothing", "eta"),
    "maxent": ("faces", "mean", "base"), "fit": ("d", "m0", "s0", "fit_lr"),
}


class Entropy(Scene):
    id = "entropy"
    title = T("Entropy, cross-entropy, KL and softmax", "熵、交叉熵、KL 散度与 softmax")
    summary = T("KL both ways and why ∞ is right, the gradient q − y of softmax cross-entropy, "
                "maximum entropy as a Lagrange problem, mass-covering against mode-seeking fits",
                "双向 KL 及 ∞ 的由来、softmax 交叉熵的梯度 q − y、作为拉格朗日问题的最大熵、"
                "覆盖全部质量与追逐单峰的两种拟合")
    section = "Part 2 §3.1–3.4"
    order = 46
    pace = 4
    heaviest = {"view": "fit"}
    params = (
        Choice("view", "kl", T("what to look at: KL between p and q, softmax training, maximum "
                               "entropy on a die, or Gaussian fits by either KL",
                               "看什么：p 与 q 之间的 KL、softmax 训练、骰子的最大熵，或用两种 KL 拟合高斯"),
               choices=("kl", "softmax", "maxent", "fit"),
               labels={"kl": T("KL divergence", "KL 散度"), "softmax": T("softmax + CE", "softmax 与交叉熵"),
                       "maxent": T("maximum entropy", "最大熵"), "fit": T("forward vs reverse fit", "正向与反向拟合")}),
        Vector("p", "0.7, 0.2, 0.1", T("distribution p (scaled to sum 1)", "分布 p（缩放到和为 1）"),
               min_len=2, max_len=10, sign="nonnegative", normalised=True,
               presets={T("skewed", "偏斜"): "0.7, 0.2, 0.1", T("article", "文中例子"): ARTICLE[0],
                        T("uniform", "均匀"): "1, 1, 1"}),
        Vector("q", "0.4, 0.4, 0.2", T("distribution q (scaled to sum 1)", "分布 q（缩放到和为 1）"),
               min_len=2, max_len=10, sign="nonnegative", normalised=True,
               presets={T("flatter", "较平"): "0.4, 0.4, 0.2", T("article", "文中例子"): ARTICLE[1],
                        T("uniform", "均匀"): "1, 1, 1"}),
        Choice("base", "e", T("logarithm base: e gives nats, 2 gives bits", "对数底：e 得奈特，2 得比特"),
               choices=("e", "2"), labels={"e": T("e (nats)", "e（奈特）"), "2": T("2 (bits)", "2（比特）")}),
        Vector("z", "2, 1, 0.1", T("logits z, one per class", "未归一化得分 z，每类一个"), min_len=2, max_len=10,
               presets={T("three classes", "三类"): "2, 1, 0.1", T("tie", "平局"): "0, 0, 0",
                        T("wrong guess", "猜错"): "-1, 3, 0"}),
        Integer("label", 0, T("the true class (counted from 0)", "真实类别（从 0 数起）"), lo=0, hi=9),
        Number("smoothing", 0.0, T("label smoothing ε: y = (1−ε)·onehot + ε/K", "标签平滑 ε：y = (1−ε)·独热 + ε/K"),
               lo=0.0, hi=0.5, step=0.05),
        Number("eta", 1.0, T("gradient step size on the logits", "得分 z 上的梯度步长"), lo=1e-3, hi=10.0,
               step=10 ** 0.1, log=True),
        Integer("faces", 6, T("faces of the die (outcomes 1..K)", "骰子面数（结果 1..K）"), lo=2, hi=20),
        Number("mean", 4.5, T("required mean E[i]; must lie in [1, faces]", "要求的均值 E[i]；须在 [1, 面数] 内"),
               lo=1.0, hi=20.0, step=0.1),
        Number("d", 3.0, T("the two modes of p sit at ±d", "p 的两个峰位于 ±d"), lo=0.0, hi=6.0, step=0.1),
        Number("m0", 1.5, T("start mean of both fits", "两种拟合的初始均值"), lo=-8.0, hi=8.0, step=0.1),
        Number("s0", 1.0, T("start standard deviation of both fits", "两种拟合的初始标准差"), lo=0.1, hi=5.0,
               step=0.1),
        Number("fit_lr", 0.1, T("gradient step on (m, ln s)", "(m, ln s) 上的梯度步长"), lo=1e-3, hi=1.0,
               step=10 ** 0.1, log=True),
    )

    def implied(self, name: str, value: Any) -> dict[str, Any]:
        if name == "p" and value == ARTICLE[0]:
            return {"q": ARTICLE[1]}
        return {}

    def matters(self, name: str) -> bool:
        return name == "view" or name in VIEW_PARAMS[self["view"]]

    def setup(self) -> None:
        view = self["view"]
        if view == "kl":
            p = np.array(self.param("p").numbers(self["p"]))
            q = np.array(self.param("q").numbers(self["q"]))
            size = max(len(p), len(q))
            padded = len(p) != len(q)
            p, q = np.pad(p, (0, size - len(p))), np.pad(q, (0, size - len(q)))
            self.current = KLView(p, q, self["base"], padded)
        elif view == "softmax":
            z = np.array(self.param("z").numbers(self["z"]))
            label = min(self["label"], len(z) - 1)
            self.current = SoftmaxView(z, label, self["smoothing"], self["eta"], label != self["label"])
        elif view == "maxent":
            mean = min(self["mean"], float(self["faces"]))
            self.current = MaxEntView(self["faces"], mean, self["base"], mean != self["mean"])
        else:
            self.current = FitView(self["d"], self["m0"], self["s0"], self["fit_lr"])

    @property
    def done(self) -> bool:
        return self.current.done

    def advance(self) -> None:
        self.current.advance()

    def draw(self, width: int, height: int) -> Figure:
        return arrange(self.current.panels(width), width, height)

    def readout(self) -> dict[T | str, T | str]:
        return self.current.readout()

    def notes(self) -> list[T]:
        return self.current.notes()

    def data(self) -> dict[str, Any]:
        return {"view": self["view"], **self.current.data()}

    def explain(self) -> T:
        first = {"kl": 0, "softmax": 1, "maxent": 2, "fit": 3}[self["view"]]
        en = [PARAGRAPHS[first][0]] + [p[0] for i, p in enumerate(PARAGRAPHS) if i != first]
        zh = [PARAGRAPHS[first][1]] + [p[1] for i, p in enumerate(PARAGRAPHS) if i != first]
        return T("\n".join([INTRO[0], *en]), "\n".join([INTRO[1], *zh]))


INTRO = (
    "Entropy H(p) = −Σ pᵢ ln pᵢ is the average surprise of outcomes drawn from p, and the "
    "shortest average code length (in nats; in bits with log₂). Cross-entropy H(p, q) = −Σ pᵢ ln qᵢ "
    "is the average length when the code is built for q but the data come from p; the excess "
    "is KL(p‖q) = H(p, q) − H(p) ≥ 0, zero only when q = p. Treating the pᵢ as free, "
    "∂H/∂pᵢ = −(ln pᵢ + 1) (the readout shows it).",
    "熵 H(p) = −Σ pᵢ ln pᵢ 是从 p 抽样时的平均意外程度，也是最短的平均编码长度（单位奈特；用 log₂ "
    "则为比特）。交叉熵 H(p, q) = −Σ pᵢ ln qᵢ 是数据来自 p、编码却按 q 设计时的平均长度；多出的部分是 "
    "KL(p‖q) = H(p, q) − H(p) ≥ 0，仅当 q = p 时为零。把各 pᵢ 看作独立变量时，"
    "∂H/∂pᵢ = −(ln pᵢ + 1)（读数中给出）。",
)
PARAGRAPHS = (
    ("KL view: bars of p and q, the terms pᵢ ln(pᵢ/qᵢ) of KL(p‖q) (single terms may be negative; "
     "their sum is not) and the terms of KL(q‖p). Then q slides in a straight line to p. KL is not "
     "symmetric: with the article's p = (1, 0), q = (½, ½), KL(p‖q) = ln 2, but KL(q‖p) is infinite, "
     "because of the term ½·ln(½/0): q gives probability to an outcome p never produces. Terms "
     "with pᵢ = 0 contribute 0 by convention. KL(q_t‖p) stays infinite until q_t reaches p exactly. "
     "Minimising H(p, q) over q is the same as minimising KL(p‖q), since H(p) does not depend on q; "
     "over p it is not.",
     "KL 视图：p 与 q 的柱形、KL(p‖q) 的各项 pᵢ ln(pᵢ/qᵢ)（单项可以为负，总和不会）以及 KL(q‖p) "
     "的各项。随后 q 沿直线移向 p。KL 不对称：对文中的 p = (1, 0)、q = (½, ½)，KL(p‖q) = ln 2，"
     "而 KL(q‖p) 为无穷，原因是 ½·ln(½/0) 这一项：q 给 p 永远不会出现的结果分配了概率。pᵢ = 0 的项"
     "按约定记为 0。在 q_t 完全到达 p 之前，KL(q_t‖p) 一直为无穷。对 q 最小化 H(p, q) 等价于最小化 "
     "KL(p‖q)，因为 H(p) 与 q 无关；对 p 则不然。"),
    ("Softmax view: q = softmax(z) turns logits into probabilities; the loss is L = −Σ y_c ln q_c. "
     "Its gradient is ∂L/∂z = q − y for q = softmax(z) and a label with Σ y_c = 1 (one example); "
     "averaged over a batch of n, each example's gradient is divided by n. The × marks are central "
     "differences, an independent check. Gradient descent on z drives q toward y; with a one-hot "
     "label the loss only approaches 0 as z runs off to infinity, while a smoothed label stops at "
     "the floor H(y) > 0.",
     "softmax 视图：q = softmax(z) 把得分 z 变成概率；损失为 L = −Σ y_c ln q_c。当 q = softmax(z) "
     "且标签满足 Σ y_c = 1（单个样本）时，梯度 ∂L/∂z = q − y；对 n 个样本取平均时，每个样本的梯度要"
     "除以 n。× 是中心差分，作为独立核对。对 z 做梯度下降使 q 趋向 y；独热标签下只有 z 趋于无穷时"
     "损失才趋于 0，平滑标签则停在下界 H(y) > 0。"),
    ("Max-ent view: among laws on faces 1..K with mean m, which has the largest entropy? It is a "
     "Lagrange problem: maximise H subject to Σpᵢ = 1 and Σ i pᵢ = m. Stationarity gives "
     "−(ln pᵢ + 1) = α + λ'·i, so pᵢ ∝ e^{λi}: an exponential family. Newton's method on λ (one "
     "iteration per step) solves E_λ[i] = m; the residual panel shows the digits doubling. Other "
     "laws with the same mean have lower H. (Differential entropy can be negative: "
     "h(U[0, ½]) = −ln 2.)",
     "最大熵视图：在点数 1..K、均值为 m 的分布中，哪一个熵最大？这是一个拉格朗日问题：在 Σpᵢ = 1 "
     "与 Σ i pᵢ = m 下最大化 H。驻点条件 −(ln pᵢ + 1) = α + λ'·i 给出 pᵢ ∝ e^{λi}，即指数族。"
     "对 λ 用牛顿法（每步一次迭代）求解 E_λ[i] = m；残差图显示有效数字逐步翻倍。均值相同的其他分布熵更小。"
     "（微分熵可以为负：h(U[0, ½]) = −ln 2。）"),
    ("Fit view: p is an even mixture of N(−d, 1) and N(d, 1); q = N(m, s²) is fitted twice by "
     "gradient descent on (m, ln s) with exact gradients. Minimising KL(p‖q) punishes q for missing "
     "any of p's mass, so q spreads to match p's mean and variance (m = 0, s² = 1 + d²). Minimising "
     "KL(q‖p) punishes q for putting mass where p is thin, so it settles on one mode. The readout "
     "gives the differential entropies, which turn negative for a narrow q.",
     "拟合视图：p 是 N(−d, 1) 与 N(d, 1) 的等权混合；用 (m, ln s) 上的精确梯度下降把 q = N(m, s²) "
     "拟合两次。最小化 KL(p‖q) 会惩罚 q 漏掉 p 的任何质量，所以 q 铺开去匹配 p 的均值与方差"
     "（m = 0，s² = 1 + d²）。最小化 KL(q‖p) 会惩罚 q 在 p 稀薄处放质量，所以它停在一个峰上。"
     "读数给出微分熵，q 很窄时它变为负数。"),
)
