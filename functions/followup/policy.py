"""Pure rules: which confirmations and reminders are due for one division on `today`.

No I/O here. The service gives the data read from Exact, the run date, the settings and the
items the ledger already covers; policy answers with planned mails and skips.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from email_validator import EmailNotValidError, validate_email

from followup.model import (
    Account,
    Contact,
    Customer,
    DivisionData,
    InvoiceLine,
    MailKind,
    Plan,
    PlannedMail,
    Receivable,
    Recipient,
    Skip,
    Watermark,
)
from followup.settings import Languages, Modes, Policy

REMINDER_LEVEL = 1


@dataclass(frozen=True)
class Rules:
    """The settings policy needs, in one value."""

    policy: Policy
    modes: Modes
    languages: Languages


def window_start(watermark: Watermark | None, run_date: date, policy: Policy) -> date:
    """The earliest payment date to confirm in this run.

    A first run confirms only the look-back (default: yesterday). Later runs confirm every day
    since the last successful run, plus matches booked late for payments up to `late_match_days`
    before it; the ledger keeps anything from being confirmed twice.
    """
    if watermark is None:
        return run_date - timedelta(days=policy.lookback_days)
    since = min(watermark.run_date, run_date)
    return since - timedelta(days=policy.late_match_days)


def payment_lines(data: DivisionData) -> list[Receivable]:
    """Receivable lines that record money received from the customer."""
    return [
        r
        for r in data.payments
        if not r.is_open
        and r.fully_paid
        and r.last_payment_date is not None
        and not r.is_reversal
        and r.amount > 0
    ]


def next_watermark(data: DivisionData, run_date: date) -> int:
    """Where to continue reading next time: before any payment this run leaves for later."""
    deferred = [
        r.timestamp
        for r in payment_lines(data)
        if r.last_payment_date is not None and r.last_payment_date >= run_date and r.timestamp
    ]
    return min(deferred) - 1 if deferred else data.next_watermark


def reminder_item(entry_id: str, level: int) -> str:
    """The ledger item for one invoice's reminder at one level."""
    return f"{entry_id}@L{level}"


def candidate_items(data: DivisionData) -> dict[MailKind, list[str]]:
    """Every item a mail could cover this run: the service asks the ledger which are covered."""
    return {
        MailKind.CONFIRMATION: [r.id for r in payment_lines(data)],
        MailKind.REMINDER: sorted(
            {reminder_item(r.entry_id, REMINDER_LEVEL) for r in data.open_items}
        ),
    }


def plan(
    data: DivisionData,
    run_date: date,
    since: date,
    rules: Rules,
    covered: Mapping[MailKind, set[str]],
) -> Plan:
    """All mails due for one division, and the ones that can't be written (with why)."""
    confirmations = plan_confirmations(
        data, run_date, since, rules, covered.get(MailKind.CONFIRMATION, set())
    )
    # An invoice paid in part in this window is acknowledged, with its balance, by the
    # confirmation: it isn't also reminded in the same run.
    just_paid = {line.item_id for mail in confirmations.mails for line in mail.lines}
    reminders = plan_reminders(
        data, run_date, rules, covered.get(MailKind.REMINDER, set()), just_paid
    )
    return Plan(
        mails=confirmations.mails + reminders.mails,
        skips=confirmations.skips + reminders.skips,
        done=confirmations.done + reminders.done,
    )


def plan_confirmations(
    data: DivisionData, run_date: date, since: date, rules: Rules, covered: set[str]
) -> Plan:
    """One thank-you per customer for the payments received in [since, run_date)."""
    remaining = _open_by_entry(data.open_items)
    by_account: dict[str, list[Receivable]] = defaultdict(list)
    done: dict[str, list[str]] = defaultdict(list)
    for line in payment_lines(data):
        paid_on = line.last_payment_date
        if paid_on is None or not since <= paid_on < run_date:
            continue
        if line.id in covered:
            done[line.account_id].append(line.invoice_number)
        else:
            by_account[line.account_id].append(line)

    mails: list[PlannedMail] = []
    skips: list[Skip] = []
    for account_id, lines in sorted(by_account.items()):
        invoice_lines = _confirmation_lines(lines, remaining)
        customer = _customer(data, account_id)
        numbers = tuple(line.invoice_number for line in invoice_lines)
        recipient, why = find_recipient(data, account_id, _contacts_of(lines), rules.languages)
        if recipient is None:
            skips.append(Skip(data.division, MailKind.CONFIRMATION, customer, why, numbers))
            continue
        item_ids = tuple(sorted(line.id for line in lines))
        partial = any(not line.settled for line in invoice_lines)
        mails.append(
            PlannedMail(
                key=mail_key(data.division, MailKind.CONFIRMATION, customer.code, 0, item_ids),
                division=data.division,
                kind=MailKind.CONFIRMATION,
                mode=rules.modes.for_kind(MailKind.CONFIRMATION),
                customer=customer,
                recipient=recipient,
                lines=invoice_lines,
                item_ids=item_ids,
                variant="partial" if partial else "standard",
                reason=f"payment received for {_numbers_text(numbers)}",
            )
        )
    return Plan(tuple(mails), tuple(skips), _done(data, MailKind.CONFIRMATION, done))


def plan_reminders(
    data: DivisionData,
    run_date: date,
    rules: Rules,
    covered: set[str],
    just_paid: Collection[str] = (),
) -> Plan:
    """One reminder per customer listing every overdue invoice, when one reached the level."""
    threshold = rules.policy.reminder_days_overdue
    by_account: dict[str, list[Receivable]] = defaultdict(list)
    for line in data.open_items:
        if line.amount > 0 and line.due_date < run_date:
            by_account[line.account_id].append(line)

    mails: list[PlannedMail] = []
    skips: list[Skip] = []
    done: dict[str, list[str]] = defaultdict(list)
    for account_id, lines in sorted(by_account.items()):
        invoice_lines = _reminder_lines(lines, run_date)
        reached = [
            line
            for line in invoice_lines
            if line.days_overdue >= threshold and line.item_id not in just_paid
        ]
        due = [
            line for line in reached if reminder_item(line.item_id, REMINDER_LEVEL) not in covered
        ]
        if not due:
            if reached:
                done[account_id] = [line.invoice_number for line in reached]
            continue
        customer = _customer(data, account_id)
        numbers = tuple(line.invoice_number for line in invoice_lines)
        account = data.accounts.get(account_id)
        if account is not None and account.blocked:
            skips.append(
                Skip(
                    data.division, MailKind.REMINDER, customer, "account blocked in Exact", numbers
                )
            )
            continue
        recipient, why = find_recipient(data, account_id, _contacts_of(lines), rules.languages)
        if recipient is None:
            skips.append(Skip(data.division, MailKind.REMINDER, customer, why, numbers))
            continue
        item_ids = tuple(sorted(reminder_item(line.item_id, REMINDER_LEVEL) for line in due))
        mails.append(
            PlannedMail(
                key=mail_key(
                    data.division, MailKind.REMINDER, customer.code, REMINDER_LEVEL, item_ids
                ),
                division=data.division,
                kind=MailKind.REMINDER,
                mode=rules.modes.for_kind(MailKind.REMINDER),
                customer=customer,
                recipient=recipient,
                lines=invoice_lines,
                item_ids=item_ids,
                level=REMINDER_LEVEL,
                reason=f"{len(due)} invoice(s) {threshold}+ days overdue",
            )
        )
    return Plan(tuple(mails), tuple(skips), _done(data, MailKind.REMINDER, done))


def _done(data: DivisionData, kind: MailKind, numbers: Mapping[str, list[str]]) -> tuple[Skip, ...]:
    reason = "already delivered by an earlier run"
    return tuple(
        Skip(data.division, kind, _customer(data, account_id), reason, tuple(nums))
        for account_id, nums in sorted(numbers.items())
    )


def mail_key(
    division: int, kind: MailKind, customer_code: str, level: int, items: Sequence[str]
) -> str:
    """The stable dedupe key of a mail: (division, kind, customer, invoices, level)."""
    digest = hashlib.sha256("\n".join(sorted(items)).encode()).hexdigest()[:16]
    return f"{division}/{kind.value}/{customer_code}/L{level}/{digest}"


def find_recipient(
    data: DivisionData, account_id: str, contact_ids: Iterable[str], languages: Languages
) -> tuple[Recipient | None, str]:
    """The receivable's contact, else the account's e-mail, else the main contact's."""
    account = data.accounts.get(account_id)
    if account is None:
        return None, "account not found in Exact"
    main = data.contacts.get(account.main_contact_id or "")
    candidates: list[tuple[str, Contact | None]] = []
    for contact_id in contact_ids:
        contact = data.contacts.get(contact_id)
        if contact is not None:
            candidates.append((contact.email, contact))
    candidates.append((account.email, main if main and _same(main.email, account.email) else None))
    if main is not None:
        candidates.append((main.email, main))

    invalid = ""
    for address, person in candidates:
        address = address.strip()
        if not address:
            continue
        try:
            normalized = validate_email(address, check_deliverability=False).normalized
        except EmailNotValidError:
            invalid = invalid or address
            continue
        return _recipient(account, person, normalized, languages), ""
    if invalid:
        return None, f"invalid e-mail address in Exact: {invalid!r}"
    return None, "no e-mail address in Exact (account and contacts)"


def _recipient(
    account: Account, person: Contact | None, address: str, languages: Languages
) -> Recipient:
    language = (person.language if person and person.language else "") or account.language
    first = person.first_name.strip() if person else ""
    name = f"{person.first_name} {person.last_name}".strip() if person else account.name
    return Recipient(
        email=address,
        name=name or account.name,
        first_name=first,
        language=languages.for_exact(language),
    )


def _same(a: str, b: str) -> bool:
    return bool(a.strip()) and a.strip().lower() == b.strip().lower()


def _contacts_of(lines: Iterable[Receivable]) -> list[str]:
    seen: dict[str, None] = {}
    for line in lines:
        if line.contact_id:
            seen.setdefault(line.contact_id, None)
    return list(seen)


def _customer(data: DivisionData, account_id: str) -> Customer:
    account = data.accounts.get(account_id)
    if account is None:
        return Customer(account_id, "?", f"unknown account {account_id}")
    return Customer(account_id, account.code, account.name)


def _open_by_entry(open_items: Iterable[Receivable]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in open_items:
        totals[line.entry_id] += line.amount
    return totals


def _confirmation_lines(
    lines: list[Receivable], remaining: Mapping[str, Decimal]
) -> tuple[InvoiceLine, ...]:
    """One line per invoice: what was received now, and what is still open of it."""
    by_entry: dict[str, list[Receivable]] = defaultdict(list)
    for line in lines:
        by_entry[line.entry_id].append(line)
    result = []
    for entry_id, parts in by_entry.items():
        first = parts[0]
        paid_dates = [p.last_payment_date for p in parts if p.last_payment_date]
        result.append(
            InvoiceLine(
                item_id=entry_id,
                invoice_number=first.invoice_number,
                invoice_date=first.invoice_date,
                due_date=first.due_date,
                amount=sum((p.amount for p in parts), Decimal(0)),
                currency=first.currency,
                invoice_total=first.invoice_total,
                remaining=remaining.get(entry_id, Decimal(0)),
                payment_date=max(paid_dates) if paid_dates else None,
                description=first.description,
            )
        )
    return tuple(sorted(result, key=lambda line: (line.invoice_date, line.invoice_number)))


def _reminder_lines(lines: list[Receivable], run_date: date) -> tuple[InvoiceLine, ...]:
    """One line per overdue invoice with its outstanding amount (all its open lines)."""
    by_entry: dict[str, list[Receivable]] = defaultdict(list)
    for line in lines:
        by_entry[line.entry_id].append(line)
    result = []
    for entry_id, parts in by_entry.items():
        first = min(parts, key=lambda p: p.due_date)
        outstanding = sum((p.amount for p in parts), Decimal(0))
        result.append(
            InvoiceLine(
                item_id=entry_id,
                invoice_number=first.invoice_number,
                invoice_date=first.invoice_date,
                due_date=first.due_date,
                amount=outstanding,
                currency=first.currency,
                invoice_total=first.invoice_total,
                remaining=outstanding,
                days_overdue=(run_date - first.due_date).days,
                description=first.description,
            )
        )
    return tuple(sorted(result, key=lambda line: (line.due_date, line.invoice_number)))


def _numbers_text(numbers: Sequence[str]) -> str:
    return ", ".join(numbers) if numbers else "-"
