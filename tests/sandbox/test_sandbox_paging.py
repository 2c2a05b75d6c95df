"""Envelope and paging: 60 a page on standard endpoints, 1,000 on bulk and sync, `__next`."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import httpx
import pytest

from followup.sandbox.division import Division
from followup.sandbox.server import SandboxServer

Page = dict[str, Any]


def _accounts(division: Division, count: int) -> None:
    for number in range(count):
        division.add_account(code=str(10_000 + number), name=f"Klant {number}")


def _pages(api: httpx.Client, path: str, params: dict[str, str]) -> list[Page]:
    response = api.get(path, params=params)
    assert response.status_code == 200, response.text
    pages = [response.json()["d"]]
    while "__next" in pages[-1]:
        response = api.get(pages[-1]["__next"])
        assert response.status_code == 200, response.text
        pages.append(response.json()["d"])
    return pages


def test_standard_endpoint_pages_by_sixty_to_the_end(division: Division, api: httpx.Client) -> None:
    _accounts(division, 130)

    pages = _pages(api, "123456/crm/Accounts", {"$select": "ID,Code"})

    assert [len(page["results"]) for page in pages] == [60, 60, 10]
    ids = [row["ID"] for page in pages for row in page["results"]]
    assert len(set(ids)) == 130
    assert set(ids) == set(division.accounts)


def test_bulk_endpoint_pages_by_a_thousand_to_the_end(
    division: Division, api: httpx.Client
) -> None:
    customer = division.add_account(code="1", name="Klant")
    for number in range(2050):
        division.add_invoice(customer, number + 1, date(2026, 1, 1), date(2026, 2, 1), Decimal(1))

    pages = _pages(api, "123456/bulk/Cashflow/Receivables", {"$select": "ID"})

    assert [len(page["results"]) for page in pages] == [1000, 1000, 50]
    assert len({row["ID"] for page in pages for row in page["results"]}) == 2050


def test_next_link_is_absolute_on_the_same_server_and_keeps_the_query(
    division: Division, api: httpx.Client, server: SandboxServer
) -> None:
    _accounts(division, 61)

    first = api.get(
        "123456/crm/Accounts", params={"$select": "ID,Name", "$filter": "Status eq 'C'"}
    )
    link = first.json()["d"]["__next"]

    assert link.startswith(f"{server.base_url}/api/v1/123456/crm/Accounts?")
    url = httpx.URL(link)
    assert url.params["$select"] == "ID,Name"
    assert url.params["$filter"] == "Status eq 'C'"
    assert "$skiptoken" in url.params
    last = api.get(link).json()["d"]
    assert list(last["results"][0]) == ["ID", "Name"]
    assert "__next" not in last


def test_last_page_has_no_next_link_and_an_empty_listing_is_an_empty_list(
    division: Division, api: httpx.Client
) -> None:
    empty = api.get("123456/crm/Accounts").json()
    _accounts(division, 3)
    full = api.get("123456/crm/Accounts").json()

    assert empty == {"d": {"results": []}}
    assert len(full["d"]["results"]) == 3
    assert "__next" not in full["d"]


@pytest.mark.parametrize(("top", "sizes"), [("1", [1]), ("25", [25]), ("100", [60, 40])])
def test_top_limits_the_total_and_a_page_never_exceeds_the_maximum(
    division: Division, api: httpx.Client, top: str, sizes: list[int]
) -> None:
    _accounts(division, 130)

    pages = _pages(api, "123456/crm/Accounts", {"$select": "ID", "$top": top})

    assert [len(page["results"]) for page in pages] == sizes


def test_without_select_a_standard_endpoint_returns_every_field(
    division: Division, api: httpx.Client
) -> None:
    _accounts(division, 1)

    row = api.get("123456/crm/Accounts").json()["d"]["results"][0]

    assert {"ID", "Code", "Name", "Email", "Language", "Blocked", "MainContact"} <= set(row)
    assert "__metadata" not in row


def test_current_me_answers_a_list_of_one(division: Division, api: httpx.Client) -> None:
    body = api.get("current/Me").json()

    (me,) = body["d"]["results"]
    assert me["CurrentDivision"] == division.code
    assert me["UserID"]
    assert me["FullName"]


def test_divisions_lists_every_administration_in_euro(
    division: Division, api: httpx.Client
) -> None:
    rows = api.get("123456/system/Divisions", params={"$select": "Code,Description,Currency"})

    assert rows.json()["d"]["results"] == [
        {"Code": 123456, "Description": "Test B.V.", "Currency": "EUR"}
    ]


def test_one_entity_by_guid_comes_as_a_single_object(division: Division, api: httpx.Client) -> None:
    account_id = division.add_account(code="1001", name="Café De Zwaan")

    body = api.get(f"123456/crm/Accounts(guid'{account_id}')", params={"$select": "ID,Name"})

    assert body.json() == {"d": {"ID": account_id, "Name": "Café De Zwaan"}}
