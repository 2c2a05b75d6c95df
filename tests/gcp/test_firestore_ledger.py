"""The Firestore ledger passes the SQLite ledger's behaviour tests (both run here, side by side),
plus what only Firestore has: TTL fields, the lease as division lock, racing claimers."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from google.cloud import firestore

from fakes import FakeClock
from followup.adapters.firestore.ledger import FirestoreLedger, doc_id
from followup.adapters.sqlite.ledger import SqliteLedger
from followup.clock import AMSTERDAM
from followup.errors import LedgerBusy, LedgerError
from followup.model import (
    Claim,
    Delivery,
    LastReminder,
    MailKind,
    Mode,
    Outcome,
    Pause,
    RunReport,
    Watermark,
)
from gcp.net import free_port

CLAIMED = datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM)


def claim(
    key: str = "100/reminder/1001/L1/abc", items: tuple[str, ...] = ("e1@L1", "e2@L1")
) -> Claim:
    return Claim(
        key=key,
        division=100,
        kind=MailKind.REMINDER,
        item_ids=items,
        recipient="info@klant.example.nl",
        subject="Herinnering",
        amount=Decimal("12.50"),
        currency="EUR",
        claimed_at=CLAIMED,
        run_id="run-1",
    )


def firestore_ledger(
    db: firestore.Client, prefix: str, clock: FakeClock, **kw: Any
) -> FirestoreLedger:
    return FirestoreLedger(db, clock, prefix=prefix, timeout_seconds=5, **kw)


@pytest.fixture(params=["sqlite", "firestore"])
def ledger(
    request: pytest.FixtureRequest, tmp_path: Path, fclock: FakeClock, prefix: str
) -> Iterator[Any]:
    if request.param == "sqlite":
        db = SqliteLedger(tmp_path / "state" / "ledger.sqlite3")
        yield db
        db.close()
    else:
        yield firestore_ledger(request.getfixturevalue("db"), prefix, fclock)


# --- The SQLite ledger's behaviour, on both --------------------------------------------------


def test_a_key_can_be_claimed_once(ledger: Any) -> None:
    assert ledger.claim(claim())
    assert not ledger.claim(claim())


def test_claimed_items_are_covered_until_a_plain_failure(ledger: Any) -> None:
    ledger.claim(claim())
    assert ledger.covered(100, MailKind.REMINDER, ["e1@L1", "e3@L1"]) == {"e1@L1"}
    assert ledger.covered(100, MailKind.CONFIRMATION, ["e1@L1"]) == set()
    assert ledger.covered(200, MailKind.REMINDER, ["e1@L1"]) == set()
    ledger.complete(claim().key, Outcome.FAILED, reason="quota")
    assert ledger.covered(100, MailKind.REMINDER, ["e1@L1"]) == set()
    assert ledger.claim(claim())  # a failed claim may be taken again
    assert ledger.covered(100, MailKind.REMINDER, ["e1@L1"]) == {"e1@L1"}
    assert not ledger.claim(claim())


def test_a_rejected_or_uncertain_claim_stays_covered(ledger: Any) -> None:
    ledger.claim(claim("a", ("x",)))
    ledger.complete("a", Outcome.REJECTED, reason="bad recipient")
    ledger.claim(claim("b", ("y",)))
    ledger.complete("b", Outcome.UNCERTAIN, reason="check Sent")
    assert ledger.covered(100, MailKind.REMINDER, ["x", "y"]) == {"x", "y"}
    assert not ledger.claim(claim("a", ("x",)))


def test_an_unfinished_claim_is_listed_with_its_snapshot_until_completed(ledger: Any) -> None:
    ledger.claim(claim())
    [left] = ledger.unfinished(100)
    assert left == claim()
    assert ledger.unfinished(200) == []
    ledger.complete(claim().key, Outcome.DRAFTED, Delivery(Mode.DRAFT, "drafts/x.eml"))
    assert ledger.unfinished(100) == []
    assert ledger.outcome(claim().key) == (Outcome.DRAFTED, "")


def test_a_released_claim_frees_its_items(ledger: Any) -> None:
    ledger.claim(claim())
    ledger.release(claim().key)
    assert ledger.covered(100, MailKind.REMINDER, ["e1@L1"]) == set()
    assert ledger.unfinished(100) == []
    assert ledger.claim(claim())


def test_a_completed_claim_is_not_released(ledger: Any) -> None:
    ledger.claim(claim())
    ledger.complete(claim().key, Outcome.SENT, Delivery(Mode.SEND, "m-1", "t-1"))
    ledger.release(claim().key)
    assert ledger.outcome(claim().key) == (Outcome.SENT, "")


def test_many_items_are_looked_up_in_chunks(ledger: Any) -> None:
    items = tuple(f"e{i}@L1" for i in range(300))
    ledger.claim(claim(items=items))
    assert len(ledger.covered(100, MailKind.REMINDER, items)) == 300


def test_the_watermark_is_kept_per_division(ledger: Any) -> None:
    assert ledger.watermark(100) is None
    ledger.advance(100, Watermark(42, date(2026, 11, 23)))
    ledger.advance(100, Watermark(43, date(2026, 11, 24)))
    assert ledger.watermark(100) == Watermark(43, date(2026, 11, 24))
    assert ledger.watermark(200) is None
    pages = (("CRM/Accounts", 20), ("CRM/Contacts", 21))
    ledger.advance(100, Watermark(44, date(2026, 11, 25), listing_pages=pages))
    assert ledger.watermark(100) == Watermark(44, date(2026, 11, 25), listing_pages=pages)
    seen = datetime(2026, 11, 25, 9, 0, 3, tzinfo=AMSTERDAM)
    ledger.advance(100, Watermark(45, date(2026, 11, 26), replies_seen=seen))
    assert ledger.watermark(100).replies_seen == seen


def test_a_second_holder_of_a_division_is_refused_and_others_are_free(
    ledger: Any, tmp_path: Path, fclock: FakeClock, prefix: str, request: pytest.FixtureRequest
) -> None:
    if isinstance(ledger, SqliteLedger):
        other: Any = SqliteLedger(ledger.path)
    else:
        other = firestore_ledger(request.getfixturevalue("db"), prefix, fclock)
    with ledger.division_lock(100):
        with pytest.raises(LedgerBusy), other.division_lock(100):
            pass
        with other.division_lock(200):
            pass
    with other.division_lock(100):
        pass


def test_last_reminders_give_the_latest_per_customer_by_run_date_without_failures(
    ledger: Any,
) -> None:
    # key: (customer, claimed on, run date, level, items)
    made = {
        "100/reminder/1001/L1/a": ("1001", 20, 20, ("e1@L1",)),
        "100/reminder/1001/L2/b": ("1001", 22, 22, ("e1@L2", "e2@L1")),
        "100/reminder/1002/L1/c": ("1002", 21, 21, ("e3@L1",)),
        "100/reminder/1003/L3/d": ("1003", 22, 22, ("e4@L3",)),
        # A run for an earlier date, made later: ordered by its run date, not its wall clock.
        "100/reminder/1002/L1/e": ("1002", 23, 19, ("e5@L1",)),
        "100/reminder/1004/L1/f": ("1004", 22, None, ("e6@L1",)),  # by an older version
    }
    for key, (customer, claimed, run, items) in made.items():
        when = datetime(2026, 11, claimed, 9, 0, tzinfo=AMSTERDAM)
        ledger.claim(
            replace(
                claim(key, items),
                claimed_at=when,
                customer=customer,
                run_date=date(2026, 11, run) if run else None,
            )
        )
    ledger.complete("100/reminder/1003/L3/d", Outcome.FAILED, reason="quota")

    found = ledger.last_reminders(100, date(2026, 11, 19))

    assert found == {
        "1001": LastReminder(date(2026, 11, 22), 2, frozenset({"e1", "e2"})),
        "1002": LastReminder(date(2026, 11, 21), 1, frozenset({"e3"})),
        "1004": LastReminder(date(2026, 11, 22), 1, frozenset({"e6"})),
    }
    assert ledger.last_reminders(200, date(2026, 11, 19)) == {}


def test_sent_reminders_list_the_delivered_ones_with_the_mailers_ids(ledger: Any) -> None:
    made = {
        "100/reminder/1001/L1/a": 20,
        "100/reminder/1002/L1/b": 21,
        "100/reminder/1003/L1/c": 21,
    }
    for key, day in made.items():
        when = datetime(2026, 11, day, 9, 0, tzinfo=AMSTERDAM)
        customer = key.split("/")[2]
        ledger.claim(replace(claim(key), claimed_at=when, customer=customer, run_date=when.date()))
    ledger.complete("100/reminder/1001/L1/a", Outcome.SENT, Delivery(Mode.SEND, "m1", "t1"))
    ledger.complete("100/reminder/1002/L1/b", Outcome.DRAFTED, Delivery(Mode.DRAFT, "<fu.x@d>"))
    ledger.complete("100/reminder/1003/L1/c", Outcome.FAILED, reason="quota")

    found = ledger.sent_reminders(100, date(2026, 11, 19))

    assert [(r.customer, r.provider_id, r.thread_id, r.run_date) for r in found] == [
        ("1001", "m1", "t1", date(2026, 11, 20)),
        ("1002", "<fu.x@d>", "", date(2026, 11, 21)),
    ]
    assert found[0].recipient == "info@klant.example.nl"
    assert found[0].claimed_at == datetime(2026, 11, 20, 9, 0, tzinfo=AMSTERDAM)
    assert ledger.sent_reminders(100, date(2026, 11, 21))[0].customer == "1002"
    assert ledger.sent_reminders(200, date(2026, 11, 19)) == []


def test_pauses_per_division_and_global_are_kept_replaced_and_lifted(ledger: Any) -> None:
    ledger.pause(Pause("1001", date(2026, 12, 31), "dispute", 100))
    ledger.pause(Pause("2026-0042", date(2026, 12, 1), "credit note coming", None))
    ledger.pause(Pause("1002", date(2026, 12, 31), "other division", 200))
    ledger.pause(Pause("1001", date(2027, 1, 15), "still in dispute", 100))
    assert ledger.pauses(100) == [
        Pause("1001", date(2027, 1, 15), "still in dispute", 100),
        Pause("2026-0042", date(2026, 12, 1), "credit note coming", None),
    ]
    assert ledger.resume("1001", 100)
    assert not ledger.resume("1001", 100)
    assert [p.target for p in ledger.pauses(100)] == ["2026-0042"]


# --- Firestore only -----------------------------------------------------------------------------


def test_the_outcome_keeps_the_providers_ids_and_the_snapshot(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    ledger = firestore_ledger(db, prefix, fclock, retention_days=30)
    ledger.claim(claim())
    ledger.complete(claim().key, Outcome.SENT, Delivery(Mode.SEND, "18c0ffee", "18c0ffee"), "due")
    data = db.collection(f"{prefix}claims").document(doc_id(claim().key)).get().to_dict()
    assert data is not None
    assert (data["outcome"], data["mode"], data["provider_id"], data["thread_id"]) == (
        "sent",
        "send",
        "18c0ffee",
        "18c0ffee",
    )
    assert (data["recipient"], data["subject"], data["amount"], data["currency"]) == (
        "info@klant.example.nl",
        "Herinnering",
        "12.50",
        "EUR",
    )
    assert data["expire_at"] == fclock.now() + timedelta(days=30)


def test_every_record_carries_a_ttl_field(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    ledger = firestore_ledger(db, prefix, fclock)
    with ledger.division_lock(100):
        ledger.claim(claim())
        ledger.advance(100, Watermark(1, date(2026, 11, 23)))
    ledger.record_run(RunReport("r1", date(2026, 11, 23), False, CLAIMED))
    names = ["claims", "watermarks", "runs", "leases"]
    for name in names:
        docs = [d.to_dict() or {} for d in db.collection(f"{prefix}{name}").stream()]
        assert docs, name
        assert all(isinstance(d.get("expire_at"), datetime) for d in docs), name
    [run] = [d.to_dict() for d in db.collection(f"{prefix}runs").stream()]
    assert run is not None
    assert run["report"]["run_id"] == "r1"
    assert run["expire_at"] == CLAIMED + timedelta(days=400)


def test_of_many_racing_claimers_exactly_one_wins(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    ledgers = [firestore_ledger(db, prefix, fclock) for _ in range(10)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        won = list(pool.map(lambda one: one.claim(claim()), ledgers))
    assert won.count(True) == 1


@pytest.mark.real_firestore  # the replacement is fenced by an update_time precondition
def test_of_many_racing_reclaimers_of_a_failed_claim_exactly_one_wins(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    first = firestore_ledger(db, prefix, fclock)
    first.claim(claim())
    first.complete(claim().key, Outcome.FAILED, reason="quota")
    ledgers = [firestore_ledger(db, prefix, fclock) for _ in range(10)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        won = list(pool.map(lambda one: one.claim(claim()), ledgers))
    assert won.count(True) == 1
    assert first.unfinished(100)[0].key == claim().key


def test_a_run_whose_lease_was_taken_over_claims_nothing_more(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    slow = firestore_ledger(db, prefix, fclock, lease_seconds=60)
    with slow.division_lock(100):
        fclock.sleep(61)  # the slow run's lease expired: another run takes the division over
        taker = firestore_ledger(db, prefix, fclock, lease_seconds=60)
        with (
            taker.division_lock(100),
            pytest.raises(LedgerBusy, match="lost the lock of division 100"),
        ):
            slow.claim(claim())
    assert slow.unfinished(100) == []


def test_a_long_run_keeps_its_division_by_renewing_as_it_claims(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    ledger = firestore_ledger(db, prefix, fclock, lease_seconds=60)
    other = firestore_ledger(db, prefix, fclock, lease_seconds=60)
    with ledger.division_lock(100):
        for n in range(4):
            fclock.sleep(40)
            assert ledger.claim(claim(f"k{n}", (f"i{n}",)))
            with pytest.raises(LedgerBusy), other.division_lock(100):
                pass


HOLD_AND_DIE = """
import os, sys
sys.path.insert(0, sys.argv[2])
from google.cloud import firestore
from followup.adapters.firestore.ledger import FirestoreLedger
from followup.clock import SystemClock
ledger = FirestoreLedger(firestore.Client(project="followup-test"), SystemClock(),
                         prefix=sys.argv[1], lease_seconds=120, timeout_seconds=5)
with ledger.division_lock(100):
    os._exit(3)
"""


def test_a_crashed_holders_division_lock_expires(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    functions = str(Path(__file__).resolve().parents[2] / "functions")
    died = subprocess.run(  # noqa: S603
        [sys.executable, "-c", HOLD_AND_DIE, prefix, functions], check=False, timeout=60
    )
    assert died.returncode == 3
    ledger = firestore_ledger(db, prefix, fclock)
    with pytest.raises(LedgerBusy, match="another run"), ledger.division_lock(100):
        pass
    fclock.current = datetime.now(AMSTERDAM) + timedelta(seconds=121)  # the other's real time
    with ledger.division_lock(100):
        pass


def test_an_unreachable_firestore_is_a_clear_retryable_ledger_error_quickly(
    firestore_emulator: str, fclock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", f"127.0.0.1:{free_port()}")
    dead = FirestoreLedger(firestore.Client(project="followup-test"), fclock, timeout_seconds=1)
    started = datetime.now()
    with pytest.raises(LedgerError, match="Firestore is unavailable") as caught:
        dead.claim(claim())
    assert caught.value.retryable
    assert (datetime.now() - started).total_seconds() < 10
