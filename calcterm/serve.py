"""Serve the calcterm TUI to a web browser with textual-serve (the optional `serve` extra).

Each browser tab gets its own calcterm process (calcterm.serve_session), driven over a
websocket; nothing else is exposed. The server binds to loopback by default because anyone who
can reach the port gets a calcterm of their own, running with this user's rights; only pages of
the server's own origin may open a session, and at most `max_sessions` run at once.
"""

from __future__ import annotations

import ipaddress
import socket

from calcterm.serve_policy import DEFAULT_MAX_SESSIONS

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


def serve(host: str = "127.0.0.1", port: int = 8000, max_sessions: int = DEFAULT_MAX_SESSIONS,
          lang: str = "en") -> None:
    """Serve the calcterm TUI on http://HOST:PORT until interrupted (Ctrl+C or SIGTERM).

    Why: the same TUI in a browser needs no terminal at all. textual-serve is imported here,
    lazily, so calcterm works (and starts fast) without the extra. What the server accepts
    (its own origin only, at most `max_sessions` sessions, bounded sizes and messages) and how
    sessions end is described in calcterm.serve_server.

    Raises:
        ServeUnavailable: textual-serve is missing (the message is one line).
        OSError: the address cannot be bound (port in use, unknown host); `str(error)` is one
            line such as "[Errno 98] cannot listen on http://127.0.0.1:8000: Address already in
            use".
        ValueError: `max_sessions` is not at least 1.
    """
    if max_sessions < 1:
        raise ValueError(f"max_sessions must be at least 1, not {max_sessions}")
    try:
        from calcterm.serve_server import ClassroomServer
    except ImportError as error:
        if (error.name or "").split(".")[0] not in ("aiohttp", "aiohttp_jinja2", "jinja2",
                                                     "textual_serve"):
            raise
        raise ServeUnavailable(INSTALL_HINT) from error

    host = host.strip("[]")
    url = f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"
    try:  # fail before saying "listening" (aiohttp binds only after on_startup has run)
        with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as aiohttp does
            probe.bind((host, port))
    except OSError as error:
        raise OSError(error.errno, f"cannot listen on {url}: {error.strerror or error}") from error
    if is_loopback(host):
        line = f"calcterm serve: listening on {url} (loopback only: this machine only)"
    else:
        line = (
            f"calcterm serve: WARNING: listening on {url}, which is NOT loopback: anyone who can "
            "reach it gets a calcterm running as you"
        )
    ClassroomServer(host=host, port=port, public_url=url, max_sessions=max_sessions, lang=lang,
                    banner=line).serve()
