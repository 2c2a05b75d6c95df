"""A mailbox owner's OAuth2 consent for XOAUTH2 (`followup auth mailbox`): the refresh token.

Microsoft 365 / Outlook.com: MSAL's device code flow (the owner opens microsoft.com/devicelogin
on any device and enters the code shown; nothing listens on this computer), asking for
IMAP.AccessAsUser.All and SMTP.Send (MSAL adds offline_access). Google: the installed-app
flow on 127.0.0.1 (gmail_consent.consent), asking for https://mail.google.com/, the one scope
Google grants IMAP and SMTP.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from followup.adapters.mailbox.oauth import MICROSOFT_SCOPES, NOT_INSTALLED, microsoft_app
from followup.errors import MailerAuthError
from followup.loopback import ConsentError


def microsoft_consent(
    client_id: str,
    authority: str,
    *,
    show: Callable[[str], None],
    ca_file: Path | None = None,
    timeout_seconds: float = 300.0,
) -> str:
    """The device code sign-in; the refresh token Microsoft gave."""
    try:
        import requests
    except ImportError:
        raise MailerAuthError(NOT_INSTALLED) from None
    try:
        app = microsoft_app(client_id, authority, ca_file)  # it reads the authority's metadata
        flow = app.initiate_device_flow(scopes=list(MICROSOFT_SCOPES))
    except (requests.RequestException, ValueError) as exc:
        raise ConsentError(
            f"the Microsoft identity platform can't be reached ({type(exc).__name__})"
        ) from None
    if "user_code" not in flow:
        raise ConsentError(f"Microsoft did not start the sign-in ({_said(flow)}); check "
                           "[mail.transport.oauth] client_id and tenant")  # fmt: skip
    flow["expires_at"] = min(float(flow.get("expires_at", 0)), time.time() + timeout_seconds)
    show(str(flow.get("message") or f"Open {flow['verification_uri']}, enter {flow['user_code']}"))
    try:
        answer = app.acquire_token_by_device_flow(flow)
    except requests.RequestException as exc:
        raise ConsentError(f"the sign-in was interrupted ({type(exc).__name__})") from None
    refresh = answer.get("refresh_token")
    if not refresh:
        raise ConsentError(f"Microsoft's sign-in did not complete ({_said(answer)}); nothing "
                           "was stored")  # fmt: skip
    return str(refresh)


def _said(answer: dict[str, object]) -> str:
    error = str(answer.get("error") or "no answer")
    description = str(answer.get("error_description") or "").splitlines()
    return f"{error}: {description[0][:200]}" if description else error
