"""One served calcterm session as a process group that cannot outlive its server.

The server starts each session with `python -m calcterm.serve_session` in a new session (so a
new process group whose id is the session's pid) and hands it the read end of a "lifeline"
pipe whose write end only the server holds. However the server ends (Ctrl+C, SIGTERM, a crash,
SIGKILL), the kernel closes that write end, the session reads end-of-file and kills its whole
group. On Linux the session also asks the kernel for SIGKILL when its parent dies
(PR_SET_PDEATHSIG), which still works if the interpreter is wedged. The server, for its part,
ends the group itself when a client leaves or the server stops (see serve_server).

This module is imported by every session, so it imports nothing heavy at module level.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path

PR_SET_PDEATHSIG = 1


class Lifeline:
    """The server's end of the lifeline: a pipe nobody writes to.

    The read end is passed to each session (pass_fds); the write end stays in the server only
    (os.pipe descriptors are not inherited), so it closes exactly when the server dies.
    """

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            try:
                os.close(fd)
            except OSError:
                pass


def session_command(lifeline_fd: int, lang: str = "en") -> list[str]:
    """The argv that starts one session under this interpreter."""
    return [sys.executable, "-m", "calcterm.serve_session", "--lifeline", str(lifeline_fd),
            "--parent", str(os.getpid()), "--lang", lang]


def kill_group(pgid: int, sig: int = signal.SIGKILL) -> bool:
    """Send `sig` to process group `pgid`; False when the group no longer exists."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False
    return True


def group_members(pgid: int) -> set[int]:
    """Live (non-zombie) processes in group `pgid`, read from /proc (empty where there is none)."""
    members = set()
    proc = Path("/proc")
    if not proc.is_dir():
        return members
    for entry in proc.iterdir():
        if entry.name.isdigit():
            try:
                state, _ppid, pgrp = (entry / "stat").read_text().rsplit(")", 1)[1].split()[:3]
            except (OSError, ValueError, IndexError):
                continue
            if int(pgrp) == pgid and state not in ("Z", "X"):
                members.add(int(entry.name))
    return members


def die_with_parent(parent: int) -> None:
    """Ask Linux to SIGKILL this process when its parent dies; exit now if it already has."""
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the server died before prctl took effect
        os._exit(1)


def watch_lifeline(fd: int) -> threading.Thread:
    """Kill this process group once `fd` reads end-of-file (the server is gone)."""

    def watch() -> None:
        try:
            while os.read(fd, 1):
                pass
        except OSError:
            pass
        os.killpg(os.getpgrp(), signal.SIGKILL)

    thread = threading.Thread(target=watch, name="calcterm-lifeline", daemon=True)
    thread.start()
    return thread


def main(argv: list[str] | None = None) -> None:
    """Entry point of one served session: guard against orphaning, then run the TUI."""
    parser = argparse.ArgumentParser(prog="calcterm.serve_session")
    parser.add_argument("--lifeline", type=int, required=True)
    parser.add_argument("--parent", type=int, required=True)
    parser.add_argument("--lang", choices=("en", "zh"), default="en")
    args = parser.parse_args(argv)
    die_with_parent(args.parent)
    watch_lifeline(args.lifeline)

    from calcterm.host.app import CalcTermApp

    app = CalcTermApp(lang=args.lang)
    app.run()
    sys.exit(app.return_code or 0)


if __name__ == "__main__":
    main()
