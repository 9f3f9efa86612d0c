"""Scene `riemann`: Riemann sums closing in on the integral, and both halves of the FTC."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from calcterm.compute.expr import parse
from calcterm.compute.integrals import (
    EXPECTED_ORDER, Quadrature, RiemannSum, accumulate, darboux_sums, integrate, observed_order,
    riemann_sum,
)
from calcterm.params import Choice, Expression, Integer, Number
from calcterm.plot import Figure
from calcterm.scene import Job, Scene
from calcterm.scenes import _riemann_views as views
from calcterm.scenes._riemann_views import N_MAX, ROUNDING
from calcterm.text import T, fmt

SWEEP = 60
"""Cursor steps from a to b in the accumulate view."""
FINE = 4
"""Points of the drawn F per cursor step."""
NARROW = 70
"""Below this many columns the panels are stacked instead of set side by side."""
HEAVY_N = 1024
"""From this many slices on, a step's sums are computed off the UI thread."""
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
        "∫ₐᵇ f. The rules differ only in how fast they get there. The left sum is off by about "
        "(Δx/2)·(f(a) − f(b)), the right one by the opposite: order 1. The trapezoid rule is off by "
        "about (Δx²/12)·(f′(b) − f′(a)) and the midpoint rule by minus half of that: order 2. "
        "Simpson's (T + 2M)/3 cancels both, reaching order 4, and is exact for cubics. "
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
        "同一个数，即 ∫ₐᵇ f。各种取法只是快慢不同。左端点和的误差约为 (Δx/2)·(f(a) − f(b))，"
        "右端点和正好相反：1 阶。梯形和的误差约为 (Δx²/12)·(f′(b) − f′(a))，中点和约为它的负一半：2 阶。"
        "辛普森 (T + 2M)/3 把二者抵消，达到 4 阶，并对三次多项式精确。"
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
        task = (self.g, self["a"], self["b"], n, self["rule"], self.seed, self.target, self.error_scale())
        return Job(run=lambda progress: compute_sums(*task), adopt=self._adopt,
                   label=T("summing", "求和中"))

    def _adopt(self, sums: Sums) -> None:
        self.sums = sums
        self.history.append((sums.s.n, sums.error, sums.s.total))

    def _sums(self, n: int) -> Sums:
        return compute_sums(self.g, self["a"], self["b"], n, self["rule"], self.seed, self.target,
                            self.error_scale())

    def error_scale(self) -> float:
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
    def sweep_index(self) -> int:
        """Where the cursor is in the fine grid of the drawn F."""
        return min(self.t, SWEEP) * FINE

    @property
    def F_at_cursor(self) -> float:
        return float(self.fine_F[self.sweep_index])

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

    def window(self) -> tuple[float, float]:
        lo, hi = sorted((self["a"], self["b"]))
        pad = 0.06 * (hi - lo) if hi > lo else 0.5
        return lo - pad, hi + pad

    def draw(self, width: int, height: int) -> Figure:
        if self["view"] == "accumulate":
            return Figure(views.sweep_panels(self, width), rows=2, cols=1)
        side = views.ftc_panel(self) if self["view"] == "ftc" else views.error_panel(self)
        if width < NARROW:  # side by side the error panel would be a sliver: stack them
            return Figure([views.sum_panel(self, width), side], rows=2, cols=1)
        return Figure([views.sum_panel(self, round(width * 0.62)), side], rows=1, cols=2,
                      weights=(0.62, 0.38))

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
        if math.isfinite(error) and abs(error) <= ROUNDING * self.error_scale():
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
    if rule == "lower":  # s is one of the two already
        infima, suprema = s.total, one(n, "upper").total
    elif rule == "upper":
        infima, suprema = one(n, "lower").total, s.total
    else:
        infima, suprema = darboux_sums(g, a, b, n)
    lower, upper = (infima, suprema) if b >= a else (suprema, infima)  # Δx < 0 swaps them
    return Sums(s, float(error), order, lower, upper)

