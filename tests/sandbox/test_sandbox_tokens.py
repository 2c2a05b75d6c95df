"""The token endpoint: rotating refresh tokens, the 570 s rule, 600 s access tokens."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from followup.sandbox.division import Division
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxClock, SandboxState


@pytest.fixture
def http(server: SandboxServer, tls: ssl.SSLContext) -> Iterator[httpx.Client]:
    """A bare client on the sandbox (no token)."""
    with httpx.Client(base_url=server.base_url, timeout=5, verify=tls) as client:
        yield client


def _refresh(http: httpx.Client, state: SandboxState, refresh_token: str) -> httpx.Response:
    form = {
        "grant_type": "refresh_token",
        "refresh_token": refresh_token,
        "client_id": state.client_id,
        "client_secret": state.client_secret,
    }
    return http.post("/api/oauth2/token", data=form)


def _me(http: httpx.Client, access_token: str) -> httpx.Response:
    headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
    return http.get("/api/v1/current/Me", headers=headers)


def test_a_refresh_after_570_seconds_rotates_the_refresh_token(
    state: SandboxState, clock: SandboxClock, http: httpx.Client
) -> None:
    issued = state.issue_tokens()
    clock.advance(570)

    response = _refresh(http, state, issued["refresh_token"])

    body: dict[str, Any] = response.json()
    assert response.status_code == 200
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == "600"  # a string, as Exact sends it
    assert body["refresh_token"] != issued["refresh_token"]
    assert body["access_token"] != issued["access_token"]
    assert state.refresh_count == 1
    assert _me(http, body["access_token"]).status_code == 200


def test_issued_tokens_last_600_seconds(state: SandboxState) -> None:
    issued = state.issue_tokens()

    assert issued["expires_in"] == 600
    assert issued["access_token"]
    assert issued["refresh_token"]


def test_reusing_a_used_refresh_token_is_refused_as_old(
    state: SandboxState, clock: SandboxClock, http: httpx.Client
) -> None:
    issued = state.issue_tokens()
    clock.advance(600)
    newer = _refresh(http, state, issued["refresh_token"]).json()["refresh_token"]
    clock.advance(600)

    response = _refresh(http, state, issued["refresh_token"])

    assert response.status_code == 401
    assert response.json() == {
        "error": "unauthorized_client",
        "error_description": "Old refresh token used.",
    }
    assert _refresh(http, state, newer).status_code == 200  # the sandbox keeps the chain alive
    assert state.refresh_count == 2


def test_a_refresh_before_570_seconds_is_refused_and_the_token_survives(
    state: SandboxState, clock: SandboxClock, http: httpx.Client
) -> None:
    issued = state.issue_tokens()
    clock.advance(569)

    early = _refresh(http, state, issued["refresh_token"])
    clock.advance(1)
    on_time = _refresh(http, state, issued["refresh_token"])

    assert early.status_code == 400
    assert early.json() == {
        "error": "access_denied",
        "error_description": "Rate limit exceeded: access_token not expired",
    }
    assert on_time.status_code == 200
    assert state.refresh_count == 1


def test_an_access_token_expires_after_600_seconds_and_the_old_one_lives_until_then(
    state: SandboxState, clock: SandboxClock, http: httpx.Client, division: Division
) -> None:
    first = state.issue_tokens()
    clock.advance(580)
    second = _refresh(http, state, first["refresh_token"]).json()

    still = _me(http, first["access_token"])
    clock.advance(20)
    expired = _me(http, first["access_token"])
    fresh = _me(http, second["access_token"])

    assert still.status_code == 200
    assert expired.status_code == 401
    assert expired.json()["error"]["message"]["value"] == "Access token expired"
    assert fresh.status_code == 200


def test_api_calls_without_a_known_bearer_token_are_unauthorized(
    http: httpx.Client, division: Division
) -> None:
    missing = http.get("/api/v1/123456/crm/Accounts")
    unknown = _me(http, "made-up")

    assert missing.status_code == unknown.status_code == 401
    assert unknown.json()["error"]["message"]["value"] == "Unauthorized"


def test_wrong_client_credentials_are_an_invalid_client(
    state: SandboxState, clock: SandboxClock, http: httpx.Client
) -> None:
    issued = state.issue_tokens()
    clock.advance(600)
    form = {
        "grant_type": "refresh_token",
        "refresh_token": issued["refresh_token"],
        "client_id": state.client_id,
        "client_secret": "wrong",
    }

    response = http.post("/api/oauth2/token", data=form)

    assert response.status_code == 400
    assert response.json() == {"error": "invalid_client"}
    assert _refresh(http, state, issued["refresh_token"]).status_code == 200


def test_an_authorization_code_is_exchanged_once(state: SandboxState, http: httpx.Client) -> None:
    code = state.issue_code()
    form = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": "http://127.0.0.1/callback",
        "client_id": state.client_id,
        "client_secret": state.client_secret,
    }

    first = http.post("/api/oauth2/token", data=form)
    again = http.post("/api/oauth2/token", data=form)

    assert first.status_code == 200
    assert _me(http, first.json()["access_token"]).status_code == 200
    assert again.status_code == 400


def test_the_consent_screen_redirects_back_with_a_code_and_the_state(
    state: SandboxState, http: httpx.Client
) -> None:
    params = {
        "client_id": state.client_id,
        "redirect_uri": "http://127.0.0.1:8765/callback",
        "response_type": "code",
        "state": "xyz",
    }

    response = http.get("/api/oauth2/auth", params=params)

    assert response.status_code == 302
    location = httpx.URL(response.headers["Location"])
    assert str(location).startswith("http://127.0.0.1:8765/callback?")
    assert location.params["state"] == "xyz"
    form = {
        "grant_type": "authorization_code",
        "code": location.params["code"],
        "client_id": state.client_id,
        "client_secret": state.client_secret,
    }
    assert http.post("/api/oauth2/token", data=form).status_code == 200


def test_a_refresh_whose_answer_is_lost_still_rotates_the_chain(
    state: SandboxState, clock: SandboxClock, http: httpx.Client
) -> None:
    issued = state.issue_tokens()
    clock.advance(600)
    state.inject("oauth2/token", [502], served=True)

    lost = _refresh(http, state, issued["refresh_token"])
    retried = _refresh(http, state, issued["refresh_token"])

    assert lost.status_code == 502
    assert state.refresh_count == 1
    assert retried.status_code == 401
    assert retried.json()["error_description"] == "Old refresh token used."


def test_token_endpoint_calls_are_recorded_without_a_division(
    state: SandboxState, clock: SandboxClock, http: httpx.Client
) -> None:
    issued = state.issue_tokens()
    clock.advance(600)

    _refresh(http, state, issued["refresh_token"])

    assert state.calls == [(None, "POST", "/api/oauth2/token")]


def test_a_withdrawn_consent_refuses_the_refresh_and_the_access_token(
    state: SandboxState, clock: SandboxClock, http: httpx.Client
) -> None:
    issued = state.issue_tokens()
    state.withdraw_consent()
    clock.advance(570)

    response = _refresh(http, state, issued["refresh_token"])

    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized_client"
    assert _me(http, issued["access_token"]).status_code == 401


def test_a_hidden_division_answers_403_and_leaves_the_division_list(
    state: SandboxState, http: httpx.Client, division: Division
) -> None:
    state.add_division(code=654321, description="Verkocht B.V.")
    token = state.issue_tokens()["access_token"]
    headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    state.hide_division(654321)

    hidden = http.get("/api/v1/654321/crm/Accounts?$select=ID", headers=headers)
    listed = http.get("/api/v1/123456/system/Divisions?$select=Code", headers=headers)

    assert hidden.status_code == 403
    assert [row["Code"] for row in listed.json()["d"]["results"]] == [123456]
