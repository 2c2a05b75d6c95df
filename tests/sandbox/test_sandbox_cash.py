"""Bank/cash lines as sync and bulk serve them: receipts matched at once or later, receipts nobody
matched, credit notes settling invoices, refunds, reversed bank entries and direct debits."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest

from followup.clock import AMSTERDAM
from followup.sandbox.division import Division
from followup.sandbox.records import Booking

D = Decimal
SYNC = "123456/sync/Cashflow/PaymentTerms"
BULK = "123456/bulk/Cashflow/Receivables"
FIELDS = (
    "ID,EntryID,EntryNumber,TransactionEntryID,TransactionID,InvoiceNumber,InvoiceDate,"
    "EntryDate,DueDate,AmountFC,TransactionAmountFC,Status,IsFullyPaid,LastPaymentDate,EndDate,"
    "TransactionType,TransactionIsReversal,YourRef,Modified,Account"
)
INVOICED, DUE = date(2026, 3, 2), date(2026, 4, 1)
PAID = date(2026, 3, 25)
BOOKED = datetime(2026, 3, 26, 10, 15, tzinfo=AMSTERDAM)
Row = dict[str, Any]


def _date(day: date) -> str:
    return f"/Date({int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp() * 1000)})/"


def _get(api: httpx.Client, path: str, params: dict[str, str]) -> list[Row]:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    rows: list[Row] = response.json()["d"]["results"]
    return rows


def _sync(api: httpx.Client, since: int = 1) -> list[Row]:
    return _get(
        api, SYNC, {"$select": f"Timestamp,LineType,{FIELDS}", "$filter": f"Timestamp gt {since}"}
    )


def _bulk(api: httpx.Client, filter_: str) -> list[Row]:
    return _get(api, BULK, {"$select": FIELDS, "$filter": filter_})


def _cash(rows: list[Row]) -> list[Row]:
    return sorted((r for r in rows if r["TransactionType"] == 40), key=lambda r: r["AmountFC"])


def _of(rows: list[Row], entry: str) -> list[Row]:
    return sorted(
        (r for r in rows if r["TransactionEntryID"] == entry), key=lambda r: (r["Status"], r["ID"])
    )


def _highest(api: httpx.Client) -> int:
    return max(row["Timestamp"] for row in _sync(api))


@pytest.fixture
def customer(division: Division) -> str:
    return division.add_account(code="1001", name="Café De Zwaan", email="zwaan@example.nl")


def _invoice(division: Division, customer: str, number: int, amount: str, ref: str = "") -> str:
    return division.add_invoice(customer, number, INVOICED, DUE, D(amount), your_ref=ref)


def test_a_receipt_matched_in_full_settles_the_invoice_and_itself(
    division: Division, customer: str, api: httpx.Client
) -> None:
    entry = _invoice(division, customer, 24001, "100.00", ref="PO-7")
    before = _highest(api)

    cash_id = division.receive(customer, D("100.00"), PAID, BOOKED, match=[(entry, D("100.00"))])
    rows = _sync(api, before)

    [invoice] = _of(rows, entry)
    [cash] = _cash(rows)
    assert len(rows) == 2
    assert cash["ID"] == cash_id
    assert (cash["AmountFC"], cash["TransactionAmountFC"], cash["InvoiceNumber"]) == (
        -100.0,
        -100.0,
        None,
    )
    assert cash["InvoiceDate"] == cash["EntryDate"] == _date(PAID)
    assert (cash["Status"], cash["IsFullyPaid"], cash["LineType"]) == (50, True, 20)
    assert cash["LastPaymentDate"] == cash["EndDate"] == _date(PAID)
    assert cash["YourRef"] == "PO-7"  # matched with one invoice: that invoice's YourRef
    assert cash["EntryNumber"] != invoice["EntryNumber"]
    assert cash["TransactionID"] != invoice["TransactionID"]
    assert (invoice["Status"], invoice["IsFullyPaid"]) == (50, True)
    assert invoice["LastPaymentDate"] == invoice["EndDate"] == _date(PAID)
    assert {r["Modified"] for r in rows} == {"/Date(1774520100000)/"}  # 26 March 10:15
    assert sorted(r["Timestamp"] for r in rows) == [before + 1, before + 2]


def test_one_receipt_settles_several_invoices(
    division: Division, customer: str, api: httpx.Client
) -> None:
    first = _invoice(division, customer, 24001, "100.00", ref="PO-1")
    second = _invoice(division, customer, 24002, "50.00", ref="PO-2")

    division.receive(customer, D("150"), PAID, match=[(first, D("100")), (second, D("50"))])
    rows = _sync(api)

    [cash] = _cash(rows)
    assert cash["AmountFC"] == -150.0
    assert cash["YourRef"] == ""  # more than one invoice: no YourRef
    assert [r["Status"] for r in _of(rows, first) + _of(rows, second)] == [50, 50]


def test_a_receipt_larger_than_its_match_keeps_the_rest_open(
    division: Division, customer: str, api: httpx.Client
) -> None:
    entry = _invoice(division, customer, 24001, "100.00")

    cash_id = division.receive(customer, D("150"), PAID, match=[(entry, D("100"))])
    cash = _cash(_sync(api))

    assert [(r["AmountFC"], r["Status"], r["TransactionAmountFC"]) for r in cash] == [
        (-100.0, 50, -150.0),
        (-50.0, 20, -150.0),
    ]
    assert cash[1]["ID"] == cash_id  # the open remainder keeps the line's ID
    assert cash[0]["TransactionEntryID"] == cash[1]["TransactionEntryID"]
    assert cash[0]["TransactionID"] == cash[1]["TransactionID"]  # one bank entry line
    assert cash[1]["LastPaymentDate"] == _date(PAID)
    assert cash[1]["EndDate"] is None


def test_a_receipt_nobody_matched_is_an_open_negative_line(
    division: Division, customer: str, api: httpx.Client
) -> None:
    entry = _invoice(division, customer, 24001, "100.00")

    cash_id = division.receive(customer, D("100"), PAID, match=[])
    outstanding = _bulk(api, "Status lt 50")

    assert [(r["ID"], r["AmountFC"], r["Status"]) for r in _cash(outstanding)] == [
        (cash_id, -100.0, 20)
    ]
    assert _cash(outstanding)[0]["LastPaymentDate"] is None
    assert [r["Status"] for r in _of(outstanding, entry)] == [20]


def test_a_partial_receipt_splits_the_invoice(
    division: Division, customer: str, api: httpx.Client
) -> None:
    entry = _invoice(division, customer, 24001, "1250.00")

    division.receive(customer, D("500"), PAID, match=[(entry, D("500"))])
    rows = _sync(api)

    left, paid = _of(rows, entry)
    assert (paid["Status"], paid["AmountFC"], left["Status"], left["AmountFC"]) == (
        50,
        500.0,
        20,
        750.0,
    )
    assert paid["EntryID"] != left["EntryID"]
    assert left["LastPaymentDate"] == _date(PAID)
    assert [(r["AmountFC"], r["Status"]) for r in _cash(rows)] == [(-500.0, 50)]


def test_a_late_match_keeps_the_payment_date_and_is_stamped_when_booked(
    division: Division, customer: str, api: httpx.Client
) -> None:
    entry = _invoice(division, customer, 24001, "100.00")
    cash_id = division.receive(customer, D("100"), PAID, match=[])
    before = _highest(api)

    division.match(cash_id, [(entry, D("100"))], BOOKED)
    rows = _sync(api, before)

    [invoice] = _of(rows, entry)
    [cash] = _cash(rows)
    assert invoice["LastPaymentDate"] == invoice["EndDate"] == _date(PAID)
    assert (invoice["Status"], cash["Status"], cash["ID"]) == (50, 50, cash_id)
    assert invoice["Modified"] == cash["Modified"] == "/Date(1774520100000)/"
    with pytest.raises(ValueError, match="not an open cash line"):
        division.match(cash_id, [(entry, D("1"))], BOOKED)


def test_end_date_is_the_highest_invoice_date_of_the_match(
    division: Division, customer: str, api: httpx.Client
) -> None:
    entry = division.add_invoice(customer, 1, date(2026, 3, 28), DUE, D("10"))
    division.receive(customer, D("10"), PAID, match=[(entry, D("10"))])  # paid in advance

    assert {r["EndDate"] for r in _sync(api)} == {_date(date(2026, 3, 28))}


@pytest.mark.parametrize(
    ("amount", "parts", "reason"),
    [
        ("100", [("first", "120")], "open"),
        ("50", [("first", "100")], "can't be matched"),
        ("100", [("other", "10")], "another account"),
        ("-5", [], "positive"),
    ],
)
def test_a_receipt_that_cannot_be_matched_is_refused_and_books_nothing(
    division: Division,
    customer: str,
    api: httpx.Client,
    amount: str,
    parts: list[tuple[str, str]],
    reason: str,
) -> None:
    entries = {"first": _invoice(division, customer, 24001, "100.00")}
    stranger = division.add_account(code="1002", name="Ander")
    entries["other"] = division.add_invoice(stranger, 24002, INVOICED, DUE, D("10"))
    before = _sync(api)

    with pytest.raises(ValueError, match=reason):
        division.receive(customer, D(amount), PAID, match=[(entries[e], D(a)) for e, a in parts])

    assert _sync(api) == before


def test_a_credit_note_is_a_negative_type_21_line(
    division: Division, customer: str, api: httpx.Client
) -> None:
    credit = division.add_invoice(customer, 24002, INVOICED, DUE, D("-30.00"))

    [row] = _sync(api)

    assert (row["TransactionEntryID"], row["TransactionType"], row["AmountFC"]) == (
        credit,
        21,
        -30.0,
    )


def test_a_credit_note_settles_an_invoice_without_any_cash_line(
    division: Division, customer: str, api: httpx.Client
) -> None:
    entry = _invoice(division, customer, 24001, "100.00")
    credit = division.add_invoice(customer, 24002, date(2026, 3, 20), DUE, D("-100.00"))

    division.settle_with_credit_note(entry, credit, PAID, BOOKED)
    rows = _sync(api)

    assert _cash(rows) == []
    [invoice], [note] = _of(rows, entry), _of(rows, credit)
    assert (invoice["Status"], invoice["IsFullyPaid"], note["Status"]) == (50, True, 50)
    assert invoice["LastPaymentDate"] == note["LastPaymentDate"] == _date(PAID)
    assert invoice["EndDate"] == _date(date(2026, 3, 20))  # the credit note's date: the highest


def test_a_smaller_credit_note_leaves_part_of_the_invoice_open(
    division: Division, customer: str, api: httpx.Client
) -> None:
    entry = _invoice(division, customer, 24001, "100.00")
    credit = division.add_invoice(customer, 24002, INVOICED, DUE, D("-30.00"))

    division.settle_with_credit_note(entry, credit, PAID)
    rows = _sync(api)

    assert [(r["Status"], r["AmountFC"]) for r in _of(rows, entry)] == [(20, 70.0), (50, 30.0)]
    assert [(r["Status"], r["AmountFC"]) for r in _of(rows, credit)] == [(50, -30.0)]


def test_a_refund_is_a_positive_cash_line_matched_with_the_credit_note(
    division: Division, customer: str, api: httpx.Client
) -> None:
    credit = division.add_invoice(customer, 24002, INVOICED, DUE, D("-120.00"))

    cash_id = division.refund(credit, D("120.00"), PAID, BOOKED)
    rows = _sync(api)

    [cash] = _cash(rows)
    [note] = _of(rows, credit)
    assert (cash["ID"], cash["AmountFC"], cash["Status"]) == (cash_id, 120.0, 50)
    assert (note["Status"], note["LastPaymentDate"]) == (50, _date(PAID))
    with pytest.raises(ValueError, match="not a credit note"):
        division.refund(_invoice(division, customer, 24003, "10"), D("10"), PAID)


def test_a_reversed_receipt_reopens_the_invoice(
    division: Division, customer: str, api: httpx.Client
) -> None:
    entry = _invoice(division, customer, 24001, "100.00")
    cash_id = division.receive(customer, D("100"), PAID, match=[(entry, D("100"))])
    before = _highest(api)

    reversal_id = division.reverse(cash_id, date(2026, 3, 27), BOOKED)
    rows = _sync(api, before)

    [invoice] = _of(rows, entry)
    assert (invoice["Status"], invoice["IsFullyPaid"]) == (20, False)
    assert invoice["LastPaymentDate"] is invoice["EndDate"] is None
    assert [
        (r["ID"], r["AmountFC"], r["Status"], r["TransactionIsReversal"]) for r in _cash(rows)
    ] == [(cash_id, -100.0, 50, False), (reversal_id, 100.0, 50, True)]
    reversal = _cash(rows)[1]
    assert reversal["InvoiceDate"] == reversal["LastPaymentDate"] == _date(date(2026, 3, 27))
    assert [r["TransactionEntryID"] for r in _of(_bulk(api, "Status lt 50"), entry)] == [entry]
    with pytest.raises(ValueError, match="reversed already"):
        division.reverse(cash_id, date(2026, 3, 28))


def test_reversing_a_part_payment_leaves_the_split_parts_open_side_by_side(
    division: Division, customer: str, api: httpx.Client
) -> None:
    entry = _invoice(division, customer, 24001, "100.00")
    division.pay(entry, D("30"), date(2026, 3, 10))
    cash_id = division.receive(customer, D("20"), PAID, match=[(entry, D("20"))])

    division.reverse(cash_id, date(2026, 3, 27))
    lines = _of(_sync(api), entry)

    assert sorted((r["Status"], r["AmountFC"]) for r in lines) == [
        (20, 20.0),
        (20, 50.0),
        (50, 30.0),
    ]
    open_dates = {r["LastPaymentDate"] for r in lines if r["Status"] == 20}
    assert open_dates == {_date(date(2026, 3, 10))}  # the payment that still stands


def test_a_direct_debit_is_selected_then_processed_then_matched(
    division: Division, customer: str, api: httpx.Client
) -> None:
    entry = _invoice(division, customer, 24001, "100.00")
    either = "Status eq 20 or Status eq 30 or Status eq 40"

    division.collect(entry, date(2026, 3, 20))
    selected = _bulk(api, "Status lt 50")
    division.collect(entry, date(2026, 3, 21), processed=True)
    processed = _bulk(api, either)
    division.receive(customer, D("100"), PAID, match=[(entry, D("100"))])

    assert [r["Status"] for r in selected] == [30]
    assert [r["Status"] for r in processed] == [40]
    assert _bulk(api, "Status lt 50") == []
    assert [r["Status"] for r in _of(_sync(api), entry)] == [50]
    with pytest.raises(ValueError, match="nothing open"):
        division.collect(entry, date(2026, 3, 28))


def test_pay_is_a_receipt_matched_with_one_entry_and_pays_suppliers_too(
    division: Division, customer: str, api: httpx.Client
) -> None:
    entry = _invoice(division, customer, 24001, "100.00")
    supplier = division.add_account(code="2001", name="Molenaar", is_supplier=True)
    payable = division.add_payable(Booking(supplier, 900001, INVOICED, DUE, D("300")))

    cash_id = division.pay(entry, D("100"), PAID)
    division.pay(payable, D("300"), PAID)
    rows = _sync(api)

    receivables = _get(api, BULK, {"$select": "TransactionType"})

    assert [(r["AmountFC"], r["LineType"]) for r in _cash(rows)] == [(-100.0, 20), (300.0, 22)]
    assert _cash(rows)[0]["ID"] == cash_id
    assert {r["Status"] for r in rows} == {50}
    assert sorted(r["TransactionType"] for r in receivables) == [20, 40]  # payables: sync only


def test_customer_since_is_documented_obsolete_and_served_null(
    division: Division, customer: str, api: httpx.Client
) -> None:
    division.add_invoice(customer, 1, date(2026, 1, 5), DUE, D("10"))

    for path in ("123456/crm/Accounts",):
        rows = _get(api, path, {"$select": "Code,CustomerSince"})
        assert {r["Code"].strip(): r["CustomerSince"] for r in rows} == {"1001": None}
