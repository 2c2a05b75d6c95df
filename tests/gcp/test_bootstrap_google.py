"""bootstrap.build wires the Google backends the settings name, against the local stand-ins."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage

import pytest

from fakes import FakeClock
from followup import bootstrap, settings
from followup.adapters.firestore.claims import FirestoreClaims
from followup.adapters.firestore.pauses import FirestorePauses
from followup.adapters.firestore.runs import FirestoreRuns
from followup.adapters.gmail.mailer import GmailMailer
from followup.errors import ConfigError
from followup.model import Mode
from gcp.gmail_server import GmailServer, GmailState
from gcp.secret_manager_server import SecretManagerServer, Version

PROJECT = "followup-test"


@pytest.fixture
def stand_ins(fclock: FakeClock) -> Iterator[tuple[SecretManagerServer, GmailServer]]:
    with SecretManagerServer() as secrets, GmailServer(GmailState(now=fclock.now)) as gmail:
        for name, value in (("exact-tokens", None), ("gmail-refresh", b"refresh-SECRET\n")):
            secrets.state.create_secret(f"projects/{PROJECT}/secrets/{name}")
            if value:
                secrets.state.secrets[f"projects/{PROJECT}/secrets/{name}"].append(
                    Version(1, value)
                )
        yield secrets, gmail


def config(secrets: SecretManagerServer, gmail: GmailServer, prefix: str) -> settings.Settings:
    return settings.parse(
        {
            "company": {"name": "Bakkerij", "from_address": "administratie@bakkerij.example.nl"},
            "exact": {"client_id": "app", "client_secret": "exact-secret"},
            "tokens": {
                "backend": "secret_manager",
                "project": PROJECT,
                "api_endpoint": secrets.endpoint,
                "lease_collection": f"{prefix}leases",
            },
            "ledger": {"backend": "firestore", "project": PROJECT, "collection_prefix": prefix},
            "mail": {
                "mode": {"confirmation": "send", "reminder": "send"},
                "transport": {
                    "backend": "gmail",
                    "user": "administratie@bakkerij.example.nl",
                    "project": PROJECT,
                    "refresh_token_secret": "gmail-refresh",
                    "client_id": gmail.state.client_id,
                    "reconcile": True,
                    "token_uri": gmail.token_uri,
                    "api_endpoint": gmail.endpoint,
                    "secret_manager_endpoint": secrets.endpoint,
                },
            },
        }
    )


def test_the_google_backends_are_wired_from_the_settings(
    firestore_emulator: str,
    stand_ins: tuple[SecretManagerServer, GmailServer],
    prefix: str,
    fclock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secrets, gmail = stand_ins
    monkeypatch.setenv("FOLLOWUP_GMAIL_CLIENT_SECRET", gmail.state.client_secret)
    with bootstrap.build(config(secrets, gmail, prefix), fclock) as app:
        assert isinstance(app.deps.ledger, FirestoreClaims)
        assert isinstance(app.deps.runlog, FirestoreRuns)
        assert isinstance(app.deps.pauses, FirestorePauses)
        mailer = app.deps.mailer
        assert isinstance(mailer, GmailMailer)
        assert mailer.can_list  # reconcile = true adds the listing scope
        msg = EmailMessage()
        msg["To"] = "anna@croissant.example.nl"
        msg["Subject"] = "Betaling ontvangen"
        msg.set_content("Dank je wel.")
        mailer.deliver(msg, Mode.SEND, "k1")
    assert len(gmail.state.sent()) == 1
    [token] = gmail.state.access.values()
    assert token == {
        "https://www.googleapis.com/auth/gmail.send",
        "https://www.googleapis.com/auth/gmail.readonly",
    }


def test_a_gmail_transport_needs_exactly_one_kind_of_credentials() -> None:
    base = {
        "company": {"name": "B", "from_address": "a@b.example.nl"},
        "exact": {"client_id": "app"},
    }
    both = {
        "backend": "gmail",
        "user": "a@b.example.nl",
        "refresh_token_secret": "r",
        "project": "p",
        "client_id": "c",
        "delegation": "sa@p.iam.gserviceaccount.com",
    }
    with pytest.raises(ConfigError, match=r"either refresh_token_secret .* or delegation"):
        settings.parse({**base, "mail": {"transport": both}})
    delegated = {k: v for k, v in both.items() if k not in ("refresh_token_secret", "client_id")}
    parsed = settings.parse({**base, "mail": {"transport": delegated}})
    assert parsed.mail.transport.backend == "gmail"
    with pytest.raises(ConfigError, match="unknown backend 'smtp'"):
        settings.parse({**base, "ledger": {"backend": "smtp"}})
