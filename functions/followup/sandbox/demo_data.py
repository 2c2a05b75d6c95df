"""The demo administration: a Dutch bakery's customers, ~14 months of invoices and payments,
dated relative to `today` and otherwise the same on every run (random.Random(2026))."""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from followup.exact.codes import ItemStatus, TransactionType
from followup.sandbox import demo_customers as roles
from followup.sandbox.demo_customers import CUSTOMERS, SUPPLIERS, DemoCustomer
from followup.sandbox.demo_invoices import InvoiceBook, at
from followup.sandbox.division import Division
from followup.sandbox.records import RECEIVABLE
from followup.sandbox.state import SandboxState

SEED = 2026
DIVISION_NAME = "Bakkerij De Gouden Croissant B.V."
FIRST_CUSTOMER_CODE = 1001
FIRST_SUPPLIER_CODE = 2001
HISTORY_DAYS = 425  # ~14 months
PARTIAL_INVOICE, PARTIAL_PAID = Decimal("1250.00"), Decimal("500.00")
LARGE_INVOICE = Decimal("6845.50")
USD_INVOICE = Decimal("2400.00")
REFUNDED_CREDIT_NOTE = Decimal("-120.00")
IN_TRANSIT_DAYS = 6  # how far past due the invoice being collected is


@dataclass(frozen=True)
class DemoFacts:
    """What the demo administration holds, for tests and the demo's summary. Codes unpadded."""

    division: int
    today: date
    customers: int
    invoices: int  # sales invoices and credit notes booked
    payments_yesterday: (
        int  # invoice/credit-note lines settled by money moved yesterday (refunds too)
    )
    two_invoice_payer: str
    partial_payer: str
    english_payer: str
    large_payer: str
    no_email_payer: str
    usd_payer: str
    refund_customer: str  # a credit note refunded yesterday (a positive cash line)
    blocked_customer: str  # blocked, with an overdue invoice
    late_match_payer: str  # paid three days ago; the receipt was matched yesterday
    credit_note_settled: str  # an invoice settled yesterday by a credit note: no payment
    reversed_payer: str  # paid yesterday, the bank entry reversed yesterday: no payment
    in_transit_customer: str  # an overdue invoice whose direct debit was processed yesterday
    first_time_payer: str  # CustomerSince this month; paid a first invoice yesterday
    ordinary_payers: tuple[str, ...]
    yesterday_payers: tuple[str, ...]  # every customer whose money moved yesterday and settled
    overdue_customers: tuple[str, ...]  # every customer with an overdue invoice
    overdue_days: tuple[tuple[str, int], ...]  # (code, days past due) per overdue invoice
    partial_remainder: Decimal  # what the partial payer still owes on that invoice
    supplier_codes: tuple[str, ...]  # accounts with payables (LineType 22) only
    classifications: tuple[tuple[str, str], ...]  # (code, the guid Classification1 carries)


_LEGAL_FORMS = frozenset({"bv", "ltd", "gmbh", "inc"})


def slug(name: str) -> str:
    """`Café De Zwaan B.V.` → `cafedezwaan`: for e-mail local parts."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = ("".join(ch for ch in word if ch.isalnum()) for word in ascii_name.split())
    return "".join(word for word in words if word not in _LEGAL_FORMS)


def email(local: str, language: str) -> str:
    """An address on a reserved example domain."""
    return f"{local}@{roles.DOMAINS.get(language, 'example.nl')}"


@dataclass
class _Customer:
    spec: DemoCustomer
    code: str
    account_id: str
    invoice_contact: str | None
    term: int
    size: tuple[int, int]


def _add_customer(div: Division, rng: random.Random, spec: DemoCustomer, code: str) -> _Customer:
    base, lang = slug(spec.name), spec.language
    account_email = email(base, lang) if spec.mail in ("full", "account", "billing") else ""
    account_id = div.add_account(
        code, spec.name, account_email, lang, blocked=spec.role == roles.BLOCKED,
        classification=spec.segment,
    )  # fmt: skip
    invoice_contact: str | None = None
    if spec.contact is not None:
        first, last = spec.contact
        address = email(f"{slug(first)}.{base}", lang) if spec.mail != "none" else ""
        business = address if spec.mail == "business" else ""
        main = div.add_contact(
            account_id, first, last, "" if business else address, lang, True, business
        )
        invoice_contact = main if rng.random() < 0.5 else None
    if spec.billing is not None:
        first, last = spec.billing
        address = email(f"{slug(first)}.{base}", lang)
        invoice_contact = div.add_contact(account_id, first, last, address, lang)
    term = rng.choice((14, 30, 30))
    size = rng.choice(((80, 400), (250, 1200), (600, 2500)))
    return _Customer(spec, code, account_id, invoice_contact, term, size)


def seed_demo(state: SandboxState, today: date, division: int = 123456) -> DemoFacts:
    """Create and fill the demo division; returns what it holds."""
    rng = random.Random(SEED)
    div = state.add_division(division, DIVISION_NAME)
    customers = [
        _add_customer(div, rng, spec, str(FIRST_CUSTOMER_CODE + index))
        for index, spec in enumerate(CUSTOMERS)
    ]
    book = InvoiceBook(div, today)
    for customer in customers:
        if customer.spec.role != roles.FIRST_TIME:
            _history(book, rng, customer)
    by_role: dict[str, list[_Customer]] = {}
    for customer in customers:
        by_role.setdefault(customer.spec.role, []).append(customer)
        _special(book, rng, customer)
    suppliers = _suppliers(div, book, rng)
    book.run()

    def code(role: str) -> str:
        return by_role[role][0].code

    overdue = [(c.code, days) for c in customers for days in c.spec.overdue_days]
    return DemoFacts(
        division=division, today=today, customers=len(customers), invoices=book.invoices,
        payments_yesterday=len(settled_by_money(div, today - timedelta(days=1))),
        two_invoice_payer=code(roles.TWO_INVOICES), partial_payer=code(roles.PARTIAL),
        english_payer=code(roles.ENGLISH), large_payer=code(roles.LARGE),
        no_email_payer=code(roles.NO_EMAIL), usd_payer=code(roles.USD),
        refund_customer=code(roles.REFUND), blocked_customer=code(roles.BLOCKED),
        late_match_payer=code(roles.LATE_MATCH), credit_note_settled=code(roles.CREDIT_SETTLED),
        reversed_payer=code(roles.REVERSED), in_transit_customer=code(roles.IN_TRANSIT),
        first_time_payer=code(roles.FIRST_TIME),
        ordinary_payers=tuple(c.code for c in by_role[roles.ORDINARY]),
        yesterday_payers=tuple(c.code for c in customers if c.spec.role in _PAID_YESTERDAY),
        overdue_customers=tuple(sorted({c for c, _ in overdue})), overdue_days=tuple(overdue),
        partial_remainder=PARTIAL_INVOICE - PARTIAL_PAID, supplier_codes=suppliers,
        classifications=tuple(
            (segment, div.classification_id(segment))
            for segment in sorted({c.spec.segment for c in customers})
        ),
    )  # fmt: skip


_PAID_YESTERDAY = frozenset(
    {roles.TWO_INVOICES, roles.PARTIAL, roles.ENGLISH, roles.LARGE, roles.NO_EMAIL, roles.USD,
     roles.REFUND, roles.ORDINARY, roles.FIRST_TIME}
)  # fmt: skip


def settled_by_money(div: Division, day: date) -> list[str]:
    """IDs of the invoice and credit-note lines matched with a bank entry dated `day` that still
    stands (a reversed entry is matched with its reversal instead)."""
    groups = {
        line.match_id
        for line in div.lines
        if line.transaction_type == TransactionType.CASH_FLOW and line.invoice_date == day
        and line.status == ItemStatus.MATCHED and not line.is_reversal
    }  # fmt: skip
    return [
        line.id
        for line in div.lines
        if line.line_type == RECEIVABLE and line.transaction_type != TransactionType.CASH_FLOW
        and line.status == ItemStatus.MATCHED and line.match_id in groups
    ]  # fmt: skip


def _amount(rng: random.Random, size: tuple[int, int]) -> Decimal:
    return Decimal(rng.randint(size[0] * 100, size[1] * 100)).scaleb(-2)


def _history(book: InvoiceBook, rng: random.Random, c: _Customer) -> None:
    """4-6 invoices spread over the last ~14 months, paid on time mostly, never overdue."""
    today = book.today
    count = rng.randint(4, 6)
    for k in range(count):
        issued = today - timedelta(days=6 + int((k + rng.random()) * (HISTORY_DAYS - 6) / count))
        due = issued + timedelta(days=c.term)
        amount = _amount(rng, c.size)
        late, early_days, late_days = (
            rng.random() < 0.15,
            rng.randint(2, c.term),
            rng.randint(1, 12),
        )
        key = book.invoice(c.account_id, issued, due, amount, c.spec, c.invoice_contact, rng)
        paid = due + timedelta(days=late_days) if late else issued + timedelta(days=early_days)
        if paid <= today - timedelta(days=2):
            book.pay(key, amount, paid)
        elif due < today:  # would turn overdue by accident: paid two days ago instead
            book.pay(key, amount, today - timedelta(days=2))


def _special(book: InvoiceBook, rng: random.Random, c: _Customer) -> None:
    """The invoices that make a customer play its role."""
    today, role, spec = book.today, c.spec.role, c.spec
    yesterday = today - timedelta(days=1)

    def invoice(days_ago: int, term: int, amount: Decimal) -> int:
        issued = today - timedelta(days=days_ago)
        due = issued + timedelta(days=term)
        return book.invoice(c.account_id, issued, due, amount, spec, c.invoice_contact, rng)

    def paid_yesterday(key: int, amount: Decimal) -> int:
        return book.pay(key, amount, yesterday, book.next_slot_yesterday())

    if role in (roles.TWO_INVOICES, roles.ENGLISH, roles.NO_EMAIL, roles.ORDINARY):
        for days_ago in (35, 20) if role == roles.TWO_INVOICES else (rng.randint(18, 30),):
            amount = _amount(rng, c.size)
            paid_yesterday(invoice(days_ago, 30, amount), amount)
    elif role == roles.PARTIAL:
        paid_yesterday(invoice(18, 30, PARTIAL_INVOICE), PARTIAL_PAID)
    elif role == roles.LARGE:
        paid_yesterday(invoice(28, 30, LARGE_INVOICE), LARGE_INVOICE)
    elif role == roles.USD:
        paid_yesterday(invoice(30, 30, USD_INVOICE), USD_INVOICE)
    elif role == roles.REFUND:
        paid_yesterday(invoice(12, 14, REFUNDED_CREDIT_NOTE), REFUNDED_CREDIT_NOTE)
    elif role == roles.FIRST_TIME:
        amount = _amount(rng, c.size)
        paid_yesterday(invoice(16, 30, amount), amount)
    elif role == roles.LATE_MATCH:
        amount = _amount(rng, c.size)
        key = invoice(25, 30, amount)
        three_days_ago = today - timedelta(days=3)
        cash = book.receive(c.account_id, amount, three_days_ago, at(three_days_ago, 11))
        book.match(cash, key, amount, book.next_slot_yesterday())
    elif role == roles.CREDIT_SETTLED:
        amount = _amount(rng, c.size)
        key = invoice(20, 30, amount)
        credit = invoice(2, 14, -amount)
        book.settle(key, credit, yesterday, book.next_slot_yesterday())
    elif role == roles.REVERSED:
        amount = _amount(rng, c.size)
        cash = paid_yesterday(invoice(15, 30, amount), amount)
        book.reverse(cash, yesterday, book.next_slot_yesterday())
    elif role == roles.IN_TRANSIT:
        key = invoice(IN_TRANSIT_DAYS + c.term, c.term, _amount(rng, c.size))
        two_days_ago = today - timedelta(days=2)
        book.collect(key, two_days_ago, False, at(two_days_ago, 14))
        book.collect(key, yesterday, True, book.next_slot_yesterday())
    for days in spec.overdue_days:
        amount = _amount(rng, c.size)
        key = invoice(days + c.term, c.term, amount)
        if role == roles.OVERDUE_AFTER_PART:
            book.pay(
                key, (amount * Decimal("0.3")).quantize(Decimal("0.01")), today - timedelta(days=10)
            )
    if spec.name == "Hotel De Wittenburg":  # a credit note settled long ago
        key = invoice(200, 14, Decimal("-85.40"))
        book.pay(key, Decimal("-85.40"), today - timedelta(days=190))


def _suppliers(div: Division, book: InvoiceBook, rng: random.Random) -> tuple[str, ...]:
    """Two suppliers with monthly purchase invoices: payables that only sync shows."""
    codes: list[str] = []
    today = book.today
    for index, name in enumerate(SUPPLIERS):
        code = str(FIRST_SUPPLIER_CODE + index)
        account_id = div.add_account(
            code, name, email(slug(name), "NL"), "NL", status="A", is_sales=False,
            is_supplier=True,
        )  # fmt: skip
        codes.append(code)
        for month in range(1, 6):
            issued = today - timedelta(days=30 * month + 5)
            book.payable(account_id, issued, _amount(rng, (300, 1500)), issued + timedelta(30))
        issued = today - timedelta(days=31 if index == 0 else 5)
        paid = today - timedelta(days=1) if index == 0 else None
        book.payable(account_id, issued, _amount(rng, (300, 1500)), paid)
    return tuple(codes)
