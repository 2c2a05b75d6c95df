"""A local stand-in for Google's OAuth endpoints as `followup auth gmail` and doctor use them.

- GET /auth: the consent screen, consented at once: a 302 to `redirect_uri` with `code`,
  `state` and the granted `scope` (all asked for, or fewer: `grant_only`, an unticked box);
- POST /token: `authorization_code` (client by HTTP Basic or form, PKCE S256 checked, the code
  once), `refresh_token` (asking for more than the consent granted: `invalid_scope`; revoked:
  `invalid_grant`; the answer lists the granted scopes, as Google's does) and the jwt-bearer
  grant of domain-wide delegation (`unauthorized_client` unless the service account is allowed
  every scope asked, as the Admin console's delegation entry decides).
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from local_http import JsonHandler, LocalHttpServer, StateServer


@dataclass
class OAuthState:
    """Clients, consents and delegations the stand-in knows."""

    client_id: str = "desktop-client.apps.googleusercontent.com"
    client_secret: str = "desktop-secret-SECRET"
    grant_only: set[str] | None = None  # the scopes the user leaves ticked (None: all)
    consents: dict[str, set[str]] = field(default_factory=dict)  # refresh token -> scopes
    revoked: set[str] = field(default_factory=set)
    delegations: dict[str, set[str]] = field(default_factory=dict)  # service account -> scopes
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    _codes: dict[str, tuple[set[str], str, str]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


class _Handler(JsonHandler):
    server: StateServer[OAuthState]

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/auth":
            return self.send_json(404, {"error": "not_found"})
        query = dict(parse_qsl(url.query))
        state = self.server.state
        with state.lock:
            state.authorize_requests.append(query)
            if query.get("client_id") != state.client_id:
                return self.send_json(400, {"error": "invalid_client"})
            asked = set(query.get("scope", "").split())
            granted = asked if state.grant_only is None else asked & state.grant_only
            code = "4/" + secrets.token_urlsafe(16)
            state._codes[code] = (granted, query.get("code_challenge", ""), query["redirect_uri"])
        answer = {"state": query.get("state", ""), "code": code, "scope": " ".join(granted)}
        self.send_response(302)
        self.send_header("Location", f"{query['redirect_uri']}?{urlencode(answer)}")
        self.send_header("Content-Length", "0")
        self.end_headers()
        return None

    def do_POST(self) -> None:
        if urlsplit(self.path).path != "/token":
            return self.send_json(404, {"error": "not_found"})
        form = dict(parse_qsl(self.read_body().decode()))
        state = self.server.state
        with state.lock:
            status, body = self._token(state, form)
        return self.send_json(status, body)

    def _client(self, form: dict[str, str]) -> tuple[str, str]:
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            user, _, password = base64.b64decode(basic[6:]).decode().partition(":")
            return user, password
        return form.get("client_id", ""), form.get("client_secret", "")

    def _token(self, state: OAuthState, form: dict[str, str]) -> tuple[int, dict[str, Any]]:
        grant = form.get("grant_type", "")
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            return _delegated(state, form.get("assertion", ""))
        if self._client(form) != (state.client_id, state.client_secret):
            return 401, {"error": "invalid_client", "error_description": "Unauthorized"}
        if grant == "authorization_code":
            found = state._codes.pop(form.get("code", ""), None)
            if found is None or found[2] != form.get("redirect_uri"):
                return 400, {"error": "invalid_grant", "error_description": "Bad Request"}
            granted, challenge, _ = found
            verifier = form.get("code_verifier", "").encode()
            digest = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
            if challenge and digest.decode() != challenge:
                return 400, {"error": "invalid_grant", "error_description": "code_verifier"}
            refresh = "1//" + secrets.token_urlsafe(24)
            state.consents[refresh] = granted
            return 200, _access(granted) | {"refresh_token": refresh}
        if grant == "refresh_token":
            token = form.get("refresh_token", "")
            if token not in state.consents or token in state.revoked:
                return 400, {
                    "error": "invalid_grant",
                    "error_description": "Token has been expired or revoked.",
                }
            asked = set(form.get("scope", "").split()) or state.consents[token]
            if not asked <= state.consents[token]:
                return 400, {"error": "invalid_scope", "error_description": "Bad Request"}
            return 200, _access(asked)
        return 400, {"error": "unsupported_grant_type"}


def _access(scopes: set[str]) -> dict[str, Any]:
    return {
        "access_token": "ya29." + secrets.token_urlsafe(16),
        "expires_in": 3599,
        "scope": " ".join(sorted(scopes)),
        "token_type": "Bearer",
    }


def _delegated(state: OAuthState, assertion: str) -> tuple[int, dict[str, Any]]:
    payload = assertion.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    asked = set(str(claims.get("scope", "")).split())
    if not asked <= state.delegations.get(str(claims.get("iss")), set()):
        return 401, {
            "error": "unauthorized_client",
            "error_description": "Client is unauthorized to retrieve access tokens using this "
            "method, or client not authorized for any of the scopes requested.",
        }
    return 200, {k: v for k, v in _access(asked).items() if k != "scope"}


class GoogleOAuthServer(LocalHttpServer[OAuthState]):
    """The stand-in on a free 127.0.0.1 port, in a thread; a context manager."""

    handler = _Handler

    def __init__(self, state: OAuthState | None = None) -> None:
        super().__init__(state or OAuthState())

    @property
    def auth_uri(self) -> str:
        """The consent screen."""
        return self.url("/auth")

    @property
    def token_uri(self) -> str:
        """The token endpoint."""
        return self.url("/token")
