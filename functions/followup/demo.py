"""`followup demo`: the whole daily job against the built-in Exact Online sandbox, for today or
for the days up to today played one by one (`--days`); it leaves its settings in .demo/ for the
other commands (`[exact] sandbox`: they rebuild the demo administration for their run date)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from followup import bootstrap, service
from followup.clock import business_date
from followup.embedded_exact import START_FILE
from followup.model import RunReport
from followup.ports import Clock
from followup.report import counts
from followup.sandbox.demo_data import DemoFacts, seed_demo
from followup.sandbox.demo_days import DemoDays
from followup.sandbox.demo_invoices import at
from followup.sandbox.state import SandboxClock, SandboxState
from followup.settings import load

STATE = ".demo"
OUTBOX = "outbox"
SETTINGS_FILE = "followup.toml"  # in STATE: the demo's settings, for status, doctor, pause, run
MAX_DAYS = 90
SHOWN = ("drafted", "sent", "skipped", "failed", "rejected", "uncertain")  # the first 4 always


def demo_mapping(base: Path, exact: dict[str, Any]) -> dict[str, Any]:
    """The embedded default, with this [exact]: token file, SQLite ledger, outbox, drafts."""
    return {
        "company": {
            "name": "Bakkerij De Gouden Croissant B.V.",
            "from_address": "administratie@goudencroissant.example.nl",
            "from_name": "Bakkerij De Gouden Croissant",
            "reply_to": "administratie@goudencroissant.example.nl",
            "bcc_archive": "archief@goudencroissant.example.nl",
            "phone": "020 123 45 67",
            "website": "https://goudencroissant.example.nl",
            "signature": "Marieke Bakker\nBakkerij De Gouden Croissant B.V.",
            "iban": "NL91 ABNA 0417 1643 00",
        },
        "exact": exact,
        "tokens": {"backend": "file", "path": str(base / STATE / "exact-tokens.json")},
        "ledger": {"backend": "sqlite", "path": str(base / STATE / "ledger.sqlite3")},
        "mail": {"transport": {"backend": "outbox", "path": str(base / OUTBOX)}},
    }


def run_demo(
    base: Path, clock: Clock, say: Callable[[str], None] = print, days: int = 1
) -> list[RunReport]:
    """Seed a sandbox dated `days` - 1 days ago and run the daily job for each day up to today
    over HTTP, on the settings the demo leaves behind, the sandbox's events booked between the
    runs; the reports, oldest first."""
    if not 1 <= days <= MAX_DAYS:
        raise ValueError(f"days: 1 to {MAX_DAYS}, not {days}")
    today = business_date(clock.now())
    start = today - timedelta(days=days - 1)
    state_dir = base / STATE
    _start_afresh(base, today, start, say)
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "demo-date").write_text(f"{today.isoformat()} {start.isoformat()}")
    (state_dir / START_FILE).write_text(start.isoformat())

    sim = SandboxClock(clock.now() if days == 1 else at(start, 9))  # the job's and Exact's
    sandbox = SandboxState(sim)
    facts = seed_demo(sandbox, start)
    later = DemoDays(sandbox.divisions[facts.division], start)
    settings = load(write_settings_file(base, facts.division))
    reports: list[RunReport] = []
    with bootstrap.build(settings, sim, sandbox=sandbox) as app:
        say(_opening(app.settings.exact.base_url, facts, days, today))
        for offset in range(days):
            day = start + timedelta(days=offset)
            if offset:
                later.book(day - timedelta(days=1))
                moment = at(day, 9) if day < today else clock.now()
                sim.sleep((moment - sim.now()).total_seconds())
            reports.append(service.run(app.deps, day))
            if days > 1:
                say(day_line(reports[-1]))
    return reports


def _opening(url: str, facts: DemoFacts, days: int, today: date) -> str:
    held = f"{facts.customers} customers, {facts.invoices} invoices"
    if days == 1:
        return (
            f"Exact Online sandbox on {url}: administration {facts.division}, {held}, "
            f"{facts.payments_yesterday} payments yesterday."
        )
    return (
        f"Exact Online sandbox on {url}: administration {facts.division}, {held} on "
        f"{facts.today.isoformat()}; {days} days played, one run each morning, to {today}."
    )


def day_line(report: RunReport) -> str:
    """One line per morning of the played days: what came of each kind of mail."""
    parts = []
    for kind, tally in counts(report).items():
        done = [f"{tally[outcome]} {outcome}" for outcome in SHOWN if tally.get(outcome)]
        if done:
            parts.append(f"{kind}s " + ", ".join(done))
    failed = [f"division {d.division} FAILED: {d.error}" for d in report.divisions if d.error]
    notes = [str(note) for d in report.divisions for note in d.notes]
    return f"  {report.run_date:%a %Y-%m-%d}  " + ("; ".join(parts + failed + notes) or "-")


def totals(reports: list[RunReport]) -> str:
    """What the played days came to, per kind of mail."""
    lines = []
    for kind in ("confirmation", "reminder"):
        tally = {o: sum(counts(r)[kind].get(o, 0) for r in reports) for o in SHOWN}
        shown = [f"{n} {o}" for o, n in tally.items() if n or o in SHOWN[:4]]
        lines.append(f"  {kind + 's':<14} " + ", ".join(shown))
    return "\n".join(lines)


def write_settings_file(base: Path, division: int) -> Path:
    """The demo's settings for the other commands (`--config`): absolute paths, and the
    built-in sandbox in place of Exact Online."""
    root = base.resolve()
    exact = {"sandbox": str(root / STATE), "client_id": SandboxState.client_id}
    data = demo_mapping(root, {**exact, "divisions": [division]})
    target = root / STATE / SETTINGS_FILE
    header = (
        "# The settings `followup demo` left, for status, doctor, pause and run (--config).\n"
        "# [exact] sandbox: not Exact Online but the built-in sandbox; each command builds the\n"
        "# demo administration again as it stood on its run date, with fresh tokens.\n"
    )
    target.write_text(header + "\n".join(_toml(data)) + "\n", encoding="utf-8")
    return target


def _toml(table: Mapping[str, Any], name: str = "") -> list[str]:
    """A table of strings, numbers, lists and tables as TOML (JSON strings are TOML strings)."""
    values = [f"{k} = {json.dumps(v)}" for k, v in table.items() if not isinstance(v, Mapping)]
    lines = [f"[{name}]", *values] if name and values else values
    for key, value in table.items():
        if isinstance(value, Mapping):
            lines += ["", *_toml(value, f"{name}.{key}" if name else key)]
    return lines


def _start_afresh(base: Path, today: date, start: date, say: Callable[[str], None]) -> None:
    """A new day, or another number of days: the demo administration is dated afresh."""
    stamp = base / STATE / "demo-date"
    if not stamp.exists():
        return
    old = stamp.read_text().split() or [""]
    old_start = old[1] if len(old) > 1 else old[0]  # a stamp of before --days: one day
    if old[0] != today.isoformat():
        say("A new day: the demo administration is dated afresh, so the demo starts over.")
    elif old_start != start.isoformat():
        say("Another number of days: the demo administration is dated afresh, so it starts over.")
    else:
        return
    shutil.rmtree(base / STATE, ignore_errors=True)
    shutil.rmtree(base / OUTBOX, ignore_errors=True)
