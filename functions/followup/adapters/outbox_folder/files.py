"""The outbox's durable file writes: whole files replaced atomically, records appended durably."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from followup.errors import MailerError


def write_atomically(target: Path, data: bytes) -> None:
    """Temp file in the target's folder, fsync, rename over the target, fsync the folder."""
    temp: str | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
        temp = None
        fsync_directory(target.parent)
    except OSError as exc:
        raise MailerError(f"outbox: can't write {target}: {reason(exc)}") from None
    finally:
        if temp is not None:
            with contextlib.suppress(OSError):
                os.unlink(temp)


def append_durably(target: Path, line: bytes) -> None:
    """Append one newline-ended record and fsync it. A record torn by a crash (no newline at
    the end of the file) is ended first, so it spoils only itself, never the next record."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            torn = size > 0 and os.pread(fd, 1, size - 1) != b"\n"
            data = memoryview((b"\n" if torn else b"") + line)
            while data:
                data = data[os.write(fd, data) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        if size == 0:  # a new file: make its name durable too
            fsync_directory(target.parent)
    except OSError as exc:
        raise MailerError(f"outbox: can't write {target}: {reason(exc)}") from None


def fsync_directory(directory: Path) -> None:
    """Make a rename or a new name durable (POSIX); not every platform can open a directory."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def reason(exc: OSError) -> str:
    """What went wrong, in a few words."""
    return exc.strerror or type(exc).__name__
