"""seed_demo: a believable, deterministic administration with every case the demo must show."""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest

from followup.sandbox.demo_data import DemoFacts, seed_demo
from followup.sandbox.rows import payment_terms
from followup.sandbox.state import SandboxState

TODAY = date(2026, 3, 30)  # yesterday is the day clocks go forward
YESTERDAY = TODAY - timedelta(days=1)
Row = dict[str, Any]


def _day(value: str) -> date:
    match = re.fullmatch(r"/Date\((-?\d+)\)/", value)
    assert match is not None, value
    return datetime.fromtimestamp(int(match.group(1)) / 1000, tz=UTC).date()


@pytest.fixture
def facts(state: SandboxState) -> DemoFacts:
    """The demo administration, dated TODAY."""
    return seed_demo(state, TODAY)


@pytest.fixture
def demo(facts: DemoFacts, api: httpx.Client) -> httpx.Client:
    """The API client, with the demo seeded."""
    return api


def _all(api: httpx.Client, path: str, params: dict[str, str]) -> list[Row]:
    response = api.get(f"123456/{path}", params=params)
    assert response.status_code == 200, response.text
    body = response.json()["d"]
    rows: list[Row] = body["results"]
    while "__next" in body:
        body = api.get(body["__next"]).json()["d"]
        rows += body["results"]
    return rows


def _codes(api: httpx.Client) -> dict[str, str]:
    """Account ID -> unpadded code."""
    rows = _all(api, "crm/Accounts", {"$select": "ID,Code"})
    return {row["ID"]: row["Code"].strip() for row in rows}


def _changed_since_yesterday(api: httpx.Client) -> list[Row]:
    """The whole sync (from its start, as a first run reads it), modified since yesterday."""
    select = (
        "Account,TransactionEntryID,AmountFC,Currency,Status,EndDate,LineType,Modified,"
        "TransactionType,LastPaymentDate,InvoiceDate,IsFullyPaid,TransactionIsReversal,DueDate"
    )
    rows = _all(api, "sync/Cashflow/PaymentTerms", {"$select": select, "$filter": "Timestamp gt 1"})
    return [row for row in rows if _day(row["Modified"]) >= YESTERDAY]


def test_the_demo_is_the_same_on_every_run() -> None:
    first, second = SandboxState(), SandboxState()

    facts = seed_demo(first, TODAY), seed_demo(second, TODAY)

    assert facts[0] == facts[1]
    assert payment_terms(first.divisions[123456], []) == payment_terms(second.divisions[123456], [])


def test_only_the_dates_depend_on_today() -> None:
    later = seed_demo(SandboxState(), TODAY + timedelta(days=45))
    now = seed_demo(SandboxState(), TODAY)

    assert later.customers == now.customers
    assert later.invoices == now.invoices
    assert later.overdue_days == now.overdue_days
    assert later.yesterday_payers == now.yesterday_payers


def test_the_demo_has_customers_and_fourteen_months_of_invoices(
    facts: DemoFacts, demo: httpx.Client
) -> None:
    accounts = _all(demo, "crm/Accounts", {"$select": "ID,IsSales,Status"})
    lines = _all(
        demo,
        "bulk/Cashflow/Receivables",
        {"$select": "InvoiceDate,TransactionEntryID", "$filter": "TransactionType ne 40"},
    )

    assert facts.customers >= 34
    assert sum(1 for a in accounts if a["IsSales"]) == facts.customers
    assert facts.invoices >= 160
    assert len({line["TransactionEntryID"] for line in lines}) == facts.invoices
    oldest = min(_day(line["InvoiceDate"]) for line in lines)
    assert TODAY - timedelta(days=450) <= oldest <= TODAY - timedelta(days=365)


def _money_yesterday(rows: list[Row]) -> list[Row]:
    """Invoice and credit-note lines matched yesterday by money that moved yesterday: their
    account has a cash line of yesterday that is matched and not reversed."""
    cash = [r for r in rows if r["TransactionType"] == 40 and r["Status"] == 50]
    reversed_amounts = {(r["Account"], -r["AmountFC"]) for r in cash if r["TransactionIsReversal"]}
    paid = {
        r["Account"]
        for r in cash
        if _day(r["InvoiceDate"]) == YESTERDAY
        and not r["TransactionIsReversal"]
        and (r["Account"], r["AmountFC"]) not in reversed_amounts
    }
    return [
        r
        for r in rows
        if r["TransactionType"] in (20, 21)
        and r["Status"] == 50
        and r["LastPaymentDate"] is not None
        and _day(r["LastPaymentDate"]) == YESTERDAY
        and r["Account"] in paid
    ]


def test_yesterdays_payments_are_the_telling_cases(facts: DemoFacts, demo: httpx.Client) -> None:
    codes = _codes(demo)
    changed = [r for r in _changed_since_yesterday(demo) if r["LineType"] == 20]
    paid = _money_yesterday(changed)
    by_code: dict[str, list[Row]] = defaultdict(list)
    for row in paid:
        by_code[codes[row["Account"]]].append(row)

    assert all(_day(r["EndDate"]) == YESTERDAY for r in paid)
    assert all(_day(r["Modified"]) == YESTERDAY for r in changed)
    assert len(paid) == facts.payments_yesterday
    assert sorted(by_code) == sorted(facts.yesterday_payers)
    assert len({r["TransactionEntryID"] for r in by_code[facts.two_invoice_payer]}) == 2
    assert max(r["AmountFC"] for r in by_code[facts.large_payer]) >= 5000
    assert [r["Currency"] for r in by_code[facts.usd_payer]] == ["USD"]
    assert [r["AmountFC"] for r in by_code[facts.refund_customer]] == [-120.0]
    assert 2 <= len(facts.ordinary_payers) <= 4
    assert set(facts.ordinary_payers) <= set(by_code)
    for special in (
        facts.english_payer,
        facts.no_email_payer,
        facts.partial_payer,
        facts.first_time_payer,
    ):
        assert special in by_code
    for not_paid in (facts.late_match_payer, facts.credit_note_settled, facts.reversed_payer):
        assert not_paid not in by_code


def test_every_payment_is_a_cash_line_matched_with_what_it_settles(
    facts: DemoFacts, demo: httpx.Client
) -> None:
    codes = _codes(demo)
    select = "Account,AmountFC,Status,TransactionType,TransactionEntryID"
    rows = _all(demo, "bulk/Cashflow/Receivables", {"$select": select, "$filter": "Status eq 50"})
    balance: dict[str, float] = defaultdict(float)
    cash: dict[str, float] = defaultdict(float)
    for row in rows:
        balance[codes[row["Account"]]] += row["AmountFC"]
        if row["TransactionType"] == 40:
            cash[codes[row["Account"]]] += row["AmountFC"]

    assert all(abs(total) < 0.005 for total in balance.values())  # every match balances
    assert {r["TransactionType"] for r in rows} == {20, 21, 40}
    customers_with_history = set(balance) - {facts.credit_note_settled}
    assert all(cash[code] < 0 for code in customers_with_history - {facts.refund_customer})


def test_a_supplier_was_paid_yesterday_too_as_a_payable(
    facts: DemoFacts, demo: httpx.Client
) -> None:
    codes = _codes(demo)
    payables = [r for r in _changed_since_yesterday(demo) if r["LineType"] == 22]

    assert {codes[r["Account"]] for r in payables} == {facts.supplier_codes[0]}
    assert sorted((r["TransactionType"], r["Status"]) for r in payables) == [(30, 50), (40, 50)]
    assert sum(r["AmountFC"] for r in payables) == 0


def _account(api: httpx.Client, code: str) -> Row:
    params = {"$select": "ID,Email,Language,Blocked", "$filter": f"Code eq '{code:>18}'"}
    (row,) = _all(api, "crm/Accounts", params)
    return row


def _contacts(api: httpx.Client, account_id: str) -> list[Row]:
    params = {
        "$select": "FirstName,Email,BusinessEmail,IsMainContact",
        "$filter": f"Account eq guid'{account_id}'",
    }
    return _all(api, "crm/Contacts", params)


def test_the_english_payer_speaks_english_and_has_a_first_name_contact(
    facts: DemoFacts, demo: httpx.Client
) -> None:
    account = _account(demo, facts.english_payer)
    contacts = _contacts(demo, account["ID"])

    assert account["Language"] == "EN"
    assert any(c["IsMainContact"] and c["FirstName"] and c["Email"] for c in contacts)


def test_the_no_email_payer_has_no_address_anywhere(facts: DemoFacts, demo: httpx.Client) -> None:
    account = _account(demo, facts.no_email_payer)
    contacts = _contacts(demo, account["ID"])

    assert account["Email"] == ""
    assert all(c["Email"] == c["BusinessEmail"] == "" for c in contacts)


def test_overdue_invoices_of_many_customers_at_various_ages(
    facts: DemoFacts, demo: httpx.Client
) -> None:
    codes = _codes(demo)
    select = {"$select": "Account,DueDate", "$filter": "Status eq 20"}
    overdue = [
        (codes[row["Account"]], (TODAY - _day(row["DueDate"])).days)
        for row in _all(demo, "bulk/Cashflow/Receivables", select)
        if _day(row["DueDate"]) < TODAY
    ]

    assert sorted(overdue) == sorted(facts.overdue_days)
    assert len(facts.overdue_customers) >= 8
    assert {3, 8, 15, 25, 40, 70} <= {days for _, days in overdue}
    assert facts.blocked_customer in facts.overdue_customers
    assert _account(demo, facts.blocked_customer)["Blocked"] is True


def test_addresses_are_on_reserved_example_domains_only(demo: httpx.Client) -> None:
    accounts = _all(demo, "crm/Accounts", {"$select": "Email"})
    contacts = _all(demo, "crm/Contacts", {"$select": "Email,BusinessEmail"})
    addresses = [a["Email"] for a in accounts] + [
        c[field] for c in contacts for field in ("Email", "BusinessEmail")
    ]

    domains = {address.rsplit("@", 1)[1] for address in addresses if address}
    assert domains <= {"example.nl", "example.com", "example.org"}


def test_most_customers_have_a_main_contact_and_some_only_an_account_address(
    facts: DemoFacts, demo: httpx.Client
) -> None:
    accounts = _all(demo, "crm/Accounts", {"$select": "ID,Email,MainContact,IsSales"})
    customers = [a for a in accounts if a["IsSales"]]
    contacts = {
        c["ID"]: c for c in _all(demo, "crm/Contacts", {"$select": "ID,FirstName,Email"})
    }

    with_main = [a for a in customers if a["MainContact"] and contacts[a["MainContact"]]["Email"]]
    account_only = [a for a in customers if a["Email"] and not a["MainContact"]]
    assert len(with_main) > facts.customers / 2
    assert all(contacts[a["MainContact"]]["FirstName"] for a in with_main)
    assert account_only


def test_rows_were_booked_in_chronological_order(state: SandboxState, facts: DemoFacts) -> None:
    lines = sorted(state.divisions[facts.division].lines, key=lambda line: line.timestamp)

    assert all(a.modified <= b.modified for a, b in itertools.pairwise(lines))
    assert max(line.modified.date() for line in lines) == YESTERDAY


def test_customers_carry_classification_guids_that_the_classifications_endpoint_names(
    facts: DemoFacts, demo: httpx.Client
) -> None:
    named = _all(demo, "crm/AccountClassifications", {"$select": "ID,Code"})
    used = {
        a["Classification1"]
        for a in _all(demo, "crm/Accounts", {"$select": "Classification1"})
    }

    assert {(row["Code"], row["ID"]) for row in named} == set(facts.classifications)
    assert used - {None} == {guid for _, guid in facts.classifications}


def _lines_of(api: httpx.Client, code: str, rows: list[Row]) -> list[Row]:
    account_id = _account(api, code)["ID"]
    return [r for r in rows if r["Account"] == account_id]


def test_the_late_match_shows_the_payment_date_not_the_match_date(
    facts: DemoFacts, demo: httpx.Client
) -> None:
    rows = _lines_of(demo, facts.late_match_payer, _changed_since_yesterday(demo))
    three_days_ago = TODAY - timedelta(days=3)

    invoice = next(r for r in rows if r["TransactionType"] == 20)
    cash = next(r for r in rows if r["TransactionType"] == 40)
    assert len(rows) == 2
    assert (invoice["Status"], invoice["IsFullyPaid"]) == (50, True)
    assert _day(invoice["LastPaymentDate"]) == _day(invoice["EndDate"]) == three_days_ago
    assert _day(invoice["Modified"]) == YESTERDAY
    assert (cash["Status"], cash["AmountFC"]) == (50, -invoice["AmountFC"])
    assert _day(cash["InvoiceDate"]) == three_days_ago


def test_the_credit_note_settlement_moves_no_money(facts: DemoFacts, demo: httpx.Client) -> None:
    rows = _lines_of(demo, facts.credit_note_settled, _changed_since_yesterday(demo))
    every = _all(
        demo,
        "bulk/Cashflow/Receivables",
        {"$select": "Account,InvoiceDate", "$filter": "TransactionType eq 40"},
    )

    assert sorted((r["TransactionType"], r["Status"]) for r in rows) == [(20, 50), (21, 50)]
    assert sum(r["AmountFC"] for r in rows) == 0
    invoice = next(r for r in rows if r["TransactionType"] == 20)
    assert _day(invoice["LastPaymentDate"]) == YESTERDAY
    cash_yesterday = _lines_of(demo, facts.credit_note_settled, every)
    assert all(_day(r["InvoiceDate"]) < YESTERDAY for r in cash_yesterday)


def test_the_refund_is_a_positive_cash_line_matched_with_the_credit_note(
    facts: DemoFacts, demo: httpx.Client
) -> None:
    rows = _lines_of(demo, facts.refund_customer, _changed_since_yesterday(demo))

    assert sorted((r["TransactionType"], r["AmountFC"], r["Status"]) for r in rows) == [
        (21, -120.0, 50),
        (40, 120.0, 50),
    ]
    assert all(_day(r["LastPaymentDate"]) == YESTERDAY for r in rows)


def test_the_reversed_payment_leaves_the_invoice_open(facts: DemoFacts, demo: httpx.Client) -> None:
    rows = _lines_of(demo, facts.reversed_payer, _changed_since_yesterday(demo))

    invoice = next(r for r in rows if r["TransactionType"] == 20)
    cash = sorted((r for r in rows if r["TransactionType"] == 40), key=lambda r: r["AmountFC"])
    assert len(rows) == 3
    assert (invoice["Status"], invoice["IsFullyPaid"], invoice["LastPaymentDate"]) == (
        20,
        False,
        None,
    )
    assert [(r["AmountFC"], r["Status"], r["TransactionIsReversal"]) for r in cash] == [
        (-invoice["AmountFC"], 50, False),
        (invoice["AmountFC"], 50, True),
    ]


def test_the_collected_invoice_is_in_transit_not_open(facts: DemoFacts, demo: httpx.Client) -> None:
    select = "Account,Status,DueDate"
    outstanding = _all(
        demo, "bulk/Cashflow/Receivables", {"$select": select, "$filter": "Status lt 50"}
    )
    either = "Status eq 20 or Status eq 30 or Status eq 40"
    same = _all(demo, "bulk/Cashflow/Receivables", {"$select": select, "$filter": either})

    [line] = _lines_of(demo, facts.in_transit_customer, outstanding)
    assert line["Status"] == 40
    assert (TODAY - _day(line["DueDate"])).days == 6
    assert same == outstanding
    assert facts.in_transit_customer not in facts.overdue_customers


def test_the_first_time_customer_is_new_this_month(facts: DemoFacts, demo: httpx.Client) -> None:
    """Its oldest sales invoice is this month; every other customer's is older than 300 days."""
    codes = _codes(demo)
    oldest: dict[str, date] = {}
    params = {"$select": "Account,InvoiceDate", "$filter": "TransactionType eq 20"}
    for row in _all(demo, "bulk/Cashflow/Receivables", params):
        code, day = codes[row["Account"]], _day(row["InvoiceDate"])
        oldest[code] = min(oldest.get(code, day), day)

    assert TODAY - timedelta(days=31) <= oldest.pop(facts.first_time_payer) < YESTERDAY
    assert all(day < TODAY - timedelta(days=300) for day in oldest.values())
    assert facts.first_time_payer in facts.yesterday_payers
