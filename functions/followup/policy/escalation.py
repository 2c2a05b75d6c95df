"""A customer's reminders are one conversation: the rules of its escalation, in one place.

Each invoice climbs the levels one at a time, each level once; the first contact about an
invoice is level 1, never the final notice. Per customer, what the ledger remembers of the last
reminder (its run date, tone level and the invoices it listed) decides what may follow:

1. After a final notice, nothing for its whole term (at least 14 days: art. 6:96 lid 6 BW).
2. A final notice left unanswered (an invoice it listed still open after its term) ends the
   automatic chase for that customer: the owner calls, or hands it over. No friendlier mail
   ever follows a final notice.
3. One reminder per customer per interval.
4. A mail is about the invoices due at a new level today, each at its own level, and lists the
   customer's other overdue invoices beside them. When one of them reaches the final notice,
   the notice lists only the invoices at that level: an invoice due later joins at its own
   level in a mail of its own, and never gets a notice (and collection costs) it wasn't due for.
5. The tone never softens while an invoice the last reminder listed is still open: the mail's
   tone is at least the last one's (below the final notice, which only rule 4 sends).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from followup import reasons
from followup.model import LastReminder
from followup.settings.rules import Policy


@dataclass(frozen=True)
class Standing:
    """One overdue invoice of the customer: where its escalation stands."""

    entry_id: str
    invoice_number: str
    sent_level: int  # the highest level the ledger says it was reminded at (0: never)
    reached_level: int  # the level its days overdue have reached (0: none yet)

    def next_level(self, top: int) -> int:
        """The level a reminder today would be at: one step at most; none after the last."""
        if self.sent_level >= top:
            return self.sent_level
        return max(self.sent_level, min(self.reached_level, self.sent_level + 1))


@dataclass(frozen=True)
class Step:
    """What the customer's reminder today is: the invoices it lists, each at its level, and the
    mail's level (its tone's: the highest listed, or kept); or why it waits (`hold`), with the
    invoices that wait."""

    listed: tuple[tuple[Standing, int], ...] = ()
    also: tuple[Standing, ...] = ()  # other overdue invoices the mail lists, not escalated
    level: int = 0
    hold: str = ""
    waiting: tuple[str, ...] = ()  # invoice numbers due today that wait for a later mail
    act: bool = False  # the hold asks the owner to act (an unanswered final notice)


def next_step(
    invoices: Sequence[Standing],
    last: LastReminder | None,
    open_entries: Collection[str],
    run_date: date,
    policy: Policy,
) -> Step:
    """The customer's reminder today under the rules above (pure)."""
    top, final = len(policy.levels), policy.final_level
    due = [(i, i.next_level(top)) for i in invoices if i.next_level(top) > i.sent_level]
    hold, act = _hold(last, open_entries, run_date, policy)
    if act:  # said every day until it is handled, whether or not anything else fell due
        return Step(hold=hold, waiting=tuple(i.invoice_number for i in invoices), act=True)
    if not due:
        return Step()
    if hold:
        return Step(hold=hold, waiting=tuple(i.invoice_number for i, _ in due))
    at_final = [(i, level) for i, level in due if final and level == final]
    listed = at_final or due
    mail_level = max(level for _, level in listed)
    if last is not None and last.entries & set(open_entries) and not at_final:
        mail_level = max(mail_level, min(last.level, top - 1 if final else top))
    waiting = tuple(i.invoice_number for i, level in due if (i, level) not in listed)
    escalated = {i.entry_id for i, _ in due}
    also = (
        ()
        if at_final
        else tuple(i for i in invoices if i.entry_id not in escalated and i.sent_level < top)
    )
    return Step(listed=tuple(listed), also=also, level=mail_level, waiting=waiting)


def _hold(
    last: LastReminder | None, open_entries: Collection[str], run_date: date, policy: Policy
) -> tuple[str, bool]:
    """Why the customer gets no reminder today ("" if it may go), and whether the owner must
    act on it."""
    if last is None:
        return "", False
    since = (run_date - last.run_date).days
    final = policy.final_level
    if final and last.level >= final:
        term = policy.levels[-1].pay_within_days
        if since < term:
            until = last.run_date + timedelta(days=term)
            return reasons.final_term(last.run_date, term, until), False
        if last.entries & set(open_entries):
            return reasons.final_unanswered(last.run_date), True
    interval = policy.reminder_interval_days
    if since < interval:
        next_day = last.run_date + timedelta(days=interval)
        return reasons.interval(last.run_date, next_day, interval), False
    return "", False
