"""textual-serve's server, made safe to share with a classroom (imported only by `calcterm serve`).

textual-serve 1.1.x starts one shell per websocket and trusts every message. Here:
- a middleware refuses (403) any request whose Host is not this server, or whose Origin is
  another site's (serve_policy.OriginPolicy);
- at most `max_sessions` sessions run at once; beyond that the page says so (503) and a
  websocket gets a one-screen notice and is closed (1013, try again later);
- sizes are clamped, messages are bounded (64 KiB), checked, and paced, and a malformed one is
  one log line (the session is closed after MAX_MALFORMED of them);
- each session is a process group (serve_session) that is killed when its client leaves, when
  the server stops, and, through the lifeline, when the server dies.
Log lines never carry tracebacks: OneLineFormatter folds any exception into one line.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import sys
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import WSCloseCode, WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from calcterm import serve_policy as policy
from calcterm.serve_session import Lifeline, kill_group, session_command

log = logging.getLogger("calcterm.serve")

QUIT_GRACE = 2.0
"""Seconds a session has to quit by itself once asked, before its group is killed."""
STDERR_TAIL = 4096
MAX_PACKET = 16 * 1024 * 1024
MAX_LOG_LINE = 400


class OneLineFormatter(logging.Formatter):
    """'calcterm serve: message', with any exception reduced to its type and a short text."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            message = f"{message} ({type(error).__name__}: {policy.short(error, 120)})"
        line = " | ".join(message.splitlines())
        return "calcterm serve: " + (line if len(line) <= MAX_LOG_LINE else line[:MAX_LOG_LINE] + "…")


class SessionService(AppService):
    """One browser tab's calcterm process, in its own process group, with a bounded stop."""

    def __init__(self, argv: list[str], lifeline_fd: int, number: int, **kwargs: Any) -> None:
        super().__init__(" ".join(argv), **kwargs)
        self.argv = argv
        self.lifeline_fd = lifeline_fd
        self.number = number
        self.pgid: int | None = None
        self._stopping: asyncio.Task[None] | None = None

    def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
        environment = super()._build_environment(width, height)
        environment["TEXTUAL_FPS"] = "30"  # calcterm animates at 30 frames a second
        return environment

    async def _open_app_process(self, width: int = 80, height: int = 24) -> asyncio.subprocess.Process:
        self._process = process = await asyncio.create_subprocess_exec(
            *self.argv,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=self._build_environment(width, height),
            start_new_session=True,
            pass_fds=(self.lifeline_fd,),
        )
        self.pgid = process.pid
        assert process.stdin is not None
        self._stdin = process.stdin
        return process

    async def send_meta(self, data: dict[str, Any]) -> bool:
        try:
            return await super().send_meta(data)
        except (OSError, AssertionError):  # the pipe is gone: the process has ended
            return False

    async def send_bytes(self, data: bytes) -> bool:
        try:
            return await super().send_bytes(data)
        except (OSError, AssertionError):
            return False

    async def stop(self, grace: float = QUIT_GRACE) -> None:
        """Ask the session to quit, give it `grace` seconds, then kill its process group.

        Idempotent and safe to call from several tasks (the websocket handler, shutdown).
        """
        if self._process is None:
            return
        if self._stopping is None:
            self._stopping = asyncio.ensure_future(self._stop(grace))
        await asyncio.shield(self._stopping)

    async def _stop(self, grace: float) -> None:
        process = self._process
        assert process is not None and self.pgid is not None
        await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
        if process.returncode is None:
            await self.send_meta({"type": "quit"})
            try:
                await asyncio.wait_for(process.wait(), grace)
            except asyncio.TimeoutError:
                log.info("session %d did not quit within %.0f s; ending its process group",
                         self.number, grace)
        kill_group(self.pgid)  # also any process it started, even if it quit by itself
        await process.wait()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, grace)
            except asyncio.TimeoutError:
                self._task.cancel()
            self._task = None

    async def run(self) -> None:
        """Relay the session's packets to the browser until its stdout closes.

        As textual-serve's own loop, but stderr keeps only its last few KiB and is reported
        in one line, and a packet larger than MAX_PACKET ends the relay.
        """
        process = self._process
        assert process is not None and process.stdout and process.stderr
        stdout, stderr = process.stdout, process.stderr
        tail = bytearray()

        async def read_stderr() -> None:
            while chunk := await stderr.read(4096):
                tail.extend(chunk)
                del tail[:-STDERR_TAIL]

        stderr_task = asyncio.create_task(read_stderr())
        handlers = {b"D": self.on_data, b"M": self.on_meta, b"P": self.on_packed}
        try:
            for _ in range(10):
                line = await stdout.readline()
                if not line or line == b"__GANGLION__\n":
                    break
            if line != b"__GANGLION__\n":
                log.warning("session %d failed to start", self.number)
                return
            while True:
                kind = await stdout.readexactly(1)
                size = int.from_bytes(await stdout.readexactly(4), "big")
                if size > MAX_PACKET or kind not in handlers:
                    log.warning("session %d sent a bad packet; relay stopped", self.number)
                    return
                await handlers[kind](await stdout.readexactly(size))
        except (asyncio.IncompleteReadError, ConnectionResetError, ValueError):
            pass
        finally:
            stderr_task.cancel()
            await asyncio.gather(stderr_task, return_exceptions=True)
            lines = bytes(tail).decode("utf-8", "replace").strip().splitlines()
            if lines:
                log.warning("session %d wrote to stderr: %s", self.number,
                            policy.short(lines[-1], 160))


class ClassroomServer(Server):
    """textual-serve's Server with the checks and limits listed in the module docstring."""

    def __init__(self, *, host: str, port: int, public_url: str, max_sessions: int,
                 lang: str, banner: str) -> None:
        super().__init__("calcterm", host=host, port=port, title="calcterm", public_url=public_url)
        self.policy = policy.OriginPolicy(host, port)
        self.max_sessions = max_sessions
        self.lang = lang
        self.banner = banner
        self.services: set[SessionService] = set()
        self.handlers: set[asyncio.Task[Any]] = set()
        self.lifeline = Lifeline()
        self.started = 0

    def initialize_logging(self) -> None:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(OneLineFormatter())
        root = logging.getLogger()
        root.handlers[:] = [handler]
        root.setLevel(logging.INFO)
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

    @web.middleware
    async def guard(self, request: web.Request, handler: Any) -> web.StreamResponse:
        """Refuse, with 403 and one log line, any request that is not from this server's origin."""
        websocket = request.headers.get("Upgrade", "").lower() == "websocket"
        reason = self.policy.refusal(request.headers.get("Host"), request.headers.get("Origin"),
                                     websocket or request.path == "/ws",
                                     request.headers.get("Sec-Fetch-Site"),
                                     request.headers.get("Sec-Fetch-Mode"))
        if reason is not None:
            log.warning("refused %s %s: %s", request.method, policy.short(request.path), reason)
            return web.Response(status=403, text=f"403 Forbidden: {reason}\n")
        return await handler(request)

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self.guard], client_max_size=policy.MAX_MESSAGE_BYTES)
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes([
            web.get("/", self.handle_index, name="index"),
            web.get("/ws", self.handle_websocket, name="websocket"),
            web.get("/download/{key}", self.handle_download, name="download"),
            web.static("/static", self.statics_path, name="static"),
        ])
        app.on_startup.append(self.on_startup)
        app.on_shutdown.append(self.on_shutdown)
        return app

    def serve(self, debug: bool = False) -> None:
        """Run until SIGINT/SIGTERM; then end every session's process group before returning."""
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, self.request_exit)
        try:
            web.run_app(self._make_app(), host=self.host, port=self.port, handle_signals=False,
                        loop=loop, print=None, access_log=None, shutdown_timeout=QUIT_GRACE + 3)
        finally:
            for service in list(self.services):  # anything shutdown could not reach
                if service.pgid is not None:
                    kill_group(service.pgid)
            self.lifeline.close()

    async def on_startup(self, app: web.Application) -> None:
        print(self.banner, flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        """Stop every session (quit, then kill its group), then release their handlers."""
        await asyncio.gather(*(service.stop() for service in list(self.services)),
                             return_exceptions=True)
        for task in list(self.handlers):
            task.cancel()

    def full(self) -> bool:
        return len(self.services) >= self.max_sessions

    async def handle_index(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        """The page, with every URL on the origin the browser used (its Host, already checked)."""
        if self.full():
            return web.Response(status=503, text=policy.full_page(self.max_sessions),
                                content_type="text/html", headers={"Retry-After": "30"})
        base = f"http://{request.host}"
        font = request.query.get("fontsize", "16")
        font_size = min(max(int(font), 6), 48) if font.isdigit() and len(font) <= 3 else 16
        context = {
            "font_size": font_size,
            "app_websocket_url": f"ws://{request.host}/ws",
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
        """One session per websocket, within the cap; ended when the socket closes."""
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=policy.MAX_MESSAGE_BYTES)
        await websocket.prepare(request)
        if self.full():
            log.warning("refused a session: all %d in use", self.max_sessions)
            await websocket.send_bytes(policy.full_terminal_text(self.max_sessions).encode())
            await websocket.close(code=WSCloseCode.TRY_AGAIN_LATER, message=b"calcterm is full")
            return websocket
        width, height = policy.size_from_query(request.query.get("width"),
                                               request.query.get("height"))
        self.started += 1
        service = SessionService(
            session_command(self.lifeline.read_fd, self.lang), self.lifeline.read_fd,
            self.started, write_bytes=websocket.send_bytes, write_str=websocket.send_str,
            close=websocket.close, download_manager=self.download_manager,
        )
        self.services.add(service)  # no await since full(): the cap cannot be overrun
        task = asyncio.current_task()
        if task is not None:
            self.handlers.add(task)
        try:
            await service.start(width, height)
            log.info("session %d started (pid %d, %dx%d); %d of %d in use", service.number,
                     service.pgid, width, height, len(self.services), self.max_sessions)
            await self.relay(websocket, service)
        except asyncio.CancelledError:
            pass
        except Exception as error:  # one line, never a traceback
            log.warning("session %d: %s: %s", service.number, type(error).__name__,
                        policy.short(error, 120))
        finally:
            await service.stop()
            self.services.discard(service)
            if task is not None:
                self.handlers.discard(task)
            if not websocket.closed:
                await websocket.close()
            log.info("session %d ended; %d of %d in use", service.number, len(self.services),
                     self.max_sessions)
        return websocket

    async def relay(self, websocket: web.WebSocketResponse, service: SessionService) -> None:
        """Check each message from the page and pass the good ones on to the session."""
        bucket = policy.TokenBucket()
        malformed = 0
        async for message in websocket:
            if message.type == WSMsgType.ERROR:
                log.warning("session %d: websocket closed: %s", service.number,
                            policy.short(message.data, 120))
                break
            try:
                if message.type != WSMsgType.TEXT:
                    raise policy.Malformed(f"{message.type.name.lower()} message")
                parsed = policy.parse_message(message.data)
            except policy.Malformed as error:
                malformed += 1
                log.warning("session %d: malformed message ignored: %s", service.number, error)
                if malformed >= policy.MAX_MALFORMED:
                    log.warning("session %d: %d malformed messages; closing", service.number,
                                malformed)
                    await websocket.close(code=WSCloseCode.POLICY_VIOLATION)
                    break
                continue
            if parsed.kind == "stdin":
                data = parsed.text.encode("utf-8", "replace")
                if wait := bucket.delay(len(data)):
                    await asyncio.sleep(wait)
                await service.send_bytes(data)
            elif parsed.kind == "resize":
                await service.set_terminal_size(*parsed.size)
            elif parsed.kind == "ping":
                await websocket.send_json(["pong", parsed.text])
            elif parsed.kind == "blur":
                await service.blur()
            elif parsed.kind == "focus":
                await service.focus()
