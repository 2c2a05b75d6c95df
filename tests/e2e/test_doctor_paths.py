"""`followup doctor` on paths that can't be used: each problem with the fix that fits it."""

from __future__ import annotations

from pathlib import Path

from cli_support import followup, write_config
from followup.sandbox.state import SandboxState


def verdicts(text: str) -> dict[str, str]:
    """Per check name, its line with the fix folded in."""
    joined: list[str] = []
    for line in text.splitlines():
        if line.startswith(" ") and joined:
            joined[-1] += " " + line.strip()
        elif line.strip():
            joined.append(line)
    return {line.split()[1].rstrip(":"): line for line in joined if len(line.split()) > 1}


def test_a_folder_as_ledger_a_file_in_the_way_of_tokens_and_outbox_get_their_own_fixes(
    tmp_path: Path,
) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9", SandboxState(), 101)
    (tmp_path / "ledger").mkdir()
    (tmp_path / "blocked").write_text("a file, not a folder")
    config.write_text(
        config.read_text()
        + '\n[ledger]\npath = "ledger"\n[tokens]\npath = "blocked/exact-tokens.json"\n'
        '[mail.transport]\npath = "blocked"\n'
    )
    result = followup(
        "doctor", "--config", str(config), cwd=tmp_path, env={"FOLLOWUP_EXACT_CLIENT_SECRET": "s"}
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    said = verdicts(result.stdout)
    ledger = tmp_path / "ledger"
    assert said["ledger"].startswith(f"PROBLEM  ledger: {ledger} is a folder, not a file")
    fix = f"fix: set [ledger] path to a file in it, such as {ledger / 'ledger.sqlite3'}"
    assert fix in said["ledger"]
    blocked = tmp_path / "blocked"
    assert f"token store: {blocked} can't be made: {blocked} is a file" in said["token"]
    assert "fix: set [tokens] path to a path in a folder" in said["token"]
    assert f"outbox: {blocked} is a file, not a folder" in said["outbox"]
    assert "fix: set [mail.transport] path to a folder" in said["outbox"]
