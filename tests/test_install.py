"""Packaging: `scenes/` installs as `calcterm.scenes`, found after `pip install .` and `-e .`.

Each install goes into a fresh venv (without dependencies: the question is where the files
land), from a copy of the source so the working tree stays clean.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROBE = ("import calcterm.scenes, pkgutil, importlib.util;"
         "print(' '.join(sorted(m.name for m in pkgutil.iter_modules(calcterm.scenes.__path__)"
         " if not m.name.startswith('_'))));"
         "print(importlib.util.find_spec('scenes') is None)")


def scene_files() -> list[str]:
    return sorted(p.stem for p in (ROOT / "scenes").glob("*.py") if not p.stem.startswith("_"))


@pytest.mark.parametrize("editable", [False, True], ids=["install", "editable"])
def test_fresh_venv_finds_every_scene(tmp_path, editable):
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("calcterm", "scenes"):
        shutil.copytree(ROOT / folder, source / folder,
                        ignore=shutil.ignore_patterns("__pycache__"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    target = ["-e", str(source)] if editable else [str(source)]
    subprocess.run([str(python), "-m", "pip", "install", "-q", "--no-deps", *target],
                   check=True, capture_output=True, text=True, cwd=tmp_path, timeout=600)
    out = subprocess.run([str(python), "-c", PROBE], check=True, capture_output=True, text=True,
                         cwd=tmp_path, timeout=60).stdout.split("\n")
    assert out[0].split() == scene_files()
    assert out[1] == "True", "scenes/ must not also install as a top-level package"
    assert "tangent" in out[0]
