"""Fixtures, and the tier every test belongs to.

Tiers (markers, see pyproject.toml), so that one kind can be run alone (`pytest -m unit`):
  e2e       fresh-venv pip installs and the served TUI (headless Chromium, real websockets)
  terminal  the real CLI in a pseudo-terminal (a module that uses tests/terminal.py)
  tui       in-process Textual Pilot tests and SVG snapshots (async tests, snap_compare)
  unit      everything else: computation, scenes, CLI runs without a UI
A test that carries a tier marker itself keeps it. The slow tiers are collected first, so that
pytest-xdist starts them early and the quick unit tests fill the gaps. Tests that share a
module- or class-scoped fixture are kept on one worker (xdist_group), so that the fixture is
built once.
"""

from __future__ import annotations

import inspect
import os

# One BLAS thread per process: the workers already fill every core, and a second spinning
# OpenBLAS thread per worker made numpy-heavy tests several times slower under xdist. Set before
# numpy loads; the workers and every CLI the tests start inherit it.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import pytest  # noqa: E402

from calcterm.registry import scenes  # noqa: E402
from helpers import SCENE_IDS  # noqa: E402

TIERS = ("e2e", "terminal", "tui", "unit")  # also the order they start in
E2E_FILES = {"test_install.py", "test_serve.py", "test_serve_safety.py"}


@pytest.fixture(params=SCENE_IDS)
def scene_cls(request):
    return scenes()[request.param]


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """One worker more than cores (`-n auto`): a worker waiting on a terminal, pip, a browser or
    a Textual pause uses no CPU, and the extra worker fills those waits (on two cores: three
    workers 2 min 58 s, two 3 min 30 s, four 3 min 15 s). PYTEST_XDIST_AUTO_NUM_WORKERS and
    `-n logical` are left to xdist."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS") or config.option.numprocesses == "logical":
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (cores or 1) + 1


def uses_a_pseudo_terminal(module) -> bool:
    return any(inspect.isclass(value) and value.__module__ == "terminal"
               and value.__name__ == "Terminal" for value in vars(module).values())


def tier(item: pytest.Item) -> str:
    own = [m.name for m in item.iter_markers() if m.name in TIERS]
    if own:
        return own[0]
    if item.path.name in E2E_FILES:
        return "e2e"
    module = getattr(item, "module", None)
    if module is not None and uses_a_pseudo_terminal(module):
        return "terminal"
    function = getattr(item, "function", None)
    if inspect.iscoroutinefunction(function) or "snap_compare" in getattr(item, "fixturenames", ()):
        return "tui"
    return "unit"


def shares_a_fixture(item: pytest.Item) -> bool:
    """True when the test uses a module- or class-scoped fixture defined in the test files."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    return any(d.scope in ("module", "class") and d.baseid
               for defs in info.name2fixturedefs.values() for d in defs)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tiers = {}
    for item in items:
        tiers[item.nodeid] = tier(item)
        item.add_marker(getattr(pytest.mark, tiers[item.nodeid]))
        if shares_a_fixture(item) and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(item.path.stem))
    items.sort(key=lambda item: TIERS.index(tiers[item.nodeid]))
