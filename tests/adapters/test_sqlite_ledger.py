"""The SQLite ledger: every ledger's cases (ledger_cases.py, which the Firestore ledger runs
too), and what only SQLite has: item lookups in chunks of its query size, the run report row,
a watermark that never moves back, and a division lock that is an OS file lock, dying with its
process."""

from __future__ import annotations

import multiprocessing
import sqlite3
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import pytest

from adapters import ledger_cases as cases
from followup.adapters.sqlite import open_stores
from followup.clock import AMSTERDAM
from followup.errors import LedgerBusy
from followup.model import MailKind, RunReport, Watermark
from followup.ports import Stores


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "state" / "ledger.sqlite3"


@pytest.fixture
def opened(path: Path) -> Iterator[cases.Opened]:
    made: list[Stores] = []

    def make() -> Stores:
        made.append(open_stores(path))
        return made[-1]

    yield make
    for stores in made:
        stores.close()


@pytest.fixture
def ledger(opened: cases.Opened) -> Stores:
    return opened()


# --- Every ledger's cases ----------------------------------------------------------------------


@pytest.mark.parametrize("case", cases.ALL, ids=lambda case: case.__name__)
def test_every_ledger_case_holds_on_sqlite(
    opened: cases.Opened, case: Callable[[cases.Opened], None]
) -> None:
    case(opened)


# --- SQLite only -------------------------------------------------------------------------------


def test_more_items_than_one_query_takes_are_looked_up_in_chunks(ledger: Stores) -> None:
    # SQLite looks items up 500 at a time; the shared test's 300 items fit in one query.
    items = tuple(f"e{i}@L1" for i in range(1500))
    ledger.claims.claim(cases.claim(items=items))
    assert len(ledger.claims.covered(100, MailKind.REMINDER, items)) == 1500


def test_a_run_report_is_kept(ledger: Stores, path: Path) -> None:
    started = datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM)
    ledger.runs.record_run(RunReport("r1", date(2026, 11, 23), False, started))
    rows = sqlite3.connect(path).execute("SELECT run_id, ok FROM runs").fetchall()
    assert rows == [("r1", 1)]


def _hold_lock(
    path: str, ready: multiprocessing.synchronize.Event, done: multiprocessing.synchronize.Event
) -> None:
    with open_stores(Path(path)).runs.division_lock(100):
        ready.set()
        done.wait(10)


def test_the_division_lock_keeps_a_second_process_out_and_dies_with_its_holder(
    ledger: Stores, path: Path
) -> None:
    ctx = multiprocessing.get_context("fork")
    ready, done = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=_hold_lock, args=(str(path), ready, done))
    holder.start()
    try:
        assert ready.wait(10)
        with pytest.raises(LedgerBusy), ledger.runs.division_lock(100):
            pass
        with ledger.runs.division_lock(200):  # other divisions are free
            pass
    finally:
        holder.kill()
        holder.join()
    with ledger.runs.division_lock(100):  # the killed holder's lock went with it
        pass


def test_a_watermark_never_moves_back(tmp_path: Path) -> None:
    ledger = open_stores(tmp_path / "ledger.sqlite3").runs
    ledger.advance(100, Watermark(50, date(2026, 11, 23)))
    ledger.advance(100, Watermark(40, date(2026, 11, 24)))  # a stale run
    assert ledger.watermark(100) == Watermark(50, date(2026, 11, 23))
    ledger.advance(100, Watermark(50, date(2026, 11, 24), complete=True))
    assert ledger.watermark(100) == Watermark(50, date(2026, 11, 24))
