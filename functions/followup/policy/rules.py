"""What policy is given besides the data: the settings it obeys and the history it respects."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from followup.model import Customer, DivisionData, MailKind, Pause
from followup.rules_settings import Confirmations, Policy, Suppress
from followup.settings import Languages, Modes


@dataclass(frozen=True)
class Rules:
    """The settings policy obeys, in one value."""

    policy: Policy = field(default_factory=Policy)
    modes: Modes = field(default_factory=Modes)
    languages: Languages = field(default_factory=Languages)
    confirmations: Confirmations = field(default_factory=Confirmations)
    suppress: Suppress = field(default_factory=Suppress)
    payment_link: str = ""


@dataclass(frozen=True)
class History:
    """What the ledger remembers that policy must respect."""

    covered: Mapping[MailKind, set[str]] = field(default_factory=dict)
    last_reminder: Mapping[str, date] = field(default_factory=dict)  # customer code → date
    pauses: tuple[Pause, ...] = ()

    def paused(self, target: str, division: int, today: date) -> Pause | None:
        """The pause holding a customer code or invoice number today, if any."""
        for pause in self.pauses:
            if (
                pause.target == target
                and pause.until >= today
                and pause.division in (None, division)
            ):
                return pause
        return None


def mail_key(
    division: int, kind: MailKind, customer_code: str, level: int, items: Sequence[str]
) -> str:
    """The stable dedupe key of a mail: (division, kind, customer, invoices, level)."""
    digest = hashlib.sha256("\n".join(sorted(items)).encode()).hexdigest()[:16]
    return f"{division}/{kind.value}/{customer_code}/L{level}/{digest}"


def reminder_item(entry_id: str, level: int) -> str:
    """The ledger item for one invoice's reminder at one level."""
    return f"{entry_id}@L{level}"


def customer_of(data: DivisionData, account_id: str) -> Customer:
    """The customer an account id stands for, as shown in reports."""
    account = data.accounts.get(account_id)
    if account is None:
        return Customer(account_id, "?", f"unknown account {account_id}")
    return Customer(account_id, account.code, account.name)
