"""Exact's rate limits, per division, as the answers' headers tell them: before a call, wait for
a spent budget to reset (or give up when that would take too long); after a 429, wait as long as
Exact asks. The headers are read by followup.retry; every wait goes through `clock.sleep`."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta

import httpx

from followup.errors import ExactRateLimited
from followup.exact.failures import request_id
from followup.exact.paging import division_of
from followup.ports import Clock
from followup.retry import daily_budget_spent, rate_limit_wait

log = logging.getLogger(__name__)

# A 429 without a usable reset header: wait out Exact's one-minute window.
FALLBACK_RATE_LIMIT_WAIT = 60.0
# Never hammer: even a reset that has just passed (clock skew) waits this long after a 429.
MIN_RATE_LIMIT_WAIT = 1.0


class RateBudgets:
    """The spent budgets of the divisions one client calls, and when each resumes."""

    def __init__(self, clock: Clock, *, max_wait_seconds: float, max_waits: int) -> None:
        self._clock = clock
        self._max_wait = max_wait_seconds
        self._max_waits = max_waits
        self._resume_at: dict[int | None, datetime] = {}
        self._daily_spent: dict[int | None, bool] = {}

    def before_call(self, division: int | None, endpoint: str) -> None:
        """Wait for a spent budget to reset, or give up if that takes too long."""
        resume_at = self._resume_at.get(division)
        if resume_at is None:
            return
        wait = (resume_at - self._clock.now()).total_seconds()
        if wait <= 0:
            del self._resume_at[division]
            return
        if wait > self._max_wait:
            raise self._too_long(division, wait, endpoint)
        log.info("rate limit budget of division %s spent; waiting %.0f s", division, wait)
        self._clock.sleep(wait)
        del self._resume_at[division]

    def note(self, division: int | None, headers: Mapping[str, str]) -> None:
        """After an answer: remember a budget its headers say is spent."""
        now = self._clock.now()
        wait = rate_limit_wait(headers, now)
        if wait is not None and wait > 0:
            self._resume_at[division] = now + timedelta(seconds=wait)
            self._daily_spent[division] = daily_budget_spent(headers)

    def wait_after_429(self, response: httpx.Response, endpoint: str, rate_waits: int) -> None:
        """Wait out a 429 (the `rate_waits`-th of one call), or give up: the wait is too long,
        or the call was rate limited more often than it may wait."""
        division = division_of(endpoint)
        wait = rate_limit_wait(response.headers, self._clock.now())
        wait = max(FALLBACK_RATE_LIMIT_WAIT if wait is None else wait, MIN_RATE_LIMIT_WAIT)
        self._daily_spent[division] = daily_budget_spent(response.headers)
        if wait > self._max_wait:
            raise self._too_long(division, wait, endpoint, request_id(response))
        if rate_waits > self._max_waits:
            raise ExactRateLimited(
                f"still rate limited after waiting {rate_waits - 1} times",
                status=429,
                endpoint=endpoint,
                request_id=request_id(response),
            )
        self._resume_at.pop(division, None)
        log.info("rate limited on %s; waiting %.0f s", endpoint, wait)
        self._clock.sleep(wait)

    def _too_long(
        self, division: int | None, wait: float, endpoint: str, request: str | None = None
    ) -> ExactRateLimited:
        which = "daily" if self._daily_spent.get(division) else "rate limit"
        return ExactRateLimited(
            f"the {which} budget of division {division} is spent until "
            f"{self._clock.now() + timedelta(seconds=wait):%Y-%m-%d %H:%M}; "
            f"not waiting {wait:.0f} s (more than {self._max_wait:.0f} s)",
            status=429,
            endpoint=endpoint,
            request_id=request,
        )
