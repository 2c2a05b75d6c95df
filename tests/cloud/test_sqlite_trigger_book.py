"""The trigger book in the SQLite ledger file (one book per invocation, as in the function)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from cloud import trigger_book_cases as cases
from fakes import FakeClock
from followup.adapters.sqlite.trigger_book import SqliteTriggerBook


@pytest.fixture
def books(tmp_path: Path) -> Iterator[cases.Books]:
    opened: list[SqliteTriggerBook] = []

    def make(clock: FakeClock) -> SqliteTriggerBook:
        book = SqliteTriggerBook(tmp_path / "ledger.sqlite3", clock, lease_seconds=60)
        opened.append(book)
        return book

    yield make
    for book in opened:
        book.close()


def test_a_call_is_taken_once_and_then_done(books: cases.Books) -> None:
    cases.a_call_is_taken_once_and_then_done(books, FakeClock())


def test_a_failed_attempt_is_taken_again_by_one_retry(books: cases.Books) -> None:
    cases.a_failed_attempt_is_taken_again_by_one_retry(books, FakeClock())


def test_a_dead_invocation_is_taken_over_after_its_lease(books: cases.Books) -> None:
    cases.a_dead_invocation_is_taken_over_after_its_lease(books, FakeClock())


def test_racing_invocations_take_a_call_once(books: cases.Books) -> None:
    cases.racing_invocations_take_a_call_once(books, FakeClock())
