"""Scene `newton`: Newton's method steps to the minimum of the local quadratic model."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from calcterm.compute.expr import parse
from calcterm.compute.newton import (
    DIVERGED, Run, convergence_ratios, derivatives_of, find_minimum, find_root,
    gradient_descent, newton, quadratic_model, squared_residual,
)
from calcterm.params import Choice, Expression, Number, Toggle
from calcterm.plot import Figure, Line, Panel, Points, VLine, sample_count
from calcterm.scene import Scene
from calcterm.text import T, fmt

MAX_STEPS = 60
BASE_VIEW = 2.5
"""The x range always shown; it widens to take in x*, x_k and x_{k+1} up to MAX_VIEW."""
MAX_VIEW = 30.0
ERROR_FLOOR = 1e-17

PRESETS = {"x⁴−3x²+x": "x^4-3*x^2+x", "cosh x": "cosh(x)", "log(1+x²)": "log(1+x^2)",
           "x²+sin(5x)": "x^2+sin(5*x)", "log cosh x": "log(cosh(x))", "x³−2x+2": "x^3-2*x+2",
           "atan x": "atan(x)", "x⁴": "x^4"}

STATUS: dict[str, T] = {
    "diverged": T("diverged", "发散"), "overflow": T("overflow", "溢出"),
    "cycle": T("cycles", "陷入循环"), "undefined": T("undefined step", "步长无定义"),
    "non-finite": T("hit NaN or ∞", "遇到 NaN 或 ∞"), "converged": T("converged", "已收敛"),
}

MESSAGES: dict[str, T] = {
    "concave": T("f″(x_k) < 0: the model is a downward parabola with no minimum; the Newton step "
                "jumps to its maximum instead",
          "f″(x_k) < 0：二次模型是开口向下的抛物线，没有最小值；牛顿步跳向它的最大值"),
    "undefined minimise": T("f″(x_k) = 0: the model is a straight line, the step −f′/f″ is "
                           "undefined — stopped",
          "f″(x_k) = 0：模型退化为直线，步长 −f′/f″ 无定义——已停止"),
    "undefined root": T("f′(x_k) = 0: the tangent is horizontal and never meets zero — stopped",
          "f′(x_k) = 0：切线水平，与横轴没有交点——已停止"),
    "cycle": T("cycle of period {p}: the iterates repeat without converging — stopped",
          "周期为 {p} 的循环：迭代点不断重复而不收敛——已停止"),
    "diverged": T(f"diverged: |x_k| passed {DIVERGED:.0e} — stopped",
          f"发散：|x_k| 超过 {DIVERGED:.0e}——已停止"),
    "overflow": T("overflow: the next step is not a finite number — stopped",
          "溢出：下一步不是有限数——已停止"),
    "non-finite": T("f or a derivative is NaN or ∞ at x_k — stopped",
                    "f 或其导数在 x_k 处为 NaN 或 ∞——已停止"),
}


def _inside(points: Points, xlim: tuple[float, float], ylim: tuple[float, float]) -> Points:
    """Only the markers within the panel's limits: the rest would not show anyway."""
    x, y = np.asarray(points.x, dtype=float), np.asarray(points.y, dtype=float)
    keep = (x >= xlim[0]) & (x <= xlim[1]) & (y >= ylim[0]) & (y <= ylim[1])
    return Points(x[keep], y[keep], points.label, points.color, points.marker)


class Newton(Scene):
    id = "newton"
    title = T("Newton's method: jump to the minimum of the quadratic model",
              "牛顿法：跳到二次模型的最小点")
    summary = T("Newton's method as jumping to the minimum of the local quadratic model; "
                "quadratic convergence against gradient descent, and its failures named",
                "牛顿法即跳到局部二次模型的最小点；二次收敛对比梯度下降，并指出它的失败方式")
    section = "Part 1 §4.3, Part 3 §4.3"
    order = 30
    pace = 10
    heaviest = {"compare": True}
    params = (
        Expression("f", "x^4-3*x^2+x", T("the function to minimise or whose root to find",
                                         "要最小化或求根的函数"), presets=PRESETS),
        Number("x0", 2.0, T("the starting point", "起点"), lo=-3.0, hi=3.0, step=0.1),
        Choice("mode", "minimise", T("minimise: x ← x − f′/f″; root: x ← x − f/f′",
                                     "最小化：x ← x − f′/f″；求根：x ← x − f/f′"),
               choices=("minimise", "root"),
               labels={"minimise": T("minimise", "最小化"), "root": T("root", "求根")}),
        Toggle("compare", True, T("also run gradient descent from x0 (on ½f² in root mode)",
                                  "同时从 x0 运行梯度下降（求根模式下作用于 ½f²）")),
        Number("eta", 0.05, T("gradient descent's step size η", "梯度下降的步长 η"),
               lo=1e-3, hi=1.0, step=1.5, log=True),
    )
    explanation = T(
        "At the red iterate x_k the orange curve is the second-order Taylor model "
        "q(x) = f(x_k) + f′(x_k)(x − x_k) + ½f″(x_k)(x − x_k)². Newton's next iterate, the green "
        "dot, is the minimum of q: x_{k+1} = x_k − f′(x_k)/f″(x_k). In root mode the model is the "
        "tangent line and x_{k+1} = x_k − f(x_k)/f′(x_k). The right panel plots the error "
        "|x_k − x*| on a log scale, where x* is the minimum reached by walking downhill from x₀ "
        "(root mode: the root at the nearest sign change), found to full precision. Near a "
        "minimum with f″(x*) > 0 Newton converges quadratically: e_{k+1} ≈ C·e_k², so the "
        "number of correct digits roughly doubles every step and the red curve plunges. "
        "(O(1/k²) is the rate of Nesterov's accelerated gradient on smooth convex functions, "
        "not Newton's.) Gradient descent x ← x − ηf′ (cyan) is linear, "
        "e_{k+1} ≈ |1 − ηf″(x*)|·e_k: a straight line on the log scale, and it diverges once "
        "η > 2/f″(x*) (in root mode it descends ½f² instead). Newton looks only for stationary "
        "points: where f″ < 0 it jumps to a maximum of the model, where f″ = 0 the step is "
        "undefined, and it can cycle (x³−2x+2 from 0 in root mode) or run away: log cosh x from "
        "|x₀| > 1.09; log(1+x²), whose Newton map x ← −2x³/(1−x²) has a repelling 2-cycle at "
        "±1/√3, from every |x₀| > 1/√3 ≈ 0.577; atan x in root mode from |x₀| > 1.39. cosh x "
        "itself is safe: Newton on it converges from every start. Change x₀ to cross basins; "
        "x⁴ shows how a degenerate minimum (f″ = 0) slows Newton to linear.",
        "在红色迭代点 x_k 处，橙色曲线是二阶泰勒模型 "
        "q(x) = f(x_k) + f′(x_k)(x − x_k) + ½f″(x_k)(x − x_k)²。牛顿法的下一个迭代点（绿点）"
        "就是 q 的最小点：x_{k+1} = x_k − f′(x_k)/f″(x_k)。求根模式下模型是切线，"
        "x_{k+1} = x_k − f(x_k)/f′(x_k)。右图以对数坐标画出误差 |x_k − x*|，其中 x* 是从 x₀ "
        "一路下坡到达的极小点（求根模式：最近的变号处的根），以全精度求得。在 f″(x*) > 0 的"
        "极小点附近，牛顿法二次收敛：e_{k+1} ≈ C·e_k²，每一步正确位数大约翻倍，红线急剧下坠。"
        "（O(1/k²) 是 Nesterov 加速梯度法在光滑凸函数上的速率，不是牛顿法的。）"
        "梯度下降 x ← x − ηf′（青色）是线性收敛，e_{k+1} ≈ |1 − ηf″(x*)|·e_k，在对数坐标下是"
        "一条直线；η > 2/f″(x*) 时它发散（求根模式下它对 ½f² 做下降）。牛顿法只认驻点："
        "f″ < 0 时跳向模型的最大值，f″ = 0 时步长无定义，还可能循环（求根模式下 x³−2x+2 从 0 "
        "出发）或跑飞：log cosh x 从 |x₀| > 1.09 出发；log(1+x²) 的牛顿映射 x ← −2x³/(1−x²) "
        "在 ±1/√3 处有一个排斥的 2-周期，因此从任何 |x₀| > 1/√3 ≈ 0.577 出发都会跑飞；求根模式下的 "
        "atan x 从 |x₀| > 1.39 出发。cosh x 本身是安全的：牛顿法从任何起点都收敛。改变 x₀ 可以"
        "跨越不同的吸引域；x⁴ 展示退化极小点（f″ = 0）如何让牛顿法退化为线性收敛。",
    )

    def setup(self) -> None:
        self.expr = parse(self["f"])
        self.derivs = derivatives_of(self.expr)
        x0, mode = self["x0"], self["mode"]
        self.run = newton(self.derivs, x0, mode, MAX_STEPS)
        self.points = [self.derivs(x) for x in self.run.iterates]
        if mode == "minimise":
            self.x_star = find_minimum(self.derivs, x0)
            gd_target = self.derivs
        else:
            self.x_star = find_root(self.derivs, x0)
            gd_target = squared_residual(self.derivs)
        self.gd: Run | None = None
        if self["compare"]:
            self.gd = gradient_descent(gd_target, x0, self["eta"], MAX_STEPS)
        star = self.derivs(self.x_star) if math.isfinite(self.x_star) else (math.nan,) * 3
        self.star_curvature = star[2] if mode == "minimise" else star[1] ** 2
        scale = max(1.0, abs(self.points[0][2])) if math.isfinite(self.points[0][2]) else 1.0
        self.degenerate = abs(self.star_curvature) <= 1e-8 * scale
        self._grids: dict[tuple, tuple[np.ndarray, np.ndarray]] = {}

    @property
    def done(self) -> bool:
        gd_over = self.gd is None or self.t >= len(self.gd.iterates) - 1
        return self.t >= MAX_STEPS or (self.finished and gd_over)

    def pick(self, panel: int, x: float, y: float) -> dict[str, Any]:
        return {"x0": x} if panel == 0 else {}

    @property
    def k(self) -> int:
        """Index of the current Newton iterate (the run may have stopped earlier)."""
        return min(self.t, len(self.run.iterates) - 1)

    @property
    def finished(self) -> bool:
        return self.k == len(self.run.iterates) - 1 and self.run.status != "running"

    def errors(self, iterates: list[float]) -> list[float]:
        return [abs(x - self.x_star) for x in iterates]

    def gd_iterates(self) -> list[float]:
        if self.gd is None:
            return []
        return self.gd.iterates[: min(self.t, len(self.gd.iterates) - 1) + 1]

    # ------------------------------------------------------------------ drawing

    def _view(self) -> tuple[float, float]:
        xs = [-BASE_VIEW, BASE_VIEW, self["x0"], self.x_star, *self.run.iterates[self.k: self.k + 2],
              *self.gd_iterates()[-1:]]
        inside = [x for x in xs if math.isfinite(x) and abs(x) <= MAX_VIEW]
        lo, hi = min(inside), max(inside)
        pad = 0.05 * (hi - lo)
        return lo - pad, hi + pad

    def _curve(self, count: int, view: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
        key = (count, view)
        if key not in self._grids:
            xs = np.linspace(*view, count)
            self._grids = {key: (xs, self.expr.evaluate(x=xs))}
        return self._grids[key]

    def _ylim(self, fs: np.ndarray, must_show: list[float]) -> tuple[float, float]:
        """From the lowest value of f up to where the action is: the median of f, the start
        and the current points, so steep walls do not squash the valley."""
        finite = fs[np.isfinite(fs)]
        if not finite.size:
            return -1.0, 1.0
        lo, hi = float(finite.min()), float(np.median(finite))
        for y in must_show:
            if math.isfinite(y):
                lo, hi = min(lo, y), max(hi, y)
        pad = 0.1 * (hi - lo) or 1.0
        return lo - pad, hi + pad

    def draw(self, width: int, height: int) -> Figure:
        k, mode = self.k, self["mode"]
        xk = self.run.iterates[k]
        fk, d1, d2 = self.points[k]
        view = self._view()
        xs, fs = self._curve(sample_count(width * 3 // 5), view)
        has_next = k + 1 < len(self.run.iterates)
        x_next = self.run.iterates[k + 1] if has_next else math.nan
        model_d2 = d2 if mode == "minimise" else 0.0
        q_next = quadratic_model(x_next, xk, fk, d1, model_d2) if has_next else math.nan
        start = self.points[0][0]
        lo, hi = self._ylim(fs, [start, fk, q_next if abs(x_next) <= MAX_VIEW else math.nan])
        span = hi - lo
        curve = Panel(title=T("f(x) = {f}", "f(x) = {f}").format(f=self["f"]), xlabel="x",
                      xlim=view, ylim=(lo, hi))
        curve.add(Line(xs, fs, "f", "blue"))
        if all(math.isfinite(v) for v in (xk, fk, d1, model_d2)):
            with np.errstate(over="ignore", invalid="ignore"):
                q = np.clip(quadratic_model(xs, xk, fk, d1, model_d2), lo - span, hi + span)
            curve.add(Line(xs, q, T("quadratic model", "二次模型") if mode == "minimise"
                           else T("tangent", "切线"), "orange"))
        if math.isfinite(self.x_star):
            curve.add(VLine(self.x_star, "gray"))
        gd = self.gd_iterates()
        markers = []
        if gd:
            gx = np.array(gd[-1:])
            markers.append(Points(gx, self.expr.evaluate(x=gx), T("gradient descent", "梯度下降"),
                                  "cyan", "●"))
        past = np.array(self.run.iterates[:k + 1])
        markers.append(Points(past, self.expr.evaluate(x=past), T("Newton x_k", "牛顿 x_k"), "red", "●"))
        if has_next:
            markers.append(Points(np.array([x_next]), np.array([q_next]), "x_k+1", "green", "●"))
        curve.add(*(_inside(m, view, (lo, hi)) for m in markers))
        return Figure([curve, self._error_panel(gd)], rows=1, cols=2, weights=(3, 2))

    def _error_panel(self, gd: list[float]) -> Panel:
        k = self.k
        newton_x = self.run.iterates[: k + 1]
        if math.isfinite(self.x_star):
            title = T("|x_k − x*| (log scale)", "|x_k − x*|（对数坐标）")
            series = (self.errors(newton_x), self.errors(gd))
        else:
            title = T("|x_k+1 − x_k|: no x* to measure against", "|x_k+1 − x_k|：没有可参照的 x*")
            series = (np.abs(np.diff(newton_x)).tolist(), np.abs(np.diff(gd)).tolist())
        newton_e, gd_e = series
        top = 10 * max([1.0, *(e for e in newton_e + gd_e if math.isfinite(e) and e < 1e30)])
        xlim = (0, max(8, self.t))
        panel = Panel(title=title, xlabel="k", yscale="log", xlim=xlim, ylim=(ERROR_FLOOR, top))
        if gd_e:
            panel.add(Line(np.arange(len(gd_e)), np.array(gd_e), T("GD", "梯度下降"), "cyan"))
        if newton_e:
            steps = np.arange(len(newton_e))
            panel.add(Line(steps, np.array(newton_e), T("Newton", "牛顿"), "red"),
                      _inside(Points(steps, np.array(newton_e), "", "red", "●"), xlim, (ERROR_FLOOR, top)))
        return panel

    # ------------------------------------------------------------------ numbers

    def readout(self) -> dict[T | str, T | str]:
        k = self.k
        xk = self.run.iterates[k]
        fk, d1, d2 = self.points[k]
        out: dict[T | str, T | str] = {
            "k": str(k), "x_k": fmt(xk, ".16g"), "f(x_k)": fmt(fk, ".10g"),
            "f′(x_k)": fmt(d1, ".4e"), "f″(x_k)": fmt(d2, ".4e")}
        kind = T("local min downhill", "下坡到达的局部极小") if self["mode"] == "minimise" \
            else T("root, nearest sign change", "最近变号处的根")
        out["x*"] = fmt(self.x_star, ".16g") if math.isfinite(self.x_star) \
            else T("not found", "未找到")
        if math.isfinite(self.x_star):
            out[T("x* is", "x* 是")] = kind
            errors = self.errors(self.run.iterates[: k + 1])
            out["|x_k − x*|"] = fmt(errors[-1], ".3e")
            ratio = convergence_ratios(errors[-2:], 2) if k else []
            out["e_k / e_k−1²"] = fmt(ratio[0], ".3g") if ratio and errors[-1] else "—"
        gd = self.gd_iterates()
        if gd:
            out[T("GD x_k", "梯度下降 x_k")] = fmt(gd[-1], ".10g")
            if math.isfinite(self.x_star):
                out[T("GD |x_k − x*|", "梯度下降 |x_k − x*|")] = fmt(abs(gd[-1] - self.x_star), ".3e")
        out[T("Newton", "牛顿法")] = self.status_text()
        return out

    def status_text(self) -> T:
        if not self.finished:
            return T("iterating", "迭代中")
        status = self.run.status
        if status == "converged":
            return T("converged in {k} steps", "{k} 步收敛").format(k=str(self.k))
        if status == "cycle":
            return T("cycle of period {p}", "周期为 {p} 的循环").format(p=str(self.run.period))
        return STATUS.get(status, T(status, status))

    def notes(self) -> list[T]:
        mode, k = self["mode"], self.k
        out: list[T] = []
        if math.isnan(self.x_star):
            out.append(T("no minimum downhill from x₀ (f may fall without bound)",
                         "从 x₀ 下坡找不到极小点（函数可能无下界）") if mode == "minimise" else
                       T("f has no sign change near x₀: no root to measure against",
                         "x₀ 附近 f 不变号：没有可作参照的根"))
        if mode == "minimise" and self.points[k][2] < 0 and not self.finished:
            out.append(MESSAGES["concave"])
        if self.finished:
            status = self.run.status
            if status == "undefined":
                out.append(MESSAGES[f"undefined {mode}"])
            elif status in MESSAGES:
                out.append(MESSAGES[status].format(p=str(self.run.period)))
            elif status == "converged":
                out.extend(self._arrival_notes())
        if self.degenerate:
            out.append(T("f″(x*) = 0 here: a degenerate solution, where Newton is only linear",
                         "f″(x*) = 0：退化解，牛顿法只有线性收敛"))
        if self.gd is not None and self.t >= len(self.gd.iterates) - 1 \
                and self.gd.status in ("diverged", "overflow", "cycle"):
            limit = 2 / self.star_curvature if self.star_curvature > 0 else math.nan
            text = T("gradient descent {s}: η = {eta}", "梯度下降{s}：η = {eta}").format(
                s=STATUS[self.gd.status], eta=fmt(self["eta"], ".3g"))
            if math.isfinite(limit) and self["eta"] > limit:
                text = text + f" > 2/f″(x*) = {fmt(limit, '.3g')}"
            out.append(text)
        return out

    def _arrival_notes(self) -> list[T]:
        x_end = self.run.iterates[-1]
        curvature = self.points[-1][2]
        out = []
        if self["mode"] == "minimise" and curvature < 0:
            out.append(T("Newton converged to a local maximum (f″ < 0): it only seeks stationary "
                         "points", "牛顿法收敛到了局部最大值（f″ < 0）：它只寻找驻点"))
        if math.isfinite(self.x_star) and abs(x_end - self.x_star) > 1e-8 * max(1.0, abs(x_end)):
            out.append(T("Newton reached x = {a}, not x* = {b}", "牛顿法到达 x = {a}，而不是 x* = {b}")
                       .format(a=fmt(x_end, ".6g"), b=fmt(self.x_star, ".6g")))
        return out

    def data(self) -> dict[str, Any]:
        k = self.k
        iterates = self.run.iterates[: k + 1]
        out: dict[str, Any] = {
            "mode": self["mode"], "x0": self["x0"], "iterates": iterates,
            "f_values": [p[0] for p in self.points[: k + 1]],
            "derivatives": [p[1] for p in self.points[: k + 1]],
            "second_derivatives": [p[2] for p in self.points[: k + 1]],
            "x_star": self.x_star,
            "x_star_kind": "local minimum downhill from x0" if self["mode"] == "minimise"
            else "root at the nearest sign change of f",
            "errors": self.errors(iterates),
            "quadratic_ratios": convergence_ratios(self.errors(iterates), 2),
            "status": self.run.status if self.finished else "running",
            "events": [{"k": i, "event": e} for i, e in self.run.events if i <= k],
        }
        if self.gd is not None:
            gd = self.gd_iterates()
            out.update(eta=self["eta"], gd_iterates=gd, gd_errors=self.errors(gd),
                       gd_status=self.gd.status if self.t >= len(self.gd.iterates) - 1 else "running",
                       gd_rate_expected=abs(1 - self["eta"] * self.star_curvature))
        return out
