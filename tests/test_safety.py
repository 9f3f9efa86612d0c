"""Nothing the user does loses a file or hangs a shell (issue 21): the command line and the TUI.

Each case runs the real CLI in a fresh process (conftest.run_cli) or in a real pseudo-terminal
(tests/terminal.py), as the issue's scripted runs did.
"""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from conftest import run_cli
from terminal import Terminal

NO_TERMINAL = "the TUI needs a terminal on stdin and stdout"


def run_with(stdin: object, stdout: object, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "calcterm", *args], stdin=stdin, stdout=stdout,
                          stderr=subprocess.PIPE, timeout=30)


@pytest.mark.parametrize("args", [(), ("run", "tangent")], ids=["picker", "run"])
def test_the_tui_refuses_to_start_without_a_terminal(args: tuple[str, ...]) -> None:
    """`calcterm < /dev/null`, `calcterm | cat`, `calcterm run tangent < /dev/null`."""
    leader, follower = pty.openpty()
    try:
        cases = {
            "stdin /dev/null, stdout a pipe": (subprocess.DEVNULL, subprocess.PIPE),
            "stdin a terminal, stdout a pipe": (follower, subprocess.PIPE),
            "stdin /dev/null, stdout a terminal": (subprocess.DEVNULL, follower),
        }
        for case, (stdin, stdout) in cases.items():
            done = run_with(stdin, stdout, *args)
            lines = done.stderr.decode().splitlines()
            assert done.returncode == 2, (case, done.stderr)
            assert len(lines) == 1 and NO_TERMINAL in lines[0], (case, lines)
            assert "calcterm show" in lines[0] and "calcterm export" in lines[0]
            assert not done.stdout, case  # no escape codes into the pipe
    finally:
        os.close(leader)
        os.close(follower)


def test_a_crash_in_the_tui_exits_non_zero_with_the_terminal_restored() -> None:
    crash = textwrap.dedent("""
        import sys
        from calcterm.host.app import CalcTermApp
        from calcterm.cli import main

        def on_mount(self):
            raise RuntimeError("deliberate crash for the test")

        CalcTermApp.on_mount = on_mount
        sys.argv = ["calcterm"]
        main()
    """)
    terminal = Terminal([sys.executable, "-c", crash], cols=100, rows=30)
    status = terminal.wait_exit(timeout=30)
    raw = bytes(terminal.raw)
    assert status != 0
    assert b"\x1b[?1049h" in raw  # the app had taken over the screen ...
    assert raw.rfind(b"\x1b[?1049l") > raw.rfind(b"\x1b[?1049h")  # ... and gave it back
    assert b"deliberate crash for the test" in raw
