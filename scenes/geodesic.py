"""Scene `geodesic`: the sphere's metric seen in a flat chart (Tissot ellipses), a path
relaxing onto the great circle, geodesics shot by the chart's ODE, the natural gradient on
the Gaussians' Fisher metric, and Isomap unrolling a spiral."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from calcterm.compute.contours import marching_squares
from calcterm.compute.manifolds import (
    ANTIPODAL, EARTH_RADIUS_KM, chart_line, chart_line_angle, classical_mds, descent_paths, fisher,
    fisher_ellipse, gaussian_nll, graph_distances, great_circle_angle, great_circle_points,
    knn_graph, largest_component, lat_lon, natural_gradient, path_angle, pearson, relax_path,
    shoot, short_dlon, shortcut_edges, shortest_path, spearman, spiral, tissot, unit_vector,
    vertex_latitude,
)
from calcterm.params import Choice, Integer, Number
from calcterm.plot import Figure, HLine, Label, Line, Panel, Points
from calcterm.scene import Job, Scene
from calcterm.text import T, fmt

PATH_POINTS = 64
SWEEPS = 50
"""Relaxation sweeps per step (each moves every inner point to its neighbours' midpoint)."""
RELAX_STEPS = 400
SHOOT_STEPS = 180
"""Steps to reveal one full turn (2π) of the shot geodesic."""
RK4_STEPS = 720
NATURAL_STEPS = 150
WAVE_STEPS = 150
MAX_EDGES = 2500
"""Edges of one kind drawn at most; beyond that every m-th one is drawn."""
TISSOT_LATS = (-70.0, -35.0, 0.0, 35.0, 70.0)
TISSOT_R = 7.0
METHODS = {"gd": (T("GD in (μ, σ)", "(μ, σ) 中的 GD"), "error"),
           "gd_log": (T("GD in (μ, ln σ)", "(μ, ln σ) 中的 GD"), "warning"),
           "natural": (T("natural, (μ, σ)", "自然梯度，(μ, σ)"), "success"),
           "natural_log": (T("natural, (μ, ln σ)", "自然梯度，(μ, ln σ)"), "accent")}
VIEWS = {"sphere": ("lat1", "lon1", "lat2", "lon2", "mode", "heading", "radius_km"),
         "natural": ("m", "v", "mu0", "sigma0", "lr"),
         "isomap": ("k", "points", "noise")}


def _nan_join(pieces: list[np.ndarray]) -> np.ndarray:
    """Polylines (n_i, 2) joined into one array with NaN rows between them."""
    if not pieces:
        return np.empty((0, 2))
    gap = np.full((1, 2), np.nan)
    return np.concatenate([p for piece in pieces for p in (piece, gap)][:-1])


def _every(count: int) -> int:
    """Draw every m-th edge of a kind, so that at most MAX_EDGES are drawn (same picture)."""
    return max(1, math.ceil(count / MAX_EDGES))


def _edge_lines(xy: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    """Graph edges as one polyline array: (start, end, NaN) rows per edge."""
    out = np.full((3 * len(pairs), 2), np.nan)
    out[0::3], out[1::3] = xy[pairs[:, 0]], xy[pairs[:, 1]]
    return out


class Geodesic(Scene):
    id = "geodesic"
    title = T("Manifolds, metrics, geodesics, natural gradient, Isomap",
              "流形、度量、测地线、自然梯度与 Isomap")
    summary = T("New York to Beijing over the Arctic: Tissot ellipses as the metric, a path "
                "relaxing onto the great circle, the natural gradient on the Gaussians, and "
                "Isomap unrolling a spiral",
                "经北极从纽约到北京：Tissot 椭圆即度量，路径松弛为大圆，高斯族上的自然梯度，"
                "以及 Isomap 展开螺线")
    section = "Part 4 §3.1–3.4"
    order = 59
    pace = 1
    heaviest = {"view": "isomap", "points": 800, "k": 60}
    min_plot = (34, 10)
    params = (
        Choice("view", "sphere", T("the sphere, the Gaussians' Fisher metric, or Isomap",
                                   "球面、高斯族的 Fisher 度量，或 Isomap"),
               choices=("sphere", "natural", "isomap"),
               labels={"sphere": T("sphere", "球面"), "natural": T("natural gradient", "自然梯度"),
                       "isomap": "Isomap"}),
        Number("lat1", 40.7128, T("latitude of A (New York)", "A 的纬度（纽约）"), lo=-85.0, hi=85.0, step=0.5),
        Number("lon1", -74.006, T("longitude of A", "A 的经度"), lo=-180.0, hi=180.0, step=0.5),
        Number("lat2", 39.9042, T("latitude of B (Beijing)", "B 的纬度（北京）"), lo=-85.0, hi=85.0, step=0.5),
        Number("lon2", 116.4074, T("longitude of B", "B 的经度"), lo=-180.0, hi=180.0, step=0.5),
        Choice("mode", "relax", T("relax a path onto the geodesic, or shoot one from A",
                                  "把路径松弛为测地线，或从 A 发射一条"),
               choices=("relax", "shoot"),
               labels={"relax": T("relax", "松弛"), "shoot": T("shoot", "发射")}),
        Number("heading", 45.0, T("direction of the shot, degrees clockwise from north",
                                  "发射方向，从正北顺时针的角度"), lo=0.0, hi=360.0, step=5.0),
        Number("radius_km", EARTH_RADIUS_KM, T("radius of the sphere in km", "球的半径（千米）"),
               lo=1.0, hi=100000.0, step=10 ** 0.1, log=True),
        Number("m", 1.0, T("mean of the data the Gaussian is fitted to", "被拟合数据的均值"),
               lo=-3.0, hi=3.0, step=0.1),
        Number("v", 1.0, T("variance of that data", "该数据的方差"), lo=0.1, hi=4.0, step=0.1),
        Number("mu0", -2.0, T("starting μ", "起点 μ"), lo=-4.0, hi=4.0, step=0.1),
        Number("sigma0", 0.5, T("starting σ", "起点 σ"), lo=0.1, hi=4.0, step=0.05),
        Number("lr", 0.1, T("step size of all four descents", "四种下降法共同的步长"),
               lo=1e-3, hi=1.5, step=10 ** 0.1, log=True),
        Integer("k", 6, T("neighbours per point in Isomap's graph", "Isomap 图中每点的近邻数"), lo=2, hi=60),
        Integer("points", 300, T("points on the spiral", "螺线上的点数"), lo=50, hi=800, step=10),
        Number("noise", 0.0, T("Gaussian noise added to the points", "加在点上的高斯噪声"),
               lo=0.0, hi=1.0, step=0.05),
    )
    explanation = T(
        "A flat map cannot keep lengths: on the sphere ds² = dθ² + sin²θ dφ² (θ from the north "
        "pole), so at latitude λ one degree of longitude is only cos λ as long as one degree "
        "of latitude. The Tissot ellipses are circles of equal true radius drawn in the "
        "equirectangular chart. They stretch sideways by 1/cos λ towards the poles: that "
        "stretch is the metric. The straight chart line from New York to Beijing is long; the "
        "great circle bends north over the Arctic, where the chart exaggerates distances, and "
        "is thousands of km shorter. The globe panel shows the same two paths without "
        "distortion.\n"
        "Relax starts from the chart line and repeatedly lowers the discrete energy "
        "Σ|p_{i+1} − p_i|², pushing each point back onto the sphere, until the path is the great "
        "circle with evenly spaced points. The geodesic equation is the Euler–Lagrange equation "
        "of the energy ½∫ g(ẋ, ẋ) dt, whose solutions run at constant speed. Minimising arc length "
        "gives the same curves, but with any parametrisation. Shoot integrates that equation in "
        "the chart, θ″ = sin θ cos θ φ′², φ″ = −2 cot θ θ′φ′, with RK4, and checks Clairaut's "
        "invariant sin θ·sin ψ. The chart fails at the poles (cot θ blows up), even though the "
        "sphere is smooth there. A geodesic is only locally shortest: the long way round the "
        "same great circle is a geodesic too. The tangent space at p is the linear subspace "
        "{v : p·v = 0}; the plane p·x = 1 that touches the sphere is that subspace moved to p.\n"
        "Natural gradient: the Gaussians N(μ, σ²) form a surface whose Fisher metric is "
        "diag(1/σ², 2/σ²). Plain gradient descent depends on the coordinates: GD in σ and GD in "
        "ln σ take different paths. The natural step −F⁻¹∇ follows the same flow in any "
        "coordinates (its two charts' paths agree as lr → 0). At lr = 1 its σ update is Heron's "
        "rule σ ← (σ + S/σ)/2 for √S, with S = (μ − m)² + v. The Fisher ellipses are Tissot ellipses again.\n"
        "Isomap: points on a spiral, a k-nearest-neighbour graph, shortest paths in the graph "
        "(Dijkstra) as stand-ins for geodesic distances, then classical MDS. With a small k the "
        "graph follows the curve and the 1-D embedding matches arc length. With a large k, or "
        "with noise, edges jump between turns and the embedding folds.",
        "平面地图无法保持长度：球面上 ds² = dθ² + sin²θ dφ²（θ 从北极量起），所以在纬度 λ 处，"
        "一度经度的长度只有一度纬度的 cos λ 倍。Tissot 椭圆是在等距圆柱图上画出的、真实半径相等"
        "的圆。越靠近两极，它们横向拉伸 1/cos λ 倍：这种拉伸就是度量。纽约到北京的图上直线很长；"
        "大圆向北弯过北冰洋，那里地图夸大了距离，所以它反而短了几千千米。地球仪视图展示同样两条"
        "路径，没有变形。\n"
        "松弛模式从图上直线出发，反复降低离散能量 Σ|p_{i+1} − p_i|²，并把每个点拉回球面，直到路径"
        "变成点距均匀的大圆。测地线方程是能量 ½∫ g(ẋ, ẋ) dt 的欧拉–拉格朗日方程，其解以匀速前进。"
        "最小化弧长会得到同样的曲线，但参数化任意。发射模式用 RK4 在坐标图中积分该方程 "
        "θ″ = sin θ cos θ φ′²，φ″ = −2 cot θ θ′φ′，并检验 Clairaut 不变量 sin θ·sin ψ。坐标图在两极"
        "失效（cot θ 发散），尽管球面在那里是光滑的。测地线只是局部最短：沿同一大圆绕远路的那段也是"
        "测地线。p 点的切空间是线性子空间 {v : p·v = 0}；与球面相切的平面 p·x = 1 是把该子空间"
        "平移到 p 点得到的。\n"
        "自然梯度：高斯分布 N(μ, σ²) 构成一张曲面，其 Fisher 度量为 diag(1/σ², 2/σ²)。普通梯度"
        "下降依赖坐标：在 σ 中和在 ln σ 中做 GD 走的路径不同。自然梯度步 −F⁻¹∇ 在任何坐标下都沿"
        "同一条流（它在两种坐标中的路径在 lr → 0 时重合）。lr = 1 时，它对 σ 的更新正是求 √S 的 "
        "Heron 迭代 σ ← (σ + S/σ)/2，其中 S = (μ − m)² + v。Fisher 椭圆又是 Tissot 椭圆。\n"
        "Isomap：螺线上的点，k 近邻图，用图上最短路（Dijkstra）代替测地距离，再做经典 MDS。k 小时"
        "图沿着曲线走，一维嵌入与弧长一致。k 大或有噪声时，边跨越相邻的圈，嵌入就折叠了。",
    )

    def matters(self, name: str) -> bool:
        view = self["view"]
        if name == "heading":
            return view == "sphere" and self["mode"] == "shoot"
        for owner, names in VIEWS.items():
            if name in names:
                return view == owner
        return True

    # -- state ------------------------------------------------------------------------

    def setup(self) -> None:
        self.ready: set[str] = set()
        self.iso: dict[str, Any] | None = None
        self._need(self["view"])

    def _need(self, *views: str) -> None:
        """Build a view's state the first time it is wanted (export asks for all of them)."""
        for view in views:
            if view not in self.ready:
                self.ready.add(view)
                if view == "sphere":
                    self._setup_sphere()
                elif view == "natural":
                    self._setup_natural()

    def _setup_sphere(self) -> None:
        a, b = (self["lat1"], self["lon1"]), (self["lat2"], self["lon2"])
        self.geo_angle = great_circle_angle(*a, *b)
        self.chart_angle = chart_line_angle(*a, *b)
        self.great = great_circle_points(*a, *b, 181)
        self.vertex = vertex_latitude(*a, *b)
        self.max_lat = float(np.max(lat_lon(self.great)[0]))
        nxt = lat_lon(self.great[1])                       # heading at A along the drawn circle
        phi1, phi2 = math.radians(a[0]), math.radians(float(nxt[0]))
        dlon = math.radians(short_dlon(a[1], float(nxt[1])))
        bearing = math.atan2(math.sin(dlon) * math.cos(phi2),
                             math.cos(phi1) * math.sin(phi2) - math.sin(phi1) * math.cos(phi2) * math.cos(dlon))
        self.clairaut_ab = math.cos(phi1) * math.sin(bearing)
        mid = a[1] + short_dlon(a[1], b[1]) / 2
        self.mid_lon = (mid + 90.0) % 360.0 - 90.0           # chart centre in [−90, 270)
        la, lo = chart_line(*a, *b, PATH_POINTS)
        self.path = unit_vector(la, lo)
        self.lengths = [path_angle(self.path)]
        self.shot = shoot(*a, self["heading"], 2 * math.pi, RK4_STEPS) if self["mode"] == "shoot" else None
        self._sphere_geometry()

    def _setup_natural(self) -> None:
        m, v = self["m"], self["v"]
        self.paths = descent_paths(self["mu0"], self["sigma0"], m, v, self["lr"], NATURAL_STEPS)
        self.nll_star = float(gaussian_nll(m, math.sqrt(v), m, v))
        self.fisher_geometry = {log: self._fisher_geometry(log) for log in (False, True)}

    def job(self) -> Job | None:
        if self["view"] != "isomap":
            return None
        n, k, noise, seed = self["points"], self["k"], self["noise"], self.seed

        def run(progress) -> dict[str, Any]:
            xy, t, s = spiral(n, noise, np.random.default_rng(seed))
            adj = knn_graph(xy, k)
            dist = graph_distances(adj, lambda f: progress(0.9 * f))
            comp = largest_component(adj)
            sub = dist[np.ix_(comp, comp)]
            embedding = classical_mds(sub)[:, 0]
            if pearson(embedding, s[comp]) < 0:
                embedding = -embedding
            pairs = np.array([(i, j) for i, row in enumerate(adj) for j in row if j > i])
            jumps = np.abs(t[pairs[:, 1]] - t[pairs[:, 0]]) > math.pi
            progress(1.0)
            return {"xy": xy, "t": t, "s": s, "from_start": dist[0], "comp": comp,
                    "edges": _edge_lines(xy, pairs[~jumps][::_every(int((~jumps).sum()))]),
                    "short_edges": _edge_lines(xy, pairs[jumps][::_every(int(jumps.sum()))]),
                    "every": (_every(int((~jumps).sum())), _every(int(jumps.sum()))),
                    "embedding": embedding, "pearson": pearson(embedding, s[comp]),
                    "spearman": spearman(embedding, s[comp]), "shortcuts": shortcut_edges(adj, t),
                    "route": shortest_path(adj, 0, n - 1), "graph_ends": float(dist[0, n - 1])}

        def adopt(result: dict[str, Any]) -> None:
            self.iso = result

        return Job(run, adopt, T("shortest paths in the neighbour graph", "计算近邻图上的最短路"))

    @property
    def done(self) -> bool:
        view = self["view"]
        if view == "natural":
            return self.t >= NATURAL_STEPS
        if view == "isomap":
            return self.t >= WAVE_STEPS
        if self["mode"] == "shoot":
            return self.t >= SHOOT_STEPS
        return self.t >= RELAX_STEPS or (self.t > 0 and abs(self.lengths[-2] - self.lengths[-1])
                                          < 1e-12 * self.lengths[-1])

    def advance(self) -> None:
        if self["view"] == "sphere" and self["mode"] == "relax":
            self.path = relax_path(self.path, SWEEPS)
            self.lengths.append(path_angle(self.path))

    # -- chart helpers ----------------------------------------------------------------

    def _to_window(self, lon: np.ndarray) -> np.ndarray:
        """Longitudes made continuous, shifted by whole turns so the first lies in the chart's
        360° window around `mid_lon`."""
        lon = np.degrees(np.unwrap(np.radians(np.asarray(lon, float))))
        first = self.mid_lon + (lon[0] - self.mid_lon + 180.0) % 360.0 - 180.0
        return lon + (first - lon[0])

    def _chart_xy(self, points: np.ndarray) -> np.ndarray:
        la, lo = lat_lon(points)
        return np.stack([self._to_window(lo), la], 1)

    @property
    def km(self) -> float:
        return self["radius_km"]

    # -- pictures ---------------------------------------------------------------------

    def draw(self, width: int, height: int) -> Figure:
        view = self["view"]
        if view == "sphere":
            panels = [self._chart_panel(), self._globe_panel(), self._progress_panel(),
                      self._stretch_panel()]
        elif view == "natural":
            panels = [self._fisher_panel(log=False), self._fisher_panel(log=True),
                      self._gap_panel(), self._sigma_panel()]
        else:
            panels = [self._spiral_panel(), self._embedding_panel()]
        if width < 64 or height < 20:
            pair = panels[:2] if view != "sphere" else [panels[0], panels[2]]
            if width >= 2 * height + 20:
                return Figure(pair, rows=1, cols=2)
            return Figure(pair, rows=2, cols=1)
        if view == "isomap":
            return Figure(panels, rows=1, cols=2, weights=(3, 2))
        return Figure(panels, rows=2, cols=2, weights=(3, 2) if view == "sphere" else None)

    def _sphere_geometry(self) -> None:
        """What the chart and the globe show that does not move: computed once per setup."""
        x0, x1 = self.mid_lon - 180.0, self.mid_lon + 180.0
        ellipses = []
        for lat in TISSOT_LATS:
            for lon in np.arange(math.ceil(x0 / 45) * 45 + 22.5, x1, 45.0):
                la, lo = tissot(lat, lon, TISSOT_R, 25)
                ellipses.append(np.stack([lo, la], 1))
        self.tissot_xy = _nan_join(ellipses)
        la, lo = chart_line(self["lat1"], self["lon1"], self["lat2"], self["lon2"], PATH_POINTS)
        self.chart_xy = np.stack([self._to_window(lo), la], 1)
        self.great_xy = self._chart_xy(self.great)
        a, b = unit_vector(self["lat1"], self["lon1"]), unit_vector(self["lat2"], self["lon2"])
        c = a + b
        c = c / np.linalg.norm(c) if np.linalg.norm(c) > 1e-9 else a
        east = np.cross([0.0, 0.0, 1.0], c)
        east = east / np.linalg.norm(east) if np.linalg.norm(east) > 1e-9 else np.array([0.0, 1.0, 0.0])
        self.globe_basis = (c, east, np.cross(c, east))
        lines = [unit_vector(np.linspace(-90, 90, 37), np.full(37, lon)) for lon in range(-180, 180, 60)]
        lines += [unit_vector(np.full(73, lat), np.linspace(-180, 180, 73)) for lat in (-45, 0, 45)]
        t = np.linspace(0, 2 * math.pi, 97)
        self.globe_static = {"outline": np.stack([np.cos(t), np.sin(t)], 1),
                             "graticule": _nan_join([self._project(p) for p in lines]),
                             "chart": self._project(unit_vector(la, lo)),
                             "great": self._project(self.great),
                             "ends": self._project(np.stack([a, b]))}

    def _project(self, p: np.ndarray) -> np.ndarray:
        """Orthographic view of the globe from above the midpoint of A and B (far side NaN)."""
        c, east, north = self.globe_basis
        xy = np.stack([p @ east, p @ north], 1)
        xy[p @ c < 0] = np.nan
        return xy

    def _chart_panel(self) -> Panel:
        panel = Panel(title=T("equirectangular chart with Tissot ellipses", "等距圆柱图与 Tissot 椭圆"),
                      xlabel=T("longitude (°E)", "经度（°E）"), ylabel=T("latitude", "纬度"),
                      xlim=(self.mid_lon - 180.0, self.mid_lon + 180.0), ylim=(-90.0, 90.0))
        e, chart, great = self.tissot_xy, self.chart_xy, self.great_xy
        panel.add(Line(e[:, 0], e[:, 1], T("Tissot ({r}° of arc)", "Tissot（{r}° 弧）").format(r=f"{TISSOT_R:g}"), "primary"),
                  Line(chart[:, 0], chart[:, 1], T("chart line", "图上直线"), "muted"),
                  Line(great[:, 0], great[:, 1], T("great circle", "大圆"), "success"))
        if self["mode"] == "relax":
            p = self._chart_xy(self.path)
            panel.add(Line(p[:, 0], p[:, 1], T("relaxing path", "松弛中的路径"), "accent"))
        else:
            shot = self._shot_xy()
            panel.add(Line(shot[:, 0], shot[:, 1], T("shot geodesic", "发射的测地线"), "warning"))
        panel.add(Points(chart[[0, -1], 0], chart[[0, -1], 1], "", "foreground", "●"),
                  Label(chart[0, 0], chart[0, 1] - 9, "A", "foreground", "center"),
                  Label(chart[-1, 0], chart[-1, 1] - 9, "B", "foreground", "center"))
        return panel

    def _shot_xy(self) -> np.ndarray:
        n = len(self.shot["lat"])
        shown = max(2, min(n, int(round(n * min(self.t, SHOOT_STEPS) / SHOOT_STEPS)) + 1))
        lon = self._to_window(self.shot["lon"][:shown])
        return np.stack([lon, self.shot["lat"][:shown]], 1)

    def _globe_panel(self) -> Panel:
        g = self.globe_static
        panel = Panel(title=T("the same paths on the globe", "地球仪上的同样路径"), aspect="equal",
                      xlim=(-1.05, 1.05), ylim=(-1.05, 1.05))
        for key, color, style in (("outline", "foreground", None), ("graticule", "muted", "dotted"),
                                  ("chart", "muted", None), ("great", "success", None)):
            panel.add(Line(g[key][:, 0], g[key][:, 1], "", color, style=style))
        if self["mode"] == "relax":
            moving, color = self._project(self.path), "accent"
        else:
            shot = self._shot_xy()
            moving, color = self._project(unit_vector(shot[:, 1], shot[:, 0])), "warning"
        panel.add(Line(moving[:, 0], moving[:, 1], "", color),
                  Points(g["ends"][:, 0], g["ends"][:, 1], "", "foreground", "●"))
        return panel

    def _progress_panel(self) -> Panel:
        if self["mode"] == "shoot":
            shot = self._shot_xy()
            s = np.arange(len(shot)) * (2 * math.pi / RK4_STEPS) * self.km
            panel = Panel(title=T("latitude along the shot; Clairaut c = {c}", "沿发射路径的纬度；Clairaut c = {c}").format(
                c=fmt(self.shot["clairaut"][0], ".4f")), xlabel=T("distance (km)", "距离（千米）"),
                xlim=(0.0, 2 * math.pi * self.km), ylim=(-95.0, 95.0))
            vertex = math.degrees(math.acos(min(1.0, abs(self.shot["clairaut"][0]))))
            panel.add(HLine(vertex, "muted"), HLine(-vertex, "muted"),
                      Line(s, shot[:, 1], "", "warning"))
            return panel
        lengths = np.array(self.lengths) * self.km
        steps = np.arange(len(lengths), dtype=float)
        span = self.chart_angle * self.km - self.geo_angle * self.km
        panel = Panel(title=T("path length (km) per step", "每步的路径长度（千米）"), xlabel=T("step", "步"),
                      xlim=(0.0, float(max(20, 2 ** math.ceil(math.log2(max(len(lengths), 2)))))),
                      ylim=(self.geo_angle * self.km - 0.08 * span, max(lengths[0], self.chart_angle * self.km) + 0.08 * span))
        panel.add(HLine(self.geo_angle * self.km, "success"),
                  Line(steps, lengths, T("relaxing path", "松弛中的路径"), "accent"))
        return panel

    def _stretch_panel(self) -> Panel:
        lat = np.linspace(-85.0, 85.0, 171)
        panel = Panel(title=T("east–west stretch of the chart, 1/cos(lat)", "图的东西向拉伸 1/cos(纬度)"),
                      xlabel=T("latitude", "纬度"), xlim=(-90.0, 90.0), ylim=(0.0, 12.0))
        panel.add(Line(lat, 1 / np.cos(np.radians(lat)), "", "primary"))
        marks = np.array([self["lat1"], self["lat2"], self.max_lat])
        panel.add(Points(marks, 1 / np.cos(np.radians(np.minimum(np.abs(marks), 85.0))),
                         T("A, B, highest point", "A、B 与最高点"), "success", "●"))
        return panel

    def _window(self, log: bool) -> tuple[float, float, float, float]:
        m, v, mu0, s0 = self["m"], self["v"], self["mu0"], self["sigma0"]
        x0, x1 = min(mu0, m) - 1.0, max(mu0, m) + 1.0
        s_hi = 1.6 * max(s0, math.sqrt(v)) + 0.3
        if log:
            r0 = math.log(min(s0, math.sqrt(v))) - 0.8
            return x0, x1, r0, math.log(s_hi)
        return x0, x1, 0.02, s_hi

    def _fisher_geometry(self, log: bool) -> tuple[np.ndarray, np.ndarray]:
        """NLL level sets and Fisher ellipses in one chart (NaN-joined polylines)."""
        m, v = self["m"], self["v"]
        x0, x1, y0, y1 = self._window(log)
        mus, ys = np.linspace(x0, x1, 100), np.linspace(y0, y1, 80)
        sig = np.exp(ys) if log else ys
        z = gaussian_nll(mus[None, :], sig[:, None], m, v) - self.nll_star
        pieces = []
        for level in np.geomspace(0.05, max(0.5, float(np.quantile(z, 0.6))), 5):
            pieces += list(marching_squares(mus, ys, z, float(level)))
        ellipses = []
        for mu in np.linspace(x0, x1, 4)[1:-1]:
            for y in np.linspace(y0, y1, 4)[1:-1]:
                ex, ey = fisher_ellipse(mu, math.exp(y) if log else y, 0.25, 24)
                ellipses.append(np.stack([ex, np.log(np.maximum(ey, 1e-9)) if log else ey], 1))
        return _nan_join(pieces), _nan_join(ellipses)

    def _fisher_panel(self, log: bool) -> Panel:
        m, v = self["m"], self["v"]
        x0, x1, y0, y1 = self._window(log)
        title = (T("(μ, ln σ) chart", "(μ, ln σ) 坐标") if log
                 else T("(μ, σ) chart with Fisher ellipses", "(μ, σ) 坐标与 Fisher 椭圆"))
        panel = Panel(title=title, xlabel="μ", ylabel="ln σ" if log else "σ", xlim=(x0, x1), ylim=(y0, y1))
        contours, ellipses = self.fisher_geometry[log]
        if len(contours):
            panel.add(Line(contours[:, 0], contours[:, 1], "", "muted"))
        panel.add(Line(ellipses[:, 0], ellipses[:, 1], T("Fisher ellipses", "Fisher 椭圆"), "primary",
                       style="solid"))
        k = min(self.t, NATURAL_STEPS)
        for name, (label, color) in METHODS.items():
            p = self.paths[name][:k + 1]
            p = p[np.isfinite(p[:, 1])]
            y = np.log(p[:, 1]) if log else p[:, 1]
            panel.add(Line(p[:, 0], y, label if not log else "", color,
                           style="dotted" if name == "natural_log" else None))
        target = math.log(math.sqrt(v)) if log else math.sqrt(v)
        panel.add(Points(np.array([m]), np.array([target]), "", "success", "★"))
        return panel

    def _gap_panel(self) -> Panel:
        m, v = self["m"], self["v"]
        panel = Panel(title=T("NLL − minimum per step", "每步的 NLL − 最小值"), xlabel=T("step", "步"),
                      yscale="log", xlim=(0.0, float(NATURAL_STEPS)))
        k = min(self.t, NATURAL_STEPS)
        steps = np.arange(k + 1, dtype=float)
        for name, (label, color) in METHODS.items():
            p = self.paths[name][:k + 1]
            gap = np.full(len(p), np.nan)
            ok = np.isfinite(p[:, 1])
            gap[ok] = gaussian_nll(p[ok, 0], p[ok, 1], m, v) - self.nll_star
            keep = ok & (gap > 0)
            panel.add(Line(steps[keep], gap[keep], "", color))
        return panel

    def _sigma_panel(self) -> Panel:
        k = min(self.t, NATURAL_STEPS)
        steps = np.arange(k + 1, dtype=float)
        panel = Panel(title=T("σ per step (target √v)", "每步的 σ（目标 √v）"), xlabel=T("step", "步"),
                      xlim=(0.0, float(NATURAL_STEPS)),
                      ylim=(0.0, 2.5 * max(self["sigma0"], math.sqrt(self["v"]))))
        panel.add(HLine(math.sqrt(self["v"]), "success"))
        for name, (_, color) in METHODS.items():
            p = self.paths[name][:k + 1]
            ok = np.isfinite(p[:, 1])
            panel.add(Line(steps[ok], p[ok, 1], "", color))
        return panel

    def _spiral_panel(self) -> Panel:
        panel = Panel(title=T("spiral, k-NN graph and the graph's shortest path", "螺线、k 近邻图与图上最短路"),
                      aspect="equal")
        iso = self.iso
        if iso is None:
            panel.xlim, panel.ylim = (-1.0, 1.0), (-1.0, 1.0)
            panel.add(Label(0.0, 0.0, T("computing shortest paths…", "正在计算最短路…"), "muted", "center"))
            return panel
        xy = iso["xy"]
        kinds = ((iso["edges"], "muted", T("k-NN edges", "k 近邻边")),
                 (iso["short_edges"], "error", T("short-circuits", "短路边")))
        for (e, color, label), every in zip(kinds, iso["every"]):
            if len(e):
                if every > 1:
                    label = label + T(" (1 in {m} drawn)", "（每 {m} 条画 1 条）").format(m=str(every))
                panel.add(Line(e[:, 0], e[:, 1], label, color))
        reach = iso["from_start"][np.isfinite(iso["from_start"])].max()
        reached = iso["from_start"] <= reach * min(self.t, WAVE_STEPS) / WAVE_STEPS
        panel.add(Points(xy[~reached, 0], xy[~reached, 1], "", "foreground", "dot"),
                  Points(xy[reached, 0], xy[reached, 1], T("within graph distance r", "图距离 ≤ r"), "warning", "dot"))
        route = xy[iso["route"]] if iso["route"] else np.empty((0, 2))
        if len(route):
            panel.add(Line(route[:, 0], route[:, 1], T("graph geodesic", "图测地线"), "success"))
        panel.add(Line(xy[[0, -1], 0], xy[[0, -1], 1], T("straight line", "直线"), "primary", style="dotted"))
        return panel

    def _embedding_panel(self) -> Panel:
        panel = Panel(title=T("1-D Isomap coordinate against true arc length", "一维 Isomap 坐标对真实弧长"),
                      xlabel=T("arc length", "弧长"))
        if self.iso is None:
            return panel
        s = self.iso["s"][self.iso["comp"]]
        panel.add(Points(s, self.iso["embedding"], "", "accent", "•"))
        return panel

    # -- numbers ----------------------------------------------------------------------

    def readout(self) -> dict[T | str, T | str]:
        view = self["view"]
        if view == "natural":
            return self._natural_readout()
        if view == "isomap":
            return self._isomap_readout()
        km = self.km
        out: dict[T | str, T | str] = {
            T("geodesic", "测地线"): f"{fmt(self.geo_angle, '.5f')} rad = {fmt(self.geo_angle * km, ',.0f')} km",
            T("chart line", "图上直线"): f"{fmt(self.chart_angle * km, ',.0f')} km",
        }
        if self["mode"] == "relax":
            out[T("path now", "当前路径")] = f"{fmt(self.lengths[-1] * km, ',.1f')} km"
        out[T("highest latitude on A→B", "A→B 上的最高纬度")] = fmt(self.max_lat, ".2f") + "°"
        out[T("vertex of the great circle", "大圆的顶点纬度")] = (
            fmt(self.vertex, ".2f") + "°" if math.isfinite(self.vertex) else T("not unique", "不唯一"))
        c = self.shot["clairaut"][0] if self["mode"] == "shoot" else self.clairaut_ab
        out[T("Clairaut sin θ·sin ψ", "Clairaut sin θ·sin ψ")] = fmt(c, ".6f")
        if self["mode"] == "shoot":
            out[T("Clairaut drift", "Clairaut 漂移")] = fmt(float(np.ptp(self.shot["clairaut"])), ".1e")
        out[T("Tissot axes at A (N–S : E–W)", "A 处 Tissot 轴（南北 : 东西）")] = (
            f"1 : {fmt(1 / math.cos(math.radians(self['lat1'])), '.3f')}")
        return out

    def _natural_readout(self) -> dict[T | str, T | str]:
        k = min(self.t, NATURAL_STEPS)
        out: dict[T | str, T | str] = {}
        for name, (label, _) in METHODS.items():
            mu, s = self.paths[name][k]
            out[label] = (f"μ {fmt(mu, '.4f')}  σ {fmt(s, '.4f')}" if math.isfinite(s)
                          else T("stopped: σ left (0, ∞)", "已停止：σ 离开 (0, ∞)"))
        mu, s = self.paths["natural"][k]
        F = fisher(s)
        out["F(μ, σ)"] = f"diag({fmt(F[0, 0], '.3g')}, {fmt(F[1, 1], '.3g')})"
        ng = natural_gradient(mu, s, self["m"], self["v"])
        out["F⁻¹∇"] = f"({fmt(ng[0], '.3g')}, {fmt(ng[1], '.3g')})"
        return out

    def _isomap_readout(self) -> dict[T | str, T | str]:
        iso = self.iso
        if iso is None:
            return {T("status", "状态"): T("computing…", "计算中…")}
        return {
            T("Pearson r with arc length", "与弧长的 Pearson r"): fmt(iso["pearson"], ".5f"),
            T("Spearman ρ", "Spearman ρ"): fmt(iso["spearman"], ".5f"),
            T("short-circuit edges", "短路边数"): str(iso["shortcuts"]),
            T("ends: straight / graph / arc", "两端：直线 / 图 / 弧长"): (
                f"{fmt(float(np.linalg.norm(iso['xy'][0] - iso['xy'][-1])), '.2f')} / "
                f"{fmt(iso['graph_ends'], '.2f')} / {fmt(float(iso['s'][-1]), '.2f')}"),
            T("points in the largest component", "最大连通分量的点数"): f"{len(iso['comp'])} / {len(iso['xy'])}",
        }

    def notes(self) -> list[T]:
        notes = []
        view = self["view"]
        if view == "sphere" and self["mode"] == "shoot" and bool(self.shot["stopped"]):
            notes.append(T("the shot reached a pole, where the (θ, φ) chart breaks down "
                           "(cot θ → ∞); the sphere itself is fine there",
                           "发射路径到达极点，(θ, φ) 坐标在那里失效（cot θ → ∞），球面本身并无异常"))
        if view == "sphere" and self.geo_angle > math.pi - ANTIPODAL:
            notes.append(T("A and B are antipodal: every great circle through them is a shortest "
                           "path, of length πR; the one drawn is just one of them",
                           "A 与 B 互为对跖点：经过它们的每个大圆都是最短路径，长度为 πR；"
                           "图中只画了其中一条"))
        if view == "natural":
            k = min(self.t, NATURAL_STEPS)
            if not math.isfinite(self.paths["gd"][k, 1]):
                notes.append(T("GD in (μ, σ) stepped to σ ≤ 0 and stopped: that chart has an edge, "
                               "ln σ does not", "(μ, σ) 中的 GD 走到 σ ≤ 0 而停止：该坐标有边界，ln σ 没有"))
        if view == "isomap" and self.iso is not None and self.iso["shortcuts"]:
            notes.append(T("{n} edges jump between turns: graph distances cut across the spiral",
                           "{n} 条边跨越相邻的圈：图距离横穿螺线").format(n=str(self.iso["shortcuts"])))
        return notes

    def data(self) -> dict[str, Any]:
        self._need("sphere", "natural")
        km = self.km
        k = min(self.t, NATURAL_STEPS)
        mu, s = self.paths["natural"][k]
        out: dict[str, Any] = {
            "geodesic_length": self.geo_angle * km, "geodesic_angle": self.geo_angle,
            "chart_line_length": self.chart_angle * km, "path_length": self.lengths[-1] * km,
            "vertex_lat": self.vertex, "max_lat": self.max_lat,
            "clairaut": self.shot["clairaut"][0] if self.shot is not None else self.clairaut_ab,
            "tissot_axes": {"lat": self["lat1"], "north_south": 1.0,
                            "east_west": 1 / math.cos(math.radians(self["lat1"]))},
            "shot_stopped": bool(self.shot["stopped"]) if self.shot is not None else None,
            "paths": {name: p.tolist() for name, p in self.paths.items()},
            "fisher": fisher(s).tolist() if math.isfinite(s) else None,
            "natural_grad": natural_gradient(mu, s, self["m"], self["v"]).tolist() if math.isfinite(s) else None,
            "pearson_r": None, "spearman_rho": None, "shortcut_edges": None,
            "euclid_ends": None, "arc_ends": None, "graph_ends": None,
        }
        if self.iso is not None:
            iso = self.iso
            out.update({"pearson_r": iso["pearson"], "spearman_rho": iso["spearman"],
                        "shortcut_edges": iso["shortcuts"],
                        "euclid_ends": float(np.linalg.norm(iso["xy"][0] - iso["xy"][-1])),
                        "arc_ends": float(iso["s"][-1]), "graph_ends": iso["graph_ends"]})
        return out
