"""Scene `lagrange`: tangency of level curves, the multiplier, and the KKT conditions."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from calcterm.compute import constrained as cs
from calcterm.params import Choice, Expression, Number
from calcterm.plot import Trail
from calcterm.scene import Scene
from calcterm.scenes._lagrange_view import LagrangePictures
from calcterm.text import T, fmt

QUIET = np.errstate(all="ignore")
"""A huge f or g overflows to inf/nan in the numbers at P; those are shown as such."""
TICKS = 120
"""Steps in one story: P goes once round the constraint (3° a step on the circle), or the
centre crosses from (−2cx, −2cy) to (2cx, 2cy)."""
PRESETS = {
    "circle": ("(x-cx)^2 + (y-cy)^2", "x^2 + y^2 - c"),
    "line": ("x^2 + y^2", "x + y - c"),
    "ellipse-xy": ("x*y", "x^2/4 + y^2 - c"),
    "cusp": ("x", "y^2 - x^3 + 1 - c"),
}
PROBLEMS = (*PRESETS, "custom")
F_PRESETS = {"(x−cx)² + (y−cy)²": PRESETS["circle"][0], "x² + y²": PRESETS["line"][0],
             "xy": PRESETS["ellipse-xy"][0], "x": PRESETS["cusp"][0]}
G_PRESETS = {"x² + y² = c": PRESETS["circle"][1], "x + y = c": PRESETS["line"][1],
             "x²/4 + y² = c": PRESETS["ellipse-xy"][1], "y² = x³ + c − 1": PRESETS["cusp"][1]}


def _pair(v: Any, spec: str = ".4g") -> str:
    """A vector as text; entries below 1e-12 of its largest are rounding noise and shown as 0."""
    v = np.asarray(v, dtype=float)
    big = float(np.nanmax(np.abs(v))) if np.isfinite(v).any() else 0.0
    v = np.where(np.abs(v) <= 1e-12 * big, 0.0, v)
    return "(" + ", ".join(fmt(float(a), spec) for a in v) + ")"




class Lagrange(LagrangePictures, Scene):
    id = "lagrange"
    title = T("Lagrange multipliers and KKT", "拉格朗日乘数与 KKT 条件")
    summary = T("a point walking the constraint until ∇f and ∇g line up; λ as the price of the "
                "constraint; complementary slackness switching on",
                "沿约束行走的点，直到 ∇f 与 ∇g 共线；λ 是约束的价格；互补松弛随之切换")
    section = "Part 2 §2.1–2.3"
    order = 42
    pace = 4
    heaviest = {"kind": "inequality", "animate": "center"}
    min_plot = (40, 12)
    params = (
        Choice("problem", "circle", T("the problem; choosing one loads its f and g",
                                      "问题；选择后载入对应的 f 与 g"), choices=PROBLEMS,
               labels={"circle": T("circle: nearest point", "圆：最近点"),
                       "line": T("line: x² + y² on x + y = c", "直线：x + y = c 上的 x² + y²"),
                       "ellipse-xy": T("ellipse: xy", "椭圆：xy"),
                       "cusp": T("cusp: LICQ fails", "尖点：LICQ 不成立"),
                       "custom": T("custom f, g", "自定义 f、g")}),
        Expression("f", PRESETS["circle"][0], T("the objective, in x, y (may use cx, cy, c); "
                                                "e types one", "目标函数，变量 x、y（可用 cx、cy、c）；按 e 输入"),
                   presets=F_PRESETS, variables=cs.VARIABLES),
        Expression("g", PRESETS["circle"][1], T("the constraint g = 0 (or g ≤ 0), in x, y "
                                                "(may use c)", "约束 g = 0（或 g ≤ 0），变量 x、y（可用 c）"),
                   presets=G_PRESETS, variables=cs.VARIABLES),
        Number("cx", 2.0, T("centre x (the circle problem's target point)", "圆心 x（圆问题的目标点）"),
               lo=-4.0, hi=4.0, step=0.1),
        Number("cy", 1.0, T("centre y", "圆心 y"), lo=-4.0, hi=4.0, step=0.1),
        Number("c", 1.0, T("constraint level c; −df*/dc is the shadow price",
                           "约束水平 c；−df*/dc 即影子价格"), lo=0.1, hi=4.0, step=0.1),
        Choice("kind", "equality", T("g = 0, or the region g ≤ 0", "g = 0，或区域 g ≤ 0"),
               choices=("equality", "inequality"),
               labels={"equality": T("equality g = 0", "等式 g = 0"),
                       "inequality": T("inequality g ≤ 0", "不等式 g ≤ 0")}),
        Choice("animate", "walk", T("walk: P goes round the constraint; center: the centre "
                                    "crosses the region and λ* follows",
                                    "walk：P 沿约束走一圈；center：圆心穿过区域，λ* 随之变化"),
               choices=("walk", "center"),
               labels={"walk": T("walk P", "P 行走"), "center": T("move centre", "移动圆心")}),
    )

    def implied(self, name: str, value: Any) -> dict[str, Any]:
        if name == "problem" and value in PRESETS:
            return dict(zip(("f", "g"), PRESETS[value]))
        if name in ("f", "g"):
            pair = (value, self.values["g"]) if name == "f" else (self.values["f"], value)
            match = next((k for k, v in PRESETS.items() if v == pair), "custom")
            return {"problem": match}
        return {}

    def matters(self, name: str) -> bool:
        if name in ("cx", "cy", "c"):
            return cs.uses(self.values["f"], name) or cs.uses(self.values["g"], name)
        if name == "animate":
            return self.moves_centre
        return True

    @property
    def moves_centre(self) -> bool:
        return cs.uses(self.values["f"], "cx") or cs.uses(self.values["f"], "cy")

    # ------------------------------------------------------------------ state

    def setup(self) -> None:
        self.centre_mode = self["animate"] == "center" and self.moves_centre
        cx, cy = self["cx"], self["cy"]
        self.base = cs.Problem.from_text(self["f"], self["g"], self["kind"] == "inequality",
                                         cx=cx, cy=cy, c=self["c"])
        self.start_centre = np.array([-2 * cx, -2 * cy]) if self.centre_mode else np.array([cx, cy])
        self.end_centre = np.array([2 * cx, 2 * cy]) if self.centre_mode else np.array([cx, cy])
        self.view = self._choose_view()
        self.curve = cs.trace(self.base, self.view)
        self.wide = self._square(3.0)  # the renderer widens a square view to the panel's shape
        self.drawn = cs.trace(self.base, self.wide, 241)
        g_pts = self.curve.points
        if not self.curve.empty:
            _, self.gx_curve, self.gy_curve = self.base.gradients(self.base.g, g_pts[:, 0], g_pts[:, 1])
        self.path = Trail(T("x*(t)", "x*(t)"), "success")
        self.history: list[tuple[float, float]] = []
        self.positions = [self.p_at(0)]
        self._solve_at(0)

    def _choose_view(self) -> tuple[float, float, float, float]:
        """A square holding the critical points, the centre(s) and any closed piece of g = 0,
        found by a coarse look at [−8, 8]²; at least 3 across, at most the coarse window."""
        wide = (-8.0, 8.0, -8.0, 8.0)
        coarse = cs.trace(self.base, wide, 121)
        sol = cs.solve(self.base, coarse, wide)
        points = [np.array([k.x, k.y]) for k in sol.critical]
        points += [coarse.points[coarse.piece == k] for k, closed in enumerate(coarse.closed) if closed]
        if self.moves_centre:
            points += [self.start_centre, self.end_centre]
        if not points:
            points = [np.zeros(2)]
        cloud = np.vstack([np.reshape(q, (-1, 2)) for q in points])
        lo, hi = cloud.min(0), cloud.max(0)
        mid = np.clip(0.5 * (lo + hi), -8.0, 8.0)
        half = float(np.clip(0.5 * float(np.max(hi - lo)) * 1.3 + 0.3, 1.5, 8.0))
        return (mid[0] - half, mid[0] + half, mid[1] - half, mid[1] + half)

    def _square(self, scale: float) -> tuple[float, float, float, float]:
        """The view scaled about its own centre."""
        v = self.view
        mx, my, half = 0.5 * (v[0] + v[1]), 0.5 * (v[2] + v[3]), 0.5 * (v[1] - v[0]) * scale
        return (mx - half, mx + half, my - half, my + half)

    def problem_at(self, k: int) -> cs.Problem:
        if not self.centre_mode:
            return self.base
        centre = self.centre_at(k)
        return self.base.at(cx=float(centre[0]), cy=float(centre[1]))

    @property
    def problem(self) -> cs.Problem:
        return self.problem_at(self.t)

    def centre_at(self, k: int) -> np.ndarray:
        u = min(k, TICKS) / TICKS
        return self.start_centre + u * (self.end_centre - self.start_centre)

    @property
    def centre(self) -> np.ndarray:
        return self.centre_at(self.t)

    @QUIET
    def _solve_at(self, k: int) -> None:
        """Everything that depends on f at step k: critical points, optimum, values along g = 0."""
        p = self.problem_at(k)
        self.solution = cs.solve(p, self.curve, self.view)
        best = self.solution.best
        self.table = cs.kkt(p, best) if best is not None else None
        hessian = cs.lagrangian_hessian(p, best.x, best.y, best.lam) if best is not None else None
        if hessian is not None and np.isfinite(hessian).all():
            self.hessian_eig = np.linalg.eigvalsh(hessian)
        else:
            self.hessian_eig = np.full(3, np.nan)
        uses_c = cs.uses(self.base.f.text, "c") or cs.uses(self.base.g.text, "c")
        if best is None:
            self.price = math.nan
        else:
            self.price = cs.shadow_price(p, self.view, best) + 0.0 if uses_c else 0.0
        if not self.curve.empty:
            pts = self.curve.points
            fv, fx, fy = p.gradients(p.f, pts[:, 0], pts[:, 1])
            breaks = np.r_[self.curve.piece[1:] != self.curve.piece[:-1], False]
            self.f_curve = np.where(breaks, np.nan, fv)
            self.cross_curve = np.where(breaks, np.nan, fx * self.gy_curve - fy * self.gx_curve)
        if self.centre_mode:
            if best is not None:
                self.path.extend(best.point)
            self.history.append((min(k, TICKS) / TICKS, best.lam if best is not None else math.nan))

    @property
    def done(self) -> bool:
        return self.t >= TICKS or (self.curve.empty and not self.centre_mode)

    def advance(self) -> None:
        """Step t → t + 1 (the base class then counts it): move P, or move the centre and re-solve."""
        if self.centre_mode:
            self._solve_at(self.t + 1)
        else:
            self.positions.append(self.p_at(self.t + 1))

    @QUIET
    def p_at(self, k: int) -> np.ndarray:
        """P: a fraction k/TICKS of the way along the traced curve, pulled onto g = 0 exactly."""
        if self.curve.empty:
            return np.array([math.nan, math.nan])
        s = min(k, TICKS) / TICKS
        q = self.curve.at(min(s, 1.0 - 1e-12) if not self.curve.closed[0] else s)
        for _ in range(3):
            gv, gx, gy = self.base.gradients(self.base.g, q[0], q[1])
            norm = float(gx * gx + gy * gy)
            if not (norm > 1e-20 and np.isfinite(gv)):
                break
            q = q - float(gv) / norm * np.array([float(gx), float(gy)])
        return q

    @QUIET
    def at_p(self) -> dict[str, Any]:
        p, q = self.problem, self.positions[-1]
        fv, fx, fy = (float(a) for a in p.gradients(p.f, q[0], q[1]))
        gv, gx, gy = (float(a) for a in p.gradients(p.g, q[0], q[1]))
        return {"P": q, "f": fv, "g": gv, "grad_f": np.array([fx, fy]), "grad_g": np.array([gx, gy]),
                "lambda": float(cs.multiplier(p, q[0], q[1])), "cross": fx * gy - fy * gx,
                "s": min(self.t, TICKS) / TICKS}

    # ------------------------------------------------------------------- numbers

    @QUIET
    def readout(self) -> dict[T | str, T | str]:
        out: dict[T | str, T | str] = {}
        if self.centre_mode:
            out[T("centre", "圆心")] = _pair(self.centre, ".3g")
        elif not self.curve.empty:
            here = self.at_p()
            out["P"] = _pair(here["P"], ".3g")
            out["f, g"] = fmt(here["f"], ".4g") + ", " + fmt(here["g"], ".1g")
            out["∇f, ∇g"] = _pair(here["grad_f"], ".3g") + " " + _pair(here["grad_g"], ".3g")
            out["λ(P)"] = fmt(here["lambda"], ".4g")
            out["∇f×∇g"] = fmt(here["cross"], ".3g")
        best = self.solution.best
        if best is None:
            out["x*"] = T("none found", "未找到")
            return out
        out["x*"] = _pair(best.point, ".4g")
        out["f*"] = fmt(best.f, ".6g")
        out["λ*"] = fmt(best.lam, ".6g") if math.isfinite(best.lam) else T("none", "不存在")
        out["−df*/dc"] = fmt(self.price, ".6g")
        t = self.table
        out["LICQ"] = T("holds", "成立") if t.licq else T("fails", "不成立")
        out[T("KKT ‖∇𝓛‖ g λg", "KKT ‖∇𝓛‖ g λg")] = " ".join(
            fmt(v, ".0e") for v in (t.stationarity, t.primal, t.complementary))
        out["eig ∇²𝓛"] = _pair(self.hessian_eig, ".3g")
        return out

    @QUIET
    def notes(self) -> list[T]:
        if self.curve.empty:
            return [T("g changes sign nowhere in view, so g = 0 is no curve here", "视野内 g 不变号，这里的 g = 0 不构成曲线")]
        notes: list[T] = []
        best = self.solution.best
        if not self.solution.bounded:
            notes.append(T("f keeps falling toward the edge of the view: no minimum here",
                           "f 朝视野边缘持续下降：这里没有最小值"))
        if best is not None and not self.table.licq:
            notes.append(T("∇g(x*) = 0: no λ balances ∇f, yet x* is the minimum (LICQ fails)",
                           "∇g(x*) = 0：没有 λ 能平衡 ∇f，但 x* 仍是最小点（LICQ 不成立）"))
        if best is not None and self.base.inequality and not self.table.active:
            notes.append(T("the constraint is slack: x* is inside and λ* = 0",
                           "约束是松的：x* 在内部，λ* = 0"))
        passed = self.passed()
        if passed is not None and passed.kind == "max":
            notes.append(T("∇f ∥ ∇g again, but at the maximum: the rule is necessary, not sufficient",
                           "∇f ∥ ∇g 再次成立，但那是最大点：该法则必要而非充分"))
        elif passed is not None:
            notes.append(T("∇f × ∇g just changed sign: P passed a critical point, where ∇f = −λ∇g",
                           "∇f × ∇g 刚刚变号：P 经过了一个临界点，那里 ∇f = −λ∇g"))
        return notes

    @QUIET
    def passed(self) -> cs.Critical | None:
        """The critical point P crossed in its last step (∇f × ∇g changed sign), if any."""
        if self.centre_mode or len(self.positions) < 2 or not self.solution.critical:
            return None
        p = self.base
        crosses = []
        for q in self.positions[-2:]:
            _, fx, fy = p.gradients(p.f, q[0], q[1])
            _, gx, gy = p.gradients(p.g, q[0], q[1])
            crosses.append(float(fx * gy - fy * gx))
        if not crosses[0] * crosses[1] <= 0:
            return None
        here = self.positions[-1]
        return min(self.solution.critical, key=lambda k: math.hypot(k.x - here[0], k.y - here[1]))

    @QUIET
    def data(self) -> dict[str, Any]:
        best = self.solution.best
        nan2 = [math.nan, math.nan]
        t = self.table
        out: dict[str, Any] = {
            "problem": self["problem"], "kind": self["kind"],
            "x_star": best.point.tolist() if best else nan2,
            "f_star": best.f if best else math.nan,
            "lambda_star": best.lam if best else math.nan,
            "active": bool(t.active) if t else False,
            "licq": bool(t.licq) if t else False,
            "stationarity_residual": t.stationarity if t else math.nan,
            "primal_residual": t.primal if t else math.nan,
            "complementary_slackness": t.complementary if t else math.nan,
            "shadow_price": self.price,
            "critical_points": [{"x": [k.x, k.y], "f": k.f, "lambda": k.lam, "kind": k.kind}
                                for k in self.solution.critical],
            "lagrangian_hessian_eigenvalues": self.hessian_eig.tolist(),
            "bounded": self.solution.bounded,
            "path": (self.path.xy.tolist() if self.centre_mode
                     else [q.tolist() for q in self.positions]),
        }
        if self.centre_mode:
            out["centre"] = self.centre.tolist()
            out["lambda_path"] = [lam for _, lam in self.history]
        elif not self.curve.empty:
            here = self.at_p()
            out["P"] = here["P"].tolist()
            out["lambda_P"] = here["lambda"]
            out["cross_P"] = here["cross"]
        return out

    def explain(self) -> T:
        """The paragraph about what is on screen comes first: KKT when g ≤ 0 or the centre moves,
        LICQ for the cusp, tangency otherwise."""
        if self.base.inequality or self.centre_mode:
            order = (3, 0, 1, 2)
        elif self["problem"] == "cusp":
            order = (1, 0, 2, 3)
        else:
            order = (0, 1, 2, 3)
        return T("\n".join(PARAGRAPHS[i][0] for i in order), "\n".join(PARAGRAPHS[i][1] for i in order))


PARAGRAPHS = (
    (
        "Minimise f on the orange curve g = 0. P walks along it carrying two arrows, ∇f (white) "
        "and ∇g (orange). Wherever the arrows are not parallel, ∇f has a part along the curve, "
        "so a small step along the curve still changes f: P is not at a critical point. They "
        "line up exactly where a contour of f (green) only touches the curve: there ∇f = −λ∇g "
        "for one number λ, the multiplier. The right panels show f along the curve and the cross "
        "product ∇f × ∇g, which is zero precisely at those points.",
        "在橙色曲线 g = 0 上求 f 的最小值。点 P 沿曲线行走，带着两个箭头：∇f（白）"
        "与 ∇g（橙）。两箭头不平行时，∇f 在曲线方向上有分量，沿曲线移动一小步仍会改变 f，"
        "所以 P 不是临界点。当 f 的某条等高线（绿色）恰好与曲线相切时，两箭头共线：此时 ∇"
        "f = −λ∇g，λ 就是乘数。右侧两图分别是沿曲线的 f 与叉积 ∇f × ∇g，后者"
        "恰在这些点处为零。"),
    (
        "Writing 𝓛 = f + λg turns the conditions ∇f + λ∇g = 0, g = 0 into ∇𝓛 = 0, but (x*, λ*) is "
        "a saddle of 𝓛, "
        "not its minimum: 𝓛 is linear in λ, and the readout's Hessian of 𝓛 has eigenvalues of "
        "both signs. The rule also needs ∇g(x*) ≠ 0 (LICQ); the cusp problem min x on y² = x³ "
        "has its minimum at the tip, where ∇g = 0 and no λ exists. And the conditions are only "
        "necessary: on the circle they hold at the farthest point too.",
        "令 𝓛 = f + λg，条件 ∇f + λ∇g = 0、g = 0 就写成 ∇𝓛 = 0；但 (x*, λ*) 是 𝓛 的"
        "鞍点而非最小点：𝓛 关于 λ 是线性的，读数中 𝓛 的 Hessian 特征值有正有负。"
        "该法则还要求 ∇g(x*) ≠ 0（LICQ）：尖点问题——在 y² = x³ 上求 x"
        " 的最小值——最小点在尖端，那里 ∇g = 0，λ 不存在。这些条件也只是必要条件：在圆"
        "上，最远点同样满足它们。"),
    (
        "λ is a price: raise the level c by a little and f* moves by about −λ·dc. The readout set"
        "s the finite difference −df*/dc beside λ*.",
        "λ 是价格：把约束水平 c 提高一点，f* 大约改变 −λ·dc。读数把差分 −df*/"
        "dc 与 λ* 并列。"),
    (
        "With g ≤ 0 (inequality) the feasible region is shaded and the KKT conditions apply: ∇f "
        "+ λ∇g = 0, g ≤ 0, λ ≥ 0 and λg = 0. For convex problems with a strictly feasible point "
        "(Slater) they are necessary and sufficient. Choose animate = center: while the centre "
        "is inside the disc the constraint is slack and λ* = 0; once it leaves, the constraint "
        "binds and λ* grows.",
        "选 g ≤ 0（不等式）时可行域被点染，适用 KKT 条件：∇f + λ∇g = 0、g"
        " ≤ 0、λ ≥ 0 且 λg = 0。对存在严格可行点（Slater 条件）的凸问题，"
        "它们既必要又充分。选 animate = center：圆心在圆盘内部时约束是松的，λ*"
        " = 0；一旦离开，约束起作用，λ* 开始增大。"),
)
