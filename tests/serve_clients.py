"""Real websocket clients and a real `calcterm serve` process, for the serve tests and the
classroom load script. Everything runs on 127.0.0.1 only.

A client speaks textual-serve's protocol as textual.js does: it opens /ws?width=W&height=H
with the page's Origin, sends JSON text messages (["stdin", keys], ["resize", {...}]) and
receives the terminal output as binary messages, which pyte turns into a screen of text.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import pyte

from calcterm.serve_session import group_members

LOOPBACK = "127.0.0.1"


def free_loopback_port() -> int:
    with socket.socket() as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection((LOOPBACK, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_groups_gone(pgids: set[int], timeout: float) -> set[int]:
    """The groups in `pgids` that still have a live member after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        left = {pgid for pgid in pgids if group_members(pgid)}
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


def status_kb(pid: int, field: str) -> int:
    """A `kB` field of /proc/PID/status (VmRSS, VmHWM); 0 once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def pss_kb(pid: int) -> int:
    """Proportional set size (shared pages split among their users); 0 when unavailable."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class ServeProcess:
    """`python -m calcterm serve` on a free loopback port, its output in a log file."""

    def __init__(self, workdir: Path, max_sessions: int = 4, *extra: str) -> None:
        self.port = free_loopback_port()
        self.log_path = workdir / f"serve-{self.port}.log"
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "calcterm", "serve", "--port", str(self.port),
             "--max-sessions", str(max_sessions), *extra],
            cwd=workdir, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 30
        while not accepts_connections(self.port):
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise AssertionError(f"calcterm serve did not start:\n{self.log()}")
            time.sleep(0.05)

    @property
    def origin(self) -> str:
        return f"http://{LOOPBACK}:{self.port}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_log(self, text: str, timeout: float = 10) -> bool:
        """Wait until `text` appears in the server's log."""
        deadline = time.monotonic() + timeout
        while text not in self.log():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def session_pids(self) -> set[int]:
        """Pids (= process group ids) of every session the server has reported starting."""
        return {int(pid) for pid in re.findall(r"started \(pid (\d+)", self.log())}

    def close(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int | None:
        """Stop the server with `sig` (if it still runs); return its exit status."""
        if self.process.poll() is None:
            os.kill(self.process.pid, sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self._log.close()
        return self.process.returncode

    def kill_leftovers(self) -> None:
        """Last-resort cleanup for a failed test: SIGKILL every session group still alive."""
        for pgid in self.session_pids():
            if group_members(pgid):
                try:
                    os.killpg(pgid, signal.SIGKILL)
                except OSError:
                    pass


class Client:
    """One browser tab's websocket, with a pyte screen of what it was sent."""

    def __init__(self, http: aiohttp.ClientSession, port: int, width: int = 100,
                 height: int = 30) -> None:
        self.http, self.port = http, port
        self.width, self.height = width, height
        self.screen = pyte.Screen(width, height)
        self.stream = pyte.ByteStream(self.screen)
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.received = 0
        self.render = True
        self.texts: list[str] = []  # JSON text messages from the server (pong, downloads)

    async def connect(self, origin: str | None = None, query: str | None = None) -> None:
        origin = origin if origin is not None else f"http://{LOOPBACK}:{self.port}"
        query = query or f"width={self.width}&height={self.height}"
        self.ws = await self.http.ws_connect(f"http://{LOOPBACK}:{self.port}/ws?{query}",
                                             origin=origin, max_msg_size=0)

    async def send(self, kind: str, data: object = None) -> None:
        assert self.ws is not None
        await self.ws.send_json([kind, data] if data is not None else [kind])

    async def pump(self, seconds: float) -> aiohttp.WSMessage | None:
        """Read output for up to `seconds`; return the closing message if the socket closed."""
        assert self.ws is not None
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = await self.ws.receive(timeout=left)
            except asyncio.TimeoutError:
                return None
            if message.type == aiohttp.WSMsgType.BINARY:
                self.received += len(message.data)
                if self.render:
                    self.stream.feed(message.data)
            elif message.type == aiohttp.WSMsgType.TEXT:
                self.texts.append(message.data)
            elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED,
                                  aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.ERROR):
                return message
        return None

    def text(self) -> str:
        return "\n".join(self.screen.display)

    async def wait_for(self, needle: str, timeout: float) -> bool:
        """Read output until `needle` is on the screen (True) or `timeout` passes (False)."""
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if await self.pump(min(left, 0.1)) is not None:
                return needle in self.text()
        return True

    async def close(self) -> None:
        if self.ws is not None and not self.ws.closed:
            await self.ws.close()
