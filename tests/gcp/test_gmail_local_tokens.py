"""Gmail without Google Cloud: with `[tokens] backend = "file"` and no refresh_token_secret,
`followup auth gmail` keeps the refresh token in the mailbox token file beside the Exact tokens
(against the local Google OAuth stand-in), and `followup run` from cron drafts into Gmail with
it (against the local Gmail stand-in). No Secret Manager, no Google sign-in on the machine."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime
from pathlib import Path

import httpx

from cli_support import FOLLOWUP, consent, followup, write_config
from followup.clock import AMSTERDAM, business_date
from followup.sandbox.demo_data import seed_demo
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxState
from gcp.gmail_server import GmailServer, GmailState
from gcp.google_oauth_server import GoogleOAuthServer

SENDER = "administratie@bakkerij.example.nl"


def gmail_settings(client_id: str, auth_uri: str, token_uri: str, api: str = "") -> str:
    endpoint = f'api_endpoint = "{api}"\n' if api else ""
    return f"""
[mail.transport]
backend = "gmail"
user = "{SENDER}"
client_id = "{client_id}"
auth_uri = "{auth_uri}"
token_uri = "{token_uri}"
{endpoint}"""


def no_google_sign_in(tmp_path: Path) -> dict[str, str]:
    """An environment without Google credentials: a run must not need them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GOOGLE_", "CLOUDSDK_"))}
    return {**env, "HOME": str(tmp_path), "GOOGLE_APPLICATION_CREDENTIALS": str(tmp_path / "none")}


def test_auth_gmail_keeps_the_refresh_token_in_the_local_token_file(tmp_path: Path) -> None:
    with GoogleOAuthServer() as oauth:
        config = write_config(tmp_path, "http://127.0.0.1:9", SandboxState(), 101)
        config.write_text(config.read_text() + gmail_settings(
            oauth.state.client_id, oauth.auth_uri, oauth.token_uri))  # fmt: skip
        env = {**no_google_sign_in(tmp_path),
               "FOLLOWUP_GMAIL_CLIENT_SECRET": oauth.state.client_secret}  # fmt: skip
        process = subprocess.Popen(  # noqa: S603 - our own console script
            [FOLLOWUP, "auth", "gmail", "--config", str(config), "--no-browser", "--timeout", "20"],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        assert process.stdout is not None
        printed = []
        for line in process.stdout:
            printed.append(line)
            if line.strip().startswith("http://127.0.0.1") and "auth?" in line:
                assert httpx.get(line.strip(), follow_redirects=True, timeout=10).is_success
                break
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    path = tmp_path / "state" / "mailbox-tokens.json"
    entry = json.loads(path.read_text())[f"gmail:{SENDER}"]
    assert entry["refresh_token"] in oauth.state.consents
    assert path.stat().st_mode & 0o777 == 0o600
    assert f"stored in {path}" in "".join(printed) + out
    assert "OK: Google grants" in out
    assert entry["refresh_token"] not in "".join(printed) + out + err


def test_a_cron_run_drafts_into_gmail_with_the_token_from_the_token_file(tmp_path: Path) -> None:
    today = business_date(datetime.now(AMSTERDAM))
    state = SandboxState()
    facts = seed_demo(state, today)
    gmail_state = GmailState(now=lambda: datetime.now(AMSTERDAM), refresh_tokens={"1//local"})
    with SandboxServer(state) as server, GmailServer(gmail_state) as gmail:
        consent(tmp_path, state)
        (tmp_path / "state" / "mailbox-tokens.json").write_text(
            json.dumps({f"gmail:{SENDER}": {"refresh_token": "1//local"}})
        )
        config = write_config(tmp_path, server.base_url, state, facts.division)
        local = gmail_settings(
            gmail_state.client_id, gmail.url("/auth"), gmail.token_uri, gmail.endpoint
        )
        config.write_text(config.read_text() + local)
        env = {"FOLLOWUP_EXACT_CLIENT_SECRET": state.client_secret,
               "FOLLOWUP_GMAIL_CLIENT_SECRET": gmail_state.client_secret}  # fmt: skip
        args = ("run", "--config", str(config), "--date", today.isoformat(), "--json")
        done = followup(*args, cwd=tmp_path, env={**no_google_sign_in(tmp_path), **env})
    assert done.returncode == 0, done.stderr
    drafted = json.loads(done.stdout)["counts"]["confirmation"]["drafted"]
    assert drafted >= 5
    assert len(gmail_state.drafts()) >= drafted
    assert gmail_state.sent() == []
