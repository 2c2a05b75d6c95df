"""The key cases under each reading of Exact its reference leaves open (sandbox/readings.py):
receipts with or without a cash-flow row, a part payment as a split or as one reduced row, money
in transit as status 30/40 or as the report's AmountInTransit. The daily job runs against the
sandbox over HTTP (the real source), with the hand-written ledger, mailer and composer; under
every reading the mails are right, or a customer is skipped with a reason: never a wrong mail.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime
from decimal import Decimal

import pytest

from fakes import FakeClock, FakeComposer, FakeLedger, FakeMailer
from followup import service
from followup.clock import AMSTERDAM
from followup.exact.client import ExactClient
from followup.exact.queries import ExactOnlineSource
from followup.model import MailKind, Outcome, PlannedMail, ReportEntry
from followup.policy import Rules
from followup.sandbox.division import Division
from followup.sandbox.readings import Readings
from followup.sandbox.state import SandboxState
from followup.settings import Languages, Modes
from followup.settings.rules import Policy

DIVISION = 123456
RUN = date(2026, 3, 3)  # a Tuesday
YESTERDAY = date(2026, 3, 2)
D = Decimal
READINGS = [
    Readings(cash_rows=cash, partial=partial, in_transit=transit)  # type: ignore[arg-type]
    for cash, partial, transit in itertools.product(
        (True, False), ("split", "one_row"), ("status", "amount")
    )
]


def name(readings: Readings) -> str:
    cash = "cash-rows" if readings.cash_rows else "no-cash-rows"
    return f"{cash}/{readings.partial}/{readings.in_transit}"


class Job:
    """The daily job on the sandbox, with the fakes behind the other ports."""

    def __init__(self, client: ExactClient) -> None:
        self.composer = FakeComposer()
        ledger = FakeLedger()
        self.deps = service.Deps(
            source=ExactOnlineSource(client),
            ledger=ledger,
            runlog=ledger,
            mailer=FakeMailer(),
            composer=self.composer,
            clock=FakeClock(datetime(2026, 3, 3, 9, 0, tzinfo=AMSTERDAM)),  # RUN's morning
            rules=Rules(Policy(reminders_on_working_days_only=False), Modes(), Languages()),
            pauses=ledger,
            divisions=(DIVISION,),
        )

    def run(self, day: date) -> tuple[list[PlannedMail], list[ReportEntry]]:
        before = set(self.composer.mails)
        report = service.run(self.deps, day)
        assert all(d.ok for d in report.divisions), [d.error for d in report.divisions]
        mails = [m for key, m in self.composer.mails.items() if key not in before]
        return mails, [e for e in report.entries() if e.outcome is Outcome.SKIPPED]


def customer(div: Division, code: str) -> str:
    account = div.add_account(code=code, name=f"Klant {code}", email=f"k{code}@example.nl")
    div.add_contact(account, "Voor", f"Naam {code}", email=f"c{code}@example.nl", is_main=True)
    return account


@pytest.fixture(params=READINGS, ids=name)
def readings(request: pytest.FixtureRequest) -> Readings:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def div(state: SandboxState, readings: Readings) -> Division:
    division = state.add_division(DIVISION, "Lezingen B.V.")
    division.readings = readings
    return division


def test_a_full_payment_is_thanked_for_with_its_amount(div: Division, client: ExactClient) -> None:
    who = customer(div, "1001")
    entry = div.add_invoice(who, 1, date(2026, 2, 1), date(2026, 3, 1), D("121.00"))
    div.pay(entry, D("121.00"), YESTERDAY)

    mails, skipped = Job(client).run(RUN)

    [mail] = mails
    assert (mail.kind, [(x.invoice_number, x.amount, x.remaining) for x in mail.lines]) == (
        MailKind.CONFIRMATION,
        [("1", D("121.00"), D("0"))],
    )
    assert skipped == []


def test_a_part_payment_is_thanked_with_its_balance_or_skipped_by_name_never_reminded(
    div: Division, client: ExactClient, readings: Readings
) -> None:
    who = customer(div, "1002")
    entry = div.add_invoice(who, 2, date(2026, 1, 5), date(2026, 2, 4), D("1250.00"))
    div.pay(entry, D("500.00"), YESTERDAY)
    job = Job(client)

    mails, skipped = job.run(RUN)

    assert not [m for m in mails if m.kind is MailKind.REMINDER]  # not on the day it was paid
    if readings.partial == "split":
        [mail] = mails
        [line] = mail.lines
        assert (line.amount, line.remaining) == (D("500.00"), D("750.00"))
    else:
        assert mails == []
        [skip] = skipped
        assert (skip.kind, skip.customer.label, skip.invoice_numbers) == (
            MailKind.CONFIRMATION,
            "1002 Klant 1002",
            ("2",),
        )
        assert "part payment" in skip.reason
    # The next working day the balance is reminded, for what is really still open.
    later, _ = job.run(date(2026, 3, 4))
    [reminder] = [m for m in later if m.kind is MailKind.REMINDER]
    assert [(x.invoice_number, x.amount) for x in reminder.lines] == [("2", D("750.00"))]


def test_an_invoice_settled_by_a_credit_note_gets_no_thank_you_a_paid_one_does(
    div: Division, client: ExactClient
) -> None:
    who = customer(div, "1003")
    settled = div.add_invoice(who, 3, date(2026, 2, 1), date(2026, 3, 1), D("80.00"))
    credit = div.add_invoice(who, 4, date(2026, 2, 20), date(2026, 3, 1), D("-80.00"))
    paid = div.add_invoice(who, 5, date(2026, 2, 1), date(2026, 3, 1), D("45.00"))
    div.settle_with_credit_note(settled, credit, YESTERDAY)
    other = customer(div, "1004")
    alone = div.add_invoice(other, 6, date(2026, 2, 1), date(2026, 3, 1), D("60.00"))
    third = div.add_invoice(other, 7, date(2026, 2, 20), date(2026, 3, 1), D("-60.00"))
    div.settle_with_credit_note(alone, third, YESTERDAY)
    div.pay(paid, D("45.00"), YESTERDAY)

    mails, skipped = Job(client).run(RUN)

    assert [[x.invoice_number for x in m.lines] for m in mails] == [["5"]]
    assert sorted((s.customer.label, s.invoice_numbers) for s in skipped) == [
        ("1003 Klant 1003", ("3",)),
        ("1004 Klant 1004", ("6",)),
    ]
    assert all("credit note" in s.reason for s in skipped)


def test_money_in_transit_is_never_reminded(div: Division, client: ExactClient) -> None:
    who = customer(div, "1005")
    collected = div.add_invoice(who, 8, date(2026, 1, 5), date(2026, 2, 4), D("99.00"))
    div.collect(collected, date(2026, 3, 1), processed=True)
    due = customer(div, "1006")
    div.add_invoice(due, 9, date(2026, 1, 5), date(2026, 2, 4), D("70.00"))

    mails, _ = Job(client).run(RUN)

    reminded = [x.invoice_number for m in mails if m.kind is MailKind.REMINDER for x in m.lines]
    assert reminded == ["9"]


def test_a_payment_dated_after_the_run_is_skipped_by_name_and_holds_nothing(
    div: Division, client: ExactClient
) -> None:
    who = customer(div, "1007")
    entry = div.add_invoice(who, 10, date(2026, 2, 1), date(2026, 3, 1), D("30.00"))
    div.pay(entry, D("30.00"), date(2026, 3, 20))  # a typing error in Exact
    job = Job(client)

    mails, skipped = job.run(RUN)

    assert mails == []
    [skip] = skipped
    assert (skip.customer.label, skip.invoice_numbers) == ("1007 Klant 1007", ("10",))
    assert "after today" in skip.reason
    assert job.deps.ledger.watermarks[DIVISION].sync_timestamp > 1  # moved past it
