"""The pictures of the `autodiff` scene: the graph, the trace table, the ledger, the Jacobian."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from calcterm.compute import autodiff as ad
from calcterm.plot import Bars, Label, Line, Panel, node, shade
from calcterm.text import T, fmt

if TYPE_CHECKING:
    from calcterm.scenes.autodiff import Autodiff

MAX_DRAWN = 24
"""Operations drawn as boxes; a bigger graph shows only the ledger and the Jacobian."""
GRAPH_LABELS = {
    "expr": T("your formula", "你的公式"), "neuron": T("neuron", "神经元"),
    "mlp": T("2-layer net", "两层网络"), "batchnorm": T("BatchNorm", "BatchNorm"),
    "torch": T("PyTorch example", "PyTorch 示例"), "wide": T("wide net", "宽网络"),
}
KIND_NAMES = {"sum": T("sum rule", "加法法则"), "product": T("product rule", "乘法法则"),
              "quotient": T("quotient rule", "除法法则"), "chain": T("chain rule", "链式法则")}
SUBSCRIPTS = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")
SUPERSCRIPTS = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
SYMBOL = {"add": "+", "sub": "−", "mul": "·", "div": "/"}
FUNCTION_NAMES = {"log": "ln", "neg": "−"}
TENSOR_OP_TEXT = {"matvec": "{a}{b}", "affine": "{a}{b} + {c}", "scale_shift": "{b}{a} + {c}",
                  "sum": "Σ {a}", "mean": "mean {a}", "var": "var {a}",
                  "normalize": "({a}−{b})/√({c}+ε)", "halfsq": "½‖{a}−t‖²"}
TANGENT, ADJOINT = "primary", "warning"
DOT, BAR = "\u0307", "\u0304"


def names_of(graph: ad.Graph) -> list[str]:
    """Inputs and named tensor nodes by their names, other operations v₁, v₂, …, constants by value."""
    names, k = [], 0
    for n in graph.nodes:
        if n.op == "const":
            names.append(n.name or fmt(np.asarray(n.payload).ravel()[0], ".4g"))
        elif n.op == "input" or n.name:
            names.append(n.name)
        else:
            k += 1
            names.append("v" + str(k).translate(SUBSCRIPTS))
    return names


def formula(graph: ad.Graph, names: list[str], j: int) -> str:
    """The operation of node j in the names of its arguments, e.g. "x·y" or "sin y"."""
    n = graph.nodes[j]
    args = [names[a] for a in n.args]
    if n.op in TENSOR_OP_TEXT:
        return TENSOR_OP_TEXT[n.op].format(**dict(zip("abc", args)))
    if n.op in SYMBOL:
        return f"{args[0]} {SYMBOL[n.op]} {args[1]}" if n.op in ("add", "sub") else \
            f"{args[0]}{SYMBOL[n.op]}{args[1]}"
    if n.op == "pow":
        return f"{args[0]}^{args[1]}"
    if n.op in ("powi", "powr", "root"):
        p = n.payload
        small = float(p).is_integer() and abs(p) < 100
        return args[0] + (str(int(p)).translate(SUPERSCRIPTS) if small else f"^{fmt(p, '.3g')}")
    return f"{FUNCTION_NAMES.get(n.op, n.op)} {args[0]}" if n.op != "neg" else f"−{args[0]}"


def marked(name: str, mark: str) -> str:
    """The name with a dot or bar over its first letter: ẋ, v̄₃ (precomposed where Unicode
    has the letter, e.g. ȳ, so terminals place the mark well)."""
    return unicodedata.normalize("NFC", name[:1] + mark + name[1:])


def short(v: np.ndarray | None, digits: str = ".4g", tight: bool = False) -> str:
    """A node's value in a few characters: a number, a short vector, or its norm and size
    (`tight`: a vector is always its norm)."""
    if v is None:
        return "0"
    v = np.asarray(v, dtype=float).ravel()
    if v.size == 1:
        return fmt(v[0], digits)
    norm = float(np.sqrt(np.einsum("i,i->", v, v)))  # not BLAS: a busy machine's threads stall it
    if tight:
        return f"‖{fmt(norm, '.3g')}‖"
    if v.size <= 3:
        return "[" + ", ".join(fmt(x, ".2g") for x in v) + "]"
    return f"‖{fmt(norm, '.3g')}‖ℝ{str(v.size).translate(SUPERSCRIPTS)}"


@dataclass
class Sweep:
    """One derivative sweep, node position by node position.

    `order` lists the drawn nodes in the order the sweep visits them; `states[k]` holds each
    node's tangent (forward) or adjoint (reverse) after the k-th visit (None: nothing yet).
    """

    mode: str
    index: int
    order: list[int]
    states: list[list[np.ndarray | None]]

    @classmethod
    def run(cls, trace: ad.Trace, mode: str, index: int, shown: list[int]) -> "Sweep":
        if mode == "forward":
            seed = np.zeros((trace.n, 1))
            seed[index] = 1.0
            dots = [None if d is None else d[:, 0] for d in ad.tangents(trace, seed)]
            states = []
            for k in range(len(shown)):
                seen = set(shown[:k + 1])
                states.append([dots[j] if j in seen else None for j in range(len(dots))])
            return cls(mode, index, shown, states)
        seed = np.zeros((trace.m, 1))
        seed[index] = 1.0
        snapshots = {j: [None if b is None else b[:, 0] for b in bars]
                     for j, bars in ad.adjoint_steps(trace, seed)}
        order = shown[::-1]
        return cls(mode, index, order, [snapshots[j] for j in order])

    def at(self, pos: int) -> list[np.ndarray | None]:
        return self.states[min(pos, len(self.states) - 1)]


def _layout(scene: "Autodiff") -> dict[int, tuple[float, float]]:
    """Columns by depth (constants ignored), each input one column before its first use;
    rows centred in each column."""
    graph, shown = scene.graph, scene.shown
    depth: dict[int, int] = {}
    for j in shown:
        args = [a for a in graph.nodes[j].args if a in depth]
        depth[j] = 1 + max(depth[a] for a in args) if args else 0
    for i in graph.inputs:
        users = [depth[j] for j in shown if i in graph.nodes[j].args]
        depth[i] = max(0, min(users) - 1) if users else 0
    columns: dict[int, list[int]] = {}
    for j in shown:
        columns.setdefault(depth[j], []).append(j)
    where = {}
    for c, members in columns.items():
        for i, j in enumerate(members):
            where[j] = (float(c), (len(members) - 1) / 2.0 - i)
    return where


def _box_lines(scene: "Autodiff", j: int, revealed: bool, derivative: np.ndarray | None,
               show_derivative: bool, level: int) -> list[str]:
    """A node's box: level 0 "v₂ = x·y" over "10  v̄ 1"; level 1 "v₂ 10" over "v̄ 1";
    level 2 one line "v₂ 1" (the derivative alone, or the value before any sweep); level 3
    the name alone (the colour says whether a derivative has arrived)."""
    names, graph = scene.names, scene.graph
    if level == 3:
        return [names[j]]
    op = graph.nodes[j].op
    head = names[j] if op == "input" else f"{names[j]} = {formula(graph, names, j)}"
    tight = level > 0
    value = short(scene.trace.values[j], tight=tight) if revealed else "?"
    forward = scene["mode"] == "forward"
    mark = marked("v", DOT if forward else BAR)
    # a tangent not yet computed is unknown; an adjoint with no contributions yet is 0
    d = "?" if forward and derivative is None else short(derivative, tight=tight)
    if level == 0:
        return [head, value + (f"  {mark} {d}" if show_derivative else "")]
    if level == 1:
        return [f"{names[j]} {value}"] + ([f"{mark} {d}"] if show_derivative else [])
    return [f"{names[j]} {d if show_derivative else value}"]


def _fits(where: dict[int, tuple[float, float]], boxes: dict[int, list[str]], cols: int,
          rows: int) -> bool:
    """Whether boxes laid out at `where` fit a plot `cols` × `rows` cells (frames and gaps
    included)."""
    widths: dict[float, int] = {}
    heights: dict[float, int] = {}
    for j, lines in boxes.items():
        x = where[j][0]
        widths[x] = max(widths.get(x, 0), max(len(line) for line in lines) + 2)
        heights[x] = heights.get(x, 0) + len(lines) + 2
    # columns are evenly spaced, so the widest one decides
    return (max(widths.values()) + 2) * len(widths) <= cols and max(heights.values()) <= rows


def graph_panel(scene: "Autodiff", phase: str, pos: int, sweep: Sweep | None,
                cols: int, rows: int) -> Panel:
    """The graph, its boxes as detailed as a plot `cols` × `rows` cells allows."""
    where = _layout(scene)
    graph, shown = scene.graph, scene.shown
    width = max(x for x, _ in where.values())
    height = max(abs(y) for _, y in where.values())
    title = T("graph of {g}: {what}", "{g} 的计算图：{what}").format(
        g=GRAPH_LABELS[scene["graph"]] if scene["graph"] != "expr" else scene["f"],
        what=_phase_text(phase, scene["mode"], sweep))
    panel = Panel(title=title, xlim=(-0.55, width + 0.55), ylim=(-height - 0.6, height + 0.6))
    visiting = shown[pos] if phase == "primal" else \
        sweep.order[pos] if sweep is not None and phase != "done" else None
    states = sweep.at(pos) if sweep is not None else None
    for j in shown:
        for k, a in enumerate(graph.nodes[j].args):
            if a not in where:
                continue
            (x0, y0), (x1, y1) = where[a], where[j]
            hot = j == visiting
            panel.add(Line(np.array([x0, x1]), np.array([y0, y1]), "",
                           "accent" if hot else "muted", style="solid"))
            if scene["edges"] and (j, k) in scene.trace.partials:
                local = scene.trace.partials[(j, k)]
                text = fmt(local[0, 0], ".3g") if local.size == 1 else \
                    f"{local.shape[0]}×{local.shape[1]}"
                panel.add(Label(0.5 * (x0 + x1), 0.5 * (y0 + y1), text,
                                "accent" if hot else "muted", align="center"))
    for level in range(4):
        boxes = {j: _box_lines(scene, j, phase != "primal" or i <= pos,
                               states[j] if states is not None else None, states is not None, level)
                 for i, j in enumerate(shown)}
        if _fits(where, boxes, cols, rows):
            break
    forward = scene["mode"] == "forward"
    for j in shown:
        derivative = states[j] if states is not None else None
        colour = "accent" if j == visiting else "foreground" if derivative is None else \
            TANGENT if forward else ADJOINT
        panel.add(node(*where[j], boxes[j], colour))
    return panel


def _phase_text(phase: str, mode: str, sweep: Sweep | None) -> T:
    if phase == "primal":
        return T("values, left to right", "从左到右求值")
    if phase == "done":
        return T("Jacobian complete", "雅可比矩阵已完成")
    k = str(sweep.index + 1) if sweep is not None else "?"
    if mode == "forward":
        return T("tangent sweep {k}, seeded at input {k}", "第 {k} 次切向扫描，种子在第 {k} 个输入").format(k=k)
    return T("backward sweep {k}, seeded at output {k}", "第 {k} 次反向扫描，种子在第 {k} 个输出").format(k=k)


def rule_text(scene: "Autodiff", phase: str, pos: int) -> T | str:
    """What the current step computes, e.g. "x̄ += v̄₃·y (product rule)"."""
    graph, names = scene.graph, scene.names
    if phase == "primal":
        j = scene.shown[pos]
        if graph.nodes[j].op == "input":
            return f"{names[j]} = {short(scene.trace.values[j])}"
        return f"{names[j]} = {formula(graph, names, j)} = {short(scene.trace.values[j])}"
    order = scene.shown if scene["mode"] == "forward" else scene.shown[::-1]
    j = order[min(pos, len(order) - 1)]
    n = graph.nodes[j]
    if n.op == "input":
        if scene["mode"] == "forward":
            return T("seed {x} (input direction)", "种子 {x}（输入方向）").format(
                x=marked(names[j], DOT))
        return T("{xb} is final: ∂f/∂{x}", "{xb} 已确定：∂f/∂{x}").format(
            xb=marked(names[j], BAR), x=names[j])
    kind = KIND_NAMES[ad.KINDS.get(n.op, "chain")]
    if scene["mode"] == "forward":
        terms = [f"{_local(scene, j, k)}·{marked(names[a], DOT)}" for k, a in enumerate(n.args)
                 if (j, k) in scene.trace.partials]
        text = f"{marked(names[j], DOT)} = " + " + ".join(terms)
    else:
        terms = [f"{marked(names[a], BAR)} += {marked(names[j], BAR)}·{_local(scene, j, k)}"
                 for k, a in enumerate(n.args) if (j, k) in scene.trace.partials]
        text = ", ".join(terms) or marked(names[j], BAR)
    return T("{t} ({k})", "{t}（{k}）").format(t=text, k=kind)


def _local(scene: "Autodiff", j: int, k: int) -> str:
    """The local partial of node j on argument k as a formula in the node names."""
    n = scene.graph.nodes[j]
    rules = ad.RULES.get(n.op)
    if rules is None:
        shape = scene.trace.partials[(j, k)].shape
        return f"J[{shape[0]}×{shape[1]}]"
    names = scene.names
    args = [names[a] for a in n.args] + ["", ""]
    p = float(n.payload) if n.op in ("powi", "powr", "root") else 0.0
    return rules[k].format(a=args[0], b=args[1], y=names[j], n=fmt(p, ".3g"), m=fmt(p - 1, ".3g"))


def trace_panel(scene: "Autodiff", phase: str, pos: int, sweep: Sweep | None, rows: int) -> Panel:
    """The evaluation trace as a table (Baydin et al.'s layout), one line per node, the
    current one marked ▶; a window around it when the table is taller than the panel."""
    graph, names = scene.graph, scene.names
    shown = scene.shown
    states = sweep.at(pos) if sweep is not None else None
    mark = DOT if scene["mode"] == "forward" else BAR
    current = shown[pos] if phase == "primal" else \
        sweep.order[min(pos, len(sweep.order) - 1)] if sweep is not None and phase != "done" else None
    lines = []
    for i, j in enumerate(shown):
        revealed = phase != "primal" or i <= pos
        body = names[j] if graph.nodes[j].op == "input" else f"{names[j]} = {formula(graph, names, j)}"
        text = f"{'▶' if j == current else ' '} {body} = {short(scene.trace.values[j]) if revealed else '?'}"
        if states is not None:
            d = "?" if mark == DOT and states[j] is None else short(states[j])
            text += f"    {marked(names[j], mark)} = {d}"
        lines.append(text)
    if len(lines) > rows > 0:
        centre = shown.index(current) if current is not None else len(lines) - 1
        start = min(max(0, centre - rows // 2), len(lines) - rows)
        lines = lines[start:start + rows]
    panel = Panel(title=T("evaluation trace", "求值轨迹"), xlim=(0.0, 1.0), ylim=(0.0, 1.0))
    panel.add(Label(0.01, 0.5, "\n".join(lines), "foreground"))
    return panel


def ledger_panel(n: int, m: int, mode: str, finished: int, tape: int) -> Panel:
    """Sweeps needed for the whole Jacobian in each mode, and how many are done."""
    log = max(n, m) > 20
    top = max(n, m) * (4.0 if log else 1.3)
    panel = Panel(title=T("sweeps for the full Jacobian · tape {k} values",
                          "完整雅可比所需扫描 · 磁带 {k} 个值").format(k=str(tape)),
                  yscale="log" if log else "linear", xlim=(-0.7, 1.7),
                  ylim=(0.5 if log else 0.0, top * (3.0 if log else 1.15)))
    x = np.array([0.0, 1.0])
    panel.add(Bars(x, np.array([n, m], dtype=float), "", "muted", width=0.5))
    done = np.array([finished if mode == "forward" else 0, finished if mode == "reverse" else 0])
    if np.any(done > 0):
        panel.add(Bars(x, np.where(done > 0, done, np.nan).astype(float), "", "primary", width=0.5))
    words = (T("forward\n{k} needed\n{d} done", "前向\n需 {k} 次\n已 {d} 次"),
             T("reverse\n{k} needed\n{d} done", "反向\n需 {k} 次\n已 {d} 次"))
    for xi, word, k, d in zip(x, words, (n, m), done):
        panel.add(Label(float(xi), top, word.format(k=str(k), d=str(int(d))), align="center"))
    return panel


def jacobian_panel(J: np.ndarray | None, n: int, m: int, mode: str, finished: int,
                   names: list[str], graph: ad.Graph, trace: ad.Trace) -> Panel:
    """The m × n Jacobian filling in: a column per forward sweep, a row per reverse sweep.

    Small: the numbers in a grid. One output: the gradient as bars over the inputs. Else a
    shade over the filled part.
    """
    title = T("Jacobian {m}×{n}: a column per forward sweep", "雅可比 {m}×{n}：每次前向扫描一列") \
        if mode == "forward" else T("Jacobian {m}×{n}: a row per reverse sweep",
                                    "雅可比 {m}×{n}：每次反向扫描一行")
    title = title.format(m=str(m), n=str(n))
    if J is not None and m <= 4 and n <= 4 or J is not None and m == 1:
        filled = np.zeros((m, n), dtype=bool)
        if mode == "forward":
            filled[:, :finished] = True
        else:
            filled[:finished, :] = True
    if J is not None and m <= 4 and n <= 4:
        panel = Panel(title=title, xlim=(-0.6, n - 0.4), ylim=(-m + 0.4, 0.8))
        for i in range(m):
            for k in range(n):
                text = fmt(J[i, k], ".4g") if filled[i, k] else "·"
                panel.add(Label(float(k), float(-i), text, "primary" if filled[i, k] else "muted",
                                align="center"))
        for k, name in enumerate(column_names(names, graph, trace)):
            panel.add(Label(float(k), 0.6, f"∂/∂{name}", "muted", align="center"))
        return panel
    if J is not None and m == 1:
        panel = Panel(title=title, xlabel=T("input index", "输入序号"), xlim=(-0.8, n - 0.2))
        heights = np.where(filled[0], J[0], np.nan)
        index = np.arange(n, dtype=float)
        if n <= 60:
            panel.add(Bars(index, heights, "", "primary", width=0.8))
        else:  # more bars than the panel has columns: the entries as a curve
            panel.add(Line(index, heights, "", "primary"))
        if not filled.any():
            panel.add(Label(n / 2.0, 0.0, T("no sweep finished yet", "尚无完成的扫描"), "muted",
                            align="center"))
        return panel
    panel = Panel(title=title, xlim=(-0.6, n - 0.4), ylim=(-m + 0.4, 0.6))
    rows, cols = min(m, 40), min(n, 160)
    mask = np.zeros((rows, cols))
    if mode == "forward":
        mask[:, :int(round(cols * finished / n))] = 1.0
    else:
        mask[rows - int(round(rows * finished / m)):, :] = 1.0  # the mask's row 0 is the bottom
    panel.add(shade(mask, (-0.5, n - 0.5, -m + 0.5, 0.5), "primary", density=0.6))
    return panel


def column_names(names: list[str], graph: ad.Graph, trace: ad.Trace) -> list[str]:
    """One name per Jacobian column: an input's name, with an index for a vector input."""
    out = []
    for i in graph.inputs:
        size = trace.values[i].size
        out += [names[i]] if size == 1 else \
            [names[i] + str(k + 1).translate(SUBSCRIPTS) for k in range(size)]
    return out
