"""A small private file on local disk, as the token files need it: written atomically (a
temporary file, fsync, rename, fsync of the folder) with mode 0600, and an exclusive lock that
the kernel releases when the process dies. Errors come out as OSError; callers name the file."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def write_private(path: Path, text: str) -> None:
    """Replace `path` with `text` (UTF-8), readable by its owner only; all or nothing."""
    directory = path.parent
    temp: str | None = None
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, temp = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            os.fchmod(handle.fileno(), 0o600)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
        temp = None
        _fsync_directory(directory)
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def read_json(path: Path) -> Any:
    """The JSON in `path`, or None when there is no file. OSError or UnicodeDecodeError when it
    can't be read, json.JSONDecodeError when it isn't JSON (its message and position only: the
    caller never shows the contents)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return json.loads(text)


def open_lock(lock_path: Path) -> int:
    """A descriptor of `lock_path` (made if missing, mode 0600), to hold with `held`."""
    lock_path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    return os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)


@contextlib.contextmanager
def held(fd: int) -> Iterator[None]:
    """An exclusive flock on an open lock file, for the block; the descriptor is closed after
    (closing the last descriptor releases the flock, as a dying process does)."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def reason(exc: BaseException) -> str:
    """The operating system's words for a failure, without the path."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (POSIX); harmless where directories can't be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
