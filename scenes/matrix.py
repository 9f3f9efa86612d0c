"""Scene `matrix`: matrix-calculus identities checked entry by entry against central
differences, with the error's V against the step h, the row-major vec trap and the batch
gradient's shape."""

from __future__ import annotations

from typing import Any

import numpy as np

from calcterm.compute.matrixcalc import (
    IDENTITIES, VEC_IDENTITIES, Check, comparison, make_check, max_error,
)
from calcterm.params import Choice, Integer, Number, Toggle
from calcterm.plot import Bars, Figure, Label, Line, Panel, Points
from calcterm.scene import Scene
from calcterm.text import T, fmt

H_FLOOR = 1e-13
H_GRID = np.logspace(0.0, -13.0, 53)
SYMMETRIC_MATTERS = ("quadratic", "frobenius", "logdet", "trace")
AGREE = 1e-3
"""An entry counts as disagreeing (red) when |analytic − numeric| > AGREE·(1 + |analytic|)."""
HOLDS = 1e-6
"""The identity holds when the best step brings every entry within HOLDS·(1 + max|analytic|)."""


def _dims(m: np.ndarray) -> str:
    return "×".join(str(d) for d in (m.shape if m.ndim == 2 else (m.shape[0], 1)))


def _matrix_lines(name: str, m: np.ndarray, rows: int = 4, cols: int = 5) -> list[str]:
    """A matrix as a few lines of text, cut to rows × cols with '…'."""
    m2 = m.reshape(-1, 1) if m.ndim == 1 else m
    lines = [f"{name} ({_dims(m)})"]
    for r in m2[:rows]:
        cells = " ".join(f"{v:6.3g}" for v in r[:cols]) + (" …" if m2.shape[1] > cols else "")
        lines.append("[" + cells + " ]")
    if m2.shape[0] > rows:
        lines.append("  ⋮")
    return lines


def _join(lines: list[T | str]) -> T:
    """Lines of text, some bilingual, as one bilingual block."""
    return T("\n".join(line.en if isinstance(line, T) else line for line in lines),
             "\n".join(line.zh if isinstance(line, T) else line for line in lines))


class Matrix(Scene):
    id = "matrix"
    title = T("Matrix calculus, checked entry by entry", "矩阵微积分：逐项验证")
    summary = T("gradients, Kronecker products and vec identities against finite differences; "
                "the batch gradient is (∂L/∂Z)ᵀX, and NumPy's row-major vec changes the formula",
                "把梯度、Kronecker 积与 vec 恒等式同有限差分逐项比较；批量梯度是 (∂L/∂Z)ᵀX，"
                "NumPy 的行优先 vec 会改变公式")
    section = "Part 4 §2.1–2.4"
    order = 58
    pace = 6
    heaviest = {"identity": "kron-mixed", "n": 8, "preset": "random"}
    min_plot = (34, 10)
    params = (
        Choice("identity", "quadratic", T("which identity to check", "要验证的恒等式"),
               choices=IDENTITIES,
               labels={"linear": "∂aᵀx/∂x", "quadratic": "∂xᵀAx/∂x", "frobenius": "∂‖X‖²_F/∂X",
                       "logdet": "∂ln det X/∂X", "trace": "∂tr(AX)/∂X", "kron-vec": "vec(AXB)",
                       "kron-mixed": T("Kronecker mixed product", "Kronecker 混合积"),
                       "kron-inverse": T("Kronecker inverse", "Kronecker 逆"),
                       "batch-grad": T("batch gradient", "批量梯度"),
                       "vectorize": T("loop vs matmul", "循环与矩阵乘法")}),
        Toggle("symmetric", False, T("use a symmetric A (or X)", "使用对称的 A（或 X）")),
        Choice("order", "column", T("how vec stacks a matrix: by columns (textbook) or by rows "
                                    "(NumPy's ravel)", "vec 的展开方式：按列（教科书）或按行（NumPy 的 ravel）"),
               choices=("column", "row"),
               labels={"column": T("column", "按列"), "row": T("row", "按行")}),
        Integer("n", 3, T("size of the matrices (random shapes go up to n)",
                          "矩阵的大小（随机形状最大为 n）"), lo=2, hi=8),
        Number("h", 1e-2, T("the starting finite-difference step; the animation halves it",
                            "有限差分的初始步长；动画每步将其减半"),
               lo=1e-12, hi=1.0, step=2.0, log=True),
        Choice("preset", "article", T("small fixed integer matrices (the article's shapes for the "
                                      "batch gradient), or random ones", "固定的小整数矩阵（批量梯度用文章的形状），"
                                      "或随机矩阵"),
               choices=("article", "random"),
               labels={"article": T("article", "文章"), "random": T("random", "随机")}),
    )
    explanation = T(
        "Every identity here is a derivative, and every derivative is checked the slow, "
        "reliable way: nudge one input entry by ±h, difference the outputs and divide by 2h. "
        "The agreement panel plots each analytic entry against its finite-difference twin; "
        "agreement puts the points on the diagonal. The error panel plots the worst entry's "
        "error against h. Truncation falls like h² (it vanishes for linear maps and "
        "quadratics), rounding grows like ε/h, and together they make a V whose bottom is near "
        "h ≈ 1e-5. The animation halves h so you can watch the points leave the diagonal once "
        "rounding takes over.\n"
        "The rules: ∂aᵀx/∂x = a; ∂xᵀAx/∂x = (A + Aᵀ)x, which is 2Ax only for symmetric A; "
        "∂‖X‖²_F/∂X = 2X; ∂ln|det X|/∂X = X⁻ᵀ; ∂tr(AX)/∂X = Aᵀ. Kronecker products are "
        "Jacobians of linear maps: X ↦ AXB has Jacobian Bᵀ ⊗ A when vec stacks columns. "
        "NumPy's ravel stacks rows, and then the same map has Jacobian A ⊗ Bᵀ; the "
        "textbook formula applied to a row-major ravel gives wrong numbers (switch order). "
        "The mixed product (A ⊗ B)(C ⊗ D) = (AC) ⊗ (BD) is the chain rule for two such maps in "
        "a row, and (A ⊗ B)⁻¹ = A⁻¹ ⊗ B⁻¹ is the Jacobian of the inverse map.\n"
        "Batch gradient: with Z = XWᵀ + 1bᵀ (X is batch × in, W is out × in) and G = ∂L/∂Z "
        "(batch × out), ∂L/∂W = GᵀX (out × in), which is the sum over examples of the outer "
        "products g_i x_iᵀ, and ∂L/∂b = Gᵀ1. The product GXᵀ is (batch × out)(in × batch), "
        "undefined unless out = in, and wrong even then. The loop-vs-matmul view times the "
        "double loop over examples and outputs against one matrix product that computes the "
        "same Z.",
        "这里的每个恒等式都是一个导数，每个导数都用最慢也最可靠的方法检验：把输入的一个元素加减 h，"
        "输出相减再除以 2h。一致性图把每个解析元素与对应的有限差分元素画成一点，一致时点落在"
        "对角线上。误差图画出最差元素的误差随 h 的变化。截断误差按 h² 下降（对线性映射和二次"
        "函数为零），舍入误差按 ε/h 增长，两者合成 V 字，谷底约在 h ≈ 1e-5。动画把 h 逐步减半，"
        "舍入误差占上风后，可以看到点离开对角线。\n"
        "规则：∂aᵀx/∂x = a；∂xᵀAx/∂x = (A + Aᵀ)x，只有 A 对称时才等于 2Ax；∂‖X‖²_F/∂X = 2X；"
        "∂ln|det X|/∂X = X⁻ᵀ；∂tr(AX)/∂X = Aᵀ。Kronecker 积是线性映射的雅可比矩阵：vec 按列展开时，"
        "X ↦ AXB 的雅可比是 Bᵀ ⊗ A。NumPy 的 ravel 按行展开，此时同一映射的雅可比是 A ⊗ Bᵀ；"
        "把教科书公式用在按行展开的向量上会得到错误的数（切换 order 试试）。混合积 "
        "(A ⊗ B)(C ⊗ D) = (AC) ⊗ (BD) 是两个这样的映射接连作用时的链式法则，"
        "(A ⊗ B)⁻¹ = A⁻¹ ⊗ B⁻¹ 是逆映射的雅可比。\n"
        "批量梯度：设 Z = XWᵀ + 1bᵀ（X 为 batch × in，W 为 out × in），G = ∂L/∂Z（batch × out），"
        "则 ∂L/∂W = GᵀX（out × in），即各样本外积 g_i x_iᵀ 之和，∂L/∂b = Gᵀ1。乘积 GXᵀ 的形状是 "
        "(batch × out)(in × batch)，除非 out = in 否则无定义，即便有定义也是错的。循环与矩阵乘法"
        "视图比较两重循环（遍历样本和输出）与一次矩阵乘法计算同一个 Z 的用时。",
    )

    def matters(self, name: str) -> bool:
        identity = self["identity"]
        if name == "symmetric":
            return identity in SYMMETRIC_MATTERS
        if name == "order":
            return identity in VEC_IDENTITIES
        if name == "h":
            return identity != "vectorize"
        return True

    # -- state ------------------------------------------------------------------------

    def setup(self) -> None:
        rng = np.random.default_rng(self.seed)
        self.check: Check = make_check(self["identity"], self["n"], self["order"], self["symmetric"],
                                       self["preset"], rng)
        self.scale = 1.0 + float(np.max(np.abs(self.check.analytic)))
        if self.check.differentiable:
            self.errors = max_error(self.check, H_GRID)
            self.best = float(np.min(self.errors))
            self.holds = self.best <= HOLDS * self.scale
        else:
            analytic, looped = comparison(self.check, 0.0)
            self.errors = np.array([])
            self.best = float(np.max(np.abs(analytic - looped)))
            self.holds = self.best <= 1e-12 * self.scale
        self._now: tuple[int, tuple[np.ndarray, np.ndarray]] | None = None

    @property
    def h(self) -> float:
        return max(self["h"] * 0.5 ** self.t, H_FLOOR)

    @property
    def done(self) -> bool:
        return not self.check.differentiable or self["h"] * 0.5 ** self.t < H_FLOOR

    def entries(self) -> tuple[np.ndarray, np.ndarray]:
        """(analytic, numeric) entries at the current h (cached for the current step)."""
        if self._now is None or self._now[0] != self.t:
            self._now = (self.t, comparison(self.check, self.h))
        return self._now[1]

    @property
    def max_abs_error(self) -> float:
        analytic, numeric = self.entries()
        return float(np.max(np.abs(analytic - numeric)))

    # -- pictures ---------------------------------------------------------------------

    def draw(self, width: int, height: int) -> Figure:
        if width < 64 or height < 20:
            if width >= 2 * height + 20:
                return Figure([self._agreement_panel(), self._error_panel()], rows=1, cols=2)
            return Figure([self._agreement_panel(), self._error_panel()], rows=2, cols=1)
        return Figure([self._agreement_panel(), self._error_panel(), self._matrices_panel(height),
                       self._entry_panel()], rows=2, cols=2)

    def _agreement_panel(self) -> Panel:
        analytic, numeric = self.entries()
        finite = np.isfinite(numeric)
        lo = float(min(analytic.min(), numeric[finite].min() if finite.any() else analytic.min()))
        hi = float(max(analytic.max(), numeric[finite].max() if finite.any() else analytic.max()))
        pad = 0.08 * (hi - lo) or 1.0
        what = (T("looped entry", "循环结果") if not self.check.differentiable
                else T("difference quotient", "差商"))
        panel = Panel(title=T("analytic against {w}", "解析值对{w}").format(w=what),
                      xlabel=T("analytic", "解析值"), xlim=(lo - pad, hi + pad), ylim=(lo - pad, hi + pad))
        bad = np.abs(analytic - numeric) > AGREE * (1 + np.abs(analytic))
        diag = np.array([lo - pad, hi + pad])
        panel.add(Line(diag, diag, "", "muted"))
        if (~bad).any():
            panel.add(Points(analytic[~bad], numeric[~bad], T("agree", "一致"), "success", "•"))
        if bad.any():
            panel.add(Points(analytic[bad], np.clip(numeric[bad], lo - pad, hi + pad),
                             T("disagree", "不一致"), "error", "x"))
        return panel

    def _error_panel(self) -> Panel:
        if not self.check.differentiable:
            return self._timing_panel()
        panel = Panel(title=T("max |analytic − FD| against h", "max |解析 − 差分| 随 h 变化"),
                      xlabel="h", xscale="log", yscale="log")
        floor = 1e-18 * self.scale
        panel.add(Line(H_GRID, np.maximum(self.errors, floor), T("error", "误差"), "warning"),
                  Line(H_GRID, 1.1e-16 * self.scale / H_GRID, "ε/h", "muted", style="dotted"),
                  Points(np.array([self.h]), np.array([max(self.max_abs_error, floor)]),
                         T("now", "当前"), "error", "●"))
        return panel

    def _timing_panel(self) -> Panel:
        loop, mat = self.check.extra["loop_seconds"] * 1e3, self.check.extra["matmul_seconds"] * 1e3
        panel = Panel(title=T("time (ms): double loop vs X @ W.T + b", "用时（毫秒）：两重循环与 X @ W.T + b"),
                      xlim=(-0.7, 1.7), ylim=(0.0, 1.3 * loop))
        panel.add(Bars(np.array([0.0]), np.array([loop]), "", "warning", 0.6),
                  Bars(np.array([1.0]), np.array([mat]), "", "success", 0.6),
                  Label(0.0, 1.15 * loop, T("loop {t}", "循环 {t}").format(t=fmt(loop, ".3g")), "warning", "center"),
                  Label(1.0, 1.15 * loop, T("matmul {t}", "矩阵乘法 {t}").format(t=fmt(mat, ".2g")),
                        "success", "center"))
        return panel

    def _entry_panel(self) -> Panel:
        analytic, numeric = self.entries()
        diff = np.abs(analytic - numeric)
        k = np.arange(len(diff), dtype=float)
        panel = Panel(title=T("|analytic − numeric| per entry", "各元素的 |解析 − 数值|"),
                      xlabel=T("entry (row-major)", "元素（按行）"), yscale="log",
                      xlim=(-0.5, len(diff) - 0.5))
        floor = 1e-18 * self.scale
        shown = np.maximum(diff, floor)
        bad = diff > AGREE * (1 + np.abs(analytic))
        panel.add(Points(k[~bad], shown[~bad], "", "success", "•"))
        if bad.any():
            panel.add(Points(k[bad], shown[bad], "", "error", "x"))
        return panel

    def _matrices_panel(self, height: int) -> Panel:
        check = self.check
        budget = max(6, height // 2 - 5)      # text rows the panel has room for
        names = list(check.matrices)[:3]
        for rows in (4, 3, 2, 1, 0):
            lines: list[str] = [check.formula]
            for name in names:
                lines += _matrix_lines(name, check.matrices[name], rows=rows) if rows else [
                    f"{name} ({_dims(check.matrices[name])})"]
            if len(lines) <= budget:
                break
        panel = Panel(title=T("the matrices", "矩阵"), xlim=(0.0, 1.0), ylim=(0.0, 1.0))
        panel.add(Label(0.02, 0.5, "\n".join(lines[:budget]), "foreground"))
        result = {"batch-grad": "∂L/∂W = GᵀX", "vectorize": "Z"}.get(check.name, "∂")
        side: list[T | str] = [f"{result}: {_dims(check.analytic)}"]
        if check.name == "batch-grad":
            G, X = check.extra["G"], check.matrices["X"]
            side.append(f"G·Xᵀ: ({_dims(G)})({X.shape[1]}×{X.shape[0]})")
            side.append(T("  defined", "  有定义") if check.extra["article_product_defined"]
                        else T("  undefined", "  无定义"))
        if check.name == "kron-vec":
            side.append(T("the other order's formula", "另一种展开的公式"))
            side.append(T("  is off by {e}", "  相差 {e}").format(e=fmt(check.extra["other_formula_error"], ".3g")))
        panel.add(Label(0.98, 0.12, _join(side), "accent", "right"))
        return panel

    # -- numbers ----------------------------------------------------------------------

    def readout(self) -> dict[T | str, T | str]:
        check = self.check
        out: dict[T | str, T | str] = {T("identity", "恒等式"): check.formula}
        if check.differentiable:
            out["h"] = fmt(self.h, ".3e")
            out[T("max |analytic − FD|", "max |解析 − 差分|")] = fmt(self.max_abs_error, ".3e")
            out[T("best over h", "各 h 中最好")] = fmt(self.best, ".3e")
        else:
            out[T("max |matmul − loop|", "max |矩阵乘法 − 循环|")] = fmt(self.best, ".3e")
            out[T("loop / matmul", "循环 / 矩阵乘法")] = (
                f"{fmt(check.extra['loop_seconds'] * 1e3, '.3g')} ms / "
                f"{fmt(check.extra['matmul_seconds'] * 1e3, '.3g')} ms")
            out[T("speedup", "加速比")] = "×" + fmt(check.extra["speedup"], ".0f")
        out[T("holds", "成立")] = T("yes", "是") if self.holds else T("no", "否")
        out[T("shapes", "形状")] = ", ".join(f"{k} {_dims(v)}" for k, v in check.matrices.items())
        if check.name == "batch-grad":
            out["G·Xᵀ"] = (T("shape fits W", "形状与 W 相同") if check.extra["article_formula_shape_ok"]
                           else T("undefined or wrong shape", "无定义或形状不对"))
        return out

    def notes(self) -> list[T]:
        check = self.check
        notes = []
        if check.name == "batch-grad":
            G, X = check.extra["G"], check.matrices["X"]
            if not check.extra["article_product_defined"]:
                notes.append(T("G·Xᵀ is ({g})({x}): the shapes do not even multiply; the gradient "
                               "is GᵀX", "G·Xᵀ 的形状是 ({g})({x})：根本无法相乘；梯度是 GᵀX").format(
                    g=_dims(G), x=f"{X.shape[1]}×{X.shape[0]}"))
            elif check.extra["article_formula_shape_ok"]:
                notes.append(T("here G·Xᵀ happens to have W's shape, yet its entries are off by {e}",
                               "这里 G·Xᵀ 恰好与 W 同形，但元素相差 {e}").format(
                    e=fmt(check.extra["article_formula_error"], ".3g")))
        if check.name in VEC_IDENTITIES and self["order"] == "row":
            notes.append(T("row-major vec: the Kronecker factors swap places",
                           "按行 vec：Kronecker 因子交换位置"))
        if check.differentiable and self.h < 1e-9 and self.max_abs_error > 10 * self.best:
            notes.append(T("h is far below the best step: rounding error dominates",
                           "h 远小于最佳步长：舍入误差占主导"))
        return notes

    def data(self) -> dict[str, Any]:
        check = self.check
        analytic, numeric = self.entries()
        shape = check.analytic.shape
        return {
            "identity": check.name, "formula": check.formula, "h": self.h if check.differentiable else None,
            "analytic": check.analytic.tolist(),
            "numeric": numeric.reshape(shape).tolist(),
            "max_abs_error": self.max_abs_error, "best_error": self.best,
            "holds": bool(self.holds),
            "shapes": {k: list(v.shape) for k, v in check.matrices.items()},
            "article_formula_shape_ok": check.extra.get("article_formula_shape_ok"),
            "speedup": check.extra.get("speedup"),
            "error_vs_h": ([[float(h), float(e)] for h, e in zip(H_GRID, self.errors)]
                           if check.differentiable else []),
        }
