"""Scene `riemann`: Riemann sums closing in on the integral, and both halves of the FTC."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from calcterm.compute.expr import parse
from calcterm.compute.integrals import (
    EXPECTED_ORDER, Quadrature, RiemannSum, accumulate, integrate, observed_order, riemann_sum,
)
from calcterm.params import Choice, Expression, Integer, Number
from calcterm.plot import Figure, HLine, Label, Line, Panel, Points, VLine, sample_count, shade
from calcterm.scene import Job, Scene
from calcterm.text import T, fmt

N_MAX = 4096
SWEEP = 60
"""Cursor steps from a to b in the accumulate view."""
FINE = 4
"""Points of the drawn F per cursor step."""
NARROW = 70
"""Below this many columns the panels are stacked instead of set side by side."""
HEAVY_N = 1024
"""From this many slices on, a step's sums are computed off the UI thread."""
TAGS_SHOWN = 48
ROUNDING = 1e-13
"""Errors below this times the size of the integral count as rounding: the rule is exact."""
"""Tags are marked on the curve up to this many slices."""
RULES = ("left", "right", "midpoint", "trapezoid", "simpson", "random", "lower", "upper")
RULE_LABELS = {
    "left": T("left", "左端点"), "right": T("right", "右端点"), "midpoint": T("midpoint", "中点"),
    "trapezoid": T("trapezoid", "梯形"), "simpson": T("Simpson", "辛普森"),
    "random": T("random tags", "随机取点"), "lower": T("lower (Darboux)", "下和（达布）"),
    "upper": T("upper (Darboux)", "上和（达布）"),
}
VIEW_LABELS = {"sum": T("Riemann sum", "黎曼和"), "ftc": T("∫f′ = f(b) − f(a)", "∫f′ = f(b) − f(a)"),
               "accumulate": T("F(x) = ∫ₐˣ f", "F(x) = ∫ₐˣ f")}


@dataclass(frozen=True)
class Sums:
    """Everything computed at one n: the rule's sum, its error, the order seen, Darboux sums."""

    s: RiemannSum
    error: float
    order: float
    lower: float
    upper: float


class Riemann(Scene):
    id = "riemann"
    title = T("Riemann sums and the fundamental theorem", "黎曼和与微积分基本定理")
    summary = T("slices under a curve closing in on the integral at each rule's own rate; "
                "∫f′ = f(b) − f(a) and F′ = f", "曲线下的矩形条以各自的阶逼近积分；"
                "∫f′ = f(b) − f(a) 与 F′ = f")
    section = "Part 1 §3.1–3.2"
    order = 16
    heaviest = {"n": N_MAX, "view": "ftc", "rule": "simpson"}
    params = (
        Expression("f", "sin(x)", T("the function under the curve", "被积函数"),
                   presets={"sin x": "sin(x)", "x²": "x^2", "eˣ": "exp(x)", "1/(1+x²)": "1/(1+x^2)",
                            "√x": "sqrt(x)", "|x−1|": "abs(x-1)", "x³−x": "x^3-x"}),
        Number("a", 0.0, T("left end of the interval", "积分下限"), lo=-10.0, hi=10.0, step=0.05),
        Number("b", math.pi, T("right end; b < a gives the oriented integral",
                               "积分上限；b < a 时为有向积分"), lo=-10.0, hi=10.0, step=0.05),
        Integer("n", 4, T("slices to start with; each step doubles them, up to 4096",
                          "初始分割数；每步加倍，最多 4096"), lo=1, hi=N_MAX),
        Choice("rule", "left", T("how each slice gets its height", "每个矩形条的高度如何取"),
               choices=RULES, labels=RULE_LABELS),
        Choice("view", "sum", T("sums of f; sums of f′ against f(b) − f(a); or F(x) growing",
                                "f 的和；f′ 的和对照 f(b) − f(a)；或 F(x) 的累积"),
               choices=("sum", "ftc", "accumulate"), labels=VIEW_LABELS),
    )
    explanation = T(
        "Cut [a, b] into n slices of width Δx = (b − a)/n, pick a point ξᵢ in each, and add up "
        "f(ξᵢ)·Δx: the shaded area, counted negative below the axis. If f is Riemann integrable, "
        "these sums reach one number as Δx → 0 whichever tags are picked — that number is "
        "∫ₐᵇ f. The rules differ only in how fast they get there: left and right ends lose an "
        "O(Δx) sliver per unit length (order 1); midpoint and trapezoid errors cancel to "
        "order 2; Simpson's parabolas, (T + 2M)/3, reach order 4 and are exact for cubics. "
        "The error panel is log–log, so the order is a slope (compare the gray n⁻¹, n⁻², n⁻⁴). "
        "A surprise: the left sum of sin on [0, π] is second order, because when f(a) = f(b) "
        "the left sum equals the trapezoid sum. Random tags give an unbiased sum whose "
        "spread shrinks like n^(−3/2); the Darboux lower and upper sums trap every other sum "
        "between them, and their gap going to 0 is what integrable means.\n"
        "The ftc view adds up slices of f′ (exact, by automatic differentiation) and watches "
        "them approach f(b) − f(a). That is part 2 of the fundamental theorem, and it needs a "
        "hypothesis: f′ must itself be integrable (f continuously differentiable is enough). "
        "x²sin(1/x²) has a derivative at every point of [0, 1] that is unbounded near 0, so "
        "it is not Riemann integrable there. The accumulate view shows part 1, which the "
        "article leaves out: for continuous f, F(x) = ∫ₐˣ f is differentiable with F′ = f — "
        "the tangent to F at the cursor has slope f(x). So differentiation undoes "
        "integration exactly, while integrating f′ gives f back only up to the constant f(a).",
        "把 [a, b] 分成 n 段，每段宽 Δx = (b − a)/n，在每段中取一点 ξᵢ，把 f(ξᵢ)·Δx 加起来："
        "就是图中阴影的面积，横轴以下记为负。若 f 黎曼可积，无论怎样取点，Δx → 0 时这些和都趋于"
        "同一个数，即 ∫ₐᵇ f。各种取法只是快慢不同：左、右端点每单位长度丢掉 O(Δx) 的一条（1 阶）；"
        "中点与梯形的误差相互抵消到 2 阶；辛普森用抛物线，(T + 2M)/3，达到 4 阶，对三次多项式精确。"
        "误差图是双对数坐标，阶数就是斜率（对照灰色的 n⁻¹、n⁻²、n⁻⁴）。一个意外："
        "sin 在 [0, π] 上的左端点和是 2 阶的，因为 f(a) = f(b) 时左端点和恰好等于梯形和。"
        "随机取点的和是无偏的，波动按 n^(−3/2) 缩小；达布下和与上和把其余各种和夹在中间，"
        "二者之差趋于 0 正是可积的含义。\n"
        "ftc 视图把 f′（由自动微分精确求得）的矩形条加起来，看它们趋近 f(b) − f(a)。"
        "这是基本定理的第二部分，它有前提：f′ 本身须可积（f 连续可微即可）。"
        "x²sin(1/x²) 在 [0, 1] 上处处可导，但导数在 0 附近无界，因而在那里不是黎曼可积的。"
        "accumulate 视图展示原文略去的第一部分：f 连续时，F(x) = ∫ₐˣ f 可导且 F′ = f——"
        "F 在游标处的切线斜率就是 f(x)。所以先积分再求导能精确还原，而对 f′ 积分只能在相差"
        "常数 f(a) 的意义下还原 f。",
    )

    # -- state ------------------------------------------------------------------------

    def setup(self) -> None:
        self.expr = parse(self["f"])
        a, b, view = self["a"], self["b"], self["view"]
        self.f = lambda x: self.expr.evaluate(x=x)
        self.df = lambda x: self.expr.derivative(1, x=x)
        self.g = self.df if view == "ftc" else self.f
        self.quad: Quadrature = integrate(self.g, a, b)
        ends = np.asarray(self.f(np.array([a, b])), dtype=float)
        self.fb_minus_fa = float(ends[1] - ends[0])
        self.target = self.fb_minus_fa if view == "ftc" else self.quad.value
        self.history: list[tuple[int, float, float]] = []
        self._adopt(self._sums(self._n_at(0)))
        if view == "accumulate":
            self._prepare_sweep()

    @property
    def pace(self) -> int:  # type: ignore[override]
        """A doubling is worth a second to look at; the sweep moves faster, 60 steps in 16 s."""
        return 8 if self["view"] == "accumulate" else 30

    def _n_at(self, t: int) -> int:
        return self["n"] if self["view"] == "accumulate" else min(self["n"] * 2**t, N_MAX)

    @property
    def n(self) -> int:
        return self._n_at(self.t)

    @property
    def done(self) -> bool:
        if self["view"] == "accumulate":
            return self.t >= SWEEP
        return 2 * self.n > N_MAX

    def advance(self) -> None:
        if self["view"] != "accumulate":
            self._adopt(self._sums(self._n_at(self.t + 1)))

    def step_job(self) -> Job | None:
        """Large n (lower and upper sums of 4096 slices) is summed off the UI thread."""
        if self["view"] == "accumulate" or self._n_at(self.t + 1) < HEAVY_N:
            return None
        n = self._n_at(self.t + 1)
        task = (self.g, self["a"], self["b"], n, self["rule"], self.seed, self.target, self._scale())
        return Job(run=lambda progress: compute_sums(*task), adopt=self._adopt,
                   label=T("summing", "求和中"))

    def _adopt(self, sums: Sums) -> None:
        self.sums = sums
        self.history.append((sums.s.n, sums.error, sums.s.total))

    def _sums(self, n: int) -> Sums:
        return compute_sums(self.g, self["a"], self["b"], n, self["rule"], self.seed, self.target,
                            self._scale())

    def _scale(self) -> float:
        """The size of the numbers being added, for telling an error from rounding."""
        size = abs(self.quad.value) + abs(self.target)
        return max(size, 1.0) if math.isfinite(size) else 1.0

    def _prepare_sweep(self) -> None:
        a, b = self["a"], self["b"]
        self.fine_x = a + (b - a) * np.arange(SWEEP * FINE + 1) / (SWEEP * FINE)
        F = accumulate(self.f, a, self.fine_x[1:])
        self.fine_F = np.concatenate([[0.0], F])

    @property
    def cursor(self) -> float:
        return self["a"] + (self["b"] - self["a"]) * min(self.t, SWEEP) / SWEEP

    @property
    def F_at_cursor(self) -> float:
        return float(self.fine_F[min(self.t, SWEEP) * FINE])

    def F_slope(self) -> float:
        """F′ at the cursor from quadratures of f alone, never from f(x) itself.

        Inside: (F(x + h) − F(x − h))/2h = ∫ f over [x − h, x + h] / 2h. At an end of [a, b]
        the one-sided (4·∫ₓ^{x+h} f − ∫ₓ^{x+2h} f)/2h, second order like the central one.
        """
        a, b, x = self["a"], self["b"], self.cursor
        lo, hi = min(a, b), max(a, b)
        h = 1e-6 * (hi - lo)
        if h == 0:
            return math.nan
        if lo < x - h and x + h < hi:
            return integrate(self.f, x - h, x + h).value / (2 * h)
        inward = h if x - h <= lo else -h
        near = integrate(self.f, x, x + inward).value
        far = integrate(self.f, x, x + 2 * inward).value
        return (4 * near - far) / (2 * inward)

    # -- relevance ----------------------------------------------------------------------

    def matters(self, name: str) -> bool:
        if name in ("rule", "n"):
            return self["view"] != "accumulate"
        return True

    # -- drawing ------------------------------------------------------------------------

    def _window(self) -> tuple[float, float]:
        lo, hi = sorted((self["a"], self["b"]))
        pad = 0.06 * (hi - lo) if hi > lo else 0.5
        return lo - pad, hi + pad

    def draw(self, width: int, height: int) -> Figure:
        if self["view"] == "accumulate":
            return Figure(self._sweep_panels(width), rows=2, cols=1)
        side = self._ftc_panel() if self["view"] == "ftc" else self._error_panel()
        if width < NARROW:  # side by side the error panel would be a sliver: stack them
            return Figure([self._sum_panel(width), side], rows=2, cols=1)
        return Figure([self._sum_panel(round(width * 0.62)), side], rows=1, cols=2, weights=(0.62, 0.38))

    def _approximant(self, x: np.ndarray) -> np.ndarray:
        """The rule's piecewise picture of g: steps, chords or parabolas (nan outside [a, b])."""
        s, rule = self.sums.s, self["rule"]
        edges = s.edges if s.dx >= 0 else s.edges[::-1]
        i = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, s.n - 1)
        t = (x - edges[i]) / (edges[i + 1] - edges[i]) if s.dx != 0 else np.zeros_like(x)
        inside = (x >= edges[0]) & (x <= edges[-1])
        ordered = (lambda v: v) if s.dx >= 0 else (lambda v: v[::-1])
        with np.errstate(all="ignore"):
            if rule == "trapezoid":
                y = ordered(self._tag_values())
                out = y[i] + t * (y[i + 1] - y[i])
            elif rule == "simpson":
                y = ordered(self._tag_values())
                y0, ym, y1 = y[2 * i], y[2 * i + 1], y[2 * i + 2]
                out = y0 * (1 - t) * (1 - 2 * t) + 4 * ym * t * (1 - t) + y1 * t * (2 * t - 1)
            else:
                out = ordered(s.heights)[i]
        return np.where(inside, out, np.nan)

    def _tag_values(self) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.asarray(self.g(self.sums.s.tags), dtype=float)

    def _sum_panel(self, width: int) -> Panel:
        s = self.sums.s
        lo, hi = self._window()
        xs = np.linspace(lo, hi, sample_count(width))
        curve = np.asarray(self.g(xs), dtype=float)
        name = "f′" if self["view"] == "ftc" else "f"
        title = T("{g}(x), {rule}, n = {n}", "{g}(x)，{rule}，n = {n}").format(
            g=name, rule=RULE_LABELS[self["rule"]], n=str(s.n))
        panel = Panel(title=title, xlabel="x", xlim=(lo, hi))
        p = self._approximant
        panel.add(shade(lambda x, y: _between(p(x), y, positive=True), color="success", density=0.3),
                  shade(lambda x, y: _between(p(x), y, positive=False), color="error", density=0.3),
                  HLine(0.0, "muted"))
        ox, oy = self._outline(width)
        panel.add(Line(ox, oy, "", "foreground", style="solid"),
                  Line(xs, curve, f"{name}(x)", "primary", style="solid"))
        if s.n <= TAGS_SHOWN:
            panel.add(Points(s.tags, self._tag_values(), T("tags ξᵢ", "取点 ξᵢ"), "accent", "•"))
        finite = np.concatenate([curve[np.isfinite(curve)], s.heights[np.isfinite(s.heights)], [0.0]])
        if finite.size:
            top, bottom = float(finite.max()), float(finite.min())
            span = top - bottom or 1.0
            panel.ylim = (bottom - 0.08 * span, top + 0.08 * span)
        return panel

    def _outline(self, width: int) -> tuple[np.ndarray, np.ndarray]:
        """The tops of the slices, with their sides while the slices are wide enough to see."""
        s, rule = self.sums.s, self["rule"]
        edges = s.edges
        sides = 3 * s.n <= width
        if rule in ("trapezoid", "simpson"):
            per = 8 if rule == "simpson" and sides else 1
            frac = np.arange(per) / per
            x = np.concatenate([(edges[:-1, None] + frac[None, :] * s.dx).ravel(), edges[-1:]])
            y = self._approximant(x)
            if not sides:
                return x, y
            poles = np.repeat(edges, 3)
            pole_y = np.tile([0.0, np.nan, np.nan], edges.size)
            pole_y[1::3] = self._approximant(edges)
            return np.concatenate([x, [np.nan], poles]), np.concatenate([y, [np.nan], pole_y])
        h = s.heights
        if sides:
            x = np.column_stack([edges[:-1], edges[:-1], edges[1:], edges[1:]]).ravel()
            y = np.column_stack([np.zeros(s.n), h, h, np.zeros(s.n)]).ravel()
        else:
            x = np.column_stack([edges[:-1], edges[1:]]).ravel()
            y = np.repeat(h, 2)
        return x, y

    def _error_panel(self) -> Panel:
        panel = Panel(title=T("|Sₙ − I| against n", "|Sₙ − I| 随 n"), xlabel="n",
                      xscale="log", yscale="log", xlim=(1.0, 2.0 * N_MAX))
        ns = np.array([h[0] for h in self.history], dtype=float)
        errors = np.abs(np.array([h[1] for h in self.history]))
        scale = self._scale()
        shown = np.isfinite(errors) & (errors > ROUNDING * scale)
        if not shown.any():
            panel.ylim = (1e-17 * scale, scale)
            message = (T("Sₙ = I to rounding", "Sₙ 与 I 在舍入误差内相等") if np.isfinite(errors).any()
                       else T("no finite error", "误差无定义"))
            return panel.add(Label(64.0, 1e-8 * scale, message, "muted", align="center"))
        n0, e0 = ns[shown][0], errors[shown][0]
        grid = np.array([n0, 2.0 * N_MAX])
        for p, style in ((1, "dotted"), (2, "dashed"), (4, "dashdot")):
            panel.add(Line(grid, e0 * (grid / n0) ** -p, f"n⁻{'¹²⁴'[(p > 1) + (p > 2)]}", "muted",
                           style=style))
        panel.add(Line(ns[shown], errors[shown], T("this run", "本次"), "accent", style="solid"),
                  Points(ns[shown][-1:], errors[shown][-1:], "", "accent", "●"))
        # fixed for the whole run: from where n⁻⁴ ends (or the smallest error) up to e₀
        steepest = e0 * (2.0 * N_MAX / n0) ** -4
        low = max(min(steepest, float(errors[shown].min()) / 3), ROUNDING * scale / 3)
        panel.ylim = (low, max(float(errors[shown].max()), e0) * 3)
        return panel

    def _ftc_panel(self) -> Panel:
        panel = Panel(title=T("Sₙ of f′ → f(b) − f(a)", "f′ 的和 Sₙ → f(b) − f(a)"), xlabel="n",
                      xscale="log", xlim=(1.0, 2.0 * N_MAX))
        ns = np.array([h[0] for h in self.history], dtype=float)
        sums = np.array([h[2] for h in self.history])
        target = self.fb_minus_fa
        panel.add(HLine(target, "success"),
                  Label(2.0 * N_MAX, target, "f(b) − f(a)", "success", align="right"),
                  Line(ns, sums, T("Sₙ", "Sₙ"), "accent", style="solid"),
                  Points(ns[-1:], sums[-1:], "", "accent", "●"))
        values = np.concatenate([sums[np.isfinite(sums)], [target] if math.isfinite(target) else []])
        if values.size:
            lo, hi = float(values.min()), float(values.max())
            pad = 0.15 * (hi - lo) or 0.1 * max(abs(hi), 1.0)
            panel.ylim = (lo - pad, hi + pad)
        return panel

    def _sweep_panels(self, width: int) -> list[Panel]:
        lo, hi = self._window()
        a, x = self["a"], self.cursor
        xs = np.linspace(lo, hi, sample_count(width))
        fx = np.asarray(self.f(xs), dtype=float)
        left, right = sorted((a, x))

        def swept(px: np.ndarray, py: np.ndarray, positive: bool) -> np.ndarray:
            inside = (px >= left) & (px <= right)
            return inside & _between(np.asarray(self.f(px), dtype=float), py, positive)

        top = Panel(title=T("f, swept from a to x", "f，从 a 扫到 x"), xlabel="x", xlim=(lo, hi))
        top.add(shade(lambda px, py: swept(px, py, True), color="success"),
                shade(lambda px, py: swept(px, py, False), color="error"),
                HLine(0.0, "muted"), Line(xs, fx, "f(x)", "primary", style="solid"),
                VLine(x, "accent"), Points(np.array([x]), np.array([float(self.f(np.array([x]))[0])]),
                                           "", "accent", "●"))
        k = min(self.t, SWEEP) * FINE
        bottom = Panel(title=T("F(x) = ∫ₐˣ f: its slope at x is f(x)", "F(x) = ∫ₐˣ f：它在 x 处的斜率是 f(x)"),
                       xlabel="x", xlim=(lo, hi))
        bottom.add(HLine(0.0, "muted"),
                   Line(self.fine_x[: k + 1], self.fine_F[: k + 1], "F(x)", "success", style="solid"))
        slope = float(self.f(np.array([x]))[0])
        reach = 0.08 * (hi - lo)
        if math.isfinite(slope):
            tx = np.array([x - reach, x + reach])
            bottom.add(Line(tx, self.F_at_cursor + slope * (tx - x), T("slope f(x)", "斜率 f(x)"),
                            "accent", style="dashed"))
        bottom.add(Points(np.array([x]), np.array([self.F_at_cursor]), "", "accent", "●"))
        values = self.fine_F[np.isfinite(self.fine_F)]
        if values.size:
            span = float(values.max() - values.min()) or 1.0
            bottom.ylim = (float(min(values.min(), 0.0)) - 0.1 * span, float(max(values.max(), 0.0)) + 0.1 * span)
        finite = fx[np.isfinite(fx)]
        if finite.size:
            span = float(finite.max() - finite.min()) or 1.0
            top.ylim = (float(min(finite.min(), 0.0)) - 0.08 * span, float(max(finite.max(), 0.0)) + 0.08 * span)
        return [top, bottom]

    # -- numbers --------------------------------------------------------------------------

    def readout(self) -> dict[T | str, T | str]:
        if self["view"] == "accumulate":
            x = self.cursor
            return {"x": fmt(x, ".4f"), "F(x)": fmt(self.F_at_cursor, ".10g"),
                    T("slope of F", "F 的斜率"): fmt(self.F_slope(), ".8g"),
                    "f(x)": fmt(float(self.f(np.array([x]))[0]), ".8g")}
        s, sums = self.sums.s, self.sums
        exact_label = "f(b) − f(a)" if self["view"] == "ftc" else T("I (quadrature)", "I（数值积分）")
        expected = EXPECTED_ORDER[self["rule"]]
        expected_text = (T("≈1.5 (sd of a random error)", "≈1.5（随机误差的标准差）")
                         if self["rule"] == "random" else fmt(expected, ".0f"))
        return {
            "n": str(s.n), "Δx": fmt(s.dx, ".4g"), "Sₙ": fmt(s.total, ".12g"),
            exact_label: fmt(self.target, ".12g"),
            T("error", "误差"): fmt(sums.error, ".3e"),
            T("order seen", "实测阶"): self._order_text(),
            T("order expected", "理论阶"): expected_text,
            T("upper − lower", "上和 − 下和"): fmt(sums.upper - sums.lower, ".3e"),
        }

    def _order_text(self) -> T | str:
        error = self.sums.error
        if math.isfinite(error) and abs(error) <= ROUNDING * self._scale():
            return T("— (exact to rounding)", "—（在舍入误差内精确）")
        return fmt(self.sums.order, ".2f")

    def notes(self) -> list[T]:
        notes: list[T] = []
        a, b, rule, view = self["a"], self["b"], self["rule"], self["view"]
        if b < a:
            notes.append(T("b < a: Δx < 0 and the integral is oriented, ∫ₐᵇ = −∫ᵦᵃ",
                           "b < a：Δx < 0，积分是有向的，∫ₐᵇ = −∫ᵦᵃ"))
        ends = np.asarray(self.g(np.array([a, b])), dtype=float)
        if view != "accumulate" and not np.all(np.isfinite(ends)):
            where = "a" if not np.isfinite(ends[0]) else "b"
            name = "f′" if view == "ftc" else "f"
            notes.append(T("{g} is unbounded or undefined at {e}: the integral is improper and the "
                           "sums converge slowly", "{g} 在 {e} 处无界或无定义：这是反常积分，"
                           "和收敛得慢").format(g=name, e=where))
            if not math.isfinite(self.sums.s.total):
                notes.append(T("a tag sits where {g} has no value, so this sum has none: try "
                               "midpoint", "有取点落在 {g} 无定义处，这个和也就无定义：试试中点"
                               ).format(g=name))
        elif view == "sum" and rule in ("left", "right") and a != b and abs(ends[0] - ends[1]) <= \
                1e-12 * max(1.0, float(np.max(np.abs(ends)))):
            notes.append(T("left = right = trapezoid here because f(a) = f(b), so the order is 2, not 1",
                           "这里 f(a) = f(b)，左端点和 = 右端点和 = 梯形和，所以是 2 阶而不是 1 阶"))
        if view != "accumulate" and rule == "random":
            notes.append(T("random tags: the sum is unbiased, and its limit does not depend on where "
                           "the ξᵢ fall", "随机取点：和是无偏的，极限与 ξᵢ 落在哪里无关"))
        if not self.quad.converged or not math.isfinite(self.quad.value):
            notes.append(T("the integral did not settle: it may not exist (f not integrable here)",
                           "数值积分没有收敛：积分可能不存在（f 在此不可积）"))
        if view == "ftc" and self.quad.converged and math.isfinite(self.quad.value):
            notes.append(T("∫f′ by quadrature = {q}: f′ is integrable here, so the FTC applies",
                           "f′ 的数值积分 = {q}：f′ 在此可积，基本定理适用").format(
                q=fmt(self.quad.value, ".10g")))
        return notes

    def data(self) -> dict[str, Any]:
        s, sums = self.sums.s, self.sums
        out: dict[str, Any] = {
            "n": s.n, "dx": s.dx, "rule": self["rule"], "view": self["view"], "sum": s.total,
            "exact": self.target, "error": sums.error, "observed_order": sums.order,
            "expected_order": EXPECTED_ORDER[self["rule"]], "tags": s.tags.tolist(),
            "heights": s.heights.tolist(), "history": [[n, e] for n, e, _ in self.history],
            "lower": sums.lower, "upper": sums.upper, "quadrature": self.quad.value,
            "quadrature_error": self.quad.error, "quadrature_converged": self.quad.converged,
        }
        if self["view"] == "ftc":
            out["fb_minus_fa"] = self.fb_minus_fa
        if self["view"] == "accumulate":
            x = self.cursor
            out.update(x=x, F=self.F_at_cursor, F_slope=self.F_slope(),
                       f_at_x=float(self.f(np.array([x]))[0]))
        return out


def compute_sums(g: Callable[[np.ndarray], np.ndarray], a: float, b: float, n: int, rule: str,
                 seed: int, target: float, scale: float) -> Sums:
    """The rule's sum at n, its error, the order seen against n/2, and the Darboux sums.

    A pure function of its arguments, so a step can run it off the UI thread. Random tags
    come from a generator seeded by (seed, n): the same n always gives the same sum.
    """
    def one(m: int, which: str) -> RiemannSum:
        return riemann_sum(g, a, b, m, which, np.random.default_rng([seed, m]))

    s = one(n, rule)
    with np.errstate(all="ignore"):
        error = s.total - target
        order = math.nan
        if n >= 2 and abs(error) > ROUNDING * scale:
            order = observed_order(one(n // 2, rule).total - target, error, n / (n // 2))
    infima = s.total if rule == "lower" else one(n, "lower").total
    suprema = s.total if rule == "upper" else one(n, "upper").total
    lower, upper = (infima, suprema) if b >= a else (suprema, infima)  # Δx < 0 swaps them
    return Sums(s, float(error), order, lower, upper)


def _between(p: np.ndarray, y: np.ndarray, positive: bool) -> np.ndarray:
    """Where y lies between 0 and p(x), on the side of the axis asked for."""
    with np.errstate(invalid="ignore"):
        if positive:
            return (p > 0) & (y >= 0) & (y <= p)
        return (p < 0) & (y <= 0) & (y >= p)
