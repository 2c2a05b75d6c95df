"""A local HTTP server speaking the part of the Cloud Tasks REST API (v2) followup uses.

POST /v2/projects/P/locations/L/queues/Q/tasks   {"task": {...}} → the task, or
     409 ALREADY_EXISTS when a task of that name exists (Cloud Tasks keeps a name blocked for
     about an hour after its task ran), 404 NOT_FOUND for an unknown queue.
Errors in Google's JSON error shape, as the real `CloudTasksClient(transport="rest")` reads them.
`down_after` = N: once N tasks exist, every create answers 503 UNAVAILABLE (an outage).
A task is kept as it was sent: its `scheduleTime` (RFC 3339, absent: to run now) too.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any

from local_http import JsonHandler, LocalHttpServer, StateServer

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

    def schedule_times(self) -> dict[str, str]:
        """Per task name, the time it is to run at (RFC 3339), for the tasks that set one."""
        return {n: t["scheduleTime"] for n, t in self.tasks.items() if t.get("scheduleTime")}


class _Handler(JsonHandler):
    server: StateServer[TasksState]

    def do_POST(self) -> None:
        state = self.server.state
        match = _CREATE.match(self.path.split("?")[0])
        body = self.read_json()
        if match is None:
            return self.send_google_error(404, "NOT_FOUND", f"no route {self.path}")
        task = body.get("task", {})
        name = str(task.get("name", ""))
        with state.lock:
            state.creates.append(name)
            if state.down_after is not None and len(state.tasks) >= state.down_after:
                return self.send_google_error(
                    503, "UNAVAILABLE", "The service is currently unavailable."
                )
            if match["queue"] not in state.queues:
                return self.send_google_error(
                    404, "NOT_FOUND", f"Queue does not exist: {match['queue']}"
                )
            if not name.startswith(match["queue"] + "/tasks/"):
                return self.send_google_error(400, "INVALID_ARGUMENT", f"bad task name {name!r}")
            if name in state.tasks:
                return self.send_google_error(
                    409, "ALREADY_EXISTS", "Requested entity already exists"
                )
            stored = {**task, "createTime": "2026-01-01T00:00:00Z", "view": 1}
            state.tasks[name] = stored
        self.send_json(200, stored)


class CloudTasksServer(LocalHttpServer[TasksState]):
    """The stand-in on 127.0.0.1 and a free port, for a `with` block."""

    handler = _Handler

    @property
    def endpoint(self) -> str:
        """The `api_endpoint` for the client."""
        return self.url()
