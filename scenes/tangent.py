"""Scene `tangent`: the secant through (x₀, f(x₀)) turns into the tangent as h → 0."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from calcterm.compute.differences import (
    ORDER, best_step, difference_quotient, observed_order, secant_points,
)
from calcterm.compute.expr import parse
from calcterm.compute.limits import largest_delta
from calcterm.params import Choice, Expression, Number
from calcterm.plot import Figure, HLine, Line, Panel, Points, VLine, sample_count
from calcterm.scene import Scene
from calcterm.text import T, fmt

H_MIN = 1e-12
EPS_MIN = 1e-6
"""The ε–δ view halves ε each step down to this."""
SHRINK = 0.5
HALF_WIDTH = 3.0


class Tangent(Scene):
    id = "tangent"
    title = T("Tangent lines: the derivative as a limit", "切线：作为极限的导数")
    summary = T("the secant turning into the tangent as h → 0, and the V of truncation against "
                "rounding error", "h → 0 时割线变为切线，以及截断误差与舍入误差形成的 V 字")
    section = "Part 1 §1.1–1.3, §2.1"
    order = 10
    pace = 5
    heaviest = {"f": "sin(x)*exp(-x^2/2)", "scheme": "central"}
    params = (
        Expression("f", "x^2", T("the function to differentiate", "要求导的函数"),
                   presets={"x²": "x^2", "x³−x": "x^3-x", "sin x": "sin(x)", "eˣ": "exp(x)",
                            "|x|": "abs(x)"}),
        Number("x0", 1.0, T("where the tangent touches the curve", "切点的横坐标"),
               lo=-3.0, hi=3.0, step=0.1),
        Number("h", 1.0, T("the starting step of the secant; the animation halves it",
                           "割线的初始步长；动画每步将其减半"),
               lo=H_MIN, hi=2.0, step=2.0, log=True),
        Choice("scheme", "forward",
               T("forward (f(x+h)−f(x))/h or central (f(x+h)−f(x−h))/2h",
                 "前向差分 (f(x+h)−f(x))/h 或中心差分 (f(x+h)−f(x−h))/2h"),
               choices=("forward", "central"),
               labels={"forward": T("forward", "前向"), "central": T("central", "中心")}),
        Choice("view", "secant", T("secant: the secant turning into the tangent; epsilon: the "
                                   "ε–δ definition, the largest δ for each ε",
                                   "secant：割线变为切线；epsilon：ε–δ 定义，每个 ε 的最大 δ"),
               choices=("secant", "epsilon"),
               labels={"secant": T("secant", "割线"), "epsilon": T("ε–δ", "ε–δ")}),
        Number("eps", 0.1, T("ε of the ε–δ view; the animation halves it",
                             "ε–δ 视图中的 ε；动画每步将其减半"),
               lo=EPS_MIN, hi=1.0, step=2.0, log=True),
    )
    explanation = T(
        "Watch the orange secant pivot onto the green tangent as h shrinks. Its slope is the "
        "difference quotient (f(x₀+h) − f(x₀))/h; the derivative f′(x₀) is its limit as h → 0. "
        "The right panel plots |quotient − f′(x₀)| against h on log–log axes: the forward "
        "error falls like h (slope 1), the central one like h² (slope 2), until floating-point "
        "rounding, about 1e-16·|f|/h, takes over and the error climbs again — the V. "
        "Try |x| at x₀ = 0: the slopes from the left and the right disagree, so no tangent exists.",
        "观察橙色割线随 h 变小而转向绿色切线。割线斜率是差商 (f(x₀+h) − f(x₀))/h，"
        "导数 f′(x₀) 是 h → 0 时差商的极限。右图以双对数坐标画出 |差商 − f′(x₀)| 随 h 的变化："
        "前向差分误差按 h 下降（斜率 1），中心差分按 h² 下降（斜率 2）；h 再小时，"
        "约为 1e-16·|f|/h 的浮点舍入误差占上风，误差反而上升，形成 V 字形。"
        "试试 |x| 在 x₀ = 0 处：左右两侧的斜率不相等，所以切线不存在。",
    )
    epsilon_explanation = T(
        "The ε–δ view makes 'limit' precise. f′(x₀) = L means: for every ε > 0 there is a "
        "δ > 0 such that the difference quotient Q(h) = (f(x₀+h) − f(x₀))/h stays within ε of "
        "L whenever 0 < |h| < δ. The panel plots Q(h) against h with the band L ± ε; δ is the "
        "largest half-width around h = 0 on which the curve stays inside the band, found by "
        "bisection on the first h where it leaves. Each step halves ε: δ shrinks too, but "
        "some δ always exists when the derivative does (for x² it is exactly ε, since "
        "Q(h) − 2x₀ = h). For |x| at 0 no δ works for ε below 1: Q is −1 on the left and +1 "
        "on the right, so no single L is approached.",
        "ε–δ 视图让“极限”变得精确。f′(x₀) = L 的意思是：对任意 ε > 0，都存在 δ > 0，使得只要 "
        "0 < |h| < δ，差商 Q(h) = (f(x₀+h) − f(x₀))/h 与 L 的距离就小于 ε。图中画出 Q(h) 随 h "
        "的变化和 L ± ε 的带；δ 是曲线在 h = 0 两侧都留在带内的最大半宽，用二分法找到曲线第一次"
        "离开带的位置。每一步 ε 减半：δ 也随之变小，但只要导数存在，δ 总是存在（对 x²，δ 恰好"
        "等于 ε，因为 Q(h) − 2x₀ = h）。对 |x| 在 0 处，ε 小于 1 时任何 δ 都不行：Q 在左边是 "
        "−1，右边是 +1，没有一个共同的极限 L。",
    )

    def explain(self) -> T:
        if self["view"] == "epsilon":
            return self.epsilon_explanation + "\n\n" + self.explanation
        return self.explanation + "\n\n" + self.epsilon_explanation

    def matters(self, name: str) -> bool:
        if name in ("h", "scheme"):
            return self["view"] == "secant"
        if name == "eps":
            return self["view"] == "epsilon"
        return True

    def setup(self) -> None:
        self.expr = parse(self["f"])
        x0 = self["x0"]
        self.fx0 = float(self.expr.evaluate(x=x0))
        self.slope = float(self.expr.derivative(1, x=x0))
        self.left_slope = float(self.expr.one_sided_slope(x0, -1))
        self.right_slope = float(self.expr.one_sided_slope(x0, +1))
        self.leading = float(self.expr.derivative(ORDER[self["scheme"]] + 1, x=x0))
        self.h_grid = np.logspace(-13, math.log10(2.0), 160)

    @property
    def h(self) -> float:
        return max(self["h"] * SHRINK ** self.t, H_MIN)

    @property
    def eps(self) -> float:
        return max(self["eps"] * SHRINK ** self.t, EPS_MIN)

    @property
    def done(self) -> bool:
        if self["view"] == "epsilon":
            return self.eps <= EPS_MIN
        return self.h <= H_MIN

    @property
    def delta(self):
        """The largest δ for the current ε (recomputed only when ε changes)."""
        key = (self.revision, self.eps)
        if getattr(self, "_delta_key", None) != key:
            limit = self.slope if self.has_derivative else math.nan
            self._delta = largest_delta(self.f, self["x0"], limit, self.eps)
            self._delta_key = key
        return self._delta

    def pick(self, panel: int, x: float, y: float) -> dict[str, Any]:
        return {"x0": x} if panel == 0 else {}

    def f(self, x: np.ndarray) -> np.ndarray:
        return self.expr.evaluate(x=x)

    @property
    def has_derivative(self) -> bool:
        return math.isfinite(self.slope) and math.isfinite(self.fx0)

    @property
    def secant_slope(self) -> float:
        return float(difference_quotient(self.f, self["x0"], self.h, self["scheme"]))

    def draw(self, width: int, height: int) -> Figure:
        if self["view"] == "epsilon":
            return self._draw_epsilon(width)
        x0, h, scheme = self["x0"], self.h, self["scheme"]
        xs = np.linspace(x0 - HALF_WIDTH, x0 + HALF_WIDTH, sample_count(width * 2 // 3))
        ys = self.f(xs)
        finite = ys[np.isfinite(ys)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
        pad = 0.1 * (hi - lo) or 1.0
        curve = Panel(title=T("f(x) = {f}", "f(x) = {f}").format(f=self["f"]), xlabel="x",
                      xlim=(x0 - HALF_WIDTH, x0 + HALF_WIDTH), ylim=(lo - pad, hi + pad))
        curve.add(Line(xs, ys, "f", "blue"))
        a, b = secant_points(x0, h, scheme)
        fa, fb = self.f(np.array([a, b]))
        s = self.secant_slope
        if math.isfinite(s):
            curve.add(Line(xs, fa + s * (xs - a), T("secant h={h}", "割线 h={h}").format(
                h=f"{h:.2g}"), "orange"))
        if self.has_derivative:
            curve.add(Line(xs, self.fx0 + self.slope * (xs - x0), T("tangent", "切线"), "green"))
        curve.add(Points(np.array([a, b]), np.array([fa, fb]), "", "red", "●"))
        return Figure([curve, self._error_panel()], rows=1, cols=2, weights=(3, 2))

    def _draw_epsilon(self, width: int) -> Figure:
        """Q(h) against h, the band L ± ε, and the interval (−δ, δ) where Q stays inside."""
        x0, eps, d = self["x0"], self.eps, self.delta
        half = min(1.0, max(3 * d.delta if math.isfinite(d.delta) else 8 * eps, 1e-6))
        count = sample_count(width)
        hs = np.linspace(-half, half, count + (count % 2 == 0))
        hs = hs[hs != 0]
        with np.errstate(all="ignore"):
            q = (self.f(x0 + hs) - self.fx0) / hs
        panel = Panel(title=T("Q(h) = (f(x₀+h) − f(x₀))/h and the band L ± ε",
                              "Q(h) = (f(x₀+h) − f(x₀))/h 与带 L ± ε"), xlabel="h",
                      xlim=(-half, half))
        panel.add(Line(hs, q, "Q(h)", "blue"))
        if self.has_derivative:
            L = self.slope
            panel.ylim = (L - 3 * eps, L + 3 * eps)
            panel.add(HLine(L + eps, "orange"), HLine(L - eps, "orange"),
                      Line(np.array([-half, half]), np.array([L, L]), "L = f′(x₀)", "green"))
            if math.isfinite(d.delta):
                panel.add(VLine(-d.delta, "red"), VLine(d.delta, "red"),
                          Points(np.array([0.0]), np.array([L]), T("δ = {d}", "δ = {d}").format(
                              d=fmt(d.delta, ".4g")), "red", "●"))
        return Figure([panel])

    def _error_panel(self) -> Panel:
        x0, h, scheme = self["x0"], self.h, self["scheme"]
        err = Panel(title=T("|error|, {s} quotient", "{s}差商的 |误差|").format(
            s=self.param("scheme").label(scheme)), xlabel="h", xscale="log", yscale="log")
        if not self.has_derivative:
            err.title = T("no derivative: nothing to converge to", "导数不存在：无收敛目标")
            return err
        errors = np.abs(difference_quotient(self.f, x0, self.h_grid, scheme) - self.slope)
        err.add(Line(self.h_grid, errors, T("error", "误差"), "orange"),
                Line(self.h_grid, self.h_grid ** ORDER[scheme], f"h^{ORDER[scheme]}", "gray"),
                VLine(best_step(scheme), "green"))
        e_now = abs(self.secant_slope - self.slope)
        if e_now > 0:
            err.add(Points(np.array([h]), np.array([e_now]), T("now", "当前"), "red", "●"))
        return err

    def readout(self) -> dict[T | str, T | str]:
        if self["view"] == "epsilon":
            d = self.delta
            out: dict[T | str, T | str] = {"ε": fmt(self.eps, ".3g")}
            out[T("L = f′(x₀)", "L = f′(x₀)")] = fmt(self.slope, ".12g") if self.has_derivative \
                else T("does not exist", "不存在")
            out["δ"] = fmt(d.delta, ".6g") if math.isfinite(d.delta) else T("none works",
                                                                            "不存在")
            if math.isfinite(d.delta):
                out["δ/ε"] = fmt(d.delta / self.eps, ".4g")
            return out
        x0, h, scheme = self["x0"], self.h, self["scheme"]
        out: dict[T | str, T | str] = {
            "h": fmt(h, ".3e"), "f(x₀)": fmt(self.fx0, ".10g"),
            T("quotient", "差商"): fmt(self.secant_slope, ".12g"),
        }
        if self.has_derivative:
            out[T("f′(x₀) exact", "f′(x₀) 精确值")] = fmt(self.slope, ".12g")
            out[T("error", "误差")] = fmt(abs(self.secant_slope - self.slope), ".3e")
            p = observed_order(self.f, x0, h, scheme, self.slope)
            out[T("order seen", "实测阶")] = fmt(p, ".2f") if math.isfinite(p) else "—"
            out[T("order expected", "理论阶")] = f"O(h^{ORDER[scheme]})"
        else:
            out["f′(x₀)"] = T("does not exist", "不存在")
            out[T("left slope", "左侧斜率")] = fmt(self.left_slope, ".6g")
            out[T("right slope", "右侧斜率")] = fmt(self.right_slope, ".6g")
        return out

    def notes(self) -> list[T]:
        if not math.isfinite(self.fx0):
            return [T("f is not defined at x₀", "f 在 x₀ 处无定义")]
        if not self.has_derivative:
            return [self._why_no_derivative()]
        if self["view"] == "epsilon":
            reason = self.delta.reason
            if reason == "window":
                return [T("Q stays within ε on the whole window: δ is at least {w}",
                          "Q 在整个窗口内都在 ε 之内：δ 至少为 {w}").format(w=fmt(self.delta.window))]
            if reason == "none":
                return [T("rounding: at the smallest trustworthy h, Q is already ε away",
                          "舍入误差：在可信的最小 h 处，Q 已偏离 ε")]
            return []
        notes = []
        error = abs(self.secant_slope - self.slope)
        if self.h < best_step(self["scheme"]) / 4 and error > 0:
            notes.append(T("h is below the best step: rounding error now dominates",
                           "h 已小于最佳步长：舍入误差占主导"))
        if self.leading == 0:
            k = ORDER[self["scheme"]] + 1
            notes.append(T("f⁽{k}⁾(x₀) = 0, so the error's leading h^{p} term vanishes and it "
                           "falls faster than O(h^{p})",
                           "f⁽{k}⁾(x₀) = 0，误差的首项 h^{p} 消失，下降快于 O(h^{p})").format(
                k=str(k), p=str(k - 1)))
        return notes

    def _why_no_derivative(self) -> T:
        """Why f′(x₀) does not exist, read off the true one-sided limits of the slope."""
        left, right = self.left_slope, self.right_slope
        for side, value in ((T("left", "左"), left), (T("right", "右"), right)):
            if math.isnan(value):
                return T("f is not defined to the {s} of x₀: only a one-sided slope exists",
                         "f 在 x₀ {s}侧无定义：只有单侧斜率").format(s=side)
        if left == right and math.isinf(left):
            return T("the slope tends to {v} from both sides: a vertical tangent, no finite "
                     "derivative", "两侧斜率都趋于 {v}：竖直切线，没有有限导数").format(v=fmt(left))
        return T("one-sided limits disagree: {l} from the left, {r} from the right — no "
                 "derivative", "左导数 {l} ≠ 右导数 {r}：导数不存在").format(
            l=fmt(left, ".3g"), r=fmt(right, ".3g"))

    def data(self) -> dict[str, Any]:
        return {
            "x0": self["x0"], "h": self.h, "scheme": self["scheme"], "fx0": self.fx0,
            "slope": self.slope, "secant_slope": self.secant_slope,
            "error": abs(self.secant_slope - self.slope),
            "derivative_exists": self.has_derivative,
            "left_slope": self.left_slope, "right_slope": self.right_slope,
            "expected_order": ORDER[self["scheme"]],
            "view": self["view"], "eps": self.eps,
            "delta": self.delta.delta if self["view"] == "epsilon" else None,
        }
