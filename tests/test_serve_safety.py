"""`calcterm serve` under hostile clients (issue 21), through real websockets on 127.0.0.1.

Each test drives a real `python -m calcterm serve` with aiohttp websocket clients and checks
the server's answers, its log and the session processes in /proc. The rules themselves
(origin, size, message checks, pacing) are unit-tested at the end against hand-made cases.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import aiohttp
import pytest

from calcterm import serve_policy as policy
from calcterm.serve_session import Lifeline, group_members
from serve_clients import LOOPBACK, Client, ServeProcess, wait_groups_gone

pytestmark = pytest.mark.xdist_group("serve")  # one worker: the servers share few cores

PICKER = "choose a scene"
SCENE = "Readout"  # on a scene screen, not on the picker
GONE_WITHIN = 6.0  # QUIT_GRACE (2 s) + killing + reaping, with room for a loaded machine


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """One server shared by the tests that need only a session or two at a time."""
    served = ServeProcess(tmp_path_factory.mktemp("serve"), max_sessions=6)
    yield served
    served.close()
    served.kill_leftovers()


async def start_session(http: aiohttp.ClientSession, server: ServeProcess, **size: int) -> Client:
    client = Client(http, server.port, **size)
    await client.connect()
    assert await client.wait_for(PICKER, 30), client.text()
    return client


def newest_pid(server: ServeProcess, before: set[int]) -> int:
    (pid,) = server.session_pids() - before
    return pid


def log_lines_after(server: ServeProcess, mark: int) -> list[str]:
    return server.log()[mark:].splitlines()


async def test_foreign_origin_and_host_get_403_and_no_session(server: ServeProcess) -> None:
    before = server.session_pids()
    url = f"http://{LOOPBACK}:{server.port}"
    async with aiohttp.ClientSession() as http:
        for origin in ("http://evil.example", f"http://evil.example:{server.port}", "null"):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(f"{url}/ws", origin=origin)
            assert refused.value.status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:  # no Origin at all
            await http.ws_connect(f"{url}/ws")
        assert refused.value.status == 403
        rebinding = {"Host": f"evil.example:{server.port}",
                     "Origin": f"http://evil.example:{server.port}"}
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:  # DNS rebinding
            await http.ws_connect(f"{url}/ws", headers=rebinding)
        assert refused.value.status == 403
        async with http.get(url, headers={"Origin": "http://evil.example"}) as page:
            assert page.status == 403
        async with http.get(url, headers={"Host": f"evil.example:{server.port}"}) as page:
            assert page.status == 403
        async with http.get(f"{url}/static/js/textual.js",
                            headers={"Sec-Fetch-Site": "cross-site", "Sec-Fetch-Mode": "no-cors"}) as page:
            assert page.status == 403
        async with http.get(url) as page:  # a plain navigation to the server's own address
            body = await page.text()
            assert page.status == 200
            assert f'data-session-websocket-url="ws://{LOOPBACK}:{server.port}/ws"' in body
        async with http.get(f"http://localhost:{server.port}/") as page:  # the other own name
            assert page.status == 200
            assert f"ws://localhost:{server.port}/ws" in await page.text()
        client = await start_session(http, server)  # the page's own origin is served
        await client.close()
    assert len(server.session_pids() - before) == 1
    assert server.log().count("refused") >= 8


async def test_a_client_leaving_ends_its_process_group(server: ServeProcess) -> None:
    before = server.session_pids()
    async with aiohttp.ClientSession() as http:
        client = await start_session(http, server)
        pid = newest_pid(server, before)
        assert os.getpgid(pid) == pid != os.getpgid(server.process.pid)  # a group of its own
        await client.close()
    assert not wait_groups_gone({pid}, GONE_WITHIN)


async def test_huge_sizes_are_clamped_and_an_overflowing_resize_is_survived(
        server: ServeProcess) -> None:
    before = server.session_pids()
    mark = len(server.log())
    async with aiohttp.ClientSession() as http:
        client = Client(http, server.port, width=policy.MAX_SIZE[0], height=policy.MAX_SIZE[1])
        await client.connect(query="width=5000&height=2000")
        assert await client.wait_for(PICKER, 30), client.text()
        pid = newest_pid(server, before)
        environ = dict(item.split("=", 1) for item in
                       Path(f"/proc/{pid}/environ").read_text().split("\0") if "=" in item)
        assert (environ["COLUMNS"], environ["ROWS"]) == tuple(map(str, policy.MAX_SIZE))
        await client.send("resize", {"width": 1e308, "height": 1e308})
        await client.send("resize", {"width": -1e308, "height": 3})
        await client.send("resize", {"width": 100, "height": 30})
        await client.send("ping", "after-resize")
        assert await client.pump(1.0) is None  # still open
        await client.send("stdin", "\r")  # and still working: Enter opens the first scene
        assert await client.wait_for(SCENE, 20), client.text()
        assert group_members(pid)
        await client.close()
    assert not wait_groups_gone({pid}, GONE_WITHIN)
    lines = log_lines_after(server, mark)
    assert not any("Overflow" in line or "Traceback" in line for line in lines), lines


async def test_a_200_kb_message_closes_the_socket_and_ends_the_session(server: ServeProcess) -> None:
    before = server.session_pids()
    async with aiohttp.ClientSession() as http:
        client = await start_session(http, server)
        pid = newest_pid(server, before)
        rss_before = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        await client.send("stdin", "x" * 200_000)
        closing = await client.pump(10)
        assert closing is not None and client.ws is not None
        assert client.ws.close_code == 1009  # message too big
    assert not wait_groups_gone({pid}, GONE_WITHIN)
    assert rss_before > 0
    assert "exceeds limit 65536" in server.log()


async def test_keystrokes_up_to_the_bound_are_delivered(server: ServeProcess) -> None:
    """A message just under the bound is a normal paste: the session takes it and goes on."""
    before = server.session_pids()
    async with aiohttp.ClientSession() as http:
        client = await start_session(http, server)
        pid = newest_pid(server, before)
        paste = "\x1b[200~" + "j" * (policy.MAX_MESSAGE_BYTES - 100) + "\x1b[201~"
        await client.send("stdin", paste)  # a bracketed paste, as xterm.js sends one
        assert await client.pump(1) is None
        assert group_members(pid)
        await client.close()
    assert not wait_groups_gone({pid}, GONE_WITHIN)


async def test_malformed_messages_are_one_log_line_each_then_the_session_is_closed(
        server: ServeProcess) -> None:
    before = server.session_pids()
    mark = len(server.log())
    bad = ["not json", "[]", "{}", '["stdin", 5]', '["resize", {"width": "x", "height": 2}]',
           '["resize", {"width": NaN, "height": 2}]', '["resize", 3]', '["nope", 1]',
           "[" * 5000 + "]" * 5000, '["ping", {"a": 1}]']
    assert len(bad) == policy.MAX_MALFORMED
    async with aiohttp.ClientSession() as http:
        client = await start_session(http, server)
        pid = newest_pid(server, before)
        assert client.ws is not None
        await client.ws.send_bytes(b"\x00binary")
        for text in bad[:-1]:
            await client.ws.send_str(text)
        closing = await client.pump(5)
        assert closing is not None and client.ws.close_code == 1008  # policy violation
    assert not wait_groups_gone({pid}, GONE_WITHIN)
    lines = [line for line in log_lines_after(server, mark) if "malformed" in line]
    assert len(lines) == policy.MAX_MALFORMED + 1  # each message, then the closing line
    assert all(line.startswith("calcterm serve: ") and len(line) < 200 for line in lines), lines
    assert "Traceback" not in server.log()


async def test_the_cap_is_enforced_with_a_clear_page(tmp_path: Path) -> None:
    served = ServeProcess(tmp_path, max_sessions=2)
    try:
        async with aiohttp.ClientSession() as http:
            first = await start_session(http, served)
            second = await start_session(http, served)
            extra = Client(http, served.port)
            await extra.connect()
            closing = await extra.pump(10)
            assert closing is not None and extra.ws is not None
            assert extra.ws.close_code == 1013  # try again later
            assert "calcterm is full" in extra.text()
            async with http.get(served.origin) as page:
                assert page.status == 503
                assert "calcterm is full" in await page.text()
            assert len(served.session_pids()) == 2
            pids = served.session_pids()
            await first.close()
            assert not wait_groups_gone(pids & {min(pids)}, GONE_WITHIN)
            assert served.wait_log("session 1 ended")
            third = await start_session(http, served)  # a freed place is taken again
            assert len(served.session_pids()) == 3
            await second.close()
            await third.close()
        assert not wait_groups_gone(served.session_pids(), GONE_WITHIN)
    finally:
        served.close()
        served.kill_leftovers()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
async def test_no_session_outlives_its_server(tmp_path: Path, sig: int) -> None:
    served = ServeProcess(tmp_path, max_sessions=4)
    try:
        async with aiohttp.ClientSession() as http:
            clients = [await start_session(http, served) for _ in range(2)]
            pids = served.session_pids()
            assert len(pids) == 2 and all(group_members(pid) for pid in pids)
            status = served.close(sig)
            assert status == (0 if sig == signal.SIGTERM else -signal.SIGKILL)
            assert not wait_groups_gone(pids, GONE_WITHIN)
            for client in clients:
                await client.close()
    finally:
        served.close()
        served.kill_leftovers()


def test_a_session_that_will_not_quit_is_killed_with_its_children(tmp_path: Path) -> None:
    """A session too busy to quit (as one drawing a 5000×2000 screen was) and any process it
    started are ended by the stop that follows a client leaving."""
    from calcterm.serve_server import SessionService
    from textual_serve.download_manager import DownloadManager

    stubborn = textwrap.dedent("""
        import signal, subprocess, sys, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        print(child.pid, file=sys.stderr, flush=True)
        sys.stdout.write("__GANGLION__\\n"); sys.stdout.flush()
        time.sleep(60)
    """)
    lifeline = Lifeline()

    async def scenario() -> tuple[int, set[int], float]:
        async def ignore(*_: object) -> None:
            return None

        service = SessionService([sys.executable, "-c", stubborn], lifeline.read_fd, 1,
                                 write_bytes=ignore, write_str=ignore, close=ignore,
                                 download_manager=DownloadManager())
        await service.start(80, 24)
        await asyncio.sleep(1.0)
        assert service.pgid is not None
        members = group_members(service.pgid)
        started = time.monotonic()
        await service.stop(grace=0.5)
        return service.pgid, members, time.monotonic() - started

    try:
        pgid, members, took = asyncio.run(scenario())
    finally:
        lifeline.close()
    assert len(members) == 2  # the session and the child it started
    assert not wait_groups_gone({pgid}, 2)
    assert took < 3


def test_the_lifeline_kills_the_group_when_the_server_end_closes() -> None:
    """The session side of the lifeline, alone: EOF on the pipe ends the session's group."""
    lifeline = Lifeline()
    code = textwrap.dedent(f"""
        import subprocess, sys, time
        from calcterm.serve_session import watch_lifeline
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        watch_lifeline({lifeline.read_fd})
        print("ready", flush=True)
        time.sleep(60)
    """)
    session = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE,
                               pass_fds=(lifeline.read_fd,), start_new_session=True)
    try:
        assert session.stdout is not None and session.stdout.readline() == b"ready\n"
        assert len(group_members(session.pid)) == 2
        os.close(lifeline.write_fd)  # what the kernel does when the server dies
        assert session.wait(timeout=5) == -signal.SIGKILL
        assert not wait_groups_gone({session.pid}, 2)
    finally:
        lifeline.close()
        if group_members(session.pid):
            os.killpg(session.pid, signal.SIGKILL)
        session.wait(timeout=5)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_a_session_dies_with_its_parent_without_the_lifeline() -> None:
    """The kernel's guard alone: a session whose parent is SIGKILLed is SIGKILLed too."""
    session_code = ("import os, sys, time; from calcterm.serve_session import die_with_parent; "
                    "die_with_parent(os.getppid()); print(os.getpid(), flush=True); time.sleep(60)")
    parent_code = textwrap.dedent(f"""
        import subprocess, sys, time
        subprocess.Popen([sys.executable, "-c", {session_code!r}])
        time.sleep(60)
    """)
    parent = subprocess.Popen([sys.executable, "-c", parent_code], stdout=subprocess.PIPE,
                              start_new_session=True)
    try:
        assert parent.stdout is not None
        session = int(parent.stdout.readline())
        assert group_members(parent.pid) == {parent.pid, session}
        parent.kill()
        parent.wait(timeout=5)
        assert not wait_groups_gone({parent.pid}, 3)
    finally:
        if group_members(parent.pid):
            os.killpg(parent.pid, signal.SIGKILL)


# The rules, unit by unit.

def test_clamp_size_bounds_every_finite_number_and_rejects_the_rest() -> None:
    (wl, hl), (wh, hh) = policy.MIN_SIZE, policy.MAX_SIZE
    assert policy.clamp_size(1e308, 1e308) == (wh, hh)
    assert policy.clamp_size(-1e308, 0) == (wl, hl)
    assert policy.clamp_size(120.9, 40) == (120, 40)
    assert policy.clamp_size(10**400, 30) == (wh, 30)
    for width in (float("nan"), float("inf"), "80", True, None, [80]):
        with pytest.raises(policy.Malformed):
            policy.clamp_size(width, 24)


def test_size_from_query_bounds_digits_before_parsing() -> None:
    assert policy.size_from_query("5000", "2000") == policy.MAX_SIZE
    assert policy.size_from_query("9" * 5000, "30") == (policy.DEFAULT_SIZE[0], 30)
    assert policy.size_from_query(None, "x") == policy.DEFAULT_SIZE
    assert policy.size_from_query("1", "1") == policy.MIN_SIZE


def test_parse_message_accepts_the_protocol_and_names_what_is_wrong() -> None:
    assert policy.parse_message('["stdin", "ab"]') == policy.Message("stdin", text="ab")
    assert policy.parse_message('["resize", {"width": 1e308, "height": 30}]').size == (
        policy.MAX_SIZE[0], 30)
    assert policy.parse_message('["ping", "1700000000000"]').text == "1700000000000"
    assert policy.parse_message('["blur"]').kind == "blur"
    with pytest.raises(policy.Malformed, match="unknown message type 'x{40}'… \\(5000"):
        policy.parse_message(json.dumps(["x" * 5000, 1]))
    with pytest.raises(policy.Malformed, match="not JSON"):
        policy.parse_message("[" * 100_000)
    with pytest.raises(policy.Malformed, match="ping"):
        policy.parse_message(json.dumps(["ping", "1" * (policy.MAX_PING_CHARS + 1)]))


def test_token_bucket_passes_a_burst_then_paces_to_the_rate() -> None:
    now = [0.0]
    bucket = policy.TokenBucket(rate=1000, burst=2000, clock=lambda: now[0])
    assert bucket.delay(2000) == 0.0
    assert bucket.delay(500) == pytest.approx(0.5)
    now[0] = 10.0  # refilled, but never beyond the burst
    assert bucket.delay(2000) == 0.0
    assert bucket.delay(1000) == pytest.approx(1.0)


def test_origin_policy_names() -> None:
    loop = policy.OriginPolicy("127.0.0.1", 8000)
    assert loop.refusal("127.0.0.1:8000", "http://127.0.0.1:8000", websocket=True) is None
    assert loop.refusal("localhost:8000", "http://localhost:8000", websocket=True) is None
    assert loop.refusal("127.0.0.1:8000", "http://localhost:8000", websocket=True)  # cross
    assert loop.refusal("127.0.0.1:8001", "http://127.0.0.1:8001", websocket=True)  # port
    assert loop.refusal("127.0.0.1:8000", "http://127.0.0.1:8000:x", websocket=True)
    assert loop.refusal("127.0.0.1:8000", None, websocket=False) is None
    assert loop.refusal("127.0.0.1", None, websocket=False)  # port 80 is not ours
    six = policy.OriginPolicy("::1", 8000)
    assert six.refusal("[::1]:8000", "http://[::1]:8000", websocket=True) is None
    assert six.refusal("[::2]:8000", "http://[::2]:8000", websocket=True)
    wild = policy.OriginPolicy("0.0.0.0", 80, local_address=lambda name: name == "192.0.2.7")
    assert wild.refusal("192.0.2.7", "http://192.0.2.7", websocket=True) is None
    assert wild.refusal("192.0.2.8", "http://192.0.2.8", websocket=True)
    assert wild.refusal("attacker.example", "http://attacker.example", websocket=True)
    assert policy.short("y" * 10_000).endswith("… (10000 characters)")
    assert len(policy.short("y" * 10_000)) < 80


def test_classroom_load_script() -> None:
    """tests/classroom_load.py end to end: a few sessions by default, the full class (20) with
    CALCTERM_CLASSROOM=1. It asserts itself that every session ends in both rounds."""
    from classroom_load import report, run

    sessions = 20 if os.environ.get("CALCTERM_CLASSROOM") == "1" else 2
    result = run(sessions=sessions, hold=0.5 if sessions < 20 else 5.0)
    print(report(result))
    assert result["sessions_started"] == sessions
    assert 20 < result["rss_mb_per_session"]["mean"] < 400  # a calcterm process, not a stub
    assert result["first_screen_s"]["max"] < 90


async def test_s_in_a_browser_offers_a_download_and_writes_nothing_on_the_server(
        server: ServeProcess) -> None:
    workdir = server.log_path.parent
    files_before = set(workdir.iterdir())
    async with aiohttp.ClientSession() as http:
        client = await start_session(http, server)
        await client.send("stdin", "\r")
        assert await client.wait_for(SCENE, 20), client.text()
        await client.send("stdin", "s")
        deadline = time.monotonic() + 10
        offers: list[str] = []
        while not offers and time.monotonic() < deadline:
            assert await client.pump(0.2) is None
            offers = [json.loads(text)[1] for text in client.texts
                      if json.loads(text)[0] == "deliver_file_start"]
        assert len(offers) == 1, client.texts
        async with http.get(f"{server.origin}/download/{offers[0]}") as download:
            assert download.status == 200
            assert "calcterm-tangent-" in download.headers["Content-Disposition"]
            assert (await download.text()).lstrip().startswith("<svg")
        await client.close()
    assert set(workdir.iterdir()) == files_before


def test_serve_help_states_the_default_cap() -> None:
    from helpers import run_cli

    done = run_cli("serve", "--help")
    assert done.returncode == 0
    assert f"default {policy.DEFAULT_MAX_SESSIONS}" in " ".join(done.stdout.split())
