"""The demo administration played forward, day by day, after the date it was seeded for.

Each working day brings a few new invoices and the money the customers' habits send: paid
before the due date, late, in two parts, or not this month at all; now and then a credit note
settles a complaint. The customers overdue at the start follow a script (one pays after a week,
one pays half, one is never heard of, so its reminders climb). Everything happens after 09:00,
so a day's events are what the next morning's run reads. Deterministic for a start date and
independent of what followup mailed: `play_to(state, start, day)` builds any day's state again.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from followup.exact.codes import ItemStatus, TransactionType
from followup.sandbox.demo_customers import DESCRIPTIONS, DUTCH_DESCRIPTION
from followup.sandbox.demo_data import DemoFacts, seed_demo
from followup.sandbox.demo_invoices import at
from followup.sandbox.division import Division
from followup.sandbox.matching import sum_of
from followup.sandbox.records import RECEIVABLE, AccountRecord, LineRecord
from followup.sandbox.state import SandboxState

PROMPT, LATE, SLOW = "prompt", "late", "slow"
HABITS = (PROMPT,) * 15 + (LATE,) * 4 + (SLOW,)  # drawn per customer
ALL, HALF = Decimal(1), Decimal("0.5")
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Act:
    """What a customer does about one invoice, so many days past its due date: pay a share of
    what is open then, or (credit) have all of it settled by a credit note."""

    days_past_due: int
    share: Decimal = ALL
    credit: bool = False


# The customers overdue at the seed date, per overdue invoice (oldest first): what they do about
# it. No acts: it stays unpaid all along, and its reminders climb to the final notice.
SCRIPT: dict[str, tuple[tuple[Act, ...], ...]] = {
    "Strandpaviljoen Zeezicht": ((Act(11),),),
    "Bistro 't Hoekje": ((),),
    "Kantine Jansen Techniek B.V.": ((Act(18, HALF), Act(30)),),
    "Café Sonnenschein GmbH": ((Act(31),),),
    "Supermarkt Buurtwinkel Oost": ((),),
    "Hotel Canal View Ltd": ((Act(73, credit=True),), (Act(24),)),
    "Deli & Co Utrecht": ((Act(40),),),
    "Eetcafé De Gouden Leeuw": ((), (Act(15),)),
    "Theehuis Rhederoord": ((Act(9),),),
}


@dataclass(frozen=True)
class _Step:
    entry_id: str
    act: Act


@dataclass(frozen=True)
class _Customer:
    account: AccountRecord
    habit: str
    term: int
    low: Decimal
    high: Decimal
    currency: str
    contact_id: str | None
    your_ref: bool


def play_to(state: SandboxState, start: date, day: date, division: int = 123456) -> DemoFacts:
    """Seed the demo administration for `start`, then book every day from `start` up to (not
    including) `day`: the administration as Exact shows it on `day` at 09:00."""
    facts = seed_demo(state, start, division)
    days = DemoDays(state.divisions[division], start)
    for offset in range((day - start).days):
        days.book(start + timedelta(days=offset))
    return facts


class DemoDays:
    """The events after the seed, booked one day at a time, in order."""

    def __init__(self, division: Division, start: date) -> None:
        self.division = division
        self.next_day = start
        self._rng = random.Random(f"followup-demo-days/{start.isoformat()}")
        self._steps: dict[date, list[_Step]] = defaultdict(list)
        receivables = (x for x in division.lines if x.line_type == RECEIVABLE)
        self._number = max(line.invoice_number or 0 for line in receivables) + 1
        invoices = _invoices(division)
        self._customers = [
            self._customer(account, invoices[account.id])
            for account in sorted(division.accounts.values(), key=lambda a: a.code)
            if account.is_sales and not account.blocked and invoices.get(account.id)
        ]
        for customer in self._customers:
            self._plan_open(customer, invoices[customer.account.id], start)

    def book(self, day: date) -> None:
        """Book what happens on `day` (after the morning run): new invoices, then the money."""
        if day != self.next_day:
            raise ValueError(f"the demo days are booked in order: {self.next_day} comes next")
        self.next_day = day + timedelta(days=1)
        moment = at(day, 10)
        if day.weekday() < 5:
            for customer in self._rng.sample(self._customers, self._rng.choice((2, 2, 3, 3, 4))):
                self._invoice(customer, day, moment)
                moment += timedelta(minutes=7)
        for step in self._steps.pop(day, []):
            self._act(step, day, moment)
            moment += timedelta(minutes=7)
        if day.weekday() < 5:  # the bank's statement of the day, imported in the evening
            self.division.import_statement(day, booked_at=at(day, 18))

    def _customer(self, account: AccountRecord, lines: list[LineRecord]) -> _Customer:
        scripted = SCRIPT.get(account.name)
        if scripted is None:
            habit = self._rng.choice(HABITS)
        else:
            habit = SLOW if any(not acts for acts in scripted) else LATE
        amounts = [line.invoice_amount for line in lines]
        first, last = lines[0], lines[-1]
        return _Customer(
            account, habit, (first.due_date - first.invoice_date).days, min(amounts),
            max(amounts), last.currency, last.contact_id, bool(last.your_ref),
        )  # fmt: skip

    def _plan_open(self, customer: _Customer, lines: list[LineRecord], start: date) -> None:
        """Plan the invoices open at the start: scripted, collected, or by the habit."""
        script = SCRIPT.get(customer.account.name, ())
        overdue = 0
        for line in lines:
            if not line.is_open:
                continue
            if line.due_date < start and overdue < len(script):
                for act in script[overdue]:
                    self._schedule(line.transaction_entry_id, line.due_date, act, start)
                overdue += 1
            elif line.status == ItemStatus.PROCESSED:  # a direct debit on its way: it arrives
                self._schedule(line.transaction_entry_id, start, Act(0), start)
            else:
                self._plan_by_habit(customer, line.transaction_entry_id, line.due_date, start)

    def _plan_by_habit(self, customer: _Customer, entry_id: str, due: date, start: date) -> None:
        rng, term = self._rng, max(customer.term, 3)
        if rng.random() < 0.04:  # a complaint, settled by a credit note
            self._schedule(entry_id, due, Act(-term + rng.randint(2, 8), credit=True), start)
            return
        if customer.habit == PROMPT:  # within the term, mostly in its first two weeks
            days = -term + rng.randint(2, min(term, 16))
        elif customer.habit == LATE:
            days = rng.randint(3, 20)
        else:
            days = rng.randint(22, 45)
        if rng.random() < 0.12:  # in two parts
            self._schedule(entry_id, due, Act(days, Decimal(rng.randint(30, 70)) / 100), start)
            days += rng.randint(5, 15)
        self._schedule(entry_id, due, Act(days), start)

    def _schedule(self, entry_id: str, due: date, act: Act, start: date) -> None:
        day = max(due + timedelta(days=act.days_past_due), start)
        while day.weekday() >= 5:  # banks book on working days
            day += timedelta(days=1)
        self._steps[day].append(_Step(entry_id, act))

    def _invoice(self, customer: _Customer, day: date, moment: datetime) -> None:
        cents = self._rng.randint(int(customer.low * 100), int(customer.high * 100))
        entry_id = self._book(customer, day, Decimal(cents).scaleb(-2), moment)
        due = day + timedelta(days=customer.term)
        self._plan_by_habit(customer, entry_id, due, day + timedelta(days=1))

    def _book(self, customer: _Customer, day: date, amount: Decimal, moment: datetime) -> str:
        """A sales invoice (a credit note when negative) dated `day`, booked at `moment`."""
        template = DESCRIPTIONS.get(customer.account.language, DUTCH_DESCRIPTION)
        your_ref = f"PO-{self._rng.randint(10000, 99999)}" if customer.your_ref else ""
        self._number += 1
        return self.division.add_invoice(
            customer.account.id, self._number - 1, day, day + timedelta(days=customer.term),
            amount, customer.currency, template.format(week=day.isocalendar().week),
            customer.contact_id, your_ref, booked_at=moment,
        )  # fmt: skip

    def _act(self, step: _Step, day: date, moment: datetime) -> None:
        lines = [
            x for x in self.division.lines if x.transaction_entry_id == step.entry_id and x.is_open
        ]
        outstanding = sum_of(lines)
        if outstanding <= 0:  # settled already (a credit note after a payment in part)
            return
        if step.act.credit:
            customer = next(c for c in self._customers if c.account.id == lines[0].account_id)
            credit = self._book(customer, day, -outstanding, moment)
            self.division.settle_with_credit_note(step.entry_id, credit, day, moment)
            return
        amount = (outstanding * step.act.share).quantize(CENT)
        self.division.pay(step.entry_id, amount, day, moment)


def _invoices(division: Division) -> dict[str, list[LineRecord]]:
    """Per account its sales invoices (not credit notes, not cash), oldest number first: one
    line each, the open one when there is one (a payment in part split the rest off)."""
    found: dict[str, dict[str, LineRecord]] = defaultdict(dict)
    for line in division.lines:
        if line.line_type != RECEIVABLE or line.transaction_type != TransactionType.SALES_ENTRY:
            continue
        if line.invoice_amount <= 0:
            continue
        seen = found[line.account_id].get(line.transaction_entry_id)
        if seen is None or (line.is_open and not seen.is_open):
            found[line.account_id][line.transaction_entry_id] = line
    return {
        account: sorted(lines.values(), key=lambda x: x.invoice_number or 0)
        for account, lines in found.items()
    }
