"""Accounts and contacts of a large administration: Exact calls per endpoint next to the lower
bound, when only a few customers are involved.

One division with 20,000 accounts (each with a main contact), of which 500 have 1-3 open
invoices each; 10 of those 500 paid an invoice yesterday (a bank receipt matched with it). The
500 are either spread over the accounts at random (`spread`) or the 500 made last (`newest`:
the end of the `sync/CRM/*` listing, which is in row-version order). One read of each: a daily
run, from the watermark left before yesterday's bookings. Served by the sandbox in a child
process over HTTP.

    .venv/bin/python bench/accounts_calls.py [--involved spread newest] [--latency 0]
"""

from __future__ import annotations

import argparse
import random
import time
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

from bounds import (
    Census,
    Measured,
    WaitingClock,
    census,
    ids_per_filter,
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

DIVISION = 100003
ACCOUNTS, INVOLVED, PAID_YESTERDAY = 20_000, 500, 10
SLACK = 2  # calls over the lower bound a read may make (issue 10)


def build(state: SandboxState, involved: str) -> dict[str, Any]:
    """The division; its info says the watermark a daily run would start from."""
    rng = random.Random(ACCOUNTS)
    today = business_date(SystemClock().now())
    yesterday = today - timedelta(days=1)
    div = state.add_division(DIVISION, "Groothandel Breed B.V.")
    accounts = []
    for n in range(ACCOUNTS):
        account = div.add_account(str(10000 + n), f"Klant {n}", f"klant{n}@example.nl", "NL")
        div.add_contact(account, "Voornaam", f"Klant {n}", f"contact{n}@example.nl", "NL", True)
        accounts.append(account)
    chosen = accounts[-INVOLVED:] if involved == "newest" else rng.sample(accounts, INVOLVED)
    number, paid = 0, []
    for index, account in enumerate(chosen):
        for _ in range(rng.randint(1, 3)):
            number += 1
            issued = today - timedelta(days=rng.randint(2, 90))
            amount = Decimal(rng.randint(5_000, 250_000)).scaleb(-2)
            entry = div.add_invoice(
                account, number, issued, issued + timedelta(days=30), amount,
                booked_at=at(issued, 9), with_document=False,
            )  # fmt: skip
        if index % (INVOLVED // PAID_YESTERDAY) == 0:
            paid.append((account, entry, amount))
    watermark = max(line.timestamp for line in div.lines)
    for n, (account, entry, amount) in enumerate(paid):
        booked = at(yesterday, 9) + timedelta(minutes=2 * n)
        div.receive(account, amount, yesterday, booked, match=[(entry, amount)])
    return census(div) | {"today": today, "watermark": watermark, "lines": len(div.lines)}


def reads(involved: str, limits: Limits) -> tuple[list[tuple[Measured, int | None]], Census]:
    """The read of one shape, with the watermark it started from."""
    with SandboxProcess(partial(build, involved=involved), limits) as sandbox:
        yesterday: date = sandbox.info["today"] - timedelta(days=1)
        watermark: int = sandbox.info["watermark"]
        auth = sandbox.auth()
        clock = WaitingClock()
        with ExactClient(sandbox.base_url, auth, clock) as client:
            source = ExactOnlineSource(client)
            read = partial(source.read, DIVISION, watermark, yesterday)
            run = measure(f"{involved}: first read", sandbox, DIVISION, read, clock)
            # What that read learnt of the listings is kept with the watermark: the next read.
            learnt = dict(run.data.listing_pages)
            read = partial(source.read, DIVISION, watermark, yesterday, learnt)
            daily = measure(f"{involved}: next read", sandbox, DIVISION, read, clock)
        auth.close()
        statuses = sorted({status for division, _, status in sandbox.served() if division})
        print(f"  statuses answered: {statuses}; learnt {learnt}", flush=True)
        totals: Census = sandbox.info["census"]
        return [(run, watermark), (daily, watermark)], totals


def report(shapes: list[tuple[list[tuple[Measured, int | None]], Census]]) -> None:
    """Per read: calls per part against the bound; then calls per endpoint for every read."""
    summary: list[tuple[str, ...]] = [
        ("read", "calls", "lower bound", "over", "within bound + 2", "accounts", "contacts",
         "wall s", "waited s"),
    ]  # fmt: skip
    details, endpoints = [], []
    for runs, totals in shapes:
        for run, since in runs:
            bound = lower_bound(run.data, totals, since, HISTORY_PAGES)
            parts, per_endpoint = split(run.calls)
            made = run.data.exact_calls
            summary.append((
                run.name, str(made), str(bound.total), over(made, bound.total),
                "yes" if made <= bound.total + SLACK else "NO",
                _resource(parts, bound.parts, "accounts"),
                _resource(parts, bound.parts, "contacts"),
                f"{run.wall:.1f}", f"{run.waited:.1f}",
            ))  # fmt: skip
            details.append(f"{run.name}:\n{table(per_part(parts, bound))}")
            endpoints.append((run.name, per_endpoint))
    print(table(summary))
    print("(accounts, contacts: calls / lower bound)\n")
    print("\n\n".join(details))
    print("\n" + table(_by_endpoint(endpoints)))


def _resource(parts: Counter[str], bound: dict[str, int], part: str) -> str:
    return f"{parts[part]} / {bound[part]} ({over(parts[part], bound[part])})"


def _by_endpoint(runs: list[tuple[str, Counter[str]]]) -> list[tuple[str, ...]]:
    names = sorted({endpoint for _, counts in runs for endpoint in counts})
    rows: list[tuple[str, ...]] = [("endpoint", *(name for name, _ in runs))]
    rows += [(endpoint, *(str(counts[endpoint]) for _, counts in runs)) for endpoint in names]
    rows.append(("total", *(str(sum(counts.values())) for _, counts in runs)))
    return rows


def main() -> None:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--involved", nargs="+", choices=("spread", "newest"), default=["spread", "newest"]
    )
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per call")
    parser.add_argument("--minutely-limit", type=int, default=60, help="calls per minute")
    args = parser.parse_args()
    limits = Limits(latency_seconds=args.latency, minutely_limit=args.minutely_limit)
    shapes = []
    for involved in args.involved:
        print(f"{involved}: {ACCOUNTS} accounts with a main contact, {INVOLVED} with open "
              f"invoices, {PAID_YESTERDAY} paid yesterday …", flush=True)  # fmt: skip
        start = time.perf_counter()
        shapes.append(reads(involved, limits))
        print(f"  built and read in {time.perf_counter() - start:.1f} s", flush=True)
    report(shapes)
    sample = sorted(shapes[0][0][0][0].data.accounts)
    print(f"\nIDs a filter holds (followup.exact.batches.id_filters on the accounts read): "
          f"{ids_per_filter('ID', sample, 'crm/Accounts')}; "
          f"latency {args.latency} s, {args.minutely_limit}/min")  # fmt: skip


if __name__ == "__main__":
    main()
