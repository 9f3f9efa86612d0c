"""Scene `svm`: a linear SVM solved by SMO, with its support vectors, α's and duality gap."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from calcterm.compute import svm
from calcterm.params import Choice, Integer, Number
from calcterm.plot import Bars, Figure, HLine, Label, Line, Panel, Points
from calcterm.scene import Scene
from calcterm.text import T, fmt

MAX_ITERATIONS = 50_000
"""SMO pair updates before the scene stops (a hard margin on overlapping data never converges)."""
SPREAD = {"blobs": 0.6, "overlap": 1.2}
"""Standard deviation of each class cloud: apart at the default separation, or overlapping."""
STATUS = (T("α = 0, margin ≥ 1", "α = 0，间隔 ≥ 1"), T("0 < α < C, margin = 1", "0 < α < C，间隔 = 1"),
          T("α = C, margin ≤ 1", "α = C，间隔 ≤ 1"))
STATUS_COLOR = ("muted", "success", "warning")
QUIET = np.errstate(all="ignore")
"""w = 0 at the start makes the margin 2/‖w‖ infinite; that is shown as ∞, not warned about."""


def _vec(v: Any, spec: str = ".4g") -> str:
    return "(" + ", ".join(fmt(float(a), spec) for a in v) + ")"


class SVM(Scene):
    id = "svm"
    title = T("Support vector machines: margins and KKT", "支持向量机：间隔与 KKT")
    summary = T("SMO moving one pair of α's at a time inside the box 0 ≤ α ≤ C with Σαy = 0, "
                "until the primal and the dual meet", "SMO 每次在 0 ≤ α ≤ C、Σαy = 0 内移动一对 α，"
                "直到原问题与对偶问题的目标相等")
    section = "Part 2 §2.3–2.4"
    order = 44
    pace = 6
    heaviest = {"data": "blobs", "n": 400, "margin": "soft", "C": 1000.0, "steps_per_tick": 100}
    params = (
        Choice("data", "toy", T("the points: a toy set with a known answer, one outlier, or two "
                                "random clouds (apart or overlapping)", "数据：答案已知的小数据集、"
                                "含一个离群点的数据集，或两团随机点（分开或重叠）"),
               choices=("toy", "outlier", "blobs", "overlap"),
               labels={"toy": T("toy", "小例子"), "outlier": T("outlier", "离群点"),
                       "blobs": T("blobs", "两团点"), "overlap": T("overlap", "重叠")}),
        Integer("n", 40, T("number of points in the random clouds", "随机点的个数"), lo=4, hi=400,
                step=4),
        Number("sep", 3.0, T("distance between the centres of the clouds", "两团点中心的距离"),
               lo=0.0, hi=8.0, step=0.1),
        Choice("margin", "hard", T("hard: no point inside the margin; soft: slack ξ at price C",
                                   "硬间隔：间隔内不许有点；软间隔：松弛 ξ，代价为 C"),
               choices=("hard", "soft"), labels={"hard": T("hard", "硬间隔"), "soft": T("soft", "软间隔")}),
        Number("C", 1.0, T("price of slack (soft margin): the box is 0 ≤ α ≤ C",
                           "松弛的代价（软间隔）：约束盒为 0 ≤ α ≤ C"), lo=0.01, hi=1000.0,
               step=10 ** 0.1, log=True),
        Integer("steps_per_tick", 1, T("SMO pair updates per animation step", "每个动画步的 SMO 更新次数"),
                lo=1, hi=100),
    )

    def matters(self, name: str) -> bool:
        if name in ("n", "sep"):
            return self["data"] in ("blobs", "overlap")
        if name == "C":
            return self["margin"] == "soft"
        return True

    def setup(self) -> None:
        kind = self["data"]
        if kind == "toy":
            self.x, self.y = svm.toy()
        elif kind == "outlier":
            self.x, self.y = svm.outlier()
        else:
            self.x, self.y = svm.blobs(self["n"], self["sep"], SPREAD[kind], self.seed)
        self.c = self["C"] if self["margin"] == "soft" else math.inf
        self.separable = svm.separable(self.x, self.y)
        self.smo = svm.SMO(self.x, self.y, self.c)
        ray = svm.unconstrained_ray(self.x, self.y)
        self.ray_gain = float(ray @ ray)  # D(t·v) = t·‖v‖² without the constraints
        lo, hi = self.x.min(0), self.x.max(0)
        pad = 0.15 * float(max(hi - lo)) + 0.5
        self.view = (lo[0] - pad, hi[0] + pad, lo[1] - pad, hi[1] + pad)
        self.iterations = [0]
        self._refresh()

    @QUIET
    def _refresh(self) -> None:
        self.state = self.smo.state()
        if len(self.iterations) == 1:
            self.primals, self.duals = [self.state.primal], [self.state.dual]
        else:
            self.primals.append(self.state.primal)
            self.duals.append(self.state.dual)

    @property
    def converged(self) -> bool:
        return self.smo.converged

    @property
    def done(self) -> bool:
        return self.converged or self.smo.steps >= MAX_ITERATIONS

    def advance(self) -> None:
        for _ in range(self["steps_per_tick"]):
            if self.smo.steps >= MAX_ITERATIONS or not self.smo.step():
                break
        self.iterations.append(self.smo.steps)
        self._refresh()

    # ------------------------------------------------------------------- drawing

    def draw(self, width: int, height: int) -> Figure:
        """Points, primal/dual, α's in a row when wide; points and α's stacked when tall, side
        by side when short (the readout carries primal, dual and gap)."""
        if width < 60:
            return Figure([self._points()])
        if width >= 100:
            return Figure([self._points(), self._objectives(), self._alphas()], rows=1, cols=3,
                          weights=(2, 1, 1))
        if height >= 30:
            return Figure([self._points(), self._alphas()], rows=2, cols=1)
        return Figure([self._points(), self._alphas()], rows=1, cols=2, weights=(3, 2))

    def _line(self, level: float) -> tuple[np.ndarray, np.ndarray] | None:
        """The line wᵀx + b = level across the view (None while w = 0)."""
        w, b = self.state.w, self.state.b
        norm2 = float(w @ w)
        if not (norm2 > 0 and np.isfinite(norm2) and math.isfinite(b)):
            return None
        base = (level - b) * w / norm2
        d = np.array([-w[1], w[0]]) / math.sqrt(norm2)
        reach = 4.0 * max(self.view[1] - self.view[0], self.view[3] - self.view[2])
        centre = np.array([(self.view[0] + self.view[1]) / 2, (self.view[2] + self.view[3]) / 2])
        base = base + d * float(d @ (centre - base))
        ends = np.array([base - reach * d, base + reach * d])
        return ends[:, 0], ends[:, 1]

    @QUIET
    def _points(self) -> Panel:
        s = self.state
        title = T("{m} margin, {k} support vectors ◉▣", "{m}，{k} 个支持向量 ◉▣").format(
            m=self.param("margin").label(self["margin"]), k=str(len(s.support)))
        panel = Panel(title=title, xlabel="x₁", xlim=self.view[:2], ylim=self.view[2:],
                      aspect="equal", fit="data")
        for level, style, label in ((0.0, "solid", T("wᵀx + b = 0", "wᵀx + b = 0")),
                                    (1.0, "dashed", T("wᵀx + b = ±1", "wᵀx + b = ±1")),
                                    (-1.0, "dashed", "")):
            line = self._line(level)
            if line is not None:
                panel.add(Line(*line, label, "foreground" if level == 0 else "muted", style=style))
        sv = np.zeros(len(self.y), dtype=bool)
        sv[s.support] = True
        for cls, plain, ringed, color, name in ((1.0, "●", "◉", "c1", "+1"), (-1.0, "■", "▣", "c2", "−1")):
            mine = self.y == cls
            if np.any(mine & ~sv):
                panel.add(Points(self.x[mine & ~sv, 0], self.x[mine & ~sv, 1], name, color, plain))
            if np.any(mine & sv):
                panel.add(Points(self.x[mine & sv, 0], self.x[mine & sv, 1], "", color, ringed))
        violators = np.flatnonzero(s.slack > 1e-9)
        if self["margin"] == "soft" and 0 < len(violators) <= 6:
            nudge = 0.04 * (self.view[1] - self.view[0])  # beside the point, not over it
            for i in violators:
                panel.add(Label(float(self.x[i, 0]) + nudge, float(self.x[i, 1]),
                                f"ξ={fmt(s.slack[i], '.2g')}", "warning"))
        return panel

    def _objectives(self) -> Panel:
        panel = Panel(title=T("primal ≥ dual, closing", "原问题 ≥ 对偶，差距收拢"),
                      xlabel=T("SMO iteration", "SMO 迭代"))
        it = np.array(self.iterations, dtype=float)
        dual, primal = np.array(self.duals), np.array(self.primals)
        panel.add(Line(it, dual, T("dual D(α)", "对偶 D(α)"), "success", style="solid"))
        finite = np.isfinite(primal)
        if finite.any():
            panel.add(Line(it, np.where(finite, primal, np.nan), T("primal", "原问题"), "c1",
                           style="solid"))
        top = float(np.nanmax(dual)) if len(dual) else 1.0
        panel.ylim = (min(0.0, float(np.nanmin(dual))), 2.0 * top if top > 0 else 1.0)
        panel.xlim = (0.0, max(1.0, float(it[-1])))
        return panel

    def _alphas(self) -> Panel:
        s, a = self.state, self.smo.alpha
        order = np.argsort(-a, kind="stable")
        panel = Panel(title=T("α sorted, by KKT status", "排序后的 α，按 KKT 状态"),
                      xlabel=T("rank", "名次"))
        rank = np.arange(len(a), dtype=float)
        for k in range(3):
            pick = s.status[order] == k
            if pick.any():
                panel.add(Bars(rank[pick], a[order][pick], STATUS[k], STATUS_COLOR[k]))
        if math.isfinite(self.c):
            panel.add(HLine(self.c, "warning"))
        top = max(float(a.max()) if len(a) else 0.0, self.c if math.isfinite(self.c) else 0.0)
        panel.ylim = (0.0, 1.1 * top if top > 0 else 1.0)
        panel.xlim = (-1.0, float(len(a)))
        return panel

    # ------------------------------------------------------------------- numbers

    @QUIET
    def readout(self) -> dict[T | str, T | str]:
        s = self.state
        norm = float(np.hypot(*s.w))
        out: dict[T | str, T | str] = {
            "w": _vec(s.w), "b": fmt(s.b, ".4g"),
            T("margin 2/‖w‖", "间隔 2/‖w‖"): fmt(2.0 / norm if norm > 0 else math.inf, ".4g"),
            T("SVs", "支持向量"): str(len(s.support)),
            "Σαᵢyᵢ": fmt(s.sum_alpha_y, ".1e"),
            T("primal", "原问题"): fmt(s.primal, ".6g"), T("dual", "对偶"): fmt(s.dual, ".6g"),
            T("gap", "对偶间隙"): fmt(s.gap, ".2e"),
            T("KKT violation", "KKT 违反量"): fmt(s.kkt_violation, ".2e"),
            T("misclassified", "误分类"): str(s.misclassified),
            T("iteration", "迭代"): str(self.smo.steps),
        }
        free = np.flatnonzero(s.status == 1)
        if len(free):
            i = int(free[0])
            out[T("y_s − wᵀx_s", "y_s − wᵀx_s")] = fmt(self.y[i] - self.x[i] @ s.w, ".4g")
        out[T("dual w/o constraints", "去掉约束的对偶")] = T("D(tv) = {g}·t → ∞", "D(tv) = {g}·t → ∞").format(
            g=fmt(self.ray_gain, ".3g"))
        return out

    def notes(self) -> list[T]:
        notes: list[T] = []
        if not self.separable and self["margin"] == "hard":
            notes.append(T("no separating line: the hard margin is infeasible, its dual grows for ever",
                           "没有分隔直线：硬间隔不可行，其对偶目标无限增大"))
        if self.smo.steps >= MAX_ITERATIONS and not self.converged:
            notes.append(T("stopped after {n} pair updates", "已进行 {n} 次更新后停止").format(
                n=str(MAX_ITERATIONS)))
        return notes

    @QUIET
    def data(self) -> dict[str, Any]:
        s = self.state
        norm = float(np.hypot(*s.w))
        return {
            "w": s.w.tolist(), "b": s.b, "alpha": self.smo.alpha.tolist(),
            "support": [int(i) for i in s.support],
            "margin": 2.0 / norm if norm > 0 else math.inf,
            "primal": s.primal, "dual": s.dual, "gap": s.gap,
            "kkt_violation": s.kkt_violation, "sum_alpha_y": s.sum_alpha_y,
            "dual_unbounded_without_constraints": self.ray_gain > 1e-9,
            "unconstrained_dual_slope": self.ray_gain,
            "separable": self.separable, "C": self.c, "iterations": self.smo.steps,
            "converged": self.converged, "misclassified": s.misclassified,
            "slack": s.slack.tolist(), "status": [int(k) for k in s.status],
            "x": self.x.tolist(), "y": self.y.tolist(),
        }

    explanation = T(
        "A linear SVM looks for the line wᵀx + b = 0 with the widest empty band around it: "
        "minimise ½‖w‖² subject to yᵢ(wᵀxᵢ + b) ≥ 1, so the band between wᵀx + b = ±1 is "
        "2/‖w‖ wide. A soft margin lets a point inside the band or across it at a cost: "
        "minimise ½‖w‖² + CΣξᵢ with yᵢ(wᵀxᵢ + b) ≥ 1 − ξᵢ, ξᵢ ≥ 0.\n"
        "The dual has one αᵢ per point: maximise Σαᵢ − ½ΣΣαᵢαⱼyᵢyⱼxᵢᵀxⱼ subject to 0 ≤ αᵢ ≤ C "
        "(no upper bound for a hard margin) and Σαᵢyᵢ = 0. Those constraints are part of the "
        "problem: the quadratic part has rank at most 2 here, so without them the objective "
        "grows without limit along a null direction v (the readout gives D(tv) = t‖v‖²). "
        "SMO respects both: each step moves one pair αᵢ, αⱼ along the segment that keeps "
        "Σαy fixed and stays in the box.\n"
        "Then w = Σαᵢyᵢxᵢ, and complementary slackness sorts the points (right panel): α = 0 "
        "for points beyond the margin, 0 < α < C for points exactly on it, α = C for points "
        "inside or misclassified. Only points with α > 0 — the support vectors (◉ ▣) — shape "
        "the line. b comes from a support vector on the margin: b = y_s − wᵀx_s.\n"
        "The middle panel shows the primal objective of the best feasible point along the "
        "current w and the dual D(α): every primal value is at least every dual value, and "
        "the gap closes at the solution. On the toy set the answer is known: w = (0, 1), "
        "b = 0, margin 2, three support vectors with α = ¼, ¼, ½. One outlier squeezes a hard "
        "margin; a soft margin pays slack instead. On overlapping clouds no hard margin exists.",
        "线性 SVM 寻找一条直线 wᵀx + b = 0，使它周围的空白带最宽：在 yᵢ(wᵀxᵢ + b) ≥ 1 下最小化 "
        "½‖w‖²，于是 wᵀx + b = ±1 之间的带宽为 2/‖w‖。软间隔允许点进入带内甚至越过，但要付代价："
        "在 yᵢ(wᵀxᵢ + b) ≥ 1 − ξᵢ、ξᵢ ≥ 0 下最小化 ½‖w‖² + CΣξᵢ。\n"
        "对偶问题为每个点配一个 αᵢ：最大化 Σαᵢ − ½ΣΣαᵢαⱼyᵢyⱼxᵢᵀxⱼ，约束为 0 ≤ αᵢ ≤ C"
        "（硬间隔没有上界）以及 Σαᵢyᵢ = 0。这些约束是问题的一部分：这里二次项的秩至多为 2，"
        "去掉约束后，目标沿某个零空间方向 v 无限增大（读数给出 D(tv) = t‖v‖²）。"
        "SMO 遵守这两条约束：每一步沿保持 Σαy 不变的线段移动一对 αᵢ、αⱼ，并停留在约束盒内。\n"
        "于是 w = Σαᵢyᵢxᵢ，互补松弛把点分成三类（右图）：间隔外的点 α = 0，恰在间隔上的点 "
        "0 < α < C，落入间隔或被分错的点 α = C。只有 α > 0 的点——支持向量（◉ ▣）——决定这条线。"
        "b 由间隔上的支持向量求得：b = y_s − wᵀx_s。\n"
        "中图画出沿当前 w 的最佳可行点的原问题目标值与对偶值 D(α)：任何原问题值都不小于任何"
        "对偶值，二者之差在最优解处收拢为零。小例子的答案已知：w = (0, 1)，b = 0，间隔为 2，"
        "三个支持向量的 α = ¼、¼、½。一个离群点就能把硬间隔挤窄；软间隔改为支付松弛代价。"
        "两团点重叠时，硬间隔根本不存在。",
    )
