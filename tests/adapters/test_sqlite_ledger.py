"""The SQLite ledger: atomic claims, outcomes, recovery state, watermarks, the division lock."""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from followup.adapters.sqlite_ledger import SqliteLedger
from followup.clock import AMSTERDAM
from followup.errors import LedgerBusy
from followup.model import Claim, Delivery, MailKind, Mode, Outcome, RunReport, Watermark


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
        claimed_at=datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM),
        run_id="run-1",
    )


@pytest.fixture
def ledger(tmp_path: Path) -> SqliteLedger:
    db = SqliteLedger(tmp_path / "state" / "ledger.sqlite3")
    yield db  # type: ignore[misc]
    db.close()


def test_a_key_can_be_claimed_once(ledger: SqliteLedger) -> None:
    assert ledger.claim(claim())
    assert not ledger.claim(claim())


def test_claimed_items_are_covered_until_a_plain_failure(ledger: SqliteLedger) -> None:
    ledger.claim(claim())
    assert ledger.covered(100, MailKind.REMINDER, ["e1@L1", "e3@L1"]) == {"e1@L1"}
    assert ledger.covered(100, MailKind.CONFIRMATION, ["e1@L1"]) == set()
    assert ledger.covered(200, MailKind.REMINDER, ["e1@L1"]) == set()
    ledger.complete(claim().key, Outcome.FAILED, reason="quota")
    assert ledger.covered(100, MailKind.REMINDER, ["e1@L1"]) == set()
    assert ledger.claim(claim())  # a failed claim may be taken again


def test_a_rejected_or_uncertain_claim_stays_covered(ledger: SqliteLedger) -> None:
    ledger.claim(claim("a", ("x",)))
    ledger.complete("a", Outcome.REJECTED, reason="bad recipient")
    ledger.claim(claim("b", ("y",)))
    ledger.complete("b", Outcome.UNCERTAIN, reason="check Sent")
    assert ledger.covered(100, MailKind.REMINDER, ["x", "y"]) == {"x", "y"}
    assert not ledger.claim(claim("a", ("x",)))


def test_an_unfinished_claim_is_listed_with_its_snapshot_until_completed(
    ledger: SqliteLedger,
) -> None:
    ledger.claim(claim())
    [left] = ledger.unfinished(100)
    assert left == claim()
    ledger.complete(claim().key, Outcome.DRAFTED, Delivery(Mode.DRAFT, "drafts/x.eml"))
    assert ledger.unfinished(100) == []
    assert ledger.outcome(claim().key) == (Outcome.DRAFTED, "")


def test_a_released_claim_frees_its_items(ledger: SqliteLedger) -> None:
    ledger.claim(claim())
    ledger.release(claim().key)
    assert ledger.covered(100, MailKind.REMINDER, ["e1@L1"]) == set()
    assert ledger.unfinished(100) == []


def test_many_items_are_looked_up_in_chunks(ledger: SqliteLedger) -> None:
    items = tuple(f"e{i}@L1" for i in range(1500))
    ledger.claim(claim(items=items))
    assert len(ledger.covered(100, MailKind.REMINDER, items)) == 1500


def test_the_watermark_is_kept_per_division(ledger: SqliteLedger) -> None:
    assert ledger.watermark(100) is None
    ledger.advance(100, Watermark(42, date(2026, 11, 23)))
    ledger.advance(100, Watermark(43, date(2026, 11, 24)))
    assert ledger.watermark(100) == Watermark(43, date(2026, 11, 24))
    assert ledger.watermark(200) is None


def test_a_run_report_is_kept(ledger: SqliteLedger) -> None:
    started = datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM)
    ledger.record_run(RunReport("r1", date(2026, 11, 23), False, started))
    rows = sqlite3.connect(ledger.path).execute("SELECT run_id, ok FROM runs").fetchall()
    assert rows == [("r1", 1)]


def _hold_lock(
    path: str, ready: multiprocessing.synchronize.Event, done: multiprocessing.synchronize.Event
) -> None:
    with SqliteLedger(Path(path)).division_lock(100):
        ready.set()
        done.wait(10)


def test_the_division_lock_keeps_a_second_process_out_and_dies_with_its_holder(
    ledger: SqliteLedger,
) -> None:
    ctx = multiprocessing.get_context("fork")
    ready, done = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(ledger.path), ready, done))
    holder.start()
    try:
        assert ready.wait(10)
        with pytest.raises(LedgerBusy), ledger.division_lock(100):
            pass
        with ledger.division_lock(200):  # other divisions are free
            pass
    finally:
        holder.kill()
        holder.join()
    with ledger.division_lock(100):  # the killed holder's lock went with it
        pass
