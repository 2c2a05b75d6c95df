"""The command line on a real mailbox: `followup run` with `[mail.transport] backend = "smtp"`
drafts into Dovecot's Drafts through bootstrap's wiring (the password from the environment),
a second run creates nothing; `followup doctor` checks the login, the folders, a test draft
and, when a kind sends, the SMTP login and sender, each problem with its fix."""

from __future__ import annotations

import json
import ssl
from datetime import datetime
from pathlib import Path

from cli_support import consent, followup, write_config
from followup.clock import AMSTERDAM, business_date
from followup.sandbox.demo_data import seed_demo
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxState
from mailserver.certs import ServerCA
from mailserver.conftest import Mailbox
from mailserver.dovecot import Dovecot
from mailserver.reading import folder
from mailserver.submission_server import SubmissionServer


def mailbox_settings(dovecot: Dovecot, box: Mailbox, ca: ServerCA, smtp_port: int = 1,
                     sends: bool = False) -> str:  # fmt: skip
    mode = '\n[mail.mode]\nconfirmation = "send"\n' if sends else ""
    return f"""
[mail.transport]
backend = "smtp"
username = "{box.user}"
host = "127.0.0.1"
port = {smtp_port}
imap_port = {dovecot.imaps_port}
ca_file = "{ca.ca_file}"
{mode}"""


def test_a_run_drafts_into_the_mailbox_and_a_second_run_creates_nothing(
    tmp_path: Path, dovecot: Dovecot, mailbox: Mailbox, ca: ServerCA,
    client_context: ssl.SSLContext,
) -> None:  # fmt: skip
    today = business_date(datetime.now(AMSTERDAM))
    state = SandboxState()
    facts = seed_demo(state, today)
    with SandboxServer(state) as server:
        consent(tmp_path, state)
        config = write_config(tmp_path, server.base_url, state, facts.division)
        config.write_text(config.read_text() + mailbox_settings(dovecot, mailbox, ca))
        env = {"FOLLOWUP_EXACT_CLIENT_SECRET": state.client_secret,
               "FOLLOWUP_MAILBOX_PASSWORD": mailbox.password}  # fmt: skip
        args = ("run", "--config", str(config), "--date", today.isoformat(), "--json")
        first = followup(*args, cwd=tmp_path, env=env)
        assert first.returncode == 0, first.stderr
        drafted = json.loads(first.stdout)["counts"]["confirmation"]["drafted"]
        drafts = folder(dovecot, mailbox, "Drafts", client_context)
        assert drafted >= 5
        assert len(drafts) >= drafted
        assert all(str(d["Message-ID"]).endswith("@test.example.nl>") for d in drafts)
        second = followup(*args, cwd=tmp_path, env=env)
        assert second.returncode == 0, second.stderr
        assert len(folder(dovecot, mailbox, "Drafts", client_context)) == len(drafts)
    assert mailbox.password not in first.stdout + first.stderr + second.stdout + second.stderr


def doctor(config: Path, env: dict[str, str]) -> dict[str, str]:
    done = followup("doctor", "--config", str(config), cwd=config.parent, env=env)
    lines: dict[str, str] = {}
    name = ""
    for line in done.stdout.splitlines():
        if line[:1].isupper() and ": " in line:
            name = line.split(": ", 1)[0].split(None, 1)[-1]
            lines[name] = line
        elif line.startswith(" ") and name:
            lines[name] += " " + line.strip()
    return lines


def test_doctor_checks_the_mailbox_and_sending(
    tmp_path: Path, dovecot: Dovecot, mailbox: Mailbox, ca: ServerCA,
    starttls_smtp: SubmissionServer, client_context: ssl.SSLContext,
) -> None:  # fmt: skip
    state = SandboxState()
    config = write_config(tmp_path, "http://127.0.0.1:9", state, 101)
    config.write_text(config.read_text() + mailbox_settings(
        dovecot, mailbox, ca, starttls_smtp.port, sends=True))  # fmt: skip
    checks = doctor(config, {"FOLLOWUP_EXACT_CLIENT_SECRET": "x",
                             "FOLLOWUP_MAILBOX_PASSWORD": mailbox.password})  # fmt: skip
    assert checks["mailbox login"].startswith("OK"), checks
    assert "Drafts: Drafts, Sent: Sent (special-use flags)" in checks["mailbox folders"]
    assert "found by its Message-ID, deleted" in checks["test draft"]
    assert checks["sending"].startswith("OK")
    assert "accepts admin@test.example.nl as sender" in checks["sending"]
    assert folder(dovecot, mailbox, "Drafts", client_context) == []  # the test draft is gone
    assert starttls_smtp.state.received == []  # nothing was sent


def test_doctor_names_a_refused_login_and_a_missing_password_with_their_fixes(
    tmp_path: Path, dovecot: Dovecot, mailbox: Mailbox, ca: ServerCA,
) -> None:  # fmt: skip
    config = write_config(tmp_path, "http://127.0.0.1:9", SandboxState(), 101)
    config.write_text(config.read_text() + mailbox_settings(dovecot, mailbox, ca))
    wrong = doctor(config, {"FOLLOWUP_EXACT_CLIENT_SECRET": "x",
                            "FOLLOWUP_MAILBOX_PASSWORD": "wrong-SECRET"})  # fmt: skip
    assert wrong["mailbox login"].startswith("PROBLEM"), wrong
    assert "refused the login" in wrong["mailbox login"]
    assert "app password" in wrong["mailbox login"]
    assert "SECRET" not in " ".join(wrong.values())
    missing = doctor(config, {"FOLLOWUP_EXACT_CLIENT_SECRET": "x"})
    assert "FOLLOWUP_MAILBOX_PASSWORD" in missing["mailbox login"]
