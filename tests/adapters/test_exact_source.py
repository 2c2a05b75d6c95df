"""ExactOnlineSource against the sandbox: the right DivisionData in the fewest calls."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import pytest

from followup.clock import AMSTERDAM
from followup.exact.client import ExactClient
from followup.exact.queries import ExactOnlineSource
from followup.exact.rows import OddRow, account, contact, receivable
from followup.model import Receivable, UnreadableRow
from followup.sandbox.demo_data import seed_demo, settled_by_money
from followup.sandbox.records import Booking
from followup.sandbox.state import SandboxState

if TYPE_CHECKING:
    from conftest import SharedClock

DIVISION = 123456
D = Decimal


@pytest.fixture
def source(client: ExactClient) -> ExactOnlineSource:
    return ExactOnlineSource(client)


def paths(state: SandboxState) -> list[str]:
    """The resources called, in order, without division and query."""
    served = []
    for division, method, path in state.calls:
        resource = path.split("?", 1)[0].removeprefix(f"/api/v1/{division}/")
        served.append(f"{method} {resource}")
    return served


def queries(state: SandboxState, resource: str) -> list[str]:
    return [path for _, _, path in state.calls if path.split("?")[0].endswith(resource)]


class Small:
    """A hand-built division: a full payment, a partial payment split, an open item."""

    def __init__(self, state: SandboxState) -> None:
        div = state.add_division(DIVISION, "Bakkerij De Gouden Croissant B.V.")
        self.zwaan = div.add_account(
            code="1001", name="Café De Zwaan", email="zwaan@example.nl", language="nl"
        )
        self.anna = div.add_contact(
            self.zwaan, "Anna", "de Vries", email="anna@example.nl", is_main=True
        )
        self.anker = div.add_account(code="1002", name="Hotel Het Anker", language="EN")
        self.pieter = div.add_contact(
            self.anker, "Pieter", "Bakker", is_main=True, business_email="pieter@anker.example"
        )
        self.molen = div.add_account(
            code="1003", name="Restaurant De Molen", email="molen@example.nl", language="NL"
        )
        self.billing = div.add_contact(self.molen, "Ahmed", "El Amrani", email="ahmed@example.nl")
        self.bystander = div.add_account(code="1004", name="Uninvolved", email="x@example.nl")
        div.add_contact(self.bystander, "Niet", "Betrokken", is_main=True)
        self.full = div.add_invoice(
            self.zwaan,
            number=20260001,
            invoice_date=date(2026, 1, 5),
            due_date=date(2026, 2, 4),
            amount=D("121.00"),
        )
        self.partial = div.add_invoice(
            self.anker,
            number=20260002,
            invoice_date=date(2026, 1, 10),
            due_date=date(2026, 2, 9),
            amount=D("1250.00"),
            description="Brood januari",
        )
        self.open = div.add_invoice(
            self.molen,
            number=20260003,
            invoice_date=date(2026, 2, 20),
            due_date=date(2026, 3, 6),
            amount=D("99.95"),
            contact_id=self.billing,
            your_ref="PO-7",
        )
        div.pay(self.full, amount=D("121.00"), payment_date=date(2026, 3, 1))
        div.pay(self.partial, amount=D("500.00"), payment_date=date(2026, 3, 1))
        self.div = div


def by_entry(lines: tuple[Receivable, ...], entry_id: str) -> list[Receivable]:
    return sorted((x for x in lines if x.entry_id == entry_id), key=lambda x: x.status)


def test_read_returns_payments_open_items_accounts_and_contacts_of_a_small_division(
    state: SandboxState, source: ExactOnlineSource
) -> None:
    small = Small(state)
    data = source.read(DIVISION, since=None, first_day=date(2026, 3, 1))

    assert data.division == DIVISION
    [paid] = by_entry(data.payments, small.full)
    assert (paid.status, paid.fully_paid, paid.amount, paid.invoice_total) == (
        50,
        True,
        D("121.00"),
        D("121.00"),
    )
    assert paid.payment_date == date(2026, 3, 1)
    assert (paid.invoice_number, paid.invoice_date) == ("20260001", date(2026, 1, 5))
    assert paid.account_id == small.zwaan

    remainder, part = by_entry(data.payments, small.partial)
    assert (part.status, part.amount, part.invoice_total) == (50, D("500.00"), D("1250.00"))
    assert (remainder.status, remainder.amount, remainder.is_open) == (20, D("750.00"), True)
    assert remainder.description == "Brood januari"

    assert small.open not in {x.entry_id for x in data.payments}  # untouched since first_day
    assert sorted((x.invoice_number, x.amount) for x in data.open_items) == [
        ("20260002", D("750.00")),
        ("20260003", D("99.95")),
    ]
    [molen_open] = by_entry(data.open_items, small.open)
    assert molen_open.contact_id == small.billing
    assert molen_open.your_ref == "PO-7"
    assert molen_open.due_date == date(2026, 3, 6)
    assert (molen_open.currency, molen_open.amount_dc) == ("EUR", D("99.95"))

    assert set(data.accounts) == {small.zwaan, small.anker, small.molen}
    zwaan = data.accounts[small.zwaan]
    assert (zwaan.code, zwaan.name, zwaan.email, zwaan.language) == (
        "1001",
        "Café De Zwaan",
        "zwaan@example.nl",
        "NL",
    )
    assert zwaan.main_contact_id == small.anna
    assert data.accounts[small.anker].language == "EN"

    assert set(data.contacts) == {small.anna, small.pieter, small.billing}
    assert data.contacts[small.pieter].email == "pieter@anker.example"  # BusinessEmail
    assert data.contacts[small.anna].is_main
    assert data.contacts[small.billing].account_id == small.molen

    cash = sorted(x.amount for x in data.payments if x.is_cash)
    assert cash == [D("-500.00"), D("-121.00")]  # the two receipts, matched in full
    assert all(x.status == 50 and x.invoice_number == "" for x in data.payments if x.is_cash)
    assert {x.transaction_type for x in data.payments} == {20, 40}

    assert data.next_watermark == max(x.timestamp or 0 for x in data.payments)
    assert source.skipped_rows == []


def test_a_first_read_takes_five_calls_in_order_and_asks_no_sync_timestamp(
    state: SandboxState, source: ExactOnlineSource
) -> None:
    Small(state)
    data = source.read(DIVISION, since=None, first_day=date(2026, 3, 1))
    assert data.caught_up
    assert queries(state, "sync/Cashflow/PaymentTerms")[0].endswith("Timestamp gt 1")
    assert paths(state) == [
        "GET sync/Cashflow/PaymentTerms",
        "GET bulk/Cashflow/Receivables",
        "GET crm/Accounts",
        "GET crm/Contacts",
        "GET bulk/Cashflow/Receivables",  # the payers' first invoices
    ]


def test_a_read_from_the_watermark_sees_only_what_changed_after_it(
    state: SandboxState, source: ExactOnlineSource
) -> None:
    small = Small(state)
    first = source.read(DIVISION, since=None, first_day=date(2026, 3, 1))
    again = source.read(DIVISION, since=first.next_watermark, first_day=date(2026, 3, 1))
    assert again.payments == ()
    assert again.next_watermark == first.next_watermark
    assert len(again.open_items) == 2

    small.div.pay(small.open, amount=D("99.95"), payment_date=date(2026, 3, 2))
    later = source.read(DIVISION, since=first.next_watermark, first_day=date(2026, 3, 1))
    [paid, cash] = sorted(later.payments, key=lambda x: x.transaction_type)
    assert (paid.entry_id, paid.fully_paid, paid.amount) == (small.open, True, D("99.95"))
    assert (cash.is_cash, cash.amount, cash.payment_date) == (
        True,
        D("-99.95"),
        date(2026, 3, 2),
    )
    assert later.next_watermark > first.next_watermark
    assert [x.invoice_number for x in later.open_items] == ["20260002"]


def test_payables_in_the_sync_feed_are_left_out_but_move_the_watermark(
    state: SandboxState, source: ExactOnlineSource
) -> None:
    small = Small(state)
    first = source.read(DIVISION, since=None, first_day=date(2026, 3, 1))
    supplier = small.div.add_account(code="2001", name="Molenaar", is_supplier=True)
    small.div.add_payable(
        Booking(
            supplier,
            number=7,
            invoice_date=date(2026, 3, 2),
            due_date=date(2026, 4, 1),
            amount=D("300"),
        )
    )
    later = source.read(DIVISION, since=first.next_watermark, first_day=date(2026, 3, 1))
    assert later.payments == ()
    assert later.next_watermark > first.next_watermark
    assert supplier not in later.accounts


def test_up_to_20_ids_are_fetched_with_one_filtered_call_each(
    state: SandboxState, source: ExactOnlineSource
) -> None:
    div = state.add_division(DIVISION, "Twintig")
    for n in range(20):
        customer = div.add_account(code=str(1000 + n), name=f"Klant {n}")
        div.add_contact(customer, "Voor", f"Naam {n}", email=f"c{n}@example.nl", is_main=True)
        div.add_invoice(
            customer,
            number=n + 1,
            invoice_date=date(2026, 2, 1),
            due_date=date(2026, 3, 1),
            amount=D("10"),
        )
    data = source.read(DIVISION, since=1, first_day=date(2026, 3, 1))
    assert len(data.accounts) == 20
    assert len(data.contacts) == 20
    [accounts_call] = queries(state, "crm/Accounts")
    [contacts_call] = queries(state, "crm/Contacts")
    assert accounts_call.count(" or ID eq guid'") == 19
    assert contacts_call.count(" or ID eq guid'") == 19


def many_customers(state: SandboxState, total: int, involved_every: int) -> set[str]:
    """`total` customers with a main contact each; every `involved_every`-th has an open
    invoice. Returns the involved ones."""
    div = state.add_division(DIVISION, "Veel klanten")
    involved = set()
    for n in range(total):
        customer = div.add_account(code=str(10000 + n), name=f"Klant {n}")
        div.add_contact(customer, "Voor", f"Naam {n}", email=f"c{n}@example.nl", is_main=True)
        if n % involved_every == 0:
            involved.add(customer)
            div.add_invoice(customer, n + 1, date(2026, 2, 1), date(2026, 3, 1), D("10"))
    return involved


def test_a_small_administration_lists_its_accounts_and_contacts_in_one_call_each(
    state: SandboxState, source: ExactOnlineSource
) -> None:
    involved = many_customers(state, 100, involved_every=1)  # 100 IDs: 4 filters, 1 listing page

    data = source.read(DIVISION, since=1, first_day=date(2026, 3, 1))

    assert set(data.accounts) == involved
    assert len(data.contacts) == 100
    assert paths(state).count("GET sync/CRM/Accounts") == 1
    assert paths(state).count("GET sync/CRM/Contacts") == 1
    assert queries(state, "crm/Accounts") == queries(state, "crm/Contacts") == []


def test_a_large_administration_stops_listing_and_filters_the_rest_in_pages_within_budget(
    state: SandboxState, source: ExactOnlineSource
) -> None:
    from followup.exact.batches import QUERY_BUDGET, encoded_length

    involved = many_customers(state, 2100, involved_every=30)  # 70 involved: 3 filters

    data = source.read(DIVISION, since=1, first_day=date(2026, 3, 1))

    assert set(data.accounts) == involved
    assert len(data.contacts) == 70
    for name in ("Accounts", "Contacts"):
        assert paths(state).count(f"GET sync/CRM/{name}") == 2  # then the filters are cheaper
        filters = [
            call.split("$filter=", 1)[1].split("&", 1)[0] for call in queries(state, f"crm/{name}")
        ]
        assert sum(f.count("ID eq guid'") for f in filters) == 70 - 67  # past 2,000 accounts
        assert all(encoded_length(f) <= QUERY_BUDGET for f in filters)
        assert len(filters) == 1


def test_no_lines_means_no_account_or_contact_calls(
    state: SandboxState, source: ExactOnlineSource
) -> None:
    state.add_division(DIVISION, "Leeg")
    data = source.read(DIVISION, since=1, first_day=date(2026, 3, 1))
    assert (data.payments, data.open_items, data.accounts, data.contacts) == ((), (), {}, {})
    assert data.next_watermark == 1
    assert len(state.calls) == 2


def test_read_of_the_demo_administration_is_complete_and_consistent(
    state: SandboxState, source: ExactOnlineSource, clock: SharedClock
) -> None:
    today = clock.now().date()
    facts = seed_demo(state, today)
    yesterday = today - timedelta(days=1)
    # From three days back: the late match (money three days ago, matched yesterday) included.
    data = source.read(facts.division, since=None, first_day=today - timedelta(days=3))

    div = state.divisions[facts.division]
    sandbox_open = {x.id for x in div.lines if x.line_type == 20 and x.is_open}
    assert {x.id for x in data.open_items} == sandbox_open
    code = {a.id: a.code for a in data.accounts.values()}
    [in_transit] = [x for x in data.open_items if x.in_transit]
    assert (code[in_transit.account_id], in_transit.status) == (facts.in_transit_customer, 40)

    settled_ids = set(settled_by_money(div, yesterday))
    settled = [x for x in data.payments if x.id in settled_ids]
    assert len(settled) == facts.payments_yesterday
    assert {code[x.account_id] for x in settled} == set(facts.yesterday_payers)
    cash_yesterday = {
        code[x.account_id]
        for x in data.payments
        if x.is_cash and x.invoice_date == yesterday and x.status == 50
    }
    assert set(facts.yesterday_payers) | {facts.reversed_payer} == cash_yesterday
    late = [x for x in data.payments if code[x.account_id] == facts.late_match_payer]
    assert {(x.transaction_type, x.payment_date) for x in late} == {
        (20, today - timedelta(days=3)),
        (40, today - timedelta(days=3)),
    }
    first_timer = next(a for a in data.accounts.values() if a.code == facts.first_time_payer)
    assert first_timer.first_invoice is not None
    assert first_timer.first_invoice > today - timedelta(days=31)

    lines = data.payments + data.open_items
    assert {x.account_id for x in lines} == set(data.accounts)
    assert not set(facts.supplier_codes) & {a.code for a in data.accounts.values()}
    for acc in data.accounts.values():
        if acc.main_contact_id:
            assert data.contacts[acc.main_contact_id].account_id == acc.id
    for line in lines:
        if line.contact_id:
            assert line.contact_id in data.contacts

    partial = [
        x for x in data.open_items if data.accounts[x.account_id].code == facts.partial_payer
    ]
    assert facts.partial_remainder in {x.amount for x in partial}
    usd = [x for x in lines if data.accounts[x.account_id].code == facts.usd_payer]
    assert "USD" in {x.currency for x in usd}
    assert source.skipped_rows == []
    assert len(state.calls) <= 6


def test_divisions_lists_what_the_token_can_see(
    state: SandboxState, source: ExactOnlineSource
) -> None:
    state.add_division(222, "Tweede")
    state.add_division(111, "Eerste")
    assert source.divisions() == [111, 222]
    assert paths(state) == ["GET /api/v1/current/Me", "GET system/Divisions"]


def test_an_odd_row_is_skipped_and_recorded_not_fatal(
    state: SandboxState, source: ExactOnlineSource
) -> None:
    small = Small(state)
    broken = next(x for x in small.div.lines if x.transaction_entry_id == small.open)
    broken.invoice_number = None  # type: ignore[assignment]
    data = source.read(DIVISION, since=1, first_day=date(2026, 3, 1))
    assert small.open not in {x.entry_id for x in data.open_items + data.payments}
    assert len(data.open_items) == 1
    # An open row without a payment date matters only among the open items: reported once.
    assert [(x.endpoint, x.row_id, x.reason) for x in source.skipped_rows] == [
        ("bulk/Cashflow/Receivables", broken.id, "no InvoiceNumber"),
    ]


def test_a_row_that_cannot_be_read_comes_with_its_customer_and_invoice_in_that_reads_data(
    state: SandboxState, source: ExactOnlineSource
) -> None:
    small = Small(state)
    state.add_division(222, "Tweede")
    broken = next(x for x in small.div.lines if x.transaction_entry_id == small.open)
    broken.due_date = "gisteren"  # type: ignore[assignment]

    data = source.read(DIVISION, since=1, first_day=date(2026, 3, 1))
    other = source.read(222, since=1, first_day=date(2026, 3, 1))
    again = source.read(DIVISION, since=1, first_day=date(2026, 3, 1))

    assert data.unreadable == (
        UnreadableRow(
            division=DIVISION,
            endpoint="bulk/Cashflow/Receivables",
            row_id=broken.id,
            reason="DueDate is not a date",
            customer_code="1003",  # Exact pads it to 18 characters
            customer_name="Restaurant De Molen",
            invoice_number="20260003",
        ),
    )
    assert other.unreadable == ()  # each read carries only the rows it skipped itself
    assert again.unreadable == data.unreadable
    assert len(source.skipped_rows) == 2


# --- the row mapping, on rows as Exact sends them ------------------------------------------

LINE: dict[str, Any] = {
    "ID": "5e1ab1c4-0000-4000-8000-000000000001",
    "Account": "5e1ab1c4-0000-4000-8000-0000000000aa",
    "AccountContact": None,
    "EntryID": "5e1ab1c4-0000-4000-8000-0000000000e1",
    "TransactionEntryID": "5e1ab1c4-0000-4000-8000-0000000000e0",
    "InvoiceNumber": 20260042,
    "InvoiceDate": "/Date(1767225600000)/",
    "DueDate": "/Date(1769817600000)/",
    "AmountFC": 100.1,
    "AmountDC": 100.1,
    "Currency": "EUR",
    "TransactionAmountFC": 242,
    "Status": 20,
    "IsFullyPaid": False,
    "LastPaymentDate": None,
    "Description": None,
    "YourRef": None,
    "TransactionIsReversal": False,
    "TransactionType": 20,
}


def test_a_line_maps_to_a_receivable_with_cents_and_amsterdam_dates() -> None:
    line = receivable(LINE)
    assert (line.amount, line.invoice_total) == (D("100.10"), D("242.00"))
    assert (line.invoice_date, line.due_date) == (date(2026, 1, 1), date(2026, 1, 31))
    assert line.entry_id == LINE["TransactionEntryID"]
    assert (line.invoice_number, line.description, line.contact_id) == ("20260042", "", None)
    assert line.timestamp is None


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"InvoiceNumber": None}, "no InvoiceNumber"),
        ({"InvoiceDate": "/Date(yesterday)/"}, "InvoiceDate is not a date"),
        ({"DueDate": None}, "no DueDate"),
        ({"AmountFC": None}, "no AmountFC"),
        ({"TransactionAmountFC": "n/a"}, "TransactionAmountFC is not a number"),
        ({"Account": None}, "no Account"),
        ({"Status": None}, "Status is not a number"),
    ],
)
def test_odd_lines_are_refused_with_a_reason(change: dict[str, Any], reason: str) -> None:
    with pytest.raises(OddRow, match=reason):
        receivable(LINE | change)


def test_account_code_padding_is_stripped_and_language_upper_cased() -> None:
    row = {
        "ID": "a",
        "Code": "              1001",
        "Name": "Zwaan",
        "Email": None,
        "Language": " nl ",
        "Blocked": True,
        "MainContact": None,
        "Classification1": None,
    }
    mapped = account(row)
    assert (mapped.code, mapped.email, mapped.language, mapped.blocked) == ("1001", "", "NL", True)
    assert mapped.main_contact_id is None


def test_a_contact_without_email_uses_its_business_email() -> None:
    row = {
        "ID": "c",
        "Account": "a",
        "FirstName": "Emma",
        "LastName": None,
        "Email": "",
        "BusinessEmail": "emma@example.com",
        "Language": "en",
        "IsMainContact": True,
    }
    mapped = contact(row)
    assert (mapped.email, mapped.last_name, mapped.language) == ("emma@example.com", "", "EN")


def test_a_long_history_is_read_a_bounded_number_of_pages_per_run_and_loses_nothing(
    state: SandboxState, client: ExactClient
) -> None:
    """A first run on 1,100 paid invoices (2,200 sync rows: invoice and bank line each) with a
    budget of two pages: it stops, keeps no history, and the next read finishes the history and
    finds the payment of the window."""
    div = state.add_division(DIVISION, "Veel historie B.V.")
    customer = div.add_account(code="1001", name="Trouwe Klant", email="klant@example.nl")
    for number in range(1, 1101):
        entry = div.add_invoice(
            customer,
            number=20200000 + number,
            invoice_date=date(2025, 1, 1),
            due_date=date(2025, 1, 31),
            amount=D("10.00"),
        )
        div.pay(entry, amount=D("10.00"), payment_date=date(2025, 1, 20))
    recent = div.add_invoice(
        customer, number=20260001, invoice_date=date(2026, 2, 1), due_date=date(2026, 3, 1),
        amount=D("75.00"),
    )  # fmt: skip
    div.pay(recent, amount=D("75.00"), payment_date=date(2026, 3, 1))
    source = ExactOnlineSource(client, history_pages=2)

    first = source.read(DIVISION, since=None, first_day=date(2026, 3, 1))
    assert not first.caught_up
    assert first.payments == ()  # the history before the window is left out
    assert first.exact_calls <= 2 + 1 + 2  # two sync pages, the open items, accounts/contacts

    rest = source.read(DIVISION, since=first.next_watermark, first_day=date(2026, 3, 1))
    assert rest.caught_up
    assert {(x.invoice_number, x.amount) for x in rest.payments if not x.is_cash} == {
        ("20260001", D("75.00"))
    }
    assert rest.next_watermark > first.next_watermark


# --- cash lines, credit notes, reversals and direct debits, as the source reads them ------


class Cases:
    """One customer, each case on its own invoice, all booked on 2 March 2026."""

    def __init__(self, state: SandboxState) -> None:
        div = state.add_division(DIVISION, "Cases B.V.")
        self.div = div
        self.customer = div.add_account(
            code="1001", name="Café De Zwaan", email="z@example.nl", classification="HORECA"
        )
        invoiced, due = date(2026, 1, 5), date(2026, 2, 4)

        def invoice(number: int, amount: str) -> str:
            return div.add_invoice(self.customer, number, invoiced, due, D(amount))

        self.late, self.settled, self.reversed, self.collected, self.two, self.three = (
            invoice(n, "100.00") for n in range(1, 7)
        )
        self.credit = div.add_invoice(self.customer, 7, date(2026, 2, 1), due, D("-100.00"))
        self.refunded = div.add_invoice(self.customer, 8, date(2026, 2, 1), due, D("-25.00"))
        self.receipt = div.receive(self.customer, D("100"), date(2026, 2, 27), match=[])
        self.unmatched = div.receive(self.customer, D("40"), date(2026, 3, 1), match=[])

    def book_the_day(self) -> None:
        """What happens on 2 March: a late match, a credit note, a refund, a reversal, a
        processed direct debit, one receipt for two invoices."""
        div, day = self.div, date(2026, 3, 2)
        div.match(self.receipt, [(self.late, D("100"))], datetime(2026, 3, 2, 9, tzinfo=AMSTERDAM))
        div.settle_with_credit_note(self.settled, self.credit, day)
        div.refund(self.refunded, D("25"), day)
        self.reversal = div.reverse(div.pay(self.reversed, D("100"), day), day)
        div.collect(self.collected, day, processed=True)
        div.receive(self.customer, D("200"), day, match=[(self.two, D(100)), (self.three, D(100))])


def test_every_kind_of_line_comes_through_with_its_type(
    state: SandboxState, source: ExactOnlineSource
) -> None:
    cases = Cases(state)
    window = date(2026, 2, 20)  # a window back to before the late-matched receipt
    first = source.read(DIVISION, since=1, first_day=window)
    cases.book_the_day()
    data = source.read(DIVISION, since=first.next_watermark, first_day=window)

    def lines(entry: str) -> list[Receivable]:
        return sorted((x for x in data.payments if x.entry_id == entry), key=lambda x: x.amount)

    [late] = lines(cases.late)
    assert (late.status, late.payment_date) == (50, date(2026, 2, 27))
    [settled], [credit] = lines(cases.settled), lines(cases.credit)
    assert (settled.status, credit.transaction_type, credit.status) == (50, 21, 50)
    assert lines(cases.reversed) == []  # open again, without a payment date: an open item only
    cash = sorted((x for x in data.payments if x.is_cash), key=lambda x: x.amount)
    assert [(x.amount, x.is_reversal, x.invoice_number) for x in cash] == [
        (D("-200.00"), False, ""),
        (D("-100.00"), False, ""),  # the reversed receipt
        (D("-100.00"), False, ""),  # the receipt of 27 February, matched today
        (D("25.00"), False, ""),  # the refund
        (D("100.00"), True, ""),  # the reversal
    ]
    assert all(x.status == 50 for x in cash)
    assert not any(x.entry_id == cases.collected for x in data.payments if x.status == 50)
    assert source.skipped_rows == []


def test_outstanding_items_include_lines_in_transit_and_unmatched_receipts(
    state: SandboxState, source: ExactOnlineSource
) -> None:
    cases = Cases(state)
    cases.book_the_day()

    data = source.read(DIVISION, since=1, first_day=date(2026, 3, 1))

    [in_transit] = [x for x in data.open_items if x.in_transit]
    assert (in_transit.entry_id, in_transit.status, in_transit.is_open) == (
        cases.collected,
        40,
        False,
    )
    [receipt] = [x for x in data.open_items if x.is_cash]
    assert (receipt.id, receipt.amount, receipt.status) == (cases.unmatched, D("-40.00"), 20)
    assert receipt.due_date == receipt.invoice_date == date(2026, 3, 1)
    assert cases.reversed in {x.entry_id for x in data.open_items}
    call = queries(state, "bulk/Cashflow/Receivables")[0]
    assert "$filter=Status lt 50" in call


def test_classifications_are_resolved_to_their_codes_in_one_call_when_asked(
    state: SandboxState, client: ExactClient
) -> None:
    Cases(state)

    plain = ExactOnlineSource(client).read(DIVISION, since=1, first_day=date(2026, 3, 1))
    calls = len(state.calls)
    named = ExactOnlineSource(client, resolve_classifications=True).read(
        DIVISION, since=1, first_day=date(2026, 3, 1)
    )

    [guid] = [a.classification for a in plain.accounts.values()]
    [code] = [a.classification for a in named.accounts.values()]
    assert guid == state.divisions[DIVISION].classification_id("HORECA")
    assert code == "HORECA"
    assert named.exact_calls == plain.exact_calls + 1
    assert len(queries(state, "crm/AccountClassifications")) == 1
    assert len(state.calls) == calls + named.exact_calls


def test_no_classification_means_no_classification_call(
    state: SandboxState, client: ExactClient
) -> None:
    small = Small(state)

    data = ExactOnlineSource(client, resolve_classifications=True).read(
        DIVISION, since=1, first_day=date(2026, 3, 1)
    )

    assert data.accounts[small.zwaan].classification is None
    assert queries(state, "crm/AccountClassifications") == []


def test_the_first_invoice_of_each_payer_comes_from_its_oldest_receivable(
    state: SandboxState, source: ExactOnlineSource
) -> None:
    small = Small(state)
    older = small.div.add_invoice(small.zwaan, 9, date(2025, 6, 2), date(2025, 7, 2), D("10"))
    small.div.pay(older, D("10"), date(2025, 6, 20))
    small.div.add_invoice(small.zwaan, 10, date(2024, 1, 1), date(2024, 1, 31), D("-5"))  # credit

    data = source.read(DIVISION, since=1, first_day=date(2026, 3, 1))

    assert data.accounts[small.zwaan].first_invoice == date(2025, 6, 2)  # matched long ago
    assert data.accounts[small.anker].first_invoice == date(2026, 1, 10)
    assert data.accounts[small.molen].first_invoice is None  # nothing to confirm: not asked
    [call] = queries(state, "bulk/Cashflow/Receivables")[1:]
    assert "TransactionType eq 20 and (Account eq guid'" in call
    assert "$select=Account,InvoiceDate" in call


def test_customer_since_is_never_asked_for() -> None:
    from followup.exact.customers import ACCOUNT_FIELDS

    assert "CustomerSince" not in ACCOUNT_FIELDS


def test_a_cash_line_without_invoice_number_or_due_date_maps() -> None:
    row = LINE | {"TransactionType": 40, "InvoiceNumber": None, "DueDate": None, "AmountFC": -50}

    line = receivable(row)

    assert (line.invoice_number, line.is_cash, line.amount) == ("", True, D("-50.00"))
    assert line.due_date == line.invoice_date


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"TransactionType": None}, "TransactionType"),
        ({"TransactionType": 21, "InvoiceNumber": ""}, "no InvoiceNumber"),
        ({"TransactionType": 40, "InvoiceDate": None}, "no InvoiceDate"),
    ],
)
def test_lines_that_cannot_be_told_apart_are_refused(change: dict[str, Any], reason: str) -> None:
    with pytest.raises(OddRow, match=reason):
        receivable(LINE | change)


def test_a_known_listing_size_picks_the_cheaper_way_outright_and_a_full_listing_teaches_it(
    state: SandboxState, source: ExactOnlineSource
) -> None:
    involved = many_customers(state, 2100, involved_every=30)  # 70 involved: 3 filters each

    learnt = source.read(DIVISION, since=1, first_day=date(2026, 3, 1))  # probes: 2 pages
    # Stopped before the end: the listing has at least 3 pages, so filters are no dearer.
    assert dict(learnt.listing_pages) == {"CRM/Accounts": 3, "CRM/Contacts": 3}
    calls = len(state.calls)
    known = {"CRM/Accounts": 3, "CRM/Contacts": 3}  # the listings are 3 pages: filters win
    data = source.read(DIVISION, since=1, first_day=date(2026, 3, 1), listing_pages=known)
    assert set(data.accounts) == involved
    fresh = paths(state)[calls:]
    assert "GET sync/CRM/Accounts" not in fresh
    assert fresh.count("GET crm/Accounts") == 3

    small = {"CRM/Accounts": 2, "CRM/Contacts": 2}  # a listing of 2 pages beats 3 filters
    calls = len(state.calls)
    data = source.read(DIVISION, since=1, first_day=date(2026, 3, 1), listing_pages=small)
    fresh = paths(state)[calls:]
    assert fresh.count("GET sync/CRM/Accounts") == 3  # read to its end, however long
    assert "GET crm/Accounts" not in fresh
    assert dict(data.listing_pages) == {"CRM/Accounts": 3, "CRM/Contacts": 3}  # and learnt
