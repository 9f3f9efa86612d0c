"""The four views of the `entropy` scene, each with its own state, clock, pictures and numbers.

A view is built from the scene's values; the scene forwards `advance`, `done`, `panels`,
`readout`, `notes` and `data` to the view that is selected.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from calcterm.compute import information as info
from calcterm.plot import Bars, Figure, HLine, Label, Line, Panel, Points, VLine
from calcterm.text import T, fmt

LN2 = math.log(2.0)
KL_STEPS = 60
"""Steps for q to travel in a straight line to p."""
SOFTMAX_STEPS = 300
FIT_STEPS = 2000
QUIET = np.errstate(all="ignore")
"""Logarithms of zero probabilities are −∞ on purpose (0·ln 0 terms are masked, ln(p/0) is ∞)."""


def vec(v: Any, spec: str = ".3g") -> str:
    return "(" + ", ".join(fmt(float(a), spec) for a in np.asarray(v, dtype=float)) + ")"


def arrange(panels: list[Panel], width: int, height: int) -> Figure:
    """Panels in order of importance, laid out for the space: a 2×2 grid when four fit, a row
    of three on a wide screen, else the first two side by side (wide) or stacked (tall or
    narrow), or only the first in a small corner."""
    if len(panels) >= 4 and width >= 60 and height >= 24:
        return Figure(panels[:4], rows=2, cols=2)
    if len(panels) == 3 and width >= 100:
        return Figure(panels, rows=1, cols=3)
    if width < 60 and height < 20:
        return Figure(panels[:1])
    if width < 60 or (height >= 24 and width < 2.2 * height):
        return Figure(panels[:2], rows=2, cols=1)
    return Figure(panels[:2], rows=1, cols=2)


def _unit(base: str) -> tuple[float, T]:
    return (LN2, T("bits", "比特")) if base == "2" else (1.0, T("nats", "奈特"))


class KLView:
    """p and q as bars, the per-outcome terms of both KLs, and q sliding in a line to p."""

    def __init__(self, p: np.ndarray, q: np.ndarray, base: str, padded: bool) -> None:
        self.p, self.q0, self.padded = p, q, padded
        self.scale, self.unit = _unit(base)
        self.ts = np.linspace(0.0, 1.0, KL_STEPS + 1)
        self.forward, self.backward = info.kl_along(q, p, self.ts)
        self.k = 0

    @property
    def t(self) -> float:
        return self.ts[self.k]

    @property
    def q(self) -> np.ndarray:
        return info.mix(self.q0, self.p, self.t)

    @property
    def done(self) -> bool:
        return self.k >= KL_STEPS

    def advance(self) -> None:
        self.k = min(self.k + 1, KL_STEPS)

    @QUIET
    def panels(self, width: int) -> list[Panel]:
        k = np.arange(len(self.p), dtype=float)
        q = self.q
        bars = Panel(title=T("p and q (t = {t})", "p 与 q（t = {t}）").format(t=fmt(self.t, ".2f")),
                     xlabel=T("outcome i", "结果 i"), ylim=(0.0, 1.05), xlim=(-0.6, len(k) - 0.4))
        bars.add(Bars(k - 0.2, self.p, "p", "c1", 0.4), Bars(k + 0.2, q, "q", "c2", 0.4))
        terms = Panel(title=T("terms of KL(p‖q) and KL(q‖p)", "KL(p‖q) 与 KL(q‖p) 的各项"),
                      xlabel=T("outcome i", "结果 i"), xlim=(-0.6, len(k) - 0.4))
        tp, tq = info.kl_terms(self.p, q) / self.scale, info.kl_terms(q, self.p) / self.scale
        finite = np.concatenate([tp[np.isfinite(tp)], tq[np.isfinite(tq)], [0.0]])
        lo, hi = float(finite.min()), float(finite.max())
        span = max(hi - lo, 0.1)
        top = hi + 0.35 * span
        terms.ylim = (lo - 0.08 * span, top)
        terms.add(HLine(0.0, "muted"),
                  Bars(k - 0.2, np.where(np.isfinite(tp), tp, top), "pᵢ ln(pᵢ/qᵢ)", "c1", 0.4),
                  Bars(k + 0.2, np.where(np.isfinite(tq), tq, top), "qᵢ ln(qᵢ/pᵢ)", "c2", 0.4))
        for x, v in [*zip(k - 0.2, tp), *zip(k + 0.2, tq)]:
            if np.isinf(v):
                terms.add(Label(float(x), top - 0.12 * span, "∞", "error", align="center"))
        path = Panel(title=T("KL along q_t = (1−t)q₀ + tp", "沿 q_t = (1−t)q₀ + tp 的 KL"),
                     xlabel="t", xlim=(0.0, 1.0))
        shown = slice(0, self.k + 1)
        f, b = self.forward[shown] / self.scale, self.backward[shown] / self.scale
        path.add(Line(self.ts[shown], np.where(np.isfinite(f), f, np.nan), "KL(p‖q_t)", "c1", style="solid"),
                 Line(self.ts[shown], np.where(np.isfinite(b), b, np.nan), "KL(q_t‖p)", "c2",
                      style="solid"))
        all_finite = np.concatenate([self.forward[np.isfinite(self.forward)],
                                     self.backward[np.isfinite(self.backward)], [0.0]]) / self.scale
        ceiling = 1.1 * float(all_finite.max()) or 1.0
        path.ylim = (0.0, ceiling)
        for values, height, name, color in ((f, 0.97, "KL(p‖q_t) = ∞", "c1"), (b, 0.9, "KL(q_t‖p) = ∞", "c2")):
            inf_t = self.ts[shown][np.isinf(values)]
            if len(inf_t):  # an infinite KL has no height: its marks run along the top
                path.add(Points(inf_t, np.full(len(inf_t), height * ceiling), name, color, "∞"))
        parts = Panel(title=T("H(p, q_t) = H(p) + KL(p‖q_t)", "H(p, q_t) = H(p) + KL(p‖q_t)"),
                      xlim=(-0.6, 2.6))
        h_p, d, ce = info.entropy(self.p) / self.scale, info.kl(self.p, q) / self.scale, info.cross_entropy(self.p, q) / self.scale
        heights = np.array([h_p, d, ce])
        tall = float(np.nanmax(np.where(np.isfinite(heights), heights, 0.0))) or 1.0
        parts.ylim = (0.0, 1.25 * tall)
        parts.add(Bars(np.array([0.0]), np.array([h_p]), "H(p)", "c1", 0.6),
                  Bars(np.array([1.0]), np.array([d if np.isfinite(d) else 1.2 * tall]), "KL(p‖q_t)", "c6", 0.6),
                  Bars(np.array([2.0]), np.array([ce if np.isfinite(ce) else 1.2 * tall]), "H(p, q_t)", "c2", 0.6))
        for x, v in ((1.0, d), (2.0, ce)):
            if not np.isfinite(v):
                parts.add(Label(x, 1.1 * tall, "∞", "error", align="center"))
        return [bars, path, terms, parts]

    @QUIET
    def readout(self) -> dict[T | str, T | str]:
        s, p, q0, q = self.scale, self.p, self.q0, self.q
        u = self.unit
        h_p, ce, kl_pq = info.entropy(p) / s, info.cross_entropy(p, q0) / s, info.kl(p, q0) / s
        return {
            T("unit", "单位"): u,
            "H(p)": fmt(h_p, ".5g"), "H(q)": fmt(info.entropy(q0) / s, ".5g"),
            "H(p,q)": fmt(ce, ".5g"),
            "H(p) + KL(p‖q)": fmt(h_p + kl_pq, ".5g"),
            "KL(p‖q)": fmt(kl_pq, ".5g"), "KL(q‖p)": fmt(info.kl(q0, p) / s, ".5g"),
            "∂H/∂pᵢ": vec(info.entropy_gradient(p) / s),
            "t": fmt(self.t, ".3f"),
            "KL(p‖q_t), KL(q_t‖p)": fmt(info.kl(p, q) / s, ".4g") + ", " + fmt(info.kl(q, p) / s, ".4g"),
        }

    def notes(self) -> list[T]:
        notes = []
        if self.padded:
            notes.append(T("p and q differ in length: the missing entries count as 0",
                           "p 与 q 长度不同：缺少的项按 0 计"))
        bad = info.infinite_terms(self.q, self.p)
        if bad:
            i = bad[0]
            notes.append(T("KL(q‖p) = ∞: term {i} is {v}·ln({v}/0) — q puts mass where p has none",
                           "KL(q‖p) = ∞：第 {i} 项为 {v}·ln({v}/0)——q 在 p 为零处有概率").format(
                i=str(i), v=fmt(self.q[i], ".3g")))
        if info.infinite_terms(self.p, self.q):
            notes.append(T("KL(p‖q) = ∞: q calls an outcome of p impossible", "KL(p‖q) = ∞：q 认为 p 的某个结果不可能"))
        return notes

    def data(self) -> dict[str, Any]:
        s, p, q0, q = self.scale, self.p, self.q0, self.q
        return {
            "H_p": info.entropy(p) / s, "H_q": info.entropy(q0) / s,
            "cross_entropy": info.cross_entropy(p, q0) / s, "kl_pq": info.kl(p, q0) / s,
            "kl_qp": info.kl(q0, p) / s, "kl_qp_infinite_terms": info.infinite_terms(q0, p),
            "kl_pq_infinite_terms": info.infinite_terms(p, q0),
            "terms_pq": (info.kl_terms(p, q0) / s).tolist(), "terms_qp": (info.kl_terms(q0, p) / s).tolist(),
            "entropy_gradient": (info.entropy_gradient(p) / s).tolist(),
            "unit": "bits" if s != 1.0 else "nats", "p": p.tolist(), "q": q0.tolist(),
            "t": self.t, "q_t": q.tolist(), "kl_pq_t": info.kl(p, q) / s, "kl_qp_t": info.kl(q, p) / s,
        }


class SoftmaxView:
    """Gradient descent on logits z for the loss −Σ y ln softmax(z), with an FD check of q − y."""

    def __init__(self, z: np.ndarray, label: int, smoothing: float, eta: float, clamped: bool) -> None:
        self.z0, self.eta, self.clamped = z, eta, clamped
        self.label = label
        self.y = info.smoothed_label(label, len(z), smoothing)
        self.floor = info.entropy(self.y)
        self.z = z.copy()
        self.k = 0
        self.losses = [self.loss]

    @property
    def loss(self) -> float:
        return info.softmax_cross_entropy(self.z, self.y)[0]

    @property
    def grad(self) -> np.ndarray:
        return info.softmax_cross_entropy(self.z, self.y)[1]

    @property
    def grad_fd(self) -> np.ndarray:
        return info.central_gradient(lambda v: info.softmax_cross_entropy(v, self.y)[0], self.z, 1e-5)

    @property
    def done(self) -> bool:
        return self.k >= SOFTMAX_STEPS or float(np.abs(self.grad).max()) < 1e-12

    def advance(self) -> None:
        self.z = self.z - self.eta * self.grad
        self.k += 1
        self.losses.append(self.loss)

    @QUIET
    def panels(self, width: int) -> list[Panel]:
        k = np.arange(len(self.z), dtype=float)
        lim = (-0.6, len(k) - 0.4)
        logits = Panel(title=T("logits z (step {k})", "得分 z（第 {k} 步）").format(k=str(self.k)),
                       xlabel=T("class", "类别"), xlim=lim)
        logits.add(HLine(0.0, "muted"), Bars(k, self.z, "z", "c5", 0.6))
        probs = Panel(title=T("q = softmax(z) and label y", "q = softmax(z) 与标签 y"),
                      xlabel=T("class", "类别"), xlim=lim, ylim=(0.0, 1.05))
        probs.add(Bars(k - 0.2, info.softmax(self.z), "q", "c1", 0.4), Bars(k + 0.2, self.y, "y", "c2", 0.4))
        grad = Panel(title=T("∂L/∂z = q − y, × = finite differences", "∂L/∂z = q − y，× 为有限差分"),
                     xlabel=T("class", "类别"), xlim=lim)
        grad.add(HLine(0.0, "muted"), Bars(k, self.grad, "q − y", "c4", 0.6),
                 Points(k, self.grad_fd, T("FD", "差分"), "error", "×"))
        steps = np.arange(len(self.losses), dtype=float)
        loss = Panel(title=T("loss, floor H(y)", "损失，下界 H(y)"), xlabel=T("step", "步"),
                     yscale="log", xlim=(0.0, max(10.0, float(steps[-1]))))
        losses = np.array(self.losses)
        loss.add(Line(steps, np.where(losses > 0, losses, np.nan), "L", "c1", style="solid"))
        if self.floor > 0:
            loss.add(HLine(self.floor, "warning"))
        return [probs, grad, logits, loss]

    def readout(self) -> dict[T | str, T | str]:
        g, fd = self.grad, self.grad_fd
        return {
            T("step", "步"): str(self.k), T("loss", "损失"): fmt(self.loss, ".6g"),
            "q": vec(info.softmax(self.z), ".4g"), "y": vec(self.y, ".3g"),
            "q − y": vec(g, ".4g"), "‖q − y‖": fmt(float(np.hypot.reduce(g)), ".4g"),
            T("FD error", "差分误差"): fmt(float(np.abs(g - fd).max()), ".1e"),
            T("floor H(y)", "下界 H(y)"): fmt(self.floor, ".4g"),
        }

    def notes(self) -> list[T]:
        notes = []
        if self.clamped:
            notes.append(T("label beyond the last class: class {k} is used", "标签超出类别数：改用第 {k} 类").format(
                k=str(self.label)))
        if self.floor > 0:
            notes.append(T("a smoothed label keeps the loss above H(y) > 0: q can match y exactly",
                           "平滑标签使损失不低于 H(y) > 0：q 可以恰好等于 y"))
        else:
            notes.append(T("a one-hot label: the loss → 0 only as the logits run off to ∞",
                           "独热标签：只有得分 z 趋于 ∞ 时损失才趋于 0"))
        return notes

    def data(self) -> dict[str, Any]:
        return {"q": info.softmax(self.z).tolist(), "loss": self.loss, "grad": self.grad.tolist(),
                "grad_fd": self.grad_fd.tolist(), "z": self.z.tolist(), "y": self.y.tolist(),
                "label": self.label, "floor": self.floor, "losses": list(self.losses)}


class MaxEntView:
    """Newton's method on λ for the die with mean m; the answer is the tilted law p ∝ e^{λi}."""

    def __init__(self, faces: int, mean: float, base: str, clamped: bool) -> None:
        self.faces, self.mean, self.clamped = faces, mean, clamped
        self.scale, self.unit = _unit(base)
        self.history = info.maxent_newton(faces, mean, 60)
        self.k = 0
        self.lams = np.linspace(-3.0, 3.0, 241)
        self.h_curve = np.array([info.entropy(info.tilted(faces, v)[0]) for v in self.lams])
        self.means = np.array([info.tilted(faces, v)[1] for v in self.lams])
        self.rivals = info.same_mean_competitors(faces, mean)

    @property
    def lam(self) -> float:
        return self.history[min(self.k, len(self.history) - 1)]

    @property
    def p(self) -> np.ndarray:
        return info.tilted(self.faces, self.lam)[0]

    @property
    def done(self) -> bool:
        return self.k >= len(self.history) - 1

    def advance(self) -> None:
        self.k = min(self.k + 1, len(self.history) - 1)

    @QUIET
    def panels(self, width: int) -> list[Panel]:
        i = np.arange(1, self.faces + 1, dtype=float)
        s = self.scale
        bars = Panel(title=T("p ∝ e^(λi) at Newton step {k}", "第 {k} 步牛顿迭代的 p ∝ e^(λi)").format(
            k=str(self.k)), xlabel=T("face i", "点数 i"), xlim=(0.4, self.faces + 0.6))
        bars.add(Bars(i, self.p, "p", "c1", 0.6), VLine(self.mean, "warning"))
        family = Panel(title=T("H along the family; rivals with mean {m}", "指数族上的 H；均值为 {m} 的对手").format(
            m=fmt(self.mean, ".3g")), xlabel="λ", xlim=(-3.0, 3.0))
        family.add(Line(self.lams, self.h_curve / s, "H(λ)", "c1", style="solid"),
                   HLine(math.log(self.faces) / s, "muted"))
        lam = self.lam if math.isfinite(self.lam) else math.copysign(3.0, self.lam)
        family.add(Points(np.array([np.clip(lam, -3, 3)]), np.array([info.entropy(self.p) / s]),
                          T("λ_k", "λ_k"), "error", "●"))
        for (name, law), color in zip(self.rivals.items(), ("c2", "c6")):
            family.add(HLine(info.entropy(law) / s, color),
                       Label(-2.9, info.entropy(law) / s, RIVAL_NAMES[name], color))
        residual = Panel(title=T("|E_λ[i] − m| by Newton step", "各步牛顿迭代的 |E_λ[i] − m|"),
                         xlabel=T("step", "步"), yscale="log", xlim=(0.0, max(5.0, len(self.history) - 1.0)))
        res = np.array([abs(info.tilted(self.faces, v)[1] - self.mean) for v in self.history[:self.k + 1]])
        residual.add(Line(np.arange(len(res), dtype=float), np.where(res > 0, res, np.nan), "", "c4",
                          style="solid"),
                     Points(np.arange(len(res), dtype=float), np.where(res > 0, res, np.nan), "", "c4", "●"))
        rivals = Panel(title=T("same mean, less entropy", "均值相同，熵更小"), xlabel=T("face i", "点数 i"),
                       xlim=(0.4, self.faces + 0.6), ylim=(0.0, 1.05))
        rivals.add(Bars(i - 0.25, self.p, T("max-ent", "最大熵"), "c1", 0.25))
        for (name, law), dx, color in zip(self.rivals.items(), (0.0, 0.25), ("c2", "c6")):
            rivals.add(Bars(i + dx, law, RIVAL_NAMES[name], color, 0.25))
        return [bars, family, residual, rivals]

    def readout(self) -> dict[T | str, T | str]:
        p, s = self.p, self.scale
        i = np.arange(1, self.faces + 1)
        out: dict[T | str, T | str] = {
            T("Newton step", "牛顿步"): str(self.k), "λ": fmt(self.lam, ".10g"),
            "E[i]": fmt(float(p @ i), ".10g"), "H": fmt(info.entropy(p) / s, ".6g"),
            T("H(uniform) = ln K", "H(均匀) = ln K"): fmt(math.log(self.faces) / s, ".6g"),
        }
        for name, law in self.rivals.items():
            out[T("H({n})", "H({n})").format(n=RIVAL_NAMES[name])] = fmt(info.entropy(law) / s, ".4g")
        out[T("unit", "单位")] = self.unit
        return out

    def notes(self) -> list[T]:
        notes = []
        if self.clamped:
            notes.append(T("the mean must lie in [1, faces]: m = {m} is used", "均值须在 [1, 面数] 内：改用 m = {m}").format(
                m=fmt(self.mean, ".3g")))
        if not math.isfinite(self.history[-1]):
            notes.append(T("m at an end: only a point mass has that mean, λ = ±∞",
                           "m 位于端点：只有单点分布有此均值，λ = ±∞"))
        return notes

    def data(self) -> dict[str, Any]:
        s = self.scale
        return {"lambda": self.lam, "p": self.p.tolist(), "entropy": info.entropy(self.p) / s,
                "newton_history": self.history[:self.k + 1], "lambda_final": self.history[-1],
                "mean": self.mean, "faces": self.faces, "entropy_uniform": math.log(self.faces) / s,
                "competitors": {n: {"p": law.tolist(), "entropy": info.entropy(law) / s}
                                for n, law in self.rivals.items()},
                "unit": "bits" if s != 1.0 else "nats"}


RIVAL_NAMES = {"neighbours": T("neighbours", "相邻两点"), "ends": T("two ends", "两端")}


class FitView:
    """q = N(m, s²) fitted to a two-mode p by forward and by reverse KL, both at once."""

    def __init__(self, d: float, m0: float, s0: float, lr: float) -> None:
        self.d, self.lr = d, lr
        self.fwd, self.rev = (m0, s0), (m0, s0)
        self.k = 0
        self.kl_fwd = [info.forward_kl(m0, s0, d)[0]]
        self.kl_rev = [info.reverse_kl(m0, s0, d)[0]]
        self.h_p = info.mixture_entropy(d)

    @property
    def gradients(self) -> tuple[float, float]:
        f = info.forward_kl(*self.fwd, self.d)
        r = info.reverse_kl(*self.rev, self.d)
        return math.hypot(f[1], f[2]), math.hypot(r[1], r[2])

    @property
    def done(self) -> bool:
        return self.k >= FIT_STEPS or max(self.gradients) < 1e-9

    def advance(self) -> None:
        mf, sf, _ = info.fit_step(*self.fwd, self.d, self.lr, True)
        mr, sr, _ = info.fit_step(*self.rev, self.d, self.lr, False)
        self.fwd, self.rev = (mf, sf), (mr, sr)
        self.k += 1
        self.kl_fwd.append(info.forward_kl(mf, sf, self.d)[0])
        self.kl_rev.append(info.reverse_kl(mr, sr, self.d)[0])

    @QUIET
    def panels(self, width: int) -> list[Panel]:
        reach = self.d + 4.0
        x = np.linspace(-reach, reach, 2 * max(width, 60))
        dens = Panel(title=T("p and the two fits (step {k})", "p 与两种拟合（第 {k} 步）").format(k=str(self.k)),
                     xlabel="x", xlim=(-reach, reach))
        dens.add(Line(x, np.exp(info.mixture_logpdf(x, self.d)), "p", "foreground", style="solid"))
        for (m, s), name, color in ((self.fwd, T("min KL(p‖q)", "最小化 KL(p‖q)"), "c1"),
                                    (self.rev, T("min KL(q‖p)", "最小化 KL(q‖p)"), "c2")):
            dens.add(Line(x, np.exp(-0.5 * ((x - m) / s) ** 2) / (s * math.sqrt(2 * math.pi)), name, color))
        steps = np.arange(self.k + 1, dtype=float)
        kl = Panel(title=T("KL during the fits", "拟合过程中的 KL"), xlabel=T("step", "步"),
                   xlim=(0.0, max(10.0, float(self.k))))
        kl.add(Line(steps, np.array(self.kl_fwd), "KL(p‖q)", "c1", style="solid"),
               Line(steps, np.array(self.kl_rev), "KL(q‖p)", "c2", style="solid"))
        return [dens, kl]

    def readout(self) -> dict[T | str, T | str]:
        (mf, sf), (mr, sr) = self.fwd, self.rev
        return {
            T("step", "步"): str(self.k),
            T("forward m, s, KL", "正向 m, s, KL"): ", ".join(fmt(v, ".4g") for v in (mf, sf, self.kl_fwd[-1])),
            T("reverse m, s, KL", "反向 m, s, KL"): ", ".join(fmt(v, ".4g") for v in (mr, sr, self.kl_rev[-1])),
            "h(p)": fmt(self.h_p, ".4g"),
            T("h(q) fwd, rev", "h(q) 正向、反向"): fmt(info.gaussian_entropy(sf), ".4g") + ", "
            + fmt(info.gaussian_entropy(sr), ".4g"),
        }

    def notes(self) -> list[T]:
        (_, sf), (_, sr) = self.fwd, self.rev
        notes = []
        if min(sf, sr) < 1 / math.sqrt(2 * math.pi * math.e):
            notes.append(T("a narrow Gaussian has negative differential entropy h(q) < 0",
                           "窄高斯的微分熵为负：h(q) < 0"))
        return notes

    def data(self) -> dict[str, Any]:
        (mf, sf), (mr, sr) = self.fwd, self.rev
        return {"forward": {"m": mf, "s": sf, "kl": self.kl_fwd[-1]},
                "reverse": {"m": mr, "s": sr, "kl": self.kl_rev[-1]},
                "h_p": self.h_p, "h_forward": info.gaussian_entropy(sf),
                "h_reverse": info.gaussian_entropy(sr), "d": self.d}
