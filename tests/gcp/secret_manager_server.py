"""A local HTTP server speaking the part of the Secret Manager REST API (v1) followup uses.

Paths as the real `SecretManagerServiceClient(transport="rest")` sends them:
GET  /v1/projects/P/secrets/S                          get secret
GET  /v1/projects/P/secrets/S/versions/N|latest:access  access a version
POST /v1/projects/P/secrets/S:addVersion                {"payload": {"data": base64}}
GET  /v1/projects/P/secrets/S/versions?filter=state:ENABLED
POST /v1/projects/P/secrets/S/versions/N:destroy
Errors in Google's JSON error shape; enums as numbers (the client asks `enum-encoding=int`).
"""

from __future__ import annotations

import base64
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

from local_http import JsonHandler, LocalHttpServer, StateServer, google_error

ENABLED, DISABLED, DESTROYED = 1, 2, 3
_SECRET = r"(?P<secret>projects/[^/]+/secrets/[^/:]+)"
_ROUTES = [
    ("GET", re.compile(rf"^/v1/{_SECRET}$"), "get_secret"),
    ("GET", re.compile(rf"^/v1/{_SECRET}/versions/(?P<v>[^/:]+):access$"), "access"),
    ("POST", re.compile(rf"^/v1/{_SECRET}:addVersion$"), "add"),
    ("GET", re.compile(rf"^/v1/{_SECRET}/versions$"), "list"),
    ("POST", re.compile(rf"^/v1/{_SECRET}/versions/(?P<v>\d+):destroy$"), "destroy"),
]


@dataclass
class Version:
    """One secret version."""

    number: int
    data: bytes
    state: int = ENABLED


@dataclass
class SecretState:
    """Every secret and version the server knows, and the calls it served."""

    secrets: dict[str, list[Version]] = field(default_factory=dict)
    calls: list[tuple[str, str]] = field(default_factory=list)
    unavailable: bool = False
    lock: threading.Lock = field(default_factory=threading.Lock)

    def create_secret(self, name: str) -> None:
        """Create an empty secret (as Terraform would)."""
        self.secrets.setdefault(name, [])

    def enabled(self, name: str) -> list[Version]:
        """The enabled versions of a secret, oldest first."""
        return [v for v in self.secrets[name] if v.state == ENABLED]


class _Handler(JsonHandler):
    server: StateServer[SecretState]
    content_type = "application/json; charset=UTF-8"

    def do_GET(self) -> None:
        self._serve()

    def do_POST(self) -> None:
        self._serve()

    def _serve(self) -> None:
        state = self.server.state
        url = urlsplit(self.path)
        body = self.read_json()
        with state.lock:
            state.calls.append((self.command, url.path))
            if state.unavailable:
                return self.send_google_error(
                    503, "UNAVAILABLE", "The service is currently unavailable."
                )
            for method, pattern, action in _ROUTES:
                match = pattern.match(url.path)
                if method == self.command and match:
                    params = match.groupdict()
                    if params["secret"] not in state.secrets:
                        return self.send_google_error(
                            404, "NOT_FOUND", f"Secret [{params['secret']}] not found"
                        )
                    query = parse_qs(url.query)
                    status, answer = getattr(self, "_" + action)(state, params, body, query)
                    return self.send_json(status, answer)
        return self.send_google_error(404, "NOT_FOUND", f"no route for {self.command} {url.path}")

    def _get_secret(self, state: SecretState, p: dict[str, str], *_: Any) -> tuple[int, Any]:
        return 200, {"name": p["secret"], "replication": {"automatic": {}}}

    def _access(self, state: SecretState, p: dict[str, str], *_: Any) -> tuple[int, Any]:
        versions = state.secrets[p["secret"]]
        if p["v"] == "latest":
            found = state.enabled(p["secret"])[-1:]
        else:
            found = [v for v in versions if str(v.number) == p["v"]]
        if not found:
            return 404, google_error(404, "NOT_FOUND", f"Secret Version [{p['v']}] not found.")
        version = found[0]
        if version.state != ENABLED:
            return 400, google_error(400, "FAILED_PRECONDITION", "Version is not enabled.")
        name = f"{p['secret']}/versions/{version.number}"
        return 200, {"name": name, "payload": {"data": base64.b64encode(version.data).decode()}}

    def _add(self, state: SecretState, p: dict[str, str], body: Any, _: Any) -> tuple[int, Any]:
        versions = state.secrets[p["secret"]]
        data = base64.b64decode(body["payload"]["data"])
        version = Version(len(versions) + 1, data)
        versions.append(version)
        return 200, _version_json(p["secret"], version)

    def _list(self, state: SecretState, p: dict[str, str], _: Any, query: Any) -> tuple[int, Any]:
        versions = state.secrets[p["secret"]]
        if query.get("filter") == ["state:ENABLED"]:
            versions = state.enabled(p["secret"])
        listed = [_version_json(p["secret"], v) for v in reversed(versions)]  # newest first
        return 200, {"versions": listed, "totalSize": len(listed)} if listed else {}

    def _destroy(self, state: SecretState, p: dict[str, str], *_: Any) -> tuple[int, Any]:
        found = [v for v in state.secrets[p["secret"]] if str(v.number) == p["v"]]
        if not found:
            return 404, google_error(404, "NOT_FOUND", "Secret Version not found.")
        found[0].state, found[0].data = DESTROYED, b""
        return 200, _version_json(p["secret"], found[0])


def _version_json(secret: str, version: Version) -> dict[str, Any]:
    return {
        "name": f"{secret}/versions/{version.number}",
        "state": version.state,
        "createTime": "2026-03-02T08:00:00Z",
    }


class SecretManagerServer(LocalHttpServer[SecretState]):
    """The server on a free 127.0.0.1 port, in a thread; a context manager."""

    handler = _Handler

    def __init__(self, state: SecretState | None = None) -> None:
        super().__init__(state or SecretState())

    @property
    def endpoint(self) -> str:
        """The `api_endpoint` for the client."""
        return self.url()
