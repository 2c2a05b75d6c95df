"""Exact calls, wall time and peak memory of reading one large division.

One division with 5,000 open receivables, 200 invoices paid yesterday (each a bank receipt matched
with it) and 1,500 accounts with 2,000 contacts, served by the sandbox in a child process over
HTTP with 150 ms of latency per call and 60 calls per minute. `ExactOnlineSource.read` runs twice
with the real ExactClient, ExactAuth, FileTokenStore and clock: a first run (no watermark: the
payment sync from its start, look-back yesterday) and a second run from the first run's
watermark. Every account is involved, with its main contact: the small shape of
bench/accounts_calls.py.

    .venv/bin/python bench/exact_calls.py [--latency 0.15] [--minutely-limit 60]
"""

from __future__ import annotations

import argparse
import random
import resource
import tracemalloc
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from bounds import (
    Census,
    Measured,
    WaitingClock,
    census,
    lower_bound,
    measure,
    over,
    per_part,
    split,
)
from followup.clock import SystemClock, business_date
from followup.exact.client import ExactClient
from followup.exact.queries import HISTORY_PAGES, ExactOnlineSource
from followup.sandbox.demo_invoices import at
from followup.sandbox.state import SandboxState
from sandbox_process import Limits, SandboxProcess, table

DIVISION = 100001
OPEN_RECEIVABLES = 5000
PAID_YESTERDAY = 200
ACCOUNTS = 1500


def build(state: SandboxState) -> dict[str, Any]:
    """The large division: invoices first (older rows), then yesterday's receipts."""
    rng = random.Random(5000)
    today = business_date(SystemClock().now())
    div = state.add_division(DIVISION, "Groothandel Benchmark B.V.")
    accounts = []
    for n in range(ACCOUNTS):
        account = div.add_account(str(10000 + n), f"Klant {n}", f"klant{n}@example.nl", "NL")
        div.add_contact(account, "Voornaam", f"Klant {n}", f"contact{n}@example.nl", "NL", True)
        if n % 3 == 0:
            div.add_contact(account, "Factuur", f"Klant {n}", f"factuur{n}@example.nl", "NL")
        accounts.append(account)

    def invoice(number: int, oldest: int, newest: int) -> tuple[str, str, Decimal]:
        account = accounts[number % ACCOUNTS]
        issued = today - timedelta(days=rng.randint(newest, oldest))
        amount = Decimal(rng.randint(5_000, 250_000)).scaleb(-2)
        entry = div.add_invoice(
            account, number, issued, issued + timedelta(days=30), amount, booked_at=at(issued, 9)
        )
        return account, entry, amount

    for number in range(1, OPEN_RECEIVABLES + 1):
        invoice(number, 90, 2)
    paid = [invoice(OPEN_RECEIVABLES + n, 40, 10) for n in range(1, PAID_YESTERDAY + 1)]
    yesterday = today - timedelta(days=1)
    for n, (account, entry, amount) in enumerate(paid):
        booked = at(yesterday, 9) + timedelta(minutes=2 * n)
        div.receive(account, amount, yesterday, booked, match=[(entry, amount)])
    return census(div) | {"today": today, "lines": len(div.lines), "contacts": len(div.contacts)}


def _read_twice(
    sandbox: SandboxProcess, source: ExactOnlineSource, clock: WaitingClock, yesterday: date
) -> list[tuple[Measured, int | None]]:
    """A first run, then a run from its watermark: each with the watermark it started from."""
    read = partial(source.read, DIVISION, None, yesterday)
    first = measure("first run", sandbox, DIVISION, read, clock)
    since = first.data.next_watermark
    read = partial(source.read, DIVISION, since, yesterday)
    return [(first, None), (measure("from the watermark", sandbox, DIVISION, read, clock), since)]


def _peaks(source: ExactOnlineSource, yesterday: date, watermark: int) -> list[int]:
    """The same two reads again, traced: the peak of Python memory each took, in bytes.
    (A separate pass: tracing slows Python down and would distort the wall times.)"""
    peaks = []
    tracemalloc.start()
    for since in (None, watermark):
        tracemalloc.reset_peak()
        source.read(DIVISION, since, yesterday)
        peaks.append(tracemalloc.get_traced_memory()[1])
    tracemalloc.stop()
    return peaks


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.15, help="seconds per call")
    parser.add_argument("--minutely-limit", type=int, default=60, help="calls per minute")
    args = parser.parse_args()
    limits = Limits(latency_seconds=args.latency, minutely_limit=args.minutely_limit)
    print(f"Building the division ({OPEN_RECEIVABLES} open, {PAID_YESTERDAY} paid, "
          f"{ACCOUNTS} accounts) in a sandbox process …", flush=True)  # fmt: skip
    with SandboxProcess(build, limits) as sandbox:
        yesterday: date = sandbox.info["today"] - timedelta(days=1)
        auth = sandbox.auth()
        clock = WaitingClock()
        with ExactClient(sandbox.base_url, auth, clock) as client:
            source = ExactOnlineSource(client)
            runs = _read_twice(sandbox, source, clock, yesterday)
            peaks = _peaks(source, yesterday, runs[0][0].data.next_watermark)
        auth.close()
        served = [s for s in sandbox.served() if s[0] == DIVISION]
    totals: Census = sandbox.info["census"]
    rows: list[tuple[str, ...]] = [(
        "run", "calls", "lower bound", "over", "wall s", "waited s", "peak MiB", "payments",
        "open", "accounts", "contacts",
    )]  # fmt: skip
    details = []
    for (run, since), peak in zip(runs, peaks, strict=True):
        data, bound = run.data, lower_bound(run.data, totals, since, HISTORY_PAGES)
        rows.append((
            run.name, str(data.exact_calls), str(bound.total), over(data.exact_calls, bound.total),
            f"{run.wall:.2f}", f"{run.waited:.1f}", f"{peak / 2**20:.1f}", str(len(data.payments)),
            str(len(data.open_items)), str(len(data.accounts)), str(len(data.contacts)),
        ))  # fmt: skip
        details.append(f"{run.name}:\n{table(per_part(split(run.calls)[0], bound))}")
    print(table(rows))
    print("\n" + "\n\n".join(details))
    statuses = sorted({status for _, _, status in served})
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nsandbox: {len(served)} calls answered (statuses {statuses}), "
          f"{sandbox.info['lines']} receivable lines, {sandbox.info['contacts']} contacts; "
          f"latency {args.latency} s, {args.minutely_limit}/min")  # fmt: skip
    print(f"reader process peak RSS: {rss:.0f} MiB (interpreter and libraries included)")


if __name__ == "__main__":
    main()
