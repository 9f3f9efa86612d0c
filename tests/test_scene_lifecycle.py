"""Contract v2 on a small scene made for the test: end, links, relevance, jobs, rewind."""

from __future__ import annotations

import pytest

from calcterm.params import Choice, Integer, Number, ParamError
from calcterm.plot import Figure, Panel
from calcterm.scene import Cancelled, Job, Scene
from calcterm.text import T


class Counter(Scene):
    id = "counter"
    title = T("Counter", "计数器")
    section = "test"
    params = (
        Choice("shape", "small", T("a preset", "预设"), choices=("small", "large")),
        Integer("limit", 3, T("where the story ends", "结束处"), lo=1, hi=100),
        Number("rate", 1.0, T("only matters for large", "仅对 large 有效"), lo=0.0, hi=10.0),
    )

    def setup(self) -> None:
        self.count = 0
        self.trained = None

    def advance(self) -> None:
        self.count += 1

    @property
    def done(self) -> bool:
        return self.count >= self["limit"]

    def implied(self, name, value):
        return {"limit": 50} if (name, value) == ("shape", "large") else {}

    def matters(self, name: str) -> bool:
        return name != "rate" or self["shape"] == "large"

    def job(self):
        limit = self["limit"]
        return Job(run=lambda progress: [progress(0.5), limit * 2][1],
                   adopt=lambda result: setattr(self, "trained", result))

    def draw(self, width, height):
        return Figure([Panel()])


def test_the_clock_stops_when_the_story_is_done():
    scene = Counter()
    for _ in range(10):
        scene.step()
    assert scene.done and scene.t == 3 and scene.count == 3


def test_a_linked_parameter_follows_unless_given():
    assert Counter({"shape": "large"})["limit"] == 50
    assert Counter({"shape": "large", "limit": 7})["limit"] == 7
    scene = Counter()
    scene.set("shape", "large")
    assert scene["limit"] == 50 and scene.t == 0


def test_relevance_depends_on_the_setting():
    assert not Counter().matters("rate")
    assert Counter({"shape": "large"}).matters("rate")


def test_every_change_moves_the_revision():
    scene = Counter()
    r = scene.revision
    scene.set("limit", 5)
    scene.reset()
    assert scene.revision == r + 2


def test_a_job_runs_inline_headless_and_is_adopted():
    scene = Counter({"limit": 4})
    seen = []
    scene.finish_job(seen.append)
    assert scene.trained == 8 and seen == [0.5]


def test_rewind_replays_to_an_earlier_step():
    scene = Counter({"limit": 10})
    for _ in range(5):
        scene.step()
    scene.rewind(2)
    assert scene.t == 2 and scene.count == 2


def test_rewind_prepares_a_scene_that_is_busy_until_its_job_is_done():
    class Prepared(Counter):  # like a big network: no step until the job has built it
        calls = 0

        @property
        def busy(self) -> bool:
            return self.trained is None

        def step(self) -> None:
            self.calls += 1
            assert self.calls < 1000, "rewind keeps stepping a scene that cannot move"
            super().step()

    scene = Prepared({"limit": 10})
    scene.finish_job()
    for _ in range(5):
        scene.step()
    scene.rewind(2)  # replayed forever before: every step of the busy scene did nothing
    assert scene.t == 2 and scene.count == 2 and scene.trained == 20


def test_rewind_of_a_network_built_off_the_ui_thread_matches_a_fresh_replay():
    from calcterm.registry import get

    settings = {"depth": 33, "width": 512, "batch": 2}
    scene, fresh = get("vanishing")(settings), get("vanishing")(settings)
    assert scene.heavy and scene.busy  # built by its job
    for s, steps in ((scene, 3), (fresh, 2)):
        s.finish_job()
        for _ in range(steps):
            s.step()
    scene.rewind(2)
    assert scene.t == 2 and not scene.busy
    assert scene.data()["loss_history"] == fresh.data()["loss_history"]


def test_changed_lists_only_values_off_their_defaults():
    scene = Counter({"rate": 2.5})
    assert scene.changed() == {"rate": 2.5}


def test_a_step_job_counts_as_one_step():
    class Slow(Counter):
        def step_job(self):
            count = self.count
            return Job(run=lambda progress: count + 1,
                       adopt=lambda result: setattr(self, "count", result))

    scene = Slow()
    scene.step()
    assert scene.t == 1 and scene.count == 1


def test_labels_are_accepted_back_and_unknown_names_are_refused():
    choice = Choice("mode", "a", T("m", "模式"), choices=("a", "b"), labels={"b": T("Bee", "蜂")})
    assert choice.parse("Bee") == "b" and choice.parse("蜂") == "b"
    with pytest.raises(ParamError, match="one of a, b"):
        choice.parse("c")
    with pytest.raises(ParamError, match="no parameter"):
        Counter({"nope": 1})


def test_cancelled_is_an_exception_a_progress_callback_can_raise():
    def progress(fraction):
        raise Cancelled

    job = Counter().job()
    with pytest.raises(Cancelled):
        job.run(progress)
