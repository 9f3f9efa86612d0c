"""`calcterm.serve` end to end: the TUI served by textual-serve, opened in real headless Chromium.

Chromium is driven over the DevTools protocol through `--remote-debugging-pipe` (JSON messages
separated by NUL bytes on file descriptors 3 and 4), so the test needs only the standard
library. xterm.js draws the terminal on a canvas, so its text is not in the DOM; a script added
before the page loads keeps a reference to the page's xterm `Terminal`, and the test reads the
rendered screen from its buffer (xterm's public `buffer.active.getLine().translateToString()`).
"""

from __future__ import annotations

import base64
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import pytest

APT_LINE = "apt-get install -y --no-install-recommends chromium"
BROWSERS = ("chromium", "chromium-browser")
REQUIRE_BROWSER = "CALCTERM_REQUIRE_BROWSER"  # =1: a missing Chromium fails (CI sets it)
PICKER_TITLE = "calcterm — choose a scene"
SCENE_ID = "tangent"

# Runs before textual.js: the first object assigned to a `.terminal` property that looks like
# an xterm Terminal (textual.js does `this.terminal = new Terminal(...)`) is kept on `window`.
# The setter turns each assignment into an ordinary own property, so nothing else changes.
CAPTURE_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "terminal", {
      value, writable: true, enumerable: true, configurable: true,
    });
    if (value && value.buffer && typeof value.onData === "function") {
      window.__calctermTerminal = value;
      delete Object.prototype.terminal;
    }
  },
});
"""

READ_SCREEN = """
(() => {
  const term = window.__calctermTerminal;
  if (!term) return null;
  const buffer = term.buffer.active;
  const lines = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    lines.push(line ? line.translateToString(true) : "");
  }
  return lines.join("\\n");
})()
"""

# The page fades the terminal in (opacity 0 -> 1 over 0.3 s) once the first bytes arrive.
TERMINAL_SHOWN = """
new Promise((resolve) => {
  const el = document.querySelector(".textual-terminal");
  const shown = () => document.body.classList.contains("-first-byte")
    && getComputedStyle(el).opacity === "1";
  const deadline = Date.now() + 5000;
  const poll = () => (shown() || Date.now() > deadline)
    ? requestAnimationFrame(() => requestAnimationFrame(() => resolve(shown())))
    : setTimeout(poll, 50);
  poll();
})
"""


def free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def descendants(pid: int) -> set[int]:
    """Every live process below `pid` (children, grandchildren, ...), from /proc."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found: set[int] = set()
    frontier = {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


def alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def group_members(pgid: int) -> set[int]:
    """Live (non-zombie) processes in process group `pgid`."""
    members = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state, _ppid, pgrp = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:3]
            except (OSError, ValueError):
                continue
            if int(pgrp) == pgid and state != "Z":
                members.add(int(entry.name))
    return members


def wait_gone(pids: set[int], timeout: float) -> set[int]:
    deadline = time.monotonic() + timeout
    while (left := {pid for pid in pids if alive(pid)}) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


class Chromium:
    """Headless Chromium with a minimal DevTools-protocol client over --remote-debugging-pipe."""

    def __init__(self, executable: str, profile: str) -> None:
        to_chrome_r, self._to_chrome = os.pipe()
        self._from_chrome, from_chrome_w = os.pipe()

        def map_pipes() -> None:  # in the child: its fd 3 reads commands, fd 4 writes replies
            read_end, write_end = os.dup(to_chrome_r), os.dup(from_chrome_w)
            os.dup2(read_end, 3)
            os.dup2(write_end, 4)

        self.process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                "--remote-debugging-pipe",
                "--window-size=1280,800",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=map_pipes,
            pass_fds=(3, 4),
            start_new_session=True,
        )
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._next_id = 0
        self._replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        pending = b""
        try:
            while chunk := os.read(self._from_chrome, 1 << 16):
                pending += chunk
                *messages, pending = pending.split(b"\0")
                for message in messages:
                    self._replies.put(json.loads(message))
        except OSError:
            pass
        self._replies.put(None)  # Chromium closed its end

    def call(
        self, method: str, session: str | None = None, timeout: float = 10, **params: Any
    ) -> Any:
        """Send one DevTools command and wait for its result (events are skipped)."""
        self._next_id += 1
        command: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            command["sessionId"] = session
        os.write(self._to_chrome, json.dumps(command).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            try:
                reply = self._replies.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"Chromium did not answer {method} in {timeout} s") from None
            if reply is None:
                raise AssertionError(f"Chromium exited while answering {method}")
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise AssertionError(f"{method} failed: {reply['error']}")
                return reply["result"]

    def close(self) -> None:
        """Ask Chromium to quit, then make sure its whole process group is gone."""
        if self.process.poll() is None:
            try:
                self.call("Browser.close", timeout=5)
            except (AssertionError, OSError):
                pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        try:  # its renderer, GPU and zygote processes share the group we started it in
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.process.wait(timeout=10)
        left = wait_gone(group_members(self.process.pid), timeout=5)
        assert not left, f"Chromium processes survived SIGKILL: {sorted(left)}"
        self._reader.join(timeout=5)  # ends at EOF, once every Chromium process is gone
        for fd in (self._to_chrome, self._from_chrome):
            try:
                os.close(fd)
            except OSError:
                pass


def test_serve_shows_the_picker_in_headless_chromium(tmp_path: Path) -> None:
    """The served page renders the scene picker in real Chromium; the server stops by its pid."""
    executable = next(filter(None, map(shutil.which, BROWSERS)), None)
    if executable is None:
        message = (f"needs headless Chromium, which is not installed (looked for "
                   f"{' and '.join(BROWSERS)} on PATH). To run this test install it, e.g. "
                   f"`sudo {APT_LINE}` on Debian/Ubuntu, or your system's Chromium package; "
                   f"{REQUIRE_BROWSER}=1 makes its absence a failure (as in CI)")
        if os.environ.get(REQUIRE_BROWSER) == "1":
            pytest.fail(message)
        pytest.skip(message)

    port = free_loopback_port()
    log_path = tmp_path / "serve.log"
    log = log_path.open("wb")
    server = subprocess.Popen(
        [sys.executable, "-c", f"from calcterm.serve import serve; serve('127.0.0.1', {port})"],
        cwd=tmp_path,
        stdin=subprocess.DEVNULL,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    browser: Chromium | None = None
    children: set[int] = set()
    profile = tempfile.mkdtemp(prefix="calcterm-chromium-")
    started = time.monotonic()
    try:
        deadline = time.monotonic() + 20
        while not accepts_connections(port):
            assert server.poll() is None, f"server exited early:\n{log_path.read_text()}"
            assert time.monotonic() < deadline, f"not listening after 20 s:\n{log_path.read_text()}"
            time.sleep(0.1)
        first_line = log_path.read_text().splitlines()[0]
        assert first_line == (
            f"calcterm serve: listening on http://127.0.0.1:{port} "
            "(loopback only: this machine only)"
        )

        browser = Chromium(executable, profile)
        target = browser.call("Target.createTarget", url="about:blank")["targetId"]
        session = browser.call("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        browser.call("Page.enable", session)
        browser.call("Page.addScriptToEvaluateOnNewDocument", session, source=CAPTURE_TERMINAL)
        browser.call("Page.navigate", session, url=f"http://127.0.0.1:{port}/")

        screen: str | None = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            result = browser.call(
                "Runtime.evaluate", session, expression=READ_SCREEN, returnByValue=True
            )
            screen = result["result"].get("value")
            if screen and PICKER_TITLE in screen and SCENE_ID in screen:
                break
            time.sleep(0.2)
        else:
            pytest.fail(f"no scene picker in the page after 30 s; terminal text:\n{screen}\n"
                        f"server log:\n{log_path.read_text()}")

        shown = browser.call(
            "Runtime.evaluate",
            session,
            expression=TERMINAL_SHOWN,
            awaitPromise=True,
            returnByValue=True,
        )["result"]["value"]
        assert shown, "the terminal never became visible (opacity 1) in the page"
        capture = browser.call("Page.captureScreenshot", session, format="png")
        png = base64.b64decode(capture["data"])
        screenshot = tmp_path / "serve-picker.png"
        screenshot.write_bytes(png)
        assert png.startswith(b"\x89PNG\r\n\x1a\n"), screenshot
        width = int.from_bytes(png[16:20], "big")  # the IHDR chunk
        assert width == 1280 and len(png) > 20_000, (width, len(png), screenshot)
        print(f"screenshot: {screenshot}; page ready after {time.monotonic() - started:.1f} s")

        # Stop the server by its own pid (while the browser is still connected, as a user
        # pressing Ctrl+C would); it must take its calcterm processes with it.
        children = descendants(server.pid)
        assert children, "the server started no calcterm process for the page"
        os.kill(server.pid, signal.SIGTERM)
        assert server.wait(timeout=15) == 0, log_path.read_text()
        assert not alive(server.pid)
        left = wait_gone(children, timeout=10)
        assert not left, f"processes left behind by the server: {sorted(left)}"
        assert not accepts_connections(port)
    finally:
        if browser is not None:
            browser.close()
        if server.poll() is None:
            children |= descendants(server.pid)
            server.kill()
            server.wait(timeout=10)
        for pid in children:
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        log.close()
        shutil.rmtree(profile, ignore_errors=True)
