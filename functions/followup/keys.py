"""The ledger's keys and items, defined once: what a claim's key and items say about a mail.

A mail's key is (division, kind, customer, its items, its level). A confirmation's items are
the receivable lines it thanks for, a reminder's one per invoice and level: the ledger remembers
them, so that nothing is confirmed twice and no invoice reminded twice at one level. Policy
builds them; the ledgers read a reminder's level and invoices back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date

from followup.model import LastReminder, MailKind


def mail_key(
    division: int, kind: MailKind, customer_code: str, level: int, items: Sequence[str]
) -> str:
    """The stable dedupe key of a mail: (division, kind, customer, invoices, level)."""
    digest = hashlib.sha256("\n".join(sorted(items)).encode()).hexdigest()[:16]
    return f"{division}/{kind.value}/{customer_code}/L{level}/{digest}"


def confirmation_item(line_id: str) -> str:
    """The ledger item for the thank-you for one settled receivable line (its ID in Exact)."""
    return line_id


def reminder_item(entry_id: str, level: int) -> str:
    """The ledger item for one invoice's reminder at one level (the invoice's entry ID)."""
    return f"{entry_id}@L{level}"


def last_reminder(run_date: date, key: str, items: Iterable[str]) -> LastReminder:
    """A reminder claim read back: its tone level from the key (`…/L{level}/…`), its invoices
    from its items (`{entry}@L{level}`)."""
    level = next((int(p[1:]) for p in key.split("/") if p[:1] == "L" and p[1:].isdigit()), 0)
    return LastReminder(run_date, level, frozenset(item.rsplit("@L", 1)[0] for item in items))
