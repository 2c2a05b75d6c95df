"""Which Firestore emulator the tests run on, and running it.

In order: the one FIRESTORE_EMULATOR_HOST points at; Google's own, from the Cloud SDK, when its
launcher and `java` are there; the npm `@firestore-emulator/server` otherwise. Only Google's
honours `update_time` preconditions, applies batches all or nothing and enforces the query
limits, so tests that need that (marked `real_firestore`) are skipped on the npm one.
`FOLLOWUP_FIRESTORE_EMULATOR=google|npm` insists on one (a missing one then fails the tests).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO

ROOT = Path(__file__).resolve().parents[2]
NPM_PACKAGE = ROOT / "node_modules" / "@firestore-emulator" / "server"
LAUNCHER = Path("platform", "cloud-firestore-emulator", "cloud_firestore_emulator")
CHOOSE = "FOLLOWUP_FIRESTORE_EMULATOR"

# The package's own start() binds every interface; bind its gRPC server to loopback instead.
# The emulator exits when our end of its stdin closes, so it never outlives the test session.
NPM_SERVER = """
const { FirestoreServer } = require('@firestore-emulator/server');
const { ServerCredentials } = require('@grpc/grpc-js');
const emulator = new FirestoreServer();
emulator.server.bindAsync('127.0.0.1:' + process.argv[1], ServerCredentials.createInsecure(),
  (err) => { if (err) { console.error(String(err)); process.exit(1); } console.log('ready'); });
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
"""

REAL_ONLY = (
    "needs Google's Firestore emulator (update_time preconditions, atomic batches, limits); "
    "the npm @firestore-emulator/server ran: it ignores them. Install the Cloud SDK's "
    "cloud-firestore-emulator (and java) to run it"
)


@dataclass(frozen=True)
class Emulator:
    """One choice of emulator: what it is, and how to start it (nothing: it runs already)."""

    kind: str  # "external", "google" or "npm"
    what: str  # said in the test summary
    command: tuple[str, ...] = ()

    @property
    def real(self) -> bool:
        """Whether it keeps Firestore's semantics (Google's, or one the developer chose)."""
        return self.kind != "npm"


@cache
def chosen() -> Emulator:
    """The emulator for this session (see the module docstring); decided once."""
    external = os.environ.get("FIRESTORE_EMULATOR_HOST")
    wanted = os.environ.get(CHOOSE, "")
    if external and not wanted:
        return Emulator("external", f"the one FIRESTORE_EMULATOR_HOST={external} points at")
    google = google_launcher() if wanted in ("", "google") else None
    if google is not None:
        return Emulator(
            "google",
            f"Google's Cloud SDK emulator ({google})",
            (str(google), "start", "--host=127.0.0.1"),
        )
    node = shutil.which("node")
    if wanted != "google" and node is not None and NPM_PACKAGE.is_dir():
        return Emulator("npm", "the npm @firestore-emulator/server", (node, "-e", NPM_SERVER))
    raise RuntimeError(
        f"no Firestore emulator ({CHOOSE}={wanted or 'any'}): install the Cloud SDK's "
        "cloud-firestore-emulator and java, or run `make install-dev` (npm ci)"
    )


def google_launcher() -> Path | None:
    """The Cloud SDK's Firestore emulator launcher, when it and `java` are installed."""
    gcloud = shutil.which("gcloud")
    if gcloud is None or shutil.which(os.environ.get("JAVA", "java")) is None:
        return None
    try:
        root = subprocess.run(  # noqa: S603 - the installed gcloud, a fixed argument list
            [gcloud, "info", "--format=value(installation.sdk_root)"],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    launcher = Path(root) / LAUNCHER
    return launcher if root and os.access(launcher, os.X_OK) else None


@contextmanager
def running(emulator: Emulator, port: int) -> Iterator[str]:
    """Start the emulator on 127.0.0.1:port in a process group of its own; stop that group."""
    if emulator.kind == "external":
        yield os.environ["FIRESTORE_EMULATOR_HOST"]
        return
    argv = [*emulator.command, f"--port={port}"] if emulator.kind == "google" else []
    argv = argv or [*emulator.command, str(port)]
    with tempfile.TemporaryFile() as output:
        process = subprocess.Popen(  # noqa: S603 - an emulator found above, fixed arguments
            argv,
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the launcher is a shell script around java: stop both
        )
        try:
            _wait_for_port(port, process, 60, output)
            yield f"127.0.0.1:{port}"
        finally:
            _stop(process)


def _wait_for_port(
    port: int, process: subprocess.Popen[bytes], seconds: float, output: IO[bytes]
) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output.seek(0)
            said = output.read().decode(errors="replace")[-2000:]
            raise RuntimeError(f"the Firestore emulator exited with {process.returncode}: {said}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"the Firestore emulator did not open port {port} in {seconds} s")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the emulator's process group: politely, then for good; reap what is ours."""
    if process.stdin:
        process.stdin.close()  # the npm one exits on this
    for sig, seconds in ((signal.SIGTERM, 10.0), (signal.SIGKILL, 5.0)):
        if not _group_alive(process):
            break
        os.killpg(process.pid, sig)
        deadline = time.monotonic() + seconds
        while _group_alive(process) and time.monotonic() < deadline:
            time.sleep(0.05)
    process.wait(5)


def _group_alive(process: subprocess.Popen[bytes]) -> bool:
    process.poll()  # reap the launcher, so a zombie doesn't count
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return False
    return True
