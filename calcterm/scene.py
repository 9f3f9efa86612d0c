"""The scene contract: what every scene in `scenes/` provides.

A scene is one subclass of `Scene` in one file. It declares its parameters and its texts
as class attributes and implements `reset`, `step`, `draw`, `readout` and `data`. The same
object drives the TUI, `calcterm show/export/screenshot` and the tests; it never imports
Textual or plotext.
"""

from __future__ import annotations

from typing import Any, ClassVar, Iterator, Mapping

from calcterm.params import Param, ParamError
from calcterm.plot import Figure


class Scene:
    id: ClassVar[str]
    title: ClassVar[str]
    title_zh: ClassVar[str] = ""
    section: ClassVar[str]
    """The part of the article the scene illustrates, e.g. "§1.1–1.3, §2.1"."""
    params: ClassVar[tuple[Param, ...]] = ()
    explanation: ClassVar[Mapping[str, str]] = {}
    """Keys "en" and "zh": what to look at, the formula, what each parameter teaches."""
    min_plot: ClassVar[tuple[int, int]] = (40, 10)
    """The smallest plot area (columns, rows) the scene can draw into."""
    default_seed: ClassVar[int] = 0
    heaviest: ClassVar[Mapping[str, Any]] = {}
    """Parameter values that make a frame most expensive (largest sizes, counts, orders); the
    benchmark times the scene at these as well as at its defaults."""
    order: ClassVar[int] = 100
    """Where the scene stands in the journey (the picker sorts by it)."""

    def __init__(self, values: Mapping[str, Any] | None = None, seed: int | None = None) -> None:
        self.seed = self.default_seed if seed is None else int(seed)
        self.values: dict[str, Any] = {p.name: p.default for p in self.params}
        for name, value in (values or {}).items():
            self.values[name] = self.param(name).validate(value)
        self.t = 0
        self.reset()

    @classmethod
    def param(cls, name: str) -> Param:
        for p in cls.params:
            if p.name == name:
                return p
        allowed = ", ".join(p.name for p in cls.params) or "none"
        raise ParamError(f"{cls.id} has no parameter {name!r}; its parameters are: {allowed}")

    def set(self, name: str, value: Any) -> None:
        """Change one parameter (validated) and start the scene over."""
        self.values[name] = self.param(name).validate(value)
        self.reset()

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    def reset(self) -> None:
        """Put the animation clock back to its start (and rebuild what depends on params)."""
        self.t = 0
        self.setup()

    def setup(self) -> None:
        """Rebuild the scene's state from `self.values` and `self.seed`."""

    def step(self) -> None:
        """Advance the animation clock by one tick."""
        self.t += 1
        self.advance()

    def advance(self) -> None:
        """The scene's own work for one tick."""

    def work(self) -> Iterator[float] | None:
        """Slow preparation after a reset (e.g. training a model), or None if there is none.

        The iterator does the work in chunks and yields its progress in [0, 1]. The TUI runs
        it in a background thread with a progress bar (the scene must keep drawing meanwhile
        and swap in the result in one assignment at the end); the CLI drains it before
        drawing, with a progress bar on stderr.
        """
        return None

    def draw(self, width: int, height: int) -> Figure:
        raise NotImplementedError

    def readout(self) -> dict[str, str]:
        """The live numbers beside the plot, name -> formatted value."""
        return {}

    def notes(self, lang: str = "en") -> list[str]:
        """Short live remarks (warnings, named failure modes) shown under the readout."""
        return []

    def explain(self, lang: str = "en") -> str:
        return self.explanation.get(lang) or self.explanation.get("en", "")

    @classmethod
    def display_title(cls, lang: str = "en") -> str:
        return cls.title_zh if lang == "zh" and cls.title_zh else cls.title

    def data(self) -> dict[str, Any]:
        """The numbers behind the picture (made JSON-safe by `calcterm.export`)."""
        return {}

    def export(self) -> dict[str, Any]:
        from calcterm.export import json_safe

        return json_safe({"scene": self.id, "params": dict(self.values), "seed": self.seed,
                          "steps": self.t, "data": self.data()})
