"""Reminders wait while a division's bank statements are behind (pure).

When the newest bank statement line in Exact is older than `bank_statements_max_age` working
days, money that came in since may not be booked yet: a "you haven't paid" mail then reaches
people who have. That division's reminders are held (they wait, and go once statements are
imported again) or drafted for the owner, as `bank_statements_hold` says; thank-yous go as
always. A division without any statement line in a year (no bank journal) is reported, not
held forever.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from followup import reasons
from followup.model import BankStatements, MailKind, Mode, Plan, Skip
from followup.policy.calendar import is_working_day
from followup.settings.rules import Policy


def statements_cutoff(run_date: date, working_days: int) -> date:
    """The earliest statement date still fresh enough on `run_date`: the working day
    `working_days` working days before it (3 on a Monday: the Wednesday before)."""
    day, left = run_date, working_days
    while left > 0:
        day -= timedelta(days=1)
        if is_working_day(day):
            left -= 1
    return day


def hold_for_statements(plan: Plan, statements: BankStatements, policy: Policy) -> Plan:
    """The plan with its reminders held or drafted when the statements are behind, and a note
    for the owner; unchanged (bar a note) when they are current or there are none at all."""
    if statements.current:
        return plan
    if statements.latest is None:
        return replace(plan, notes=(*plan.notes, reasons.NO_BANK_STATEMENTS))
    drafted = policy.bank_statements_hold == "draft"
    why = reasons.statements_behind(statements.latest, drafted)
    note = reasons.statements_held(statements.latest, policy.bank_statements_max_age, drafted)
    reminders = [m for m in plan.mails if m.kind is MailKind.REMINDER]
    if not reminders:
        return plan
    if drafted:
        mails = tuple(
            replace(m, mode=Mode.DRAFT, notes=(*m.notes, why)) if m.kind is MailKind.REMINDER
            else m
            for m in plan.mails
        )  # fmt: skip
        return replace(plan, mails=mails, notes=(*plan.notes, note))
    waiting = tuple(
        Skip(m.division, MailKind.REMINDER, m.customer, why,
             tuple(line.invoice_number for line in m.lines))
        for m in reminders
    )  # fmt: skip
    kept = tuple(m for m in plan.mails if m.kind is not MailKind.REMINDER)
    return replace(plan, mails=kept, done=plan.done + waiting, notes=(*plan.notes, note))
