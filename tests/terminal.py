"""A real pseudo-terminal running the installed `calcterm`, read through the pyte emulator.

The tests drive it with the bytes a keyboard sends and assert on what a person would see;
after a key they wait for what it should change on screen, never for a fixed time.
"""

from __future__ import annotations

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
from typing import Callable

import pyte

from processes import cpu_seconds, state

KEYS = {
    "enter": b"\r", "escape": b"\x1b", "up": b"\x1b[A", "down": b"\x1b[B", "right": b"\x1b[C",
    "left": b"\x1b[D", "space": b" ", "tab": b"\t",
}
CALCTERM = str(Path(sys.executable).with_name("calcterm"))
ESCAPE_GAP = 0.2
"""A bare ESC followed at once by more bytes reads as Alt+key (or an escape sequence): the
terminal protocol itself needs a gap there, so `press` leaves one after `escape` when more
keys follow in the same call."""


class Terminal:
    def __init__(self, args: list[str], cols: int = 120, rows: int = 40,
                 env: dict[str, str] | None = None) -> None:
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self.lock = threading.Lock()
        self.fed = 0
        """Changes to the emulator so far (output fed, a resize): the screen text is rebuilt only
        after one."""
        self._text: tuple[int, str] = (-1, "")
        inherited = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "COLUMNS", "LINES")}
        environment = {**inherited, "TERM": "xterm-256color", **(env or {})}
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: the terminal is the size we say, then calcterm runs
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
                os.execvpe(args[0], args, environment)
            finally:
                os._exit(127)  # never fall back into the test runner
        self.status: int | None = None
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        while True:
            try:
                ready, _, _ = select.select([self.fd], [], [], 0.05)
                if not ready:
                    if self.status is not None:
                        return
                    continue
                data = os.read(self.fd, 65536)
            except OSError:
                return
            if not data:
                return
            with self.lock:
                self.raw.extend(data)
                self.stream.feed(data)
                self.fed += 1

    def text(self) -> str:
        """The screen as lines of text (joined cell by cell: pyte's own `display` trips over
        an empty cell, which a wide character's neighbour can leave behind)."""
        with self.lock:
            if self._text[0] != self.fed:
                columns, buffer = self.screen.columns, self.screen.buffer
                self._text = (self.fed, "\n".join("".join(buffer[y][x].data for x in range(columns))
                                                  for y in range(self.screen.lines)))
            return self._text[1]

    def wait_until(self, condition: Callable[[str], bool], what: str,
                   timeout: float = 20.0) -> str:
        """The screen text once `condition(text)` holds; fail naming `what` after `timeout` s."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            if condition(text):
                return text
            time.sleep(0.02)
        raise AssertionError(f"never saw {what} on screen ({self.state()}):\n{self.text()}")

    def state(self) -> str:
        """How calcterm stands, for a failure message: its process state and its last output."""
        try:
            process = f"process state {state(self.pid)}, {cpu_seconds(self.pid):.2f} CPU s"
        except ProcessLookupError:
            process = "process gone"
        with self.lock:
            fed, size = self.fed, len(self.raw)
        return f"{process}, {size} bytes read in {fed} chunks"

    def wait_for(self, *needles: str, timeout: float = 20.0) -> str:
        return self.wait_until(lambda text: all(n in text for n in needles), repr(needles), timeout)

    def wait_gone(self, *needles: str, timeout: float = 20.0) -> str:
        return self.wait_until(lambda text: not any(n in text for n in needles),
                               f"{needles!r} gone", timeout)

    def value_after(self, label: str) -> str:
        """The word right after `label` on the screen (a readout value, exactly as shown)."""
        found = re.search(rf"{re.escape(label)}\s+(\S+)", self.text())
        assert found, f"no {label!r} on screen:\n{self.text()}"
        return found.group(1)

    def step(self) -> int:
        """The step counter of the status line (0 if none is shown)."""
        found = re.search(r"step (\d+)", self.text())
        return int(found.group(1)) if found else 0

    def press(self, *keys: str) -> None:
        for i, key in enumerate(keys):
            os.write(self.fd, KEYS.get(key, key.encode()))
            if key == "escape" and i + 1 < len(keys):
                time.sleep(ESCAPE_GAP)

    def resize(self, cols: int, rows: int) -> None:
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        with self.lock:
            self.screen.resize(rows, cols)
            self.fed += 1
        os.kill(self.pid, signal.SIGWINCH)

    def wait_exit(self, timeout: float = 15.0) -> int:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
                self.reader.join(timeout=2)
                return self.status
            time.sleep(0.05)
        self.kill()
        raise AssertionError(f"calcterm did not exit:\n{self.text()}")

    def kill(self) -> None:
        if self.status is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
            self.status = -9
        try:
            os.close(self.fd)
        except OSError:
            pass
