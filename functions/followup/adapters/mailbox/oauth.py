"""OAuth2 access tokens for XOAUTH2 logins, from the refresh token `followup auth mailbox` stored.

Microsoft 365 / Outlook.com through MSAL (its refresh tokens rotate: each new one is saved at
once, or the chain would end after 90 days); Google through google-auth (its refresh tokens
don't rotate). An access token is reused until a minute before it expires, or until a server
refuses it. A refused refresh token is a MailerAuthError saying to give consent again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from followup.errors import MailerAuthError, MailerError
from followup.ports import Clock, RefreshTokenStore

log = logging.getLogger(__name__)

MICROSOFT_SCOPES = (
    "https://outlook.office.com/IMAP.AccessAsUser.All",
    "https://outlook.office.com/SMTP.Send",
)
GOOGLE_SCOPES = ("https://mail.google.com/",)
CONSENT = "run `followup auth mailbox` to give consent again"
NOT_INSTALLED = (
    "OAuth2 sign-in needs MSAL and google-auth: install followup with its `cloud` extra "
    "(pip install -e '.[cloud]')"
)
_MARGIN = timedelta(seconds=60)


@dataclass(frozen=True)
class Granted:
    """What a token endpoint answered: the access token, how long it lives, the refresh token
    to keep (the same one unless the provider rotated it)."""

    access_token: str
    expires_in: float
    refresh_token: str


Exchange = Callable[[str], Granted]


class OAuthAccess:
    """Access tokens for one mailbox; `token()` for each login, `forget()` after a refusal."""

    def __init__(self, exchange: Exchange, store: RefreshTokenStore, clock: Clock) -> None:
        self._exchange = exchange
        self._store = store
        self._clock = clock
        self._token = ""
        self._until: datetime | None = None

    def __repr__(self) -> str:
        return f"OAuthAccess({self._store!r})"

    def token(self) -> str:
        """A valid access token: the one held, or a new one from the stored refresh token."""
        now = self._clock.now()
        if self._token and self._until is not None and now < self._until - _MARGIN:
            return self._token
        refresh = self._store.load()
        if not refresh:
            raise MailerAuthError(f"no mailbox consent in {self._store.where}: {CONSENT}")
        granted = self._exchange(refresh)
        if granted.refresh_token and granted.refresh_token != refresh:
            self._store.save(granted.refresh_token)
        self._token = granted.access_token
        self._until = now + timedelta(seconds=granted.expires_in)
        return self._token

    def forget(self) -> None:
        """Drop the held access token: the server refused it."""
        self._token, self._until = "", None


def google_exchange(
    client_id: str, client_secret: str, token_uri: str, scopes: tuple[str, ...] = GOOGLE_SCOPES
) -> Exchange:
    """Refresh at Google's token endpoint (google-auth)."""

    def exchange(refresh_token: str) -> Granted:
        try:
            from google.auth import exceptions as auth_exceptions
            from google.auth.transport.requests import Request
        except ImportError:
            raise MailerAuthError(NOT_INSTALLED) from None

        from followup.adapters.gmail.credentials import user_credentials

        credentials = user_credentials(refresh_token, client_id, client_secret, scopes, token_uri)
        try:
            credentials.refresh(Request())  # type: ignore[no-untyped-call]
        except auth_exceptions.RefreshError as exc:
            said = str(exc.args[0]) if exc.args else type(exc).__name__
            if getattr(exc, "retryable", False):
                raise MailerError(f"Google's token endpoint failed ({said})") from None
            raise MailerAuthError(f"Google refused the mailbox's refresh token ({said}): "
                                  f"{CONSENT}") from None  # fmt: skip
        except auth_exceptions.TransportError as exc:
            raise MailerError(f"Google's token endpoint can't be reached ({exc})") from None
        expiry = credentials.expiry
        now = datetime.now(UTC).replace(tzinfo=None)  # google-auth's expiry is naive UTC
        lives = (expiry - now).total_seconds() if expiry else 3000.0
        return Granted(str(credentials.token), lives, str(credentials.refresh_token))

    return exchange


def microsoft_app(
    client_id: str, authority: str, ca_file: Path | None = None, timeout: float = 30.0
) -> Any:
    """MSAL's public client for the authority (a tenant of login.microsoftonline.com)."""
    try:
        import msal  # type: ignore[import-untyped]
        import requests
    except ImportError:
        raise MailerAuthError(NOT_INSTALLED) from None

    class Session(requests.Session):
        """Every request verifies with `ca_file` (REQUESTS_CA_BUNDLE would win over a
        session's own `verify`) and has a timeout."""

        def request(self, *args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("verify", str(ca_file) if ca_file else True)
            kwargs.setdefault("timeout", timeout)
            return super().request(*args, **kwargs)

    host = urlsplit(authority).hostname or ""
    known = host == "login.microsoftonline.com" or host.endswith(".microsoftonline.com")
    return msal.PublicClientApplication(
        client_id,
        authority=authority,
        http_client=Session() if ca_file else None,
        timeout=timeout,
        instance_discovery=None if known else False,
    )


def microsoft_exchange(
    client_id: str,
    authority: str,
    ca_file: Path | None = None,
    scopes: tuple[str, ...] = MICROSOFT_SCOPES,
) -> Exchange:
    """Refresh at the Microsoft identity platform (MSAL); the rotated refresh token comes back."""
    app: list[Any] = []

    def exchange(refresh_token: str) -> Granted:
        import requests

        try:
            if not app:
                app.append(microsoft_app(client_id, authority, ca_file))
            answer = app[0].acquire_token_by_refresh_token(refresh_token, scopes=list(scopes))
        except (requests.RequestException, ValueError) as exc:
            raise MailerError(
                f"the Microsoft identity platform can't be reached ({type(exc).__name__})"
            ) from None
        if "access_token" not in answer:
            error = str(answer.get("error", "unknown_error"))
            said = str(answer.get("error_description", "")).splitlines()[0][:200] if answer.get(
                "error_description") else error  # fmt: skip
            if error in ("invalid_grant", "interaction_required", "invalid_client"):
                raise MailerAuthError(f"Microsoft refused the mailbox's refresh token "
                                      f"({error}: {said}): {CONSENT}") from None  # fmt: skip
            raise MailerError(f"Microsoft's token endpoint answered {error} ({said})")
        return Granted(
            str(answer["access_token"]),
            float(answer.get("expires_in", 3000)),
            str(answer.get("refresh_token") or refresh_token),
        )

    return exchange
