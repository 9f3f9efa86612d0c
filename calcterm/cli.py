"""The command line: `calcterm [list|tour|params|run|show|export|screenshot]`.

Only click is imported at module level, so `calcterm --help` stays fast; numpy, plotext
and Textual load inside the commands that need them. Every user error ends as one line on
stderr and exit status 2.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any, NoReturn

import click

SIZE_LIMITS = ((20, 1000), (8, 500))
QUOTE_CHARS = 40
MAX_MESSAGE = 500
_QUOTED = re.compile(r"""(['"])((?:(?!\1)[^\\]|\\.){%d,})\1""" % (QUOTE_CHARS + 1))


def quote(text: object, limit: int = QUOTE_CHARS) -> str:
    """What the user typed, quoted for a message: at most `limit` characters of it."""
    text = str(text)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text)} characters)"


def shorten(message: str) -> str:
    """One line, every quoted literal longer than QUOTE_CHARS cut to a prefix, and at most
    MAX_MESSAGE characters: messages from any layer may quote a huge input in full."""
    def cut(match: re.Match[str]) -> str:
        q, body = match.group(1), match.group(2)
        return f"{q}{body[:QUOTE_CHARS]}{q}… ({len(body)} characters)"

    message = _QUOTED.sub(cut, " ".join(message[:4_000_000].splitlines()))  # argv-sized: linear
    return message if len(message) <= MAX_MESSAGE else message[:MAX_MESSAGE] + "…"


class Size(click.ParamType):
    """A terminal size written WxH, e.g. 120x40."""

    name = "WxH"

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[int, int]:
        if isinstance(value, tuple):
            return value
        w, sep, h = str(value).lower().partition("x")
        if not (sep and w.isdigit() and h.isdigit()):
            self.fail(f"{quote(value)} is not a size; expected WxH such as 120x40", param, ctx)
        (wl, wh), (hl, hh) = SIZE_LIMITS
        if len(w) > 5 or len(h) > 5:  # bounded before int(): 5000 digits would be refused there
            self.fail(f"{quote(value)} is out of range; width {wl}–{wh}, height {hl}–{hh}", param, ctx)
        size = int(w), int(h)
        if not (wl <= size[0] <= wh and hl <= size[1] <= hh):
            self.fail(f"{quote(value)} is out of range; width {wl}–{wh}, height {hl}–{hh}", param, ctx)
        return size


class Assignment(click.ParamType):
    """NAME=VALUE for -s/--set; the scene checks the value itself."""

    name = "NAME=VALUE"

    def convert(self, value: Any, param: Any, ctx: Any) -> tuple[str, str]:
        if isinstance(value, tuple):
            return value
        from calcterm.headless import parse_assignment
        from calcterm.params import ParamError

        try:
            return parse_assignment(str(value))
        except ParamError as exc:
            self.fail(str(exc), param, ctx)


def fail(message: str) -> NoReturn:
    line = f"calcterm: error: {shorten(message)}"
    try:
        click.echo(line, err=True)
    except UnicodeEncodeError:  # stderr too cannot show it (PYTHONIOENCODING=ascii:strict)
        click.echo(line.encode("ascii", "backslashreplace").decode("ascii"), err=True)
    sys.exit(2)


NO_TERMINAL = ("the TUI needs a terminal on stdin and stdout; for the picture as text use "
               "`calcterm show SCENE`, for the numbers `calcterm export SCENE`")


def _is_terminal(stream: Any) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (ValueError, OSError):  # a closed stream
        return False


def _require_terminal() -> None:
    """Refuse (one line, exit 2) to start the TUI unless stdin and stdout are terminals.

    Why: without a terminal Textual writes escape codes into a pipe or file and spins on a
    stdin that never answers. textual-serve drives the app with no terminal on purpose and
    says so with TEXTUAL_DRIVER, which is let through.
    """
    if not os.environ.get("TEXTUAL_DRIVER") and not (
            _is_terminal(sys.stdin) and _is_terminal(sys.stdout)):
        fail(NO_TERMINAL)


def _run_tui(**kwargs: Any) -> None:
    """Run the TUI; a crash inside it (Textual has restored the terminal and printed the
    error) ends the process with the app's non-zero status, not 0."""
    _require_terminal()
    from calcterm.host.app import CalcTermApp

    app = CalcTermApp(**kwargs)
    app.run()
    if app.return_code:
        sys.exit(app.return_code)


class _Progress:
    """A progress bar on stderr for a scene's slow preparation, shown only once it starts."""

    def __init__(self) -> None:
        self.bar = None
        self.done = 0

    def __call__(self, fraction: float) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=1000, label="preparing", file=sys.stderr)
            self.bar.__enter__()
        target = int(1000 * min(max(fraction, 0.0), 1.0))
        self.bar.update(target - self.done)
        self.done = target

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _build(ctx: click.Context, scene_id: str, settings: tuple[tuple[str, str], ...], steps: int = 0,
           prepare: bool = True):
    from calcterm.headless import build
    from calcterm.params import ParamError

    progress = _Progress()
    try:
        return build(scene_id, settings, seed=ctx.obj["seed"], steps=steps, progress=progress,
                     prepare=prepare)
    except ParamError as exc:
        fail(str(exc))
    finally:
        progress.close()


set_option = click.option("-s", "--set", "settings", type=Assignment(), multiple=True,
                          help="Set a parameter, e.g. -s x0=0.5 (repeatable).")
steps_option = click.option("--steps", type=click.IntRange(0, 100_000), default=0, show_default=True,
                            help="Animation steps to take before drawing.")
size_option = click.option("--size", type=Size(), default="120x40", show_default=True,
                           help="Width and height in cells.")
scene_argument = click.argument("scene_id", metavar="SCENE")


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--seed", type=click.IntRange(0, 2**32 - 1), default=None,
              help="Seed for everything random (each scene has its own default).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="Language of titles and explanations.")
@click.option("--no-color", "no_color", is_flag=True,
              help="Monochrome output (the NO_COLOR environment variable does the same).")
@click.version_option(package_name="calcterm")
@click.pass_context
def cli(ctx: click.Context, seed: int | None, lang: str, no_color: bool) -> None:
    """calcterm: calculus from the rate of change to neural-network gradients.

    With no command, opens the scene picker.
    """
    if no_color:
        os.environ["NO_COLOR"] = "1"  # Textual reads it when the app starts
    ctx.obj = {"seed": seed, "lang": lang, "color": "NO_COLOR" not in os.environ}
    if ctx.invoked_subcommand is None:
        _run_tui(lang=lang, seed=seed)


@cli.command("list")
@click.pass_context
def list_scenes(ctx: click.Context) -> None:
    """One line per scene: its id, then its title."""
    from calcterm.registry import scenes

    for scene_id, cls in scenes().items():
        click.echo(f"{scene_id:<10} {cls.display_title(ctx.obj['lang'])}")


@cli.command()
@click.option("--list", "as_list", is_flag=True,
              help="One line per stop: number, article place, scene, settings, steps, and the "
                   "number its narration claims.")
@click.option("--stop", "stop", type=click.IntRange(1, 10_000), default=1, show_default=True,
              help="Open the tour at stop K.")
@click.option("--check", "check", is_flag=True,
              help="Build every stop without a terminal and test its claim against its export; "
                   "exit 0, or 1 naming each stop whose claim fails.")
@click.pass_context
def tour(ctx: click.Context, as_list: bool, stop: int, check: bool) -> None:
    """The guided tour: the article in order, one scene per stop; ] and [ move between stops."""
    from calcterm import tour as guide

    lang, count = ctx.obj["lang"], len(guide.stops())
    if stop > count:
        fail(f"--stop {stop} is out of range; the tour has stops 1–{count}")
    if as_list:
        for i in range(count):
            click.echo(guide.list_line(i, lang))
        return
    if check:
        failed = []
        for i in range(count):
            result = guide.check(i)
            click.echo(f"{'ok  ' if result.ok else 'FAIL'}  {guide.header(i, lang)}  {result.message}")
            if not result.ok:
                failed.append(guide.header(i, lang))
        if failed:
            click.echo("calcterm: the tour's claim fails at " + "; ".join(failed), err=True)
            sys.exit(1)
        return
    _run_tui(lang=lang, seed=ctx.obj["seed"], tour=stop - 1)


@cli.command()
@scene_argument
@click.pass_context
def params(ctx: click.Context, scene_id: str) -> None:
    """Each parameter of SCENE: name, default, range or choices, help."""
    from calcterm.params import ParamError
    from calcterm.registry import get

    try:
        cls = get(scene_id)
    except ParamError as exc:
        fail(str(exc))
    for p in cls.params:
        click.echo(p.describe(ctx.obj["lang"]))


seed_option = click.option("--seed", "own_seed", type=click.IntRange(0, 2**32 - 1), default=None,
                           help="Seed for this scene (the same as `calcterm --seed N` before the command).")


@cli.command()
@scene_argument
@set_option
@seed_option
@steps_option
@click.pass_context
def run(ctx: click.Context, scene_id: str, settings: tuple[tuple[str, str], ...],
        own_seed: int | None, steps: int) -> None:
    """Open the TUI on SCENE with the given values, after N steps (paused).

    This is the line the `c` key copies and every SVG screenshot carries, so a shared view
    opens exactly as it was.
    """
    if own_seed is not None:
        ctx.obj["seed"] = own_seed
    # errors in SCENE or -s come first; slow preparation runs in the TUI unless steps need it
    scene = _build(ctx, scene_id, settings, steps, prepare=steps > 0)
    _run_tui(lang=ctx.obj["lang"], seed=ctx.obj["seed"], scene=scene)


@cli.command()
@scene_argument
@set_option
@steps_option
@size_option
@click.option("--color/--no-color", "color", default=None,
              help="Colour codes even into a pipe or file / never. Default: colour only when "
                   "stdout is a terminal and NO_COLOR is not set.")
@click.option("--describe", is_flag=True,
              help="Instead of the plot, say in sentences what it shows: each curve and marker, "
                   "every readout value, and what the last step changed (in --lang).")
@click.pass_context
def show(ctx: click.Context, scene_id: str, settings: tuple[tuple[str, str], ...], steps: int,
         size: tuple[int, int], color: bool | None, describe: bool) -> None:
    """SCENE after N animation steps, as text on stdout."""
    if describe:
        click.echo(_describe(ctx, scene_id, settings, steps, size))
        return
    scene = _build(ctx, scene_id, settings, steps)
    from calcterm.headless import show_text
    from calcterm.params import ParamError
    from calcterm.render import TooSmall

    try:
        if color is None:
            color = ctx.obj["color"] and _is_terminal(sys.stdout)
        text = show_text(scene, *size, color=color, lang=ctx.obj["lang"])
    except (ParamError, TooSmall) as exc:
        fail(str(exc))
    click.echo(text, color=color)


def _describe(ctx: click.Context, scene_id: str, settings: tuple[tuple[str, str], ...], steps: int,
              size: tuple[int, int]) -> str:
    """The picture in words after `steps` steps, with what the last step changed."""
    from calcterm.describe import describe, snapshot

    scene = _build(ctx, scene_id, settings, max(steps - 1, 0))
    previous = None
    if steps > 0:
        previous = snapshot(scene, size=size)
        scene.step()
    return describe(scene, ctx.obj["lang"], previous, size)[0]


@cli.command()
@scene_argument
@set_option
@steps_option
@click.pass_context
def export(ctx: click.Context, scene_id: str, settings: tuple[tuple[str, str], ...], steps: int) -> None:
    """SCENE's numbers after N steps as strict JSON on stdout."""
    scene = _build(ctx, scene_id, settings, steps)
    from calcterm.export import dumps

    click.echo(dumps(scene.export()))


@cli.command()
@scene_argument
@set_option
@steps_option
@size_option
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="Where to write the SVG.")
@click.pass_context
def screenshot(ctx: click.Context, scene_id: str, settings: tuple[tuple[str, str], ...], steps: int,
               size: tuple[int, int], output: str) -> None:
    """Save the TUI showing SCENE after N steps as an SVG file."""
    if not output.lower().endswith(".svg"):
        fail(f"--output {quote(output)} must end in .svg")
    scene = _build(ctx, scene_id, settings, steps)
    from calcterm.host.snapshot import screenshot_svg

    svg = screenshot_svg(scene, size, lang=ctx.obj["lang"])
    from calcterm.files import write_atomic

    try:  # a temporary file renamed into place: a failed write leaves the old file as it was
        write_atomic(output, svg)
    except OSError as exc:
        fail(f"cannot write {quote(output)}: {exc.strerror or exc}")
    click.echo(output)


@cli.command()
@click.argument("scene_ids", metavar="[SCENE]...", nargs=-1)
@click.option("--size", "sizes", type=Size(), multiple=True,
              help="Plot size to time the scenes at; repeat for several. Defaults are timed at "
                   "each, heaviest settings at the first.  [default: 120x40 and 200x60]")
@click.option("--frames", type=click.IntRange(1, 100_000), default=60, show_default=True,
              help="Most frames to time per scene, setting and size (after a short warm-up).")
@click.option("--seconds", type=click.FloatRange(0.01, 600), default=0.3, show_default=True,
              help="Time budget per scene, setting and size: timing stops after this many "
                   "seconds of frames even before --frames (at least 3 frames unless those "
                   "alone take 4× as long); matplotlib gets the same.")
@click.option("--memory-frames", type=click.IntRange(1, 1_000_000), default=30, show_default=True,
              help="Animation steps the heaviest scene plays in the TUI before its peak memory "
                   "is read (at most 20 s).")
@click.option("--keys", type=click.IntRange(1, 1000), default=20, show_default=True,
              help="Key presses timed from press to repaint while the heaviest scene plays.")
@click.option("--no-tui", "no_tui", is_flag=True,
              help="Skip the probes that run the TUI in a pseudo-terminal (key latency, idle "
                   "CPU, TUI memory and first paint).")
@click.option("--json", "as_json", is_flag=True, help="One JSON document instead of the table.")
def bench(scene_ids: tuple[str, ...], sizes: tuple[tuple[int, int], ...], frames: int,
          seconds: float, memory_frames: int, keys: int, no_tui: bool, as_json: bool) -> None:
    """Per-frame compute and render times of each SCENE (default: all) against their budgets
    and matplotlib; the network scene's matrix rate against this machine's; startup; and the
    TUI's key latency, idle CPU and peak memory. One progress line per stage on stderr."""
    from calcterm import bench as bench_module
    from calcterm.bench_tui import Interrupted
    from calcterm.params import ParamError
    from calcterm.registry import get, scenes

    try:
        ids = [get(s).id for s in scene_ids] or list(scenes())
    except ParamError as exc:
        fail(str(exc))
    options = bench_module.Options(ids, sizes or bench_module.DEFAULT_SIZES, frames, seconds,
                                   memory_frames, keys, tui=not no_tui)
    try:
        with bench_module.interruptible():
            report = bench_module.run(options, bench_module.Progress(
                bench_module.stage_count(options)))
    except Interrupted as exc:
        sys.exit(128 + exc.signum)
    click.echo(bench_module.to_json(report) if as_json else bench_module.table(report))


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; keep the loopback default unless you mean to share it.")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--max-sessions", type=click.IntRange(1, 1000), default=None,
              help="Browser tabs served at once (each is one calcterm process); "
                   "default 24. Later tabs get a page saying the server is full.")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, max_sessions: int | None) -> None:
    """Serve the TUI to a web browser (needs the `serve` extra: pip install 'calcterm[serve]')."""
    from calcterm.serve import DEFAULT_MAX_SESSIONS, ServeUnavailable, serve as serve_tui

    try:
        serve_tui(host, port, max_sessions or DEFAULT_MAX_SESSIONS, lang=ctx.obj["lang"])
    except (ServeUnavailable, OSError) as exc:
        fail(str(exc))


def main() -> None:
    """Run the CLI, turning every usage error into one line and exit status 2."""
    try:
        cli.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        sys.exit(130)
    except click.ClickException as exc:
        fail(exc.format_message())
    except UnicodeEncodeError as exc:
        encoding = getattr(sys.stdout, "encoding", None) or exc.encoding
        fail(f"the output encoding {encoding} cannot show this text ({exc.reason}); "
             "use a UTF-8 locale or set PYTHONIOENCODING=utf-8")
