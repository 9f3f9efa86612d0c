"""What `calcterm serve` accepts from a browser, as plain functions (no aiohttp, no Textual).

Why a separate module: every rule here is a decision about untrusted input (which origin may
start a session, how large a terminal a client may ask for, what a well-formed message is, how
fast keystrokes may arrive), and each is easier to test and to read without a server around it.
"""

from __future__ import annotations

import ipaddress
import json
import math
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

DEFAULT_MAX_SESSIONS = 24
"""Sessions served at once unless --max-sessions says otherwise: a class, with room to spare.
Each session is one calcterm process: about 60–75 MB resident, 47 MB proportional (shared
pages split), so 24 sessions take about 1.1 GB (tests/classroom_load.py measures it)."""

MIN_SIZE = (20, 8)
MAX_SIZE = (300, 100)
"""Terminal sizes a client may ask for, in cells. 300×100 is a 4K screen at a small font;
cost grows with the cell count, so an unbounded size is an unbounded memory and CPU bill."""

DEFAULT_SIZE = (80, 24)
MAX_MESSAGE_BYTES = 64 * 1024
"""Largest websocket message accepted; a larger one closes the connection (code 1009). The
editor takes at most 1000 characters, so this leaves a paste of several screens of text."""

STDIN_RATE = 2 * 1024
STDIN_BURST = 64 * 1024
"""Keystroke bytes per second a session is fed (burst: a whole maximal message at once).
Faster input is delayed, not dropped, so the reader slows the client instead of queueing.
Typing and mouse motion stay far below 2 KiB/s, and a paste is one bracketed message; the
rate is low because Textual queues every key event without limit, and a loaded session
handles only a few thousand a second."""

MAX_MALFORMED = 10
"""Malformed messages tolerated (each logged in one line) before the session is closed."""

MAX_PING_CHARS = 64
QUOTE_CHARS = 40


class Malformed(ValueError):
    """A message from the client that does not follow textual-serve's protocol; one line."""


def short(text: object, limit: int = QUOTE_CHARS) -> str:
    """`text` quoted for a log or error line: at most `limit` characters of it, on one line."""
    text = str(text)
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}… ({len(text)} characters)"


def clamp_size(width: object, height: object) -> tuple[int, int]:
    """A client's requested terminal size, clamped to MIN_SIZE..MAX_SIZE.

    Any finite number is accepted and clamped (1e308 becomes the maximum); anything else
    (strings, booleans, NaN, infinities) is Malformed, because a browser never sends it.
    """
    size = []
    for name, value, low, high in zip(("width", "height"), (width, height), MIN_SIZE, MAX_SIZE):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Malformed(f"{name} is not a number: {short(value)}")
        if isinstance(value, float) and not math.isfinite(value):
            raise Malformed(f"{name} is not finite: {value!r}")
        size.append(int(min(max(value, low), high)))
    return size[0], size[1]


def size_from_query(width: str | None, height: str | None) -> tuple[int, int]:
    """The size in the websocket URL (`?width=W&height=H`), clamped; defaults where unreadable.

    The digits are bounded before int() so a 5000-digit number costs nothing.
    """
    values: list[int] = []
    for text, default in zip((width, height), DEFAULT_SIZE):
        text = (text or "").strip()
        values.append(int(text) if text.isdigit() and len(text) <= 6 else default)
    return clamp_size(*values)


@dataclass(frozen=True)
class Message:
    """One well-formed message from the page: `kind` and its checked payload."""

    kind: str
    text: str = ""
    size: tuple[int, int] = DEFAULT_SIZE


def parse_message(raw: str) -> Message:
    """Check one websocket text message against the protocol textual.js speaks.

    Accepted: ["stdin", str], ["resize", {"width": n, "height": n}] (clamped),
    ["ping", short str], ["blur"], ["focus"]. Everything else raises Malformed.
    """
    try:
        envelope = json.loads(raw)
    except (ValueError, RecursionError) as error:
        raise Malformed(f"not JSON ({type(error).__name__})") from None
    if not isinstance(envelope, list) or not envelope or not isinstance(envelope[0], str):
        raise Malformed(f"not a [type, data] list: {short(raw)}")
    kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
    if kind == "stdin":
        if not isinstance(data, str):
            raise Malformed("stdin data is not a string")
        return Message(kind, text=data)
    if kind == "resize":
        if not isinstance(data, dict) or "width" not in data or "height" not in data:
            raise Malformed("resize without width and height")
        return Message(kind, size=clamp_size(data["width"], data["height"]))
    if kind == "ping":
        if not isinstance(data, str) or len(data) > MAX_PING_CHARS:
            raise Malformed("ping data is not a short string")
        return Message(kind, text=data)
    if kind in ("blur", "focus"):
        return Message(kind)
    raise Malformed(f"unknown message type {short(kind)}")


class TokenBucket:
    """Paces a byte stream to `rate` bytes per second with bursts of up to `burst` bytes."""

    def __init__(self, rate: float = STDIN_RATE, burst: float = STDIN_BURST,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst, self.clock = rate, burst, clock
        self.tokens = burst
        self.last = clock()

    def delay(self, size: int) -> float:
        """Take `size` bytes; return how many seconds to wait before passing them on."""
        now = self.clock()
        self.tokens = min(self.burst, self.tokens + (now - self.last) * self.rate)
        self.last = now
        self.tokens -= size
        return max(0.0, -self.tokens / self.rate)


WILDCARDS = ("", "0.0.0.0", "::")


def _normal(name: str) -> str:
    """Lower-case host name, or the canonical text of an IP address."""
    name = name.strip().strip("[]").lower().rstrip(".")
    try:
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name


def split_host(value: str, default_port: int = 80) -> tuple[str, int] | None:
    """'name:port', '[v6]:port' or 'name' -> (normalised name, port); None when unreadable."""
    value = value.strip()
    if not value or len(value) > 300:
        return None
    if value.startswith("["):
        name, _, rest = value[1:].partition("]")
        port_text = rest[1:] if rest.startswith(":") else rest
    elif value.count(":") == 1:
        name, _, port_text = value.partition(":")
    else:
        name, port_text = value, ""
    if port_text and not (port_text.isdigit() and len(port_text) <= 5):
        return None
    port = int(port_text) if port_text else default_port
    return (_normal(name), port) if name and 0 < port < 65536 else None


def is_local_address(name: str) -> bool:
    """True when `name` is an IP address of this machine (binding to it succeeds)."""
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        return False
    family = socket.AF_INET6 if address.version == 6 else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.bind((str(address), 0))
        return True
    except OSError:
        return False


class OriginPolicy:
    """Which Host and Origin headers belong to this server, and so may use it.

    Why both: the Origin check stops another web page from opening a session in the user's
    browser (a cross-site websocket); the Host check stops DNS rebinding, where a hostile name
    is made to resolve to this machine so that its page counts as "same origin".
    The names accepted are the address bound, `localhost` for a loopback bind, this machine's
    own names for a non-loopback bind, and any address of this machine for a wildcard bind.
    """

    def __init__(self, host: str, port: int,
                 local_address: Callable[[str], bool] = is_local_address) -> None:
        self.port = port
        self.wildcard = _normal(host) in WILDCARDS
        self.local_address = local_address
        bound = _normal(host)
        names = {bound} - set(WILDCARDS)
        loopback = bound == "localhost" or _is_loopback_ip(bound)
        if loopback or self.wildcard:
            names |= {"localhost"}
        if bound == "localhost":
            names |= {"127.0.0.1", "::1"}
        if not loopback:
            machine = socket.gethostname().lower()
            names |= {machine, f"{machine}.local", socket.getfqdn().lower()}
        self.names = frozenset(names)
        self._local: dict[str, bool] = {}

    def host_allowed(self, host_header: str | None) -> bool:
        """True when the Host header names this server (one of its names, its port)."""
        parsed = split_host(host_header or "")
        if parsed is None or parsed[1] != self.port:
            return False
        name = parsed[0]
        if name in self.names:
            return True
        if not self.wildcard:
            return False
        if name in self._local:
            return self._local[name]
        local = self.local_address(name)
        if len(self._local) < 256:  # bounded: a client may send any number of names
            self._local[name] = local
        return local

    def refusal(self, host_header: str | None, origin: str | None, websocket: bool,
                fetch_site: str | None = None, fetch_mode: str | None = None) -> str | None:
        """Why this request is refused (one line), or None when it may proceed.

        A websocket must carry an Origin equal to the Host it was sent to. Other requests may
        come without an Origin (a browser sends none for a plain navigation), but one that
        carries a foreign Origin, or that the browser marks as a cross-site subresource, is
        refused.
        """
        if not self.host_allowed(host_header):
            return f"Host {short(host_header)} is not this server"
        if origin is None:
            if websocket:
                return "websocket without an Origin"
            if fetch_site == "cross-site" and fetch_mode not in (None, "navigate"):
                return "cross-site subresource request"
            return None
        parts = urlsplit(origin) if len(origin) <= 300 else None
        try:
            origin_port = parts.port if parts else None
        except ValueError:
            origin_port = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            return f"Origin {short(origin)} is not this server"
        origin_port = origin_port or (443 if parts.scheme == "https" else 80)
        if (_normal(parts.hostname), origin_port) != split_host(host_header or ""):
            return f"Origin {short(origin)} is not this server"
        return None


def _is_loopback_ip(name: str) -> bool:
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


FULL_TITLE = "calcterm is full · calcterm 已满"


def full_page(limit: int) -> str:
    """The HTML a browser gets while all `limit` sessions are in use (HTTP 503)."""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>calcterm is full</title>"
        "<meta http-equiv='refresh' content='30'></head>"
        "<body style='font-family: sans-serif; max-width: 40em; margin: 4em auto'>"
        f"<h1>{FULL_TITLE}</h1>"
        f"<p>All {limit} calcterm sessions on this server are in use. This page tries again "
        "every 30 seconds; a session becomes free when someone closes their tab.</p>"
        f"<p>本服务器上的 {limit} 个 calcterm 会话都在使用中。本页每 30 秒重试一次；"
        "有人关闭标签页后即可进入。</p></body></html>"
    )


def full_terminal_text(limit: int) -> str:
    """What a websocket that arrives while the server is full sees before it is closed."""
    return (f"\r\n  {FULL_TITLE}\r\n\r\n  All {limit} sessions are in use; reload later.\r\n"
            f"  {limit} 个会话都在使用中，请稍后重新加载。\r\n")
