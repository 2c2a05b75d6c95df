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


def test_a_pause_in_a_division_that_is_not_configured_is_refused(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9", SandboxState(), 101)
    until = ("--until", "2099-01-01", "--reason", "dispute", "--config", str(config))
    for division in ("202", "0"):
        refused = followup("pause", "1012", "--division", division, *until, cwd=tmp_path)
        assert refused.returncode == 2
        assert f"--division {division} is not configured" in refused.stderr
        assert "[exact] divisions in" in refused.stderr
        assert "101" in refused.stderr
        assert "Traceback" not in refused.stderr
    assert not (tmp_path / "state").exists()  # nothing stored
    accepted = followup("pause", "1012", "--division", "101", *until, cwd=tmp_path)
    assert accepted.returncode == 0, accepted.stderr
    assert "Paused 1012 in division 101 until 2099-01-01: dispute" in accepted.stdout


def test_resume_finds_what_pause_stored_in_a_division_and_in_another_case(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9", SandboxState(), 101)
    options = ("--config", str(config))
    until = ("--until", "2099-01-01", "--reason", "dispute", *options)
    assert followup("pause", "K1012", "--division", "101", *until, cwd=tmp_path).returncode == 0
    assert followup("pause", "2026-0044", *until, cwd=tmp_path).returncode == 0

    elsewhere = followup("resume", "2026-0044", "--division", "101", *options, cwd=tmp_path)
    assert elsewhere.returncode == 1
    assert "no pause for 2026-0044 in division 101" in elsewhere.stderr
    assert "it is paused in every division" in elsewhere.stderr

    resumed = followup("resume", " k1012 ", *options, cwd=tmp_path)  # no --division, lower case
    assert resumed.returncode == 0, resumed.stderr
    assert "Resumed k1012 in division 101." in resumed.stdout
    invoice = followup("resume", "2026-0044", *options, cwd=tmp_path)
    assert invoice.returncode == 0, invoice.stderr
    assert "Resumed 2026-0044 in every division." in invoice.stdout
    status = followup("status", *options, cwd=tmp_path)
    assert status.returncode == 0, status.stderr
    assert "K1012" not in status.stdout
    assert "2026-0044" not in status.stdout
