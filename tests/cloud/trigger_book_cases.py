"""What every TriggerBook must do, as functions the SQLite and Firestore tests both run.

`books(clock)` makes a new book on the same storage: one per invocation of the function."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta

from fakes import FakeClock
from followup.ports import Begun, TriggerBook

Books = Callable[[FakeClock], TriggerBook]
CALL = "followup-daily@2026-11-23T08:00:00+00:00"
DAY = date(2026, 11, 23)


def a_call_is_taken_once_and_then_done(books: Books, clock: FakeClock) -> None:
    first, second = books(clock), books(clock)
    assert first.begin(CALL, DAY) is Begun.NEW
    assert second.begin(CALL, DAY) is Begun.RUNNING
    first.finish(CALL, retry=False)
    assert second.begin(CALL, DAY) is Begun.DONE
    assert books(clock).begin("followup-daily@2026-11-24T08:00:00+00:00", DAY) is Begun.NEW


def a_failed_attempt_is_taken_again_by_one_retry(books: Books, clock: FakeClock) -> None:
    first = books(clock)
    assert first.begin(CALL, DAY) is Begun.NEW
    first.finish(CALL, retry=True)
    retry, other = books(clock), books(clock)
    assert retry.begin(CALL, DAY) is Begun.NEW
    assert other.begin(CALL, DAY) is Begun.RUNNING
    retry.finish(CALL, retry=False)
    assert other.begin(CALL, DAY) is Begun.DONE


def a_dead_invocation_is_taken_over_after_its_lease(books: Books, clock: FakeClock) -> None:
    dead = books(clock)
    assert dead.begin(CALL, DAY) is Begun.NEW
    clock.current += timedelta(seconds=59)
    assert books(clock).begin(CALL, DAY) is Begun.RUNNING
    clock.current += timedelta(seconds=2)
    taker = books(clock)
    assert taker.begin(CALL, DAY) is Begun.NEW
    dead.finish(CALL, retry=False)  # too late: its attempt was taken over, left as it is
    assert books(clock).begin(CALL, DAY) is Begun.RUNNING
    taker.finish(CALL, retry=False)
    assert books(clock).begin(CALL, DAY) is Begun.DONE


def racing_invocations_take_a_call_once(books: Books, clock: FakeClock, racers: int = 12) -> None:
    contenders = [books(clock) for _ in range(racers)]
    with ThreadPoolExecutor(racers) as pool:
        results = list(pool.map(lambda book: book.begin(CALL, DAY), contenders))
    assert results.count(Begun.NEW) == 1
    assert results.count(Begun.RUNNING) == racers - 1
