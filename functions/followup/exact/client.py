"""The Exact Online REST client: one httpx.Client, paging by `__next`, rate limits, retries.

Auth is the `httpx.Auth` given (exact/auth.py); when to retry and how long to wait are the pure
rules of exact/retry.py; every wait goes through `clock.sleep`.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Iterator, Mapping
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any

import httpx

from followup.errors import (
    ExactAuthError,
    ExactDownloadTooLarge,
    ExactError,
    ExactRateLimited,
    ExactRequestError,
    ExactServerError,
    ExactTransportError,
)
from followup.ports import Clock
from followup.retry import backoff_seconds, daily_budget_spent, rate_limit_wait, should_retry

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1/"
# A 429 without a usable reset header: wait out Exact's one-minute window.
FALLBACK_RATE_LIMIT_WAIT = 60.0
# Never hammer: even a reset that has just passed (clock skew) waits this long after a 429.
MIN_RATE_LIMIT_WAIT = 1.0
# The largest file `download` accepts; an invoice PDF is some 100 KB.
MAX_DOWNLOAD_BYTES = 10 * 1024 * 1024
# Exact doesn't document a request id header; these are the usual names (unverified).
REQUEST_ID_HEADERS = ("X-Request-Id", "Request-Id", "X-Correlation-Id")

Row = dict[str, Any]


def error_for_status(
    status: int, detail: str, *, endpoint: str, request_id: str | None = None
) -> ExactError:
    """The typed error for a failed Exact answer: the one place statuses become classes."""
    cls: type[ExactError]
    if status in (401, 403):
        cls, what = ExactAuthError, "Exact refused the credentials"
    elif status == 429:
        cls, what = ExactRateLimited, "Exact's rate limit was hit"
    elif 500 <= status <= 599:
        cls, what = ExactServerError, "Exact failed"
    elif 400 <= status <= 499:
        cls, what = ExactRequestError, "Exact refused the request"
    else:
        cls, what = ExactError, "Exact answered unexpectedly"
    message = f"{what}: {detail}" if detail else what
    return cls(message, status=status, endpoint=endpoint, request_id=request_id)


class ExactClient:
    """GETs against `{base_url}/api/v1/`, waiting out rate limits and retrying what may pass."""

    def __init__(
        self,
        base_url: str,
        auth: httpx.Auth,
        clock: Clock,
        *,
        timeout: float = 30.0,
        max_attempts: int = 5,
        max_wait_seconds: float = 90.0,
        rng: random.Random | None = None,
        transport: httpx.BaseTransport | None = None,
        max_download_bytes: int = MAX_DOWNLOAD_BYTES,
    ) -> None:
        self._clock = clock
        self.max_download_bytes = max_download_bytes
        self._max_attempts = max_attempts
        self._max_wait = max_wait_seconds
        self._rng = rng or random.Random()
        self._api = httpx.URL(base_url.rstrip("/") + API_PREFIX)
        self._http = httpx.Client(
            base_url=self._api,
            auth=auth,
            timeout=timeout,
            transport=transport,
            headers={"Accept": "application/json"},
            event_hooks={"request": [self._count]},
        )
        # Requests sent, per division: retries and the auth's resend after a 401 included.
        self.calls: Counter[int | None] = Counter()
        self._resume_at: dict[int | None, datetime] = {}
        self._daily_spent: dict[int | None, bool] = {}

    def __repr__(self) -> str:
        return f"ExactClient({str(self._api)!r})"

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> ExactClient:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def get_pages(self, path: str, params: Mapping[str, str] | None = None) -> Iterator[list[Row]]:
        """Each page of rows of `path` (relative, e.g. "123456/bulk/CRM/Accounts"), in order."""
        for rows, _ in self.pages(path, params):
            yield rows

    def pages(
        self, path: str, params: Mapping[str, str] | None = None
    ) -> Iterator[tuple[list[Row], bool]]:
        """Each page of rows of `path`, and whether another page follows it. The next page is
        fetched only when asked for, so a reader may stop after any page."""
        url: str | httpx.URL = path
        query = params
        while True:
            body = self._get_json(url, query)
            rows, next_link = _rows(body, _endpoint(url))
            yield rows, next_link is not None
            if not next_link:
                return
            url, query = self._same_api(next_link, _endpoint(url)), None

    def get_all(self, path: str, params: Mapping[str, str] | None = None) -> list[Row]:
        """Every row of `path`, all pages."""
        return [row for page in self.get_pages(path, params) for row in page]

    def download(self, url: str) -> bytes:
        """The bytes at an absolute URL on Exact's own host (an attachment's `Url`), with the
        same auth, retries, rate-limit waits and call counting (the division is the URL's
        `_Division_`). Another host: ExactError, the token goes nowhere else. Larger than
        `max_download_bytes`: ExactDownloadTooLarge. Redirects are not followed."""
        target = self._same_host(url)
        endpoint = target.path.lstrip("/")
        response = self._get(target, None, endpoint, _url_division(target), stream=True)
        try:
            return self._capped(response, endpoint)
        finally:
            response.close()

    def _capped(self, response: httpx.Response, endpoint: str) -> bytes:
        limit = self.max_download_bytes
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            raise self._too_large(endpoint, f"{declared} bytes", response)
        content = bytearray()
        try:
            for chunk in response.iter_bytes():
                content += chunk
                if len(content) > limit:
                    raise self._too_large(endpoint, f"more than {limit} bytes", response)
        except httpx.TransportError as exc:  # mid-body: not retried (the caller may try again)
            raise ExactTransportError(
                f"the download broke off ({type(exc).__name__})", endpoint=endpoint
            ) from None
        return bytes(content)

    def _too_large(self, endpoint: str, size: str, response: httpx.Response) -> ExactError:
        return ExactDownloadTooLarge(
            f"the file is {size}; the limit is {self.max_download_bytes}",
            status=response.status_code,
            endpoint=endpoint,
            request_id=_request_id(response),
        )

    def _get_json(self, url: str | httpx.URL, params: Mapping[str, str] | None) -> Any:
        endpoint = _endpoint(url)
        response = self._get(url, params, endpoint)
        try:
            return response.json()
        except ValueError:
            raise ExactError(
                "Exact answered with something that is not JSON",
                status=response.status_code,
                endpoint=endpoint,
                request_id=_request_id(response),
            ) from None

    def _get(
        self,
        url: str | httpx.URL,
        params: Mapping[str, str] | None,
        endpoint: str,
        division: int | None = None,
        *,
        stream: bool = False,
    ) -> httpx.Response:
        """A successful response, after rate-limit waits and retries; with `stream`, its body
        is still to be read (and the response to be closed)."""
        division = _division(endpoint) if division is None else division
        failures = 0
        rate_waits = 0
        while True:
            self._respect_budget(division, endpoint)
            try:
                request = self._http.build_request("GET", url, params=params)
                if stream:
                    request.headers["Accept"] = "*/*"
                response = self._http.send(request, stream=stream)
                if stream and response.status_code >= 300:
                    response.read()  # an error's body (small) for its message; closes it
            except httpx.TransportError as exc:
                failures += 1
                log.debug("GET %s failed: %s", endpoint, type(exc).__name__)
                if not should_retry(exc) or failures >= self._max_attempts:
                    raise ExactTransportError(
                        f"Exact could not be reached ({type(exc).__name__}) after "
                        f"{failures} attempt(s)",
                        endpoint=endpoint,
                    ) from None
                self._clock.sleep(backoff_seconds(failures, self._rng))
                continue
            status = response.status_code
            log.debug("GET %s -> %d", endpoint, status)
            self._note_budget(division, response.headers)
            if status == 429:
                rate_waits += 1
                self._wait_after_429(response, endpoint, rate_waits)
                continue
            if should_retry(status):
                failures += 1
                if failures >= self._max_attempts:
                    raise self._error(response, endpoint)
                self._clock.sleep(backoff_seconds(failures, self._rng))
                continue
            if status >= 300:
                raise self._error(response, endpoint)
            return response

    def _count(self, request: httpx.Request) -> None:
        self.calls[_url_division(request.url)] += 1

    def _respect_budget(self, division: int | None, endpoint: str) -> None:
        """Before a call: wait for a spent budget to reset, or give up if that takes too long."""
        resume_at = self._resume_at.get(division)
        if resume_at is None:
            return
        wait = (resume_at - self._clock.now()).total_seconds()
        if wait <= 0:
            del self._resume_at[division]
            return
        if wait > self._max_wait:
            raise self._too_long(division, wait, endpoint)
        log.info("rate limit budget of division %s spent; waiting %.0f s", division, wait)
        self._clock.sleep(wait)
        del self._resume_at[division]

    def _note_budget(self, division: int | None, headers: httpx.Headers) -> None:
        now = self._clock.now()
        wait = rate_limit_wait(headers, now)
        if wait is not None and wait > 0:
            self._resume_at[division] = now + timedelta(seconds=wait)
            self._daily_spent[division] = daily_budget_spent(headers)

    def _wait_after_429(self, response: httpx.Response, endpoint: str, rate_waits: int) -> None:
        division = _division(endpoint)
        wait = rate_limit_wait(response.headers, self._clock.now())
        wait = max(FALLBACK_RATE_LIMIT_WAIT if wait is None else wait, MIN_RATE_LIMIT_WAIT)
        self._daily_spent[division] = daily_budget_spent(response.headers)
        if wait > self._max_wait:
            raise self._too_long(division, wait, endpoint, _request_id(response))
        if rate_waits > self._max_attempts:
            raise ExactRateLimited(
                f"still rate limited after waiting {rate_waits - 1} times",
                status=429,
                endpoint=endpoint,
                request_id=_request_id(response),
            )
        self._resume_at.pop(division, None)
        log.info("rate limited on %s; waiting %.0f s", endpoint, wait)
        self._clock.sleep(wait)

    def _too_long(
        self, division: int | None, wait: float, endpoint: str, request_id: str | None = None
    ) -> ExactRateLimited:
        which = "daily" if self._daily_spent.get(division) else "rate limit"
        return ExactRateLimited(
            f"the {which} budget of division {division} is spent until "
            f"{self._clock.now() + timedelta(seconds=wait):%Y-%m-%d %H:%M}; "
            f"not waiting {wait:.0f} s (more than {self._max_wait:.0f} s)",
            status=429,
            endpoint=endpoint,
            request_id=request_id,
        )

    def _error(self, response: httpx.Response, endpoint: str) -> ExactError:
        if response.status_code == 401:
            detail = "the access token was refused even after a refresh"
        else:
            detail = _exact_message(response)
        return error_for_status(
            response.status_code, detail, endpoint=endpoint, request_id=_request_id(response)
        )

    def _same_host(self, link: str) -> httpx.URL:
        """An absolute URL on Exact's host (any path): a download's."""
        url = httpx.URL(link)
        api = self._api
        if (url.scheme, url.host, url.port) != (api.scheme, api.host, api.port):
            raise ExactError(
                f"a download link leaves Exact ({url.host or 'no host'})",
                endpoint=url.path.lstrip("/"),
            )
        return url

    def _same_api(self, link: str, endpoint: str) -> httpx.URL:
        """Follow `__next` only within our API: the bearer token goes nowhere else."""
        url = httpx.URL(link)
        api = self._api
        same = (url.scheme, url.host, url.port) == (api.scheme, api.host, api.port)
        if not same or not url.path.startswith(API_PREFIX):
            raise ExactError(
                f"Exact's next-page link leaves the API ({url.host})", endpoint=endpoint
            )
        return url


def _rows(body: Any, endpoint: str) -> tuple[list[Row], str | None]:
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


def _endpoint(url: str | httpx.URL) -> str:
    """The path relative to /api/v1/, without the query (no filters or values in errors)."""
    path = httpx.URL(url).path if isinstance(url, str) else url.path
    if path.startswith(API_PREFIX):
        path = path[len(API_PREFIX) :]
    return path.lstrip("/")


def _division(endpoint: str) -> int | None:
    head = endpoint.split("/", 1)[0]
    return int(head) if head.isdigit() else None


def _url_division(url: httpx.URL) -> int | None:
    """The division an URL counts for: `/api/v1/{division}/...`, or a download's
    `_Division_` parameter."""
    division = _division(_endpoint(url))
    if division is None and not url.path.startswith(API_PREFIX):
        number = url.params.get("_Division_", "").strip()
        division = int(number) if number.isdigit() else None
    return division


def _request_id(response: httpx.Response) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value = response.headers.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def _exact_message(response: httpx.Response) -> str:
    """Exact's own words from `{"error": {"message": {"value": ...}}}`, shortened."""
    try:
        body = response.json()
    except ValueError:
        return ""
    error = body.get("error") if isinstance(body, dict) else None
    message = error.get("message") if isinstance(error, dict) else None
    value = message.get("value") if isinstance(message, dict) else message
    return str(value)[:300] if value else ""
