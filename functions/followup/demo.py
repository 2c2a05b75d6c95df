"""`followup demo`: the whole daily job against the built-in Exact Online sandbox."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from followup import bootstrap, service, settings
from followup.adapters.file_tokens import FileTokenStore
from followup.clock import business_date
from followup.model import RunReport, TokenSet
from followup.ports import Clock
from followup.sandbox.demo_data import DemoFacts, seed_demo
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxState

STATE = ".demo"
OUTBOX = "outbox"


def demo_settings(
    base: Path, exact_url: str, sandbox: SandboxState, facts: DemoFacts
) -> settings.Settings:
    """The embedded default: sandbox Exact, token file, SQLite ledger, outbox folder, drafts."""
    return settings.parse(
        {
            "company": {
                "name": "Bakkerij De Gouden Croissant B.V.",
                "from_address": "administratie@goudencroissant.example.nl",
                "from_name": "Bakkerij De Gouden Croissant",
                "reply_to": "administratie@goudencroissant.example.nl",
                "bcc_archive": "archief@goudencroissant.example.nl",
                "phone": "020 123 45 67",
                "website": "https://goudencroissant.example.nl",
                "signature": "Marieke Bakker\nBakkerij De Gouden Croissant B.V.",
            },
            "exact": {
                "base_url": exact_url,
                "client_id": sandbox.client_id,
                "client_secret": sandbox.client_secret,
                "divisions": [facts.division],
            },
            "tokens": {"backend": "file", "path": str(base / STATE / "exact-tokens.json")},
            "ledger": {"backend": "sqlite", "path": str(base / STATE / "ledger.sqlite3")},
            "mail": {"transport": {"backend": "outbox", "path": str(base / OUTBOX)}},
        },
        source="demo settings",
    )


def run_demo(base: Path, clock: Clock, say: Callable[[str], None] = print) -> RunReport:
    """Seed a sandbox dated today, run the daily job against it over HTTP, write the outbox."""
    today = business_date(clock.now())
    state_dir = base / STATE
    _start_afresh_on_a_new_day(base, today.isoformat(), say)
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "demo-date").write_text(today.isoformat())

    sandbox = SandboxState()
    facts = seed_demo(sandbox, today)
    with SandboxServer(sandbox) as server:
        say(
            f"Exact Online sandbox on {server.base_url}: administration {facts.division}, "
            f"{facts.customers} customers, {facts.invoices} invoices, "
            f"{facts.payments_yesterday} payments yesterday."
        )
        _consent(sandbox, state_dir / "exact-tokens.json", clock)
        config = demo_settings(base, server.base_url, sandbox, facts)
        with bootstrap.build(config, clock) as app:
            report = service.run(app.deps, today)
    return report


def _consent(sandbox: SandboxState, path: Path, clock: Clock) -> None:
    """The sandbox is new every run: store the tokens of a fresh consent, as `auth exact` would."""
    issued = sandbox.issue_tokens()
    now = clock.now()
    FileTokenStore(path).save(
        TokenSet(
            access_token=str(issued["access_token"]),
            access_expires_at=now + timedelta(seconds=int(issued["expires_in"])),
            refresh_token=str(issued["refresh_token"]),
            refreshed_at=now,
        )
    )


def _start_afresh_on_a_new_day(base: Path, today: str, say: Callable[[str], None]) -> None:
    stamp = base / STATE / "demo-date"
    if stamp.exists() and stamp.read_text().strip() != today:
        say("A new day: the demo administration is dated afresh, so the demo starts over.")
        shutil.rmtree(base / STATE, ignore_errors=True)
        shutil.rmtree(base / OUTBOX, ignore_errors=True)
