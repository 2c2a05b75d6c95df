"""The rows a simulated administration holds, and the Exact codes they carry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal

from followup.clock import AMSTERDAM
from followup.exact.codes import ItemStatus

# An outstanding item: may still be matched (Exact's codes: followup/exact/codes.py).
UNMATCHED = frozenset({ItemStatus.OPEN, ItemStatus.SELECTED, ItemStatus.PROCESSED})
RECEIVABLE = 20  # LineType of a receivable payment term
PAYABLE = 22
# Fixed rates to the division currency (EUR) for foreign-currency invoices.
RATES = {"EUR": Decimal(1), "USD": Decimal("0.9"), "GBP": Decimal("1.15")}


@dataclass(frozen=True)
class Booking:
    """An invoice to book in the sandbox: its customer (or supplier), number, dates and amount."""

    account_id: str
    number: int
    invoice_date: date
    due_date: date
    amount: Decimal
    currency: str = "EUR"
    description: str = ""
    contact_id: str | None = None
    your_ref: str = ""
    booked_at: datetime | None = None
    is_reversal: bool = False


@dataclass
class AccountRecord:
    """A crm/Accounts row."""

    id: str
    code: str
    name: str
    email: str
    language: str
    blocked: bool
    classification: str
    status: str
    is_sales: bool = True
    is_supplier: bool = False
    main_contact: str | None = None


@dataclass
class ContactRecord:
    """A crm/Contacts row."""

    id: str
    account_id: str
    first_name: str
    last_name: str
    email: str
    business_email: str
    language: str
    is_main: bool


@dataclass
class LineRecord:
    """One payment term of an entry (a receivable or payable line): an invoice, a credit note or
    a bank/cash line. `match_id` ties the lines matched with each other (not served: Exact's
    receivables don't show which lines a match joined)."""

    id: str
    entry_id: str
    transaction_entry_id: str
    account_id: str
    contact_id: str | None
    invoice_number: int | None  # a cash line has none
    invoice_date: date
    due_date: date
    amount: Decimal  # this line, in the invoice currency
    currency: str
    invoice_amount: Decimal  # the whole invoice, in the invoice currency
    transaction_type: int
    line_type: int
    description: str
    your_ref: str
    is_reversal: bool
    created: datetime
    modified: datetime
    timestamp: int = 0
    status: int = ItemStatus.OPEN
    fully_paid: bool = False
    last_payment_date: date | None = None
    end_date: date | None = None
    entry_number: int | None = None  # the bank entry's number for a cash line; else the invoice's
    match_id: int | None = None

    @property
    def is_open(self) -> bool:
        """Outstanding: open, selected for collection or processed, not yet matched."""
        return self.status in UNMATCHED


def at_amsterdam(day: date, hour: int) -> datetime:
    """A whole hour on an Amsterdam calendar day."""
    return datetime.combine(day, time(hour), tzinfo=AMSTERDAM)


def to_division_currency(amount: Decimal, currency: str) -> Decimal:
    """The amount in EUR at the sandbox's fixed rate."""
    return (amount * RATES[currency]).quantize(Decimal("0.01"))
