"""HTTP answers: a status code and a JSON body. 5xx only when calling again may help."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from followup.errors import ConfigError, FollowupError, RequestError
from followup.model import Outcome, RunReport
from followup.report import report_to_dict

OK, ACCEPTED, MULTIPLE_CHOICES = 200, 202, 300  # 2xx: done
BAD_REQUEST = 400  # the caller's body, headers or date
UNPROCESSABLE = 422  # settings or credentials: fix them, calling again won't help
UNAVAILABLE = 503  # a retry may succeed (Exact or Google down, a division busy, a failed send)


@dataclass(frozen=True)
class Answer:
    """What an entry point sends back."""

    status: int
    body: dict[str, Any]


def for_report(report: RunReport) -> Answer:
    """A finished run: 200, or 503 when something failed that a retry can fix, else 422."""
    body = report_to_dict(report)
    retry = any(d.error and d.retryable for d in report.divisions) or any(
        e.outcome is Outcome.FAILED for e in report.entries()
    )
    if retry:
        return Answer(UNAVAILABLE, body)
    return Answer(OK if report.ok else UNPROCESSABLE, body)


def for_error(exc: FollowupError) -> Answer:
    """An error that stopped the request, with what to do about it."""
    if isinstance(exc, RequestError):
        return Answer(BAD_REQUEST, {"error": "bad request", "problems": exc.problems})
    if isinstance(exc, ConfigError):
        return Answer(
            UNPROCESSABLE,
            {"error": "invalid settings", "source": exc.source, "problems": exc.problems},
        )
    status = UNAVAILABLE if exc.retryable else UNPROCESSABLE
    return Answer(status, {"error": str(exc), "retryable": exc.retryable})
