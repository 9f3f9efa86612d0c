"""Share a view: the line `c` copies reopens exactly that view, and every SVG carries it."""

from __future__ import annotations

import shlex
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner

from calcterm import cli as cli_module
from calcterm.headless import build
from calcterm.params import Choice, Integer, Number, Toggle
from calcterm.registry import scenes
from calcterm.share import annotate_svg, argv, command_line, read_svg_view

from helpers import SCENE_IDS

SVG_NS = "{http://www.w3.org/2000/svg}"


def opened_by(line: str, monkeypatch: pytest.MonkeyPatch):
    """The scene `calcterm run …` builds from `line`, through the real argument parsing (the
    TUI itself is not started), with its slow preparation finished as the TUI would."""
    opened = {}

    def capture(**kwargs):
        opened.update(kwargs)

    monkeypatch.setattr(cli_module, "_run_tui", capture)
    words = shlex.split(line)
    assert words[:2] == ["calcterm", "run"]
    result = CliRunner().invoke(cli_module.cli, words[1:], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    scene = opened["scene"]
    assert opened["seed"] == scene.seed
    if scene.t == 0:
        scene.finish_job()
    return scene


def changed_view(scene_id: str):
    """A view off the defaults: one parameter moved (a float with many digits where possible),
    its seed changed and two steps taken."""
    cls = scenes()[scene_id]
    scene = cls(seed=cls.default_seed + 7)
    for p in cls.params:
        value = scene[p.name]
        if isinstance(p, Number) and not p.log:
            new = p.lo + (p.hi - p.lo) * 0.3183098861837907
        elif isinstance(p, (Integer, Choice, Toggle)) or (isinstance(p, Number) and p.log):
            new = p.nudge(value, 1)
        else:
            continue
        if new != value and p.name not in heavy_names(cls):
            scene.set(p.name, new)
            if scene[p.name] == new:
                break
    scene.finish_job()
    for _ in range(2):
        scene.step()
    return scene


def heavy_names(cls) -> set[str]:
    """Parameters whose nudge could make the view slow to rebuild (sizes and counts)."""
    return {name for name in cls.heaviest} | {p.name for p in cls.params if isinstance(p, Integer)
                                              and p.hi > 1000}


@pytest.mark.parametrize("scene_id", SCENE_IDS)
def test_the_shared_line_reopens_the_same_export(scene_id, monkeypatch):
    scene = changed_view(scene_id)
    line = command_line(scene)
    assert scene.changed(), "the view must differ from the defaults"
    assert f"--seed {scene.seed}" in line and "--steps 2" in line
    for name in scene.changed():
        assert f"{name}=" in line
    assert opened_by(line, monkeypatch).export() == scene.export()


def test_only_changed_values_are_written_and_floats_round_trip(monkeypatch):
    scene = build("tangent", [("x0", "0.1"), ("f", "sin(x)")])
    scene.set("x0", 0.1 + 0.2)  # 0.30000000000000004: its shortest exact text is long
    assert argv(scene) == ["run", "tangent", "-s", "f=sin(x)", "-s", "x0=0.30000000000000004",
                           "--seed", "0"]
    assert opened_by(command_line(scene), monkeypatch)["x0"] == 0.1 + 0.2


def test_a_value_a_linked_parameter_would_override_is_named_even_at_its_default(monkeypatch):
    scene = build("descent", [("surface", "rosenbrock")])  # brings its own start and η
    assert scene["eta"] != scene.param("eta").default
    scene.set("eta", scene.param("eta").default)
    line = command_line(scene)
    assert f"eta={scene['eta']!r}" in line
    assert opened_by(line, monkeypatch).values == scene.values


def test_texts_with_spaces_are_quoted(monkeypatch):
    scene = build("entropy", [("p", "1, 0"), ("q", "0.5, 0.5")], steps=3)
    line = command_line(scene)
    assert "-s 'p=1, 0' -s 'q=0.5, 0.5'" in line and line.endswith("--steps 3")
    assert opened_by(line, monkeypatch).export() == scene.export()


def test_the_svg_carries_the_line_in_desc_and_metadata():
    scene = build("entropy", [("p", "1, 0")], steps=2)
    svg = annotate_svg('<svg class="rich-terminal" xmlns="http://www.w3.org/2000/svg"><rect/></svg>', scene)
    root = ET.fromstring(svg)  # still well-formed XML with the quoted line inside
    assert root.find(f"{SVG_NS}desc").text == command_line(scene)
    view = read_svg_view(svg)
    assert view["command"] == command_line(scene)
    assert (view["scene"], view["params"]["p"], view["seed"], view["steps"]) == ("entropy", "1, 0", 0, 2)
    with pytest.raises(ValueError):
        annotate_svg("not svg", scene)


def test_calcterm_screenshot_writes_the_line_into_the_svg(tmp_path: Path):
    out = tmp_path / "view.svg"
    result = CliRunner().invoke(cli_module.cli, ["--seed", "3", "screenshot", "tangent", "-s", "x0=0.5",
                                                 "--steps", "2", "--size", "80x24", "-o", str(out)])
    assert result.exit_code == 0, result.output
    expected = command_line(build("tangent", [("x0", "0.5")], seed=3, steps=2))
    assert expected == "calcterm run tangent -s x0=0.5 --seed 3 --steps 2"
    svg = out.read_text(encoding="utf-8")
    assert ET.fromstring(svg).find(f"{SVG_NS}desc").text == expected
    assert read_svg_view(svg)["command"] == expected


async def test_c_copies_the_line_and_s_saves_it_in_the_svg(tmp_path: Path, monkeypatch):
    from calcterm.host.app import CalcTermApp

    monkeypatch.chdir(tmp_path)
    scene = build("riemann", [("n", "6"), ("rule", "midpoint")])
    app = CalcTermApp(scene=scene)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n", "c")
        line = command_line(app.screen.scene)
        assert line == "calcterm run riemann -s n=6 -s rule=midpoint --seed 0 --steps 1"
        assert app.clipboard == line
        assert any(line in str(n.message) for n in app._notifications)
        await pilot.press("s")
        await pilot.pause()
    saved = list(tmp_path.glob("calcterm-riemann-*.svg"))
    assert len(saved) == 1 and read_svg_view(saved[0].read_text(encoding="utf-8"))["command"] == line
