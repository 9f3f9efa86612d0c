"""Nothing the user does loses a file or hangs a shell (issue 21): the command line and the TUI.

Each case runs the real CLI in a fresh process (conftest.run_cli) or in a real pseudo-terminal
(tests/terminal.py), as the issue's scripted runs did.
"""

from __future__ import annotations

import errno
import os
import pty
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from helpers import run_cli
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


def limited_to(size: int):
    """A preexec_fn: files the child writes may grow to `size` bytes only (EFBIG beyond,
    as on a full disk; Python ignores SIGXFSZ, so the write fails instead of killing it)."""
    import resource

    return lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_write_atomic_replaces_in_one_step_and_keeps_permissions(tmp_path: Path) -> None:
    from calcterm.files import write_atomic

    target = tmp_path / "plot.svg"
    assert write_atomic(target, "first") == target
    assert target.read_text() == "first"
    target.chmod(0o640)
    write_atomic(target, "séconde ∫".encode())
    assert target.read_text(encoding="utf-8") == "séconde ∫"
    assert target.stat().st_mode & 0o777 == 0o640
    link = tmp_path / "link.svg"
    link.symlink_to(target)
    write_atomic(link, "through the link")
    assert link.is_symlink() and target.read_text() == "through the link"
    assert leftovers(tmp_path) == []


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    """A real write failure (file-size limit, EFBIG) in a child process, half-way through."""
    keep = tmp_path / "keep.svg"
    keep.write_text("the user's old file")
    code = textwrap.dedent(f"""
        from calcterm.files import write_atomic
        try:
            write_atomic({str(keep)!r}, "x" * 100_000)
        except OSError as error:
            print(error.errno)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          preexec_fn=limited_to(4096), timeout=30)
    assert done.stdout.strip() == str(errno.EFBIG), done.stderr
    assert keep.read_text() == "the user's old file"
    assert leftovers(tmp_path) == []


def test_a_failed_write_of_unencodable_text_writes_nothing(tmp_path: Path) -> None:
    from calcterm.files import write_atomic

    keep = tmp_path / "keep.txt"
    keep.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(keep, "∫", encoding="ascii")
    assert keep.read_text() == "old" and leftovers(tmp_path) == []


def test_screenshot_on_a_full_disk_keeps_the_old_file(tmp_path: Path) -> None:
    keep = tmp_path / "keep.svg"
    keep.write_text("<svg>the user's old picture</svg>")
    done = subprocess.run([sys.executable, "-m", "calcterm", "screenshot", "tangent", "-o",
                           str(keep)], capture_output=True, text=True, cwd=tmp_path,
                          preexec_fn=limited_to(4096), timeout=120)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "cannot write" in done.stderr, done.stderr
    assert keep.read_text() == "<svg>the user's old picture</svg>"
    assert leftovers(tmp_path) == []


HUGE = "z" * 100_000  # near the 128 KiB a single argument may have on Linux


@pytest.mark.parametrize("args", [
    ("show", "tangent", "--size", "9" * 5000 + "x40"),
    ("show", "tangent", "--size", "40x" + "9" * 5000),
    ("show", HUGE),
    ("show", "tangent", "-s", HUGE),
    ("show", "tangent", "-s", "f=" + "x+" * 40_000 + "1"),
    (HUGE,),
    ("screenshot", "tangent", "-o", HUGE),
], ids=["size-width", "size-height", "scene", "assignment", "expression", "command", "output"])
def test_huge_input_is_one_short_error_line(args: tuple[str, ...]) -> None:
    done = run_cli(*args)
    assert done.returncode == 2
    assert done.stderr.startswith("calcterm: error: ") and done.stderr.count("\n") == 1
    assert len(done.stderr) < 600, len(done.stderr)
    assert "Traceback" not in done.stderr and not done.stdout


def test_messages_quote_a_short_prefix() -> None:
    from calcterm.cli import MAX_MESSAGE, QUOTE_CHARS, quote, shorten

    assert quote("short") == "'short'"
    assert quote("y" * 1000) == repr("y" * QUOTE_CHARS) + "… (1000 characters)"
    message = shorten(f"unknown scene {'q' * 5000!r}; choose one of: a, b")
    assert message == f"unknown scene {'q' * QUOTE_CHARS!r}… (5000 characters); choose one of: a, b"
    assert shorten("it's a 'short' one") == "it's a 'short' one"
    assert shorten("two\nlines") == "two lines"
    assert len(shorten("w" * 10_000)) == MAX_MESSAGE + 1


def test_show_writes_colour_only_to_a_terminal_or_when_asked() -> None:
    piped = run_cli("show", "tangent", "--size", "80x30")
    assert piped.returncode == 0 and "\x1b[" not in piped.stdout and "tangent" in piped.stdout
    asked = run_cli("show", "tangent", "--size", "80x30", "--color")
    assert asked.returncode == 0 and "\x1b[" in asked.stdout
    terminal = Terminal([sys.executable, "-m", "calcterm", "show", "tangent", "--size", "80x30"],
                        cols=100, rows=40)
    assert terminal.wait_exit(timeout=60) == 0
    assert b"\x1b[" in bytes(terminal.raw)  # a terminal gets colour by default
    plain = Terminal([sys.executable, "-m", "calcterm", "show", "--no-color", "tangent", "--size",
                      "80x30"], cols=100, rows=40)
    assert plain.wait_exit(timeout=60) == 0
    assert b"\x1b[" not in bytes(plain.raw)  # and refused there on request


def test_an_output_encoding_that_cannot_show_the_text_is_one_clear_line() -> None:
    env = {**os.environ, "PYTHONIOENCODING": "latin-1"}
    for args in (("show", "tangent"), ("--lang", "zh", "list")):
        done = subprocess.run([sys.executable, "-m", "calcterm", *args], capture_output=True,
                              env=env, timeout=60)
        stderr = done.stderr.decode("latin-1")
        assert done.returncode == 2, stderr
        assert stderr.count("\n") == 1 and "Traceback" not in stderr
        assert "cannot show this text" in stderr and "PYTHONIOENCODING=utf-8" in stderr
    exported = subprocess.run([sys.executable, "-m", "calcterm", "export", "tangent"],
                              capture_output=True, env=env, timeout=60)
    assert exported.returncode == 0 and exported.stdout.startswith(b"{")  # JSON is ASCII


async def test_the_formula_editor_holds_at_most_the_expression_limit() -> None:
    """A 1 MB paste and keys typed past the limit leave at most MAX_TEXT characters, once
    told, and the editor still works (a paste that fits is taken whole, Enter applies)."""
    from textual import events
    from textual.widgets import Static

    from calcterm.host.app import CalcTermApp
    from calcterm.host.modals import BoundedInput, ExpressionScreen
    from calcterm.params import MAX_TEXT
    from calcterm.registry import get

    app = CalcTermApp(scene=get("tangent")())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, ExpressionScreen)
        editor = app.screen.query_one(BoundedInput)
        assert editor.max_length == MAX_TEXT
        editor.value = ""
        editor.post_message(events.Paste("x+" * 500_000 + "\nsecond line"))  # 1 MB, one line
        await pilot.pause()
        assert editor.value == ("x+" * MAX_TEXT)[:MAX_TEXT]
        error = str(app.screen.query_one("#edit-error", Static).render())
        assert f"at most {MAX_TEXT} characters" in error
        for _ in range(20):  # typing on: every key refused, nothing grows
            await pilot.press("1")
        assert len(editor.value) == MAX_TEXT
        editor.value = ""
        editor.post_message(events.Paste("sin(x)\r\nignored"))  # fits: taken whole, one line
        await pilot.pause()
        assert editor.value == "sin(x)"
        await pilot.press("enter")
        assert not isinstance(app.screen, ExpressionScreen)
        assert app.screen.scene.values["f"] == "sin(x)"


async def test_s_saves_atomically_and_a_failed_save_is_a_notification(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from calcterm.host.app import CalcTermApp
    from calcterm.registry import get

    monkeypatch.chdir(tmp_path)
    app = CalcTermApp(scene=get("tangent")())
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("s")
        await pilot.pause()
        (saved,) = tmp_path.glob("calcterm-tangent-*.svg")
        assert saved.read_text(encoding="utf-8").startswith("<svg")
        assert leftovers(tmp_path) == []
        gone = tmp_path / "gone"  # a folder that disappears under the user: nothing can be saved
        gone.mkdir()
        monkeypatch.chdir(gone)
        gone.rmdir()
        await pilot.press("s")
        await pilot.pause()
        messages = [str(notification.message) for notification in app._notifications]
        assert any("Could not save" in message for message in messages), messages
        assert app.is_running
        step = app.screen.scene.t
        await pilot.press("n")  # the app goes on
        assert app.screen.scene.t == step + 1
        await pilot.press("q")
    assert app.return_code == 0
