"""The momentum map of the `descent` scene (`view=rates`, quadratic only).

Left: every (η, β) of the article's averaged momentum shaded by the exact spectral radius
of heavy ball's iteration (a 2×2 block per eigenvalue of H), with Distill's optimum, GD's
best and the edge ρ = 1. Right: the error of the momentum run at the chosen (η, β) along
each eigendirection of H (Distill's decomposition).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import numpy as np

from calcterm.compute import heavy_ball as hb
from calcterm.plot import Line, Panel, Points, Shade, sample_count
from calcterm.text import T, fmt

if TYPE_CHECKING:
    from calcterm.scenes.descent import Descent

EXPORT_GRID = (61, 45)
"""(η, β) samples of the exported map: every 0.075 decade of η, every 0.0225 of β."""
FINISHED = 1e-12
"""The story ends once both eigendirection errors are this small a share of the first."""
DIRECTIONS = (T("λ = μ (flat)", "λ = μ（平缓）"), T("λ = L (steep)", "λ = L（陡峭）"))


class Rates:
    """The heavy-ball quantities for the scene's quadratic and (η, β)."""

    def __init__(self, scene: "Descent") -> None:
        self.scene = scene
        lams, vecs = np.linalg.eigh(scene.surface.hessian(0.0, 0.0))
        self.lams, self.vecs = lams, vecs
        self.mu, self.L = float(lams[0]), float(lams[1])
        self.best = hb.optimum(self.mu, self.L)
        self.eta, self.beta = scene["eta"], scene["beta"]
        self.alpha = float(hb.alpha_from_eta(self.eta, self.beta))
        self.rho = float(hb.spectral_radius(self.alpha, self.beta, lams))
        self.eta_range = (scene.param("eta").lo, scene.param("eta").hi)
        self.beta_range = (scene.param("beta").lo, scene.param("beta").hi)
        reference = max(self.best.rate, 1e-2)
        self._log_reference = math.log(reference)

    @property
    def run(self):
        return self.scene.runs["momentum"]

    def errors(self) -> np.ndarray:
        """The run's error x_k − x* along each eigenvector, shape (k + 1, 2) (x* = 0)."""
        return self.run.path @ self.vecs

    @property
    def finished(self) -> bool:
        e = np.abs(self.errors())
        return bool(e[-1].max() <= FINISHED * max(e[0].max(), 1e-300))

    def speed(self, eta: np.ndarray, beta: np.ndarray) -> np.ndarray:
        """Dot density of the map: log ρ / log ρ* in [0, 1], 1 at the optimum, 0 at ρ ≥ 1.

        It is the speed (decades gained per step) as a share of the best possible, so half
        the dots means twice the steps.
        """
        rho = hb.spectral_radius(hb.alpha_from_eta(eta, beta), beta, self.lams)
        with np.errstate(divide="ignore", invalid="ignore"):
            value = np.log(rho) / self._log_reference
        return np.clip(np.where(rho < 1.0, value, 0.0), 0.0, 1.0)

    # --- pictures ------------------------------------------------------------------------

    def map_panel(self, width: int) -> Panel:
        panel = Panel(title=T("ρ(η, β): denser = faster", "ρ(η, β)：越密越快"),
                      xlabel=T("η (log scale)", "η（对数坐标）"), ylabel="β", xscale="log",
                      xlim=self.eta_range, ylim=self.beta_range, fit="data")
        panel.add(Shade(self.speed, color="c1", density=0.9))
        hi = self.eta_range[1]  # the edge leaves the window where 2(1+β)/(L(1−β)) = η_max
        top = min(self.beta_range[1], (hi * self.L - 2.0) / (hi * self.L + 2.0))
        beta = np.linspace(self.beta_range[0], top, sample_count(width))
        panel.add(Line(hb.stability_eta(beta, self.L), beta,
                       T("ρ = 1 edge", "ρ = 1 边界"), "error"))
        best = self.best
        panel.add(Points(np.array([best.gd_alpha]), np.array([0.0]),
                         T("GD's best", "梯度下降最佳"), "gold", "◆"),
                  Points(np.array([best.eta]), np.array([best.beta]),
                         T("optimum", "最优点"), "green+", "★"),
                  Points(np.array([self.eta]), np.array([self.beta]),
                         T("your (η, β)", "当前值"), "white", "●"))
        return panel

    def error_panel(self, width: int, k_max: int) -> Panel:
        """Signed errors along the two eigenvectors (Distill's picture): the flat one creeps,
        the steep one oscillates; inside ±ρ^k·max|e₀| once transients have passed."""
        e = self.errors()
        top = max(float(np.abs(e[0]).max()), 1e-300)
        panel = Panel(title=T("error per eigendirection", "各特征方向的误差"),
                      xlabel=T("step k", "步数 k"), xlim=(0.0, float(k_max)),
                      ylim=(-1.05 * top, 1.05 * top), fit="data")
        n = sample_count(width // 2)
        if self.rho < 1:
            k = np.linspace(0.0, k_max, n)
            envelope = top * self.rho ** k
            panel.add(Line(k, envelope, "±ρ^k", "gray"), Line(k, -envelope, "", "gray"))
        shown = np.unique(np.linspace(0, len(e) - 1, 2 * n).astype(int))
        for i, (label, color) in enumerate(zip(DIRECTIONS, ("cyan+", "orange"))):
            panel.add(Line(shown, np.clip(e[shown, i], -1.05 * top, 1.05 * top), label, color))
        return panel

    # --- numbers ---------------------------------------------------------------------------

    @staticmethod
    def per_decade(rho: float) -> T | str:
        if not 0.0 < rho < 1.0:
            return "" if rho == 0.0 else T("  diverges", "  发散")
        return T("  ({n} steps per decade)", "（每个数量级 {n} 步）").format(
            n=f"{math.log(10.0) / -math.log(rho):.3g}")

    def readout(self) -> dict[T | str, T | str]:
        best, t = self.best, self.scene.t
        e = self.errors()[-1]
        return {
            "k": str(t),
            "κ = L/μ": fmt(self.L / self.mu, ".4g"),
            "α = η(1−β)": fmt(self.alpha, ".4g"),
            "ρ(η, β)": fmt(self.rho, ".4f") + self.per_decade(self.rho),
            "α*, β*": f"{fmt(best.alpha, '.4g')}, {fmt(best.beta, '.4g')}",
            "η* = α*/(1−β*)": T("{v} = 1/√(μL)", "{v} = 1/√(μL)").format(v=fmt(best.eta, ".4g")),
            "ρ* = (√κ−1)/(√κ+1)": fmt(best.rate, ".4f") + self.per_decade(best.rate),
            T("GD best (κ−1)/(κ+1)", "梯度下降最佳 (κ−1)/(κ+1)"):
                fmt(best.gd_rate, ".4f") + self.per_decade(best.gd_rate),
            "|e_μ|, |e_L|": f"{fmt(abs(e[0]), '.2e')}, {fmt(abs(e[1]), '.2e')}",
        }

    def notes(self) -> list[T]:
        out: list[T] = []
        if self.rho >= 1:
            out.append(T("ρ ≥ 1: momentum diverges at this (η, β); at β = {b} the edge is "
                         "η = 2(1+β)/(L(1−β)) = {e}",
                         "ρ ≥ 1：此 (η, β) 下动量法发散；β = {b} 时的边界是 η = 2(1+β)/(L(1−β)) = {e}").format(
                b=f"{self.beta:.3g}", e=fmt(hb.stability_eta(self.beta, self.L), ".3g")))
        elif all((1 + self.beta - self.alpha * lam) ** 2 < 4 * self.beta for lam in self.lams):
            out.append(T("both directions spiral: the error shrinks by √β = {r} a step, whatever η",
                         "两个方向都在盘旋：无论 η 多大，误差每步缩小为 √β = {r} 倍").format(
                r=f"{math.sqrt(self.beta):.4f}"))
        if self.run.diverged:
            out.append(T("the momentum run diverged at step {k}", "动量法在第 {k} 步发散").format(
                k=str(len(self.run.path) - 1)))
        return out

    def data(self) -> dict[str, Any]:
        best = self.best
        eta = np.logspace(math.log10(self.eta_range[0]), math.log10(self.eta_range[1]), EXPORT_GRID[0])
        beta = np.linspace(*self.beta_range, EXPORT_GRID[1])
        rho = hb.spectral_radius(hb.alpha_from_eta(eta[None, :], beta[:, None]), beta[:, None], self.lams)
        return {
            "eigenvalues": [self.mu, self.L], "eigenvectors": self.vecs.T.tolist(),
            "alpha": self.alpha, "rate_at_setting": self.rho,
            "stability_eta": float(hb.stability_eta(self.beta, self.L)),
            "alpha_star": best.alpha, "beta_star": best.beta, "eta_star": best.eta,
            "rate_star": best.rate, "gd_alpha_star": best.gd_alpha, "gd_rate": best.gd_rate,
            "eigen_errors": self.errors().tolist(),
            "rate_map": {"eta": eta.tolist(), "beta": beta.tolist(), "rho": rho.tolist()},
        }
