"""Pure rules: which confirmations and reminders are due for one division on a given day.

No I/O here. The service gives the data read from Exact, the run date, the settings and what
the ledger remembers; policy answers with planned mails, skips (with why) and the watermark.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from followup import reasons
from followup.keys import confirmation_item, mail_key, reminder_item
from followup.model import DivisionData, MailKind, Mode, Plan, PlannedMail, Skip
from followup.policy.balances import balances
from followup.policy.bank_statements import hold_for_statements, statements_cutoff
from followup.policy.calendar import is_working_day, next_working_day
from followup.policy.confirmations import plan_confirmations, window_start
from followup.policy.payments import (
    contradictions,
    next_watermark,
    part_paid_in_one_row,
    settled_credit_notes,
    settled_invoices,
)
from followup.policy.recipients import find_recipient
from followup.policy.reminders import plan_reminders
from followup.policy.rules import History, Rules
from followup.policy.transit import with_transit

__all__ = [
    "History",
    "Rules",
    "balances",
    "candidate_items",
    "find_recipient",
    "hold_for_statements",
    "mail_key",
    "next_watermark",
    "plan",
    "statements_cutoff",
    "window_start",
    "with_transit",
]


def candidate_items(data: DivisionData, rules: Rules, run_date: date) -> dict[MailKind, list[str]]:
    """Every item a mail could cover this run: the service asks the ledger which are covered.

    Only what could be due is asked about: the settled lines, and for each invoice overdue
    enough for a reminder, its levels up to the one it has reached. Open invoices not yet at
    the first level (most of them) cost the ledger nothing.
    """
    reminders: set[str] = set()
    for line in data.open_items:
        reached = rules.policy.level_for((run_date - line.due_date).days)
        reminders.update(reminder_item(line.entry_id, n) for n in range(1, reached + 1))
    settled = settled_invoices(data) + settled_credit_notes(data)
    return {
        MailKind.CONFIRMATION: [confirmation_item(line.id) for line in settled],
        MailKind.REMINDER: sorted(reminders),
    }


def plan(
    data: DivisionData,
    run_date: date,
    since: date,
    rules: Rules,
    history: History,
    today: date | None = None,
) -> Plan:
    """All mails due for one division, what can't be written and why, and the new watermark.

    `today` is the real business date when the run is for a past `run_date` (default: the run
    date): what happened after the run date is then neither confirmed nor lost, but left for
    the next normal run."""
    today = today or run_date
    doubtful = contradictions(data, today)  # no thank-you, no reminder for these customers
    notes: list[str] = []
    policy = rules.policy
    if policy.confirmations_on_working_days_only and not is_working_day(run_date):
        confirmations = Plan((), ())
        resume: int | None = None  # keep the watermark: these payments are confirmed later
        notes.append(reasons.CONFIRMATIONS_WAIT)
    else:
        confirmations = plan_confirmations(data, run_date, since, rules, history, doubtful)
        resume = next_watermark(data, run_date, today)
    if policy.reminders_on_working_days_only and not is_working_day(run_date):
        reminders = Plan((), ())
        notes.append(reasons.reminders_wait(next_working_day(run_date)))
    else:
        # An invoice paid in part in this window is acknowledged, with its balance, by the
        # confirmation: it isn't also reminded in the same run.
        just_paid = {line.entry_id for mail in confirmations.mails for line in mail.lines}
        just_paid |= {line.entry_id for line in part_paid_in_one_row(data, since, run_date)}
        reminders = _hold(data, plan_reminders(data, run_date, rules, history, just_paid),
                          doubtful)  # fmt: skip
    mails, cap_note = _safety_cap(confirmations.mails + reminders.mails, policy.max_sends_per_run)
    if cap_note:
        notes.append(cap_note)
    return Plan(
        mails=mails,
        skips=confirmations.skips + reminders.skips,
        done=confirmations.done + reminders.done,
        resume_from=resume,
        notes=tuple(notes),
    )


def _hold(
    data: DivisionData, reminders: Plan, doubtful: Mapping[str, tuple[str, list[str]]]
) -> Plan:
    """No reminder to a customer whose rows contradict every reading of Exact: skipped, with
    the reason, like their thank-you."""
    held = [m for m in reminders.mails if m.customer.account_id in doubtful]
    if not held:
        return reminders
    skips = tuple(
        Skip(data.division, MailKind.REMINDER, m.customer, doubtful[m.customer.account_id][0],
             tuple(line.invoice_number for line in m.lines))
        for m in held
    )  # fmt: skip
    kept = tuple(m for m in reminders.mails if m not in held)
    return replace(reminders, mails=kept, skips=reminders.skips + skips)


def _safety_cap(mails: tuple[PlannedMail, ...], cap: int) -> tuple[tuple[PlannedMail, ...], str]:
    """More sends than the cap looks like a bug: draft them all, and say so loudly."""
    sends = sum(1 for mail in mails if mail.mode is Mode.SEND)
    if sends <= cap:
        return mails, ""
    note = reasons.safety_cap(sends, cap)
    drafted = tuple(
        replace(mail, mode=Mode.DRAFT, notes=(*mail.notes, reasons.SAFETY_CAPPED)) for mail in mails
    )
    return drafted, note
