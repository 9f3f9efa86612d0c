"""The TUI measured from outside, as a person at a terminal meets it (Linux: /proc, a pty).

`calcterm` runs in a pseudo-terminal of a given size. A reader thread keeps every chunk of
output with the time it arrived; text is searched with the escape sequences stripped. From
/proc the probes read the process's CPU time (user + system, all threads) and its peak
resident memory (VmHWM). Every child is registered so that `stop_children` can end it on an
interrupt (Ctrl-C or SIGTERM alike).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import re
import select
import signal
import struct
import sys
import termios
import threading
import time
from pathlib import Path
from typing import Any, Iterator

from calcterm.bench_frames import percentiles

ANSI = re.compile(rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]|\x1b[()][0-9A-Za-z]")
KEYS = {"space": b" ", "plus": b"+", "minus": b"-", "quit": b"q"}
CLOCK_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
QUIET_SECONDS = 1.0
IDLE_WINDOW = 3.0
SETTLED_BELOW = 20.0

_children: set[int] = set()
_stop: int | None = None
"""The signal that asked the bench to stop, once one has."""


class Interrupted(Exception):
    """SIGTERM arrived; the bench stops, as it does on Ctrl-C."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def request_stop(signum: int) -> None:
    """A signal handler's work: remember the stop, then raise it."""
    global _stop
    _stop = signum
    check_stop()


def forget_stop() -> None:
    """The bench is over: a later one in this process starts unstopped."""
    global _stop
    _stop = None


def check_stop() -> None:
    """Raise the requested stop (again): a handler that ran inside an after-fork hook, in the
    parent or via another thread, had its exception swallowed there."""
    if _stop == signal.SIGINT:
        raise KeyboardInterrupt
    if _stop is not None:
        raise Interrupted(_stop)


def supported() -> str | None:
    """Why the TUI probes cannot run here, or None when they can."""
    if not sys.platform.startswith("linux") or not Path("/proc/self/stat").exists():
        return "needs Linux (/proc and a pseudo-terminal)"
    return None


def stop_children() -> None:
    """Kill every TUI this module started and has not yet reaped (SIGKILL, then reap)."""
    for pid in list(_children):
        try:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        _children.discard(pid)


def _fork() -> tuple[int, int]:
    """pty.fork with Ctrl-C and SIGTERM held until the child is registered.

    A signal whose handler ran inside the fork's own after-fork hooks (logging registers one)
    had its exception swallowed there, and the bench played on, deaf to it; held, it arrives
    just after, where it stops the bench, and `stop_children` knows the child. (Held in this
    thread only: one taken by another thread is raised again by `check_stop`.)
    """
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        pid, fd = pty.fork()
        if pid:
            _children.add(pid)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
    return pid, fd


class Tui:
    """`calcterm ARGS...` in a pseudo-terminal of `cols`×`rows`."""

    def __init__(self, args: list[str], cols: int = 120, rows: int = 40) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
        env["TERM"] = "xterm-256color"
        argv = [sys.executable, "-m", "calcterm", *args]
        self.started = time.perf_counter()
        self.pid, self.fd = _fork()
        if self.pid == 0:  # the child: size the terminal, then become calcterm
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                os.execve(sys.executable, argv, env)
            finally:
                os._exit(127)
        self.chunks: list[tuple[float, bytes]] = []
        self.lock = threading.Lock()
        self.closed = False
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while not self.closed:
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.05)
                if ready:
                    data = os.read(self.fd, 65536)
                    if not data:
                        return
                    with self.lock:
                        self.chunks.append((time.perf_counter(), data))
            except OSError:
                return

    def mark(self) -> int:
        with self.lock:
            return len(self.chunks)

    def text(self, since: int = 0) -> str:
        with self.lock:
            data = b"".join(chunk for _, chunk in self.chunks[since:])
        return ANSI.sub(b"", data).decode("utf-8", "replace")

    def last_output(self) -> float:
        with self.lock:
            return self.chunks[-1][0] if self.chunks else self.started

    def wait_for(self, pattern: str, since: int = 0, timeout: float = 60.0) -> float:
        """Seconds from now until `pattern` (a regex) shows in the output after mark `since`;
        the time is that of the chunk that completed it."""
        needle = re.compile(pattern)
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < timeout:
            with self.lock:
                chunks = list(self.chunks[since:])
            text = b""
            for arrived, chunk in chunks:
                text += chunk
                if needle.search(ANSI.sub(b"", text).decode("utf-8", "replace")):
                    return arrived - t0
            if not self.alive():
                raise RuntimeError(f"calcterm exited before showing {pattern!r}")
            check_stop()
            time.sleep(0.005)
        raise TimeoutError(f"calcterm did not show {pattern!r} within {timeout:.0f} s")

    def wait_quiet(self, seconds: float = QUIET_SECONDS, timeout: float = 120.0) -> None:
        """Until no output has arrived for `seconds` (a background build has settled)."""
        t0 = time.perf_counter()
        while time.perf_counter() - self.last_output() < seconds:
            if time.perf_counter() - t0 > timeout:
                return
            check_stop()
            time.sleep(0.05)

    def press(self, key: str) -> float:
        check_stop()
        os.write(self.fd, KEYS[key])
        return time.perf_counter()

    def alive(self) -> bool:
        """True while the process runs (it is reaped once it has exited)."""
        if self.pid not in _children:
            return False
        if os.waitpid(self.pid, os.WNOHANG)[0]:
            _children.discard(self.pid)
            return False
        return True

    def cpu_seconds(self) -> float:
        """User + system CPU time of the process so far (all its threads)."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def memory_mb(self, field: str) -> float:
        """A /proc status field in MB: VmHWM is the peak resident set, VmRSS the current one."""
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
        raise KeyError(field)

    def idle_cpu_percent(self, window: float = IDLE_WINDOW) -> float:
        """CPU used over `window` seconds of wall time, in percent of one core."""
        c0, t0 = self.cpu_seconds(), time.perf_counter()
        time.sleep(window)
        check_stop()
        return 100.0 * (self.cpu_seconds() - c0) / (time.perf_counter() - t0)

    def settle(self, below: float = SETTLED_BELOW, timeout: float = 120.0) -> float:
        """Seconds until a half-second window uses less than `below` % CPU: a step already
        running when the clock stopped is let finish (it is work, not idling)."""
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < timeout and self.idle_cpu_percent(0.5) >= below:
            pass
        return time.perf_counter() - t0

    def close(self, graceful: bool = True) -> None:
        """Quit with `q` (if `graceful`), and kill it if it has not gone within a few seconds."""
        if graceful and self.pid in _children:
            try:
                self.press("quit")
                deadline = time.perf_counter() + 5
                while time.perf_counter() < deadline and self.alive():
                    time.sleep(0.05)
            except OSError:
                pass
        if self.pid in _children:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                os.waitpid(self.pid, 0)
            except ChildProcessError:
                pass
            _children.discard(self.pid)
        self.closed = True
        self.reader.join(timeout=2)
        try:
            os.close(self.fd)
        except OSError:
            pass


@contextlib.contextmanager
def running(args: list[str]) -> Iterator[Tui]:
    """A TUI for the duration of a probe: quit with `q` when it went well, killed at once when
    the probe failed or was interrupted."""
    tui = Tui(args)
    try:
        yield tui
    except BaseException:
        tui.close(graceful=False)
        raise
    tui.close()


def settings(cls, values: dict[str, Any]) -> list[str]:
    """`-s name=value` arguments that give a scene these parameter values."""
    out = []
    for name, value in values.items():
        out += ["-s", f"{name}={cls.param(name).format(value)}"]
    return out


def first_paint(timeout: float = 60.0) -> float:
    """Seconds from starting `calcterm` until the scene picker is on screen."""
    with running([]) as tui:
        tui.wait_for("choose a scene", timeout=timeout)
        return tui.last_output() - tui.started


def speed_label(pattern_speed: str) -> str:
    """The status line's speed as a regex ("2" → a "2×" not preceded by a digit or dot)."""
    return rf"(?<![0-9.]){re.escape(pattern_speed)}×"


def playing_probe(cls, values: dict[str, Any], presses: int, steps: int,
                  seconds: float) -> dict[str, Any]:
    """The scene at `values` playing in the TUI: key-to-repaint latency, peak RSS after
    `steps` animation steps (or `seconds` of play), then idle CPU once paused."""
    with running(["run", cls.id, *settings(cls, values)]) as tui:
        tui.wait_for("paused", timeout=120)
        tui.wait_quiet(timeout=240)
        mark = tui.mark()
        tui.press("space")
        tui.wait_for("playing", since=mark, timeout=30)
        latencies = []
        for i in range(presses):
            target = "2" if i % 2 == 0 else "1"
            mark = tui.mark()
            tui.press("plus" if target == "2" else "minus")
            latencies.append(tui.wait_for(speed_label(target), since=mark, timeout=30))
            time.sleep(0.1)
        still_playing = "playing" in tui.text(since=max(0, tui.mark() - 50))
        start = time.perf_counter()
        step = _last_step(tui.text())
        while step < steps and time.perf_counter() - start < seconds and tui.alive():
            time.sleep(0.1)
            step = _last_step(tui.text(since=max(0, tui.mark() - 50))) or step
        peak = tui.memory_mb("VmHWM")
        mark = tui.mark()
        tui.press("space")
        tui.wait_for("paused|finished", since=mark, timeout=60)
        tui.wait_quiet(timeout=30)
        settled = tui.settle()
        idle = tui.idle_cpu_percent()
    timing = percentiles(latencies)
    return {
        "key_latency_ms": {"p50": timing["median_ms"], "p95": timing["p95_ms"],
                           "presses": len(latencies), "playing_throughout": still_playing},
        "peak_rss_mb": peak, "steps": step, "idle_cpu_percent_paused": idle,
        "settle_s": settled,
    }


def finished_probe(cls, expected_seconds: float) -> dict[str, Any]:
    """A scene as it opens (paused) and then played to its end at 4×: idle CPU in both
    states, and its RSS."""
    with running(["run", cls.id]) as tui:
        tui.wait_for("paused", timeout=120)
        tui.wait_quiet(timeout=120)
        baseline = tui.memory_mb("VmRSS")
        paused = tui.idle_cpu_percent()
        for _ in range(2):  # 1× → 4×
            tui.press("plus")
            time.sleep(0.05)
        mark = tui.mark()
        tui.press("space")
        tui.wait_for("finished", since=mark, timeout=30 + 3 * expected_seconds)
        tui.wait_quiet(timeout=30)
        idle = tui.idle_cpu_percent()
    return {"idle_cpu_percent_paused": paused, "idle_cpu_percent_finished": idle,
            "rss_mb": baseline}


def _last_step(text: str) -> int:
    found = re.findall(r"step (\d+)", text)
    return int(found[-1]) if found else 0
