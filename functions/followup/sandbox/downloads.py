"""Attachment downloads (`/docs/SysAttachment.aspx`), and the bearer check they share with
the API."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

from followup.sandbox.documents import attachment_response
from followup.sandbox.exact_json import Response, error_body
from followup.sandbox.state import SandboxState


def error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """Exact's error envelope with a status."""
    return Response(status, error_body(message), headers or {})


def unauthorized(state: SandboxState, headers: Mapping[str, str]) -> Response | None:
    """401 unless the request carries a valid bearer token."""
    scheme, _, access_token = headers.get("authorization", "").partition(" ")
    problem = state.tokens.check(access_token) if scheme.lower() == "bearer" else "Unauthorized"
    if problem is not None:
        return error(401, problem, {"WWW-Authenticate": "Bearer"})
    return None


def download(state: SandboxState, method: str, query: str, headers: Mapping[str, str]) -> Response:
    """`/docs/SysAttachment.aspx?ID=..&_Division_=..`: an attachment's file, for a bearer
    token. Our assumption (undocumented): a download counts against the division's rate
    limit like any API call, and answers with the rate-limit headers. `Download=1` (what
    picqer appends) is accepted and changes nothing."""
    refused = unauthorized(state, headers)
    if refused is not None:
        return refused
    if method != "GET":
        return error(405, "The sandbox serves reads only.")
    params = dict(parse_qsl(query, keep_blank_values=True))
    number = params.get("_Division_", "").strip()
    division = state.divisions.get(int(number)) if number.isdigit() else None
    if division is None:
        return error(404, f"Division not found: {number}")
    admission = state.limits.admit(
        division.code, state.clock.now(), state.minutely_limit, state.daily_limit
    )
    if not admission.allowed:
        return error(429, "Too many requests", admission.headers)
    response = attachment_response(division.documents.values(), params.get("ID", ""))
    response.headers.update(admission.headers)
    return response
