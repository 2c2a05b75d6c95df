"""Hand-written fakes of the ports, recording what they were asked."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage

from followup.clock import AMSTERDAM
from followup.errors import LedgerBusy, MailerError
from followup.keys import last_reminder
from followup.model import (
    Account,
    BankStatements,
    Claim,
    Contact,
    Delivery,
    DivisionData,
    LastReminder,
    MailKind,
    Mode,
    Outcome,
    Pause,
    PlannedMail,
    Receivable,
    Reply,
    RunReport,
    SentReminder,
    Watermark,
)
from followup.ports import Trace


class FakeClock:
    """Time stands still unless told; sleeping moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 23, 9, 0, tzinfo=AMSTERDAM)
        self.slept: list[float] = []

    def now(self) -> datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.current += timedelta(seconds=seconds)


class FakeSource:
    """Serves prepared DivisionData and records the reads."""

    def __init__(self, data: dict[int, DivisionData]) -> None:
        self.data = data
        self.reads: list[tuple[int, int | None, date]] = []
        self.failing: dict[int, Exception] = {}
        self.pdfs: dict[str, tuple[str, bytes]] = {}
        self.pdf_requests: list[tuple[int, tuple[str, ...]]] = []
        self.pdfs_fail: Exception | None = None
        self.transit: dict[tuple[str, str], Decimal] = {}
        self.transit_requests: list[tuple[int, tuple[str, ...]]] = []
        # Per division, the date of the newest bank statement line (None: none in a year);
        # absent: statements are current.
        self.statements: dict[int, date | None] = {}
        self.statement_requests: list[tuple[int, date]] = []

    def divisions(self) -> list[int]:
        return sorted(self.data)

    def read(
        self,
        division: int,
        since: int | None,
        first_day: date,
        listing_pages: Mapping[str, int] | None = None,
    ) -> DivisionData:
        self.reads.append((division, since, first_day))
        if division in self.failing:
            raise self.failing[division]
        data = self.data[division]
        payments = tuple(p for p in data.payments if since is None or (p.timestamp or 0) > since)
        return replace(data, payments=payments)

    def invoice_pdfs(self, division: int, entry_ids: Sequence[str]) -> dict[str, tuple[str, bytes]]:
        self.pdf_requests.append((division, tuple(entry_ids)))
        if self.pdfs_fail is not None:
            raise self.pdfs_fail
        return {e: self.pdfs[e] for e in entry_ids if e in self.pdfs}

    def bank_statements(self, division: int, cutoff: date) -> BankStatements:
        self.statement_requests.append((division, cutoff))
        if division not in self.statements:
            return BankStatements(cutoff, current=True)
        latest = self.statements[division]
        if latest is not None and latest >= cutoff:
            return BankStatements(cutoff, current=True)
        return BankStatements(cutoff, current=False, latest=latest)

    def amounts_in_transit(
        self, division: int, account_ids: Sequence[str]
    ) -> dict[tuple[str, str], Decimal]:
        self.transit_requests.append((division, tuple(account_ids)))
        wanted = {a.lower() for a in account_ids}
        return {key: amount for key, amount in self.transit.items() if key[0] in wanted}


@dataclass
class _Row:
    claim: Claim
    outcome: Outcome | None = None
    delivery: Delivery | None = None
    reason: str = ""


@dataclass
class FakeLedger:
    """Ledger and RunLog in dicts."""

    rows: dict[str, _Row] = field(default_factory=dict)
    watermarks: dict[int, Watermark] = field(default_factory=dict)
    runs: list[RunReport] = field(default_factory=list)
    locked: set[int] = field(default_factory=set)
    paused: dict[tuple[str, int | None], Pause] = field(default_factory=dict)

    def covered(self, division: int, kind: MailKind, item_ids: Iterable[str]) -> set[str]:
        wanted = set(item_ids)
        return {
            item
            for row in self.rows.values()
            if row.claim.division == division
            and row.claim.kind is kind
            and row.outcome is not Outcome.FAILED
            for item in row.claim.item_ids
            if item in wanted
        }

    def claim(self, claim: Claim) -> bool:
        row = self.rows.get(claim.key)
        if row is not None and row.outcome is not Outcome.FAILED:
            return False
        self.rows[claim.key] = _Row(claim)
        return True

    def complete(
        self, key: str, outcome: Outcome, delivery: Delivery | None = None, reason: str = ""
    ) -> None:
        row = self.rows[key]
        row.outcome, row.delivery, row.reason = outcome, delivery, reason

    def release(self, key: str) -> None:
        if self.rows[key].outcome is None:
            del self.rows[key]

    def unfinished(self, division: int) -> list[Claim]:
        return [
            r.claim
            for r in self.rows.values()
            if r.claim.division == division and r.outcome is None
        ]

    def last_reminders(self, division: int, since: date) -> dict[str, LastReminder]:
        latest: dict[str, tuple[date, datetime, LastReminder]] = {}
        for row in self.rows.values():
            claim = row.claim
            day = claim.run_date or claim.claimed_at.date()
            if (
                claim.division != division
                or claim.kind is not MailKind.REMINDER
                or day < since
                or row.outcome is Outcome.FAILED
            ):
                continue
            if claim.customer not in latest or latest[claim.customer][:2] < (day, claim.claimed_at):
                found = last_reminder(day, claim.key, claim.item_ids)
                latest[claim.customer] = (day, claim.claimed_at, found)
        return {customer: entry[2] for customer, entry in latest.items()}

    def sent_reminders(self, division: int, since: date) -> list[SentReminder]:
        found = []
        for row in self.rows.values():
            claim, delivery = row.claim, row.delivery
            day = claim.run_date or claim.claimed_at.date()
            if (
                claim.division == division
                and claim.kind is MailKind.REMINDER
                and claim.customer
                and day >= since
                and row.outcome in (Outcome.SENT, Outcome.DRAFTED)
                and delivery is not None
            ):
                sent = SentReminder(
                    claim.key, claim.customer, claim.recipient, day, claim.claimed_at,
                    delivery.provider_id, delivery.thread_id or "",
                )  # fmt: skip
                found.append(sent)
        return sorted(found, key=lambda r: (r.run_date, r.claimed_at))

    def pauses(self, division: int) -> list[Pause]:
        return [p for p in self.paused.values() if p.division in (None, division)]

    def pause(self, pause: Pause) -> None:
        self.paused[(pause.target, pause.division)] = pause

    def resume(self, target: str, division: int | None) -> bool:
        return self.paused.pop((target, division), None) is not None

    @contextmanager
    def division_lock(self, division: int) -> Iterator[None]:
        if division in self.locked:
            raise LedgerBusy(f"division {division} is busy")
        self.locked.add(division)
        try:
            yield
        finally:
            self.locked.discard(division)

    def watermark(self, division: int) -> Watermark | None:
        return self.watermarks.get(division)

    def advance(self, division: int, watermark: Watermark) -> None:
        self.watermarks[division] = watermark

    def record_run(self, report: RunReport) -> None:
        self.runs.append(report)


class FakeMailer:
    """Keeps delivered messages; can be told to fail, or to 'crash' after accepting."""

    def __init__(self, trace_when_missing: Trace = Trace.ABSENT) -> None:
        self.delivered: dict[str, tuple[EmailMessage, Mode]] = {}
        self.fail_next: list[MailerError] = []
        self.crash_after_accept = False
        self.trace_when_missing = trace_when_missing

    def deliver(self, message: EmailMessage, mode: Mode, key: str) -> Delivery:
        if self.fail_next:
            raise self.fail_next.pop(0)
        self.delivered[key] = (message, mode)
        if self.crash_after_accept:
            raise SystemExit("simulated crash after the provider accepted the mail")
        return Delivery(mode, provider_id=f"id-{len(self.delivered)}")

    def find(self, claim: Claim) -> Delivery | Trace:
        if claim.key in self.delivered:
            return Delivery(self.delivered[claim.key][1], provider_id="found")
        return self.trace_when_missing


class FakeReplies:
    """The mailbox's answers to reminders: those given, for the reminders asked about (by
    customer code), recording each question."""

    def __init__(self, replies: Sequence[Reply] = ()) -> None:
        self.answers = list(replies)
        self.asked: list[tuple[int, tuple[SentReminder, ...], date]] = []
        self.fail: Exception | None = None

    def replies(self, division: int, reminders: Sequence[SentReminder], since: date) -> list[Reply]:
        self.asked.append((division, tuple(reminders), since))
        if self.fail is not None:
            raise self.fail
        customers = {r.customer for r in reminders}
        return [r for r in self.answers if r.customer in customers and r.at.date() >= since]


class FakeComposer:
    """A minimal composer: subject and recipient, enough for the service."""

    def __init__(self) -> None:
        self.attachments: dict[str, list[str]] = {}  # mail key → attached file names
        self.mails: dict[str, PlannedMail] = {}  # mail key → the planned mail composed

    def message(
        self, mail: PlannedMail, now: datetime, attachments: Sequence[tuple[str, bytes]] = ()
    ) -> EmailMessage:
        msg = EmailMessage()
        msg["To"] = mail.recipient.email
        msg["Subject"] = f"{mail.kind.value} {' '.join(x.invoice_number for x in mail.lines)}"
        msg.set_content("body")
        self.attachments[mail.key] = [name for name, _ in attachments]
        self.mails[mail.key] = mail
        return msg

    def digest(self, report: RunReport, lang: str, now: datetime, to: str) -> EmailMessage:
        msg = EmailMessage()
        msg["To"] = to
        msg["Subject"] = f"digest {report.run_date} ({len(report.entries())} entries)"
        msg.set_content("digest")
        return msg


# --- Data builders ------------------------------------------------------------------------

DIV = 100


def account(
    n: int,
    *,
    email: str | None = None,
    language: str = "NL",
    blocked: bool = False,
    main_contact: str | None = None,
) -> Account:
    return Account(
        id=f"acc-{n}",
        code=str(1000 + n),
        name=f"Klant {n} B.V.",
        email=f"info@klant{n}.example.nl" if email is None else email,
        language=language,
        blocked=blocked,
        main_contact_id=main_contact,
    )


def line(
    n: int,
    account_id: str,
    *,
    amount: str = "100.00",
    total: str | None = None,
    status: int = 20,
    paid_on: date | None = None,
    invoice_date: date = date(2026, 10, 1),
    due: date = date(2026, 10, 31),
    entry: str | None = None,
    timestamp: int = 1,
    currency: str = "EUR",
    contact_id: str | None = None,
    reversal: bool = False,
    kind: int = 20,
) -> Receivable:
    return Receivable(
        id=f"line-{n}",
        entry_id=entry or f"entry-{n}",
        account_id=account_id,
        invoice_number=str(20260000 + n),
        invoice_date=invoice_date,
        due_date=due,
        amount=Decimal(amount),
        currency=currency,
        invoice_total=Decimal(total or amount),
        status=status,
        fully_paid=status == 50,
        payment_date=paid_on,
        contact_id=contact_id,
        is_reversal=reversal,
        timestamp=timestamp,
        transaction_type=kind,
    )


def division_data(
    accounts: list[Account],
    payments: list[Receivable] = (),  # type: ignore[assignment]
    open_items: list[Receivable] = (),  # type: ignore[assignment]
    contacts: list[Contact] = (),  # type: ignore[assignment]
    division: int = DIV,
) -> DivisionData:
    return DivisionData(
        division=division,
        payments=tuple(payments),
        open_items=tuple(open_items),
        accounts={a.id: a for a in accounts},
        contacts={c.id: c for c in contacts},
        next_watermark=max((p.timestamp or 0 for p in payments), default=0),
    )
