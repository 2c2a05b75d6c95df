"""`followup doctor` against the sandbox with the embedded backends: a healthy setup, and each
known failure reported with its fix."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cli_support import consent, followup, write_config
from followup.adapters.file_tokens import FileTokenStore
from followup.clock import AMSTERDAM
from followup.model import TokenSet
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxClock, SandboxState

ENV = {"FOLLOWUP_EXACT_CLIENT_SECRET": SandboxState.client_secret}


@pytest.fixture
def sandbox() -> Iterator[tuple[SandboxState, SandboxServer]]:
    state = SandboxState(clock=SandboxClock())
    state.add_division(101, "Bakkerij Noord B.V.")
    state.add_division(202, "Bakkerij Zuid B.V.")
    with SandboxServer(state) as server:
        yield state, server


def lines(text: str) -> list[str]:
    """The report with each check on one line (the fix folded into it)."""
    joined: list[str] = []
    for line in text.splitlines():
        if line.startswith(" ") and joined:
            joined[-1] += " " + line.strip()
        else:
            joined.append(line)
    return joined


def with_iban(config: Path) -> Path:
    """The test settings with the company's bank account in [company]."""
    text = config.read_text()
    company = 'from_address = "admin@test.example.nl"\n'
    config.write_text(text.replace(company, company + 'iban = "NL91 ABNA 0417 1643 00"\n', 1))
    return config


def verdict(text: str, name: str) -> str:
    [found] = [line for line in lines(text) if line.split(" ", 1)[-1].strip().startswith(name)]
    return found


def test_a_healthy_setup_passes_every_check_without_spending_a_refresh(
    tmp_path: Path, sandbox: tuple[SandboxState, SandboxServer]
) -> None:
    state, server = sandbox
    consent(tmp_path, state)
    config = with_iban(write_config(tmp_path, server.base_url, state, 101))
    result = followup("doctor", "--config", str(config), cwd=tmp_path, env=ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    for name in ("settings", "token store", "Exact token", "Gmail", "ledger", "templates"):
        assert verdict(out, name).startswith("OK "), out
    assert "IBAN NL91 ABNA 0417 1643 00 in the name of Test B.V." in verdict(out, "where to pay")
    assert verdict(out, "division 101").startswith("OK ")
    assert "Bakkerij Noord B.V." in verdict(out, "division 101")
    assert "signed in as Demo Eigenaar" in out
    assert "All checks passed." in out
    assert state.refresh_count == 0
    assert not [c for c in state.calls if c[2].startswith("/api/oauth2/token")]
    assert "PROBLEM" not in out
    assert "WARNING" not in out


def test_reminders_that_dont_say_where_to_pay_are_a_warning_with_the_setting_as_fix(
    tmp_path: Path, sandbox: tuple[SandboxState, SandboxServer]
) -> None:
    state, server = sandbox
    consent(tmp_path, state)
    config = write_config(tmp_path, server.base_url, state, 101)
    result = followup("doctor", "--config", str(config), cwd=tmp_path, env=ENV)
    assert result.returncode == 0, result.stdout  # a warning is not a failure
    line = verdict(result.stdout, "where to pay")
    assert line.startswith(
        "WARNING  where to pay: reminders don't say where to pay: set company.iban"
    )
    assert 'fix: in [company]: iban = "NL' in line
    assert "All checks passed. 1 warning(s)." in result.stdout

    config.write_text(
        config.read_text() + '\n[mail]\npayment_link = "https://betaal.test.nl/{invoice_number}"\n'
    )
    linked = followup("doctor", "--config", str(config), cwd=tmp_path, env=ENV)
    assert verdict(linked.stdout, "where to pay").startswith("OK ")
    assert "a payment link per invoice" in verdict(linked.stdout, "where to pay")


def test_a_missing_token_file_is_a_problem_with_the_sign_in_as_fix(
    tmp_path: Path, sandbox: tuple[SandboxState, SandboxServer]
) -> None:
    state, server = sandbox
    config = write_config(tmp_path, server.base_url, state, 101)
    result = followup("doctor", "--config", str(config), cwd=tmp_path, env=ENV)
    assert result.returncode == 1
    line = verdict(result.stdout, "token store")
    assert line.startswith("PROBLEM")
    assert "no Exact tokens in" in line
    assert "fix: run `followup auth exact --config FILE`" in line
    assert verdict(result.stdout, "ledger").startswith("OK ")  # the other checks still ran
    assert "1 problem(s) found." in result.stdout


def test_an_expired_access_token_is_left_for_the_next_run_unless_refresh_is_asked(
    tmp_path: Path, sandbox: tuple[SandboxState, SandboxServer]
) -> None:
    """The stored refresh token was spent elsewhere ("Old refresh token used."): only a refresh
    can find out, and only --refresh makes one."""
    state, server = sandbox
    issued = state.issue_tokens()
    state.clock.advance(600)  # type: ignore[attr-defined]
    assert not isinstance(state.tokens.refresh(issued["refresh_token"]), type(None))
    now = datetime.now(AMSTERDAM)
    FileTokenStore(tmp_path / "state" / "exact-tokens.json").save(
        TokenSet(
            access_token=issued["access_token"],
            access_expires_at=now - timedelta(minutes=5),
            refresh_token=issued["refresh_token"],  # the chain moved on without it
            refreshed_at=now - timedelta(minutes=15),
        )
    )
    config = write_config(tmp_path, server.base_url, state, 101)
    refreshes = state.refresh_count

    quiet = followup("doctor", "--config", str(config), cwd=tmp_path, env=ENV)
    assert quiet.returncode == 0, quiet.stdout
    assert "the next run will refresh it" in verdict(quiet.stdout, "Exact token")
    assert verdict(quiet.stdout, "divisions").startswith("SKIPPED")
    assert "`followup doctor --refresh`" in verdict(quiet.stdout, "divisions")
    assert not [c for c in state.calls if c[2].startswith("/api/oauth2/token")]

    asked = followup("doctor", "--config", str(config), "--refresh", cwd=tmp_path, env=ENV)
    assert asked.returncode == 1
    line = verdict(asked.stdout, "Exact token")
    assert line.startswith("PROBLEM")
    assert "Old refresh token used." in line
    assert "fix: run `followup auth exact --config FILE`" in line
    assert state.refresh_count == refreshes


def test_an_unknown_division_and_a_broken_template_are_each_reported_with_their_fix(
    tmp_path: Path, sandbox: tuple[SandboxState, SandboxServer]
) -> None:
    state, server = sandbox
    consent(tmp_path, state)
    own = tmp_path / "templates" / "reminder" / "nl"
    own.mkdir(parents=True)
    (own / "subject.txt.j2").write_text("Herinnering {{ invoice.number \n")
    config = write_config(tmp_path, server.base_url, state, 101)
    text = config.read_text().replace("divisions = [101]", "divisions = [101, 999]")
    config.write_text(text + '\n[mail]\ntemplates = "templates"\n')

    result = followup("doctor", "--config", str(config), cwd=tmp_path, env=ENV)
    assert result.returncode == 1
    out = result.stdout
    assert verdict(out, "division 101").startswith("OK ")
    unknown = verdict(out, "division 999")
    assert unknown.startswith("PROBLEM")
    assert "fix: correct [exact] divisions (this Exact user sees: 101, 202)" in unknown
    template = verdict(out, "templates")
    assert template.startswith("PROBLEM")
    assert "subject.txt.j2" in template
    assert "`followup preview`" in template
    assert "2 problem(s) found." in out
    assert state.refresh_count == 0


def test_invalid_settings_are_a_problem_and_nothing_else_is_tried(tmp_path: Path) -> None:
    config = tmp_path / "followup.toml"
    config.write_text('[company]\nname = "X"\n')
    result = followup("doctor", "--config", str(config), cwd=tmp_path)
    assert result.returncode == 1
    line = verdict(result.stdout, "settings")
    assert line.startswith("PROBLEM")
    assert "company.from_address: missing value" in line
    assert "token store" not in result.stdout


def _commands(parser: argparse.ArgumentParser, path: str = "") -> Iterator[tuple[str, Any]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{path} {name}".strip(), sub
                yield from _commands(sub, f"{path} {name}")


def test_every_command_has_a_description_and_every_option_a_help_text() -> None:
    from followup import cli

    commands = dict(_commands(cli.parser()))
    assert {"run", "doctor", "auth", "auth exact", "auth gmail", "status"} <= set(commands)
    for name, command in commands.items():
        assert command.description, f"`followup {name}` has no description"
        for action in command._actions:
            if not isinstance(action, argparse._SubParsersAction):
                assert action.help, f"`followup {name}` {action.option_strings} has no help"
    result = followup("auth", "exact", "--help", cwd=Path.cwd())
    assert result.returncode == 0
    assert "--port N" in result.stdout
    assert "http://127.0.0.1:8765/callback" in result.stdout
