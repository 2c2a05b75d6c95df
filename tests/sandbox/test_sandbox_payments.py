"""Receivable lines over sync and bulk: matching, partial payments that split a line, Timestamps,
SyncTimestamp as the contract has it, and how values are written (Amsterdam wall-clock dates)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from followup.clock import AMSTERDAM
from followup.sandbox.division import Division
from followup.sandbox.exact_json import encode_date
from followup.sandbox.records import Booking

SYNC = "123456/sync/Cashflow/PaymentTerms"
FIELDS = (
    "Timestamp,ID,EntryID,TransactionEntryID,InvoiceNumber,AmountFC,AmountDC,TransactionAmountFC,"
    "Status,IsFullyPaid,LastPaymentDate,EndDate,LineType,Modified,DueDate,Currency,TransactionType"
)
Row = dict[str, Any]


def _date(day: date) -> str:
    return f"/Date({int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)})/"


def _sync(api: httpx.Client, since: int = 1, cash: bool = False) -> list[Row]:
    """The payment terms changed since `since`; bank/cash lines only with `cash`."""
    params = {"$select": FIELDS, "$filter": f"Timestamp gt {since}"}
    response = api.get(SYNC, params=params)
    assert response.status_code == 200, response.text
    rows: list[Row] = response.json()["d"]["results"]
    return [row for row in rows if cash or row["TransactionType"] != 40]


@pytest.fixture
def customer(division: Division) -> str:
    """One customer, no invoices yet."""
    return division.add_account(code="1001", name="Café De Zwaan", email="zwaan@example.nl")


def test_a_new_invoice_is_one_open_line(
    division: Division, customer: str, api: httpx.Client
) -> None:
    entry = division.add_invoice(
        customer, 24001, date(2026, 3, 2), date(2026, 4, 1), Decimal("1250.00")
    )

    (row,) = _sync(api)

    assert row["TransactionEntryID"] == entry
    assert row["Status"] == 20
    assert row["IsFullyPaid"] is False
    assert row["AmountFC"] == row["TransactionAmountFC"] == 1250.0
    assert row["LastPaymentDate"] is None
    assert row["EndDate"] is None
    assert row["LineType"] == 20
    assert row["TransactionType"] == 20


def test_a_partial_payment_splits_the_line_into_matched_and_open(
    division: Division, customer: str, api: httpx.Client
) -> None:
    entry = division.add_invoice(
        customer, 24001, date(2026, 3, 2), date(2026, 4, 1), Decimal("1250.00")
    )
    (before,) = _sync(api)

    division.pay(entry, Decimal("500.00"), date(2026, 3, 29))
    rows = _sync(api, since=before["Timestamp"])

    paid = next(r for r in rows if r["Status"] == 50)
    left = next(r for r in rows if r["Status"] == 20)
    assert len(rows) == 2
    assert paid["ID"] != left["ID"] == before["ID"]
    assert paid["EntryID"] != left["EntryID"]
    assert paid["TransactionEntryID"] == left["TransactionEntryID"] == entry
    assert paid["InvoiceNumber"] == left["InvoiceNumber"] == 24001
    assert (paid["AmountFC"], left["AmountFC"]) == (500.0, 750.0)
    assert paid["TransactionAmountFC"] == left["TransactionAmountFC"] == 1250.0
    assert paid["IsFullyPaid"] is True
    assert left["IsFullyPaid"] is False
    assert paid["LastPaymentDate"] == paid["EndDate"] == _date(date(2026, 3, 29))
    assert left["LastPaymentDate"] == _date(date(2026, 3, 29))
    assert left["EndDate"] is None
    assert min(paid["Timestamp"], left["Timestamp"]) > before["Timestamp"]


def test_paying_the_rest_matches_the_remainder(
    division: Division, customer: str, api: httpx.Client
) -> None:
    entry = division.add_invoice(
        customer, 24001, date(2026, 3, 2), date(2026, 4, 1), Decimal("100")
    )
    division.pay(entry, Decimal("40"), date(2026, 3, 10))
    division.pay(entry, Decimal("60"), date(2026, 3, 20))

    rows = _sync(api)

    assert sorted((r["AmountFC"], r["Status"], r["EndDate"]) for r in rows) == [
        (40.0, 50, _date(date(2026, 3, 10))),
        (60.0, 50, _date(date(2026, 3, 20))),
    ]
    assert all(r["IsFullyPaid"] for r in rows)


def test_a_refunded_credit_note_is_a_matched_negative_line(
    division: Division, customer: str, api: httpx.Client
) -> None:
    entry = division.add_invoice(
        customer, 24002, date(2026, 3, 2), date(2026, 3, 16), Decimal("-120.00")
    )
    division.pay(entry, Decimal("-120.00"), date(2026, 3, 29))

    rows = _sync(api, cash=True)

    assert sorted((r["TransactionType"], r["AmountFC"], r["Status"]) for r in rows) == [
        (21, -120.0, 50),
        (40, 120.0, 50),
    ]


def test_foreign_currency_lines_carry_a_converted_amount_dc(
    division: Division, customer: str, api: httpx.Client
) -> None:
    division.add_invoice(customer, 1, date(2026, 3, 2), date(2026, 4, 1), Decimal("2400.00"), "USD")

    (row,) = _sync(api)

    assert (row["Currency"], row["AmountFC"], row["AmountDC"]) == ("USD", 2400.0, 2160.0)


def test_sync_shows_payables_too_but_receivables_do_not(
    division: Division, customer: str, api: httpx.Client
) -> None:
    supplier = division.add_account(code="2001", name="Meelfabriek", is_supplier=True)
    division.add_payable(
        Booking(supplier, 900001, date(2026, 3, 1), date(2026, 3, 31), Decimal("500"))
    )
    division.add_invoice(customer, 24001, date(2026, 3, 2), date(2026, 4, 1), Decimal("100"))

    line_types = sorted(row["LineType"] for row in _sync(api))
    bulk = api.get("123456/bulk/Cashflow/Receivables", params={"$select": "InvoiceNumber"})

    assert line_types == [20, 22]
    assert bulk.json()["d"]["results"] == [{"InvoiceNumber": 24001}]


def test_timestamps_rise_in_booking_order_and_changes_restamp_a_row(
    division: Division, customer: str, api: httpx.Client
) -> None:
    first = division.add_invoice(customer, 1, date(2026, 3, 2), date(2026, 4, 1), Decimal("10"))
    division.add_invoice(customer, 2, date(2026, 3, 3), date(2026, 4, 2), Decimal("20"))
    highest = max(row["Timestamp"] for row in _sync(api))

    division.pay(first, Decimal("10"), date(2026, 3, 20))
    changed = _sync(api, since=highest)

    assert [row["InvoiceNumber"] for row in changed] == [1]
    assert changed[0]["Timestamp"] in (highest + 1, highest + 2)  # and its cash line
    stamps = [row["Timestamp"] for row in _sync(api, cash=True)]
    assert stamps == sorted(stamps)
    assert len(set(stamps)) == len(stamps)


def test_sync_pages_by_a_thousand_in_timestamp_order(
    division: Division, customer: str, api: httpx.Client
) -> None:
    for number in range(2100):
        division.add_invoice(customer, number, date(2026, 1, 1), date(2026, 2, 1), Decimal(1))
    response = api.get(SYNC, params={"$select": "Timestamp", "$filter": "Timestamp gt 1"})
    pages = [response.json()["d"]]
    while "__next" in pages[-1]:
        pages.append(api.get(pages[-1]["__next"]).json()["d"])

    stamps = [row["Timestamp"] for page in pages for row in page["results"]]
    assert [len(page["results"]) for page in pages] == [1000, 1000, 100]
    assert stamps == sorted(set(stamps))


SYNC_TIMESTAMP = "123456/read/sync/Sync/SyncTimestamp"


def test_sync_timestamp_refuses_payment_terms_as_exact_does(
    division: Division, api: httpx.Client
) -> None:
    """PaymentTerms is not among the documented endPoint values: 400 with Exact's error body."""
    params = {"modified": "datetime'2026-03-28T00:00:00'", "endPoint": "'Cashflow/PaymentTerms'"}

    response = api.get(SYNC_TIMESTAMP, params=params)

    assert response.status_code == 400
    assert "not supported" in response.json()["error"]["message"]["value"]


def test_sync_timestamp_checks_its_parameters_against_the_contract(
    division: Division, api: httpx.Client
) -> None:
    good = {"modified": "datetime'2026-03-28T00:00:00'", "endPoint": "'TransactionLines'"}

    assert api.get(SYNC_TIMESTAMP, params=good | {"endPoint": "'Nonsense'"}).status_code == 400
    assert api.get(SYNC_TIMESTAMP, params=good | {"modified": "2026-03-28"}).status_code == 400
    assert api.get(SYNC_TIMESTAMP, params={"endPoint": "'TransactionLines'"}).status_code == 400
    assert api.get(SYNC_TIMESTAMP, params=good | {"extra": "1"}).status_code == 400
    # A documented call the sandbox doesn't model says so, rather than inventing an answer.
    assert api.get(SYNC_TIMESTAMP, params=good).status_code == 501


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (date(2026, 3, 29), "/Date(1774742400000)/"),  # the day of the spring DST jump
        (datetime(2026, 3, 29, 10, 15, tzinfo=AMSTERDAM), "/Date(1774779300000)/"),  # CEST
        (datetime(2026, 1, 15, 10, 15, tzinfo=AMSTERDAM), "/Date(1768472100000)/"),  # CET
        (datetime(2026, 3, 29, 8, 15, tzinfo=UTC), "/Date(1774779300000)/"),  # 10:15 in NL
    ],
)
def test_dates_are_amsterdam_wall_clock_read_as_utc(value: date, expected: str) -> None:
    assert encode_date(value) == expected


def test_rows_carry_dates_amounts_guids_and_padded_codes_as_exact_does(
    division: Division, customer: str, api: httpx.Client
) -> None:
    booked = datetime(2026, 3, 29, 10, 15, tzinfo=AMSTERDAM)
    division.add_invoice(
        customer, 7, date(2026, 3, 29), date(2026, 4, 28), Decimal("99.95"), booked_at=booked
    )
    fields = "Account,AccountCode,InvoiceDate,Modified,AmountFC,LastPaymentDate"

    (row,) = api.get("123456/cashflow/Receivables", params={"$select": fields}).json()["d"][
        "results"
    ]

    assert row == {
        "Account": customer,
        "AccountCode": "              1001",
        "InvoiceDate": "/Date(1774742400000)/",
        "Modified": "/Date(1774779300000)/",
        "AmountFC": 99.95,
        "LastPaymentDate": None,
    }
    assert row["Account"] == row["Account"].lower()
    assert len(row["AccountCode"]) == 18
