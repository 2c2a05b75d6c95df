"""Answering a list query as Exact does: `$select`, `$filter`, `$top`, pages and `__next`."""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import quote, urlencode

from followup.sandbox.endpoints import Endpoint, Kind
from followup.sandbox.exact_json import encode_row
from followup.sandbox.odata import (
    Comparison,
    FieldType,
    ODataError,
    check_filter,
    matches,
    parse_filter,
    parse_select,
)
from followup.sandbox.rows import Row

SELECT_REQUIRED = "Please add a $select or a $top=1 statement to the query string"
QUERY_OPTIONS = frozenset({"$select", "$filter", "$top", "$skiptoken", "$format"})
_GUID_TOKEN = re.compile(r"^guid'([0-9a-fA-F-]{36})'$")


def check_options(params: Mapping[str, str]) -> None:
    """Refuse query options the sandbox doesn't answer (e.g. `$orderby`, `$skip`)."""
    for name in params:
        if name.startswith("$") and name not in QUERY_OPTIONS:
            raise ODataError(f"The query option '{name}' is not supported by the sandbox.")


def top_of(params: Mapping[str, str]) -> int | None:
    """The `$top` asked for, if any."""
    if "$top" not in params:
        return None
    text = params["$top"].strip()
    if not text.isdigit():
        raise ODataError(f"Invalid $top: '{text}'")
    return int(text)


def selected(endpoint: Endpoint, params: Mapping[str, str]) -> list[str]:
    """The fields to return; bulk endpoints insist on `$select` unless `$top=1`."""
    if "$select" in params:
        return parse_select(params["$select"], endpoint.fields)
    if endpoint.kind is Kind.BULK and top_of(params) != 1:
        raise ODataError(SELECT_REQUIRED)
    return list(endpoint.fields)


def filtered(endpoint: Endpoint, rows: list[Row], params: Mapping[str, str]) -> list[Row]:
    """The rows `$filter` lets through, after checking the filter is allowed here."""
    if "$filter" not in params:
        return rows
    expression = parse_filter(params["$filter"])
    check_filter(expression, endpoint.fields, endpoint.filterable)
    if endpoint.kind is Kind.SYNC and not (
        isinstance(expression, Comparison) and expression.op == "gt"
    ):
        raise ODataError("Sync endpoints can only be filtered with 'Timestamp gt <number>'.")
    return [row for row in rows if matches(expression, row)]


def _key(endpoint: Endpoint, row: Row) -> str | int:
    value = row[endpoint.key]
    assert isinstance(value, str | int)
    return value


def _after(endpoint: Endpoint, rows: list[Row], token: str) -> list[Row]:
    """The rows past a skip token: guid'<last ID>' or the last number (a Timestamp, a Code)."""
    if endpoint.fields[endpoint.key] is FieldType.GUID:
        match = _GUID_TOKEN.match(token)
        if match is None:
            raise ODataError(f"Invalid $skiptoken: '{token}'")
        last = match.group(1).lower()
        return [row for row in rows if str(_key(endpoint, row)) > last]
    if not token.isdigit():
        raise ODataError(f"Invalid $skiptoken: '{token}'")
    return [row for row in rows if int(_key(endpoint, row)) > int(token)]


def _token(endpoint: Endpoint, row: Row) -> str:
    key = _key(endpoint, row)
    return f"guid'{key}'" if endpoint.fields[endpoint.key] is FieldType.GUID else str(key)


def page(endpoint: Endpoint, rows: list[Row], params: Mapping[str, str], url: str) -> object:
    """One page of results, with `__next` (an absolute URL) when more follow."""
    check_options(params)
    fields = selected(endpoint, params)
    top = top_of(params)
    rows = sorted(filtered(endpoint, rows, params), key=lambda row: _key(endpoint, row))
    if "$skiptoken" in params:
        rows = _after(endpoint, rows, params["$skiptoken"])
    size = endpoint.page_size if top is None else min(top, endpoint.page_size)
    shown = rows[:size]
    result: dict[str, object] = {"results": [encode_row(row, fields) for row in shown]}
    if len(rows) > size and (top is None or top > size) and shown:
        follow = dict(params) | {"$skiptoken": _token(endpoint, shown[-1])}
        if top is not None:
            follow["$top"] = str(top - size)
        result["__next"] = url + "?" + urlencode(follow, quote_via=quote, safe="$',()")
    return {"d": result}
