"""What `followup run` prints: in the owner's language, each mail that goes (or in a dry run
would go) out and each skip with its customer, invoices and reason."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

from cli_support import consent, followup, write_config
from followup.clock import AMSTERDAM, business_date
from followup.sandbox.demo_data import seed_demo
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxState


def test_a_dry_run_lists_every_mail_and_skip_in_dutch_or_in_the_configured_english(
    tmp_path: Path,
) -> None:
    today = business_date(datetime.now(AMSTERDAM))
    state = SandboxState()
    facts = seed_demo(state, today)
    with SandboxServer(state) as server:
        consent(tmp_path, state)
        config = write_config(tmp_path, server.base_url, state, facts.division)
        with config.open("a") as extra:  # reminders also on a weekend: the same test every day
            extra.write("\n[policy]\nreminders_on_working_days_only = false\n")
        env = {"FOLLOWUP_EXACT_CLIENT_SECRET": state.client_secret}
        args = ("run", "--config", str(config), "--date", today.isoformat(), "--dry-run")

        report = json.loads(followup(*args, "--json", cwd=tmp_path, env=env).stdout)
        dutch = followup(*args, cwd=tmp_path, env=env)
        with config.open("a") as extra:
            extra.write('\n[digest]\nlanguage = "en"\n')
        english = followup(*args, cwd=tmp_path, env=env)

    assert dutch.returncode == 0, dutch.stderr
    assert english.returncode == 0, english.stderr
    entries = report["divisions"][0]["entries"]
    planned = [e for e in entries if e["outcome"] == "planned"]
    skipped = [e for e in entries if e["outcome"] == "skipped"]
    assert planned
    assert skipped
    for text, would, skip, kinds in (
        (dutch.stdout, "Zou worden bezorgd", "Overgeslagen", ("Bevestiging", "Herinnering")),
        (english.stdout, "Would have been delivered", "Skipped", ("Confirmation", "Reminder")),
    ):
        assert f"{would} ({len(planned)}):" in text
        assert f"{skip} ({len(skipped)}):" in text
        for e in planned:
            [line] = [
                x for x in text.splitlines() if f"{e['customer']}, " in x and e["recipient"] in x
            ]
            assert line.strip().startswith(("- " + kinds[0], "- " + kinds[1]))
            assert all(number in line for number in e["invoices"])
            assert re.search(r"(€|US\$) ?[\d.,]+", line)
            if e["kind"] == "reminder":
                assert re.search(rf"- {kinds[1]} {e['level']} \(", line)
        for e in skipped:
            assert any(
                e["customer"] in x and all(n in x for n in e["invoices"]) for x in text.splitlines()
            )
    assert "geen e-mailadres in Exact (relatie en contactpersonen)" in dutch.stdout
    assert "no e-mail address in Exact (account and contacts)" in english.stdout
    assert "no e-mail address" not in dutch.stdout
    assert "proefrun" in dutch.stdout
    assert "dry run" in english.stdout
