"""Scene `brachistochrone`: beads race down a line, Galileo's circle, a power curve and the
cycloid; the first variation vanishes only on the cycloid; a polygon relaxes onto it."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from calcterm.compute.variations import (
    Curve, arrival_table, beltrami, circle, cycloid, cycloid_curve,
    descent_time, euler_lagrange_residual, first_variation, line, line_depths, perturbed,
    polygon_step, polygon_time, position_at, power_curve, variation_slope,
)
from calcterm.params import Choice, Integer, Number
from calcterm.plot import Bars, Figure, HLine, Label, Line, Panel, Points, VLine
from calcterm.scene import Job, Scene
from calcterm.text import T, fmt

RACE_TICKS = 120
"""The cycloid's bead arrives after this many steps; the others when their time says."""
SWEEP = 80
"""Steps of the ε sweep in the variation view (ε from −0.2·Y to +0.2·Y)."""
MAX_POLYGON_STEPS = 5000
CURVES = ("line", "circle", "power", "cycloid")
NAMES = {"line": T("line", "直线"), "circle": T("circle", "圆弧"), "power": T("power", "幂曲线"),
         "cycloid": T("cycloid", "摆线"), "polygon": T("polygon", "折线")}
COLORS = {"line": "muted", "circle": "primary", "power": "secondary", "cycloid": "success",
          "polygon": "accent"}
DRAWN = 160
"""Points per drawn curve."""


class Brachistochrone(Scene):
    id = "brachistochrone"
    title = T("Calculus of variations: the brachistochrone", "变分法：最速降线")
    summary = T("a timed bead race down four curves, the first variation that vanishes only on "
                "the cycloid, and a polygon relaxed onto it by gradient steps",
                "四条曲线上的计时滑珠赛跑，只在摆线上为零的一阶变分，以及用梯度步松弛到摆线的折线")
    section = "Part 4 §1.1–1.2"
    order = 56
    pace = 2
    heaviest = {"view": "discrete", "N": 256}
    min_plot = (34, 10)
    params = (
        Number("X", 1.0, T("horizontal distance from A to B", "A 到 B 的水平距离"),
               lo=0.1, hi=5.0, step=0.1),
        Number("Y", 1.0, T("how far B lies below A", "B 低于 A 的深度"), lo=0.1, hi=5.0, step=0.1),
        Number("g", 9.81, T("gravity; it scales every time by 1/√g and changes no shape",
                            "重力加速度；所有时间按 1/√g 缩放，曲线形状不变"),
               lo=0.1, hi=30.0, step=0.1),
        Choice("view", "race", T("race the beads, vary the optimal curve, or relax a polygon",
                                 "滑珠赛跑、对最优曲线做变分，或松弛一条折线"),
               choices=("race", "variation", "discrete"),
               labels={"race": T("race", "赛跑"), "variation": T("variation", "变分"),
                       "discrete": T("discrete", "离散化")}),
        Number("k", 0.5, T("exponent of the power curve: depth ∝ x^k (k = 1 is the line)",
                           "幂曲线的指数：深度 ∝ x^k（k = 1 即直线）"),
               lo=0.1, hi=1.0, step=0.05),
        Integer("N", 16, T("segments of the polygon", "折线的段数"), lo=2, hi=256),
        Number("eta", 0.01, T("gradient step on the polygon's log-depths (relative to T/N)",
                              "折线对数深度上的梯度步长（相对于 T/N）"),
               lo=1e-4, hi=1.0, step=10 ** 0.25, log=True),
    )
    explanation = T(
        "A bead slides without friction from A to B; at depth y its speed is √(2gy), so the "
        "time is the functional T[y] = ∫ √(1 + y′²)/√(2gy) dx. Every curve in the race is "
        "timed by integrating that (Gauss–Kronrod, after a substitution that removes the "
        "1/√y at A); the cycloid's time is also known exactly, θ_B·√(a/g). The straight line "
        "is the shortest path yet the slowest here: the winner drops steeply first and spends "
        "the rest of the trip fast. The speed panel shows that.\n"
        "Why the cycloid: perturb a curve, y + εη with η(A) = η(B) = 0, and differentiate T "
        "at ε = 0. Integrating by parts leaves ∫ (F_y − (F_y′)′) η dx, which must vanish for "
        "every such η; the fundamental lemma of the calculus of variations then forces "
        "F_y − (F_y′)′ = 0, the Euler–Lagrange equation. The variation view draws ΔT(ε) for "
        "η = sin(πx/X): flat at ε = 0 on the cycloid, sloped on the line. Because F has no "
        "explicit x, the Beltrami identity F − y′F_y′ = const holds, which here is "
        "y(1 + y′²) = 2a: the cycloid's equation. Euler–Lagrange is only necessary; the "
        "Legendre condition F_y′y′ > 0 (true here) is needed for a minimum.\n"
        "The discrete view replaces the curve by N straight pieces (on each, the mean speed is "
        "the average of the end speeds) and runs gradient descent on the N − 1 depths. Its "
        "time falls towards the cycloid's and never below it. Finer polygons converge more "
        "slowly, because the stable step shrinks as N grows.",
        "珠子从 A 无摩擦地滑到 B；深度为 y 时速度为 √(2gy)，所以用时是泛函 "
        "T[y] = ∫ √(1 + y′²)/√(2gy) dx。赛跑中每条曲线的时间都由这个积分算出（先换元去掉 A 处的 "
        "1/√y，再用 Gauss–Kronrod）；摆线的时间另有精确式 θ_B·√(a/g)。直线路程最短，这里却最慢："
        "获胜的曲线先陡降，余下路程一直保持高速，速度图可以看到这一点。\n"
        "为什么是摆线：把曲线扰动为 y + εη（η 在 A、B 处为 0），在 ε = 0 处对 T 求导。分部积分后"
        "得到 ∫ (F_y − (F_y′)′) η dx，它对所有这样的 η 都为零；由变分法基本引理可推出 "
        "F_y − (F_y′)′ = 0，即欧拉–拉格朗日方程。变分视图对 η = sin(πx/X) 画出 ΔT(ε)：在摆线上 "
        "ε = 0 处是平的，在直线上有斜率。F 不显含 x，于是 Beltrami 恒等式 F − y′F_y′ = 常数 成立，"
        "此处化为 y(1 + y′²) = 2a，正是摆线的方程。欧拉–拉格朗日方程只是必要条件；要成为极小，"
        "还需要 Legendre 条件 F_y′y′ > 0（这里成立）。\n"
        "离散视图把曲线换成 N 段直线（每段上的平均速度等于两端速度的平均），对 N − 1 个深度做"
        "梯度下降。它的用时向摆线的用时下降，但永远不会低于它。折线越细收敛越慢，因为稳定的步长"
        "随 N 增大而变小。",
    )

    def matters(self, name: str) -> bool:
        if name in ("N", "eta"):
            return self["view"] == "discrete"
        return True

    # -- state ------------------------------------------------------------------------

    def setup(self) -> None:
        X, Y, g = self["X"], self["Y"], self["g"]
        self.cyc = cycloid(X, Y, g)
        self.curves: dict[str, Curve] = {"line": line(X, Y), "circle": circle(X, Y),
                                         "power": power_curve(X, Y, self["k"]),
                                         "cycloid": cycloid_curve(X, Y)}
        self.times = {name: descent_time(c, g) for name, c in self.curves.items()}
        self.times["cycloid"] = self.cyc.time
        self.tables = {name: arrival_table(c, g) for name, c in self.curves.items()}
        self.drawn = {name: c.points(DRAWN) for name, c in self.curves.items()}
        self.slopes = {"line": variation_slope(self.curves["line"], X, g),
                       "cycloid": variation_slope(self.curves["cycloid"], X, g)}
        # sampled evenly in θ, differentiated numerically in x: an independent look at the
        # Euler–Lagrange residual 1 + y′² + 2yy″ and the Beltrami invariant y(1 + y′²)
        th = np.linspace(0.05, 0.97, 2000) * self.cyc.theta_b
        xs, ys = self.cyc.a * (th - np.sin(th)), self.cyc.a * (1 - np.cos(th))
        self.beltrami_spread = float(np.ptp(beltrami(xs, ys)[2:-2]) / (2 * self.cyc.a))
        self.el_residual = {"cycloid": float(np.max(np.abs(euler_lagrange_residual(xs, ys)[2:-2]))),
                            "line": float(np.max(np.abs(euler_lagrange_residual(xs, Y * xs / X)[2:-2])))}
        self.eps = np.linspace(-0.2, 0.2, SWEEP + 1) * Y
        self.variation: dict[str, np.ndarray] | None = None
        self.depths = line_depths(Y, self["N"])
        self.polygon_times = [polygon_time(self.depths, X, g)]
        self.last_gain = math.inf

    def job(self) -> Job | None:
        curves, X, g, eps = dict(self.curves), self["X"], self["g"], self.eps.copy()

        def run(progress) -> dict[str, np.ndarray]:
            out = {}
            for i, name in enumerate(("cycloid", "line")):
                out[name] = first_variation(curves[name], X, g, eps)
                progress((i + 1) / 2)
            return out

        def adopt(result: dict[str, np.ndarray]) -> None:
            self.variation = result

        return Job(run, adopt, T("timing the varied curves", "计算变分曲线的用时"))

    @property
    def clock(self) -> float:
        """The race's shared time: the cycloid's bead arrives at step RACE_TICKS."""
        return self.t * self.cyc.time / RACE_TICKS

    @property
    def slowest(self) -> float:
        finite = [t for t in self.times.values() if math.isfinite(t)]
        return max(finite)

    @property
    def done(self) -> bool:
        view = self["view"]
        if view == "race":
            return self.clock >= self.slowest or self.t >= 20 * RACE_TICKS
        if view == "variation":
            return self.t >= SWEEP
        return self.t >= MAX_POLYGON_STEPS or self.last_gain <= 1e-13 * self.polygon_times[-1]

    def advance(self) -> None:
        if self["view"] != "discrete":
            return
        X, g = self["X"], self["g"]
        self.depths = polygon_step(self.depths, X, g, self["eta"])
        self.polygon_times.append(polygon_time(self.depths, X, g))
        self.last_gain = self.polygon_times[-2] - self.polygon_times[-1]

    @property
    def epsilon(self) -> float:
        return float(self.eps[min(self.t, SWEEP)])

    def beads(self) -> dict[str, tuple[float, float]]:
        return {name: position_at(c, self.tables[name], self.clock) for name, c in self.curves.items()}

    # -- pictures ---------------------------------------------------------------------

    def draw(self, width: int, height: int) -> Figure:
        view = self["view"]
        main = self._main_panel()
        side = self._convergence_panel() if view == "discrete" else self._variation_panel()
        if width < 64 or height < 20:
            if width >= 2 * height + 20:
                return Figure([main, side], rows=1, cols=2, weights=(3, 2))
            return Figure([main, side], rows=2, cols=1)
        lower = self._convergence_panel() if view == "discrete" else self._speed_panel()
        side = self._variation_panel()
        return Figure([main, self._times_panel(), lower, side], rows=2, cols=2, weights=(3, 2))

    def _main_panel(self) -> Panel:
        X, Y, view = self["X"], self["Y"], self["view"]
        deepest = max(Y, float(np.max(self.drawn["cycloid"][1])))
        panel = Panel(title=T("paths from A to B (y points down)", "从 A 到 B 的路径（y 向下）"),
                      xlabel="x", ylabel=T("height −y", "高度 −y"), aspect="equal",
                      xlim=(-0.05 * X, 1.05 * X), ylim=(-1.12 * deepest, 0.08 * deepest))
        shown = CURVES if view == "race" else ("line", "cycloid")
        for name in shown:
            x, y = self.drawn[name]
            label = NAMES[name] + (f" k={self['k']:g}" if name == "power" else "")
            panel.add(Line(x, -y, label, COLORS[name]))
        if view == "race":
            for name, (bx, by) in self.beads().items():
                panel.add(Points(np.array([bx]), np.array([-by]), "", COLORS[name], "●"))
        elif view == "variation":
            eps = self.epsilon
            for name in ("line", "cycloid"):
                x, y = perturbed(self.curves[name], eps, X).points(DRAWN)
                panel.add(Line(x, -y, T("{n} + εη", "{n} + εη").format(n=NAMES[name]),
                               COLORS[name], style="dotted"))
        else:
            xs = np.linspace(0.0, X, len(self.depths))
            panel.add(Line(xs, -self.depths, NAMES["polygon"] + f" N={self['N']}", COLORS["polygon"]))
            if len(self.depths) <= 33:
                panel.add(Points(xs, -self.depths, "", COLORS["polygon"], "•"))
        panel.add(Label(0.0, 0.04 * deepest, "A", "foreground", "center"),
                  Label(X, -Y + 0.06 * deepest, "B", "foreground", "center"))
        return panel

    def _times_panel(self) -> Panel:
        names = list(CURVES) + (["polygon"] if self["view"] == "discrete" else [])
        extra = [100 * (self.times.get(n, self.polygon_times[-1]) / self.cyc.time - 1) for n in names]
        top = max([e for e in extra if math.isfinite(e)] + [1e-3])
        panel = Panel(title=T("time over the cycloid's (%)", "比摆线多用的时间（%）"),
                      xlim=(-0.7, len(names) - 0.3), ylim=(0.0, 1.3 * top))
        for i, (name, e) in enumerate(zip(names, extra)):
            shown = min(e, 1.3 * top) if math.isfinite(e) else 1.3 * top
            panel.add(Bars(np.array([float(i)]), np.array([shown]), "", COLORS[name], 0.6),
                      Label(float(i), 1.22 * top, NAMES[name], COLORS[name], "center"),
                      Label(float(i), shown + 0.08 * top, fmt(e, ".2g"), "foreground", "center"))
        return panel

    def _speed_panel(self) -> Panel:
        g, now = self["g"], min(self.clock, self.slowest)
        top = math.sqrt(2 * g * max(self["Y"], float(np.max(self.drawn["cycloid"][1]))))
        panel = Panel(title=T("speed √(2gy) against time", "速度 √(2gy) 随时间变化"),
                      xlabel=T("t (s)", "t（秒）"), xlim=(0.0, self.slowest), ylim=(0.0, 1.1 * top))
        for name in CURVES:
            w, t = self.tables[name]
            keep = t <= now if self["view"] == "race" else np.ones_like(t, bool)
            _, y, _, _ = self.curves[name].at(w[keep])
            panel.add(Line(t[keep], np.sqrt(2 * g * np.maximum(y, 0.0)), "", COLORS[name]))
        if self["view"] == "race":
            panel.add(VLine(now, "muted"))
        return panel

    def _variation_panel(self) -> Panel:
        panel = Panel(title=T("first variation ΔT(ε), η = sin(πx/X)", "一阶变分 ΔT(ε)，η = sin(πx/X)"),
                      xlabel="ε", xlim=(float(self.eps[0]), float(self.eps[-1])))
        if self.variation is None:
            panel.add(Label(0.0, 0.0, T("timing the varied curves…", "正在计算变分曲线的用时…"),
                            "muted", "center"))
            return panel
        top = float(np.max(self.variation["cycloid"][np.isfinite(self.variation["cycloid"])]))
        panel.ylim = (-0.6 * top, 1.6 * top)   # the cycloid's parabola fills the panel; the line cuts through
        for name in ("line", "cycloid"):
            dt = self.variation[name]
            panel.add(Line(self.eps, dt, NAMES[name], COLORS[name]))
        panel.add(HLine(0.0, "muted"), VLine(0.0, "muted"))
        if self["view"] == "variation":
            i = min(self.t, SWEEP)
            for name in ("line", "cycloid"):
                panel.add(Points(np.array([self.eps[i]]), np.array([self.variation[name][i]]), "",
                                 COLORS[name], "●"))
        return panel

    def _convergence_panel(self) -> Panel:
        gap = np.array(self.polygon_times) - self.cyc.time
        steps = np.arange(len(gap), dtype=float)
        panel = Panel(title=T("T_polygon − T_cycloid per step", "每步的 T_折线 − T_摆线"),
                      xlabel=T("step", "步"), yscale="log",
                      xlim=(0.0, float(max(20, 2 ** math.ceil(math.log2(max(len(gap), 2)))))))
        keep = gap > 0
        panel.add(Line(steps[keep], gap[keep], "", COLORS["polygon"]))
        return panel

    # -- numbers ----------------------------------------------------------------------

    def readout(self) -> dict[T | str, T | str]:
        out: dict[T | str, T | str] = {}
        for name in CURVES:
            label = T("T {n}", "T {n}").format(n=NAMES[name])
            out[label] = fmt(self.times[name], ".6f") + " s"
        if self["view"] == "discrete":
            out[T("T polygon", "T 折线")] = fmt(self.polygon_times[-1], ".6f") + " s"
        out["θ_B"] = fmt(self.cyc.theta_b, ".5f")
        out["a"] = fmt(self.cyc.a, ".5f")
        out[T("cycloid dips below B", "摆线低于 B")] = (T("yes (X/Y > π/2)", "是（X/Y > π/2）")
                                                   if self.cyc.dips_below_b else T("no", "否"))
        out[T("Beltrami y(1+y′²) = 2a", "Beltrami y(1+y′²) = 2a")] = T(
            "{v} (sampled: spread {d})", "{v}（采样：相对起伏 {d}）").format(
            v=fmt(2 * self.cyc.a, ".5f"), d=fmt(self.beltrami_spread, ".0e"))
        out[T("dT/dε line", "dT/dε 直线")] = fmt(self.slopes["line"], ".3e")
        out[T("dT/dε cycloid", "dT/dε 摆线")] = fmt(self.slopes["cycloid"], ".1e")
        if self["view"] == "race":
            out[T("clock", "时钟")] = fmt(self.clock, ".3f") + " s"
        elif self["view"] == "variation":
            out["ε"] = fmt(self.epsilon, "+.3f")
        return out

    def notes(self) -> list[T]:
        notes = []
        if self.cyc.dips_below_b:
            notes.append(T("X/Y > π/2: the fastest path dips below B and climbs back up to it",
                           "X/Y > π/2：最快路径先降到 B 以下，再爬升回 B"))
        if self["view"] == "race" and self.times["line"] > self.times["circle"]:
            notes.append(T("the line is the shortest path, not the fastest",
                           "直线路程最短，但不是最快"))
        if self["view"] == "discrete" and self.done and self.t < MAX_POLYGON_STEPS:
            notes.append(T("the polygon has stopped improving: its best time is still above the "
                           "cycloid's", "折线已不再改进：它的最好用时仍高于摆线"))
        return notes

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {f"T_{name}": self.times[name] for name in CURVES}
        out.update({
            "theta_B": self.cyc.theta_b, "a": self.cyc.a, "dips_below_B": self.cyc.dips_below_b,
            "T_polygon": self.polygon_times[-1], "polygon_depths": self.depths.tolist(),
            "polygon_steps": self.t if self["view"] == "discrete" else 0,
            "first_variation": None, "first_variation_line": None,
            "dT_deps_line": self.slopes["line"], "dT_deps_cycloid": self.slopes["cycloid"],
            "beads": {name: list(p) for name, p in self.beads().items()},
            "clock": self.clock, "beltrami_2a": 2 * self.cyc.a,
            "beltrami_spread": self.beltrami_spread,
            "el_residual_cycloid": self.el_residual["cycloid"],
            "el_residual_line": self.el_residual["line"],
        })
        if self.variation is not None:
            out["first_variation"] = np.stack([self.eps, self.variation["cycloid"]], 1).tolist()
            out["first_variation_line"] = np.stack([self.eps, self.variation["line"]], 1).tolist()
        return out
