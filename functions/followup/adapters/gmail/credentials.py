"""Google credentials for Gmail, and the API client: no key files, nothing reaches Google in tests.

(a) A user's refresh token (kept in Secret Manager) with the OAuth client's id and secret.
(b) Workspace domain-wide delegation, keyless: the runtime service account signs the JWT
    assertion through the IAM Credentials API (it needs Service Account Token Creator on
    itself) and impersonates the sender (`subject`).
Scopes: the fewest the configured modes need (`scopes_for`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import google.auth
import google.auth.iam
import google.oauth2.credentials
import google_auth_httplib2  # type: ignore[import-untyped]
from google.auth import crypt
from google.auth.credentials import Credentials
from google.auth.transport.requests import Request
from google.oauth2 import service_account
from googleapiclient.discovery import build  # type: ignore[import-untyped]

from followup.adapters.gmail.transport import HttpxTransport
from followup.model import Mode

GOOGLE_TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL
SEND = "https://www.googleapis.com/auth/gmail.send"
COMPOSE = "https://www.googleapis.com/auth/gmail.compose"
READONLY = "https://www.googleapis.com/auth/gmail.readonly"
METADATA = "https://www.googleapis.com/auth/gmail.metadata"
CLOUD_PLATFORM = "https://www.googleapis.com/auth/cloud-platform"


def scopes_for(modes: Iterable[Mode], reconcile: bool, replies: bool = False) -> tuple[str, ...]:
    """Send only: gmail.send; any draft: gmail.compose (it sends too); reconcile: + readonly;
    answers to reminders (`[replies]`) without reconcile: + metadata (headers, no bodies)."""
    wanted = set(modes)
    scopes = [COMPOSE] if Mode.DRAFT in wanted else [SEND] if wanted else []
    if reconcile:
        scopes.append(READONLY)
    elif replies:
        scopes.append(METADATA)
    return tuple(scopes)


def user_credentials(
    refresh_token: str,
    client_id: str,
    client_secret: str,
    scopes: Iterable[str],
    token_uri: str = GOOGLE_TOKEN_URI,
) -> google.oauth2.credentials.Credentials:
    """Credentials from an installed-app consent's refresh token (Google's don't rotate)."""
    return google.oauth2.credentials.Credentials(  # type: ignore[no-untyped-call]
        token=None,
        refresh_token=refresh_token,
        client_id=client_id,
        client_secret=client_secret,
        token_uri=token_uri,
        scopes=list(scopes),
    )


def delegated_credentials(
    service_account_email: str,
    subject: str,
    scopes: Iterable[str],
    token_uri: str = GOOGLE_TOKEN_URI,
    signer: crypt.Signer | None = None,
) -> service_account.Credentials:
    """Domain-wide delegation without a key file: IAM signs the assertion (or `signer`)."""
    if signer is None:
        source, _ = google.auth.default(scopes=[CLOUD_PLATFORM])
        signer = google.auth.iam.Signer(  # type: ignore[no-untyped-call]
            Request(), source, service_account_email
        )
    return service_account.Credentials(  # type: ignore[no-untyped-call]
        signer,
        service_account_email,
        token_uri,
        scopes=list(scopes),
        subject=subject,
    )


def gmail_service(
    credentials: Credentials, *, api_endpoint: str | None = None, timeout_seconds: float = 30.0
) -> Any:
    """The Gmail v1 client from the discovery document shipped with the library (offline)."""
    http = google_auth_httplib2.AuthorizedHttp(credentials, http=HttpxTransport(timeout_seconds))
    options = {"api_endpoint": api_endpoint} if api_endpoint else None
    return build(
        "gmail",
        "v1",
        http=http,
        static_discovery=True,
        cache_discovery=False,
        client_options=options,
    )


def read_secret(client: Any, name: str, timeout_seconds: float = 20.0) -> str:
    """The text of a secret's latest version (a refresh token, a client secret)."""
    from google.api_core.exceptions import GoogleAPIError

    from followup.errors import MailerAuthError

    try:
        version = client.access_secret_version(
            name=f"{name}/versions/latest", timeout=timeout_seconds
        )
    except GoogleAPIError as exc:
        raise MailerAuthError(
            f"the Gmail secret {name} can't be read ({type(exc).__name__}): store it with "
            "`followup auth gmail` and grant this service account secretAccessor on it"
        ) from None
    return bytes(version.payload.data).decode("utf-8").strip()
