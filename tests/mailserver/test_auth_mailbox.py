"""`followup auth mailbox` end to end, the console script against the local stand-ins: the
Microsoft device code sign-in (MSAL over HTTPS, the code "entered" with an HTTPS GET) and
Google's loopback consent (an httpx GET following the redirect), the refresh token stored in
the token file beside the Exact tokens, then a real IMAP sign-in to Dovecot with it."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import httpx

from cli_support import FOLLOWUP
from mailserver.certs import ServerCA
from mailserver.conftest import Mailbox, new_mailbox
from mailserver.dovecot import Dovecot
from mailserver.oauth_server import MicrosoftLoginServer, OAuthMailServer

Servers = tuple[OAuthMailServer, MicrosoftLoginServer]


def write_config(tmp_path: Path, dovecot: Dovecot, box: Mailbox, ca: ServerCA, oauth: str) -> Path:
    config = tmp_path / "followup.toml"
    config.write_text(f"""
[company]
name = "Bakkerij"
from_address = "administratie@goudencroissant.example.nl"

[exact]
client_id = "exact-client"

[mail.transport]
backend = "smtp"
username = "{box.user}"
host = "127.0.0.1"
port = 1
imap_port = {dovecot.imaps_port}
auth = "xoauth2"
ca_file = "{ca.ca_file}"

[mail.transport.oauth]
{oauth}
""")
    return config


def run_consent(config: Path, answer: str, ca: ServerCA, env: dict[str, str] | None = None,
                *more: str) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """Start the command (with `more` options), act as the person at the browser for the first
    address with `answer` in it, and wait for the command to finish."""
    options = ("--config", str(config), "--no-browser", "--timeout", "30", *more)
    process = subprocess.Popen(  # noqa: S603 - our own console script
        [FOLLOWUP, "auth", "mailbox", *options],
        cwd=config.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **(env or {})},
    )  # fmt: skip
    assert process.stdout is not None
    printed = []
    for line in process.stdout:
        printed.append(line)
        address = next((w for w in line.split() if answer in w), None)
        if address:
            page = httpx.get(address.rstrip("."), follow_redirects=True, verify=ca.client_context(),
                             timeout=10)  # fmt: skip
            assert page.status_code == 200, page.text
            break
    out, err = process.communicate(timeout=60)
    said = "".join(printed) + out
    return subprocess.CompletedProcess(process.args, process.returncode, said, err)


def stored(tmp_path: Path) -> dict[str, dict[str, str]]:
    path = tmp_path / "state" / "mailbox-tokens.json"
    assert path.stat().st_mode & 0o777 == 0o600
    data: dict[str, dict[str, str]] = json.loads(path.read_text())
    return data


def test_microsoft_device_code_consent_is_stored_and_signs_in_to_the_mailbox(
    tmp_path: Path, dovecot: Dovecot, mailbox: Mailbox, oauth: Servers, ca: ServerCA
) -> None:
    state, microsoft = oauth[0].state, oauth[1]
    state.user = mailbox.user  # whom the sign-in signs in
    config = write_config(tmp_path, dovecot, mailbox, ca, f"""
provider = "microsoft"
client_id = "{state.client_id}"
authority = "{microsoft.authority("contoso.example")}"
""")  # fmt: skip
    done = run_consent(config, "/device?user_code=", ca)
    assert done.returncode == 0, done.stderr
    assert "The refresh token is stored in" in done.stdout
    assert f"OK: {mailbox.user} signed in" in done.stdout
    entry = stored(tmp_path)[f"microsoft:{mailbox.user}"]
    assert entry["refresh_token"] in state.refresh
    assert entry["refresh_token"] not in done.stdout + done.stderr


def test_google_loopback_consent_is_stored_and_signs_in_to_the_mailbox(
    tmp_path: Path, dovecot: Dovecot, mailbox: Mailbox, oauth: Servers, ca: ServerCA
) -> None:
    state, plain = oauth[0].state, oauth[0]
    state.user = mailbox.user
    config = write_config(tmp_path, dovecot, mailbox, ca, f"""
provider = "google"
client_id = "{state.client_id}"
auth_uri = "{plain.url("/auth")}"
token_uri = "{plain.url("/token")}"
""")  # fmt: skip
    secret = {"FOLLOWUP_MAILBOX_CLIENT_SECRET": state.client_secret}
    done = run_consent(config, "/auth?", ca, secret)
    assert done.returncode == 0, done.stderr
    assert f"OK: {mailbox.user} signed in" in done.stdout
    assert stored(tmp_path)[f"google:{mailbox.user}"]["refresh_token"] in state.refresh
    assert state.client_secret not in done.stdout + done.stderr


def test_auth_mailbox_refuses_settings_without_xoauth2(tmp_path: Path) -> None:
    config = tmp_path / "followup.toml"
    config.write_text('[company]\nname = "B"\nfrom_address = "a@b.example"\n'
                      '[exact]\nclient_id = "x"\n')  # fmt: skip
    done = subprocess.run(  # noqa: S603
        [FOLLOWUP, "auth", "mailbox", "--config", str(config)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert "mail.transport.auth" in done.stderr


def office_config(tmp_path: Path, dovecot: Dovecot, ca: ServerCA, plain: OAuthMailServer,
                  boxes: dict[int, Mailbox]) -> Path:  # fmt: skip
    """An office whose clients each sign in to a mailbox of their own with Google OAuth2."""
    profiles = "".join(f"""
[division.{n}.company]
name = "Klant {n}"
from_address = "info@klant{n}.example.nl"

[division.{n}.mail.transport]
backend = "smtp"
username = "{box.user}"
host = "127.0.0.1"
port = 1
imap_port = {dovecot.imaps_port}
auth = "xoauth2"
ca_file = "{ca.ca_file}"

[division.{n}.mail.transport.oauth]
provider = "google"
client_id = "{plain.state.client_id}"
auth_uri = "{plain.url("/auth")}"
token_uri = "{plain.url("/token")}"
""" for n, box in boxes.items())  # fmt: skip
    config = tmp_path / "office.toml"
    config.write_text(f"""
[company]
name = "Kantoor"
from_address = "kantoor@kantoor.example.nl"

[exact]
client_id = "exact-client"
divisions = [{", ".join(str(n) for n in boxes)}]
{profiles}""")
    return config


def test_each_client_of_an_office_gives_consent_for_its_own_mailbox(
    tmp_path: Path, dovecot: Dovecot, oauth: Servers, ca: ServerCA
) -> None:
    state, plain = oauth[0].state, oauth[0]
    boxes = {101: new_mailbox(dovecot), 202: new_mailbox(dovecot)}
    config = office_config(tmp_path, dovecot, ca, plain, boxes)
    secret = {"FOLLOWUP_MAILBOX_CLIENT_SECRET": state.client_secret}

    whose = subprocess.run(  # noqa: S603 - our own console script
        [FOLLOWUP, "auth", "mailbox", "--config", str(config), "--no-browser"],
        capture_output=True, text=True, timeout=60, check=False, env={**os.environ, **secret},
    )  # fmt: skip
    assert whose.returncode == 2
    for n, box in boxes.items():
        assert f"--division {n}  Klant {n}: SMTP/IMAP {box.user}" in whose.stderr
    assert "Traceback" not in whose.stderr

    for n, box in boxes.items():
        state.user = box.user  # the person at the browser signs in as the client's mailbox
        done = run_consent(config, "/auth?", ca, secret, "--division", str(n))
        assert done.returncode == 0, done.stderr
        assert f"Division {n}, Klant {n}: SMTP/IMAP {box.user}" in done.stdout
        assert f"OK: {box.user} signed in" in done.stdout
    entries = stored(tmp_path)
    assert set(entries) == {f"google:{box.user}" for box in boxes.values()}
    for box in boxes.values():
        assert state.refresh[entries[f"google:{box.user}"]["refresh_token"]] == box.user

    nobody = run_consent(config, "/auth?", ca, secret, "--division", "303")
    assert nobody.returncode == 2
    assert "division.303: no profile" in nobody.stderr
    assert "Traceback" not in nobody.stderr
