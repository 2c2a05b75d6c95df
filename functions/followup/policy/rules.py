"""What policy is given besides the data (the settings it obeys and the history it respects),
and the customer and report lines it names in its answer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from followup import reasons
from followup.model import Customer, DivisionData, LastReminder, MailKind, Pause, Skip
from followup.settings import Languages, Modes
from followup.settings.rules import Confirmations, Policy, Suppress


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
    last_reminders: Mapping[str, LastReminder] = field(default_factory=dict)  # by customer code
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


def customer_of(data: DivisionData, account_id: str) -> Customer:
    """The customer an account id stands for, as shown in reports."""
    account = data.accounts.get(account_id)
    if account is None:
        return Customer(account_id, "?", f"unknown account {account_id}")
    return Customer(account_id, account.code, account.name)


def done_skips(
    data: DivisionData, kind: MailKind, numbers: Mapping[str, Sequence[str]]
) -> tuple[Skip, ...]:
    """Report lines for mails an earlier run already delivered."""
    reason = reasons.ALREADY_DELIVERED
    return tuple(
        Skip(data.division, kind, customer_of(data, account_id), reason, tuple(nums))
        for account_id, nums in sorted(numbers.items())
    )
