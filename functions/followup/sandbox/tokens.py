"""Exact Online's OAuth token rules: 600 s access tokens, 570 s between refreshes, rotating
refresh tokens that die when used."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

ACCESS_LIFETIME = 600  # seconds an access token lives
REFRESH_INTERVAL = 570  # seconds before a chain may refresh again


class Now(Protocol):
    """Anything that tells the time."""

    def now(self) -> datetime:
        """The current time, timezone-aware."""
        ...


@dataclass(frozen=True)
class Grant:
    """A successful token response."""

    access_token: str
    refresh_token: str
    expires_in: int = ACCESS_LIFETIME


@dataclass(frozen=True)
class Refusal:
    """A refused token request: status and the OAuth error fields."""

    status: int
    error: str
    description: str = ""


@dataclass
class _Chain:
    refresh_token: str
    access_issued_at: datetime


class TokenBook:
    """Every token the sandbox has issued, by chain (one chain per user consent)."""

    def __init__(self, clock: Now) -> None:
        self._clock = clock
        self._access: dict[str, datetime] = {}  # access token -> issued at
        self._chains: dict[str, _Chain] = {}  # live refresh token -> its chain
        self._dead: set[str] = set()  # refresh tokens already used
        self._codes: set[str] = set()
        self.refresh_count = 0
        self.withdrawn = False  # the user withdrew the app's consent in Exact

    def issue(self) -> Grant:
        """Tokens of a fresh consent: a new chain."""
        now = self._clock.now()
        chain = _Chain(_new_token(), now)
        self._chains[chain.refresh_token] = chain
        return Grant(self._new_access(now), chain.refresh_token)

    def issue_code(self) -> str:
        """A one-time authorization code, as the consent screen would hand out."""
        code = "sandbox!" + secrets.token_urlsafe(24)  # real codes carry '!': decode properly
        self._codes.add(code)
        return code

    def redeem(self, code: str) -> Grant | Refusal:
        """Exchange an authorization code (grant_type=authorization_code)."""
        if code not in self._codes:
            return Refusal(400, "invalid_grant", "Invalid authorization code.")
        self._codes.discard(code)
        return self.issue()

    def withdraw(self) -> None:
        """The user withdraws the consent: every token issued so far stops working. Unverified:
        Exact's exact answer; the sandbox refuses as for a spent refresh token (401
        unauthorized_client), which only a new consent mends."""
        self.withdrawn = True
        self._dead |= set(self._chains)
        self._chains.clear()
        self._access.clear()

    def refresh(self, refresh_token: str) -> Grant | Refusal:
        """Rotate a chain (grant_type=refresh_token)."""
        if self.withdrawn and refresh_token in self._dead:
            return Refusal(401, "unauthorized_client", "Consent withdrawn.")
        if refresh_token in self._dead:
            return Refusal(401, "unauthorized_client", "Old refresh token used.")
        chain = self._chains.get(refresh_token)
        if chain is None:
            # Unverified: what Exact says about a refresh token it never issued.
            return Refusal(400, "invalid_grant", "Invalid refresh token.")
        now = self._clock.now()
        if (now - chain.access_issued_at).total_seconds() < REFRESH_INTERVAL:
            return Refusal(400, "access_denied", "Rate limit exceeded: access_token not expired")
        del self._chains[refresh_token]
        self._dead.add(refresh_token)
        chain.refresh_token, chain.access_issued_at = _new_token(), now
        self._chains[chain.refresh_token] = chain
        self.refresh_count += 1
        return Grant(self._new_access(now), chain.refresh_token)

    def check(self, access_token: str) -> str | None:
        """None when the access token is good, else why not."""
        issued = self._access.get(access_token)
        if issued is None:
            return "Unauthorized"
        if (self._clock.now() - issued).total_seconds() >= ACCESS_LIFETIME:
            return "Access token expired"
        return None

    def _new_access(self, now: datetime) -> str:
        token = _new_token()
        self._access[token] = now
        return token


def _new_token() -> str:
    return secrets.token_urlsafe(48)
