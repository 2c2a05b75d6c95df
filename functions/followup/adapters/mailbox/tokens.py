"""Where a mailbox's OAuth2 refresh token lives: beside the Exact tokens, in the token store of
`[tokens]`. "file": one JSON file (`mailbox-tokens.json` next to the Exact token file, mode
0600, replaced atomically, an flock around read-modify-write), one entry per mailbox. In the
cloud: a Secret Manager secret (each save adds a version and destroys the older ones).

The value is never logged, never in an exception or a repr.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from followup.adapters.file_tokens import read_token_file, token_file_lock, write_token_file
from followup.errors import TokenStoreError

FILE_NAME = "mailbox-tokens.json"


class FileRefreshToken:
    """One entry (`name`, e.g. "gmail:owner@example.nl") of the local mailbox token file."""

    def __init__(self, path: Path, name: str) -> None:
        self.path = path
        self.name = name
        self.where = f"{path} ({name})"

    def __repr__(self) -> str:
        return f"FileRefreshToken({str(self.path)!r}, {self.name!r})"

    def load(self) -> str | None:
        """The entry's refresh token, or None."""
        entry = self._read().get(self.name)
        token = entry.get("refresh_token") if isinstance(entry, dict) else None
        return token if isinstance(token, str) and token else None

    def save(self, refresh_token: str) -> None:
        """Write the entry, keeping the file's other entries."""
        with self._locked():
            data = self._read()
            saved = datetime.now(UTC).isoformat(timespec="seconds")
            data[self.name] = {"refresh_token": refresh_token, "saved_at": saved}
            self._write(json.dumps(data, indent=2, sort_keys=True) + "\n")

    def _read(self) -> dict[str, Any]:
        data = read_token_file(self.path, "delete it and give consent again")
        if data is None:
            return {}
        if not isinstance(data, dict):
            raise TokenStoreError(f"token file {self.path} does not hold a JSON object")
        return data

    def _write(self, text: str) -> None:
        write_token_file(self.path, text)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with token_file_lock(self.path.with_name(self.path.name + ".lock")):
            yield


class SecretRefreshToken:
    """A refresh token in a Secret Manager secret (`projects/P/secrets/S`)."""

    def __init__(self, client: Any, secret: str, timeout_seconds: float = 20.0) -> None:
        self._client = client
        self.secret = secret
        self.where = f"the Secret Manager secret {secret}"
        self._timeout = timeout_seconds

    def __repr__(self) -> str:
        return f"SecretRefreshToken({self.secret!r})"

    def load(self) -> str | None:
        """The latest version's text; None when the secret has no version yet."""
        from google.api_core import exceptions as gexc

        try:
            version = self._client.access_secret_version(
                name=f"{self.secret}/versions/latest", timeout=self._timeout
            )
        except gexc.NotFound:
            return None
        except gexc.GoogleAPIError as exc:
            raise TokenStoreError(
                f"{self.where} can't be read ({type(exc).__name__}): grant this service "
                "account secretAccessor on it"
            ) from None
        return bytes(version.payload.data).decode("utf-8").strip() or None

    def save(self, refresh_token: str) -> None:
        """Add a version; destroy the enabled ones before it."""
        from followup.adapters.gmail.consent import store_secret
        from followup.loopback import ConsentError

        try:
            store_secret(self._client, self.secret, refresh_token, self._timeout)
        except ConsentError as exc:
            raise TokenStoreError(str(exc)) from None
