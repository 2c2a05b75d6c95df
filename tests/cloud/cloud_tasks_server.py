"""A local HTTP server speaking the part of the Cloud Tasks REST API (v2) followup uses.

POST /v2/projects/P/locations/L/queues/Q/tasks   {"task": {...}} → the task, or
     409 ALREADY_EXISTS when a task of that name exists (Cloud Tasks keeps a name blocked for
     about an hour after its task ran), 404 NOT_FOUND for an unknown queue.
Errors in Google's JSON error shape, as the real `CloudTasksClient(transport="rest")` reads them.
`down_after` = N: once N tasks exist, every create answers 503 UNAVAILABLE (an outage).
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

_CREATE = re.compile(r"^/v2/(?P<queue>projects/[^/]+/locations/[^/]+/queues/[^/]+)/tasks$")


@dataclass
class TasksState:
    """Queues, the tasks created on them, and every create call (including refused ones)."""

    queues: set[str] = field(default_factory=set)
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)
    creates: list[str] = field(default_factory=list)
    down_after: int | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def payloads(self) -> list[dict[str, Any]]:
        """The decoded JSON bodies of the tasks, in creation order."""
        import base64

        return [json.loads(base64.b64decode(t["httpRequest"]["body"])) for t in self.tasks.values()]


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_POST(self) -> None:
        state = self.server.state
        match = _CREATE.match(self.path.split("?")[0])
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
        if match is None:
            return self._error(404, "NOT_FOUND", f"no route {self.path}")
        task = body.get("task", {})
        name = str(task.get("name", ""))
        with state.lock:
            state.creates.append(name)
            if state.down_after is not None and len(state.tasks) >= state.down_after:
                return self._error(503, "UNAVAILABLE", "The service is currently unavailable.")
            if match["queue"] not in state.queues:
                return self._error(404, "NOT_FOUND", f"Queue does not exist: {match['queue']}")
            if not name.startswith(match["queue"] + "/tasks/"):
                return self._error(400, "INVALID_ARGUMENT", f"bad task name {name!r}")
            if name in state.tasks:
                return self._error(409, "ALREADY_EXISTS", "Requested entity already exists")
            stored = {**task, "createTime": "2026-01-01T00:00:00Z", "view": 1}
            state.tasks[name] = stored
        self._send(200, stored)

    def _error(self, code: int, status: str, message: str) -> None:
        self._send(code, {"error": {"code": code, "message": message, "status": status}})

    def _send(self, code: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, state: TasksState) -> None:
        self.state = state
        super().__init__(("127.0.0.1", 0), _Handler)  # a free port, chosen by the kernel


class CloudTasksServer:
    """The stand-in on 127.0.0.1 and a free port, for a `with` block."""

    def __init__(self, state: TasksState) -> None:
        self.state = state
        self._server = _Server(state)
        self.endpoint = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> CloudTasksServer:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
