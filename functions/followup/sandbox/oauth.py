"""The OAuth endpoints: `/api/oauth2/token` (form POST) and `/api/oauth2/auth` (auto-consent)."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode

from followup.sandbox.exact_json import Response
from followup.sandbox.state import SandboxState
from followup.sandbox.tokens import Grant, Refusal


def _client(form: Mapping[str, str], headers: Mapping[str, str]) -> tuple[str, str]:
    """Client credentials from the form, or else from HTTP Basic auth."""
    if "client_id" in form:
        return form.get("client_id", ""), form.get("client_secret", "")
    auth = headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            user, _, secret = base64.b64decode(auth[6:]).decode("utf-8").partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return "", ""
        return user, secret
    return "", ""


def token(state: SandboxState, body: bytes, headers: Mapping[str, str]) -> Response:
    """Exchange an authorization code or rotate a refresh token."""
    form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    if _client(form, headers) != (state.client_id, state.client_secret):
        return Response(400, {"error": "invalid_client"})
    grant_type = form.get("grant_type", "")
    result: Grant | Refusal
    if grant_type == "refresh_token":
        result = state.tokens.refresh(form.get("refresh_token", ""))
    elif grant_type == "authorization_code":
        result = state.tokens.redeem(form.get("code", ""))
    else:
        result = Refusal(400, "unsupported_grant_type")
    if isinstance(result, Refusal):
        refusal: dict[str, str] = {"error": result.error}
        if result.description:
            refusal["error_description"] = result.description
        return Response(result.status, refusal)
    return Response(
        200,
        {
            "access_token": result.access_token,
            "token_type": "bearer",
            "expires_in": str(result.expires_in),  # a string, as Exact sends it
            "refresh_token": result.refresh_token,
        },
        {"Cache-Control": "no-store"},
    )


def authorize(state: SandboxState, query: str) -> Response:
    """The consent screen, consented at once: redirect to `redirect_uri` with a code."""
    params = dict(parse_qsl(query, keep_blank_values=True))
    redirect_uri = params.get("redirect_uri", "")
    if params.get("client_id") != state.client_id or not redirect_uri:
        return Response(400, {"error": "invalid_request"})
    if params.get("response_type", "code") != "code":
        return Response(400, {"error": "unsupported_response_type"})
    answer = {"code": state.issue_code()}
    if "state" in params:
        answer["state"] = params["state"]
    separator = "&" if "?" in redirect_uri else "?"
    return Response(302, None, {"Location": redirect_uri + separator + urlencode(answer)})
