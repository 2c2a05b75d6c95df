"""Why a mail was skipped, held or failed, and what a run wants the owner to know: each reason
its English text (logs, JSON, the ledger) with a stable code and the values it names, so that
the owner's digest and the run summary word it in the owner's language (templates/digest/<lang>/
phrases.j2, macro `reason`) with dates and amounts in the locale.

A `Reason` *is* its English text (a `str`), so everything that keeps, compares or prints
reasons as text goes on as before; the code and the values ride along. Policy builds reasons
with the constructors below and stays pure: no templates here.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

Param = str | int | date | Decimal

#: The currency of amounts in the division's own currency (tiers, large payments): the settings
#: give those thresholds in euros.
HOME_CURRENCY = "EUR"

#: Per code, the English text; `{name}` is filled with the value of that name (dates ISO).
ENGLISH: Mapping[str, str] = {
    # Confirmations that are not written
    "payment_after_today": "Exact dates the payment {day}, after today: check the booking",
    "matched_and_open": "Exact shows this invoice both matched and open: check it in Exact",
    "overpaid": "Exact shows more paid on this invoice than its total: check the matching",
    "part_payment_one_row": "a part payment Exact shows as one open row: what was received "
    "can't be read from it, so no thank-you",
    "settled_by_credit_note": "settled by a credit note, not by a payment: no thank-you",
    "credit_note_and_payment": "a credit note and a payment on the same day: which invoice was "
    "paid with money can't be told, so no thank-you",
    # Whom to write to
    "account_not_found": "account not found in Exact",
    "invalid_email": "invalid e-mail address in Exact: {address!r}",
    "no_email": "no e-mail address in Exact (account and contacts)",
    # Reminders that are not written, or wait
    "blocked": "account blocked in Exact",
    "do_not_chase": "on the do-not-chase list in the settings",
    "paused": "paused until {until}: {note}",
    "unmatched_credit": "an unmatched payment or credit note of {amount} is waiting in Exact: "
    "match it before reminding",
    "final_waits": "waits: today's final notice lists only the invoices at that level",
    "final_term": "final notice of {sent}: its term of {days} days runs until {until}",
    "final_unanswered": "the final notice of {sent} is unanswered: call the customer or hand it "
    "over; no more automatic reminders",
    "interval": "reminded on {last}; the next reminder can go from {next} (one per {days} days)",
    "already_delivered": "already delivered by an earlier run",
    # Why a mail is written the way it is
    "large_payment": "large payment ({amount}): drafted for a personal touch",
    "call": "outstanding {amount} above {limit}: drafted, call",
    "formal_tone": "outstanding {amount} from {limit}: formal tone",
    "tone_kept": "tone kept at level {level}: the last reminder's invoices are open",
    "safety_capped": "safety cap",
    "statements_behind": "bank statements last imported on {day}: reminders wait until they "
    "are imported again",
    "statements_behind_drafted": "bank statements last imported on {day}: drafted, check the "
    "payments first",
    # What the owner should know about a division's run
    "statements_held": "bank statements last imported on {day} (older than {days} working "
    "days): reminders are held until they are imported again",
    "statements_held_drafted": "bank statements last imported on {day} (older than {days} "
    "working days): reminders are drafted, check the payments before sending them",
    "no_bank_statements": "no bank statement lines in Exact in the last year: reminders are "
    "not held for bank statements in this division",
    "statements_unread": "the bank statements could not be read from Exact ({detail}): "
    "reminders are not held for them",
    "confirmations_wait": "not a working day: confirmations wait for the next one",
    "reminders_wait": "not a working day: reminders wait until {day}",
    "safety_cap": "SAFETY CAP: {sends} mails would have been sent, more than the cap of {cap}; "
    "all were drafted instead. Check them, then raise policy.max_sends_per_run if right.",
    "partial_read": "Exact's payment changes were read in part (a first run reads the history "
    "once, a bounded number of pages per run): the next run goes on where this one stopped",
    "pdfs_unread": "invoice PDFs could not be read from Exact ({detail}): reminders go without "
    "them",
    "division_unseen": "the Exact consent no longer reaches division {division} ({detail}): "
    "renew the Exact consent: followup auth exact",
    "division_without_profile": "division {division} has no profile and was not run: add "
    "[division.{division}.company] (and its mailbox) to the settings to mail its customers as "
    "its own company",
    "no_report_yet": "no report of its run yet: it may still be running, or it stopped before "
    "recording one (followup status shows it once it is recorded)",
    "replied": 'customer {customer} ({sender}) replied on {day}: "{subject}" - read it before '
    "the next reminder; reminders to them are paused until {until}",
    "replies_unread": "the answers to the reminders could not be read from the mailbox "
    "({detail}): a customer who answered may be reminded",
    # Answers to reminders that pause nothing (the log says why)
    "reply_automatic": "an automatic answer from {sender} to the reminder to {recipient} "
    '("{subject}"): reminders go on',
    "reply_other_domain": "the answer from {sender} to the reminder to {recipient} "
    '("{subject}") is not from the customer\'s domain: reminders go on',
    # Delivery
    "compose_failed": "could not compose: {detail}",
    "delivery_failed": "{detail}",
    "delivery_rejected": "{detail}",
    "uncertain": "uncertain: an earlier run died while delivering; check Sent before resending",
    "recovered": "delivered by an earlier run that died before recording it",
    "claimed_elsewhere": "claimed by another run",
    "digest_compose_failed": "could not compose the digest: {detail}",
    "digest_went_out": "this digest went out already",
}

#: Codes of mails that did go out, in an earlier run: the rest of "already done" are holds.
DELIVERED = frozenset({"already_delivered", "recovered", "claimed_elsewhere", "digest_went_out"})


class Reason(str):
    """A reason as its English text, with its code and the values it names."""

    code: str
    params: dict[str, Param]

    def __new__(
        cls, text: str, code: str = "", params: Mapping[str, Param] | None = None
    ) -> Reason:
        made = super().__new__(cls, text)
        made.code = code
        made.params = dict(params or {})
        return made


def reason(code: str, **params: Param) -> Reason:
    """The reason of a code, its English text filled with these values."""
    return Reason(ENGLISH[code].format(**params), code, params)


def as_reason(text: str) -> Reason:
    """A reason as it is; a plain text (from an older report, an adapter) without a code."""
    return text if isinstance(text, Reason) else Reason(text)


def to_json(text: str) -> dict[str, object]:
    """The code and values of a reason as JSON-ready data (dates ISO, amounts as text)."""
    found = as_reason(text)
    values = {k: v if isinstance(v, str | int) else str(v) for k, v in found.params.items()}
    return {"code": found.code, "params": values}


# --- The reasons policy, the service and delivery give (the codes above say what each is) ---

MATCHED_AND_OPEN = reason("matched_and_open")
OVERPAID = reason("overpaid")
PART_PAYMENT_ONE_ROW = reason("part_payment_one_row")
SETTLED_BY_CREDIT_NOTE = reason("settled_by_credit_note")
CREDIT_NOTE_AND_PAYMENT = reason("credit_note_and_payment")
ACCOUNT_NOT_FOUND = reason("account_not_found")
NO_EMAIL = reason("no_email")
BLOCKED = reason("blocked")
DO_NOT_CHASE = reason("do_not_chase")
FINAL_WAITS = reason("final_waits")
ALREADY_DELIVERED = reason("already_delivered")
SAFETY_CAPPED = reason("safety_capped")
CONFIRMATIONS_WAIT = reason("confirmations_wait")
PARTIAL_READ = reason("partial_read")
UNCERTAIN = reason("uncertain")
RECOVERED = reason("recovered")
CLAIMED_ELSEWHERE = reason("claimed_elsewhere")
DIGEST_WENT_OUT = reason("digest_went_out")
NO_REPORT_YET = reason("no_report_yet")  # an office's overview after a fan-out: a division's run


def payment_after_today(day: date) -> Reason:
    """A payment dated after the run: bad data."""
    return reason("payment_after_today", day=day)


def invalid_email(address: str) -> Reason:
    """The only address Exact has is not a valid one."""
    return reason("invalid_email", address=address)


def paused(until: date, note: str) -> Reason:
    """A pause (`followup pause`) holds the customer until a date."""
    return reason("paused", until=until, note=note)


def unmatched_credit(amount: Decimal, currency: str) -> Reason:
    """Money or a credit note waits unmatched in Exact."""
    return reason("unmatched_credit", amount=amount, currency=currency)


def final_term(sent: date, days: int, until: date) -> Reason:
    """A final notice's term still runs."""
    return reason("final_term", sent=sent, days=days, until=until)


def final_unanswered(sent: date) -> Reason:
    """A final notice went unanswered: the owner acts."""
    return reason("final_unanswered", sent=sent)


def interval(last: date, next_day: date, days: int) -> Reason:
    """One reminder per customer per interval."""
    return reason("interval", last=last, next=next_day, days=days)


def large_payment(amount: Decimal) -> Reason:
    """A large payment: a personal thank-you, drafted."""
    return reason("large_payment", amount=amount, currency=HOME_CURRENCY)


def call(amount: Decimal, limit: Decimal) -> Reason:
    """Above the call threshold: drafted, and the owner calls."""
    return reason("call", amount=amount, limit=limit, currency=HOME_CURRENCY)


def formal_tone(amount: Decimal, limit: Decimal) -> Reason:
    """From the formal tier: at least businesslike."""
    return reason("formal_tone", amount=amount, limit=limit, currency=HOME_CURRENCY)


def tone_kept(level: int) -> Reason:
    """The tone stays while the last reminder's invoices are open."""
    return reason("tone_kept", level=level)


def reminders_wait(day: date) -> Reason:
    """Not a working day: reminders wait until a date."""
    return reason("reminders_wait", day=day)


def safety_cap(sends: int, cap: int) -> Reason:
    """More sends than the cap: all drafted."""
    return reason("safety_cap", sends=sends, cap=cap)


def pdfs_unread(detail: str) -> Reason:
    """The invoice PDFs could not be read."""
    return reason("pdfs_unread", detail=detail)


def statements_behind(day: date, drafted: bool) -> Reason:
    """A reminder held (or drafted) because the bank statements are behind."""
    return reason("statements_behind_drafted" if drafted else "statements_behind", day=day)


def statements_held(day: date, days: int, drafted: bool) -> Reason:
    """A division's reminders are held (or drafted): its bank statements are behind."""
    code = "statements_held_drafted" if drafted else "statements_held"
    return reason(code, day=day, days=days)


NO_BANK_STATEMENTS = reason("no_bank_statements")


def statements_unread(detail: str) -> Reason:
    """The bank statements could not be read: nothing is held for them."""
    return reason("statements_unread", detail=detail)


def division_unseen(division: int, detail: str) -> Reason:
    """Exact refuses a division to the token (403, or not among its divisions)."""
    return reason("division_unseen", division=division, detail=detail)


def division_without_profile(division: int) -> Reason:
    """An office's settings have profiles, and the consent reaches a division without one."""
    return reason("division_without_profile", division=division)


def replied(customer: str, sender: str, day: date, subject: str, until: date) -> Reason:
    """A customer answered a reminder: their reminders are paused, the owner reads it first."""
    return reason(
        "replied", customer=customer, sender=sender, day=day, subject=subject, until=until
    )


def replies_unread(detail: str) -> Reason:
    """The mailbox could not be searched for answers to the reminders."""
    return reason("replies_unread", detail=detail)


def compose_failed(detail: str) -> Reason:
    """A mail could not be composed."""
    return reason("compose_failed", detail=detail)


def delivery_failed(detail: str, *, permanent: bool = False) -> Reason:
    """The mailer failed (retried next run) or refused for good; `detail` is its own word."""
    return reason("delivery_rejected" if permanent else "delivery_failed", detail=detail)


def digest_compose_failed(detail: str) -> Reason:
    """The digest could not be composed."""
    return reason("digest_compose_failed", detail=detail)
