"""Pictures in words: what a scene's figure and readout show, as a few sentences.

A learner who cannot see the braille plot (a screen reader, a braille display, a log) gets
the same facts from here: each panel with its axes, each series where it lies (a curve's x
range and its lowest and highest points, a marker's position, bars' heights, a shaded
region's extent), every readout value, the scene's notes, and what changed since the
previous description. Everything is read generically from the `Figure` and the readout the
scene already draws, so no scene writes its own description and none can drift from its
picture. `calcterm show SCENE --describe` prints it; the TUI's `w` key shows it live.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from calcterm.plot import Arrow, Bars, Figure, HLine, Label, Line, Panel, Points, Shade, Trail, VLine
from calcterm.scene import Scene, scene_notes
from calcterm.text import T, Text, fmt, localize, section_text, tr

SIZE = (120, 36)
"""The figure size a description reads when the caller has no screen (the CLI)."""
FEW_POINTS = 4
FEW_BARS = 10
MAX_TEXTS = 24
SHADE_GRID = (64, 32)

W = {
    "head": T("{title} ({section}), step {t}{state}.", "{title}（{section}），第 {t} 步{state}。"),
    "finished": T(", finished", "，已结束"),
    "panel": T("Panel {i} of {n}{title}: {axes}.", "第 {i}/{n} 个面板{title}：{axes}。"),
    "panel_title": T(", “{title}”", "「{title}」"),
    "axis": T("{name}{label} from {lo} to {hi}{log}", "{name}{label} 从 {lo} 到 {hi}{log}"),
    "axis_label": T(" ({label})", "（{label}）"),
    "log": T(" (log scale)", "（对数刻度）"),
    "no_axes": T("nothing drawn yet", "尚未画出内容"),
    "curve": T("{what} spans x from {x0} to {x1}; its lowest point is y = {ylo} at x = {xlo}, "
               "its highest y = {yhi} at x = {xhi}.",
               "{what}的 x 从 {x0} 到 {x1}；最低点 y = {ylo}（x = {xlo}），最高点 y = {yhi}（x = {xhi}）。"),
    "segment": T("{what} runs from ({a}) to ({b}).", "{what}从 ({a}) 到 ({b})。"),
    "empty": T("{what} has no finite values here.", "{what}在此没有有限值。"),
    "point": T("{what} is at ({p}).", "{what}位于 ({p})。"),
    "points_few": T("{what} are at {ps}.", "{what}位于 {ps}。"),
    "points_many": T("{what}: {n} points with x from {x0} to {x1} and y from {y0} to {y1}, "
                     "centred near ({c}).",
                     "{what}：{n} 个点，x 从 {x0} 到 {x1}，y 从 {y0} 到 {y1}，中心约在 ({c})。"),
    "markers": T("Unlabelled markers at {ps}.", "未标注的标记位于 {ps}。"),
    "bars_few": T("{what}: {pairs}.", "{what}：{pairs}。"),
    "bars_many": T("{what}: {n} bars over x from {x0} to {x1}, heights from {h0} to {h1}, the "
                   "tallest at x = {xt}.",
                   "{what}：{n} 根柱，x 从 {x0} 到 {x1}，高度从 {h0} 到 {h1}，最高的在 x = {xt}。"),
    "bar": T("height {h} at x = {x}", "x = {x} 处高 {h}"),
    "hline": T("A horizontal line at y = {y}.", "一条水平线 y = {y}。"),
    "vline": T("A vertical line at x = {x}.", "一条竖直线 x = {x}。"),
    "text": T("The text “{text}” at ({p}).", "文字「{text}」位于 ({p})。"),
    "more_texts": T("And {n} more texts.", "另有 {n} 处文字。"),
    "arrow": T("{what} goes from ({a}) to ({b}).", "{what}从 ({a}) 指向 ({b})。"),
    "shade": T("{what} covers about {pct}% of the view, x from {x0} to {x1}, y from {y0} to {y1}.",
               "{what}约占视图的 {pct}%，x 从 {x0} 到 {x1}，y 从 {y0} 到 {y1}。"),
    "shade_empty": T("{what} is empty in this view.", "{what}在此视图中为空。"),
    "named": T("{what}.", "{what}。"),
    "trail": T("{what} has {n} points, from ({a}) to ({b}).", "{what}有 {n} 个点，从 ({a}) 到 ({b})。"),
    "lines": T("{n} unlabelled lines (grid, guides or outlines).", "另有 {n} 条未标注的线（网格、辅助线或轮廓）。"),
    "readout": T("Readout: {items}.", "读数：{items}。"),
    "notes": T("Notes: {items}.", "提示：{items}。"),
    "since": T("Since step {t0}: {items}.", "自第 {t0} 步以来：{items}。"),
    "still": T("Since step {t0} nothing in the readout changed.", "自第 {t0} 步以来读数没有变化。"),
    "moved": T("“{label}” moved from ({a}) to ({b})", "「{label}」从 ({a}) 移到 ({b})"),
    "settings": T("The settings changed since the last description.", "自上次描述以来设置已改变。"),
}
NAMES = {
    "curve": (T("the curve “{label}”", "曲线「{label}」"), T("an unlabelled curve", "一条未标注的曲线")),
    "points": (T("“{label}”", "「{label}」"), T("unlabelled points", "未标注的点")),
    "bars": (T("the bars “{label}”", "柱状图「{label}」"), T("unlabelled bars", "未标注的柱状图")),
    "shade": (T("the shaded region “{label}”", "阴影区域「{label}」"), T("a shaded region", "一块阴影区域")),
    "path": (T("the path “{label}”", "路径「{label}」"), T("an unlabelled path", "一条未标注的路径")),
    "arrow": (T("the arrow “{label}”", "箭头「{label}」"), T("an arrow", "一个箭头")),
}
"""How a series is named in a sentence: (with its label, without one)."""
FRAGMENTS = frozenset({"panel_title", "axis", "axis_label", "log", "bar", "moved"})
"""Templates that sit inside a sentence (the others start one and get a capital letter)."""
SEP = {"en": "; ", "zh": "；"}
COMMA = {"en": ", ", "zh": "，"}
SPACE = {"en": " ", "zh": ""}


@dataclass(frozen=True)
class Snapshot:
    """What a later description compares with: the readout and where the markers were."""

    t: int
    values: tuple[tuple[str, Any], ...]
    readout: tuple[tuple[Text, Text], ...]
    markers: tuple[tuple[Text, tuple[float, float]], ...]


def snapshot(scene: Scene, figure: Figure | None = None, size: tuple[int, int] = SIZE) -> Snapshot:
    """The scene's readout and marker positions now (`figure` if already drawn at `size`)."""
    figure = figure if figure is not None else scene.draw(*size)
    return Snapshot(scene.t, tuple(scene.values.items()), tuple(scene.readout().items()),
                    tuple(_markers(figure)))


def describe(scene: Scene, lang: str = "en", previous: Snapshot | None = None,
             size: tuple[int, int] = SIZE, live_first: bool = False) -> tuple[str, Snapshot]:
    """The picture in words (paragraphs separated by blank lines) and the snapshot that the
    next call takes as `previous`, so it can say what changed in between.

    `live_first` puts what moves (the changes, the readout, the notes) before the panels, for
    a live panel whose top is what a reader sees first."""
    figure = scene.draw(*size)
    now = snapshot(scene, figure)
    head = _w("head", lang, title=scene.display_title(lang),
              section=section_text(scene.section, lang), t=scene.t,
              state=W["finished"].get(lang) if scene.done else "")
    shown = localize(figure, lang)
    picture = [SPACE[lang].join(_panel(panel, i, len(shown.panels), lang))
               for i, panel in enumerate(shown.panels)]
    notes = scene_notes(scene, lang)
    numbers = [readout_sentence(scene, lang),
               _w("notes", lang, items=SEP[lang].join(n.rstrip("。.") for n in notes)) if notes else ""]
    change = [_changes(previous, now, lang)] if previous is not None else []
    paragraphs = [head, *change, *numbers, *picture] if live_first else [head, *picture, *numbers, *change]
    return "\n\n".join(p for p in paragraphs if p), now


def readout_sentence(scene: Scene, lang: str) -> str:
    items = [f"{tr(k, lang)} = {tr(v, lang)}" for k, v in scene.readout().items()]
    return _w("readout", lang, items=SEP[lang].join(items)) if items else ""


def series_labels(figure: Figure, lang: str) -> list[str]:
    """Every non-empty series label of `figure` in `lang` (what a description must name)."""
    return [tr(s.label, lang) for p in figure.panels for s in p.series
            if not isinstance(s, (HLine, VLine, Label)) and tr(s.label, lang)]


# -- panels -----------------------------------------------------------------------------

def _panel(panel: Panel, i: int, n: int, lang: str) -> list[str]:
    title = _w("panel_title", lang, title=_flat(panel.title)) if panel.title else ""
    (x0, x1), (y0, y1) = _limits(panel)
    if math.isfinite(x0) and math.isfinite(y0):
        axes = COMMA[lang].join([_axis("x", panel.xlabel, x0, x1, panel.xscale, lang),
                          _axis("y", panel.ylabel, y0, y1, panel.yscale, lang)])
    else:
        axes = W["no_axes"].get(lang)
    out = [_w("panel", lang, i=i + 1, n=n, title=title, axes=axes)]
    plain_lines = 0
    markers: list[str] = []
    texts = [s for s in panel.series if isinstance(s, Label)]
    for s in panel.series:
        if isinstance(s, Line) and not s.label:
            plain_lines += 1
        elif isinstance(s, Points) and not s.label:
            markers += list(_finite_xy(s.x, s.y)[:FEW_POINTS])
        elif not isinstance(s, Label):
            out.append(_series(s, lang, (x0, x1, y0, y1), (panel.xscale, panel.yscale)))
    for s in texts[:MAX_TEXTS]:
        out.append(_w("text", lang, text=_flat(s.text), p=_pt(s.x, s.y, lang)))
    if len(texts) > MAX_TEXTS:
        out.append(_w("more_texts", lang, n=len(texts) - MAX_TEXTS))
    if markers:
        out.append(_w("markers", lang, ps=_pts(markers[:2 * FEW_POINTS], lang)))
    if plain_lines:
        out.append(_w("lines", lang, n=plain_lines))
    return out


def _series(s: Any, lang: str, view: tuple[float, float, float, float],
            scales: tuple[str, str] = ("linear", "linear")) -> str:
    if isinstance(s, Line):
        return _curve(s.x, s.y, _what("curve", s.label, lang), lang)
    if isinstance(s, Points):
        return _points(s.x, s.y, _what("points", s.label, lang), lang)
    if isinstance(s, Bars):
        return _bars(s, _what("bars", s.label, lang), lang)
    if isinstance(s, HLine):
        return _w("hline", lang, y=_n(s.y, lang))
    if isinstance(s, VLine):
        return _w("vline", lang, x=_n(s.x, lang))
    if isinstance(s, Arrow):
        return _w("arrow", lang, what=_what("arrow", s.label, lang), a=_pt(s.x, s.y, lang),
                  b=_pt(s.x + s.dx, s.y + s.dy, lang))
    if isinstance(s, Shade):
        return _shade(s, _what("shade", s.label, lang), lang, view, scales)
    if isinstance(s, Trail):
        what = _what("path", s.label, lang)
        if not len(s):
            return _w("empty", lang, what=what)
        return _w("trail", lang, what=what, n=len(s), a=_pt(*s.xy[0], lang), b=_pt(*s.xy[-1], lang))
    return ""


def _curve(x: Any, y: Any, what: str, lang: str) -> str:
    xy = _finite_xy(x, y)
    if not len(xy):
        return _w("empty", lang, what=what)
    if len(xy) == 2:
        return _w("segment", lang, what=what, a=_pt(*xy[0], lang), b=_pt(*xy[1], lang))
    lo, hi = int(np.argmin(xy[:, 1])), int(np.argmax(xy[:, 1]))
    return _w("curve", lang, what=what, x0=_n(xy[:, 0].min(), lang), x1=_n(xy[:, 0].max(), lang),
              ylo=_n(xy[lo, 1], lang), xlo=_n(xy[lo, 0], lang),
              yhi=_n(xy[hi, 1], lang), xhi=_n(xy[hi, 0], lang))


def _points(x: Any, y: Any, what: str, lang: str) -> str:
    xy = _finite_xy(x, y)
    if not len(xy):
        return _w("empty", lang, what=what)
    if len(xy) == 1:
        return _w("point", lang, what=what, p=_pt(*xy[0], lang))
    if len(xy) <= FEW_POINTS:
        return _w("points_few", lang, what=what, ps=_pts(xy, lang))
    return _w("points_many", lang, what=what, n=len(xy), x0=_n(xy[:, 0].min(), lang),
              x1=_n(xy[:, 0].max(), lang), y0=_n(xy[:, 1].min(), lang), y1=_n(xy[:, 1].max(), lang),
              c=_pt(xy[:, 0].mean(), xy[:, 1].mean(), lang))


def _bars(s: Bars, what: str, lang: str) -> str:
    xh = _finite_xy(s.x, s.heights)
    if not len(xh):
        return _w("empty", lang, what=what)
    if len(xh) <= FEW_BARS:
        pairs = SEP[lang].join(_w("bar", lang, h=_n(h, lang), x=_n(x, lang)) for x, h in xh)
        return _w("bars_few", lang, what=what, pairs=pairs)
    top = int(np.argmax(xh[:, 1]))
    return _w("bars_many", lang, what=what, n=len(xh), x0=_n(xh[:, 0].min(), lang),
              x1=_n(xh[:, 0].max(), lang), h0=_n(xh[:, 1].min(), lang),
              h1=_n(xh[:, 1].max(), lang), xt=_n(xh[top, 0], lang))


def _shade(s: Shade, what: str, lang: str, view: tuple[float, float, float, float],
           scales: tuple[str, str]) -> str:
    """Where a shaded region lies, found by sampling its predicate on a coarse grid that is
    even on screen (logarithmic along a log axis)."""
    x0, x1, y0, y1 = s.extent if s.extent is not None else view
    if not all(math.isfinite(v) for v in (x0, x1, y0, y1)) or x1 <= x0 or y1 <= y0:
        return _w("named", lang, what=what)
    if callable(s.where):
        xs, ys = _axis_grid(x0, x1, SHADE_GRID[0], scales[0]), _axis_grid(y0, y1, SHADE_GRID[1], scales[1])
        try:
            with np.errstate(all="ignore"):
                mask = np.broadcast_to(np.asarray(s.where(xs[None, :], ys[:, None]), dtype=float),
                                       (len(ys), len(xs)))
        except Exception:  # a predicate that cannot take a coarse grid is still named
            return _w("named", lang, what=what)
    else:
        mask = np.asarray(s.where, dtype=float)
        if mask.ndim != 2:
            return _w("named", lang, what=what)
        xs, ys = np.linspace(x0, x1, mask.shape[1]), np.linspace(y0, y1, mask.shape[0])
    on = np.nan_to_num(mask) > 0
    if not on.any():
        return _w("shade_empty", lang, what=what)
    cols, rows = np.flatnonzero(on.any(axis=0)), np.flatnonzero(on.any(axis=1))
    return _w("shade", lang, what=what, pct=f"{100 * on.mean():.0f}",
              x0=_n(xs[cols[0]], lang), x1=_n(xs[cols[-1]], lang),
              y0=_n(ys[rows[0]], lang), y1=_n(ys[rows[-1]], lang))


def _axis_grid(lo: float, hi: float, n: int, scale: str) -> np.ndarray:
    return np.geomspace(lo, hi, n) if scale == "log" and lo > 0 else np.linspace(lo, hi, n)


# -- changes ----------------------------------------------------------------------------

def _markers(figure: Figure) -> list[tuple[Text, tuple[float, float]]]:
    """Labelled single points and the heads of labelled paths: what can be said to move."""
    out = []
    for panel in figure.panels:
        for s in panel.series:
            if isinstance(s, Points) and s.label:
                xy = _finite_xy(s.x, s.y)
                if len(xy) == 1:
                    out.append((s.label, (float(xy[0, 0]), float(xy[0, 1]))))
            elif isinstance(s, Trail) and s.label and len(s):
                out.append((s.label, (float(s.xy[-1, 0]), float(s.xy[-1, 1]))))
    return out


def _changes(before: Snapshot, now: Snapshot, lang: str) -> str:
    if before.values != now.values:
        return W["settings"].get(lang)
    if before.t == now.t:
        return ""
    old = {tr(k, lang): tr(v, lang) for k, v in before.readout}
    items = [f"{tr(k, lang)} {old[tr(k, lang)]} → {tr(v, lang)}" for k, v in now.readout
             if tr(k, lang) in old and old[tr(k, lang)] != tr(v, lang)]
    where = {tr(k, lang): p for k, p in before.markers}
    for k, p in now.markers:
        name = tr(k, lang)
        if name in where and where[name] != p:
            items.append(_w("moved", lang, label=name, a=_pt(*where[name], lang), b=_pt(*p, lang)))
    if not items:
        return _w("still", lang, t0=before.t)
    return _w("since", lang, t0=before.t, items=SEP[lang].join(items))


# -- small helpers ----------------------------------------------------------------------

def _w(key: str, lang: str, **fields: Any) -> str:
    text = W[key].format(**{k: v if isinstance(v, T) else str(v) for k, v in fields.items()}).get(lang)
    return text[:1].upper() + text[1:] if lang == "en" and key not in FRAGMENTS else text


def _what(kind: str, label: Any, lang: str) -> str:
    """How a series is called in a sentence: by its label, or by its kind when it has none."""
    named, plain = NAMES[kind]
    return named.format(label=_flat(label)).get(lang) if label else plain.get(lang)


def _n(value: float, lang: str) -> str:
    return fmt(float(value) + 0.0, ".4g", lang)  # + 0.0: no "-0"


def _pt(x: float, y: float, lang: str) -> str:
    return f"{_n(x, lang)}, {_n(y, lang)}"


def _pts(xy: Any, lang: str) -> str:
    return ", ".join(f"({_pt(x, y, lang)})" for x, y in xy)


def _flat(text: Any) -> str:
    return " / ".join(str(text).split("\n"))


def _finite_xy(x: Any, y: Any) -> np.ndarray:
    """(n, 2) array of the points where both coordinates are finite numbers."""
    xs = np.atleast_1d(np.asarray(x, dtype=float)).ravel()
    ys = np.atleast_1d(np.asarray(y, dtype=float)).ravel()
    if len(xs) != len(ys):
        n = min(len(xs), len(ys))
        xs, ys = xs[:n], ys[:n]
    xy = np.column_stack([xs, ys])
    return xy[np.isfinite(xy).all(axis=1)]


def _limits(panel: Panel) -> tuple[tuple[float, float], tuple[float, float]]:
    """The panel's window: forced limits where given, else the finite data it holds."""
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    for s in panel.series:
        for ax, ay in _extent(s):
            xs.append(ax)
            ys.append(ay)
    return (_range(panel.xlim, xs, panel.xscale), _range(panel.ylim, ys, panel.yscale))


def _extent(s: Any) -> Sequence[tuple[np.ndarray, np.ndarray]]:
    if isinstance(s, (Line, Points)):
        xy = _finite_xy(s.x, s.y)
        return [(xy[:, 0], xy[:, 1])]
    if isinstance(s, Bars):
        xy = _finite_xy(s.x, s.heights)
        return [(xy[:, 0], np.append(xy[:, 1], 0.0))]
    if isinstance(s, Trail):
        return [(s.xy[:, 0], s.xy[:, 1])]
    if isinstance(s, Arrow):
        return [(np.array([s.x, s.x + s.dx]), np.array([s.y, s.y + s.dy]))]
    if isinstance(s, Shade) and s.extent is not None:
        return [(np.array(s.extent[:2]), np.array(s.extent[2:]))]
    return []


def _range(forced: tuple[float, float] | None, parts: list[np.ndarray], scale: str) -> tuple[float, float]:
    if forced is not None:
        return float(forced[0]), float(forced[1])
    values = np.concatenate(parts) if parts else np.empty(0)
    values = values[np.isfinite(values)]
    if scale == "log":
        values = values[values > 0]
    if not values.size:
        return math.nan, math.nan
    return float(values.min()), float(values.max())


def _axis(name: str, label: Any, lo: float, hi: float, scale: str, lang: str) -> str:
    shown = _w("axis_label", lang, label=_flat(label)) if label and str(label) != name else ""
    return _w("axis", lang, name=name, label=shown, lo=_n(lo, lang), hi=_n(hi, lang),
              log=W["log"].get(lang) if scale == "log" else "")

