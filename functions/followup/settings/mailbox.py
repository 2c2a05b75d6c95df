"""The settings of `[mail.transport] backend = "smtp"`: any provider's mailbox, sending by SMTP
submission and drafting by IMAP, with a password or OAuth2 (XOAUTH2).

Secrets are never in the file: a password comes from the environment variable `password_env`
(locally) or the Secret Manager secret `password_secret` (in the cloud, when the variable is not
set); an OAuth2 refresh token lives in the token store of `[tokens]` (`followup auth mailbox`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from followup.settings.section import Section

MAILBOX_PASSWORD_ENV = "FOLLOWUP_MAILBOX_PASSWORD"  # noqa: S105 - the name of a variable
MAILBOX_CLIENT_SECRET_ENV = "FOLLOWUP_MAILBOX_CLIENT_SECRET"  # noqa: S105 - a variable's name
MICROSOFT_LOGIN = "https://login.microsoftonline.com"
GOOGLE_AUTH_URI = "https://accounts.google.com/o/oauth2/auth"
GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL
_ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class MailboxOAuth(Section):
    """XOAUTH2: the OAuth app whose consent `followup auth mailbox` asks for."""

    provider: Literal["microsoft", "google"]
    client_id: str = Field(min_length=1)
    # Microsoft: the directory (tenant) id or domain; "consumers" for Outlook.com / Hotmail.
    tenant: str = Field(default="organizations", min_length=1)
    authority: str = ""  # default: https://login.microsoftonline.com/<tenant>
    # Google: a desktop OAuth client has a secret; it comes from this environment variable.
    client_secret_env: str = Field(default=MAILBOX_CLIENT_SECRET_ENV, pattern=_ENV_NAME)
    auth_uri: str = GOOGLE_AUTH_URI
    token_uri: str = GOOGLE_TOKEN_URI
    # In the cloud ([tokens] backend = "secret_manager"): the secret holding the refresh token.
    refresh_token_secret: str = Field(default="mailbox-refresh-token", min_length=1)

    @field_validator("authority", "auth_uri", "token_uri")
    @classmethod
    def _https(cls, value: str) -> str:
        local = value.startswith(("http://127.0.0.1", "http://localhost"))  # a local stand-in
        if value and not (value.startswith("https://") or local):
            raise ValueError("must start with https://")
        return value.rstrip("/")

    @property
    def microsoft_authority(self) -> str:
        """The Microsoft identity platform authority MSAL signs in with."""
        return self.authority or f"{MICROSOFT_LOGIN}/{self.tenant}"


class SmtpMail(Section):
    """Mails sent by SMTP submission and drafted by IMAP APPEND, in any provider's mailbox."""

    backend: Literal["smtp"]
    username: str = Field(min_length=1)  # the mailbox's login, usually its address
    host: str = Field(min_length=1)  # the SMTP submission server
    port: int = Field(default=0, ge=0, le=65535)  # default: 587 with starttls, 465 with tls
    security: Literal["starttls", "tls"] = "starttls"
    imap_host: str = ""  # default: `host`
    imap_port: int = Field(default=0, ge=0, le=65535)  # default: 993 with tls, 143 with starttls
    imap_security: Literal["tls", "starttls"] = "tls"
    # Folders are found by their special-use flag (\Drafts, \Sent); these names are the fallback.
    drafts_folder: str = Field(default="Drafts", min_length=1)
    sent_folder: str = Field(default="Sent", min_length=1)
    append_sent: bool = False  # the provider keeps no copy of submitted mail: followup files one
    auth: Literal["password", "xoauth2"] = "password"
    password_env: str = Field(default=MAILBOX_PASSWORD_ENV, pattern=_ENV_NAME)
    password_secret: str = Field(default="mailbox-password", min_length=1)  # [tokens] project
    oauth: MailboxOAuth | None = None
    ca_file: Path | None = None  # a CA bundle to trust instead of the system's (tests, own CA)
    timeout_seconds: float = Field(default=30.0, gt=0, le=300)
    max_attempts: int = Field(default=5, ge=1, le=10)  # tries of a temporary (4xx) answer

    @model_validator(mode="before")
    @classmethod
    def _no_password_here(cls, data: Any) -> Any:
        if isinstance(data, dict) and "password" in data:
            raise ValueError(
                "password: never in the settings file: set the environment variable named by "
                f"password_env (default {MAILBOX_PASSWORD_ENV}), or in Google Cloud the secret "
                "named by password_secret"
            )
        return data

    @model_validator(mode="after")
    def _oauth_when_xoauth2(self) -> SmtpMail:
        if self.auth == "xoauth2" and self.oauth is None:
            raise ValueError(
                'oauth: missing value (auth = "xoauth2" needs [mail.transport.oauth] with '
                "provider and client_id)"
            )
        return self

    @property
    def smtp_port(self) -> int:
        """The SMTP port: as set, else the standard one for the security."""
        return self.port or (465 if self.security == "tls" else 587)

    @property
    def imap_server(self) -> tuple[str, int]:
        """The IMAP host and port, defaults filled in."""
        port = self.imap_port or (993 if self.imap_security == "tls" else 143)
        return self.imap_host or self.host, port
