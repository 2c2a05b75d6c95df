"""A failed Exact answer as a typed error: its class from the status, Exact's own words and the
request id. Pure: no I/O."""

from __future__ import annotations

import httpx

from followup.errors import (
    ExactAuthError,
    ExactError,
    ExactRateLimited,
    ExactRequestError,
    ExactServerError,
)

# Exact doesn't document a request id header; these are the usual names (unverified).
REQUEST_ID_HEADERS = ("X-Request-Id", "Request-Id", "X-Correlation-Id")


def error_for_status(
    status: int, detail: str, *, endpoint: str, request_id: str | None = None
) -> ExactError:
    """The typed error for a failed Exact answer: the one place statuses become classes."""
    cls: type[ExactError]
    if status in (401, 403):
        cls, what = ExactAuthError, "Exact refused the credentials"
    elif status == 429:
        cls, what = ExactRateLimited, "Exact's rate limit was hit"
    elif 500 <= status <= 599:
        cls, what = ExactServerError, "Exact failed"
    elif 400 <= status <= 499:
        cls, what = ExactRequestError, "Exact refused the request"
    else:
        cls, what = ExactError, "Exact answered unexpectedly"
    message = f"{what}: {detail}" if detail else what
    return cls(message, status=status, endpoint=endpoint, request_id=request_id)


def answer_error(response: httpx.Response, endpoint: str) -> ExactError:
    """The error for a failed answer that is final (not waited out or retried)."""
    if response.status_code == 401:
        detail = "the access token was refused even after a refresh"
    else:
        detail = exact_message(response)
    return error_for_status(
        response.status_code, detail, endpoint=endpoint, request_id=request_id(response)
    )


def request_id(response: httpx.Response) -> str | None:
    """The answer's request id, if it carries one."""
    for name in REQUEST_ID_HEADERS:
        value = response.headers.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def exact_message(response: httpx.Response) -> str:
    """Exact's own words from `{"error": {"message": {"value": ...}}}`, shortened."""
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    value = message.get("value") if isinstance(message, dict) else message
    return str(value)[:300] if value else ""
