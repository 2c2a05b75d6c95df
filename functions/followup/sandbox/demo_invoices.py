"""Booking the demo's invoices and payments in chronological order, so Timestamps follow
Modified, with invoice numbers handed out as they are booked."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from followup.clock import AMSTERDAM
from followup.sandbox.demo_customers import DESCRIPTIONS, DUTCH_DESCRIPTION, DemoCustomer
from followup.sandbox.division import Division
from followup.sandbox.records import Booking

FIRST_INVOICE_NUMBER = 24001
FIRST_PURCHASE_NUMBER = 900001


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A wall-clock moment in Amsterdam."""
    return datetime.combine(day, time(hour, minute), tzinfo=AMSTERDAM)


class InvoiceBook:
    """Collects bookings, then books them all in order of when they happened."""

    def __init__(self, division: Division, today: date) -> None:
        self.division = division
        self.today = today
        self.invoices = 0
        self._events: list[tuple[datetime, int, Callable[[], None]]] = []
        self._ids: dict[int, str] = {}  # booking key -> entry ID (invoices), line ID (cash)
        self._numbers = iter(range(FIRST_INVOICE_NUMBER, FIRST_INVOICE_NUMBER + 100_000))
        self._purchase_numbers = iter(range(FIRST_PURCHASE_NUMBER, FIRST_PURCHASE_NUMBER + 1000))
        self._slots = 0

    def _schedule(self, moment: datetime, action: Callable[[], None]) -> int:
        key = len(self._events)
        self._events.append((moment, key, action))
        return key

    def invoice(
        self,
        account_id: str,
        issued: date,
        due: date,
        amount: Decimal,
        customer: DemoCustomer,
        contact_id: str | None,
        rng: random.Random,
    ) -> int:
        """Schedule a sales invoice (credit note when negative); returns its booking key."""
        template = DESCRIPTIONS.get(customer.language, DUTCH_DESCRIPTION)
        description = template.format(week=issued.isocalendar().week)
        your_ref = f"PO-{rng.randint(10000, 99999)}" if customer.segment == "ZAKELIJK" else ""
        self.invoices += 1

        def book() -> None:
            self._ids[key] = self.division.add_invoice(
                account_id, next(self._numbers), issued, due, amount, customer.currency,
                description, contact_id, your_ref,
            )  # fmt: skip

        key = self._schedule(at(issued, 9), book)
        return key

    def pay(self, key: int, amount: Decimal, day: date, booked_at: datetime | None = None) -> int:
        """Schedule money for a scheduled invoice (a refund for a credit note), matched at once;
        returns the cash line's booking key."""
        moment = booked_at or at(day, 10)
        return self._bank(moment, lambda: self.division.pay(self._ids[key], amount, day, moment))

    def receive(
        self, account_id: str, amount: Decimal, day: date, booked_at: datetime | None = None
    ) -> int:
        """Schedule a receipt nobody matched yet; returns the cash line's booking key."""
        moment = booked_at or at(day, 10)
        return self._bank(
            moment, lambda: self.division.receive(account_id, amount, day, moment, match=[])
        )

    def match(self, cash: int, key: int, amount: Decimal, booked_at: datetime) -> None:
        """Schedule the late match of a receipt with (part of) an invoice."""
        self._schedule(
            booked_at,
            lambda: self.division.match(self._ids[cash], [(self._ids[key], amount)], booked_at),
        )

    def settle(self, key: int, credit: int, day: date, booked_at: datetime) -> None:
        """Schedule the settlement of an invoice with a credit note (no money moves)."""
        self._schedule(
            booked_at,
            lambda: self.division.settle_with_credit_note(
                self._ids[key], self._ids[credit], day, booked_at
            ),
        )

    def reverse(self, cash: int, day: date, booked_at: datetime) -> None:
        """Schedule the reversal of a bank entry."""
        self._schedule(booked_at, lambda: self._reverse(cash, day, booked_at))

    def _reverse(self, cash: int, day: date, booked_at: datetime) -> None:
        self.division.reverse(self._ids[cash], day, booked_at)

    def collect(self, key: int, day: date, processed: bool, booked_at: datetime) -> None:
        """Schedule a direct-debit collection step for an invoice."""
        self._schedule(
            booked_at,
            lambda: self.division.collect(self._ids[key], day, processed, booked_at),
        )

    def _bank(self, moment: datetime, book: Callable[[], str]) -> int:
        key = len(self._events)

        def action() -> None:
            self._ids[key] = book()

        return self._schedule(moment, action)

    def payable(self, account_id: str, issued: date, amount: Decimal, paid: date | None) -> None:
        """Schedule a purchase invoice due in 30 days, and its payment when `paid`."""
        due = issued + timedelta(days=30)
        holder: list[str] = []

        def book() -> None:
            number = next(self._purchase_numbers)
            booking = Booking(account_id, number, issued, due, amount)
            holder.append(self.division.add_payable(booking))

        self._schedule(at(issued, 8), book)
        if paid is not None:
            moment = at(paid, 11)
            self._bank(moment, lambda: self.division.pay(holder[0], amount, paid, moment))

    def next_slot_yesterday(self) -> datetime:
        """Yesterday's bookings, 30 minutes apart from 08:30."""
        self._slots += 1
        return at(self.today - timedelta(days=1), 8, 30) + timedelta(minutes=30 * (self._slots - 1))

    def run(self) -> None:
        """Book everything, oldest first."""
        for _, _, action in sorted(self._events, key=lambda event: (event[0], event[1])):
            action()
