"""SecretManagerTokenStore against a local Secret Manager REST server and the Firestore emulator,
driven by the real clients; then 8 concurrent runs against the Exact sandbox."""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
from google.auth.credentials import AnonymousCredentials
from google.cloud import firestore, secretmanager

from fakes import FakeClock
from followup.adapters.secret_manager_tokens import SecretManagerTokenStore, TokenStoreUnavailable
from followup.clock import AMSTERDAM
from followup.errors import TokenStoreError
from followup.exact.auth import ExactAuth
from followup.exact.client import ExactClient
from followup.exact.queries import ExactOnlineSource
from followup.model import TokenSet
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxClock, SandboxState
from gcp.clocks import SharedTime
from gcp.secret_manager_server import ENABLED, SecretManagerServer

SECRET = "projects/followup-test/secrets/exact-tokens"
ISSUED = datetime(2026, 3, 2, 9, 0, tzinfo=AMSTERDAM)


def tokens(n: int) -> TokenSet:
    return TokenSet(
        access_token=f"access-SECRET-{n}",
        access_expires_at=ISSUED + timedelta(seconds=600 * n),
        refresh_token=f"refresh-SECRET-{n}",
        refreshed_at=ISSUED + timedelta(seconds=600 * (n - 1)),
    )


@pytest.fixture
def secrets() -> Iterator[SecretManagerServer]:
    with SecretManagerServer() as server:
        server.state.create_secret(SECRET)
        yield server


def sm_client(server: SecretManagerServer) -> secretmanager.SecretManagerServiceClient:
    return secretmanager.SecretManagerServiceClient(
        transport="rest",
        client_options={"api_endpoint": server.endpoint},
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
    )


def store_on(
    server: SecretManagerServer,
    db: firestore.Client,
    prefix: str,
    clock: object,
    secret: str = SECRET,
    **kw: float,
) -> SecretManagerTokenStore:
    return SecretManagerTokenStore(
        sm_client(server),
        secret,
        db.collection(f"{prefix}leases"),
        clock,  # type: ignore[arg-type]
        timeout_seconds=2,
        **kw,
    )


def test_an_empty_secret_loads_as_none(
    secrets: SecretManagerServer, db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    assert store_on(secrets, db, prefix, fclock).load() is None


def test_a_missing_secret_is_named_as_such(
    secrets: SecretManagerServer, db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    store = store_on(secrets, db, prefix, fclock, "projects/followup-test/secrets/nope")
    with pytest.raises(TokenStoreError, match="secrets/nope does not exist"):
        store.load()


def test_saved_tokens_load_back_and_at_most_two_versions_stay_enabled(
    secrets: SecretManagerServer, db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    store = store_on(secrets, db, prefix, fclock)
    for n in range(1, 5):
        store.save(tokens(n))
        assert store.load() == tokens(n)
    versions = secrets.state.secrets[SECRET]
    assert [(v.number, v.state == ENABLED) for v in versions] == [
        (1, False),
        (2, False),
        (3, True),
        (4, True),
    ]
    assert ("POST", f"/v1/{SECRET}:addVersion") in secrets.state.calls
    assert ("GET", f"/v1/{SECRET}/versions/latest:access") in secrets.state.calls
    assert ("POST", f"/v1/{SECRET}/versions/1:destroy") in secrets.state.calls


def test_the_payload_holds_both_tokens_and_their_times(
    secrets: SecretManagerServer, db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    store_on(secrets, db, prefix, fclock).save(tokens(1))
    payload = secrets.state.secrets[SECRET][-1].data.decode()
    for part in ("access-SECRET-1", "refresh-SECRET-1", "2026-03-02T09:10:00+01:00"):
        assert part in payload


def test_an_unreadable_payload_is_refused_without_showing_it(
    secrets: SecretManagerServer, db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    from gcp.secret_manager_server import Version

    secrets.state.secrets[SECRET].append(Version(1, b'{"refresh_token": "r-SECRET", oops'))
    store = store_on(secrets, db, prefix, fclock)
    with pytest.raises(TokenStoreError, match="not the JSON followup writes") as caught:
        store.load()
    assert "SECRET" not in str(caught.value)
    assert "SECRET" not in repr(store)


def test_secret_manager_down_is_a_retryable_error_without_secrets(
    secrets: SecretManagerServer, db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    store = store_on(secrets, db, prefix, fclock)
    secrets.state.unavailable = True
    with pytest.raises(TokenStoreUnavailable, match="Secret Manager failed") as caught:
        store.save(tokens(1))
    assert caught.value.retryable
    assert "SECRET" not in str(caught.value)


def test_the_lock_keeps_a_second_process_waiting_and_a_crashed_holders_lease_expires(
    secrets: SecretManagerServer, db: firestore.Client, prefix: str, fclock: FakeClock
) -> None:
    holder = store_on(secrets, db, prefix, fclock, lease_seconds=60)
    waiter = store_on(secrets, db, prefix, fclock, lease_seconds=60)
    crashed = holder.lock()
    crashed.__enter__()  # and never leaves: the process died holding the lease
    started = fclock.now()
    with waiter.lock():
        waited = (fclock.now() - started).total_seconds()
    assert 60 <= waited <= 62  # polled until the lease expired, then took it over


# --- 8 concurrent runs against the Exact sandbox ------------------------------------------


def test_eight_concurrent_runs_refresh_once_keep_the_chain_and_all_succeed(
    secrets: SecretManagerServer, db: firestore.Client, prefix: str
) -> None:
    clock = SharedTime(SandboxClock(ISSUED))
    state = SandboxState(clock=clock.sandbox)
    state.add_division(123456, "Bakkerij").add_account(code="1001", name="De Zwaan", email="z@x.nl")
    issued = state.issue_tokens()
    seed = store_on(secrets, db, prefix, clock)
    seed.save(
        TokenSet(
            issued["access_token"],
            clock.now() + timedelta(seconds=600),
            issued["refresh_token"],
            clock.now(),
        )
    )
    clock.sleep(600)  # the stored access token has expired: the next run must refresh

    def one_run(n: int) -> list[int]:
        store = store_on(secrets, db, prefix, clock)  # each run: its own clients, as a process
        auth = ExactAuth(server.base_url, state.client_id, state.client_secret, store, clock)
        with ExactClient(server.base_url, auth, clock, rng=random.Random(n)) as client:
            try:
                return ExactOnlineSource(client).divisions()
            finally:
                auth.close()

    with SandboxServer(state) as server, ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(one_run, range(8)))
        assert results == [[123456]] * 8
        assert state.refresh_count == 1
        latest = seed.load()
        assert latest is not None
        clock.sleep(600)  # the chain is intact: the stored refresh token still works
        auth = ExactAuth(server.base_url, state.client_id, state.client_secret, seed, clock)
        assert auth.access_token() != latest.access_token
        auth.close()
    assert state.refresh_count == 2
    assert len(secrets.state.enabled(SECRET)) <= 2
