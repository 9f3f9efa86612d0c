"""Share a view: the one command line that reopens exactly what is on screen.

A view is a scene, its parameter values, its seed and how many steps it has taken. The line
names only the values that differ from the defaults (so it stays short and says what the
sharer changed) and those that linked parameters would otherwise set differently, always the seed (scenes differ in their default seed and randomness must
match), and the steps when the clock has moved. Every value is written so that the scene's
own parser gives back exactly the same value: floats by their shortest round-trip text,
texts shell-quoted. The same line goes into every SVG screenshot, so a picture always says
how to make it again.
"""

from __future__ import annotations

import json
import shlex
from typing import Any
from xml.sax.saxutils import escape

from calcterm.params import Number, Param
from calcterm.scene import Scene

PROGRAM = "calcterm"
METADATA_ID = "calcterm-view"


def value_text(param: Param, value: Any) -> str:
    """`value` as `-s NAME=VALUE` text that `param.parse` turns back into the same value."""
    if isinstance(param, Number):
        return repr(float(value))  # shortest text that float() reads back exactly
    return param.format(value)


def needed(scene: Scene) -> dict[str, Any]:
    """The values a line must name so that a new scene gets exactly `scene.values`: those off
    the defaults, plus any that a named value would otherwise imply differently (descent's
    surface brings its own η; an η set back to the default must then be named too)."""
    chosen = scene.changed()
    while True:
        rebuilt = scene.defaults()
        rebuilt.update(chosen)
        for name, value in chosen.items():  # what Scene.__init__ does with given values
            for other, implied in scene.implied(name, value).items():
                if other not in chosen:
                    rebuilt[other] = scene.param(other).validate(implied)
        missing = {k: v for k, v in scene.values.items() if rebuilt[k] != v and k not in chosen}
        if not missing:
            return {p.name: chosen[p.name] for p in scene.params if p.name in chosen}
        chosen.update(missing)


def argv(scene: Scene) -> list[str]:
    """The arguments after `calcterm` that reopen `scene` as it is now."""
    args = ["run", scene.id]
    for name, value in needed(scene).items():
        args += ["-s", f"{name}={value_text(scene.param(name), value)}"]
    args += ["--seed", str(scene.seed)]
    if scene.t:
        args += ["--steps", str(scene.t)]
    return args


def command_line(scene: Scene) -> str:
    """`calcterm run SCENE -s name=value … --seed N [--steps K]`, quoted for a POSIX shell."""
    return " ".join(shlex.quote(part) for part in [PROGRAM, *argv(scene)])


def annotate_svg(svg: str, scene: Scene) -> str:
    """`svg` with the view's command line in a <desc> (what viewers and screen readers show)
    and, machine-readable, in a <metadata> element holding JSON (command, scene, params, seed,
    steps). Both go right after the opening <svg …> tag, where SVG expects them."""
    line = command_line(scene)
    view = scene.export()
    info = {"command": line, "scene": view["scene"], "params": view["params"],
            "seed": view["seed"], "steps": view["steps"]}
    start = svg.find("<svg")
    end = svg.find(">", start)
    if start < 0 or end < 0:
        raise ValueError("not an SVG document: no <svg> element")
    block = (f"\n    <desc>{escape(line)}</desc>"
             f"\n    <metadata id=\"{METADATA_ID}\">{escape(json.dumps(info, ensure_ascii=False))}</metadata>")
    return svg[:end + 1] + block + svg[end + 1:]


def read_svg_view(svg: str) -> dict[str, Any]:
    """The view stored by `annotate_svg` in an SVG (its <metadata> JSON)."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(svg)
    for element in root.iter():
        if element.tag.rsplit("}", 1)[-1] == "metadata" and element.get("id") == METADATA_ID:
            return json.loads(element.text or "{}")
    raise ValueError("the SVG carries no calcterm view")
