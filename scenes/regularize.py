"""Scene `regularize`: L1 and L2 penalties — corners, paths, proximal steps, flows, dropout."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from calcterm.compute import regularize as R
from calcterm.params import Choice, Integer, Number
from calcterm.plot import Figure, Line, Panel, Points
from calcterm.scene import Scene
from calcterm.text import T, fmt
from calcterm.scenes._regularize_view import (
    PENALTY_LABELS, VIEW_LABELS, ball, descent_panels, dropout_panels, ellipse, flow_panels,
    pair, path_panels, penalty_level,
)

SWEEP_STEPS = 60
"""Steps of the λ sweep in the geometry view."""
DESCENT_STEPS = 200
FLOW_STEPS = 100
FLOW_TIME = 10.0
DROPOUT_STEPS = 200
DROPOUT_X = np.array([1.0, 0.5])
DROPOUT_Y = 1.0
"""The single example (x, y) of the dropout view; its weights are (a₁, a₂)."""
FLOW_START = np.array([-1.5, 1.5])


class Regularize(Scene):
    id = "regularize"
    title = T("L1 and L2: geometry, paths, gradient flow and dropout",
              "L1 与 L2 正则：几何、路径、梯度流与 dropout")
    summary = T("the diamond's corner gives exact zeros, L2 shrinks each direction by its own "
                "factor, gradient flow never oscillates, dropout is an adaptive L2 penalty",
                "菱形的角给出精确的零，L2 在每个方向上按各自的比例收缩，梯度流不会振荡，"
                "随机失活相当于自适应的 L2 惩罚")
    section = "Part 3 §3.1–3.3"
    order = 54
    pace = 4
    heaviest = {"view": "dropout", "draws": 10_000}
    params = (
        Choice("view", "geometry", T("what to look at", "查看内容"),
               choices=("geometry", "path", "descent", "flow", "dropout"), labels=VIEW_LABELS),
        Choice("penalty", "l1", T("λ‖w‖₁, λ‖w‖₂², or the elastic net λ(½‖w‖₁ + ½‖w‖₂²)",
                                  "λ‖w‖₁、λ‖w‖₂² 或弹性网 λ(½‖w‖₁ + ½‖w‖₂²)"),
               choices=R.PENALTIES, labels=PENALTY_LABELS),
        Number("lam", 0.2, T("penalty strength λ", "惩罚强度 λ"), lo=0.0, hi=2.0, step=0.02),
        Number("corr", 0.6, T("feature correlation ρ: the data Hessian is [[1, ρ], [ρ, 1]]",
                              "特征相关系数 ρ：数据 Hessian 为 [[1, ρ], [ρ, 1]]"),
               lo=-0.95, hi=0.95, step=0.05),
        Number("a1", 1.0, T("unpenalised optimum a, first coordinate (the dropout view's w₁)",
                            "无惩罚最优点 a 的第一个坐标（随机失活视图中的 w₁）"),
               lo=-2.0, hi=2.0, step=0.05),
        Number("a2", 0.4, T("unpenalised optimum a, second coordinate (the dropout view's w₂)",
                            "无惩罚最优点 a 的第二个坐标（随机失活视图中的 w₂）"),
               lo=-2.0, hi=2.0, step=0.05),
        Number("eta", 0.625, T("step size of the descent view (1/L is safe)",
                               "下降视图的步长（1/L 是安全的）"), lo=0.01, hi=2.0, step=1.25, log=True),
        Number("gamma", 1.0, T("friction γ of the heavy-ball ODE ẅ + γẇ + ∇ = 0",
                               "重球方程 ẅ + γẇ + ∇ = 0 的阻尼 γ"), lo=0.0, hi=5.0, step=0.1),
        Number("p", 0.8, T("dropout keep probability", "随机失活的保留概率"),
               lo=0.05, hi=1.0, step=0.05),
        Integer("draws", 200, T("dropout masks drawn per step", "每步抽取的随机失活掩码数"),
                lo=1, hi=10_000, step=50),
    )

    def explain(self) -> T:
        return EXPLANATION

    def implied(self, name: str, value: Any) -> dict[str, Any]:
        if name == "corr":  # η = 1/L with L = 1 + |ρ|, the largest curvature
            return {"eta": round(1.0 / (1.0 + abs(value)), 4)}
        return {}

    def matters(self, name: str) -> bool:
        view = self["view"]
        uses = {
            "penalty": view in ("geometry", "descent"),
            "lam": view in ("geometry", "descent", "flow"),
            "corr": view != "dropout", "eta": view == "descent", "gamma": view == "flow",
            "p": view == "dropout", "draws": view == "dropout",
        }
        return uses.get(name, True)

    # -- state ----------------------------------------------------------------------------

    def setup(self) -> None:
        self.H = R.correlated_hessian(self["corr"])
        self.a = np.array([self["a1"], self["a2"]])
        lam = self["lam"]
        self.w_l1 = R.solve(self.H, self.a, "l1", lam)
        self.w_l2 = R.solve(self.H, self.a, "l2", lam)
        self.w_pen = R.solve(self.H, self.a, self["penalty"], lam)
        self.lam_max = R.lambda_max(self.H, self.a)
        self.path = R.l1_path(self.H, self.a)
        top = max(2.0, 1.2 * self.lam_max)
        grid = np.unique(np.concatenate([np.linspace(0.0, top, 121), self.path.lam]))
        self.path_lambda = grid
        self.path_l1 = np.array([self.path.at(v) for v in grid])
        self.path_l2 = R.l2_path(self.H, self.a, grid)
        self._path_elastic: np.ndarray | None = None
        eta = self["eta"]
        self.ista = R.ista(self.H, self.a, self["penalty"], lam, eta, DESCENT_STEPS)
        self.subgradient = R.subgradient(self.H, self.a, self["penalty"], lam, eta, DESCENT_STEPS)
        self.times = np.linspace(0.0, FLOW_TIME, FLOW_STEPS + 1)
        self.flow = R.flow_path(self.H, self.a, lam, FLOW_START, self.times)
        self.heavy = R.heavy_ball_path(self.H, self.a, lam, self["gamma"], FLOW_START, self.times)
        self.h, self.V = np.linalg.eigh(self.H)
        self.dropout_x, self.dropout_y = DROPOUT_X, DROPOUT_Y
        self.dropout_exact = R.dropout_expected_loss(DROPOUT_X, DROPOUT_Y, self.a, self["p"])
        self.rng = np.random.default_rng(self.seed)
        self.running = R.RunningMean()
        self.mc_history: list[tuple[int, float, float]] = []
        self._draw_masks()

    @property
    def path_elastic(self) -> np.ndarray:
        """The elastic-net path on the λ grid (solved only when that penalty is shown)."""
        if self._path_elastic is None:
            self._path_elastic = np.array([R.solve(self.H, self.a, "elastic", v)
                                           for v in self.path_lambda])
        return self._path_elastic

    def _draw_masks(self) -> None:
        samples = R.dropout_losses(self.rng, DROPOUT_X, DROPOUT_Y, self.a, self["p"], self["draws"])
        self.running.add(samples)
        self.mc_history.append((self.running.count, self.running.mean, self.running.se))

    @property
    def steps(self) -> int:
        return {"geometry": SWEEP_STEPS, "path": SWEEP_STEPS, "descent": DESCENT_STEPS,
                "flow": FLOW_STEPS, "dropout": DROPOUT_STEPS}[self["view"]]

    @property
    def done(self) -> bool:
        return self.t >= self.steps

    def advance(self) -> None:
        if self["view"] == "dropout":
            self._draw_masks()

    @property
    def lam_shown(self) -> float:
        """The λ in the picture: the parameter before the sweep starts, then 0 → λ_max."""
        if self["view"] not in ("geometry", "path") or self.t == 0:
            return self["lam"]
        return self.lam_max * self.t / SWEEP_STEPS

    # -- what is shown --------------------------------------------------------------------

    def draw(self, width: int, height: int) -> Figure:
        view = self["view"]
        if view == "geometry":
            panels = [self._geometry_panel(), *path_panels(self, only=self["penalty"])]
        elif view == "path":
            panels = path_panels(self)
        elif view == "descent":
            panels = descent_panels(self, min(self.t, DESCENT_STEPS))
        elif view == "flow":
            panels = flow_panels(self, min(self.t, FLOW_STEPS))
        else:
            panels = dropout_panels(self)
        if width < 70:  # narrow: stacked when there is height for two, else the main one
            shown = panels[:2] if height >= 24 else panels[:1]
            return Figure(shown, rows=len(shown), cols=1)
        return Figure(panels[:2], rows=1, cols=2, weights=(3, 2))

    def _geometry_panel(self) -> Panel:
        lam, penalty = self.lam_shown, self["penalty"]
        w = R.solve(self.H, self.a, penalty, lam)
        level = penalty_level(penalty, w)
        title = T("{pen} at λ = {lam}: the smallest data contour touching the ball",
                  "{pen}，λ = {lam}：数据等高线与约束球相切").format(
            pen=PENALTY_LABELS[penalty], lam=fmt(lam, ".3g"))
        lim = max(2.2, 1.2 * float(np.abs(self.a).max()) + 0.4)
        panel = Panel(title=title, xlabel="w₁", ylabel="w₂", xlim=(-lim, lim), ylim=(-lim, lim),
                      aspect="equal")
        touch = 0.5 * (w - self.a) @ self.H @ (w - self.a)
        for c in (touch * 4,):
            if c > 0:
                e = ellipse(self.a, self.H, c)
                panel.add(Line(e[:, 0], e[:, 1], "", "muted"))
        if touch > 0:
            e = ellipse(self.a, self.H, touch)
            panel.add(Line(e[:, 0], e[:, 1], T("data contour", "数据等高线"), "primary"))
        b = ball(penalty, level)
        if b is not None:
            panel.add(Line(b[:, 0], b[:, 1], T("penalty ball", "惩罚球"), "secondary"))
        sweep = self.path_lambda <= lam
        trail = {"l1": self.path_l1, "l2": self.path_l2, "elastic": self.path_elastic}[penalty][sweep]
        if len(trail):
            panel.add(Line(trail[:, 0], trail[:, 1], T("path as λ grows", "λ 增大时的路径"), "accent"))
        panel.add(Points(np.array([self.a[0]]), np.array([self.a[1]]), "a", "muted", "○"),
                  Points(np.array([w[0]]), np.array([w[1]]), "w*", "error", "●"))
        return panel

    def readout(self) -> dict[T | str, T | str]:
        out: dict[T | str, T | str] = {}
        view = self["view"]
        if view in ("geometry", "path"):
            out["λ"] = fmt(self.lam_shown, ".3g")
        out[T("w* (L1)", "w*（L1）")] = pair(self.w_l1)
        out[T("w* (L2)", "w*（L2）")] = pair(self.w_l2)
        out["‖w*‖₁ (L1), ‖w*‖₂ (L2)"] = \
            f"{fmt(np.abs(self.w_l1).sum(), '.4g')}, {fmt(np.linalg.norm(self.w_l2), '.4g')}"
        out["λ_max = ‖Ha‖∞"] = fmt(self.lam_max, ".4g")
        z = self.path.zero_at()
        out[T("L1 zero from λ", "L1 置零的 λ")] = f"w₁ {fmt(z[0], '.4g')}, w₂ {fmt(z[1], '.4g')}"
        factors, _ = R.l2_shrinkage(self.H, self["lam"])
        out[T("L2 shrink factors", "L2 收缩因子")] = pair(factors)
        if view == "descent":
            k = min(self.t, DESCENT_STEPS)
            out[T("exact zeros: prox / subgradient", "精确零：近端 / 次梯度")] = \
                f"{int(np.sum(self.ista[k] == 0))} / {int(np.sum(self.subgradient[k] == 0))}"
        if view == "flow":
            out[T("flow eigenvalues", "梯度流特征值")] = pair(R.flow_rates(self.H, self["lam"]))
            roots = R.heavy_ball_roots(self.H, self["lam"], self["gamma"])
            out[T("heavy-ball roots", "重球特征根")] = ", ".join(_complex(r) for r in roots[:, 0])
        if view == "dropout":
            count, mean, se = self.mc_history[-1]
            out[T("E[loss] exact", "E[损失] 精确值")] = fmt(self.dropout_exact, ".6g")
            out[T("Monte Carlo", "蒙特卡洛")] = f"{fmt(mean, '.6g')} ± {fmt(se, '.2g')} ({count})"
        return out

    def notes(self) -> list[T]:
        view, notes = self["view"], []
        if view in ("geometry", "path"):
            factors, _ = R.l2_shrinkage(self.H, self["lam"])
            notes.append(T("L2 is not uniform: it multiplies a's eigen-components by {f}",
                           "L2 并不均匀：a 的各特征分量分别乘以 {f}").format(f=pair(factors)))
        if view == "descent" and self["eta"] > 2.0 / float(self.h.max()):
            notes.append(T("η > 2/L: the gradient step itself diverges", "η > 2/L：梯度步本身发散"))
        if view == "descent" and self["penalty"] != "l2" and not np.any(self.w_pen == 0):
            notes.append(T("no weight is 0 at this λ: raise λ past {z} to see exact zeros",
                           "此 λ 下没有权重为 0：把 λ 调到 {z} 以上才能看到精确的零").format(
                z=fmt(min(self.path.zero_at()), ".3g")))
        if view == "flow":
            notes.append(T("gradient flow's eigenvalues are real: it decays without oscillating",
                           "梯度流的特征值是实数：只衰减、不振荡"))
            k = self.h + 2 * self["lam"]
            if self["gamma"] < 2 * math.sqrt(float(k.max())):
                notes.append(T("γ < 2√(h+2λ): the heavy ball overshoots and oscillates",
                               "γ < 2√(h+2λ)：重球会越过目标并振荡"))
        if view == "dropout" and self["p"] < 1:
            notes.append(T("inverted dropout scales by 1/p while training; at test time the net "
                           "is used as it is", "反向缩放的随机失活在训练时除以 p；测试时网络原样使用"))
        return notes

    def data(self) -> dict[str, Any]:
        count, mean, se = self.mc_history[-1]
        k = DESCENT_STEPS
        return {
            "w_l1": self.w_l1.tolist(), "w_l2": self.w_l2.tolist(), "w": self.w_pen.tolist(),
            "lambda_max": self.lam_max, "zero_at": self.path.zero_at(),
            "path_lambda": self.path_lambda.tolist(), "path_l1": self.path_l1.tolist(),
            "path_l2": self.path_l2.tolist(), "path_knots": self.path.lam.tolist(),
            "ista_w": self.ista[k].tolist(), "subgradient_w": self.subgradient[k].tolist(),
            "exact_zeros": {"ista": int(np.sum(self.ista[k] == 0)),
                            "subgradient": int(np.sum(self.subgradient[k] == 0)),
                            "solution": int(np.sum(self.w_pen == 0))},
            "l2_shrinkage": R.l2_shrinkage(self.H, self["lam"])[0].tolist(),
            "flow_eigenvalues": R.flow_rates(self.H, self["lam"]).tolist(),
            "heavy_ball_roots": [[float(r.real), float(r.imag)]
                                 for r in R.heavy_ball_roots(self.H, self["lam"], self["gamma"]).ravel()],
            "dropout_expected_loss": self.dropout_exact, "dropout_mc_mean": mean,
            "dropout_mc_se": se, "dropout_draws": count,
        }


def _complex(z: complex) -> str:
    if abs(z.imag) < 1e-12:
        return fmt(z.real, ".3g")
    return f"{fmt(z.real, '.3g')}±{fmt(abs(z.imag), '.3g')}i"


EXPLANATION = T(
    "The data term is the quadratic D(w) = ½(w − a)ᵀH(w − a): a is where the data alone would "
    "put the weights, and H = [[1, ρ], [ρ, 1]] says how strongly the two features are "
    "correlated. A penalty R(w) pulls w toward 0, and the optimum sits where the smallest "
    "ellipse of D touches a ball {R ≤ t}. The L1 ball is a diamond whose corners lie on the "
    "axes, so the touching point is often a corner — an exact zero (with the defaults from "
    "λ = 0.64 on). The L2 ball is round, so its solution (H + 2λI)⁻¹Ha is never exactly 0; in "
    "each eigen-direction of H it multiplies a by h/(h + 2λ), a different factor per "
    "direction, not a uniform shrinking. path shows w(λ): piecewise linear for L1, with knots "
    "where a weight leaves for good, up to λ_max = ‖Ha‖∞ where everything is 0; smooth for "
    "L2. descent compares two ways to minimise with L1: the subgradient step uses sign(w) "
    "and keeps jumping across 0, never landing on it, while the proximal step (gradient step, "
    "then soft-thresholding) lands on exact zeros. flow plots gradient flow ẇ = −∇(D + λ‖w‖²): "
    "each eigen-component decays like e^(−(h + 2λ)t) — a first-order flow with a symmetric "
    "matrix has real eigenvalues and cannot oscillate. The heavy-ball equation ẅ + γẇ + ∇ = 0 "
    "can: with γ < 2√(h + 2λ) it overshoots (damped oscillation is momentum's, not gradient "
    "flow's). dropout keeps each feature with probability p and divides by p while training "
    "(inverted dropout); for a linear model the expected loss is exactly "
    "(y − xᵀw)² + ((1 − p)/p)·Σ x_j² w_j², an L2 penalty weighted by each feature's size, and "
    "the Monte-Carlo mean closes in on it within its standard error. Through a non-linear "
    "unit the means do not match: E[σ(z)] ≠ σ(E[z]).",
    "数据项是二次函数 D(w) = ½(w − a)ᵀH(w − a)：a 是只看数据时权重的位置，H = [[1, ρ], [ρ, 1]] "
    "描述两个特征的相关程度。惩罚 R(w) 把 w 拉向 0，最优点位于 D 的最小椭圆与球 {R ≤ t} 相切处。"
    "L1 球是菱形，角都在坐标轴上，所以切点常常就是角——一个精确的零（默认参数下从 λ = 0.64 起）。"
    "L2 球是圆的，它的解 (H + 2λI)⁻¹Ha 永远不会恰好为 0；在 H 的每个特征方向上它把 a 乘以 "
    "h/(h + 2λ)，各方向的比例不同，并不是“均匀地变小”。path 视图画出 w(λ)：L1 是分段线性的，"
    "折点处某个权重离开后不再回来，直到 λ_max = ‖Ha‖∞ 时全部为 0；L2 则是光滑曲线。descent "
    "视图比较 L1 的两种求解方式：次梯度步使用 sign(w)，在 0 附近来回跳动却落不到 0 上；近端步"
    "（先做梯度步，再做软阈值）则落在精确的零上。flow 视图画出梯度流 ẇ = −∇(D + λ‖w‖²)："
    "每个特征分量按 e^(−(h + 2λ)t) 衰减——对称矩阵的一阶流只有实特征值，不可能振荡。重球方程 "
    "ẅ + γẇ + ∇ = 0 则可以：γ < 2√(h + 2λ) 时它会越过目标（阻尼振荡属于动量，而不是梯度流）。"
    "dropout 视图：随机失活以概率 p 保留每个特征，并在训练时除以 p（反向缩放）；对线性模型，期望损失恰好是 "
    "(y − xᵀw)² + ((1 − p)/p)·Σ x_j² w_j²，即按各特征大小加权的 L2 惩罚，蒙特卡洛均值在其标准误差"
    "范围内逼近它。经过非线性单元后均值就对不上了：E[σ(z)] ≠ σ(E[z])。",
)
