"""The one-way dependency: compute knows nothing of the terminal; scenes nothing of Textual."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UI = {"textual", "plotext", "click", "rich", "textual_plotext"}


def imported_roots(path: Path) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("path", sorted((ROOT / "calcterm" / "compute").glob("*.py")), ids=str)
def test_compute_imports_no_ui(path):
    assert not imported_roots(path) & UI


@pytest.mark.parametrize("path", sorted((ROOT / "scenes").glob("*.py")), ids=str)
def test_scenes_import_no_textual_or_plotext(path):
    assert not imported_roots(path) & {"textual", "plotext", "click", "textual_plotext"}


def test_no_eval_or_exec_anywhere():
    for path in [*ROOT.glob("calcterm/**/*.py"), *ROOT.glob("scenes/*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        calls = {n.func.id for n in ast.walk(tree)
                 if isinstance(n, ast.Call) and isinstance(n.func, ast.Name)}
        assert not calls & {"eval", "exec", "compile"}, path


def test_the_layer_checker_sees_imports(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("import numpy\nfrom textual.app import App\n")
    assert imported_roots(probe) == {"numpy", "textual"}
