"""What Exact told us: accounts, contacts and receivable lines of one division, as values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from followup.exact.codes import ItemStatus, TransactionType


@dataclass(frozen=True)
class Contact:
    """A contact person of an account (crm/Contacts)."""

    id: str
    account_id: str
    first_name: str
    last_name: str
    email: str
    language: str
    is_main: bool = False


@dataclass(frozen=True)
class Account:
    """A customer (crm/Accounts)."""

    id: str
    code: str
    name: str
    email: str
    language: str
    blocked: bool = False
    main_contact_id: str | None = None
    classification: str | None = None  # Classification1: its code when known, else Exact's id
    # The date of the customer's oldest sales invoice among Exact's receivables; read only for
    # customers with a payment to confirm (Exact's CustomerSince is documented as obsolete).
    first_invoice: date | None = None


@dataclass(frozen=True)
class Receivable:
    """One receivable line (a payment term of a sales invoice) in the invoice's own currency.

    `amount` is this line's amount: for an open line what is still outstanding, for a matched
    line what was paid. A partially paid invoice has a matched line and an open line with the
    same `entry_id`.
    """

    id: str
    entry_id: str
    account_id: str
    invoice_number: str
    invoice_date: date
    due_date: date
    amount: Decimal
    currency: str
    invoice_total: Decimal
    status: ItemStatus | int  # a code Exact doesn't document stays its number
    fully_paid: bool
    # Exact's LastPaymentDate: the day the money arrived, also when the match was booked later.
    payment_date: date | None = None
    contact_id: str | None = None
    description: str = ""
    your_ref: str = ""
    is_reversal: bool = False
    amount_dc: Decimal | None = None
    timestamp: int | None = None
    transaction_type: TransactionType | int = TransactionType.SALES_ENTRY  # unknown: its number
    entry_number: str = ""  # EntryNumber of the linked transaction (ReceivablesList's key)
    # read/financial/ReceivablesList's AmountInTransit for this open line ("the amount that you
    # have requested your bank to pay"): the other way Exact may show a collection on its way.
    amount_in_transit: Decimal = Decimal(0)

    @property
    def is_open(self) -> bool:
        """Still an outstanding item (Exact status 20, open)."""
        return self.status == ItemStatus.OPEN

    @property
    def in_transit(self) -> bool:
        """Selected for collection (30) or processed (40): the money is on its way."""
        return self.status in (ItemStatus.SELECTED, ItemStatus.PROCESSED)

    @property
    def transit_amount(self) -> Decimal:
        """The part of this line on its way: all of it at status 30/40, else AmountInTransit
        (never more than the line). Either reading of Exact ends in the same number."""
        if self.in_transit:
            return self.amount
        if self.is_open and self.amount > 0:
            return min(max(self.amount_in_transit, Decimal(0)), self.amount)
        return Decimal(0)

    @property
    def open_amount(self) -> Decimal:
        """What is still to be paid on this line and not on its way: the part to remind."""
        return self.amount - self.transit_amount if self.is_open else Decimal(0)

    @property
    def is_cash(self) -> bool:
        """A bank or cash line: money received (negative) or paid back (positive)."""
        return self.transaction_type == TransactionType.CASH_FLOW


@dataclass(frozen=True)
class Watermark:
    """Where a division's payment reading stopped: the sync row version and the run date.

    `complete` is False while a division's first run is still reading Exact's payment history
    (a bounded number of pages per run, see exact/queries.py); `run_date` then stays the date of
    that first run, so the confirmation window stays its look-back days.
    """

    sync_timestamp: int
    run_date: date
    complete: bool = True
    # Pages of the division's full listings last read to their end ("CRM/Accounts": 20): what
    # tells the next run whether a listing or ID filters read its customers in fewer calls.
    listing_pages: tuple[tuple[str, int], ...] = ()
    # Answers to reminders were looked for up to this moment (reply_watch.py): an answer from
    # before it was seen by an earlier run, and is not told (or paused for) again.
    replies_seen: datetime | None = None


@dataclass(frozen=True)
class DivisionData:
    """Everything one run reads from Exact for one division."""

    division: int
    payments: tuple[Receivable, ...]  # receivable lines changed since the watermark
    open_items: tuple[Receivable, ...]  # every open receivable line
    accounts: dict[str, Account]
    contacts: dict[str, Contact]
    next_watermark: int  # the sync row version to continue from next time
    exact_calls: int = 0  # API calls it took to read this
    caught_up: bool = True  # False: the payment history isn't read to its end yet (first runs)
    listing_pages: tuple[tuple[str, int], ...] = ()  # listings read to their end: pages each
    unreadable: tuple[UnreadableRow, ...] = ()  # rows this read left out: they need a look


@dataclass(frozen=True)
class BankStatements:
    """How fresh a division's bank statements are in Exact (financialtransaction/
    BankEntryLines `Date`, "Date of the statement line"), as read for a cutoff day."""

    cutoff: date  # the day asked about: is there a statement line dated on or after it?
    current: bool  # yes: statements are fresh enough (`latest` then isn't looked up)
    latest: date | None = None  # not current: the newest line's date; None: none in a year


@dataclass(frozen=True)
class UnreadableRow:
    """A row Exact sent that couldn't be read, left out of the run: someone should fix it.

    `reason` is exact/rows.py's text ("no InvoiceNumber", "DueDate is not a date", …). The
    customer and invoice come from the raw row when it had them ("" otherwise), so that a
    bookkeeper can find the entry in Exact.
    """

    division: int
    endpoint: str  # without the division: "bulk/Cashflow/Receivables"
    row_id: str
    reason: str
    customer_code: str = ""
    customer_name: str = ""
    invoice_number: str = ""
