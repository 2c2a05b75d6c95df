"""Fixtures for the Google Cloud adapters: the Firestore emulator (npm), a fresh collection
prefix per test, and one fake time shared with the Exact sandbox."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.cloud import firestore

from fakes import FakeClock
from followup.clock import AMSTERDAM
from gcp.net import free_port

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "followup-test"

# The package's own start() binds every interface; bind its gRPC server to loopback instead.
# The emulator exits when our end of its stdin closes, so it never outlives the test session.
EMULATOR = """
const { FirestoreServer } = require('@firestore-emulator/server');
const { ServerCredentials } = require('@grpc/grpc-js');
const emulator = new FirestoreServer();
emulator.server.bindAsync('127.0.0.1:' + process.argv[1], ServerCredentials.createInsecure(),
  (err) => { if (err) { console.error(String(err)); process.exit(1); } console.log('ready'); });
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
"""


def _wait_for_port(port: int, process: subprocess.Popen[bytes], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the Firestore emulator exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the Firestore emulator did not open port {port} in {seconds} s")


@pytest.fixture(scope="session")
def firestore_emulator() -> Iterator[str]:
    """host:port of a Firestore emulator for this session; FIRESTORE_EMULATOR_HOST points at it."""
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "@firestore-emulator" / "server").is_dir():
        pytest.fail("the Firestore emulator is not installed: run `make install-dev` (npm ci)")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603
        [node, "-e", EMULATOR, str(port)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
    )
    saved = {k: os.environ.get(k) for k in ("FIRESTORE_EMULATOR_HOST", "GOOGLE_CLOUD_PROJECT")}
    try:
        _wait_for_port(port, process, 20)
        host = f"127.0.0.1:{port}"
        os.environ["FIRESTORE_EMULATOR_HOST"] = host
        os.environ["GOOGLE_CLOUD_PROJECT"] = PROJECT
        yield host
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if process.stdin:
            process.stdin.close()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


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
