"""Writing files so that a failed write never costs the user the file that was there.

Why: writing in place truncates the old file first, so a full disk, a quota or a crash
half-way leaves neither the old content nor the new. Writing to a temporary file beside the
target (same directory, hence same filesystem) and renaming it over the target with
`os.replace` is atomic on POSIX and Windows: readers see the old file or the new one, never a
mixture, and on any error the old file is untouched and the temporary file is removed.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

_TEMP_ATTEMPTS = 16


def _open_beside(target: Path) -> tuple[int, Path]:
    """Create a new, empty temporary file next to `target`; return its descriptor and path.

    O_EXCL makes the name ours alone; mode 0o666 lets the umask decide the permissions, as it
    would for an ordinary new file.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(_TEMP_ATTEMPTS):
        temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(temp, flags, 0o666), temp
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name beside {target}")


def write_atomic(path: str | os.PathLike[str], data: str | bytes, encoding: str = "utf-8") -> Path:
    """Replace the file at `path` with `data` in one step; return the path written.

    A symbolic link is followed, so the file it points to is replaced, not the link. An
    existing file keeps its permission bits.

    Raises:
        OSError: the data could not be written in full (disk full, no permission, ...). The
            file at `path`, if there was one, is then exactly as it was.
        UnicodeEncodeError: `data` is text that `encoding` cannot represent (nothing written).
    """
    payload = data.encode(encoding) if isinstance(data, str) else bytes(data)
    target = Path(os.path.realpath(path))
    fd, temp = _open_beside(target)
    try:
        try:
            view = memoryview(payload)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            try:
                os.chmod(temp, stat.S_IMODE(os.stat(target).st_mode))
            except FileNotFoundError:
                pass
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    return target
