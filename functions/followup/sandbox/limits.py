"""Exact Online's rate limits per division: calls per minute and per day, told in headers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from followup.clock import AMSTERDAM


@dataclass
class _Usage:
    minute: int = -1  # index of the fixed one-minute window
    minute_calls: int = 0
    day: date = date.min  # the Amsterdam calendar day
    day_calls: int = 0


@dataclass(frozen=True)
class Admission:
    """Whether a call may be served, and the rate-limit headers of its response."""

    allowed: bool
    headers: dict[str, str]


def _ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def minute_window(now: datetime) -> tuple[int, str]:
    """The index of the one-minute window `now` is in, and its end in epoch ms."""
    index = int(now.timestamp() // 60)
    return index, str((index + 1) * 60_000)


def day_window(now: datetime) -> tuple[date, str]:
    """The Amsterdam day `now` is in, and its end (next midnight, Amsterdam) in epoch ms."""
    day = now.astimezone(AMSTERDAM).date()
    return day, _ms(datetime.combine(day + timedelta(days=1), time(), tzinfo=AMSTERDAM))


def minutely_headers(limit: int, remaining: int, reset: str) -> dict[str, str]:
    """The three minutely headers."""
    return {
        "X-RateLimit-Minutely-Limit": str(limit),
        "X-RateLimit-Minutely-Remaining": str(max(remaining, 0)),
        "X-RateLimit-Minutely-Reset": reset,
    }


def daily_headers(limit: int, remaining: int, reset: str) -> dict[str, str]:
    """The three daily headers."""
    return {
        "X-RateLimit-Limit": str(limit),
        "X-RateLimit-Remaining": str(max(remaining, 0)),
        "X-RateLimit-Reset": reset,
    }


class RateLimiter:
    """Counts calls per division in fixed minute windows and Amsterdam days."""

    def __init__(self) -> None:
        self._usage: dict[int, _Usage] = {}

    def admit(
        self, division: int, now: datetime, minutely_limit: int, daily_limit: int
    ) -> Admission:
        """Count one call, or refuse it with the headers of the limit it hit (only those)."""
        usage = self._usage.setdefault(division, _Usage())
        minute, minute_reset = minute_window(now)
        day, day_reset = day_window(now)
        if usage.minute != minute:
            usage.minute, usage.minute_calls = minute, 0
        if usage.day != day:
            usage.day, usage.day_calls = day, 0
        if usage.day_calls >= daily_limit:
            return Admission(False, daily_headers(daily_limit, 0, day_reset))
        if usage.minute_calls >= minutely_limit:
            return Admission(False, minutely_headers(minutely_limit, 0, minute_reset))
        usage.minute_calls += 1
        usage.day_calls += 1
        return Admission(
            True,
            daily_headers(daily_limit, daily_limit - usage.day_calls, day_reset)
            | minutely_headers(minutely_limit, minutely_limit - usage.minute_calls, minute_reset),
        )
