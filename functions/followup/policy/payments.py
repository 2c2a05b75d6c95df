"""The payments in Exact's receivable lines: which money moved on which day, and which rows
contradict every reading of Exact (pure). policy/confirmations.py thanks for what it finds.

Exact keeps every item on the debtors account as a receivable line: invoices (type 20),
credit notes (21) and bank/cash lines (40; money received is negative, a refund paid out
positive). An invoice line is settled when matched (status 50); its LastPaymentDate is the
date the money arrived, also when the match was booked days later. See docs/exact-data.md.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from followup import reasons
from followup.exact.codes import ItemStatus, TransactionType
from followup.model import DivisionData, Receivable

#: Per customer (account ID): why their payment rows can't be trusted, and the invoices.
Doubts = dict[str, tuple[str, list[str]]]


def payment_date_of(line: Receivable) -> date | None:
    """The day money moved for a matched line: its payment date (a cash line: its own date)."""
    if line.payment_date is not None:
        return line.payment_date
    return line.invoice_date if line.is_cash else None


def amount_dc(line: Receivable) -> Decimal:
    """The line's amount in the division's currency (its own when Exact gave no AmountDC)."""
    return line.amount_dc if line.amount_dc is not None else line.amount


def _matched(line: Receivable, kind: TransactionType) -> bool:
    return (
        line.transaction_type == kind
        and line.status == ItemStatus.MATCHED
        and not line.is_reversal
        and payment_date_of(line) is not None
    )


def settled_invoices(data: DivisionData) -> list[Receivable]:
    """Invoice lines that were matched: paid in full, or the paid part of a split."""
    invoice = TransactionType.SALES_ENTRY
    return [r for r in data.payments if _matched(r, invoice) and r.amount > 0]


def settled_credit_notes(data: DivisionData) -> list[Receivable]:
    """Credit note lines that were matched (against an invoice, or refunded)."""
    credit_note = TransactionType.SALES_CREDIT_NOTE
    return [r for r in data.payments if _matched(r, credit_note) and r.amount < 0]


def next_watermark(data: DivisionData, run_date: date, today: date | None = None) -> int:
    """Where to continue reading next time: before any payment dated on or after the run date
    and not after today (a later run confirms it: tomorrow's, or the normal run after a run for
    a past date). A payment dated after today is bad data: reported, it holds nothing."""
    today = today or run_date
    deferred = [
        r.timestamp
        for r in data.payments
        if r.timestamp and (day := payment_date_of(r)) is not None and run_date <= day <= today
    ]
    return min(deferred) - 1 if deferred else data.next_watermark


def contradictions(data: DivisionData, today: date) -> Doubts:
    """Customers whose payment rows contradict every reading of Exact, with the reason and the
    invoices: no thank-you is safe for them (a wrong one would be worse than none)."""
    found: Doubts = {}
    open_ids = {line.id for line in data.open_items}
    matched: dict[str, Decimal] = defaultdict(Decimal)
    for line in data.payments:
        day = payment_date_of(line)
        is_matched = line.status == ItemStatus.MATCHED
        if is_matched and line.transaction_type == TransactionType.SALES_ENTRY:
            matched[line.entry_id] += line.amount
        if day is not None and day > today and is_matched:
            reason = reasons.payment_after_today(day)
        elif is_matched and line.id in open_ids:
            reason = reasons.MATCHED_AND_OPEN
        else:
            continue
        numbers = found.setdefault(line.account_id, (reason, []))[1]
        if line.invoice_number and line.invoice_number not in numbers:
            numbers.append(line.invoice_number)
    for line in data.payments:
        if (
            line.transaction_type == TransactionType.SALES_ENTRY
            and line.status == ItemStatus.MATCHED
            and matched[line.entry_id] > abs(line.invoice_total)
        ):
            reason = reasons.OVERPAID
            numbers = found.setdefault(line.account_id, (reason, []))[1]
            if line.invoice_number not in numbers:
                numbers.append(line.invoice_number)
    return found


def part_paid_in_one_row(data: DivisionData, since: date, run_date: date) -> list[Receivable]:
    """Open invoice rows with a payment in the window and no matched part beside them: a part
    payment shown as one row with its amount reduced (docs/exact-data.md). What was received
    can't be read from such a row, so it gets no thank-you, but no reminder that day either."""
    split = {line.entry_id for line in settled_invoices(data)}
    return [
        line
        for line in data.payments
        if line.transaction_type == TransactionType.SALES_ENTRY
        and line.is_open
        and line.entry_id not in split
        and (day := payment_date_of(line)) is not None
        and since <= day < run_date
    ]


@dataclass(frozen=True)
class Day:
    """What moved on one customer's account on one day."""

    received: Decimal = Decimal(0)  # cash in, in the division's currency
    refunded: Decimal = Decimal(0)  # cash paid back
    credit_notes: bool = False  # a credit note was matched that day


def days_moved(data: DivisionData) -> dict[tuple[str, date], Day]:
    """Per (account ID, day): the money received and paid back, and whether a credit note was
    matched, from the matched lines among the payments."""
    days: dict[tuple[str, date], Day] = defaultdict(Day)
    for line in data.payments:
        day = payment_date_of(line)
        if day is None or line.status != ItemStatus.MATCHED:
            continue
        key = (line.account_id, day)
        now = days[key]
        amount = amount_dc(line)
        if line.is_cash and (amount < 0) != line.is_reversal:
            # Money in is negative; its reversal, positive, nets it out on the same day.
            days[key] = Day(now.received - amount, now.refunded, now.credit_notes)
        elif line.is_cash:
            # A refund paid out is positive; its reversal, negative, nets it out.
            days[key] = Day(now.received, now.refunded + amount, now.credit_notes)
        elif line.transaction_type == TransactionType.SALES_CREDIT_NOTE and not line.is_reversal:
            days[key] = Day(now.received, now.refunded, True)
    return days
