"""The scene contract (v2): what every scene in `scenes/` provides, and what the host owns.

A scene is one subclass of `Scene` in one file. It declares its parameters and texts as
class attributes and implements `setup`, `advance`, `draw`, `readout`, `notes` and `data`.
The same object drives the TUI, `calcterm show/export/screenshot` and the tests; it never
imports Textual or plotext.

What the seams need is declared here, once, so the host can act on it:
- `done` ends the story: the host stops the clock and repaints only on change; `busy`
  holds the clock while the scene waits for its job;
- `pace` says how many frames one step takes at 1×; the host owns the speed ladder;
- `implied` links parameters (choosing a surface loads its start), `matters` says which
  parameters count in the current setting (the host dims the others);
- `job` / `step_job` describe slow work as a `Job`; the host runs it off the UI thread and
  adopts the result only if the scene's `revision` has not moved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, ClassVar, Mapping

from calcterm.params import Param, ParamError
from calcterm.plot import Figure
from calcterm.text import T, Text


class Cancelled(Exception):
    """Raised by a job's progress callback when its result is no longer wanted."""


def _ignore_progress(fraction: float) -> None:
    """Progress callback for work done inline, where nobody is watching."""


@dataclass
class Job:
    """Slow work with a result: `run` off the UI thread, `adopt` on it.

    `run(progress)` must not modify the scene (it works on what was captured when the job
    was made) and may call `progress(fraction)`, which raises `Cancelled` when the host no
    longer wants the result. `adopt(result)` installs the result; the host calls it only if
    the scene has not changed since the job was made.
    """

    run: Callable[[Callable[[float], None]], Any]
    adopt: Callable[[Any], None]
    label: T = field(default_factory=lambda: T("preparing", "准备中"))


class Scene:
    id: ClassVar[str]
    title: ClassVar[T]
    section: ClassVar[str]
    """The part of the article the scene illustrates, e.g. "Part 1 §1.1–1.3, §2.1"."""
    summary: ClassVar[Text] = ""
    """One line saying what the scene shows (the picker lists it)."""
    params: ClassVar[tuple[Param, ...]] = ()
    explanation: ClassVar[T] = T("", "")
    """What to look at, the formula, what each parameter teaches (override `explain` to
    order it by the current view)."""
    min_plot: ClassVar[tuple[int, int]] = (40, 10)
    """The smallest plot area (columns, rows) the scene can draw into."""
    default_seed: ClassVar[int] = 0
    heaviest: ClassVar[Mapping[str, Any]] = {}
    """Parameter values that make a frame most expensive (largest sizes, counts, orders); the
    benchmark and the soak test run the scene at these as well as at its defaults."""
    order: ClassVar[int] = 100
    """Where the scene stands in the journey (the picker sorts by it)."""
    pace: ClassVar[int] = 3
    """Frames (at 30 per second) one animation step takes at 1× speed."""

    def __init__(self, values: Mapping[str, Any] | None = None, seed: int | None = None) -> None:
        self.seed = self.default_seed if seed is None else int(seed)
        self.values: dict[str, Any] = {p.name: p.default for p in self.params}
        given = {name: self.param(name).validate(v) for name, v in (values or {}).items()}
        self.values.update(given)
        for name, value in given.items():
            for other, implied in self.implied(name, value).items():
                if other not in given:
                    self.values[other] = self.param(other).validate(implied)
        self.t = 0
        self.revision = 0
        self.reset()

    @classmethod
    def param(cls, name: str) -> Param:
        for p in cls.params:
            if p.name == name:
                return p
        allowed = ", ".join(p.name for p in cls.params) or "none"
        raise ParamError(f"{cls.id} has no parameter {name!r}; its parameters are: {allowed}")

    def __getitem__(self, name: str) -> Any:
        return self.values[name]

    # -- parameters -------------------------------------------------------------------

    def set(self, name: str, value: Any) -> None:
        """Change one parameter (validated), with what it implies, and start over."""
        self.set_many({name: value})

    def set_many(self, values: Mapping[str, Any]) -> None:
        """Change several parameters at once (a click sets x and y), then start over once."""
        given = {name: self.param(name).validate(v) for name, v in values.items()}
        changes = dict(given)
        for name, value in given.items():
            for other, implied in self.implied(name, value).items():
                if other not in given:
                    changes[other] = self.param(other).validate(implied)
        self.values.update(changes)
        self.reset()

    def pick(self, panel: int, x: float, y: float) -> dict[str, Any]:
        """What a click (or drag) at the data point (x, y) of panel `panel` sets: usually the
        point the scene is about. Values may lie outside a parameter's range; the host
        brings them to the nearest allowed value."""
        return {}

    def zoom(self, panel: int, factor: float) -> dict[str, Any]:
        """What the mouse wheel over panel `panel` sets (factor < 1 zooms in), if it has a window."""
        return {}

    def implied(self, name: str, value: Any) -> dict[str, Any]:
        """Other parameter values that setting `name` to `value` brings along."""
        return {}

    def matters(self, name: str) -> bool:
        """Whether parameter `name` affects the picture in the current setting."""
        return True

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def changed(self) -> dict[str, Any]:
        """The values that differ from the defaults (what a shared view must say)."""
        return {k: v for k, v in self.values.items() if v != self.param(k).default}

    # -- the clock --------------------------------------------------------------------

    def reset(self) -> None:
        """Put the clock back to its start and rebuild what depends on the parameters."""
        self.t = 0
        self.revision += 1
        self.setup()

    def setup(self) -> None:
        """Rebuild the scene's state from `self.values` and `self.seed`."""

    @property
    def done(self) -> bool:
        """True once the story is over: stepping then changes nothing."""
        return False

    @property
    def busy(self) -> bool:
        """True while the next step must wait for the scene's `job` (the clock holds)."""
        return False

    def advance(self) -> None:
        """The scene's own work for one step."""

    def step_job(self) -> Job | None:
        """One step as a `Job`, for scenes whose step outlasts a frame (None: use `advance`)."""
        return None

    def step(self) -> None:
        """One animation step, done inline (the TUI runs a `step_job` off the UI thread)."""
        if self.done or self.busy:
            return
        job = self.step_job()
        if job is None:
            self.advance()
            self.t += 1
        else:
            self.finish_step(job, job.run(_ignore_progress))

    def finish_step(self, job: Job, result: Any) -> None:
        job.adopt(result)
        self.t += 1

    def rewind(self, t: int) -> None:
        """Replay from the reset to step `t` (scenes are deterministic).

        The slow preparation is done first: a scene is busy until it is, and stepping a busy
        scene changes nothing, so without it the replay never reached `t`."""
        self.reset()
        self.finish_job()
        while self.t < t and not self.done:
            self.step()

    # -- slow preparation -------------------------------------------------------------

    def job(self) -> Job | None:
        """Slow preparation after a reset (e.g. training a model), or None."""
        return None

    def finish_job(self, progress: Callable[[float], None] = _ignore_progress) -> None:
        """Do the slow preparation inline (the CLI and the tests)."""
        job = self.job()
        if job is not None:
            job.adopt(job.run(progress))

    # -- what is shown ----------------------------------------------------------------

    def draw(self, width: int, height: int) -> Figure:
        raise NotImplementedError

    def readout(self) -> Mapping[Text, Text]:
        """The live numbers beside the plot, label -> formatted value."""
        return {}

    def notes(self) -> list[T]:
        """Short live remarks (warnings, named failure modes) shown under the readout."""
        return []

    def explain(self) -> T:
        return self.explanation

    @classmethod
    def display_title(cls, lang: str = "en") -> str:
        return cls.title.get(lang)

    def data(self) -> dict[str, Any]:
        """The numbers behind the picture (made JSON-safe by `calcterm.export`)."""
        return {}

    def export(self) -> dict[str, Any]:
        from calcterm.export import json_safe

        return json_safe({"scene": self.id, "params": dict(self.values), "seed": self.seed,
                          "steps": self.t, "data": self.data()})


def scene_notes(scene: Scene, lang: str) -> list[str]:
    """The scene's notes in `lang`."""
    return [n.get(lang) for n in scene.notes()]
