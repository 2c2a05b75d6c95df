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
        self._entries: dict[int, str] = {}  # booking key -> entry ID
        self._numbers = iter(range(FIRST_INVOICE_NUMBER, FIRST_INVOICE_NUMBER + 100_000))
        self._purchase_numbers = iter(range(FIRST_PURCHASE_NUMBER, FIRST_PURCHASE_NUMBER + 1000))
        self._payment_days: list[date] = []
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
            self._entries[key] = self.division.add_invoice(
                account_id, next(self._numbers), issued, due, amount, customer.currency,
                description, contact_id, your_ref,
            )  # fmt: skip

        key = self._schedule(at(issued, 9), book)
        return key

    def pay(self, key: int, amount: Decimal, day: date, booked_at: datetime | None = None) -> None:
        """Schedule a payment (or refund) of a scheduled invoice."""
        moment = booked_at or at(day, 10)
        self._payment_days.append(day)
        self._schedule(moment, lambda: self.division.pay(self._entries[key], amount, day, moment))

    def payable(self, account_id: str, issued: date, amount: Decimal, paid: date | None) -> None:
        """Schedule a purchase invoice due in 30 days, and its payment when `paid`."""
        due = issued + timedelta(days=30)
        holder: list[str] = []

        def book() -> None:
            number = next(self._purchase_numbers)
            holder.append(self.division.add_payable(account_id, number, issued, due, amount))

        self._schedule(at(issued, 8), book)
        if paid is not None:
            moment = at(paid, 11)
            self._schedule(moment, lambda: self.division.pay(holder[0], amount, paid, moment))

    def next_slot_yesterday(self) -> datetime:
        """Yesterday's bookings, 35 minutes apart from 09:00."""
        self._slots += 1
        return at(self.today - timedelta(days=1), 9) + timedelta(minutes=35 * (self._slots - 1))

    def payments_on(self, day: date) -> int:
        """How many receivable payments are dated `day`."""
        return sum(1 for paid in self._payment_days if paid == day)

    def run(self) -> None:
        """Book everything, oldest first."""
        for _, _, action in sorted(self._events, key=lambda event: (event[0], event[1])):
            action()
