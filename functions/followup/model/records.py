"""What the ledger and the mailbox keep: claims, deliveries, the reminders sent, the answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from followup.model.choices import MailKind, Mode


@dataclass(frozen=True)
class Delivery:
    """A mail the mailer accepted: its mode and the provider's ids."""

    mode: Mode
    provider_id: str
    thread_id: str | None = None


@dataclass(frozen=True)
class Claim:
    """A ledger claim: the right to deliver one planned mail, with what it was about."""

    key: str
    division: int
    kind: MailKind
    item_ids: tuple[str, ...]
    recipient: str
    subject: str
    amount: Decimal
    currency: str
    claimed_at: datetime
    run_id: str
    customer: str = ""  # the customer's code, for "one reminder per customer per N days"
    run_date: date | None = None  # the business date of the run that claimed it


@dataclass(frozen=True)
class LastReminder:
    """A customer's latest reminder, as the ledger remembers it: the escalation's state."""

    run_date: date  # the run's business date (for a claim of an older version: its claim day)
    level: int  # the mail's tone level: 1 friendly .. the last level, the final notice
    entries: frozenset[str]  # the invoices (entry IDs) it listed


@dataclass(frozen=True)
class SentReminder:
    """A reminder the ledger remembers delivering (sent, or drafted for the owner to send):
    what an answer to it refers to. `provider_id` is the mailer's id: Gmail's message or draft
    id, the SMTP mailer's Message-ID; `thread_id` Gmail's thread ("" elsewhere)."""

    key: str
    customer: str  # the customer's code
    recipient: str
    run_date: date
    claimed_at: datetime
    provider_id: str
    thread_id: str = ""


@dataclass(frozen=True)
class Reply:
    """A message answering one of our reminders, as the mailbox shows it. `headers` are the
    ones that tell an automatic answer (names lower-cased): policy/replies.py reads them."""

    customer: str  # the customer code of the reminder it answers
    reminder_to: str  # that reminder's recipient
    sender: str  # the From address
    at: datetime  # when it arrived (timezone-aware)
    subject: str
    headers: tuple[tuple[str, str], ...] = ()
