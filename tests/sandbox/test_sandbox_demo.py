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
    rows = _all(api, "bulk/CRM/Accounts", {"$select": "ID,Code"})
    return {row["ID"]: row["Code"].strip() for row in rows}


def _changed_since_yesterday(api: httpx.Client) -> list[Row]:
    params = {"modified": f"datetime'{YESTERDAY}T00:00:00'", "endPoint": "'Cashflow/PaymentTerms'"}
    answer = api.get("123456/read/sync/Sync/SyncTimestamp", params=params).json()
    since = answer["d"]["results"][0]["SyncTimestamp"]
    select = "Account,TransactionEntryID,AmountFC,Currency,Status,EndDate,LineType,Modified"
    return _all(
        api, "sync/Cashflow/PaymentTerms", {"$select": select, "$filter": f"Timestamp gt {since}"}
    )


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
    accounts = _all(demo, "bulk/CRM/Accounts", {"$select": "ID,IsSales,Status"})
    lines = _all(demo, "bulk/Cashflow/Receivables", {"$select": "InvoiceDate,TransactionEntryID"})

    assert facts.customers >= 34
    assert sum(1 for a in accounts if a["IsSales"]) == facts.customers
    assert facts.invoices >= 160
    assert len({line["TransactionEntryID"] for line in lines}) == facts.invoices
    oldest = min(_day(line["InvoiceDate"]) for line in lines)
    assert TODAY - timedelta(days=450) <= oldest <= TODAY - timedelta(days=365)


def test_yesterdays_payments_are_the_telling_cases(facts: DemoFacts, demo: httpx.Client) -> None:
    codes = _codes(demo)
    changed = [r for r in _changed_since_yesterday(demo) if r["LineType"] == 20]
    paid = [r for r in changed if r["Status"] == 50]
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
    for special in (facts.english_payer, facts.no_email_payer, facts.partial_payer):
        assert special in by_code


def test_the_partial_payment_leaves_a_remainder_open(facts: DemoFacts, demo: httpx.Client) -> None:
    codes = _codes(demo)
    rows = [r for r in _changed_since_yesterday(demo) if codes[r["Account"]] == facts.partial_payer]

    paid = [r for r in rows if r["Status"] == 50]
    left = [r for r in rows if r["Status"] == 20]
    assert len(paid) == len(left) == 1
    assert paid[0]["TransactionEntryID"] == left[0]["TransactionEntryID"]
    assert left[0]["AmountFC"] == float(facts.partial_remainder) > 0


def test_a_supplier_was_paid_yesterday_too_as_a_payable(
    facts: DemoFacts, demo: httpx.Client
) -> None:
    codes = _codes(demo)
    payables = [r for r in _changed_since_yesterday(demo) if r["LineType"] == 22]

    assert [codes[r["Account"]] for r in payables] == [facts.supplier_codes[0]]


def _account(api: httpx.Client, code: str) -> Row:
    params = {"$select": "ID,Email,Language,Blocked", "$filter": f"Code eq '{code:>18}'"}
    (row,) = _all(api, "bulk/CRM/Accounts", params)
    return row


def _contacts(api: httpx.Client, account_id: str) -> list[Row]:
    params = {
        "$select": "FirstName,Email,BusinessEmail,IsMainContact",
        "$filter": f"Account eq guid'{account_id}'",
    }
    return _all(api, "bulk/CRM/Contacts", params)


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
    accounts = _all(demo, "bulk/CRM/Accounts", {"$select": "Email"})
    contacts = _all(demo, "bulk/CRM/Contacts", {"$select": "Email,BusinessEmail"})
    addresses = [a["Email"] for a in accounts] + [
        c[field] for c in contacts for field in ("Email", "BusinessEmail")
    ]

    domains = {address.rsplit("@", 1)[1] for address in addresses if address}
    assert domains <= {"example.nl", "example.com", "example.org"}


def test_most_customers_have_a_main_contact_and_some_only_an_account_address(
    facts: DemoFacts, demo: httpx.Client
) -> None:
    accounts = _all(demo, "bulk/CRM/Accounts", {"$select": "ID,Email,MainContact,IsSales"})
    customers = [a for a in accounts if a["IsSales"]]
    contacts = {
        c["ID"]: c for c in _all(demo, "bulk/CRM/Contacts", {"$select": "ID,FirstName,Email"})
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
        for a in _all(demo, "bulk/CRM/Accounts", {"$select": "Classification1"})
    }

    assert {(row["Code"], row["ID"]) for row in named} == set(facts.classifications)
    assert used - {None} == {guid for _, guid in facts.classifications}
