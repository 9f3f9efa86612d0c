"""Scenes without a terminal: build one from CLI-style settings, and draw it as text.

`calcterm show`, `calcterm export` and the tests all go through here, so they see exactly
the scene the TUI would show.
"""

from __future__ import annotations

from typing import Callable, Iterable

from calcterm.params import ParamError
from calcterm.registry import get
from calcterm.scene import Scene, scene_notes
from calcterm.text import T, section_text, tr


def parse_assignment(text: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise ParamError(f"expected NAME=VALUE, got {text!r}")
    return name.strip(), value


def build(scene_id: str, settings: Iterable[tuple[str, str]] = (), seed: int | None = None,
          steps: int = 0, progress: Callable[[float], None] | None = None,
          prepare: bool = True) -> Scene:
    """The scene `scene_id` with the given text settings applied, after `steps` steps.

    With `prepare`, any slow preparation the scene has (`Scene.work`) is finished first and
    `progress` hears how far it has got; the TUI instead runs it in the background.
    """
    cls = get(scene_id)
    values = {name: cls.param(name).parse(value) for name, value in settings}
    scene = cls(values, seed=seed)
    if prepare:
        finish_work(scene, progress)
    for _ in range(steps):
        scene.step()
    return scene


def finish_work(scene: Scene, progress: Callable[[float], None] | None = None) -> None:
    """Do the scene's slow preparation inline, telling `progress` how far it has got."""
    scene.finish_job(progress or (lambda fraction: None))


def readout_lines(scene: Scene, width: int, lang: str = "en") -> list[str]:
    """The readout as `name value` cells packed into lines no wider than `width` cells
    (a Chinese character takes two); what still does not fit ends in "…"."""
    from calcterm.canvas import shorten, text_width

    cells = [f"{tr(k, lang)} {tr(v, lang)}" for k, v in scene.readout().items()]
    lines: list[str] = []
    line = ""
    for cell in cells:
        candidate = f"{line}  │  {cell}" if line else cell
        if text_width(candidate) > width and line:
            lines.append(line)
            line = cell
        else:
            line = candidate
    if line:
        lines.append(line)
    return [shorten(text, width) for text in (*lines, *scene_notes(scene, lang))]


def show_text(scene: Scene, width: int, height: int, color: bool = True, lang: str = "en") -> str:
    """The scene as text: a title line, the plot, then the readout."""
    from calcterm.render import render

    step = T("step", "步").get(lang)
    title = f"{scene.id} — {scene.display_title(lang)}  ({section_text(scene.section, lang)})  {step} {scene.t}"
    info = readout_lines(scene, width, lang)
    plot_h = height - 1 - len(info)
    min_w, min_h = scene.min_plot
    if width < min_w or plot_h < min_h:
        raise ParamError(f"--size {width}x{height} is too small for {scene.id}; it needs at least "
                         f"{min_w}x{min_h + 1 + len(info)}")
    plot = render(scene.draw(width, plot_h), width, plot_h, color=color, lang=lang)
    return "\n".join([title[:width], plot, *info])
