"""Scene `autodiff`: one computation graph, swept forward (tangents) or backward (adjoints)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from calcterm.compute import autodiff as ad
from calcterm.compute import autodiff_graphs as graphs
from calcterm.compute.expr import parse
from calcterm.params import Choice, Expression, Integer, Number, Toggle
from calcterm.plot import Figure, Label, Panel
from calcterm.scene import Job, Scene
from calcterm.text import T, fmt
from calcterm.scenes._autodiff_view import (
    GRAPH_LABELS, MAX_DRAWN, Sweep, graph_panel, jacobian_panel, ledger_panel, names_of, rule_text,
    trace_panel,
)

JACOBIAN_CAP = 200_000
"""Entries of the full Jacobian computed and exported; beyond, only the pass counts and a
dot-product test of the two modes."""
NODE_SWEEPS_SHOWN = 120
"""Node-by-node steps across all sweeps; past this the later sweeps go a batch per step."""
BATCHED_STEPS = 30
HEAVY_N = 20_000
"""A wide graph with more inputs than this is prepared as a background job."""


class Autodiff(Scene):
    id = "autodiff"
    title = T("Computation graphs: forward and reverse mode", "计算图：前向模式与反向模式")
    summary = T("a formula as a graph of operations; tangents pushed forward or adjoints pulled "
                "back, n sweeps against m", "把公式画成运算图；切向量前推或伴随量回拉，n 次对 m 次")
    section = "Part 3 §1.1–1.2, §1.4, §3.4; Part 1 §1.3"
    order = 48
    pace = 12
    heaviest = {"graph": "wide", "n": 100_000, "m": 1000, "mode": "forward"}
    params = (
        Choice("graph", "expr", T("which graph to differentiate", "要求导的计算图"),
               choices=graphs.GRAPHS, labels=GRAPH_LABELS),
        Expression("f", "log(x)+x*y-sin(y)", T("the formula for the expr graph",
                                               "expr 图所用的公式"),
                   presets={"ln x + xy − sin y": "log(x)+x*y-sin(y)", "xy + sin x": "x*y+sin(x)",
                            "e^(xy)/(1+x²)": "exp(x*y)/(1+x^2)", "σ(2x − y)": "sigmoid(2*x-y)"},
                   variables=("x", "y")),
        Number("x", 2.0, T("evaluation point: x (x₁ for neuron and torch)",
                           "求值点：x（neuron 与 torch 中为 x₁）"), lo=-10.0, hi=10.0, step=0.1),
        Number("y", 5.0, T("evaluation point: y (x₂ for neuron and torch)",
                           "求值点：y（neuron 与 torch 中为 x₂）"), lo=-10.0, hi=10.0, step=0.1),
        Choice("mode", "reverse", T("which sweep the animation shows", "动画演示哪种扫描"),
               choices=("forward", "reverse"),
               labels={"forward": T("forward", "前向"), "reverse": T("reverse", "反向")}),
        Integer("n", 1000, T("inputs of the wide graph", "wide 图的输入维数"), lo=1, hi=100_000),
        Integer("m", 1, T("outputs of the wide graph", "wide 图的输出维数"), lo=1, hi=1000),
        Number("eps", 0.0, T("BatchNorm ε (0 gives the exact closed forms)",
                             "BatchNorm 的 ε（取 0 时闭式解精确成立）"), lo=0.0, hi=1.0, step=0.01),
        Toggle("edges", True, T("show each edge's local partial derivative",
                                "在每条边上显示局部偏导数")),
    )
    explanation = T(
        "Every formula the calculator evaluates is a graph: inputs on the left, one box per "
        "operation, the result on the right. The first sweep fills in the values. Forward mode "
        "then seeds one input direction (ẋ = 1, ẏ = 0) and pushes tangents v̇ = Σ (∂v/∂u)·u̇ along "
        "the edges to the output: a single sweep yields the derivative of every output with "
        "respect to that one input, one column of the Jacobian. Reverse mode seeds the output "
        "(v̄ = 1) and pulls adjoints back, ū += v̄·∂v/∂u: one sweep yields the derivative of that "
        "one output with respect to every input, one row. So the full m × n Jacobian needs n "
        "forward sweeps or m reverse sweeps — a loss with a million weights needs one backward "
        "sweep, which is why training uses reverse mode. Its price is memory: every "
        "intermediate value is kept on a tape for the backward sweep (checkpointing recomputes "
        "some instead). Watch the += where a value feeds two operations: that is the sum rule, "
        "and the product and chain rules are just the local partials written on the edges. "
        "calcterm's own derivatives (Taylor mode) are forward mode: one pass per variable. "
        "The presets: a neuron σ(w₁x₁ + w₂x₂ + b) has five inputs; torch is the article's "
        "x = (1, 2), z = Σx² with ∇z = (2, 4); mlp and batchnorm use vector nodes with a Jacobian "
        "block on each edge; wide makes n and m large. BatchNorm's input gradient has three "
        "paths (direct, through μ, through σ²) and comes to "
        "∂L/∂xᵢ = γ/(mσ̂)·(m gᵢ − Σgⱼ − x̂ᵢ Σgⱼx̂ⱼ): it sums to zero, since shifting the whole "
        "batch changes nothing. (Why BatchNorm helps training is still argued over: the "
        "original 'internal covariate shift' explanation was challenged by Santurkar et al., "
        "2018.) Frameworks differ in when they build the graph: PyTorch and "
        "TensorFlow 2 record it while the code runs (eager), TensorFlow 1 built it first and "
        "ran it later, and TF 2 can still trace a static graph with tf.function.",
        "计算器求值的每个公式都是一张图：左边是输入，每个运算是一个方框，右边是结果。第一遍扫描"
        "填入各节点的值。前向模式随后选定一个输入方向（ẋ = 1，ẏ = 0），沿着边把切向量 "
        "v̇ = Σ (∂v/∂u)·u̇ 推到输出：一次扫描得到所有输出对这一个输入的导数，即雅可比矩阵的一列。"
        "反向模式从输出出发（v̄ = 1），把伴随量 ū += v̄·∂v/∂u 拉回输入：一次扫描得到这一个输出对"
        "所有输入的导数，即一行。所以完整的 m × n 雅可比矩阵需要 n 次前向扫描或 m 次反向扫描——"
        "有一百万个权重的损失只需一次反向扫描，这就是训练使用反向模式的原因。代价是内存：所有中间"
        "值都要记在“磁带”上供反向扫描使用（检查点技术则改为重算其中一部分）。留意一个值同时流向两个"
        "运算时的 +=：那就是加法法则；乘法法则与链式法则不过是写在边上的局部偏导数。calcterm 自身"
        "的求导（泰勒模式）属于前向模式：每个变量各需一遍。预设图：neuron σ(w₁x₁ + w₂x₂ + b) 有五个"
        "输入；torch 是文中 x = (1, 2)、z = Σx² 的例子，∇z = (2, 4)；mlp 与 batchnorm 的节点是向量，"
        "每条边上是一块雅可比矩阵；wide 让 n 与 m 变大。BatchNorm 对输入的梯度有三条路径（直接、"
        "经过 μ、经过 σ²），合起来是 ∂L/∂xᵢ = γ/(mσ̂)·(m gᵢ − Σgⱼ − x̂ᵢ Σgⱼx̂ⱼ)：它的和为零，因为把"
        "整批数据一起平移不改变任何输出。（BatchNorm 为何有助于训练至今仍有争论：最初“内部协变量"
        "偏移”的解释已被 Santurkar 等人 2018 年的工作质疑。）各框架建图的时机不同：PyTorch 与 TensorFlow 2 在代码运行时"
        "记录计算图（即时执行），TensorFlow 1 先定义静态图再运行，TF 2 也能用 tf.function 追踪出静态图。",
    )

    def implied(self, name: str, value: Any) -> dict[str, Any]:
        if name == "graph" and value == "torch":
            return {"x": 1.0, "y": 2.0}
        if name == "graph" and value == "expr":
            return {"x": 2.0, "y": 5.0}
        return {}

    def matters(self, name: str) -> bool:
        graph = self["graph"]
        return {"f": graph == "expr", "x": graph != "wide", "y": graph != "wide",
                "n": graph == "wide", "m": graph == "wide", "eps": graph == "batchnorm",
                "edges": not self.ready or self.drawn}.get(name, True)

    # -- state ----------------------------------------------------------------------------

    def setup(self) -> None:
        self.ready = False
        self._sweep_cache: dict[int, Sweep] = {}
        if not self.heavy:
            self._adopt(_prepare(dict(self.values), self.seed))

    @property
    def heavy(self) -> bool:
        """A wide graph with many inputs is built off the UI thread."""
        return self["graph"] == "wide" and self["n"] > HEAVY_N

    def job(self) -> Job | None:
        if self.ready:
            return None
        values, seed = dict(self.values), self.seed
        return Job(lambda progress: _prepare(values, seed), self._adopt,
                   T("building the graph", "构建计算图"))

    def _adopt(self, prepared: "Prepared") -> None:
        """Take over everything `_prepare` computed as attributes of the scene."""
        for name, value in vars(prepared).items():
            setattr(self, name, value)
        self._sweep_cache = {}
        self.ready = True

    @property
    def busy(self) -> bool:
        return not self.ready

    @property
    def done(self) -> bool:
        return self.ready and self.t >= len(self.schedule) - 1

    @property
    def position(self) -> tuple[str, int, int, int]:
        """(phase, sweeps finished, current sweep, node position in the sweep) at this step."""
        return self.schedule[min(self.t, len(self.schedule) - 1)]

    def sweep(self, index: int) -> Sweep:
        """Node by node tangents or adjoints of one sweep (cached: drawing is every frame)."""
        if index not in self._sweep_cache:
            self._sweep_cache = {index: Sweep.run(self.trace, self["mode"], index, self.shown)}
        return self._sweep_cache[index]

    # -- numbers --------------------------------------------------------------------------

    @property
    def output(self) -> np.ndarray:
        return self.trace.output()

    def gradient(self, mode: str) -> np.ndarray | None:
        J = self.J_forward if mode == "forward" else self.J_reverse
        return None if J is None or self.m != 1 else J[0]

    @property
    def max_difference(self) -> float:
        if self.J_forward is None:
            return math.nan
        with np.errstate(all="ignore"):  # undefined entries make the difference undefined too
            diff = float(np.max(np.abs(self.J_forward - self.J_reverse)))
            if self.engine is not None:
                diff = max(diff, float(np.max(np.abs(self.J_forward[0] - self.engine))))
        return diff

    def passes(self) -> dict[str, dict[str, int]]:
        return {"forward_mode": {"primal": 1, "tangent": self.n, "backward": 0},
                "reverse_mode": {"primal": 1, "backward": self.m}}

    # -- what is shown --------------------------------------------------------------------

    def draw(self, width: int, height: int) -> Figure:
        if not self.ready:
            panel = Panel(title=T("building the graph…", "正在构建计算图…"), xlim=(0, 1), ylim=(0, 1))
            panel.add(Label(0.5, 0.5, T("y = W₂ tanh(W₁x), x ∈ ℝ^{n}", "y = W₂ tanh(W₁x)，x ∈ ℝ^{n}")
                            .format(n=str(self["n"])), align="center"))
            return Figure([panel])
        phase, finished, current, pos = self.position
        sweep = self.sweep(current) if phase != "primal" else None
        ledger = ledger_panel(self.n, self.m, self["mode"], finished, self.trace.tape_size)
        jac = jacobian_panel(self.J_forward if self["mode"] == "forward" else self.J_reverse,
                             self.n, self.m, self["mode"], finished, self.names, self.graph,
                             self.trace)
        narrow = width < 50  # below this the Jacobian panel would be under 16 columns
        if not self.drawn:
            return Figure([jac]) if narrow else Figure([ledger, jac], rows=1, cols=2)
        short = height < 26 or width < 90
        cols = (width if narrow else width * 2 // 3) - 8
        rows = (height if short else height // 2) - 5
        graph = graph_panel(self, phase, pos, sweep, cols, rows)
        if narrow:
            return Figure([graph])
        if short:
            return Figure([graph, jac], rows=1, cols=2, weights=(2, 1))
        trace = trace_panel(self, phase, pos, sweep, height // 2 - 5)
        return Figure([graph, ledger, trace, jac], rows=2, cols=2, weights=(2, 1))

    def readout(self) -> dict[T | str, T | str]:
        if not self.ready:
            return {T("graph", "计算图"): T("building", "构建中")}
        phase, finished, current, pos = self.position
        mode = self["mode"]
        other = "reverse" if mode == "forward" else "forward"
        out: dict[T | str, T | str] = {}
        out["f"] = _vector_text(self.output)
        if self.m == 1 and self.J_forward is not None:
            out[T("∇f, this mode", "∇f，本模式")] = _vector_text(self.gradient(mode))
            out[T("∇f, other mode", "∇f，另一模式")] = _vector_text(self.gradient(other))
        if self.engine is not None:
            out[T("∇f, calcterm (Taylor)", "∇f，calcterm（泰勒）")] = _vector_text(self.engine)
        if self.J_forward is not None:
            out[T("max difference", "最大差")] = fmt(self.max_difference, ".1e")
        else:
            out[T("uᵀ(Jv) vs (uᵀJ)v", "uᵀ(Jv) 与 (uᵀJ)v")] = fmt(self.dot_test, ".1e")
        out[T("forward mode", "前向模式")] = (T("{n} tangent sweep", "{n} 次切向扫描") if self.n == 1 else
                                              T("{n} tangent sweeps", "{n} 次切向扫描")).format(n=str(self.n))
        out[T("reverse mode", "反向模式")] = (T("{m} backward sweep", "{m} 次反向扫描") if self.m == 1 else
                                              T("{m} backward sweeps", "{m} 次反向扫描")).format(m=str(self.m))
        out[T("sweeps done", "已完成扫描")] = f"{finished}/{self.n if mode == 'forward' else self.m}"
        out[T("nodes", "节点数")] = str(len(self.shown))
        out[T("tape", "磁带")] = T("{k} values", "{k} 个值").format(k=str(self.trace.tape_size))
        if self.drawn and phase in ("primal", "tangent", "backward"):
            out[T("step", "当前步")] = rule_text(self, phase, pos)
        return out

    def notes(self) -> list[T]:
        if not self.ready:
            return []
        notes = []
        if not self.drawn:
            notes.append(T("{k} operations: too many to draw, the ledger and Jacobian remain",
                           "{k} 个运算：太多无法绘制，只显示扫描账目与雅可比矩阵").format(
                k=str(len(self.shown) - len(self.graph.inputs))))
        if not np.all(np.isfinite(self.output)):
            notes.append(T("f is undefined at this point", "f 在此点无定义"))
        elif self.J_forward is not None and not np.all(np.isfinite(self.J_forward)):
            notes.append(T("a local derivative is undefined here (a kink, or outside a domain)",
                           "此处有局部导数无定义（拐点或超出定义域）"))
        if self.J_forward is None:
            notes.append(T("the {m}×{n} Jacobian is too large to form; the two modes are checked "
                           "by uᵀ(Jv) = (uᵀJ)v", "{m}×{n} 雅可比矩阵太大，不直接构造；用 "
                           "uᵀ(Jv) = (uᵀJ)v 检验两种模式").format(m=str(self.m), n=str(self.n)))
        if self["graph"] == "batchnorm":
            grad = self.gradient("reverse")
            notes.append(T("Σ ∂L/∂xᵢ = {s}: shifting the batch changes nothing",
                           "Σ ∂L/∂xᵢ = {s}：整批平移不改变结果").format(s=fmt(grad[:4].sum(), ".1e")))
        return notes

    def data(self) -> dict[str, Any]:
        if not self.ready:
            return {"phase": "building"}
        phase = self.position[0]
        out: dict[str, Any] = {
            "nodes": self._node_data(), "output": _plain(self.output),
            "gradient": _plain(self.gradient("reverse")) if self.m == 1 else None,
            "jacobian_forward": None if self.J_forward is None else self.J_forward.tolist(),
            "jacobian_reverse": None if self.J_reverse is None else self.J_reverse.tolist(),
            "passes": self.passes(), "tape_size": self.trace.tape_size, "phase": phase,
            "n": self.n, "m": self.m, "max_difference": self.max_difference,
            "dot_test": self.dot_test,
            "engine_gradient": None if self.engine is None else self.engine.tolist(),
        }
        out.update(self._preset_data())
        return out

    def _node_data(self) -> list[dict[str, Any]]:
        small = self.J_forward is not None and self.n * max(self.trace.sizes) <= 10_000
        dots = ad.tangents(self.trace, np.eye(self.n)) if small else None
        bars = ad.adjoints(self.trace, np.eye(self.m)) if small and self.m <= 100 else None
        nodes = []
        for j, node in enumerate(self.graph.nodes):
            value = self.trace.values[j]
            entry: dict[str, Any] = {
                "id": self.names[j], "op": node.op, "args": [self.names[a] for a in node.args],
                "value": _plain(value) if value.size <= 10_000 else None,
                "tangents": None, "adjoint": None,
            }
            if dots is not None:
                d = dots[j] if dots[j] is not None else np.zeros((value.size, self.n))
                entry["tangents"] = [_plain(d[:, k]) for k in range(self.n)]
            if bars is not None:
                b = bars[j] if bars[j] is not None else np.zeros((value.size, self.m))
                entry["adjoint"] = _plain(b[:, 0]) if self.m == 1 else \
                    [_plain(b[:, k]) for k in range(self.m)]
            nodes.append(entry)
        return nodes

    def _preset_data(self) -> dict[str, Any]:
        graph = self["graph"]
        grad = self.gradient("reverse")
        if graph == "batchnorm":
            value = dict(zip(self.names, self.trace.values))
            sigma = math.sqrt(float(value["σ²"][0]) + self["eps"])
            g = value["y"] - np.array(graphs.BN_TARGET)  # ∂L/∂y
            return {"bn_dx": grad[:4].tolist(), "bn_dgamma": float(grad[4]),
                    "bn_dbeta": float(grad[5]),
                    "bn_dx_naive": (graphs.BN_GAMMA * g / sigma).tolist(),
                    "loss": float(self.output[0])}
        if graph == "mlp":
            h, o = graphs.MLP_HIDDEN, graphs.MLP_OUT
            return {"mlp_dW1": grad[:2 * h].reshape(h, 2).tolist(),
                    "mlp_dW2": grad[3 * h:3 * h + o * h].reshape(o, h).tolist(),
                    "loss": float(self.output[0])}
        return {}


@dataclass
class Prepared:
    """Everything that depends only on the parameters: the graph, its primal trace, both
    Jacobians (when small enough), the checks, and the step schedule."""

    graph: ad.Graph
    trace: ad.Trace
    n: int
    m: int
    names: list[str]
    shown: list[int]
    drawn: bool
    J_forward: np.ndarray | None
    J_reverse: np.ndarray | None
    dot_test: float
    engine: np.ndarray | None
    schedule: list[tuple[str, int, int, int]]


def _build_graph(values: dict[str, Any], seed: int) -> graphs.Setup:
    graph, x, y = values["graph"], values["x"], values["y"]
    if graph == "expr":
        return graphs.expr(values["f"], x, y)
    if graph == "neuron":
        return graphs.neuron(x, y)
    if graph == "torch":
        return graphs.torch(x, y)
    if graph == "mlp":
        return graphs.mlp(x, y, seed)
    if graph == "batchnorm":
        return graphs.batchnorm(x, y, values["eps"])
    return graphs.wide(values["n"], values["m"], seed)


def _prepare(values: dict[str, Any], seed: int) -> Prepared:
    setup = _build_graph(values, seed)
    trace = ad.primal(setup.graph, setup.inputs)
    n, m = trace.n, trace.m
    shown = [j for j, node in enumerate(setup.graph.nodes) if node.op != "const"]
    small = n * m <= JACOBIAN_CAP
    rng = np.random.default_rng(seed)
    v, u = rng.standard_normal(n), rng.standard_normal(m)
    with np.errstate(all="ignore"):
        ju, uj = float(u @ ad.jvp(trace, v)), float(ad.vjp(trace, u) @ v)
    engine = None
    if values["graph"] in ("expr", "neuron"):
        expr = parse(values["f"], ("x", "y")) if values["graph"] == "expr" else \
            parse(graphs.NEURON_TEXT, ("x1", "x2", "w1", "w2", "b"))
        point = dict(zip(expr.variables, (float(w[0]) for w in trace.values[:n])))
        with np.errstate(all="ignore"):
            engine = np.array([float(g) for g in expr.gradient(**point)])
    forward = values["mode"] == "forward"
    return Prepared(
        setup.graph, trace, n, m, names_of(setup.graph), shown,
        len(shown) - len(setup.graph.inputs) <= MAX_DRAWN,
        ad.jacobian_forward(trace) if small else None,
        ad.jacobian_reverse(trace) if small else None,
        abs(ju - uj) / max(abs(ju), abs(uj), 1e-300), engine,
        _schedule(len(shown), n if forward else m, "tangent" if forward else "backward"))


def _schedule(nodes: int, sweeps: int, phase: str) -> list[tuple[str, int, int, int]]:
    """Every step's (phase, sweeps finished, current sweep, node position): the primal sweep
    a node at a time, then sweeps a node at a time while that stays short, then batches."""
    steps = [("primal", 0, 0, k) for k in range(nodes)]
    node_by_node = sweeps if sweeps * nodes <= NODE_SWEEPS_SHOWN else 1
    for s in range(node_by_node):
        steps += [(phase, s + (k == nodes - 1), s, k) for k in range(nodes)]
    done = node_by_node
    batch = max(1, math.ceil((sweeps - done) / BATCHED_STEPS))
    while done < sweeps:
        done = min(sweeps, done + batch)
        steps.append((phase, done, done - 1, nodes - 1))
    steps.append(("done", sweeps, sweeps - 1, nodes - 1))
    return steps


def _plain(v: np.ndarray | None) -> Any:
    if v is None:
        return None
    v = np.asarray(v, dtype=float)
    return float(v[0]) if v.size == 1 else v.tolist()


def _vector_text(v: np.ndarray | None) -> str:
    if v is None:
        return "—"
    v = np.asarray(v, dtype=float).ravel()
    if v.size > 4:
        return f"‖·‖ = {fmt(np.linalg.norm(v), '.6g')} ({v.size})"
    return "(" + ", ".join(fmt(x, ".6g") for x in v) + ")" if v.size > 1 else fmt(v[0], ".10g")
