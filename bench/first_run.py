"""A division's first run on years of history: its Exact calls next to the lower bound.

One division with 1,500 customers (each a main contact) and ~4 years of history: 20,000 paid
invoices (each paid 7-40 days after it was issued by a bank receipt matched with it), 300 open
invoices and 12 invoices paid yesterday, booked in the order they happened. A first run has no
watermark: it reads the payment sync from its start, `HISTORY_PAGES` pages a run, then goes on
from the watermark until caught up. Then the same first run with `--whole-pages` (45) pages a
run, which reads it all at once. Served by the sandbox in a child process over HTTP.

    .venv/bin/python bench/first_run.py [--latency 0] [--minutely-limit 60] [--whole-pages 45]
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
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
from followup.exact.codes import ItemStatus, TransactionType
from followup.exact.queries import HISTORY_PAGES, ExactOnlineSource
from followup.model import DivisionData, Receivable
from followup.sandbox.demo_invoices import at
from followup.sandbox.division import Division
from followup.sandbox.records import LineRecord
from followup.sandbox.state import SandboxState
from sandbox_process import Limits, SandboxProcess, table

DIVISION = 100002
CUSTOMERS, HISTORY, OPEN, PAID_YESTERDAY = 1500, 20_000, 300, 12
DAYS = 4 * 365
MOST_CALLS = 40  # what one run may make (issue 10)


@dataclass(frozen=True)
class Invoice:
    """One invoice to book, and when it is paid (None: still open)."""

    number: int
    account: str
    issued: date
    amount: Decimal
    paid: date | None


def plan(accounts: list[str], today: date, history: int) -> list[Invoice]:
    """History (paid by the day before yesterday), open invoices, invoices paid yesterday."""
    rng = random.Random(history)
    longest_ago = today - timedelta(days=2)
    invoices = []
    for number in range(1, history + OPEN + PAID_YESTERDAY + 1):
        if number <= history:
            issued = today - timedelta(days=rng.randint(45, DAYS))
            paid: date | None = min(issued + timedelta(days=rng.randint(7, 40)), longest_ago)
        elif number <= history + OPEN:
            issued, paid = today - timedelta(days=rng.randint(2, 90)), None
        else:
            issued, paid = today - timedelta(days=rng.randint(10, 40)), today - timedelta(days=1)
        amount = Decimal(rng.randint(5_000, 250_000)).scaleb(-2)
        account = accounts[rng.randrange(len(accounts))]
        invoices.append(Invoice(number, account, issued, amount, paid))
    return invoices


def build(state: SandboxState, history: int = HISTORY, alone: bool = True) -> dict[str, Any]:
    """The division, every invoice and receipt booked in the order it happened."""
    today = business_date(SystemClock().now())
    div = state.add_division(DIVISION, "Groothandel Historie B.V.")
    accounts = []
    for n in range(CUSTOMERS):
        account = div.add_account(str(10000 + n), f"Klant {n}", f"klant{n}@example.nl", "NL")
        div.add_contact(account, "Voornaam", f"Klant {n}", f"contact{n}@example.nl", "NL", True)
        accounts.append(account)
    events: list[tuple[datetime, int, Invoice]] = []
    for invoice in plan(accounts, today, history):
        events.append((at(invoice.issued, 9), invoice.number, invoice))
        if invoice.paid is not None:
            events.append((at(invoice.paid, 10), invoice.number, invoice))
    booked: dict[int, tuple[str, LineRecord]] = {}
    for moment, number, invoice in sorted(events, key=lambda event: event[:2]):
        if number not in booked:
            entry = div.add_invoice(
                invoice.account, number, invoice.issued, invoice.issued + timedelta(days=30),
                invoice.amount, booked_at=moment, with_document=False,
            )  # fmt: skip
            booked[number] = (entry, div.lines[-1])
        elif alone:
            _receive_alone(div, invoice, *booked[number], moment)
        else:
            receive(div, invoice, booked[number][0], moment)
    return census(div) | {"today": today, "lines": len(div.lines)}


def receive(div: Division, invoice: Invoice, entry: str, moment: datetime) -> None:
    """A bank receipt of the whole invoice, matched with it."""
    assert invoice.paid is not None
    div.receive(
        invoice.account, invoice.amount, invoice.paid, moment, match=[(entry, invoice.amount)]
    )


def _receive_alone(
    div: Division, invoice: Invoice, entry: str, line: LineRecord, moment: datetime
) -> None:
    """`receive` with only the invoice's own line in view. The sandbox finds an entry's lines by
    going through all of the division's lines, several times a booking: 20,000 receipts against
    up to 40,000 lines take minutes. A receipt matched with one whole invoice reads and changes
    that invoice's line only, so the lines, Timestamps and guids come out the same
    (`--check-build` compares both ways on a smaller history)."""
    everything = div.lines
    div.lines = [line]
    try:
        receive(div, invoice, entry, moment)
        added = div.lines[1:]
    finally:
        div.lines = everything
    everything.extend(added)


def check_build(history: int) -> bool:
    """Whether booking receipts alone gives the same lines as the sandbox's own way."""
    fast, slow = SandboxState(), SandboxState()
    build(fast, history, alone=True)
    build(slow, history, alone=False)
    return fast.divisions[DIVISION].lines == slow.divisions[DIVISION].lines


def payment_day(line: Receivable) -> date | None:
    """The day money moved on a payment row (a bank line: its own date)."""
    day: date | None = line.payment_date
    return day or (line.invoice_date if line.is_cash else None)


def yesterdays(data: DivisionData, yesterday: date) -> tuple[int, int, int]:
    """Invoices paid yesterday, bank lines of yesterday, and rows paid before yesterday."""
    invoices = sum(1 for x in data.payments if x.transaction_type == TransactionType.SALES_ENTRY
                   and x.status == ItemStatus.MATCHED and x.payment_date == yesterday)  # fmt: skip
    cash = sum(1 for x in data.payments if x.is_cash and payment_day(x) == yesterday)
    older = sum(1 for x in data.payments if (payment_day(x) or yesterday) < yesterday)
    return invoices, cash, older


Run = tuple[Measured, int | None, int]  # a read, the watermark it started from, its budget


def first_runs(
    sandbox: SandboxProcess, client: ExactClient, clock: WaitingClock, yesterday: date, budget: int
) -> list[Run]:
    """A first run with `budget` pages a run, then runs from the watermark until caught up."""
    source = ExactOnlineSource(client, history_pages=budget)
    runs: list[Run] = []
    since: int | None = None
    while len(runs) < 10 and (not runs or not runs[-1][0].data.caught_up):
        name = f"{budget} pages: run {len(runs) + 1}" + (" (first)" if since is None else "")
        read = partial(source.read, DIVISION, since, yesterday)
        runs.append((measure(name, sandbox, DIVISION, read, clock), since, budget))
        since = runs[-1][0].data.next_watermark
    return runs


def report(runs: list[Run], totals: Census, yesterday: date) -> None:
    """The summary table, then each run's calls and lower bound per part."""
    rows: list[tuple[str, ...]] = [(
        "run", "calls", "lower bound", "over", "caught up", "paid yesterday found",
        "bank lines yesterday", "rows paid earlier", "wall s", "waited s",
    )]  # fmt: skip
    details = []
    found = 0
    for run, since, budget in runs:
        bound = lower_bound(run.data, totals, since, budget)
        invoices, cash, older = yesterdays(run.data, yesterday)
        found = invoices if since is None else found + invoices
        made = run.data.exact_calls
        rows.append((
            run.name, str(made), str(bound.total), over(made, bound.total),
            str(run.data.caught_up), f"{found} of {PAID_YESTERDAY}", str(cash), str(older),
            f"{run.wall:.1f}", f"{run.waited:.1f}",
        ))  # fmt: skip
        details.append(
            f"{run.name} (since {since}):\n{table(per_part(split(run.calls)[0], bound))}"
        )
    print(table(rows))
    print("\n" + "\n\n".join(details))


def main() -> None:
    """Run the benchmark and print its tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per call")
    parser.add_argument("--minutely-limit", type=int, default=60, help="calls per minute")
    parser.add_argument("--whole-pages", type=int, default=45, help="pages a run, second case")
    parser.add_argument(
        "--check-build", type=int, default=0, metavar="N",
        help="only compare the quick build with the sandbox's own on N paid invoices",
    )  # fmt: skip
    args = parser.parse_args()
    if args.check_build:
        print(f"same lines as the sandbox's own bookings: {check_build(args.check_build)}")
        return
    limits = Limits(latency_seconds=args.latency, minutely_limit=args.minutely_limit)
    print(f"Building the division ({HISTORY} paid invoices over {DAYS} days, {OPEN} open, "
          f"{PAID_YESTERDAY} paid yesterday, {CUSTOMERS} customers) …", flush=True)  # fmt: skip
    started = datetime.now()
    with SandboxProcess(build, limits) as sandbox:
        print(f"built in {(datetime.now() - started).total_seconds():.1f} s", flush=True)
        yesterday: date = sandbox.info["today"] - timedelta(days=1)
        totals: Census = sandbox.info["census"]
        auth = sandbox.auth()
        clock = WaitingClock()
        with ExactClient(sandbox.base_url, auth, clock) as client:
            runs = first_runs(sandbox, client, clock, yesterday, HISTORY_PAGES)
            runs += first_runs(sandbox, client, clock, yesterday, args.whole_pages)
        auth.close()
        statuses = sorted({status for division, _, status in sandbox.served()
                           if division == DIVISION})  # fmt: skip
    report(runs, totals, yesterday)
    most = max(run.data.exact_calls for run, _, budget in runs if budget == HISTORY_PAGES)
    verdict = "within" if most <= MOST_CALLS else "OVER"
    print(f"\nmost calls in one run at {HISTORY_PAGES} pages: {most} ({verdict} {MOST_CALLS})")
    print(f"sandbox: {sandbox.info['lines']} receivable lines ({len(totals.stamps)} sync rows), "
          f"{totals.accounts} accounts, {totals.contacts} contacts; statuses {statuses}; "
          f"latency {args.latency} s, {args.minutely_limit}/min")  # fmt: skip


if __name__ == "__main__":
    main()
