"""TokenStore on a local JSON file: atomic replace, mode 0600, an flock for refreshes; and the
reading, writing and locking of such a token file (the mailbox tokens' file too), with errors
that name the file and never show its contents."""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from followup.adapters.private_file import held, open_lock, read_json, reason, write_private
from followup.errors import TokenStoreError
from followup.model import TokenSet

_FIELDS = ("access_token", "access_expires_at", "refresh_token", "refreshed_at")


class FileTokenStore:
    """Exact tokens in a JSON file; `lock()` is an flock on a sibling `.lock` file."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.lock_path = self.path.with_name(self.path.name + ".lock")

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.path)!r})"

    def load(self) -> TokenSet | None:
        """The stored tokens, or None when the file does not exist."""
        data = read_token_file(self.path, "run `followup auth exact` to write it again")
        return None if data is None else _tokens_from(data, self.path)

    def save(self, tokens: TokenSet) -> None:
        """Replace the file atomically: temp file in the same directory, fsync, rename."""
        payload = json.dumps(
            {
                "access_token": tokens.access_token,
                "access_expires_at": tokens.access_expires_at.isoformat(),
                "refresh_token": tokens.refresh_token,
                "refreshed_at": tokens.refreshed_at.isoformat(),
            },
            indent=2,
        )
        write_token_file(self.path, payload + "\n")

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold an exclusive flock; the kernel releases it when the process dies."""
        with token_file_lock(self.lock_path):
            yield


def read_token_file(path: Path, fix: str) -> Any:
    """The JSON in a token file, None when there is no file. A TokenStoreError names the file
    when it can't be read or isn't JSON (then `fix` says what to do)."""
    try:
        return read_json(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise TokenStoreError(f"token file {path} can't be read: {reason(exc)}") from None
    except json.JSONDecodeError as exc:
        # exc.msg and the position only: never the file's contents.
        raise TokenStoreError(
            f"token file {path} is not valid JSON ({exc.msg} at line {exc.lineno} "
            f"column {exc.colno}); {fix}"
        ) from None


def write_token_file(path: Path, text: str) -> None:
    """Replace a token file with `text`: atomically, readable by its owner only."""
    try:
        write_private(path, text)
    except OSError as exc:
        raise TokenStoreError(f"token file {path} can't be written: {reason(exc)}") from None


@contextlib.contextmanager
def token_file_lock(lock_path: Path) -> Iterator[None]:
    """Hold an exclusive flock on `lock_path` for the block (made if missing, mode 0600)."""
    try:
        fd = open_lock(lock_path)
    except OSError as exc:
        raise TokenStoreError(f"lock file {lock_path} can't be opened: {reason(exc)}") from None
    with held(fd):
        yield


def _tokens_from(data: Any, path: Path) -> TokenSet:
    if not isinstance(data, dict):
        raise TokenStoreError(f"token file {path} does not hold a JSON object")
    missing = [name for name in _FIELDS if name not in data]
    if missing:
        raise TokenStoreError(f"token file {path} misses {', '.join(missing)}")
    for name in ("access_token", "refresh_token"):
        if not isinstance(data[name], str) or not data[name]:
            raise TokenStoreError(f"token file {path}: {name} is not a non-empty string")
    return TokenSet(
        access_token=data["access_token"],
        access_expires_at=_moment(data, "access_expires_at", path),
        refresh_token=data["refresh_token"],
        refreshed_at=_moment(data, "refreshed_at", path),
    )


def _moment(data: dict[str, Any], name: str, path: Path) -> datetime:
    raw = data[name]
    try:
        moment = datetime.fromisoformat(raw) if isinstance(raw, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise TokenStoreError(
            f"token file {path}: {name} is not an ISO-8601 date-time with a time zone"
        )
    return moment
