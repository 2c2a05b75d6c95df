"""An accountancy office: 300 administrations, each with its own profile, run by `office.run`
as `followup run --config office.toml --workers N` runs them.

The sandbox (a child process, as in divisions.py: a latency per call, Exact's limits of 60 calls
per division per minute and 5,000 per day) holds 300 small administrations: 24 customers, 30
open invoices (about half of them overdue), 4 invoices paid yesterday each. An office settings
file in a temp folder gives each one a profile: its own company, its own outbox folder, every
third one its own digest; the office's overview digest goes to the office's outbox. Each case
is a real first run (a fresh ledger and fresh outboxes, drafting) in a fresh process, so that
its peak RSS is its own: 20 divisions with 1 worker (the per-division baseline), all of them
with 8, 16 and 32 workers, 32 divisions with 32 workers (one round), and 30 and 100 divisions
with 16 workers (peak memory against the number of divisions).

    .venv/bin/python bench/office_run.py [--divisions 300] [--workers 8,16,32] [--baseline 20]
                                         [--memory 30,100] [--memory-workers 16]
                                         [--latency 0.15] [--dry-run]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import resource
import statistics
import tempfile
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from followup import office
from followup.adapters.file_tokens import FileTokenStore
from followup.clock import SystemClock, business_date
from followup.model import DivisionReport, MailKind
from followup.sandbox.demo_invoices import at
from followup.sandbox.state import SandboxState, Served
from followup.settings import load
from sandbox_process import Limits, SandboxProcess, busiest_minutes, table

FIRST_DIVISION = 300001
CUSTOMERS, OPEN, PAID = 24, 30, 4
Row = tuple[str, ...]  # one line of a printed table
DIGEST_EVERY = 3  # every third administration mails its own digest to its bookkeeper


def build(state: SandboxState, divisions: int) -> dict[str, Any]:
    """`divisions` small administrations of the same shape, each its own numbers."""
    today = business_date(SystemClock().now())
    yesterday = today - timedelta(days=1)
    for code in range(FIRST_DIVISION, FIRST_DIVISION + divisions):
        rng = random.Random(code)
        div = state.add_division(code, f"Klant {code} B.V.")
        accounts = []
        for n in range(CUSTOMERS):
            account = div.add_account(str(1000 + n), f"Afnemer {n}", f"a{n}@example.nl", "NL")
            div.add_contact(account, "Voornaam", f"Afnemer {n}", f"c{n}@example.nl", "NL", True)
            accounts.append(account)
        entries = []
        for number in range(1, OPEN + PAID + 1):
            issued = today - timedelta(days=rng.randint(5, 90))  # due after 30: half overdue
            amount = Decimal(rng.randint(5_000, 90_000)).scaleb(-2)
            account = accounts[number % CUSTOMERS]
            entry = div.add_invoice(
                account, number, issued, issued + timedelta(days=30), amount,
                booked_at=at(issued, 9),
            )  # fmt: skip
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


def office_settings(folder: Path, base_url: str, tokens: Path, divisions: list[int]) -> Path:
    """An office's settings file in `folder`: the office on top, one profile per division."""
    text = f"""
[company]
name = "Administratiekantoor De Boekhouder"
from_address = "kantoor@boekhouder.example.nl"

[exact]
base_url = "{base_url}"
client_id = "{SandboxState.client_id}"
divisions = [{", ".join(map(str, divisions))}]

[tokens]
path = "{tokens}"

[ledger]
path = "{folder / "ledger.sqlite3"}"

[mail.transport]
backend = "outbox"
path = "{folder / "office-outbox"}"

[digest]
enabled = true
to = "kantoor@boekhouder.example.nl"
"""
    for n, division in enumerate(divisions):
        text += f"""
[division.{division}.company]
name = "Klant {division} B.V."
from_address = "administratie@klant-{division}.example.nl"
iban = "NL91 ABNA 0417 1643 00"

[division.{division}.mail.transport]
backend = "outbox"
path = "{folder / "outboxes" / str(division)}"
"""
        if n % DIGEST_EVERY == 0:
            text += f"""
[division.{division}.digest]
enabled = true
to = "boekhouder-{division}@boekhouder.example.nl"
"""
    path = folder / "office.toml"
    path.write_text(text)
    return path


@dataclass(frozen=True)
class Case:
    """One run of the office: which divisions, how many workers, in which folder."""

    name: str
    config: Path
    run_date: date
    workers: int
    dry_run: bool


@dataclass(frozen=True)
class Division:
    """What one administration's run did, from its DivisionReport."""

    division: int
    seconds: float
    calls: int
    mails: int
    error: str


@dataclass(frozen=True)
class Outcome:
    """What one run of the office measured, in its own process."""

    case: Case
    wall: float
    load_seconds: float
    divisions: list[Division]
    overview: bool
    rss_before_kib: int  # peak RSS after the imports and the settings, before the run
    rss_now_kib: list[int]  # RSS as each division finished, in the order they finished
    rss_divisions_kib: int  # peak RSS when the last division finished: before the overview
    rss_peak_kib: int  # peak RSS of the whole run, the overview digest included


def rss_kib() -> int:
    """The process's resident memory now (Linux: /proc/self/statm)."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize() // 1024


def peak_rss_kib() -> int:
    """The process's peak resident memory so far (KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_case(case: Case) -> Outcome:
    """The child: load the office's settings and run it, as `followup run --workers N` does."""
    start = time.perf_counter()
    settings = load(case.config)
    load_seconds = time.perf_counter() - start
    before, now, peaks = peak_rss_kib(), list[int](), list[int]()

    def finished(_: DivisionReport) -> None:
        now.append(rss_kib())
        peaks.append(peak_rss_kib())

    start = time.perf_counter()
    report = office.run(
        settings,
        SystemClock(),
        case.run_date,
        dry_run=case.dry_run,
        workers=case.workers,
        progress=finished,
    )
    wall = time.perf_counter() - start
    divisions = [
        Division(
            d.division,
            d.seconds,
            d.exact_calls,
            sum(1 for e in d.entries if e.kind is not MailKind.DIGEST),
            d.error,
        )
        for d in report.divisions
    ]
    overview = report.digest is not None
    return Outcome(
        case, wall, load_seconds, divisions, overview, before, now, peaks[-1], peak_rss_kib()
    )


def in_own_process(case: Case) -> Outcome:
    """Run `case` in a fresh process: its peak RSS is this run's alone."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context) as pool:
        return pool.submit(run_case, case).result()


@dataclass(frozen=True)
class Measured:
    """A run's outcome with what the sandbox saw of it."""

    outcome: Outcome
    served: list[Served]
    drafted: int
    overview_bytes: int  # the office's overview digest, as the .eml in its outbox

    @property
    def answered(self) -> Counter[int]:
        """Per division, the calls the sandbox answered in this run (the overview's included)."""
        return Counter(d for d, _, _ in self.served if d is not None)


def main() -> None:
    """Run every case against one sandbox and print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--divisions", type=int, default=300, help="administrations")
    parser.add_argument("--workers", default="8,16,32", help="worker counts for all divisions")
    parser.add_argument("--baseline", type=int, default=20, help="divisions run with 1 worker")
    parser.add_argument("--memory", default="30,100", help="division counts for peak memory")
    parser.add_argument("--memory-workers", type=int, default=16, help="their worker count")
    parser.add_argument("--latency", type=float, default=0.15, help="seconds per Exact call")
    parser.add_argument("--dry-run", action="store_true", help="plan only, as --dry-run")
    args = parser.parse_args()
    codes = list(range(FIRST_DIVISION, FIRST_DIVISION + args.divisions))
    plan = [(f"baseline {args.baseline}", codes[: args.baseline], 1)]
    plan += [(f"all {len(codes)}", codes, int(w)) for w in args.workers.split(",") if w]
    plan.append(("one round", codes[: office.MAX_WORKERS], office.MAX_WORKERS))
    plan += [(f"memory {n}", codes[: int(n)], args.memory_workers)
             for n in args.memory.split(",") if n]  # fmt: skip
    limits = Limits(latency_seconds=args.latency)
    os.environ["FOLLOWUP_EXACT_CLIENT_SECRET"] = SandboxState.client_secret
    measured: list[Measured] = []
    start = time.perf_counter()
    with (
        SandboxProcess(Build(args.divisions), limits) as sandbox,
        tempfile.TemporaryDirectory(prefix="followup-office-") as temp,
    ):
        auth = sandbox.auth()  # a fresh consent's tokens, as `followup auth exact` writes them
        store = auth.store
        auth.close()
        assert isinstance(store, FileTokenStore)
        for n, (name, chosen, workers) in enumerate(plan):
            folder = Path(temp) / f"case-{n}"
            folder.mkdir()
            config = office_settings(folder, sandbox.base_url, store.path, chosen)
            case = Case(name, config, sandbox.info["today"], workers, args.dry_run)
            seen = len(sandbox.served())
            outcome = in_own_process(case)
            drafted = sum(1 for _ in (folder / "outboxes").glob("*/drafts/*.eml"))
            overview = sum(p.stat().st_size for p in (folder / "office-outbox").glob("*/*.eml"))
            measured.append(Measured(outcome, sandbox.served()[seen:], drafted, overview))
            print(f"{name}, {workers} workers: {outcome.wall:.1f} s", flush=True)
        daily = Counter(d for d, _, _ in sandbox.served() if d is not None)
    print(f"\nthe whole benchmark: {time.perf_counter() - start:.0f} s\n")
    report(args, limits, measured, daily)


def report(
    args: argparse.Namespace, limits: Limits, measured: list[Measured], daily: Counter[int]
) -> None:
    """Print the tables: time, Exact calls and limits, memory."""
    print(table(time_rows(measured)), end="\n\n")
    print(table(call_rows(measured, args, limits)), end="\n\n")
    print(table(memory_rows(measured)))
    first = measured[0]
    baseline = {d.division: (d.calls, first.answered[d.division]) for d in first.outcome.divisions}
    for m in measured[1:]:
        ours = {d.division: (d.calls, m.answered[d.division]) for d in m.outcome.divisions}
        same = sum(1 for n, calls in baseline.items() if ours.get(n) == calls)
        print(
            f"{m.outcome.case.name}, {m.outcome.case.workers} workers: Exact calls (read, "
            f"answered) per division as in the 1-worker run for {same} of {len(baseline)}"
        )
    print(f"most calls of one division in the whole benchmark (same day): "
          f"{max(daily.values(), default=0)} (daily limit {limits.daily_limit})")  # fmt: skip
    for m in measured:
        for d in [d for d in m.outcome.divisions if d.error][:3]:
            print(f"{m.outcome.case.name}: division {d.division} failed: {d.error}")


def time_rows(measured: list[Measured]) -> list[Row]:
    """Wall time against the divisions' own times."""
    rows: list[Row] = [("run", "divisions", "workers", "wall", "slowest division",
                        "median division", "wall / slowest", "wall / (sum / workers)",
                        "settings load")]  # fmt: skip
    for m in measured:
        o = m.outcome
        seconds = [d.seconds for d in o.divisions]
        parallel = min(o.case.workers, len(seconds))
        rows.append((
            o.case.name, str(len(seconds)), str(o.case.workers), f"{o.wall:.1f} s",
            f"{max(seconds):.2f} s", f"{statistics.median(seconds):.2f} s",
            f"{o.wall / max(seconds):.1f}", f"{o.wall / (sum(seconds) / parallel):.2f}",
            f"{o.load_seconds:.1f} s",
        ))  # fmt: skip
    return rows


def call_rows(measured: list[Measured], args: argparse.Namespace, limits: Limits) -> list[Row]:
    """Exact calls per division, the per-minute limit, 429s; what the run drafted."""
    rows: list[Row] = [("run", "workers", "read calls per division",
                        "calls answered per division", "busiest minute", "429s", "failed",
                        "drafts", "overview")]  # fmt: skip
    for m in measured:
        o = m.outcome
        calls = [d.calls for d in o.divisions]
        answered = list(m.answered.values())
        busiest = busiest_minutes(m.served)
        rows.append((
            o.case.name, str(o.case.workers),
            f"{min(calls)} / {statistics.median(calls):g} / {max(calls)}",
            f"{min(answered)} / {statistics.median(answered):g} / {max(answered)}",
            f"{max(busiest.values(), default=0)} (limit {limits.minutely_limit})",
            str(sum(1 for _, _, status in m.served if status == 429)),
            str(sum(1 for d in o.divisions if d.error)),
            str(m.drafted) if not args.dry_run else f"{sum(d.mails for d in o.divisions)} planned",
            _overview(m),
        ))  # fmt: skip
    return rows


def _overview(m: Measured) -> str:
    """The office's overview digest: its size in the outbox, or whether it was planned."""
    if m.overview_bytes:
        return f"{m.overview_bytes / 1024:,.0f} KiB"
    return "planned" if m.outcome.overview else "none"


def memory_rows(measured: list[Measured]) -> list[Row]:
    """Resident memory of each run's process: before, while the divisions run (RSS as the
    first tenth and as all of them have finished, and the growth per division in between),
    the peak over the divisions and the peak with the office's overview digest."""
    rows: list[Row] = [("run", "divisions", "workers", "before the run",
                        "after 10% of divisions", "after all", "growth per division",
                        "peak over the divisions", "peak with the overview")]  # fmt: skip
    for m in measured:
        o = m.outcome
        tenth = max(0, len(o.rss_now_kib) // 10 - 1)
        after = len(o.rss_now_kib) - 1 - tenth
        growth = (o.rss_now_kib[-1] - o.rss_now_kib[tenth]) / after if after else 0.0
        rows.append((
            o.case.name, str(len(o.divisions)), str(o.case.workers),
            _mib(o.rss_before_kib), _mib(o.rss_now_kib[tenth]), _mib(o.rss_now_kib[-1]),
            f"{growth:.0f} KiB", _mib(o.rss_divisions_kib), _mib(o.rss_peak_kib),
        ))  # fmt: skip
    return rows


def _mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MiB"


if __name__ == "__main__":
    main()
