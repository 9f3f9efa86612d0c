"""Reading a scene's bilingual texts in tests: a readout or notes in one language."""

from __future__ import annotations

from typing import Iterable, Mapping

from calcterm.text import tr


def readout_in(scene, lang: str = "en") -> dict[str, str]:
    """The readout with labels and values in `lang`, as a person reads it."""
    return {tr(k, lang): tr(v, lang) for k, v in scene.readout().items()}


def notes_in(scene, lang: str = "en") -> list[str]:
    return [tr(n, lang) for n in scene.notes()]


def in_lang(mapping: Mapping | Iterable, lang: str = "en"):
    if isinstance(mapping, Mapping):
        return {tr(k, lang): tr(v, lang) for k, v in mapping.items()}
    return [tr(item, lang) for item in mapping]
