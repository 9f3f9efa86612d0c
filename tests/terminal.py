"""A real pseudo-terminal running the installed `calcterm`, read through the pyte emulator.

The tests drive it with the bytes a keyboard sends and assert on what a person would see.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import sys
import termios
import threading
import time
from pathlib import Path

import pyte

KEYS = {
    "enter": b"\r", "escape": b"\x1b", "up": b"\x1b[A", "down": b"\x1b[B", "right": b"\x1b[C",
    "left": b"\x1b[D", "space": b" ", "tab": b"\t",
}
CALCTERM = str(Path(sys.executable).with_name("calcterm"))


class Terminal:
    def __init__(self, args: list[str], cols: int = 120, rows: int = 40,
                 env: dict[str, str] | None = None) -> None:
        self.screen = pyte.Screen(cols, rows)
        self.stream = pyte.ByteStream(self.screen)
        self.raw = bytearray()
        self.lock = threading.Lock()
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

    def text(self) -> str:
        with self.lock:
            return "\n".join(self.screen.display)

    def wait_for(self, *needles: str, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.text()
            if all(n in text for n in needles):
                return text
            time.sleep(0.05)
        raise AssertionError(f"never saw {needles!r} on screen:\n{self.text()}")

    def press(self, *keys: str, pause: float = 0.15) -> None:
        for key in keys:
            os.write(self.fd, KEYS.get(key, key.encode()))
            time.sleep(pause)

    def resize(self, cols: int, rows: int) -> None:
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        with self.lock:
            self.screen.resize(rows, cols)
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
