"""The command line, as a user meets it: real processes, real exit codes, real streams."""

from __future__ import annotations

import json
import math

import pytest

from helpers import SCENE_IDS, run_cli


def one_line_error(result, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_help_lists_every_command():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in ("list", "params", "run", "show", "export", "screenshot"):
        assert command in result.stdout


def test_list_has_one_line_per_scene():
    result = run_cli("list")
    assert result.returncode == 0
    lines = result.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == SCENE_IDS
    assert "Tangent" in result.stdout


def test_list_in_chinese():
    result = run_cli("--lang", "zh", "list")
    assert "切线" in result.stdout


def test_params_names_ranges_and_help():
    result = run_cli("params", "tangent")
    assert result.returncode == 0
    lines = result.stdout.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["f", "x0", "h", "scheme", "view", "eps"]
    assert "range [-3, 3]" in result.stdout and "one of forward, central" in result.stdout


def test_export_matches_independent_values():
    result = run_cli("export", "tangent", "-s", "f=sin(x)", "-s", "x0=0.5", "-s", "h=0.01",
                     "-s", "scheme=central")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["scene"] == "tangent" and doc["steps"] == 0
    data = doc["data"]
    assert data["slope"] == pytest.approx(math.cos(0.5), rel=1e-15)
    expected = (math.sin(0.51) - math.sin(0.49)) / 0.02
    assert data["secant_slope"] == pytest.approx(expected, rel=1e-12)
    assert data["error"] == pytest.approx(abs(expected - math.cos(0.5)), rel=1e-6)
    assert data["error"] == pytest.approx(math.cos(0.5) * 0.01**2 / 6, rel=1e-3)


def test_export_after_steps_halves_h():
    result = run_cli("export", "tangent", "-s", "h=1", "--steps", "3")
    assert json.loads(result.stdout)["data"]["h"] == 0.125


def test_export_is_strict_json_when_the_derivative_does_not_exist():
    result = run_cli("export", "tangent", "-s", "f=abs(x)", "-s", "x0=0")
    assert result.returncode == 0
    assert "NaN" not in result.stdout and "Infinity" not in result.stdout
    data = json.loads(result.stdout)["data"]
    assert data["slope"] is None and data["derivative_exists"] is False
    assert data["non_finite"]["data.slope"] == "nan"
    assert (data["left_slope"], data["right_slope"]) == (-1.0, 1.0)


def test_show_prints_the_scene_at_the_requested_size():
    result = run_cli("show", "tangent", "--size", "100x30", "--no-color", "--steps", "2")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.rstrip("\n").split("\n")
    assert len(lines) == 30
    assert max(len(line) for line in lines) <= 100
    assert "\x1b[" not in result.stdout
    assert "tangent" in lines[0] and "step 2" in lines[0]
    assert "quotient" in result.stdout and "2.25" in result.stdout  # h = 0.25 → (1.25² − 1)/0.25


def test_show_in_colour_has_ansi_codes():
    result = run_cli("show", "tangent", "--size", "80x24", "--color")  # asked for: stdout is a pipe
    assert "\x1b[" in result.stdout


def test_screenshot_writes_svg(tmp_path):
    out = tmp_path / "shot.svg"
    result = run_cli("screenshot", "tangent", "--size", "100x30", "-o", str(out))
    assert result.returncode == 0, result.stderr
    svg = out.read_text()
    assert svg.startswith("<svg") and "Tangent" in svg


@pytest.mark.parametrize("args, fragments", [
    (("show", "nosuch"), ("unknown scene 'nosuch'", "tangent")),
    (("export", "nosuch"), ("unknown scene",)),
    (("params", "nosuch"), ("unknown scene",)),
    (("run", "nosuch"), ("unknown scene",)),
    (("show", "tangent", "-s", "bogus=1"), ("no parameter 'bogus'", "x0, h, scheme")),
    (("show", "tangent", "-s", "x0=99"), ("out of range", "[-3, 3]")),
    (("show", "tangent", "-s", "x0=abc"), ("not a number",)),
    (("show", "tangent", "-s", "x0=nan"), ("x0",)),
    (("show", "tangent", "-s", "x0=inf"), ("x0",)),
    (("show", "tangent", "-s", "h=0"), ("out of range",)),
    (("show", "tangent", "-s", "scheme=backward"), ("one of forward, central",)),
    (("show", "tangent", "-s", "f=sin(x"), ("f:", "column")),
    (("show", "tangent", "-s", "f=__import__('os')"), ("f:", "unknown name")),
    (("show", "tangent", "-s", "x0"), ("NAME=VALUE",)),
    (("show", "tangent", "--size", "big"), ("WxH",)),
    (("show", "tangent", "--size", "5x5"), ("out of range",)),
    (("show", "tangent", "--size", "30x10"), ("too small",)),
    (("show", "tangent", "--steps", "-1"), ("--steps",)),
    (("--lang", "fr", "list"), ("--lang", "en", "zh")),
    (("--seed", "x", "list"), ("--seed",)),
    (("screenshot", "tangent", "-o", "out.png"), (".svg",)),
    (("screenshot", "tangent"), ("--output",)),
    (("frobnicate",), ("frobnicate",)),
    (("show", "tangent", "--bogus"), ("--bogus",)),
])
def test_bad_input_is_one_line_and_exit_2(args, fragments):
    one_line_error(run_cli(*args), *fragments)


def test_seed_is_recorded_in_the_export():
    doc = json.loads(run_cli("--seed", "42", "export", "tangent").stdout)
    assert doc["seed"] == 42
