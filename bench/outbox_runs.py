"""Local delivery at scale: the whole daily job into the outbox, with and without history.

One division with 20,000 open receivables of 5,000 customers (each a main contact with an
address; about 7 in 10 customers have an invoice a week or more overdue) and 200 invoices paid
yesterday, served by the sandbox in a child process over HTTP. Each run is the whole job as
`followup run` makes it: `bootstrap.build` on a settings mapping (the real ExactOnlineSource and
Exact client, the file token store, the SQLite ledger, the outbox mailer, the real composer),
`service.run`, and closing the app (which brings outbox/index.html up to date).

Three runs of the same day, each timed: a dry run, a drafting run, and the same day again
(nothing new). First on an empty outbox, then on an outbox that already holds `--history-days`
earlier days of mails (the drafting run's mails again, under other keys, dated 1..N days before,
delivered through the outbox mailer itself), each time with a fresh ledger. Targets (issue 14):
a drafting run at most 2x the dry run, the same day again at most 1.2x, whatever the history.

    .venv/bin/python bench/outbox_runs.py [--history-days 3] [--latency 0]
"""

from __future__ import annotations

import argparse
import email
import email.policy
import email.utils
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

from followup import bootstrap, service, settings
from followup.adapters.file_tokens import FileTokenStore
from followup.adapters.outbox_folder.mailer import FOLDERS, OutboxMailer
from followup.clock import SystemClock, business_date
from followup.model import Mode, RunReport, TokenSet
from followup.ports import ExactSource, Ledger, Mailer
from followup.sandbox.demo_invoices import at
from followup.sandbox.division import Division
from followup.sandbox.endpoints import ENDPOINTS
from followup.sandbox.rows import Row
from followup.sandbox.state import SandboxState
from sandbox_process import Limits, SandboxProcess, table

DIVISION = 100003
CUSTOMERS, PER_CUSTOMER, PAID_YESTERDAY = 5000, 4, 200
OVERDUE_SHARE = 0.27  # of the invoices: a week or more past due (a customer: 1 - 0.73^4 ≈ 0.72)
DRAFTING_TARGET, AGAIN_TARGET = 2.0, 1.2
TOKENS = "exact-tokens.json"  # beside the runs' folders: one consent for all of them


def build(state: SandboxState) -> dict[str, Any]:
    """The division: customers, their open invoices (oldest first), yesterday's receipts."""
    rng = random.Random(20_000)
    today = business_date(SystemClock().now())
    div = state.add_division(DIVISION, "Groothandel Uitbesteed B.V.")
    accounts = []
    for n in range(CUSTOMERS):
        account = div.add_account(str(30000 + n), f"Klant {n}", f"klant{n}@example.nl", "NL")
        div.add_contact(account, "Voornaam", f"Klant {n}", f"contact{n}@example.nl", "NL", True)
        accounts.append(account)
    invoices = []
    for number in range(1, CUSTOMERS * PER_CUSTOMER + 1):
        overdue = rng.random() < OVERDUE_SHARE
        age = rng.randint(37, 90) if overdue else rng.randint(2, 36)  # due after 30 days
        invoices.append((today - timedelta(days=age), number))
    paid = []
    for n in range(PAID_YESTERDAY):
        number = CUSTOMERS * PER_CUSTOMER + 1 + n
        invoices.append((today - timedelta(days=rng.randint(10, 40)), number))
        paid.append(number)
    entries = {}
    for issued, number in sorted(invoices):
        account = accounts[(number - 1) % CUSTOMERS]
        amount = Decimal(rng.randint(5_000, 90_000)).scaleb(-2)
        entries[number] = (account, amount, div.add_invoice(
            account, number, issued, issued + timedelta(days=30), amount,
            booked_at=at(issued, 9), with_document=False,
        ))  # fmt: skip
    yesterday = today - timedelta(days=1)
    for n, number in enumerate(paid):
        account, amount, entry = entries[number]
        booked = at(yesterday, 9) + timedelta(seconds=30 * n)
        div.receive(account, amount, yesterday, booked, match=[(entry, amount)])
    keep_rows(div, list(state.divisions.values()))
    return {"today": today, "open": CUSTOMERS * PER_CUSTOMER, "lines": len(div.lines)}


def keep_rows(division: Division, every: list[Division]) -> None:
    """The sandbox makes every row of an endpoint again for each call it answers (≈0.5 s at
    20,400 lines; a run makes ≈180 calls). Nothing is booked once the division is built, so
    here (in the sandbox's process, before any run) each endpoint's rows are made once and
    kept: every run's calls are answered alike, filtering and paging as before."""
    for path, endpoint in list(ENDPOINTS.items()):
        ENDPOINTS[path] = replace(endpoint, rows=_kept(endpoint.rows))
        ENDPOINTS[path].rows(division, every)


def _kept(make: Callable[[Division, list[Division]], list[Row]]) -> Callable[..., list[Row]]:
    made: dict[tuple[int, int, int, int], list[Row]] = {}

    def rows(division: Division, every: list[Division]) -> list[Row]:
        key = (division.code, len(division.lines), len(division.accounts), len(every))
        if key not in made:
            made[key] = make(division, every)
        return made[key]

    return rows


def settings_for(folder: Path, base_url: str) -> settings.Settings:
    """The embedded default (token file, SQLite ledger, outbox, drafts) on the sandbox."""
    return settings.parse({
        "company": {
            "name": "Groothandel Uitbesteed B.V.",
            "from_address": "debiteuren@uitbesteed.example.nl",
            "reply_to": "debiteuren@uitbesteed.example.nl",
            "phone": "020 765 43 21",
            "iban": "NL91 ABNA 0417 1643 00",
        },
        "exact": {
            "base_url": base_url, "client_id": SandboxState.client_id,
            "client_secret": SandboxState.client_secret, "divisions": [DIVISION],
        },
        "tokens": {"backend": "file", "path": str(folder.parent / TOKENS)},
        "ledger": {"backend": "sqlite", "path": str(folder / "ledger.sqlite3")},
        "mail": {"transport": {"backend": "outbox", "path": str(folder / "outbox")}},
        "policy": {"reminders_on_working_days_only": False},
    })  # fmt: skip


class Stopwatch:
    """An adapter, with the time spent in its methods added up."""

    def __init__(self, inner: object) -> None:
        self.inner, self.seconds = inner, 0.0

    def __getattr__(self, name: str) -> Any:
        found = getattr(self.inner, name)
        if not callable(found):
            return found

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return found(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - started

        return timed


@dataclass(frozen=True)
class Timed:
    """One run: its wall time, the parts spent in Exact (the sandbox's answers included), in
    the ledger, in the outbox mailer and closing the app (the outbox's pages), and its report."""

    name: str
    wall: float
    exact: float
    ledger: float
    deliver: float
    close: float
    report: RunReport

    @property
    def local(self) -> float:
        """The run without its time in Exact: what followup did on this machine."""
        return self.wall - self.exact

    def count(self, outcome: str) -> int:
        return sum(1 for e in self.report.entries() if e.outcome.value == outcome)


def timed_run(name: str, config: settings.Settings, run_date: date, dry_run: bool) -> Timed:
    """The whole job once, as `followup run` makes it, closing included."""
    started = time.perf_counter()
    app = bootstrap.build(config, SystemClock(), run_date)
    source, ledger = Stopwatch(app.deps.source), Stopwatch(app.deps.ledger)
    mailer = Stopwatch(app.deps.mailer)
    app.deps = replace(
        app.deps,
        source=cast(ExactSource, source),
        ledger=cast(Ledger, ledger),
        mailer=cast(Mailer, mailer),
    )
    report = service.run(app.deps, run_date, dry_run=dry_run)
    closing = time.perf_counter()
    app.close()
    ended = time.perf_counter()
    took = (source.seconds, ledger.seconds, mailer.seconds, ended - closing)
    return Timed(name, ended - started, *took, report)


def fill_history(outbox: Path, mails: list[Path], days: int) -> int:
    """Deliver `mails` again as each of the `days` days before theirs, under other keys."""
    messages = []
    for path in mails:
        parsed = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        messages.append((path.stem, parsed, email.utils.parsedate_to_datetime(parsed["Date"])))
    delivered = 0
    with OutboxMailer(outbox) as mailer:
        for back in range(days, 0, -1):
            for stem, message, when in messages:
                message.replace_header("Date", email.utils.format_datetime(when - timedelta(back)))
                mailer.deliver(message, Mode.DRAFT, f"history/{back}/{stem}")
                delivered += 1
    return delivered


def three_runs(
    folder: Path, sandbox: SandboxProcess, run_date: date, history: list[Path], days: int
) -> tuple[list[Timed], int]:
    """Dry run, drafting run, the same day again, on a fresh ledger; the outbox first gets
    `days` days of history made of the `history` mails."""
    folder.mkdir()
    config = settings_for(folder, sandbox.base_url)
    held = fill_history(folder / "outbox", history, days) if days else 0
    runs = [
        timed_run("dry run", config, run_date, dry_run=True),
        timed_run("drafting run", config, run_date, dry_run=False),
        timed_run("same day again", config, run_date, dry_run=False),
    ]
    return runs, held


def on_disk(outbox: Path) -> str:
    """What the outbox holds, part by part (the parts the outbox of before had: the rest 0)."""
    parts = {
        "index.html": [p for p in [outbox / "index.html"] if p.is_file()],
        "day pages": list((outbox / "days").glob("*.html")),
        "records": list((outbox / ".index").glob("*.jsonl")),
        ".eml": list((outbox / FOLDERS[Mode.DRAFT]).glob("*.eml")),
    }
    sizes = {name: sum(p.stat().st_size for p in paths) for name, paths in parts.items()}
    return ", ".join(f"{name} {size / 2**20:.1f} MiB" for name, size in sizes.items())


def give_consent(sandbox: SandboxProcess, path: Path) -> None:
    """A token file holding the consent the sandbox process issued, as `followup auth exact`
    leaves it; every run reads it and keeps what a refresh rotates."""
    issued, now = sandbox._tokens, SystemClock().now()  # the child's fresh consent
    FileTokenStore(path).save(
        TokenSet(
            access_token=issued["access_token"],
            access_expires_at=now + timedelta(seconds=int(issued["expires_in"])),
            refresh_token=issued["refresh_token"],
            refreshed_at=now,
        )
    )


HEADER = (
    "outbox before", "run", "wall s", "Exact s", "local s", "ledger s", "deliver s", "close s",
    "planned", "drafted", "x dry", "x dry local", "target",
)  # fmt: skip


def rows_of(before: str, runs: list[Timed]) -> tuple[list[tuple[str, ...]], list[str]]:
    """The table's rows of three runs, and the verdict of each against its target."""
    rows: list[tuple[str, ...]] = []
    verdicts: list[str] = []
    dry = runs[0]
    for run, target in zip(runs, (None, DRAFTING_TARGET, AGAIN_TARGET), strict=True):
        ratio, local = run.wall / dry.wall, run.local / dry.local
        rows.append((
            before, run.name, f"{run.wall:.1f}", f"{run.exact:.1f}", f"{run.local:.1f}",
            f"{run.ledger:.1f}", f"{run.deliver:.1f}", f"{run.close:.2f}",
            str(run.count("planned")), str(run.count("drafted")), f"{ratio:.2f}", f"{local:.2f}",
            f"<= {target}" if target else "",
        ))  # fmt: skip
        if target:
            verdict = "within" if ratio <= target else "OVER"
            verdicts.append(
                f"{before}: {run.name} {ratio:.2f}x the dry run ({verdict} {target}x); "
                f"without the time in Exact {local:.2f}x"
            )
    return rows, verdicts


def main() -> None:
    """Run the benchmark and print its table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--history-days", type=int, default=3, help="earlier days in the outbox")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds per Exact call")
    args = parser.parse_args()
    limits = Limits(latency_seconds=args.latency, minutely_limit=100_000, daily_limit=100_000)
    print(f"Building the division ({CUSTOMERS * PER_CUSTOMER} open receivables, "
          f"{CUSTOMERS} customers, {PAID_YESTERDAY} paid yesterday) …", flush=True)  # fmt: skip
    started = time.perf_counter()
    rows: list[tuple[str, ...]] = [HEADER]
    verdicts: list[str] = []
    with (
        SandboxProcess(build, limits) as sandbox,
        tempfile.TemporaryDirectory(prefix="followup-outbox-bench-") as scratch,
    ):
        print(f"built in {time.perf_counter() - started:.1f} s", flush=True)
        give_consent(sandbox, Path(scratch) / TOKENS)
        run_date: date = sandbox.info["today"]
        history: list[Path] = []
        for days in (0, args.history_days):
            folder = Path(scratch) / f"history-{days}"
            runs, held = three_runs(folder, sandbox, run_date, history, days)
            more, said = rows_of(f"{days} days, {held} mails" if days else "empty", runs)
            rows += more
            verdicts += said
            print("\n".join(" ".join(row) for row in more), flush=True)
            print(f"outbox after: {on_disk(folder / 'outbox')}", flush=True)
            history = sorted((folder / "outbox" / FOLDERS[Mode.DRAFT]).glob("*.eml"))
    print("\n" + table(rows))
    print("\n" + "\n".join(verdicts))
    print(f"\nlatency {args.latency} s a call; {sandbox.info['lines']} receivable lines; "
          f"whole benchmark {time.perf_counter() - started:.0f} s")  # fmt: skip


if __name__ == "__main__":
    main()
