"""What `followup status` reads, the same from the SQLite and the Firestore ledger."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from google.cloud import firestore

from fakes import FakeClock
from followup.adapters.firestore.ledger import FirestoreLedger
from followup.adapters.sqlite.ledger import SqliteLedger
from followup.cli.status import gather, next_run, render
from followup.clock import AMSTERDAM
from followup.model import (
    Claim,
    Delivery,
    DivisionReport,
    MailKind,
    Mode,
    Outcome,
    Pause,
    ReportEntry,
    RunReport,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=AMSTERDAM)


def claim(key: str, minutes: int) -> Claim:
    return Claim(
        key=key,
        division=100,
        kind=MailKind.REMINDER,
        item_ids=(f"{key}-item",),
        recipient="info@klant.example.nl",
        subject=f"Herinnering {key}",
        amount=Decimal(1),
        currency="EUR",
        claimed_at=NOW + timedelta(minutes=minutes),
        run_id="run-2",
    )


@pytest.fixture(params=["sqlite", "firestore"])
def ledger(request: pytest.FixtureRequest, tmp_path: Path, prefix: str) -> Iterator[Any]:
    if request.param == "sqlite":
        db = SqliteLedger(tmp_path / "ledger.sqlite3")
        yield db
        db.close()
    else:
        client: firestore.Client = request.getfixturevalue("db")
        yield FirestoreLedger(client, FakeClock(NOW), prefix=prefix, timeout_seconds=5)


def run(run_id: str, started: datetime, division: int, *, error: str = "") -> RunReport:
    entry = ReportEntry(division, MailKind.REMINDER, Outcome.DRAFTED, "1001 Klant", key="k")
    report = RunReport(run_id, started.date(), False, started)
    report.divisions.append(DivisionReport(division, [] if error else [entry], error=error))
    return report


def test_status_shows_the_last_run_per_division_what_needs_a_look_and_pauses(ledger: Any) -> None:
    ledger.record_run(run("old", NOW - timedelta(days=1), 100))
    ledger.record_run(run("new", NOW, 100, error="Exact is down"))
    ledger.record_run(run("other", NOW - timedelta(days=2), 200))
    ledger.claim(claim("pending", 1))
    ledger.claim(claim("uncertain", 2))
    ledger.complete("uncertain", Outcome.UNCERTAIN, reason="uncertain: check Sent")
    ledger.claim(claim("done", 3))
    ledger.complete("done", Outcome.SENT, Delivery(Mode.SEND, "id-1"))
    ledger.pause(Pause("1001", date(2026, 12, 1), "dispute"))
    ledger.pause(Pause("1002", date(2026, 11, 1), "old agreement", division=200))

    state = gather(ledger, NOW)

    assert [(d["division"], d["run_id"], d["ok"]) for d in state["divisions"]] == [
        (100, "new", False),
        (200, "other", True),
    ]
    assert state["divisions"][1]["delivered"] == {"drafted": 1}
    assert [(a["key"], a["state"]) for a in state["attention"]] == [
        ("pending", "pending"),
        ("uncertain", "uncertain"),
    ]
    assert state["attention"][1]["reason"] == "uncertain: check Sent"
    assert [(p["target"], p["active"]) for p in state["pauses"]] == [
        ("1001", True),
        ("1002", False),
    ]
    text = render(state)
    assert "100: 2026-11-23 (run new) FAILED: Exact is down" in text
    assert "uncertain: 'Herinnering uncertain'" in text
    assert "1002 in division 200 until 2026-11-01 (ended): old agreement" in text


def test_the_next_run_is_the_next_nine_oclock_in_amsterdam() -> None:
    assert next_run(NOW) == datetime(2026, 11, 24, 9, 0, tzinfo=AMSTERDAM)
    early = NOW.replace(hour=8)
    assert next_run(early) == datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM)
    # Across the change to winter time the run stays at 09:00 local time.
    assert next_run(datetime(2026, 10, 24, 12, 0, tzinfo=AMSTERDAM)).hour == 9


def test_a_fresh_ledger_says_nothing_ran_yet(ledger: Any) -> None:
    state = gather(ledger, NOW)
    assert state["divisions"] == []
    assert state["attention"] == []
    assert "no run recorded yet" in render(state)
