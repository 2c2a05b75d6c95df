"""The sandbox on real HTTP: a ThreadingHTTPServer on 127.0.0.1 and a free port, in a daemon
thread."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from followup.sandbox.api import handle
from followup.sandbox.exact_json import Response, dumps, error_body
from followup.sandbox.state import SandboxState


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httpx expects
    timeout = 30  # idle keep-alive connections close on their own
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms stalls
    server: _Server

    def _serve(self) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if state.latency_seconds > 0:
            time.sleep(state.latency_seconds)
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            response = handle(state, self.command, self.path, headers, body, self.server.base_url)
        except Exception as exc:  # a sandbox bug: answer 500 rather than hang the client
            response = Response(500, error_body(f"Sandbox error: {exc!r}"))
        self._send(response)

    def _send(self, response: Response) -> None:
        if response.content is not None:
            payload = response.content
        else:
            payload = b"" if response.body is None else dumps(response.body)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.body is not None:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: `state.calls` records what was served."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: SandboxState, host: str, port: int) -> None:
        self.state = state
        super().__init__((host, port), _Handler)
        self.base_url = f"http://{host}:{self.server_address[1]}"


class SandboxServer:
    """Serves a SandboxState until stopped; use as a context manager."""

    def __init__(self, state: SandboxState, host: str = "127.0.0.1", port: int = 0) -> None:
        self.state = state
        self._host, self._port = host, port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT` of the running server."""
        if self._server is None:
            raise RuntimeError("the sandbox server is not running")
        return self._server.base_url

    def start(self) -> SandboxServer:
        """Bind and serve in a daemon thread."""
        if self._server is None:
            self._server = _Server(self.state, self._host, self._port)
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.01},  # a prompt shutdown
                name="exact-sandbox",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
