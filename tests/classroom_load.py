"""Classroom load test for `calcterm serve`: N browser tabs at once, through real websockets.

    python tests/classroom_load.py                 # 20 sessions, the figures in issue 21
    python tests/classroom_load.py --sessions 5 --hold 2 --json out.json

Two rounds on 127.0.0.1, each with its own server (--max-sessions N):
1. N clients connect at once; each waits for the scene picker (time to first screen), opens a
   scene (client i opens the i-th of --scenes, cycling through them), waits until the scene is
   drawn, and starts its animation. After --hold seconds of playing, the memory of every
   session process is read from /proc (RSS, PSS, peak RSS); then every client leaves, and the
   round passes only if every session's process group is gone within GONE_WITHIN seconds.
2. N clients connect and open their scenes again; the server is killed with SIGKILL, and the
   round passes only if every session's process group is gone within GONE_WITHIN seconds.
Every wait is bounded, so the script ends (status 1 on any failure) even on a stuck server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from serve_clients import Client, ServeProcess, pss_kb, status_kb, wait_groups_gone  # noqa: E402

from calcterm.registry import scenes  # noqa: E402
from calcterm.serve_session import group_members  # noqa: E402

PICKER = "choose a scene"
SCENE = "Readout"
GONE_WITHIN = 10.0
SCENES = ("tangent", "taylor", "newton", "descent", "vanishing", "brownian", "diffusion")
"""The scenes the tabs open by default: the ones every release has had."""
WIDTH, HEIGHT = 100, 36  # tab i asks for width WIDTH + i, so the server's log names its pid


async def open_tab(http: aiohttp.ClientSession, port: int, index: int, timeout: float,
                   chosen: tuple[str, ...]) -> dict:
    """One tab: connect, wait for the picker, open scene `chosen[index]`, wait for it, play."""
    client = Client(http, port, WIDTH + index, HEIGHT)
    ids = list(scenes())
    scene_id = chosen[index % len(chosen)]
    started = time.monotonic()
    result: dict = {"index": index, "scene": scene_id, "client": client}
    await client.connect()
    while client.received == 0:
        if await client.pump(0.05) is not None or time.monotonic() - started > timeout:
            raise AssertionError(f"tab {index}: no output after {timeout} s")
    result["first_byte_s"] = time.monotonic() - started
    if not await client.wait_for(PICKER, timeout):
        raise AssertionError(f"tab {index}: no picker after {timeout} s:\n{client.text()}")
    result["first_screen_s"] = time.monotonic() - started
    # ↓ past the guided tour (the picker's first entry) and the scenes before, then Enter
    await client.send("stdin", "\x1b[B" * (ids.index(scene_id) + 1) + "\r")
    if not await client.wait_for(SCENE, timeout):
        raise AssertionError(f"tab {index}: scene {scene_id} not drawn:\n{client.text()}")
    result["scene_drawn_s"] = time.monotonic() - started
    client.render = False  # from here on only count bytes: pyte would cost more than calcterm
    await client.send("stdin", " ")  # play
    return result


async def keep_reading(clients: list[Client], seconds: float) -> None:
    await asyncio.gather(*(client.pump(seconds) for client in clients))


def memory(pids: set[int]) -> dict[int, dict[str, int]]:
    """RSS, PSS and peak RSS (kB) of every live process in each session's group."""
    figures = {}
    for pgid in pids:
        members = group_members(pgid)
        figures[pgid] = {
            "processes": len(members),
            "rss_kb": sum(status_kb(pid, "VmRSS") for pid in members),
            "pss_kb": sum(pss_kb(pid) for pid in members),
            "peak_rss_kb": sum(status_kb(pid, "VmHWM") for pid in members),
        }
    return figures


async def round_leave(workdir: Path, sessions: int, hold: float, timeout: float,
                      chosen: tuple[str, ...]) -> dict:
    served = ServeProcess(workdir, max_sessions=sessions)
    try:
        async with aiohttp.ClientSession() as http:
            tabs = await asyncio.gather(*(open_tab(http, served.port, i, timeout, chosen)
                                          for i in range(sessions)))
            clients = [tab.pop("client") for tab in tabs]
            await keep_reading(clients, hold)
            pids = served.session_pids()
            figures = memory(pids)
            widths = {int(w): int(pid) for pid, w in
                      re.findall(r"started \(pid (\d+), (\d+)x", served.log())}
            for tab in tabs:
                tab["pid"] = widths[WIDTH + tab["index"]]
            server_rss = status_kb(served.process.pid, "VmRSS")
            streamed = sum(client.received for client in clients)
            for client in clients:
                await client.close()
            left_at = time.monotonic()
            left = wait_groups_gone(pids, GONE_WITHIN)
            gone_s = time.monotonic() - left_at
        return {"tabs": tabs, "pids": sorted(pids), "memory": figures, "server_rss_kb": server_rss,
                "bytes_streamed": streamed, "left_after_leave": sorted(left),
                "gone_after_leave_s": gone_s, "log_tracebacks": served.log().count("Traceback")}
    except BaseException:
        print(f"server log:\n{served.log()[-4000:]}", file=sys.stderr)
        raise
    finally:
        served.close()
        served.kill_leftovers()


async def round_sigkill(workdir: Path, sessions: int, timeout: float,
                        chosen: tuple[str, ...]) -> dict:
    served = ServeProcess(workdir, max_sessions=sessions)
    try:
        async with aiohttp.ClientSession() as http:
            tabs = await asyncio.gather(*(open_tab(http, served.port, i, timeout, chosen)
                                          for i in range(sessions)))
            clients = [tab.pop("client") for tab in tabs]
            pids = served.session_pids()
            alive_before = sum(1 for pid in pids if group_members(pid))
            killed_at = time.monotonic()
            served.close(signal.SIGKILL)
            left = wait_groups_gone(pids, GONE_WITHIN)
            gone_s = time.monotonic() - killed_at
            for client in clients:
                await client.close()
        return {"pids": sorted(pids), "alive_before_kill": alive_before,
                "left_after_sigkill": sorted(left), "gone_after_sigkill_s": gone_s}
    except BaseException:
        print(f"server log:\n{served.log()[-4000:]}", file=sys.stderr)
        raise
    finally:
        served.close()
        served.kill_leftovers()


def summary(leave: dict, kill: dict, sessions: int) -> dict:
    figures = list(leave["memory"].values())
    rss = [f["rss_kb"] / 1024 for f in figures]
    pss = [f["pss_kb"] / 1024 for f in figures]
    first = [tab["first_screen_s"] for tab in leave["tabs"]]
    drawn = [tab["scene_drawn_s"] for tab in leave["tabs"]]
    return {
        "sessions": sessions,
        "sessions_started": len(leave["pids"]),
        "rss_mb_per_session": {"mean": statistics.mean(rss), "min": min(rss), "max": max(rss)},
        "rss_mb_total": sum(rss),
        "pss_mb_total": sum(pss),
        "peak_rss_mb_max": max(f["peak_rss_kb"] for f in figures) / 1024,
        "server_rss_mb": leave["server_rss_kb"] / 1024,
        "first_screen_s": {"median": statistics.median(first), "max": max(first)},
        "scene_drawn_s": {"median": statistics.median(drawn), "max": max(drawn)},
        "per_scene_rss_mb": {scene: statistics.mean(
            leave["memory"][tab["pid"]]["rss_kb"] / 1024 for tab in leave["tabs"]
            if tab["scene"] == scene) for scene in {tab["scene"] for tab in leave["tabs"]}},
        "gone_after_leave_s": leave["gone_after_leave_s"],
        "left_after_leave": leave["left_after_leave"],
        "gone_after_sigkill_s": kill["gone_after_sigkill_s"],
        "alive_before_sigkill": kill["alive_before_kill"],
        "left_after_sigkill": kill["left_after_sigkill"],
        "log_tracebacks": leave["log_tracebacks"],
    }


def run(sessions: int = 20, hold: float = 5.0, timeout: float = 90.0,
        chosen: tuple[str, ...] = SCENES) -> dict:
    """Both rounds; the summary dict. Raises AssertionError when a session outlives a round."""
    unknown = set(chosen) - set(scenes())
    assert chosen and not unknown, f"not registered scenes: {sorted(unknown)}"
    with tempfile.TemporaryDirectory(prefix="calcterm-classroom-") as workdir:
        leave = asyncio.run(round_leave(Path(workdir), sessions, hold, timeout, chosen))
        kill = asyncio.run(round_sigkill(Path(workdir), sessions, timeout, chosen))
    result = summary(leave, kill, sessions)
    assert result["sessions_started"] == sessions, result
    assert not result["left_after_leave"], f"sessions alive after their clients left: {result}"
    assert result["alive_before_sigkill"] == sessions, result
    assert not result["left_after_sigkill"], f"sessions alive after the server's SIGKILL: {result}"
    assert result["log_tracebacks"] == 0, result
    return result


def report(result: dict) -> str:
    rss = result["rss_mb_per_session"]
    return "\n".join([
        f"sessions: {result['sessions']} concurrent, each drawing and playing a scene",
        f"RSS per session: mean {rss['mean']:.0f} MB (min {rss['min']:.0f}, max {rss['max']:.0f});"
        f" total {result['rss_mb_total']:.0f} MB RSS, {result['pss_mb_total']:.0f} MB PSS;"
        f" server {result['server_rss_mb']:.0f} MB",
        f"time to first screen: median {result['first_screen_s']['median']:.2f} s,"
        f" max {result['first_screen_s']['max']:.2f} s; scene drawn: median"
        f" {result['scene_drawn_s']['median']:.2f} s, max {result['scene_drawn_s']['max']:.2f} s",
        "per scene RSS MB: " + ", ".join(f"{k} {v:.0f}" for k, v in
                                         sorted(result["per_scene_rss_mb"].items())),
        f"after the clients left: all {result['sessions']} process groups gone in"
        f" {result['gone_after_leave_s']:.2f} s",
        f"after SIGKILL of the server: all {result['alive_before_sigkill']} process groups gone in"
        f" {result['gone_after_sigkill_s']:.2f} s",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=20, choices=range(1, 101),
                        metavar="N", help="concurrent sessions, 1-100 (default 20)")
    parser.add_argument("--hold", type=float, default=5.0, help="seconds of playing (default 5)")
    parser.add_argument("--timeout", type=float, default=90.0,
                        help="seconds each tab may take to show its scene (default 90)")
    parser.add_argument("--scenes", default=",".join(SCENES),
                        help="comma-separated scene ids the tabs open in turn")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    result = run(args.sessions, min(max(args.hold, 0.0), 120.0), min(args.timeout, 300.0),
                 tuple(s.strip() for s in args.scenes.split(",") if s.strip()))
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
