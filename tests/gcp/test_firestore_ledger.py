"""The Firestore ledger on the emulator: every ledger's cases (tests/adapters/ledger_cases.py,
which the SQLite ledger runs too), plus what only Firestore has: TTL fields, the lease as
division lock, racing claimers."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from google.cloud import firestore

from adapters import ledger_cases as cases
from adapters.ledger_cases import CLAIMED, claim
from fakes import FakeClock
from followup.adapters.firestore import open_stores
from followup.adapters.firestore.connection import doc_id
from followup.clock import AMSTERDAM
from followup.errors import LedgerBusy, LedgerError
from followup.model import Delivery, Mode, Outcome, RunReport, Watermark
from followup.ports import Stores
from gcp.net import free_port


def firestore_ledger(db: firestore.Client, prefix: str, clock: FakeClock, **kw: Any) -> Stores:
    return open_stores(db, clock, prefix=prefix, timeout_seconds=5, **kw)


@pytest.fixture
def opened(db: firestore.Client, prefix: str, fclock: FakeClock) -> cases.Opened:
    return lambda: firestore_ledger(db, prefix, fclock)


# --- Every ledger's cases ----------------------------------------------------------------------


@pytest.mark.parametrize("case", cases.ALL, ids=lambda case: case.__name__)
def test_every_ledger_case_holds_on_firestore(
    opened: cases.Opened, case: Callable[[cases.Opened], None]
) -> None:
    case(opened)


# --- Firestore only -----------------------------------------------------------------------------


def test_the_outcome_keeps_the_providers_ids_and_the_snapshot(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    ledger = firestore_ledger(db, prefix, fclock, retention_days=30)
    ledger.claims.claim(claim())
    ledger.claims.complete(
        claim().key, Outcome.SENT, Delivery(Mode.SEND, "18c0ffee", "18c0ffee"), "due"
    )
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
    with ledger.runs.division_lock(100):
        ledger.claims.claim(claim())
        ledger.runs.advance(100, Watermark(1, date(2026, 11, 23)))
    ledger.runs.record_run(RunReport("r1", date(2026, 11, 23), False, CLAIMED))
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
        won = list(pool.map(lambda one: one.claims.claim(claim()), ledgers))
    assert won.count(True) == 1


@pytest.mark.real_firestore  # the replacement is fenced by an update_time precondition
def test_of_many_racing_reclaimers_of_a_failed_claim_exactly_one_wins(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    first = firestore_ledger(db, prefix, fclock)
    first.claims.claim(claim())
    first.claims.complete(claim().key, Outcome.FAILED, reason="quota")
    ledgers = [firestore_ledger(db, prefix, fclock) for _ in range(10)]
    with ThreadPoolExecutor(max_workers=10) as pool:
        won = list(pool.map(lambda one: one.claims.claim(claim()), ledgers))
    assert won.count(True) == 1
    assert first.claims.unfinished(100)[0].key == claim().key


def test_a_run_whose_lease_was_taken_over_claims_nothing_more(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    slow = firestore_ledger(db, prefix, fclock, lease_seconds=60)
    with slow.runs.division_lock(100):
        fclock.sleep(61)  # the slow run's lease expired: another run takes the division over
        taker = firestore_ledger(db, prefix, fclock, lease_seconds=60)
        with (
            taker.runs.division_lock(100),
            pytest.raises(LedgerBusy, match="lost the lock of division 100"),
        ):
            slow.claims.claim(claim())
    assert slow.claims.unfinished(100) == []


def test_a_long_run_keeps_its_division_by_renewing_as_it_claims(
    db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    ledger = firestore_ledger(db, prefix, fclock, lease_seconds=60)
    other = firestore_ledger(db, prefix, fclock, lease_seconds=60)
    with ledger.runs.division_lock(100):
        for n in range(4):
            fclock.sleep(40)
            assert ledger.claims.claim(claim(f"k{n}", (f"i{n}",)))
            with pytest.raises(LedgerBusy), other.runs.division_lock(100):
                pass


HOLD_AND_DIE = """
import os, sys
sys.path.insert(0, sys.argv[2])
from google.cloud import firestore
from followup.adapters.firestore import open_stores
from followup.clock import SystemClock
ledger = open_stores(firestore.Client(project="followup-test"), SystemClock(),
                     prefix=sys.argv[1], lease_seconds=120, timeout_seconds=5)
with ledger.runs.division_lock(100):
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
    with pytest.raises(LedgerBusy, match="another run"), ledger.runs.division_lock(100):
        pass
    fclock.current = datetime.now(AMSTERDAM) + timedelta(seconds=121)  # the other's real time
    with ledger.runs.division_lock(100):
        pass


def test_an_unreachable_firestore_is_a_clear_retryable_ledger_error_quickly(
    firestore_emulator: str, fclock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", f"127.0.0.1:{free_port()}")
    dead = open_stores(firestore.Client(project="followup-test"), fclock, timeout_seconds=1)
    started = datetime.now()
    with pytest.raises(LedgerError, match="Firestore is unavailable") as caught:
        dead.claims.claim(claim())
    assert caught.value.retryable
    assert (datetime.now() - started).total_seconds() < 10
