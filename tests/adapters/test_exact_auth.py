"""ExactAuth against the sandbox's token endpoint: reuse, the 570 s rule, rotation, failures."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from followup.adapters.file_tokens import FileTokenStore
from followup.errors import (
    ExactAuthError,
    ExactRefreshUncertain,
    ExactTokenRevoked,
    ExactTransportError,
)
from followup.exact.auth import ExactAuth
from followup.exact.client import ExactClient
from followup.model import TokenSet
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxState

if TYPE_CHECKING:
    from conftest import SharedClock

DIVISION = 123456
ACCOUNTS = f"{DIVISION}/crm/Accounts"
SELECT = {"$select": "ID"}
TOKEN_CALL = (None, "POST", "/api/oauth2/token")


class RecordingStore:
    """The file store, noting when it was locked, read and written (by the sandbox's call count)."""

    def __init__(self, inner: FileTokenStore, state: SandboxState) -> None:
        self.inner = inner
        self.state = state
        self.locked = False
        self.saves: list[int] = []  # len(state.calls) at each save

    def load(self) -> TokenSet | None:
        return self.inner.load()

    def save(self, tokens: TokenSet) -> None:
        assert self.locked, "tokens saved outside the lock"
        self.saves.append(len(self.state.calls))
        self.inner.save(tokens)

    @contextmanager
    def lock(self) -> Iterator[None]:
        with self.inner.lock():
            self.locked = True
            try:
                yield
            finally:
                self.locked = False


@pytest.fixture
def division(state: SandboxState) -> None:
    div = state.add_division(DIVISION, "Bakkerij")
    div.add_account(code="1001", name="Café De Zwaan", email="zwaan@example.nl")


def token_calls(state: SandboxState) -> int:
    return state.calls.count(TOKEN_CALL)


def new_client(server: SandboxServer, auth: ExactAuth, clock: SharedClock) -> ExactClient:
    return ExactClient(server.base_url, auth, clock, rng=random.Random(3))


def make_auth(
    server: SandboxServer,
    state: SandboxState,
    store: object,
    clock: SharedClock,
    token_http: httpx.Client | None = None,
    secret: str | None = None,
) -> ExactAuth:
    return ExactAuth(
        server.base_url,
        state.client_id,
        secret or state.client_secret,
        store,  # type: ignore[arg-type]
        clock,
        token_http,
    )


def spend_elsewhere(server: SandboxServer, state: SandboxState, refresh_token: str) -> None:
    """Another program refreshes with our refresh token (and doesn't tell us)."""
    answer = httpx.post(
        f"{server.base_url}/api/oauth2/token",
        data={
            "grant_type": "refresh_token",
            "refresh_token": refresh_token,
            "client_id": state.client_id,
            "client_secret": state.client_secret,
        },
    )
    assert answer.status_code == 200


def secrets_of(state: SandboxState, *token_sets: TokenSet | None) -> list[str]:
    found = [state.client_secret]
    for tokens in token_sets:
        if tokens is not None:
            found += [tokens.access_token, tokens.refresh_token]
    return found


@pytest.mark.usefixtures("division")
def test_a_still_valid_access_token_is_reused_without_a_token_call(
    state: SandboxState, client: ExactClient, clock: SharedClock
) -> None:
    client.get_all(ACCOUNTS, SELECT)
    clock.sleep(500)  # 9 min 20 s into the token's 10 minutes: still more than 30 s left
    client.get_all(ACCOUNTS, SELECT)
    assert token_calls(state) == 0
    assert state.refresh_count == 0


@pytest.mark.usefixtures("division")
def test_an_expired_token_is_refreshed_and_persisted_before_it_is_used(
    state: SandboxState, server: SandboxServer, store: FileTokenStore, clock: SharedClock
) -> None:
    old = store.load()
    assert old is not None
    recording = RecordingStore(store, state)
    auth = make_auth(server, state, recording, clock)
    clock.sleep(600)  # the stored access token has expired at the sandbox
    with new_client(server, auth, clock) as client:
        assert len(client.get_all(ACCOUNTS, SELECT)) == 1
    assert state.refresh_count == 1
    # saved right after the token call, before the API call that used the new access token
    assert recording.saves == [1]
    assert state.calls[0] == TOKEN_CALL
    assert state.calls[1][:2] == (DIVISION, "GET")
    on_disk = FileTokenStore(store.path).load()
    assert on_disk is not None
    assert on_disk.refresh_token != old.refresh_token
    assert on_disk.refreshed_at == clock.now()
    assert on_disk.access_expires_at == clock.now() + timedelta(seconds=600)
    # the old refresh token is dead at the sandbox
    clock.sleep(600)
    stale = FileTokenStore(store.path.with_name("stale.json"))
    stale.save(old)
    with (
        new_client(server, make_auth(server, state, stale, clock), clock) as client,
        pytest.raises(ExactTokenRevoked),
    ):
        client.get_all(ACCOUNTS, SELECT)


@pytest.mark.usefixtures("division")
def test_no_refresh_within_570_seconds_it_waits_then_refreshes_once(
    state: SandboxState,
    server: SandboxServer,
    store: FileTokenStore,
    clock: SharedClock,
) -> None:
    stored = store.load()
    assert stored is not None
    # We believe the access token expires after 60 s; Exact allows a new one only after 570 s.
    store.save(
        TokenSet(
            stored.access_token,
            stored.refreshed_at + timedelta(seconds=60),
            stored.refresh_token,
            stored.refreshed_at,
        )
    )
    clock.sleep(40)
    clock.sleeps.clear()
    with new_client(server, make_auth(server, state, store, clock), clock) as client:
        client.get_all(ACCOUNTS, SELECT)
    assert clock.sleeps == [530.0]
    assert token_calls(state) == 1
    assert state.refresh_count == 1


@pytest.mark.usefixtures("division")
def test_a_401_on_a_token_believed_valid_forces_one_refresh_after_570_seconds(
    state: SandboxState, server: SandboxServer, store: FileTokenStore, clock: SharedClock
) -> None:
    stored = store.load()
    assert stored is not None
    store.save(
        TokenSet(
            "unknown-to-exact",
            stored.access_expires_at,
            stored.refresh_token,
            stored.refreshed_at,
        )
    )
    with new_client(server, make_auth(server, state, store, clock), clock) as client:
        assert len(client.get_all(ACCOUNTS, SELECT)) == 1
        assert client.calls[DIVISION] == 2  # the 401 and the retry
    assert clock.sleeps == [570.0]
    assert state.refresh_count == 1


@pytest.mark.usefixtures("division")
def test_a_second_401_after_the_forced_refresh_is_an_auth_error(
    state: SandboxState, client: ExactClient, clock: SharedClock
) -> None:
    state.inject(path_contains="crm/Accounts", statuses=[401, 401])
    with pytest.raises(ExactAuthError) as caught:
        client.get_all(ACCOUNTS, SELECT)
    assert caught.value.status == 401
    assert state.refresh_count == 1
    assert client.calls[DIVISION] == 2


@pytest.mark.usefixtures("division")
def test_reusing_an_old_refresh_token_is_revoked_with_a_clear_message_and_no_secret(
    state: SandboxState,
    server: SandboxServer,
    store: FileTokenStore,
    client: ExactClient,
    clock: SharedClock,
) -> None:
    stored = store.load()
    assert stored is not None
    clock.sleep(600)
    spend_elsewhere(server, state, stored.refresh_token)
    with pytest.raises(ExactTokenRevoked) as caught:
        client.get_all(ACCOUNTS, SELECT)
    message = str(caught.value)
    assert "followup auth exact" in message
    assert "Old refresh token used" in message
    for secret in secrets_of(state, stored):
        assert secret not in message
        assert secret not in repr(caught.value)
    assert client.calls[DIVISION] == 0  # no API call with a token we don't have


@pytest.mark.usefixtures("division")
def test_the_too_early_refusal_waits_570_seconds_and_tries_once_more(
    state: SandboxState, server: SandboxServer, store: FileTokenStore, clock: SharedClock
) -> None:
    stored = store.load()
    assert stored is not None
    # The store claims an old token; Exact knows it issued one just now.
    long_ago = stored.refreshed_at - timedelta(seconds=1000)
    expired = long_ago + timedelta(seconds=600)
    store.save(TokenSet(stored.access_token, expired, stored.refresh_token, long_ago))
    with new_client(server, make_auth(server, state, store, clock), clock) as client:
        assert len(client.get_all(ACCOUNTS, SELECT)) == 1
    assert clock.sleeps == [570.0]
    assert token_calls(state) == 2
    assert state.refresh_count == 1


@pytest.mark.usefixtures("division")
def test_a_refused_client_secret_is_an_auth_error_without_the_secret(
    state: SandboxState, server: SandboxServer, store: FileTokenStore, clock: SharedClock
) -> None:
    clock.sleep(600)
    auth = make_auth(server, state, store, clock, secret="wrong-SECRET-value")
    with new_client(server, auth, clock) as client, pytest.raises(ExactAuthError) as caught:
        client.get_all(ACCOUNTS, SELECT)
    assert type(caught.value) is ExactAuthError
    assert "client id/secret" in str(caught.value)
    assert "wrong-SECRET-value" not in str(caught.value)
    assert "wrong-SECRET-value" not in repr(auth)


@pytest.mark.usefixtures("division")
def test_no_stored_tokens_tells_the_operator_to_sign_in(
    state: SandboxState, server: SandboxServer, tmp_path: Path, clock: SharedClock
) -> None:
    empty = FileTokenStore(tmp_path / "none.json")
    with (
        new_client(server, make_auth(server, state, empty, clock), clock) as client,
        pytest.raises(ExactAuthError, match="followup auth exact"),
    ):
        client.get_all(ACCOUNTS, SELECT)
    assert state.calls == []


@pytest.mark.usefixtures("division")
def test_a_refresh_answer_lost_to_a_timeout_is_uncertain_and_never_retried(
    state: SandboxState, server: SandboxServer, store: FileTokenStore, clock: SharedClock
) -> None:
    before = store.load()
    clock.sleep(600)
    state.latency_seconds = 1.0
    with httpx.Client(timeout=0.2) as token_http:
        auth = make_auth(server, state, store, clock, token_http=token_http)
        with new_client(server, auth, clock) as client, pytest.raises(ExactRefreshUncertain) as e:
            client.get_all(ACCOUNTS, SELECT)
    assert "not retried" in str(e.value)
    deadline = time.monotonic() + 5
    while state.refresh_count == 0 and time.monotonic() < deadline:  # the sandbox is still slow
        time.sleep(0.05)
    state.latency_seconds = 0.0
    assert token_calls(state) == 1
    assert state.refresh_count == 1  # Exact rotated; the answer never arrived
    assert store.load() == before  # nothing invented; the operator learns on the next run
    for secret in secrets_of(state, before):
        assert secret not in str(e.value)


@pytest.mark.usefixtures("division")
def test_a_refresh_answered_with_a_5xx_after_rotating_is_uncertain(
    state: SandboxState, client: ExactClient, clock: SharedClock
) -> None:
    clock.sleep(600)
    state.inject(path_contains="oauth2/token", statuses=[502], served=True)
    with pytest.raises(ExactRefreshUncertain):
        client.get_all(ACCOUNTS, SELECT)
    assert token_calls(state) == 1
    assert state.refresh_count == 1  # Exact did rotate: exactly why it must not be retried


@pytest.mark.usefixtures("division")
def test_a_connect_error_before_anything_was_sent_is_retried(
    state: SandboxState, server: SandboxServer, store: FileTokenStore, clock: SharedClock
) -> None:
    real = httpx.HTTPTransport()
    failures = iter([True])

    def flaky(request: httpx.Request) -> httpx.Response:
        if next(failures, False):
            raise httpx.ConnectError("refused", request=request)
        return real.handle_request(request)

    clock.sleep(600)
    with httpx.Client(transport=httpx.MockTransport(flaky)) as token_http:
        auth = make_auth(server, state, store, clock, token_http=token_http)
        with new_client(server, auth, clock) as client:
            assert len(client.get_all(ACCOUNTS, SELECT)) == 1
    assert state.refresh_count == 1


@pytest.mark.usefixtures("division")
def test_a_token_endpoint_that_stays_unreachable_leaves_the_refresh_token_intact(
    state: SandboxState, server: SandboxServer, store: FileTokenStore, clock: SharedClock
) -> None:
    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    before = store.load()
    clock.sleep(600)
    with httpx.Client(transport=httpx.MockTransport(down)) as token_http:
        auth = make_auth(server, state, store, clock, token_http=token_http)
        with (
            new_client(server, auth, clock) as client,
            pytest.raises(ExactTransportError, match="still good"),
        ):
            client.get_all(ACCOUNTS, SELECT)
    assert store.load() == before


@pytest.mark.usefixtures("division")
def test_tokens_another_process_refreshed_are_reread_inside_the_lock(
    state: SandboxState,
    server: SandboxServer,
    store: FileTokenStore,
    clock: SharedClock,
) -> None:
    first = make_auth(server, state, FileTokenStore(store.path), clock)
    second = make_auth(server, state, FileTokenStore(store.path), clock)
    with new_client(server, first, clock) as one, new_client(server, second, clock) as two:
        two.get_all(ACCOUNTS, SELECT)  # the second process caches the first access token
        clock.sleep(600)
        one.get_all(ACCOUNTS, SELECT)  # the first refreshes and stores the new pair
        two.get_all(ACCOUNTS, SELECT)  # the second re-reads it instead of refreshing again
    assert state.refresh_count == 1
    assert token_calls(state) == 1


@pytest.mark.usefixtures("division")
def test_processes_refreshing_at_the_same_moment_refresh_only_once(
    state: SandboxState, server: SandboxServer, store: FileTokenStore, clock: SharedClock
) -> None:
    clock.sleep(600)
    auths = [make_auth(server, state, FileTokenStore(store.path), clock) for _ in range(4)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        tokens = list(pool.map(lambda auth: auth.access_token(), auths))
    assert state.refresh_count == 1
    assert len(set(tokens)) == 1
    for auth in auths:
        auth.close()


def test_exchanging_an_authorization_code_stores_the_tokens(
    state: SandboxState, server: SandboxServer, tmp_path: Path, clock: SharedClock
) -> None:
    fresh = FileTokenStore(tmp_path / "new.json")
    auth = make_auth(server, state, fresh, clock)
    tokens = auth.exchange_code(state.issue_code(), "http://localhost:8765/callback")
    assert fresh.load() == tokens
    assert tokens.access_expires_at == clock.now() + timedelta(seconds=600)


def test_the_auth_repr_holds_no_secret(
    auth: ExactAuth, state: SandboxState, issue: Callable[[], TokenSet]
) -> None:
    assert state.client_secret not in repr(auth)
    tokens = issue()
    assert tokens.refresh_token not in repr(tokens)
    assert tokens.access_token not in repr(tokens)
