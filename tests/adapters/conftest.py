"""Fixtures for the Exact adapters: the sandbox over real HTTP and one fake time for both sides."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from followup.adapters.file_tokens import FileTokenStore
from followup.clock import AMSTERDAM
from followup.exact.auth import ExactAuth
from followup.exact.client import ExactClient
from followup.model import TokenSet
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxClock, SandboxState

START = datetime(2026, 3, 2, 9, 0, tzinfo=AMSTERDAM)  # a Monday morning, on a minute boundary


class SharedClock:
    """The Clock port over the sandbox's clock: `sleep` advances the time both sides see."""

    def __init__(self, sandbox: SandboxClock) -> None:
        self.sandbox = sandbox
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        """The sandbox's time."""
        return self.sandbox.now()

    def sleep(self, seconds: float) -> None:
        """Advance the shared time instead of sleeping; remember the wait."""
        self.sleeps.append(seconds)
        if seconds > 0:
            self.sandbox.advance(seconds)


def fresh_tokens(state: SandboxState, clock: SharedClock) -> TokenSet:
    """A new consent's tokens as `followup auth exact` would store them."""
    issued = state.issue_tokens()
    now = clock.now()
    return TokenSet(
        access_token=issued["access_token"],
        access_expires_at=now + timedelta(seconds=issued["expires_in"]),
        refresh_token=issued["refresh_token"],
        refreshed_at=now,
    )


@pytest.fixture
def clock() -> SharedClock:
    return SharedClock(SandboxClock(START))


@pytest.fixture
def state(clock: SharedClock) -> SandboxState:
    return SandboxState(clock=clock.sandbox)


@pytest.fixture
def server(state: SandboxState) -> Iterator[SandboxServer]:
    with SandboxServer(state) as running:
        yield running


@pytest.fixture
def issue(state: SandboxState, clock: SharedClock) -> Callable[[], TokenSet]:
    """Makes the sandbox issue a new consent's tokens."""
    return lambda: fresh_tokens(state, clock)


@pytest.fixture
def store(tmp_path: Path, state: SandboxState, clock: SharedClock) -> FileTokenStore:
    tokens = FileTokenStore(tmp_path / "exact-tokens.json")
    tokens.save(fresh_tokens(state, clock))
    return tokens


@pytest.fixture
def auth(
    server: SandboxServer, state: SandboxState, store: FileTokenStore, clock: SharedClock
) -> Iterator[ExactAuth]:
    exact_auth = ExactAuth(server.base_url, state.client_id, state.client_secret, store, clock)
    yield exact_auth
    exact_auth.close()


@pytest.fixture
def client(server: SandboxServer, auth: ExactAuth, clock: SharedClock) -> Iterator[ExactClient]:
    with ExactClient(server.base_url, auth, clock, rng=random.Random(42)) as exact:
        yield exact
