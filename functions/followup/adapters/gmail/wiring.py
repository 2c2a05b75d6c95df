"""The Gmail part of the composition root (bootstrap.py calls it): settings in, the Gmail mailer,
its credentials and where the owner's consent is kept out, with what to tell the operator when
Google refuses them. Nothing else reads these settings.

Credentials: a user's refresh token (the Secret Manager secret `refresh_token_secret`; without
it, the local mailbox token file beside the Exact tokens) with the OAuth client's secret (from
FOLLOWUP_GMAIL_CLIENT_SECRET, else the secret `client_secret_secret`); or keyless domain-wide
delegation (`delegation`, acting as `user`).
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from typing import Any

from followup.adapters.gmail import credentials as google
from followup.adapters.gmail.mailer import RUN_AUTH, GmailMailer
from followup.adapters.gmail.quota import QuotaBucket
from followup.adapters.gmail.replies import GmailReplies
from followup.adapters.mailbox.tokens import FileRefreshToken
from followup.adapters.mailbox.wiring import token_file
from followup.adapters.secret_manager import secret_manager_client
from followup.errors import ConfigError, MailerAuthError
from followup.ports import Clock
from followup.settings import GMAIL_SECRET_ENV, GmailMail, Settings


def delegation_hint(chosen: GmailMail) -> str:
    """What to do when Gmail refuses the delegated credentials."""
    return (
        f"Gmail refused the delegated credentials for {chosen.user}: check the domain-wide "
        "delegation entry (the service account's client id and these scopes) in the Admin "
        "console, and that the service account may sign for itself (Token Creator)"
    )


def scopes(settings: Settings, chosen: GmailMail) -> tuple[str, ...]:
    """The fewest Gmail scopes the configured modes, reconcile and `[replies]` need."""
    modes = settings.mail.mode
    return google.scopes_for(
        {modes.confirmation, modes.reminder}, chosen.reconcile, settings.replies.enabled
    )


def credentials(settings: Settings, chosen: GmailMail) -> tuple[Any, tuple[str, ...], str]:
    """The Gmail credentials the settings name, the scopes they ask for, and what to do when
    Gmail refuses them. Without refresh_token_secret the consent is in the local token file."""
    wanted = scopes(settings, chosen)
    if chosen.delegation:
        delegated = google.delegated_credentials(
            str(chosen.delegation), str(chosen.user), wanted, chosen.token_uri
        )
        return delegated, wanted, delegation_hint(chosen)
    if not chosen.refresh_token_secret:  # the local token file ([tokens] backend = "file")
        refresh, secrets = file_token(settings, chosen), None
    else:
        secrets = secrets_client(chosen)
        refresh = google.read_secret(secrets, secret_name(chosen, chosen.refresh_token_secret))
    user = google.user_credentials(
        refresh, chosen.client_id, client_secret(chosen, secrets), wanted, chosen.token_uri
    )
    return user, wanted, RUN_AUTH


def file_store(settings: Settings, chosen: GmailMail) -> FileRefreshToken:
    """The entry of the local mailbox token file (beside the Exact tokens, with `[tokens]
    backend = "file"`) that holds the Gmail consent `followup auth gmail` gave."""
    path = token_file(settings)
    if path is None:
        raise ConfigError(
            [
                "mail.transport.refresh_token_secret: missing value (with [tokens] backend = "
                '"secret_manager" the Gmail consent is kept in Secret Manager: name its secret)'
            ]
        )
    return FileRefreshToken(path, f"gmail:{chosen.user}")


def file_token(settings: Settings, chosen: GmailMail) -> str:
    """The Gmail refresh token `followup auth gmail` wrote to the local token file."""
    store = file_store(settings, chosen)
    refresh = store.load()
    if not refresh:
        raise MailerAuthError(f"no Gmail consent in {store.where}: run `followup auth gmail`")
    return refresh


def secrets_client(chosen: GmailMail) -> Any:
    """The Secret Manager client the Gmail transport's secrets are read and stored with."""
    return secret_manager_client(chosen.secret_manager_endpoint)


def secret_name(chosen: GmailMail, secret: str) -> str:
    """The resource name of one of the Gmail transport's secrets."""
    return f"projects/{chosen.project}/secrets/{secret}"


def client_secret(chosen: GmailMail, secrets: Any | None = None) -> str:
    """The OAuth client's secret: the environment wins over the secret named in the settings
    (read with `secrets`, a Secret Manager client made here when None)."""
    from_env = os.environ.get(GMAIL_SECRET_ENV, "")
    if from_env:
        return from_env
    if not chosen.client_secret_secret:
        raise ConfigError(
            [
                "mail.transport.client_secret_secret: missing value (the secret holding "
                f"the OAuth client secret, or set {GMAIL_SECRET_ENV})"
            ]
        )
    if secrets is None:
        secrets = secrets_client(chosen)
    return google.read_secret(secrets, secret_name(chosen, chosen.client_secret_secret))


def open_mail(
    settings: Settings, chosen: GmailMail, clock: Clock, resources: ExitStack
) -> tuple[GmailMailer, GmailReplies | None]:
    """The Gmail mailer on the settings' credentials, its client closed with `resources`, and
    with `[replies] enabled` the reader of answers to reminders in the same mailbox."""
    made, wanted, hint = credentials(settings, chosen)
    service = google.gmail_service(
        made, api_endpoint=chosen.api_endpoint, timeout_seconds=chosen.timeout_seconds
    )
    resources.callback(service.close)
    mailer = GmailMailer(
        service,
        clock,
        wanted,
        quota=QuotaBucket(clock, chosen.units_per_second),
        max_attempts=chosen.max_attempts,
        auth_hint=hint,
    )
    return mailer, GmailReplies(service, mailer) if settings.replies.enabled else None
