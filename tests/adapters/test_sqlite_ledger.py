"""What only the SQLite ledger has: item lookups in chunks of its query size, the run report
row, and a division lock that is an OS file lock, dying with its process.

The ledger behaviour it shares with the Firestore ledger (claims, coverage, outcomes,
unfinished claims, release, watermarks, the division lock within a process, last_mailed,
pauses) is tested on both, side by side, in tests/gcp/test_firestore_ledger.py.
"""

from __future__ import annotations

import multiprocessing
import sqlite3
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from followup.adapters.sqlite.ledger import SqliteLedger
from followup.clock import AMSTERDAM
from followup.errors import LedgerBusy
from followup.model import Claim, MailKind, RunReport, Watermark


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


def test_more_items_than_one_query_takes_are_looked_up_in_chunks(ledger: SqliteLedger) -> None:
    # SQLite looks items up 500 at a time; the shared test's 300 items fit in one query.
    items = tuple(f"e{i}@L1" for i in range(1500))
    ledger.claim(claim(items=items))
    assert len(ledger.covered(100, MailKind.REMINDER, items)) == 1500


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


def test_a_watermark_never_moves_back(tmp_path: Path) -> None:
    ledger = SqliteLedger(tmp_path / "ledger.sqlite3")
    ledger.advance(100, Watermark(50, date(2026, 11, 23)))
    ledger.advance(100, Watermark(40, date(2026, 11, 24)))  # a stale run
    assert ledger.watermark(100) == Watermark(50, date(2026, 11, 23))
    ledger.advance(100, Watermark(50, date(2026, 11, 24), complete=True))
    assert ledger.watermark(100) == Watermark(50, date(2026, 11, 24))
