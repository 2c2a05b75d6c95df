"""Payment confirmations: whom to thank for the money received (or paid back) in the window, in
which variant; policy/payments.py reads which money moved.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal

from followup import reasons
from followup.exact.codes import TransactionType
from followup.keys import confirmation_item, mail_key
from followup.model import (
    DivisionData,
    InvoiceLine,
    MailKind,
    Mode,
    Plan,
    PlannedMail,
    Receivable,
    Skip,
    Variant,
    Watermark,
)
from followup.policy.payments import (
    Day,
    amount_dc,
    contradictions,
    days_moved,
    part_paid_in_one_row,
    payment_date_of,
    settled_credit_notes,
    settled_invoices,
)
from followup.policy.recipients import contacts_of, find_recipient
from followup.policy.rules import History, Rules, customer_of, done_skips
from followup.settings.rules import Policy


def window_start(watermark: Watermark | None, run_date: date, policy: Policy) -> date:
    """The earliest payment date to confirm in this run.

    A first run confirms only the look-back (default: yesterday), also while it takes more than
    one run to read Exact's payment history. Later runs confirm every day since the last
    successful run, plus matches booked late for payments up to `late_match_days` before it; the
    ledger keeps anything from being confirmed twice.
    """
    if watermark is None:
        return run_date - timedelta(days=policy.lookback_days)
    if not watermark.complete:
        return min(watermark.run_date, run_date) - timedelta(days=policy.lookback_days)
    since = min(watermark.run_date, run_date)
    return since - timedelta(days=policy.late_match_days)


def plan_confirmations(
    data: DivisionData,
    run_date: date,
    since: date,
    rules: Rules,
    history: History,
    doubtful: Mapping[str, tuple[str, list[str]]] | None = None,
) -> Plan:
    """One thank-you per customer for the money received in [since, run_date); refunds too.
    `doubtful`: the customers whose rows contradict every reading (`contradictions`)."""
    covered = history.covered.get(MailKind.CONFIRMATION, set())
    days = days_moved(data)
    doubtful = contradictions(data, run_date) if doubtful is None else doubtful
    skips: list[Skip] = [
        Skip(data.division, MailKind.CONFIRMATION, customer_of(data, account_id), why,
             tuple(numbers))
        for account_id, (why, numbers) in sorted(doubtful.items())
    ]  # fmt: skip
    skips += [
        Skip(
            data.division, MailKind.CONFIRMATION, customer_of(data, line.account_id),
            reasons.PART_PAYMENT_ONE_ROW, (line.invoice_number,),
        )
        for line in part_paid_in_one_row(data, since, run_date)
        if line.account_id not in doubtful
    ]  # fmt: skip
    in_window = [
        line
        for line in settled_invoices(data) + settled_credit_notes(data)
        if (day := payment_date_of(line)) is not None
        and since <= day < run_date
        and line.account_id not in doubtful
    ]
    by_credit_note, unclear = _by_credit_note(data, in_window)
    payments: dict[str, list[Receivable]] = defaultdict(list)
    refunds: dict[str, list[Receivable]] = defaultdict(list)
    done: dict[str, list[str]] = defaultdict(list)
    for line in in_window:
        moved = days.get((line.account_id, payment_date_of(line) or run_date), Day())
        if confirmation_item(line.id) in covered:
            done[line.account_id].append(line.invoice_number)
        elif line.transaction_type == TransactionType.SALES_CREDIT_NOTE:
            if moved.refunded > 0:
                refunds[line.account_id].append(line)
        elif line.id in by_credit_note or line.id in unclear:
            reason = (
                reasons.SETTLED_BY_CREDIT_NOTE
                if line.id in by_credit_note
                else reasons.CREDIT_NOTE_AND_PAYMENT
            )
            customer = customer_of(data, line.account_id)
            numbers = (line.invoice_number,)
            skips.append(Skip(data.division, MailKind.CONFIRMATION, customer, reason, numbers))
        else:
            payments[line.account_id].append(line)

    remaining = _open_by_entry(data.open_items)
    mails: list[PlannedMail] = []
    groups = [(a, lines, False) for a, lines in sorted(payments.items())]
    groups += [(a, lines, True) for a, lines in sorted(refunds.items())]
    for account_id, lines, refund in groups:
        planned = _mail(data, account_id, lines, remaining, rules, days, refund=refund)
        if isinstance(planned, PlannedMail):
            mails.append(planned)
        else:
            skips.append(planned)
    return Plan(tuple(mails), tuple(skips), done_skips(data, MailKind.CONFIRMATION, done))


def _by_credit_note(data: DivisionData, in_window: list[Receivable]) -> tuple[set[str], set[str]]:
    """Which settled invoice lines a credit note settled (no thank-you), and which can't be told
    apart from those paid with money (no thank-you either, said so).

    Per customer and day: a credit note matched that day settles the invoice of its own amount,
    one for one. A credit note left over settles the rest too when no money came in that day
    (with cash rows in Exact, money received is a cash line); when money came in that covers
    the rest, the rest was paid; otherwise, and always without cash rows, it is unclear.
    """
    days = days_moved(data)
    cash_seen = any(line.is_cash for line in data.payments + data.open_items)
    invoices: dict[tuple[str, date | None], list[Receivable]] = defaultdict(list)
    credits: dict[tuple[str, date | None], list[Decimal]] = defaultdict(list)
    for line in in_window:
        key = (line.account_id, payment_date_of(line))
        if line.transaction_type == TransactionType.SALES_ENTRY:
            invoices[key].append(line)
        elif line.transaction_type == TransactionType.SALES_CREDIT_NOTE:
            credits[key].append(-line.amount)
    settled: set[str] = set()
    unclear: set[str] = set()
    for key, amounts in credits.items():
        rest = []
        for line in sorted(invoices.get(key, []), key=lambda x: x.id):
            if line.amount in amounts:
                amounts.remove(line.amount)
                settled.add(line.id)
            else:
                rest.append(line)
        if not amounts or not rest:
            continue
        received = days.get((key[0], key[1] or date.min), Day()).received
        if cash_seen and received <= 0:
            settled |= {line.id for line in rest}
        elif not (cash_seen and received >= sum((amount_dc(x) for x in rest), Decimal(0))):
            unclear |= {line.id for line in rest}
    return settled, unclear


def _mail(
    data: DivisionData,
    account_id: str,
    lines: list[Receivable],
    remaining: Mapping[str, Decimal],
    rules: Rules,
    days: Mapping[tuple[str, date], Day],
    *,
    refund: bool,
) -> PlannedMail | Skip:
    customer = customer_of(data, account_id)
    invoice_lines = _lines(lines, remaining, refund=refund)
    numbers = tuple(line.invoice_number for line in invoice_lines)
    recipient, why = find_recipient(data, account_id, contacts_of(lines), rules.languages)
    if recipient is None:
        return Skip(data.division, MailKind.CONFIRMATION, customer, why, numbers)
    account = data.accounts.get(account_id)
    settings = rules.confirmations
    mode = rules.modes.for_kind(MailKind.CONFIRMATION)
    notes: list[str] = []
    variant = settings.variant_for(customer.code, account.classification if account else None)
    pay_days = sorted({d for line in lines if (d := payment_date_of(line)) is not None})
    received = sum((days.get((account_id, d), Day()).received for d in pay_days), Decimal(0))
    received = received or sum((amount_dc(line) for line in lines), Decimal(0))
    if refund:
        variant = Variant.REFUND
    elif received >= settings.large_payment:
        variant, mode = Variant.PERSONAL, Mode.DRAFT
        notes.append(reasons.large_payment(received))
    since = account.first_invoice if account else None
    # Welcome only a customer whose oldest invoice is among these, and recent.
    first_time = bool(
        since
        and not refund
        and since >= min(line.invoice_date for line in lines)
        and (pay_days[0] - since).days <= settings.welcome_within_days
    )
    item_ids = tuple(sorted(confirmation_item(line.id) for line in lines))
    kind_text = "refund" if refund else "payment"
    return PlannedMail(
        key=mail_key(data.division, MailKind.CONFIRMATION, customer.code, 0, item_ids),
        division=data.division,
        kind=MailKind.CONFIRMATION,
        mode=mode,
        customer=customer,
        recipient=recipient,
        lines=invoice_lines,
        item_ids=item_ids,
        variant=variant,
        reason=f"{kind_text} for {', '.join(numbers)}",
        first_time=first_time,
        customer_since=None if first_time or refund else since,
        notes=tuple(notes),
    )


def _open_by_entry(open_items: Iterable[Receivable]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in open_items:
        if line.is_open:
            totals[line.entry_id] += line.amount
    return totals


def _lines(
    lines: list[Receivable], remaining: Mapping[str, Decimal], *, refund: bool
) -> tuple[InvoiceLine, ...]:
    """One line per invoice (or credit note): what moved now, and what is still open of it."""
    by_entry: dict[str, list[Receivable]] = defaultdict(list)
    for line in lines:
        by_entry[line.entry_id].append(line)
    result = []
    for entry_id, parts in by_entry.items():
        first = parts[0]
        dates = [d for p in parts if (d := payment_date_of(p)) is not None]
        amount = sum((p.amount for p in parts), Decimal(0))
        result.append(
            InvoiceLine(
                entry_id=entry_id,
                invoice_number=first.invoice_number,
                invoice_date=first.invoice_date,
                due_date=first.due_date,
                amount=-amount if refund else amount,
                currency=first.currency,
                invoice_total=-first.invoice_total if refund else first.invoice_total,
                remaining=Decimal(0) if refund else remaining.get(entry_id, Decimal(0)),
                payment_date=max(dates) if dates else None,
                description=first.description,
            )
        )
    return tuple(sorted(result, key=lambda line: (line.invoice_date, line.invoice_number)))
