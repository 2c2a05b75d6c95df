"""When to retry an Exact call and how long to wait: pure functions, no I/O, no sleeping."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime

import httpx

BACKOFF_BASE_SECONDS = 1.0
BACKOFF_CAP_SECONDS = 30.0

# A reset time below this is in seconds, not milliseconds (1e11 ms is 1973; 1e11 s is year 5138).
# Exact documents epoch milliseconds; this only guards against a silent change of unit.
_MS_THRESHOLD = 10**11


def should_retry(outcome: int | BaseException) -> bool:
    """Whether a failed call may be retried with backoff.

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


def _number(headers: Mapping[str, str], name: str) -> int | None:
    raw = headers.get(name)
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
    """Seconds to wait before the next call when a rate-limit budget is spent, else None.

    Reads the minutely (`X-RateLimit-Minutely-Remaining/-Reset`) and the daily
    (`X-RateLimit-Remaining/-Reset`) headers, resets in epoch ms. On a 429 Exact sends only the
    headers of the limit that was hit; any spent limit counts, the latest reset wins. Without a
    spent limit that has a reset, a `Retry-After` (seconds) is honoured, else None.
    """
    waits: list[float] = []
    for prefix in ("X-RateLimit-Minutely-", "X-RateLimit-"):
        remaining = _number(headers, prefix + "Remaining")
        reset = _number(headers, prefix + "Reset")
        if remaining is not None and remaining <= 0 and reset is not None:
            waits.append(_seconds_until(reset, now))
    if waits:
        return max(waits)
    retry_after = _number(headers, "Retry-After")
    return None if retry_after is None else float(max(retry_after, 0))


def daily_budget_spent(headers: Mapping[str, str]) -> bool:
    """The daily budget (`X-RateLimit-Remaining`) is spent."""
    remaining = _number(headers, "X-RateLimit-Remaining")
    return remaining is not None and remaining <= 0
