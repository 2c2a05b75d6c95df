"""One request in, one response out: routing, bearer auth, rate limits and injected failures.
Independent of the HTTP server, which only moves bytes."""

from __future__ import annotations

import re
from collections.abc import Mapping
from http import HTTPStatus
from urllib.parse import parse_qsl, unquote, unquote_plus

from followup.exact.contract import contract
from followup.sandbox import oauth
from followup.sandbox.division import Division
from followup.sandbox.documents import DOWNLOAD_PATH
from followup.sandbox.downloads import download, unauthorized
from followup.sandbox.endpoints import ENDPOINTS, ME_FIELDS, Kind
from followup.sandbox.exact_json import Response, encode_row, error_body
from followup.sandbox.limits import minute_window, minutely_headers
from followup.sandbox.listing import page
from followup.sandbox.odata import ODataError, parse_select
from followup.sandbox.state import SandboxState

API = "/api/v1/"
_SINGLE = re.compile(r"^(?P<resource>.+)\(guid'(?P<id>[0-9a-fA-F-]{36})'\)$")
SYNC_TIMESTAMP = "read/sync/Sync/SyncTimestamp"


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
    if division.code in state.hidden:  # unverified: Exact's exact words for it
        return _error(403, f"Forbidden: no access to division {division.code}")
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
    if resource in contract().functions:
        return _function(resource, params)
    single = _SINGLE.match(resource)
    name = single.group("resource") if single else resource
    if name not in contract().endpoints:
        return _error(400, f"Resource not found: '{name}' is not an endpoint of the API.")
    endpoint = ENDPOINTS.get(name)
    if endpoint is None:
        return _error(501, f"{name} is documented but not modelled by the sandbox.")
    if single and endpoint.kind is not Kind.STANDARD:
        return _error(400, f"{name} can't be read by key.")
    visible = [d for d in state.divisions.values() if d.code not in state.hidden]
    rows = endpoint.rows(division, visible)
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


def _function(name: str, params: Mapping[str, str]) -> Response:
    """A documented function: its parameters checked against the contract. The sandbox models
    none of SyncTimestamp's endpoints (followup doesn't call it): a valid call gets 501."""
    function = contract().functions[name]
    for parameter in params:
        if not parameter.startswith("$") and parameter not in function.parameters:
            raise ODataError(f"Unknown parameter '{parameter}' for function {name}.")
    for parameter, spec in function.parameters.items():
        value = params.get(parameter, "").strip()
        if not value:
            if spec.required:
                raise ODataError(f"Parameter '{parameter}' is required.")
            continue
        if spec.type == "Edm.DateTime" and not re.fullmatch(r"datetime'[^']+'", value):
            raise ODataError(f"Parameter '{parameter}' must be a datetime'...' literal.")
        if spec.values is not None and value.strip("'") not in spec.values:
            raise ODataError(
                f"Parameter '{parameter}': '{value.strip(chr(39))}' is not supported; "
                f"supported: {', '.join(spec.values)}."
            )
    return _error(501, f"{name} is documented but not modelled by the sandbox.")
