"""ExactClient against the sandbox over real HTTP: paging, retries, rate limits, typed errors."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

import httpx
import pytest

from followup.errors import (
    ExactRateLimited,
    ExactRequestError,
    ExactServerError,
    ExactTransportError,
)
from followup.exact.auth import ExactAuth
from followup.exact.client import ExactClient
from followup.exact.failures import error_for_status
from followup.sandbox.division import Division
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxState

if TYPE_CHECKING:
    from conftest import SharedClock

DIVISION = 123456


def add_accounts(state: SandboxState, count: int, division: int = DIVISION) -> Division:
    div = state.add_division(division, f"Administratie {division}")
    for n in range(count):
        div.add_account(code=str(1000 + n), name=f"Klant {n}", email=f"k{n}@example.nl")
    return div


def calls_to(state: SandboxState, needle: str) -> int:
    return sum(1 for _, _, path in state.calls if needle in path)


def test_paging_follows_next_across_three_pages_of_a_standard_endpoint(
    state: SandboxState, client: ExactClient
) -> None:
    add_accounts(state, 150)
    pages = list(client.get_pages(f"{DIVISION}/crm/Accounts", {"$select": "ID,Code,Name"}))
    assert [len(page) for page in pages] == [60, 60, 30]
    codes = {row["Code"].strip() for page in pages for row in page}
    assert codes == {str(1000 + n) for n in range(150)}
    assert calls_to(state, "/crm/Accounts") == 3
    assert client.calls[DIVISION] == 3


def test_get_all_reads_a_single_result_object(state: SandboxState, client: ExactClient) -> None:
    add_accounts(state, 1)
    me = client.get_all("current/Me", {"$select": "CurrentDivision"})
    assert me == [{"CurrentDivision": DIVISION}]
    assert client.calls[None] == 1


def test_a_429_then_success_waits_for_the_reset_and_retries(
    state: SandboxState, client: ExactClient, clock: SharedClock
) -> None:
    add_accounts(state, 3)
    state.inject(path_contains="crm/Accounts", statuses=[429])
    rows = client.get_all(f"{DIVISION}/crm/Accounts", {"$select": "ID"})
    assert len(rows) == 3
    assert calls_to(state, "/crm/Accounts") == 2
    assert clock.sleeps == [60.0]  # 09:00:00 → the minute window resets at 09:01:00


def test_a_5xx_then_success_is_retried_after_a_backoff(
    state: SandboxState, client: ExactClient, clock: SharedClock
) -> None:
    add_accounts(state, 3)
    state.inject(path_contains="crm/Accounts", statuses=[503])
    rows = client.get_all(f"{DIVISION}/crm/Accounts", {"$select": "ID"})
    assert len(rows) == 3
    assert calls_to(state, "/crm/Accounts") == 2
    assert len(clock.sleeps) == 1
    assert 0 <= clock.sleeps[0] <= 1


def test_5xx_every_time_gives_up_after_max_attempts_with_a_server_error(
    state: SandboxState, client: ExactClient
) -> None:
    add_accounts(state, 3)
    state.inject(path_contains="crm/Accounts", statuses=[500, 502, 503, 504, 500, 200])
    with pytest.raises(ExactServerError) as caught:
        client.get_all(f"{DIVISION}/crm/Accounts", {"$filter": "Name eq 'secret-ish'"})
    assert calls_to(state, "/crm/Accounts") == 5
    assert caught.value.status == 500
    assert caught.value.endpoint == f"{DIVISION}/crm/Accounts"
    assert "secret-ish" not in str(caught.value)
    assert caught.value.retryable


def test_a_400_is_not_retried(state: SandboxState, client: ExactClient) -> None:
    add_accounts(state, 3)
    with pytest.raises(ExactRequestError) as caught:
        client.get_all(f"{DIVISION}/bulk/Cashflow/Receivables")  # bulk without $select
    assert calls_to(state, "/bulk/Cashflow/Receivables") == 1
    assert caught.value.status == 400
    assert "$select" in str(caught.value)  # Exact's own words are kept
    assert not caught.value.retryable


def test_a_404_is_not_retried(state: SandboxState, client: ExactClient) -> None:
    add_accounts(state, 1)
    with pytest.raises(ExactRequestError):
        client.get_all(f"{DIVISION}/crm/NoSuchThing")
    assert calls_to(state, "/crm/NoSuchThing") == 1


def test_a_spent_minutely_budget_makes_the_client_wait_and_finish(
    state: SandboxState, client: ExactClient, clock: SharedClock
) -> None:
    add_accounts(state, 150)
    state.minutely_limit = 2
    rows = client.get_all(f"{DIVISION}/crm/Accounts", {"$select": "ID"})
    assert len(rows) == 150
    assert calls_to(state, "/crm/Accounts") == 3  # it waited instead of meeting a 429
    assert clock.sleeps == [60.0]


def test_a_429_for_the_minutely_limit_someone_else_spent_is_waited_out(
    state: SandboxState, server: SandboxServer, auth: ExactAuth, clock: SharedClock
) -> None:
    add_accounts(state, 3)
    state.minutely_limit = 1
    with ExactClient(server.base_url, auth, clock) as other:
        other.get_all(f"{DIVISION}/crm/Accounts", {"$select": "ID"})
    clock.sleeps.clear()
    with ExactClient(server.base_url, auth, clock, rng=random.Random(1)) as ours:
        assert len(ours.get_all(f"{DIVISION}/crm/Accounts", {"$select": "ID"})) == 3
        assert ours.calls[DIVISION] == 2  # the 429, then the call after the reset
    assert clock.sleeps == [60.0]


def test_a_spent_daily_budget_raises_rate_limited_without_waiting_hours(
    state: SandboxState, client: ExactClient, clock: SharedClock
) -> None:
    add_accounts(state, 150)
    state.daily_limit = 2
    with pytest.raises(ExactRateLimited, match="daily budget") as caught:
        client.get_all(f"{DIVISION}/crm/Accounts", {"$select": "ID"})
    assert calls_to(state, "/crm/Accounts") == 2  # the third call is not even tried
    assert clock.sleeps == []
    assert caught.value.retryable


def test_a_429_for_the_daily_limit_raises_rate_limited_at_once(
    state: SandboxState, server: SandboxServer, auth: ExactAuth, clock: SharedClock
) -> None:
    add_accounts(state, 3)
    state.daily_limit = 1
    with ExactClient(server.base_url, auth, clock) as other:
        other.get_all(f"{DIVISION}/crm/Accounts", {"$select": "ID"})
    with (
        ExactClient(server.base_url, auth, clock) as ours,
        pytest.raises(ExactRateLimited, match="daily budget"),
    ):
        ours.get_all(f"{DIVISION}/crm/Accounts", {"$select": "ID"})
    assert calls_to(state, "/crm/Accounts") == 2
    assert clock.sleeps == []


def test_calls_are_counted_per_division(state: SandboxState, client: ExactClient) -> None:
    add_accounts(state, 70, division=111)
    add_accounts(state, 1, division=222)
    client.get_all("111/crm/Accounts", {"$select": "ID"})
    client.get_all("222/crm/Accounts", {"$select": "ID"})
    client.get_all("current/Me")
    assert client.calls == {111: 2, 222: 1, None: 1}


def test_a_timeout_then_success_is_retried(
    state: SandboxState, server: SandboxServer, auth: ExactAuth, clock: SharedClock
) -> None:
    add_accounts(state, 2)
    real = httpx.HTTPTransport()
    timeouts = iter([True])

    def flaky(request: httpx.Request) -> httpx.Response:
        if next(timeouts, False):
            raise httpx.ReadTimeout("slow", request=request)
        return real.handle_request(request)

    with ExactClient(server.base_url, auth, clock, transport=httpx.MockTransport(flaky)) as ours:
        assert len(ours.get_all(f"{DIVISION}/crm/Accounts", {"$select": "ID"})) == 2
        assert ours.calls[DIVISION] == 2
    assert len(clock.sleeps) == 1


def test_a_network_that_stays_down_gives_a_transport_error(
    server: SandboxServer, auth: ExactAuth, clock: SharedClock
) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    transport = httpx.MockTransport(down)
    with ExactClient(server.base_url, auth, clock, transport=transport, max_attempts=3) as ours:
        with pytest.raises(ExactTransportError, match=r"\(ConnectError\) after 3 attempt"):
            ours.get_all(f"{DIVISION}/crm/Accounts")
        assert ours.calls[DIVISION] == 3


def test_the_client_asks_for_json(
    state: SandboxState, server: SandboxServer, auth: ExactAuth, clock: SharedClock
) -> None:
    add_accounts(state, 1)
    seen: list[str] = []
    real = httpx.HTTPTransport()

    def spy(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Accept", ""))
        return real.handle_request(request)

    with ExactClient(server.base_url, auth, clock, transport=httpx.MockTransport(spy)) as ours:
        ours.get_all(f"{DIVISION}/crm/Accounts", {"$select": "ID"})
    assert seen == ["application/json"]


def test_a_next_link_to_another_host_is_not_followed(
    server: SandboxServer, auth: ExactAuth, clock: SharedClock
) -> None:
    def evil(request: httpx.Request) -> httpx.Response:
        body = {"d": {"results": [{"ID": 1}], "__next": "https://attacker.example/api/v1/x"}}
        return httpx.Response(200, json=body)

    with ExactClient(server.base_url, auth, clock, transport=httpx.MockTransport(evil)) as ours:
        with pytest.raises(Exception, match="leaves the API"):
            ours.get_all(f"{DIVISION}/crm/Accounts")
        assert ours.calls[DIVISION] == 1


@pytest.mark.parametrize(
    ("status", "name", "retryable"),
    [
        (400, "ExactRequestError", False),
        (401, "ExactAuthError", False),
        (403, "ExactAuthError", False),
        (404, "ExactRequestError", False),
        (429, "ExactRateLimited", True),
        (500, "ExactServerError", True),
        (503, "ExactServerError", True),
    ],
)
def test_error_for_status_maps_statuses_to_typed_errors(
    status: int, name: str, retryable: bool
) -> None:
    error = error_for_status(status, "detail", endpoint="1/crm/Accounts", request_id="rid-7")
    assert type(error).__name__ == name
    assert error.retryable is retryable
    assert (error.status, error.endpoint, error.request_id) == (status, "1/crm/Accounts", "rid-7")
    assert "request id rid-7" in str(error)
