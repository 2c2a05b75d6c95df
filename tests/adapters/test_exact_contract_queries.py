"""Every query the client builds stays inside Exact's published contract (exact/contract.json).

Two walks: the field lists the client selects from, checked directly; and every request the
client sends while reading administrations that exercise each path (a first run, a long history,
many customers, cash lines and credit notes, classifications, invoice PDFs, the division list),
each checked on its own: the endpoint or function, every `$select` name, every `$filter` field,
operator and literal type, every function parameter and value. The sandbox refuses the same
things (400); the walk says which rule a request broke.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import parse_qsl

import pytest

from followup.exact import customers, documents, payment_sync, receivables
from followup.exact.client import ExactClient
from followup.exact.contract import contract
from followup.exact.documents import invoice_pdfs
from followup.exact.queries import ExactOnlineSource
from followup.sandbox.demo_data import seed_demo
from followup.sandbox.endpoints import EDM_TYPES
from followup.sandbox.odata import ODataError, check_filter, comparisons, parse_filter
from followup.sandbox.state import SandboxState

DIVISION = 123456
OPERATORS = {"eq", "ne", "gt", "ge", "lt", "le"}  # OData v2 comparisons Exact answers

SELECTS = {
    "sync/Cashflow/PaymentTerms": payment_sync.SYNC_FIELDS,
    "bulk/Cashflow/Receivables": (*receivables.LINE_FIELDS, *receivables.FIRST_INVOICE_FIELDS),
    "crm/Accounts": customers.ACCOUNT_FIELDS,
    "crm/Contacts": customers.CONTACT_FIELDS,
    "crm/AccountClassifications": customers.CLASSIFICATION_FIELDS,
    "documents/Documents": documents.DOCUMENT_FIELDS,
    "documents/DocumentAttachments": documents.ATTACHMENT_FIELDS,
    "financialtransaction/BankEntryLines": ("Date",),
}


@pytest.mark.parametrize("path", sorted(SELECTS))
def test_every_field_the_client_selects_is_documented_and_current(path: str) -> None:
    endpoint = contract().endpoint(path)
    assert set(SELECTS[path]) <= set(endpoint.fields), path
    assert not set(SELECTS[path]) & endpoint.obsolete, path


def problems(division_path: str, query: str) -> list[str]:
    """What is outside the contract in one request (empty: nothing)."""
    resource = division_path.split("/", 1)[1] if division_path[:1].isdigit() else division_path
    params = dict(parse_qsl(query, keep_blank_values=True))
    found: list[str] = []
    if resource in contract().functions:
        function = contract().functions[resource]
        for name, value in params.items():
            spec = function.parameters.get(name)
            if spec is None:
                found.append(f"{resource}: unknown parameter {name}")
            elif spec.values is not None and value.strip("'") not in spec.values:
                found.append(f"{resource}: {name}={value} is not an accepted value")
        missing = {n for n, p in function.parameters.items() if p.required} - set(params)
        found += [f"{resource}: required parameter {name} missing" for name in sorted(missing)]
        return found
    if resource not in contract().endpoints:
        return [f"{resource}: not an endpoint of the contract"]
    endpoint = contract().endpoint(resource)
    for name in params.get("$select", "").split(","):
        if name and name not in endpoint.fields:
            found.append(f"{resource}: $select {name} is not documented")
        elif name in endpoint.obsolete:
            found.append(f"{resource}: $select {name} is documented as obsolete")
    if endpoint.kind == "bulk" and "$select" not in params:
        found.append(f"{resource}: a bulk endpoint without $select")
    if "$filter" in params:
        expression = parse_filter(params["$filter"])
        for comparison in comparisons(expression):
            if not endpoint.may_filter(comparison.field):
                found.append(f"{resource}: $filter on {comparison.field} is not allowed")
            if comparison.op not in OPERATORS:
                found.append(f"{resource}: operator {comparison.op}")
        types = {name: EDM_TYPES[edm] for name, edm in endpoint.fields.items()}
        try:
            check_filter(expression, types, None)  # the literal types; fields: above
        except ODataError as exc:
            found.append(f"{resource}: {exc}")
    # $top: OData's standard option (Exact's KB names it beside $select: "Please add a $select
    # or a $top=1 statement"); the bank statements' freshness asks one row (exact/
    # bank_statements.py).
    options = {"$select", "$filter", "$skiptoken", "$top"}
    unknown = {n for n in params if n.startswith("$")} - options
    found += [f"{resource}: query option {name}" for name in sorted(unknown)]
    return found


def every_request_keeps_to_the_contract(state: SandboxState) -> int:
    """Check every API request the sandbox saw; returns how many were checked."""
    checked = 0
    for _, _, target in state.calls:
        path, _, query = target.partition("?")
        if not path.startswith("/api/v1/"):
            continue  # a document download (its URL comes from Exact's own answer)
        assert problems(path.removeprefix("/api/v1/"), query) == [], target
        checked += 1
    refused = [status for _, _, status in state.served if 400 <= status < 500 and status != 429]
    assert refused == []
    return checked


def test_problems_names_what_is_outside_the_contract() -> None:
    """The walk itself can fail: each kind of mistake is caught."""
    assert problems("1/bulk/CRM/Accounts", "$select=ID") == [
        "bulk/CRM/Accounts: not an endpoint of the contract"
    ]
    assert problems("1/crm/Accounts", "$select=ID,CustomerSince") == [
        "crm/Accounts: $select CustomerSince is documented as obsolete"
    ]
    assert problems("1/crm/Accounts", "$select=ID,Timestamp")[0].endswith("not documented")
    assert problems("1/sync/Cashflow/PaymentTerms", "$select=ID&$filter=Status eq 50") == [
        "sync/Cashflow/PaymentTerms: $filter on Status is not allowed"
    ]
    assert problems("1/bulk/Cashflow/Receivables", "$select=ID&$filter=IsFullyPaid eq true") == [
        "bulk/Cashflow/Receivables: $filter on IsFullyPaid is not allowed"
    ]
    assert problems(
        "1/read/sync/Sync/SyncTimestamp",
        "modified=datetime'2026-01-01'&endPoint='Cashflow/PaymentTerms'",
    ) == [
        "read/sync/Sync/SyncTimestamp: endPoint='Cashflow/PaymentTerms' is not an accepted value"
    ]
    assert problems("1/bulk/Cashflow/Receivables", "$filter=Status lt 50") == [
        "bulk/Cashflow/Receivables: a bulk endpoint without $select"
    ]
    assert problems("1/crm/Accounts", "$select=ID&$orderby=Name") == [
        "crm/Accounts: query option $orderby"
    ]


def test_reading_the_demo_administration_asks_only_what_the_contract_lists(
    state: SandboxState, client: ExactClient
) -> None:
    today = date(2026, 3, 2)
    facts = seed_demo(state, today)
    source = ExactOnlineSource(client, resolve_classifications=True)

    first = source.read(facts.division, None, today - timedelta(days=1))
    source.read(facts.division, first.next_watermark, today - timedelta(days=14))
    entries = [x.entry_id for x in first.open_items if not x.is_cash][:30]
    invoice_pdfs(client, facts.division, entries)
    source.divisions()
    source.bank_statements(facts.division, today - timedelta(days=5))  # current
    source.bank_statements(facts.division, today + timedelta(days=30))  # behind: the search

    assert every_request_keeps_to_the_contract(state) >= 8


def test_a_long_history_and_many_customers_ask_only_what_the_contract_lists(
    state: SandboxState, client: ExactClient
) -> None:
    div = state.add_division(DIVISION, "Groot")
    for n in range(150):
        customer = div.add_account(code=str(1000 + n), name=f"Klant {n}", email=f"k{n}@x.nl")
        div.add_contact(customer, "Voor", f"Naam {n}", email=f"c{n}@x.nl", is_main=True)
        for k in range(8):
            entry = div.add_invoice(
                customer, n * 10 + k + 1, date(2025, 1, 1), date(2025, 2, 1), Decimal(10)
            )
            if k < 7:
                div.pay(entry, Decimal(10), date(2026, 3, 1) if k == 6 else date(2025, 1, 20))
    source = ExactOnlineSource(client, history_pages=1)

    data = source.read(DIVISION, None, date(2026, 3, 1))
    while not data.caught_up:
        data = source.read(DIVISION, data.next_watermark, date(2026, 3, 1))

    assert every_request_keeps_to_the_contract(state) >= 10
