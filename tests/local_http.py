"""The plumbing the local stand-in HTTP servers share (Gmail, Secret Manager, Google OAuth, Cloud
Tasks): a threading server on a free 127.0.0.1 port carrying the stand-in's state, run from a
thread as a context manager, and a request handler that reads and answers JSON.

A stand-in subclasses `JsonHandler` (its `self.server.state` is the state) and
`LocalHttpServer[State]` with `handler` set to that handler class.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar, Generic, Self, TypeVar

S = TypeVar("S")


class StateServer(ThreadingHTTPServer, Generic[S]):
    """A threading HTTP server on 127.0.0.1 and a port the kernel picks, carrying `state`."""

    daemon_threads = True

    def __init__(self, handler: type[BaseHTTPRequestHandler], state: S) -> None:
        self.state = state
        super().__init__(("127.0.0.1", 0), handler)


class JsonHandler(BaseHTTPRequestHandler):
    """A quiet request handler with Nagle off, reading request bodies and answering JSON."""

    content_type = "application/json"

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:
        pass

    def read_body(self) -> bytes:
        """The request body (empty without a Content-Length)."""
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def read_json(self) -> Any:
        """The request body as JSON (an empty body is `{}`)."""
        return json.loads(self.read_body() or b"{}")

    def send_json(self, status: int, body: Any) -> None:
        """Answer `status` with `body` as JSON."""
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def send_google_error(self, code: int, status: str, message: str) -> None:
        """Answer with Google's JSON error (the `status` form of the REST APIs)."""
        self.send_json(code, google_error(code, status, message))


def google_error(code: int, status: str, message: str) -> dict[str, Any]:
    """Google's JSON error body, as the REST transports of the Cloud client libraries read it."""
    return {"error": {"code": code, "message": message, "status": status}}


class LocalHttpServer(Generic[S]):
    """A stand-in on a free 127.0.0.1 port, served from a thread; a context manager."""

    handler: ClassVar[type[BaseHTTPRequestHandler]]

    def __init__(self, state: S) -> None:
        self.state = state
        self._server = StateServer(self.handler, state)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def url(self, path: str = "") -> str:
        """The address of `path` on this server."""
        return f"http://127.0.0.1:{self._server.server_port}{path}"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
