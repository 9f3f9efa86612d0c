"""Scene `tangent`: the secant through (x₀, f(x₀)) turns into the tangent as h → 0."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from calcterm.compute.differences import (
    ORDER, best_step, difference_quotient, observed_order, secant_points,
)
from calcterm.compute.expr import parse
from calcterm.params import Choice, Expression, Number
from calcterm.plot import Figure, Line, Panel, Points, VLine, sample_count
from calcterm.scene import Scene

H_MIN = 1e-12
SHRINK = 0.5
HALF_WIDTH = 3.0


class Tangent(Scene):
    id = "tangent"
    title = "Tangent lines: the derivative as a limit"
    title_zh = "切线：作为极限的导数"
    section = "Part 1 §1.1–1.3, §2.1"
    order = 10
    heaviest = {"f": "sin(x)*exp(-x^2/2)", "scheme": "central"}
    params = (
        Expression("f", "x^2", "the function to differentiate", "要求导的函数",
                   presets={"x²": "x^2", "x³−x": "x^3-x", "sin x": "sin(x)", "eˣ": "exp(x)",
                            "|x|": "abs(x)"}),
        Number("x0", 1.0, "where the tangent touches the curve", "切点的横坐标",
               lo=-3.0, hi=3.0, step=0.1),
        Number("h", 1.0, "the starting step of the secant; the animation halves it",
               "割线的初始步长；动画每步将其减半", lo=H_MIN, hi=2.0, step=2.0, log=True),
        Choice("scheme", "forward", "forward (f(x+h)−f(x))/h or central (f(x+h)−f(x−h))/2h",
               "前向差分或中心差分", choices=("forward", "central")),
    )
    explanation = {
        "en": (
            "Watch the orange secant pivot onto the green tangent as h shrinks. Its slope is the "
            "difference quotient (f(x₀+h) − f(x₀))/h; the derivative f′(x₀) is its limit as h → 0. "
            "The right panel plots |quotient − f′(x₀)| against h on log–log axes: the forward "
            "error falls like h (slope 1), the central one like h² (slope 2), until floating-point "
            "rounding, about 1e-16·|f|/h, takes over and the error climbs again — the V. "
            "Try |x| at x₀ = 0: the slopes from the left and the right disagree, so no tangent exists."
        ),
        "zh": (
            "观察橙色割线随 h 变小而转向绿色切线。割线斜率是差商 (f(x₀+h) − f(x₀))/h，"
            "导数 f′(x₀) 是 h → 0 时差商的极限。右图以双对数坐标画出 |差商 − f′(x₀)| 随 h 的变化："
            "前向差分误差按 h 下降（斜率 1），中心差分按 h² 下降（斜率 2）；h 再小时，"
            "约为 1e-16·|f|/h 的浮点舍入误差占上风，误差反而上升，形成 V 字形。"
            "试试 |x| 在 x₀ = 0 处：左右两侧的斜率不相等，所以切线不存在。"
        ),
    }

    def setup(self) -> None:
        self.expr = parse(self["f"])
        x0 = self["x0"]
        self.fx0 = float(self.expr.evaluate(x=x0))
        self.slope = float(self.expr.derivative(1, x=x0))
        tiny = 1e-9 * max(1.0, abs(x0))
        self.left_slope = float(self.expr.derivative(1, x=x0 - tiny))
        self.right_slope = float(self.expr.derivative(1, x=x0 + tiny))
        self.h_grid = np.logspace(-13, math.log10(2.0), 160)

    @property
    def h(self) -> float:
        return max(self["h"] * SHRINK ** self.t, H_MIN)

    def step(self) -> None:
        if self.h > H_MIN:  # once h reaches its floor the clock stops
            super().step()

    def f(self, x: np.ndarray) -> np.ndarray:
        return self.expr.evaluate(x=x)

    @property
    def has_derivative(self) -> bool:
        return math.isfinite(self.slope) and math.isfinite(self.fx0)

    @property
    def secant_slope(self) -> float:
        return float(difference_quotient(self.f, self["x0"], self.h, self["scheme"]))

    def draw(self, width: int, height: int) -> Figure:
        x0, h, scheme = self["x0"], self.h, self["scheme"]
        xs = np.linspace(x0 - HALF_WIDTH, x0 + HALF_WIDTH, sample_count(width * 2 // 3))
        ys = self.f(xs)
        finite = ys[np.isfinite(ys)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (-1.0, 1.0)
        pad = 0.1 * (hi - lo) or 1.0
        curve = Panel(title=f"f(x) = {self['f']}", xlabel="x",
                      xlim=(x0 - HALF_WIDTH, x0 + HALF_WIDTH), ylim=(lo - pad, hi + pad))
        curve.add(Line(xs, ys, "f", "blue"))
        a, b = secant_points(x0, h, scheme)
        fa, fb = self.f(np.array([a, b]))
        s = self.secant_slope
        if math.isfinite(s):
            curve.add(Line(xs, fa + s * (xs - a), f"secant h={h:.2g}", "orange"))
        if self.has_derivative:
            curve.add(Line(xs, self.fx0 + self.slope * (xs - x0), "tangent", "green"))
        curve.add(Points(np.array([a, b]), np.array([fa, fb]), "", "red", "●"))

        errors = np.abs(difference_quotient(self.f, x0, self.h_grid, scheme) - self.slope)
        err = Panel(title=f"|error| of the {scheme} quotient", xlabel="h",
                    xscale="log", yscale="log")
        if self.has_derivative:
            err.add(Line(self.h_grid, errors, "error", "orange"),
                    Line(self.h_grid, self.h_grid ** ORDER[scheme], f"h^{ORDER[scheme]}", "gray"),
                    VLine(best_step(scheme), "green"))
            e_now = abs(s - self.slope)
            if e_now > 0:
                err.add(Points(np.array([h]), np.array([e_now]), "now", "red", "●"))
        return Figure([curve, err], rows=1, cols=2, weights=(3, 2))

    def readout(self) -> dict[str, str]:
        x0, h, scheme = self["x0"], self.h, self["scheme"]
        out = {"h": f"{h:.3e}", "f(x0)": f"{self.fx0:.10g}", "quotient": f"{self.secant_slope:.12g}"}
        if self.has_derivative:
            out["f'(x0) exact"] = f"{self.slope:.12g}"
            out["error"] = f"{abs(self.secant_slope - self.slope):.3e}"
            p = observed_order(self.f, x0, h, scheme, self.slope)
            out["order seen"] = f"{p:.2f}" if math.isfinite(p) else "—"
            out["order expected"] = f"O(h^{ORDER[scheme]})"
        else:
            out["f'(x0)"] = "does not exist"
            out["left slope"] = f"{self.left_slope:.6g}"
            out["right slope"] = f"{self.right_slope:.6g}"
        return out

    def notes(self, lang: str = "en") -> list[str]:
        if not math.isfinite(self.fx0):
            return ["f 在 x₀ 处无定义" if lang == "zh" else "f is not defined at x₀"]
        if not self.has_derivative:
            if lang == "zh":
                return [f"左导数 {self.left_slope:.3g} ≠ 右导数 {self.right_slope:.3g}：导数不存在"]
            return [f"one-sided limits disagree: {self.left_slope:.3g} from the left, "
                    f"{self.right_slope:.3g} from the right — no derivative"]
        if self.h < best_step(self["scheme"]) / 4:
            return ["h 已小于最佳步长：舍入误差占主导" if lang == "zh"
                    else "h is below the best step: rounding error now dominates"]
        return []

    def data(self) -> dict[str, Any]:
        return {
            "x0": self["x0"], "h": self.h, "scheme": self["scheme"], "fx0": self.fx0,
            "slope": self.slope, "secant_slope": self.secant_slope,
            "error": abs(self.secant_slope - self.slope),
            "derivative_exists": self.has_derivative,
            "left_slope": self.left_slope, "right_slope": self.right_slope,
            "expected_order": ORDER[self["scheme"]],
        }
