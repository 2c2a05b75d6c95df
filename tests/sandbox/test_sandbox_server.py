"""The HTTP wrapper: a free port on 127.0.0.1, concurrent requests, a clean stop."""

from __future__ import annotations

import ssl
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from followup.sandbox.division import Division
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxState


def test_the_server_binds_a_free_local_port_and_releases_it_on_exit(
    state: SandboxState, tls: ssl.SSLContext
) -> None:
    with SandboxServer(state) as server:
        url = server.base_url
        answer = httpx.get(f"{url}/api/v1/current/Me", verify=tls)

    assert url.startswith("http://127.0.0.1:")
    assert answer.status_code == 401
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/api/v1/current/Me", verify=tls)


def test_a_stopped_server_has_no_base_url(state: SandboxState) -> None:
    server = SandboxServer(state)

    with pytest.raises(RuntimeError):
        _ = server.base_url


def test_two_servers_run_side_by_side(state: SandboxState) -> None:
    with SandboxServer(state) as one, SandboxServer(SandboxState()) as two:
        assert one.base_url != two.base_url


def test_concurrent_requests_are_all_served_and_recorded(
    division: Division, api: httpx.Client, state: SandboxState
) -> None:
    division.add_account(code="1001", name="Café De Zwaan")

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(lambda _: api.get("123456/crm/Accounts").status_code, range(40)))

    assert statuses == [200] * 40
    assert len(state.calls) == 40


def test_paths_outside_the_api_are_not_found_as_json(
    api: httpx.Client, server: SandboxServer
) -> None:
    response = api.get(f"{server.base_url}/index.html")

    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    assert "error" in response.json()
