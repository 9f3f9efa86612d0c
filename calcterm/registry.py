"""Find the scenes: every module in `calcterm.scenes` that defines a `Scene` subclass.

Discovery reads the package folder, so adding a scene file never touches the host.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import cache

from calcterm.params import ParamError
from calcterm.scene import Scene


@cache
def scenes() -> dict[str, type[Scene]]:
    import calcterm.scenes as package

    found: dict[str, type[Scene]] = {}
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        for obj in vars(module).values():
            if isinstance(obj, type) and issubclass(obj, Scene) and obj is not Scene \
                    and obj.__module__ == module.__name__:
                found[obj.id] = obj
    return dict(sorted(found.items(), key=lambda item: (item[1].order, item[0])))


def get(scene_id: str) -> type[Scene]:
    table = scenes()
    if scene_id not in table:
        raise ParamError(f"unknown scene {scene_id!r}; choose one of: " + ", ".join(table))
    return table[scene_id]
