"""Retrying a call to another system: one attempt loop, full-jitter exponential backoff and the
`Retry-After` header, shared by the Exact client and the Gmail mailer (each keeps its own rule
of which failures may be retried), and Exact's rate-limit headers. No I/O; sleeping is the
caller's (its Clock).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TypeVar

import httpx

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 30.0

# A reset time below this is in seconds, not milliseconds (1e11 ms is 1973; 1e11 s is year 5138).
# Exact documents epoch milliseconds; this only guards against a silent change of unit.
_MS_THRESHOLD = 10**11

T = TypeVar("T")


def call_with_retries(
    attempt: Callable[[], T],
    wait_after: Callable[[Exception, int], float | None],
    *,
    max_attempts: int,
    sleep: Callable[[float], None],
) -> T:
    """The result of the first of at most `max_attempts` calls of `attempt` that succeeds.

    After failure number n (1 for the first), `wait_after(error, n)` is the caller's rule: the
    seconds to sleep before the next attempt, None when the error is not retryable (it is
    raised as it is), or it raises an error of its own (typically on the last attempt). A
    retryable error of the last attempt that `wait_after` lets through is raised as it is.
    """
    attempts = max(max_attempts, 1)
    for number in range(1, attempts + 1):
        try:
            return attempt()
        except Exception as error:
            wait = wait_after(error, number)
            if wait is None or number == attempts:
                raise
        sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


def should_retry(outcome: int | BaseException) -> bool:
    """Whether a failed Exact call may be retried with backoff.

    Timeouts, transport errors and 5xx: yes. 429 is not retried with backoff: it is a
    rate-limit wait (see `rate_limit_wait`). Other 4xx: never (Exact blocks keys that
    keep erring on an endpoint).
    """
    if isinstance(outcome, BaseException):
        return isinstance(outcome, httpx.TransportError)
    return 500 <= outcome <= 599


def backoff_seconds(attempt: int, rng: random.Random) -> float:
    """Full-jitter exponential backoff before retry number `attempt` (1 for the first retry)."""
    exponent = max(attempt - 1, 0)
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2.0 ** min(exponent, 32))
    return rng.uniform(0.0, ceiling)


def retry_after_seconds(value: str | None) -> float | None:
    """The wait a `Retry-After` header value asks for, in seconds (a negative one: 0); None when
    there is none or it is not a number of seconds (the HTTP-date form is not read)."""
    number = _integer(value)
    return None if number is None else float(max(number, 0))


def _integer(raw: str | None) -> int | None:
    if raw is None:
        return None
    try:
        return int(raw.strip())
    except ValueError:
        return None


def _seconds_until(reset: int, now: datetime) -> float:
    reset_seconds = reset / 1000.0 if reset >= _MS_THRESHOLD else float(reset)
    return max(reset_seconds - now.timestamp(), 0.0)


def rate_limit_wait(headers: Mapping[str, str], now: datetime) -> float | None:
    """Seconds to wait before the next Exact call when a rate-limit budget is spent, else None.

    Reads the minutely (`X-RateLimit-Minutely-Remaining/-Reset`) and the daily
    (`X-RateLimit-Remaining/-Reset`) headers, resets in epoch ms. On a 429 Exact sends only the
    headers of the limit that was hit; any spent limit counts, the latest reset wins. Without a
    spent limit that has a reset, a `Retry-After` (seconds) is honoured, else None.
    """
    waits: list[float] = []
    for prefix in ("X-RateLimit-Minutely-", "X-RateLimit-"):
        remaining = _integer(headers.get(prefix + "Remaining"))
        reset = _integer(headers.get(prefix + "Reset"))
        if remaining is not None and remaining <= 0 and reset is not None:
            waits.append(_seconds_until(reset, now))
    if waits:
        return max(waits)
    return retry_after_seconds(headers.get("Retry-After"))


def daily_budget_spent(headers: Mapping[str, str]) -> bool:
    """The daily budget (`X-RateLimit-Remaining`) is spent."""
    remaining = _integer(headers.get("X-RateLimit-Remaining"))
    return remaining is not None and remaining <= 0
