"""The trigger book on the Firestore emulator: the same cases as the SQLite one (the late
finishers and racing takeovers are in test_fenced_writes.py)."""

from __future__ import annotations

from datetime import datetime, time
from pathlib import Path

import pytest
from google.cloud import firestore

from cloud import trigger_book_cases as cases
from cloud.conftest import DIVISIONS, answer, open_site, restore_logging, scheduled
from fakes import FakeClock
from followup.adapters.firestore.connection import FirestoreConnection
from followup.adapters.firestore.trigger_book import FirestoreTriggerBook
from followup.clock import AMSTERDAM, business_date
from gcp.conftest import PROJECT

__all__ = ["restore_logging"]  # main.py's JSON log handler is taken away after each test
pytestmark = pytest.mark.usefixtures("restore_logging")


@pytest.fixture
def books(db: firestore.Client, prefix: str) -> cases.Books:
    def make(clock: FakeClock) -> FirestoreTriggerBook:
        return FirestoreTriggerBook(FirestoreConnection(db, clock, prefix=prefix), lease_seconds=60)

    return make


def test_a_call_is_taken_once_and_then_done(books: cases.Books, fclock: FakeClock) -> None:
    cases.a_call_is_taken_once_and_then_done(books, fclock)


def test_a_failed_attempt_is_taken_again_by_one_retry(
    books: cases.Books, fclock: FakeClock
) -> None:
    cases.a_failed_attempt_is_taken_again_by_one_retry(books, fclock)


@pytest.mark.real_firestore  # the dead invocation's late finish is refused by its fence
def test_a_dead_invocation_is_taken_over_after_its_lease(
    books: cases.Books, fclock: FakeClock
) -> None:
    cases.a_dead_invocation_is_taken_over_after_its_lease(books, fclock)


def test_racing_invocations_take_a_call_once(books: cases.Books, fclock: FakeClock) -> None:
    cases.racing_invocations_take_a_call_once(books, fclock)


def test_every_document_carries_the_ttl_field(
    books: cases.Books, fclock: FakeClock, db: firestore.Client, prefix: str
) -> None:
    book = books(fclock)
    book.begin(cases.CALL, cases.DAY)
    book.finish(cases.CALL, retry=True)
    books(fclock).begin(cases.CALL, cases.DAY)  # a takeover rewrites the marker
    docs = [d.to_dict() or {} for d in db.collection(f"{prefix}triggers").stream()]
    assert [d["attempt"] for d in docs] == [2]
    assert all(d["expire_at"] > fclock.now() for d in docs)


def test_daily_run_on_firestore_processes_a_repeated_scheduler_call_once(
    firestore_emulator: str,
    db: firestore.Client,
    prefix: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    today = business_date(datetime.now(AMSTERDAM))
    with open_site(tmp_path, today, monkeypatch) as site:
        ledger = f'[ledger]\nbackend = "firestore"\nproject = "{PROJECT}"\n'
        site.configure(DIVISIONS[:1], extra=ledger + f'collection_prefix = "{prefix}"')
        client = site.client("daily_run")
        headers = scheduled(datetime.combine(today, time(9), AMSTERDAM))
        first = client.post("/", headers=headers)
        assert first.status_code == 200, answer(first)
        drafts, calls = site.drafts(), len(site.sandbox.calls)
        again = client.post("/", headers=headers)
        assert again.status_code == 200
        assert answer(again)["duplicate"] is True
        assert (site.drafts(), len(site.sandbox.calls)) == (drafts, calls)
    markers = [d.to_dict() or {} for d in db.collection(f"{prefix}triggers").stream()]
    assert [(m["state"], m["attempt"]) for m in markers] == [("done", 1)]
