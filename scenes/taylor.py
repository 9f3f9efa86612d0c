"""Scene `taylor`: Taylor polynomials hug f near a and peel away beyond the radius."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from calcterm.compute.expr import parse
from calcterm.compute.taylor import (
    known_radius, radius_estimate, taylor_coefficients, taylor_polynomial,
)
from calcterm.params import Expression, Integer, Number
from calcterm.plot import Figure, Line, Panel, Points, VLine, sample_count
from calcterm.scene import Scene

MAX_ORDER = 30
TOLERANCE = 1e-3
ERROR_FLOOR, ERROR_CEILING = 1e-16, 1e6
"""The error panel's y range: below the floor is rounding, above the ceiling is 'huge'."""
READOUT_GRID = 401
"""Points on which the readout and export measure the error, independent of the window size."""

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")

PRESETS = {"sin x": "sin(x)", "eˣ": "exp(x)", "ln(1+x)": "log(1+x)", "1/(1+x²)": "1/(1+x^2)",
           "e^(−1/x²)": "flat(x)", "cos x": "cos(x)"}


def _sub(k: int) -> str:
    return str(k).translate(_SUB)


def _radius_text(r: float) -> str:
    return "∞" if r == math.inf else f"{r:.4g}"


class Taylor(Scene):
    id = "taylor"
    title = "Taylor polynomials and the radius of convergence"
    title_zh = "泰勒多项式与收敛半径"
    section = "Part 1 §4.1–4.3"
    order = 20
    heaviest = {"order": 30, "window": 6.0}
    params = (
        Expression("f", "1/(1+x^2)", "the function to expand", "要展开的函数", presets=PRESETS),
        Number("a", 0.0, "the expansion point", "展开点", lo=-3.0, hi=3.0, step=0.1),
        Integer("order", 0, "the starting order n; each step adds one, up to 30",
                "起始阶数 n；每步加一，最多到 30", lo=0, hi=MAX_ORDER),
        Number("window", 2.0, "half-width of the x range around a", "以 a 为中心的 x 范围半宽",
               lo=0.5, hi=6.0, step=0.5),
    )
    explanation = {
        "en": (
            "The orange curve is the Taylor polynomial Tₙ(x) = Σₖ cₖ(x − a)ᵏ with cₖ = f⁽ᵏ⁾(a)/k!, "
            "computed exactly from the formula (Taylor-mode differentiation, no finite "
            "differences). Each step raises n by one until n = 30, then the animation stops. "
            "Near a, Tₙ hugs f ever more tightly; a red bar along the bottom marks where "
            "|f − Tₙ| > 1e-3, and the lower panel shows |f − Tₙ| on a log scale. The green "
            "lines at a ± R mark the radius of convergence R: inside, the error falls with every "
            "order; outside, the terms cₖ(x − a)ᵏ grow and Tₙ runs away. R is read from the "
            "coefficients by Cauchy–Hadamard, 1/R = limsup |cₖ|^(1/k) (the slope of log|cₖ| "
            "against k). Smooth is not analytic: 1/(1+x²) has derivatives of every order on the "
            "whole real line, yet its series about a only converges for |x − a| < √(1+a²), the "
            "distance to its complex poles ±i. And e^(−1/x²) at a = 0 has every derivative 0: its "
            "series is the zero series, which converges everywhere but equals f only at x = 0. "
            "Move a to see the radius change; widen the window to see the divergence."
        ),
        "zh": (
            "橙色曲线是泰勒多项式 Tₙ(x) = Σₖ cₖ(x − a)ᵏ，其中 cₖ = f⁽ᵏ⁾(a)/k!，"
            "由公式精确算出（泰勒模式自动微分，而非有限差分）。每一步 n 加一，到 n = 30 时动画停止。"
            "在 a 附近，Tₙ 越来越贴近 f；底部的红条标出 |f − Tₙ| > 1e-3 的位置，"
            "下图以对数坐标画出 |f − Tₙ|。绿色竖线 a ± R 标出收敛半径 R：半径以内，误差随阶数下降；"
            "半径以外，各项 cₖ(x − a)ᵏ 越来越大，Tₙ 远离 f。R 由系数按柯西–阿达马公式估计："
            "1/R = limsup |cₖ|^(1/k)，即 log|cₖ| 对 k 的斜率。光滑不等于解析：1/(1+x²) 在整条实轴上"
            "任意阶可导，但它在 a 处的级数只在 |x − a| < √(1+a²) 内收敛——这正是 a 到复平面上极点 ±i 的距离。"
            "而 e^(−1/x²) 在 a = 0 处各阶导数全为 0，其级数是零级数：处处收敛，却只在 x = 0 处等于 f。"
            "移动 a 观察半径的变化；加宽窗口观察发散。"
        ),
    }

    def setup(self) -> None:
        self.expr = parse(self["f"])
        a = self["a"]
        self.all_coefficients = taylor_coefficients(self.expr, a, MAX_ORDER)
        self.fa = float(self.all_coefficients[0])
        self.estimate = radius_estimate(self.all_coefficients)
        self.known = known_radius(self["f"], a)
        self.readout_x = np.linspace(a - self["window"], a + self["window"], READOUT_GRID)
        self.readout_f = self.expr.evaluate(x=self.readout_x)
        self._grids: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    @property
    def n(self) -> int:
        return min(self["order"] + self.t, MAX_ORDER)

    def step(self) -> None:
        if self.n < MAX_ORDER:  # the clock stops once the order reaches 30
            super().step()

    @property
    def coefficients(self) -> np.ndarray:
        return self.all_coefficients[: self.n + 1]

    @property
    def radius(self) -> float:
        """The radius drawn: the true one for a preset, otherwise the estimate."""
        if self.known is not None and not math.isnan(self.known[0]):
            return self.known[0]
        return self.estimate.radius

    def grid(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        if count not in self._grids:
            a, w = self["a"], self["window"]
            xs = np.linspace(a - w, a + w, count)
            self._grids[count] = (xs, self.expr.evaluate(x=xs))
        return self._grids[count]

    def errors(self, xs: np.ndarray, fs: np.ndarray) -> np.ndarray:
        """|f − Tₙ| where f is defined (inf where Tₙ overflowed), nan elsewhere."""
        with np.errstate(invalid="ignore", over="ignore"):
            err = np.abs(fs - taylor_polynomial(self.coefficients, self["a"], xs))
        err[~np.isfinite(err) & np.isfinite(fs)] = math.inf
        return err

    def max_error(self) -> float:
        err = self.errors(self.readout_x, self.readout_f)
        err = err[~np.isnan(err)]
        return float(err.max()) if err.size else math.nan

    def good_radius(self) -> float:
        """The largest r with |f − Tₙ| ≤ tolerance for every |x − a| < r on the readout grid."""
        err = self.errors(self.readout_x, self.readout_f)
        bad = ~(err <= TOLERANCE)
        distance = np.abs(self.readout_x - self["a"])
        return float(distance[bad].min()) if bad.any() else self["window"]

    def _view(self, fs: np.ndarray) -> tuple[float, float]:
        finite = fs[np.isfinite(fs)]
        if not finite.size:
            return -1.0, 1.0
        lo, hi = np.percentile(finite, [2, 98])
        if math.isfinite(self.fa):
            lo, hi = min(lo, self.fa), max(hi, self.fa)
        pad = 0.15 * (hi - lo) or 1.0
        return float(lo - pad), float(hi + pad)

    def draw(self, width: int, height: int) -> Figure:
        a, w, n = self["a"], self["window"], self.n
        xs, fs = self.grid(sample_count(width))
        lo, hi = self._view(fs)
        span = hi - lo
        with np.errstate(invalid="ignore", over="ignore"):
            tn = np.clip(taylor_polynomial(self.coefficients, a, xs), lo - span, hi + span)
        err = self.errors(xs, fs)
        top = Panel(title=f"f(x) = {self['f']} and T{_sub(n)} about a = {a:g}", xlim=(a - w, a + w),
                    ylim=(lo, hi))
        top.add(Line(xs, fs, "f", "blue"), Line(xs, tn, f"T{_sub(n)}", "orange"))
        bad = err > TOLERANCE
        if bad.any():
            top.add(Points(xs[bad], np.full(int(bad.sum()), lo + 0.03 * span),
                           f"|f−T{_sub(n)}| > {TOLERANCE:g}", "red", "▁"))
        if math.isfinite(self.fa):
            top.add(Points(np.array([a]), np.array([self.fa]), "", "red", "●"))
        bottom = Panel(title=f"|f − T{_sub(n)}| (log scale)", xlabel="x", yscale="log",
                       xlim=(a - w, a + w), ylim=(ERROR_FLOOR, ERROR_CEILING))
        bottom.add(Line(xs, np.clip(err, ERROR_FLOOR, ERROR_CEILING), "error", "orange"),
                   Line(xs[[0, -1]], np.full(2, TOLERANCE), "tolerance", "red"))
        r = self.radius
        if 0 < r < w:
            for panel in (top, bottom):
                panel.add(VLine(a - r, "green"), VLine(a + r, "green"))
        return Figure([top, bottom], rows=2, cols=1)

    def readout(self) -> dict[str, str]:
        n, c = self.n, self.coefficients
        out = {"order n": f"{n} of {MAX_ORDER}"}
        for k in range(max(0, n - 2), n + 1):
            out[f"c{_sub(k)} = f⁽{str(k).translate(_SUP)}⁾(a)/{k}!"] = f"{c[k]:+.6e}"
        out["max |f−Tₙ|"] = f"{self.max_error():.3e}"
        out[f"|f−Tₙ| ≤ {TOLERANCE:g} for"] = f"|x−a| < {self.good_radius():.3g}"
        est = self.estimate
        out["R estimated"] = _radius_text(est.radius) if not math.isnan(est.radius) else "—"
        if self.known is not None:
            value, formula = self.known
            if self["f"] == "flat(x)" and self["a"] == 0:
                out["R true"] = "T ≡ 0 = f only at 0"
            else:
                out["R true"] = f"{formula} = {_radius_text(value)}" if math.isfinite(value) \
                    else ("∞" if value == math.inf else formula)
        return out

    def notes(self, lang: str = "en") -> list[str]:
        zh = lang == "zh"
        if not math.isfinite(self.fa):
            return ["f 在 a 处无定义，这里没有泰勒级数" if zh else "f is not defined at a: no Taylor series here"]
        bad = np.flatnonzero(~np.isfinite(self.coefficients))
        if bad.size:
            k = int(bad[0])
            return [f"f 在 a 处没有 {k} 阶导数" if zh else f"f has no derivative of order {k} at a"]
        out = []
        f, a = self["f"], self["a"]
        if f == "flat(x)" and a == 0:
            out.append("e^(−1/x²) 在 0 处各阶导数为 0：Tₙ ≡ 0。零级数处处收敛，却只在 x = 0 处等于 f——光滑不等于解析"
                       if zh else "every derivative of e^(−1/x²) at 0 is 0, so Tₙ ≡ 0: the zero series "
                       "converges everywhere but equals f only at x = 0 — smooth is not analytic")
        elif f == "flat(x)":
            out.append("e^(−1/x²) 在 0 处不解析，所以半径是 |a|" if zh
                       else "e^(−1/x²) is not analytic at 0, so the radius is |a|")
        if f == "1/(1+x^2)":
            out.append("1/(1+x²) 在实轴上处处光滑，但复极点 ±i 把半径限制为 √(1+a²)" if zh
                       else "1/(1+x²) is smooth on all of ℝ, yet its complex poles ±i cap the radius "
                       "at √(1+a²)")
        r = self.radius
        if 0 < r < self["window"] and not (f == "flat(x)" and a == 0):
            out.append(f"|x−a| > {r:.3g} 处级数发散：阶数越高，误差越大" if zh
                       else f"beyond |x−a| = {r:.3g} the series diverges: higher orders make it worse")
        return out

    def data(self) -> dict[str, Any]:
        known = self.known
        return {
            "a": self["a"], "order": self.n, "coefficients": self.coefficients.tolist(),
            "max_error": self.max_error(), "tolerance": TOLERANCE, "good_radius": self.good_radius(),
            "window": self["window"],
            "radius_estimate": self.estimate.radius, "radius_estimate_method": self.estimate.reason,
            "radius_estimate_orders": MAX_ORDER,
            "radius_known": None if known is None else known[0],
            "radius_known_formula": None if known is None else known[1],
        }
