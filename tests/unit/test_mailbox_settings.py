"""`[mail.transport] backend = "smtp"`: the defaults per security, the keys every problem
names, no password in the file, and XOAUTH2 only with its OAuth section."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from followup import settings
from followup.errors import ConfigError
from followup.settings.mailbox import SmtpMail

BASE: dict[str, Any] = {"company": {"name": "B", "from_address": "a@bakkerij.nl"},
                        "exact": {"client_id": "x"}}  # fmt: skip


def transport(**keys: Any) -> Any:
    return settings.parse({**BASE, "mail": {"transport": keys}}).mail.transport


def problems(**keys: Any) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        transport(**keys)
    return caught.value.problems


def test_the_standard_ports_follow_the_security() -> None:
    chosen = transport(backend="smtp", username="u@bakkerij.nl", host="smtp.office365.com",
                       imap_host="outlook.office365.com")  # fmt: skip
    assert isinstance(chosen, SmtpMail)
    assert (chosen.smtp_port, chosen.imap_server) == (587, ("outlook.office365.com", 993))
    tls = transport(backend="smtp", username="u", host="mail.provider.nl", security="tls",
                    imap_security="starttls")  # fmt: skip
    assert (tls.smtp_port, tls.imap_server) == (465, ("mail.provider.nl", 143))


def test_a_password_in_the_settings_file_is_refused_with_where_it_goes() -> None:
    [problem] = problems(backend="smtp", username="u", host="h", password="hunter2")
    assert "password: never in the settings file" in problem
    assert "FOLLOWUP_MAILBOX_PASSWORD" in problem
    assert "hunter2" not in problem


def test_each_problem_names_its_key() -> None:
    assert problems(backend="smtp", username="u") == ["mail.transport.smtp.host: missing value"]
    [security] = problems(backend="smtp", username="u", host="h", security="ssl")
    assert security.startswith("mail.transport.smtp.security:")
    [env] = problems(backend="smtp", username="u", host="h", password_env="MY VAR")
    assert env.startswith("mail.transport.smtp.password_env:")
    [provider] = problems(backend="smtp", username="u", host="h", auth="xoauth2",
                          oauth={"provider": "yahoo", "client_id": "c"})  # fmt: skip
    assert provider.startswith("mail.transport.smtp.oauth.provider:")


def test_xoauth2_needs_its_oauth_section() -> None:
    [problem] = problems(backend="smtp", username="u", host="h", auth="xoauth2")
    assert "oauth: missing value" in problem


def test_microsofts_authority_follows_the_tenant() -> None:
    oauth = {"provider": "microsoft", "client_id": "c", "tenant": "consumers"}
    chosen = transport(backend="smtp", username="u", host="h", auth="xoauth2", oauth=oauth)
    assert chosen.oauth.microsoft_authority == "https://login.microsoftonline.com/consumers"


def test_gmail_without_a_secret_or_delegation_keeps_its_consent_in_the_token_file() -> None:
    chosen = transport(backend="gmail", user="u@bakkerij.nl", client_id="id")
    assert not chosen.refresh_token_secret
    assert not chosen.delegation
    [problem] = problems(backend="gmail", user="u@bakkerij.nl")
    assert "client_id: missing value" in problem


def test_a_relative_ca_file_is_taken_from_the_settings_files_folder(tmp_path: Path) -> None:
    data = {**BASE, "mail": {"transport": {"backend": "smtp", "username": "u", "host": "h",
                                           "ca_file": "own-ca.pem"}}}  # fmt: skip
    chosen = settings.parse(data, base_dir=tmp_path).mail.transport
    assert chosen.ca_file == tmp_path / "own-ca.pem"
