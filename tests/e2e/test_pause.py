"""`followup pause` and `followup resume`, and what a run then does."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

from cli_support import consent, followup, write_config
from followup.clock import AMSTERDAM, business_date
from followup.sandbox.demo_data import seed_demo
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxState


def test_a_paused_customer_is_skipped_with_the_reason_until_resumed(tmp_path: Path) -> None:
    today = business_date(datetime.now(AMSTERDAM))
    state = SandboxState()
    facts = seed_demo(state, today)
    target = facts.overdue_customers[1]
    with SandboxServer(state) as server:
        consent(tmp_path, state)
        config = write_config(tmp_path, server.base_url, state, facts.division)
        # Reminders on working days only would make this test depend on the weekday.
        with config.open("a") as extra:
            extra.write("\n[policy]\nreminders_on_working_days_only = false\n")
        env = {"FOLLOWUP_EXACT_CLIENT_SECRET": state.client_secret}
        until = (today + timedelta(days=14)).isoformat()

        paused = followup(
            "pause",
            target,
            "--until",
            until,
            "--reason",
            "disputes the delivery",
            "--config",
            str(config),
            cwd=tmp_path,
        )
        assert paused.returncode == 0, paused.stderr
        assert f"Paused {target} in every division until {until}" in paused.stdout

        def reminder_reasons() -> list[str]:
            run = followup(
                "run", "--config", str(config), "--dry-run", "--json", cwd=tmp_path, env=env
            )
            assert run.returncode == 0, run.stderr
            entries = json.loads(run.stdout)["divisions"][0]["entries"]
            return [
                e["reason"]
                for e in entries
                if e["kind"] == "reminder" and e["customer"].startswith(target)
            ]

        assert reminder_reasons() == [f"paused until {until}: disputes the delivery"]
        status = followup("status", "--config", str(config), cwd=tmp_path)
        assert status.returncode == 0, status.stderr
        assert f"{target} in every division until {until}: disputes the delivery" in status.stdout
        resumed = followup("resume", target, "--config", str(config), cwd=tmp_path)
        assert resumed.returncode == 0, resumed.stderr
        assert "paused" not in " ".join(reminder_reasons())
        again = followup("resume", target, "--config", str(config), cwd=tmp_path)
        assert again.returncode == 1
        assert "no pause for" in again.stderr


def test_a_pause_in_the_past_or_without_a_reason_is_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9", SandboxState(), 1)
    past = followup(
        "pause",
        "1001",
        "--until",
        "2020-01-01",
        "--reason",
        "x",
        "--config",
        str(config),
        cwd=tmp_path,
    )
    assert past.returncode == 2
    assert "in the past" in past.stderr
    blank = followup(
        "pause",
        "1001",
        "--until",
        "2099-01-01",
        "--reason",
        " ",
        "--config",
        str(config),
        cwd=tmp_path,
    )
    assert blank.returncode == 2
    bad_date = followup(
        "pause", "1001", "--until", "soon", "--reason", "x", "--config", str(config), cwd=tmp_path
    )
    assert bad_date.returncode == 2
    assert "not a date" in bad_date.stderr
