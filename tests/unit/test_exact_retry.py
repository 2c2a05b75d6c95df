"""The pure retry rules: what is retried, how long the backoff is, how long a rate limit lasts."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from followup.retry import (
    BACKOFF_CAP_SECONDS,
    backoff_seconds,
    daily_budget_spent,
    rate_limit_wait,
    should_retry,
)

NOW = datetime(2026, 3, 2, 9, 0, 0, tzinfo=UTC)


def epoch_ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


@pytest.mark.parametrize("status", [500, 502, 503, 504, 599])
def test_server_errors_are_retried(status: int) -> None:
    assert should_retry(status)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422, 429])
def test_client_errors_and_429_are_not_retried_with_backoff(status: int) -> None:
    assert not should_retry(status)


@pytest.mark.parametrize("status", [200, 204, 301])
def test_successes_are_not_retried(status: int) -> None:
    assert not should_retry(status)


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ReadTimeout("slow"),
        httpx.ConnectTimeout("slow"),
        httpx.ConnectError("refused"),
        httpx.RemoteProtocolError("cut"),
    ],
)
def test_timeouts_and_transport_errors_are_retried(exc: Exception) -> None:
    assert should_retry(exc)


def test_other_exceptions_are_not_retried() -> None:
    assert not should_retry(ValueError("bug"))


def test_backoff_grows_exponentially_within_full_jitter() -> None:
    class Top(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return b

    assert [backoff_seconds(n, Top()) for n in range(1, 8)] == [1, 2, 4, 8, 16, 30, 30]


def test_backoff_is_never_negative_nor_above_the_cap() -> None:
    rng = random.Random(7)
    for attempt in range(1, 200):
        assert 0 <= backoff_seconds(attempt, rng) <= BACKOFF_CAP_SECONDS


def test_backoff_jitter_spreads_the_waits() -> None:
    rng = random.Random(1)
    waits = {round(backoff_seconds(5, rng), 3) for _ in range(20)}
    assert len(waits) > 10


def test_no_wait_while_budget_remains() -> None:
    headers = {
        "X-RateLimit-Minutely-Remaining": "12",
        "X-RateLimit-Minutely-Reset": epoch_ms(NOW + timedelta(seconds=40)),
        "X-RateLimit-Remaining": "4000",
        "X-RateLimit-Reset": epoch_ms(NOW + timedelta(hours=10)),
    }
    assert rate_limit_wait(headers, NOW) is None
    assert not daily_budget_spent(headers)


def test_no_headers_no_wait() -> None:
    assert rate_limit_wait({}, NOW) is None


def test_spent_minutely_budget_waits_until_its_reset() -> None:
    headers = {
        "X-RateLimit-Minutely-Remaining": "0",
        "X-RateLimit-Minutely-Reset": epoch_ms(NOW + timedelta(seconds=42)),
        "X-RateLimit-Remaining": "4000",
        "X-RateLimit-Reset": epoch_ms(NOW + timedelta(hours=10)),
    }
    assert rate_limit_wait(headers, NOW) == pytest.approx(42)


def test_a_429_with_only_the_minutely_headers_waits_for_the_minute() -> None:
    headers = {
        "X-RateLimit-Minutely-Limit": "60",
        "X-RateLimit-Minutely-Remaining": "0",
        "X-RateLimit-Minutely-Reset": epoch_ms(NOW + timedelta(seconds=7)),
    }
    assert rate_limit_wait(headers, NOW) == pytest.approx(7)
    assert not daily_budget_spent(headers)


def test_a_429_with_only_the_daily_headers_waits_for_the_day() -> None:
    headers = {
        "X-RateLimit-Limit": "5000",
        "X-RateLimit-Remaining": "0",
        "X-RateLimit-Reset": epoch_ms(NOW + timedelta(hours=15)),
    }
    assert rate_limit_wait(headers, NOW) == pytest.approx(15 * 3600)
    assert daily_budget_spent(headers)


def test_a_reset_in_the_past_means_no_wait() -> None:
    headers = {
        "X-RateLimit-Minutely-Remaining": "0",
        "X-RateLimit-Minutely-Reset": epoch_ms(NOW - timedelta(seconds=3)),
    }
    assert rate_limit_wait(headers, NOW) == 0


def test_a_reset_in_seconds_instead_of_ms_is_understood() -> None:
    headers = {
        "X-RateLimit-Minutely-Remaining": "0",
        "X-RateLimit-Minutely-Reset": str(int(NOW.timestamp()) + 30),
    }
    assert rate_limit_wait(headers, NOW) == pytest.approx(30)


def test_retry_after_is_the_fallback() -> None:
    assert rate_limit_wait({"Retry-After": "12"}, NOW) == 12


def test_garbage_headers_are_ignored() -> None:
    headers = {"X-RateLimit-Minutely-Remaining": "zero", "X-RateLimit-Minutely-Reset": "soon"}
    assert rate_limit_wait(headers, NOW) is None


def test_httpx_headers_are_read_case_insensitively() -> None:
    headers = httpx.Headers(
        {
            "x-ratelimit-minutely-remaining": "0",
            "x-ratelimit-minutely-reset": epoch_ms(NOW + timedelta(seconds=5)),
        }
    )
    assert rate_limit_wait(headers, NOW) == pytest.approx(5)
