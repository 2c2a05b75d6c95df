"""Overdue reminders: one mail per customer listing every overdue invoice, escalating by level.

An invoice climbs one level at a time (a first reminder before a second, before the final
notice), each level at most once; a customer gets at most one reminder per interval; the tone
is that of the highest level, made more formal by the amount; above the call threshold nothing
goes out automatically.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import quote

from followup.model import (
    Customer,
    DivisionData,
    InvoiceLine,
    MailKind,
    Mode,
    Plan,
    PlannedMail,
    Receivable,
    Recipient,
    Skip,
)
from followup.policy.payments import CASH, CREDIT_NOTE, INVOICE, done_skips
from followup.policy.recipients import contacts_of, find_recipient
from followup.policy.rules import History, Rules, customer_of, mail_key, reminder_item
from followup.policy.wik import collection_costs
from followup.rules_settings import TONES


@dataclass(frozen=True)
class _Invoice:
    """One overdue invoice of a customer, with what the ledger says of its reminders."""

    line: InvoiceLine
    outstanding_dc: Decimal
    sent_level: int  # the highest level already reminded
    next_level: int  # the level this run would remind at (sent_level: nothing new)


def plan_reminders(
    data: DivisionData,
    run_date: date,
    rules: Rules,
    history: History,
    just_paid: Collection[str] = (),
) -> Plan:
    """Reminders due today for one division."""
    by_account: dict[str, list[Receivable]] = defaultdict(list)
    for line in data.open_items:
        by_account[line.account_id].append(line)

    mails: list[PlannedMail] = []
    skips: list[Skip] = []
    done: dict[str, list[str]] = {}
    held: list[Skip] = []
    for account_id, lines in sorted(by_account.items()):
        invoices = _overdue(data, lines, run_date, rules, history, just_paid)
        due = [i for i in invoices if i.next_level > i.sent_level]
        if not due:
            reminded = [i.line.invoice_number for i in invoices if i.sent_level]
            if reminded:
                done[account_id] = reminded
            continue
        waiting = _waiting(data, account_id, run_date, rules, history)
        if waiting:
            numbers = tuple(i.line.invoice_number for i in invoices)
            customer = customer_of(data, account_id)
            held.append(Skip(data.division, MailKind.REMINDER, customer, waiting, numbers))
            continue
        planned = _mail(data, account_id, lines, invoices, due, run_date, rules, history)
        if isinstance(planned, PlannedMail):
            mails.append(planned)
        else:
            skips.append(planned)
    return Plan(tuple(mails), tuple(skips), done_skips(data, MailKind.REMINDER, done) + tuple(held))


def _waiting(
    data: DivisionData, account_id: str, run_date: date, rules: Rules, history: History
) -> str:
    """Why the customer's next reminder waits (one per interval), or "" when it may go."""
    account = data.accounts.get(account_id)
    last = history.last_reminder.get(account.code if account else "")
    interval = rules.policy.reminder_interval_days
    if last is None or (run_date - last).days >= interval:
        return ""
    return (
        f"reminded on {last.isoformat()}; the next reminder can go from "
        f"{(last + timedelta(days=interval)).isoformat()} (one per {interval} days)"
    )


def _overdue(
    data: DivisionData,
    lines: list[Receivable],
    run_date: date,
    rules: Rules,
    history: History,
    just_paid: Collection[str],
) -> list[_Invoice]:
    """The customer's overdue invoices that may be chased, oldest first."""
    covered = history.covered.get(MailKind.REMINDER, set())
    by_entry: dict[str, list[Receivable]] = defaultdict(list)
    for line in lines:
        if line.transaction_type == INVOICE and line.amount > 0:
            by_entry[line.entry_id].append(line)
    result = []
    for entry_id, parts in by_entry.items():
        first = min(parts, key=lambda p: p.due_date)
        open_parts = [p for p in parts if p.is_open]
        outstanding = sum((p.open_amount for p in open_parts), Decimal(0))
        in_transit = sum((p.transit_amount for p in parts), Decimal(0))
        days = (run_date - first.due_date).days
        if (
            outstanding <= 0
            or days <= 0
            or entry_id in just_paid
            or first.invoice_number in rules.suppress.invoices
            or history.paused(first.invoice_number, data.division, run_date)
        ):
            continue
        levels = len(rules.policy.levels)
        sent = max(
            (n for n in range(1, levels + 1) if reminder_item(entry_id, n) in covered), default=0
        )
        reached = rules.policy.level_for(days)
        level = max(sent, min(reached, sent + 1))
        result.append(
            _Invoice(
                line=InvoiceLine(
                    item_id=entry_id,
                    invoice_number=first.invoice_number,
                    invoice_date=first.invoice_date,
                    due_date=first.due_date,
                    amount=outstanding,
                    currency=first.currency,
                    invoice_total=first.invoice_total,
                    remaining=outstanding,
                    days_overdue=days,
                    description=first.description,
                    level=level,
                    payment_link=_link(rules.payment_link, first, outstanding, data),
                    in_transit=in_transit,
                ),
                outstanding_dc=sum((_dc_share(p) for p in open_parts), Decimal(0)),
                sent_level=sent,
                next_level=level,
            )
        )
    return sorted(result, key=lambda i: (i.line.due_date, i.line.invoice_number))


def _dc_share(line: Receivable) -> Decimal:
    """The open, not-in-transit part of a line in the division's currency."""
    if line.amount_dc is None or line.amount == 0:
        return line.open_amount
    return (line.amount_dc * line.open_amount / line.amount).quantize(Decimal("0.01"))


def _mail(
    data: DivisionData,
    account_id: str,
    lines: list[Receivable],
    invoices: list[_Invoice],
    due: list[_Invoice],
    run_date: date,
    rules: Rules,
    history: History,
) -> PlannedMail | Skip:
    customer = customer_of(data, account_id)
    numbers = tuple(i.line.invoice_number for i in invoices)

    def skip(reason: str) -> Skip:
        return Skip(data.division, MailKind.REMINDER, customer, reason, numbers)

    account = data.accounts.get(account_id)
    if account is not None and account.blocked:
        return skip("account blocked in Exact")
    if customer.code in rules.suppress.customers:
        return skip("on the do-not-chase list in the settings")
    pause = history.paused(customer.code, data.division, run_date)
    if pause is not None:
        return skip(f"paused until {pause.until.isoformat()}: {pause.reason}")
    unmatched = [
        line.amount
        for line in lines
        if line.is_open and line.amount < 0 and line.transaction_type in (CASH, CREDIT_NOTE)
    ]
    credit = -sum(unmatched, Decimal(0))
    if credit > 0:
        return skip(
            f"an unmatched payment or credit note of {credit} is waiting in Exact: "
            "match it before reminding"
        )
    recipient, why = find_recipient(data, account_id, contacts_of(lines), rules.languages)
    if recipient is None:
        return skip(why)
    return _compose_plan(data, customer, recipient, invoices, due, rules)


def _compose_plan(
    data: DivisionData,
    customer: Customer,
    recipient: Recipient,
    invoices: list[_Invoice],
    due: list[_Invoice],
    rules: Rules,
) -> PlannedMail:
    policy = rules.policy
    level = max(i.next_level for i in due)
    settings = policy.levels[level - 1]
    total_dc = sum((i.outstanding_dc for i in invoices), Decimal(0))
    tone = settings.tone
    mode = rules.modes.for_kind(MailKind.REMINDER)
    notes: list[str] = []
    call = total_dc > policy.tiers.call_above
    if call:
        mode = Mode.DRAFT
        notes.append(f"outstanding {total_dc} above {policy.tiers.call_above}: drafted, call")
    if total_dc >= policy.tiers.formal_from and TONES.index(tone) < TONES.index("businesslike"):
        tone = "businesslike"
        notes.append(f"outstanding {total_dc} from {policy.tiers.formal_from}: formal tone")
    item_ids = tuple(sorted(reminder_item(i.line.item_id, i.next_level) for i in due))
    return PlannedMail(
        key=mail_key(data.division, MailKind.REMINDER, customer.code, level, item_ids),
        division=data.division,
        kind=MailKind.REMINDER,
        mode=mode,
        customer=customer,
        recipient=recipient,
        lines=tuple(i.line for i in invoices),
        item_ids=item_ids,
        level=level,
        variant=tone,
        reason=f"{len(due)} invoice(s) due for reminder level {level}",
        pay_within_days=settings.pay_within_days,
        collection_costs=collection_costs(total_dc) if settings.collection_costs else None,
        call_customer=call,
        notes=tuple(notes),
    )


def _link(template: str, line: Receivable, outstanding: Decimal, data: DivisionData) -> str:
    if not template:
        return ""
    account = data.accounts.get(line.account_id)
    return template.format(
        invoice_number=quote(line.invoice_number, safe=""),
        amount=f"{outstanding:.2f}",
        currency=quote(line.currency, safe=""),
        customer_code=quote(account.code if account else "", safe=""),
    )
