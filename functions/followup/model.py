"""Values that flow through a run: what Exact told us, what policy planned, what happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class MailKind(StrEnum):
    """The kinds of mail followup writes."""

    CONFIRMATION = "confirmation"
    REMINDER = "reminder"
    DIGEST = "digest"  # the owner's summary of a run


CUSTOMER_KINDS = (MailKind.CONFIRMATION, MailKind.REMINDER)  # the mails to customers


class Mode(StrEnum):
    """Deliver a mail as a draft for the owner to review, or send it."""

    DRAFT = "draft"
    SEND = "send"


class Outcome(StrEnum):
    """What became of one planned mail in one run."""

    SENT = "sent"
    DRAFTED = "drafted"
    SKIPPED = "skipped"
    FAILED = "failed"  # may succeed later: retried by the next run
    REJECTED = "rejected"  # refused for good (a bad recipient): not retried
    UNCERTAIN = "uncertain"  # a claim whose delivery can't be verified: never re-sent automatically
    ALREADY_DONE = "already_done"  # delivered by an earlier run
    PLANNED = "planned"  # dry run: would have been delivered


# --- What Exact told us -------------------------------------------------------------------


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
    status: int
    fully_paid: bool
    last_payment_date: date | None = None
    contact_id: str | None = None
    description: str = ""
    your_ref: str = ""
    is_reversal: bool = False
    amount_dc: Decimal | None = None
    timestamp: int | None = None
    transaction_type: int = 20  # 20 sales invoice, 21 sales credit note, 40 cash flow (bank/cash)
    entry_number: str = ""  # EntryNumber of the linked transaction (ReceivablesList's key)
    # read/financial/ReceivablesList's AmountInTransit for this open line ("the amount that you
    # have requested your bank to pay"): the other way Exact may show a collection on its way.
    amount_in_transit: Decimal = Decimal(0)

    @property
    def is_open(self) -> bool:
        """Still an outstanding item (Exact status 20, open)."""
        return self.status == 20

    @property
    def in_transit(self) -> bool:
        """Selected for collection (30) or processed (40): the money is on its way."""
        return self.status in (30, 40)

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
        return self.transaction_type == 40


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


# --- What policy planned ------------------------------------------------------------------


@dataclass(frozen=True)
class Recipient:
    """Who a mail goes to, and in which language."""

    email: str
    name: str
    first_name: str
    language: str


@dataclass(frozen=True)
class Customer:
    """The account a mail is about, as shown in reports."""

    account_id: str
    code: str
    name: str


@dataclass(frozen=True)
class InvoiceLine:
    """One invoice in a mail: paid (confirmation) or outstanding (reminder)."""

    item_id: str
    invoice_number: str
    invoice_date: date
    due_date: date
    amount: Decimal  # paid now (confirmation) or outstanding (reminder)
    currency: str
    invoice_total: Decimal
    remaining: Decimal  # still open after this payment; 0 when settled
    payment_date: date | None = None
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
    # Confirmations: "standard" | "informal" | "upsell" | "personal" (large payment) | "refund".
    # Reminders: the tone, "friendly" | "businesslike" | "final".
    variant: str = "standard"
    reason: str = ""
    first_time: bool = False  # confirmations: the customer's first payment ("Welkom als klant")
    customer_since: date | None = None  # confirmations: a returning customer, since when
    pay_within_days: int = 0  # reminders: the payment term the mail asks for
    collection_costs: Decimal | None = None  # final notice: statutory costs (WIK) if unpaid
    call_customer: bool = False  # above the call threshold: drafted, and listed in the digest
    notes: tuple[str, ...] = ()  # why the mode or wording was chosen (for the report)


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


# --- What happened ------------------------------------------------------------------------


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


@dataclass(frozen=True)
class ReportEntry:
    """One line of the run report; `reason` and `notes` may be reasons.Reason (English text
    with a code and values the owner's templates word in their language)."""

    division: int
    kind: MailKind
    outcome: Outcome
    customer: str
    reason: str = ""
    key: str = ""
    recipient: str = ""
    subject: str = ""
    invoice_numbers: tuple[str, ...] = ()
    provider_id: str = ""
    amount: Decimal = Decimal(0)  # paid (confirmation) or outstanding (reminder), all lines
    currency: str = ""
    call_customer: bool = False  # a reminder above the call threshold: phone them
    notes: tuple[str, ...] = ()  # why the mode or wording was chosen
    level: int = 0  # reminders: the mail's level (1 friendly .. 3 final)
    variant: str = ""  # how the mail is written (PlannedMail.variant)


@dataclass
class DivisionReport:
    """What one division's run did."""

    division: int
    entries: list[ReportEntry] = field(default_factory=list)
    error: str = ""
    retryable: bool = False  # the error may go away when run again (5xx at the HTTP edge)
    exact_calls: int = 0
    notes: list[str] = field(default_factory=list)
    outstanding: dict[str, Decimal] = field(default_factory=dict)  # per currency: all open
    overdue: dict[str, Decimal] = field(default_factory=dict)  # per currency: past due
    unreadable: list[UnreadableRow] = field(default_factory=list)  # rows Exact sent, unusable

    @property
    def ok(self) -> bool:
        """The division ran to the end."""
        return not self.error


@dataclass
class RunReport:
    """What a whole run did, division by division."""

    run_id: str
    run_date: date
    dry_run: bool
    started_at: datetime
    divisions: list[DivisionReport] = field(default_factory=list)
    finished_at: datetime | None = None
    digest: ReportEntry | None = None  # the owner's digest mail, when enabled
    # The Exact consent after the run: last refreshed, when it lapses unused (exact/lapse.py).
    consent_refreshed_at: datetime | None = None
    consent_lapses_at: datetime | None = None
    consent_warn: bool = False

    @property
    def ok(self) -> bool:
        """Every division ran to the end."""
        return all(d.ok for d in self.divisions)

    def entries(self) -> list[ReportEntry]:
        """All report lines of all divisions."""
        return [e for d in self.divisions for e in d.entries]


# --- Credentials ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenSet:
    """Exact Online OAuth tokens: the refresh token and the access token it last produced."""

    access_token: str = field(repr=False)
    access_expires_at: datetime
    refresh_token: str = field(repr=False)
    refreshed_at: datetime  # when the current access token was issued (Exact: 570 s between)
