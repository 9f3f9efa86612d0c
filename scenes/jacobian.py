"""Scene `jacobian`: a map of the plane seen up close is its Jacobian — cells, integrals, densities."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from calcterm.compute.maps import (
    PRESETS, cell_image_area, compose, coupling_inverse, disk_probability, gaussian, gaussian_disk,
    gaussian_sum_limits, normal_samples, plane_map, polar_sums, pushed_density,
)
from calcterm.params import Choice, Expression, Integer, Number
from calcterm.plot import Figure
from calcterm.scene import Scene
from calcterm.scenes import _jacobian_views as views
from calcterm.scenes._jacobian_views import H_FLOOR, N_MAX, TURN
from calcterm.text import T, fmt

MAPS = ("polar", "square", "exp", "shear", "coupling", "custom")
MAP_LABELS = {"polar": T("polar (r, θ)", "极坐标 (r, θ)"), "square": "z ↦ z²", "exp": "z ↦ eᶻ",
              "shear": T("shear", "剪切"), "coupling": T("coupling layer", "耦合层"),
              "custom": T("custom mx, my", "自定义 mx, my")}
VIEWS = ("cell", "integral", "density", "compose")
VIEW_LABELS = {"cell": T("a mapped cell", "映射后的小方格"), "integral": T("change of variables", "变量替换"),
               "density": T("densities", "概率密度"), "compose": T("chain rule", "链式法则")}
BATCHES = 20
"""The density view reveals its samples in this many steps."""


def _det(m: np.ndarray) -> float:
    """det of a 2 × 2 matrix; nan when an entry is undefined."""
    with np.errstate(all="ignore"):
        return float(m[0, 0] * m[1, 1] - m[0, 1] * m[1, 0])


def _matrix(m: np.ndarray) -> str:
    return f"[[{fmt(m[0, 0], '.4g')}, {fmt(m[0, 1], '.4g')}], [{fmt(m[1, 0], '.4g')}, {fmt(m[1, 1], '.4g')}]]"


class Jacobian(Scene):
    id = "jacobian"
    title = T("Jacobians: local linear maps, chain rule, change of variables",
              "雅可比：局部线性映射、链式法则与变量替换")
    summary = T("a small square mapped to a curved cell of area |det J|·h², the polar Jacobian r "
                "in an integral and a density, and J₂J₁ as the Jacobian of a composite",
                "小方格映射为面积 |det J|·h² 的曲边小块，极坐标雅可比 r 出现在积分与密度中，"
                "复合映射的雅可比是 J₂J₁")
    section = "Part 1 §2.1, §2.3, §3.3"
    order = 14
    heaviest = {"view": "integral", "n": N_MAX, "samples": 200000}
    params = (
        Choice("map", "polar", T("the map T(u, v) = (x, y); choosing one loads its formulas into "
                                 "mx, my", "映射 T(u, v) = (x, y)；选择后其公式载入 mx、my"),
               choices=MAPS, labels=MAP_LABELS),
        Expression("mx", "u*cos(v)", T("x(u, v) of a custom map (typing one selects custom)",
                                       "自定义映射的 x(u, v)（输入即选中 custom）"),
                   presets={name: pair[0] for name, pair in PRESETS.items()}, variables=("u", "v")),
        Expression("my", "u*sin(v)", T("y(u, v) of a custom map (typing one selects custom)",
                                       "自定义映射的 y(u, v)（输入即选中 custom）"),
                   presets={name: pair[1] for name, pair in PRESETS.items()}, variables=("u", "v")),
        Number("u0", 2.0, T("u of the point p", "点 p 的 u 坐标"), lo=-5.0, hi=5.0, step=0.1),
        Number("v0", math.pi / 6, T("v of the point p", "点 p 的 v 坐标"), lo=-7.0, hi=7.0, step=0.05),
        Number("h", 0.5, T("side of the little square; each step halves it",
                           "小方格的边长；每步减半"), lo=H_FLOOR, hi=2.0, step=2.0, log=True),
        Choice("view", "cell", T("what to look at", "观察内容"), choices=VIEWS, labels=VIEW_LABELS),
        Choice("second", "square", T("the map applied after T in the chain-rule view",
                                     "链式法则视图中在 T 之后作用的映射"),
               choices=MAPS[:-1], labels=MAP_LABELS),
        Number("R", 2.0, T("radius of the disk in the integral view", "积分视图中圆盘的半径"),
               lo=0.1, hi=5.0, step=0.1),
        Integer("n", 8, T("cells per side of the (r, θ) grid; each step doubles it",
                          "(r, θ) 网格每边的格数；每步加倍"), lo=1, hi=N_MAX),
        Number("theta_max", 2 * math.pi, T("how far θ runs; past 2π the disk is covered twice",
                                           "θ 的上限；超过 2π 圆盘被覆盖两次"),
               lo=0.1, hi=12.6, step=0.1),
        Number("morph", 1.0, T("draw (1 − t)·identity + t·T: 0 is the plane as it was",
                               "画出 (1 − t)·恒等映射 + t·T：0 即原来的平面"), lo=0.0, hi=1.0, step=0.1),
        Integer("samples", 20000, T("normal samples in the density view", "密度视图中的正态样本数"),
                lo=1000, hi=200000, step=1000),
    )
    explanation = T(
        "Near a point p a smooth map T looks like its Jacobian J, the 2 × 2 matrix of partial "
        "derivatives: T(p + d) ≈ T(p) + J·d. So a little square of side h is carried to a curved "
        "cell that, as h shrinks, looks more and more like the parallelogram J·[0, h]², of area "
        "|det J|·h². The cell view measures the true image's area (by Green's theorem around its "
        "edges, never using J) and divides by h²: the ratio tends to |det J| with an error "
        "proportional to h. For polar coordinates (r, θ) ↦ (r cos θ, r sin θ), det J = r.\n"
        "That local factor is the change-of-variables formula: ∫∫_D f dx dy = "
        "∫∫ f(T(u, v))·|det J| du dv, provided T is a one-to-one, continuously differentiable "
        "map of the parameter region onto D. The integral view adds up "
        "e^(−(x²+y²)/2) over a disk in (r, θ) cells: with the factor r the sums reach the true "
        "value, without it they converge just as confidently to a wrong one. Let θ run past 2π and "
        "the map stops being one-to-one: the disk is counted twice. The absolute value matters "
        "too — a map that reverses orientation has negative det J, but area is never negative.\n"
        "Densities transform the same way: if Y = g(X) with g one-to-one, p_Y(y) = "
        "p_X(g⁻¹(y))·|det J_{g⁻¹}(y)|. The radius of a standard normal point has density "
        "r·e^(−r²/2), not e^(−r²/2) (the density view's histogram decides), and a coupling layer "
        "of a normalizing flow is a map whose Jacobian is triangular, so its determinant is cheap. "
        "Finally, the chain rule in several variables is a matrix product: the Jacobian of T₂∘T₁ at "
        "p is J₂(T₁(p))·J₁(p), and determinants multiply.",
        "在点 p 附近，光滑映射 T 看起来就像它的雅可比矩阵 J（由偏导数组成的 2 × 2 矩阵）："
        "T(p + d) ≈ T(p) + J·d。所以边长为 h 的小正方形被映成一个曲边小块，h 越小它越像平行四边形 "
        "J·[0, h]²，面积为 |det J|·h²。小方格视图测量真实像的面积（沿边界用格林公式计算，完全不用 J），"
        "再除以 h²：这个比值趋于 |det J|，误差与 h 成正比。对极坐标 (r, θ) ↦ (r cos θ, r sin θ)，"
        "det J = r。\n"
        "这个局部因子就是变量替换公式：∫∫_D f dx dy = ∫∫ f(T(u, v))·|det J| du dv，"
        "前提是 T 把参数区域一一对应且连续可微地映到 D 上。积分视图把 e^(−(x²+y²)/2) 在圆盘上按 "
        "(r, θ) 小格求和：乘上因子 r，和趋于真值；漏掉它，和同样稳定地收敛——却收敛到错误的数。"
        "让 θ 超过 2π，映射就不再一一对应：圆盘被算了两次。绝对值同样重要——反转定向的映射 "
        "det J 为负，但面积永远不会是负的。\n"
        "概率密度也这样变换：若 Y = g(X) 且 g 一一对应，则 p_Y(y) = p_X(g⁻¹(y))·|det J_{g⁻¹}(y)|。"
        "标准正态点的半径密度是 r·e^(−r²/2)，而不是 e^(−r²/2)（密度视图的直方图会给出裁决）；"
        "归一化流中的耦合层是一个雅可比为三角矩阵的映射，因此行列式很容易算。"
        "最后，多元链式法则就是矩阵乘法：T₂∘T₁ 在 p 点的雅可比是 J₂(T₁(p))·J₁(p)，行列式相乘。",
    )

    # -- parameters ---------------------------------------------------------------------

    def implied(self, name: str, value: Any) -> dict[str, Any]:
        if name == "map" and value in PRESETS:
            return dict(zip(("mx", "my"), PRESETS[value]))
        if name in ("mx", "my") and self["map"] != "custom":
            return {"map": "custom"}
        return {}

    def matters(self, name: str) -> bool:
        view = self["view"]
        needs = {
            "cell": {"map", "mx", "my", "u0", "v0", "h", "morph"},
            "integral": {"R", "n", "theta_max"},
            "density": {"map", "samples"},
            "compose": {"map", "mx", "my", "u0", "v0", "second"},
        }[view] | {"view"}
        if name in ("mx", "my"):
            return name in needs and self["map"] == "custom"
        return name in needs

    # -- state --------------------------------------------------------------------------

    def setup(self) -> None:
        self.T = plane_map(self["mx"], self["my"])
        u0, v0 = self["u0"], self["v0"]
        self.J = self.T.jacobian(u0, v0)
        self.det = _det(self.J)
        self.history: list[list[float]] = []
        view = self["view"]
        if view == "cell":
            self._measure_cell()
        elif view == "integral":
            self._integrate()
        elif view == "density":
            self._prepare_density()
        else:
            self._prepare_compose()

    @property
    def pace(self) -> int:  # type: ignore[override]
        return {"cell": 24, "integral": 30, "density": 10, "compose": 8}[self["view"]]

    @property
    def done(self) -> bool:
        view = self["view"]
        if view == "cell":
            return self.h / 2 < H_FLOOR
        if view == "integral":
            return 2 * self.n > N_MAX
        if view == "density":
            return self.t >= BATCHES - 1
        return self.t >= int(360 / TURN)

    def advance(self) -> None:
        view = self["view"]
        if view == "cell":
            self._measure_cell(self.t + 1)
        elif view == "integral":
            self._integrate(self.t + 1)

    @property
    def h(self) -> float:
        return self["h"] * 0.5**self.t if self["view"] == "cell" else self["h"]

    @property
    def n(self) -> int:
        return min(self["n"] * 2**self.t, N_MAX) if self["view"] == "integral" else self["n"]

    def _measure_cell(self, t: int = 0) -> None:
        h = self["h"] * 0.5**t
        with np.errstate(all="ignore"):
            self.signed_area = cell_image_area(self.T, self["u0"], self["v0"], h)
            self.image_area = abs(self.signed_area)
            self.area_ratio = self.image_area / (h * h)
        self.history.append([h, self.area_ratio])

    def _integrate(self, t: int = 0) -> None:
        n = min(self["n"] * 2**t, N_MAX)
        sums = polar_sums(gaussian, self["R"], n, self["theta_max"])
        self.sums = sums
        self.history.append([n, sums.with_jacobian, sums.without_jacobian])

    def _prepare_density(self) -> None:
        self.coupling = self["map"] == "coupling"
        self.points = normal_samples(self["samples"], self.seed)
        if self.coupling:
            cp = plane_map(*PRESETS["coupling"])
            self.flow = cp
            x, y = cp(self.points[:, 0], self.points[:, 1])
            self.pushed = np.column_stack([x, y])
            self.p_formula = disk_probability(lambda a, b: pushed_density(cp, coupling_inverse, a, b))
            self.p_without = disk_probability(
                lambda a, b: pushed_density(cp, coupling_inverse, a, b, with_jacobian=False))
            self.mass_without = disk_probability(
                lambda a, b: pushed_density(cp, coupling_inverse, a, b, with_jacobian=False),
                radius=9.0, n=600)
        else:
            self.p_formula = 1.0 - math.exp(-0.5)
            self.p_without = math.sqrt(math.pi / 2) * math.erf(1 / math.sqrt(2))
            self.mass_without = math.sqrt(math.pi / 2)

    def _prepare_compose(self) -> None:
        second = plane_map(*PRESETS[self["second"]])
        u0, v0 = self["u0"], self["v0"]
        q = tuple(float(c) for c in self.T(u0, v0))
        self.q = q
        self.J2 = second.jacobian(*q)
        with np.errstate(all="ignore"):
            self.J_product = self.J2 @ self.J1
        self.J_composite = compose(second, self.T).jacobian(u0, v0)

    @property
    def J1(self) -> np.ndarray:
        return self.J

    @property
    def revealed(self) -> np.ndarray:
        """The samples shown so far: a growing prefix, all of them at the end."""
        count = max(1, int(len(self.points) * min(1.0, (self.t + 1) / BATCHES)))
        return (self.pushed if self.coupling else self.points)[:count]

    # -- drawing ------------------------------------------------------------------------

    def draw(self, width: int, height: int) -> Figure:
        draw = {"cell": views.cell_figure, "integral": views.integral_figure,
                "density": views.density_figure, "compose": views.compose_figure}[self["view"]]
        return draw(self, width, height)

    # -- numbers ------------------------------------------------------------------------

    def readout(self) -> dict[T | str, T | str]:
        view = self["view"]
        out: dict[T | str, T | str] = {"J": _matrix(self.J), "det J": fmt(self.det, ".8g")}
        if view == "cell":
            out.update({"h": fmt(self.h, ".3g"), T("image area", "像的面积"): fmt(self.image_area, ".8g"),
                        T("area/h²", "面积/h²"): fmt(self.area_ratio, ".8g"),
                        T("ratio − |det J|", "比值 − |det J|"): fmt(self.area_ratio - abs(self.det), ".3e")})
        elif view == "integral":
            exact = gaussian_disk(self["R"], self["theta_max"])
            out = {"n": str(self.n), T("with |J|", "乘 |J|"): fmt(self.sums.with_jacobian, ".8g"),
                   T("without |J|", "不乘 |J|"): fmt(self.sums.without_jacobian, ".8g"),
                   T("exact", "精确值"): fmt(exact, ".8g"),
                   T("error with |J|", "乘 |J| 的误差"): fmt(self.sums.with_jacobian - exact, ".3e")}
        elif view == "density":
            data = self._density_numbers()
            out = {T("samples", "样本数"): str(data["samples_used"]),
                   T("mean r", "r 的均值"): fmt(data["mean_r"], ".4f"),
                   T("P(r < 1) seen", "P(r < 1) 实测"): fmt(data["p_r_below_1"], ".4f"),
                   T("with |J|", "含 |J|"): fmt(data["p_r_below_1_formula"], ".4f"),
                   T("without |J|", "缺 |J|"): fmt(data["p_r_below_1_without_jacobian"], ".4f"),
                   T("mass without |J|", "缺 |J| 时总质量"): fmt(data["mass_without_jacobian"], ".4f")}
        else:
            out = {"J₁": _matrix(self.J1), "J₂": _matrix(self.J2), "J₂J₁": _matrix(self.J_product),
                   T("J of T₂∘T₁", "T₂∘T₁ 的 J"): _matrix(self.J_composite),
                   "det": f"{fmt(_det(self.J_composite), '.6g')} = "
                          f"{fmt(_det(self.J2), '.6g')} × {fmt(self.det, '.6g')}"}
        return out

    def _density_numbers(self) -> dict[str, Any]:
        shown = self.revealed
        r = np.hypot(shown[:, 0], shown[:, 1])
        return {"samples_used": len(shown), "mean_r": float(r.mean()),
                "p_r_below_1": float(np.mean(r < 1.0)), "p_r_below_1_formula": self.p_formula,
                "p_r_below_1_without_jacobian": self.p_without,
                "mass_without_jacobian": self.mass_without,
                "mean_r_exact": None if self.coupling else math.sqrt(math.pi / 2)}

    def notes(self) -> list[T]:
        view, notes = self["view"], []
        if view in ("cell", "compose") and not math.isfinite(self.det):
            notes.append(T("T has no derivative at p", "T 在 p 点不可导"))
        elif view == "cell" and self.det < 0:
            notes.append(T("det J < 0: T reverses orientation here; the area is |det J|·h²",
                           "det J < 0：T 在此反转定向；面积是 |det J|·h²"))
        elif view == "cell" and self.det == 0:
            notes.append(T("det J = 0: T squashes the square flat here, so it is not one-to-one nearby",
                           "det J = 0：T 在此把方格压扁，附近不是一一映射"))
        if view == "cell" and self["morph"] < 1:
            notes.append(T("the picture shows the map part of the way (morph < 1); the numbers are for T",
                           "图中映射只进行了一部分（morph < 1）；数值针对完整的 T"))
        if view == "integral" and self["theta_max"] > 2 * math.pi:
            notes.append(T("θ runs past 2π: the map is not one-to-one and the overlap is counted twice",
                           "θ 超过 2π：映射不再一一对应，重叠部分被算了两次"))
        if view == "integral" and self["theta_max"] < 2 * math.pi - 1e-9:
            notes.append(T("θ stops short of 2π: the cells cover a sector, not the whole disk",
                           "θ 未到 2π：小格只覆盖一个扇形，而不是整个圆盘"))
        if view == "density" and self["map"] not in ("polar", "coupling"):
            notes.append(T("the density view shows polar coordinates; choose coupling for a flow layer",
                           "密度视图展示极坐标；选择 coupling 可看流模型的一层"))
        return notes

    def data(self) -> dict[str, Any]:
        view = self["view"]
        out: dict[str, Any] = {"view": view, "J": self.J.tolist(), "det": self.det}
        if view == "cell":
            out.update(h=self.h, image_area=self.image_area, signed_area=self.signed_area,
                       area_ratio=self.area_ratio, history=self.history)
        elif view == "integral":
            limits = gaussian_sum_limits(self["R"], self["theta_max"])
            out.update(n=self.n, with_jacobian=self.sums.with_jacobian,
                       without_jacobian=self.sums.without_jacobian,
                       exact=gaussian_disk(self["R"], self["theta_max"]),
                       with_jacobian_limit=limits.with_jacobian,
                       without_jacobian_limit=limits.without_jacobian, history=self.history)
        elif view == "density":
            out.update(self._density_numbers())
        else:
            out.update(J1=self.J1.tolist(), J2=self.J2.tolist(), J_product=self.J_product.tolist(),
                       J_composite=self.J_composite.tolist(),
                       det_composite=float(_det(self.J_composite)), Tp=list(self.q))
        return out
