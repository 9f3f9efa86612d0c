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
from calcterm.text import T, fmt

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
    title = T("Taylor polynomials and the radius of convergence", "泰勒多项式与收敛半径")
    summary = T("Taylor polynomials of growing order hugging f, and peeling away beyond the "
                "radius of convergence", "阶数递增的泰勒多项式贴近 f，并在收敛半径之外分离")
    section = "Part 1 §4.1–4.3"
    order = 20
    pace = 12
    heaviest = {"order": 30, "window": 6.0}
    params = (
        Expression("f", "1/(1+x^2)", T("the function to expand", "要展开的函数"), presets=PRESETS),
        Number("a", 0.0, T("the expansion point", "展开点"), lo=-3.0, hi=3.0, step=0.1),
        Integer("order", 0, T("the order n starts here; each step adds one, up to 30",
                              "阶数 n 从这里开始；每步加一，最多到 30"), lo=0, hi=MAX_ORDER),
        Number("window", 2.0, T("half-width of the x range around a", "以 a 为中心的 x 范围半宽"),
               lo=0.5, hi=6.0, step=0.5),
    )
    explanation = T(
        "The orange curve is the Taylor polynomial Tₙ(x) = Σₖ cₖ(x − a)ᵏ with cₖ = f⁽ᵏ⁾(a)/k!, "
        "computed exactly from the formula (Taylor-mode differentiation, no finite "
        "differences). Each step raises n by one until n = 30, then the animation stops. "
        "Near a, Tₙ hugs f ever more tightly; a red bar along the bottom marks where "
        "|f − Tₙ| > 1e-3, and the lower panel shows |f − Tₙ| on a log scale. The green "
        "lines at a ± R mark the radius of convergence R: inside, the error tends to 0 as n "
        "grows (not at every single order: an even function's odd coefficients are 0, so "
        "T₂ₘ₊₁ = T₂ₘ); outside, the terms cₖ(x − a)ᵏ grow and Tₙ runs away. By Cauchy–Hadamard "
        "1/R = limsup |cₖ|^(1/k), so log|cₖ| falls along a line of slope −log R; the scene "
        "estimates R from that slope over c₀…c₃₀, which is only an estimate: it is poor when "
        "the coefficients do not settle on one geometric rate (an essential singularity such "
        "as exp(1/(x−2)) at 0), and the notes say so when the error seen disagrees with it. "
        "Two different lessons hide in the presets. 1/(1+x²) is analytic on the whole real "
        "line, yet its series about a converges only for |x − a| < √(1+a²): the radius is the "
        "distance to the nearest complex singularity, the poles ±i. Smooth is not analytic: "
        "e^(−1/x²) has every derivative 0 at a = 0, so its series is the zero series, which "
        "converges everywhere but equals f only at x = 0. Move a to see the radius change; "
        "widen the window to see the divergence.",
        "橙色曲线是泰勒多项式 Tₙ(x) = Σₖ cₖ(x − a)ᵏ，其中 cₖ = f⁽ᵏ⁾(a)/k!，"
        "由公式精确算出（泰勒模式自动微分，而非有限差分）。每一步 n 加一，到 n = 30 时动画停止。"
        "在 a 附近，Tₙ 越来越贴近 f；底部的红条标出 |f − Tₙ| > 1e-3 的位置，"
        "下图以对数坐标画出 |f − Tₙ|。绿色竖线 a ± R 标出收敛半径 R：半径以内，随着 n 增大"
        "误差趋于 0（但不一定每一阶都下降：偶函数的奇数阶系数为 0，所以 T₂ₘ₊₁ = T₂ₘ）；"
        "半径以外，各项 cₖ(x − a)ᵏ 越来越大，Tₙ 远离 f。按柯西–阿达马公式 "
        "1/R = limsup |cₖ|^(1/k)，所以 log|cₖ| 沿斜率为 −log R 的直线下降；本场景用 c₀…c₃₀ "
        "的这条斜率来估计 R。这只是估计：当系数没有稳定在单一几何速率上时（例如 exp(1/(x−2)) "
        "在 0 处展开，x = 2 是本性奇点）估计会很差，若实测误差与估计不符，提示栏会指出。"
        "预设里藏着两个不同的道理。1/(1+x²) 在整条实轴上解析，但它在 a 处的级数只在 "
        "|x − a| < √(1+a²) 内收敛：半径等于到最近复奇点（极点 ±i）的距离。光滑不等于解析："
        "e^(−1/x²) 在 a = 0 处各阶导数全为 0，其级数是零级数：处处收敛，却只在 x = 0 处等于 f。"
        "移动 a 观察半径的变化；加宽窗口观察发散。",
    )

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

    @property
    def done(self) -> bool:
        return self.n >= MAX_ORDER

    def pick(self, panel: int, x: float, y: float) -> dict[str, Any]:
        return {"a": x}

    def zoom(self, panel: int, factor: float) -> dict[str, Any]:
        """The wheel widens or narrows the window by a factor, at least one step of it."""
        window, step = self["window"], self.param("window").step
        wanted = window * factor
        if abs(wanted - window) < step:
            wanted = window + math.copysign(step, factor - 1)
        return {"window": wanted}

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
        top = Panel(title=T("f(x) = {f} and T{n} about a = {a}", "f(x) = {f} 与 T{n}（在 a = {a} 处展开）")
                    .format(f=self["f"], n=_sub(n), a=f"{a:g}"), xlim=(a - w, a + w), ylim=(lo, hi))
        top.add(Line(xs, fs, "f", "blue"), Line(xs, tn, f"T{_sub(n)}", "orange"))
        bad = err > TOLERANCE
        if bad.any():
            top.add(Points(xs[bad], np.full(int(bad.sum()), lo + 0.03 * span),
                           f"|f−T{_sub(n)}| > {TOLERANCE:g}", "red", "▁"))
        if math.isfinite(self.fa):
            top.add(Points(np.array([a]), np.array([self.fa]), "", "red", "●"))
        bottom = Panel(title=T("|f − T{n}| (log scale)", "|f − T{n}|（对数坐标）").format(n=_sub(n)),
                       xlabel="x", yscale="log",
                       xlim=(a - w, a + w), ylim=(ERROR_FLOOR, ERROR_CEILING))
        bottom.add(Line(xs, np.clip(err, ERROR_FLOOR, ERROR_CEILING), T("error", "误差"), "orange"),
                   Line(xs[[0, -1]], np.full(2, TOLERANCE), T("tolerance", "容差"), "red"))
        r = self.radius
        if 0 < r < w:
            for panel in (top, bottom):
                panel.add(VLine(a - r, "green"), VLine(a + r, "green"))
        return Figure([top, bottom], rows=2, cols=1)

    def readout(self) -> dict[T | str, T | str]:
        n, c = self.n, self.coefficients
        out: dict[T | str, T | str] = {
            T("order n", "阶数 n"): T("{n} (started at {s}, at most {m})",
                                      "{n}（从 {s} 开始，最多 {m}）").format(
                n=str(n), s=str(self["order"]), m=str(MAX_ORDER))}
        for k in range(max(0, n - 2), n + 1):
            out[f"c{_sub(k)} = f⁽{str(k).translate(_SUP)}⁾(a)/{k}!"] = fmt(c[k], "+.6e")
        out["max |f−Tₙ|"] = fmt(self.max_error(), ".3e")
        out[T("|f−Tₙ| ≤ {tol} for", "|f−Tₙ| ≤ {tol} 的范围").format(tol=f"{TOLERANCE:g}")] = \
            f"|x−a| < {self.good_radius():.3g}"
        est = self.estimate
        out[T("R estimated", "R 估计值")] = _radius_text(est.radius) if not math.isnan(est.radius) \
            else "—"
        if self.known is not None:
            value, formula = self.known
            if self["f"] == "flat(x)" and self["a"] == 0:
                out[T("R true", "R 真值")] = T("T ≡ 0 = f only at 0", "T ≡ 0，仅在 0 处等于 f")
            else:
                out[T("R true", "R 真值")] = f"{formula} = {_radius_text(value)}" \
                    if math.isfinite(value) else ("∞" if value == math.inf else formula)
        return out

    def estimate_disagrees(self) -> bool:
        """The error seen stays small well beyond the estimated radius (or fails well inside)."""
        r, good = self.estimate.radius, self.good_radius()
        if not (math.isfinite(r) and r > 0) or self.n < MAX_ORDER or self.known is not None:
            return False
        return good > 1.25 * r and good > 0.1

    def notes(self) -> list[T]:
        if not math.isfinite(self.fa):
            return [T("f is not defined at a: no Taylor series here", "f 在 a 处无定义，这里没有泰勒级数")]
        bad = np.flatnonzero(~np.isfinite(self.coefficients))
        if bad.size:
            k = str(int(bad[0]))
            return [T("f has no derivative of order {k} at a", "f 在 a 处没有 {k} 阶导数").format(k=k)]
        out = []
        f, a = self["f"], self["a"]
        if f == "flat(x)" and a == 0:
            out.append(T("every derivative of e^(−1/x²) at 0 is 0, so Tₙ ≡ 0: the zero series "
                         "converges everywhere but equals f only at x = 0 — smooth is not analytic",
                         "e^(−1/x²) 在 0 处各阶导数为 0：Tₙ ≡ 0。零级数处处收敛，却只在 x = 0 处"
                         "等于 f——光滑不等于解析"))
        elif f == "flat(x)":
            out.append(T("e^(−1/x²) is not analytic at 0, so the radius is |a|",
                         "e^(−1/x²) 在 0 处不解析，所以半径是 |a|"))
        if f == "1/(1+x^2)":
            out.append(T("1/(1+x²) is analytic on all of ℝ, yet its complex poles ±i cap the "
                         "radius at √(1+a²)",
                         "1/(1+x²) 在整条实轴上解析，但复极点 ±i 把半径限制为 √(1+a²)"))
        r = self.radius
        if 0 < r < self["window"] and not (f == "flat(x)" and a == 0):
            if self.known is not None:
                out.append(T("beyond |x−a| = {r} the series diverges: higher orders make it worse",
                             "|x−a| > {r} 处级数发散：阶数越高，误差越大").format(r=f"{r:.3g}"))
            elif not self.estimate_disagrees():
                out.append(T("estimated from c₀…c₃₀: beyond |x−a| ≈ {r} the series seems to "
                             "diverge", "由 c₀…c₃₀ 估计：|x−a| 超过约 {r} 时级数似乎发散")
                           .format(r=f"{r:.3g}"))
        if self.estimate_disagrees():
            out.append(T("the estimate R ≈ {r} is poor here: the error stays below {tol} out "
                          "to |x−a| = {g}; the coefficients do not follow one geometric rate",
                          "这里 R ≈ {r} 的估计不可靠：误差在 |x−a| < {g} 内都小于 {tol}；"
                          "系数没有稳定在单一几何速率上").format(
                r=f"{self.estimate.radius:.3g}", tol=f"{TOLERANCE:g}",
                g=f"{self.good_radius():.3g}"))
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
