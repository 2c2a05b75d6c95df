"""Fixtures for the sandbox tests: a sandbox on a fixed clock, served over real HTTP."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest

from followup.clock import AMSTERDAM
from followup.sandbox.division import Division
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxClock, SandboxState

START = datetime(2026, 3, 30, 8, 0, tzinfo=AMSTERDAM)  # a Monday, on a minute boundary
DIVISION = 123456


@pytest.fixture
def clock() -> SandboxClock:
    """The sandbox's time, standing still until a test advances it."""
    return SandboxClock(START)


@pytest.fixture
def state(clock: SandboxClock) -> SandboxState:
    """An empty sandbox on the fixed clock."""
    return SandboxState(clock)


@pytest.fixture
def division(state: SandboxState) -> Division:
    """An empty administration."""
    return state.add_division(code=DIVISION, description="Test B.V.")


@pytest.fixture
def server(state: SandboxState) -> Iterator[SandboxServer]:
    """The sandbox served on 127.0.0.1."""
    with SandboxServer(state) as running:
        yield running


@pytest.fixture(scope="session")
def tls() -> ssl.SSLContext:
    """One TLS context for every client: building one per client costs ~50 ms (plain HTTP here)."""
    return ssl.create_default_context()


@pytest.fixture
def api(server: SandboxServer, state: SandboxState, tls: ssl.SSLContext) -> Iterator[httpx.Client]:
    """An httpx client on `/api/v1/` with a valid bearer token."""
    tokens = state.issue_tokens()
    headers = {
        "Accept": "application/json",
        "Authorization": f"Bearer {tokens['access_token']}",
    }
    url = f"{server.base_url}/api/v1"
    with httpx.Client(base_url=url, headers=headers, timeout=5, verify=tls) as client:
        yield client
