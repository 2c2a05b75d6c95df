"""A local stand-in for the OAuth2 side of XOAUTH2 mailboxes, one state behind two doors:

- plain HTTP (Google-like, and what Dovecot's oauth2 passdb asks): GET /tokeninfo?access_token=
  (the token's `email`, or 401), GET /auth (consent given at once: a 302 to the redirect URI
  with `code` and `state`), POST /token (authorization_code with PKCE, refresh_token);
- HTTPS (the Microsoft identity platform as MSAL uses it; MSAL insists on https): GET
  /<tenant>/v2.0/.well-known/openid-configuration, POST /<tenant>/oauth2/v2.0/devicecode,
  POST /<tenant>/oauth2/v2.0/token (device_code: pending until GET /device?user_code= approves
  it; refresh_token: ROTATES, the old refresh token dies), GET /device. (/token doesn't rotate,
  as Google's doesn't.)

Every access token it issues is known to /tokeninfo, so Dovecot and the SMTP stand-in accept
exactly the tokens issued here.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import ssl
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from local_http import JsonHandler, LocalHttpServer, StateServer


@dataclass
class OAuthMailState:
    """Clients, consents, tokens."""

    user: str = "owner@example.test"  # whom a consent signs in
    client_id: str = "mailbox-client-id"
    client_secret: str = "mailbox-client-SECRET"
    access: dict[str, str] = field(default_factory=dict)  # access token -> email
    refresh: dict[str, str] = field(default_factory=dict)  # live refresh token -> email
    refreshes: int = 0
    tokeninfo_calls: int = 0
    https_base: str = ""
    _codes: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # challenge, uri, scope
    _devices: dict[str, list[Any]] = field(default_factory=dict)  # device code -> [user, ok]
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(
        self, email: str, *, with_refresh: bool = True, scope: str = "mail"
    ) -> dict[str, Any]:
        """A token answer for `email` (its access token known to /tokeninfo)."""
        token = "at-" + secrets.token_urlsafe(16)
        self.access[token] = email
        answer: dict[str, Any] = {"access_token": token, "expires_in": 3599,
                                  "token_type": "Bearer", "scope": scope}  # fmt: skip
        if with_refresh:
            refresh = "rt-" + secrets.token_urlsafe(16)
            self.refresh[refresh] = email
            answer["refresh_token"] = refresh
        return answer

    def revoke_all(self) -> None:
        """Every token dies (a password change, a revoked consent)."""
        self.access.clear()
        self.refresh.clear()


class _Handler(JsonHandler):
    server: StateServer[OAuthMailState]

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        query = dict(parse_qsl(url.query))
        state = self.server.state
        with state.lock:
            if url.path == "/tokeninfo":
                state.tokeninfo_calls += 1
                email = state.access.get(query.get("access_token", ""))
                if email is None:
                    return self.send_json(401, {"error": "invalid_token"})
                return self.send_json(200, {"email": email, "active": True})
            if url.path == "/auth":
                return self._consent(state, query)
            if url.path == "/device":
                for device in state._devices.values():
                    if device[0] == query.get("user_code"):
                        device[1] = True
                        return self.send_json(200, {"approved": True})
                return self.send_json(404, {"error": "unknown code"})
            if url.path.endswith("/v2.0/.well-known/openid-configuration"):
                tenant = url.path.split("/")[1]
                base = f"{state.https_base}/{tenant}"
                return self.send_json(200, {
                    "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
                    "token_endpoint": f"{base}/oauth2/v2.0/token",
                    "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
                    "issuer": f"{base}/v2.0",
                })  # fmt: skip
        return self.send_json(404, {"error": "not_found"})

    def _consent(self, state: OAuthMailState, query: dict[str, str]) -> None:
        if query.get("client_id") != state.client_id:
            return self.send_json(400, {"error": "invalid_client"})
        code = "code-" + secrets.token_urlsafe(12)
        scope = query.get("scope", "")
        state._codes[code] = (query.get("code_challenge", ""), query["redirect_uri"], scope)
        answer = {"state": query.get("state", ""), "code": code, "scope": query.get("scope", "")}
        self.send_response(302)
        self.send_header("Location", f"{query['redirect_uri']}?{urlencode(answer)}")
        self.send_header("Content-Length", "0")
        self.end_headers()
        return None

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        form = dict(parse_qsl(self.read_body().decode()))
        state = self.server.state
        with state.lock:
            if path.endswith("/devicecode"):
                device, user_code = "dc-" + secrets.token_urlsafe(12), secrets.token_hex(4)
                state._devices[device] = [user_code, False]
                where = f"{state.https_base}/device"
                return self.send_json(200, {
                    "device_code": device, "user_code": user_code, "verification_uri": where,
                    "expires_in": 900, "interval": 1,
                    "message": f"To sign in, open {where}?user_code={user_code} in a browser.",
                })  # fmt: skip
            if path == "/token" or path.endswith("/oauth2/v2.0/token"):
                microsoft = path.endswith("/oauth2/v2.0/token")  # its refresh tokens rotate
                return self.send_json(*self._token(state, form, rotate=microsoft))
        return self.send_json(404, {"error": "not_found"})

    def _client(self, form: dict[str, str]) -> tuple[str, str]:
        """The client's id and secret: HTTP Basic (oauthlib) or the form (MSAL, google-auth)."""
        basic = self.headers.get("Authorization", "")
        if basic.startswith("Basic "):
            user, _, password = base64.b64decode(basic[6:]).decode().partition(":")
            return user, password
        return form.get("client_id", ""), form.get("client_secret", "")

    def _token(
        self, state: OAuthMailState, form: dict[str, str], *, rotate: bool
    ) -> tuple[int, dict[str, Any]]:
        grant = form.get("grant_type", "")
        client_id, client_secret = self._client(form)
        if client_id != state.client_id:
            return 401, {"error": "invalid_client", "error_description": "unknown client"}
        if grant == "refresh_token":
            email = state.refresh.get(form.get("refresh_token", ""))
            if email is None:
                return 400, {"error": "invalid_grant", "error_description": "Token revoked."}
            state.refreshes += 1
            if rotate:
                del state.refresh[form["refresh_token"]]
                return 200, state.issue(email)
            return 200, state.issue(email, with_refresh=False)
        if grant == "authorization_code":
            if client_secret != state.client_secret:
                return 401, {"error": "invalid_client", "error_description": "bad secret"}
            found = state._codes.pop(form.get("code", ""), None)
            if found is None or found[1] != form.get("redirect_uri"):
                return 400, {"error": "invalid_grant", "error_description": "bad code"}
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            if found[0] and base64.urlsafe_b64encode(digest).rstrip(b"=").decode() != found[0]:
                return 400, {"error": "invalid_grant", "error_description": "code_verifier"}
            return 200, state.issue(state.user, scope=found[2])
        if grant == "urn:ietf:params:oauth:grant-type:device_code":
            device = state._devices.get(form.get("device_code", ""))
            if device is None:
                return 400, {"error": "expired_token"}
            if not device[1]:
                return 400, {"error": "authorization_pending"}
            del state._devices[form["device_code"]]
            return 200, state.issue(state.user)
        return 400, {"error": "unsupported_grant_type"}


class OAuthMailServer(LocalHttpServer[OAuthMailState]):
    """The plain-HTTP door (tokeninfo, Google-like consent and token endpoint)."""

    handler = _Handler

    @property
    def tokeninfo_url(self) -> str:
        """What Dovecot's oauth2 passdb appends the token to."""
        return self.url("/tokeninfo?access_token=")


class MicrosoftLoginServer(LocalHttpServer[OAuthMailState]):
    """The HTTPS door (the Microsoft identity platform), on the same state."""

    handler = _Handler

    def __init__(self, state: OAuthMailState, context: ssl.SSLContext) -> None:
        super().__init__(state)
        self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        state.https_base = self.url("").replace("http://", "https://")

    def authority(self, tenant: str = "organizations") -> str:
        """The authority MSAL is given."""
        return f"{self.state.https_base}/{tenant}"
