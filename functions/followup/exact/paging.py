"""Reading Exact's answers and URLs: a page's rows and its `__next` link, the endpoint and the
division a URL is for. Pure: no I/O."""

from __future__ import annotations

from typing import Any

import httpx

from followup.errors import ExactError

API_PREFIX = "/api/v1/"

Row = dict[str, Any]


def page_rows(body: Any, endpoint: str) -> tuple[list[Row], str | None]:
    """The rows and the next-page link of `{"d": {"results": [...], "__next": ...}}` or
    `{"d": {...}}` (a single result)."""
    data = body.get("d") if isinstance(body, dict) else None
    if isinstance(data, list):
        return [row for row in data if isinstance(row, dict)], None
    if isinstance(data, dict):
        results = data.get("results")
        if isinstance(results, list):
            link = data.get("__next")
            rows = [row for row in results if isinstance(row, dict)]
            return rows, link if isinstance(link, str) and link else None
        return [data], None
    raise ExactError("Exact's answer has no `d` object", endpoint=endpoint)


def endpoint_of(url: str | httpx.URL) -> str:
    """The path relative to /api/v1/, without the query (no filters or values in errors)."""
    path = httpx.URL(url).path if isinstance(url, str) else url.path
    if path.startswith(API_PREFIX):
        path = path[len(API_PREFIX) :]
    return path.lstrip("/")


def division_of(endpoint: str) -> int | None:
    """The division an endpoint (`{division}/...`) is for; None for `current/Me` and the like."""
    head = endpoint.split("/", 1)[0]
    return int(head) if head.isdigit() else None


def url_division(url: httpx.URL) -> int | None:
    """The division an URL counts for: `/api/v1/{division}/...`, or a download's
    `_Division_` parameter."""
    division = division_of(endpoint_of(url))
    if division is None and not url.path.startswith(API_PREFIX):
        number = url.params.get("_Division_", "").strip()
        division = int(number) if number.isdigit() else None
    return division


def same_origin(url: httpx.URL, api: httpx.URL) -> bool:
    """Whether `url` is on the API's own scheme, host and port (where the token may go)."""
    return (url.scheme, url.host, url.port) == (api.scheme, api.host, api.port)
