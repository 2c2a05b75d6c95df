"""The sandbox is held to Exact's published contract: each served row carries every documented
field of its endpoint (null where the demo has no value) and no other; what the contract doesn't
list is refused with Exact's error body."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from followup.exact.contract import contract
from followup.sandbox.demo_data import seed_demo
from followup.sandbox.endpoints import ENDPOINTS
from followup.sandbox.state import SandboxState


@pytest.fixture
def demo(state: SandboxState) -> int:
    return seed_demo(state, date(2026, 3, 2)).division


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
def test_a_served_row_has_exactly_the_documented_fields(
    path: str, demo: int, api: httpx.Client
) -> None:
    documented = list(contract().endpoint(path).fields)
    params = {"$select": ",".join(documented)}
    if ENDPOINTS[path].kind.value == "sync":
        params["$filter"] = "Timestamp gt 1"

    response = api.get(f"{demo}/{path}", params=params)

    assert response.status_code == 200, response.text
    rows = response.json()["d"]["results"]
    assert rows, path
    assert all(list(row) == documented for row in rows)
    # The demo fills what followup and its tests read: not every field is null.
    assert any(value is not None for row in rows for value in row.values())


def test_current_me_has_exactly_the_documented_fields(demo: int, api: httpx.Client) -> None:
    [row] = api.get("current/Me").json()["d"]["results"]
    assert list(row) == list(contract().endpoint("current/Me").fields)
    assert row["CurrentDivision"] == demo


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("crm/Accounts", {"$select": "ID,Timestamp"}),  # only sync/CRM/Accounts has it
        ("crm/Accounts", {"$select": "ID", "$filter": "Nonsense eq 1"}),
        ("bulk/CRM/Accounts", {"$select": "ID"}),  # not in the published reference
        ("bulk/Cashflow/Receivables", {"$select": "ID", "$filter": "IsFullyPaid eq true"}),
        ("bulk/Cashflow/Receivables", {"$select": "ID,LineType"}),  # sync only
        ("sync/Cashflow/PaymentTerms", {"$select": "ID", "$filter": "Status eq 50"}),
        ("read/sync/Sync/SyncTimestamp", {"modified": "datetime'2026-01-01'",
                                          "endPoint": "'PaymentTerms'"}),
    ],
)  # fmt: skip
def test_what_the_contract_does_not_list_is_refused_with_exacts_error_body(
    path: str, params: dict[str, str], demo: int, api: httpx.Client
) -> None:
    response = api.get(f"{demo}/{path}", params=params)

    assert response.status_code == 400
    assert response.json()["error"]["message"]["value"]
