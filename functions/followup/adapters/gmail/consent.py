"""A mailbox owner's consent for Gmail (the installed-app flow), kept in Secret Manager.

google-auth-oauthlib's InstalledAppFlow runs the consent: a one-shot server on 127.0.0.1 takes
Google's redirect (the state and the PKCE verifier are checked by the library), then the code is
exchanged for tokens. `access_type=offline` and `prompt=consent` make Google hand out a refresh
token every time. The refresh token is added as the secret's newest version and the versions it
supersedes are destroyed (each enabled version costs money; Google's tokens don't rotate, so an
older one would still work until revoked).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from typing import Any

from google.api_core import exceptions as gexc
from google.cloud import secretmanager

from followup.adapters.gmail.check import short
from followup.loopback import ConsentError

log = logging.getLogger(__name__)

_LOOPBACK = ("http://127.0.0.1", "http://localhost")
PROMPT = "Open this address in a browser and sign in as {user}:\n  {{url}}"
DONE_PAGE = "followup has the answer from Google: you can close this window."


def consent(
    *,
    client_id: str,
    client_secret: str,
    scopes: Iterable[str],
    user: str,
    auth_uri: str,
    token_uri: str,
    open_browser: bool,
    port: int = 0,
    timeout_seconds: float = 300.0,
) -> str:
    """Run the consent in the browser; the refresh token Google gave for `scopes`."""
    from google_auth_oauthlib.flow import (  # type: ignore[import-untyped]
        InstalledAppFlow,
        WSGITimeoutError,
    )
    from oauthlib.oauth2.rfc6749.errors import OAuth2Error  # type: ignore[import-untyped]

    wanted = list(scopes)
    if token_uri.startswith(_LOOPBACK):  # a local stand-in (tests): oauthlib insists on https
        os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"
    # Granular consent lets the user untick a scope: compare ourselves, with a clear message.
    os.environ["OAUTHLIB_RELAX_TOKEN_SCOPE"] = "1"  # noqa: S105 - a switch, not a secret
    client = {
        "installed": {
            "client_id": client_id,
            "client_secret": client_secret,
            "auth_uri": auth_uri,
            "token_uri": token_uri,
            "redirect_uris": ["http://127.0.0.1"],
        }
    }
    flow = InstalledAppFlow.from_client_config(client, scopes=wanted)
    try:
        credentials = flow.run_local_server(
            host="127.0.0.1",
            port=port,
            open_browser=open_browser,
            authorization_prompt_message=PROMPT.format(user=user),
            success_message=DONE_PAGE,
            timeout_seconds=timeout_seconds,
            access_type="offline",
            prompt="consent",
            login_hint=user,
        )
    except WSGITimeoutError:
        raise ConsentError(
            f"no answer from Google within {timeout_seconds:.0f} s; nothing was stored"
        ) from None
    except OAuth2Error as exc:  # a refused consent, a wrong state, a refused code
        said = exc.description or exc.error
        raise ConsentError(
            f"Google's consent did not complete ({said}); nothing was stored"
        ) from None
    except OSError as exc:
        raise ConsentError(f"can't listen on 127.0.0.1:{port} ({exc.strerror})") from None
    granted = set(credentials.granted_scopes or wanted)
    missing = [short(s) for s in wanted if s not in granted]
    if missing:
        raise ConsentError(
            f"the consent left out {', '.join(missing)}; nothing was stored: run the command "
            "again and allow every permission Google asks for"
        )
    refresh: str | None = credentials.refresh_token
    if not refresh:
        raise ConsentError("Google gave no refresh token; nothing was stored: run it again")
    return refresh


def store_secret(client: Any, secret: str, value: str, timeout_seconds: float = 20.0) -> str:
    """Add `value` as the newest version of `secret`; destroy the enabled versions before it.
    Returns the new version's name."""
    try:
        added = client.add_secret_version(
            parent=secret,
            payload=secretmanager.SecretPayload(data=value.encode("utf-8")),
            timeout=timeout_seconds,
        )
    except gexc.NotFound:
        raise ConsentError(
            f"the secret {secret} does not exist: `terraform apply` (infra/) creates it"
        ) from None
    except gexc.PermissionDenied:
        raise ConsentError(
            f"Secret Manager refused to add a version to {secret}: sign in as a project owner "
            "(`gcloud auth application-default login`) or get secretVersionAdder on it"
        ) from None
    except gexc.GoogleAPIError as exc:
        raise ConsentError(f"Secret Manager failed ({type(exc).__name__}): try again") from None
    newest = str(added.name)
    try:
        versions = client.list_secret_versions(
            request={"parent": secret, "filter": "state:ENABLED"}, timeout=timeout_seconds
        )
        for version in versions:
            if version.name != newest:
                client.destroy_secret_version(name=version.name, timeout=timeout_seconds)
    except gexc.GoogleAPIError as exc:
        log.warning(
            "stored %s, but older versions could not be destroyed (%s); they cost money until "
            "destroyed",
            newest,
            type(exc).__name__,
        )
    return newest
