"""Overdue reminders: at most one mail per customer per run, escalating as policy/escalation.py
rules (each invoice one level at a time and each level once, the final notice's term kept, the
tone never softer while what the last reminder listed is open), made more formal by the amount;
above the call threshold nothing goes out automatically.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from urllib.parse import quote

from followup import reasons
from followup.exact.codes import TransactionType
from followup.keys import mail_key, reminder_item
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
    Tone,
)
from followup.policy.escalation import Standing, Step, next_step
from followup.policy.recipients import contacts_of, find_recipient
from followup.policy.rules import History, Rules, customer_of, done_skips
from followup.policy.wik import collection_costs

#: The tones in rising firmness (the order Tone lists them in).
_FIRMNESS = tuple(Tone)
#: What an account's open lines hold that waits to be matched: money received, a credit note.
_UNMATCHED_CREDIT = (TransactionType.CASH_FLOW, TransactionType.SALES_CREDIT_NOTE)


@dataclass(frozen=True)
class _Invoice:
    """One overdue invoice of a customer, with what the ledger says of its reminders."""

    line: InvoiceLine
    outstanding_dc: Decimal
    standing: Standing


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
        account = data.accounts.get(account_id)
        last = history.last_reminders.get(account.code if account else "")
        open_entries = {line.entry_id for line in lines if line.is_open}
        step = next_step([i.standing for i in invoices], last, open_entries, run_date, rules.policy)
        customer = customer_of(data, account_id)
        if step.hold:
            hold = Skip(data.division, MailKind.REMINDER, customer, step.hold, step.waiting)
            (skips if step.act else held).append(hold)  # to act on: a skip; else quiet
            continue
        if not step.listed:
            reminded = [i.line.invoice_number for i in invoices if i.standing.sent_level]
            if reminded:
                done[account_id] = reminded
            continue
        planned = _mail(data, account_id, lines, invoices, step, rules, history, run_date)
        if isinstance(planned, PlannedMail):
            mails.append(planned)
            if step.waiting:
                why = reasons.FINAL_WAITS
                held.append(Skip(data.division, MailKind.REMINDER, customer, why, step.waiting))
        else:
            skips.append(planned)
    return Plan(tuple(mails), tuple(skips), done_skips(data, MailKind.REMINDER, done) + tuple(held))


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
        if line.transaction_type == TransactionType.SALES_ENTRY and line.amount > 0:
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
        result.append(
            _Invoice(
                line=InvoiceLine(
                    entry_id=entry_id,
                    invoice_number=first.invoice_number,
                    invoice_date=first.invoice_date,
                    due_date=first.due_date,
                    amount=outstanding,
                    currency=first.currency,
                    invoice_total=first.invoice_total,
                    remaining=outstanding,
                    days_overdue=days,
                    description=first.description,
                    payment_link=_link(rules.payment_link, first, outstanding, data),
                    in_transit=in_transit,
                ),
                outstanding_dc=sum((_dc_share(p) for p in open_parts), Decimal(0)),
                standing=Standing(entry_id, first.invoice_number, sent, reached),
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
    step: Step,
    rules: Rules,
    history: History,
    run_date: date,
) -> PlannedMail | Skip:
    customer = customer_of(data, account_id)
    numbers = tuple(standing.invoice_number for standing, _ in step.listed)

    def skip(reason: str) -> Skip:
        return Skip(data.division, MailKind.REMINDER, customer, reason, numbers)

    account = data.accounts.get(account_id)
    if account is not None and account.blocked:
        return skip(reasons.BLOCKED)
    if customer.code in rules.suppress.customers:
        return skip(reasons.DO_NOT_CHASE)
    pause = history.paused(customer.code, data.division, run_date)
    if pause is not None:
        return skip(reasons.paused(pause.until, pause.reason))
    unmatched = [
        line.amount
        for line in lines
        if line.is_open and line.amount < 0 and line.transaction_type in _UNMATCHED_CREDIT
    ]
    credit = -sum(unmatched, Decimal(0))
    if credit > 0:
        return skip(reasons.unmatched_credit(credit, lines[0].currency))
    recipient, why = find_recipient(data, account_id, contacts_of(lines), rules.languages)
    if recipient is None:
        return skip(why)
    return _compose_plan(data, customer, recipient, invoices, step, rules)


def _compose_plan(
    data: DivisionData,
    customer: Customer,
    recipient: Recipient,
    invoices: list[_Invoice],
    step: Step,
    rules: Rules,
) -> PlannedMail:
    policy = rules.policy
    settings = policy.levels[step.level - 1]
    by_entry = {i.standing.entry_id: i for i in invoices}
    listed = [(by_entry[standing.entry_id], level) for standing, level in step.listed]
    total_dc = sum((i.outstanding_dc for i in invoices), Decimal(0))  # the customer's whole debt
    principal_dc = sum((i.outstanding_dc for i, _ in listed), Decimal(0))  # this notice's
    tone = settings.tone
    mode = rules.modes.for_kind(MailKind.REMINDER)
    notes: list[str] = []
    call = total_dc > policy.tiers.call_above
    if call:
        mode = Mode.DRAFT
        notes.append(reasons.call(total_dc, policy.tiers.call_above))
    formal = Tone.BUSINESSLIKE
    if total_dc >= policy.tiers.formal_from and _FIRMNESS.index(tone) < _FIRMNESS.index(formal):
        tone = formal
        notes.append(reasons.formal_tone(total_dc, policy.tiers.formal_from))
    if step.level > max(level for _, level in listed):
        notes.append(reasons.tone_kept(step.level))
    item_ids = tuple(sorted(reminder_item(i.line.entry_id, level) for i, level in listed))
    return PlannedMail(
        key=mail_key(data.division, MailKind.REMINDER, customer.code, step.level, item_ids),
        division=data.division,
        kind=MailKind.REMINDER,
        mode=mode,
        customer=customer,
        recipient=recipient,
        lines=_lines(listed, [by_entry[x.entry_id] for x in step.also]),
        item_ids=item_ids,
        level=step.level,
        tone=tone,
        reason=f"{len(listed)} invoice(s) due for a reminder, tone level {step.level}",
        pay_within_days=settings.pay_within_days,
        collection_costs=collection_costs(principal_dc) if settings.collection_costs else None,
        call_customer=call,
        notes=tuple(notes),
    )


def _lines(listed: list[tuple[_Invoice, int]], also: list[_Invoice]) -> tuple[InvoiceLine, ...]:
    """The mail's invoices, oldest due first: those escalated at their new level, the others
    at the level they were last reminded at (0: not yet)."""
    lines = [replace(i.line, level=level) for i, level in listed]
    lines += [replace(i.line, level=i.standing.sent_level) for i in also]
    return tuple(sorted(lines, key=lambda line: (line.due_date, line.invoice_number)))


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
