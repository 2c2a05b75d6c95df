"""Many small divisions read in parallel: the per-division limits hold, and wall time follows the
slowest division rather than the sum of them all.

100 small divisions (30 customers, 40 open receivables, 5 invoices paid yesterday each) are served
by the sandbox in a child process (150 ms latency per call, 60 calls per division per minute).
Worker threads each hold their own ExactClient; all share one ExactAuth and FileTokenStore, as
the production fan-out shares one token. Each division is a first run (`ExactOnlineSource.read`).

    .venv/bin/python bench/divisions.py [--workers 16] [--divisions 100] [--latency 0.15]
                                        [--minutely-limit 60]
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from followup.clock import SystemClock, business_date
from followup.errors import FollowupError
from followup.exact.auth import ExactAuth
from followup.exact.client import ExactClient
from followup.exact.queries import ExactOnlineSource
from followup.sandbox.demo_invoices import at
from followup.sandbox.state import SandboxState
from sandbox_process import Limits, SandboxProcess, busiest_minutes, table

FIRST_DIVISION = 200001
CUSTOMERS, OPEN, PAID = 30, 40, 5


def build(state: SandboxState, divisions: int) -> dict[str, Any]:
    """`divisions` small administrations, the same shape each."""
    today = business_date(SystemClock().now())
    yesterday = today - timedelta(days=1)
    for code in range(FIRST_DIVISION, FIRST_DIVISION + divisions):
        rng = random.Random(code)
        div = state.add_division(code, f"Klant {code} B.V.")
        accounts = []
        for n in range(CUSTOMERS):
            account = div.add_account(str(1000 + n), f"Klant {n}", f"k{n}@example.nl", "NL")
            div.add_contact(account, "Voornaam", f"Klant {n}", f"c{n}@example.nl", "NL", True)
            accounts.append(account)
        entries = []
        for number in range(1, OPEN + PAID + 1):
            issued = today - timedelta(days=rng.randint(2, 60))
            amount = Decimal(rng.randint(5_000, 90_000)).scaleb(-2)
            account = accounts[number % CUSTOMERS]
            entry = div.add_invoice(
                account,
                number,
                issued,
                issued + timedelta(days=30),
                amount,
                booked_at=at(issued, 9),
            )
            entries.append((account, entry, amount))
        for account, entry, amount in entries[OPEN:]:
            div.receive(account, amount, yesterday, at(yesterday, 10), match=[(entry, amount)])
    return {"today": today}


@dataclass(frozen=True)
class Build:
    """A picklable builder for the sandbox process."""

    divisions: int

    def __call__(self, state: SandboxState) -> dict[str, Any]:
        return build(state, self.divisions)


@dataclass(frozen=True)
class Result:
    """One division's read."""

    division: int
    seconds: float
    calls: int
    error: str = ""


class Workers:
    """Reads divisions on worker threads: one ExactClient per thread, one shared auth."""

    def __init__(self, base_url: str, auth: ExactAuth, first_day: date) -> None:
        self._base_url, self._auth, self._first_day = base_url, auth, first_day
        self._local = threading.local()
        self._clients: list[ExactClient] = []
        self._lock = threading.Lock()

    def _client(self) -> ExactClient:
        client: ExactClient | None = getattr(self._local, "client", None)
        if client is None:
            client = ExactClient(self._base_url, self._auth, SystemClock())
            self._local.client = client
            with self._lock:
                self._clients.append(client)
        return client

    def read(self, division: int) -> Result:
        """One division's first run, timed; a failure is reported, not raised."""
        client = self._client()
        before = client.calls[division]
        start = time.perf_counter()
        try:
            ExactOnlineSource(client).read(division, None, self._first_day)
        except FollowupError as exc:
            seconds = time.perf_counter() - start
            return Result(division, seconds, client.calls[division] - before, str(exc))
        return Result(division, time.perf_counter() - start, client.calls[division] - before)

    def close(self) -> None:
        """Close every thread's client."""
        for client in self._clients:
            client.close()


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=16, help="parallel worker threads")
    parser.add_argument("--divisions", type=int, default=100, help="how many divisions")
    parser.add_argument("--latency", type=float, default=0.15, help="seconds per call")
    parser.add_argument("--minutely-limit", type=int, default=60, help="calls per division/min")
    args = parser.parse_args()
    limits = Limits(latency_seconds=args.latency, minutely_limit=args.minutely_limit)
    codes = list(range(FIRST_DIVISION, FIRST_DIVISION + args.divisions))
    with SandboxProcess(Build(args.divisions), limits) as sandbox:
        auth = sandbox.auth()
        workers = Workers(sandbox.base_url, auth, sandbox.info["today"] - timedelta(days=1))
        start = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.workers) as pool:
            results = list(pool.map(workers.read, codes))
        wall = time.perf_counter() - start
        workers.close()
        auth.close()
        served = sandbox.served()
    report(args, results, served, wall)


def report(
    args: argparse.Namespace,
    results: list[Result],
    served: list[tuple[int | None, Any, int]],
    wall: float,
) -> None:
    """Print the table: limits held, and time."""
    failed = [r for r in results if r.error]
    busiest = busiest_minutes(served)
    refused = sum(1 for _, _, status in served if status == 429)
    total = sum(r.seconds for r in results)
    slowest = max(r.seconds for r in results)
    rounds = -(-len(results) // args.workers)  # divisions one worker reads one after another
    rows = [
        ("measure", "value"),
        ("divisions read / failed", f"{len(results) - len(failed)} / {len(failed)}"),
        ("workers", str(args.workers)),
        ("Exact calls (client count)", str(sum(r.calls for r in results))),
        ("calls answered by the sandbox", str(sum(1 for s in served if s[0] is not None))),
        ("calls per division (min-max)",
         f"{min(r.calls for r in results)}-{max(r.calls for r in results)}"),
        ("most calls of one division in one minute",
         f"{max(busiest.values(), default=0)} (limit {args.minutely_limit})"),
        ("429s answered by the sandbox (all waited out)", str(refused)),
        ("sum of per-division times", f"{total:.1f} s"),
        ("slowest division", f"{slowest:.2f} s"),
        ("wall time", f"{wall:.1f} s"),
        ("wall / (sum / workers)", f"{wall / (total / min(args.workers, len(results))):.2f}"),
        ("wall / (slowest x rounds)", f"{wall / (slowest * rounds):.2f}"),
    ]  # fmt: skip
    print(table(rows))
    for result in failed[:5]:
        print(f"division {result.division} failed: {result.error}")


if __name__ == "__main__":
    main()
