"""Rate limits per division, their headers, injected failures and the record of calls."""

from __future__ import annotations

import time
from datetime import datetime, timedelta

import httpx

from followup.clock import AMSTERDAM
from followup.sandbox.division import Division
from followup.sandbox.state import SandboxClock, SandboxState

MINUTELY = (
    "X-RateLimit-Minutely-Limit",
    "X-RateLimit-Minutely-Remaining",
    "X-RateLimit-Minutely-Reset",
)
DAILY = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
ACCOUNTS = "123456/crm/Accounts"


def _ms(moment: datetime) -> str:
    return str(int(moment.timestamp() * 1000))


def test_every_division_call_tells_both_limits(
    division: Division, api: httpx.Client, clock: SandboxClock
) -> None:
    first = api.get(ACCOUNTS)
    second = api.get(ACCOUNTS)

    assert first.headers["X-RateLimit-Limit"] == "5000"
    assert first.headers["X-RateLimit-Remaining"] == "4999"
    assert second.headers["X-RateLimit-Remaining"] == "4998"
    assert second.headers["X-RateLimit-Minutely-Limit"] == "60"
    assert second.headers["X-RateLimit-Minutely-Remaining"] == "58"
    assert second.headers["X-RateLimit-Minutely-Reset"] == _ms(clock.now() + timedelta(minutes=1))
    midnight = datetime(2026, 3, 31, tzinfo=AMSTERDAM)
    assert second.headers["X-RateLimit-Reset"] == _ms(midnight)


def test_past_the_minutely_limit_comes_429_with_only_the_minutely_headers(
    division: Division, api: httpx.Client, state: SandboxState
) -> None:
    state.minutely_limit = 3
    answers = [api.get(ACCOUNTS) for _ in range(4)]

    refused = answers[-1]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert refused.headers["X-RateLimit-Minutely-Remaining"] == "0"
    assert refused.headers["X-RateLimit-Minutely-Limit"] == "3"
    assert all(name in refused.headers for name in MINUTELY)
    assert not any(name in refused.headers for name in DAILY)
    assert "error" in refused.json()


def test_the_minutely_limit_resets_when_the_minute_is_over(
    division: Division, api: httpx.Client, state: SandboxState, clock: SandboxClock
) -> None:
    state.minutely_limit = 3
    for _ in range(4):
        api.get(ACCOUNTS)

    clock.advance(60)
    again = api.get(ACCOUNTS)

    assert again.status_code == 200
    assert again.headers["X-RateLimit-Minutely-Remaining"] == "2"
    assert again.headers["X-RateLimit-Remaining"] == str(5000 - 4)  # the refused call is free


def test_past_the_daily_limit_comes_429_with_only_the_daily_headers(
    division: Division, api: httpx.Client, state: SandboxState, clock: SandboxClock
) -> None:
    state.daily_limit = 2
    api.get(ACCOUNTS)
    clock.advance(60)
    api.get(ACCOUNTS)
    clock.advance(60)

    refused = api.get(ACCOUNTS)
    clock.advance(24 * 3600)
    token = state.issue_tokens()["access_token"]  # yesterday's has expired
    next_day = api.get(ACCOUNTS, headers={"Authorization": f"Bearer {token}"})

    assert refused.status_code == 429
    assert refused.headers["X-RateLimit-Remaining"] == "0"
    assert all(name in refused.headers for name in DAILY)
    assert not any(name in refused.headers for name in MINUTELY)
    assert next_day.status_code == 200


def test_limits_count_per_division_and_not_for_current_me(
    division: Division, api: httpx.Client, state: SandboxState
) -> None:
    state.add_division(654321, "Tweede B.V.")
    state.minutely_limit = 2
    api.get(ACCOUNTS)
    api.get(ACCOUNTS)

    other = api.get("654321/crm/Accounts")
    me = api.get("current/Me")

    assert other.status_code == 200
    assert me.status_code == 200
    assert "X-RateLimit-Limit" not in me.headers
    assert api.get(ACCOUNTS).status_code == 429


def test_bad_queries_count_and_carry_the_headers(division: Division, api: httpx.Client) -> None:
    response = api.get("123456/bulk/Cashflow/Receivables")  # bulk without $select

    assert response.status_code == 400
    assert response.headers["X-RateLimit-Minutely-Remaining"] == "59"


def test_injected_statuses_answer_the_next_matching_calls_then_service_resumes(
    division: Division, api: httpx.Client, state: SandboxState
) -> None:
    state.inject(path_contains="crm/Accounts", statuses=[503, 429])

    statuses = [api.get(ACCOUNTS) for _ in range(3)]
    other = api.get("123456/crm/Contacts")

    assert [r.status_code for r in statuses] == [503, 429, 200]
    assert statuses[0].json()["error"]["message"]["value"]
    throttled = statuses[1]
    assert throttled.headers["X-RateLimit-Minutely-Remaining"] == "0"
    assert int(throttled.headers["X-RateLimit-Minutely-Reset"]) > 0
    assert other.status_code == 200


def test_injections_only_touch_matching_paths(
    division: Division, api: httpx.Client, state: SandboxState
) -> None:
    state.inject(path_contains="bulk/Cashflow", statuses=[500])

    assert api.get(ACCOUNTS).status_code == 200
    assert api.get("123456/bulk/Cashflow/Receivables", params={"$top": "1"}).status_code == 500


def test_every_call_is_recorded_with_division_method_and_decoded_query(
    division: Division, api: httpx.Client, state: SandboxState
) -> None:
    api.get("current/Me")
    api.get(ACCOUNTS, params={"$select": "ID", "$filter": "Code eq '1'"})

    assert state.calls == [
        (None, "GET", "/api/v1/current/Me"),
        (123456, "GET", "/api/v1/123456/crm/Accounts?$select=ID&$filter=Code eq '1'"),
    ]


def test_writes_are_refused(division: Division, api: httpx.Client) -> None:
    assert api.post(ACCOUNTS, json={"Name": "Nieuw"}).status_code == 405


def test_latency_delays_each_answer(
    division: Division, api: httpx.Client, state: SandboxState
) -> None:
    state.latency_seconds = 0.02
    started = time.monotonic()

    api.get(ACCOUNTS)

    assert time.monotonic() - started >= 0.02


def test_every_answer_is_recorded_with_its_time_and_status(
    division: Division, api: httpx.Client, state: SandboxState, clock: SandboxClock
) -> None:
    state.minutely_limit = 1
    start = clock.now()
    api.get(ACCOUNTS)
    api.get(ACCOUNTS)
    clock.advance(60)
    api.get(ACCOUNTS)

    assert [(d, status) for d, _, status in state.served] == [
        (123456, 200),
        (123456, 429),
        (123456, 200),
    ]
    assert [moment for _, moment, _ in state.served] == [
        start,
        start,
        start + timedelta(seconds=60),
    ]
