"""The attempt loop and the Retry-After reading that the Exact client and the Gmail mailer share."""

from __future__ import annotations

import pytest

from followup.retry import call_with_retries, retry_after_seconds


class Flaky:
    """Fails with the errors given, in order, then answers "ok"; counts its calls."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


def retry_timeouts(error: Exception, attempt: int) -> float | None:
    return float(attempt) if isinstance(error, TimeoutError) else None


def test_a_call_that_succeeds_at_once_never_sleeps() -> None:
    sleeps: list[float] = []
    call = Flaky()
    assert call_with_retries(call, retry_timeouts, max_attempts=3, sleep=sleeps.append) == "ok"
    assert (call.calls, sleeps) == (1, [])


def test_retryable_failures_sleep_the_callers_wait_before_each_new_attempt() -> None:
    sleeps: list[float] = []
    call = Flaky(TimeoutError(), TimeoutError())
    assert call_with_retries(call, retry_timeouts, max_attempts=3, sleep=sleeps.append) == "ok"
    assert (call.calls, sleeps) == (3, [1.0, 2.0])


def test_an_error_the_rule_does_not_retry_is_raised_as_it_is_at_once() -> None:
    sleeps: list[float] = []
    call = Flaky(ValueError("bug"))
    with pytest.raises(ValueError, match="bug"):
        call_with_retries(call, retry_timeouts, max_attempts=3, sleep=sleeps.append)
    assert (call.calls, sleeps) == (1, [])


def test_a_retryable_error_of_the_last_attempt_is_raised_as_it_is() -> None:
    sleeps: list[float] = []
    call = Flaky(TimeoutError(), TimeoutError("the last"))
    with pytest.raises(TimeoutError, match="the last"):
        call_with_retries(call, retry_timeouts, max_attempts=2, sleep=sleeps.append)
    assert (call.calls, sleeps) == (2, [1.0])


def test_the_rule_may_raise_its_own_error_instead() -> None:
    def give_up_after_two(error: Exception, attempt: int) -> float | None:
        if attempt == 2:
            raise RuntimeError(f"gave up after {attempt} attempts") from None
        return 0.5

    call = Flaky(TimeoutError(), TimeoutError(), TimeoutError())
    with pytest.raises(RuntimeError, match="after 2 attempts"):
        call_with_retries(call, give_up_after_two, max_attempts=5, sleep=lambda _: None)
    assert call.calls == 2


def test_at_least_one_attempt_is_made() -> None:
    call = Flaky()
    assert call_with_retries(call, retry_timeouts, max_attempts=0, sleep=lambda _: None) == "ok"


@pytest.mark.parametrize(
    ("value", "seconds"),
    [("12", 12.0), (" 7 ", 7.0), ("0", 0.0), ("-3", 0.0), (None, None), ("", None),
     ("Wed, 21 Oct 2026 07:28:00 GMT", None), ("1.5", None)],
)  # fmt: skip
def test_retry_after_is_a_number_of_seconds(value: str | None, seconds: float | None) -> None:
    assert retry_after_seconds(value) == seconds
