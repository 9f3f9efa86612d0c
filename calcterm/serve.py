"""Serve the calcterm TUI to a web browser with textual-serve (the optional `serve` extra).

Each browser tab gets its own `python -m calcterm` process, driven over a websocket; nothing
else is exposed. The server binds to loopback by default because anyone who can reach the
port gets a calcterm of their own, with this user's rights (it can save files).
"""

from __future__ import annotations

import asyncio
import ipaddress
import shlex
import socket
import sys

INSTALL_HINT = "textual-serve is not installed: pip install 'calcterm[serve]'"


class ServeUnavailable(RuntimeError):
    """textual-serve is missing; `str(error)` is the one-line message for the user."""


def is_loopback(host: str) -> bool:
    """True when `host` names only this machine (`localhost`, 127.0.0.0/8, ::1)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def serve(host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the calcterm TUI on http://HOST:PORT until interrupted (Ctrl+C or SIGTERM).

    Why: the same TUI in a browser needs no terminal at all. textual-serve is imported here,
    lazily, so calcterm works (and starts fast) without the extra.

    Raises:
        ServeUnavailable: textual-serve is not installed (the message is one line).
        OSError: the address cannot be bound (port in use, unknown host); `str(error)` is one
            line such as "[Errno 98] cannot listen on http://127.0.0.1:8000: Address already in
            use".
    """
    try:
        from aiohttp import web
        from textual_serve.server import Server
    except ImportError as error:
        raise ServeUnavailable(INSTALL_HINT) from error

    host = host.strip("[]")
    url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    try:  # fail before saying "listening" (aiohttp binds only after on_startup has run)
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp does
            probe.bind((host, port))
    except OSError as error:
        raise OSError(error.errno, f"cannot listen on {url}: {error.strerror or error}") from error
    command = f"{shlex.quote(sys.executable)} -m calcterm"
    if is_loopback(host):
        line = f"calcterm serve: listening on {url} (loopback only: this machine only)"
    else:
        line = (
            f"calcterm serve: WARNING: listening on {url}, which is NOT loopback: anyone who can "
            "reach it gets a calcterm running as you"
        )

    class _Server(Server):
        """textual-serve's server, with one status line and a prompt stop.

        aiohttp waits up to 60 s for open websockets on shutdown, so Ctrl+C with a tab open
        would hang; cancelling each session instead tells its calcterm process to quit now.
        """

        sessions: set[asyncio.Task[object]] = set()

        async def on_startup(self, app: web.Application) -> None:
            print(line, flush=True)  # instead of textual-serve's banner

        async def on_shutdown(self, app: web.Application) -> None:
            for task in list(self.sessions):
                task.cancel()

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            task = asyncio.current_task()
            assert task is not None
            self.sessions.add(task)
            try:
                return await super().handle_websocket(request)
            finally:
                self.sessions.discard(task)

    _Server(command, host=host, port=port, title="calcterm", public_url=url).serve()
