"""When `followup status` says the next run is. What it reads from the ledger is one of every
ledger's cases (tests/adapters/ledger_cases.py), run on SQLite and on Firestore."""

from __future__ import annotations

from datetime import datetime

from followup.cli.status import next_run
from followup.clock import AMSTERDAM

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=AMSTERDAM)


def test_the_next_run_is_the_next_nine_oclock_in_amsterdam() -> None:
    assert next_run(NOW) == datetime(2026, 11, 24, 9, 0, tzinfo=AMSTERDAM)
    early = NOW.replace(hour=8)
    assert next_run(early) == datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM)
    # Across the change to winter time the run stays at 09:00 local time.
    assert next_run(datetime(2026, 10, 24, 12, 0, tzinfo=AMSTERDAM)).hour == 9
