"""The Exact Online REST client: one httpx.Client, paging by `__next`, rate limits, retries.

Auth is the `httpx.Auth` given (exact/auth.py); when to retry and how long to wait are the pure
rules of followup/retry.py, the attempt loop is its `call_with_retries`; rate-limit budgets are
kept by exact/rate_limits.py, answers read by exact/paging.py and turned into typed errors by
exact/failures.py. Every wait goes through `clock.sleep`.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from collections.abc import Iterator, Mapping
from functools import partial
from types import TracebackType
from typing import Any

import httpx

from followup.errors import ExactDownloadTooLarge, ExactError, ExactTransportError
from followup.exact.failures import answer_error, request_id
from followup.exact.paging import (
    API_PREFIX,
    Row,
    division_of,
    endpoint_of,
    page_rows,
    same_origin,
    url_division,
)
from followup.exact.rate_limits import RateBudgets
from followup.ports import Clock
from followup.retry import backoff_seconds, call_with_retries, should_retry

__all__ = ["ExactClient", "Row"]  # Row: the exact/ readers take it from here

log = logging.getLogger(__name__)

# The largest file `download` accepts; an invoice PDF is some 100 KB.
MAX_DOWNLOAD_BYTES = 10 * 1024 * 1024


class _ServerFailed(Exception):
    """A 5xx answer: retried with backoff, raised as an ExactServerError at the last attempt."""

    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


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
        self._budgets = RateBudgets(
            clock, max_wait_seconds=max_wait_seconds, max_waits=max_attempts
        )

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
            rows, next_link = page_rows(body, endpoint_of(url))
            yield rows, next_link is not None
            if not next_link:
                return
            url, query = self._same_api(next_link, endpoint_of(url)), None

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
        response = self._get(target, None, endpoint, url_division(target), stream=True)
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
            request_id=request_id(response),
        )

    def _get_json(self, url: str | httpx.URL, params: Mapping[str, str] | None) -> Any:
        endpoint = endpoint_of(url)
        response = self._get(url, params, endpoint)
        try:
            return response.json()
        except ValueError:
            raise ExactError(
                "Exact answered with something that is not JSON",
                status=response.status_code,
                endpoint=endpoint,
                request_id=request_id(response),
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
        division = division_of(endpoint) if division is None else division
        rate_waits = 0  # 429s waited out, over all attempts: not failures

        def attempt() -> httpx.Response:
            nonlocal rate_waits
            while True:
                self._budgets.before_call(division, endpoint)
                response = self._send(url, params, endpoint, stream)
                self._budgets.note(division, response.headers)
                if response.status_code != 429:
                    break
                rate_waits += 1
                self._budgets.wait_after_429(response, endpoint, rate_waits)
            if should_retry(response.status_code):
                raise _ServerFailed(response)
            if response.status_code >= 300:
                raise answer_error(response, endpoint)
            return response

        return call_with_retries(
            attempt,
            partial(self._retry_wait, endpoint),
            max_attempts=self._max_attempts,
            sleep=self._clock.sleep,
        )

    def _send(
        self, url: str | httpx.URL, params: Mapping[str, str] | None, endpoint: str, stream: bool
    ) -> httpx.Response:
        request = self._http.build_request("GET", url, params=params)
        if stream:
            request.headers["Accept"] = "*/*"
        response = self._http.send(request, stream=stream)
        if stream and response.status_code >= 300:
            response.read()  # an error's body (small) for its message; closes it
        log.debug("GET %s -> %d", endpoint, response.status_code)
        return response

    def _retry_wait(self, endpoint: str, error: Exception, attempt: int) -> float | None:
        """Exact's rule (followup.retry.should_retry): a transport error or a 5xx is retried
        after a backoff, until the last attempt; anything else is final."""
        if isinstance(error, _ServerFailed):
            if attempt >= self._max_attempts:
                raise answer_error(error.response, endpoint) from None
        elif should_retry(error):
            log.debug("GET %s failed: %s", endpoint, type(error).__name__)
            if attempt >= self._max_attempts:
                raise ExactTransportError(
                    f"Exact could not be reached ({type(error).__name__}) after "
                    f"{attempt} attempt(s)",
                    endpoint=endpoint,
                ) from None
        else:
            return None
        return backoff_seconds(attempt, self._rng)

    def _count(self, request: httpx.Request) -> None:
        self.calls[url_division(request.url)] += 1

    def _same_host(self, link: str) -> httpx.URL:
        """An absolute URL on Exact's host (any path): a download's."""
        url = httpx.URL(link)
        if not same_origin(url, self._api):
            raise ExactError(
                f"a download link leaves Exact ({url.host or 'no host'})",
                endpoint=url.path.lstrip("/"),
            )
        return url

    def _same_api(self, link: str, endpoint: str) -> httpx.URL:
        """Follow `__next` only within our API: the bearer token goes nowhere else."""
        url = httpx.URL(link)
        if not same_origin(url, self._api) or not url.path.startswith(API_PREFIX):
            raise ExactError(
                f"Exact's next-page link leaves the API ({url.host})", endpoint=endpoint
            )
        return url
