"""Every payment, overdue, recipient and division case of the job, end to end against the
sandbox over HTTP: the real Exact client and source, the real SQLite ledger, the service and
policy; only the mailer and composer are fakes (they are tested on their own)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from fakes import FakeComposer, FakeMailer
from followup import service
from followup.adapters.sqlite import open_stores
from followup.clock import AMSTERDAM
from followup.exact.client import ExactClient
from followup.exact.queries import ExactOnlineSource
from followup.model import MailKind, Outcome, ReportEntry, RunReport
from followup.policy import Rules
from followup.sandbox.division import Division
from followup.sandbox.state import SandboxState
from followup.settings.rules import Policy

if TYPE_CHECKING:
    from conftest import SharedClock

DIV = 4242
TODAY = date(2026, 3, 2)  # the sandbox clock's Monday (conftest.START)
YESTERDAY = TODAY - timedelta(days=1)
D = Decimal


@dataclass
class Job:
    """The daily job wired to the sandbox, run day after day."""

    division: Division
    run_on: Callable[[date], RunReport]
    mailer: FakeMailer


@pytest.fixture
def job(
    state: SandboxState, client: ExactClient, clock: SharedClock, tmp_path: Path
) -> Iterator[Job]:
    division = state.add_division(code=DIV, description="Cases B.V.")
    ledger = open_stores(tmp_path / "ledger.sqlite3")
    mailer = FakeMailer()
    deps = service.Deps(
        source=ExactOnlineSource(client),
        ledger=ledger.claims,
        runlog=ledger.runs,
        pauses=ledger.pauses,
        mailer=mailer,
        composer=FakeComposer(),
        clock=clock,
        rules=Rules(policy=Policy(reminders_on_working_days_only=False)),
        divisions=(DIV,),
    )


    def run_on(day: date) -> RunReport:
        division.import_statement(day - timedelta(days=1))  # the bank's statements are current
        return service.run(deps, day)

    yield Job(division, run_on, mailer)
    ledger.close()


def customer(job: Job, code: str, email: str = "", language: str = "NL", **kw: object) -> str:
    return job.division.add_account(
        code=code,
        name=f"Klant {code}",
        email=email or f"info@{code}.example.nl",
        language=language,
        **kw,  # type: ignore[arg-type]
    )


def invoice(
    job: Job, account: str, number: int, amount: str, days_ago: int = 30, due_in: int = 14
) -> str:
    issued = TODAY - timedelta(days=days_ago)
    return job.division.add_invoice(
        account,
        number=number,
        invoice_date=issued,
        due_date=issued + timedelta(days=due_in),
        amount=D(amount),
        booked_at=datetime.combine(issued, datetime.min.time(), AMSTERDAM),
    )


def at(day: date, hour: int = 10) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=AMSTERDAM)


def entries(report: RunReport, kind: MailKind, outcome: Outcome | None = None) -> list[ReportEntry]:
    return [
        e for e in report.entries() if e.kind is kind and (outcome is None or e.outcome is outcome)
    ]


def drafted(report: RunReport, kind: MailKind) -> list[ReportEntry]:
    return entries(report, kind, Outcome.DRAFTED)


# --- Payments ------------------------------------------------------------------------------


def test_one_payment_of_one_invoice_is_thanked_for_once(job: Job) -> None:
    acc = customer(job, "1001")
    entry = invoice(job, acc, 501, "250.00")
    job.division.pay(entry, D("250.00"), YESTERDAY, booked_at=at(YESTERDAY))
    [mail] = drafted(job.run_on(TODAY), MailKind.CONFIRMATION)
    assert mail.invoice_numbers == ("501",)
    assert mail.amount == D("250.00")
    assert drafted(job.run_on(TODAY), MailKind.CONFIRMATION) == []
    assert drafted(job.run_on(TODAY + timedelta(days=1)), MailKind.CONFIRMATION) == []


def test_one_payment_settling_several_invoices_is_one_thank_you(job: Job) -> None:
    acc = customer(job, "1001")
    first, second = invoice(job, acc, 501, "100.00"), invoice(job, acc, 502, "150.00")
    job.division.receive(
        acc,
        D("250.00"),
        YESTERDAY,
        at(YESTERDAY),
        match=[(first, D("100.00")), (second, D("150.00"))],
    )
    [mail] = drafted(job.run_on(TODAY), MailKind.CONFIRMATION)
    assert mail.invoice_numbers == ("501", "502")


def test_a_partial_payment_is_acknowledged_and_the_invoice_settled_once_when_paid(job: Job) -> None:
    acc = customer(job, "1001")
    entry = invoice(job, acc, 501, "1000.00", days_ago=10)
    job.division.pay(entry, D("400.00"), YESTERDAY, booked_at=at(YESTERDAY))
    first = job.run_on(TODAY)
    [part] = drafted(first, MailKind.CONFIRMATION)
    assert part.amount == D("400.00")
    job.division.pay(entry, D("600.00"), TODAY, booked_at=at(TODAY))
    [rest] = drafted(job.run_on(TODAY + timedelta(days=1)), MailKind.CONFIRMATION)
    assert rest.amount == D("600.00")
    assert drafted(job.run_on(TODAY + timedelta(days=2)), MailKind.CONFIRMATION) == []


def test_a_match_booked_days_after_the_payment_is_still_thanked_for(job: Job) -> None:
    acc = customer(job, "1001")
    entry = invoice(job, acc, 501, "300.00")
    three_days_ago = TODAY - timedelta(days=3)
    receipt = job.division.receive(acc, D("300.00"), three_days_ago, at(three_days_ago))
    job.run_on(TODAY - timedelta(days=2))  # the receipt isn't matched yet: nothing to thank
    job.division.match(receipt, [(entry, D("300.00"))], at(YESTERDAY))
    [mail] = drafted(job.run_on(TODAY), MailKind.CONFIRMATION)
    assert mail.invoice_numbers == ("501",)


def test_missed_runs_are_caught_up_from_the_watermark_without_doubles(job: Job) -> None:
    acc = customer(job, "1001")
    entries_ = [invoice(job, acc, 500 + n, "100.00") for n in range(3)]
    job.run_on(TODAY - timedelta(days=4))
    for n, entry in enumerate(entries_):
        day = TODAY - timedelta(days=3 - n)
        job.division.pay(entry, D("100.00"), day, booked_at=at(day))
    # The runs of the three days between were missed; today's catches all three up, once.
    [mail] = drafted(job.run_on(TODAY), MailKind.CONFIRMATION)
    assert mail.invoice_numbers == ("500", "501", "502")
    assert drafted(job.run_on(TODAY), MailKind.CONFIRMATION) == []


def test_a_first_run_confirms_only_the_day_before_not_the_history(job: Job) -> None:
    acc = customer(job, "1001")
    old, new = invoice(job, acc, 501, "100.00", 60), invoice(job, acc, 502, "100.00", 20)
    job.division.pay(
        old, D("100.00"), TODAY - timedelta(days=20), booked_at=at(TODAY - timedelta(days=20))
    )
    job.division.pay(new, D("100.00"), YESTERDAY, booked_at=at(YESTERDAY))
    [mail] = drafted(job.run_on(TODAY), MailKind.CONFIRMATION)
    assert mail.invoice_numbers == ("502",)


def test_a_credit_note_settling_an_invoice_gets_no_thank_you_and_a_refund_is_confirmed(
    job: Job,
) -> None:
    settled_by_credit, refunded = customer(job, "1001"), customer(job, "1002")
    inv = invoice(job, settled_by_credit, 501, "200.00")
    credit = invoice(job, settled_by_credit, 502, "-200.00")
    job.division.settle_with_credit_note(inv, credit, YESTERDAY, at(YESTERDAY))
    credit2 = invoice(job, refunded, 503, "-80.00")
    job.division.refund(credit2, D("80.00"), YESTERDAY, at(YESTERDAY))
    report = job.run_on(TODAY)
    [skip] = entries(report, MailKind.CONFIRMATION, Outcome.SKIPPED)
    assert skip.reason == "settled by a credit note, not by a payment: no thank-you"
    [refund] = drafted(report, MailKind.CONFIRMATION)
    assert refund.customer.code == "1002"
    assert refund.amount == D("80.00")


def test_a_reversed_payment_gets_no_thank_you(job: Job) -> None:
    acc = customer(job, "1001")
    entry = invoice(job, acc, 501, "300.00", days_ago=5)
    receipt = job.division.pay(entry, D("300.00"), YESTERDAY, booked_at=at(YESTERDAY, 10))
    job.division.reverse(receipt, YESTERDAY, booked_at=at(YESTERDAY, 15))
    assert drafted(job.run_on(TODAY), MailKind.CONFIRMATION) == []


# --- Overdue -------------------------------------------------------------------------------


def test_overdue_invoices_are_reminded_with_what_is_still_outstanding(job: Job) -> None:
    acc = customer(job, "1001")
    entry = invoice(job, acc, 501, "1000.00", days_ago=40)  # due 26 days ago
    job.division.pay(
        entry, D("250.00"), TODAY - timedelta(days=20), booked_at=at(TODAY - timedelta(days=20))
    )
    [mail] = drafted(job.run_on(TODAY), MailKind.REMINDER)
    assert mail.amount == D("750.00")
    assert mail.currency == "EUR"


def test_money_on_its_way_and_blocked_accounts_are_not_reminded(job: Job) -> None:
    collected, blocked = customer(job, "1001"), customer(job, "1002", blocked=True)
    entry = invoice(job, collected, 501, "100.00", days_ago=40)
    job.division.collect(entry, TODAY - timedelta(days=2), processed=True)
    invoice(job, blocked, 502, "100.00", days_ago=40)
    report = job.run_on(TODAY)
    assert drafted(report, MailKind.REMINDER) == []
    assert [e.reason for e in entries(report, MailKind.REMINDER, Outcome.SKIPPED)] == [
        "account blocked in Exact"
    ]


def test_an_invoice_in_another_currency_keeps_its_currency(job: Job) -> None:
    acc = customer(job, "1001", language="EN")
    issued = TODAY - timedelta(days=40)
    job.division.add_invoice(
        acc,
        number=501,
        invoice_date=issued,
        due_date=issued + timedelta(days=14),
        amount=D("120.00"),
        currency="USD",
    )
    [mail] = drafted(job.run_on(TODAY), MailKind.REMINDER)
    assert (mail.amount, mail.currency) == (D("120.00"), "USD")


# --- Recipients ----------------------------------------------------------------------------


def test_the_invoice_contact_then_the_account_then_the_main_contact_is_written_to(job: Job) -> None:
    with_contact = customer(job, "1001")
    person = job.division.add_contact(with_contact, "Anna", "Smit", email="anna@1001.example.nl")
    issued = TODAY - timedelta(days=40)
    job.division.add_invoice(
        with_contact,
        number=501,
        invoice_date=issued,
        due_date=issued + timedelta(days=14),
        amount=D("100.00"),
        contact_id=person,
    )
    account_only = customer(job, "1002")
    invoice(job, account_only, 502, "100.00", days_ago=40)
    main_only = job.division.add_account(code="1003", name="Klant 1003", email="", language="EN")
    job.division.add_contact(main_only, "Bob", "Jones", email="bob@1003.example.com", is_main=True)
    invoice(job, main_only, 503, "100.00", days_ago=40)
    nobody = job.division.add_account(code="1004", name="Klant 1004", email="")
    invoice(job, nobody, 504, "100.00", days_ago=40)
    invalid = job.division.add_account(code="1005", name="Klant 1005", email="not-an-address")
    invoice(job, invalid, 505, "100.00", days_ago=40)
    report = job.run_on(TODAY)
    recipients = sorted(e.recipient for e in drafted(report, MailKind.REMINDER))
    assert recipients == ["anna@1001.example.nl", "bob@1003.example.com", "info@1002.example.nl"]
    reasons = sorted(e.reason for e in entries(report, MailKind.REMINDER, Outcome.SKIPPED))
    assert reasons == [
        "invalid e-mail address in Exact: 'not-an-address'",
        "no e-mail address in Exact (account and contacts)",
    ]


# --- Divisions -----------------------------------------------------------------------------


def test_every_visible_division_runs_and_a_failing_one_does_not_stop_the_others(
    state: SandboxState, client: ExactClient, clock: SharedClock, tmp_path: Path
) -> None:
    for code in (101, 102, 103):
        division = state.add_division(code=code, description=f"Admin {code}")
        acc = division.add_account(code="1", name="Klant", email="k@example.nl")
        issued = TODAY - timedelta(days=40)
        division.add_invoice(
            acc,
            number=1,
            invoice_date=issued,
            due_date=issued + timedelta(days=14),
            amount=D("10.00"),
        )
    state.inject(path_contains="/102/", statuses=[400])
    ledger = open_stores(tmp_path / "ledger.sqlite3")
    deps = service.Deps(
        source=ExactOnlineSource(client),
        ledger=ledger.claims,
        runlog=ledger.runs,
        pauses=ledger.pauses,
        mailer=FakeMailer(),
        composer=FakeComposer(),
        clock=clock,
        rules=Rules(policy=Policy(reminders_on_working_days_only=False)),
    )
    report = service.run(deps, TODAY)
    ledger.close()
    by_division = {d.division: d for d in report.divisions}
    assert set(by_division) >= {101, 102, 103}
    assert by_division[102].error
    assert "HTTP 400" in by_division[102].error
    assert by_division[101].ok
    assert by_division[103].ok
    assert len(drafted(report, MailKind.REMINDER)) >= 2
