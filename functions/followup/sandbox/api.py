"""One request in, one response out: routing, bearer auth, rate limits and injected failures.
Independent of the HTTP server, which only moves bytes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from http import HTTPStatus
from urllib.parse import parse_qsl, unquote, unquote_plus

from followup.sandbox import oauth
from followup.sandbox.division import Division
from followup.sandbox.documents import DOWNLOAD_PATH
from followup.sandbox.downloads import download, unauthorized
from followup.sandbox.endpoints import ENDPOINTS, ME_FIELDS, Kind
from followup.sandbox.exact_json import Response, encode_date, encode_row, error_body, wall_clock
from followup.sandbox.limits import minute_window, minutely_headers
from followup.sandbox.listing import page
from followup.sandbox.odata import ODataError, parse_select
from followup.sandbox.state import SandboxState

API = "/api/v1/"
_SINGLE = re.compile(r"^(?P<resource>.+)\(guid'(?P<id>[0-9a-fA-F-]{36})'\)$")
# The shape of read/sync/Sync/SyncTimestamp is our best guess, unverified against Exact.
SYNC_TIMESTAMP = "read/sync/Sync/SyncTimestamp"
SYNC_TIMESTAMP_ENDPOINTS = {"Cashflow/PaymentTerms": "sync/Cashflow/PaymentTerms"}


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    return Response(status, error_body(message), headers or {})


def division_of(path: str, query: str = "") -> int | None:
    """The division number in an `/api/v1/{division}/...` path, or in the `_Division_` of a
    download."""
    if path.startswith(API):
        head = path[len(API) :].split("/", 1)[0]
        if head.isdigit():
            return int(head)
    if path == DOWNLOAD_PATH:
        number = dict(parse_qsl(query)).get("_Division_", "").strip()
        return int(number) if number.isdigit() else None
    return None


def handle(
    state: SandboxState,
    method: str,
    target: str,
    headers: Mapping[str, str],
    body: bytes,
    base_url: str,
) -> Response:
    """Serve one request. `headers` has lower-case names."""
    path, _, query = target.partition("?")
    decoded = unquote(path) + (f"?{unquote_plus(query)}" if query else "")
    with state.lock:
        division = division_of(path, query)
        state.calls.append((division, method, decoded))
        injected = state.take_injection(decoded)
        if injected is not None and not injected[1]:
            response = _injected(state, injected[0])
        else:
            response = _route(state, method, path, query, headers, body, base_url)
            if injected is not None:
                response = _injected(state, injected[0])
        state.served.append((division, state.clock.now(), response.status))
        return response


def _injected(state: SandboxState, status: int) -> Response:
    headers: dict[str, str] = {}
    if status == 429:
        _, reset = minute_window(state.clock.now())
        headers = minutely_headers(state.minutely_limit, 0, reset)
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Error"
    return _error(status, f"{phrase} (injected by the sandbox)", headers)


def _route(
    state: SandboxState,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    body: bytes,
    base_url: str,
) -> Response:
    """The OAuth endpoints, or the API."""
    if path == "/api/oauth2/token":
        if method != "POST":
            return _error(405, "Use POST on the token endpoint.")
        return oauth.token(state, body, headers)
    if path == "/api/oauth2/auth":
        return oauth.authorize(state, query)
    if path == DOWNLOAD_PATH:
        return download(state, method, query, headers)
    if not path.startswith(API):
        return _error(404, f"Not found: {path}")
    return _api(state, method, path, query, headers, base_url)


def _api(
    state: SandboxState,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    base_url: str,
) -> Response:
    """`/api/v1/...`: bearer token, then the division's rate limit, then the resource."""
    refused = unauthorized(state, headers)
    if refused is not None:
        return refused
    if method != "GET":
        return _error(405, "The sandbox serves reads only.")
    params = dict(parse_qsl(query, keep_blank_values=True))
    rest = path[len(API) :]
    if rest == "current/Me":  # no division: not rate limited
        return _me(state, params)
    number, _, resource = rest.partition("/")
    division = state.divisions.get(int(number)) if number.isdigit() else None
    if division is None:
        return _error(404, f"Division not found: {number}")
    admission = state.limits.admit(
        division.code, state.clock.now(), state.minutely_limit, state.daily_limit
    )
    if not admission.allowed:
        return _error(429, "Too many requests", admission.headers)
    try:
        response = _resource(state, division, resource, params, base_url, path)
    except ODataError as exc:
        response = _error(400, str(exc))
    response.headers.update(admission.headers)
    return response


def _me(state: SandboxState, params: Mapping[str, str]) -> Response:
    row: dict[str, object] = {
        "CurrentDivision": state.current_division, "Email": state.user_name,
        "FullName": state.full_name, "LanguageCode": "nl-NL", "UserID": state.user_id,
        "UserName": state.user_name,
    }  # fmt: skip
    try:
        fields = parse_select(params.get("$select", "*"), ME_FIELDS)
    except ODataError as exc:
        return _error(400, str(exc))
    return Response(200, {"d": {"results": [encode_row(row, fields)]}})


def _resource(
    state: SandboxState,
    division: Division,
    resource: str,
    params: Mapping[str, str],
    base_url: str,
    path: str,
) -> Response:
    if resource == SYNC_TIMESTAMP:
        return _sync_timestamp(division, params)
    single = _SINGLE.match(resource)
    endpoint = ENDPOINTS.get(single.group("resource") if single else resource)
    if endpoint is None or (single and endpoint.kind is not Kind.STANDARD):
        return _error(404, f"Endpoint not found: {resource}")
    rows = endpoint.rows(division, list(state.divisions.values()))
    if endpoint.links:
        rows = [row | {name: base_url + str(row[name]) for name in endpoint.links} for row in rows]
    if single is None:
        return Response(200, page(endpoint, rows, params, base_url + path))
    wanted = single.group("id").lower()
    found = [row for row in rows if row.get("ID") == wanted]
    if not found:
        return _error(404, f"Not found: {resource}")
    fields = parse_select(params["$select"], endpoint.fields) if "$select" in params else None
    return Response(200, {"d": encode_row(found[0], fields or list(endpoint.fields))})


def _sync_timestamp(division: Division, params: Mapping[str, str]) -> Response:
    """The highest Timestamp of rows modified before `modified` (1 if none), so that
    `Timestamp gt N` gives exactly the rows modified on or after it."""
    modified = re.fullmatch(r"datetime'([^']*)'", params.get("modified", "").strip())
    name = params.get("endPoint", "").strip().strip("'")
    if modified is None:
        raise ODataError("Parameter 'modified' must be a datetime'...' literal.")
    if name not in SYNC_TIMESTAMP_ENDPOINTS:
        raise ODataError(f"Unknown endPoint '{name}'.")
    try:
        moment = wall_clock(datetime.fromisoformat(modified.group(1)))
    except ValueError:
        raise ODataError(f"Invalid datetime literal: '{modified.group(1)}'") from None
    before = [line.timestamp for line in division.lines if wall_clock(line.modified) < moment]
    result = {
        "EndPoint": name,
        "Modified": encode_date(moment),
        "SyncTimestamp": max(before, default=1),
    }
    return Response(200, {"d": {"results": [result]}})
