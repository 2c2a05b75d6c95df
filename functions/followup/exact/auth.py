"""Exact Online OAuth as an httpx.Auth: reuse a valid token, refresh under a lock, persist first.

Exact's rules (docs/exact-online-api.md): an access token lives 600 s; a new one may be requested
only 570 s after the previous one; every refresh rotates the refresh token and kills the old one.
So: one refresher at a time (`store.lock()`), re-read the store inside the lock, save the new
pair before using it, and never retry a refresh whose answer was lost.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Generator
from datetime import datetime, timedelta
from typing import Any

import httpx

from followup.errors import (
    ExactAuthError,
    ExactRateLimited,
    ExactRefreshUncertain,
    ExactTokenRevoked,
    ExactTransportError,
    TokenStoreError,
)
from followup.model import TokenSet
from followup.ports import Clock, TokenStore
from followup.retry import backoff_seconds, call_with_retries

log = logging.getLogger(__name__)

EXPIRY_MARGIN = timedelta(seconds=30)
MIN_REFRESH_INTERVAL = timedelta(seconds=570)
DEFAULT_EXPIRES_IN = 600
RUN_AUTH = "run `followup auth exact` to sign in to Exact Online again"
TOKEN_PATH = "/api/oauth2/token"  # noqa: S105 (a URL path, not a secret)


class _TooEarly(Exception):
    """Exact refused the refresh because the access token is younger than 570 s."""


class ExactAuth(httpx.Auth):
    """Bearer auth for the Exact API, refreshing the rotating token pair as Exact demands."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        store: TokenStore,
        clock: Clock,
        token_http: httpx.Client | None = None,
        *,
        connect_attempts: int = 3,
        rng: random.Random | None = None,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._client_id = client_id
        self._client_secret = client_secret
        self._store = store
        self._clock = clock
        # No keep-alive: a token call every ~10 min would mostly meet a stale pooled connection,
        # and a request lost on one is a refresh whose outcome we can't know.
        self._own_http = token_http is None
        self._http = token_http or httpx.Client(
            timeout=30.0, limits=httpx.Limits(max_keepalive_connections=0)
        )
        self._connect_attempts = connect_attempts
        self._rng = rng or random.Random()
        self._tokens: TokenSet | None = None
        self._forced: str | None = None  # the access token a forced refresh produced
        self._mutex = threading.Lock()

    @property
    def store(self) -> TokenStore:
        """Where the tokens are kept (the run reads when they were last refreshed)."""
        return self._store

    def __repr__(self) -> str:
        return f"ExactAuth(base_url={self._base_url!r}, client_id={self._client_id!r})"

    def close(self) -> None:
        """Close the token endpoint client, if this instance made it."""
        if self._own_http:
            self._http.close()

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        """Send with the current token; on a 401 refresh once (if that can help) and resend."""
        token = self.access_token()
        request.headers["Authorization"] = f"Bearer {token}"
        response = yield request
        if response.status_code != 401 or token == self._forced:
            return  # a second 401 is the client's to report (ExactAuthError)
        log.info("Exact refused an access token we believed valid; refreshing once")
        request.headers["Authorization"] = f"Bearer {self.access_token(rejected=token)}"
        yield request

    def access_token(self, rejected: str | None = None) -> str:
        """A usable access token; `rejected` is one Exact just answered 401 to."""
        with self._mutex:
            cached = self._tokens
            if rejected is None and cached is not None and _usable(cached, self._clock.now()):
                return cached.access_token
            with self._store.lock():
                stored = self._store.load()  # inside the lock: another process may have refreshed
                if stored is None:
                    raise ExactAuthError(f"no Exact Online tokens stored: {RUN_AUTH}")
                if stored.access_token != rejected and _usable(stored, self._clock.now()):
                    self._tokens = stored
                    return stored.access_token
                fresh = self._refresh(stored)
                self._tokens = fresh
                if rejected is not None:
                    self._forced = fresh.access_token
                return fresh.access_token

    def exchange_code(self, code: str, redirect_uri: str) -> TokenSet:
        """Trade an authorization code (from the consent redirect) for tokens and store them."""
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
        with self._mutex, self._store.lock():
            try:
                tokens = self._request_tokens(form)
            except _TooEarly:
                raise ExactAuthError(
                    "Exact refused to issue tokens (access_token not expired); try again in "
                    "ten minutes",
                    endpoint=TOKEN_PATH,
                ) from None
            self._tokens = tokens
            return tokens

    def _refresh(self, stored: TokenSet) -> TokenSet:
        allowed_at = stored.refreshed_at + MIN_REFRESH_INTERVAL
        self._sleep_until(allowed_at, "Exact allows a new access token 570 s after the last")
        form = {"grant_type": "refresh_token", "refresh_token": stored.refresh_token}
        try:
            return self._request_tokens(form)
        except _TooEarly:
            # Not spent: Exact refused before rotating. Our idea of the last issue time is off
            # (clock skew, a store edited by hand); 570 s from now is surely late enough.
            log.warning("Exact said the access token is not expired yet; waiting 570 s")
            self._clock.sleep(MIN_REFRESH_INTERVAL.total_seconds())
        try:
            return self._request_tokens(form)
        except _TooEarly:
            raise ExactAuthError(
                "Exact keeps refusing the refresh as too early (access_token not expired), "
                "even after waiting 570 s",
                endpoint=TOKEN_PATH,
            ) from None

    def _request_tokens(self, grant: dict[str, str]) -> TokenSet:
        form = {**grant, "client_id": self._client_id, "client_secret": self._client_secret}
        sent_at = self._clock.now()
        response = self._post(form)
        received_at = self._clock.now()
        body = _json_object(response)
        if response.status_code != 200:
            raise self._refusal(response.status_code, body)
        access = body.get("access_token")
        refresh = body.get("refresh_token")
        if not isinstance(access, str) or not access or not isinstance(refresh, str) or not refresh:
            raise ExactRefreshUncertain(
                "Exact answered the token request without a new token pair; the stored refresh "
                f"token is probably spent. Try once more later; if Exact then says so, {RUN_AUTH}",
                status=response.status_code,
                endpoint=TOKEN_PATH,
            )
        tokens = TokenSet(
            access_token=access,
            access_expires_at=sent_at + timedelta(seconds=_expires_in(body)),
            refresh_token=refresh,
            refreshed_at=received_at,  # the later bound: the 570 s count from Exact's issue time
        )
        try:
            self._store.save(tokens)  # before the access token is used: the old one is dead now
        except TokenStoreError as exc:
            raise TokenStoreError(
                f"{exc} — Exact issued new tokens that could not be saved; the stored refresh "
                f"token is spent: fix the token store, then {RUN_AUTH}"
            ) from None
        log.info("Exact tokens refreshed; access token valid until %s", tokens.access_expires_at)
        return tokens

    def _post(self, form: dict[str, str]) -> httpx.Response:
        url = self._base_url + TOKEN_PATH
        return call_with_retries(
            lambda: self._http.post(url, data=form, headers={"Accept": "application/json"}),
            self._retry_wait,
            max_attempts=self._connect_attempts,
            sleep=self._clock.sleep,
        )

    def _retry_wait(self, exc: Exception, attempt: int) -> float | None:
        """Only a connection that failed before the request went out is tried again."""
        if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
            # Nothing reached Exact: the refresh token is untouched, retrying is safe.
            if attempt >= self._connect_attempts:
                raise ExactTransportError(
                    f"can't reach the Exact token endpoint ({type(exc).__name__}); nothing "
                    "was sent, the stored refresh token is still good",
                    endpoint=TOKEN_PATH,
                ) from None
            return backoff_seconds(attempt, self._rng)
        if isinstance(exc, httpx.TransportError):
            raise ExactRefreshUncertain(
                f"the token refresh was sent but its answer was lost ({type(exc).__name__}). "
                "Exact may have rotated the refresh token, so it is not retried blindly: the "
                f"next run will try the stored one; if Exact then says it was used, {RUN_AUTH}",
                endpoint=TOKEN_PATH,
            ) from None
        return None

    def _refusal(self, status: int, body: dict[str, Any]) -> Exception:
        error = str(body.get("error") or "")
        description = self._redact(str(body.get("error_description") or ""))[:200]
        said = f"{error}: {description}" if description else error or "no reason given"
        lowered = description.lower()
        if status in (400, 401) and "not expired" in lowered:
            return _TooEarly()
        if error == "invalid_client":
            return ExactAuthError(
                "Exact refused the client id/secret (invalid_client): check the app's "
                "credentials in the settings",
                status=status,
                endpoint=TOKEN_PATH,
            )
        if error in ("unauthorized_client", "invalid_grant") or "refresh token" in lowered:
            return ExactTokenRevoked(
                f"Exact no longer accepts the stored refresh token ({said}); it was used already "
                f"or expired. Only a new consent helps: {RUN_AUTH}",
                status=status,
                endpoint=TOKEN_PATH,
            )
        if status == 429:
            return ExactRateLimited(
                f"Exact's token endpoint limit was hit ({said})", status=status, endpoint=TOKEN_PATH
            )
        if status >= 500:
            return ExactRefreshUncertain(
                f"the Exact token endpoint failed ({said}); it may have rotated the refresh "
                f"token, so it is not retried blindly. If the next run is told the token was "
                f"used, {RUN_AUTH}",
                status=status,
                endpoint=TOKEN_PATH,
            )
        return ExactAuthError(
            f"Exact refused the token request ({said})", status=status, endpoint=TOKEN_PATH
        )

    def _redact(self, text: str) -> str:
        secrets = [self._client_secret]
        if self._tokens is not None:
            secrets += [self._tokens.access_token, self._tokens.refresh_token]
        for secret in secrets:
            if secret:
                text = text.replace(secret, "***")
        return text

    def _sleep_until(self, moment: datetime, why: str) -> None:
        seconds = (moment - self._clock.now()).total_seconds()
        if seconds > 0:
            log.info("waiting %.0f s before refreshing: %s", seconds, why)
            self._clock.sleep(seconds)


def _usable(tokens: TokenSet, now: datetime) -> bool:
    """The access token can still be sent (30 s margin before its expiry)."""
    return now < tokens.access_expires_at - EXPIRY_MARGIN


def _expires_in(body: dict[str, Any]) -> float:
    """Exact sends `expires_in` as a string ("600")."""
    try:
        return float(str(body.get("expires_in", DEFAULT_EXPIRES_IN)))
    except ValueError:
        log.warning("unreadable expires_in from Exact; assuming %d s", DEFAULT_EXPIRES_IN)
        return float(DEFAULT_EXPIRES_IN)


def _json_object(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}
