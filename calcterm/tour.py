"""The guided tour: the article in order, as a list of stops that check themselves.

A stop is data: a scene with settings (CLI text, as `-s` takes them), a number of steps to
take first, a short narration, what to look at and one thing to try (each in English and
Chinese), and a `Check`: a path into the scene's export, the value the narration claims and a
tolerance. The expected value is a closed form or is computed here independently (never read
off a run), so `calcterm tour --check` turns the tour into a test of the scenes: if a scene
changes under the narration, the tour says which stop no longer tells the truth.

The stops live in `calcterm.tour_stops` (one module per part of the article); adding a stop
is one entry there. The host only shows stops (`calcterm.host.tour_screen`); it has no
knowledge of any of them. `COVERAGE` is the article's map of subsections to scenes (CHAPTERS.md
§1); the tests hold the stops to it: article order, and every subsection that an installed
scene covers visited by at least one stop.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from calcterm.scene import Scene
from calcterm.text import T, Text, tr

Section = tuple[int, int, int]
"""(part, chapter, subsection): P3 §2.4 is (3, 2, 4)."""


@dataclass(frozen=True)
class Check:
    """What a stop's narration claims, as a number (or flag, or word) of the scene's export.

    `path` is dotted with [i] for list items, e.g. "data.paths.adam[1][0]"; `reduce` "sum"
    adds up the list found there. Numbers pass when |value − expect| ≤ tol; flags and words
    must be equal. `formula` says where `expect` comes from.
    """

    path: str
    expect: float | bool | str
    tol: float = 0.0
    formula: Text = ""
    reduce: str | None = None


@dataclass(frozen=True)
class Stop:
    scene: str
    section: str
    """Article place(s) in short form: "P1 §3.1", "P3 §1.3, §2.1–2.4"."""
    say: T
    look: T
    try_: T
    check: Check
    settings: Mapping[str, str] = field(default_factory=dict)
    steps: int = 0
    seed: int | None = None

    @property
    def visits(self) -> list[Section]:
        return subsections(self.section)

    def build(self, prepare: bool = True) -> Scene:
        """The stop's scene after its steps (`prepare`: finish slow work first, as the CLI does)."""
        from calcterm.headless import build

        return build(self.scene, self.settings.items(), seed=self.seed,
                     steps=self.steps if prepare else 0, prepare=prepare)


@dataclass(frozen=True)
class Result:
    index: int
    ok: bool
    value: Any
    message: str


# -- the article's map (CHAPTERS.md §1): subsection -> scenes that cover it --------------

COVERAGE: dict[str, tuple[str, ...]] = {
    "P1 §1.1": ("tangent",), "P1 §1.2": ("tangent",), "P1 §1.3": ("tangent", "autodiff"),
    "P1 §2.1": ("tangent", "jacobian"), "P1 §2.2": ("gradient",), "P1 §2.3": ("jacobian", "autodiff"),
    "P1 §3.1": ("riemann",), "P1 §3.2": ("riemann",), "P1 §3.3": ("jacobian",),
    "P1 §4.1": ("taylor",), "P1 §4.2": ("taylor",), "P1 §4.3": ("newton",),
    "P2 §1.1": ("descent",), "P2 §1.2": ("descent",), "P2 §1.3": ("descent",),
    "P2 §1.4": ("descent",), "P2 §1.5": ("descent",),
    "P2 §2.1": ("lagrange",), "P2 §2.2": ("lagrange",), "P2 §2.3": ("lagrange", "svm"),
    "P2 §2.4": ("svm",),
    "P2 §3.1": ("entropy",), "P2 §3.2": ("entropy",), "P2 §3.3": ("entropy",), "P2 §3.4": ("entropy",),
    "P3 §1.1": ("vanishing", "autodiff"), "P3 §1.2": ("autodiff",), "P3 §1.3": ("vanishing",),
    "P3 §1.4": ("autodiff",),
    "P3 §2.1": ("vanishing",), "P3 §2.2": ("playground", "vanishing"), "P3 §2.3": ("vanishing",),
    "P3 §2.4": ("vanishing",),
    "P3 §3.1": ("regularize",), "P3 §3.2": ("regularize",), "P3 §3.3": ("regularize", "playground"),
    "P3 §3.4": ("autodiff", "playground"),
    "P3 §4.1": ("descent",), "P3 §4.2": ("descent",), "P3 §4.3": ("newton", "descent"),
    "P4 §1.1": ("brachistochrone",), "P4 §1.2": ("brachistochrone",), "P4 §1.3": ("vae",),
    "P4 §2.1": ("matrix",), "P4 §2.2": ("matrix",), "P4 §2.3": ("matrix",), "P4 §2.4": ("matrix",),
    "P4 §3.1": ("geodesic",), "P4 §3.2": ("geodesic",), "P4 §3.3": ("geodesic",),
    "P4 §3.4": ("geodesic",),
    "P4 §4.1": ("brownian",), "P4 §4.2": ("brownian",), "P4 §4.3": ("diffusion",),
}

_PLACE = re.compile(r"^P(\d)\s+(.+)$")
_ITEM = re.compile(r"^§(\d+)\.(\d+)(?:–(?:(\d+)\.)?(\d+))?$")


def subsections(section: str) -> list[Section]:
    """Every subsection a short article place names: "P3 §1.3, §2.1–2.4" gives (3, 1, 3),
    (3, 2, 1), (3, 2, 2), (3, 2, 3), (3, 2, 4). A range stays within one chapter."""
    match = _PLACE.match(section.strip())
    if not match:
        raise ValueError(f"not an article place: {section!r}")
    part, out = int(match.group(1)), []
    for item in match.group(2).split(","):
        m = _ITEM.match(item.strip())
        if not m:
            raise ValueError(f"not a subsection or range: {item.strip()!r} in {section!r}")
        chapter, first = int(m.group(1)), int(m.group(2))
        if m.group(3) is not None and int(m.group(3)) != chapter:
            raise ValueError(f"a range must stay within one chapter: {item.strip()!r}")
        last = int(m.group(4)) if m.group(4) else first
        out += [(part, chapter, sub) for sub in range(first, last + 1)]
    return out


def key(section: Section) -> str:
    return f"P{section[0]} §{section[1]}.{section[2]}"


_PART_ZH = {"1": "一", "2": "二", "3": "三", "4": "四"}


def place(section: str, lang: str) -> str:
    """A short article place as the learner's language writes it (P1 → 第一部分)."""
    if lang != "zh":
        return section
    return re.sub(r"P(\d)", lambda m: f"第{_PART_ZH.get(m.group(1), m.group(1))}部分", section)


# -- the stops ---------------------------------------------------------------------------

def stops() -> tuple[Stop, ...]:
    from calcterm.tour_stops import STOPS

    return STOPS


def first_stop_of(scene_id: str) -> int | None:
    """Index of the first stop showing `scene_id`, or None."""
    return next((i for i, s in enumerate(stops()) if s.scene == scene_id), None)


HEADER = T("stop {k}/{n} · {place} · {scene}", "第 {k}/{n} 站 · {place} · {scene}")


def header(index: int, lang: str) -> str:
    stop = stops()[index]
    return HEADER.format(k=str(index + 1), n=str(len(stops())), place=place(stop.section, lang),
                         scene=stop.scene).get(lang)


def settings_text(stop: Stop) -> str:
    import shlex

    return " ".join(f"-s {shlex.quote(f'{k}={v}')}" for k, v in stop.settings.items())


def list_line(index: int, lang: str) -> str:
    """One line for `calcterm tour --list`: number, place, scene, settings, steps, the claim."""
    stop = stops()[index]
    steps = T("{n} steps", "{n} 步").format(n=str(stop.steps)).get(lang)
    path = f"{stop.check.reduce}({stop.check.path})" if stop.check.reduce else stop.check.path
    claim = f"{path} = {_shown(stop.check.expect)}"
    if stop.check.formula:
        claim += f" ({tr(stop.check.formula, lang)})"
    parts = [f"{index + 1:>2}", place(stop.section, lang), stop.scene, settings_text(stop), steps, claim]
    return "  ".join(p for p in parts if p)


# -- checking ----------------------------------------------------------------------------

_STEP = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")


def value_at(document: Any, path: str) -> Any:
    """The item at a dotted path with [i] indices ("data.paths.adam[1][0]")."""
    value = document
    for name, index in _STEP.findall(path):
        value = value[int(index)] if index else value[name]
    return value


def check(index: int) -> Result:
    """Build stop `index` headlessly, take its steps, and test its claim against the export."""
    stop = stops()[index]
    claim = stop.check
    try:
        value = value_at(stop.build().export(), claim.path)
        if claim.reduce == "sum":
            value = math.fsum(value)
    except Exception as exc:  # a stop that cannot even be built fails, naming why
        return Result(index, False, None, f"{type(exc).__name__}: {exc}")
    ok = _matches(value, claim)
    numeric = isinstance(claim.expect, (int, float)) and not isinstance(claim.expect, bool)
    tol = f" ± {claim.tol:g}" if numeric else ""
    name = f"{claim.reduce}({claim.path})" if claim.reduce else claim.path
    return Result(index, ok, value, f"{name} = {_shown(value)} (expected {_shown(claim.expect)}{tol})")


def _matches(value: Any, claim: Check) -> bool:
    if isinstance(claim.expect, (bool, str)):
        return type(value) is type(claim.expect) and value == claim.expect  # 0 is not False
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return math.isfinite(value) and abs(value - claim.expect) <= claim.tol


def _shown(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.10g}"
    return str(value).lower() if isinstance(value, bool) else repr(value) if isinstance(value, str) else str(value)
