"""`followup auth gmail` and doctor's Gmail, token store and ledger checks against local
stand-ins: Google's OAuth endpoints, Secret Manager, the Firestore emulator. Nothing reaches
Google: the consent's "browser" is an httpx GET following the stand-in's redirect."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from google.auth import crypt

from cli_support import FOLLOWUP
from followup import cli
from followup.adapters.gmail.check import check_access
from followup.adapters.gmail.credentials import COMPOSE, READONLY, SEND, delegated_credentials
from followup.sandbox.server import SandboxServer
from followup.sandbox.state import SandboxState
from gcp.google_oauth_server import GoogleOAuthServer
from gcp.secret_manager_server import DESTROYED, SecretManagerServer, Version

PROJECT = "followup-test"
SENDER = "administratie@bakkerij.example.nl"
REFRESH_SECRET = f"projects/{PROJECT}/secrets/gmail-refresh"
EXACT_SECRET = f"projects/{PROJECT}/secrets/exact-tokens"


@pytest.fixture
def google() -> Iterator[tuple[GoogleOAuthServer, SecretManagerServer]]:
    with GoogleOAuthServer() as oauth, SecretManagerServer() as secrets:
        secrets.state.create_secret(REFRESH_SECRET)
        secrets.state.secrets[REFRESH_SECRET].append(Version(1, b"1//an-older-consent"))
        secrets.state.create_secret(EXACT_SECRET)
        yield oauth, secrets


def write_config(
    path: Path, oauth: GoogleOAuthServer, secrets: SecretManagerServer, exact: str, prefix: str, *,
    reconcile: bool = False,
) -> Path:  # fmt: skip
    path.write_text(
        f"""
[company]
name = "Bakkerij"
from_address = "{SENDER}"

[exact]
base_url = "{exact}"
client_id = "{SandboxState.client_id}"
divisions = [101]

[tokens]
backend = "secret_manager"
project = "{PROJECT}"
api_endpoint = "{secrets.endpoint}"
lease_collection = "{prefix}leases"

[ledger]
backend = "firestore"
project = "{PROJECT}"
collection_prefix = "{prefix}"

[mail.transport]
backend = "gmail"
user = "{SENDER}"
project = "{PROJECT}"
refresh_token_secret = "gmail-refresh"
client_id = "{oauth.state.client_id}"
reconcile = {str(reconcile).lower()}
auth_uri = "{oauth.auth_uri}"
token_uri = "{oauth.token_uri}"
secret_manager_endpoint = "{secrets.endpoint}"
"""
    )
    return path


def consent_in(
    command: str, config: Path, env: dict[str, str], *more: str
) -> subprocess.CompletedProcess[str]:
    """Run `followup auth COMMAND --no-browser` (and `more` options), consenting with an httpx
    GET of its address."""
    options = ("--config", str(config), "--no-browser", "--timeout", "20", *more)
    process = subprocess.Popen(  # noqa: S603 - our own console script
        [FOLLOWUP, "auth", command, *options],
        cwd=config.parent,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, **env},
    )
    assert process.stdout is not None
    printed = []
    for line in process.stdout:
        printed.append(line)
        if line.strip().startswith("http://127.0.0.1") and "auth?" in line:
            page = httpx.get(line.strip(), follow_redirects=True, timeout=10)
            assert page.status_code == 200
            break
    out, err = process.communicate(timeout=30)
    return subprocess.CompletedProcess(
        process.args, process.returncode, "".join(printed) + out, err
    )


def auth_gmail(config: Path, client_secret: str) -> subprocess.CompletedProcess[str]:
    """`followup auth gmail`, the consent given."""
    return consent_in("gmail", config, {"FOLLOWUP_GMAIL_CLIENT_SECRET": client_secret})


def doctor(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, str]]:
    """`followup doctor` in this process; each check's line (fix folded in) by name."""
    code = cli.main(["doctor", "--config", str(config)])
    checks: dict[str, str] = {}
    name = ""
    for line in capsys.readouterr().out.splitlines():
        if line[:1].isupper() and ": " in line:
            name = line[9:].split(": ", 1)[0]
            checks[name] = line
        elif line.startswith(" ") and name:
            checks[name] += " " + line.strip()
    return code, checks


def test_both_consents_land_in_secret_manager_and_doctor_checks_them_against_the_modes(
    google: tuple[GoogleOAuthServer, SecretManagerServer],
    firestore_emulator: str,
    prefix: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    oauth, secrets = google
    state = SandboxState()
    state.add_division(101, "Bakkerij Noord B.V.")
    with SandboxServer(state) as exact:
        config = write_config(tmp_path / "followup.toml", oauth, secrets, exact.base_url, prefix)
        result = auth_gmail(config, oauth.state.client_secret)
        assert result.returncode == 0, result.stderr
        [asked] = oauth.state.authorize_requests
        assert asked["scope"] == COMPOSE  # drafts (the default mode): compose, nothing more
        assert asked["access_type"] == "offline"
        assert asked["prompt"] == "consent"
        assert asked["login_hint"] == SENDER
        assert asked["code_challenge_method"] == "S256"
        [(refresh, granted)] = oauth.state.consents.items()
        versions = secrets.state.secrets[REFRESH_SECRET]
        assert versions[-1].data == refresh.encode()
        assert versions[0].state == DESTROYED  # the older consent no longer costs anything
        assert f"OK: Google grants {SENDER}: gmail.compose" in result.stdout
        assert refresh not in result.stdout + result.stderr
        assert oauth.state.client_secret not in result.stdout + result.stderr

        exact_auth = consent_in(
            "exact", config, {"FOLLOWUP_EXACT_CLIENT_SECRET": state.client_secret}
        )
        assert exact_auth.returncode == 0, exact_auth.stderr
        assert f"Tokens stored in the Secret Manager secret {EXACT_SECRET}" in exact_auth.stdout
        assert len(secrets.state.enabled(EXACT_SECRET)) == 1
        monkeypatch.setenv("FOLLOWUP_EXACT_CLIENT_SECRET", state.client_secret)
        monkeypatch.setenv("FOLLOWUP_GMAIL_CLIENT_SECRET", oauth.state.client_secret)
        code, checks = doctor(config, capsys)
        assert code == 0, checks
        assert checks["token store"].startswith("OK ")
        assert EXACT_SECRET in checks["token store"]
        assert checks["division 101"].startswith("OK ")
        assert checks["Gmail"].startswith("OK ")
        assert "gmail.compose (drafts" in checks["Gmail"]
        assert checks["ledger"].startswith("OK ")
        assert "Firestore" in checks["ledger"]
        assert state.refresh_count == 0

        # Reconciling needs gmail.readonly, which this consent didn't give.
        write_config(config, oauth, secrets, exact.base_url, prefix, reconcile=True)
        code, checks = doctor(config, capsys)
    assert code == 1
    assert checks["Gmail"].startswith("PROBLEM")
    assert "does not cover all of gmail.compose, gmail.readonly" in checks["Gmail"]
    assert "fix: run `followup auth gmail`" in checks["Gmail"]
    assert granted == {COMPOSE}


def test_a_consent_with_a_scope_left_unticked_stores_nothing(
    google: tuple[GoogleOAuthServer, SecretManagerServer], prefix: str, tmp_path: Path
) -> None:
    oauth, secrets = google
    oauth.state.grant_only = {COMPOSE}
    config = write_config(
        tmp_path / "followup.toml", oauth, secrets, "http://127.0.0.1:9", prefix, reconcile=True
    )
    result = auth_gmail(config, oauth.state.client_secret)
    assert result.returncode == 1
    assert "the consent left out gmail.readonly; nothing was stored" in result.stderr
    assert [v.data for v in secrets.state.secrets[REFRESH_SECRET]] == [b"1//an-older-consent"]


def test_a_revoked_refresh_token_is_a_problem_naming_the_seven_day_expiry(
    google: tuple[GoogleOAuthServer, SecretManagerServer],
    prefix: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    oauth, secrets = google
    oauth.state.consents["1//an-older-consent"] = {COMPOSE}
    oauth.state.revoked.add("1//an-older-consent")
    config = write_config(tmp_path / "followup.toml", oauth, secrets, "http://127.0.0.1:9", prefix)
    monkeypatch.setenv("FOLLOWUP_GMAIL_CLIENT_SECRET", oauth.state.client_secret)
    from followup import settings
    from followup.doctor import gmail_check

    check = gmail_check(settings.load(config))
    assert check.status == "PROBLEM"
    assert "Token has been expired or revoked." in check.detail
    assert "run `followup auth gmail`" in check.fix
    assert "after 7 days" in check.fix


class FakeSigner(crypt.Signer):
    """Stands in for the IAM signBlob call of keyless delegation."""

    key_id = "fake-key"

    def sign(self, message: bytes | str) -> bytes:
        return b"signature"


def test_delegation_is_checked_and_a_missing_admin_console_entry_is_explained(
    google: tuple[GoogleOAuthServer, SecretManagerServer],
) -> None:
    oauth, _ = google
    account = "followup@followup-test.iam.gserviceaccount.com"

    def verdict(scopes: tuple[str, ...]) -> tuple[bool, str, str]:
        creds = delegated_credentials(account, SENDER, scopes, oauth.token_uri, FakeSigner())
        access = check_access(creds, scopes, user=SENDER, delegation=account)
        return access.ok, access.detail, access.fix

    ok, detail, fix = verdict((SEND,))
    assert not ok
    assert f"Google refused to let {account} act as {SENDER}" in detail
    assert "unauthorized_client" in detail
    assert "Security › Access and data control › API controls" in fix
    assert f"OAuth scopes: {SEND}" in fix
    assert "roles/iam.serviceAccountTokenCreator" in fix

    oauth.state.delegations[account] = {SEND}
    assert verdict((SEND,))[0]
    ok, detail, fix = verdict((SEND, READONLY))  # reconcile added, the entry not updated
    assert not ok
    assert f"{SEND},{READONLY}" in fix


NOORD, ZUID = "administratie@noord.example.nl", "facturen@zuid.example.nl"


def office_config(path: Path, oauth: GoogleOAuthServer, tokens: str, gmail: str) -> Path:
    """An office whose two clients each draft in a Gmail mailbox of their own; `tokens`: the
    [tokens] table, `gmail`: more lines for each client's mailbox ({n}: its division)."""
    profiles = "".join(
        f"""
[division.{n}.company]
name = "{name}"
from_address = "{user}"

[division.{n}.mail.transport]
backend = "gmail"
user = "{user}"
client_id = "{oauth.state.client_id}"
auth_uri = "{oauth.auth_uri}"
token_uri = "{oauth.token_uri}"
{gmail.format(n=n)}
"""
        for n, name, user in ((101, "Bakkerij Noord B.V.", NOORD), (202, "Bakkerij Zuid", ZUID))
    )
    path.write_text(f"""
[company]
name = "Kantoor"
from_address = "kantoor@kantoor.example.nl"

[exact]
client_id = "{SandboxState.client_id}"
divisions = [101, 202]

{tokens}
{profiles}""")
    return path


def test_each_client_gives_consent_for_its_own_mailbox_kept_in_its_own_secret(
    google: tuple[GoogleOAuthServer, SecretManagerServer], tmp_path: Path
) -> None:
    oauth, secrets = google
    for n in (101, 202):
        secrets.state.create_secret(f"projects/{PROJECT}/secrets/gmail-refresh-{n}")
    config = office_config(
        tmp_path / "office.toml",
        oauth,
        f'[tokens]\nbackend = "secret_manager"\nproject = "{PROJECT}"\n'
        f'api_endpoint = "{secrets.endpoint}"\n',
        f'project = "{PROJECT}"\nrefresh_token_secret = "gmail-refresh-{{n}}"\n'
        f'secret_manager_endpoint = "{secrets.endpoint}"',
    )
    env = {"FOLLOWUP_GMAIL_CLIENT_SECRET": oauth.state.client_secret}

    whose = subprocess.run(  # noqa: S603 - our own console script
        [FOLLOWUP, "auth", "gmail", "--config", str(config), "--no-browser"],
        capture_output=True, text=True, timeout=60, check=False, env={**os.environ, **env},
    )  # fmt: skip
    assert whose.returncode == 2
    assert "say whose mailbox this consent is for with --division N" in whose.stderr
    assert f"--division 101  Bakkerij Noord B.V.: Gmail {NOORD}" in whose.stderr
    assert f"--division 202  Bakkerij Zuid: Gmail {ZUID}" in whose.stderr
    assert "Traceback" not in whose.stderr
    assert oauth.state.authorize_requests == []

    noord = consent_in("gmail", config, env, "--division", "101")
    assert noord.returncode == 0, noord.stderr
    assert f"Division 101, Bakkerij Noord B.V.: Gmail {NOORD}" in noord.stdout
    assert f"OK: Google grants {NOORD}: gmail.compose" in noord.stdout
    zuid = consent_in("gmail", config, env, "--division", "202")
    assert zuid.returncode == 0, zuid.stderr
    assert [asked["login_hint"] for asked in oauth.state.authorize_requests] == [NOORD, ZUID]
    kept = {n: secrets.state.enabled(f"projects/{PROJECT}/secrets/gmail-refresh-{n}")
            for n in (101, 202)}  # fmt: skip
    stored = {n: [v.data.decode() for v in versions] for n, versions in kept.items()}
    assert len(stored[101]) == len(stored[202]) == 1
    assert stored[101] != stored[202]
    assert set(stored[101] + stored[202]) == set(oauth.state.consents)

    nobody = consent_in("gmail", config, env, "--division", "303")
    assert nobody.returncode == 2
    assert "division.303: no profile" in nobody.stderr
    assert "Traceback" not in nobody.stderr


def test_without_google_cloud_each_client_mailbox_has_its_own_entry_in_the_token_file(
    tmp_path: Path,
) -> None:
    with GoogleOAuthServer() as oauth:
        config = office_config(tmp_path / "office.toml", oauth, "", "")
        env = {"FOLLOWUP_GMAIL_CLIENT_SECRET": oauth.state.client_secret}
        for n in ("202", "101"):
            done = consent_in("gmail", config, env, "--division", n)
            assert done.returncode == 0, done.stderr
    path = tmp_path / "state" / "mailbox-tokens.json"
    entries = json.loads(path.read_text())
    assert set(entries) == {f"gmail:{NOORD}", f"gmail:{ZUID}"}
    assert entries[f"gmail:{NOORD}"]["refresh_token"] != entries[f"gmail:{ZUID}"]["refresh_token"]
    assert {e["refresh_token"] for e in entries.values()} == set(oauth.state.consents)
