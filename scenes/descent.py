"""Scene `descent`: gradient descent and its descendants walking down a contour map."""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from calcterm.compute.contours import grid, log_levels, marching_squares, quantile_levels
from calcterm.compute import heavy_ball as hb
from calcterm.compute import second_order as so
from calcterm.compute.optimizers import BLOWUP, SCHEDULES, Run, Settings
from calcterm.compute.optimizers import METHODS as FIRST
from calcterm.compute.surfaces import Surface, make
from calcterm.params import Choice, Expression, Number
from calcterm.plot import Figure, Line, Panel, Points, Trail, sample_count
from calcterm.scene import Scene
from calcterm.scenes import _descent_newton as second
from calcterm.scenes._descent_rates import Rates
from calcterm.text import T, fmt

MAX_STEPS = 5000
SETTLED = 1e-30
"""A first-order run whose gradient has fallen by this factor has told its story, its rate
long since visible (second-order runs say so themselves, with their "converged" status)."""
ETA_STEP = 10 ** 0.1
"""One key press multiplies η by 10^0.1, so ten presses make a factor of 10."""
METHODS = (*FIRST, *so.METHODS)
"""Six first-order methods, then Newton, damped Newton and BFGS: the race runs all nine."""
STYLE = {  # method -> (colour, marker at the current iterate)
    "gd": ("red+", "●"), "momentum": ("orange", "■"), "nesterov": ("gold", "▲"),
    "adagrad": ("blue+", "◆"), "rmsprop": ("cyan+", "✚"), "adam": ("green+", "★"),
    "newton": ("magenta", "✦"), "newton-ls": ("magenta", "▼"), "bfgs": ("white", "◉"),
}
"""Six hues for the first-order methods; the Newton pair shares one (their paths coincide
wherever H is positive definite and the full step is accepted), BFGS takes the foreground."""
CONTOUR_COLOR = "gray"
K_AXIS = (20, 40, 100, 200, 400, 1000, 2000, 4000)
"""Lengths of the step axis: it grows in jumps, so its ticks stay round numbers."""
ARROWS = "→↗↑↖←↙↓↘"
SURFACES = ("quadratic", "rosenbrock", "himmelblau", "beale", "saddle", "custom")
FOLLOWS_SURFACE = ("x0", "y0", "eta")
"""Choosing a surface loads its suggested start and step size into these parameters."""


def _fmt(value: float, spec: str = ".3e") -> str:
    return fmt(value, spec)


LABELS: dict[str, T | str] = {"gd": T("GD", "梯度下降"), "momentum": T("Momentum", "动量法"),
                              "nesterov": "Nesterov", "adagrad": "AdaGrad", "rmsprop": "RMSprop",
                              "adam": "Adam", "newton": T("Newton", "牛顿法"),
                              "newton-ls": T("damped Newton", "阻尼牛顿法"), "bfgs": "BFGS"}
STATUS = {"running": T("running", "运行中"), "diverged": T("diverged", "发散"),
          "undefined": T("stopped", "已停止"), "converged": T("converged", "已收敛"),
          "stalled": T("stalled", "停滞"), "saddle": T("at a saddle", "停在鞍点"),
          "maximum": T("at a maximum", "停在极大点")}
VIEWS = ("paths", "rates")


def _decade_above(value: float) -> float:
    """The smallest power of ten ≥ value (value > 0)."""
    return 10.0 ** math.ceil(math.log10(value))


class Descent(Scene):
    id = "descent"
    title = T("Gradient descent and its optimizers", "梯度下降及其优化器")
    summary = T("GD, Momentum, Nesterov, AdaGrad, RMSprop, Adam, Newton, damped Newton and BFGS "
                "on contour maps, alone or racing, beside the (1 − μ/L)^k bound and the 2/L "
                "limit; the momentum map of rates over (η, β)",
                "GD、动量、Nesterov、AdaGrad、RMSprop、Adam、牛顿法、阻尼牛顿法与 BFGS 在等高线图上"
                "单跑或赛跑，并对照 (1 − μ/L)^k 界与 2/L 稳定极限；以及 (η, β) 上收敛率的动量图")
    section = "Part 2 §1.1–1.5, Part 3 §4.1–4.3"
    order = 40
    pace = 1
    heaviest = {"optimizer": "race"}
    min_plot = (34, 10)
    params = (
        Choice("surface", "quadratic", T("the landscape; choosing one loads its suggested start "
                                         "and η (custom uses f)",
                                         "地形；选择后载入建议的起点和 η（custom 使用 f）"),
               choices=SURFACES,
               labels={"quadratic": T("quadratic", "二次函数"),
                       "rosenbrock": T("Rosenbrock", "Rosenbrock 函数"),
                       "himmelblau": T("Himmelblau", "Himmelblau 函数"),
                       "beale": T("Beale", "Beale 函数"), "saddle": T("saddle", "鞍面"),
                       "custom": T("custom f", "自定义 f")}),
        Expression("f", "(x^2-1)^2+y^2", T("the function used when surface = custom; press e to "
                                           "type one (that selects custom)",
                                           "surface = custom 时使用的函数；按 e 输入（会选中 custom）"),
                   presets={T("double well", "双井"): "(x^2-1)^2+y^2",
                            T("valley", "山谷"): "log(1+x^2+10*y^2)",
                            T("egg crate", "蛋托"): "x^2+y^2+2*sin(2*x)*sin(2*y)",
                            T("kinks", "折角"): "abs(x)+2*abs(y)"},
                   variables=("x", "y")),
        Number("kappa", 10.0, T("condition number κ = L/μ of the quadratic",
                                "二次函数的条件数 κ = L/μ"),
               lo=1.0, hi=1000.0, step=ETA_STEP, log=True),
        Number("angle", 30.0, T("how far the quadratic's axes are turned, in degrees",
                                "二次函数主轴的旋转角（度）"), lo=-90.0, hi=90.0, step=5.0),
        Choice("optimizer", "gd", T("the update rule; newton, newton-ls and bfgs use curvature; "
                                    "race runs all nine from the same start",
                                    "更新规则；newton、newton-ls 与 bfgs 利用曲率；"
                                    "race 让九种方法从同一起点赛跑"),
               choices=(*METHODS, "race"),
               labels={**LABELS, "newton-ls": T("damped Newton (line search)", "阻尼牛顿法（线搜索）"),
                       "race": T("race (all nine)", "赛跑（全部九种）")}),
        Choice("view", "paths", T("paths: the optimizers on the contour map; rates: the momentum "
                                  "map, heavy ball's exact rate over (η, β) on the quadratic",
                                  "paths：等高线图上的优化路径；rates：动量图，二次函数上重球法在 "
                                  "(η, β) 上的精确收敛率"),
               choices=VIEWS, labels={"paths": T("paths", "路径"),
                                      "rates": T("momentum map", "动量图")}),
        Number("eta", 0.1, T("step size η (learning rate); BFGS starts from B₀ = η·I",
                             "步长 η（学习率）；BFGS 从 B₀ = η·I 出发"),
               lo=1e-4, hi=3.0, step=ETA_STEP, log=True),
        Choice("schedule", "constant",
               T("how η shrinks with the step t: η, η/(1+λt) or η·e^(−λt)",
                 "η 随步数 t 的衰减：η、η/(1+λt) 或 η·e^(−λt)"), choices=SCHEDULES,
               labels={"constant": T("constant", "常数"), "inverse": "η/(1+λt)",
                       "exponential": "η·e^(−λt)"}),
        Number("lam", 0.05, T("decay rate λ of the schedule", "衰减率 λ"), lo=0.0, hi=1.0,
               step=0.01),
        Number("beta", 0.9, T("memory β of the gradient average (Momentum, Nesterov, Adam β₁)",
                              "梯度平均的记忆系数 β（动量、Nesterov、Adam 的 β₁）"),
               lo=0.0, hi=0.99, step=0.01),
        Number("beta2", 0.99, T("memory of the squared-gradient average (RMSprop ρ, Adam β₂)",
                                "梯度平方平均的记忆系数（RMSprop 的 ρ，Adam 的 β₂）"),
               lo=0.5, hi=0.999, step=0.001),
        Number("x0", -4.0, T("start x", "起点 x"), lo=-5.0, hi=5.0, step=0.1),
        Number("y0", 3.0, T("start y", "起点 y"), lo=-5.0, hi=5.0, step=0.1),
    )
    explanation = T(
        "Each step moves the point against the gradient, x ← x − η∇f(x): straight across the "
        "contour lines, shown by the arrow −∇f. The loss panel plots the gap f(x_k) − f* on a "
        "log scale, so a straight line there means a fixed factor per step.\n"
        "On the quadratic ½(u² + κv²) the curvatures are μ = 1 and L = κ. With η = 1/L the "
        "theorem for μ-strongly convex, L-smooth functions guarantees f(x_k) − f* ≤ "
        "(1 − μ/L)^k (f(x_0) − f*); that bound is proved for η = 1/L, not for any η. The "
        "readout sets the bound beside the factor actually measured (on a quadratic it is "
        "(1 − μ/L)², better than the bound). Raise η: past 2/L the stiff direction is "
        "multiplied by |1 − ηL| > 1 each step and plain gradient descent with a constant η "
        "diverges — watch the zig-zag grow (a decaying schedule can rescue it once η_k < 2/L). "
        "Raise κ to feel ill-conditioning: the safe η shrinks like 1/L while progress along "
        "the flat direction needs ημ, so it takes about κ steps.\n"
        "Momentum averages gradients (v ← βv + (1−β)∇f, x ← x − ηv) and glides along the "
        "valley; Nesterov takes the gradient at the point it is about to reach. AdaGrad, "
        "RMSprop and Adam divide by a running size of the gradient, but only Adam's steps are "
        "about η per coordinate whatever the slope (its bias correction makes even its first "
        "step η): AdaGrad's steps shrink as its sum of squared gradients grows, and RMSprop's "
        "start near η/√(1−ρ) because it has no bias correction. AdaGrad divides by √G, the "
        "root of the accumulated squares, not by G: the article 'derives' it from a diagonal "
        "quadratic model with Δw = −diag(G)⁻¹∇L, but dividing by G gives a step measured in "
        "1/gradient units, and its first step would be 1/|g| in each coordinate instead of η. "
        "Rates like O(1/√t) belong to stochastic "
        "gradients (SGD on convex problems); momentum alone does not improve that to O(1/t). "
        "Here the gradients are exact. Try the saddle: starting on y = 0 stalls at the saddle "
        "point; any tiny y escapes.",
        "每一步都逆着梯度移动：x ← x − η∇f(x)，方向垂直于等高线，即图中箭头 −∇f。"
        "损失图用对数坐标画出差距 f(x_k) − f*，直线表示每步按固定比例缩小。\n"
        "在二次函数 ½(u² + κv²) 上，曲率 μ = 1，L = κ。对 μ-强凸且 L-光滑的函数，"
        "取 η = 1/L 时有 f(x_k) − f* ≤ (1 − μ/L)^k (f(x_0) − f*)；这个界是在 η = 1/L 下"
        "证明的，并非对任意步长都成立。读数栏把理论界与实测的每步收缩比并列（二次函数上"
        "实测为 (1 − μ/L)²，比界更好）。增大 η：超过 2/L 后，陡峭方向每步被乘以 "
        "|1 − ηL| > 1，常数步长的梯度下降发散——锯齿越来越大（衰减的步长一旦使 η_k < 2/L，"
        "可以把它救回来）。增大 κ 体会病态条件：安全步长按 1/L 缩小，而平坦方向每步只前进约 "
        "ημ，大约需要 κ 步。\n"
        "动量法对梯度做滑动平均（v ← βv + (1−β)∇f，x ← x − ηv），沿谷底滑行；Nesterov "
        "在即将到达的位置取梯度。AdaGrad、RMSprop 和 Adam 都除以梯度大小的累计估计，但只有 "
        "Adam 的步长在每个坐标上约为 η、与坡度无关（偏差修正使它第一步也恰为 η）：AdaGrad "
        "的平方梯度之和不断增大，步长随之缩小；RMSprop 没有偏差修正，起步约为 η/√(1−ρ)。"
        "AdaGrad 除以的是累计平方和的平方根 √G，而不是 G：原文用对角二次模型 Δw = −diag(G)⁻¹∇L "
        "来“推导”它，但除以 G 得到的步长单位是梯度的倒数，第一步在每个坐标上会是 1/|g| 而不是 η。"
        "O(1/√t) 之类的速率属于随机梯度"
        "（凸问题上的 SGD），仅靠动量并不能把它提升到 O(1/t)；这里用的是精确梯度。"
        "试试鞍面：从 y = 0 出发会停在鞍点，稍有偏离便会逃离。",
    )
    second_order_explanation = T(
        "Newton's method uses curvature: x ← x − H⁻¹∇f jumps to the stationary point of the "
        "local quadratic model f(x) + ∇fᵀd + ½dᵀHd. On a quadratic the model is the function, "
        "so with H positive definite one step lands on the minimum, whatever κ. Near a minimum "
        "with positive definite H the error is squared each step (quadratic convergence: the "
        "correct digits double); that is not the O(1/k²) of Nesterov's method. The map draws "
        "the Newton step −H⁻¹∇f at full length (cut at the window's edge) beside −∇f, and "
        "the readout gives H's eigenvalues and the angle between the two directions. Where H is not positive definite the model "
        "has a saddle or a maximum and plain Newton heads there just as happily (try the "
        "saddle). Damped Newton (newton-ls) takes −H⁻¹∇f only where H is positive definite, "
        "−∇f elsewhere, and halves the step until Armijo's sufficient decrease "
        "f(x + αd) ≤ f(x) + 10⁻⁴·α∇fᵀd holds, so f never rises. BFGS never forms H: it starts "
        "from B₀ = η·I and after each step corrects its estimate B of H⁻¹ so that "
        "B·Δ∇f = Δx (the secant condition); its line search keeps the weak Wolfe conditions, "
        "which keep B positive definite. On a 2-D quadratic its exact line searches make "
        "B = H⁻¹ after two steps (readout ‖B − H⁻¹‖/‖H⁻¹‖). In d dimensions H has d² entries "
        "and solving with it costs about d³; BFGS costs d² a step, and L-BFGS keeps only a few "
        "recent (Δx, Δ∇f) pairs.",
        "牛顿法利用曲率：x ← x − H⁻¹∇f 直接跳到局部二次模型 f(x) + ∇fᵀd + ½dᵀHd 的驻点。"
        "在二次函数上模型就是函数本身，所以只要 H 正定，无论 κ 多大，一步就落在最小点。在 H "
        "正定的极小点附近，误差每步被平方（二次收敛：正确的位数翻倍），这不是 Nesterov 方法的 "
        "O(1/k²)。图中在 −∇f 旁画出完整长度的牛顿步 −H⁻¹∇f（超出窗口处截断），读数栏给出 H 的特征值和两个方向的"
        "夹角。H 不正定时，模型的驻点是鞍点或极大点，普通牛顿法照样奔过去（试试鞍面）。"
        "阻尼牛顿法（newton-ls）只在 H 正定时走 −H⁻¹∇f，否则走 −∇f，并把步长不断减半，直到满足 "
        "Armijo 充分下降条件 f(x + αd) ≤ f(x) + 10⁻⁴·α∇fᵀd，因此 f 从不上升。BFGS 从不计算 "
        "H：它从 B₀ = η·I 出发，每走一步就修正对 H⁻¹ 的估计 B，使 B·Δ∇f = Δx（割线条件）；"
        "它的线搜索满足弱 Wolfe 条件，从而保持 B 正定。在二维二次函数上，精确线搜索使 B 在两步"
        "之后等于 H⁻¹（读数 ‖B − H⁻¹‖/‖H⁻¹‖）。在 d 维中，H 有 d² 个元素，用它解方程约需 d³ "
        "次运算；BFGS 每步 d²，L-BFGS 只保留最近几对 (Δx, Δ∇f)。",
    )
    rates_explanation = T(
        "The momentum map (view rates, on the quadratic). Along each eigendirection of H, with "
        "eigenvalue λ, heavy ball x_{k+1} = x_k − α∇f(x_k) + β(x_k − x_{k−1}) moves the error by the 2×2 "
        "matrix [[1 + β − αλ, −β], [1, 0]], so the worse spectral radius ρ over λ = μ and "
        "λ = L is the exact rate. The left panel shades every (η, β) by its speed log ρ as a "
        "share of the best log ρ*, so half the dots means twice the steps; right of the red "
        "line ρ ≥ 1 and momentum diverges (blank). ★ marks the optimum, ◆ gradient "
        "descent's best, ● your setting. "
        "The article's averaged momentum v ← βv + (1−β)∇f, x ← x − ηv is heavy ball with "
        "α = η(1 − β). The best pair (Polyak; Goh's 'Why Momentum Really Works' on Distill) is "
        "α* = (2/(√L + √μ))², β* = ((√κ − 1)/(√κ + 1))², with rate (√κ − 1)/(√κ + 1) against "
        "gradient descent's best (κ − 1)/(κ + 1): at κ = 100 that is 0.82 against 0.98, about "
        "11.5 steps per decade against 115. In the averaged form the optimum needs "
        "η* = α*/(1 − β*), which is 1/√(μL). The right panel follows the error along the flat "
        "(λ = μ) and the steep (λ = L) eigendirections: where the roots are complex the error "
        "spirals and its envelope shrinks by exactly √β a step. Click the map to choose (η, β).",
        "动量图（rates 视图，二次函数）。沿 H 的每个特征方向（特征值 λ），重球法 "
        "x_{k+1} = x_k − α∇f(x_k) + β(x_k − x_{k−1}) 用 2×2 矩阵 [[1 + β − αλ, −β], [1, 0]] 推进误差，所以 "
        "λ = μ 与 λ = L 两者中较大的谱半径 ρ 就是精确的收敛率。左图按这个速度给每个 (η, β) "
        "打点：点的密度是 log ρ 与最佳 log ρ* 之比，点少一半就要多走一倍的步数；红线右侧 ρ ≥ 1，"
        "动量法发散（空白）。★ 是最优点，◆ 是梯度下降的最佳点，● 是当前设置。原文的平均形式动量 "
        "v ← βv + (1−β)∇f, x ← x − ηv 就是 α = η(1 − β) 的重球法。最优组合（Polyak；Distill "
        "上讲动量的那篇文章）是 α* = (2/(√L + √μ))²、β* = ((√κ − 1)/(√κ + 1))²，"
        "收敛率 (√κ − 1)/(√κ + 1)，而梯度下降最好只有 (κ − 1)/(κ + 1)：κ = 100 时是 0.82 对 "
        "0.98，每缩小一个数量级约 11.5 步对 115 步。在平均形式中，最优点需要 η* = α*/(1 − β*)，"
        "也就是 1/√(μL)。右图跟踪误差在平缓方向（λ = μ）和陡峭方向（λ = L）上的分量：特征根"
        "为复数时误差盘旋着前进，其包络每步恰好缩小为 √β 倍。点击左图即可选择 (η, β)。",
    )

    def explain(self) -> T:
        """The paragraph about what is on screen comes first."""
        if self.view == "rates":
            order = (self.rates_explanation, self.explanation, self.second_order_explanation)
        elif self["optimizer"] in so.METHODS:
            order = (self.second_order_explanation, self.explanation, self.rates_explanation)
        else:
            order = (self._first_order_explanation(), self.second_order_explanation,
                     self.rates_explanation)
        return order[0] + "\n\n" + order[1] + "\n\n" + order[2]

    def _first_order_explanation(self) -> T:
        """Plain GD's paragraphs first for GD; the momentum and adaptive paragraph first for
        the methods it is about."""
        en, zh = self.explanation.en.split("\n"), self.explanation.zh.split("\n")
        if self["optimizer"] in ("momentum", "nesterov", "adagrad", "rmsprop", "adam", "race"):
            en, zh = en[-1:] + en[:-1], zh[-1:] + zh[:-1]
        return T("\n".join(en), "\n".join(zh))

    def implied(self, name: str, value: Any) -> dict[str, Any]:
        """Typing f selects the custom surface; a surface brings its start and η along; the
        momentum map lives on the quadratic, so choosing it brings the quadratic and any
        other surface brings back the paths."""
        changes: dict[str, Any] = {}
        if name == "f":
            if self["surface"] == "custom":
                return changes  # editing f on the custom surface keeps the chosen start
            changes["surface"] = "custom"
        if name == "view" and value == "rates" and self["surface"] != "quadratic":
            changes["surface"] = "quadratic"
        surface_key = changes.get("surface", value if name == "surface" else None)
        if surface_key is None:
            return changes
        if surface_key != "quadratic" and self["view"] != "paths":
            changes["view"] = "paths"
        probe = {**self.values, name: value, "surface": surface_key}
        changes.update(self._suggestion(self._surface_for(probe)))
        return changes

    @property
    def view(self) -> str:
        """The view drawn: the momentum map only on the quadratic (see `notes` otherwise)."""
        return "rates" if self["view"] == "rates" and self["surface"] == "quadratic" else "paths"

    def matters(self, name: str) -> bool:
        optimizer, surface = self["optimizer"], self["surface"]
        if name in ("kappa", "angle"):
            return surface == "quadratic"
        if self.view == "rates":  # heavy ball at constant (η, β) on the quadratic
            return name not in ("f", "optimizer", "schedule", "lam", "beta2")
        if name == "f":
            return surface == "custom"
        if name == "eta":  # Newton's step is −H⁻¹∇f; η is only BFGS's B₀ = η·I
            return optimizer not in ("newton", "newton-ls")
        if name in ("schedule", "lam") and optimizer in so.METHODS:
            return False
        if name == "lam":
            return self["schedule"] != "constant"
        if name == "beta":
            return optimizer in ("momentum", "nesterov", "adam", "race")
        if name == "beta2":
            return optimizer in ("rmsprop", "adam", "race")
        return True

    @staticmethod
    def _surface_for(values: Mapping[str, Any]) -> Surface:
        return make(values["surface"], values["kappa"], values["angle"], values["f"])

    def _suggestion(self, surface: Surface) -> dict[str, float]:
        suggested = dict(zip(FOLLOWS_SURFACE, (*surface.start, surface.eta)))
        return {k: self.param(k).validate(min(max(v, self.param(k).lo), self.param(k).hi))
                for k, v in suggested.items()}

    def pick(self, panel: int, x: float, y: float) -> dict[str, Any]:
        if panel != 0:
            return {}
        return {"eta": x, "beta": y} if self.view == "rates" else {"x0": x, "y0": y}

    # --- state -------------------------------------------------------------------------

    def setup(self) -> None:
        self.surface = self._surface_for(self.values)
        rates = self.view == "rates"
        self.settings = Settings(eta=self["eta"], beta=self["beta"], beta2=self["beta2"],
                                 schedule="constant" if rates else self["schedule"], lam=self["lam"])
        if rates:
            self.methods: tuple[str, ...] = ("momentum",)
        else:
            self.methods = METHODS if self["optimizer"] == "race" else (self["optimizer"],)
        start = (self["x0"], self["y0"])
        self.hess = so.hessian_of(self.surface, self["f"])
        self.runs = {}
        for m in self.methods:
            if m in so.METHODS:
                self.runs[m] = so.Run(m, start, self.surface.value_at, self.surface.grad_at,
                                      self.settings, self.hess)
            else:
                self.runs[m] = Run(m, start, self.surface.value_at, self.surface.grad_at, self.settings)
        self.local_cache: dict[bytes, Any] = {}
        """`_descent_newton.local` per iterate (the Hessian costs an engine pass on a formula)."""
        self.step_log: dict[str, list[tuple[str, float]]] = {m: [] for m in self.methods if m in so.METHODS}
        """Per second-order run: (note, accepted step length α) of each step it took."""
        self.rates = Rates(self) if rates else None
        self.home = self._home_view()
        self._trails = {m: Trail("", STYLE[m][0]) for m in self.methods}
        self._contour_cache: tuple[list[Line], list[tuple[float, float]]] | None = None

    def _home_view(self) -> tuple[float, float, float, float]:
        """The surface's view, grown to hold the start with a margin."""
        x0, x1, y0, y1 = self.surface.view
        sx, sy = self["x0"], self["y0"]
        pad = 0.08 * max(x1 - x0, y1 - y0)
        return (min(x0, sx - pad), max(x1, sx + pad), min(y0, sy - pad), max(y1, sy + pad))

    @property
    def is_race(self) -> bool:
        return len(self.methods) > 1

    @property
    def done(self) -> bool:
        if self.rates is not None and self.rates.finished:
            return True
        return self.t >= MAX_STEPS or all(not r.running or self.settled(m)
                                          for m, r in self.runs.items())

    def settled(self, method: str) -> bool:
        """The run has nothing left to show: its gradient has fallen by SETTLED (a
        method that keeps circling the minimum, like Adam with a constant η, never does)."""
        path = self.runs[method].path
        if method not in FIRST or len(path) < 2:
            return False
        with np.errstate(all="ignore"):
            g0 = float(np.hypot(*self.surface.grad_at(path[0])))
            g = float(np.hypot(*self.surface.grad_at(path[-1])))
        return math.isfinite(g) and g <= SETTLED * max(g0, 1e-300)

    def advance(self) -> None:
        for m, run in self.runs.items():
            if m in self.step_log and run.running:
                before = len(run.path)
                run.advance()
                if len(run.path) > before:
                    self.step_log[m].append((run.note, run.state.alpha))
            else:
                run.advance()

    # --- numbers -----------------------------------------------------------------------

    @property
    def loss_kind(self) -> str:
        if not self.surface.bounded_below:
            return "gradient norm"
        return "f - f*" if self.surface.f_star is not None else "f - min seen"

    def losses(self, method: str) -> np.ndarray:
        """What the loss panel plots for one run (see `loss_kind`)."""
        run = self.runs[method]
        values = run.values
        if self.loss_kind == "gradient norm":
            path = run.path
            with np.errstate(all="ignore"):
                gx, gy = self.surface.gradient(path[:, 0], path[:, 1])
                return np.hypot(gx, gy)
        with np.errstate(all="ignore"):
            return values - (self.surface.f_star if self.loss_kind == "f - f*" else self.lowest_seen())

    def lowest_seen(self) -> float:
        seen = np.concatenate([r.values for r in self.runs.values()])
        seen = seen[np.isfinite(seen)]
        return float(seen.min()) if seen.size else 0.0

    def measured_rate(self, method: str) -> float:
        """The latest per-step factor (f_k − f*)/(f_{k−1} − f*), nan when there is none."""
        loss = self.losses(method)
        if self.loss_kind != "f - f*" or len(loss) < 2:
            return float("nan")
        a, b = loss[-2], loss[-1]
        if not (np.isfinite(a) and np.isfinite(b) and a > 1e-300 and b > 0):
            return float("nan")
        return float(b / a)

    @property
    def L(self) -> float | None:
        return self.surface.L

    @property
    def mu(self) -> float | None:
        return self.surface.mu

    @property
    def theoretical_rate(self) -> float | None:
        return None if self.L is None else 1.0 - self.mu / self.L

    def gd_rate_at_eta(self) -> float | None:
        """GD's exact worst per-step factor on the quadratic at this η: max over λ of (1 − ηλ)²."""
        if self.L is None:
            return None
        eta = self.settings.rate(self.t)
        return max((1 - eta * self.L) ** 2, (1 - eta * self.mu) ** 2)

    def bound(self, k: np.ndarray) -> np.ndarray:
        """(1 − μ/L)^k (f(x_0) − f*), the guarantee at η = 1/L."""
        f0 = self.runs[self.methods[0]].values[0] - (self.surface.f_star or 0.0)
        return f0 * self.theoretical_rate ** np.asarray(k, dtype=float)

    # --- drawing -----------------------------------------------------------------------

    def draw(self, width: int, height: int) -> Figure:
        if self.rates is not None:
            return self._draw_rates(width)
        layout, loss_width = self._layout(width, height)
        if not loss_width:
            return Figure([self._map_panel()], **layout)
        return Figure([self._map_panel(), self._loss_panel(loss_width)], **layout)

    def _draw_rates(self, width: int) -> Figure:
        """The momentum map beside (or, when narrow, above) the eigendirection errors."""
        k_max = next((k for k in K_AXIS if k >= self.t), MAX_STEPS)
        if width >= 48:
            left = round(width * 0.6)
            return Figure([self.rates.map_panel(left), self.rates.error_panel(width - left, k_max)],
                          rows=1, cols=2, weights=(3, 2))
        return Figure([self.rates.map_panel(width), self.rates.error_panel(width, k_max)], rows=2, cols=1)

    def status_key(self, method: str) -> str:
        return second.status_key(self, method)

    def _layout(self, width: int, height: int) -> tuple[dict, int]:
        """Map beside the loss panel on a wide plot, above it on a tall one (a cell is about
        twice as tall as wide, so "wide" means more than twice as many columns as rows).

        A race's map needs a legend row per racer: where stacking would leave fewer, the map
        stays beside the loss panel, or, when the width has no room for that, is drawn alone
        (the readout still lists every racer's loss and rate). Returns the figure layout and
        the loss panel's width (0: no loss panel).
        """
        side_by_side = width >= 2.2 * height and width // 3 >= 18
        if self.is_race and height // 2 - 5 < len(self.methods) + 1 and not side_by_side:
            if width // 3 < 18:
                return dict(rows=1, cols=1), 0
            side_by_side = True
        if side_by_side:
            return dict(rows=1, cols=2, weights=(2, 1)), width - round(width * 2 / 3)
        return dict(rows=2, cols=1), width

    def _contours(self) -> tuple[list[Line], list[tuple[float, float]]]:
        """Contour lines of f (one NaN-separated line per level) over the home view and its
        surroundings, where an equal-aspect panel may widen the view; computed once."""
        if self._contour_cache is None:
            x0, x1, y0, y1 = self.home
            pad = max(x1 - x0, y1 - y0)
            view = (x0 - pad, x1 + pad, y0 - pad, y1 + pad)
            xs, ys, z = grid(self.surface.value, view, 300, 300)
            inside = np.ix_((ys >= y0) & (ys <= y1), (xs >= x0) & (xs <= x1))
            seen = z[inside]
            count = 7
            if self.surface.f_star is not None:
                levels = log_levels(seen, self.surface.f_star, count)
            else:
                levels = quantile_levels(seen, count)
            lines = []
            for level in levels:
                segments = marching_squares(xs, ys, z, level)
                if len(segments):
                    gap = np.full((len(segments), 1, 2), np.nan)
                    path = np.concatenate([segments, gap], axis=1).reshape(-1, 2)
                    lines.append(Line(path[:, 0], path[:, 1], "", CONTOUR_COLOR, style="solid"))
            minima = list(self.surface.minima)
            if self.surface.f_star is None and self.surface.bounded_below and np.isfinite(seen).any():
                j, i = np.unravel_index(np.nanargmin(np.where(np.isfinite(z), z, np.nan)), z.shape)
                minima = [(float(xs[i]), float(ys[j]))]
            self._contour_cache = (lines, minima)
        return self._contour_cache

    def _trail(self, method: str) -> Trail:
        """The run's path, brought up to date with only its newest steps."""
        trail = self._trails[method]
        path = self.runs[method].path
        if len(trail) < len(path):
            trail.extend(path[len(trail):])
        return trail

    def _map_panel(self) -> Panel:
        """Contours, paths and iterates over the home view, one unit as long across as up."""
        view = self.home
        formula = self.surface.formula
        title = T(formula, formula.replace(" turned ", "，旋转 ").replace(
            "saddle x²−y² (no minimum)", "鞍面 x²−y²（无最小值）"))
        panel = Panel(title=title, xlabel="x", xlim=view[:2], ylim=view[2:], aspect="equal")
        lines, minima = self._contours()
        panel.add(*lines)
        for m in self.methods:
            panel.add(self._trail(m))
        if not self.is_race:
            self._add_arrow(panel, view)
            if self.methods[0] in so.METHODS:
                second.arrows(self, panel, view)
        if minima:
            mx, my = np.array(minima).T
            label = T("lowest on grid", "网格上的最低点") if self.surface.f_star is None \
                else T("minimum", "最小点")
            panel.add(Points(mx, my, label, "white", "✕"))
        for m in self.methods:
            run = self.runs[m]
            color, marker = STYLE[m]
            x, y = run.path[-1]
            status = self.status_key(m)
            label = LABELS[m] + ("" if run.running else T(" ({s})", "（{s}）").format(s=STATUS.get(
                status, status)))
            if view[0] <= x <= view[1] and view[2] <= y <= view[3]:
                panel.add(Points(np.array([x]), np.array([y]), label, color, marker))
            else:  # off the map: keep the legend entry, draw nothing
                panel.add(Points(np.array([np.nan]), np.array([np.nan]), label, color, marker))
        return panel

    def _add_arrow(self, panel: Panel, view) -> None:
        """−∇f at the iterate: a short line and an arrow head pointing downhill."""
        run = self.runs[self.methods[0]]
        p = run.path[-1]
        if not run.running or not (view[0] <= p[0] <= view[1] and view[2] <= p[1] <= view[3]):
            return
        with np.errstate(all="ignore"):
            g = self.surface.grad_at(p)
            norm = float(np.hypot(*g))
        if not (np.isfinite(norm) and norm > 0):
            return
        length = 0.12 * min(view[1] - view[0], view[3] - view[2])
        tip = p - length * g / norm
        n = 24
        t = np.linspace(0.0, 1.0, n)[:-2]
        panel.add(Line(p[0] + t * (tip[0] - p[0]), p[1] + t * (tip[1] - p[1]), "", "white"))
        angle = math.atan2(-g[1], -g[0])
        head = ARROWS[int(round(angle / (math.pi / 4))) % 8]
        panel.add(Points(np.array([tip[0]]), np.array([tip[1]]), "−∇f", "white", head))

    def _loss_panel(self, width: int) -> Panel:
        kind = self.loss_kind
        title = {"f - f*": "f(x_k) − f*",
                 "f - min seen": T("f(x_k) − lowest f seen (f* unknown)",
                                   "f(x_k) − 见过的最小 f（f* 未知）"),
                 "gradient norm": T("‖∇f(x_k)‖ (no minimum)", "‖∇f(x_k)‖（无最小值）")}[kind]
        panel = Panel(title=title, xlabel=T("step k", "步数 k"), yscale="log")
        n = sample_count(width // 2)
        curves = {m: self.losses(m) for m in self.methods}
        firsts = [c[0] for c in curves.values() if len(c) and np.isfinite(c[0]) and c[0] > 0]
        top = _decade_above(2.0 * max(firsts) if firsts else 1.0)
        floor = 1e-18 * (max(firsts) if firsts else 1.0)
        k_max = next((k for k in K_AXIS if k >= self.t), MAX_STEPS)
        panel.xlim = (0.0, float(k_max))
        lowest = top
        if self.L is not None and not self.is_race:
            k = np.unique(np.linspace(0, k_max, n).astype(int))
            bound = self.bound(k)
            panel.add(Line(k, bound, T("(1−μ/L)^k bound", "(1−μ/L)^k 界"), "gray"))
            lowest = float(bound[-1]) if bound[-1] > 0 else lowest
        for m, loss in curves.items():
            k = np.unique(np.linspace(0, len(loss) - 1, n).astype(int))
            with np.errstate(invalid="ignore"):
                shown = np.minimum(loss[k], top)
                if kind == "f - f*":  # f* reached to rounding (Newton's one step): on the floor
                    shown = np.maximum(shown, floor)
            panel.add(Line(k, shown, LABELS[m] if self.is_race else "", STYLE[m][0]))
            visible = shown[np.isfinite(shown) & (shown >= floor)]
            if visible.size:
                lowest = min(lowest, float(visible.min()))
        panel.ylim = (1.0 / _decade_above(1.0 / max(lowest, floor)), top)  # whole decades:
        return panel  # the axes stay the same for many frames, so the renderer reuses them

    # --- words and numbers out -----------------------------------------------------------

    def readout(self) -> dict[T | str, T | str]:
        if self.rates is not None:
            return self.rates.readout()
        m = self.methods[0]
        out: dict[T | str, T | str] = {"k": f"{self.t}"}
        if m == "bfgs" and not self.is_race:
            out["B₀"] = f"{_fmt(self['eta'], '.3g')}·I"
        elif m not in so.METHODS or self.is_race:
            out["η_k"] = _fmt(self.settings.rate(self.t), ".3g")
        label = {"f - f*": "f − f*", "f - min seen": "f", "gradient norm": "f"}[self.loss_kind]
        if self.is_race:
            for m in self.methods:
                run = self.runs[m]
                value = self.losses(m)[-1] if label == "f − f*" else run.values[-1]
                text: T | str = f"{label} {_fmt(value, '.2e')}"
                rate = self.measured_rate(m)
                if run.status != "running":
                    status = self.status_key(m)
                    text = "" if status == "converged" else text + "  "  # f − f* is rounding then
                    text = text + T("{s} at k={k}", "第 {k} 步{s}").format(
                        s=STATUS.get(status, status), k=str(len(run.path) - 1))
                elif math.isfinite(rate):
                    text += f"  ×{rate:.3f}"
                out[LABELS[m]] = text
            return out
        run = self.runs[m]
        x, y = run.path[-1]
        out["x_k"] = f"({_fmt(x, '.4g')}, {_fmt(y, '.4g')})"
        out[label] = _fmt(self.losses(m)[-1] if label == "f − f*" else run.values[-1])
        with np.errstate(all="ignore"):
            out["‖∇f‖"] = _fmt(float(np.hypot(*self.surface.grad_at(run.path[-1]))))
        if run.status != "running":
            status = self.status_key(m)
            out[T("status", "状态")] = T("{s} at k={k}", "第 {k} 步{s}").format(
                s=STATUS.get(status, status), k=str(len(run.path) - 1))
        if m in so.METHODS:
            out.update(second.readout(self, m))
            rate = self.measured_rate(m)
            if math.isfinite(rate):
                out[T("rate seen", "实测收缩比")] = T("{v} per step", "每步 {v}").format(v=f"{rate:.3g}")
            return out
        if m == "momentum" and self.L is not None and self["schedule"] == "constant":
            rho = float(hb.spectral_radius(hb.alpha_from_eta(self["eta"], self["beta"]), self["beta"],
                                           (self.mu, self.L)))
            out[T("heavy-ball ρ", "重球法 ρ")] = T("{r}  (error ~ ρ^k; see view rates)",
                                                 "{r}（误差 ~ ρ^k；见 rates 视图）").format(r=f"{rho:.4f}")
        if self.L is not None:
            eta = self.settings.rate(self.t)
            out["L, μ (κ)"] = f"{self.L:.4g}, {self.mu:.4g}  ({self.L / self.mu:.4g})"
            out["η·L"] = T("{v}  (GD stable below 2)", "{v}（小于 2 时梯度下降稳定）").format(
                v=f"{eta * self.L:.3g}")
            out["1 − μ/L"] = T("{v}  bound at η = 1/L", "{v}（η = 1/L 时的界）").format(
                v=f"{self.theoretical_rate:.4f}")
            rate = self.measured_rate(m)
            out[T("rate seen", "实测收缩比")] = T("{v} per step", "每步 {v}").format(
                v=f"{rate:.4f}") if math.isfinite(rate) else "—"
            if m == "gd":
                out[T("GD exact", "梯度下降精确值")] = f"{self.gd_rate_at_eta():.4g}  = max(1−ηλ)²"
            loss = self.losses(m)
            if loss[0] > 0 and np.isfinite(loss[-1]):
                out["(1−μ/L)^k"] = T("{b}  seen {s}", "{b}  实测 {s}").format(
                    b=f"{self.theoretical_rate ** self.t:.3e}", s=f"{loss[-1] / loss[0]:.3e}")
        return out

    def notes(self) -> list[T]:
        out: list[T] = []
        if self["view"] == "rates" and self.view != "rates":
            out.append(T("the momentum map needs surface = quadratic; showing the paths",
                         "动量图需要 surface = quadratic；现在显示路径"))
        if self.rates is not None:
            return out + self.rates.notes()
        for m in self.methods:
            run = self.runs[m]
            k = str(len(run.path) - 1)
            name = LABELS[m]
            if run.diverged:
                why: T | str = ""
                if self.L is not None and m == "gd" and self["schedule"] == "constant":
                    why = f" (η = {self.settings.eta:.3g} > 2/L = {2 / self.L:.3g})"
                if not self.surface.bounded_below:
                    out.append(T("{m} ran off to infinity: f has no minimum",
                                 "{m} 跑向无穷远：函数无下界").format(m=name))
                else:
                    out.append(T("{m} diverged at step {k}: |x| > {b}, stopped{why}",
                                 "{m} 在第 {k} 步发散：|x| > {b}，已停止{why}").format(
                        m=name, k=k, b=f"{BLOWUP:.0e}", why=why))
            elif run.status == "undefined" and not (
                    m in so.METHODS and run.note == "singular"):
                x = run.path[-1]
                with np.errstate(all="ignore"):
                    value_ok = math.isfinite(float(self.surface.value_at(x)))
                if value_ok:
                    out.append(T("{m} reached a point where ∇f is undefined (a kink); stopped",
                                 "{m} 到达 ∇f 无定义的点（尖点），已停止").format(m=name))
                else:
                    out.append(T("{m} reached a point where f is undefined; stopped",
                                 "{m} 到达 f 无定义处，已停止").format(m=name))
            if m in so.METHODS:
                out.extend(second.notes(self, m, name))
        if (self.L is not None and "gd" in self.methods and self.runs["gd"].running
                and self.settings.rate(self.t) * self.L > 2):
            if self["schedule"] == "constant":
                out.append(T("η > 2/L: gradient descent will diverge",
                             "η > 2/L：梯度下降将会发散"))
            else:
                out.append(T("η_k > 2/L for now: GD grows until the schedule brings η_k below 2/L",
                             "目前 η_k > 2/L：梯度下降会先增长，直到衰减使 η_k 低于 2/L"))
        if self.loss_kind == "f - min seen":
            out.append(T("f* unknown: the loss panel plots f(x_k) − the lowest f seen",
                         "f* 未知：损失图画的是 f(x_k) − 见过的最小 f"))
        if "rmsprop" in self.methods and self.t < 20:
            boost = f"{1 / math.sqrt(1 - self['beta2']):.3g}"
            out.append(T("RMSprop has no bias correction: its first steps are about {b}×η",
                         "RMSprop 没有偏差修正：最初几步约为 {b}×η").format(b=boost))
        return out

    def data(self) -> dict[str, Any]:
        return {
            "view": self.view, **self._first_order_data(), **second.data(self),
            **(self.rates.data() if self.rates is not None else {}),
        }

    def _first_order_data(self) -> dict[str, Any]:
        return {
            "surface": self.surface.key, "formula": self.surface.formula,
            "f_star": self.surface.f_star, "loss_kind": self.loss_kind,
            "minima": [list(m) for m in self.surface.minima],
            "optimizers": list(self.methods),
            "paths": {m: r.path.tolist() for m, r in self.runs.items()},
            "losses": {m: self.losses(m).tolist() for m in self.methods},
            "status": {m: r.status for m, r in self.runs.items()},
            "diverged": {m: r.diverged for m, r in self.runs.items()},
            "measured_rate": {m: self.measured_rate(m) for m in self.methods},
            "L": self.L, "mu": self.mu, "theoretical_rate": self.theoretical_rate,
            "stability_limit": None if self.L is None else 2.0 / self.L,
            "eta_times_L": None if self.L is None else self["eta"] * self.L,
            "gd_rate_at_eta": self.gd_rate_at_eta(),
            "bound": None if self.L is None else self.bound(np.arange(self.t + 1)).tolist(),
        }
