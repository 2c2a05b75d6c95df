"""What policy planned: the mails due, with whom they go to and what they say, and the skips."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from followup.model.choices import MailKind, Mode, Tone, Variant


@dataclass(frozen=True)
class Recipient:
    """Who a mail goes to, and in which language."""

    email: str
    name: str
    first_name: str
    language: str


@dataclass(frozen=True)
class Customer:
    """The account a mail is about: its Exact id, its code and its name."""

    account_id: str
    code: str
    name: str

    @property
    def label(self) -> str:
        """The customer as reports show it: code and name ("1001 Bakkerij Van Dam")."""
        return " ".join(part for part in (self.code, self.name) if part)


@dataclass(frozen=True)
class InvoiceLine:
    """One invoice in a mail: paid (confirmation) or outstanding (reminder)."""

    entry_id: str  # the invoice's entry in Exact (its receivable lines' EntryID)
    invoice_number: str
    invoice_date: date
    due_date: date
    amount: Decimal  # paid now (confirmation) or outstanding (reminder)
    currency: str
    invoice_total: Decimal
    remaining: Decimal  # still open after this payment; 0 when settled
    payment_date: date | None = None  # confirmations: the day the money arrived (the latest)
    days_overdue: int = 0
    description: str = ""
    level: int = 0  # reminders: the reminder level this invoice is at in this mail (1..n)
    payment_link: str = ""  # reminders: a link to pay this invoice, from the settings' template
    in_transit: Decimal = Decimal(0)  # reminders: part of the amount already on its way

    @property
    def settled(self) -> bool:
        """Nothing of the invoice is left to pay."""
        return self.remaining <= 0


@dataclass(frozen=True)
class PlannedMail:
    """A mail policy decided is due, with the key that makes its delivery happen once."""

    key: str
    division: int
    kind: MailKind
    mode: Mode
    customer: Customer
    recipient: Recipient
    lines: tuple[InvoiceLine, ...]
    item_ids: tuple[str, ...]  # the items this mail covers (claimed with it)
    level: int = 0  # reminders: the highest level among the lines (1 friendly .. 3 final)
    tone: Tone | None = None  # reminders: how firmly it is written
    variant: Variant | None = None  # confirmations: how the thank-you is written
    reason: str = ""
    first_time: bool = False  # confirmations: the customer's first payment ("Welkom als klant")
    customer_since: date | None = None  # confirmations: a returning customer, since when
    pay_within_days: int = 0  # reminders: the payment term the mail asks for
    collection_costs: Decimal | None = None  # final notice: statutory costs (WIK) if unpaid
    call_customer: bool = False  # above the call threshold: drafted, and listed in the digest
    notes: tuple[str, ...] = ()  # why the mode or wording was chosen (for the report)

    @property
    def total(self) -> Decimal:
        """The mail's amount over all its lines: paid (confirmation) or outstanding (reminder)."""
        return sum((line.amount for line in self.lines), Decimal(0))

    @property
    def currency(self) -> str:
        """The currency of the mail's lines; "mixed" when they have several."""
        currencies = {line.currency for line in self.lines}
        return currencies.pop() if len(currencies) == 1 else "mixed"


@dataclass(frozen=True)
class Skip:
    """A mail that was due but is not written, and why."""

    division: int
    kind: MailKind
    customer: Customer
    reason: str
    invoice_numbers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pause:
    """A customer (by code) or an invoice (by number) not to chase until a date: a dispute."""

    target: str
    until: date
    reason: str
    division: int | None = None  # None: in every division


@dataclass(frozen=True)
class Plan:
    """Policy's answer for one division."""

    mails: tuple[PlannedMail, ...]
    skips: tuple[Skip, ...]
    done: tuple[Skip, ...] = ()  # due, but an earlier run already delivered them
    resume_from: int | None = None  # the payment watermark to store; None: keep the old one
    notes: tuple[str, ...] = ()  # things the owner should know about this division's run
