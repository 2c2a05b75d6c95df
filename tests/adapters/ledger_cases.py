"""What every ledger must do (claims, coverage, outcomes, unfinished claims, release, watermarks,
the division lock within a process, reminders, pauses, the status view), as functions the SQLite
and the Firestore tests both run: tests/adapters/test_sqlite_ledger.py and
tests/gcp/test_firestore_ledger.py.

`opened()` opens the ledger's ports on the same storage: a second call is another run's view."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest

from followup.cli.status import gather, render
from followup.clock import AMSTERDAM
from followup.errors import LedgerBusy
from followup.model import (
    Claim,
    Customer,
    Delivery,
    DivisionReport,
    LastReminder,
    MailKind,
    Mode,
    Outcome,
    Pause,
    ReportEntry,
    RunReport,
    Watermark,
)
from followup.ports import Stores
from followup.report import report_to_dict
from followup.report_json import report_from_dict

Opened = Callable[[], Stores]
CLAIMED = datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM)
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=AMSTERDAM)


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


# --- Ledger ------------------------------------------------------------------------------------


def a_key_can_be_claimed_once(opened: Opened) -> None:
    ledger = opened().claims
    assert ledger.claim(claim())
    assert not ledger.claim(claim())


def claimed_items_are_covered_until_a_plain_failure(opened: Opened) -> None:
    ledger = opened().claims
    ledger.claim(claim())
    assert ledger.covered(100, MailKind.REMINDER, ["e1@L1", "e3@L1"]) == {"e1@L1"}
    assert ledger.covered(100, MailKind.CONFIRMATION, ["e1@L1"]) == set()
    assert ledger.covered(200, MailKind.REMINDER, ["e1@L1"]) == set()
    ledger.complete(claim().key, Outcome.FAILED, reason="quota")
    assert ledger.covered(100, MailKind.REMINDER, ["e1@L1"]) == set()
    assert ledger.claim(claim())  # a failed claim may be taken again
    assert ledger.covered(100, MailKind.REMINDER, ["e1@L1"]) == {"e1@L1"}
    assert not ledger.claim(claim())


def a_rejected_or_uncertain_claim_stays_covered(opened: Opened) -> None:
    ledger = opened().claims
    ledger.claim(claim("a", ("x",)))
    ledger.complete("a", Outcome.REJECTED, reason="bad recipient")
    ledger.claim(claim("b", ("y",)))
    ledger.complete("b", Outcome.UNCERTAIN, reason="check Sent")
    assert ledger.covered(100, MailKind.REMINDER, ["x", "y"]) == {"x", "y"}
    assert not ledger.claim(claim("a", ("x",)))


def an_unfinished_claim_is_listed_with_its_snapshot_until_completed(opened: Opened) -> None:
    ledger = opened().claims
    ledger.claim(claim())
    [left] = ledger.unfinished(100)
    assert left == claim()
    assert ledger.unfinished(200) == []
    ledger.complete(claim().key, Outcome.DRAFTED, Delivery(Mode.DRAFT, "drafts/x.eml"))
    assert ledger.unfinished(100) == []
    assert ledger.outcome(claim().key) == (Outcome.DRAFTED, "")  # type: ignore[attr-defined]


def a_released_claim_frees_its_items(opened: Opened) -> None:
    ledger = opened().claims
    ledger.claim(claim())
    ledger.release(claim().key)
    assert ledger.covered(100, MailKind.REMINDER, ["e1@L1"]) == set()
    assert ledger.unfinished(100) == []
    assert ledger.claim(claim())


def a_completed_claim_is_not_released(opened: Opened) -> None:
    ledger = opened().claims
    ledger.claim(claim())
    ledger.complete(claim().key, Outcome.SENT, Delivery(Mode.SEND, "m-1", "t-1"))
    ledger.release(claim().key)
    assert ledger.outcome(claim().key) == (Outcome.SENT, "")  # type: ignore[attr-defined]


def many_items_are_looked_up_in_chunks(opened: Opened) -> None:
    ledger = opened().claims
    items = tuple(f"e{i}@L1" for i in range(300))
    ledger.claim(claim(items=items))
    assert len(ledger.covered(100, MailKind.REMINDER, items)) == 300


def last_reminders_give_the_latest_per_customer_by_run_date_without_failures(
    opened: Opened,
) -> None:
    ledger = opened().claims
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


def sent_reminders_list_the_delivered_ones_with_the_mailers_ids(opened: Opened) -> None:
    ledger = opened().claims
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


# --- RunLog ------------------------------------------------------------------------------------


def the_watermark_is_kept_per_division(opened: Opened) -> None:
    runs = opened().runs
    assert runs.watermark(100) is None
    runs.advance(100, Watermark(42, date(2026, 11, 23)))
    runs.advance(100, Watermark(43, date(2026, 11, 24)))
    assert runs.watermark(100) == Watermark(43, date(2026, 11, 24))
    assert runs.watermark(200) is None
    pages = (("CRM/Accounts", 20), ("CRM/Contacts", 21))
    runs.advance(100, Watermark(44, date(2026, 11, 25), listing_pages=pages))
    assert runs.watermark(100) == Watermark(44, date(2026, 11, 25), listing_pages=pages)
    seen = datetime(2026, 11, 25, 9, 0, 3, tzinfo=AMSTERDAM)
    runs.advance(100, Watermark(45, date(2026, 11, 26), replies_seen=seen))
    assert runs.watermark(100).replies_seen == seen  # type: ignore[union-attr]


def a_second_holder_of_a_division_is_refused_and_others_are_free(opened: Opened) -> None:
    runs, other = opened().runs, opened().runs
    with runs.division_lock(100):
        with pytest.raises(LedgerBusy), other.division_lock(100):
            pass
        with other.division_lock(200):
            pass
    with other.division_lock(100):
        pass


# --- PauseBook ---------------------------------------------------------------------------------


def pauses_per_division_and_global_are_kept_replaced_and_lifted(opened: Opened) -> None:
    book = opened().pauses
    book.pause(Pause("1001", date(2026, 12, 31), "dispute", 100))
    book.pause(Pause("2026-0042", date(2026, 12, 1), "credit note coming", None))
    book.pause(Pause("1002", date(2026, 12, 31), "other division", 200))
    book.pause(Pause("1001", date(2027, 1, 15), "still in dispute", 100))
    assert book.pauses(100) == [
        Pause("1001", date(2027, 1, 15), "still in dispute", 100),
        Pause("2026-0042", date(2026, 12, 1), "credit note coming", None),
    ]
    assert book.resume("1001", 100)
    assert not book.resume("1001", 100)
    assert [p.target for p in book.pauses(100)] == ["2026-0042"]


# --- StatusView: what `followup status` reads --------------------------------------------------


def status_claim(key: str, minutes: int) -> Claim:
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


def run(run_id: str, started: datetime, division: int, *, error: str = "") -> RunReport:
    who = Customer("", "1001", "Klant")
    entry = ReportEntry(division, MailKind.REMINDER, Outcome.DRAFTED, who, key="k")
    report = RunReport(run_id, started.date(), False, started)
    report.divisions.append(DivisionReport(division, [] if error else [entry], error=error))
    return report


def status_shows_the_last_run_per_division_what_needs_a_look_and_pauses(opened: Opened) -> None:
    stores = opened()
    ledger, runs, book = stores.claims, stores.runs, stores.pauses
    runs.record_run(run("old", NOW - timedelta(days=1), 100))
    runs.record_run(run("new", NOW, 100, error="Exact is down"))
    runs.record_run(run("other", NOW - timedelta(days=2), 200))
    ledger.claim(status_claim("pending", 1))
    ledger.claim(status_claim("uncertain", 2))
    ledger.complete("uncertain", Outcome.UNCERTAIN, reason="uncertain: check Sent")
    ledger.claim(status_claim("done", 3))
    ledger.complete("done", Outcome.SENT, Delivery(Mode.SEND, "id-1"))
    book.pause(Pause("1001", date(2026, 12, 1), "dispute"))
    book.pause(Pause("1002", date(2026, 11, 1), "old agreement", division=200))

    state = gather(stores.status, NOW)

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


def the_runs_of_a_fan_out_are_read_back_by_date_and_run_id(opened: Opened) -> None:
    runs = opened().runs
    kept = [run("fan-d100", NOW, 100), run("fan-d200", NOW, 200, error="Exact is down")]
    for report in [*kept, run("fan-d300", NOW - timedelta(days=1), 300), run("other", NOW, 100)]:
        runs.record_run(report)

    wanted = ["fan-d100", "fan-d200", "fan-d300", "fan-d400"]
    found = opened().status.runs_of(NOW.date(), wanted)

    assert sorted(found) == ["fan-d100", "fan-d200"]  # not another day's, not another run's
    for report in kept:
        assert report_to_dict(report_from_dict(found[report.run_id])) == report_to_dict(report)
    assert opened().status.runs_of(NOW.date(), []) == {}


def a_fresh_ledger_says_nothing_ran_yet(opened: Opened) -> None:
    state = gather(opened().status, NOW)
    assert state["divisions"] == []
    assert state["attention"] == []
    assert "no run recorded yet" in render(state)


# Every case, run on each backend by one parametrized test (test ids: the cases' names).
ALL: tuple[Callable[[Opened], None], ...] = (
    a_key_can_be_claimed_once,
    claimed_items_are_covered_until_a_plain_failure,
    a_rejected_or_uncertain_claim_stays_covered,
    an_unfinished_claim_is_listed_with_its_snapshot_until_completed,
    a_released_claim_frees_its_items,
    a_completed_claim_is_not_released,
    many_items_are_looked_up_in_chunks,
    last_reminders_give_the_latest_per_customer_by_run_date_without_failures,
    sent_reminders_list_the_delivered_ones_with_the_mailers_ids,
    the_watermark_is_kept_per_division,
    a_second_holder_of_a_division_is_refused_and_others_are_free,
    pauses_per_division_and_global_are_kept_replaced_and_lifted,
    status_shows_the_last_run_per_division_what_needs_a_look_and_pauses,
    the_runs_of_a_fan_out_are_read_back_by_date_and_run_id,
    a_fresh_ledger_says_nothing_ran_yet,
)
