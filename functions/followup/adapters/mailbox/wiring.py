"""The mailbox part of the composition root (bootstrap.py calls it): settings in, the SMTP/IMAP
mailer, its login, the reader of answers and the mailbox token stores out. Nothing else reads
these settings.

Secrets: a password from the environment variable `password_env`, else (in the cloud) from the
Secret Manager secret `password_secret` of the `[tokens]` project; an OAuth2 refresh token
from the token store of `[tokens]` (a local file beside the Exact tokens, or Secret Manager).
"""

from __future__ import annotations

import os
from contextlib import ExitStack
from pathlib import Path

from followup.adapters.mailbox.imap import ImapMailbox
from followup.adapters.mailbox.imap_replies import ImapReplies
from followup.adapters.mailbox.login import MailboxLogin, tls_context
from followup.adapters.mailbox.smtp_mailer import SmtpImapMailer
from followup.adapters.mailbox.smtp_submission import SmtpSubmission
from followup.adapters.mailbox.tokens import (
    FILE_NAME,
    FileRefreshToken,
    SecretRefreshToken,
)
from followup.adapters.secret_manager import secret_manager_client
from followup.errors import ConfigError
from followup.model import MailKind, Mode
from followup.ports import Clock, RefreshTokenStore
from followup.settings import FileTokens, SecretManagerTokens, Settings
from followup.settings.mailbox import MailboxOAuth, SmtpMail


def token_file(settings: Settings) -> Path | None:
    """The local mailbox token file (beside the Exact token file); None in the cloud."""
    tokens = settings.tokens
    return tokens.path.with_name(FILE_NAME) if isinstance(tokens, FileTokens) else None


def refresh_store(settings: Settings, name: str, secret: str) -> RefreshTokenStore:
    """Where a mailbox's refresh token lives: entry `name` of the local file, or `secret` in
    the Secret Manager project of `[tokens]`."""
    tokens = settings.tokens
    if isinstance(tokens, SecretManagerTokens):
        client = secret_manager_client(tokens.api_endpoint)
        return SecretRefreshToken(client, f"projects/{tokens.project}/secrets/{secret}")
    return FileRefreshToken(tokens.path.with_name(FILE_NAME), name)


def mailbox_store(settings: Settings, chosen: SmtpMail, oauth: MailboxOAuth) -> RefreshTokenStore:
    """The refresh token store of an XOAUTH2 mailbox."""
    return refresh_store(
        settings, f"{oauth.provider}:{chosen.username}", oauth.refresh_token_secret
    )


def password(settings: Settings, chosen: SmtpMail) -> str:
    """The mailbox password: the environment variable, else the secret (in the cloud)."""
    value = os.environ.get(chosen.password_env, "")
    if value:
        return value
    tokens = settings.tokens
    if not isinstance(tokens, SecretManagerTokens):
        raise ConfigError(
            [
                f"mail.transport.password_env: the environment variable {chosen.password_env} "
                "is not set (the mailbox password or app password; never in the settings file)"
            ]
        )
    from followup.adapters.gmail.credentials import read_secret

    name = f"projects/{tokens.project}/secrets/{chosen.password_secret}"
    return read_secret(secret_manager_client(tokens.api_endpoint), name)


def client_secret(oauth: MailboxOAuth) -> str:
    """A Google desktop client's secret, from its environment variable."""
    value = os.environ.get(oauth.client_secret_env, "")
    if oauth.provider == "google" and not value:
        raise ConfigError(
            [
                f"mail.transport.oauth.client_secret_env: the environment variable "
                f"{oauth.client_secret_env} is not set (the Google OAuth client's secret)"
            ]
        )
    return value


def mailbox_login(settings: Settings, chosen: SmtpMail, clock: Clock) -> MailboxLogin:
    """The login both protocols use: a password read once, or fresh OAuth2 access tokens."""
    if chosen.auth == "password":
        secret = password(settings, chosen)
        return MailboxLogin(chosen.username, "password", lambda: secret)
    oauth = chosen.oauth
    assert oauth is not None  # the settings refuse xoauth2 without [mail.transport.oauth]
    from followup.adapters.mailbox import oauth as mailbox_oauth

    if oauth.provider == "google":
        exchange = mailbox_oauth.google_exchange(
            oauth.client_id, client_secret(oauth), oauth.token_uri
        )
    else:
        exchange = mailbox_oauth.microsoft_exchange(
            oauth.client_id, oauth.microsoft_authority, chosen.ca_file
        )
    access = mailbox_oauth.OAuthAccess(exchange, mailbox_store(settings, chosen, oauth), clock)
    return MailboxLogin(chosen.username, "xoauth2", access.token, access.forget)


def auth_hint(chosen: SmtpMail) -> str:
    """What to do when the server refuses the login."""
    if chosen.auth == "xoauth2":
        return "run `followup auth mailbox` (the consent may have been revoked or expired)"
    return (
        f"check username and the password in {chosen.password_env}; providers that ask for "
        "two-step verification want an app password there"
    )


def open_parts(
    settings: Settings, chosen: SmtpMail, clock: Clock
) -> tuple[SmtpSubmission, ImapMailbox]:
    """The SMTP submission and the IMAP mailbox of the settings (nothing connected yet)."""
    login = mailbox_login(settings, chosen, clock)
    context = tls_context(chosen.ca_file)
    hint = auth_hint(chosen)
    submission = SmtpSubmission(
        chosen.host,
        chosen.smtp_port,
        chosen.security,
        context,
        login,
        clock,
        timeout=chosen.timeout_seconds,
        max_attempts=chosen.max_attempts,
        auth_hint=hint,
    )
    host, port = chosen.imap_server
    mailbox = ImapMailbox(
        host,
        port,
        chosen.imap_security,
        context,
        login,
        timeout=chosen.timeout_seconds,
        drafts_fallback=chosen.drafts_folder,
        sent_fallback=chosen.sent_folder,
        auth_hint=hint,
    )
    return submission, mailbox


def sending_kinds(settings: Settings) -> set[MailKind]:
    """The mail kinds the settings let send (a lost answer of theirs can't be told apart)."""
    modes = settings.mail.mode
    kinds = {kind for kind in (MailKind.CONFIRMATION, MailKind.REMINDER)
             if modes.for_kind(kind) is Mode.SEND}  # fmt: skip
    if settings.digest.enabled and settings.digest.mode is Mode.SEND:
        kinds.add(MailKind.DIGEST)
    return kinds


def open_mail(
    settings: Settings, chosen: SmtpMail, clock: Clock, resources: ExitStack
) -> tuple[SmtpImapMailer, ImapReplies | None]:
    """The SMTP/IMAP mailer, logged out when `resources` close, and with `[replies] enabled`
    the reader of answers to reminders in the mailbox's INBOX."""
    submission, mailbox = open_parts(settings, chosen, clock)
    mailer = SmtpImapMailer(
        submission,
        mailbox,
        domain=str(settings.company.from_address).rpartition("@")[2],
        sending_kinds=sending_kinds(settings),
        append_sent=chosen.append_sent,
        sender=chosen.username,
    )
    resources.callback(mailer.close)
    return mailer, ImapReplies(mailer.mailbox) if settings.replies.enabled else None
