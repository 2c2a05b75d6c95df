"""Fixtures for the Google Cloud adapters: a Firestore emulator (Google's where it is installed,
see firestore_emulators.py), a fresh collection prefix per test, and one fake time shared with
the Exact sandbox. Tests marked `real_firestore` are skipped on the npm emulator, and the test
summary says which emulator ran."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from google.cloud import firestore

from fakes import FakeClock
from followup.clock import AMSTERDAM
from gcp.firestore_emulators import REAL_ONLY, chosen, running
from gcp.net import free_port

PROJECT = "followup-test"
_RAN = pytest.StashKey[str]()


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip what needs Firestore's own semantics when only the npm emulator is there."""
    if item.get_closest_marker("real_firestore") is not None and not chosen().real:
        pytest.skip(REAL_ONLY)


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Say which Firestore emulator the tests ran on."""
    ran = config.stash.get(_RAN, None)
    if ran is not None:
        terminalreporter.write_sep("-", "Firestore emulator")
        terminalreporter.write_line(ran)


@pytest.fixture(scope="session")
def firestore_emulator(request: pytest.FixtureRequest) -> Iterator[str]:
    """host:port of a Firestore emulator for this session; FIRESTORE_EMULATOR_HOST points at it."""
    try:
        emulator = chosen()
    except RuntimeError as exc:
        pytest.fail(str(exc))
    saved = {k: os.environ.get(k) for k in ("FIRESTORE_EMULATOR_HOST", "GOOGLE_CLOUD_PROJECT")}
    with running(emulator, free_port()) as host:
        request.config.stash[_RAN] = f"the Firestore tests ran on {emulator.what} at {host}" + (
            "" if emulator.real else "; tests marked real_firestore were skipped"
        )
        try:
            os.environ["FIRESTORE_EMULATOR_HOST"] = host
            os.environ["GOOGLE_CLOUD_PROJECT"] = PROJECT
            _warm_up()
            yield host
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


def _warm_up() -> None:
    """One write and one read: Google's emulator takes a few seconds over its first call, which
    would otherwise count against the first test's timeouts."""
    client = firestore.Client(project=PROJECT)
    try:
        client.collection("warm_up").document("w").set({"at": 1}, timeout=60)
        client.collection("warm_up").document("w").get(timeout=60)
    finally:
        client.close()


@pytest.fixture
def db(firestore_emulator: str) -> Iterator[firestore.Client]:
    """A Firestore client on the emulator (anonymous credentials, as the library does there)."""
    client = firestore.Client(project=PROJECT)
    yield client
    client.close()


@pytest.fixture
def prefix() -> str:
    """A collection prefix no other test uses."""
    return f"t{uuid.uuid4().hex[:10]}_"


@pytest.fixture
def fclock() -> FakeClock:
    """Fake time, starting now (leases written by other processes use real time)."""
    from datetime import datetime

    return FakeClock(datetime.now(AMSTERDAM).replace(microsecond=0))
