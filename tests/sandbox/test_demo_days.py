"""play_to / DemoDays: the demo administration played forward, the same for the same start."""

from __future__ import annotations

from dataclasses import astuple
from datetime import date, timedelta

import pytest

from followup.exact.codes import TransactionType
from followup.sandbox.demo_customers import CUSTOMERS
from followup.sandbox.demo_data import seed_demo
from followup.sandbox.demo_days import SCRIPT, DemoDays, play_to
from followup.sandbox.state import SandboxState

START = date(2026, 3, 2)  # a Monday
DIVISION = 123456


def rows(start: date, days: int) -> list[tuple[object, ...]]:
    state = SandboxState()
    play_to(state, start, start + timedelta(days=days))
    return [astuple(line) for line in state.divisions[DIVISION].lines]


def booked_on_or_after(state: SandboxState, day: date, kind: int) -> list[date]:
    return [
        line.invoice_date
        for line in state.divisions[DIVISION].lines
        if line.transaction_type == kind and line.invoice_date >= day
    ]


def test_the_same_start_gives_the_same_rows() -> None:
    assert rows(START, 30) == rows(START, 30)


def test_another_start_gives_another_month() -> None:
    first, second = rows(START, 30), rows(START + timedelta(days=1), 30)
    assert len(first) != len(second) or first != second


def test_playing_no_days_is_the_seed_alone() -> None:
    seeded = SandboxState()
    seed_demo(seeded, START)
    played = SandboxState()
    play_to(played, START, START)
    assert [astuple(x) for x in played.divisions[DIVISION].lines] == [
        astuple(x) for x in seeded.divisions[DIVISION].lines
    ]


def test_a_longer_play_begins_with_the_shorter_one() -> None:
    def booked(days: int) -> set[tuple[object, ...]]:
        state = SandboxState()
        play_to(state, START, START + timedelta(days=days))
        return {
            (x.id, x.invoice_number, x.invoice_date, x.account_id, x.invoice_amount)
            for x in state.divisions[DIVISION].lines
        }

    shorter, longer = booked(10), booked(20)
    assert shorter < longer


def test_a_month_brings_new_invoices_on_working_days_and_money_on_bank_days() -> None:
    state = SandboxState()
    play_to(state, START, START + timedelta(days=30))
    invoiced = booked_on_or_after(state, START, TransactionType.SALES_ENTRY)
    paid = booked_on_or_after(state, START, TransactionType.CASH_FLOW)
    assert len(invoiced) >= 40
    assert len(paid) >= 20
    assert all(day.weekday() < 5 for day in [*invoiced, *paid])
    # a complaint settled
    assert booked_on_or_after(state, START, TransactionType.SALES_CREDIT_NOTE)


def test_everything_of_a_day_is_booked_after_the_morning_run() -> None:
    state = SandboxState()
    play_to(state, START, START + timedelta(days=14))
    later = [x for x in state.divisions[DIVISION].lines if x.modified.date() >= START]
    assert later
    assert all(x.modified.hour >= 10 for x in later)


def test_the_days_are_booked_in_order() -> None:
    state = SandboxState()
    facts = seed_demo(state, START)
    days = DemoDays(state.divisions[facts.division], START)
    days.book(START)
    with pytest.raises(ValueError, match="in order"):
        days.book(START + timedelta(days=2))


def test_the_never_paying_customer_still_owes_everything_after_a_month() -> None:
    state = SandboxState()
    play_to(state, START, START + timedelta(days=30))
    division = state.divisions[DIVISION]
    bistro = next(a for a in division.accounts.values() if a.name == "Bistro 't Hoekje")
    due = START - timedelta(days=8)  # overdue 8 days at the start (demo_customers.py)
    overdue = [x for x in division.lines if x.account_id == bistro.id and x.due_date == due]
    assert [x.is_open for x in overdue] == [True]


def test_every_scripted_customer_is_a_demo_customer_with_that_many_overdue_invoices() -> None:
    customers = {c.name: c for c in CUSTOMERS}
    for name, acts in SCRIPT.items():
        assert name in customers
        assert len(acts) == len(customers[name].overdue_days)
