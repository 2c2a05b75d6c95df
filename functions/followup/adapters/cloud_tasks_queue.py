"""DivisionQueue on Cloud Tasks: one named HTTP task per division, carrying an OIDC token.

The task's name is the dedupe key: a second create of the same name is refused with
ALREADY_EXISTS (over REST a 409 whose status says so), which here means "was there already".
Creating a named task is idempotent, so transient failures are retried; a retry whose first
attempt did land meets ALREADY_EXISTS, which is the right answer too.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import requests
from google.api_core import exceptions as gexc
from google.api_core.retry import Retry, if_exception_type
from google.cloud import tasks_v2

from followup.errors import TaskQueueError
from followup.settings import CloudTasks

_TRANSIENT = (
    gexc.ServerError,
    gexc.TooManyRequests,
    gexc.ResourceExhausted,
    gexc.DeadlineExceeded,
    requests.ConnectionError,
    requests.Timeout,
)


class CloudTasksQueue:
    """Named HTTP tasks to the run_division function, on one queue."""

    def __init__(self, client: Any, settings: CloudTasks, *, timeout_seconds: float = 30.0) -> None:
        self._client = client
        self._settings = settings
        self._timeout = min(timeout_seconds, 10.0)
        self._retry = Retry(
            predicate=if_exception_type(*_TRANSIENT),
            initial=0.2,
            maximum=5.0,
            multiplier=2.0,
            timeout=timeout_seconds,
        )

    def __repr__(self) -> str:
        return f"CloudTasksQueue({self._settings.queue_path!r})"

    def enqueue(
        self, name: str, payload: dict[str, Any], schedule_time: datetime | None = None
    ) -> bool:
        """Create the task (dispatched at `schedule_time`, None: now); False when a task of that
        name exists (or ran within the hour)."""
        chosen = self._settings
        task = tasks_v2.Task(
            name=f"{chosen.queue_path}/tasks/{name}",
            schedule_time=schedule_time,
            dispatch_deadline=timedelta(seconds=chosen.dispatch_deadline_seconds),
            http_request=tasks_v2.HttpRequest(
                url=chosen.url,
                http_method=tasks_v2.HttpMethod.POST,
                headers={"Content-Type": "application/json"},
                body=json.dumps(payload, sort_keys=True).encode(),
                oidc_token=tasks_v2.OidcToken(
                    service_account_email=chosen.service_account,
                    audience=chosen.audience or chosen.url,
                ),
            ),
        )
        try:
            self._client.create_task(
                parent=chosen.queue_path, task=task, retry=self._retry, timeout=self._timeout
            )
        except gexc.GoogleAPICallError as exc:
            if already_exists(exc):
                return False
            raise _failure(exc, name) from None
        except (requests.RequestException, gexc.RetryError) as exc:
            raise TaskQueueError(
                f"Cloud Tasks unreachable while creating task {name}: {type(exc).__name__}",
                retryable=True,
            ) from None
        return True


def already_exists(exc: gexc.GoogleAPICallError) -> bool:
    """Whether Cloud Tasks refused a create because the name is taken (gRPC or REST)."""
    if isinstance(exc, gexc.AlreadyExists):
        return True
    if not isinstance(exc, gexc.Conflict):
        return False
    try:
        status = exc.response.json()["error"]["status"] if exc.response is not None else ""
    except (ValueError, KeyError, TypeError, AttributeError):
        status = ""
    return status == "ALREADY_EXISTS" or (not status and "already exists" in exc.message.lower())


def _failure(exc: gexc.GoogleAPICallError, name: str) -> TaskQueueError:
    """Refusals (403, 404, 400: IAM, a missing queue, bad settings) are not worth a retry."""
    retryable = isinstance(exc, (*_TRANSIENT, gexc.Conflict))
    return TaskQueueError(
        f"Cloud Tasks refused task {name} ({type(exc).__name__}: {str(exc.message)[:200]})",
        retryable=retryable,
    )


def client(api_endpoint: str | None) -> Any:
    """A Cloud Tasks client over REST; a local endpoint (tests) gets anonymous credentials."""
    if api_endpoint and api_endpoint.startswith(("http://127.0.0.1", "http://localhost")):
        from google.auth.credentials import AnonymousCredentials

        return tasks_v2.CloudTasksClient(
            transport="rest",
            client_options={"api_endpoint": api_endpoint},
            credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        )
    options = {"api_endpoint": api_endpoint} if api_endpoint else None
    return tasks_v2.CloudTasksClient(transport="rest", client_options=options)
