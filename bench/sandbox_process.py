"""The Exact Online sandbox in a child process, so that the reader's time and memory are measured
alone; plus what both benchmarks share: real auth over a file token store, a table printer."""

from __future__ import annotations

import multiprocessing
import tempfile
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from types import TracebackType
from typing import Any

from followup.adapters.file_tokens import FileTokenStore
from followup.clock import SystemClock
from followup.exact.auth import ExactAuth
from followup.model import TokenSet
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import Call, SandboxState, Served

Build = Callable[[SandboxState], dict[str, Any]]  # fills the sandbox, says what it holds


@dataclass(frozen=True)
class Limits:
    """How the sandbox answers: latency per call and the limits per division."""

    latency_seconds: float = 0.15
    minutely_limit: int = 60
    daily_limit: int = 5000


def _serve(conn: Connection, build: Build, limits: Limits) -> None:
    """The child: fill a sandbox, serve it, answer the parent's questions until told to stop."""
    state = SandboxState()
    info = build(state)
    state.latency_seconds = limits.latency_seconds
    state.minutely_limit, state.daily_limit = limits.minutely_limit, limits.daily_limit
    tokens = state.issue_tokens()
    with SandboxServer(state) as server:
        conn.send((server.base_url, tokens, info))
        while True:
            question = conn.recv()
            if question == "served":
                with state.lock:
                    conn.send(list(state.served))
            elif question == "calls":
                with state.lock:
                    conn.send(list(state.calls))
            else:
                break


class SandboxProcess:
    """A sandbox served by a child process; `auth()` signs in as `followup auth exact` would."""

    def __init__(self, build: Build, limits: Limits) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, build, limits), daemon=True)
        self._process.start()
        self.base_url, self._tokens, self.info = self._conn.recv()
        self._dir = tempfile.TemporaryDirectory(prefix="followup-bench-")

    def auth(self) -> ExactAuth:
        """Real ExactAuth on a FileTokenStore holding a fresh consent's tokens."""
        now = SystemClock().now()
        store = FileTokenStore(Path(self._dir.name) / "exact-tokens.json")
        store.save(
            TokenSet(
                access_token=self._tokens["access_token"],
                access_expires_at=now + timedelta(seconds=int(self._tokens["expires_in"])),
                refresh_token=self._tokens["refresh_token"],
                refreshed_at=now,
            )
        )
        client_id, client_secret = SandboxState.client_id, SandboxState.client_secret
        return ExactAuth(self.base_url, client_id, client_secret, store, SystemClock())

    def served(self) -> list[Served]:
        """Every call the sandbox answered: (division, when, status)."""
        self._conn.send("served")
        answer: list[Served] = self._conn.recv()
        return answer

    def calls(self) -> list[Call]:
        """Every request the sandbox answered: (division, method, decoded path with query)."""
        self._conn.send("calls")
        answer: list[Call] = self._conn.recv()
        return answer

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._conn.send("stop")
        self._process.join(timeout=10)
        self._dir.cleanup()


def busiest_minutes(served: list[Served]) -> dict[int, int]:
    """Per division: the most calls it was answered (429s included) in one fixed minute."""
    per_minute: Counter[tuple[int, int]] = Counter()
    for division, moment, _ in served:
        if division is not None:
            per_minute[(division, int(moment.timestamp() // 60))] += 1
    busiest: dict[int, int] = defaultdict(int)
    for (division, _), count in per_minute.items():
        busiest[division] = max(busiest[division], count)
    return dict(busiest)


def pages(rows: int, size: int = 1000) -> int:
    """Pages needed for `rows` records: at least one call even for none."""
    return max(1, -(-rows // size))


def table(rows: Sequence[Sequence[str]]) -> str:
    """A plain table: the first row is the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
             for row in rows]  # fmt: skip
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)
